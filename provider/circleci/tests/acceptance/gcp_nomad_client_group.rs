//! Acceptance tests of `circleciserver_nomad_client_group` on GCP: Terraform drives the provider, the
//! provider drives the project's fake Compute Engine API through google-cloud-rust.

#![cfg(feature = "gcp")]

use acceptance_tests::fake_gcp::FakeGcp;
use acceptance_tests::{Workdir, for_each_terraform, provider_block};

const PROJECT: &str = "circleci-test";
const REGION: &str = "us-east1";
const MIGS: &str = "regions/us-east1/instanceGroupManagers";
const AUTOSCALERS: &str = "regions/us-east1/autoscalers";
const TEMPLATES: &str = "global/instanceTemplates";

fn config(fake: &FakeGcp, body: &str, gcp_extra: &str) -> String {
    format!(
        "{}resource \"circleciserver_nomad_tls\" \"this\" {{}}\n\
         resource \"circleciserver_nomad_client_group\" \"this\" {{\n  name = \"ci-nomad\"\n  nomad_server_address = \"nomad.circleci.internal\"\n\
         tls = {{\n    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem\n    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem\n    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem\n  }}\n\
         {body}\n  gcp {{\n    network      = \"circleci\"\n    source_image = \"projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts\"\n{gcp_extra}\n  }}\n}}\n",
        provider_block(&format!(
            "  gcp {{\n    project   = \"{PROJECT}\"\n    region    = \"{REGION}\"\n    anonymous = true\n    endpoints {{\n      \
             compute         = \"{url}\"\n      iam             = \"{url}\"\n      resourcemanager = \"{url}\"\n    }}\n  }}\n",
            url = fake.url
        ))
    )
}

/// Everything the group made, by collection, in the fake.
fn parts(fake: &FakeGcp) -> Vec<(String, Vec<String>)> {
    ["global/healthChecks", "global/firewalls", TEMPLATES, MIGS, AUTOSCALERS]
        .iter()
        .map(|c| (c.to_string(), fake.names(PROJECT, c)))
        .chain([
            ("serviceAccounts".to_string(), fake.service_accounts(PROJECT)),
            ("roles".to_string(), fake.custom_roles(PROJECT)),
        ])
        .collect()
}

