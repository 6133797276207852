//! Acceptance tests of `circleciserver_object_storage` on GCP: Terraform drives the provider, the
//! provider drives the fake Cloud Storage (gRPC, google.storage.v2) and IAM through
//! google-cloud-rust.

#![cfg(feature = "gcp")]

use acceptance_tests::fake_gcp::FakeGcp;
use acceptance_tests::{Workdir, for_each_terraform, provider_block};
use serde_json::json;

const PROJECT: &str = "circleci-test";
const BUCKET: &str = "circleci-test-data";
const EMAIL: &str = "cci-circleci-test-data@circleci-test.iam.gserviceaccount.com";

fn config(fake: &FakeGcp, body: &str) -> String {
    format!(
        "{}resource \"circleciserver_object_storage\" \"this\" {{\n  name = \"{BUCKET}\"\n{body}\n  gcp {{}}\n}}\n\
         output \"key\" {{\n  value     = circleciserver_object_storage.this.gcp.service_account_key\n  sensitive = true\n}}\n",
        provider_block(&format!(
            "  gcp {{\n    project   = \"{PROJECT}\"\n    region    = \"us-east1\"\n    anonymous = true\n    endpoints {{\n      \
             compute         = \"{url}\"\n      iam             = \"{url}\"\n      resourcemanager = \"{url}\"\n      \
             storage         = \"{storage}\"\n    }}\n  }}\n",
            url = fake.url,
            storage = fake.storage_url,
        ))
    )
}

fn object_admins(fake: &FakeGcp) -> Vec<String> {
    fake.bucket_policy(BUCKET)
        .map(|p| {
            p.bindings
                .into_iter()
                .filter(|b| b.role == "roles/storage.objectAdmin")
                .flat_map(|b| b.members)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn bucket_and_access_create_update_drift_import_destroy() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(
            &fake,
            "  access      = \"workload_identity\"\n  expiry_days = 30\n  tags        = { team = \"ci\" }",
        );
        wd.step(&cfg);
        let state = wd.resource("circleciserver_object_storage.this");
        assert_eq!(state["bucket"], BUCKET);
        assert_eq!(state["region"], "us-east1", "the provider's region by default");
        assert_eq!(state["endpoint"], "https://storage.googleapis.com");
        assert_eq!(state["gcp"]["service_account_email"], EMAIL);

        // Private and versioned, with the expiry for objects and old versions, labelled.
        let bucket = fake.bucket(BUCKET).expect("the bucket");
        let iam = bucket.iam_config.clone().unwrap();
        assert!(iam.uniform_bucket_level_access.unwrap().enabled, "no object ACLs");
        assert_eq!(iam.public_access_prevention, "enforced");
        assert!(bucket.versioning.clone().unwrap().enabled);
        assert_eq!(bucket.location, "US-EAST1");
        let rules = bucket.lifecycle.clone().unwrap().rule;
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].condition.clone().unwrap().age_days, Some(30));
        assert_eq!(bucket.labels.get("team").map(String::as_str), Some("ci"));
        assert_eq!(
            bucket.project,
            format!(
                "projects/{}",
                acceptance_tests::fake_gcp::storage::project_number(PROJECT)
            ),
            "Google names the project by number"
        );
        // Object admin on this bucket only, beside the bucket's default bindings; the server's
        // storage users may act as the service account.
        assert_eq!(object_admins(&fake), vec![format!("serviceAccount:{EMAIL}")]);
        assert_eq!(
            fake.bucket_policy(BUCKET).unwrap().bindings.len(),
            3,
            "the legacy bindings stay"
        );
        assert!(
            fake.members(&format!("projects/{PROJECT}"), "roles/storage.objectAdmin")
                .is_empty(),
            "nothing on the project"
        );
        let mut acting = fake.members(
            &format!("projects/{PROJECT}/serviceAccounts/{EMAIL}"),
            "roles/iam.workloadIdentityUser",
        );
        acting.sort();
        assert_eq!(
            acting,
            ["audit-log-service", "frontend", "output-processor"]
                .map(|ksa| format!("serviceAccount:{PROJECT}.svc.id.goog[circleci-server/{ksa}]"))
        );
        assert_eq!(wd.plan().code, 0, "nothing to change after create");

        // In place: other labels, no expiry, a key instead of workload identity.
        let changed = config(&fake, "  access = \"key\"\n  tags   = { team = \"platform\" }");
        wd.step(&changed);
        let bucket = fake.bucket(BUCKET).unwrap();
        assert_eq!(bucket.labels.get("team").map(String::as_str), Some("platform"));
        assert!(bucket.lifecycle.clone().unwrap_or_default().rule.is_empty());
        assert!(bucket.metageneration > 1, "updated, not made again");
        let key: serde_json::Value = serde_json::from_str(&wd.output("key")).expect("a key file");
        assert_eq!(key["client_email"], EMAIL);
        assert_eq!(fake.service_account_keys(PROJECT, EMAIL).len(), 1);
        assert!(
            fake.members(
                &format!("projects/{PROJECT}/serviceAccounts/{EMAIL}"),
                "roles/iam.workloadIdentityUser"
            )
            .is_empty()
        );
        assert_eq!(wd.plan().code, 0);

        // Drift: versioning turned off in the console is turned back on.
        fake.edit_bucket(BUCKET, |b| b.versioning.as_mut().unwrap().enabled = false);
        assert_eq!(wd.plan().code, 2);
        wd.step(&changed);
        assert!(fake.bucket(BUCKET).unwrap().versioning.unwrap().enabled);

        // Lost state: import by name reads everything but the key file back.
        wd.must(&["state", "rm", "circleciserver_object_storage.this"]);
        let run = wd.import(
            "circleciserver_object_storage.this",
            &format!("projects/_/buckets/{BUCKET}"),
        );
        assert!(run.success, "{}", run.all());
        let imported = wd.resource("circleciserver_object_storage.this");
        assert_eq!(imported["access"], "key");
        assert_eq!(imported["tags"], json!({ "team": "platform" }));
        assert_eq!(imported["gcp"]["location"], "us-east1");
        assert_eq!(wd.plan().code, 0, "the import plans nothing");

        // A bucket with objects is kept; with force_destroy, every generation of every object
        // goes (1200 objects with an old version each: more than one page of 1000), then the
        // bucket, and the service account with it.
        fake.put_objects(BUCKET, 1200);
        let run = wd.run(&["destroy", "-auto-approve", "-no-color"]);
        assert!(!run.success);
        assert!(run.all().contains("is not empty"), "{}", run.all());
        assert!(
            run.all().contains("force_destroy"),
            "the way out is named: {}",
            run.all()
        );
        assert!(fake.bucket(BUCKET).is_some(), "user data is kept");
        assert_eq!(fake.object_count(BUCKET), 2400, "not one object deleted");
        wd.step(&config(
            &fake,
            "  access = \"key\"\n  tags   = { team = \"platform\" }\n  force_destroy = true",
        ));
        wd.destroy();
        assert!(fake.bucket(BUCKET).is_none());
        assert_eq!(fake.object_count(BUCKET), 0);
        assert!(fake.service_accounts(PROJECT).is_empty());
    });
}

