//! AWS fixtures that the resources under test (and the aws-nomad example) attach to: a
//! network, node groups, images. Made through the AWS API against an emulator.

use circleci_aws::Aws;
use circleci_aws::sdk::{autoscaling, ec2};

pub const REGION: &str = "eu-west-1";

/// AWS clients pointed at `moto`, built the same way the provider builds them, with moto's
/// fake credentials put in this process's environment.
pub fn clients(moto: &crate::moto::Moto, runtime: &tokio::runtime::Runtime) -> Aws {
    for (k, v) in moto.env() {
        // SAFETY: every caller sets the same constant values.
        unsafe { std::env::set_var(k, v) };
    }
    let block = circleci_cty::Value::object([
        ("region", circleci_cty::Value::from(REGION)),
        ("endpoint_url", circleci_cty::Value::from(moto.endpoint.as_str())),
        ("max_attempts", circleci_cty::Value::int(3)),
        ("retry_mode", circleci_cty::Value::from("standard")),
        ("profile", circleci_cty::Value::Null),
        ("default_tags", circleci_cty::Value::Null),
        ("assume_role", circleci_cty::Value::Null),
    ]);
    runtime.block_on(Aws::from_block(&block)).expect("AWS clients")
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
