//! Acceptance tests of `circleciserver_load_balancer` on GCP: Terraform drives the provider, the
//! provider drives the project's fake Compute Engine API through google-cloud-rust.

#![cfg(feature = "gcp")]

use acceptance_tests::fake_gcp::FakeGcp;
use acceptance_tests::{Workdir, for_each_terraform, provider_block};
use serde_json::json;

const PROJECT: &str = "circleci-test";
const REGION: &str = "us-east1";
const RULES: &str = "regions/us-east1/forwardingRules";
const SERVICES: &str = "regions/us-east1/backendServices";
const CHECKS: &str = "regions/us-east1/healthChecks";
const FIREWALLS: &str = "global/firewalls";
const GROUP_A: &str = "projects/circleci-test/zones/us-east1-b/instanceGroupManagers/gke-ci-default-pool-a";
const GROUP_B: &str = "projects/circleci-test/zones/us-east1-c/instanceGroupManagers/gke-ci-default-pool-b";

fn config(fake: &FakeGcp, name: &str, role: &str, node_ports: &str, body: &str, gcp_extra: &str) -> String {
    format!(
        "{}resource \"circleciserver_load_balancer\" \"this\" {{\n  name = \"{name}\"\n  role = \"{role}\"\n{body}\n  gcp {{\n    \
         network         = \"circleci\"\n    instance_groups = [\"{GROUP_A}\"]\n    node_ports      = {node_ports}\n    \
         target_tags     = [\"gke-ci-node\"]\n    source_ranges   = [\"10.0.0.0/8\"]\n{gcp_extra}\n  }}\n}}\n\
         output \"hostname\" {{ value = circleciserver_load_balancer.this.hostname }}\n",
        provider_block(&format!(
            "  gcp {{\n    project   = \"{PROJECT}\"\n    region    = \"{REGION}\"\n    anonymous = true\n    endpoints {{\n      compute = \"{}\"\n    }}\n  }}\n",
            fake.url
        ))
    )
}

fn nomad(fake: &FakeGcp, body: &str, gcp_extra: &str) -> String {
    config(fake, "ci-nomad", "nomad", "{ \"4647\" = 30647 }", body, gcp_extra)
}

/// Everything the load balancers made, by collection, in the fake.
fn parts(fake: &FakeGcp) -> Vec<(String, Vec<String>)> {
    [RULES, SERVICES, CHECKS, FIREWALLS]
        .iter()
        .map(|c| (c.to_string(), fake.names(PROJECT, c)))
        .collect()
}

