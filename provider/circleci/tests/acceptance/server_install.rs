//! Acceptance tests of `circleciserver_server` and its data sources: Terraform drives the provider,
//! the provider drives a fake Kubernetes API server through kube-rs exactly as it would EKS or
//! GKE. Set TF_ACC_KUBECONFIG to also run the install test against a real cluster.

#![cfg(feature = "kubernetes")]

use acceptance_tests::fake_kube::FakeKube;
use acceptance_tests::{Workdir, for_each_terraform, provider_block};

fn config(kubernetes: &str, body: &str, extra: &str) -> String {
    format!(
        "{}resource \"circleciserver_nomad_tls\" \"this\" {{}}\n\
         resource \"circleciserver_server\" \"this\" {{\n  version = \"3.4.0\"\n  domain  = \"circleci.example.com\"\n\
         github {{\n    client_id = \"Iv1.abc\"\n  }}\n  github_client_secret = \"s3cret\"\n\
         object_storage {{\n    bucket   = \"circleci-data\"\n    region   = \"eu-west-1\"\n    role_arn = \"arn:aws:iam::123456789012:role/circleci-storage\"\n  }}\n\
         nomad_tls {{\n    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem\n    server_cert_pem = circleciserver_nomad_tls.this.server_cert_pem\n  }}\n  nomad_server_key_pem = circleciserver_nomad_tls.this.server_key_pem\n\
         {body}\n  timeouts {{\n    create = \"2m\"\n    update = \"2m\"\n  }}\n}}\n\
         output \"load_balancers\" {{ value = circleciserver_server.this.load_balancer_addresses }}\n{extra}",
        provider_block(kubernetes)
    )
}

fn fake_block(fake: &FakeKube) -> String {
    format!(
        "  kubernetes {{\n    host     = \"{}\"\n    token    = \"fake-token\"\n    insecure = true\n  }}\n",
        fake.url
    )
}

