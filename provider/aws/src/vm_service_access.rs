//! The AWS half of `circleciserver_vm_service_access`: what the VM service needs to start dedicated VMs.
//!
//! A security group for those VMs (22 and 2376 from the cluster and Nomad CIDRs, 54782 for SSH
//! reruns from `allowed_ssh_cidrs`), and an IAM policy that allows RunInstances and friends only
//! on resources tagged `ManagedBy=circleci-vm-service`, `ec2:Describe*`, and tagging on create;
//! given to the VM service through IRSA (service account `vm-service`) or an IAM user key.
//!
//! Import: `terraform import circleciserver_vm_service_access.NAME SECURITY_GROUP_ID`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::tags::{own_tags, tag_value};
use circleci_core::vm_service_access::Spec;
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan};
use serde::{Deserialize, Serialize};

use crate::access::{self, Access};
use crate::error::codes;
use crate::tags::ec2_tags;
use crate::{Aws, AwsData, error, security_group};

pub struct VmServiceAccess;

const MANAGED_BY: &str = "circleci-vm-service";
const CLUSTER: &str = "cluster";
const NOMAD: &str = "nomad";
const SSH: &str = "ssh-rerun";

/// The `aws` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AwsSettings {
    vpc_id: Option<String>,
    oidc_provider_arn: Option<String>,
    namespace: Option<String>,
    security_group_id: Option<String>,
    policy_json: Option<String>,
    role_arn: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

type Model = CloudModel<Spec, AwsSettings>;

const GROUP_GONE: &[&str] = &[codes::INVALID_GROUP_NOT_FOUND, codes::INVALID_GROUP_ID_MALFORMED];

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
fn permissions(spec: &Spec) -> Vec<IpPermission> {
    let mut labels: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (cidrs, label) in [(&spec.cluster_cidrs, CLUSTER), (&spec.nomad_cidrs, NOMAD)] {
        for cidr in cidrs.clone().unwrap_or_default() {
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
    let ssh: Vec<IpRange> = spec
        .allowed_ssh_cidrs
        .clone()
        .unwrap_or_default()
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

fn irsa(model: &Model) -> Option<access::Irsa<'_>> {
    Some(access::Irsa {
        oidc_provider_arn: model.settings.oidc_provider_arn.as_deref()?,
        namespace: model.settings.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE),
        service_account: "vm-service",
    })
}

fn access_kind(model: &Model) -> access::AccessKind {
    access::AccessKind::of(model.spec.access.as_deref())
}

fn set_access(model: &mut Model, found: Access) {
    model.spec.access = Some(found.kind.as_str().to_string());
    model.settings.role_arn = found.role_arn;
    model.settings.access_key_id = found.access_key_id;
    model.settings.secret_access_key = found.secret_access_key;
}

fn current_access(model: &Model) -> Access {
    Access {
        kind: access_kind(model),
        role_arn: model.settings.role_arn.clone(),
        access_key_id: model.settings.access_key_id.clone(),
        secret_access_key: model.settings.secret_access_key.clone(),
    }
}

fn group_tags(aws: &Aws, spec: &Spec) -> BTreeMap<String, String> {
    let mut tags = aws.tags(&tag_value(spec.tags.clone()));
    tags.insert("Name".into(), spec.name.clone());
    tags
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
            &[codes::INVALID_PERMISSION_DUPLICATE],
            &format!("allow ingress into {group}"),
        )?;
    }
    Ok(())
}

#[async_trait]
impl<D: AwsData> TypedCloudHalf<D> for VmServiceAccess {
    type Spec = Spec;
    type Settings = AwsSettings;

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

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx.data()?.aws()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.aws()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        update(ctx.data()?.aws()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        let aws = ctx.data()?.aws()?;
        let model = prior;
        access::delete(&aws.iam, &entity(&model.spec.name)).await?;
        let group = model.spec.id.clone().unwrap_or_default();
        // VMs the VM service started may still hold it; they go away on their own.
        crate::security_group::delete_when_released(ctx, aws, &group, "the VM service's VMs").await?;
        Ok(())
    }

    fn import_id_format(&self) -> &'static str {
        "security group id (sg-...)"
    }

    fn import(&self, id: &str) -> Option<Model> {
        if !id.starts_with("sg-") {
            return None;
        }
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        Some(model)
    }
}

async fn create(aws: &Aws, mut model: Model) -> Result<Model, Failure> {
    let name = model.spec.name.clone();
    let tags = group_tags(aws, &model.spec);
    let group = security_group::create_or_adopt(
        aws,
        &name,
        "VMs of the CircleCI Server VM service",
        model.settings.vpc_id.as_deref(),
        &tags,
    )
    .await?;
    let policy = policy(aws.partition(), &group);
    model.spec.id = Some(group.clone());
    model.settings.security_group_id = Some(group.clone());
    model.settings.policy_json = Some(policy.clone());
    let kind = access_kind(&model);
    set_access(
        &mut model,
        Access {
            kind: access::AccessKind::None,
            ..Default::default()
        },
    );
    // From here on, the security group is in the state returned on failure.
    let rest = async {
        authorize(aws, &group, permissions(&model.spec)).await?;
        access::create(&aws.iam, kind, &entity(&name), &policy, irsa(&model), &tags).await
    };
    match rest.await {
        Ok(found) => {
            set_access(&mut model, found);
            Ok(model)
        }
        Err(d) => Err(Failure::from(d).with_partial_state(model.value(Cloud::Aws)?)),
    }
}

