//! The GCP half of `circleciserver_nomad_client_group`: the Nomad clients that run CircleCI jobs, as
//! a regional managed instance group.
//!
//! It makes an instance template (machine type, pd-ssd boot disk from `source_image`, no public
//! address by default, Shielded VM, the rendered start-up script as `startup-script` metadata,
//! the network tag `NAME`), a health check on Nomad's client health endpoint and a firewall rule
//! letting Google's health checkers reach it, the regional group with auto-healing and a
//! proactive rolling update, and an autoscaler (mode `ONLY_SCALE_OUT` by default, so scaling
//! in never kills running jobs). Templates are immutable: a change of anything in one makes a
//! new template (named `NAME-HASH`), rolls the group onto it and deletes the old one.
//!
//! Every part has a name derived from the group's and a description naming it, so a create
//! whose answer was lost, or an apply killed half-way, is finished by the next apply: what
//! exists with our description is adopted, anything else of that name is refused.
//!
//! nomad-autoscaler's access (`autoscaler_access`) is in [`autoscaler`].
//!
//! Import: `terraform import circleciserver_nomad_client_group.NAME projects/P/regions/R/instanceGroupManagers/NAME`.
//! Everything, the TLS material and server address included, is read back from the template.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use circleci_core::Cloud;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::nomad_client_group::{Spec, read_startup_script, template_inputs_changed};
use circleci_core::tags::own_tags;
use circleci_cty::{AttributePath, Number, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan, validators};
use google_cloud_compute_v1::model::{
    AttachedDisk, AttachedDiskInitializeParams, Autoscaler, AutoscalingPolicy, AutoscalingPolicyCpuUtilization,
    Firewall, FixedOrPercent, HTTPHealthCheck, HealthCheck, InstanceGroupManager,
    InstanceGroupManagerAutoHealingPolicy, InstanceGroupManagerUpdatePolicy, InstanceProperties, InstanceTemplate,
    Metadata, NetworkInterface, ShieldedInstanceConfig, Tags, autoscaling_policy, firewall, health_check,
    instance_group_manager_update_policy, metadata,
};
use serde::{Deserialize, Serialize};

use crate::labels::{self, MANAGED_BY};
use crate::parts::{self, last, network_link, region};
use crate::retry::request_id;
use crate::service_account::{AccessKind, KEY, NONE, WORKLOAD_IDENTITY};
use crate::vm_service_image::valid_name;
use crate::{Gcp, GcpData, error, operation};

mod autoscaler;

pub struct NomadClientGroup;

/// Where Google's health checkers come from (documented, fixed).
const HEALTH_CHECK_RANGES: [&str; 2] = ["35.191.0.0/16", "130.211.0.0/22"];
/// Nomad's client health endpoint.
const HEALTH_PORT: i32 = 4646;
const HEALTH_PATH: &str = "/v1/agent/health?type=client";

/// Settings in the `gcp` block that are part of the instance template.
const GCP_TEMPLATE_INPUTS: [&str; 8] = [
    "source_image",
    "machine_type",
    "disk_size_gb",
    "disk_type",
    "network",
    "subnetwork",
    "public_ip",
    "service_account_email",
];

/// The `gcp` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GcpSettings {
    network: Option<String>,
    subnetwork: Option<String>,
    source_image: Option<String>,
    machine_type: Option<String>,
    disk_size_gb: Option<i64>,
    disk_type: Option<String>,
    public_ip: Option<bool>,
    service_account_email: Option<String>,
    autoscaling_mode: Option<String>,
    cpu_target: Option<f64>,
    cooldown_seconds: Option<i64>,
    region: Option<String>,
    instance_template: Option<String>,
    instance_group_manager: Option<String>,
    instance_group: Option<String>,
    autoscaler: Option<String>,
    health_check: Option<String>,
    firewall: Option<String>,
    autoscaler_access: Option<String>,
    namespace: Option<String>,
    autoscaler_service_account_email: Option<String>,
    autoscaler_key_id: Option<String>,
    autoscaler_service_account_key: Option<String>,
}

type Model = CloudModel<Spec, GcpSettings>;

