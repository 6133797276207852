//! The framework through the tfplugin6 service interface, with a small provider made for the
//! test: schema versions and upgrades, environment fallbacks, nested blocks, deprecation,
//! timeouts, partial state on failure, and unknowns at plan time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use circleci_cty::{Type, Value, msgpack};
use circleci_tfplugin::proto::tfplugin6 as pb;
use circleci_tfplugin::proto::tfplugin6::provider_server::Provider as _;
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use circleci_tfplugin::{
    Context, DataSource, Diagnostic, Diagnostics, Failure, Operation, Provider, ProviderService, Resource,
    timeouts_block, validators,
};
use tonic::Request;

struct TestProvider {
    seen_config: Arc<Mutex<Option<Value>>>,
}

struct Widget;

fn widget_block() -> Block {
    Block::new("A widget.")
        .attribute(Attribute::required(
            "title",
            Type::String,
            "Renamed from `name` in version 1.",
        ))
        .attribute(Attribute::optional("color", Type::String, "").deprecated("Use `paint` instead."))
        .attribute(Attribute::optional("fail_after_create", Type::Bool, ""))
        .attribute(Attribute::computed("id", Type::String, "").use_state_for_unknown())
        .block(NestedBlock::list(
            "port",
            Block::new("")
                .attribute(Attribute::required("number", Type::Number, "").validate(validators::int_between(1, 65535))),
        ))
        .block(NestedBlock::set(
            "label",
            Block::new("").attribute(Attribute::required("key", Type::String, "")),
        ))
        .block(timeouts_block(&[Operation::Create]))
}

#[async_trait]
impl Resource<String> for Widget {
    fn type_name(&self) -> &'static str {
        "test_widget"
    }
    fn schema(&self) -> Schema {
        Schema::new(widget_block()).version(1)
    }
    fn upgrade_state(&self, from: i64, mut state: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        assert_eq!(from, 0);
        let name = state["name"].take();
        state["title"] = name;
        Ok(state)
    }
    async fn create(&self, ctx: &Context<String>, planned: &Value) -> Result<Value, Failure> {
        let mut state = planned.clone();
        state.set_attr("id", Value::from(format!("{}-1", ctx.data()?)));
        if planned.attr("fail_after_create").as_bool() == Some(true) {
            // Created, then failed: the framework must keep what exists in state, and save what
            // was still undecided (here `color`) as null rather than unknown.
            state.set_attr("color", Value::Unknown);
            return Err(Failure::from(Diagnostic::error("later step failed", "")).with_partial_state(state));
        }
        if ctx.timeout() < Duration::from_secs(1) {
            // Exercise the waiter with the configured (tiny) timeout.
            ctx.wait_for("a widget that never comes", Duration::from_millis(10), || async {
                Ok::<Option<()>, Diagnostic>(None)
            })
            .await?;
        }
        Ok(state)
    }
    async fn read(&self, _: &Context<String>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        Ok(Some(state.clone()))
    }
    async fn update(&self, _: &Context<String>, _: &Value, planned: &Value) -> Result<Value, Failure> {
        Ok(planned.clone())
    }
    async fn delete(&self, _: &Context<String>, _: &Value) -> Result<(), Failure> {
        Ok(())
    }
}

#[async_trait]
impl Provider for TestProvider {
    type Data = String;
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("")
                .attribute(Attribute::optional("region", Type::String, "").env(&["TEST_FRAMEWORK_REGION"]))
                .block(NestedBlock::single(
                    "auth",
                    Block::new("").attribute(
                        Attribute::optional("token", Type::String, "")
                            .sensitive()
                            .env(&["TEST_FRAMEWORK_TOKEN"]),
                    ),
                )),
        )
    }
    async fn configure(&self, config: &Value, _: &str) -> Result<String, Diagnostics> {
        *self.seen_config.lock().unwrap() = Some(config.clone());
        Ok(config.attr("region").as_str().unwrap_or("none").to_string())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<String>>> {
        vec![Arc::new(Widget)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<String>>> {
        vec![]
    }
}

fn dv(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap(),
        json: vec![],
    })
}

fn widget(title: &str, extra: &[(&str, Value)]) -> Value {
    let mut v = Value::object([
        ("title", Value::from(title)),
        ("color", Value::Null),
        ("fail_after_create", Value::Null),
        ("id", Value::Null),
        ("port", Value::List(vec![])),
        ("label", Value::Set(vec![])),
        ("timeouts", Value::Null),
    ]);
    for (k, val) in extra {
        v.set_attr(k, val.clone());
    }
    v
}

fn service() -> (ProviderService<TestProvider>, Arc<Mutex<Option<Value>>>) {
    let seen = Arc::new(Mutex::new(None));
    (
        ProviderService::new(TestProvider {
            seen_config: seen.clone(),
        }),
        seen,
    )
}