#[test]
fn internal_nomad_load_balancer_create_update_drift_import_destroy() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&nomad(&fake, "  tags = { team = \"ci\" }", ""));
        let state = wd.resource("circleciserver_load_balancer.this");
        assert_eq!(state["internal"], true, "nomad is internal by default");
        assert_eq!(state["ports"], json!([4647]));
        assert!(
            state["gcp"]["subnetwork"]
                .as_str()
                .is_some_and(|s| s.ends_with("/regions/us-east1/subnetworks/circleci")),
            "the subnetwork Google chose is read back (and plans nothing): {state}"
        );
        assert_eq!(
            state["id"],
            format!("projects/{PROJECT}/regions/{REGION}/forwardingRules/ci-nomad")
        );

        // Forwarding rule: internal, TCP on the role's port, the address is the hostname.
        let rule = fake.get(PROJECT, RULES, "ci-nomad").expect("the forwarding rule");
        assert_eq!(rule["loadBalancingScheme"], "INTERNAL");
        assert_eq!(rule["IPProtocol"], "TCP");
        assert_eq!(rule["ports"], json!(["4647"]));
        assert_eq!(rule["labels"]["circleci-server-role"], "nomad");
        assert_eq!(rule["labels"]["team"], "ci");
        assert_eq!(wd.output("hostname"), rule["IPAddress"].as_str().unwrap());
        assert!(wd.output("hostname").starts_with("10."), "an internal address");
        // Backend service: TCP, the node pool's instance group (not its manager), the health check.
        let service = fake.get(PROJECT, SERVICES, "ci-nomad").unwrap();
        assert_eq!(service["loadBalancingScheme"], "INTERNAL");
        assert_eq!(
            service["backends"][0]["group"],
            GROUP_A.replace("instanceGroupManagers", "instanceGroups")
        );
        assert!(
            service["healthChecks"][0]
                .as_str()
                .unwrap()
                .ends_with("/healthChecks/ci-nomad")
        );
        let check = fake.get(PROJECT, CHECKS, "ci-nomad").unwrap();
        assert_eq!(check["type"], "TCP");
        assert_eq!(
            check["tcpHealthCheck"]["port"], 30647,
            "the health check probes the node port"
        );
        // Firewall: the role's port from source_ranges; the node port from Google's checkers; nodes only.
        let traffic = fake.get(PROJECT, FIREWALLS, "ci-nomad-traffic").unwrap();
        assert_eq!(traffic["sourceRanges"], json!(["10.0.0.0/8"]));
        assert_eq!(traffic["allowed"][0]["ports"], json!(["4647"]));
        assert_eq!(traffic["targetTags"], json!(["gke-ci-node"]));
        let health = fake.get(PROJECT, FIREWALLS, "ci-nomad-health-checks").unwrap();
        assert_eq!(health["allowed"][0]["ports"], json!(["30647"]));
        assert!(
            health["sourceRanges"]
                .as_array()
                .unwrap()
                .contains(&json!("35.191.0.0/16"))
        );

        // In place: a second node pool, other sources, other labels.
        let groups = format!("    instance_groups = [\"{GROUP_A}\", \"{GROUP_B}\"]");
        let changed = nomad(&fake, "  tags = { team = \"platform\" }", "")
            .replace(&format!("    instance_groups = [\"{GROUP_A}\"]"), &groups)
            .replace("[\"10.0.0.0/8\"]", "[\"10.0.0.0/8\", \"172.16.0.0/12\"]");
        let before = fake.get(PROJECT, RULES, "ci-nomad").unwrap()["id"].clone();
        wd.step(&changed);
        assert_eq!(
            fake.get(PROJECT, SERVICES, "ci-nomad").unwrap()["backends"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            fake.get(PROJECT, FIREWALLS, "ci-nomad-traffic").unwrap()["sourceRanges"],
            json!(["10.0.0.0/8", "172.16.0.0/12"])
        );
        let rule = fake.get(PROJECT, RULES, "ci-nomad").unwrap();
        assert_eq!(rule["labels"]["team"], "platform");
        assert_eq!(rule["id"], before, "updated in place, not replaced");

        // Drift: a backend removed in the console is put back.
        fake.edit(PROJECT, SERVICES, "ci-nomad", |s| s["backends"] = json!([]));
        assert_eq!(wd.plan().code, 2);
        wd.step(&changed);
        assert_eq!(
            fake.get(PROJECT, SERVICES, "ci-nomad").unwrap()["backends"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        // A node pool's instance group named as the group rather than its manager: the same
        // backends. (Import reads Google's spelling, the group's.)
        let changed = changed.replace("instanceGroupManagers", "instanceGroups");
        wd.step(&changed);
        assert_eq!(
            fake.get(PROJECT, SERVICES, "ci-nomad").unwrap()["backends"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        // Lost state: import by path reads everything back and plans nothing.
        wd.must(&["state", "rm", "circleciserver_load_balancer.this"]);
        let run = wd.import(
            "circleciserver_load_balancer.this",
            &format!("projects/{PROJECT}/regions/{REGION}/forwardingRules/ci-nomad"),
        );
        assert!(run.success, "{}", run.all());
        wd.assert_import_read_everything("circleciserver_load_balancer.this");

        // The forwarding rule deleted behind Terraform's back: the rest is kept in state, so the
        // load balancer is replaced (its parts deleted, then all made again).
        assert!(fake.remove(PROJECT, RULES, "ci-nomad"));
        let plan = wd.plan().stdout;
        assert!(plan.contains("1 to add, 0 to change, 1 to destroy"), "{plan}");
        wd.step(&changed);
        assert_eq!(fake.names(PROJECT, SERVICES), vec!["ci-nomad".to_string()]);

        wd.destroy();
        for (collection, names) in parts(&fake) {
            assert!(names.is_empty(), "destroy left {collection}: {names:?}");
        }
    });
}

/// frontend: external, both ports, one node port each for the health check's firewall.
#[test]
fn external_frontend_load_balancer() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(
            &fake,
            "ci-frontend",
            "frontend",
            "{ \"80\" = 30080, \"443\" = 30443 }",
            "",
            "",
        )
        .replace("[\"10.0.0.0/8\"]", "[\"0.0.0.0/0\"]");
        wd.step(&cfg);
        let rule = fake.get(PROJECT, RULES, "ci-frontend").unwrap();
        assert_eq!(rule["loadBalancingScheme"], "EXTERNAL");
        assert_eq!(rule["ports"], json!(["80", "443"]));
        assert!(rule["network"].is_null(), "an external rule names no network");
        assert_eq!(
            fake.get(PROJECT, FIREWALLS, "ci-frontend-health-checks").unwrap()["allowed"][0]["ports"],
            json!(["30080", "30443"])
        );
        assert_eq!(
            fake.get(PROJECT, CHECKS, "ci-frontend").unwrap()["tcpHealthCheck"]["port"],
            30080
        );
        wd.destroy();
        for (collection, names) in parts(&fake) {
            assert!(names.is_empty(), "destroy left {collection}: {names:?}");
        }
    });
}

