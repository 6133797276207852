//! The GCP half of `circleciserver_load_balancer`: a passthrough network load balancer, external for
//! `frontend` and `api`, internal for `nomad`, `output_processor` and `vm_service` (unless
//! `allow_external`).
//!
//! It makes a regional TCP health check on the role's node port, a regional backend service
//! (TCP, the cluster's instance groups as backends), a forwarding rule on the role's ports,
//! and two firewall rules on the nodes' network tags: `NAME-traffic` (the role's ports from
//! `source_ranges`) and `NAME-health-checks` (the node ports from Google's health checkers).
//! Passthrough load balancers keep the destination address and port, so the node sees
//! `ADDRESS:443`; `circleciserver_server` lists the address as the Service's external IP, which
//! kube-proxy routes to the pods (the health check proves the node port answers).
//!
//! Every part carries a description naming it, so a create whose answer was lost, or an apply
//! killed half-way, is finished by the next apply: what exists with our description is
//! adopted, anything else of that name is refused.
//!
//! Import: `terraform import circleciserver_load_balancer.NAME projects/P/regions/R/forwardingRules/NAME`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use circleci_core::Cloud;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::load_balancer::{Role, Spec, role};
use circleci_core::tags::own_tags;
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, validators};
use google_cloud_compute_v1::model::{
    Backend, BackendService, Firewall, ForwardingRule, HealthCheck, RegionSetLabelsRequest, TCPHealthCheck, backend,
    backend_service, firewall, forwarding_rule, health_check,
};
use serde::{Deserialize, Serialize};

use crate::labels::{self, MANAGED_BY};
use crate::parts::{self, last, network_link, region};
use crate::retry::request_id;
use crate::vm_service_image::valid_name;
use crate::{Gcp, GcpData, error, operation};

pub struct LoadBalancer;

/// Where Google's health checkers (and, for external passthrough load balancers, its
/// forwarders) come from: documented, fixed.
const HEALTH_CHECK_RANGES: [&str; 4] = ["35.191.0.0/16", "130.211.0.0/22", "209.85.152.0/22", "209.85.204.0/22"];

/// The label that records the role on the forwarding rule, so import can tell `frontend` from `api`.
const ROLE_LABEL: &str = "circleci-server-role";

/// The `gcp` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GcpSettings {
    network: Option<String>,
    subnetwork: Option<String>,
    instance_groups: Option<Vec<String>>,
    node_ports: Option<BTreeMap<String, i64>>,
    target_tags: Option<Vec<String>>,
    source_ranges: Option<Vec<String>>,
    region: Option<String>,
    ip_address: Option<String>,
    forwarding_rule: Option<String>,
    backend_service: Option<String>,
    health_check: Option<String>,
}

type Model = CloudModel<Spec, GcpSettings>;

fn gcp_block() -> Block {
    Block::new(
        "GCP: a passthrough network load balancer (forwarding rule, backend service, health check, firewall rules).",
    )
    .attribute(
        Attribute::required(
            "network",
            Type::String,
            "VPC network of the cluster: a name in the provider's project or a self link (shared VPC).",
        )
        .requires_replace(),
    )
    .attribute(
        Attribute::optional_computed(
            "subnetwork",
            Type::String,
            "Subnetwork of an internal load balancer's address (self link for shared VPC); the network's own in the \
             region when left out (Google fills it in).",
        )
        .requires_replace()
        .use_state_for_unknown(),
    )
    .attribute(Attribute::required(
        "instance_groups",
        Type::list(Type::String),
        "The cluster's node instance groups that receive the traffic, e.g. a GKE node pool's `instance_group_urls` \
             (instance group manager URLs are taken as their instance groups).",
    ))
    .attribute(
        Attribute::required(
            "node_ports",
            Type::map(Type::Number),
            "Node port of the Kubernetes service for each port of the role, e.g. `{ \"4647\" = 30647 }`: the health \
                 check probes it.",
        )
        .requires_replace(),
    )
    .attribute(Attribute::required(
        "target_tags",
        Type::list(Type::String),
        "Network tags of the cluster's nodes: the firewall rules apply to them only.",
    ))
    .attribute(
        Attribute::required(
            "source_ranges",
            Type::list(Type::String),
            "Who may connect: `[\"0.0.0.0/0\"]` for a public frontend, the VPC's and Nomad clients' ranges for the \
                 internal roles.",
        )
        .validate(validators::cidr()),
    )
    .attribute(
        Attribute::computed("region", Type::String, "Region of the load balancer (the provider's).")
            .use_state_for_unknown(),
    )
    .attribute(Attribute::computed("ip_address", Type::String, "The load balancer's address.").use_state_for_unknown())
    .attribute(Attribute::computed("forwarding_rule", Type::String, "The forwarding rule.").use_state_for_unknown())
    .attribute(Attribute::computed("backend_service", Type::String, "The backend service.").use_state_for_unknown())
    .attribute(Attribute::computed("health_check", Type::String, "The health check.").use_state_for_unknown())
}

