//! The GCP half of `circleciserver_vm_service_access`: what the VM service needs to start dedicated VMs.
//!
//! - A service account `NAME@PROJECT.iam.gserviceaccount.com` for the VM service, granted
//!   `roles/compute.instanceAdmin.v1` on the project (a read-modify-write of the project's
//!   policy with its etag: other principals' bindings are never touched) and
//!   `roles/iam.serviceAccountUser` on itself only (the VMs it starts run as it; not on the
//!   project, which would let it act as every service account there).
//! - Credentials by `access`: `workload_identity` (the Kubernetes service account
//!   `NAMESPACE/vm-service` may act as it: `roles/iam.workloadIdentityUser` on the service
//!   account), `key` (a key file, sensitive), or `none`.
//! - Firewall rules on the VMs' network tag `NAME`: `NAME-cluster` and `NAME-nomad` (22 and 2376
//!   from the cluster's and the Nomad clients' ranges), `NAME-ssh` (54782 for SSH reruns, only
//!   when `allowed_ssh_cidrs` is given: a rule without sources would admit everyone).
//!
//! A service account or rule of the name left by a lost answer or a killed apply is adopted when
//! its description names this resource; anything else of the name is refused.
//!
//! Import: `terraform import circleciserver_vm_service_access.NAME projects/PROJECT/serviceAccounts/EMAIL`.

use async_trait::async_trait;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::vm_service_access::Spec;
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan};
use google_cloud_compute_v1::model::{Firewall, firewall};
use serde::{Deserialize, Serialize};

use crate::parts::{last, network_link};
use crate::retry::request_id;
use crate::service_account::{self, AccessKind, KEY, NONE, WORKLOAD_IDENTITY, WORKLOAD_IDENTITY_USER, binding, member};
use crate::{Gcp, GcpData, error, operation};

pub struct VmServiceAccess;

/// The Kubernetes service account of the VM service.
const KUBERNETES_SERVICE_ACCOUNT: &str = "vm-service";
const INSTANCE_ADMIN: &str = "roles/compute.instanceAdmin.v1";
const SERVICE_ACCOUNT_USER: &str = "roles/iam.serviceAccountUser";

/// The `gcp` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GcpSettings {
    network: Option<String>,
    namespace: Option<String>,
    service_account_email: Option<String>,
    network_tag: Option<String>,
    key_id: Option<String>,
    service_account_key: Option<String>,
}

type Model = CloudModel<Spec, GcpSettings>;

fn gcp_block() -> Block {
    Block::new(
        "GCP: a service account for the VM service (instance admin on the project), its credentials, and firewall \
         rules for its VMs on the network tag `NAME`.",
    )
    .attribute(
        Attribute::required(
            "network",
            Type::String,
            "VPC network of the VMs: a name in the provider's project or a self link (shared VPC).",
        )
        .requires_replace(),
    )
    .attribute(
        Attribute::optional(
            "namespace",
            Type::String,
            "Namespace of the VM service, for `workload_identity`.",
        )
        .default(Value::from(DEFAULT_NAMESPACE)),
    )
    .attribute(
        Attribute::computed(
            "service_account_email",
            Type::String,
            "The VM service's service account: annotate the `vm-service` Kubernetes service account with it \
             (`iam.gke.io/gcp-service-account`) for workload identity.",
        )
        .use_state_for_unknown(),
    )
    .attribute(
        Attribute::computed(
            "network_tag",
            Type::String,
            "Network tag the VMs must carry for the firewall rules to admit traffic.",
        )
        .use_state_for_unknown(),
    )
    .attribute(Attribute::computed("key_id", Type::String, "The key's id, for `key`."))
    .attribute(
        Attribute::computed(
            "service_account_key",
            Type::String,
            "Installer: the VM service's service-account key file (JSON), for `key`.",
        )
        .sensitive(),
    )
}

/// What every part's description says: ownership, for adoption.
fn owner(name: &str) -> String {
    format!("CircleCI Server VM service access {name} (managed by terraform-provider-circleciserver)")
}

fn access_kind(model: &Model) -> AccessKind {
    AccessKind::of(model.spec.access.as_deref())
}

/// The firewall rules by suffix, with their sources and ports.
fn rules(spec: &Spec) -> Vec<(&'static str, Vec<String>, Vec<String>)> {
    let docker = vec!["22".to_string(), "2376".to_string()];
    let mut out = vec![
        (
            "cluster",
            spec.cluster_cidrs.clone().unwrap_or_default(),
            docker.clone(),
        ),
        ("nomad", spec.nomad_cidrs.clone().unwrap_or_default(), docker),
    ];
    let ssh = spec.allowed_ssh_cidrs.clone().unwrap_or_default();
    if !ssh.is_empty() {
        out.push(("ssh", ssh, vec!["54782".to_string()]));
    }
    out
}

