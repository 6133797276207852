//! `circleci_nomad_client_group` on AWS: the Nomad clients that run CircleCI jobs.
//!
//! It creates a security group (egress only, plus SSH-rerun ports from `allowed_ssh_cidrs`),
//! an IAM role and instance profile with no policies, a launch template whose user data is the
//! rendered start-up script (IMDSv2 required, encrypted root volume), and the autoscaling
//! group. Size changes update in place; a change of anything in the template makes a new
//! template version and starts an instance refresh that rolls the group. Optionally it grants
//! nomad-autoscaler what it needs on this group (IRSA or an IAM user key).
//!
//! Import: `terraform import circleci_nomad_client_group.NAME ASG_NAME`. Everything, the TLS
//! material and server address included, is read back from the launch template in use.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_autoscaling::types::{LaunchTemplateSpecification, RefreshPreferences, RefreshStrategy, Tag as AsgTag};
use aws_sdk_ec2::types::{
    Filter, InstanceType, IpPermission, IpRange, LaunchTemplateBlockDeviceMappingRequest,
    LaunchTemplateEbsBlockDeviceRequest, LaunchTemplateHttpTokensState,
    LaunchTemplateIamInstanceProfileSpecificationRequest, LaunchTemplateInstanceMetadataEndpointState,
    LaunchTemplateInstanceMetadataOptionsRequest, LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
    LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResourceType, Tag as Ec2Tag, TagSpecification,
    VolumeType,
};
use base64::Engine;
use circleci_cty::{AttributePath, Type, Value};
use circleci_nomad::client::{client_attributes, settings_from, validate_client};
use circleci_nomad::startup::{ClientSettings, split_server_address};
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use circleci_tfplugin::{
    Context, Diagnostic, Diagnostics, Failure, Operation, Plan, Resource, timeouts_block, validators,
};

use crate::access::{self, Access};
use crate::{Aws, AwsData, error};

pub struct NomadClientGroup;

const OWNER_TAG: &str = "circleci-server:nomad-client-group";
const SSH_RERUN_PORTS: (i32, i32) = (64535, 65535);

/// Attributes whose change needs a new launch template version.
const TEMPLATE_INPUTS: [&str; 7] = [
    "nomad_server_address",
    "tls",
    "nomad_version",
    "docker_network_cidr",
    "blocked_cidrs",
    "node_class",
    "startup_script",
];
const AWS_TEMPLATE_INPUTS: [&str; 7] = [
    "instance_type",
    "image_id",
    "volume_size_gb",
    "volume_type",
    "ssh_key_name",
    "public_ip",
    "metadata_http_tokens",
];

fn block() -> Block {
    client_attributes(Block::new(
        "Nomad clients that run CircleCI jobs: on AWS an autoscaling group of VMs that join the control plane on 4647 over mTLS.",
    ))
    .attribute(Attribute::required("name", Type::String, "Name of the group, its launch template and security group.").requires_replace())
    .attribute(Attribute::optional("min_size", Type::Number, "Fewest clients.").default(Value::int(1)).validate(validators::int_between(0, 1000)))
    .attribute(Attribute::optional("max_size", Type::Number, "Most clients.").default(Value::int(4)).validate(validators::int_between(0, 1000)))
    .attribute(
        Attribute::optional_computed(
            "desired_size",
            Type::Number,
            "Clients to run now; defaults to min_size. Leave it unset when nomad-autoscaler manages the group.",
        )
        .validate(validators::int_between(0, 1000)),
    )
    .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags of the group, its instances and volumes."))
    .block(NestedBlock::single(
        "aws",
        Block::new("AWS settings.")
            .attribute(Attribute::required("vpc_id", Type::String, "VPC of the clients.").requires_replace())
            .attribute(Attribute::required("subnet_ids", Type::list(Type::String), "Subnets of the clients."))
            .attribute(Attribute::required("image_id", Type::String, "Ubuntu AMI of the clients (22.04 or newer)."))
            .attribute(Attribute::optional("instance_type", Type::String, "Instance type.").default(Value::from("t3a.2xlarge")))
            .attribute(
                Attribute::optional("volume_size_gb", Type::Number, "Root volume size (encrypted).")
                    .default(Value::int(100))
                    .validate(validators::int_between(8, 16384)),
            )
            .attribute(
                Attribute::optional("volume_type", Type::String, "Root volume type.")
                    .default(Value::from("gp3"))
                    .validate(validators::one_of(&["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"])),
            )
            .attribute(Attribute::optional("ssh_key_name", Type::String, "EC2 key pair for SSH to the clients."))
            .attribute(Attribute::optional("public_ip", Type::Bool, "Give clients public addresses.").default(Value::Bool(false)))
            .attribute(
                Attribute::optional("metadata_http_tokens", Type::String, "`required` enforces IMDSv2.")
                    .default(Value::from("required"))
                    .validate(validators::one_of(&["required", "optional"])),
            )
            .attribute(
                Attribute::optional(
                    "allowed_ssh_cidrs",
                    Type::list(Type::String),
                    "Who may use SSH reruns (ports 64535-65535); nobody when left out.",
                )
                .validate(validators::cidr()),
            )
            .attribute(
                Attribute::optional(
                    "autoscaler_access",
                    Type::String,
                    "Grant nomad-autoscaler what it needs on this group: `irsa`, `iam_user` or `none`.",
                )
                .default(Value::from(access::NONE))
                .validate(validators::one_of(&[access::NONE, access::IRSA, access::IAM_USER])),
            )
            .attribute(Attribute::optional("oidc_provider_arn", Type::String, "The EKS cluster's IAM OIDC provider, for `irsa`."))
            .attribute(
                Attribute::optional("namespace", Type::String, "Namespace of nomad-autoscaler, for `irsa`.")
                    .default(Value::from("circleci-server")),
            ),
    ))
    .block(timeouts_block(&[Operation::Create, Operation::Update, Operation::Delete]))
    .attribute(Attribute::computed("id", Type::String, "The autoscaling group name.").use_state_for_unknown())
    .attribute(Attribute::computed("autoscaling_group_arn", Type::String, "The autoscaling group ARN.").use_state_for_unknown())
    .attribute(Attribute::computed("launch_template_id", Type::String, "The launch template.").use_state_for_unknown())
    .attribute(Attribute::computed("launch_template_version", Type::Number, "The template version the group runs."))
    .attribute(Attribute::computed("security_group_id", Type::String, "The clients' security group.").use_state_for_unknown())
    .attribute(Attribute::computed("iam_role_arn", Type::String, "The clients' IAM role (no policies).").use_state_for_unknown())
    .attribute(Attribute::computed("instance_refresh_id", Type::String, "The instance refresh started by the last template change."))
    .attribute(Attribute::computed("startup_script", Type::String, "The rendered start-up script (user data).").sensitive())
    .attribute(Attribute::computed("autoscaler_role_arn", Type::String, "IRSA role for nomad-autoscaler."))
    .attribute(Attribute::computed("autoscaler_access_key_id", Type::String, "nomad-autoscaler's access key id."))
    .attribute(Attribute::computed("autoscaler_secret_access_key", Type::String, "nomad-autoscaler's secret key.").sensitive())
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_string)
}

