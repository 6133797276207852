//! Acceptance tests of `circleciserver_vm_service_access` on GCP: Terraform drives the provider, the
//! provider drives the fake IAM, Resource Manager and Compute Engine APIs through
//! google-cloud-rust.

#![cfg(feature = "gcp")]

use acceptance_tests::fake_gcp::FakeGcp;
use acceptance_tests::{Workdir, for_each_terraform, provider_block};
use serde_json::json;

const PROJECT: &str = "circleci-test";
const FIREWALLS: &str = "global/firewalls";
const EMAIL: &str = "ci-vm-service@circleci-test.iam.gserviceaccount.com";
const PROJECT_POLICY: &str = "projects/circleci-test";
const INSTANCE_ADMIN: &str = "roles/compute.instanceAdmin.v1";
const WORKLOAD_IDENTITY_MEMBER: &str = "serviceAccount:circleci-test.svc.id.goog[circleci-server/vm-service]";

fn account_policy() -> String {
    format!("projects/{PROJECT}/serviceAccounts/{EMAIL}")
}

fn config(fake: &FakeGcp, name: &str, body: &str) -> String {
    format!(
        "{}resource \"circleciserver_vm_service_access\" \"this\" {{\n  name          = \"{name}\"\n  cluster_cidrs = [\"10.0.0.0/16\"]\n  \
         nomad_cidrs   = [\"10.1.0.0/16\"]\n{body}\n  gcp {{\n    network = \"circleci\"\n  }}\n}}\n\
         output \"key\" {{\n  value     = circleciserver_vm_service_access.this.gcp.service_account_key\n  sensitive = true\n}}\n",
        provider_block(&format!(
            "  gcp {{\n    project   = \"{PROJECT}\"\n    region    = \"us-east1\"\n    anonymous = true\n    endpoints {{\n      \
             compute         = \"{url}\"\n      iam             = \"{url}\"\n      resourcemanager = \"{url}\"\n    }}\n  }}\n",
            url = fake.url
        ))
    )
}

fn firewall_names(fake: &FakeGcp) -> Vec<String> {
    fake.names(PROJECT, FIREWALLS)
}

