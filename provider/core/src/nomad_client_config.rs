//! `data "circleciserver_nomad_client_config"`: the start-up script and client configuration of a
//! Nomad client, for users who run the clients in autoscaling groups of their own. The
//! `circleciserver_nomad_client_group` resources render the same script.

use async_trait::async_trait;
use circleci_cty::{Type, Value};
use circleci_nomad::Cloud;
use circleci_nomad::client::{client_attributes, settings_from, validate_client};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, DataSource, Diagnostic, Diagnostics, validators};

pub struct NomadClientConfig;

fn block() -> Block {
    let clouds: Vec<&str> = Cloud::ALL.iter().map(|c| c.block_name()).collect();
    client_attributes(Block::new(
        "Renders the start-up script (cloud-init user data) and configuration of a Nomad client for CircleCI Server.",
    ))
    .attribute(
        Attribute::optional("cloud", Type::String, "Where the clients run: `aws` or `gcp`.")
            .default(Value::from(Cloud::Aws.block_name()))
            .validate(validators::one_of(&clouds)),
    )
    .attribute(
        Attribute::computed(
            "startup_script",
            Type::String,
            "The start-up script; holds the client key.",
        )
        .sensitive(),
    )
    .attribute(Attribute::computed(
        "client_hcl",
        Type::String,
        "The Nomad client configuration.",
    ))
}

#[async_trait]
impl<D: Send + Sync + 'static> DataSource<D> for NomadClientConfig {
    fn type_name(&self) -> &'static str {
        "circleciserver_nomad_client_config"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_client(config, diags);
    }

    /// `config` arrives with the schema's defaults applied by the framework.
    async fn read(&self, _ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics> {
        let cloud = config
            .attr("cloud")
            .as_str()
            .and_then(Cloud::from_block_name)
            .unwrap_or(Cloud::Aws);
        let settings = settings_from(config, cloud)
            .ok_or_else(|| Diagnostic::error("Unknown input", "All inputs must be known to render the script."))?;
        let mut state = config.clone();
        state.set_attr("startup_script", Value::from(settings.script()));
        state.set_attr("client_hcl", Value::from(settings.client_hcl()));
        Ok(state)
    }
}