fn number(v: &Value, name: &str) -> Option<i64> {
    v.attr(name).as_i64()
}

fn strings(v: &Value, name: &str) -> Vec<String> {
    v.attr(name)
        .elements()
        .iter()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

fn role_name(name: &str) -> String {
    access::entity_name("circleci-nomad", name)
}

fn autoscaler_name(name: &str) -> String {
    access::entity_name("circleci-autoscaler", name)
}

fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Ec2Tag> {
    tags.iter()
        .map(|(k, v)| Ec2Tag::builder().key(k).value(v).build())
        .collect()
}

fn group_tags(aws: &Aws, group: &Value, name: &str) -> BTreeMap<String, String> {
    let mut tags = aws.tags(group.attr("tags"));
    tags.insert(OWNER_TAG.into(), name.into());
    tags.entry("Name".into())
        .or_insert_with(|| format!("circleci-nomad-{name}"));
    tags
}

/// The least privilege nomad-autoscaler needs on this group.
fn autoscaler_policy(group_arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ScaleThisGroup",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:CreateOrUpdateTags",
                    "autoscaling:UpdateAutoScalingGroup",
                    "autoscaling:TerminateInstanceInAutoScalingGroup"
                ],
                "Resource": group_arn
            },
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeInstanceRefreshes",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus"
                ],
                "Resource": "*"
            }
        ]
    })
    .to_string()
}

fn template_data(
    group: &Value,
    script: &str,
    security_group: &str,
    profile: &str,
    tags: &BTreeMap<String, String>,
) -> RequestLaunchTemplateData {
    let settings = group.attr("aws");
    let tokens = match settings.attr("metadata_http_tokens").as_str() {
        Some("optional") => LaunchTemplateHttpTokensState::Optional,
        _ => LaunchTemplateHttpTokensState::Required,
    };
    RequestLaunchTemplateData::builder()
        .image_id(text(settings, "image_id").unwrap_or_default())
        .instance_type(InstanceType::from(
            settings.attr("instance_type").as_str().unwrap_or("t3a.2xlarge"),
        ))
        .set_key_name(text(settings, "ssh_key_name"))
        .user_data(base64::engine::general_purpose::STANDARD.encode(script))
        .iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(profile)
                .build(),
        )
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                .http_tokens(tokens)
                // Job containers sit one hop further: with a limit of 1 they cannot reach IMDS.
                .http_put_response_hop_limit(1)
                .build(),
        )
        .block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name("/dev/sda1")
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .volume_size(number(settings, "volume_size_gb").unwrap_or(100) as i32)
                        .volume_type(VolumeType::from(settings.attr("volume_type").as_str().unwrap_or("gp3")))
                        .encrypted(true)
                        .delete_on_termination(true)
                        .build(),
                )
                .build(),
        )
        .network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .device_index(0)
                .associate_public_ip_address(settings.attr("public_ip").as_bool().unwrap_or(false))
                .groups(security_group)
                .delete_on_termination(true)
                .build(),
        )
        .tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(ResourceType::Instance)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(ResourceType::Volume)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .build()
}

