//! The AWS half of `circleciserver_load_balancer`: a network load balancer with a TCP target group
//! and listener per port of the role, attached to the cluster's node groups on their node ports.
//!
//! Import: `terraform import circleciserver_load_balancer.NAME LOAD_BALANCER_ARN`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancer as ElbLoadBalancer, LoadBalancerSchemeEnum, LoadBalancerStateEnum,
    LoadBalancerTypeEnum, ProtocolEnum, Tag, TargetTypeEnum,
};
use circleci_core::Cloud;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::load_balancer::{Spec, role};
use circleci_core::tags::own_tags;
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure};
use serde::{Deserialize, Serialize};

use crate::error::codes;
use crate::{Aws, AwsData, adopt, error};

pub struct LoadBalancer;

/// The `aws` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AwsSettings {
    vpc_id: Option<String>,
    subnet_ids: Option<Vec<String>>,
    target_autoscaling_group_names: Option<Vec<String>>,
    node_ports: Option<BTreeMap<String, i64>>,
    arn: Option<String>,
    dns_name: Option<String>,
    zone_id: Option<String>,
    target_group_arns: Option<BTreeMap<String, String>>,
}

type Model = CloudModel<Spec, AwsSettings>;

const GONE: &[&str] = &[codes::LOAD_BALANCER_NOT_FOUND];

fn aws_block() -> Block {
    Block::new("AWS: a network load balancer in the cluster's VPC.")
        .attribute(Attribute::required("vpc_id", Type::String, "VPC of the cluster.").requires_replace())
        .attribute(
            Attribute::required(
                "subnet_ids",
                Type::list(Type::String),
                "Subnets of the load balancer (one per zone).",
            )
            .requires_replace(),
        )
        .attribute(Attribute::optional(
            "target_autoscaling_group_names",
            Type::list(Type::String),
            "The cluster's node groups (autoscaling groups) that receive the traffic.",
        ))
        .attribute(
            Attribute::required(
                "node_ports",
                Type::map(Type::Number),
                "Node port of the Kubernetes service for each port of the role, e.g. `{ \"4647\" = 30647 }`.",
            )
            .requires_replace(),
        )
        .attribute(Attribute::computed("arn", Type::String, "The load balancer ARN.").use_state_for_unknown())
        .attribute(Attribute::computed("dns_name", Type::String, "Its DNS name.").use_state_for_unknown())
        .attribute(
            Attribute::computed("zone_id", Type::String, "Hosted zone id, for Route 53 alias records.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed(
                "target_group_arns",
                Type::map(Type::String),
                "Target group ARN per port.",
            )
            .use_state_for_unknown(),
        )
}

/// Records the role on the load balancer itself, so import can tell `frontend` from `api`.
const ROLE_TAG: &str = "circleci-server:role";

fn elb_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Everything tagged on the load balancer: default tags, the resource's tags and the role.
fn all_tags(aws: &Aws, spec: &Spec) -> BTreeMap<String, String> {
    let mut tags = aws.tags(&circleci_core::tags::tag_value(spec.tags.clone()));
    tags.insert(ROLE_TAG.to_string(), spec.role.clone());
    tags
}

/// True when the load balancer or target group `arn` carries the owner tag.
async fn owned(aws: &Aws, arn: &str) -> Result<bool, Diagnostic> {
    let out = aws
        .elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| error::api(&format!("read the tags of {arn}"), e))?;
    Ok(adopt::is_owned(
        out.tag_descriptions()
            .iter()
            .flat_map(|d| d.tags())
            .filter_map(|t| Some((t.key()?, t.value()?))),
    ))
}

fn target_group_name(lb: &str, port: i64) -> String {
    format!("{lb}-{port}")
}

