//! `data "circleciserver_chart_template"`: the provider's `helm template`. It renders a chart
//! with values as Helm would install it, without a cluster, so users can preview what an
//! install makes, run policy checks on it, or hand it to other tools.

use std::collections::BTreeMap;

use async_trait::async_trait;
use circleci_cty::{AttributePath, Type, Value};
use circleci_helm::{Capabilities, DEFAULT_KUBE_VERSION, KubeVersion, RenderOptions, Rendered};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, DataSource, Diagnostic, Diagnostics, from_value};
use serde::Deserialize;

use crate::source::{self, ChartRef, RegistryAccess};

pub struct ChartTemplate;

/// The configuration, read once into a typed model (unknown values read as `None`).
#[derive(Deserialize, Default)]
struct Config {
    chart: Option<String>,
    version: Option<String>,
    repository_username: Option<String>,
    repository_password: Option<String>,
    plain_http: Option<bool>,
    values: Option<Vec<Option<String>>>,
    set: Option<BTreeMap<String, String>>,
    release_name: Option<String>,
    namespace: Option<String>,
    kube_version: Option<String>,
    api_versions: Option<Vec<String>>,
    include_crds: Option<bool>,
    skip_tests: Option<bool>,
}

fn object_type() -> Type {
    Type::object([
        ("api_version", Type::String),
        ("kind", Type::String),
        ("name", Type::String),
        ("namespace", Type::String),
        ("source", Type::String),
        ("hook", Type::Bool),
    ])
}

fn block() -> Block {
    Block::new(
        "Renders a Helm chart as `helm template` does (same documents, `# Source:` paths and order), without a cluster \
         and without `helm`: to preview what an install makes, check it with policy tools, or pass it on.",
    )
    .attribute(Attribute::required(
        "chart",
        Type::String,
        "The chart: a directory holding `Chart.yaml`, a `.tgz` made by `helm package`, or `oci://HOST/PATH/NAME`.",
    ))
    .attribute(Attribute::optional(
        "version",
        Type::String,
        "The chart version: the tag pulled from an OCI registry (required there); for a local chart, checked against its Chart.yaml.",
    ))
    .attribute(Attribute::optional(
        "repository_username",
        Type::String,
        "The registry user name, for registries that ask for one.",
    ))
    .attribute(Attribute::optional("repository_password", Type::String, "The registry password or token.").sensitive())
    .attribute(
        Attribute::optional(
            "plain_http",
            Type::Bool,
            "Talk to the registry over HTTP instead of HTTPS (Helm's `--plain-http`), for a registry on a private network.",
        )
        .default(Value::Bool(false)),
    )
    .attribute(Attribute::optional(
        "values",
        Type::list(Type::String),
        "Values files' contents (YAML maps), as `-f`: later ones win key by key.",
    ))
    .attribute(Attribute::optional(
        "set",
        Type::map(Type::String),
        "Values by dotted path, as `--set` (typed the same way: `true`, `3`, `null`), applied after `values`; each value is taken whole.",
    ))
    .attribute(
        Attribute::optional("release_name", Type::String, "`.Release.Name`.").default(Value::from("release-name")),
    )
    .attribute(Attribute::optional("namespace", Type::String, "`.Release.Namespace`.").default(Value::from("default")))
    .attribute(
        Attribute::optional(
            "kube_version",
            Type::String,
            "The Kubernetes version templates see (`.Capabilities.KubeVersion`) and Chart.yaml's `kubeVersion` is checked against.",
        )
        .default(Value::from(DEFAULT_KUBE_VERSION)),
    )
    .attribute(Attribute::optional(
        "api_versions",
        Type::list(Type::String),
        "API versions to add to `.Capabilities.APIVersions` (`group/version` or `group/version/Kind`), as `--api-versions`.",
    ))
    .attribute(
        Attribute::optional("include_crds", Type::Bool, "Put the charts' `crds/` first in `manifest`, as `--include-crds`.")
            .default(Value::Bool(false)),
    )
    .attribute(
        Attribute::optional("skip_tests", Type::Bool, "Leave `helm test` hooks out of `manifest`, as `--skip-tests`.")
            .default(Value::Bool(false)),
    )
    .attribute(Attribute::computed(
        "manifest",
        Type::String,
        "Exactly what `helm template` prints.",
    ))
    .attribute(Attribute::computed("notes", Type::String, "The chart's rendered NOTES.txt."))
    .attribute(Attribute::computed(
        "objects",
        Type::list(object_type()),
        "Each document of `manifest` in its order: `api_version`, `kind`, `name`, `namespace`, the template it came from (`source`), and whether it is a hook.",
    ))
    .attribute(Attribute::computed("chart_version", Type::String, "The chart's version (Chart.yaml)."))
    .attribute(Attribute::computed("app_version", Type::String, "The chart's appVersion (Chart.yaml)."))
    .attribute(Attribute::computed(
        "digest",
        Type::String,
        "`sha256:...` of the chart archive (pulled or read); null for a chart directory.",
    ))
}