/// Finds our security group by name in the VPC (left over from an earlier, interrupted run).
async fn find_security_group(aws: &Aws, name: &str, vpc: &str) -> Result<Option<String>, Diagnostic> {
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(name).build())
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(Filter::builder().name(format!("tag:{OWNER_TAG}")).values(name).build())
        .send()
        .await
        .map_err(|e| error::api(&format!("look up security group {name}"), e))?;
    Ok(out
        .security_groups()
        .first()
        .and_then(|g| g.group_id())
        .map(str::to_string))
}

async fn create_security_group(
    aws: &Aws,
    group: &Value,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostic> {
    let vpc = text(group.attr("aws"), "vpc_id").unwrap_or_default();
    if let Some(existing) = find_security_group(aws, name, &vpc).await? {
        tracing::info!(name, existing, "adopting the security group an earlier run made");
        return Ok(existing);
    }
    let out = aws
        .ec2
        .create_security_group()
        .group_name(name)
        .description("Nomad clients of CircleCI Server")
        .vpc_id(&vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .send()
        .await
        .map_err(|e| error::api(&format!("create security group {name}"), e))?;
    let id = out.group_id().unwrap_or_default().to_string();
    let ssh = strings(group.attr("aws"), "allowed_ssh_cidrs");
    if !ssh.is_empty() {
        let ranges = ssh
            .iter()
            .map(|c| IpRange::builder().cidr_ip(c).description("CircleCI SSH reruns").build())
            .collect();
        aws.ec2
            .authorize_security_group_ingress()
            .group_id(&id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(SSH_RERUN_PORTS.0)
                    .to_port(SSH_RERUN_PORTS.1)
                    .set_ip_ranges(Some(ranges))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| error::api(&format!("allow SSH reruns into {id}"), e))?;
    }
    Ok(id)
}

async fn create_role(aws: &Aws, name: &str, tags: &BTreeMap<String, String>) -> Result<String, Diagnostic> {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" }]
    })
    .to_string();
    let iam_tags: Vec<_> = tags
        .iter()
        .filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok())
        .collect();
    let arn = match aws
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .set_tags(Some(iam_tags))
        .send()
        .await
    {
        Ok(out) => out.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        Err(e) if error::has_code(&e, &["EntityAlreadyExists"]) => {
            let out = aws
                .iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| error::api(&format!("read IAM role {name}"), e))?;
            out.role().map(|r| r.arn().to_string()).unwrap_or_default()
        }
        Err(e) => return Err(error::api(&format!("create IAM role {name}"), e)),
    };
    match aws
        .iam
        .create_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error::has_code(&e, &["EntityAlreadyExists"]) => {}
        Err(e) => return Err(error::api(&format!("create instance profile {name}"), e)),
    }
    match aws
        .iam
        .add_role_to_instance_profile()
        .instance_profile_name(name)
        .role_name(name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error::has_code(&e, &["LimitExceeded", "EntityAlreadyExists"]) => {}
        Err(e) => return Err(error::api(&format!("add role {name} to its instance profile"), e)),
    }
    Ok(arn)
}

async fn delete_role(aws: &Aws, name: &str) -> Result<(), Diagnostic> {
    let gone = ["NoSuchEntity"];
    match aws
        .iam
        .remove_role_from_instance_profile()
        .instance_profile_name(name)
        .role_name(name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error::has_code(&e, &gone) => {}
        Err(e) => return Err(error::api(&format!("remove role {name} from its instance profile"), e)),
    }
    match aws
        .iam
        .delete_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error::has_code(&e, &gone) => {}
        Err(e) => return Err(error::api(&format!("delete instance profile {name}"), e)),
    }
    match aws.iam.delete_role().role_name(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if error::has_code(&e, &gone) => Ok(()),
        Err(e) => Err(error::api(&format!("delete IAM role {name}"), e)),
    }
}

fn asg_tags(name: &str, tags: &BTreeMap<String, String>) -> Vec<AsgTag> {
    tags.iter()
        .map(|(k, v)| {
            AsgTag::builder()
                .key(k)
                .value(v)
                .propagate_at_launch(false)
                .resource_id(name)
                .resource_type("auto-scaling-group")
                .build()
        })
        .collect()
}

fn script_for(group: &Value) -> Result<String, Diagnostic> {
    settings_from(group, "aws").map(|s| s.script()).ok_or_else(|| {
        Diagnostic::error(
            "Unknown input",
            "Every Nomad client input must be known to render the start-up script.",
        )
    })
}