fn image(fake: &FakeKube, deployment: &str) -> String {
    let live = fake
        .get("deployments", "circleci-server", deployment)
        .expect("deployment");
    live["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn install_upgrade_change_drift_status_destroy() {
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let k8s = fake_block(&fake);

        // Install: every service, and the five load balancers with addresses.
        let vm = "  vm_service {\n    provider        = \"ec2\"\n    region          = \"eu-west-1\"\n    subnet          = \"subnet-1\"\n    security_group  = \"sg-1\"\n    linux_image     = \"ami-1\"\n    role_arn        = \"arn:aws:iam::123456789012:role/vm\"\n    prescaled_linux = 2\n  }";
        wd.step(&config(&k8s, vm, ""));
        let config_map = fake
            .get("configmaps", "circleci-server", "circleci-server-config")
            .unwrap();
        assert_eq!(config_map["data"]["VM_SERVICE_LINUX_IMAGE"], "ami-1");
        assert_eq!(config_map["data"]["VM_SERVICE_PRESCALED_LINUX"], "2");
        let vm_account = fake.get("serviceaccounts", "circleci-server", "vm-service").unwrap();
        assert_eq!(
            vm_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::123456789012:role/vm"
        );
        let state = wd.resource("circleciserver_server.this");
        let deployments = fake.names("deployments", "circleci-server");
        let statefulsets = fake.names("statefulsets", "circleci-server");
        for service in [
            "api-service",
            "contexts-service",
            "dispatcher",
            "frontend",
            "output-processor",
            "vm-service",
            "cron-service",
        ] {
            assert!(
                deployments.contains(&service.to_string()),
                "{service} missing: {deployments:?}"
            );
        }
        for store in [
            "circleci-postgres",
            "circleci-mongodb",
            "circleci-rabbitmq",
            "circleci-redis",
            "circleci-vault",
            "nomad-server",
        ] {
            assert!(
                statefulsets.contains(&store.to_string()),
                "{store} missing: {statefulsets:?}"
            );
        }
        let lbs = state["load_balancer_addresses"].as_object().unwrap();
        assert_eq!(lbs.len(), 5, "{lbs:?}");
        assert_eq!(lbs["nomad"], "circleci-nomad-lb.circleci-server.lb.fake.internal");
        assert_eq!(
            state["nomad_server_endpoint"],
            "circleci-nomad-lb.circleci-server.lb.fake.internal:4647"
        );
        assert!(
            state["service_status"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v == "ready")
        );
        let nomad_lb = fake.get("services", "circleci-server", "circleci-nomad-lb").unwrap();
        assert_eq!(
            nomad_lb["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"],
            "internal"
        );
        let account = fake
            .get("serviceaccounts", "circleci-server", "output-processor")
            .unwrap();
        assert_eq!(
            account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::123456789012:role/circleci-storage"
        );
        assert_eq!(image(&fake, "api-service"), "cciserver.azurecr.io/api-service:3.4.0");
        let secret = fake
            .get("secrets", "circleci-server", "circleci-server-secrets")
            .unwrap();
        assert!(secret["data"]["SIGNING_KEYSET"].is_string(), "keysets generated");
        assert!(
            !wd.run(&["plan", "-no-color"]).all().contains("s3cret"),
            "secrets stay out of plans"
        );

        // Upgrade: a version bump changes every image, and only what changed is applied.
        let before = fake.request_count();
        wd.step(&config(&k8s, "  version = \"3.4.1\"", "").replace("  version = \"3.4.0\"\n", ""));
        assert_eq!(image(&fake, "api-service"), "cciserver.azurecr.io/api-service:3.4.1");
        assert!(fake.request_count() > before);

        // A configuration change: the Nomad load balancer becomes a NodePort service.
        let node_port = "  version = \"3.4.1\"\n  load_balancers = { nomad = \"node_port\" }";
        let run = wd.step(&config(&k8s, node_port, "").replace("  version = \"3.4.0\"\n", ""));
        assert!(
            run.all()
                .contains("The cluster picks the nomad load balancer's node port"),
            "a node port no load balancer can know in advance is pointed out:\n{}",
            run.all()
        );
        assert_eq!(
            fake.get("services", "circleci-server", "circleci-nomad-lb").unwrap()["spec"]["type"],
            "NodePort"
        );

        // External PostgreSQL: the in-cluster one is pruned.
        let external = format!(
            "{node_port}\n  postgres {{\n    host = \"db.internal\"\n    port = 5432\n    user = \"circle\"\n  }}\n  postgres_password = \"pw\""
        );
        wd.step(&config(&k8s, &external, "").replace("  version = \"3.4.0\"\n", ""));
        assert!(
            !fake
                .names("statefulsets", "circleci-server")
                .contains(&"circleci-postgres".to_string()),
            "pruned"
        );

        // Drift: a deployment deleted behind Terraform's back is planned back and restored.
        assert!(fake.delete("deployments", "circleci-server", "contexts-service"));
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "the deletion shows in the plan:\n{}", plan.stdout);
        assert!(plan.stdout.contains("manifest_hash"), "{}", plan.stdout);
        wd.step(&config(&k8s, &external, "").replace("  version = \"3.4.0\"\n", ""));
        assert!(fake.get("deployments", "circleci-server", "contexts-service").is_some());

        // Status: a service held unready is reported with what breaks.
        fake.set_unready("circleci-server", "contexts-service");
        let status = "data \"circleciserver_server_status\" \"this\" {\n  depends_on = [circleciserver_server.this]\n}\n\
                      output \"status\" { value = data.circleciserver_server_status.this.services }\n";
        wd.write(&config(&k8s, &external, status).replace("  version = \"3.4.0\"\n", ""));
        let run = wd.run(&["apply", "-auto-approve", "-no-color", "-refresh=false"]);
        assert!(
            run.all()
                .contains("contexts-service is not ready: all builds using Contexts will fail"),
            "{}",
            run.all()
        );
        let services: serde_json::Value =
            serde_json::from_str(&wd.must(&["output", "-json", "status"]).stdout).unwrap();
        assert_eq!(services["contexts-service"], "not ready");
        assert_eq!(services["api-service"], "ready");

        fake.set_ready("circleci-server", "contexts-service");
        // With delete_data, destroy leaves nothing: the namespace this resource made goes, and
        // the data stores' volume claims with it.
        wd.step(
            &config(&k8s, &format!("{external}\n  delete_data = true"), status).replace("  version = \"3.4.0\"\n", ""),
        );
        wd.destroy();
        assert_eq!(fake.object_count(), 0, "destroy leaves nothing");
    });
}

