//! A loaded chart (Helm's `chart.Chart`): its metadata, templates, default values, schema,
//! other files and subcharts.

mod load;
mod metadata;

use std::collections::BTreeMap;

use circleci_gotemplate::Value;

pub use load::{load_archive, load_dir, load_files};
pub use metadata::{ApiVersion, ChartType, Dependency, Maintainer, Metadata};

/// A file of a chart, by its path relative to the chart's root (`templates/deployment.yaml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub data: Vec<u8>,
}

/// A chart as Helm's loader leaves it.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub metadata: Metadata,
    /// `Chart.lock` (or `requirements.lock`), as JSON, when present.
    pub lock: Option<serde_json::Value>,
    /// `templates/**`.
    pub templates: Vec<File>,
    /// `values.yaml`, parsed.
    pub values: BTreeMap<String, Value>,
    /// `values.schema.json`, when present.
    pub schema: Option<Vec<u8>>,
    /// Every other file (`crds/**`, `README.md`, files read by `.Files`), not `charts/`.
    pub files: Vec<File>,
    /// The subcharts under `charts/` (directories and archives), in name order.
    pub dependencies: Vec<Chart>,
}
