//! `data "circleciserver_server_manifests"`: every Kubernetes object of a CircleCI Server install,
//! rendered without a cluster, to review or to apply with other tools.

use async_trait::async_trait;
use circleci_cty::{Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, DataSource, Diagnostics};

use crate::KubernetesData;
use crate::spec::{generated_attributes, spec_attributes, spec_from_value, validate_spec};

pub struct ServerManifests;

fn block() -> Block {
    generated_attributes(
        spec_attributes(Block::new(
            "Renders every Kubernetes object of a CircleCI Server install (namespace, secrets, config maps, workloads, \
             services and the five load balancers) without a cluster.",
        )),
        false,
    )
    .attribute(
        Attribute::computed(
            "manifests",
            Type::list(Type::String),
            "One JSON document per object, in apply order (holds secrets).",
        )
        .sensitive(),
    )
    .attribute(Attribute::computed(
        "objects",
        Type::list(Type::String),
        "`Kind/name` of every object, in apply order.",
    ))
}

#[async_trait]
impl<D: KubernetesData> DataSource<D> for ServerManifests {
    fn type_name(&self) -> &'static str {
        "circleciserver_server_manifests"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_spec(config, diags);
    }

    async fn read(&self, _ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics> {
        let spec = spec_from_value(config)?;
        let objects = circleci_server::render::render(&spec);
        // The framework has applied the schema's defaults to `config`.
        let mut state = config.clone();
        state.set_attr(
            "manifests",
            Value::List(objects.iter().map(|o| Value::from(o.to_string())).collect()),
        );
        state.set_attr(
            "objects",
            Value::List(
                objects
                    .iter()
                    .map(|o| {
                        Value::from(format!(
                            "{}/{}",
                            o["kind"].as_str().unwrap_or(""),
                            o["metadata"]["name"].as_str().unwrap_or("")
                        ))
                    })
                    .collect(),
            ),
        );
        Ok(state)
    }
}