/// Destroy keeps the data stores' volume claims and the namespace by default, says so, and never
/// deletes a namespace it did not make.
#[test]
fn destroy_keeps_data_unless_told_and_never_a_namespace_it_did_not_make() {
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        let k8s = fake_block(&fake);
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&config(&k8s, "", ""));
        assert_eq!(wd.resource("circleciserver_server.this")["namespace_created"], true);
        let claims = fake.names("persistentvolumeclaims", "circleci-server");
        assert!(claims.contains(&"data-circleci-postgres-0".to_string()), "{claims:?}");
        let run = wd.destroy();
        assert!(
            run.all().contains("Destroy kept CircleCI Server's data"),
            "{}",
            run.all()
        );
        assert!(
            run.all().contains("PersistentVolumeClaim/data-circleci-postgres-0"),
            "{}",
            run.all()
        );
        let mut kept = fake.names("persistentvolumeclaims", "circleci-server");
        kept.sort();
        let mut made = claims.clone();
        made.sort();
        assert_eq!(kept, made, "every claim is kept");
        assert!(
            fake.get("namespaces", "", "circleci-server").is_some(),
            "the namespace holding them too"
        );
        assert!(fake.names("statefulsets", "circleci-server").is_empty());
        assert!(fake.names("deployments", "circleci-server").is_empty());
        assert_eq!(
            fake.names("secrets", "circleci-server"),
            vec!["circleci-server-inputs".to_string()],
            "only the inputs (keysets) the kept data needs"
        );

        // A namespace the user made: delete_data removes the claims but never the namespace.
        let fake = FakeKube::start();
        fake.create_namespace("circleci-server");
        let k8s = fake_block(&fake);
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&config(&k8s, "  delete_data = true", ""));
        assert_eq!(wd.resource("circleciserver_server.this")["namespace_created"], false);
        assert!(!fake.names("persistentvolumeclaims", "circleci-server").is_empty());
        wd.destroy();
        assert!(
            fake.names("persistentvolumeclaims", "circleci-server").is_empty(),
            "data deleted as told"
        );
        assert!(
            fake.get("namespaces", "", "circleci-server").is_some(),
            "the user's namespace stays"
        );
        assert_eq!(fake.object_count(), 1, "nothing but the user's namespace is left");
    });
}

/// The install holds when the API server misbehaves: behind the fault proxy a fifth of the
/// requests fail (429 with Retry-After, or 503) and one answer in ten is lost after the server
/// acted. It installs, plans empty and is removed with nothing left but the user's namespace.
#[test]
fn install_and_removal_ride_out_throttling_503s_and_lost_answers() {
    use acceptance_tests::faults::{FaultProxy, Faults, Upstream};
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        fake.create_namespace("circleci-server");
        let port = fake.url.rsplit(':').next().unwrap().parse().unwrap();
        let proxy = FaultProxy::start(
            port,
            Faults {
                upstream: Upstream::Kubernetes,
                fail_fraction: 0.2,
                lose_fraction: 0.1,
                seed: std::env::var("FAULTS_SEED")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(2),
                ..Faults::default()
            },
        );
        let k8s = format!(
            "  kubernetes {{\n    host     = \"{}\"\n    token    = \"fake-token\"\n    insecure = true\n  }}\n",
            proxy.endpoint
        );
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&config(&k8s, "  delete_data = true", ""));
        assert!(
            fake.names("deployments", "circleci-server")
                .contains(&"api-service".to_string())
        );
        wd.destroy();
        assert_eq!(fake.object_count(), 1, "nothing but the user's namespace is left");
        let answers = proxy.answers();
        let failed = answers.iter().filter(|a| a.get("failed").is_some()).count();
        let lost = answers.iter().filter(|a| a.get("lost").is_some()).count();
        assert!(
            failed >= 5 && lost >= 2,
            "the proxy failed {failed} requests and lost {lost} answers"
        );
    });
}