async fn attach(aws: &Aws, groups: &[String], arns: &[String], attach: bool) -> Result<(), Diagnostic> {
    if arns.is_empty() {
        return Ok(());
    }
    for group in groups {
        if attach {
            aws.autoscaling
                .attach_load_balancer_target_groups()
                .auto_scaling_group_name(group)
                .set_target_group_arns(Some(arns.to_vec()))
                .send()
                .await
                .map_err(|e| error::api(&format!("attach target groups to autoscaling group {group}"), e))?;
        } else {
            // ValidationError: the group is gone.
            error::unless_gone(
                aws.autoscaling
                    .detach_load_balancer_target_groups()
                    .auto_scaling_group_name(group)
                    .set_target_group_arns(Some(arns.to_vec()))
                    .send()
                    .await,
                &[codes::VALIDATION_ERROR],
                &format!("detach target groups from autoscaling group {group}"),
            )?;
        }
    }
    Ok(())
}

/// The load balancer called `name`, or `None` when there is none.
async fn find_load_balancer_by_name(aws: &Aws, name: &str) -> Result<Option<ElbLoadBalancer>, Diagnostic> {
    let found = error::unless_gone(
        aws.elbv2.describe_load_balancers().names(name).send().await,
        GONE,
        &format!("look up load balancer {name}"),
    )?;
    Ok(found.and_then(|out| out.load_balancers().first().cloned()))
}

/// `lb` (called `name`) when this provider made it, else the diagnostic that it is someone else's.
async fn adopt_load_balancer(aws: &Aws, name: &str, lb: ElbLoadBalancer) -> Result<ElbLoadBalancer, Diagnostic> {
    let owned = owned(aws, lb.load_balancer_arn().unwrap_or_default()).await?;
    adopt::adopt("load balancer", name, owned, lb)
}

/// The ARN of the target group called `name`, or `None` when there is none.
async fn find_target_group_arn_by_name(aws: &Aws, name: &str) -> Result<Option<String>, Diagnostic> {
    let found = error::unless_gone(
        aws.elbv2.describe_target_groups().names(name).send().await,
        &[codes::TARGET_GROUP_NOT_FOUND],
        &format!("look up target group {name}"),
    )?;
    Ok(found.and_then(|out| {
        out.target_groups()
            .first()
            .and_then(|t| t.target_group_arn())
            .map(str::to_string)
    }))
}

