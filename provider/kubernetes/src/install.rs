//! `circleciserver_server`: installs CircleCI Server 3.x into Kubernetes, upgrades it and removes it.
//!
//! It renders the objects of every service (see `circleci_server::render`), applies them with
//! server-side apply under its own field manager, waits for every workload to be ready and for
//! the load balancers to get addresses, and reports them. Updates apply only the objects that
//! differ from the cluster and prune objects it no longer renders; destroy removes the
//! namespace. Read notices objects deleted or changed by hand and plans to put them back.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use circleci_core::DEFAULT_NAMESPACE;
use circleci_cty::{Type, Value};
use circleci_server::generated::{Form, GENERATED, INTERNAL_PASSWORDS, generate};
use circleci_server::render::{self, ServerSpec};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Operation, Plan, Resource, timeouts_block};
use serde_json::Value as Json;

use crate::KubernetesData;
use crate::cluster::{Cluster, contains};
use crate::spec::{generated_attributes, spec_attributes, spec_from_value, validate_spec};

pub struct ServerInstall;

fn block() -> Block {
    generated_attributes(
        spec_attributes(Block::new(
            "CircleCI Server 3.x installed into Kubernetes: every service's objects, applied with server-side apply, waited \
             for, and kept in line with the configuration. Import by namespace. The inputs and generated values follow \
             CircleCI's installation reference; the shape of each service's objects is this provider's own rendering and \
             has not been checked against CircleCI's images.",
        )),
        true,
    )
    .attribute(
        Attribute::computed(
            "internal_passwords",
            Type::map(Type::String),
            "Generated passwords of the in-cluster data stores and services, by name: postgres, mongodb_root, mongodb, \
             rabbitmq, rabbitmq_erlang_cookie, pusher (installer: `postgresql.auth.postgresPassword`, \
             `mongodb.auth.rootPassword`, `mongodb.auth.password`, `rabbitmq.auth.password`, `rabbitmq.auth.erlangCookie`, \
             `pusher.secret`).",
        )
        .sensitive()
        .use_state_for_unknown(),
    )
    .attribute(
        Attribute::optional(
            "delete_data",
            Type::Bool,
            "Destroy also deletes the data: the persistent volume claims of the in-cluster PostgreSQL, MongoDB, Vault, \
             RabbitMQ and Redis, and the namespace when this resource made it. By default destroy keeps them (and says \
             so), so a new install in the same namespace finds its data again.",
        )
        .default(Value::Bool(false)),
    )
    .block(timeouts_block(&[Operation::Create, Operation::Update, Operation::Delete]))
    .attribute(Attribute::computed("id", Type::String, "The namespace.").use_state_for_unknown())
    .attribute(
        Attribute::computed(
            "namespace_created",
            Type::Bool,
            "Whether this resource made the namespace (a namespace it did not make is never deleted).",
        )
        .use_state_for_unknown(),
    )
    .attribute(Attribute::computed(
        "manifest_hash",
        Type::String,
        "Digest of the rendered objects; `drifted` when the cluster no longer matches them.",
    ))
    .attribute(Attribute::computed(
        "load_balancer_addresses",
        Type::map(Type::String),
        "Address of each of the five load balancers (installer hostnames), by role.",
    ))
    .attribute(Attribute::computed("nomad_server_endpoint", Type::String, "host:4647 of the Nomad control plane, for the Nomad clients."))
    .attribute(Attribute::computed("service_status", Type::map(Type::String), "`ready` or `not ready`, per service."))
}

/// The Secret that keeps the resource's inputs, generated values included, beside the install:
/// import reads it back, and a new install in the namespace (after a destroy that kept the
/// data, or a lost state) takes the generated values from it, so the kept data stays readable.
pub const INPUTS_SECRET: &str = "circleci-server-inputs";