/// The values CircleCI's reference says to generate are generated in its tools' forms, kept
/// across plans, sensitive, and kept beside the install: import reads them back (empty plan
/// after), and a new install in a namespace whose data was kept adopts them.
#[test]
fn generated_values_are_kept_imported_and_adopted() {
    use base64::Engine;
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        let k8s = fake_block(&fake);
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(&k8s, "", "");
        wd.step(&cfg);
        let first = wd.resource("circleciserver_server.this");
        let token = first["api_token"].as_str().unwrap().to_string();
        assert_eq!(token.len(), 48);
        assert_eq!(first["session_cookie_key"].as_str().unwrap().len(), 16);
        let gossip = base64::engine::general_purpose::STANDARD
            .decode(first["nomad_gossip_key"].as_str().unwrap())
            .unwrap();
        assert_eq!(gossip.len(), 32);
        for keyset in ["signing_keyset", "encryption_keyset"] {
            assert!(
                first[keyset].as_str().unwrap().starts_with("{:meta {\"name\""),
                "{}",
                first[keyset]
            );
        }
        assert_eq!(first["internal_passwords"].as_object().unwrap().len(), 6);
        let secrets = fake
            .get("secrets", "circleci-server", "circleci-server-secrets")
            .unwrap();
        let decode = |field: &str| {
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(secrets["data"][field].as_str().unwrap())
                    .unwrap(),
            )
            .unwrap()
        };
        assert_eq!(decode("API_TOKEN"), token);
        assert_eq!(decode("POSTGRES_PASSWORD"), first["internal_passwords"]["postgres"]);
        // Sensitive in the schema, so plans and `show` hide them.
        let sensitive = wd.sensitive_attributes("circleciserver_server");
        for name in [
            "api_token",
            "session_cookie_key",
            "signing_keyset",
            "encryption_keyset",
            "nomad_gossip_key",
            "internal_passwords",
        ] {
            assert!(
                sensitive.contains(&name.to_string()),
                "{name} is sensitive: {sensitive:?}"
            );
        }
        let plan = wd.run(&["plan", "-no-color", "-refresh=true"]);
        assert!(!plan.all().contains(&token), "the token stays out of plans");

        // Lost state: import by namespace reads everything back, and the plan after is empty.
        wd.must(&["state", "rm", "circleciserver_server.this"]);
        let missing = wd.import("circleciserver_server.this", "elsewhere");
        assert!(
            missing
                .all()
                .contains("No CircleCI Server install in namespace \"elsewhere\""),
            "{}",
            missing.all()
        );
        let run = wd.import("circleciserver_server.this", "circleci-server");
        assert!(run.success, "{}", run.all());
        wd.assert_import_read_everything("circleciserver_server.this");
        let imported = wd.resource("circleciserver_server.this");
        for name in [
            "api_token",
            "signing_keyset",
            "encryption_keyset",
            "internal_passwords",
            "namespace_created",
        ] {
            assert_eq!(imported[name], first[name], "{name}");
        }

        // Terraform 1.3 and later ask the provider about destroys: the plan says what stays.
        if !tf.version.starts_with("1.0.") {
            let plan = wd.run(&["plan", "-destroy", "-no-color", "-input=false"]);
            assert!(
                plan.all().contains("Destroying circleciserver_server keeps its data"),
                "{}",
                plan.all()
            );
            assert!(plan.all().contains("Secret/circleci-server-inputs"), "{}", plan.all());
        }
        // Destroy keeps the data and the values it was encrypted with; a new install adopts them.
        wd.destroy();
        assert_eq!(
            fake.names("secrets", "circleci-server"),
            vec!["circleci-server-inputs".to_string()]
        );
        wd.step(&cfg);
        let again = wd.resource("circleciserver_server.this");
        for name in [
            "api_token",
            "encryption_keyset",
            "internal_passwords",
            "namespace_created",
        ] {
            assert_eq!(again[name], first[name], "{name} adopted");
        }
        wd.step(&config(&k8s, "  delete_data = true", ""));
        wd.destroy();
        assert_eq!(fake.object_count(), 0, "delete_data leaves nothing");
    });
}