#[test]
fn create_resize_roll_drift_import_destroy() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&config(&fake, "  min_size = 1\n  max_size = 3", ""));
        assert_eq!(
            fake.iam_request_count(),
            0,
            "a group without autoscaler access needs no IAM, to make, refresh or plan"
        );
        let state = wd.resource("circleciserver_nomad_client_group.this");
        assert_eq!(state["desired_size"], 1);
        assert_eq!(
            state["id"],
            format!("projects/{PROJECT}/regions/{REGION}/instanceGroupManagers/ci-nomad")
        );

        // The group: regional, auto-healing on Nomad's client health endpoint, proactive rolls.
        let group = fake.get(PROJECT, MIGS, "ci-nomad").expect("the group");
        assert_eq!(group["targetSize"], 1);
        assert_eq!(group["updatePolicy"]["type"], "PROACTIVE");
        assert_eq!(group["updatePolicy"]["maxUnavailable"]["fixed"], 0);
        let check = fake.get(PROJECT, "global/healthChecks", "ci-nomad-nomad").unwrap();
        assert_eq!(check["httpHealthCheck"]["port"], 4646);
        assert_eq!(check["httpHealthCheck"]["requestPath"], "/v1/agent/health?type=client");
        assert!(
            group["autoHealingPolicies"][0]["healthCheck"]
                .as_str()
                .unwrap()
                .ends_with("/healthChecks/ci-nomad-nomad")
        );
        let firewall = fake.get(PROJECT, "global/firewalls", "ci-nomad-health-checks").unwrap();
        assert_eq!(
            firewall["sourceRanges"],
            serde_json::json!(["35.191.0.0/16", "130.211.0.0/22"])
        );
        assert_eq!(firewall["targetTags"], serde_json::json!(["ci-nomad"]));

        // The template: the defaults the issue names, Shielded VM, no public address, the script.
        let template_name = state["gcp"]["instance_template"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let template = fake.get(PROJECT, TEMPLATES, &template_name).unwrap();
        let properties = &template["properties"];
        assert_eq!(properties["machineType"], "n2-standard-8");
        assert_eq!(properties["disks"][0]["initializeParams"]["diskType"], "pd-ssd");
        assert_eq!(properties["disks"][0]["initializeParams"]["diskSizeGb"], "300");
        assert_eq!(properties["shieldedInstanceConfig"]["enableSecureBoot"], true);
        assert!(
            properties["networkInterfaces"][0]["accessConfigs"].is_null(),
            "no public address"
        );
        let script = properties["metadata"]["items"][0]["value"].as_str().unwrap();
        assert_eq!(properties["metadata"]["items"][0]["key"], "startup-script");
        assert!(
            script.contains("nomad.circleci.internal"),
            "the server address is in the script"
        );
        let autoscaler = fake.get(PROJECT, AUTOSCALERS, "ci-nomad").unwrap();
        assert_eq!(autoscaler["autoscalingPolicy"]["mode"], "ONLY_SCALE_OUT");
        assert_eq!(autoscaler["autoscalingPolicy"]["coolDownPeriodSec"], 120);
        assert_eq!(autoscaler["autoscalingPolicy"]["maxNumReplicas"], 3);

        // Size changes: autoscaler and group in place; no new template.
        wd.step(&config(&fake, "  min_size = 2\n  max_size = 5\n  desired_size = 2", ""));
        assert_eq!(
            fake.get(PROJECT, AUTOSCALERS, "ci-nomad").unwrap()["autoscalingPolicy"]["maxNumReplicas"],
            5
        );
        assert_eq!(fake.get(PROJECT, MIGS, "ci-nomad").unwrap()["targetSize"], 2);
        assert_eq!(fake.names(PROJECT, TEMPLATES), vec![template_name.clone()]);

        // A template change: a new template, the group rolled onto it, the old one deleted.
        let sizes = "  min_size = 2\n  max_size = 5\n  desired_size = 2";
        wd.step(&config(&fake, sizes, "    machine_type = \"n2-standard-16\""));
        let templates = fake.names(PROJECT, TEMPLATES);
        assert_eq!(templates.len(), 1, "{templates:?}");
        assert_ne!(templates[0], template_name);
        assert!(
            fake.get(PROJECT, MIGS, "ci-nomad").unwrap()["instanceTemplate"]
                .as_str()
                .unwrap()
                .ends_with(&templates[0])
        );

        // Drift: the autoscaler's maximum changed in the console is put back.
        fake.edit(PROJECT, AUTOSCALERS, "ci-nomad", |a| {
            a["autoscalingPolicy"]["maxNumReplicas"] = 9.into()
        });
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.stdout);
        wd.step(&config(&fake, sizes, "    machine_type = \"n2-standard-16\""));
        assert_eq!(
            fake.get(PROJECT, AUTOSCALERS, "ci-nomad").unwrap()["autoscalingPolicy"]["maxNumReplicas"],
            5
        );

        // Lost state: import by path reads everything back, the TLS material and server address
        // included (from the template's start-up script), and plans nothing.
        wd.must(&["state", "rm", "circleciserver_nomad_client_group.this"]);
        let run = wd.import(
            "circleciserver_nomad_client_group.this",
            &format!("projects/{PROJECT}/regions/{REGION}/instanceGroupManagers/ci-nomad"),
        );
        assert!(run.success, "{}", run.all());
        wd.assert_import_read_everything("circleciserver_nomad_client_group.this");

        // The group and its autoscaler deleted behind Terraform's back: the template, health
        // check and firewall rule are kept in state, so the group is replaced (they are deleted,
        // then all made again).
        assert!(fake.remove(PROJECT, AUTOSCALERS, "ci-nomad"));
        assert!(fake.remove(PROJECT, MIGS, "ci-nomad"));
        let plan = wd.plan();
        assert!(
            plan.stdout.contains("1 to add, 0 to change, 1 to destroy"),
            "{}",
            plan.all()
        );
        assert!(plan.all().contains("Part of this"), "{}", plan.all());
        wd.step(&config(&fake, sizes, "    machine_type = \"n2-standard-16\""));
        assert_eq!(fake.names(PROJECT, TEMPLATES).len(), 1, "one template, none left over");
        assert_eq!(fake.names(PROJECT, MIGS), vec!["ci-nomad".to_string()]);

        wd.destroy();
        for (collection, names) in parts(&fake) {
            assert!(names.is_empty(), "destroy left {collection}: {names:?}");
        }
    });
}