/// The description every part carries: ownership, for adoption.
fn owner(name: &str) -> String {
    format!("CircleCI Server load balancer {name} (managed by terraform-provider-circleciserver)")
}

fn check_owner(what: &str, name: &str, description: Option<&String>, load_balancer: &str) -> Result<(), Diagnostic> {
    parts::check_owner(
        what,
        name,
        description,
        &owner(load_balancer),
        &format!("load balancer {load_balancer:?}"),
    )
}

fn regional_link(gcp: &Gcp, region: &str, collection: &str, name: &str) -> String {
    format!("projects/{}/regions/{region}/{collection}/{name}", gcp.project)
}

/// A GKE node pool lists its instance group managers; a backend takes the instance group.
fn instance_group(link: &str) -> String {
    link.replace("/instanceGroupManagers/", "/instanceGroups/")
}

/// True when two links name the same instance group (full URLs or `projects/...` paths, the
/// group or its manager).
fn same_group(a: &str, b: &str) -> bool {
    let path = |link: &str| {
        let group = instance_group(link);
        group.find("projects/").map(|i| group[i..].to_string()).unwrap_or(group)
    };
    path(a) == path(b)
}

fn role_of(spec: &Spec) -> Result<Role, Diagnostic> {
    spec.role()
        .ok_or_else(|| Diagnostic::error("Unknown load balancer role", format!("{:?} is not a role.", spec.role)))
}

fn scheme_internal(spec: &Spec, role: Role) -> bool {
    spec.internal.unwrap_or(role.internal)
}

fn node_ports(model: &Model, role: Role) -> Vec<String> {
    role.ports
        .iter()
        .filter_map(|p| model.settings.node_ports.as_ref()?.get(&p.to_string()))
        .map(|p| p.to_string())
        .collect()
}

fn all_labels(gcp: &Gcp, spec: &Spec) -> BTreeMap<String, String> {
    let mut labels = gcp.labels(&spec.tags.clone().unwrap_or_default());
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    labels.insert(ROLE_LABEL.into(), spec.role.clone());
    labels
}

fn backends(model: &Model) -> Vec<Backend> {
    model
        .settings
        .instance_groups
        .iter()
        .flatten()
        .map(|group| {
            let mut backend = Backend::default();
            backend.group = Some(instance_group(group));
            backend.balancing_mode = Some(backend::BalancingMode::Connection);
            backend
        })
        .collect()
}

fn firewall_rule(model: &Model, gcp: &Gcp, name: &str, ranges: Vec<String>, ports: Vec<String>) -> Firewall {
    let mut allowed = firewall::Allowed::default();
    allowed.ip_protocol = Some("tcp".into());
    allowed.ports = ports;
    let mut rule = Firewall::default();
    rule.name = Some(name.to_string());
    rule.description = Some(owner(&model.spec.name));
    rule.network = model.settings.network.as_deref().map(|n| network_link(gcp, n));
    rule.direction = Some(firewall::Direction::Ingress);
    rule.source_ranges = ranges;
    rule.target_tags = model.settings.target_tags.clone().unwrap_or_default();
    rule.allowed = vec![allowed];
    rule
}

