//! Helm 3's chart engine, without Helm: load a chart (directory or `.tgz`), coalesce its values
//! with the user's, render its templates with Go's `text/template`, Sprig and Helm's own
//! functions, and order the result as `helm template` prints it.
//!
//! No cloud SDK and no Kubernetes client: what needs a cluster (`lookup`, release storage)
//! goes through traits the caller implements.

pub mod yaml;
pub mod chart;
pub mod convert;
pub mod release;

pub use chart::Chart;