fn gcp_block() -> Block {
    Block::new(
        "GCP: a regional managed instance group from an instance template, with health check, firewall and autoscaler.",
    )
    .attribute(
        Attribute::required(
            "network",
            Type::String,
            "VPC network of the clients: a name in the provider's project or a self link (shared VPC).",
        )
        .requires_replace(),
    )
    .attribute(Attribute::optional(
        "subnetwork",
        Type::String,
        "Subnetwork of the clients (self link for shared VPC); the network's own in the region when left out.",
    ))
    .attribute(Attribute::required(
        "source_image",
        Type::String,
        "Ubuntu image of the clients (22.04 or newer): `projects/P/global/images/NAME` or `.../images/family/F`.",
    ))
    .attribute(Attribute::optional("machine_type", Type::String, "Machine type.").default(Value::from("n2-standard-8")))
    .attribute(
        Attribute::optional("disk_size_gb", Type::Number, "Boot disk size.")
            .default(Value::int(300))
            .validate(validators::int_between(10, 65536)),
    )
    .attribute(
        Attribute::optional("disk_type", Type::String, "Boot disk type.")
            .default(Value::from("pd-ssd"))
            .validate(validators::one_of(&[
                "pd-ssd",
                "pd-balanced",
                "pd-standard",
                "hyperdisk-balanced",
            ])),
    )
    .attribute(
        Attribute::optional("public_ip", Type::Bool, "Give clients public addresses.").default(Value::Bool(false)),
    )
    .attribute(Attribute::optional(
        "service_account_email",
        Type::String,
        "Service account of the VMs; none when left out (the clients need no Google API).",
    ))
    .attribute(
        Attribute::optional(
            "autoscaling_mode",
            Type::String,
            "`ONLY_SCALE_OUT` (scaling in would kill running jobs: nomad-autoscaler drains instead), `ON` or `OFF`.",
        )
        .default(Value::from("ONLY_SCALE_OUT"))
        .validate(validators::one_of(&["ONLY_SCALE_OUT", "ON", "OFF"])),
    )
    .attribute(
        Attribute::optional(
            "cpu_target",
            Type::Number,
            "CPU utilisation the autoscaler aims at (0 to 1).",
        )
        .default(Value::Number(Number::from_f64(0.5))),
    )
    .attribute(
        Attribute::optional(
            "cooldown_seconds",
            Type::Number,
            "Seconds a new client is given before its load counts.",
        )
        .default(Value::int(120))
        .validate(validators::int_between(15, 3600)),
    )
    .attribute(
        Attribute::optional(
            "autoscaler_access",
            Type::String,
            "Grant nomad-autoscaler what it needs on this group (a service account with a custom role: read, \
             resize, delete drained instances): `workload_identity`, `key` or `none`.",
        )
        .default(Value::from(NONE))
        .validate(validators::one_of(&[WORKLOAD_IDENTITY, KEY, NONE])),
    )
    .attribute(
        Attribute::optional(
            "namespace",
            Type::String,
            "Namespace of nomad-autoscaler, for `workload_identity`.",
        )
        .default(Value::from(circleci_core::DEFAULT_NAMESPACE)),
    )
    .attribute(
        Attribute::computed("region", Type::String, "Region of the group (the provider's).").use_state_for_unknown(),
    )
    .attribute(Attribute::computed(
        "instance_template",
        Type::String,
        "The template the group runs.",
    ))
    .attribute(
        Attribute::computed("instance_group_manager", Type::String, "The managed instance group.")
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::computed(
            "instance_group",
            Type::String,
            "Its instance group (nomad-autoscaler's target).",
        )
        .use_state_for_unknown(),
    )
    .attribute(Attribute::computed("autoscaler", Type::String, "The autoscaler.").use_state_for_unknown())
    .attribute(
        Attribute::computed("health_check", Type::String, "The auto-healing health check.").use_state_for_unknown(),
    )
    .attribute(
        Attribute::computed("firewall", Type::String, "The firewall rule for the health checkers.")
            .use_state_for_unknown(),
    )
    .attribute(Attribute::computed(
        "autoscaler_service_account_email",
        Type::String,
        "nomad-autoscaler's service account: annotate the `nomad-autoscaler` Kubernetes service account with it \
         (`iam.gke.io/gcp-service-account`) for workload identity.",
    ))
    .attribute(Attribute::computed(
        "autoscaler_key_id",
        Type::String,
        "The id of nomad-autoscaler's key, for `key`.",
    ))
    .attribute(
        Attribute::computed(
            "autoscaler_service_account_key",
            Type::String,
            "nomad-autoscaler's service-account key file (JSON), for `key`.",
        )
        .sensitive(),
    )
}

/// A short digest of what goes into the template: its name changes with it.
fn template_name(name: &str, properties: &InstanceProperties) -> String {
    // Labels are a HashMap: hash them in key order, the rest as serialized.
    let mut without_labels = properties.clone();
    without_labels.labels.clear();
    let labels: BTreeMap<&String, &String> = properties.labels.iter().collect();
    let text = format!(
        "{}{labels:?}",
        serde_json::to_string(&without_labels).unwrap_or_default()
    );
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("{name}-{:08x}", hash as u32)
}

/// The description every part carries: ownership, for adoption.
pub(super) fn owner(name: &str) -> String {
    format!("circleciserver_nomad_client_group {name} (managed by terraform-provider-circleciserver)")
}

fn global_link(gcp: &Gcp, collection: &str, name: &str) -> String {
    format!("projects/{}/global/{collection}/{name}", gcp.project)
}