/// A create interrupted half-way (here: the autoscaler refused) keeps what it made in state;
/// the next apply finishes the job without duplicates, and destroy leaves nothing.
#[test]
fn half_way_failure_is_recorded_and_finished_and_foreign_parts_refused() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(&fake, "  min_size = 1\n  max_size = 3", "");
        // Four operations succeed (health check, firewall, template, group); the autoscaler's fails.
        fake.fail_operation_after(
            4,
            "QUOTA_EXCEEDED",
            "Quota 'AUTOSCALERS' exceeded. Limit: 0.0 in region us-east1.",
        );
        wd.step_expect_error(&cfg, r"(?s)Quota 'AUTOSCALERS' exceeded");
        let state = wd.resource("circleciserver_nomad_client_group.this");
        assert!(
            state["gcp"]["instance_group_manager"].is_string(),
            "what was made is in state: {state}"
        );
        assert!(fake.names(PROJECT, AUTOSCALERS).is_empty());
        wd.step(&cfg);
        assert_eq!(fake.names(PROJECT, MIGS), vec!["ci-nomad".to_string()]);
        assert_eq!(fake.names(PROJECT, AUTOSCALERS), vec!["ci-nomad".to_string()]);
        assert_eq!(fake.names(PROJECT, TEMPLATES).len(), 1);
        // Someone replaced the health check with one of their own, by the same name: destroy
        // removes only what carries this group's description and leaves theirs.
        fake.edit(PROJECT, "global/healthChecks", "ci-nomad-nomad", |c| {
            c["description"] = serde_json::json!("theirs")
        });
        wd.destroy();
        for (collection, names) in parts(&fake) {
            if collection == "global/healthChecks" {
                assert_eq!(
                    names,
                    vec!["ci-nomad-nomad".to_string()],
                    "destroy deleted a health check someone else made"
                );
            } else {
                assert!(names.is_empty(), "destroy left {collection}: {names:?}");
            }
        }
        assert!(fake.remove(PROJECT, "global/healthChecks", "ci-nomad-nomad"));

        // A health check of the same name that someone else made is never adopted.
        fake.insert(
            PROJECT,
            "global/healthChecks",
            serde_json::json!({ "name": "ci-nomad-nomad", "description": "theirs" }),
        );
        wd.step_expect_error(
            &cfg,
            r"(?s)Health check ci-nomad-nomad already exists.*not made for circleciserver_nomad_client_group",
        );
        assert_eq!(
            fake.get(PROJECT, "global/healthChecks", "ci-nomad-nomad").unwrap()["description"],
            "theirs"
        );
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let fake = FakeGcp::start();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cases = [
            ("  name_override = 1", "", r"(?s)Unsupported argument"),
            ("", "    cpu_target = 1.5", r"(?s)Invalid CPU target.*cpu_target is 1.5"),
            ("", "    autoscaling_mode = \"SOMETIMES\"", r"(?s)autoscaling_mode"),
            ("", "    autoscaler_access = \"irsa\"", r"(?s)autoscaler_access"),
            (
                "  min_size = 5\n  max_size = 2",
                "",
                r"(?s)min_size is larger than max_size",
            ),
        ];
        for (body, gcp, pattern) in cases {
            wd.step_expect_error(&config(&fake, body, gcp), pattern);
        }
        let bad_name = config(&fake, "", "").replace("name = \"ci-nomad\"", "name = \"CI_Nomad\"");
        wd.step_expect_error(&bad_name, r"(?s)Invalid GCP group name");
    });
    assert_eq!(fake.request_count(), 0, "no request reached the fake");
}