fn firewall_rule(gcp: &Gcp, model: &Model, suffix: &str, ranges: Vec<String>, ports: Vec<String>) -> Firewall {
    let name = &model.spec.name;
    let mut allowed = firewall::Allowed::default();
    allowed.ip_protocol = Some("tcp".into());
    allowed.ports = ports;
    let mut rule = Firewall::default();
    rule.name = Some(format!("{name}-{suffix}"));
    rule.description = Some(owner(name));
    rule.network = model.settings.network.as_deref().map(|n| network_link(gcp, n));
    rule.direction = Some(firewall::Direction::Ingress);
    rule.source_ranges = ranges;
    rule.target_tags = vec![name.clone()];
    rule.allowed = vec![allowed];
    rule
}

async fn get_rule(gcp: &Gcp, name: &str) -> Result<Option<Firewall>, Diagnostic> {
    error::unless_gone(
        gcp.firewalls
            .get()
            .set_project(&gcp.project)
            .set_firewall(name)
            .send()
            .await,
        &format!("read firewall rule {name}"),
    )
}

/// Makes the rule, or sets an existing one of ours to it.
async fn put_rule<D>(ctx: &Context<D>, gcp: &Gcp, owner_name: &str, rule: Firewall) -> Result<(), Diagnostic> {
    let name = rule.name.clone().unwrap_or_default();
    let what = format!("set firewall rule {name}");
    match get_rule(gcp, &name).await? {
        Some(existing) => {
            crate::parts::check_owner(
                "Firewall rule",
                &name,
                existing.description.as_ref(),
                &owner(owner_name),
                &format!("VM service access {owner_name:?}"),
            )?;
            let poller = gcp
                .firewalls
                .patch()
                .set_project(&gcp.project)
                .set_firewall(&name)
                .set_body(rule)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &what, poller).await?;
        }
        None => {
            let poller = gcp
                .firewalls
                .insert()
                .set_project(&gcp.project)
                .set_body(rule)
                .set_request_id(request_id())
                .poller();
            operation::wait(ctx, &what, poller).await?;
        }
    }
    Ok(())
}

async fn delete_rule<D>(ctx: &Context<D>, gcp: &Gcp, name: &str) -> Result<(), Diagnostic> {
    let poller = gcp
        .firewalls
        .delete()
        .set_project(&gcp.project)
        .set_firewall(name)
        .set_request_id(request_id())
        .poller();
    operation::delete_unless_gone(ctx, &format!("delete firewall rule {name}"), poller).await
}

/// The rules as `spec` wants them: each made or set, the SSH rule deleted when it has no sources.
async fn put_rules<D>(ctx: &Context<D>, gcp: &Gcp, model: &Model) -> Result<(), Diagnostic> {
    let name = &model.spec.name;
    let wanted = rules(&model.spec);
    for (suffix, ranges, ports) in wanted.iter().cloned() {
        put_rule(ctx, gcp, name, firewall_rule(gcp, model, suffix, ranges, ports)).await?;
    }
    if !wanted.iter().any(|(suffix, ..)| *suffix == "ssh") {
        delete_rule(ctx, gcp, &format!("{name}-ssh")).await?;
    }
    Ok(())
}

/// The service account's own policy, all ours: the VMs may run as it, and with workload
/// identity the VM service's Kubernetes service account may act as it.
async fn set_account_policy(gcp: &Gcp, model: &Model, path: &str) -> Result<(), Diagnostic> {
    let email = model.settings.service_account_email.clone().unwrap_or_default();
    let mut bindings = vec![binding(SERVICE_ACCOUNT_USER, member(&email))];
    if access_kind(model) == AccessKind::WorkloadIdentity {
        let namespace = model.settings.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        bindings.push(binding(
            WORKLOAD_IDENTITY_USER,
            service_account::workload_identity_member(gcp, namespace, KUBERNETES_SERVICE_ACCOUNT),
        ));
    }
    service_account::set_policy(gcp, path, bindings).await
}

/// The key when the access is `key` (its id and file); otherwise none, and no user-managed keys.
async fn set_key(gcp: &Gcp, model: &mut Model, path: &str) -> Result<(), Diagnostic> {
    let key = service_account::replace_keys(gcp, path, access_kind(model) == AccessKind::Key).await?;
    model.settings.key_id = key.as_ref().map(|(id, _)| id.clone());
    model.settings.service_account_key = key.map(|(_, file)| file);
    Ok(())
}