fn irsa(group: &Value) -> Option<access::Irsa<'_>> {
    let settings = group.attr("aws");
    Some(access::Irsa {
        oidc_provider_arn: settings.attr("oidc_provider_arn").as_str()?,
        namespace: settings.attr("namespace").as_str().unwrap_or("circleci-server"),
        service_account: "nomad-autoscaler",
    })
}

fn set_autoscaler(state: &mut Value, found: Access) {
    let mut settings = state.attr("aws").clone();
    settings.set_attr("autoscaler_access", Value::from(found.kind.as_str()));
    state.set_attr("aws", settings);
    state.set_attr("autoscaler_role_arn", found.role_arn.into());
    state.set_attr("autoscaler_access_key_id", found.access_key_id.into());
    state.set_attr("autoscaler_secret_access_key", found.secret_access_key.into());
}

async fn create(aws: &Aws, planned: &Value) -> Result<Value, Failure> {
    let name = text(planned, "name").unwrap_or_default();
    let tags = group_tags(aws, planned, &name);
    let script = script_for(planned)?;
    let mut state = planned.clone();
    state.set_attr("startup_script", Value::from(script.as_str()));
    for attr in [
        "autoscaler_role_arn",
        "autoscaler_access_key_id",
        "autoscaler_secret_access_key",
        "instance_refresh_id",
    ] {
        state.set_attr(attr, Value::Null);
    }
    let partial = |state: &Value, d: Diagnostic| Failure::from(d).with_partial_state(state.clone());

    let security_group = create_security_group(aws, planned, &name, &tags).await?;
    state.set_attr("security_group_id", Value::from(security_group.as_str()));
    // From here on, everything made is in the state returned on failure.
    let role = role_name(&name);
    let role_arn = create_role(aws, &role, &tags).await.map_err(|d| partial(&state, d))?;
    state.set_attr("iam_role_arn", Value::from(role_arn));

    let data = template_data(planned, &script, &security_group, &role, &tags);
    let template = match aws
        .ec2
        .create_launch_template()
        .launch_template_name(&name)
        .launch_template_data(data.clone())
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(ec2_tags(&tags)))
                .build(),
        )
        .send()
        .await
    {
        Ok(out) => out.launch_template().map(|t| {
            (
                t.launch_template_id().unwrap_or_default().to_string(),
                t.latest_version_number().unwrap_or(1),
            )
        }),
        Err(e) if error::has_code(&e, &["InvalidLaunchTemplateName.AlreadyExistsException"]) => {
            let out = aws
                .ec2
                .create_launch_template_version()
                .launch_template_name(&name)
                .launch_template_data(data)
                .send()
                .await
                .map_err(|e| {
                    partial(
                        &state,
                        error::api(&format!("add a version to launch template {name}"), e),
                    )
                })?;
            out.launch_template_version().map(|v| {
                (
                    v.launch_template_id().unwrap_or_default().to_string(),
                    v.version_number().unwrap_or(1),
                )
            })
        }
        Err(e) => {
            return Err(partial(
                &state,
                error::api(&format!("create launch template {name}"), e),
            ));
        }
    }
    .ok_or_else(|| partial(&state, Diagnostic::error("AWS returned no launch template", "")))?;
    state.set_attr("launch_template_id", Value::from(template.0.as_str()));
    state.set_attr("launch_template_version", Value::int(template.1));

    let min = number(planned, "min_size").unwrap_or(1);
    let desired = number(planned, "desired_size").unwrap_or(min);
    aws.autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(&template.0)
                .version(template.1.to_string())
                .build(),
        )
        .min_size(min as i32)
        .max_size(number(planned, "max_size").unwrap_or(4) as i32)
        .desired_capacity(desired as i32)
        .vpc_zone_identifier(strings(planned.attr("aws"), "subnet_ids").join(","))
        .health_check_type("EC2")
        .health_check_grace_period(300)
        .set_tags(Some(asg_tags(&name, &tags)))
        .send()
        .await
        .map_err(|e| partial(&state, error::api(&format!("create autoscaling group {name}"), e)))?;
    state.set_attr("id", Value::from(name.as_str()));
    state.set_attr("desired_size", Value::int(desired));
    let group_arn = describe(aws, &name)
        .await
        .map_err(|d| partial(&state, d))?
        .and_then(|g| g.auto_scaling_group_arn().map(str::to_string))
        .unwrap_or_default();
    state.set_attr("autoscaling_group_arn", Value::from(group_arn.as_str()));

    let kind = planned
        .attr("aws")
        .attr("autoscaler_access")
        .as_str()
        .unwrap_or(access::NONE)
        .to_string();
    let found = access::create(
        &aws.iam,
        &kind,
        &autoscaler_name(&name),
        &autoscaler_policy(&group_arn),
        irsa(planned),
        &tags,
    )
    .await
    .map_err(|d| partial(&state, d))?;
    set_autoscaler(&mut state, found);
    tracing::info!(name, "Nomad client group created");
    Ok(state)
}

