//! The typed values make the documents the public installation reference shows: its AWS
//! example (IRSA) and its GCP example (workload identity), written out here with concrete
//! values in place of its placeholders, parsed as Helm reads a values file.

mod common;

use std::collections::BTreeMap;

use circleci_server::values::{AwsAccess, ChartVersion, MachineProvisioner, ObjectStorage, redacted};
use common::{aws_inputs, gcp_inputs};
use serde_json::Value;

/// A values file as Helm reads it (go-yaml v2), as JSON; keys left blank (`org:`) are null,
/// which in Helm's coalescing means "not set", so they are dropped here.
fn values_file(text: &str) -> Value {
    let map = circleci_helm::yaml::parse_values(text).unwrap();
    let map: serde_json::Map<String, Value> = map
        .iter()
        .map(|(k, v)| (k.clone(), circleci_helm::convert::to_json(v)))
        .collect();
    without_nulls(Value::Object(map))
}

fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        v => v,
    }
}

const AWS_EXAMPLE: &str = r#"
global:
  domainName: "circleci.example.com"
  license: 'license-text'
  container:
    registry: cciserver.azurecr.io
    org:
sessionCookieKey: "cookie-key-16chr"
keyset:
  signing: 'signing-keyset'
  encryption: 'encryption-keyset'
nomad:
  server:
    gossip:
      encryption:
        key: "0123456789abcdef0123456789abcdef"
    rpc:
      mTLS:
        enabled: true
        CACertificate: "Y2EtcGVt"
        certificate: "Y2VydC1wZW0="
        privateKey: "a2V5LXBlbQ=="
object_storage:
  bucketName: 'circleci-data'
  s3:
    enabled: true
    endpoint: "https://s3.us-east-1.amazonaws.com" # ex: https://s3.us-east-1.amazonaws.com
    region: "us-east-1"
    irsaRole: "arn:aws:iam::123456789012:role/circleci-storage"
github:
  clientId: "github-client-id"
  clientSecret: "github-client-secret"
machine_provisioner:
  providers:
    ec2:
      enabled: true
      region: "us-east-1"
      subnets:
        - "subnet-0abc"
      securityGroupId: "sg-0abc"
      irsaRole: "arn:aws:iam::123456789012:role/circleci-vm"
      tags:
        name1: "value1"
        name2: "value2"
mongodb:
  auth:
    rootPassword: "mongo-root"
    password: "mongo-user"
postgresql:
  auth:
    postgresPassword: "postgres-pw"
pusher:
  secret: "pusher-secret"
rabbitmq:
  auth:
    password: "rabbit-pw"
    erlangCookie: "rabbit-cookie"
"#;

const GCP_EXAMPLE: &str = r#"
global:
  domainName: "circleci.example.com"
  license: 'license-text'
  container:
    registry: cciserver.azurecr.io
    org:
sessionCookieKey: "cookie-key-16chr"
keyset:
  signing: 'signing-keyset'
  encryption: 'encryption-keyset'
github:
  clientId: "github-client-id"
  clientSecret: "github-client-secret"
object_storage:
  bucketName: "circleci-data"
  gcs:
    enabled: true
    workloadIdentity: "storage@my-project.iam.gserviceaccount.com"
mongodb:
  auth:
    rootPassword: "mongo-root"
    password: "mongo-user"
machine_provisioner:
  providers:
    gcp:
      enabled: true
      project_id: my-project
      network_tags:
        - circleci-vm
      zones:
        - us-central1-a
        - us-central1-b
      network: "circleci"
      subnetwork: "" # leave blank for auto-subnetting
      workloadIdentity: "vm@my-project.iam.gserviceaccount.com"
pusher:
  secret: "pusher-secret"
postgresql:
  auth:
    postgresPassword: "postgres-pw"
rabbitmq:
  auth:
    password: "rabbit-pw"
    erlangCookie: "rabbit-cookie"
nomad:
  server:
    gossip:
      encryption:
        key: "0123456789abcdef0123456789abcdef"
    rpc:
      mTLS:
        enabled: true
        CACertificate: "Y2EtcGVt"
        certificate: "Y2VydC1wZW0="
        privateKey: "a2V5LXBlbQ=="
"#;