/// nomad-autoscaler's access: a service account holding a custom role with only what the
/// gce-mig plugin calls, by workload identity, then a key, then none (everything removed, the
/// role soft-deleted), then workload identity again (the deleted role undeleted); a binding
/// removed or the role widened behind Terraform's back is set right again; destroy restores the project's policy.
#[test]
fn autoscaler_access_workload_identity_key_none_and_back() {
    const EMAIL: &str = "nomad-as-ci-nomad@circleci-test.iam.gserviceaccount.com";
    const ROLE_ID: &str = "circleciAutoscaler_ci_nomad";
    const ROLE: &str = "projects/circleci-test/roles/circleciAutoscaler_ci_nomad";
    const PROJECT_POLICY: &str = "projects/circleci-test";
    let account = format!("projects/{PROJECT}/serviceAccounts/{EMAIL}");
    let member = format!("serviceAccount:{EMAIL}");
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let before = fake.iam_policy(PROJECT_POLICY)["bindings"].clone();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let with = |access: &str| {
            config(
                &fake,
                "  min_size = 1\n  max_size = 3",
                &format!("    autoscaler_access = \"{access}\""),
            ) + "output \"autoscaler_key\" {\n  value     = circleciserver_nomad_client_group.this.gcp.autoscaler_service_account_key\n  sensitive = true\n}\n"
        };

        wd.step(&with("workload_identity"));
        let state = wd.resource("circleciserver_nomad_client_group.this");
        assert_eq!(state["gcp"]["autoscaler_service_account_email"], EMAIL);
        assert!(state["gcp"]["autoscaler_service_account_key"].is_null());
        let role = fake.custom_role(PROJECT, ROLE_ID).expect("the custom role");
        let permissions: Vec<&str> = role["includedPermissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        assert!(
            permissions.contains(&"compute.instanceGroupManagers.update"),
            "{permissions:?}"
        );
        assert!(permissions.contains(&"compute.instances.delete"), "{permissions:?}");
        assert!(
            !permissions
                .iter()
                .any(|p| p.ends_with(".create") || p.ends_with(".setIamPolicy")),
            "no more than the plugin calls: {permissions:?}"
        );
        assert_eq!(fake.members(PROJECT_POLICY, ROLE), vec![member.clone()]);
        assert_eq!(
            fake.members(PROJECT_POLICY, "roles/owner"),
            vec!["user:owner@example.com".to_string()],
            "someone else's binding is kept"
        );
        assert_eq!(
            fake.members(&account, "roles/iam.workloadIdentityUser"),
            vec!["serviceAccount:circleci-test.svc.id.goog[circleci-server/nomad-autoscaler]".to_string()]
        );
        assert!(fake.service_account_keys(PROJECT, EMAIL).is_empty());

        // The project binding removed in the console: the refresh sees the access gone, and the
        // next apply grants it again.
        fake.edit_iam_policy(PROJECT_POLICY, |policy| {
            let bindings = policy["bindings"].as_array_mut().unwrap();
            bindings.retain(|b| b["role"] != ROLE);
        });
        assert!(
            wd.plan().stdout.contains("autoscaler_access"),
            "the lost grant shows in the plan"
        );
        wd.step(&with("workload_identity"));
        assert_eq!(fake.members(PROJECT_POLICY, ROLE), vec![member.clone()]);

        // The role widened in the console: the plan shows it, the apply narrows it again.
        fake.edit_custom_role(PROJECT, ROLE_ID, |role| {
            role["includedPermissions"]
                .as_array_mut()
                .unwrap()
                .push("compute.instances.create".into());
        });
        assert!(
            wd.plan().stdout.contains("autoscaler_access"),
            "the changed role shows in the plan"
        );
        wd.step(&with("workload_identity"));
        let role = fake.custom_role(PROJECT, ROLE_ID).unwrap();
        assert!(
            !role["includedPermissions"]
                .as_array()
                .unwrap()
                .contains(&"compute.instances.create".into()),
            "narrowed again: {role}"
        );

        // A key instead: workload identity's binding goes, one key is made and output.
        wd.step(&with("key"));
        let state = wd.resource("circleciserver_nomad_client_group.this");
        let key_id = state["gcp"]["autoscaler_key_id"]
            .as_str()
            .expect("a key id")
            .to_string();
        assert_eq!(fake.service_account_keys(PROJECT, EMAIL).len(), 1);
        assert!(fake.members(&account, "roles/iam.workloadIdentityUser").is_empty());
        let file: serde_json::Value = serde_json::from_str(&wd.output("autoscaler_key")).unwrap();
        assert_eq!(file["client_email"], EMAIL);
        assert_eq!(file["private_key_id"], key_id);
        // Lost state: the import reads the access back (the key file cannot be: it stays null).
        wd.must(&["state", "rm", "circleciserver_nomad_client_group.this"]);
        let run = wd.import(
            "circleciserver_nomad_client_group.this",
            &format!("projects/{PROJECT}/regions/{REGION}/instanceGroupManagers/ci-nomad"),
        );
        assert!(run.success, "{}", run.all());
        let imported = wd.resource("circleciserver_nomad_client_group.this");
        assert_eq!(imported["gcp"]["autoscaler_access"], "key");
        assert_eq!(imported["gcp"]["autoscaler_key_id"], key_id.as_str());

        // None: the account, its binding and the role go (IAM keeps the role, deleted).
        wd.step(&with("none"));
        assert!(fake.service_account(PROJECT, EMAIL).is_none());
        assert!(
            fake.members(PROJECT_POLICY, ROLE).is_empty(),
            "no binding, not even a deleted: one"
        );
        assert_eq!(fake.custom_role(PROJECT, ROLE_ID).unwrap()["deleted"], true);

        // And back: the deleted role is undeleted (its id cannot be made again for weeks).
        wd.step(&with("workload_identity"));
        assert!(fake.custom_role(PROJECT, ROLE_ID).unwrap()["deleted"].is_null());
        assert_eq!(fake.members(PROJECT_POLICY, ROLE), vec![member.clone()]);

        wd.destroy();
        for (collection, names) in parts(&fake) {
            assert!(names.is_empty(), "destroy left {collection}: {names:?}");
        }
        assert_eq!(
            fake.iam_policy(PROJECT_POLICY)["bindings"],
            before,
            "the project policy is as it was"
        );
    });
}