async fn describe(aws: &Aws, name: &str) -> Result<Option<aws_sdk_autoscaling::types::AutoScalingGroup>, Diagnostic> {
    let out = aws
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| error::api(&format!("read autoscaling group {name}"), e))?;
    Ok(out.auto_scaling_groups().first().cloned())
}

/// Reads the group and the template version it runs back into `state`: sizes, tags, every
/// template input (from the user data too). `None` when the group is gone.
async fn read(aws: &Aws, state: &Value) -> Result<Option<Value>, Diagnostic> {
    let name = text(state, "id").or_else(|| text(state, "name")).unwrap_or_default();
    let Some(group) = describe(aws, &name).await? else {
        return Ok(None);
    };
    if group.status().is_some_and(|s| s.starts_with("Delete")) {
        return Ok(None);
    }
    let mut out = state.clone();
    out.set_attr("id", Value::from(name.as_str()));
    out.set_attr("name", Value::from(name.as_str()));
    out.set_attr(
        "autoscaling_group_arn",
        group.auto_scaling_group_arn().map(str::to_string).into(),
    );
    out.set_attr("min_size", Value::int(group.min_size().unwrap_or(0) as i64));
    out.set_attr("max_size", Value::int(group.max_size().unwrap_or(0) as i64));
    out.set_attr("desired_size", Value::int(group.desired_capacity().unwrap_or(0) as i64));

    let actual_tags: BTreeMap<String, String> = group
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    let prior_tags = state.attr("tags");
    let configured = |k: &str| matches!(prior_tags, Value::Map(m) if m.contains_key(k));
    let automatic_name = format!("circleci-nomad-{name}");
    let own: BTreeMap<String, Value> = actual_tags
        .into_iter()
        .filter(|(k, v)| {
            // Tags this resource adds by itself, or the provider's default tags, are not `tags`.
            let automatic =
                k == OWNER_TAG || (k == "Name" && *v == automatic_name) || aws.default_tags.get(k) == Some(v);
            configured(k) || !automatic
        })
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    out.set_attr(
        "tags",
        if own.is_empty() && prior_tags.is_null() {
            Value::Null
        } else {
            Value::Map(own)
        },
    );

    let mut settings = match state.attr("aws") {
        Value::Null => block()
            .find_block("aws")
            .map(|b| b.block.null_object())
            .unwrap_or_default(),
        v => v.clone(),
    };
    let subnets: Vec<Value> = group
        .vpc_zone_identifier()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(Value::from)
        .collect();
    settings.set_attr("subnet_ids", Value::List(subnets));

    if let Some(template) = group.launch_template() {
        let id = template.launch_template_id().unwrap_or_default().to_string();
        let version = template.version().unwrap_or("$Default").to_string();
        out.set_attr("launch_template_id", Value::from(id.as_str()));
        let versions = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&id)
            .versions(&version)
            .send()
            .await
            .map_err(|e| error::api(&format!("read launch template {id}"), e))?;
        if let Some(v) = versions.launch_template_versions().first() {
            out.set_attr("launch_template_version", v.version_number().map(Value::int).into());
            if let Some(data) = v.launch_template_data() {
                settings.set_attr("image_id", data.image_id().map(str::to_string).into());
                settings.set_attr(
                    "instance_type",
                    data.instance_type().map(|t| t.as_str().to_string()).into(),
                );
                settings.set_attr("ssh_key_name", data.key_name().map(str::to_string).into());
                let tokens = data
                    .metadata_options()
                    .and_then(|m| m.http_tokens())
                    .map(|t| t.as_str().to_string());
                settings.set_attr(
                    "metadata_http_tokens",
                    tokens.unwrap_or_else(|| "optional".into()).into(),
                );
                if let Some(ebs) = data.block_device_mappings().first().and_then(|b| b.ebs()) {
                    settings.set_attr("volume_size_gb", ebs.volume_size().map(|s| Value::int(s as i64)).into());
                    settings.set_attr("volume_type", ebs.volume_type().map(|t| t.as_str().to_string()).into());
                }
                if let Some(nic) = data.network_interfaces().first() {
                    settings.set_attr(
                        "public_ip",
                        Value::Bool(nic.associate_public_ip_address().unwrap_or(false)),
                    );
                    if let Some(sg) = nic.groups().first() {
                        out.set_attr("security_group_id", Value::from(sg.as_str()));
                    }
                }
                let script = data
                    .user_data()
                    .and_then(|u| base64::engine::general_purpose::STANDARD.decode(u).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned());
                if let Some(parsed) = script.as_deref().and_then(ClientSettings::parse) {
                    apply_parsed(&mut out, state, &parsed);
                    out.set_attr("startup_script", script.into());
                }
            }
        }
    }
    if let Some(sg) = text(&out, "security_group_id")
        && let Ok(groups) = aws.ec2.describe_security_groups().group_ids(&sg).send().await
        && let Some(vpc) = groups.security_groups().first().and_then(|g| g.vpc_id())
    {
        settings.set_attr("vpc_id", Value::from(vpc));
        let ssh: Vec<Value> = groups.security_groups()[0]
            .ip_permissions()
            .iter()
            .filter(|p| p.from_port() == Some(SSH_RERUN_PORTS.0))
            .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(Value::from))
            .collect();
        let prior_ssh = state.attr("aws").attr("allowed_ssh_cidrs");
        settings.set_attr(
            "allowed_ssh_cidrs",
            if ssh.is_empty() && prior_ssh.is_null() {
                Value::Null
            } else {
                Value::List(ssh)
            },
        );
    }
    if let Ok(role) = aws.iam.get_role().role_name(role_name(&name)).send().await {
        out.set_attr("iam_role_arn", role.role().map(|r| r.arn().to_string()).into());
    }

    let found = access::discover(&aws.iam, &autoscaler_name(&name)).await?;
    let secret = if found.access_key_id.is_some()
        && found.access_key_id.as_deref() == state.attr("autoscaler_access_key_id").as_str()
    {
        text(state, "autoscaler_secret_access_key")
    } else {
        None
    };
    if found.kind == access::IRSA && settings.attr("oidc_provider_arn").is_null() {
        // Import: the trust policy names the OIDC provider.
        if let Ok(role) = aws.iam.get_role().role_name(autoscaler_name(&name)).send().await
            && let Some(doc) = role.role().and_then(|r| r.assume_role_policy_document())
            && let Some(oidc) = access::federated_principal(doc)
        {
            settings.set_attr("oidc_provider_arn", Value::from(oidc));
        }
    }
    if settings.attr("namespace").is_null() {
        settings.set_attr("namespace", Value::from("circleci-server"));
    }
    out.set_attr("aws", settings);
    set_autoscaler(
        &mut out,
        Access {
            secret_access_key: secret,
            ..found
        },
    );
    Ok(Some(out))
}