#[test]
fn key_access_create_update_drift_import_destroy() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(&fake, "ci-vm-service", "  access = \"key\"");
        wd.step(&cfg);
        let state = wd.resource("circleciserver_vm_service_access.this");
        assert_eq!(state["id"], account_policy());
        assert_eq!(state["gcp"]["service_account_email"], EMAIL);
        assert_eq!(state["gcp"]["network_tag"], "ci-vm-service");

        // The service account, instance admin on the project beside the owner's binding, and
        // able to run VMs as itself only.
        let account = fake.service_account(PROJECT, EMAIL).expect("the service account");
        assert!(account["description"].as_str().unwrap().contains("ci-vm-service"));
        assert_eq!(
            fake.members(PROJECT_POLICY, INSTANCE_ADMIN),
            vec![format!("serviceAccount:{EMAIL}")]
        );
        assert_eq!(
            fake.members(PROJECT_POLICY, "roles/owner"),
            vec!["user:owner@example.com"],
            "others' bindings stay"
        );
        assert!(
            fake.members(PROJECT_POLICY, "roles/iam.serviceAccountUser").is_empty(),
            "never service account user on the whole project"
        );
        assert_eq!(
            fake.members(&account_policy(), "roles/iam.serviceAccountUser"),
            vec![format!("serviceAccount:{EMAIL}")]
        );
        // The key file in the sensitive output, and the one key IAM holds.
        let key: serde_json::Value = serde_json::from_str(&wd.output("key")).expect("a key file");
        assert_eq!(key["client_email"], EMAIL);
        let keys = fake.service_account_keys(PROJECT, EMAIL);
        assert_eq!(keys.len(), 1);
        assert!(keys[0].ends_with(state["gcp"]["key_id"].as_str().unwrap()));
        // Firewall rules on the VMs' tag: 22 and 2376 from each range; no SSH rule without sources.
        assert_eq!(firewall_names(&fake), ["ci-vm-service-cluster", "ci-vm-service-nomad"]);
        let cluster = fake.get(PROJECT, FIREWALLS, "ci-vm-service-cluster").unwrap();
        assert_eq!(cluster["sourceRanges"], json!(["10.0.0.0/16"]));
        assert_eq!(cluster["allowed"][0]["ports"], json!(["22", "2376"]));
        assert_eq!(cluster["targetTags"], json!(["ci-vm-service"]));
        assert!(
            cluster["network"]
                .as_str()
                .unwrap()
                .ends_with("/global/networks/circleci")
        );
        assert_eq!(wd.plan().code, 0, "nothing to change after create");

        // In place: SSH reruns allowed, a wider Nomad range; the key stays.
        let changed = cfg
            .replace(
                "  access = \"key\"",
                "  access = \"key\"\n  allowed_ssh_cidrs = [\"203.0.113.0/24\"]",
            )
            .replace("[\"10.1.0.0/16\"]", "[\"10.1.0.0/16\", \"10.2.0.0/16\"]");
        wd.step(&changed);
        let ssh = fake.get(PROJECT, FIREWALLS, "ci-vm-service-ssh").expect("the SSH rule");
        assert_eq!(ssh["allowed"][0]["ports"], json!(["54782"]));
        assert_eq!(
            fake.get(PROJECT, FIREWALLS, "ci-vm-service-nomad").unwrap()["sourceRanges"],
            json!(["10.1.0.0/16", "10.2.0.0/16"])
        );
        assert_eq!(fake.service_account_keys(PROJECT, EMAIL), keys, "the key is kept");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&wd.output("key")).unwrap(),
            key
        );

        // Drift: a rule deleted in the console is put back.
        assert!(fake.remove(PROJECT, FIREWALLS, "ci-vm-service-cluster"));
        assert_eq!(wd.plan().code, 2);
        wd.step(&changed);
        assert!(fake.get(PROJECT, FIREWALLS, "ci-vm-service-cluster").is_some());

        // Lost state: import by the service account reads everything but the key file back.
        wd.must(&["state", "rm", "circleciserver_vm_service_access.this"]);
        let run = wd.import("circleciserver_vm_service_access.this", &account_policy());
        assert!(run.success, "{}", run.all());
        let imported = wd.resource("circleciserver_vm_service_access.this");
        assert_eq!(imported["access"], "key");
        assert_eq!(imported["cluster_cidrs"], json!(["10.0.0.0/16"]));
        assert_eq!(imported["allowed_ssh_cidrs"], json!(["203.0.113.0/24"]));
        assert_eq!(imported["gcp"]["network"], "circleci");
        assert_eq!(imported["gcp"]["key_id"], state["gcp"]["key_id"]);
        assert_eq!(wd.plan().code, 0, "the import plans nothing");

        // Workload identity instead of a key: the key goes, the Kubernetes service account may act as it.
        let workload = changed.replace("access = \"key\"", "access = \"workload_identity\"");
        wd.step(&workload);
        assert!(
            fake.service_account_keys(PROJECT, EMAIL).is_empty(),
            "the key is deleted"
        );
        assert_eq!(
            fake.members(&account_policy(), "roles/iam.workloadIdentityUser"),
            vec![WORKLOAD_IDENTITY_MEMBER]
        );
        assert_eq!(wd.plan().code, 0);

        // Drift: the project grant removed in the console reads as access `none`; the apply
        // grants it again.
        fake.edit_iam_policy(PROJECT_POLICY, |policy| {
            policy["bindings"]
                .as_array_mut()
                .unwrap()
                .retain(|b| b["role"] != INSTANCE_ADMIN);
        });
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(
            plan.stdout.contains("\"none\" -> \"workload_identity\""),
            "{}",
            plan.stdout
        );
        wd.step(&workload);
        assert_eq!(
            fake.members(PROJECT_POLICY, INSTANCE_ADMIN),
            vec![format!("serviceAccount:{EMAIL}")]
        );

        wd.destroy();
        assert!(fake.service_accounts(PROJECT).is_empty());
        assert!(firewall_names(&fake).is_empty());
        assert_eq!(
            fake.iam_policy(PROJECT_POLICY)["bindings"],
            json!([{ "role": "roles/owner", "members": ["user:owner@example.com"] }]),
            "the project policy is as it was"
        );
    });
}