async fn create<D: AwsData>(ctx: &Context<D>, aws: &Aws, mut model: Model) -> Result<Model, Failure> {
    let role = model
        .spec
        .role()
        .ok_or_else(|| Diagnostic::error("Unknown role", model.spec.role.clone()))?;
    let internal = model.spec.internal.unwrap_or(role.internal);
    let tags = all_tags(aws, &model.spec);
    let name = model.spec.name.clone();
    // Looked up first: AWS answers a create with a name in use and the same settings with the
    // existing load balancer (whoever made it), and some emulators make a second one.
    let lb = match find_load_balancer_by_name(aws, &name).await? {
        Some(lb) => Some(adopt_load_balancer(aws, &name, lb).await?),
        None => {
            let created = aws
                .elbv2
                .create_load_balancer()
                .name(&name)
                .r#type(LoadBalancerTypeEnum::Network)
                .scheme(if internal {
                    LoadBalancerSchemeEnum::Internal
                } else {
                    LoadBalancerSchemeEnum::InternetFacing
                })
                .set_subnets(model.settings.subnet_ids.clone())
                .set_tags(Some(elb_tags(&tags)))
                .send()
                .await;
            match created {
                Ok(out) => out.load_balancers().first().cloned(),
                // Made in between, e.g. by a retry whose first answer was lost.
                Err(e) if error::has_code(&e, &[codes::DUPLICATE_LOAD_BALANCER_NAME]) => {
                    match find_load_balancer_by_name(aws, &name).await? {
                        Some(lb) => Some(adopt_load_balancer(aws, &name, lb).await?),
                        None => None,
                    }
                }
                Err(e) => return Err(error::api(&format!("create load balancer {name}"), e).into()),
            }
        }
    };
    let lb = lb.ok_or_else(|| Diagnostic::error("AWS returned no load balancer", ""))?;
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    tracing::info!(arn, role = role.name, internal, "load balancer created");
    model.spec.internal = Some(internal);
    model.spec.id = Some(arn.clone());
    model.spec.hostname = lb.dns_name().map(str::to_string);
    model.spec.ports = Some(role.ports.to_vec());
    model.settings.arn = Some(arn.clone());
    model.settings.dns_name = lb.dns_name().map(str::to_string);
    model.settings.zone_id = lb.canonical_hosted_zone_id().map(str::to_string);
    model.settings.target_group_arns = Some(BTreeMap::new());

    let rest = async {
        for &port in role.ports {
            let node_port = model
                .settings
                .node_ports
                .as_ref()
                .and_then(|m| m.get(&port.to_string()))
                .copied()
                .unwrap_or(port);
            let tg_name = target_group_name(&model.spec.name, port);
            let tg_arn = match find_target_group_arn_by_name(aws, &tg_name).await? {
                Some(arn) => adopt::adopt("target group", &tg_name, owned(aws, &arn).await?, arn)?,
                None => {
                    let created = aws
                        .elbv2
                        .create_target_group()
                        .name(&tg_name)
                        .protocol(ProtocolEnum::Tcp)
                        .port(node_port as i32)
                        .set_vpc_id(model.settings.vpc_id.clone())
                        .target_type(TargetTypeEnum::Instance)
                        .health_check_protocol(ProtocolEnum::Tcp)
                        .health_check_interval_seconds(10)
                        .healthy_threshold_count(3)
                        .unhealthy_threshold_count(3)
                        .set_tags(Some(elb_tags(&tags)))
                        .send()
                        .await;
                    match created {
                        Ok(out) => out
                            .target_groups()
                            .first()
                            .and_then(|t| t.target_group_arn())
                            .unwrap_or_default()
                            .to_string(),
                        Err(e) if error::has_code(&e, &[codes::DUPLICATE_TARGET_GROUP_NAME]) => {
                            let arn = find_target_group_arn_by_name(aws, &tg_name).await?.unwrap_or_default();
                            adopt::adopt("target group", &tg_name, owned(aws, &arn).await?, arn)?
                        }
                        Err(e) => {
                            return Err(error::api(&format!("create the target group for port {port}"), e));
                        }
                    }
                }
            };
            model
                .settings
                .target_group_arns
                .get_or_insert_default()
                .insert(port.to_string(), tg_arn.clone());
            let listener = aws
                .elbv2
                .create_listener()
                .load_balancer_arn(&arn)
                .protocol(ProtocolEnum::Tcp)
                .port(port as i32)
                .default_actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .target_group_arn(&tg_arn)
                        .build(),
                )
                .send()
                .await;
            match listener {
                // The listener an earlier attempt made on this (adopted) load balancer.
                Err(e) if error::has_code(&e, &[codes::DUPLICATE_LISTENER]) => {}
                Err(e) => return Err(error::api(&format!("create the listener on port {port}"), e)),
                Ok(_) => {}
            }
        }
        let arns: Vec<String> = model
            .settings
            .target_group_arns
            .clone()
            .unwrap_or_default()
            .into_values()
            .collect();
        attach(
            aws,
            model
                .settings
                .target_autoscaling_group_names
                .as_deref()
                .unwrap_or_default(),
            &arns,
            true,
        )
        .await?;
        wait_active(ctx, aws, &arn).await
    };
    match rest.await {
        Ok(()) => Ok(model),
        Err(d) => Err(Failure::from(d).with_partial_state(model.value(Cloud::Aws)?)),
    }
}

