//! `data "circleci_nomad_client_config"`: the start-up script and client configuration of a
//! Nomad client, for users who run the clients in autoscaling groups of their own. The
//! `circleci_nomad_client_group` resources render the same script.

use async_trait::async_trait;
use circleci_cty::{Type, Value};
use circleci_nomad::client::{client_attributes, settings_from, validate_client};
use circleci_nomad::startup;
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, DataSource, Diagnostic, Diagnostics, validators};

use crate::ProviderData;

pub struct NomadClientConfig;

impl NomadClientConfig {
    fn block() -> Block {
        client_attributes(Block::new(
            "Renders the start-up script (cloud-init user data) and configuration of a Nomad client for CircleCI Server.",
        ))
        .attribute(
            Attribute::optional("cloud", Type::String, "Where the clients run: `aws` or `gcp`.")
                .validate(validators::one_of(&["aws", "gcp"])),
        )
        .attribute(
            Attribute::computed("startup_script", Type::String, "The start-up script; holds the client key.").sensitive(),
        )
        .attribute(Attribute::computed("client_hcl", Type::String, "The Nomad client configuration."))
    }
}

#[async_trait]
impl DataSource<ProviderData> for NomadClientConfig {
    fn type_name(&self) -> &'static str {
        "circleci_nomad_client_config"
    }

    fn schema(&self) -> Schema {
        Schema::new(Self::block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_client(config, diags);
    }

    async fn read(&self, _ctx: &Context<ProviderData>, config: &Value) -> Result<Value, Diagnostics> {
        let cloud = config.attr("cloud").as_str().unwrap_or("aws").to_string();
        let settings = settings_from(config, &cloud)
            .ok_or_else(|| Diagnostic::error("Unknown input", "All inputs must be known to render the script."))?;
        let mut state = config.clone();
        for (name, default) in [
            ("nomad_version", startup::DEFAULT_NOMAD_VERSION),
            ("docker_network_cidr", startup::DEFAULT_DOCKER_NETWORK_CIDR),
            ("node_class", startup::DEFAULT_NODE_CLASS),
        ] {
            if state.attr(name).is_null() {
                state.set_attr(name, Value::from(default));
            }
        }
        state.set_attr("startup_script", Value::from(settings.script()));
        state.set_attr("client_hcl", Value::from(settings.client_hcl()));
        Ok(state)
    }
}
