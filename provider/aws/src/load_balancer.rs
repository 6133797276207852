//! `circleci_load_balancer` on AWS: one of the five load balancers of CircleCI Server, as a
//! network load balancer with a TCP target group and listener per port, attached to the
//! cluster's node groups on their node ports.
//!
//! The role sets the ports and the default scheme: `frontend` and `api` are external on 80 and
//! 443; `nomad` (4647), `output_processor` (8585) and `vm_service` (3000) are VPC-internal, and
//! making one of those external needs `allow_external = true`.
//!
//! Import: `terraform import circleci_load_balancer.NAME LOAD_BALANCER_ARN`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, ProtocolEnum, Tag,
    TargetTypeEnum,
};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use circleci_tfplugin::{
    Context, Diagnostic, Diagnostics, Failure, Operation, Plan, Resource, from_value, timeouts_block, to_value,
    validators,
};
use serde::{Deserialize, Serialize};

use crate::{Aws, AwsData, error};

pub struct LoadBalancer;

/// The five load balancers: role, ports, and whether it is internal by default.
pub const ROLES: [(&str, &[i64], bool); 5] = [
    ("frontend", &[80, 443], false),
    ("api", &[80, 443], false),
    ("nomad", &[4647], true),
    ("output_processor", &[8585], true),
    ("vm_service", &[3000], true),
];

