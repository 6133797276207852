//! A stand-in for CircleCI-Public/circleci (contexts, environment variables: the provider
//! CircleCI Server admins point at their server), which cannot be installed here. It serves
//! the same type names under the same default local name `circleci`, so a test can prove that
//! it and this project's `circleciserver` live in one root module without `provider = ...`.
//! Its resources keep what they are given (there is no CircleCI API behind them).

use std::sync::Arc;

use async_trait::async_trait;
use circleci_cty::{Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, DataSource, Diagnostics, Failure, Provider, Resource};

struct StandIn;

/// A resource whose state is its configuration plus an `id` made from `name`.
struct Kept {
    type_name: &'static str,
    block: fn() -> Block,
}

#[async_trait]
impl Resource<()> for Kept {
    fn type_name(&self) -> &'static str {
        self.type_name
    }
    fn schema(&self) -> Schema {
        Schema::new((self.block)().attribute(Attribute::computed("id", Type::String, "").use_state_for_unknown()))
    }
    async fn create(&self, _: &Context<()>, planned: &Value) -> Result<Value, Failure> {
        let mut state = planned.clone();
        let name = planned.attr("name").as_str().unwrap_or_default().to_string();
        state.set_attr("id", Value::from(format!("{}/{name}", self.type_name)));
        Ok(state)
    }
    async fn read(&self, _: &Context<()>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        Ok(Some(state.clone()))
    }
    async fn update(&self, _: &Context<()>, _: &Value, planned: &Value) -> Result<Value, Failure> {
        Ok(planned.clone())
    }
    async fn delete(&self, _: &Context<()>, _: &Value) -> Result<(), Failure> {
        Ok(())
    }
}

fn context_block() -> Block {
    Block::new("A CircleCI context.")
        .attribute(Attribute::required("name", Type::String, ""))
        .attribute(Attribute::optional("organization", Type::String, ""))
}

fn environment_variable_block() -> Block {
    Block::new("A project environment variable.")
        .attribute(Attribute::required("name", Type::String, ""))
        .attribute(Attribute::required("value", Type::String, "").sensitive())
        .attribute(Attribute::required("project", Type::String, ""))
        .attribute(Attribute::optional("organization", Type::String, ""))
}

#[async_trait]
impl Provider for StandIn {
    type Data = ();
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("")
                .attribute(Attribute::optional("api_token", Type::String, "").sensitive())
                .attribute(Attribute::optional("vcs_type", Type::String, ""))
                .attribute(Attribute::optional("organization", Type::String, ""))
                .attribute(Attribute::optional("url", Type::String, "")),
        )
    }
    async fn configure(&self, _: &Value, _: &str) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        vec![
            Arc::new(Kept {
                type_name: "circleci_context",
                block: context_block,
            }),
            Arc::new(Kept {
                type_name: "circleci_environment_variable",
                block: environment_variable_block,
            }),
        ]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
        vec![]
    }
}

fn main() {
    circleci_tfplugin::plugin::main(StandIn)
}
