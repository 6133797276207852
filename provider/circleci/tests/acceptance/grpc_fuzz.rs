//! The gRPC surface under hostile input: arbitrary DynamicValues (random bytes, and msgpack or
//! JSON trees built from the schema's own attribute names so decoding gets deep), raw states and
//! private data sent to every RPC for every resource and data source type. Every call must get
//! an answer (a diagnostic, never a transport error from a crashed handler) and the process must
//! stay up. `FUZZ_CASES` sets how many cases run (CI runs the default, a bounded time).

use std::path::Path;
use std::time::Duration;

use acceptance_tests::plugin_client;
use circleci_tfplugin::proto::plugin::Empty;
use circleci_tfplugin::proto::tfplugin6 as pb;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// A msgpack (or JSON) value; `Raw` is bytes spliced in as they are, usually invalid.
#[derive(Debug, Clone)]
enum Tree {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Tree>),
    Map(Vec<(String, Tree)>),
    /// cty's msgpack marker for an unknown value.
    Unknown,
    Raw(Vec<u8>),
}

fn msgpack(tree: &Tree, out: &mut Vec<u8>) {
    match tree {
        Tree::Nil => out.push(0xc0),
        Tree::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Tree::Int(i) => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
        Tree::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Tree::Str(s) => {
            out.push(0xdb);
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        Tree::Array(items) => {
            out.push(0xdd);
            out.extend_from_slice(&(items.len() as u32).to_be_bytes());
            items.iter().for_each(|i| msgpack(i, out));
        }
        Tree::Map(entries) => {
            out.push(0xdf);
            out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
            for (k, v) in entries {
                msgpack(&Tree::Str(k.clone()), out);
                msgpack(v, out);
            }
        }
        Tree::Unknown => out.extend_from_slice(&[0xd4, 0x00, 0x00]),
        Tree::Raw(bytes) => out.extend_from_slice(bytes),
    }
}

fn json(tree: &Tree) -> serde_json::Value {
    match tree {
        Tree::Nil | Tree::Unknown | Tree::Raw(_) => serde_json::Value::Null,
        Tree::Bool(b) => (*b).into(),
        Tree::Int(i) => (*i).into(),
        Tree::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
        Tree::Str(s) => s.clone().into(),
        Tree::Array(items) => items.iter().map(json).collect(),
        Tree::Map(entries) => entries.iter().map(|(k, v)| (k.clone(), json(v))).collect(),
    }
}

fn tree(names: Vec<String>) -> impl Strategy<Value = Tree> {
    let words = prop::sample::select(names);
    let leaf = prop_oneof![
        Just(Tree::Nil),
        Just(Tree::Unknown),
        any::<bool>().prop_map(Tree::Bool),
        any::<i64>().prop_map(Tree::Int),
        any::<f64>().prop_map(Tree::Float),
        words.clone().prop_map(Tree::Str),
        ".{0,12}".prop_map(Tree::Str),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(Tree::Raw),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::Array),
            prop::collection::vec((prop_oneof![words.clone(), ".{0,8}"], inner), 0..10).prop_map(Tree::Map),
        ]
    })
}

/// A DynamicValue: msgpack of a tree, its JSON, random bytes, or absent.
fn dynamic_value(names: Vec<String>) -> impl Strategy<Value = Option<pb::DynamicValue>> {
    prop_oneof![
        tree(names.clone()).prop_map(|t| {
            let mut bytes = Vec::new();
            msgpack(&t, &mut bytes);
            Some(pb::DynamicValue {
                msgpack: bytes,
                json: vec![],
            })
        }),
        tree(names).prop_map(|t| Some(pb::DynamicValue {
            msgpack: vec![],
            json: serde_json::to_vec(&json(&t)).unwrap(),
        })),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| Some(pb::DynamicValue {
            msgpack: b,
            json: vec![]
        })),
        Just(None),
    ]
}

/// One RPC with its inputs.
#[derive(Debug, Clone)]
struct Call {
    rpc: u8,
    type_name: String,
    values: [Option<pb::DynamicValue>; 4],
    private: Vec<u8>,
    raw_state: Vec<u8>,
    version: i64,
    id: String,
}

fn call(types: Vec<String>, names: Vec<String>) -> impl Strategy<Value = Call> {
    (
        0u8..12,
        prop::sample::select(types),
        [
            dynamic_value(names.clone()),
            dynamic_value(names.clone()),
            dynamic_value(names.clone()),
            dynamic_value(names.clone()),
        ],
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..32),
            Just(br#"{"schema_version":"1"}"#.to_vec())
        ],
        prop_oneof![
            tree(names).prop_map(|t| serde_json::to_vec(&json(&t)).unwrap()),
            prop::collection::vec(any::<u8>(), 0..32),
        ],
        prop_oneof![Just(0i64), any::<i64>()],
        prop_oneof![
            ".{0,40}",
            Just("circleci-server".to_string()),
            Just("projects/p/global/images/x".to_string())
        ],
    )
        .prop_map(|(rpc, type_name, values, private, raw_state, version, id)| Call {
            rpc,
            type_name,
            values,
            private,
            raw_state,
            version,
            id,
        })
}