fn properties(gcp: &Gcp, model: &Model) -> InstanceProperties {
    let settings = &model.settings;
    let mut disk_params = AttachedDiskInitializeParams::default();
    disk_params.source_image = settings.source_image.clone();
    disk_params.disk_size_gb = settings.disk_size_gb;
    disk_params.disk_type = settings.disk_type.clone();
    let mut disk = AttachedDisk::default();
    disk.boot = Some(true);
    disk.auto_delete = Some(true);
    disk.initialize_params = Some(disk_params);
    let mut nic = NetworkInterface::default();
    nic.network = settings.network.as_deref().map(|n| network_link(gcp, n));
    nic.subnetwork = settings.subnetwork.clone();
    if settings.public_ip == Some(true) {
        nic.access_configs = vec![google_cloud_compute_v1::model::AccessConfig::default().set_name("external")];
    }
    let mut script = metadata::Items::default();
    script.key = Some("startup-script".into());
    script.value = model.spec.startup_script.clone();
    let mut metadata = Metadata::default();
    metadata.items = vec![script];
    let mut tags = Tags::default();
    tags.items = vec![model.spec.name.clone()];
    let mut shielded = ShieldedInstanceConfig::default();
    shielded.enable_secure_boot = Some(true);
    shielded.enable_vtpm = Some(true);
    shielded.enable_integrity_monitoring = Some(true);
    let mut properties = InstanceProperties::default();
    properties.machine_type = settings.machine_type.clone();
    properties.disks = vec![disk];
    properties.network_interfaces = vec![nic];
    properties.metadata = Some(metadata);
    properties.tags = Some(tags);
    properties.shielded_instance_config = Some(shielded);
    properties.labels = group_labels(gcp, &model.spec).into_iter().collect();
    if let Some(email) = &settings.service_account_email {
        let mut account = google_cloud_compute_v1::model::ServiceAccount::default();
        account.email = Some(email.clone());
        account.scopes = vec!["https://www.googleapis.com/auth/cloud-platform".into()];
        properties.service_accounts = vec![account];
    }
    properties
}

fn group_labels(gcp: &Gcp, spec: &Spec) -> BTreeMap<String, String> {
    let mut labels = gcp.labels(&spec.tags.clone().unwrap_or_default());
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    labels.insert("circleci-server-nomad-client-group".into(), spec.name.clone());
    labels
}

fn check_owner(what: &str, name: &str, description: Option<&String>, group: &str) -> Result<(), Diagnostic> {
    parts::check_owner(
        what,
        name,
        description,
        &owner(group),
        &format!("circleciserver_nomad_client_group {group:?}"),
    )
}

async fn ensure_health_check<D>(ctx: &Context<D>, gcp: &Gcp, group: &str) -> Result<String, Diagnostic> {
    let name = format!("{group}-nomad");
    let existing = error::unless_gone(
        gcp.health_checks
            .get()
            .set_project(&gcp.project)
            .set_health_check(&name)
            .send()
            .await,
        &format!("read health check {name}"),
    )?;
    if let Some(existing) = existing {
        check_owner("Health check", &name, existing.description.as_ref(), group)?;
    } else {
        let mut http = HTTPHealthCheck::default();
        http.port = Some(HEALTH_PORT);
        http.request_path = Some(HEALTH_PATH.into());
        let mut check = HealthCheck::default();
        check.name = Some(name.clone());
        check.description = Some(owner(group));
        check.r#type = Some(health_check::Type::Http);
        check.http_health_check = Some(http);
        check.check_interval_sec = Some(10);
        check.timeout_sec = Some(5);
        check.healthy_threshold = Some(2);
        check.unhealthy_threshold = Some(6);
        let poller = gcp
            .health_checks
            .insert()
            .set_project(&gcp.project)
            .set_body(check)
            .set_request_id(request_id())
            .poller();
        operation::wait(ctx, &format!("make health check {name}"), poller).await?;
    }
    Ok(global_link(gcp, "healthChecks", &name))
}

async fn ensure_firewall<D>(ctx: &Context<D>, gcp: &Gcp, model: &Model) -> Result<String, Diagnostic> {
    let group = &model.spec.name;
    let name = format!("{group}-health-checks");
    let existing = error::unless_gone(
        gcp.firewalls
            .get()
            .set_project(&gcp.project)
            .set_firewall(&name)
            .send()
            .await,
        &format!("read firewall rule {name}"),
    )?;
    if let Some(existing) = existing {
        check_owner("Firewall rule", &name, existing.description.as_ref(), group)?;
    } else {
        let mut allowed = firewall::Allowed::default();
        allowed.ip_protocol = Some("tcp".into());
        allowed.ports = vec![HEALTH_PORT.to_string()];
        let mut rule = Firewall::default();
        rule.name = Some(name.clone());
        rule.description = Some(owner(group));
        rule.network = model.settings.network.as_deref().map(|n| network_link(gcp, n));
        rule.direction = Some(firewall::Direction::Ingress);
        rule.source_ranges = HEALTH_CHECK_RANGES.iter().map(|r| r.to_string()).collect();
        rule.target_tags = vec![group.clone()];
        rule.allowed = vec![allowed];
        let poller = gcp
            .firewalls
            .insert()
            .set_project(&gcp.project)
            .set_body(rule)
            .set_request_id(request_id())
            .poller();
        operation::wait(ctx, &format!("make firewall rule {name}"), poller).await?;
    }
    Ok(name)
}