/// The two firewall rules: the role's ports from `source_ranges`, the node ports from Google's
/// health checkers.
fn firewall_rules(model: &Model, gcp: &Gcp, role: Role) -> [Firewall; 2] {
    let name = &model.spec.name;
    [
        firewall_rule(
            model,
            gcp,
            &format!("{name}-traffic"),
            model.settings.source_ranges.clone().unwrap_or_default(),
            role.ports.iter().map(|p| p.to_string()).collect(),
        ),
        firewall_rule(
            model,
            gcp,
            &format!("{name}-health-checks"),
            HEALTH_CHECK_RANGES.iter().map(|r| r.to_string()).collect(),
            node_ports(model, role),
        ),
    ]
}

async fn ensure_firewall<D>(ctx: &Context<D>, gcp: &Gcp, owner_name: &str, rule: Firewall) -> Result<(), Diagnostic> {
    let name = rule.name.clone().unwrap_or_default();
    let existing = error::unless_gone(
        gcp.firewalls
            .get()
            .set_project(&gcp.project)
            .set_firewall(&name)
            .send()
            .await,
        &format!("read firewall rule {name}"),
    )?;
    match existing {
        Some(existing) => check_owner("Firewall rule", &name, existing.description.as_ref(), owner_name),
        None => {
            let poller = gcp
                .firewalls
                .insert()
                .set_project(&gcp.project)
                .set_body(rule)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("make firewall rule {name}"), poller)
                .await
                .map(|_| ())
        }
    }
}

async fn get_forwarding_rule(gcp: &Gcp, region: &str, name: &str) -> Result<Option<ForwardingRule>, Diagnostic> {
    error::unless_gone(
        gcp.forwarding_rules
            .get()
            .set_project(&gcp.project)
            .set_region(region)
            .set_forwarding_rule(name)
            .send()
            .await,
        &format!("read forwarding rule {name}"),
    )
}

async fn get_backend_service(gcp: &Gcp, region: &str, name: &str) -> Result<Option<BackendService>, Diagnostic> {
    error::unless_gone(
        gcp.backend_services
            .get()
            .set_project(&gcp.project)
            .set_region(region)
            .set_backend_service(name)
            .send()
            .await,
        &format!("read backend service {name}"),
    )
}