#[test]
fn bad_input_names_the_attribute() {
    let fake = FakeKube::start();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        let k8s = fake_block(&fake);
        let cases = [
            (
                config(&k8s, "", "").replace("circleci.example.com", "bad_domain!"),
                r"(?s)Invalid DNS name in domain",
            ),
            (
                config(&k8s, "", "").replace("github_client_secret = \"s3cret\"", "github_client_secret = \"\""),
                r"(?s)github_client_secret must not be empty",
            ),
            (
                config(&k8s, "  postgres {\n    port = 5432\n    user = \"u\"\n  }", ""),
                r"(?s)Missing required argument.*\x22host\x22 is required",
            ),
            (
                config(&k8s, "  load_balancers = { nomad = \"public\" }", ""),
                r"(?s)Invalid load balancer mode",
            ),
            (
                config(&k8s, "  node_ports = { nomad = { \"4647\" = 4647 } }", ""),
                r"(?s)Node port out of range.*4647 is outside",
            ),
            (
                config(&k8s, "  node_ports = { frontend = { \"80\" = 30080 } }", ""),
                r"(?s)No node port for the frontend load balancer.*port\(s\) 443",
            ),
            (
                config(
                    &k8s,
                    "  node_ports = { nomad = { \"4647\" = 30647 }, vm_service = { \"3000\" = 30647 } }",
                    "",
                ),
                r"(?s)Node port used twice",
            ),
            (
                config(&k8s, "  load_balancer_hostnames = { api = \"api.example.com\" }", ""),
                r"(?s)Hostname for a role that is not node_port",
            ),
            (
                config(&k8s, "  signing_keyset = \"c2VjcmV0LWtleQ==\"", ""),
                r"(?s)Invalid signing_keyset.*generate signing -a stdout",
            ),
            (
                config(&k8s, "  session_cookie_key = \"tooshort\"", ""),
                r"(?s)Invalid session_cookie_key.*exactly 16 characters",
            ),
            (
                config(
                    &k8s,
                    "  vm_service {\n    provider        = \"ec2\"\n    prescaled_linux = 9\n  }",
                    "",
                ),
                r"(?s)Invalid prescaled count.*prescaled_linux is 9",
            ),
        ];
        for (cfg, pattern) in cases {
            wd.step_expect_error(&cfg, pattern);
        }
    });
    assert_eq!(fake.object_count(), 0, "nothing reached the cluster");
}

/// The wiring with `circleciserver_load_balancer`: the node ports given are the Services' node
/// ports, and the hostnames given are the addresses reported (and the Nomad endpoint); a new
/// hostname is a change of the install that the next apply makes.
#[test]
fn node_port_roles_take_the_given_node_ports_and_hostnames() {
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let k8s = fake_block(&fake);
        let wiring = |hostname: &str| {
            format!(
                "  node_ports = {{\n    nomad    = {{ \"4647\" = 30647 }}\n    frontend = {{ \"80\" = 30080, \"443\" = 30443 }}\n  }}\n\
                 load_balancer_hostnames = {{ nomad = \"{hostname}\" }}"
            )
        };
        let extra = "output \"nomad\" { value = circleciserver_server.this.nomad_server_endpoint }\n";
        wd.step(&config(&k8s, &wiring("nomad-lb.example.com"), extra));
        let service = |name: &str| fake.get("services", "circleci-server", name).unwrap();
        let node_ports = |name: &str| -> Vec<i64> {
            service(name)["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["nodePort"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(node_ports("circleci-nomad-lb"), [30647]);
        assert_eq!(node_ports("circleci-frontend-lb"), [30080, 30443]);
        assert_eq!(service("circleci-api-lb")["spec"]["type"], "LoadBalancer");
        let output = |wd: &Workdir, name: &str| -> serde_json::Value {
            serde_json::from_str(&wd.must(&["output", "-json", name]).stdout).unwrap()
        };
        assert_eq!(output(&wd, "nomad"), "nomad-lb.example.com:4647");
        let addresses = output(&wd, "load_balancers");
        assert_eq!(addresses["nomad"], "nomad-lb.example.com");
        assert_eq!(
            addresses["frontend"], "node-port:circleci-frontend-lb",
            "no hostname given for it"
        );

        wd.step(&config(&k8s, &wiring("nomad.internal.example.com"), extra));
        assert_eq!(output(&wd, "nomad"), "nomad.internal.example.com:4647");
        assert_eq!(
            service("circleci-nomad-lb")["metadata"]["annotations"]["circleci.com/load-balancer-hostname"],
            "nomad.internal.example.com"
        );
        wd.destroy();
        assert!(fake.names("services", "circleci-server").is_empty());
    });
}