/// Makes the template for `model` unless it exists; answers its path.
async fn ensure_template<D>(ctx: &Context<D>, gcp: &Gcp, model: &Model) -> Result<String, Diagnostic> {
    let properties = properties(gcp, model);
    let name = template_name(&model.spec.name, &properties);
    let existing = error::unless_gone(
        gcp.instance_templates
            .get()
            .set_project(&gcp.project)
            .set_instance_template(&name)
            .send()
            .await,
        &format!("read instance template {name}"),
    )?;
    if let Some(existing) = existing {
        check_owner(
            "Instance template",
            &name,
            existing.description.as_ref(),
            &model.spec.name,
        )?;
    } else {
        let mut template = InstanceTemplate::default();
        template.name = Some(name.clone());
        template.description = Some(owner(&model.spec.name));
        template.properties = Some(properties);
        let poller = gcp
            .instance_templates
            .insert()
            .set_project(&gcp.project)
            .set_body(template)
            .set_request_id(request_id())
            .poller();
        operation::wait(ctx, &format!("make instance template {name}"), poller).await?;
    }
    Ok(global_link(gcp, "instanceTemplates", &name))
}

fn update_policy() -> InstanceGroupManagerUpdatePolicy {
    let mut surge = FixedOrPercent::default();
    surge.fixed = Some(3);
    let mut unavailable = FixedOrPercent::default();
    unavailable.fixed = Some(0);
    let mut policy = InstanceGroupManagerUpdatePolicy::default();
    policy.r#type = Some(instance_group_manager_update_policy::Type::Proactive);
    policy.minimal_action = Some(instance_group_manager_update_policy::MinimalAction::Replace);
    policy.max_surge = Some(surge);
    policy.max_unavailable = Some(unavailable);
    policy
}

fn autoscaler_body(model: &Model, group_link: &str) -> Autoscaler {
    let settings = &model.settings;
    let mut cpu = AutoscalingPolicyCpuUtilization::default();
    cpu.utilization_target = settings.cpu_target;
    let mut policy = AutoscalingPolicy::default();
    policy.min_num_replicas = model.spec.min_size.map(|n| n as i32);
    policy.max_num_replicas = model.spec.max_size.map(|n| n as i32);
    policy.cool_down_period_sec = settings.cooldown_seconds.map(|n| n as i32);
    policy.cpu_utilization = Some(cpu);
    policy.mode = Some(match settings.autoscaling_mode.as_deref() {
        Some("ON") => autoscaling_policy::Mode::On,
        Some("OFF") => autoscaling_policy::Mode::Off,
        _ => autoscaling_policy::Mode::OnlyScaleOut,
    });
    let mut autoscaler = Autoscaler::default();
    autoscaler.name = Some(model.spec.name.clone());
    autoscaler.description = Some(owner(&model.spec.name));
    autoscaler.target = Some(group_link.to_string());
    autoscaler.autoscaling_policy = Some(policy);
    autoscaler
}

async fn get_group(gcp: &Gcp, region: &str, name: &str) -> Result<Option<InstanceGroupManager>, Diagnostic> {
    error::unless_gone(
        gcp.instance_group_managers
            .get()
            .set_project(&gcp.project)
            .set_region(region)
            .set_instance_group_manager(name)
            .send()
            .await,
        &format!("read managed instance group {name}"),
    )
}

async fn wait_stable<D>(ctx: &Context<D>, gcp: &Gcp, region: &str, name: &str) -> Result<(), Diagnostic> {
    ctx.wait_for(
        &format!("managed instance group {name} to be stable"),
        Duration::from_secs(5),
        || async {
            let group = get_group(gcp, region, name).await?;
            Ok(group
                .and_then(|g| g.status)
                .and_then(|s| s.is_stable)
                .filter(|stable| *stable)
                .map(|_| ()))
        },
    )
    .await
}

