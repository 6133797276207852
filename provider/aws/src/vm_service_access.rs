//! The AWS half of `circleci_vm_service_access`: what the VM service needs to start dedicated VMs.
//!
//! A security group for those VMs (22 and 2376 from the cluster and Nomad CIDRs, 54782 for SSH
//! reruns from `allowed_ssh_cidrs`), and an IAM policy that allows RunInstances and friends only
//! on resources tagged `ManagedBy=circleci-vm-service`, `ec2:Describe*`, and tagging on create;
//! given to the VM service through IRSA (service account `vm-service`) or an IAM user key.
//!
//! Import: `terraform import circleci_vm_service_access.NAME SECURITY_GROUP_ID`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType, Tag, TagSpecification};
use circleci_core::cloud::CloudHalf;
use circleci_core::tags::{own_tags, tag_map, tag_value};
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan};

use crate::access::{self, Access};
use crate::{Aws, AwsData, error, set_aws_attr};

pub struct VmServiceAccess;

const MANAGED_BY: &str = "circleci-vm-service";
const CLUSTER: &str = "cluster";
const NOMAD: &str = "nomad";
const SSH: &str = "ssh-rerun";

fn aws_block() -> Block {
    Block::new("AWS: a security group in the VMs' VPC, and a tag-scoped EC2 policy for the VM service.")
        .attribute(Attribute::required("vpc_id", Type::String, "VPC of the VMs.").requires_replace())
        .attribute(Attribute::optional(
            "oidc_provider_arn",
            Type::String,
            "The EKS cluster's IAM OIDC provider, for `irsa`.",
        ))
        .attribute(
            Attribute::optional("namespace", Type::String, "Namespace of the VM service, for `irsa`.")
                .default(Value::from(DEFAULT_NAMESPACE)),
        )
        .attribute(
            Attribute::computed(
                "security_group_id",
                Type::String,
                "Installer: *VM Service Security Group ID*.",
            )
            .use_state_for_unknown(),
        )
        .attribute(Attribute::computed("policy_json", Type::String, "The IAM policy granted.").use_state_for_unknown())
        .attribute(Attribute::computed(
            "role_arn",
            Type::String,
            "IRSA role for the VM service.",
        ))
        .attribute(Attribute::computed(
            "access_key_id",
            Type::String,
            "Installer: *VM Service Access Key ID*.",
        ))
        .attribute(
            Attribute::computed("secret_access_key", Type::String, "Installer: *VM Service Secret Key*.").sensitive(),
        )
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_string)
}

fn strings(v: &Value, name: &str) -> Vec<String> {
    v.attr(name)
        .elements()
        .iter()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

fn entity(name: &str) -> String {
    access::entity_name("circleci-vm", name)
}

/// RunInstances and friends only on what the VM service tags as its own.
pub fn policy(partition: &str, security_group: &str) -> String {
    let ec2 = |kind: &str| format!("arn:{partition}:ec2:*:*:{kind}");
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RunFromTheseResources",
                "Effect": "Allow",
                "Action": "ec2:RunInstances",
                "Resource": [
                    format!("arn:{partition}:ec2:*::image/*"),
                    format!("arn:{partition}:ec2:*::snapshot/*"),
                    ec2("key-pair/*"),
                    ec2("launch-template/*"),
                    ec2("network-interface/*"),
                    ec2("placement-group/*"),
                    ec2("volume/*"),
                    ec2("subnet/*"),
                    ec2(&format!("security-group/{security_group}"))
                ]
            },
            {
                "Sid": "CreateOnlyTagged",
                "Effect": "Allow",
                "Action": ["ec2:RunInstances", "ec2:CreateVolume"],
                "Resource": [ec2("instance/*"), ec2("volume/*")],
                "Condition": { "StringEquals": { "aws:RequestTag/ManagedBy": MANAGED_BY } }
            },
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": "ec2:Describe*",
                "Resource": "*"
            },
            {
                "Sid": "TagOnCreate",
                "Effect": "Allow",
                "Action": "ec2:CreateTags",
                "Resource": "*",
                "Condition": { "StringEquals": { "ec2:CreateAction": ["RunInstances", "CreateVolume"] } }
            },
            {
                "Sid": "ManageOwn",
                "Effect": "Allow",
                "Action": [
                    "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances",
                    "ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"
                ],
                "Resource": "*",
                "Condition": { "StringEquals": { "ec2:ResourceTag/ManagedBy": MANAGED_BY } }
            }
        ]
    })
    .to_string()
}