/// Ctrl-C while the install waits for a service that never becomes ready: Terraform asks the
/// provider to stop, the wait ends at once, and what was applied is kept in state.
#[test]
fn ctrl_c_during_the_rollout_wait_ends_the_apply_and_keeps_the_install() {
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        fake.set_unready("circleci-server", "frontend");
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.write(&config(&fake_block(&fake), "", "").replace("create = \"2m\"", "create = \"30m\""));
        wd.init();
        let child = wd.spawn(&["apply", "-auto-approve", "-no-color", "-input=false"]);
        let started = std::time::Instant::now();
        while fake.get("deployments", "circleci-server", "frontend").is_none() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(120),
                "the install never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        std::thread::sleep(std::time::Duration::from_secs(2)); // well inside the rollout wait
        let interrupted = std::time::Instant::now();
        acceptance_tests::interrupt(&child);
        let run = acceptance_tests::Run::from_child(child);
        let took = interrupted.elapsed();
        assert!(!run.success, "an interrupted apply fails:\n{}", run.all());
        assert!(
            took < std::time::Duration::from_secs(15),
            "took {took:?} to stop:\n{}",
            run.all()
        );
        assert!(run.all().contains("Stopped while waiting"), "{}", run.all());
        let state = wd.resource("circleciserver_server.this");
        assert_eq!(state["id"], "circleci-server", "the install is in state");
        wd.destroy();
        assert!(fake.get("deployments", "circleci-server", "frontend").is_none());
    });
}

/// Registry credentials become a `kubernetes.io/dockerconfigjson` Secret the install makes, and
/// every pod references it.
#[test]
fn registry_credentials_become_a_pull_secret_every_pod_uses() {
    use base64::Engine;
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let creds = "  license = \"lic-0123\"\n  image_registry_username = \"acme\"\n  image_registry_password = \"from-the-license\"";
        wd.step(&config(&fake_block(&fake), creds, ""));
        let secrets = fake
            .get("secrets", "circleci-server", "circleci-server-secrets")
            .unwrap();
        let license = base64::engine::general_purpose::STANDARD
            .decode(secrets["data"]["LICENSE"].as_str().unwrap())
            .unwrap();
        assert_eq!(license, b"lic-0123", "the license reaches the services");
        let secret = fake
            .get("secrets", "circleci-server", "circleci-registry")
            .expect("pull secret");
        assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(secret["data"][".dockerconfigjson"].as_str().unwrap())
            .unwrap();
        let docker_config: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        let auth = &docker_config["auths"]["cciserver.azurecr.io"];
        assert_eq!(auth["username"], "acme");
        assert_eq!(auth["password"], "from-the-license");
        for plural in ["deployments", "statefulsets"] {
            let names = fake.names(plural, "circleci-server");
            assert!(!names.is_empty());
            for name in names {
                let live = fake.get(plural, "circleci-server", &name).unwrap();
                assert_eq!(
                    live["spec"]["template"]["spec"]["imagePullSecrets"][0]["name"], "circleci-registry",
                    "{plural}/{name} pulls with the registry credentials"
                );
            }
        }
        let half = config(&fake_block(&fake), "  image_registry_username = \"acme\"", "");
        wd.step_expect_error(&half, r"(?s)Half the registry credentials.*image_registry_password");
        wd.write(&config(&fake_block(&fake), creds, ""));
        wd.destroy();
    });
}

/// A workload that never becomes ready fails the apply at its timeout, naming the service and
/// what breaks while it is down; a namespace change is refused at plan, before anything moves.
#[test]
fn a_service_never_ready_fails_with_its_impact_and_the_namespace_cannot_move() {
    for_each_terraform(|tf| {
        let fake = FakeKube::start();
        let k8s = fake_block(&fake);
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&config(&k8s, "", ""));
        let moved = config(&k8s, "  namespace = \"circleci-elsewhere\"", "");
        wd.write(&moved);
        let plan = wd.run(&["plan", "-no-color", "-input=false"]);
        assert!(!plan.success, "{}", plan.all());
        assert!(
            plan.all().contains("cannot move to another namespace"),
            "{}",
            plan.all()
        );
        assert!(
            plan.all().contains("Keep namespace = \"circleci-server\""),
            "{}",
            plan.all()
        );
        assert!(fake.names("deployments", "circleci-elsewhere").is_empty());
        wd.write(&config(&k8s, "", ""));
        wd.destroy();

        let fake = FakeKube::start();
        fake.set_unready("circleci-server", "contexts-service");
        let k8s = fake_block(&fake);
        let mut wd = Workdir::new(tf, crate::common::provider());
        let short = config(&k8s, "", "").replace("create = \"2m\"", "create = \"3s\"");
        let run = wd.step_expect_error(&short, r"(?s)Timed out waiting for CircleCI Server's services");
        let all = run.all();
        assert!(
            all.contains("contexts-service: while it is down, all builds using Contexts will fail"),
            "{all}"
        );
        assert!(
            !all.contains("- frontend:"),
            "only services that are not ready are listed:\n{all}"
        );
        wd.destroy();
    });
}

