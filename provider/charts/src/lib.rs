//! Helm charts as the provider uses them: a chart reference (a directory, a `.tgz`, or an
//! `oci://` registry reference) fetched and loaded, and `data "circleciserver_chart_template"`,
//! the provider's `helm template`.

pub mod source;
pub mod template;