async fn create<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, mut model: Model) -> Result<Model, Failure> {
    let region = region(gcp, "Nomad client group")?.to_string();
    let name = model.spec.name.clone();
    model.settings.region = Some(region.clone());
    model.spec.id = Some(format!(
        "projects/{}/regions/{region}/instanceGroupManagers/{name}",
        gcp.project
    ));
    // nomad-autoscaler's access comes last; until it is made, the state says it has none.
    let wanted_access = autoscaler::kind(&model).to_string();
    model.settings.autoscaler_access = Some(NONE.into());
    // Each step is idempotent (it adopts what an earlier, interrupted apply made), so whatever
    // failed half-way is recorded and the next apply carries on.
    let steps = async {
        model.settings.health_check = Some(ensure_health_check(ctx, gcp, &name).await?);
        model.settings.firewall = Some(ensure_firewall(ctx, gcp, &model).await?);
        let template = ensure_template(ctx, gcp, &model).await?;
        model.settings.instance_template = Some(template.clone());
        let group_link = format!("projects/{}/regions/{region}/instanceGroupManagers/{name}", gcp.project);
        match get_group(gcp, &region, &name).await? {
            Some(existing) => check_owner("Managed instance group", &name, existing.description.as_ref(), &name)?,
            None => {
                let mut healing = InstanceGroupManagerAutoHealingPolicy::default();
                healing.health_check = model.settings.health_check.clone();
                healing.initial_delay_sec = Some(300);
                let mut group = InstanceGroupManager::default();
                group.name = Some(name.clone());
                group.description = Some(owner(&name));
                group.base_instance_name = Some(format!("{name}-nomad"));
                group.instance_template = Some(template);
                group.target_size = model.spec.desired_size.or(model.spec.min_size).map(|n| n as i32);
                group.auto_healing_policies = vec![healing];
                group.update_policy = Some(update_policy());
                let poller = gcp
                    .instance_group_managers
                    .insert()
                    .set_project(&gcp.project)
                    .set_region(&region)
                    .set_body(group)
                    .set_request_id(request_id())
                    .poller();
                operation::wait(ctx, &format!("make managed instance group {name}"), poller).await?;
            }
        }
        model.settings.instance_group_manager = Some(group_link.clone());
        model.settings.instance_group = Some(format!(
            "projects/{}/regions/{region}/instanceGroups/{name}",
            gcp.project
        ));
        let existing = error::unless_gone(
            gcp.autoscalers
                .get()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_autoscaler(&name)
                .send()
                .await,
            &format!("read autoscaler {name}"),
        )?;
        match existing {
            Some(existing) => check_owner("Autoscaler", &name, existing.description.as_ref(), &name)?,
            None => {
                let poller = gcp
                    .autoscalers
                    .insert()
                    .set_project(&gcp.project)
                    .set_region(&region)
                    .set_body(autoscaler_body(&model, &group_link))
                    .set_request_id(request_id())
                    .poller();
                operation::wait(ctx, &format!("make autoscaler {name}"), poller).await?;
            }
        }
        model.settings.autoscaler = Some(format!("projects/{}/regions/{region}/autoscalers/{name}", gcp.project));
        wait_stable(ctx, gcp, &region, &name).await?;
        model.settings.autoscaler_access = Some(wanted_access);
        if autoscaler::may_exist(&model) {
            autoscaler::set(gcp, &mut model).await?;
        }
        Ok::<_, Diagnostic>(())
    };
    match steps.await {
        Ok(()) => Ok(model),
        Err(d) => {
            // Whatever of the access was made is read back by the next refresh.
            model.settings.autoscaler_access = Some(NONE.into());
            model.settings.autoscaler_key_id = None;
            model.settings.autoscaler_service_account_key = None;
            Err(Failure::from(d).with_partial_state(model.value(Cloud::Gcp)?))
        }
    }
}

async fn read(gcp: &Gcp, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let region = match model.settings.region.clone() {
        Some(region) => region,
        None => region(gcp, "Nomad client group")?.to_string(),
    };
    let name = model.spec.name.clone();
    let Some(group) = get_group(gcp, &region, &name).await? else {
        return what_is_left(gcp, &region, model).await;
    };
    model.settings.region = Some(region.clone());
    model.spec.id = Some(format!(
        "projects/{}/regions/{region}/instanceGroupManagers/{name}",
        gcp.project
    ));
    model.settings.instance_group_manager = model.spec.id.clone();
    model.settings.instance_group = Some(format!(
        "projects/{}/regions/{region}/instanceGroups/{name}",
        gcp.project
    ));
    model.spec.desired_size = group.target_size.map(i64::from);
    model.settings.health_check = group
        .auto_healing_policies
        .first()
        .and_then(|p| p.health_check.as_deref())
        .map(|l| global_link(gcp, "healthChecks", last(l)));
    let template_name = group
        .instance_template
        .as_deref()
        .map(last)
        .unwrap_or_default()
        .to_string();
    model.settings.instance_template = Some(global_link(gcp, "instanceTemplates", &template_name));
    if let Some(template) = error::unless_gone(
        gcp.instance_templates
            .get()
            .set_project(&gcp.project)
            .set_instance_template(&template_name)
            .send()
            .await,
        &format!("read instance template {template_name}"),
    )? {
        read_template(gcp, &mut model, template)?;
    }
    if let Some(autoscaler) = error::unless_gone(
        gcp.autoscalers
            .get()
            .set_project(&gcp.project)
            .set_region(&region)
            .set_autoscaler(&name)
            .send()
            .await,
        &format!("read autoscaler {name}"),
    )? && let Some(policy) = autoscaler.autoscaling_policy
    {
        model.settings.autoscaler = Some(format!("projects/{}/regions/{region}/autoscalers/{name}", gcp.project));
        model.spec.min_size = policy.min_num_replicas.map(i64::from);
        model.spec.max_size = policy.max_num_replicas.map(i64::from);
        model.settings.cooldown_seconds = policy.cool_down_period_sec.map(i64::from);
        model.settings.cpu_target = policy.cpu_utilization.and_then(|c| c.utilization_target);
        model.settings.autoscaling_mode = policy.mode.map(|m| match m {
            autoscaling_policy::Mode::On => "ON".to_string(),
            autoscaling_policy::Mode::Off => "OFF".to_string(),
            _ => "ONLY_SCALE_OUT".to_string(),
        });
    }
    autoscaler::read(gcp, &mut model).await?;
    Ok(Some(model))
}

