//! The AWS side of the `circleci` provider, on aws-sdk-rust.
//!
//! The provider's `aws` block becomes an [`Aws`] (one SDK configuration and a client per
//! service, honouring `endpoint_url` for emulators such as moto). Each resource's AWS half
//! lives in its own module with its schema block, CRUD, import and drift detection.

pub mod access;
mod client;
pub mod error;
pub mod load_balancer;
pub mod nomad_client_group;
pub mod object_storage;
pub mod vm_service_access;
pub mod vm_service_image;

pub use client::{Aws, AwsData, provider_block};

/// The SDK crates, for tests and callers that need their types.
pub mod sdk {
    pub use aws_sdk_autoscaling as autoscaling;
    pub use aws_sdk_ec2 as ec2;
    pub use aws_sdk_elasticloadbalancingv2 as elbv2;
    pub use aws_sdk_iam as iam;
    pub use aws_sdk_s3 as s3;
}

/// AWS lists things in its own order; a list read back keeps the configuration's order, with
/// anything the configuration does not name at the end.
pub(crate) fn in_prior_order(prior: &[String], mut found: Vec<String>) -> Vec<String> {
    found.sort_by_key(|c| prior.iter().position(|p| p == c).unwrap_or(usize::MAX));
    found
}