#[test]
fn manifests_render_without_a_cluster() {
    let tf = &acceptance_tests::terraforms()[0];
    let mut wd = Workdir::new(tf, crate::common::provider());
    let cfg = format!(
        "{}data \"circleciserver_server_manifests\" \"this\" {{\n  version = \"3.4.0\"\n  domain = \"circleci.example.com\"\n  cloud = \"gcp\"\n\
         github {{\n    client_id = \"id\"\n  }}\n  github_client_secret = \"secret\"\n\
         object_storage {{\n    bucket              = \"b\"\n    gcp_service_account = \"sa@p.iam.gserviceaccount.com\"\n  }}\n\
         nomad_tls {{\n    ca_cert_pem     = \"ca\"\n    server_cert_pem = \"cert\"\n  }}\n  nomad_server_key_pem = \"key\"\n}}\n\
         output \"objects\" {{ value = data.circleciserver_server_manifests.this.objects }}\n",
        provider_block("")
    );
    wd.step(&cfg);
    let objects: Vec<String> = serde_json::from_str(&wd.must(&["output", "-json", "objects"]).stdout).unwrap();
    assert!(objects.contains(&"Deployment/contexts-service".to_string()));
    assert!(objects.contains(&"Service/circleci-nomad-lb".to_string()));
    assert_eq!(objects[0], "Namespace/circleci-server");
}

/// The same install against a real cluster, when TF_ACC_KUBECONFIG names one.
#[test]
fn install_into_a_real_cluster_when_configured() {
    let Ok(kubeconfig) = std::env::var("TF_ACC_KUBECONFIG") else {
        eprintln!("TF_ACC_KUBECONFIG not set: skipping the real-cluster test");
        return;
    };
    let tf = &acceptance_tests::terraforms()[0];
    let mut wd = Workdir::new(tf, crate::common::provider());
    let k8s = format!("  kubernetes {{\n    config_path = \"{kubeconfig}\"\n  }}\n");
    wd.step(&config(&k8s, "", ""));
    wd.destroy();
}

/// A home directory whose ~/.kube/config points at `decoy`: what a provider that falls back
/// to the local kubeconfig would talk to.
fn home_with_kubeconfig(decoy: &FakeKube) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".kube")).unwrap();
    std::fs::write(home.path().join(".kube/config"), decoy.kubeconfig()).unwrap();
    home
}

/// An empty kubernetes block is refused with what to set, and the local kubeconfig's current
/// context is never used in its place, though KUBECONFIG names it, as a kubectl user's shell does.
#[test]
fn an_empty_kubernetes_block_is_refused_not_filled_from_the_local_kubeconfig() {
    let decoy = FakeKube::start();
    let home = home_with_kubeconfig(&decoy);
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider())
            .env("HOME", home.path().to_str().unwrap())
            .env("KUBECONFIG", home.path().join(".kube/config").to_str().unwrap());
        wd.step_expect_error(
            &config("  kubernetes {}\n", "", ""),
            r"(?s)The kubernetes block names no cluster.*Set host",
        );
    });
    assert_eq!(
        decoy.request_count(),
        0,
        "the local kubeconfig's cluster was not contacted"
    );
}

/// No kubernetes block at all, with KUBECONFIG exported: the install is refused as not
/// configured instead of going to KUBECONFIG's current context (hashicorp/kubernetes v2 reads
/// only the kubeconfig a configuration names, or KUBE_CONFIG_PATH).
#[test]
fn without_a_kubernetes_block_an_exported_kubeconfig_is_not_read() {
    let decoy = FakeKube::start();
    let home = home_with_kubeconfig(&decoy);
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider())
            .env("HOME", home.path().to_str().unwrap())
            .env("KUBECONFIG", home.path().join(".kube/config").to_str().unwrap())
            .env_remove("KUBE_CONFIG_PATH");
        wd.step_expect_error(
            &config("", "", ""),
            r"(?s)Kubernetes is not configured.*add\s+a\s+kubernetes",
        );
    });
    assert_eq!(decoy.request_count(), 0, "KUBECONFIG's cluster was not contacted");
}