/// The ingress rules: each range's description says which inputs it came from (a range in
/// both the cluster's and the Nomad clients' lists is one rule, described `cluster,nomad`).
fn permissions(config: &Value) -> Vec<IpPermission> {
    let mut labels: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (attr, label) in [("cluster_cidrs", CLUSTER), ("nomad_cidrs", NOMAD)] {
        for cidr in strings(config, attr) {
            let entry = labels.entry(cidr).or_default();
            if !entry.contains(&label) {
                entry.push(label);
            }
        }
    }
    let mut out = Vec::new();
    for port in [22, 2376] {
        let ranges: Vec<IpRange> = labels
            .iter()
            .map(|(cidr, l)| IpRange::builder().cidr_ip(cidr).description(l.join(",")).build())
            .collect();
        if !ranges.is_empty() {
            out.push(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(port)
                    .to_port(port)
                    .set_ip_ranges(Some(ranges))
                    .build(),
            );
        }
    }
    let ssh: Vec<IpRange> = strings(config, "allowed_ssh_cidrs")
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|c| IpRange::builder().cidr_ip(c).description(SSH).build())
        .collect();
    if !ssh.is_empty() {
        out.push(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(54782)
                .to_port(54782)
                .set_ip_ranges(Some(ssh))
                .build(),
        );
    }
    out
}

