//! Acceptance tests of `circleciserver_vm_service_image` on GCP: Terraform drives the provider, the
//! provider drives the project's fake Compute Engine API through google-cloud-rust exactly as
//! it would Google's.

#![cfg(feature = "gcp")]

use acceptance_tests::fake_gcp::FakeGcp;
use acceptance_tests::{Workdir, for_each_terraform, provider_block};

const PROJECT: &str = "circleci-test";
const IMAGES: &str = "global/images";
const FAMILY: &str = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts";

fn config(fake: &FakeGcp, body: &str, gcp: &str) -> String {
    format!(
        "{}resource \"circleciserver_vm_service_image\" \"this\" {{\n{body}\n  gcp {{\n{gcp}\n  }}\n  timeouts {{\n    create = \"2m\"\n  }}\n}}\n",
        provider_block(&format!(
            "  gcp {{\n    project        = \"{PROJECT}\"\n    region         = \"us-east1\"\n    anonymous      = true\n    \
             default_labels = {{ managed_by_team = \"platform\" }}\n    endpoints {{\n      compute = \"{}\"\n    }}\n  }}\n",
            fake.url
        ))
    )
}

fn fake() -> FakeGcp {
    let fake = FakeGcp::start();
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v1", "ubuntu-2204-lts");
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v2", "ubuntu-2204-lts");
    fake
}

#[test]
fn copy_label_drift_import_replace_destroy() {
    for_each_terraform(|tf| {
        let fake = fake();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let labelled = |team: &str| format!("  name = \"circleci-linux\"\n  tags = {{ team = \"{team}\" }}");
        let by_family = format!("    source_image = \"{FAMILY}\"\n    family       = \"circleci-vm\"");

        // Copy the newest of a family; READY after the operation; labels as configured.
        wd.step(&config(&fake, &labelled("ci"), &by_family));
        let state = wd.resource("circleciserver_vm_service_image.this");
        assert_eq!(
            state["image_id"],
            format!("projects/{PROJECT}/global/images/circleci-linux")
        );
        assert_eq!(
            state["gcp"]["resolved_source_image"],
            "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v2"
        );
        assert_eq!(state["gcp"]["disk_size_gb"], 10);
        let image = fake.get(PROJECT, IMAGES, "circleci-linux").expect("the image");
        assert_eq!(image["status"], "READY");
        assert_eq!(image["family"], "circleci-vm");
        assert_eq!(image["labels"]["team"], "ci");
        assert_eq!(image["labels"]["managed_by_team"], "platform", "default labels");
        assert_eq!(image["labels"]["managed-by"], "terraform-provider-circleciserver");
        assert_eq!(image["labels"]["circleci-server-kind"], "linux");

        // Labels update in place under the current fingerprint; the image stays.
        let id = image["id"].clone();
        wd.step(&config(&fake, &labelled("platform"), &by_family));
        let image = fake.get(PROJECT, IMAGES, "circleci-linux").unwrap();
        assert_eq!(image["id"], id, "updated in place");
        assert_eq!(image["labels"]["team"], "platform");

        // A label changed in the console shows as drift and is put back.
        fake.edit(PROJECT, IMAGES, "circleci-linux", |image| {
            image["labels"]["team"] = "someone-else".into();
            image["labelFingerprint"] = "Y2hhbmdlZA==".into();
        });
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.stdout);
        assert!(plan.stdout.contains("someone-else"), "{}", plan.stdout);
        wd.step(&config(&fake, &labelled("platform"), &by_family));
        assert_eq!(
            fake.get(PROJECT, IMAGES, "circleci-linux").unwrap()["labels"]["team"],
            "platform"
        );

        // Import by path: the source comes back as the image copied, so configure that.
        let mut imported = Workdir::new(tf, crate::common::provider());
        let by_image = "    source_image = \"projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v2\"\n    family       = \"circleci-vm\"";
        // (Without a timeouts block: import cannot know one, so it would show as a change.)
        let without_timeouts =
            config(&fake, &labelled("platform"), by_image).replace("  timeouts {\n    create = \"2m\"\n  }\n", "");
        imported.write(&without_timeouts);
        imported.init();
        let run = imported.import(
            "circleciserver_vm_service_image.this",
            &format!("projects/{PROJECT}/global/images/circleci-linux"),
        );
        assert!(run.success, "{}", run.all());
        imported.assert_plan_empty();
        let wrong = imported.import("circleciserver_vm_service_image.other", "circleci-linux");
        assert!(!wrong.success);

        // Deleted behind Terraform's back: planned again, and made again.
        assert!(fake.remove(PROJECT, IMAGES, "circleci-linux"));
        assert!(wd.plan().stdout.contains("1 to add, 0 to change, 0 to destroy"));
        wd.step(&config(&fake, &labelled("platform"), &by_family));

        // A new name replaces the image.
        wd.step(&config(&fake, "  name = \"circleci-linux-2\"", &by_family));
        assert_eq!(fake.names(PROJECT, IMAGES), vec!["circleci-linux-2".to_string()]);
        wd.destroy();
        assert!(fake.names(PROJECT, IMAGES).is_empty(), "destroy leaves nothing");
    });
}