/// Writes settings read from user data into `out`, keeping the configuration's spelling where
/// it means the same (e.g. a server address without the default port).
fn apply_parsed(out: &mut Value, prior: &Value, parsed: &ClientSettings) {
    let same_server = prior
        .attr("nomad_server_address")
        .as_str()
        .and_then(split_server_address)
        .is_some_and(|p| Some(p) == split_server_address(&parsed.server_address));
    if !same_server {
        // Written as the configuration most likely spells it: without the default port.
        let address = parsed
            .server_address
            .strip_suffix(":4647")
            .unwrap_or(&parsed.server_address);
        out.set_attr("nomad_server_address", Value::from(address));
    }
    out.set_attr("nomad_version", Value::from(parsed.nomad_version.as_str()));
    out.set_attr("docker_network_cidr", Value::from(parsed.docker_network_cidr.as_str()));
    out.set_attr("node_class", Value::from(parsed.node_class.as_str()));
    let blocked: Vec<Value> = parsed.blocked_cidrs.iter().map(|c| Value::from(c.as_str())).collect();
    out.set_attr(
        "blocked_cidrs",
        if blocked.is_empty() && prior.attr("blocked_cidrs").is_null() {
            Value::Null
        } else {
            Value::List(blocked)
        },
    );
    // PEMs are compared without their final newline, which configurations often trim.
    let pem = |prior_pem: &Value, parsed_pem: &str| match prior_pem.as_str() {
        Some(p) if p.trim_end() == parsed_pem.trim_end() => Value::from(p),
        _ => Value::from(parsed_pem),
    };
    let prior_tls = prior.attr("tls");
    out.set_attr(
        "tls",
        Value::object([
            ("ca_cert_pem", pem(prior_tls.attr("ca_cert_pem"), &parsed.ca_cert_pem)),
            (
                "client_cert_pem",
                pem(prior_tls.attr("client_cert_pem"), &parsed.client_cert_pem),
            ),
            (
                "client_key_pem",
                pem(prior_tls.attr("client_key_pem"), &parsed.client_key_pem),
            ),
        ]),
    );
}

fn template_changed(prior: &Value, planned: &Value) -> bool {
    TEMPLATE_INPUTS.iter().any(|n| prior.attr(n) != planned.attr(n))
        || AWS_TEMPLATE_INPUTS
            .iter()
            .any(|n| prior.attr("aws").attr(n) != planned.attr("aws").attr(n))
}

