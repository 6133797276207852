//! Helpers shared by the AWS acceptance tests: clients for checking through the AWS API, and
//! fixtures (network, node groups) that the resources under test attach to.

#![allow(dead_code)]

use std::path::Path;

use acceptance_tests::moto::Moto;
use acceptance_tests::{Terraform, Workdir, provider_block};
use circleci_aws::Aws;

#[allow(unused_imports)]
pub use acceptance_tests::fixtures::{
    Network, REGION, amazon_image, attached_target_groups, image, network, node_group,
};
pub const OIDC: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";

pub fn provider() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleciserver"))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// AWS clients for the test's own checks, built the same way the provider builds them.
pub fn aws(moto: &Moto, runtime: &tokio::runtime::Runtime) -> Aws {
    acceptance_tests::fixtures::clients(moto, runtime)
}

/// A provider block pointing at `endpoint`, with a default tag.
pub fn provider_config(endpoint: &str) -> String {
    provider_block(&format!(
        "  aws {{\n    region       = \"{REGION}\"\n    endpoint_url = \"{endpoint}\"\n    default_tags = {{ managed_by = \"terraform\" }}\n  }}\n"
    ))
}

pub fn workdir(tf: &Terraform, moto: &Moto) -> Workdir {
    Workdir::new(tf, provider()).envs(moto.env())
}