/// Helm's release name rule (`chartutil.ValidateReleaseName`).
fn release_name_ok(name: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !name.is_empty() && name.len() <= 53 && name.split('.').all(label_ok)
}

fn check(config: &Config, diags: &mut Diagnostics) {
    let root = AttributePath::root();
    if let Some(chart) = &config.chart {
        if chart.trim().is_empty() {
            diags.attribute_error(
                &root.attr("chart"),
                "Empty chart",
                "Give a chart directory, a .tgz, or an oci:// reference.",
            );
        } else if chart.starts_with("oci://")
            && let Err(e) = circleci_oci::Reference::parse(chart, config.version.as_deref())
        {
            let version_missing = config.version.as_deref().is_none_or(str::is_empty)
                && circleci_oci::Reference::parse(chart, Some("0")).is_ok();
            if version_missing {
                diags.attribute_error(
                    &root.attr("version"),
                    "Missing chart version",
                    format!("{chart} is an OCI reference: set version to the chart version to pull (the registry tag), or pin a digest with NAME@sha256:..."),
                );
            } else {
                diags.attribute_error(&root.attr("chart"), "Invalid chart reference", e.to_string());
            }
        }
    }
    if config.repository_username.is_some() != config.repository_password.is_some() {
        let (given, missing) = if config.repository_username.is_some() {
            ("repository_username", "repository_password")
        } else {
            ("repository_password", "repository_username")
        };
        diags.attribute_error(
            &root.attr(missing),
            "Incomplete registry credentials",
            format!("{given} is set but {missing} is not: give both, or neither for an anonymous pull."),
        );
    }
    for (i, doc) in config.values.iter().flatten().enumerate() {
        if let Some(doc) = doc
            && let Err(e) = circleci_helm::yaml::parse_values(doc)
        {
            diags.attribute_error(
                &root.attr("values").index(i as i64),
                "Values are not a YAML map",
                format!("values[{i}]: {e}. Each element is the text of a values file: a YAML map."),
            );
        }
    }
    if let Some(name) = &config.release_name
        && !release_name_ok(name)
    {
        diags.attribute_error(
            &root.attr("release_name"),
            "Invalid release name",
            format!(
                "release name {name:?}: must be lower-case letters, digits, '-' and '.', start and end with a letter or digit, and be at most 53 characters (Helm's rule)"
            ),
        );
    }
    if let Some(v) = &config.kube_version
        && let Err(e) = KubeVersion::parse(v)
    {
        diags.attribute_error(&root.attr("kube_version"), "Invalid Kubernetes version", e);
    }
}

fn objects(rendered: &Rendered, include_crds: bool, skip_tests: bool) -> Value {
    let obj = |m: &circleci_helm::Manifest, hook: bool| {
        Value::object([
            ("api_version", Value::from(m.api_version.as_str())),
            ("kind", Value::from(m.kind.as_str())),
            ("name", Value::from(m.name.as_str())),
            ("namespace", Value::from(m.namespace.as_str())),
            ("source", Value::from(m.source.as_str())),
            ("hook", Value::Bool(hook)),
        ])
    };
    let crds = rendered.crds.iter().filter(|_| include_crds).map(|m| obj(m, false));
    let docs = rendered.manifests.iter().map(|m| obj(m, false));
    let hooks = rendered
        .hooks
        .iter()
        .filter(|h| !(skip_tests && h.is_test()))
        .map(|h| obj(&h.manifest, true));
    Value::List(crds.chain(docs).chain(hooks).collect())
}

