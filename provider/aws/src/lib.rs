//! The AWS halves of the `circleci` resources, on aws-sdk-rust: each module implements
//! [`circleci_core::cloud::CloudHalf`] for one resource (its `aws` block, CRUD, import, drift).
//!
//! May depend on aws-sdk-rust, the framework, `circleci-core` and `circleci-nomad`; never on
//! kube or a Google crate, and it never names a resource type (the neutral half does).
//!
//! The provider's `aws` block becomes an [`Aws`] (one SDK configuration and a client per
//! service, honouring `endpoint_url` for emulators such as moto).

pub mod access;
pub mod adopt;
mod client;
pub mod error;
pub mod load_balancer;
pub mod nomad_client_group;
pub mod object_storage;
mod retry;
mod security_group;
mod tags;
pub mod vm_service_access;
pub mod vm_service_image;

pub use client::{Aws, AwsData, provider_block};

/// The diagnostic for a provider without an `aws` block, for [`AwsData`] impls.
pub fn not_configured() -> circleci_tfplugin::Diagnostic {
    circleci_tfplugin::Diagnostic::error(
        "AWS is not configured",
        "This resource lives in AWS: add an aws { region = \"...\" } block to the circleciserver provider, or set AWS_REGION.",
    )
}

/// The SDK crates, for tests and callers that need their types.
pub mod sdk {
    pub use aws_sdk_autoscaling as autoscaling;
    pub use aws_sdk_ec2 as ec2;
    pub use aws_sdk_elasticloadbalancingv2 as elbv2;
    pub use aws_sdk_iam as iam;
    pub use aws_sdk_s3 as s3;
}

pub(crate) use circleci_core::cloud::in_prior_order;
