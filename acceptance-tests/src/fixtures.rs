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
    clients_at(Some(&moto.endpoint), REGION, runtime)
}

/// AWS clients built the same way the provider builds them; `endpoint: None` is the real AWS
/// of the standard credential chain (real-cloud runs, `TF_ACC_AWS=1`).
pub fn clients_at(endpoint: Option<&str>, region: &str, runtime: &tokio::runtime::Runtime) -> Aws {
    let block = circleci_cty::Value::object([
        ("region", circleci_cty::Value::from(region)),
        (
            "endpoint_url",
            endpoint.map_or(circleci_cty::Value::Null, circleci_cty::Value::from),
        ),
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
    // The region's zones as AWS lists them, so the fixture works in any region.
    let zones = rt.block_on(aws.ec2.describe_availability_zones().send()).unwrap();
    let zones: Vec<String> = zones
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .take(2)
        .collect();
    let subnet_ids = zones
        .iter()
        .enumerate()
        .map(|(i, zone)| {
            let out = rt
                .block_on(
                    aws.ec2
                        .create_subnet()
                        .vpc_id(&vpc_id)
                        .cidr_block(format!("10.0.{i}.0/24"))
                        .availability_zone(zone)
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
                .image_id(amazon_image(aws, rt))
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

/// An Amazon-owned AMI: the newest Amazon Linux 2023 where AWS has it (a real account), else
/// any of the AMIs moto ships.
pub fn amazon_image(aws: &Aws, rt: &tokio::runtime::Runtime) -> String {
    let al2023 = ec2::types::Filter::builder()
        .name("name")
        .values("al2023-ami-2023.*-x86_64")
        .build();
    let out = rt
        .block_on(aws.ec2.describe_images().owners("amazon").filters(al2023).send())
        .unwrap();
    let newest = out
        .images()
        .iter()
        .filter(|i| i.image_id().is_some())
        .max_by_key(|i| i.creation_date().unwrap_or_default().to_string());
    if let Some(image) = newest {
        return image.image_id().unwrap().to_string();
    }
    let out = rt.block_on(aws.ec2.describe_images().owners("amazon").send()).unwrap();
    out.images()
        .iter()
        .find_map(|i| i.image_id())
        .expect("moto ships AMIs")
        .to_string()
}

/// An autoscaling group standing in for a cluster node group (no instances).
pub fn node_group(aws: &Aws, rt: &tokio::runtime::Runtime, name: &str, network: &Network) {
    let image = amazon_image(aws, rt);
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

/// Everything of every kind the AWS resources make, by kind, as moto lists it: buckets, IAM
/// roles, users and instance profiles, security groups, launch templates, images owned by the
/// account, load balancers, target groups and autoscaling groups. Compared before and after a
/// run, it shows what a run left behind or made twice.
pub fn inventory(aws: &Aws, rt: &tokio::runtime::Runtime) -> std::collections::BTreeMap<&'static str, Vec<String>> {
    let names = |items: Vec<Option<&str>>| -> Vec<String> {
        let mut names: Vec<String> = items.into_iter().flatten().map(str::to_string).collect();
        names.sort();
        names
    };
    rt.block_on(async {
        let buckets = aws.s3.list_buckets().send().await.unwrap();
        let roles = aws.iam.list_roles().send().await.unwrap();
        let users = aws.iam.list_users().send().await.unwrap();
        let profiles = aws.iam.list_instance_profiles().send().await.unwrap();
        let groups = aws.ec2.describe_security_groups().send().await.unwrap();
        let templates = aws.ec2.describe_launch_templates().send().await.unwrap();
        let images = aws.ec2.describe_images().owners("self").send().await.unwrap();
        let balancers = aws.elbv2.describe_load_balancers().send().await.unwrap();
        let targets = aws.elbv2.describe_target_groups().send().await.unwrap();
        let scaling = aws.autoscaling.describe_auto_scaling_groups().send().await.unwrap();
        std::collections::BTreeMap::from([
            ("buckets", names(buckets.buckets().iter().map(|b| b.name()).collect())),
            (
                "roles",
                names(roles.roles().iter().map(|r| Some(r.role_name())).collect()),
            ),
            (
                "users",
                names(users.users().iter().map(|u| Some(u.user_name())).collect()),
            ),
            (
                "instance profiles",
                names(
                    profiles
                        .instance_profiles()
                        .iter()
                        .map(|p| Some(p.instance_profile_name()))
                        .collect(),
                ),
            ),
            (
                "security groups",
                names(groups.security_groups().iter().map(|g| g.group_name()).collect()),
            ),
            (
                "launch templates",
                names(
                    templates
                        .launch_templates()
                        .iter()
                        .map(|t| t.launch_template_name())
                        .collect(),
                ),
            ),
            ("images", names(images.images().iter().map(|i| i.name()).collect())),
            (
                "load balancers",
                names(
                    balancers
                        .load_balancers()
                        .iter()
                        .map(|l| l.load_balancer_name())
                        .collect(),
                ),
            ),
            (
                "target groups",
                names(targets.target_groups().iter().map(|t| t.target_group_name()).collect()),
            ),
            (
                "autoscaling groups",
                names(
                    scaling
                        .auto_scaling_groups()
                        .iter()
                        .map(|g| g.auto_scaling_group_name())
                        .collect(),
                ),
            ),
        ])
    })
}