/// Someone else's bucket of the name is refused and left alone; ours, left by an interrupted
/// apply, is adopted; bad input is refused before any request.
#[test]
fn foreign_bucket_refused_own_adopted_and_bad_input() {
    for_each_terraform(|tf| {
        let fake = FakeGcp::start();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cases = [
            (
                config(&fake, "").replace(BUCKET, "Circle_CI"),
                r"(?s)Invalid bucket name",
            ),
            (
                config(&fake, "  access = \"irsa\""),
                r"(?s)Invalid access on GCP.*workload_identity",
            ),
            (
                config(&fake, "").replace("gcp {}", "gcp {\n    service_account_id = \"x\"\n  }"),
                r"(?s)Invalid service account id",
            ),
            (
                config(&fake, "  tags = { Team = \"ci\" }"),
                r"(?s)Invalid GCP label key",
            ),
        ];
        for (cfg, pattern) in cases {
            wd.step_expect_error(&cfg, pattern);
        }
        assert_eq!(fake.request_count(), 0, "no request reached the fake");

        fake.create_bucket(PROJECT, BUCKET, &[("owner", "data-team")]);
        wd.step_expect_error(
            &config(&fake, ""),
            r"(?s)Bucket circleci-test-data already exists.*not made by this provider",
        );
        assert_eq!(
            fake.bucket(BUCKET).unwrap().labels.get("owner").map(String::as_str),
            Some("data-team"),
            "theirs is untouched"
        );
        fake.remove_bucket(BUCKET);

        fake.create_bucket(PROJECT, BUCKET, &[("managed-by", "terraform-provider-circleciserver")]);
        wd.step(&config(&fake, ""));
        assert_eq!(
            fake.bucket(BUCKET)
                .unwrap()
                .iam_config
                .unwrap()
                .public_access_prevention,
            "enforced"
        );
        assert_eq!(
            wd.plan().code,
            0,
            "the adopted bucket is brought to the configuration (versioning, access prevention)"
        );
        wd.destroy();
        assert!(fake.bucket(BUCKET).is_none());
    });
}

/// The bucket gone and its service account left (a destroy killed between the two deletes):
/// the resource stays in state, the plan replaces it and says why, and destroy deletes the
/// account instead of forgetting it.
#[test]
fn half_destroyed_bucket_is_replaced_and_destroy_deletes_its_service_account() {
    let fake = FakeGcp::start();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        wd.step(&config(&fake, "  access = \"workload_identity\""));
        assert_eq!(fake.service_accounts(PROJECT), vec![EMAIL.to_string()]);
        fake.remove_bucket(BUCKET);

        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
        assert!(plan.all().contains("Part of this bucket is gone"), "{}", plan.all());
        wd.destroy();
        assert!(
            fake.service_accounts(PROJECT).is_empty(),
            "destroy left {:?}",
            fake.service_accounts(PROJECT)
        );
    });
}