async fn create<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, mut model: Model) -> Result<Model, Failure> {
    let role = role_of(&model.spec)?;
    let region = region(gcp, "load balancer")?.to_string();
    let name = model.spec.name.clone();
    let internal = scheme_internal(&model.spec, role);
    model.spec.internal = Some(internal);
    model.spec.ports = Some(role.ports.to_vec());
    model.spec.id = Some(regional_link(gcp, &region, "forwardingRules", &name));
    model.settings.region = Some(region.clone());
    // Each step adopts what an earlier, interrupted apply made, so whatever failed half-way is
    // recorded and the next apply carries on.
    let steps = async {
        let health_check = regional_link(gcp, &region, "healthChecks", &name);
        let existing = error::unless_gone(
            gcp.region_health_checks
                .get()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_health_check(&name)
                .send()
                .await,
            &format!("read health check {name}"),
        )?;
        match existing {
            Some(existing) => check_owner("Health check", &name, existing.description.as_ref(), &name)?,
            None => {
                let mut tcp = TCPHealthCheck::default();
                tcp.port = node_ports(&model, role).first().and_then(|p| p.parse().ok());
                let mut check = HealthCheck::default();
                check.name = Some(name.clone());
                check.description = Some(owner(&name));
                check.r#type = Some(health_check::Type::Tcp);
                check.tcp_health_check = Some(tcp);
                check.check_interval_sec = Some(10);
                check.timeout_sec = Some(5);
                let poller = gcp
                    .region_health_checks
                    .insert()
                    .set_project(&gcp.project)
                    .set_region(&region)
                    .set_body(check)
                    .set_request_id(request_id())
                    .poller();
                operation::wait(ctx, &format!("make health check {name}"), poller).await?;
            }
        }
        model.settings.health_check = Some(health_check.clone());
        for rule in firewall_rules(&model, gcp, role) {
            ensure_firewall(ctx, gcp, &name, rule).await?;
        }
        let scheme = if internal { "INTERNAL" } else { "EXTERNAL" };
        let backend_service = regional_link(gcp, &region, "backendServices", &name);
        match get_backend_service(gcp, &region, &name).await? {
            Some(existing) => check_owner("Backend service", &name, existing.description.as_ref(), &name)?,
            None => {
                let mut service = BackendService::default();
                service.name = Some(name.clone());
                service.description = Some(owner(&name));
                service.protocol = Some(backend_service::Protocol::Tcp);
                service.load_balancing_scheme = Some(backend_service::LoadBalancingScheme::from(scheme));
                service.health_checks = vec![health_check];
                service.backends = backends(&model);
                let poller = gcp
                    .backend_services
                    .insert()
                    .set_project(&gcp.project)
                    .set_region(&region)
                    .set_body(service)
                    .set_request_id(request_id())
                    .poller();
                operation::wait(ctx, &format!("make backend service {name}"), poller).await?;
            }
        }
        model.settings.backend_service = Some(backend_service.clone());
        if let Some(existing) = get_forwarding_rule(gcp, &region, &name).await? {
            check_owner("Forwarding rule", &name, existing.description.as_ref(), &name)?;
        } else {
            let mut rule = ForwardingRule::default();
            rule.name = Some(name.clone());
            rule.description = Some(owner(&name));
            rule.ip_protocol = Some(forwarding_rule::IPProtocol::Tcp);
            rule.load_balancing_scheme = Some(forwarding_rule::LoadBalancingScheme::from(scheme));
            rule.ports = role.ports.iter().map(|p| p.to_string()).collect();
            rule.backend_service = Some(backend_service);
            rule.labels = all_labels(gcp, &model.spec).into_iter().collect();
            if internal {
                rule.network = model.settings.network.as_deref().map(|n| network_link(gcp, n));
                rule.subnetwork = model.settings.subnetwork.clone();
            }
            let poller = gcp
                .forwarding_rules
                .insert()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_body(rule)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("make forwarding rule {name}"), poller).await?;
        }
        let rule = get_forwarding_rule(gcp, &region, &name).await?.ok_or_else(|| {
            Diagnostic::error(
                format!("Forwarding rule {name} vanished after it was made"),
                "Apply again to make it anew.",
            )
        })?;
        model.settings.forwarding_rule = model.spec.id.clone();
        if model.settings.subnetwork.is_none() {
            // The one Google chose (internal rules); as given otherwise.
            model.settings.subnetwork = rule.subnetwork.clone();
        }
        model.settings.ip_address = rule.ip_address.clone();
        model.spec.hostname = rule.ip_address;
        tracing::info!(name, role = role.name, internal, address = ?model.spec.hostname, "load balancer made");
        Ok::<_, Diagnostic>(())
    };
    match steps.await {
        Ok(()) => Ok(model),
        Err(d) => Err(Failure::from(d).with_partial_state(model.value(Cloud::Gcp)?)),
    }
}