/// Sends `call`; an `Err` is a transport error: the provider did not answer.
async fn send(
    client: &mut pb::provider_client::ProviderClient<tonic::transport::Channel>,
    call: Call,
) -> Result<(), tonic::Status> {
    let [a, b, c, d] = call.values;
    let t = call.type_name;
    match call.rpc {
        0 => client
            .validate_provider_config(pb::validate_provider_config::Request { config: a })
            .await
            .map(drop),
        1 => client
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: t,
                config: a,
            })
            .await
            .map(drop),
        2 => client
            .validate_data_resource_config(pb::validate_data_resource_config::Request {
                type_name: t,
                config: a,
            })
            .await
            .map(drop),
        3 => client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: t,
                version: call.version,
                raw_state: Some(pb::RawState {
                    json: call.raw_state,
                    flatmap: Default::default(),
                }),
            })
            .await
            .map(drop),
        4 => client
            .read_resource(pb::read_resource::Request {
                type_name: t,
                current_state: a,
                private: call.private,
                provider_meta: b,
            })
            .await
            .map(drop),
        5 => client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: t,
                prior_state: a,
                proposed_new_state: b,
                config: c,
                prior_private: call.private,
                provider_meta: d,
            })
            .await
            .map(drop),
        6 => client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: t,
                prior_state: a,
                planned_state: b,
                config: c,
                planned_private: call.private,
                provider_meta: d,
            })
            .await
            .map(drop),
        7 => client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: t,
                id: call.id,
            })
            .await
            .map(drop),
        8 => client
            .read_data_source(pb::read_data_source::Request {
                type_name: t,
                config: a,
                provider_meta: b,
            })
            .await
            .map(drop),
        9 => client
            .move_resource_state(pb::move_resource_state::Request {
                source_provider_address: "registry.terraform.io/hashicorp/aws".into(),
                source_type_name: t.clone(),
                source_schema_version: call.version,
                source_state: Some(pb::RawState {
                    json: call.raw_state,
                    flatmap: Default::default(),
                }),
                target_type_name: t,
                source_private: call.private,
            })
            .await
            .map(drop),
        10 => client
            .call_function(pb::call_function::Request {
                name: t,
                arguments: [a, b].into_iter().flatten().collect(),
            })
            .await
            .map(drop),
        _ => client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.0.3".into(),
                // Only values that cannot configure a working provider: a fuzzed endpoint
                // must never send traffic anywhere.
                config: a.filter(|v| v.msgpack.first() != Some(&0xdf) && v.json.first() != Some(&b'{')),
            })
            .await
            .map(drop),
    }
}

#[test]
fn every_rpc_answers_garbage_with_diagnostics_and_the_process_stays_up() {
    let provider = Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleciserver"));
    // Should anything get past decoding, it meets closed local ports, not a cloud.
    let mut plugin = plugin_client::launch(
        provider,
        None,
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "fuzz"),
            ("AWS_SECRET_ACCESS_KEY", "fuzz"),
            ("AWS_REGION", "eu-west-1"),
            ("KUBECONFIG", "/nonexistent"),
        ],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let channel = rt.block_on(plugin_client::connect(&plugin.handshake, None)).unwrap();
    let mut client = plugin_client::provider_client(channel.clone());

    // The types and attribute names to build inputs from, from the provider's own schema.
    let schema = rt
        .block_on(client.get_provider_schema(pb::get_provider_schema::Request {}))
        .unwrap()
        .into_inner();
    let mut types: Vec<String> = schema
        .resource_schemas
        .keys()
        .chain(schema.data_source_schemas.keys())
        .cloned()
        .collect();
    types.push("circleciserver_nothing".into());
    types.sort();
    let mut names = vec![
        "aws".to_string(),
        "gcp".to_string(),
        "id".to_string(),
        "timeouts".to_string(),
    ];
    fn collect(block: &pb::schema::Block, names: &mut Vec<String>) {
        names.extend(block.attributes.iter().map(|a| a.name.clone()));
        for nested in &block.block_types {
            names.push(nested.type_name.clone());
            if let Some(b) = &nested.block {
                collect(b, names);
            }
        }
    }
    for s in schema
        .resource_schemas
        .values()
        .chain(schema.data_source_schemas.values())
    {
        collect(s.block.as_ref().unwrap(), &mut names);
    }
    names.sort();
    names.dedup();

    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&call(types, names), |call| {
        let answer =
            rt.block_on(async { tokio::time::timeout(Duration::from_secs(30), send(&mut client.clone(), call)).await });
        prop_assert!(answer.is_ok(), "the provider did not answer within 30 s");
        prop_assert!(
            answer.unwrap().is_ok(),
            "the provider failed the call instead of answering"
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        plugin.child.try_wait().unwrap().is_none(),
        "the provider is still running"
    );
    rt.block_on(plugin_client::controller_client(channel).shutdown(Empty {}))
        .unwrap();
    assert!(plugin_client::wait_exit(&mut plugin.child, Duration::from_secs(5)).is_some_and(|s| s.success()));
}