async fn wait_active<D: AwsData>(ctx: &Context<D>, aws: &Aws, arn: &str) -> Result<(), Diagnostic> {
    ctx.wait_for(
        &format!("load balancer {arn} to become active"),
        Duration::from_secs(5),
        || async {
            let out = aws
                .elbv2
                .describe_load_balancers()
                .load_balancer_arns(arn)
                .send()
                .await
                .map_err(|e| error::api("read the load balancer's state", e))?;
            let state = out
                .load_balancers()
                .first()
                .and_then(|l| l.state())
                .and_then(|s| s.code())
                .cloned();
            match state {
                Some(LoadBalancerStateEnum::Active) | None => Ok(Some(())),
                Some(LoadBalancerStateEnum::Failed) => Err(Diagnostic::error(
                    "Load balancer failed to provision",
                    format!("{arn} is in state failed."),
                )),
                _ => Ok(None),
            }
        },
    )
    .await
}

async fn read(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let Some(arn) = model.settings.arn.clone().or_else(|| model.spec.id.clone()) else {
        return what_is_left(aws, model).await;
    };
    let Some(out) = error::unless_gone(
        aws.elbv2
            .describe_load_balancers()
            .load_balancer_arns(&arn)
            .send()
            .await,
        GONE,
        &format!("read load balancer {arn}"),
    )?
    else {
        return what_is_left(aws, model).await;
    };
    let Some(lb) = out.load_balancers().first() else {
        return what_is_left(aws, model).await;
    };
    model.spec.name = lb.load_balancer_name().unwrap_or_default().to_string();
    model.spec.internal = Some(lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal));
    model.spec.hostname = lb.dns_name().map(str::to_string);
    model.spec.id = Some(arn.clone());
    model.settings.arn = Some(arn.clone());
    model.settings.dns_name = lb.dns_name().map(str::to_string);
    model.settings.zone_id = lb.canonical_hosted_zone_id().map(str::to_string);

    let groups = aws
        .elbv2
        .describe_target_groups()
        .load_balancer_arn(&arn)
        .send()
        .await
        .map_err(|e| error::api(&format!("read the target groups of {arn}"), e))?;
    let listeners = aws
        .elbv2
        .describe_listeners()
        .load_balancer_arn(&arn)
        .send()
        .await
        .map_err(|e| error::api(&format!("read the listeners of {arn}"), e))?;
    let mut target_groups = BTreeMap::new();
    let mut node_ports = BTreeMap::new();
    for listener in listeners.listeners() {
        let Some(port) = listener.port() else { continue };
        let tg_arn = listener
            .default_actions()
            .first()
            .and_then(|a| a.target_group_arn())
            .unwrap_or_default();
        if let Some(tg) = groups
            .target_groups()
            .iter()
            .find(|t| t.target_group_arn() == Some(tg_arn))
        {
            target_groups.insert(port.to_string(), tg_arn.to_string());
            node_ports.insert(port.to_string(), i64::from(tg.port().unwrap_or(port)));
        }
    }
    let mut ports: Vec<i64> = target_groups.keys().filter_map(|p| p.parse().ok()).collect();
    ports.sort();
    model.spec.ports = Some(ports);
    model.settings.target_group_arns = Some(target_groups.clone());

    let tags = aws
        .elbv2
        .describe_tags()
        .resource_arns(&arn)
        .send()
        .await
        .map_err(|e| error::api(&format!("read the tags of {arn}"), e))?;
    let actual: BTreeMap<String, String> = tags
        .tag_descriptions()
        .first()
        .map(|d| {
            d.tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(role) = actual.get(ROLE_TAG) {
        model.spec.role = role.clone();
    }
    model.spec.tags = own_tags(actual, model.spec.tags.as_ref(), &aws.default_tags, |k, _| {
        k == ROLE_TAG
    });

    let settings = &mut model.settings;
    settings.vpc_id = lb.vpc_id().map(str::to_string);
    let subnets = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    settings.subnet_ids = Some(crate::in_prior_order(
        settings.subnet_ids.as_deref().unwrap_or_default(),
        subnets,
    ));
    settings.node_ports = Some(node_ports);
    // The node groups that carry all of this load balancer's target groups.
    let arns: Vec<&String> = target_groups.values().collect();
    let mut attached = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .autoscaling
            .describe_auto_scaling_groups()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| error::api("list autoscaling groups", e))?;
        for group in page.auto_scaling_groups() {
            if !arns.is_empty() && arns.iter().all(|a| group.target_group_arns().contains(a)) {
                attached.push(group.auto_scaling_group_name().unwrap_or_default().to_string());
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    // Keep the configured order; groups attached out of band come last.
    let configured = settings.target_autoscaling_group_names.clone().unwrap_or_default();
    let mut ordered: Vec<String> = configured.iter().filter(|g| attached.contains(g)).cloned().collect();
    ordered.extend(attached.into_iter().filter(|g| !configured.contains(g)));
    settings.target_autoscaling_group_names = if ordered.is_empty() && settings.target_autoscaling_group_names.is_none()
    {
        None
    } else {
        Some(ordered)
    };
    model.spec.allow_external = Some(model.spec.allow_external.unwrap_or(false));
    Ok(Some(model))
}

/// The load balancer is gone. When target groups the state records are still there (a destroy
/// killed after the load balancer's delete, or it deleted by hand), the resource stays in state
/// with those and a null id, so that the plan replaces it and a destroy deletes them, instead
/// of Terraform forgetting them; with nothing left it is gone.
async fn what_is_left(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let mut left = BTreeMap::new();
    for (port, tg) in model.settings.target_group_arns.clone().unwrap_or_default() {
        let found = error::unless_gone(
            aws.elbv2.describe_target_groups().target_group_arns(&tg).send().await,
            &[codes::TARGET_GROUP_NOT_FOUND],
            &format!("read target group {tg}"),
        )?;
        if found.is_some_and(|out| !out.target_groups().is_empty()) {
            left.insert(port, tg);
        }
    }
    if left.is_empty() {
        return Ok(None);
    }
    tracing::warn!(
        name = model.spec.name,
        target_groups = left.len(),
        "load balancer gone but target groups are left: kept in state"
    );
    model.settings.target_group_arns = Some(left);
    model.settings.arn = None;
    model.spec.id = None;
    Ok(Some(model))
}

async fn update(aws: &Aws, prior: Model, planned: Model) -> Result<Model, Failure> {
    let arn = prior.settings.arn.clone().unwrap_or_default();
    let target_group_arns: Vec<String> = prior
        .settings
        .target_group_arns
        .clone()
        .unwrap_or_default()
        .into_values()
        .collect();
    let result = async {
        if prior.spec.tags != planned.spec.tags {
            let old = all_tags(aws, &prior.spec);
            let new = all_tags(aws, &planned.spec);
            let mut resources = vec![arn.clone()];
            resources.extend(target_group_arns.iter().cloned());
            let removed: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
            if !removed.is_empty() {
                aws.elbv2
                    .remove_tags()
                    .set_resource_arns(Some(resources.clone()))
                    .set_tag_keys(Some(removed))
                    .send()
                    .await
                    .map_err(|e| error::api("remove tags", e))?;
            }
            if !new.is_empty() {
                aws.elbv2
                    .add_tags()
                    .set_resource_arns(Some(resources))
                    .set_tags(Some(elb_tags(&new)))
                    .send()
                    .await
                    .map_err(|e| error::api("tag the load balancer", e))?;
            }
        }
        let old_groups = prior
            .settings
            .target_autoscaling_group_names
            .clone()
            .unwrap_or_default();
        let new_groups = planned
            .settings
            .target_autoscaling_group_names
            .clone()
            .unwrap_or_default();
        let gone: Vec<String> = old_groups.iter().filter(|g| !new_groups.contains(g)).cloned().collect();
        attach(aws, &gone, &target_group_arns, false).await?;
        // Re-attaching is harmless, and mends a detachment made behind Terraform's back.
        attach(aws, &new_groups, &target_group_arns, true).await?;
        Ok::<_, Diagnostic>(())
    };
    match result.await {
        Ok(()) => {
            let mut out = planned;
            out.spec.internal = prior.spec.internal;
            Ok(out)
        }
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Aws)?)),
    }
}

