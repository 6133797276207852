//! The go-plugin handshake and tfplugin6 server, exercised from outside the process the way
//! Terraform does it, plus the log and diagnostics behaviour seen through Terraform itself.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use acceptance_tests::plugin_client::{self, ClientIdentity};
use acceptance_tests::{Workdir, for_each_terraform, provider_block};
use circleci_tfplugin::proto::plugin::Empty;
use circleci_tfplugin::proto::tfplugin6 as pb;

fn provider() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleciserver"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn run_by_hand_explains_and_fails() {
    let out = Command::new(provider())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout when run by hand");
}

#[test]
fn refuses_protocol_5_only() {
    let out = Command::new(provider())
        .env("TF_PLUGIN_MAGIC_COOKIE", circleci_tfplugin::plugin::MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("speaks only 6"));
}

#[test]
fn mtls_admits_terraform_and_refuses_a_stranger() {
    let terraform = ClientIdentity::generate();
    let stranger = ClientIdentity::generate();
    let mut plugin = plugin_client::launch(provider(), Some(&terraform), &[]);
    assert_eq!(plugin.handshake.core_version, "1");
    assert_eq!(plugin.handshake.protocol_version, "6");
    assert_eq!(plugin.handshake.network, "tcp");
    assert!(plugin.handshake.addr.starts_with("127.0.0.1:"));
    assert!(
        plugin.handshake.server_cert_der.is_some(),
        "AutoMTLS: the handshake carries the server certificate"
    );

    runtime().block_on(async {
        // A client with another certificate (same algorithm, same shape) gets nothing.
        let refused = match plugin_client::connect(&plugin.handshake, Some(&stranger)).await {
            Err(_) => true,
            Ok(channel) => plugin_client::provider_client(channel)
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .is_err(),
        };
        assert!(refused, "a client with an unknown certificate must be refused");

        // Terraform's own certificate works, after the stranger's failed attempt.
        let channel = plugin_client::connect(&plugin.handshake, Some(&terraform))
            .await
            .expect("connect");
        let schema = plugin_client::provider_client(channel.clone())
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("schema")
            .into_inner();
        let tls = &schema.resource_schemas["circleciserver_nomad_tls"];
        let block = tls.block.as_ref().unwrap();
        let key = block.attributes.iter().find(|a| a.name == "server_key_pem").unwrap();
        assert!(key.sensitive && key.computed && !key.optional);
        assert!(schema.server_capabilities.unwrap().get_provider_schema_optional);

        plugin_client::controller_client(channel)
            .shutdown(Empty {})
            .await
            .expect("shutdown");
    });
    let status = plugin_client::wait_exit(&mut plugin.child, Duration::from_secs(2));
    assert!(
        status.is_some_and(|s| s.success()),
        "the provider exits at Shutdown (Terraform kills it after 2 s)"
    );
}

