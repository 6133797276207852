//! Helm 3's chart engine, without Helm: load a chart (directory or `.tgz`), coalesce its values
//! with the user's, render its templates with Go's `text/template`, Sprig and Helm's own
//! functions, and order the result as `helm template` prints it.
//!
//! No cloud SDK and no Kubernetes client: what needs a cluster (`lookup`, release storage)
//! goes through traits the caller implements.
//!
//! ```no_run
//! let chart = circleci_helm::chart::load_dir(std::path::Path::new("charts/app"))?;
//! let values = circleci_helm::user_values(&["replicas: 2".to_string()], &Default::default())?;
//! let out = circleci_helm::render(&chart, &values, &circleci_helm::RenderOptions::default())?;
//! print!("{}", out.template_output(false, false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod capabilities;
pub mod chart;
pub mod convert;
mod error;
mod files;
mod funcs;
mod glob;
pub mod manifest;
pub mod release;
mod render;
mod schema;
pub mod values;
pub mod yaml;

pub use capabilities::{Capabilities, DEFAULT_KUBE_VERSION, HELM_VERSION, KubeVersion};
pub use chart::Chart;
pub use circleci_gotemplate::Value;
pub use error::{LoadError, RenderError};
pub use funcs::Lookup;
pub use manifest::{Hook, HookEvent, Manifest};
pub use render::{RenderOptions, Rendered, render, user_values};
