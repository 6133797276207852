//! Where a chart comes from, and fetching it.

use std::path::Path;

use circleci_helm::Chart;
use sha2::Digest;

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
                digest: Some(sha256(&bytes)),
            })
        }
        ChartRef::Oci(reference) => {
            let _ = (version, access);
            Err(FetchError(format!(
                "{reference}: this build cannot pull from OCI registries yet; pull the chart with `helm pull` and give the .tgz"
            )))
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

/// `sha256:HEX` of some bytes, as OCI names digests.
pub fn sha256(bytes: &[u8]) -> String {
    let d = sha2::Sha256::digest(bytes);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