/// Everything from the forwarding rule and what it points at; `None` when the rule is gone
/// (the next apply makes it anew, adopting the parts that are left).
async fn read(gcp: &Gcp, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let region = match model.settings.region.clone() {
        Some(region) => region,
        None => region(gcp, "load balancer")?.to_string(),
    };
    let name = model.spec.name.clone();
    let Some(rule) = get_forwarding_rule(gcp, &region, &name).await? else {
        return what_is_left(gcp, &region, model).await;
    };
    let labels: BTreeMap<String, String> = rule.labels.clone().into_iter().collect();
    if let Some(role) = labels.get(ROLE_LABEL) {
        model.spec.role = role.clone();
    }
    let role = role_of(&model.spec)?;
    model.spec.tags = own_tags(labels, model.spec.tags.as_ref(), &gcp.default_labels, |k, _| {
        labels::is_internal(k)
    });
    // Not recorded in the cloud: what the configuration says, else its default.
    model.spec.allow_external = Some(model.spec.allow_external.unwrap_or(false));
    let internal = rule.load_balancing_scheme == Some(forwarding_rule::LoadBalancingScheme::Internal);
    model.spec.internal = Some(internal);
    model.spec.ports = Some(role.ports.to_vec());
    model.spec.id = Some(regional_link(gcp, &region, "forwardingRules", &name));
    model.spec.hostname = rule.ip_address.clone();
    model.settings.region = Some(region.clone());
    model.settings.ip_address = rule.ip_address.clone();
    model.settings.forwarding_rule = model.spec.id.clone();
    // Google fills in the subnetwork it chose; keep the configuration's spelling of the same one.
    let configured = model.settings.subnetwork.take();
    model.settings.subnetwork = match (rule.subnetwork.as_deref(), configured) {
        (Some(link), Some(given))
            if link.ends_with(given.trim_start_matches("https://www.googleapis.com/compute/v1/")) =>
        {
            Some(given)
        }
        (link, _) => link.map(str::to_string),
    };
    if let Some(service) = get_backend_service(gcp, &region, &name).await? {
        model.settings.backend_service = Some(regional_link(gcp, &region, "backendServices", &name));
        let configured = model.settings.instance_groups.clone().unwrap_or_default();
        // Keep the configuration's spelling of a group when it names the same one.
        model.settings.instance_groups = Some(
            service
                .backends
                .iter()
                .filter_map(|b| b.group.clone())
                .map(|group| {
                    configured
                        .iter()
                        .find(|c| same_group(c, &group))
                        .cloned()
                        .unwrap_or(group)
                })
                .collect(),
        );
        if let Some(check) = service.health_checks.first() {
            model.settings.health_check = Some(regional_link(gcp, &region, "healthChecks", last(check)));
        }
    }
    for (suffix, traffic) in [("traffic", true), ("health-checks", false)] {
        let firewall_name = format!("{name}-{suffix}");
        let Some(rule) = error::unless_gone(
            gcp.firewalls
                .get()
                .set_project(&gcp.project)
                .set_firewall(&firewall_name)
                .send()
                .await,
            &format!("read firewall rule {firewall_name}"),
        )?
        else {
            continue;
        };
        model.settings.target_tags = Some(rule.target_tags.clone());
        let configured = model.settings.network.clone();
        model.settings.network = match (rule.network.as_deref(), configured) {
            (Some(link), Some(name)) if link.ends_with(&network_link(gcp, &name)) => Some(name),
            (link, _) => link.map(|l| last(l).to_string()),
        };
        if traffic {
            model.settings.source_ranges = Some(rule.source_ranges.clone());
        } else {
            let ports: Vec<i64> = rule
                .allowed
                .iter()
                .flat_map(|a| a.ports.iter())
                .filter_map(|p| p.parse().ok())
                .collect();
            model.settings.node_ports = Some(role.ports.iter().map(|p| p.to_string()).zip(ports).collect());
        }
    }
    Ok(Some(model))
}

async fn update<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, prior: Model, mut planned: Model) -> Result<Model, Failure> {
    let role = role_of(&planned.spec)?;
    let region = prior
        .settings
        .region
        .clone()
        .map(Ok)
        .unwrap_or_else(|| region(gcp, "load balancer").map(str::to_string))?;
    let name = planned.spec.name.clone();
    planned.settings.region = Some(region.clone());
    let steps = async {
        if prior.settings.instance_groups != planned.settings.instance_groups {
            let current = get_backend_service(gcp, &region, &name).await?.ok_or_else(|| {
                Diagnostic::error(
                    format!("Backend service {name} is gone"),
                    "Apply again to make it anew.",
                )
            })?;
            let mut change = BackendService::default();
            change.backends = backends(&planned);
            change.fingerprint = current.fingerprint;
            let poller = gcp
                .backend_services
                .patch()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_backend_service(&name)
                .set_body(change)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("change the backends of {name}"), poller).await?;
        }
        if prior.settings.source_ranges != planned.settings.source_ranges
            || prior.settings.target_tags != planned.settings.target_tags
        {
            for rule in firewall_rules(&planned, gcp, role) {
                let rule_name = rule.name.clone().unwrap_or_default();
                let poller = gcp
                    .firewalls
                    .patch()
                    .set_project(&gcp.project)
                    .set_firewall(&rule_name)
                    .set_body(rule)
                    .set_request_id(request_id())
                    .poller();
                operation::wait(ctx, &format!("update firewall rule {rule_name}"), poller).await?;
            }
        }
        if prior.spec.tags != planned.spec.tags {
            let current = get_forwarding_rule(gcp, &region, &name).await?.ok_or_else(|| {
                Diagnostic::error(
                    format!("Forwarding rule {name} is gone"),
                    "Apply again to make it anew.",
                )
            })?;
            let mut request = RegionSetLabelsRequest::default();
            request.labels = all_labels(gcp, &planned.spec).into_iter().collect();
            request.label_fingerprint = current.label_fingerprint;
            let poller = gcp
                .forwarding_rules
                .set_labels()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_resource(&name)
                .set_body(request)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("label forwarding rule {name}"), poller).await?;
        }
        Ok::<_, Diagnostic>(())
    };
    match steps.await {
        Ok(()) => Ok(planned),
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Gcp)?)),
    }
}