async fn create<D>(ctx: &Context<D>, gcp: &Gcp, mut model: Model) -> Result<Model, Failure> {
    let name = model.spec.name.clone();
    let account = service_account::ensure(
        gcp,
        &name,
        "CircleCI Server VM service",
        &owner(&name),
        &format!("VM service access {name:?}"),
    )
    .await?;
    let path = service_account::path(gcp, &account.email);
    model.spec.id = Some(path.clone());
    model.settings.service_account_email = Some(account.email.clone());
    model.settings.network_tag = Some(name.clone());
    let wanted = access_kind(&model).to_string();
    model.spec.access = Some(NONE.into());
    // From here on, the service account is in the state returned on failure.
    let steps = async {
        service_account::change_project_role(gcp, INSTANCE_ADMIN, &member(&account.email), true).await?;
        put_rules(ctx, gcp, &model).await?;
        model.spec.access = Some(wanted);
        set_account_policy(gcp, &model, &path).await?;
        set_key(gcp, &mut model, &path).await
    };
    match steps.await {
        Ok(()) => Ok(model),
        Err(d) => {
            model.spec.access = Some(NONE.into());
            Err(Failure::from(d).with_partial_state(model.value(Cloud::Gcp)?))
        }
    }
}

/// The service account, its access and its rules as Google holds them; `None` when the
/// service account is gone.
async fn read(gcp: &Gcp, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let path = model.spec.id.clone().unwrap_or_default();
    let Some(account) = service_account::get(gcp, &path).await? else {
        return Ok(None);
    };
    let name = account.email.split('@').next().unwrap_or_default().to_string();
    model.spec.name = name.clone();
    model.settings.service_account_email = Some(account.email.clone());
    model.settings.network_tag = Some(name.clone());
    let ranges = |rule: &Option<Firewall>| rule.as_ref().map(|r| r.source_ranges.clone()).unwrap_or_default();
    let cluster = get_rule(gcp, &format!("{name}-cluster")).await?;
    let nomad = get_rule(gcp, &format!("{name}-nomad")).await?;
    let ssh = get_rule(gcp, &format!("{name}-ssh")).await?;
    // Google's order of ranges is the one sent; keep the configuration's.
    let ordered = |prior: &Option<Vec<String>>, found: Vec<String>| {
        circleci_core::cloud::in_prior_order(prior.as_deref().unwrap_or_default(), found)
    };
    let spec = &mut model.spec;
    spec.cluster_cidrs = Some(ordered(&spec.cluster_cidrs, ranges(&cluster)));
    spec.nomad_cidrs = Some(ordered(&spec.nomad_cidrs, ranges(&nomad)));
    let ssh_ranges = ordered(&spec.allowed_ssh_cidrs, ranges(&ssh));
    spec.allowed_ssh_cidrs = if ssh_ranges.is_empty() && spec.allowed_ssh_cidrs.is_none() {
        None
    } else {
        Some(ssh_ranges)
    };
    // The network from a rule; the configuration's spelling when it names the same one.
    if let Some(network) = cluster.as_ref().or(nomad.as_ref()).and_then(|r| r.network.clone()) {
        let same = model
            .settings
            .network
            .as_deref()
            .is_some_and(|given| last(given) == last(&network));
        if !same {
            model.settings.network = Some(last(&network).to_string());
        }
    }

    let policy = service_account::get_policy(gcp, &path).await?;
    let workload_identity =
        service_account::workload_identity_namespaces(gcp, &policy, KUBERNETES_SERVICE_ACCOUNT).pop();
    let keys = service_account::user_keys(gcp, &path).await?;
    let settings = &mut model.settings;
    // The key in the state (after an import: any user-managed key) makes the access `key`; when
    // it is gone the access reads `none`, so the next apply makes a new one.
    let has_key = service_account::has_key(settings.key_id.as_deref(), &keys);
    let granted = service_account::holds_project_role(gcp, INSTANCE_ADMIN, &member(&account.email)).await?;
    let kind = if let Some(namespace) = workload_identity {
        settings.namespace = Some(namespace);
        AccessKind::WorkloadIdentity
    } else if has_key {
        AccessKind::Key
    } else {
        AccessKind::None
    };
    // Without its project grant the VM service can do nothing: that reads `none` too, so the
    // plan shows it and the apply grants it again.
    let kind = if granted { kind } else { AccessKind::None };
    settings.namespace.get_or_insert_with(|| DEFAULT_NAMESPACE.to_string());
    if kind == AccessKind::Key {
        // The key file is known only from creation (never after an import).
        if settings.key_id.is_none() {
            settings.key_id = keys.first().map(|k| last(k).to_string());
        }
    } else {
        settings.key_id = None;
        settings.service_account_key = None;
    }
    model.spec.access = Some(kind.to_string());
    Ok(Some(model))
}