#[tokio::test]
async fn env_fallbacks_fill_top_level_and_nested_single_blocks() {
    let (svc, seen) = service();
    // SAFETY: this test binary's only test that touches these variables.
    unsafe {
        std::env::set_var("TEST_FRAMEWORK_REGION", "eu-west-1");
        std::env::set_var("TEST_FRAMEWORK_TOKEN", "s3cret");
    }
    let ty = TestProvider {
        seen_config: seen.clone(),
    }
    .schema()
    .block
    .value_type();
    let config = Value::object([("region", Value::Null), ("auth", Value::Null)]);
    let resp = svc
        .configure_provider(Request::new(pb::configure_provider::Request {
            terraform_version: "1.0.3".into(),
            config: dv(&config, &ty),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty());
    let seen = seen.lock().unwrap().clone().unwrap();
    assert_eq!(seen.attr("region"), &Value::from("eu-west-1"));
    assert_eq!(seen.attr("auth").attr("token"), &Value::from("s3cret"));
}

#[tokio::test]
async fn schema_version_upgrade_runs_the_resource_hook() {
    let (svc, _) = service();
    let resp = svc
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_widget".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"old","id":"x-1"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let state = msgpack::decode(&resp.upgraded_state.unwrap().msgpack, &widget_block().value_type()).unwrap();
    assert_eq!(state.attr("title"), &Value::from("old"));
    assert_eq!(state.attr("id"), &Value::from("x-1"));
}

#[tokio::test]
async fn validation_paths_deprecation_and_nested_blocks() {
    let (svc, _) = service();
    let ty = widget_block().value_type();
    let config = widget(
        "t",
        &[
            ("color", Value::from("red")),
            (
                "port",
                Value::List(vec![
                    Value::object([("number", Value::int(80))]),
                    Value::object([("number", Value::int(70000))]),
                ]),
            ),
            ("timeouts", Value::object([("create", Value::from("5 minutes"))])),
        ],
    );
    let resp = svc
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "test_widget".into(),
            config: dv(&config, &ty),
        }))
        .await
        .unwrap()
        .into_inner();
    let summaries: Vec<_> = resp.diagnostics.iter().map(|d| d.summary.as_str()).collect();
    assert!(summaries.contains(&"color is deprecated"), "{summaries:?}");
    assert!(summaries.contains(&"Invalid value for port[1].number"), "{summaries:?}");
    assert!(
        summaries.contains(&"Invalid duration in timeouts.create"),
        "{summaries:?}"
    );
    let port = resp.diagnostics.iter().find(|d| d.summary.contains("port[1]")).unwrap();
    assert_eq!(
        port.attribute.as_ref().unwrap().steps.len(),
        3,
        "path is port -> [1] -> number"
    );
}

#[tokio::test]
async fn unknown_config_plans_as_unknown() {
    let (svc, _) = service();
    let ty = widget_block().value_type();
    let config = widget("t", &[("port", Value::Unknown), ("label", Value::Unknown)]);
    let resp = svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_widget".into(),
            prior_state: dv(&Value::Null, &ty),
            proposed_new_state: dv(&config, &ty),
            config: dv(&config, &ty),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let planned = msgpack::decode(&resp.planned_state.unwrap().msgpack, &ty).unwrap();
    assert!(planned.attr("port").is_unknown());
    assert!(planned.attr("id").is_unknown());
}

async fn apply_create(svc: &ProviderService<TestProvider>, planned: &Value) -> pb::apply_resource_change::Response {
    let ty = widget_block().value_type();
    svc.configure_provider(Request::new(pb::configure_provider::Request {
        terraform_version: "1.0.3".into(),
        config: dv(
            &Value::object([("region", Value::from("r")), ("auth", Value::Null)]),
            &TestProvider {
                seen_config: Default::default(),
            }
            .schema()
            .block
            .value_type(),
        ),
    }))
    .await
    .unwrap();
    svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
        type_name: "test_widget".into(),
        prior_state: dv(&Value::Null, &ty),
        planned_state: dv(planned, &ty),
        config: dv(planned, &ty),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
}

#[tokio::test]
async fn failure_after_create_keeps_partial_state() {
    let (svc, _) = service();
    let ty = widget_block().value_type();
    let resp = apply_create(
        &svc,
        &widget("t", &[("fail_after_create", Value::Bool(true)), ("id", Value::Unknown)]),
    )
    .await;
    assert_eq!(resp.diagnostics[0].summary, "later step failed");
    let state = msgpack::decode(&resp.new_state.unwrap().msgpack, &ty).unwrap();
    assert_eq!(state.attr("id"), &Value::from("r-1"), "what was created stays in state");
    assert!(state.is_wholly_known(), "no unknowns in saved state");
}

#[tokio::test]
async fn timeouts_block_limits_waits() {
    let (svc, _) = service();
    let resp = apply_create(
        &svc,
        &widget(
            "t",
            &[
                ("id", Value::Unknown),
                ("timeouts", Value::object([("create", Value::from("0s"))])),
            ],
        ),
    )
    .await;
    assert!(
        resp.diagnostics[0]
            .summary
            .starts_with("Timed out waiting for a widget"),
        "{:?}",
        resp.diagnostics
    );
    assert!(resp.diagnostics[0].detail.contains("timeouts.create"));
}