/// Forwarding rule, backend service, health check, firewall rules: users before what they use.
/// Which parts named for load balancer `name` exist and carry its owner description (a part of
/// the same name may be someone else's).
#[derive(Debug, Default)]
struct OurParts {
    forwarding_rule: bool,
    backend_service: bool,
    health_check: bool,
    firewalls: Vec<String>,
}

impl OurParts {
    fn any(&self) -> bool {
        self.forwarding_rule || self.backend_service || self.health_check || !self.firewalls.is_empty()
    }
}

async fn find_our_parts(gcp: &Gcp, region: &str, name: &str) -> Result<OurParts, Diagnostic> {
    let ours = owner(name);
    let is_ours = |description: Option<String>| description.as_deref() == Some(ours.as_str());
    let health_check = error::unless_gone(
        gcp.region_health_checks
            .get()
            .set_project(&gcp.project)
            .set_region(region)
            .set_health_check(name)
            .send()
            .await,
        &format!("read health check {name}"),
    )?;
    let mut parts = OurParts {
        forwarding_rule: is_ours(
            get_forwarding_rule(gcp, region, name)
                .await?
                .and_then(|r| r.description),
        ),
        backend_service: is_ours(
            get_backend_service(gcp, region, name)
                .await?
                .and_then(|s| s.description),
        ),
        health_check: is_ours(health_check.and_then(|c| c.description)),
        firewalls: Vec::new(),
    };
    for suffix in ["traffic", "health-checks"] {
        let firewall = format!("{name}-{suffix}");
        let found = error::unless_gone(
            gcp.firewalls
                .get()
                .set_project(&gcp.project)
                .set_firewall(&firewall)
                .send()
                .await,
            &format!("read firewall rule {firewall}"),
        )?;
        if is_ours(found.and_then(|f| f.description)) {
            parts.firewalls.push(firewall);
        }
    }
    Ok(parts)
}

/// The forwarding rule is gone. When its backend service, health check or firewall rules are
/// still there (a destroy killed after the rule's delete, or it deleted by hand), the resource
/// stays in state with a null id, so that the plan replaces it and a destroy deletes them,
/// instead of Terraform forgetting them; with nothing left it is gone.
async fn what_is_left(gcp: &Gcp, region: &str, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let name = model.spec.name.clone();
    let left = find_our_parts(gcp, region, &name).await?;
    if !left.any() {
        return Ok(None);
    }
    tracing::warn!(name, ?left, "forwarding rule gone but parts are left: kept in state");
    model.spec.id = None;
    model.settings.forwarding_rule = None;
    model.settings.backend_service = left
        .backend_service
        .then(|| regional_link(gcp, region, "backendServices", &name));
    model.settings.health_check = left
        .health_check
        .then(|| regional_link(gcp, region, "healthChecks", &name));
    model.settings.region = Some(region.to_string());
    Ok(Some(model))
}