/// A create interrupted half-way keeps what it made in state; the next apply finishes the
/// job without duplicates; a part of the same name made by someone else is never adopted.
#[test]
fn half_way_failure_is_recorded_and_finished_and_foreign_parts_refused() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = nomad(&fake, "", "");
        // Health check, two firewall rules and the backend service succeed; the forwarding rule fails.
        fake.fail_operation_after(
            4,
            "QUOTA_EXCEEDED",
            "Quota 'INTERNAL_FORWARDING_RULES_PER_NETWORK' exceeded. Limit: 0.0 globally.",
        );
        wd.step_expect_error(&cfg, r"(?s)INTERNAL_FORWARDING_RULES_PER_NETWORK");
        let state = wd.resource("circleciserver_load_balancer.this");
        assert!(
            state["gcp"]["backend_service"].is_string(),
            "what was made is in state: {state}"
        );
        wd.step(&cfg);
        assert_eq!(fake.names(PROJECT, RULES), vec!["ci-nomad".to_string()]);
        assert_eq!(fake.names(PROJECT, SERVICES), vec!["ci-nomad".to_string()]);
        assert_eq!(fake.names(PROJECT, FIREWALLS).len(), 2);
        wd.destroy();
        for (collection, names) in parts(&fake) {
            assert!(names.is_empty(), "destroy left {collection}: {names:?}");
        }

        fake.insert(
            PROJECT,
            SERVICES,
            json!({ "name": "ci-nomad", "description": "theirs" }),
        );
        wd.step_expect_error(
            &cfg,
            r"(?s)Backend service ci-nomad already exists.*not made for load balancer",
        );
        assert_eq!(
            fake.get(PROJECT, SERVICES, "ci-nomad").unwrap()["description"],
            "theirs"
        );
        wd.destroy();
        assert_eq!(
            fake.names(PROJECT, SERVICES),
            vec!["ci-nomad".to_string()],
            "theirs is left alone"
        );
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let fake = FakeGcp::start();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cases = [
            (
                nomad(&fake, "", "").replace("30647", "4647"),
                r"(?s)Invalid node port.*30000 to 32767",
            ),
            (
                config(&fake, "ci-api", "api", "{ \"80\" = 30081 }", "", ""),
                r"(?s)Missing node port for 443",
            ),
            (
                nomad(&fake, "", "").replace("[\"gke-ci-node\"]", "[]"),
                r"(?s)No target tags.*every VM in the network",
            ),
            (
                nomad(&fake, "", "").replace("10.0.0.0/8", "10.0.0.0/99"),
                r"(?s)source_ranges",
            ),
            (
                nomad(&fake, "", "").replace("\"ci-nomad\"", "\"CI_Nomad\""),
                r"(?s)Invalid GCP load balancer name",
            ),
            (
                nomad(&fake, "  internal = false", ""),
                r"(?s)The nomad load balancer must stay internal",
            ),
        ];
        for (cfg, pattern) in cases {
            wd.step_expect_error(&cfg, pattern);
        }
    });
    assert_eq!(fake.request_count(), 0, "no request reached the fake");
}

/// What a destroy killed after the forwarding rule's delete leaves (backend service, health
/// check, firewall rules): the resource stays in state, the plan replaces it and says why, and
/// destroy deletes the rest instead of forgetting it.
#[test]
fn half_destroyed_load_balancer_is_replaced_and_destroy_deletes_what_is_left() {
    let fake = FakeGcp::start();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&nomad(&fake, "", ""));
        assert!(fake.remove(PROJECT, RULES, "ci-nomad"));

        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
        assert!(
            plan.all().contains("Part of this load balancer is gone"),
            "{}",
            plan.all()
        );
        wd.destroy();
        for (collection, left) in parts(&fake) {
            assert!(left.is_empty(), "destroy left {collection}: {left:?}");
        }
    });
}
