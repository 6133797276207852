//! The engine's errors, with Helm's wording where Helm has one.

/// A chart that cannot be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    /// Not a chart at all (no Chart.yaml, not an archive).
    #[error("{origin} is not a Helm chart: {reason}")]
    NotAChart { origin: String, reason: String },
    /// A chart file that does not parse or validate.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("error unpacking subchart {subchart} in {chart}: {source}")]
    Subchart {
        subchart: String,
        chart: String,
        source: Box<LoadError>,
    },
}

/// A chart that cannot be rendered with the values given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// `Chart.yaml` lists a dependency that `charts/` lacks.
    #[error(
        "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        missing.join(", ")
    )]
    MissingDependencies { missing: Vec<String> },
    #[error("{0} charts are not installable")]
    NotInstallable(String),
    /// Values that cannot be coalesced (a subchart's key holding a non-map).
    #[error("{0}")]
    Values(String),
    /// A user values document that is not YAML or not a map.
    #[error("values document {index}: {message}")]
    UserValues { index: usize, message: String },
    /// Values refused by `values.schema.json` (root chart or subcharts).
    #[error("values don't meet the specifications of the schema(s) in the following chart(s):\n{0}")]
    Schema(String),
    #[error("chart requires kubeVersion: {required} which is incompatible with Kubernetes {actual}")]
    KubeVersion { required: String, actual: String },
    /// A template that does not parse: `parse error at (FILE:LINE): MESSAGE`.
    #[error("parse error at ({file}:{line}): {message}")]
    Parse { file: String, line: usize, message: String },
    /// A template whose execution failed (Helm's message: `execution error at (FILE:LINE:COL): MESSAGE`
    /// for `required` and `fail`, else Go's).
    #[error("{message}")]
    Exec {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// A rendered document that is not YAML: `YAML parse error on FILE: MESSAGE`.
    #[error("YAML parse error on {file}: {message}")]
    Manifest { file: String, message: String },
}

impl RenderError {
    /// The template file the error is in, when it is in one.
    pub fn file(&self) -> Option<&str> {
        match self {
            RenderError::Parse { file, .. } | RenderError::Exec { file, .. } | RenderError::Manifest { file, .. } => {
                Some(file)
            }
            _ => None,
        }
    }
}