async fn delete<D: AwsData>(ctx: &Context<D>, aws: &Aws, model: Model) -> Result<(), Failure> {
    let arns: Vec<String> = model
        .settings
        .target_group_arns
        .clone()
        .unwrap_or_default()
        .into_values()
        .collect();
    let groups = model
        .settings
        .target_autoscaling_group_names
        .clone()
        .unwrap_or_default();
    attach(aws, &groups, &arns, false).await?;
    if let Some(arn) = &model.settings.arn {
        error::unless_gone(
            aws.elbv2.delete_load_balancer().load_balancer_arn(arn).send().await,
            GONE,
            &format!("delete load balancer {arn}"),
        )?;
    }
    for tg in arns {
        // A target group is in use until its listener is gone with the load balancer.
        ctx.wait_for(
            &format!("target group {tg} to be released by its load balancer"),
            Duration::from_secs(2),
            || async {
                match aws.elbv2.delete_target_group().target_group_arn(&tg).send().await {
                    Ok(_) => Ok(Some(())),
                    Err(e) if error::has_code(&e, &[codes::TARGET_GROUP_NOT_FOUND]) => Ok(Some(())),
                    Err(e) if error::has_code(&e, &[codes::RESOURCE_IN_USE]) => Ok(None),
                    Err(e) => Err(error::api(&format!("delete target group {tg}"), e)),
                }
            },
        )
        .await?;
    }
    Ok(())
}