#[async_trait]
impl<D: Send + Sync + 'static> DataSource<D> for ChartTemplate {
    fn type_name(&self) -> &'static str {
        "circleciserver_chart_template"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        match from_value::<Config>(&config.unknown_as_null()) {
            Ok(c) => check(&c, diags),
            Err(d) => diags.push(d),
        }
    }

    /// `config` arrives with the schema's defaults applied.
    async fn read(&self, _ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics> {
        let c: Config = from_value(config).map_err(Diagnostics::from)?;
        let mut diags = Diagnostics::default();
        check(&c, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        let root = AttributePath::root();
        let chart_text = c.chart.clone().unwrap_or_default();
        let access = RegistryAccess {
            username: c.repository_username.clone(),
            password: c.repository_password.clone(),
            plain_http: c.plain_http.unwrap_or(false),
        };
        let fetched = source::fetch(&ChartRef::parse(&chart_text), c.version.as_deref(), &access)
            .await
            .map_err(|e| Diagnostics::from(Diagnostic::error("Cannot load the chart", e.0).at(&root.attr("chart"))))?;
        let docs: Vec<String> = c.values.iter().flatten().flatten().cloned().collect();
        let values = circleci_helm::user_values(&docs, &c.set.clone().unwrap_or_default()).map_err(|e| {
            Diagnostics::from(Diagnostic::error("Invalid values", e.to_string()).at(&root.attr("values")))
        })?;
        let kube = KubeVersion::parse(c.kube_version.as_deref().unwrap_or(DEFAULT_KUBE_VERSION)).map_err(|e| {
            Diagnostics::from(Diagnostic::error("Invalid Kubernetes version", e).at(&root.attr("kube_version")))
        })?;
        let options = RenderOptions {
            release_name: c.release_name.clone().unwrap_or_else(|| "release-name".into()),
            namespace: c.namespace.clone().unwrap_or_else(|| "default".into()),
            capabilities: Capabilities::new(kube, &c.api_versions.clone().unwrap_or_default()),
            ..RenderOptions::default()
        };
        let started = std::time::Instant::now();
        let rendered = circleci_helm::render(&fetched.chart, &values, &options).map_err(|e| {
            let detail = match e.file() {
                Some(file) => format!("{e}\n\n(in the chart's {file})"),
                None => e.to_string(),
            };
            Diagnostics::from(Diagnostic::error("The chart does not render", detail).at(&root.attr("chart")))
        })?;
        tracing::debug!(
            chart = %fetched.chart.metadata.name,
            version = %fetched.chart.metadata.version,
            documents = rendered.manifests.len(),
            hooks = rendered.hooks.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "rendered chart"
        );
        let include_crds = c.include_crds.unwrap_or(false);
        let skip_tests = c.skip_tests.unwrap_or(false);
        let mut state = config.clone();
        state.set_attr(
            "manifest",
            Value::from(rendered.template_output(include_crds, skip_tests)),
        );
        state.set_attr("notes", Value::from(rendered.notes.as_str()));
        state.set_attr("objects", objects(&rendered, include_crds, skip_tests));
        state.set_attr("chart_version", Value::from(fetched.chart.metadata.version.as_str()));
        state.set_attr("app_version", Value::from(fetched.chart.metadata.app_version.as_str()));
        state.set_attr("digest", fetched.digest.map_or(Value::Null, Value::from));
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::release_name_ok;

    #[test]
    fn release_names_follow_helms_rule() {
        assert!(release_name_ok("circleci-server"));
        assert!(release_name_ok("a.b-1"));
        assert!(!release_name_ok("Upper"));
        assert!(!release_name_ok("-lead"));
        assert!(!release_name_ok(&"a".repeat(54)));
    }
}