/// A create stopped half-way keeps the service account in state and the next apply finishes;
/// someone else's service account of the name is refused and left alone; the project policy
/// changed by someone else between our read and write is read again, not overwritten.
#[test]
fn half_way_failure_foreign_account_and_concurrent_policy_change() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(&fake, "ci-vm-service", "");
        // The first firewall rule's operation fails.
        fake.fail_next_operation("QUOTA_EXCEEDED", "Quota 'FIREWALLS' exceeded. Limit: 0.0 globally.");
        wd.step_expect_error(&cfg, r"(?s)FIREWALLS");
        let state = wd.resource("circleciserver_vm_service_access.this");
        assert_eq!(
            state["gcp"]["service_account_email"], EMAIL,
            "what was made is in state: {state}"
        );
        wd.step(&cfg);
        assert_eq!(fake.service_accounts(PROJECT), vec![EMAIL.to_string()]);
        assert_eq!(firewall_names(&fake).len(), 2);
        assert_eq!(fake.members(PROJECT_POLICY, INSTANCE_ADMIN).len(), 1);

        // Someone grants a role while we are away: our revoke keeps it.
        fake.edit_iam_policy(PROJECT_POLICY, |p| {
            p["bindings"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "role": "roles/viewer", "members": ["user:auditor@example.com"] }));
        });
        wd.destroy();
        assert_eq!(
            fake.members(PROJECT_POLICY, "roles/viewer"),
            vec!["user:auditor@example.com"]
        );
        assert!(fake.members(PROJECT_POLICY, INSTANCE_ADMIN).is_empty());

        // Someone else's service account of the name.
        let (code, _) = acceptance_tests::http_call(
            &fake.url,
            "POST",
            &format!("/v1/projects/{PROJECT}/serviceAccounts"),
            "application/json",
            &json!({ "accountId": "ci-vm-service", "serviceAccount": { "description": "the data team's" } })
                .to_string(),
        );
        assert_eq!(code, 200);
        wd.step_expect_error(
            &cfg,
            r"(?s)Service account ci-vm-service@.* already exists.*not made for",
        );
        assert!(
            fake.members(PROJECT_POLICY, INSTANCE_ADMIN).is_empty(),
            "nothing granted to theirs"
        );
        wd.destroy();
        assert_eq!(
            fake.service_accounts(PROJECT),
            vec![EMAIL.to_string()],
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
                config(&fake, "vm", ""),
                r"(?s)Invalid GCP VM service access name.*6 to 30",
            ),
            (
                config(&fake, "CI_VM_SERVICE", ""),
                r"(?s)Invalid GCP VM service access name",
            ),
            (
                config(&fake, "ci-vm-service", "  access = \"irsa\""),
                r"(?s)Invalid access on GCP.*workload_identity",
            ),
            (
                config(&fake, "ci-vm-service", "  tags = { team = \"ci\" }"),
                r"(?s)GCP takes no tags here",
            ),
            (
                config(&fake, "ci-vm-service", "").replace("10.0.0.0/16", "10.0.0.0/99"),
                r"(?s)cluster_cidrs",
            ),
        ];
        for (cfg, pattern) in cases {
            wd.step_expect_error(&cfg, pattern);
        }
    });
    assert_eq!(fake.request_count(), 0, "no request reached the fake");
}