async fn update(aws: &Aws, prior: &Value, planned: &Value) -> Result<Value, Failure> {
    let name = text(prior, "id").unwrap_or_default();
    let mut state = planned.clone();
    let keep = |d: Diagnostic| Failure::from(d).with_partial_state(prior.clone());
    let tags = group_tags(aws, planned, &name);
    let script = script_for(planned)?;
    state.set_attr("startup_script", Value::from(script.as_str()));

    let mut template_version = number(prior, "launch_template_version");
    if template_changed(prior, &state) {
        let template_id = text(prior, "launch_template_id").unwrap_or_default();
        let data = template_data(
            planned,
            &script,
            &text(prior, "security_group_id").unwrap_or_default(),
            &role_name(&name),
            &tags,
        );
        let out = aws
            .ec2
            .create_launch_template_version()
            .launch_template_id(&template_id)
            .launch_template_data(data)
            .send()
            .await
            .map_err(|e| {
                keep(error::api(
                    &format!("add a version to launch template {template_id}"),
                    e,
                ))
            })?;
        template_version = out.launch_template_version().and_then(|v| v.version_number());
        tracing::info!(name, version = template_version, "new launch template version");
    }
    let desired = number(planned, "desired_size");
    let mut request = aws
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .min_size(number(planned, "min_size").unwrap_or(1) as i32)
        .max_size(number(planned, "max_size").unwrap_or(4) as i32)
        .vpc_zone_identifier(strings(planned.attr("aws"), "subnet_ids").join(","))
        .set_desired_capacity(desired.map(|d| d as i32));
    if let Some(version) = template_version {
        request = request.launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(text(prior, "launch_template_id").unwrap_or_default())
                .version(version.to_string())
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(|e| keep(error::api(&format!("update autoscaling group {name}"), e)))?;
    state.set_attr("launch_template_version", template_version.map(Value::int).into());
    if desired.is_none() {
        let group = describe(aws, &name).await.map_err(keep)?;
        state.set_attr(
            "desired_size",
            group
                .and_then(|g| g.desired_capacity())
                .map(|d| Value::int(d as i64))
                .into(),
        );
    }

    if template_version != number(prior, "launch_template_version") {
        // Roll the running clients onto the new template, keeping most of them in service.
        let out = aws
            .autoscaling
            .start_instance_refresh()
            .auto_scaling_group_name(&name)
            .strategy(RefreshStrategy::Rolling)
            .preferences(
                RefreshPreferences::builder()
                    .min_healthy_percentage(90)
                    .instance_warmup(300)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                let mut d = error::api(&format!("start an instance refresh of {name}"), e);
                d.detail.push_str(
                    " The new template version is in place; new clients use it. Apply again to retry the refresh.",
                );
                Failure::from(d).with_partial_state({
                    let mut s = state.clone();
                    s.set_attr("instance_refresh_id", Value::Null);
                    s
                })
            })?;
        state.set_attr(
            "instance_refresh_id",
            out.instance_refresh_id().map(str::to_string).into(),
        );
        tracing::info!(name, refresh = out.instance_refresh_id(), "instance refresh started");
    } else {
        state.set_attr("instance_refresh_id", prior.attr("instance_refresh_id").clone());
    }

    if prior.attr("tags") != planned.attr("tags") {
        let old = group_tags(aws, prior, &name);
        let removed: Vec<String> = old.keys().filter(|k| !tags.contains_key(*k)).cloned().collect();
        if !removed.is_empty() {
            let gone = removed
                .iter()
                .map(|k| {
                    AsgTag::builder()
                        .key(k)
                        .resource_id(&name)
                        .resource_type("auto-scaling-group")
                        .build()
                })
                .collect();
            aws.autoscaling
                .delete_tags()
                .set_tags(Some(gone))
                .send()
                .await
                .map_err(|e| keep(error::api("remove tags", e)))?;
        }
        aws.autoscaling
            .create_or_update_tags()
            .set_tags(Some(asg_tags(&name, &tags)))
            .send()
            .await
            .map_err(|e| keep(error::api("tag the group", e)))?;
    }

    let old_kind = prior
        .attr("aws")
        .attr("autoscaler_access")
        .as_str()
        .unwrap_or(access::NONE)
        .to_string();
    let new_kind = planned
        .attr("aws")
        .attr("autoscaler_access")
        .as_str()
        .unwrap_or(access::NONE)
        .to_string();
    let group_arn = text(prior, "autoscaling_group_arn").unwrap_or_default();
    let entity = autoscaler_name(&name);
    if old_kind != new_kind {
        access::delete(&aws.iam, &entity).await.map_err(keep)?;
        let found = access::create(
            &aws.iam,
            &new_kind,
            &entity,
            &autoscaler_policy(&group_arn),
            irsa(planned),
            &tags,
        )
        .await
        .map_err(keep)?;
        set_autoscaler(&mut state, found);
    } else {
        let current = Access {
            kind: old_kind,
            role_arn: text(prior, "autoscaler_role_arn"),
            access_key_id: text(prior, "autoscaler_access_key_id"),
            secret_access_key: text(prior, "autoscaler_secret_access_key"),
        };
        access::update(
            &aws.iam,
            &current,
            &entity,
            &autoscaler_policy(&group_arn),
            irsa(planned),
        )
        .await
        .map_err(keep)?;
        set_autoscaler(&mut state, current);
    }
    Ok(state)
}

