//! The GCP halves of the `circleci` resources, on google-cloud-rust: each module implements
//! [`circleci_core::cloud::TypedCloudHalf`] for one resource (its `gcp` block, CRUD, import,
//! drift).
//!
//! May depend on google-cloud-rust, the framework and `circleci-core`; never on kube or an AWS
//! crate, and it never names a resource type (the neutral half does).
//!
//! The provider's `gcp` block becomes a [`Gcp`]: project, region and zone, credentials (a
//! service-account key, impersonation, Application Default Credentials, or none for an
//! emulator), per-API endpoints, default labels, and a client per API with retries and
//! operation polling configured.

mod client;
pub mod custom_role;
pub mod error;
pub mod labels;
pub mod load_balancer;
pub mod nomad_client_group;
pub mod object_storage;
mod operation;
mod parts;
pub mod retry;
pub mod service_account;
pub mod vm_service_access;
pub mod vm_service_image;

pub use client::{Gcp, GcpData, provider_block};

/// The diagnostic for a provider without a `gcp` block, for [`GcpData`] impls.
pub fn not_configured() -> circleci_tfplugin::Diagnostic {
    circleci_tfplugin::Diagnostic::error(
        "GCP is not configured",
        "This resource lives in GCP: add a gcp { project = \"...\" region = \"...\" } block to the circleciserver provider.",
    )
}
