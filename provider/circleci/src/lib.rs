//! The `circleci` Terraform provider: the provider block and the registry of what it serves.
//! The resources live in their own crates: `circleci-core` (the neutral halves and cloud-free
//! resources), `circleci-aws` (feature `aws`) and `circleci-kubernetes` (feature `kubernetes`).
//!
//! May depend on those crates and the framework; no cloud SDK or kube code of its own.

mod provider;

pub use provider::{CircleCiProvider, ProviderData};