async fn read(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let group_id = model.spec.id.clone().unwrap_or_default();
    let Some(out) = error::unless_gone(
        aws.ec2.describe_security_groups().group_ids(&group_id).send().await,
        GROUP_GONE,
        &format!("read security group {group_id}"),
    )?
    else {
        return Ok(None);
    };
    let Some(group) = out.security_groups().first() else {
        return Ok(None);
    };
    let name = group.group_name().unwrap_or_default().to_string();
    model.spec.name = name.clone();
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
    let both = |label: &str| -> Vec<String> {
        let docker = ranges(2376, label);
        ranges(22, label).into_iter().filter(|c| docker.contains(c)).collect()
    };
    // AWS returns ranges in its own order: keep the configuration's.
    let spec = &mut model.spec;
    let ordered = |prior: &Option<Vec<String>>, found: Vec<String>| {
        crate::in_prior_order(prior.as_deref().unwrap_or_default(), found)
    };
    spec.cluster_cidrs = Some(ordered(&spec.cluster_cidrs, both(CLUSTER)));
    spec.nomad_cidrs = Some(ordered(&spec.nomad_cidrs, both(NOMAD)));
    let ssh = ordered(&spec.allowed_ssh_cidrs, ranges(54782, SSH));
    spec.allowed_ssh_cidrs = if ssh.is_empty() && spec.allowed_ssh_cidrs.is_none() {
        None
    } else {
        Some(ssh)
    };
    let actual: BTreeMap<String, String> = group
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    spec.tags = own_tags(actual, spec.tags.as_ref(), &aws.default_tags, |k, v| {
        k == "Name" && v == name
    });

    let settings = &mut model.settings;
    settings.vpc_id = group.vpc_id().map(str::to_string);
    settings.security_group_id = Some(group_id.clone());
    settings.policy_json = Some(policy(aws.partition(), &group_id));
    let found = access::discover(&aws.iam, &entity(&name)).await?;
    if found.kind == access::AccessKind::Irsa
        && let Ok(role) = aws.iam.get_role().role_name(entity(&name)).send().await
        && let Some((oidc, namespace)) = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(access::trusted_namespace)
    {
        settings.oidc_provider_arn = Some(oidc);
        settings.namespace = Some(namespace);
    }
    settings.namespace.get_or_insert_with(|| DEFAULT_NAMESPACE.to_string());
    // The secret is known only from creation: keep it while the same key exists.
    let secret = if found.access_key_id.is_some() && found.access_key_id == settings.access_key_id {
        settings.secret_access_key.clone()
    } else {
        None
    };
    set_access(
        &mut model,
        Access {
            secret_access_key: secret,
            ..found
        },
    );
    Ok(Some(model))
}

async fn update(aws: &Aws, prior: Model, mut planned: Model) -> Result<Model, Failure> {
    let group = prior.spec.id.clone().unwrap_or_default();
    let name = prior.spec.name.clone();
    let result = async {
        let rules_changed = prior.spec.cluster_cidrs != planned.spec.cluster_cidrs
            || prior.spec.nomad_cidrs != planned.spec.nomad_cidrs
            || prior.spec.allowed_ssh_cidrs != planned.spec.allowed_ssh_cidrs;
        if rules_changed {
            // One range at a time: some may already be gone (drift).
            for rule in split(permissions(&prior.spec)) {
                error::unless_gone(
                    aws.ec2
                        .revoke_security_group_ingress()
                        .group_id(&group)
                        .ip_permissions(rule)
                        .send()
                        .await,
                    &[codes::INVALID_PERMISSION_NOT_FOUND],
                    &format!("revoke ingress of {group}"),
                )?;
            }
            authorize(aws, &group, permissions(&planned.spec)).await?;
        }
        let tags = group_tags(aws, &planned.spec);
        if prior.spec.tags != planned.spec.tags {
            let old = group_tags(aws, &prior.spec);
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
                    .map_err(|e| error::api("remove tags", e))?;
            }
            aws.ec2
                .create_tags()
                .resources(&group)
                .set_tags(Some(ec2_tags(&tags)))
                .send()
                .await
                .map_err(|e| error::api("tag", e))?;
        }
        let policy = policy(aws.partition(), &group);
        if access_kind(&prior) != access_kind(&planned) {
            access::delete(&aws.iam, &entity(&name)).await?;
            let kind = access_kind(&planned);
            access::create(&aws.iam, kind, &entity(&name), &policy, irsa(&planned), &tags).await
        } else {
            let current = current_access(&prior);
            access::update(&aws.iam, &current, &entity(&name), &policy, irsa(&planned)).await?;
            Ok(current)
        }
    };
    match result.await {
        Ok(found) => {
            set_access(&mut planned, found);
            Ok(planned)
        }
        // What changed before the failure is read back by the next refresh.
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Aws)?)),
    }
}
