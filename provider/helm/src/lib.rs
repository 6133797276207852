//! Helm 3's chart engine: load a chart, coalesce its values, render its templates exactly as
//! `helm template` does, sort the objects and hooks into Helm's install order, and read and
//! write Helm's release record. No cloud SDK; Kubernetes only behind a small trait.