fn role(name: &str) -> Option<(&'static [i64], bool)> {
    ROLES
        .iter()
        .find(|(r, _, _)| *r == name)
        .map(|(_, ports, internal)| (*ports, *internal))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct AwsSettings {
    vpc_id: Option<String>,
    subnet_ids: Option<Vec<String>>,
    target_autoscaling_group_names: Option<Vec<String>>,
    node_ports: Option<BTreeMap<String, i64>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct Model {
    name: String,
    role: String,
    internal: Option<bool>,
    allow_external: Option<bool>,
    tags: Option<BTreeMap<String, String>>,
    aws: Option<AwsSettings>,
    timeouts: Option<serde_json::Value>,
    id: Option<String>,
    arn: Option<String>,
    dns_name: Option<String>,
    zone_id: Option<String>,
    ports: Option<Vec<i64>>,
    target_group_arns: Option<BTreeMap<String, String>>,
}

fn block() -> Block {
    let roles: Vec<&str> = ROLES.iter().map(|(r, _, _)| *r).collect();
    Block::new(
        "One of CircleCI Server's five load balancers. On AWS a network load balancer with a TCP target group \
         and listener per port, attached to the cluster's node groups.",
    )
    .attribute(
        Attribute::required("name", Type::String, "Load balancer name (at most 26 characters: target groups add `-PORT`).")
            .requires_replace(),
    )
    .attribute(
        Attribute::required(
            "role",
            Type::String,
            "Which service it exposes: `frontend` and `api` (80, 443, external), `nomad` (4647), `output_processor` (8585) \
             or `vm_service` (3000), the last three VPC-internal.",
        )
        .validate(validators::one_of(&roles))
        .requires_replace(),
    )
    .attribute(
        Attribute::optional_computed("internal", Type::Bool, "VPC-internal; defaults to the role's scheme.").requires_replace(),
    )
    .attribute(
        Attribute::optional(
            "allow_external",
            Type::Bool,
            "Must be true to make `nomad`, `output_processor` or `vm_service` external (internet-facing).",
        )
        .default(Value::Bool(false)),
    )
    .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags of the load balancer and its target groups."))
    .block(NestedBlock::single(
        "aws",
        Block::new("AWS settings.")
            .attribute(Attribute::required("vpc_id", Type::String, "VPC of the cluster.").requires_replace())
            .attribute(
                Attribute::required("subnet_ids", Type::list(Type::String), "Subnets of the load balancer (one per zone).")
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
            ),
    ))
    .block(timeouts_block(&[Operation::Create, Operation::Delete]))
    .attribute(Attribute::computed("id", Type::String, "The load balancer ARN.").use_state_for_unknown())
    .attribute(Attribute::computed("arn", Type::String, "The load balancer ARN.").use_state_for_unknown())
    .attribute(
        Attribute::computed("dns_name", Type::String, "DNS name (installer: the service's hostname).").use_state_for_unknown(),
    )
    .attribute(Attribute::computed("zone_id", Type::String, "Hosted zone id, for Route 53 alias records.").use_state_for_unknown())
    .attribute(Attribute::computed("ports", Type::list(Type::Number), "The role's ports.").use_state_for_unknown())
    .attribute(
        Attribute::computed("target_group_arns", Type::map(Type::String), "Target group ARN per port.").use_state_for_unknown(),
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
fn all_tags(aws: &Aws, model: &Model) -> BTreeMap<String, String> {
    let mut tags = aws.tags(&own_tags(model));
    tags.insert(ROLE_TAG.to_string(), model.role.clone());
    tags
}

fn own_tags(model: &Model) -> Value {
    match &model.tags {
        Some(t) => Value::Map(t.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect()),
        None => Value::Null,
    }
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
            match aws
                .autoscaling
                .detach_load_balancer_target_groups()
                .auto_scaling_group_name(group)
                .set_target_group_arns(Some(arns.to_vec()))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if error::has_code(&e, &["ValidationError"]) => {} // the group is gone
                Err(e) => {
                    return Err(error::api(
                        &format!("detach target groups from autoscaling group {group}"),
                        e,
                    ));
                }
            }
        }
    }
    Ok(())
}

async fn create(aws: &Aws, timeout: std::time::Duration, mut model: Model) -> Result<Model, Failure> {
    let (ports, default_internal) =
        role(&model.role).ok_or_else(|| Diagnostic::error("Unknown role", model.role.clone()))?;
    let settings = model.aws.clone().unwrap_or_default();
    let internal = model.internal.unwrap_or(default_internal);
    let tags = all_tags(aws, &model);
    let out = aws
        .elbv2
        .create_load_balancer()
        .name(&model.name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(if internal {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        })
        .set_subnets(settings.subnet_ids.clone())
        .set_tags(Some(elb_tags(&tags)))
        .send()
        .await
        .map_err(|e| error::api(&format!("create load balancer {}", model.name), e))?;
    let lb = out
        .load_balancers()
        .first()
        .ok_or_else(|| Diagnostic::error("AWS returned no load balancer", ""))?;
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    tracing::info!(arn, role = model.role, internal, "load balancer created");
    model.internal = Some(internal);
    model.id = Some(arn.clone());
    model.arn = Some(arn.clone());
    model.dns_name = lb.dns_name().map(str::to_string);
    model.zone_id = lb.canonical_hosted_zone_id().map(str::to_string);
    model.ports = Some(ports.to_vec());
    model.target_group_arns = Some(BTreeMap::new());

    let rest = async {
        for &port in ports {
            let node_port = settings
                .node_ports
                .as_ref()
                .and_then(|m| m.get(&port.to_string()))
                .copied()
                .unwrap_or(port);
            let tg = aws
                .elbv2
                .create_target_group()
                .name(target_group_name(&model.name, port))
                .protocol(ProtocolEnum::Tcp)
                .port(node_port as i32)
                .set_vpc_id(settings.vpc_id.clone())
                .target_type(TargetTypeEnum::Instance)
                .health_check_protocol(ProtocolEnum::Tcp)
                .health_check_interval_seconds(10)
                .healthy_threshold_count(3)
                .unhealthy_threshold_count(3)
                .set_tags(Some(elb_tags(&tags)))
                .send()
                .await
                .map_err(|e| error::api(&format!("create the target group for port {port}"), e))?;
            let tg_arn = tg
                .target_groups()
                .first()
                .and_then(|t| t.target_group_arn())
                .unwrap_or_default()
                .to_string();
            model
                .target_group_arns
                .get_or_insert_default()
                .insert(port.to_string(), tg_arn.clone());
            aws.elbv2
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
                .await
                .map_err(|e| error::api(&format!("create the listener on port {port}"), e))?;
        }
        let arns: Vec<String> = model
            .target_group_arns
            .clone()
            .unwrap_or_default()
            .into_values()
            .collect();
        attach(
            aws,
            settings.target_autoscaling_group_names.as_deref().unwrap_or_default(),
            &arns,
            true,
        )
        .await?;
        wait_active(aws, &arn, timeout).await
    };
    match rest.await {
        Ok(()) => Ok(model),
        Err(d) => Err(Failure::from(d).with_partial_state(to_value(&model, &block().value_type())?)),
    }
}

async fn wait_active(aws: &Aws, arn: &str, timeout: std::time::Duration) -> Result<(), Diagnostic> {
    let started = std::time::Instant::now();
    loop {
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
            Some(LoadBalancerStateEnum::Active) | None => return Ok(()),
            Some(LoadBalancerStateEnum::Failed) => {
                return Err(Diagnostic::error(
                    "Load balancer failed to provision",
                    format!("{arn} is in state failed."),
                ));
            }
            _ if started.elapsed() > timeout => {
                return Err(Diagnostic::error(
                    "Timed out waiting for the load balancer",
                    format!(
                        "{arn} was not active after {}s; raise timeouts.create.",
                        timeout.as_secs()
                    ),
                ));
            }
            other => {
                tracing::info!(arn, state = ?other, "waiting for the load balancer to become active");
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        }
    }
}

async fn read(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let Some(arn) = model.arn.clone().or_else(|| model.id.clone()) else {
        return Ok(None);
    };
    let out = match aws
        .elbv2
        .describe_load_balancers()
        .load_balancer_arns(&arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if error::has_code(&e, &["LoadBalancerNotFound"]) => return Ok(None),
        Err(e) => return Err(error::api(&format!("read load balancer {arn}"), e)),
    };
    let Some(lb) = out.load_balancers().first() else {
        return Ok(None);
    };
    model.name = lb.load_balancer_name().unwrap_or_default().to_string();
    model.internal = Some(lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal));
    model.dns_name = lb.dns_name().map(str::to_string);
    model.zone_id = lb.canonical_hosted_zone_id().map(str::to_string);
    model.id = Some(arn.clone());
    model.arn = Some(arn.clone());

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
    model.ports = Some(ports);
    model.target_group_arns = Some(target_groups.clone());

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
        model.role = role.clone();
    }
    let own: BTreeMap<String, String> = actual
        .into_iter()
        .filter(|(k, _)| k != ROLE_TAG)
        .filter(|(k, v)| model.tags.as_ref().is_some_and(|t| t.contains_key(k)) || aws.default_tags.get(k) != Some(v))
        .collect();
    model.tags = if own.is_empty() && model.tags.is_none() {
        None
    } else {
        Some(own)
    };

    let mut settings = model.aws.clone().unwrap_or_default();
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
    model.aws = Some(settings);
    model.allow_external = Some(model.allow_external.unwrap_or(false));
    Ok(Some(model))
}

