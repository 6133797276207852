//! The `circleci` Terraform provider: resources that stand up CircleCI Server 3.x.
//!
//! One folder per service: `nomad/` holds what the Nomad clients and control plane need
//! (mTLS material); cloud resources live in their own crates behind features.

pub mod docs;
pub mod nomad;
mod provider;
pub mod server;

pub use provider::{CircleCiProvider, ProviderData};
