//! `circleci_server`: installs CircleCI Server 3.x into Kubernetes, upgrades it and removes it.
//!
//! It renders the objects of every service (see `circleci_server::render`), applies them with
//! server-side apply under its own field manager, waits for every workload to be ready and for
//! the load balancers to get addresses, and reports them. Updates apply only the objects that
//! differ from the cluster and prune objects it no longer renders; destroy removes the
//! namespace. Read notices objects deleted or changed by hand and plans to put them back.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use circleci_cty::{Type, Value};
use circleci_server::render::{self, ServerSpec};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Operation, Plan, Resource, timeouts_block};
use serde_json::Value as Json;

use crate::KubernetesData;
use crate::cluster::{Cluster, contains};
use crate::spec::{spec_attributes, spec_from_value, validate_spec};

pub struct ServerInstall;

fn block() -> Block {
    spec_attributes(Block::new(
        "CircleCI Server 3.x installed into Kubernetes: every service's objects, applied with server-side apply, waited for, \
         and kept in line with the configuration.",
    ))
    .attribute(
        Attribute::optional_computed("signing_keyset", Type::String, "Artifact signing keyset; generated when left out.")
            .sensitive()
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::optional_computed("encryption_keyset", Type::String, "Encryption keyset; generated when left out.")
            .sensitive()
            .use_state_for_unknown(),
    )
    .block(timeouts_block(&[Operation::Create, Operation::Update, Operation::Delete]))
    .attribute(Attribute::computed("id", Type::String, "The namespace.").use_state_for_unknown())
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

fn keyset() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn spec_of(value: &Value) -> Result<ServerSpec, Diagnostic> {
    let mut spec = spec_from_value(value)?;
    spec.signing_keyset = value.attr("signing_keyset").as_str().map(str::to_string);
    spec.encryption_keyset = value.attr("encryption_keyset").as_str().map(str::to_string);
    Ok(spec)
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
    state.set_attr("load_balancer_addresses", Value::Map(observed.addresses.clone()));
    let nomad = observed
        .addresses
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
    let observed = ctx
        .wait_for(
            "CircleCI Server's services to be ready and its load balancers to get addresses",
            Duration::from_millis(500),
            || async {
                let observed = observe(cluster, objects).await?;
                let not_ready: Vec<&String> = observed
                    .status
                    .iter()
                    .filter(|(_, v)| v.as_str() != Some("ready"))
                    .map(|(k, _)| k)
                    .collect();
                let waiting_lb = observed.addresses.values().any(Value::is_null);
                if not_ready.is_empty() && !waiting_lb {
                    Ok(Some(observed))
                } else {
                    tracing::debug!(?not_ready, waiting_lb, "rollout in progress");
                    Ok(None)
                }
            },
        )
        .await?;
    fill(state, spec, &observed, &hash);
    Ok(())
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
        "circleci_server"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_spec(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        // The digest of what will be applied, when everything is known: a configuration change
        // or a drifted cluster shows as a change of manifest_hash.
        let planned = &mut plan.planned;
        let hash = if planned.is_wholly_known() {
            spec_of(planned).ok().map(|s| digest(&render::render(&s)))
        } else {
            None
        };
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
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let cluster = cluster(ctx)?;
        let mut state = planned.clone();
        for name in ["signing_keyset", "encryption_keyset"] {
            if state.attr(name).is_unknown() || state.attr(name).is_null() {
                state.set_attr(name, Value::from(keyset()));
            }
        }
        let spec = spec_of(&state)?;
        let objects = render::render(&spec);
        state.set_attr("id", Value::from(spec.namespace.as_str()));
        match converge(ctx, cluster, &spec, &objects, &mut state).await {
            Ok(()) => Ok(state),
            // What was applied is in the cluster: keep it in state, so the next apply resumes.
            Err(d) => Err(Failure::from(d).with_partial_state(state)),
        }
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let cluster = cluster(ctx)?;
        let spec = spec_of(state)?;
        let objects = render::render(&spec);
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
        let spec = spec_of(&state)?;
        let objects = render::render(&spec);
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
        let spec = spec_of(prior)?;
        let objects = render::render(&spec);
        cluster.delete(&objects[0]).await?;
        ctx.wait_for(
            &format!("namespace {} to be deleted", spec.namespace),
            Duration::from_secs(2),
            || async { Ok(cluster.get(&objects[0]).await?.is_none().then_some(())) },
        )
        .await?;
        Ok(())
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Delete => Duration::from_secs(10 * 60),
            _ => Duration::from_secs(30 * 60),
        }
    }
}