/// Attributes that are read from the cluster rather than given or generated.
const OBSERVED: [&str; 5] = [
    "id",
    "manifest_hash",
    "load_balancer_addresses",
    "nomad_server_endpoint",
    "service_status",
];

fn random(buf: &mut [u8]) {
    aws_lc_rs::rand::fill(buf).expect("system randomness");
}

/// Fills every generated value left unknown: from `kept` (the inputs of an earlier install in
/// the namespace) when it has one, else newly generated.
fn fill_generated(state: &mut Value, kept: Option<&Json>) {
    for generated in GENERATED {
        let value = state.attr(generated.attribute);
        if value.is_unknown() || value.is_null() {
            let taken = kept.and_then(|k| k[generated.attribute].as_str()).map(str::to_string);
            let made = taken.unwrap_or_else(|| generate(generated.form, &mut random));
            state.set_attr(generated.attribute, Value::from(made));
        }
    }
    let mut passwords = BTreeMap::new();
    for (name, _, len) in INTERNAL_PASSWORDS {
        let taken = kept
            .and_then(|k| k["internal_passwords"][*name].as_str())
            .map(str::to_string);
        let made = taken.unwrap_or_else(|| generate(Form::Password(*len), &mut random));
        passwords.insert(name.to_string(), Value::from(made));
    }
    if !state.attr("internal_passwords").is_wholly_known() || state.attr("internal_passwords").is_null() {
        state.set_attr("internal_passwords", Value::Map(passwords));
    }
}

fn inputs_secret(namespace: &str, inputs: &Json) -> Json {
    use base64::Engine;
    let mut object = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": INPUTS_SECRET,
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/instance": "circleci-server",
                "app.kubernetes.io/part-of": "circleci-server",
                "app.kubernetes.io/managed-by": render::FIELD_MANAGER,
            },
        },
    });
    object["data"] = serde_json::json!({
        "inputs.json": base64::engine::general_purpose::STANDARD.encode(inputs.to_string()),
    });
    object
}

/// The inputs of an install as kept in [`INPUTS_SECRET`], or `None` when the namespace has none.
async fn kept_inputs(cluster: &Cluster, namespace: &str) -> Result<Option<Json>, Diagnostic> {
    use base64::Engine;
    let Some(live) = cluster.get(&inputs_secret(namespace, &Json::Null)).await? else {
        return Ok(None);
    };
    let text = live["data"]["inputs.json"]
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    match text {
        Some(json) => Ok(Some(json)),
        None => Err(Diagnostic::error(
            format!("Secret {namespace}/{INPUTS_SECRET} is not readable"),
            "It should hold inputs.json, written by circleciserver_server. Restore it from a backup, or delete it to start afresh \
             (an install then generates new keysets, and data encrypted with the old ones cannot be read).",
        )),
    }
}

/// The rendered objects of the install and, last, the Secret keeping its inputs.
fn objects_of(value: &Value) -> Result<(ServerSpec, Vec<Json>), Diagnostic> {
    let spec = spec_from_value(value)?;
    let mut objects = render::render(&spec);
    let mut inputs = value.to_json();
    if let Some(map) = inputs.as_object_mut() {
        for name in OBSERVED {
            map.remove(name);
        }
    }
    objects.push(inputs_secret(&spec.namespace, &inputs));
    Ok((spec, objects))
}