/// One permission per range.
fn split(permissions: Vec<IpPermission>) -> Vec<IpPermission> {
    permissions
        .into_iter()
        .flat_map(|p| {
            p.ip_ranges()
                .iter()
                .map(|r| {
                    IpPermission::builder()
                        .ip_protocol("tcp")
                        .set_from_port(p.from_port())
                        .set_to_port(p.to_port())
                        .ip_ranges(r.clone())
                        .build()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn irsa(config: &Value) -> Option<access::Irsa<'_>> {
    let settings = config.attr("aws");
    Some(access::Irsa {
        oidc_provider_arn: settings.attr("oidc_provider_arn").as_str()?,
        namespace: settings.attr("namespace").as_str().unwrap_or(DEFAULT_NAMESPACE),
        service_account: "vm-service",
    })
}

fn set_access(state: &mut Value, found: Access) {
    state.set_attr("access", Value::from(found.kind.as_str()));
    let mut block = state.attr("aws").clone();
    found.write(&mut block, "");
    state.set_attr("aws", block);
}

/// Adds the rules one range at a time; a rule already present is fine.
async fn authorize(aws: &Aws, group: &str, rules: Vec<IpPermission>) -> Result<(), Diagnostic> {
    for rule in split(rules) {
        error::unless_gone(
            aws.ec2
                .authorize_security_group_ingress()
                .group_id(group)
                .ip_permissions(rule)
                .send()
                .await,
            &["InvalidPermission.Duplicate"],
            &format!("allow ingress into {group}"),
        )?;
    }
    Ok(())
}

#[async_trait]
impl<D: AwsData> CloudHalf<D> for VmServiceAccess {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn block(&self) -> Block {
        aws_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        if let Some(kind) = config.attr("access").as_str() {
            access::validate(
                kind,
                &root.attr("access"),
                config.attr("aws").attr("oidc_provider_arn"),
                &root.attr("aws"),
                diags,
            );
        }
        if let Some(name) = config.attr("name").as_str()
            && (name.is_empty()
                || name.len() > 50
                || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)))
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid name",
                format!("{name:?} must be 1 to 50 letters, digits, - or _."),
            );
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        access::keep_outputs(plan, &AttributePath::root().attr("access"), "");
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let aws = ctx.data()?.aws()?;
        let name = text(planned, "name").unwrap_or_default();
        let mut tags = aws.tags(planned.attr("tags"));
        tags.insert("Name".into(), name.clone());
        let out = aws
            .ec2
            .create_security_group()
            .group_name(&name)
            .description("VMs of the CircleCI Server VM service")
            .set_vpc_id(text(planned.attr("aws"), "vpc_id"))
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::SecurityGroup)
                    .set_tags(Some(ec2_tags(&tags)))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| error::api(&format!("create security group {name}"), e))?;
        let group = out.group_id().unwrap_or_default().to_string();
        let mut state = planned.clone();
        state.set_attr("id", Value::from(group.as_str()));
        set_aws_attr(&mut state, "security_group_id", Value::from(group.as_str()));
        let policy = policy(aws.partition(), &group);
        set_aws_attr(&mut state, "policy_json", Value::from(policy.as_str()));
        set_access(
            &mut state,
            Access {
                kind: access::NONE.into(),
                ..Default::default()
            },
        );
        let partial = |state: &Value, d: Diagnostic| Failure::from(d).with_partial_state(state.clone());
        authorize(aws, &group, permissions(planned))
            .await
            .map_err(|d| partial(&state, d))?;
        let kind = text(planned, "access").unwrap_or_else(|| access::NONE.into());
        let found = access::create(&aws.iam, &kind, &entity(&name), &policy, irsa(planned), &tags)
            .await
            .map_err(|d| partial(&state, d))?;
        set_access(&mut state, found);
        Ok(state)
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let aws = ctx.data()?.aws()?;
        let group_id = text(state, "id").unwrap_or_default();
        let Some(out) = error::unless_gone(
            aws.ec2.describe_security_groups().group_ids(&group_id).send().await,
            &["InvalidGroup.NotFound", "InvalidGroupId.Malformed"],
            &format!("read security group {group_id}"),
        )?
        else {
            return Ok(None);
        };
        let Some(group) = out.security_groups().first() else {
            return Ok(None);
        };
        let name = group.group_name().unwrap_or_default().to_string();
        let mut next = state.clone();
        next.set_attr("name", Value::from(name.as_str()));
        // Each range back into the input its description names. The cluster and Nomad ranges
        // count only where both 22 and 2376 admit them: a half-removed range is drift.
        let ranges = |port: i32, label: &str| -> Vec<String> {
            group
                .ip_permissions()
                .iter()
                .filter(|p| p.from_port() == Some(port))
                .flat_map(|p| p.ip_ranges().iter())
                .filter(|r| r.description().is_some_and(|d| d.split(',').any(|l| l == label)))
                .filter_map(|r| r.cidr_ip().map(str::to_string))
                .collect()
        };
        // AWS returns ranges in its own order: keep the configuration's.
        let ordered = |attr: &str, found: Vec<String>| -> Vec<Value> {
            crate::in_prior_order(&strings(state, attr), found)
                .into_iter()
                .map(Value::from)
                .collect()
        };
        for (attr, label) in [("cluster_cidrs", CLUSTER), ("nomad_cidrs", NOMAD)] {
            let docker = ranges(2376, label);
            let both: Vec<String> = ranges(22, label).into_iter().filter(|c| docker.contains(c)).collect();
            next.set_attr(attr, Value::List(ordered(attr, both)));
        }
        let ssh: Vec<Value> = ordered("allowed_ssh_cidrs", ranges(54782, SSH));
        next.set_attr(
            "allowed_ssh_cidrs",
            if ssh.is_empty() && state.attr("allowed_ssh_cidrs").is_null() {
                Value::Null
            } else {
                Value::List(ssh)
            },
        );
        let actual: BTreeMap<String, String> = group
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect();
        let own = own_tags(
            actual,
            tag_map(state.attr("tags")).as_ref(),
            &aws.default_tags,
            |k, v| k == "Name" && v == name,
        );
        next.set_attr("tags", tag_value(own));

        let mut settings = match state.attr("aws") {
            Value::Null => aws_block().null_object(),
            v => v.clone(),
        };
        settings.set_attr("vpc_id", group.vpc_id().map(str::to_string).into());
        settings.set_attr("security_group_id", Value::from(group_id.as_str()));
        settings.set_attr("policy_json", Value::from(policy(aws.partition(), &group_id)));
        let found = access::discover(&aws.iam, &entity(&name)).await?;
        if found.kind == access::IRSA
            && let Ok(role) = aws.iam.get_role().role_name(entity(&name)).send().await
            && let Some((oidc, namespace)) = role
                .role()
                .and_then(|r| r.assume_role_policy_document())
                .and_then(access::trusted_namespace)
        {
            settings.set_attr("oidc_provider_arn", Value::from(oidc));
            settings.set_attr("namespace", Value::from(namespace));
        }
        if settings.attr("namespace").is_null() {
            settings.set_attr("namespace", Value::from(DEFAULT_NAMESPACE));
        }
        next.set_attr("aws", settings);
        let secret = if found.access_key_id.is_some()
            && found.access_key_id.as_deref() == state.attr("aws").attr("access_key_id").as_str()
        {
            text(state.attr("aws"), "secret_access_key")
        } else {
            None
        };
        set_access(
            &mut next,
            Access {
                secret_access_key: secret,
                ..found
            },
        );
        Ok(Some(next))
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        let aws = ctx.data()?.aws()?;
        let group = text(prior, "id").unwrap_or_default();
        let name = text(prior, "name").unwrap_or_default();
        let keep = |d: Diagnostic| Failure::from(d).with_partial_state(prior.clone());
        let mut state = planned.clone();
        let rules_changed = ["cluster_cidrs", "nomad_cidrs", "allowed_ssh_cidrs"]
            .iter()
            .any(|a| prior.attr(a) != planned.attr(a));
        if rules_changed {
            // One range at a time: some may already be gone (drift).
            for rule in split(permissions(prior)) {
                error::unless_gone(
                    aws.ec2
                        .revoke_security_group_ingress()
                        .group_id(&group)
                        .ip_permissions(rule)
                        .send()
                        .await,
                    &["InvalidPermission.NotFound"],
                    &format!("revoke ingress of {group}"),
                )
                .map_err(keep)?;
            }
            authorize(aws, &group, permissions(planned)).await.map_err(keep)?;
        }
        let mut tags = aws.tags(planned.attr("tags"));
        tags.insert("Name".into(), name.clone());
        if prior.attr("tags") != planned.attr("tags") {
            let old = aws.tags(prior.attr("tags"));
            let removed: Vec<Tag> = old
                .keys()
                .filter(|k| !tags.contains_key(*k))
                .map(|k| Tag::builder().key(k).build())
                .collect();
            if !removed.is_empty() {
                aws.ec2
                    .delete_tags()
                    .resources(&group)
                    .set_tags(Some(removed))
                    .send()
                    .await
                    .map_err(|e| keep(error::api("remove tags", e)))?;
            }
            aws.ec2
                .create_tags()
                .resources(&group)
                .set_tags(Some(ec2_tags(&tags)))
                .send()
                .await
                .map_err(|e| keep(error::api("tag", e)))?;
        }
        let policy = policy(aws.partition(), &group);
        let old_kind = text(prior, "access").unwrap_or_else(|| access::NONE.into());
        let new_kind = text(planned, "access").unwrap_or_else(|| access::NONE.into());
        if old_kind != new_kind {
            access::delete(&aws.iam, &entity(&name)).await.map_err(keep)?;
            let found = access::create(&aws.iam, &new_kind, &entity(&name), &policy, irsa(planned), &tags)
                .await
                .map_err(keep)?;
            set_access(&mut state, found);
        } else {
            let current = Access::from_block(prior.attr("aws"), &old_kind, "");
            access::update(&aws.iam, &current, &entity(&name), &policy, irsa(planned))
                .await
                .map_err(keep)?;
            set_access(&mut state, current);
        }
        Ok(state)
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        let aws = ctx.data()?.aws()?;
        access::delete(&aws.iam, &entity(&text(prior, "name").unwrap_or_default())).await?;
        let group = text(prior, "id").unwrap_or_default();
        // VMs the VM service started may still hold it; they go away on their own.
        ctx.wait_for(
            &format!("security group {group} to be free of the VM service's VMs"),
            std::time::Duration::from_secs(10),
            || async {
                match aws.ec2.delete_security_group().group_id(&group).send().await {
                    Ok(_) => Ok(Some(())),
                    Err(e) if error::has_code(&e, &["InvalidGroup.NotFound"]) => Ok(Some(())),
                    Err(e) if error::has_code(&e, &["DependencyViolation"]) => Ok(None),
                    Err(e) => Err(error::api(&format!("delete security group {group}"), e)),
                }
            },
        )
        .await?;
        Ok(())
    }

    fn import_id_format(&self) -> &'static str {
        "security group id (sg-...)"
    }

    async fn import(&self, _ctx: &Context<D>, id: &str) -> Result<Option<Value>, Diagnostics> {
        if !id.starts_with("sg-") {
            return Ok(None);
        }
        Ok(Some(Value::object([
            ("id", Value::from(id)),
            ("aws", aws_block().null_object()),
        ])))
    }
}
