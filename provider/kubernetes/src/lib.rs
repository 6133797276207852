//! The Kubernetes side of the `circleci` provider, on kube-rs: the provider's `kubernetes`
//! block ([`cluster`]), `circleciserver_server` ([`install`]), and the `circleciserver_server_status` and
//! `circleciserver_server_manifests` data sources.
//!
//! May depend on kube-rs, the framework, `circleci-core` and `circleci-server` (the renderer):
//! never on a cloud SDK.

pub mod chart_objects;
pub mod cluster;
pub mod hooks;
pub mod install;
pub mod live;
pub mod manifests;
pub mod release;
pub mod release_store;
pub mod spec;
pub mod status;

use circleci_tfplugin::Diagnostic;

pub use cluster::Cluster;

/// What the provider's data must offer for the Kubernetes resources to work.
pub trait KubernetesData: Send + Sync + 'static {
    /// The configured cluster, or a diagnostic saying how to configure it.
    fn cluster(&self) -> Result<&Cluster, Diagnostic>;

    /// False while the `kubernetes` block refers to values not known until apply: a refresh
    /// then keeps the state as it was rather than read some other cluster.
    fn cluster_known(&self) -> bool {
        true
    }
}

/// The diagnostic for a provider without a `kubernetes` block, for [`KubernetesData`] impls.
pub fn not_configured() -> Diagnostic {
    Diagnostic::error(
        "Kubernetes is not configured",
        "circleciserver_server and circleciserver_server_status work in a cluster: add a kubernetes { } block to the circleciserver \
         provider (config_path, or host with credentials).",
    )
}