/// The template's settings and the start-up script's client settings, into `model`.
fn read_template(gcp: &Gcp, model: &mut Model, template: InstanceTemplate) -> Result<(), Diagnostic> {
    let Some(properties) = template.properties else {
        return Ok(());
    };
    let settings = &mut model.settings;
    settings.machine_type = properties.machine_type.clone();
    if let Some(disk) = properties.disks.first().and_then(|d| d.initialize_params.as_ref()) {
        settings.source_image = disk.source_image.clone();
        settings.disk_size_gb = disk.disk_size_gb;
        settings.disk_type = disk.disk_type.clone();
    }
    if let Some(nic) = properties.network_interfaces.first() {
        let configured = settings.network.clone();
        settings.network = match (nic.network.as_deref(), configured) {
            // Keep the configuration's spelling (a name) when it is the same network.
            (Some(link), Some(name)) if network_link(gcp, &name) == link => Some(name),
            (link, _) => link.map(|l| last(l).to_string()),
        };
        settings.subnetwork = nic.subnetwork.clone();
        settings.public_ip = Some(!nic.access_configs.is_empty());
    }
    settings.service_account_email = properties.service_accounts.first().and_then(|a| a.email.clone());
    let labels: BTreeMap<String, String> = properties.labels.clone().into_iter().collect();
    model.spec.tags = own_tags(labels, model.spec.tags.as_ref(), &gcp.default_labels, |k, _| {
        labels::is_internal(k)
    });
    let script = properties
        .metadata
        .as_ref()
        .and_then(|m| m.items.iter().find(|i| i.key.as_deref() == Some("startup-script")))
        .and_then(|i| i.value.clone());
    read_startup_script(model, Cloud::Gcp, script)?;
    Ok(())
}

async fn update<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, prior: Model, mut planned: Model) -> Result<Model, Failure> {
    let region = prior
        .settings
        .region
        .clone()
        .map(Ok)
        .unwrap_or_else(|| region(gcp, "Nomad client group").map(str::to_string))?;
    let name = planned.spec.name.clone();
    planned.settings.region = Some(region.clone());
    let group_link = format!("projects/{}/regions/{region}/instanceGroupManagers/{name}", gcp.project);
    let steps = async {
        let template = ensure_template(ctx, gcp, &planned).await?;
        let old_template = prior.settings.instance_template.clone();
        if old_template.as_deref().map(last) != Some(last(&template)) {
            let current = get_group(gcp, &region, &name).await?.ok_or_else(|| {
                Diagnostic::error(
                    format!("Managed instance group {name} is gone"),
                    "Apply again to make it anew.",
                )
            })?;
            let mut change = InstanceGroupManager::default();
            change.instance_template = Some(template.clone());
            change.update_policy = Some(update_policy());
            change.fingerprint = current.fingerprint.clone();
            let poller = gcp
                .instance_group_managers
                .patch()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_instance_group_manager(&name)
                .set_body(change)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("roll {name} onto template {}", last(&template)), poller).await?;
            tracing::info!(group = name, template = last(&template), "rolling update started");
        }
        planned.settings.instance_template = Some(template);
        if planned.spec.desired_size != prior.spec.desired_size
            && let Some(size) = planned.spec.desired_size
        {
            let poller = gcp
                .instance_group_managers
                .resize()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_instance_group_manager(&name)
                .set_size(size as i32)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("resize {name} to {size}"), poller).await?;
        }
        let scaling_changed = prior.spec.min_size != planned.spec.min_size
            || prior.spec.max_size != planned.spec.max_size
            || prior.settings.autoscaling_mode != planned.settings.autoscaling_mode
            || prior.settings.cpu_target != planned.settings.cpu_target
            || prior.settings.cooldown_seconds != planned.settings.cooldown_seconds;
        if scaling_changed {
            let poller = gcp
                .autoscalers
                .patch()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_autoscaler(&name)
                .set_body(autoscaler_body(&planned, &group_link))
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("update autoscaler {name}"), poller).await?;
        }
        wait_stable(ctx, gcp, &region, &name).await?;
        // A new namespace changes only workload identity's binding: a key stays as it is.
        let kind = autoscaler::kind(&planned);
        let namespace_changed = prior.settings.namespace != planned.settings.namespace;
        if autoscaler::kind(&prior) != kind || (namespace_changed && kind == AccessKind::WorkloadIdentity) {
            autoscaler::set(gcp, &mut planned).await?;
        }
        // The old template, once no group uses it.
        if let Some(old) = old_template
            .filter(|old| last(old) != last(planned.settings.instance_template.as_deref().unwrap_or_default()))
        {
            delete_global(ctx, gcp, GlobalPart::InstanceTemplate, last(&old)).await?;
        }
        Ok::<_, Diagnostic>(())
    };
    match steps.await {
        Ok(()) => Ok(planned),
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Gcp)?)),
    }
}

