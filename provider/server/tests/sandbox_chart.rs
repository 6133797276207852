//! The sandbox chart (`charts/circleci-server-sandbox`), which plays CircleCI's private Server
//! 4.10 chart in tests, rendered by this repository's Helm engine with the values the typed
//! inputs make: the reference's AWS and GCP examples (built as tests/values.rs builds them),
//! and variations of them. Each test checks one behaviour on the parsed documents.

mod common;

use std::path::Path;

use base64::Engine as _;
use circleci_helm::{Chart, RenderError, RenderOptions, Rendered};
use circleci_server::values::{AwsAccess, ObjectStorage, ServerValues};
use common::{DOMAIN, aws_inputs, gcp_inputs};
use serde_json::{Value, json};

/// The 4.10 services the values reference's "Number of replicas to deploy for the NAME
/// deployment" and the 4.10 overview's service list name, run by default (insights and
/// webhooks on, OIDC and nomad autoscaler off).
const SERVICES: &[&str] = &[
    "api-service",
    "audit-log-batcher",
    "audit-log-enricher",
    "branch-service",
    "builds-service",
    "contexts-service",
    "cron-service",
    "distributor-cleaner",
    "distributor-dispatcher",
    "distributor-external",
    "distributor-internal",
    "docker-provisioner-externalapi",
    "docker-provisioner-internalapi",
    "docker-provisioner-provisioner",
    "domain-service",
    "execution-gateway-api",
    "execution-gateway-public-api",
    "frontend",
    "insights-service",
    "legacy-notifier",
    "machine-provisioner-externalapi",
    "machine-provisioner-internalapi",
    "machine-provisioner-leader",
    "machine-provisioner-provisioner",
    "orb-service",
    "output-internal",
    "output-public",
    "output-receiver",
    "permissions-service",
    "policy-service",
    "policy-service-internal",
    "radm-cleaner",
    "radm-external",
    "radm-internal",
    "step-internal",
    "step-receiver",
    "web-ui",
    "web-ui-server-admin",
    "webhook-service",
    "workflows-conductor-event-consumer",
    "workflows-conductor-grpc",
];

fn chart() -> Chart {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../charts/circleci-server-sandbox");
    circleci_helm::chart::load_dir(&dir).unwrap()
}

fn render_with(chart: &Chart, values: &Value) -> Result<Rendered, RenderError> {
    // JSON is YAML: the values document as a `-f` file.
    let values = circleci_helm::user_values(&[values.to_string()], &Default::default())?;
    circleci_helm::render(
        chart,
        &values,
        &RenderOptions {
            release_name: "circleci-server".into(),
            namespace: "circleci-server".into(),
            ..Default::default()
        },
    )
}

fn render(values: &Value) -> Result<Rendered, RenderError> {
    render_with(&chart(), values)
}

/// The release's documents and hooks, parsed.
fn documents(rendered: &Rendered) -> Vec<Value> {
    rendered
        .manifests
        .iter()
        .chain(rendered.hooks.iter().map(|h| &h.manifest))
        .map(|m| {
            let doc = circleci_helm::yaml::parse(&m.content)
                .unwrap_or_else(|e| panic!("{} ({}) is not YAML: {e}\n{}", m.name, m.source, m.content));
            circleci_helm::convert::to_json(&doc)
        })
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter().find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
}

fn get<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    find(docs, kind, name).unwrap_or_else(|| panic!("no {kind} {name} among {:?}", names(docs, kind)))
}