async fn update<D>(ctx: &Context<D>, gcp: &Gcp, prior: Model, mut planned: Model) -> Result<Model, Failure> {
    let path = prior.spec.id.clone().unwrap_or_default();
    planned.settings.key_id = prior.settings.key_id.clone();
    planned.settings.service_account_key = prior.settings.service_account_key.clone();
    let steps = async {
        if rules(&prior.spec) != rules(&planned.spec) {
            put_rules(ctx, gcp, &planned).await?;
        }
        let access_changed = access_kind(&prior) != access_kind(&planned);
        if access_changed {
            // A refresh reads a lost project grant as `none`: grant again (a no-op when held).
            let email = prior.settings.service_account_email.clone().unwrap_or_default();
            service_account::change_project_role(gcp, INSTANCE_ADMIN, &member(&email), true).await?;
        }
        if access_changed || prior.settings.namespace != planned.settings.namespace {
            set_account_policy(gcp, &planned, &path).await?;
        }
        if access_changed {
            set_key(gcp, &mut planned, &path).await?;
        }
        Ok::<_, Diagnostic>(())
    };
    match steps.await {
        Ok(()) => Ok(planned),
        // What changed before the failure is read back by the next refresh.
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Gcp)?)),
    }
}

/// The project binding first (deleting the account would leave it behind as `deleted:...`),
/// then the rules, then the account with its keys and policy.
async fn delete<D>(ctx: &Context<D>, gcp: &Gcp, model: Model) -> Result<(), Failure> {
    let name = model.spec.name.clone();
    let path = model.spec.id.clone().unwrap_or_default();
    let email = model
        .settings
        .service_account_email
        .clone()
        .unwrap_or_else(|| service_account::email(gcp, &name));
    service_account::change_project_role(gcp, INSTANCE_ADMIN, &member(&email), false).await?;
    for suffix in ["cluster", "nomad", "ssh"] {
        delete_rule(ctx, gcp, &format!("{name}-{suffix}")).await?;
    }
    service_account::delete(gcp, &path).await?;
    Ok(())
}

#[async_trait]
impl<D: GcpData> TypedCloudHalf<D> for VmServiceAccess {
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
        if let Some(name) = config.attr("name").as_str()
            && !service_account::valid_account_id(name)
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid GCP VM service access name",
                format!(
                    "{name:?} names the service account: 6 to 30 lowercase letters, digits and hyphens, starting \
                     with a letter and not ending with a hyphen."
                ),
            );
        }
        if let Some(kind) = config.attr("access").as_str()
            && ![WORKLOAD_IDENTITY, KEY, NONE].contains(&kind)
        {
            diags.attribute_error(
                &root.attr("access"),
                "Invalid access on GCP",
                format!("{kind:?}: on GCP, access is `workload_identity`, `key` or `none`."),
            );
        }
        if let Value::Map(tags) = config.attr("tags")
            && !tags.is_empty()
        {
            diags.attribute_error(
                &root.attr("tags"),
                "GCP takes no tags here",
                "Service accounts and firewall rules carry no labels on GCP: leave tags out.",
            );
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        // Only a change of access makes a new key (unknown until applied); otherwise the key
        // outputs stay as they are.
        circleci_core::cloud::keep_access_outputs(
            plan,
            "gcp",
            &AttributePath::root().attr("access"),
            &["key_id", "service_account_key"],
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
        "projects/PROJECT/serviceAccounts/EMAIL"
    }

    fn import(&self, id: &str) -> Option<Model> {
        let parts: Vec<&str> = id.split('/').collect();
        let ["projects", _, "serviceAccounts", email] = parts.as_slice() else {
            return None;
        };
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        model.spec.name = email.split('@').next()?.to_string();
        Some(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_rule_exists_only_with_sources() {
        let mut spec = Spec {
            cluster_cidrs: Some(vec!["10.0.0.0/16".into()]),
            nomad_cidrs: Some(vec!["10.1.0.0/16".into()]),
            ..Spec::default()
        };
        let suffixes = |spec: &Spec| rules(spec).into_iter().map(|(s, ..)| s).collect::<Vec<_>>();
        assert_eq!(suffixes(&spec), ["cluster", "nomad"]);
        spec.allowed_ssh_cidrs = Some(vec![]);
        assert_eq!(suffixes(&spec), ["cluster", "nomad"], "no sources would admit everyone");
        spec.allowed_ssh_cidrs = Some(vec!["203.0.113.0/24".into()]);
        assert_eq!(suffixes(&spec), ["cluster", "nomad", "ssh"]);
    }
}