/// The global parts of a group, for deleting them.
#[derive(Clone, Copy, Debug)]
enum GlobalPart {
    InstanceTemplate,
    HealthCheck,
    Firewall,
}

/// Deletes a global part unless it is already gone.
async fn delete_global<D>(ctx: &Context<D>, gcp: &Gcp, part: GlobalPart, name: &str) -> Result<(), Diagnostic> {
    let project = &gcp.project;
    match part {
        GlobalPart::InstanceTemplate => {
            let poller = gcp
                .instance_templates
                .delete()
                .set_project(project)
                .set_instance_template(name)
                .set_request_id(request_id())
                .poller();
            operation::delete_unless_gone(ctx, &format!("delete instance template {name}"), poller).await
        }
        GlobalPart::HealthCheck => {
            let poller = gcp
                .health_checks
                .delete()
                .set_project(project)
                .set_health_check(name)
                .set_request_id(request_id())
                .poller();
            operation::delete_unless_gone(ctx, &format!("delete health check {name}"), poller).await
        }
        GlobalPart::Firewall => {
            let poller = gcp
                .firewalls
                .delete()
                .set_project(project)
                .set_firewall(name)
                .set_request_id(request_id())
                .poller();
            operation::delete_unless_gone(ctx, &format!("delete firewall rule {name}"), poller).await
        }
    }
}

/// What a part found by name is: gone, ours (it carries this group's description), or
/// someone else's, which destroy leaves alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Gone,
    Ours,
    NotOurs,
}

fn found(description: Option<Option<String>>, ours: &str) -> Found {
    match description {
        None => Found::Gone,
        Some(d) if d.as_deref() == Some(ours) => Found::Ours,
        Some(_) => Found::NotOurs,
    }
}

/// Reads the global part `name` and tells whose it is.
async fn find_global(gcp: &Gcp, part: GlobalPart, name: &str, ours: &str) -> Result<Found, Diagnostic> {
    let project = &gcp.project;
    let description = match part {
        GlobalPart::InstanceTemplate => error::unless_gone(
            gcp.instance_templates
                .get()
                .set_project(project)
                .set_instance_template(name)
                .send()
                .await,
            &format!("read instance template {name}"),
        )?
        .map(|t| t.description),
        GlobalPart::HealthCheck => error::unless_gone(
            gcp.health_checks
                .get()
                .set_project(project)
                .set_health_check(name)
                .send()
                .await,
            &format!("read health check {name}"),
        )?
        .map(|c| c.description),
        GlobalPart::Firewall => error::unless_gone(
            gcp.firewalls.get().set_project(project).set_firewall(name).send().await,
            &format!("read firewall rule {name}"),
        )?
        .map(|f| f.description),
    };
    Ok(found(description, ours))
}

async fn find_autoscaler(gcp: &Gcp, region: &str, name: &str, ours: &str) -> Result<Found, Diagnostic> {
    let description = error::unless_gone(
        gcp.autoscalers
            .get()
            .set_project(&gcp.project)
            .set_region(region)
            .set_autoscaler(name)
            .send()
            .await,
        &format!("read autoscaler {name}"),
    )?
    .map(|a| a.description);
    Ok(found(description, ours))
}

impl GlobalPart {
    fn noun(self) -> &'static str {
        match self {
            GlobalPart::InstanceTemplate => "instance template",
            GlobalPart::HealthCheck => "health check",
            GlobalPart::Firewall => "firewall rule",
        }
    }
}

/// The global parts a group of `name` has by name (its templates come from the state).
fn named_global_parts(name: &str) -> [(GlobalPart, String); 2] {
    [
        (GlobalPart::HealthCheck, format!("{name}-nomad")),
        (GlobalPart::Firewall, format!("{name}-health-checks")),
    ]
}

/// The managed instance group is gone. When parts made for it are still there (a destroy killed
/// after the group's delete, a create that stopped before it, or the group deleted by hand), the
/// resource stays in state with a null id, so that the plan replaces it and a destroy deletes
/// them, instead of Terraform forgetting them; with nothing of ours left it is gone.
async fn what_is_left(gcp: &Gcp, region: &str, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let name = model.spec.name.clone();
    let ours = owner(&name);
    let mut parts: Vec<(GlobalPart, String)> = model
        .settings
        .instance_template
        .iter()
        .map(|t| (GlobalPart::InstanceTemplate, last(t).to_string()))
        .collect();
    parts.extend(named_global_parts(&name));
    let mut left = Vec::new();
    for (part, part_name) in parts {
        if find_global(gcp, part, &part_name, &ours).await? == Found::Ours {
            left.push(format!("{} {part_name}", part.noun()));
        }
    }
    if find_autoscaler(gcp, region, &name, &ours).await? == Found::Ours {
        left.push(format!("autoscaler {name}"));
    }
    // nomad-autoscaler's access is not looked for: destroy removes it before the group.
    if left.is_empty() {
        return Ok(None);
    }
    tracing::warn!(
        name,
        ?left,
        "managed instance group gone but parts made for it are left: kept in state"
    );
    model.spec.id = None;
    model.settings.instance_group_manager = None;
    model.settings.region = Some(region.to_string());
    Ok(Some(model))
}