async fn delete(aws: &Aws, prior: &Value, timeout: std::time::Duration) -> Result<(), Failure> {
    let name = text(prior, "id").or_else(|| text(prior, "name")).unwrap_or_default();
    match aws
        .autoscaling
        .delete_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .force_delete(true)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error::code(&e) == Some("ValidationError") => {} // already gone
        Err(e) => return Err(error::api(&format!("delete autoscaling group {name}"), e).into()),
    }
    let started = std::time::Instant::now();
    while describe(aws, &name).await?.is_some() {
        if started.elapsed() > timeout {
            return Err(Diagnostic::error(
                format!("Timed out deleting autoscaling group {name}"),
                "Its instances are still terminating; raise timeouts.delete or destroy again later.",
            )
            .into());
        }
        tracing::info!(name, "waiting for the autoscaling group's instances to terminate");
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    }
    if let Some(template) = text(prior, "launch_template_id") {
        match aws
            .ec2
            .delete_launch_template()
            .launch_template_id(&template)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if error::has_code(
                    &e,
                    &["InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed"],
                ) => {}
            Err(e) => return Err(error::api(&format!("delete launch template {template}"), e).into()),
        }
    }
    delete_role(aws, &role_name(&name)).await?;
    if let Some(sg) = text(prior, "security_group_id") {
        // Network interfaces of terminated instances linger for a while.
        loop {
            match aws.ec2.delete_security_group().group_id(&sg).send().await {
                Ok(_) => break,
                Err(e) if error::has_code(&e, &["InvalidGroup.NotFound"]) => break,
                Err(e) if error::has_code(&e, &["DependencyViolation"]) && started.elapsed() < timeout => {
                    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                }
                Err(e) => return Err(error::api(&format!("delete security group {sg}"), e).into()),
            }
        }
    }
    access::delete(&aws.iam, &autoscaler_name(&name)).await?;
    Ok(())
}

#[async_trait]
impl<D: AwsData> Resource<D> for NomadClientGroup {
    fn type_name(&self) -> &'static str {
        "circleci_nomad_client_group"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        validate_client(config, diags);
        if let (Some(min), Some(max)) = (number(config, "min_size"), number(config, "max_size"))
            && min > max
        {
            diags.attribute_error(
                &root.attr("min_size"),
                "min_size is larger than max_size",
                format!("min_size ({min}) must be at most max_size ({max})."),
            );
        }
        if let (Some(desired), Some(max)) = (number(config, "desired_size"), number(config, "max_size"))
            && desired > max
        {
            diags.attribute_error(
                &root.attr("desired_size"),
                "desired_size is larger than max_size",
                format!("desired_size ({desired}) must be at most max_size ({max})."),
            );
        }
        if let Some(name) = config.attr("name").as_str()
            && (name.len() < 3
                || name.len() > 128
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./()".contains(&b)))
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid group name",
                format!("{name:?} must be 3 to 128 letters, digits or -_./()."),
            );
        }
        let settings = config.attr("aws");
        if settings.is_null() {
            diags.attribute_error(
                &root.attr("aws"),
                "Missing cloud block",
                "Add an aws { } block (only AWS is supported so far).",
            );
            return;
        }
        if matches!(settings.attr("subnet_ids"), Value::List(l) if l.is_empty()) {
            diags.attribute_error(
                &root.attr("aws").attr("subnet_ids"),
                "No subnets",
                "Give at least one subnet for the clients.",
            );
        }
        if let Some(kind) = settings.attr("autoscaler_access").as_str() {
            access::validate(kind, settings.attr("oidc_provider_arn"), &root.attr("aws"), diags);
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        let planned = &mut plan.planned;
        // The script is part of the plan, so a change of any input shows as a change.
        let script = settings_from(planned, "aws")
            .map(|s| Value::from(s.script()))
            .unwrap_or(Value::Unknown);
        planned.set_attr("startup_script", script);
        if plan.prior.is_null() {
            if planned.attr("desired_size").is_unknown() && planned.attr("min_size").as_i64().is_some() {
                let min = planned.attr("min_size").clone();
                planned.set_attr("desired_size", min);
            }
            return;
        }
        let changed = template_changed(plan.prior, planned);
        for attr in ["launch_template_version", "instance_refresh_id"] {
            let value = if changed {
                Value::Unknown
            } else {
                plan.prior.attr(attr).clone()
            };
            planned.set_attr(attr, value);
        }
        if planned.attr("aws").attr("autoscaler_access") == plan.prior.attr("aws").attr("autoscaler_access") {
            for attr in [
                "autoscaler_role_arn",
                "autoscaler_access_key_id",
                "autoscaler_secret_access_key",
            ] {
                planned.set_attr(attr, plan.prior.attr(attr).clone());
            }
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        create(ctx.data()?.aws()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        Ok(read(ctx.data()?.aws()?, state).await?)
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        update(ctx.data()?.aws()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        delete(ctx.data()?.aws()?, prior, ctx.timeout()).await
    }

    async fn import(&self, _ctx: &Context<D>, id: &str) -> Result<Value, Diagnostics> {
        let mut state = block().null_object();
        state.set_attr("id", Value::from(id));
        state.set_attr("name", Value::from(id));
        Ok(state)
    }
}
