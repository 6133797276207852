//! Where a chart comes from, and fetching it.

use std::path::Path;

use circleci_helm::Chart;

/// A fetched chart with what identifies it.
pub struct Fetched {
    pub chart: Chart,
    /// `sha256:HEX` of the archive (pulled or read), `None` for a directory.
    pub digest: Option<String>,
}

/// How to reach a registry.
#[derive(Clone, Debug, Default)]
pub struct RegistryAccess {
    pub username: Option<String>,
    pub password: Option<String>,
    /// Speak HTTP, not HTTPS (Helm's `--plain-http`), for a registry on a private network.
    pub plain_http: bool,
}

/// The kinds of chart reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartRef {
    /// A chart directory (with `Chart.yaml`).
    Directory(String),
    /// A `.tgz` made by `helm package`.
    Archive(String),
    /// `oci://HOST/PATH/NAME`.
    Oci(String),
}

impl ChartRef {
    /// Classifies a `chart` attribute's value.
    pub fn parse(chart: &str) -> ChartRef {
        if chart.starts_with("oci://") {
            ChartRef::Oci(chart.to_string())
        } else if Path::new(chart).is_dir() {
            ChartRef::Directory(chart.to_string())
        } else {
            ChartRef::Archive(chart.to_string())
        }
    }
}

/// Why a chart could not be had: the message says what to do.
#[derive(Debug)]
pub struct FetchError(pub String);

/// Fetches and loads the chart `reference` names.
pub async fn fetch(
    reference: &ChartRef,
    version: Option<&str>,
    access: &RegistryAccess,
) -> Result<Fetched, FetchError> {
    match reference {
        ChartRef::Directory(dir) => {
            let chart = circleci_helm::chart::load_dir(Path::new(dir)).map_err(|e| FetchError(e.to_string()))?;
            check_version(&chart, version, dir)?;
            Ok(Fetched { chart, digest: None })
        }
        ChartRef::Archive(file) => {
            let bytes = std::fs::read(file).map_err(|e| {
                FetchError(format!(
                    "cannot read the chart {file}: {e}. Give a chart directory, a .tgz made by `helm package`, or an oci:// reference."
                ))
            })?;
            let chart = circleci_helm::chart::load_archive(&bytes).map_err(|e| FetchError(format!("{file}: {e}")))?;
            check_version(&chart, version, file)?;
            Ok(Fetched {
                chart,
                digest: Some(circleci_oci::Digest::of(&bytes).to_string()),
            })
        }
        ChartRef::Oci(reference) => {
            let parsed = circleci_oci::Reference::parse(reference, version).map_err(|e| FetchError(e.to_string()))?;
            let credentials = match (&access.username, &access.password) {
                (Some(username), Some(password)) => Some(circleci_oci::Credentials {
                    username: username.clone(),
                    password: password.clone(),
                }),
                _ => None,
            };
            let client = circleci_oci::Client::new(circleci_oci::Options {
                credentials,
                plain_http: access.plain_http,
                cache: circleci_oci::Cache::user_default(),
                timeout: None,
            })
            .map_err(|e| FetchError(e.to_string()))?;
            let pulled = client.pull(&parsed).await.map_err(|e| FetchError(e.to_string()))?;
            tracing::info!(reference = %parsed, digest = %pulled.chart_digest, origin = ?pulled.origin, "chart pulled");
            let chart = circleci_helm::chart::load_archive(&pulled.archive)
                .map_err(|e| FetchError(format!("{parsed} (chart layer {}): {e}", pulled.chart_digest)))?;
            check_version(&chart, version, &parsed.to_string())?;
            Ok(Fetched {
                chart,
                digest: Some(pulled.chart_digest.to_string()),
            })
        }
    }
}

/// Helm refuses a local chart whose version is not the one asked for.
fn check_version(chart: &Chart, version: Option<&str>, place: &str) -> Result<(), FetchError> {
    match version {
        Some(v) if !v.is_empty() && chart.metadata.version != v => Err(FetchError(format!(
            "{place} holds chart {} version {}, not version {v}: set version to the chart's version or leave it out",
            chart.metadata.name, chart.metadata.version
        ))),
        _ => Ok(()),
    }
}