/// Deletes each part this load balancer made or the state records (an imported load balancer's
/// parts carry no owner description); a part of the same name that is someone else's stays.
async fn delete<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, model: Model) -> Result<(), Failure> {
    let region = model
        .settings
        .region
        .clone()
        .map(Ok)
        .unwrap_or_else(|| region(gcp, "load balancer").map(str::to_string))?;
    let name = model.spec.name.clone();
    let project = &gcp.project;
    let ours = find_our_parts(gcp, &region, &name).await?;
    if ours.forwarding_rule || model.settings.forwarding_rule.is_some() {
        let poller = gcp
            .forwarding_rules
            .delete()
            .set_project(project)
            .set_region(&region)
            .set_forwarding_rule(&name)
            .set_request_id(request_id())
            .poller();
        operation::delete_unless_gone(ctx, &format!("delete forwarding rule {name}"), poller).await?;
    }
    if ours.backend_service || model.settings.backend_service.is_some() {
        let poller = gcp
            .backend_services
            .delete()
            .set_project(project)
            .set_region(&region)
            .set_backend_service(&name)
            .set_request_id(request_id())
            .poller();
        operation::delete_unless_gone(ctx, &format!("delete backend service {name}"), poller).await?;
    }
    if ours.health_check || model.settings.health_check.is_some() {
        let poller = gcp
            .region_health_checks
            .delete()
            .set_project(project)
            .set_region(&region)
            .set_health_check(&name)
            .set_request_id(request_id())
            .poller();
        operation::delete_unless_gone(ctx, &format!("delete health check {name}"), poller).await?;
    }
    for rule in ours.firewalls {
        let poller = gcp
            .firewalls
            .delete()
            .set_project(project)
            .set_firewall(&rule)
            .set_request_id(request_id())
            .poller();
        operation::delete_unless_gone(ctx, &format!("delete firewall rule {rule}"), poller).await?;
    }
    Ok(())
}

fn validate_node_ports(config: &Value, diags: &mut Diagnostics) {
    let Some(role) = config.attr("role").as_str().and_then(role) else {
        return;
    };
    let Value::Map(node_ports) = config.attr("gcp").attr("node_ports") else {
        return;
    };
    let path = AttributePath::root().attr("gcp").attr("node_ports");
    for port in role.ports {
        if !node_ports.contains_key(&port.to_string()) {
            diags.attribute_error(
                &path,
                format!("Missing node port for {port}"),
                format!(
                    "The {} role listens on {:?}: give node_ports an entry for each, e.g. {{ \"{port}\" = 3{port:04} }}.",
                    role.name, role.ports
                ),
            );
        }
    }
    for (key, value) in node_ports {
        let ok = value.as_i64().is_some_and(|p| (30000..=32767).contains(&p)) || value.is_unknown();
        if !role.ports.iter().any(|p| p.to_string() == *key) || !ok {
            diags.attribute_error(
                &path.key(key.clone()),
                "Invalid node port",
                format!(
                    "node_ports[{key:?}] must map one of the role's ports {:?} to a node port from 30000 to 32767.",
                    role.ports
                ),
            );
        }
    }
}

#[async_trait]
impl<D: GcpData> TypedCloudHalf<D> for LoadBalancer {
    type Spec = Spec;
    type Settings = GcpSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    fn block(&self) -> Block {
        gcp_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        // Firewall rules are named NAME-health-checks: leave room in Google's 63.
        if let Some(name) = config.attr("name").as_str()
            && (!valid_name(name) || name.len() > 48)
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid GCP load balancer name",
                format!("{name:?}: a lowercase letter, then up to 47 lowercase letters, digits and hyphens (its firewall rules add suffixes)."),
            );
        }
        validate_node_ports(config, diags);
        if let Value::List(tags) = config.attr("gcp").attr("target_tags")
            && tags.is_empty()
        {
            diags.attribute_error(
                &root.attr("gcp").attr("target_tags"),
                "No target tags",
                "Give the network tags of the cluster's nodes: without them the firewall rules would open every VM in the network.",
            );
        }
        if let Some(tags) = circleci_core::tags::tag_map(config.attr("tags")) {
            labels::validate(&tags, &root.attr("tags"), diags);
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx, ctx.data()?.gcp()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.gcp()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        update(ctx, ctx.data()?.gcp()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        delete(ctx, ctx.data()?.gcp()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "projects/PROJECT/regions/REGION/forwardingRules/NAME"
    }

    fn import(&self, id: &str) -> Option<Model> {
        let parts: Vec<&str> = id.split('/').collect();
        let ["projects", _, "regions", region, "forwardingRules", name] = parts.as_slice() else {
            return None;
        };
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        model.spec.name = name.to_string();
        model.settings.region = Some(region.to_string());
        Some(model)
    }
}