/// An operation that ends in an error becomes a diagnostic with Google's message, nothing is
/// recorded for an image that was never made, and the next apply succeeds. An image this
/// provider made but lost the answer for is adopted; one it did not make is refused.
#[test]
fn failed_operation_lost_answer_and_foreign_image() {
    for_each_terraform(|tf| {
        let fake = fake();
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cfg = config(
            &fake,
            "  name = \"circleci-linux\"",
            &format!("    source_image = \"{FAMILY}\""),
        );
        fake.fail_next_operation("QUOTA_EXCEEDED", "Quota 'IMAGES' exceeded. Limit: 0.0 globally.");
        wd.step_expect_error(&cfg, r"(?s)Quota 'IMAGES' exceeded");
        assert!(wd.state_is_empty(), "nothing was made, nothing recorded");
        wd.step(&cfg);

        // Lost answer: the image exists with our label, the state does not know it.
        wd.must(&["state", "rm", "circleciserver_vm_service_image.this"]);
        wd.step(&cfg);
        assert_eq!(
            fake.names(PROJECT, IMAGES),
            vec!["circleci-linux".to_string()],
            "adopted, not duplicated"
        );
        wd.destroy();
        assert!(fake.names(PROJECT, IMAGES).is_empty());

        // Someone else's image of the same name is never taken over.
        fake.seed_image(PROJECT, "circleci-linux", "theirs");
        wd.step_expect_error(&cfg, r"(?s)already exists.*not made by this provider");
        assert_eq!(fake.get(PROJECT, IMAGES, "circleci-linux").unwrap()["family"], "theirs");
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let fake = fake();
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, crate::common::provider());
        let cases = [
            (
                "  name = \"Circle_Linux\"",
                format!("    source_image = \"{FAMILY}\""),
                r"(?s)Invalid GCP image name",
            ),
            (
                "  name = \"circleci-linux\"",
                "    source_image = \"ubuntu-2204\"".to_string(),
                r"(?s)Invalid source image.*projects/PROJECT/global/images/NAME",
            ),
            (
                "  name = \"circleci-linux\"\n  tags = { Team = \"ci\" }",
                format!("    source_image = \"{FAMILY}\""),
                r"(?s)Invalid GCP label key",
            ),
            (
                "  name = \"circleci-linux\"",
                String::new(),
                r#"(?s)(Missing required argument|The argument "source_image" is required)"#,
            ),
        ];
        for (body, gcp, pattern) in cases {
            wd.step_expect_error(&config(&fake, body, &gcp), pattern);
        }
    });
    assert_eq!(fake.request_count(), 0, "no request reached the fake");
}
