//! `data "circleciserver_server_status"`: per service, ready or not; for each service that is not
//! ready, a warning with what the CircleCI Server overview says fails while it is down.

use async_trait::async_trait;
use circleci_cty::{Type, Value};
use circleci_server::render::FIELD_MANAGER;
use circleci_server::services;
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, DataSource, Diagnostic, Diagnostics};

use circleci_core::DEFAULT_NAMESPACE;

use crate::KubernetesData;

pub struct ServerStatus;

#[async_trait]
impl<D: KubernetesData> DataSource<D> for ServerStatus {
    fn type_name(&self) -> &'static str {
        "circleciserver_server_status"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("The readiness of each CircleCI Server service, with what breaks while a service is down.")
                .attribute(
                    Attribute::optional("namespace", Type::String, "Namespace of the install.")
                        .default(Value::from(DEFAULT_NAMESPACE)),
                )
                .attribute(Attribute::computed(
                    "services",
                    Type::map(Type::String),
                    "`ready` or `not ready`, per service.",
                ))
                .attribute(Attribute::computed(
                    "all_ready",
                    Type::Bool,
                    "Whether every service is ready.",
                )),
        )
    }

    async fn read(&self, ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics> {
        let cluster = ctx.data()?.cluster()?;
        let namespace = config
            .attr("namespace")
            .as_str()
            .unwrap_or(DEFAULT_NAMESPACE)
            .to_string();
        let mut workloads = cluster.list_managed("apps/v1", "Deployment", &namespace).await?;
        workloads.extend(cluster.list_managed("apps/v1", "StatefulSet", &namespace).await?);
        let mut statuses = std::collections::BTreeMap::new();
        for live in &workloads {
            let name = live["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let want = live["spec"]["replicas"].as_i64().unwrap_or(1);
            let ready = live["status"]["readyReplicas"].as_i64().unwrap_or(0) >= want;
            if !ready {
                let consequence = services::find(&name)
                    .map(|s| s.when_down)
                    .unwrap_or("its part of CircleCI Server is unavailable");
                ctx.warn(Diagnostic::warning(
                    format!("{name} is not ready"),
                    format!("{name} is not ready: {consequence}. Inspect it with `kubectl -n {namespace} describe` and its logs."),
                ));
            }
            statuses.insert(name, Value::from(if ready { "ready" } else { "not ready" }));
        }
        if workloads.is_empty() {
            ctx.warn(Diagnostic::warning(
                "No CircleCI Server services found",
                format!(
                    "Namespace {namespace} holds no workloads labelled app.kubernetes.io/managed-by={FIELD_MANAGER}."
                ),
            ));
        }
        let mut state = config.clone();
        state.set_attr("namespace", Value::from(namespace.as_str()));
        state.set_attr(
            "all_ready",
            Value::Bool(statuses.values().all(|v| v.as_str() == Some("ready")) && !statuses.is_empty()),
        );
        state.set_attr("services", Value::Map(statuses));
        Ok(state)
    }
}