/// Says that destroy leaves a part of this name alone because another made it.
fn leave_alone(what: &str, name: &str) {
    tracing::warn!(
        what,
        name,
        "not deleted: it does not carry this group's description, so it was not made by this resource"
    );
}

/// Autoscaler, group, templates, health check, firewall rule: users before what they use. Each
/// is deleted only when it carries this group's description: a part of the same name someone
/// else made is left alone.
async fn delete<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, model: Model) -> Result<(), Failure> {
    let region = model
        .settings
        .region
        .clone()
        .map(Ok)
        .unwrap_or_else(|| region(gcp, "Nomad client group").map(str::to_string))?;
    let name = model.spec.name.clone();
    let ours = owner(&name);
    if autoscaler::may_exist(&model) {
        autoscaler::remove(gcp, &name).await?;
    }
    match find_autoscaler(gcp, &region, &name, &ours).await? {
        Found::Ours => {
            let poller = gcp
                .autoscalers
                .delete()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_autoscaler(&name)
                .set_request_id(request_id())
                .poller();
            operation::delete_unless_gone(ctx, &format!("delete autoscaler {name}"), poller).await?;
        }
        Found::NotOurs => leave_alone("autoscaler", &name),
        Found::Gone => {}
    }
    let group = get_group(gcp, &region, &name).await?;
    let mut templates: Vec<String> = model
        .settings
        .instance_template
        .iter()
        .map(|t| last(t).to_string())
        .collect();
    match group {
        Some(group) if group.description.as_deref() == Some(ours.as_str()) => {
            templates.extend(group.instance_template.as_deref().map(|t| last(t).to_string()));
            let poller = gcp
                .instance_group_managers
                .delete()
                .set_project(&gcp.project)
                .set_region(&region)
                .set_instance_group_manager(&name)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &format!("delete managed instance group {name}"), poller).await?;
        }
        Some(_) => leave_alone("managed instance group", &name),
        None => {}
    }
    templates.sort();
    templates.dedup();
    let mut parts: Vec<(GlobalPart, String)> = templates
        .into_iter()
        .map(|t| (GlobalPart::InstanceTemplate, t))
        .collect();
    parts.extend(named_global_parts(&name));
    for (part, part_name) in parts {
        match find_global(gcp, part, &part_name, &ours).await? {
            Found::Ours => delete_global(ctx, gcp, part, &part_name).await?,
            Found::NotOurs => leave_alone(part.noun(), &part_name),
            Found::Gone => {}
        }
    }
    Ok(())
}

fn template_changed(prior: &Value, planned: &Value) -> bool {
    template_inputs_changed(prior, planned)
        || prior.attr("tags") != planned.attr("tags")
        || GCP_TEMPLATE_INPUTS
            .iter()
            .any(|n| prior.attr("gcp").attr(n) != planned.attr("gcp").attr(n))
}

#[async_trait]
impl<D: GcpData> TypedCloudHalf<D> for NomadClientGroup {
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
        // Parts are named NAME-nomad, NAME-health-checks and NAME-HASH8: leave room.
        if let Some(name) = config.attr("name").as_str()
            && (!valid_name(name) || name.len() > 45)
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid GCP group name",
                format!("{name:?}: a lowercase letter, then up to 44 lowercase letters, digits and hyphens (its parts add suffixes)."),
            );
        }
        if let Value::Number(cpu) = config.attr("gcp").attr("cpu_target")
            && let cpu = cpu.as_f64()
            && !(cpu > 0.0 && cpu <= 1.0)
        {
            diags.attribute_error(
                &root.attr("gcp").attr("cpu_target"),
                "Invalid CPU target",
                format!("cpu_target is {cpu}; it is a fraction above 0 and at most 1, e.g. 0.5."),
            );
        }
        if let Some(tags) = circleci_core::tags::tag_map(config.attr("tags")) {
            labels::validate(&tags, &root.attr("tags"), diags);
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        if plan.prior.is_null() {
            return;
        }
        let changed = template_changed(plan.prior, &plan.planned);
        let prior = plan.prior.attr("gcp").attr("instance_template").clone();
        if let Some(block) = plan.planned.attr_mut("gcp") {
            block.set_attr("instance_template", if changed { Value::Unknown } else { prior });
        }
        circleci_core::cloud::keep_access_outputs(
            plan,
            "gcp",
            &AttributePath::root().attr("gcp").attr("autoscaler_access"),
            &[
                "autoscaler_service_account_email",
                "autoscaler_key_id",
                "autoscaler_service_account_key",
            ],
        );
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
        "projects/PROJECT/regions/REGION/instanceGroupManagers/NAME"
    }

    fn import(&self, id: &str) -> Option<Model> {
        let parts: Vec<&str> = id.split('/').collect();
        let ["projects", _, "regions", region, "instanceGroupManagers", name] = parts.as_slice() else {
            return None;
        };
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        model.spec.name = name.to_string();
        model.settings.region = Some(region.to_string());
        Some(model)
    }
}