/// A short, stable digest of the rendered objects (FNV-1a; not a security function).
fn digest(objects: &[Json]) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for o in objects {
        for b in o.to_string().bytes() {
            hash ^= b as u64;
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    format!("{hash:016x}")
}

fn workload_ready(live: &Json) -> bool {
    let want = live["spec"]["replicas"].as_i64().unwrap_or(1);
    let generation_seen = live["status"]["observedGeneration"] == live["metadata"]["generation"];
    generation_seen && live["status"]["readyReplicas"].as_i64().unwrap_or(0) >= want
}

fn address(live: &Json) -> Option<String> {
    let ingress = &live["status"]["loadBalancer"]["ingress"][0];
    ingress["hostname"]
        .as_str()
        .or(ingress["ip"].as_str())
        .map(str::to_string)
}

/// What the cluster says now: per-service readiness, load balancer addresses, and whether
/// every rendered object is there as rendered.
struct Observed {
    status: BTreeMap<String, Value>,
    addresses: BTreeMap<String, Value>,
    in_sync: bool,
    missing_or_changed: Vec<String>,
}

async fn observe(cluster: &Cluster, objects: &[Json]) -> Result<Observed, Diagnostic> {
    let mut observed = Observed {
        status: BTreeMap::new(),
        addresses: BTreeMap::new(),
        in_sync: true,
        missing_or_changed: vec![],
    };
    for object in objects {
        let kind = object["kind"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let live = cluster.get(object).await?;
        match &live {
            Some(live) if contains(live, object) => {}
            _ => {
                observed.in_sync = false;
                observed.missing_or_changed.push(format!("{kind}/{name}"));
            }
        }
        if matches!(kind, "Deployment" | "StatefulSet") {
            let ready = live.as_ref().is_some_and(workload_ready);
            observed
                .status
                .insert(name.clone(), Value::from(if ready { "ready" } else { "not ready" }));
        }
        if let Some(role) = object["metadata"]["labels"]["circleci.com/load-balancer-role"].as_str() {
            let value = live.as_ref().and_then(address).or_else(|| {
                // A NodePort service has no address of its own: the nodes are it.
                (object["spec"]["type"] == "NodePort").then(|| format!("node-port:{name}"))
            });
            observed
                .addresses
                .insert(role.to_string(), value.map(Value::from).unwrap_or(Value::Null));
        }
    }
    Ok(observed)
}

fn fill(state: &mut Value, spec: &ServerSpec, observed: &Observed, hash: &str) {
    state.set_attr("id", Value::from(spec.namespace.as_str()));
    state.set_attr(
        "manifest_hash",
        Value::from(if observed.in_sync { hash } else { "drifted" }),
    );
    state.set_attr("service_status", Value::Map(observed.status.clone()));
    // A node_port role has no address of its own: the load balancer in front is where
    // clients go, when its hostname is given.
    let mut addresses = observed.addresses.clone();
    for (role, hostname) in spec.load_balancer_hostnames.iter().flatten() {
        if circleci_server::render::load_balancer_mode(spec, role) == "node_port" {
            addresses.insert(role.clone(), Value::from(hostname.as_str()));
        }
    }
    state.set_attr("load_balancer_addresses", Value::Map(addresses.clone()));
    let nomad = addresses
        .get("nomad")
        .and_then(|v| v.as_str())
        .map(|a| format!("{a}:4647"));
    state.set_attr("nomad_server_endpoint", nomad.into());
}

/// Applies the objects that are missing or differ, then waits until every workload is ready
/// and every load balancer has an address.
async fn converge<D: KubernetesData>(
    ctx: &Context<D>,
    cluster: &Cluster,
    spec: &ServerSpec,
    objects: &[Json],
    state: &mut Value,
) -> Result<(), Diagnostic> {
    let mut applied = 0;
    for object in objects {
        let up_to_date = cluster.get(object).await?.is_some_and(|live| contains(&live, object));
        if !up_to_date {
            cluster.apply(object).await?;
            applied += 1;
        }
    }
    tracing::info!(
        namespace = spec.namespace,
        applied,
        total = objects.len(),
        "objects applied"
    );
    let hash = digest(objects);
    // What the last check saw, for the message when the wait ends without success.
    let last: std::sync::Mutex<(Vec<String>, Vec<String>)> = Default::default();
    // While waiting, read only what readiness depends on: workloads and load balancer services.
    let watched: Vec<Json> = objects
        .iter()
        .filter(|o| {
            matches!(o["kind"].as_str(), Some("Deployment" | "StatefulSet"))
                || !o["metadata"]["labels"]["circleci.com/load-balancer-role"].is_null()
        })
        .cloned()
        .collect();
    let waited = ctx
        .wait_with_backoff(
            "CircleCI Server's services to be ready and its load balancers to get addresses",
            Duration::from_millis(500),
            Duration::from_secs(15),
            || async {
                let observed = observe(cluster, &watched).await?;
                let not_ready: Vec<String> = observed
                    .status
                    .iter()
                    .filter(|(_, v)| v.as_str() != Some("ready"))
                    .map(|(k, _)| k.clone())
                    .collect();
                let waiting_lb: Vec<String> = observed
                    .addresses
                    .iter()
                    .filter(|(_, v)| v.is_null())
                    .map(|(k, _)| k.clone())
                    .collect();
                if not_ready.is_empty() && waiting_lb.is_empty() {
                    return Ok(Some(observed));
                }
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.0 != not_ready || last.1 != waiting_lb {
                    let total = observed.status.len();
                    tracing::info!(
                        ready = total - not_ready.len(),
                        total,
                        ?not_ready,
                        ?waiting_lb,
                        "rollout in progress: {} of {total} services ready",
                        total - not_ready.len()
                    );
                }
                *last = (not_ready, waiting_lb);
                Ok(None)
            },
        )
        .await;
    match waited {
        Ok(_) => {}
        Err(mut d) => {
            let (not_ready, waiting_lb) = last.into_inner().unwrap_or_else(|e| e.into_inner());
            d.detail
                .push_str(&not_ready_report(&spec.namespace, &not_ready, &waiting_lb));
            return Err(d);
        }
    }
    // Once ready: everything, for the record of what the cluster holds.
    let observed = observe(cluster, objects).await?;
    fill(state, spec, &observed, &hash);
    Ok(())
}

/// `Kind/name` of each object added, changed or removed between two renderings (the inputs
/// Secret aside: it changes with every input).
fn object_changes(before: &[Json], after: &[Json]) -> Vec<String> {
    let key = |o: &Json| {
        format!(
            "{}/{}",
            o["kind"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or("")
        )
    };
    let index = |objects: &[Json]| -> BTreeMap<String, Json> {
        objects
            .iter()
            .filter(|o| o["metadata"]["name"] != INPUTS_SECRET)
            .map(|o| (key(o), o.clone()))
            .collect()
    };
    let (before, after) = (index(before), index(after));
    let mut changes = Vec::new();
    for (name, object) in &after {
        match before.get(name) {
            None => changes.push(format!("{name} (new)")),
            Some(old) if old != object => changes.push(name.clone()),
            Some(_) => {}
        }
    }
    changes.extend(
        before
            .keys()
            .filter(|name| !after.contains_key(*name))
            .map(|name| format!("{name} (removed)")),
    );
    changes
}

/// The persistent volume claims the stateful sets' controller makes: one per claim template and
/// replica, named TEMPLATE-SET-ORDINAL. Deleting a set leaves them, as Kubernetes does.
fn volume_claims(namespace: &str, objects: &[Json]) -> Vec<Json> {
    let mut claims = Vec::new();
    for set in objects.iter().filter(|o| o["kind"] == "StatefulSet") {
        let name = set["metadata"]["name"].as_str().unwrap_or_default();
        let replicas = set["spec"]["replicas"].as_i64().unwrap_or(1);
        for template in set["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten() {
            let claim = template["metadata"]["name"].as_str().unwrap_or_default();
            for ordinal in 0..replicas {
                claims.push(serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": { "name": format!("{claim}-{name}-{ordinal}"), "namespace": namespace },
                }));
            }
        }
    }
    claims
}

async fn wait_until_gone<D: KubernetesData>(
    ctx: &Context<D>,
    cluster: &Cluster,
    objects: &[Json],
) -> Result<(), Diagnostic> {
    ctx.wait_for(
        &format!("{} objects of the install to be deleted", objects.len()),
        Duration::from_secs(2),
        || async {
            for object in objects {
                if cluster.get(object).await?.is_some() {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        },
    )
    .await
}

/// What is still not ready, and what the CircleCI Server overview says breaks while it is down.
fn not_ready_report(namespace: &str, not_ready: &[String], waiting_lb: &[String]) -> String {
    let mut report = String::new();
    if !not_ready.is_empty() {
        report.push_str("\n\nNot ready yet:");
        for name in not_ready {
            let consequence = circleci_server::services::find(name)
                .map(|s| s.when_down)
                .unwrap_or("its part of CircleCI Server is unavailable");
            report.push_str(&format!("\n- {name}: while it is down, {consequence}"));
        }
        report.push_str(&format!(
            "\nInspect them with `kubectl -n {namespace} describe pod` and their logs (image pulls, crash loops)."
        ));
    }
    if !waiting_lb.is_empty() {
        report.push_str(&format!(
            "\n\nLoad balancers without an address yet: {}. Check the cloud's load balancer controller.",
            waiting_lb.join(", ")
        ));
    }
    report
}

/// Deletes what we manage in the namespace but no longer render.
async fn prune(cluster: &Cluster, spec: &ServerSpec, objects: &[Json]) -> Result<(), Diagnostic> {
    for (api_version, kind) in [
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("v1", "Service"),
        ("v1", "ServiceAccount"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
    ] {
        for live in cluster.list_managed(api_version, kind, &spec.namespace).await? {
            let name = live["metadata"]["name"].as_str().unwrap_or_default();
            let rendered = objects
                .iter()
                .any(|o| o["kind"] == kind && o["metadata"]["name"] == name);
            if !rendered {
                tracing::info!(kind, name, "pruning an object no longer rendered");
                cluster.delete(&live).await?;
            }
        }
    }
    Ok(())
}

fn cluster<D: KubernetesData>(ctx: &Context<D>) -> Result<&Cluster, Diagnostic> {
    ctx.data()?.cluster()
}

#[async_trait]
impl<D: KubernetesData> Resource<D> for ServerInstall {
    fn type_name(&self) -> &'static str {
        "circleciserver_server"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_spec(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        let (from, to) = (plan.prior.attr("namespace"), plan.planned.attr("namespace"));
        if let (Some(from), Some(to)) = (from.as_str(), to.as_str())
            && from != to
        {
            plan.diagnostics.push(
                Diagnostic::error(
                    "circleciserver_server cannot move to another namespace",
                    format!(
                        "Changing namespace from {from:?} to {to:?} would replace the install: the one in {from:?}, with \
                         its in-cluster PostgreSQL, MongoDB, Vault and RabbitMQ data, would be removed and an empty one \
                         started in {to:?}. Keep namespace = {from:?}. To move, back up the data stores, destroy this \
                         resource, then apply with the new namespace."
                    ),
                )
                .at(&circleci_cty::AttributePath::root().attr("namespace")),
            );
            return;
        }
        // State from before a value was generated (an older provider): generate it now.
        if !plan.prior.is_null() {
            let names = GENERATED.iter().map(|g| g.attribute).chain(["internal_passwords"]);
            for name in names {
                if plan.planned.attr(name).is_null() && plan.config.attr(name).is_null() {
                    plan.planned.set_attr(name, Value::Unknown);
                }
            }
        }
        // The digest of what will be applied, when everything is known: a configuration change
        // or a drifted cluster shows as a change of manifest_hash.
        let planned = &mut plan.planned;
        let rendered = if planned.is_wholly_known() {
            objects_of(planned).ok()
        } else {
            None
        };
        let hash = rendered.as_ref().map(|(_, objects)| digest(objects));
        match hash {
            Some(hash) if plan.prior.attr("manifest_hash").as_str() == Some(hash.as_str()) => {
                for name in [
                    "manifest_hash",
                    "service_status",
                    "load_balancer_addresses",
                    "nomad_server_endpoint",
                ] {
                    planned.set_attr(name, plan.prior.attr(name).clone());
                }
            }
            other => {
                planned.set_attr("manifest_hash", other.map(Value::from).unwrap_or(Value::Unknown));
                // Applying changes what the cluster reports.
                for name in ["service_status", "load_balancer_addresses", "nomad_server_endpoint"] {
                    planned.set_attr(name, Value::Unknown);
                }
            }
        }
        // Which objects an update will change, by kind and name.
        if let (false, Some((_, after))) = (plan.prior.is_null(), &rendered)
            && let Ok((_, before)) = objects_of(plan.prior)
        {
            let changes = object_changes(&before, after);
            if !changes.is_empty() {
                plan.diagnostics.push(Diagnostic::warning(
                    "circleciserver_server will change Kubernetes objects",
                    format!("Applying this plan changes: {}.", changes.join(", ")),
                ));
            }
        }
    }

    fn plan_destroy(&self, prior: &Value, diags: &mut Diagnostics) {
        if prior.attr("delete_data").as_bool() == Some(true) {
            return;
        }
        let Ok((spec, objects)) = objects_of(prior) else {
            return;
        };
        let mut kept: Vec<String> = volume_claims(&spec.namespace, &objects)
            .iter()
            .map(|c| format!("PersistentVolumeClaim/{}", c["metadata"]["name"].as_str().unwrap_or("")))
            .collect();
        kept.push(format!("Secret/{INPUTS_SECRET}"));
        kept.push(format!("Namespace/{}", spec.namespace));
        diags.push(Diagnostic::warning(
            "Destroying circleciserver_server keeps its data",
            format!(
                "Destroy will keep {} so a new install in namespace {:?} finds the data and the keysets it was encrypted \
                 with. To delete them too, set delete_data = true and apply before destroying.",
                kept.join(", "),
                spec.namespace
            ),
        ));
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let cluster = cluster(ctx)?;
        let mut state = planned.clone();
        let namespace = state
            .attr("namespace")
            .as_str()
            .unwrap_or(DEFAULT_NAMESPACE)
            .to_string();
        // An earlier install's inputs in the namespace: its generated values are adopted.
        let kept = kept_inputs(cluster, &namespace).await?;
        if kept.is_some() {
            tracing::info!(
                namespace,
                "adopting the generated values of the install kept in {INPUTS_SECRET}"
            );
        }
        fill_generated(&mut state, kept.as_ref());
        let probe = render::render(&spec_from_value(&state)?);
        let existed = cluster.get(&probe[0]).await?.is_some();
        state.set_attr(
            "namespace_created",
            Value::Bool(
                kept.as_ref()
                    .and_then(|k| k["namespace_created"].as_bool())
                    .unwrap_or(!existed),
            ),
        );
        let (spec, objects) = objects_of(&state)?;
        state.set_attr("id", Value::from(spec.namespace.as_str()));
        match converge(ctx, cluster, &spec, &objects, &mut state).await {
            Ok(()) => Ok(state),
            // What was applied is in the cluster: keep it in state, so the next apply resumes.
            Err(d) => Err(Failure::from(d).with_partial_state(state)),
        }
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        if !ctx.data()?.cluster_known() {
            ctx.warn(Diagnostic::warning(
                "circleciserver_server was not refreshed",
                "The provider's kubernetes block refers to values not known until apply, so the install was not read \
                 at plan: the plan compares against the state as it was. Apply reads it again.",
            ));
            return Ok(Some(state.clone()));
        }
        let cluster = cluster(ctx)?;
        let (spec, objects) = objects_of(state)?;
        if cluster.get(&objects[0]).await?.is_none() {
            return Ok(None); // the namespace is gone
        }
        let observed = observe(cluster, &objects).await?;
        if !observed.in_sync {
            tracing::info!(changed = ?observed.missing_or_changed, "objects deleted or changed outside Terraform");
        }
        let mut next = state.clone();
        fill(&mut next, &spec, &observed, &digest(&objects));
        Ok(Some(next))
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        let cluster = cluster(ctx)?;
        let mut state = planned.clone();
        fill_generated(&mut state, None);
        let (spec, objects) = objects_of(&state)?;
        let result = async {
            converge(ctx, cluster, &spec, &objects, &mut state).await?;
            prune(cluster, &spec, &objects).await
        };
        match result.await {
            Ok(()) => Ok(state),
            Err(d) => Err(Failure::from(d).with_partial_state(prior.clone())),
        }
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        let cluster = cluster(ctx)?;
        let (spec, objects) = objects_of(prior)?;
        let delete_data = prior.attr("delete_data").as_bool() == Some(true);
        // State from before the attribute existed: the namespace may hold more than the install.
        let created_namespace = prior.attr("namespace_created").as_bool() == Some(true);
        let namespace = &objects[0];
        if delete_data && created_namespace {
            // Everything, claims included, goes with the namespace.
            cluster.delete(namespace).await?;
            wait_until_gone(ctx, cluster, std::slice::from_ref(namespace)).await?;
            return Ok(());
        }
        let (inputs, made) = objects[1..].split_last().expect("the inputs Secret is always rendered");
        let mut made: Vec<Json> = made.to_vec();
        let claims = volume_claims(&spec.namespace, &objects);
        if delete_data {
            made.extend(claims.iter().cloned());
            made.push(inputs.clone());
        }
        for object in made.iter().rev() {
            cluster.delete(object).await?;
        }
        wait_until_gone(ctx, cluster, &made).await?;
        let mut kept: Vec<String> = Vec::new();
        if !delete_data {
            for claim in &claims {
                if cluster.get(claim).await?.is_some() {
                    kept.push(format!(
                        "PersistentVolumeClaim/{}",
                        claim["metadata"]["name"].as_str().unwrap_or("")
                    ));
                }
            }
            kept.push(format!("Secret/{INPUTS_SECRET}"));
        }
        kept.push(format!("Namespace/{}", spec.namespace));
        let why = if created_namespace {
            "it holds the data stores' volume claims"
        } else {
            "this resource did not make it"
        };
        ctx.warn(Diagnostic::warning(
            "Destroy kept CircleCI Server's data",
            format!(
                "Kept: {} ({why}). A new install in namespace {:?} finds the data, and the keysets it was encrypted with, \
                 again. To delete the data too, set delete_data = true and apply before destroying, or delete them with \
                 kubectl.",
                kept.join(", "),
                spec.namespace
            ),
        ));
        Ok(())
    }

    async fn import(&self, ctx: &Context<D>, id: &str) -> Result<Value, Diagnostics> {
        let cluster = cluster(ctx)?;
        let Some(inputs) = kept_inputs(cluster, id).await? else {
            return Err(Diagnostic::error(
                format!("No CircleCI Server install in namespace {id:?}"),
                format!(
                    "Import reads the Secret {id}/{INPUTS_SECRET} that circleciserver_server writes beside every install; it is \
                     not there. Check the namespace (the import ID is the namespace), or install with Terraform."
                ),
            )
            .into());
        };
        let mut state = circleci_cty::json::from_json(&inputs, &block().value_type()).map_err(|e| {
            Diagnostic::error(
                format!("Secret {id}/{INPUTS_SECRET} does not match this provider's schema"),
                format!("{e}. It was written by another version of the provider; upgrade it, then import again."),
            )
        })?;
        state.set_attr("id", Value::from(id));
        // Read fills in what the cluster reports.
        Ok(state)
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Delete => Duration::from_secs(10 * 60),
            _ => Duration::from_secs(30 * 60),
        }
    }
}