/// KUBE_CONFIG_PATH is the one variable that names a kubeconfig for a configuration without a
/// kubernetes block, as for hashicorp/kubernetes v2.
#[test]
fn kube_config_path_names_the_cluster_when_the_block_is_left_out() {
    let fake = FakeKube::start();
    let decoy = FakeKube::start();
    let home = home_with_kubeconfig(&decoy);
    let named = home.path().join("named-kubeconfig");
    std::fs::write(&named, fake.kubeconfig()).unwrap();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider())
            .env("HOME", home.path().to_str().unwrap())
            .env("KUBECONFIG", home.path().join(".kube/config").to_str().unwrap())
            .env("KUBE_CONFIG_PATH", named.to_str().unwrap());
        wd.step(&format!(
            "{}data \"circleciserver_server_status\" \"this\" {{}}\noutput \"services\" {{ value = data.circleciserver_server_status.this.services }}\n",
            provider_block("")
        ));
    });
    assert!(fake.request_count() > 0, "KUBE_CONFIG_PATH's cluster was read");
    assert_eq!(decoy.request_count(), 0, "KUBECONFIG's cluster was not contacted");
}

/// `exec` credentials: the provider runs the command (with its args and env) and sends the
/// token it prints.
#[test]
fn exec_credentials_authenticate_to_the_cluster() {
    let fake = FakeKube::start();
    let scripts = tempfile::tempdir().unwrap();
    let script = scripts.path().join("get-token");
    std::fs::write(
        &script,
        "#!/bin/sh\n[ \"$1\" = get-token ] || exit 3\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-%s\"}}' \"$TOKEN_SUFFIX\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        let block = format!(
            "  kubernetes {{\n    host     = \"{}\"\n    insecure = true\n    exec {{\n      api_version = \"client.authentication.k8s.io/v1beta1\"\n      command     = \"{}\"\n      args        = [\"get-token\"]\n      env         = {{ TOKEN_SUFFIX = \"42\" }}\n    }}\n  }}\n",
            fake.url,
            script.display()
        );
        wd.step(&format!(
            "{}data \"circleciserver_server_status\" \"this\" {{}}\noutput \"services\" {{ value = data.circleciserver_server_status.this.services }}\n",
            provider_block(&block)
        ));
    });
    assert_eq!(
        fake.bearer_tokens(),
        ["exec-42"],
        "every request carried the command's token"
    );
}

/// A kubernetes block that is unknown at plan (the cluster comes from a resource) is neither
/// read as null nor replaced by the local kubeconfig: the install is applied to the cluster
/// the block names once known, and a later plan with the block unknown again keeps the
/// install's state as it was (with a warning) instead of reading another cluster.
#[test]
fn an_unknown_kubernetes_host_waits_for_apply_and_never_reads_the_local_kubeconfig() {
    let fake = FakeKube::start();
    let decoy = FakeKube::start();
    let home = home_with_kubeconfig(&decoy);
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider())
            .env("HOME", home.path().to_str().unwrap())
            .env("KUBECONFIG", home.path().join(".kube/config").to_str().unwrap());
        // The host is known only once the bootstrap resource exists (substr(..., 0, 0) is "").
        let block = format!(
            "  kubernetes {{\n    host     = \"{}${{substr(circleciserver_nomad_tls.bootstrap.id, 0, 0)}}\"\n    token    = \"fake-token\"\n    insecure = true\n  }}\n",
            fake.url
        );
        let bootstrap = "provider \"circleciserver\" {\n  alias = \"bootstrap\"\n}\n\
                         resource \"circleciserver_nomad_tls\" \"bootstrap\" {\n  provider = circleciserver.bootstrap\n}\n";
        wd.step(&config(&block, "", bootstrap));
        assert!(fake.get("deployments", "circleci-server", "api-service").is_some());

        wd.must(&["taint", "-no-color", "circleciserver_nomad_tls.bootstrap"]);
        let plan = wd.plan();
        assert!(
            plan.all().contains("circleciserver_server was not refreshed"),
            "{}",
            plan.all()
        );
        assert!(
            !plan.stdout.contains("circleciserver_server.this will be created")
                && !plan.stdout.contains("circleciserver_server.this must be replaced"),
            "the install stays in state as it was:\n{}",
            plan.stdout
        );
        wd.must(&["apply", "-auto-approve", "-no-color", "-input=false"]);
        wd.destroy();
    });
    assert_eq!(
        decoy.request_count(),
        0,
        "the local kubeconfig's cluster was never contacted"
    );
}