#[test]
fn plaintext_when_tls_disabled_and_port_range_honoured() {
    let mut plugin = plugin_client::launch(
        provider(),
        None,
        &[("PLUGIN_MIN_PORT", "43210"), ("PLUGIN_MAX_PORT", "43260")],
    );
    assert!(plugin.handshake.server_cert_der.is_none());
    let port: u16 = plugin.handshake.addr.rsplit_once(':').unwrap().1.parse().unwrap();
    assert!(
        (43210..=43260).contains(&port),
        "port {port} outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT"
    );
    runtime().block_on(async {
        let channel = plugin_client::connect(&plugin.handshake, None).await.expect("connect");
        let mut client = plugin_client::provider_client(channel.clone());
        let metadata = client
            .get_metadata(pb::get_metadata::Request {})
            .await
            .unwrap()
            .into_inner();
        assert!(
            metadata
                .resources
                .iter()
                .any(|r| r.type_name == "circleciserver_nomad_tls")
        );

        // State written without an attribute (an older provider) upgrades, filling null;
        // attributes the schema no longer has are dropped.
        let upgraded = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: "circleciserver_nomad_tls".into(),
                version: 0,
                raw_state: Some(pb::RawState {
                    json: br#"{"id":"abc","key_algorithm":"ECDSA_P256","retired_attribute":true}"#.to_vec(),
                    flatmap: Default::default(),
                }),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(upgraded.diagnostics.is_empty(), "{:?}", upgraded.diagnostics);
        assert!(!upgraded.upgraded_state.unwrap().msgpack.is_empty());

        // State from a newer schema version is refused with a clear message.
        let newer = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: "circleciserver_nomad_tls".into(),
                version: 7,
                raw_state: Some(pb::RawState {
                    json: b"{}".to_vec(),
                    flatmap: Default::default(),
                }),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            newer.diagnostics[0].detail.contains("upgrade the provider"),
            "{:?}",
            newer.diagnostics
        );

        // An unknown resource type is a diagnostic naming it, not a crash.
        let unknown = client
            .read_resource(pb::read_resource::Request {
                type_name: "circleciserver_nope".into(),
                ..Default::default()
            })
            .await
            .expect("an answer")
            .into_inner();
        assert_eq!(unknown.diagnostics.len(), 1);
        assert!(unknown.diagnostics[0].detail.contains("\"circleciserver_nope\""));

        plugin_client::controller_client(channel)
            .shutdown(Empty {})
            .await
            .unwrap();
    });
    assert!(plugin_client::wait_exit(&mut plugin.child, Duration::from_secs(2)).is_some());
}

#[test]
fn garbage_values_are_diagnostics_not_crashes() {
    let mut plugin = plugin_client::launch(provider(), None, &[]);
    runtime().block_on(async {
        let channel = plugin_client::connect(&plugin.handshake, None).await.unwrap();
        let mut client = plugin_client::provider_client(channel.clone());
        for bytes in [
            vec![0x92, 0x01],
            vec![0xd9],
            vec![0x91; 4000],
            b"\x82\xa1a".to_vec(),
            vec![],
        ] {
            let response = client
                .validate_resource_config(pb::validate_resource_config::Request {
                    type_name: "circleciserver_nomad_tls".into(),
                    config: Some(pb::DynamicValue {
                        msgpack: bytes.clone(),
                        json: vec![],
                    }),
                })
                .await
                .expect("the provider answers")
                .into_inner();
            if !bytes.is_empty() {
                assert_eq!(response.diagnostics.len(), 1, "{bytes:?}");
                assert!(response.diagnostics[0].summary.contains("Invalid value"));
            }
        }
        plugin_client::controller_client(channel)
            .shutdown(Empty {})
            .await
            .unwrap();
    });
    assert!(plugin_client::wait_exit(&mut plugin.child, Duration::from_secs(2)).is_some_and(|s| s.success()));
}

#[test]
fn tf_log_shows_provider_lines_with_levels_and_no_secrets() {
    for_each_terraform(|tf| {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut wd = Workdir::new(tf, provider())
            .env("TF_LOG", "trace")
            .env("TF_LOG_PATH", log.path().to_str().unwrap());
        wd.step(&format!(
            "{}resource \"circleciserver_nomad_tls\" \"this\" {{}}\n",
            provider_block("")
        ));
        let state = wd.resource("circleciserver_nomad_tls.this");
        let text = std::fs::read_to_string(log.path()).unwrap();
        let ours: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("provider.terraform-provider-circleciserver"))
            .collect();
        assert!(
            ours.iter().any(|l| l.contains("[DEBUG]") && l.contains("rpc done")),
            "no provider debug lines in TF_LOG output"
        );
        assert!(
            ours.iter().any(|l| l.contains("[INFO]") && l.contains("creating")),
            "no provider info lines"
        );
        for secret in [
            "server_key_pem",
            "client_key_pem",
            "nomad_server_key_base64",
            "nomad_client_key_base64",
        ] {
            let value = state[secret].as_str().unwrap();
            let needle = &value[value.len() / 2..value.len() / 2 + 24];
            assert!(
                !ours.iter().any(|l| l.contains(needle)),
                "{secret} leaked into the provider's log"
            );
        }
        assert!(!ours.iter().any(|l| l.contains("PRIVATE KEY")));
    });
}
