//! Helpers shared by the AWS acceptance tests: clients for checking through the AWS API, and
//! fixtures (network, node groups) that the resources under test attach to.

#![allow(dead_code)]

use std::path::Path;

use acceptance_tests::moto::Moto;
use acceptance_tests::{Terraform, Workdir, provider_block};
use circleci_aws::Aws;
use circleci_aws::sdk::{autoscaling, ec2};
use circleci_cty::Value;

pub const REGION: &str = "eu-west-1";
pub const OIDC: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";

pub fn provider() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleci"))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// AWS clients for the test's own checks, built the same way the provider builds them.
pub fn aws(moto: &Moto, runtime: &tokio::runtime::Runtime) -> Aws {
    // SAFETY: every test sets the same constant values.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let block = Value::object([
        ("region", Value::from(REGION)),
        ("endpoint_url", Value::from(moto.endpoint.as_str())),
        ("max_attempts", Value::int(2)),
        ("retry_mode", Value::from("standard")),
        ("profile", Value::Null),
        ("default_tags", Value::Null),
        ("assume_role", Value::Null),
    ]);
    runtime.block_on(Aws::from_block(&block)).expect("aws clients")
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

/// A VPC with two subnets in two zones.
pub struct Network {
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
}

pub fn network(aws: &Aws, rt: &tokio::runtime::Runtime) -> Network {
    let vpc = rt
        .block_on(aws.ec2.create_vpc().cidr_block("10.0.0.0/16").send())
        .unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let subnet_ids = ["a", "b"]
        .iter()
        .enumerate()
        .map(|(i, zone)| {
            let out = rt
                .block_on(
                    aws.ec2
                        .create_subnet()
                        .vpc_id(&vpc_id)
                        .cidr_block(format!("10.0.{i}.0/24"))
                        .availability_zone(format!("{REGION}{zone}"))
                        .send(),
                )
                .unwrap();
            out.subnet().unwrap().subnet_id().unwrap().to_string()
        })
        .collect();
    Network { vpc_id, subnet_ids }
}

/// An AMI registered in moto, as a source image or a node image.
pub fn image(aws: &Aws, rt: &tokio::runtime::Runtime, name: &str) -> String {
    let reservation = rt
        .block_on(
            aws.ec2
                .run_instances()
                .image_id(any_moto_image(aws, rt))
                .min_count(1)
                .max_count(1)
                .send(),
        )
        .unwrap();
    let instance = reservation.instances()[0].instance_id().unwrap().to_string();
    let out = rt
        .block_on(aws.ec2.create_image().instance_id(&instance).name(name).send())
        .unwrap();
    rt.block_on(aws.ec2.terminate_instances().instance_ids(&instance).send())
        .unwrap();
    out.image_id().unwrap().to_string()
}

/// One of the AMIs moto ships.
pub fn any_moto_image(aws: &Aws, rt: &tokio::runtime::Runtime) -> String {
    let out = rt.block_on(aws.ec2.describe_images().owners("amazon").send()).unwrap();
    out.images()
        .iter()
        .find_map(|i| i.image_id())
        .expect("moto ships AMIs")
        .to_string()
}

/// An autoscaling group standing in for a cluster node group (no instances).
pub fn node_group(aws: &Aws, rt: &tokio::runtime::Runtime, name: &str, network: &Network) {
    let image = any_moto_image(aws, rt);
    rt.block_on(
        aws.ec2
            .create_launch_template()
            .launch_template_name(format!("{name}-lt"))
            .launch_template_data(
                ec2::types::RequestLaunchTemplateData::builder()
                    .image_id(image)
                    .instance_type(ec2::types::InstanceType::T3Micro)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    rt.block_on(
        aws.autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_template(
                autoscaling::types::LaunchTemplateSpecification::builder()
                    .launch_template_name(format!("{name}-lt"))
                    .build(),
            )
            .min_size(0)
            .max_size(1)
            .desired_capacity(0)
            .vpc_zone_identifier(network.subnet_ids.join(","))
            .send(),
    )
    .unwrap();
}

/// Target groups attached to an autoscaling group.
pub fn attached_target_groups(aws: &Aws, rt: &tokio::runtime::Runtime, group: &str) -> Vec<String> {
    let out = rt
        .block_on(
            aws.autoscaling
                .describe_load_balancer_target_groups()
                .auto_scaling_group_name(group)
                .send(),
        )
        .unwrap();
    out.load_balancer_target_groups()
        .iter()
        .filter_map(|t| t.load_balancer_target_group_arn().map(str::to_string))
        .collect()
}