fn validate_name(config: &Value, diags: &mut Diagnostics) {
    if let Some(name) = config.attr("name").as_str()
        && (name.is_empty()
            || name.len() > 26
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || name.starts_with('-')
            || name.ends_with('-'))
    {
        diags.attribute_error(
            &AttributePath::root().attr("name"),
            "Invalid load balancer name",
            format!(
                "{name:?} must be 1 to 26 letters, digits or hyphens, not starting or ending with a hyphen (AWS allows 32; \
                 target groups add `-PORT`)."
            ),
        );
    }
}

fn validate_node_ports(config: &Value, diags: &mut Diagnostics) {
    let Some(role) = config.attr("role").as_str().and_then(role) else {
        return;
    };
    let Value::Map(node_ports) = config.attr("aws").attr("node_ports") else {
        return;
    };
    let path = AttributePath::root().attr("aws").attr("node_ports");
    let ports = role.ports;
    for port in ports {
        if !node_ports.contains_key(&port.to_string()) {
            diags.attribute_error(
                &path,
                format!("Missing node port for {port}"),
                format!(
                    "The {} role listens on {ports:?}: give node_ports an entry for each, e.g. {{ \"{port}\" = 3{port:04} }}.",
                    role.name
                ),
            );
        }
    }
    for (key, value) in node_ports {
        let ok = value.as_i64().is_some_and(|p| (1..=65535).contains(&p)) || value.is_unknown();
        if !ports.iter().any(|p| p.to_string() == *key) || !ok {
            diags.attribute_error(
                &path.key(key.clone()),
                "Invalid node port",
                format!("node_ports[{key:?}] must map one of the role's ports {ports:?} to a port from 1 to 65535."),
            );
        }
    }
}

#[async_trait]
impl<D: AwsData> TypedCloudHalf<D> for LoadBalancer {
    type Spec = Spec;
    type Settings = AwsSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn block(&self) -> Block {
        aws_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_name(config, diags);
        validate_node_ports(config, diags);
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx, ctx.data()?.aws()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.aws()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        update(ctx.data()?.aws()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        delete(ctx, ctx.data()?.aws()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "network load balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/ID)"
    }

    fn import(&self, id: &str) -> Option<Model> {
        // Only the shape is checked: moto writes `app/` into network load balancers' ARNs.
        if !id.starts_with("arn:") || !id.contains(":loadbalancer/") {
            return None;
        }
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        model.settings.arn = Some(id.to_string());
        Some(model)
    }
}