#[test]
fn aws_example_of_the_reference_is_what_the_typed_inputs_make() {
    let inputs = aws_inputs();
    assert_eq!(inputs.validate(), vec![]);
    assert_eq!(inputs.to_values(), values_file(AWS_EXAMPLE));
}

#[test]
fn gcp_example_of_the_reference_is_what_the_typed_inputs_make() {
    let inputs = gcp_inputs();
    assert_eq!(inputs.validate(), vec![]);
    assert_eq!(inputs.to_values(), values_file(GCP_EXAMPLE));
}

#[test]
fn api_token_follows_the_chart_version() {
    let mut old = aws_inputs();
    old.version = ChartVersion::parse("4.7.3").unwrap();
    let keys: Vec<_> = old.validate().into_iter().map(|e| e.key).collect();
    assert_eq!(keys, ["apiToken"], "4.7 needs apiToken");
    old.api_token = Some("t".repeat(48));
    assert_eq!(old.validate(), vec![]);
    assert_eq!(old.to_values()["apiToken"], Value::from("t".repeat(48)));
    let mut new = aws_inputs();
    new.api_token = Some("t".into());
    let e = new.validate();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].to_string().starts_with("apiToken: chart 4.10.0 has no apiToken"),
        "{}",
        e[0]
    );
}

#[test]
fn bad_inputs_name_their_values_keys() {
    let mut v = aws_inputs();
    v.gossip_key = "x".repeat(31);
    v.domain_name = String::new();
    v.version = ChartVersion::parse("4.2.1").unwrap();
    v.machine_provisioner = MachineProvisioner::Ec2 {
        region: "us-east-1".into(),
        subnets: vec![],
        security_group_id: "sg".into(),
        access: AwsAccess::ExistingSecret,
        tags: BTreeMap::new(),
    };
    let messages: Vec<String> = v.validate().iter().map(ToString::to_string).collect();
    let expected = [
        "version: 4.2.1 is older than 4.3.0",
        "global.domainName: must be set",
        "nomad.server.gossip.encryption.key: must be exactly 32 characters, not 31",
        "machine_provisioner.providers.ec2.subnets: needs at least one subnet",
    ];
    for e in expected {
        assert!(messages.iter().any(|m| m.starts_with(e)), "{e:?} not in {messages:#?}");
    }
}

#[test]
fn keys_and_private_load_balancers() {
    let mut v = aws_inputs();
    v.object_storage = ObjectStorage::S3 {
        bucket: "b".into(),
        endpoint: "https://s3.eu-west-1.amazonaws.com".into(),
        region: "eu-west-1".into(),
        access: AwsAccess::Keys {
            access_key: "AKIA".into(),
            secret_key: "shh".into(),
        },
    };
    v.private_load_balancers = true;
    v.load_balancer_source_ranges = vec!["10.0.0.0/8".into()];
    let values = v.to_values();
    assert_eq!(values["object_storage"]["s3"]["accessKey"], "AKIA");
    assert_eq!(values["object_storage"]["s3"].get("irsaRole"), None);
    assert_eq!(
        values["nginx"],
        serde_json::json!({"private_load_balancers": true, "loadBalancerSourceRanges": ["10.0.0.0/8"]})
    );
    let shown = redacted(&values);
    assert_eq!(shown["object_storage"]["s3"]["secretKey"], "(sensitive)");
    assert_eq!(shown["object_storage"]["s3"]["accessKey"], "AKIA");
    assert_eq!(shown["global"]["license"], "(sensitive)");
    assert_eq!(shown["global"]["domainName"], "circleci.example.com");
    let text = serde_json::to_string(&shown).unwrap();
    for secret in [
        "shh",
        "license-text",
        "mongo-root",
        "0123456789abcdef0123456789abcdef",
        "a2V5LXBlbQ==",
    ] {
        assert!(!text.contains(secret), "{secret} shown in {text}");
    }
}

#[test]
fn chart_versions_parse_with_prerelease_and_v() {
    assert_eq!(ChartVersion::parse("4.10.0-sandbox.1"), ChartVersion::parse("4.10.0"));
    assert_eq!(ChartVersion::parse("v4.8").unwrap().to_string(), "4.8.0");
    assert!(ChartVersion::parse("4.x").is_none());
    assert!(ChartVersion::parse("4.1.2.3").is_none());
}