async fn update(aws: &Aws, prior: Model, planned: Model) -> Result<Model, Failure> {
    let arn = prior.arn.clone().unwrap_or_default();
    let result = async {
        if prior.tags != planned.tags {
            let old = all_tags(aws, &prior);
            let new = all_tags(aws, &planned);
            let mut resources = vec![arn.clone()];
            resources.extend(prior.target_group_arns.clone().unwrap_or_default().into_values());
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
            .aws
            .as_ref()
            .and_then(|a| a.target_autoscaling_group_names.clone())
            .unwrap_or_default();
        let new_groups = planned
            .aws
            .as_ref()
            .and_then(|a| a.target_autoscaling_group_names.clone())
            .unwrap_or_default();
        let arns: Vec<String> = prior
            .target_group_arns
            .clone()
            .unwrap_or_default()
            .into_values()
            .collect();
        let gone: Vec<String> = old_groups.iter().filter(|g| !new_groups.contains(g)).cloned().collect();
        let added: Vec<String> = new_groups.iter().filter(|g| !old_groups.contains(g)).cloned().collect();
        attach(aws, &gone, &arns, false).await?;
        // Re-attaching is harmless, and mends a detachment made behind Terraform's back.
        attach(aws, &new_groups, &arns, true).await?;
        tracing::debug!(?added, ?gone, "node groups updated");
        Ok::<_, Diagnostic>(())
    };
    match result.await {
        Ok(()) => {
            let mut out = planned;
            out.internal = prior.internal;
            Ok(out)
        }
        Err(d) => Err(Failure::from(d).with_partial_state(to_value(&prior, &block().value_type())?)),
    }
}

async fn delete(aws: &Aws, model: Model) -> Result<(), Failure> {
    let arns: Vec<String> = model
        .target_group_arns
        .clone()
        .unwrap_or_default()
        .into_values()
        .collect();
    let groups = model
        .aws
        .as_ref()
        .and_then(|a| a.target_autoscaling_group_names.clone())
        .unwrap_or_default();
    attach(aws, &groups, &arns, false).await?;
    if let Some(arn) = &model.arn {
        match aws.elbv2.delete_load_balancer().load_balancer_arn(arn).send().await {
            Ok(_) => {}
            Err(e) if error::has_code(&e, &["LoadBalancerNotFound"]) => {}
            Err(e) => return Err(error::api(&format!("delete load balancer {arn}"), e).into()),
        }
    }
    for tg in arns {
        // A target group is in use until its listener is gone with the load balancer.
        let mut attempt = 0;
        loop {
            match aws.elbv2.delete_target_group().target_group_arn(&tg).send().await {
                Ok(_) => break,
                Err(e) if error::has_code(&e, &["TargetGroupNotFound"]) => break,
                Err(e) if error::has_code(&e, &["ResourceInUse"]) && attempt < 30 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
                Err(e) => return Err(error::api(&format!("delete target group {tg}"), e).into()),
            }
        }
    }
    Ok(())
}

#[async_trait]
impl<D: AwsData> Resource<D> for LoadBalancer {
    fn type_name(&self) -> &'static str {
        "circleci_load_balancer"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        if let Some(name) = config.attr("name").as_str()
            && (name.is_empty()
                || name.len() > 26
                || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                || name.starts_with('-')
                || name.ends_with('-'))
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid load balancer name",
                format!("{name:?} must be 1 to 26 letters, digits or hyphens, not starting or ending with a hyphen."),
            );
        }
        let Some(role_name) = config.attr("role").as_str() else {
            return;
        };
        let Some((ports, default_internal)) = role(role_name) else {
            return;
        };
        if default_internal
            && config.attr("internal").as_bool() == Some(false)
            && config.attr("allow_external").as_bool() != Some(true)
        {
            diags.attribute_error(
                &root.attr("internal"),
                format!("The {role_name} load balancer must stay internal"),
                format!(
                    "The {role_name} service is VPC-internal by design; exposing it to the internet needs allow_external = true \
                     as well as internal = false."
                ),
            );
        }
        if config.attr("aws").is_null() {
            diags.attribute_error(
                &root.attr("aws"),
                "Missing cloud block",
                "Add an aws { } block (only AWS is supported so far).",
            );
        }
        if let Value::Map(node_ports) = config.attr("aws").attr("node_ports") {
            for port in ports {
                if !node_ports.contains_key(&port.to_string()) {
                    diags.attribute_error(
                        &root.attr("aws").attr("node_ports"),
                        format!("Missing node port for {port}"),
                        format!("The {role_name} role listens on {ports:?}: give node_ports an entry for each, e.g. {{ \"{port}\" = 3{port:04} }}."),
                    );
                }
            }
            for (key, value) in node_ports {
                let ok = value.as_i64().is_some_and(|p| (1..=65535).contains(&p)) || value.is_unknown();
                if !ports.iter().any(|p| p.to_string() == *key) || !ok {
                    diags.attribute_error(
                        &root.attr("aws").attr("node_ports").key(key.clone()),
                        "Invalid node port",
                        format!(
                            "node_ports[{key:?}] must map one of the role's ports {ports:?} to a port from 1 to 65535."
                        ),
                    );
                }
            }
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        // The scheme follows the role unless set: plan it now, so the plan shows it.
        if plan.planned.attr("internal").is_unknown()
            && let Some(role_name) = plan.planned.attr("role").as_str()
            && let Some((_, internal)) = role(role_name)
        {
            plan.planned.set_attr("internal", Value::Bool(internal));
        }
        if let Some((ports, _)) = plan.planned.attr("role").as_str().and_then(role) {
            plan.planned
                .set_attr("ports", Value::List(ports.iter().map(|p| Value::int(*p)).collect()));
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let aws = ctx.data()?.aws()?;
        let timeout = ctx.timeout();
        let model = create(aws, timeout, from_value(planned)?).await?;
        Ok(to_value(&model, &block().value_type())?)
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let aws = ctx.data()?.aws()?;
        Ok(match read(aws, from_value(state)?).await? {
            Some(model) => Some(to_value(&model, &block().value_type())?),
            None => None,
        })
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        let aws = ctx.data()?.aws()?;
        let model = update(aws, from_value(prior)?, from_value(planned)?).await?;
        Ok(to_value(&model, &block().value_type())?)
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        let aws = ctx.data()?.aws()?;
        delete(aws, from_value(prior)?).await
    }

    async fn import(&self, _ctx: &Context<D>, id: &str) -> Result<Value, Diagnostics> {
        // Only the shape is checked: moto writes `app/` into network load balancers' ARNs.
        if !id.starts_with("arn:") || !id.contains(":loadbalancer/") {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import by network load balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/ID), not {id:?}."),
            )
            .into());
        }
        let model = Model {
            arn: Some(id.to_string()),
            id: Some(id.to_string()),
            ..Default::default()
        };
        Ok(to_value(&model, &block().value_type())?)
    }
}