fn names(docs: &[Value], kind: &str) -> Vec<String> {
    docs.iter()
        .filter(|d| d["kind"] == kind)
        .map(|d| d["metadata"]["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn decoded(secret: &Value, key: &str) -> String {
    let text = secret["data"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {secret}"));
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(text).unwrap()).unwrap()
}

fn values_of(inputs: &ServerValues) -> Value {
    assert_eq!(inputs.validate(), vec![], "the inputs are valid");
    inputs.to_values()
}

fn container(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]["containers"][0]
}

fn pull_secrets(workload: &Value) -> Vec<&str> {
    workload["spec"]["template"]["spec"]["imagePullSecrets"]
        .as_array()
        .unwrap_or_else(|| panic!("no imagePullSecrets in {workload}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect()
}

#[test]
fn aws_example_renders_every_service_with_circleci_image_and_the_default_pull_secret() {
    let docs = documents(&render(&values_of(&aws_inputs())).unwrap());
    for name in SERVICES {
        let deployment = get(&docs, "Deployment", name);
        assert_eq!(
            container(deployment)["image"],
            format!("cciserver.azurecr.io/{name}:4.10.0"),
            "{name}: no org, so registry/name"
        );
        assert_eq!(pull_secrets(deployment), ["regcred"], "{name}: the chart's default");
        assert_eq!(deployment["spec"]["replicas"].as_f64(), Some(1.0), "{name}");
        let labels = &deployment["metadata"]["labels"];
        assert_eq!(labels["app"], *name);
        assert_eq!(labels["app.kubernetes.io/name"], *name);
        assert_eq!(labels["app.kubernetes.io/instance"], "circleci-server");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "Helm");
        let service = get(&docs, "Service", name);
        assert_eq!(service["spec"]["type"], "ClusterIP", "{name}");
        assert_eq!(service["spec"]["selector"]["app"], *name);
    }
    // Off unless enabled in the values.
    for name in ["oidc-service", "oidc-tasks-service", "nomad-autoscaler"] {
        assert!(
            find(&docs, "Deployment", name).is_none(),
            "{name} runs only when enabled"
        );
    }
    // Images CircleCI does not make come from their own values keys.
    assert_eq!(
        container(get(&docs, "Deployment", "nginx"))["image"],
        "nginxinc/nginx-unprivileged:1.29.2"
    );
    assert_eq!(container(get(&docs, "Deployment", "kong"))["image"], "kong:3.4.2");
    let nomad = get(&docs, "StatefulSet", "nomad-server");
    assert_eq!(nomad["spec"]["replicas"].as_f64(), Some(5.0));
    assert_eq!(container(nomad)["image"], "hashicorp/nomad:1.11.3");
    assert_eq!(pull_secrets(nomad), ["regcred"]);
    for store in [
        "postgresql",
        "mongodb",
        "rabbitmq",
        "redis-master",
        "redis-slave",
        "vault",
    ] {
        assert!(
            find(&docs, "StatefulSet", store).is_some(),
            "{store} runs in the cluster"
        );
    }
    assert_eq!(
        container(get(&docs, "StatefulSet", "postgresql"))["image"],
        "cciserver.azurecr.io/server-postgres:12.16.37-7629bfd"
    );
    // One public load balancer, for users (80, 443) and the Nomad clients (4647, 3000, 8585).
    let proxy = get(&docs, "Service", "circleci-proxy");
    assert_eq!(proxy["spec"]["type"], "LoadBalancer");
    assert_eq!(proxy["metadata"]["labels"]["app"], "circleci-proxy");
    assert_eq!(proxy["spec"]["selector"]["app"], "nginx");
    let ports: Vec<f64> = proxy["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_f64().unwrap())
        .collect();
    assert_eq!(ports, [80.0, 443.0, 3000.0, 4647.0, 8585.0]);
    let annotations = &proxy["metadata"]["annotations"];
    assert!(
        annotations
            .get("service.beta.kubernetes.io/aws-load-balancer-internal")
            .is_none()
    );
    assert_eq!(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
    assert!(proxy["spec"].get("loadBalancerSourceRanges").is_none());
    assert_eq!(get(&docs, "Service", "nomad-server")["spec"]["type"], "ClusterIP");
    assert_eq!(
        names(&docs, "Service")
            .iter()
            .filter(|n| n.starts_with("circleci-proxy"))
            .count(),
        1
    );
    assert_eq!(
        docs.iter()
            .filter(|d| d["kind"] == "Service" && d["spec"]["type"] == "LoadBalancer")
            .count(),
        1,
        "4.10 exposes nginx and nomad-server on a single load balancer"
    );
}

#[test]
fn gcp_example_renders_with_the_registry_org_and_the_pull_secrets_given() {
    let mut inputs = gcp_inputs();
    inputs.registry = "registry.example.com/".into();
    inputs.registry_org = Some("circleci".into());
    inputs.image_pull_secrets = Some(vec!["mirror-creds".into(), "second".into()]);
    let docs = documents(&render(&values_of(&inputs)).unwrap());
    for name in SERVICES {
        let deployment = get(&docs, "Deployment", name);
        assert_eq!(
            container(deployment)["image"],
            format!("registry.example.com/circleci/{name}:4.10.0")
        );
        assert_eq!(pull_secrets(deployment), ["mirror-creds", "second"], "{name}");
    }
    assert_eq!(
        pull_secrets(get(&docs, "StatefulSet", "mongodb")),
        ["mirror-creds", "second"]
    );
    let hook = get(&docs, "Job", "preflight");
    assert_eq!(
        container(hook)["image"],
        "registry.example.com/circleci/preflight:4.10.0"
    );
    // Workload identity: no key Secrets for storage or machine provisioner.
    assert!(find(&docs, "Secret", "object-storage-secret").is_none());
    assert!(find(&docs, "Secret", "machine-provisioner-secret").is_none());
    assert_eq!(get(&docs, "Service", "circleci-proxy")["spec"]["type"], "LoadBalancer");
}

#[test]
fn private_load_balancer_on_aws_is_internal_with_the_source_ranges_and_keeps_the_users_annotations() {
    let mut inputs = aws_inputs();
    inputs.private_load_balancers = true;
    inputs.load_balancer_source_ranges = vec!["10.0.0.0/8".into(), "192.168.0.0/16".into()];
    let mut values = values_of(&inputs);
    values["nginx"]["annotations"] = json!({
        "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": "eipalloc-1,eipalloc-2",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
    });
    let docs = documents(&render(&values).unwrap());
    let proxy = get(&docs, "Service", "circleci-proxy");
    let annotations = &proxy["metadata"]["annotations"];
    assert_eq!(
        annotations["service.beta.kubernetes.io/aws-load-balancer-internal"],
        "true"
    );
    assert_eq!(
        annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal",
        "private wins over a user's scheme"
    );
    assert_eq!(
        annotations["service.beta.kubernetes.io/aws-load-balancer-eip-allocations"],
        "eipalloc-1,eipalloc-2"
    );
    assert_eq!(
        annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb",
        "the chart's default annotations stay"
    );
    assert!(annotations.get("networking.gke.io/load-balancer-type").is_none());
    assert_eq!(
        proxy["spec"]["loadBalancerSourceRanges"],
        json!(["10.0.0.0/8", "192.168.0.0/16"])
    );
}

#[test]
fn private_load_balancer_on_gcp_gets_the_gke_internal_annotation() {
    let mut inputs = gcp_inputs();
    inputs.private_load_balancers = true;
    inputs.load_balancer_source_ranges = vec!["10.128.0.0/9".into()];
    let mut values = values_of(&inputs);
    values["nginx"]["loadBalancerIp"] = json!("10.128.0.9");
    let docs = documents(&render(&values).unwrap());
    let proxy = get(&docs, "Service", "circleci-proxy");
    let annotations = &proxy["metadata"]["annotations"];
    assert_eq!(annotations["networking.gke.io/load-balancer-type"], "Internal");
    assert!(
        annotations
            .get("service.beta.kubernetes.io/aws-load-balancer-internal")
            .is_none()
    );
    assert_eq!(proxy["spec"]["loadBalancerSourceRanges"], json!(["10.128.0.0/9"]));
    assert_eq!(proxy["spec"]["loadBalancerIP"], "10.128.0.9");
}

#[test]
fn data_store_volumes_are_claims_named_as_the_docs_name_them_and_kept_on_uninstall() {
    let docs = documents(&render(&values_of(&aws_inputs())).unwrap());
    let expected = [
        ("data-postgresql-0", "postgresql", "8Gi"),
        ("datadir-mongodb-0", "mongodb", "8Gi"),
        ("data-rabbitmq-0", "rabbitmq", "8Gi"),
        ("redis-data-redis-master-0", "redis-master", "8Gi"),
        ("redis-data-redis-slave-0", "redis-slave", "8Gi"),
        ("data-vault-0", "vault", "8Gi"),
    ];
    assert_eq!(names(&docs, "PersistentVolumeClaim").len(), expected.len());
    for (claim, store, size) in expected {
        let pvc = get(&docs, "PersistentVolumeClaim", claim);
        assert_eq!(
            pvc["metadata"]["annotations"]["helm.sh/resource-policy"], "keep",
            "{claim}"
        );
        assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], size);
        let sts = get(&docs, "StatefulSet", store);
        let template = &sts["spec"]["volumeClaimTemplates"][0];
        assert_eq!(
            format!("{}-{store}-0", template["metadata"]["name"].as_str().unwrap()),
            claim,
            "the StatefulSet's pod 0 takes the kept claim"
        );
        assert_eq!(sts["metadata"]["labels"]["layer"], "data");
    }
    assert_eq!(
        get(&docs, "StatefulSet", "postgresql")["spec"]["template"]["metadata"]["annotations"]["backup.velero.io/backup-volumes"],
        "data"
    );
    assert_eq!(
        get(&docs, "StatefulSet", "postgresql")["metadata"]["labels"]["app"],
        "postgres",
        "the reference's label"
    );
}

#[test]
fn external_postgres_has_no_stateful_set_or_volume_and_its_password_is_the_users() {
    let mut values = values_of(&aws_inputs());
    values["postgresql"] = json!({
        "internal": false,
        "postgresqlHost": "db.example.internal",
        "auth": { "username": "circle", "password": "external-pw" },
    });
    let docs = documents(&render(&values).unwrap());
    assert!(find(&docs, "StatefulSet", "postgresql").is_none());
    assert!(find(&docs, "PersistentVolumeClaim", "data-postgresql-0").is_none());
    assert!(find(&docs, "Service", "postgresql").is_none());
    let secret = get(&docs, "Secret", "postgresql");
    assert_eq!(decoded(secret, "password"), "external-pw");
    assert!(secret["data"].get("postgres-password").is_none());
    // The other stores stay in the cluster.
    assert!(find(&docs, "StatefulSet", "mongodb").is_some());
    assert!(find(&docs, "PersistentVolumeClaim", "datadir-mongodb-0").is_some());
}

#[test]
fn secrets_are_made_from_the_values_given_with_the_docs_names_and_keys() {
    let mut inputs = aws_inputs();
    inputs.object_storage = ObjectStorage::S3 {
        bucket: "circleci-data".into(),
        endpoint: "https://s3.eu-west-1.amazonaws.com".into(),
        region: "eu-west-1".into(),
        access: AwsAccess::Keys {
            access_key: "AKIAEXAMPLE".into(),
            secret_key: "s3-secret".into(),
        },
    };
    let docs = documents(&render(&values_of(&inputs)).unwrap());
    let secret = |name: &str| get(&docs, "Secret", name);
    assert_eq!(
        decoded(secret("session-cookie"), "session-cookie-key"),
        "cookie-key-16chr"
    );
    assert_eq!(decoded(secret("signing-keys"), "signing-key"), "signing-keyset");
    assert_eq!(decoded(secret("signing-keys"), "encryption-key"), "encryption-keyset");
    assert_eq!(decoded(secret("license"), "license"), "license-text");
    assert_eq!(decoded(secret("github-secret"), "clientSecret"), "github-client-secret");
    assert_eq!(
        decoded(secret("nomad-gossip-encryption-key"), "gossip-key"),
        "0123456789abcdef0123456789abcdef"
    );
    assert_eq!(decoded(secret("nomad-mtls"), "ca.pem"), "Y2EtcGVt");
    assert_eq!(decoded(secret("nomad-mtls"), "cert.pem"), "Y2VydC1wZW0=");
    assert_eq!(decoded(secret("nomad-mtls"), "key.pem"), "a2V5LXBlbQ==");
    assert_eq!(decoded(secret("object-storage-secret"), "s3AccessKey"), "AKIAEXAMPLE");
    assert_eq!(decoded(secret("object-storage-secret"), "s3SecretKey"), "s3-secret");
    assert_eq!(decoded(secret("mongodb"), "mongodb-root-password"), "mongo-root");
    assert_eq!(decoded(secret("rabbitmq"), "rabbitmq-erlang-cookie"), "rabbit-cookie");
    assert_eq!(decoded(secret("postgresql"), "postgres-password"), "postgres-pw");
    assert_eq!(decoded(secret("pusher"), "secret"), "pusher-secret");
    for kept in ["session-cookie", "nomad-gossip-encryption-key", "nomad-mtls", "pusher"] {
        assert_eq!(
            secret(kept)["metadata"]["annotations"]["helm.sh/resource-policy"],
            "keep",
            "{kept}"
        );
    }
    // IRSA for the VMs: no key Secret.
    assert!(find(&docs, "Secret", "machine-provisioner-secret").is_none());
    // The Nomad servers read the gossip key and the certificates from those Secrets.
    let nomad = container(get(&docs, "StatefulSet", "nomad-server"));
    assert_eq!(
        nomad["env"][0]["valueFrom"]["secretKeyRef"],
        json!({"name": "nomad-gossip-encryption-key", "key": "gossip-key"})
    );
}

#[test]
fn preflight_is_a_pre_install_and_pre_upgrade_hook_weighted_minus_five() {
    let rendered = render(&values_of(&aws_inputs())).unwrap();
    assert!(
        rendered.manifests.iter().all(|m| m.name != "preflight"),
        "a hook, not part of the release"
    );
    let hook = rendered
        .hooks
        .iter()
        .find(|h| h.manifest.name == "preflight")
        .expect("the preflight hook");
    assert_eq!(hook.manifest.kind, "Job");
    assert_eq!(
        hook.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        ["pre-install", "pre-upgrade"]
    );
    assert_eq!(hook.weight, -5);
    assert_eq!(hook.delete_policies, ["before-hook-creation", "hook-succeeded"]);
    let job = circleci_helm::convert::to_json(&circleci_helm::yaml::parse(&hook.manifest.content).unwrap());
    assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
    assert_eq!(pull_secrets(&job), ["regcred"]);
}

#[test]
fn a_gossip_key_of_31_characters_is_refused_by_the_schema_at_its_key() {
    let mut inputs = aws_inputs();
    inputs.gossip_key = "x".repeat(31);
    let err = render(&inputs.to_values()).unwrap_err();
    assert!(matches!(err, RenderError::Schema(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("circleci-server:\n- at '/nomad/server/gossip/encryption/key': minLength: got 31, want 32\n"),
        "{text}"
    );
    inputs.gossip_key = "x".repeat(33);
    let text = render(&inputs.to_values()).unwrap_err().to_string();
    assert!(
        text.contains("- at '/nomad/server/gossip/encryption/key': maxLength: got 33, want 32\n"),
        "{text}"
    );
}

#[test]
fn a_missing_domain_name_is_refused_naming_global_domain_name() {
    let mut values = values_of(&aws_inputs());
    values["global"].as_object_mut().unwrap().remove("domainName");
    let err = render(&values).unwrap_err();
    assert!(matches!(err, RenderError::Schema(_)), "{err:?}");
    let text = err.to_string();
    // values.yaml's default is "", as the reference's: present but empty.
    assert!(
        text.contains("- at '/global/domainName': minLength: got 0, want 1\n"),
        "{text}"
    );
    assert_eq!(text.matches("- at ").count(), 1, "nothing else is wrong: {text}");
}

#[test]
fn nomad_mtls_on_without_its_certificates_is_refused_and_off_needs_none() {
    let mut values = values_of(&aws_inputs());
    values["nomad"]["server"]["rpc"]["mTLS"] = json!({"enabled": true, "CACertificate": "Y2E="});
    let text = render(&values).unwrap_err().to_string();
    assert!(
        text.contains("- at '/nomad/server/rpc/mTLS/certificate': minLength: got 0, want 1\n"),
        "{text}"
    );
    assert!(
        text.contains("- at '/nomad/server/rpc/mTLS/privateKey': minLength: got 0, want 1\n"),
        "{text}"
    );
    assert!(!text.contains("CACertificate"), "{text}");
    let mut inputs = aws_inputs();
    inputs.nomad_mtls = None;
    let docs = documents(&render(&values_of(&inputs)).unwrap());
    assert!(find(&docs, "Secret", "nomad-mtls").is_none());
    assert!(
        container(get(&docs, "StatefulSet", "nomad-server"))
            .get("volumeMounts")
            .is_none()
    );
}

#[test]
fn without_the_schema_required_names_the_missing_key() {
    let mut chart = chart();
    chart.schema = None;
    let mut values = values_of(&aws_inputs());
    values["global"]["domainName"] = json!("");
    let text = render_with(&chart, &values).unwrap_err().to_string();
    assert!(
        text.starts_with("execution error at (circleci-server/templates/"),
        "{text}"
    );
    assert!(
        text.ends_with("): global.domainName is required: the domain name of your CircleCI install"),
        "{text}"
    );
}

#[test]
fn notes_give_the_domain_and_the_next_steps() {
    let notes = render(&values_of(&aws_inputs())).unwrap().notes;
    assert!(notes.contains(&format!("Domain: https://{DOMAIN}\n")), "{notes}");
    assert!(
        notes.contains(&format!("DNS records for {DOMAIN} and app.{DOMAIN}")),
        "{notes}"
    );
    assert!(
        notes.contains("kubectl -n circleci-server get service -l app=circleci-proxy"),
        "{notes}"
    );
    assert!(notes.contains("port 4647"), "{notes}");
    assert!(notes.contains("in EC2 (us-east-1)"), "{notes}");
}

#[test]
fn optional_workloads_follow_their_values_keys() {
    let mut values = values_of(&aws_inputs());
    values["nomad"]["auto_scaler"] = json!({
        "enabled": true,
        "aws": { "enabled": true, "region": "us-east-1", "autoScalingGroup": "circleci-nomad", "accessKey": "AKIA", "secretKey": "shh" },
    });
    values["oidc_service"] = json!({ "isEnabled": true });
    values["webhook_service"] = json!({ "isEnabled": false });
    values["machine_provisioner"]["enabled"] = json!(false);
    values["tink"] = json!({ "enabled": true, "keyset": "tink-keyset" });
    values["api_service"] = json!({ "replicas": 3 });
    let docs = documents(&render(&values).unwrap());
    let scaler = get(&docs, "Deployment", "nomad-autoscaler");
    assert_eq!(container(scaler)["image"], "hashicorp/nomad-autoscaler:0.4.9");
    assert!(
        decoded(get(&docs, "Secret", "nomad-autoscaler-secret"), "secret.hcl").contains("aws_access_key_id = \"AKIA\"")
    );
    assert!(find(&docs, "Deployment", "oidc-service").is_some());
    assert!(find(&docs, "Deployment", "oidc-tasks-service").is_some());
    assert!(find(&docs, "Deployment", "webhook-service").is_none());
    assert!(
        names(&docs, "Deployment")
            .iter()
            .all(|n| !n.starts_with("machine-provisioner-"))
    );
    assert!(find(&docs, "StatefulSet", "vault").is_none(), "Tink instead of Vault");
    assert_eq!(decoded(get(&docs, "Secret", "tink"), "keyset"), "tink-keyset");
    assert_eq!(
        get(&docs, "Deployment", "api-service")["spec"]["replicas"].as_f64(),
        Some(3.0)
    );
    assert_eq!(
        container(get(&docs, "Deployment", "api-service"))["resources"]["limits"]["memory"],
        "8Gi",
        "the defaults under a key the user set stay"
    );
}
