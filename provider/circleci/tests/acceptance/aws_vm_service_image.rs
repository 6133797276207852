//! Acceptance tests of `circleciserver_vm_service_image` on AWS, against moto.

#![cfg(feature = "aws")]

use crate::common::{aws, image, provider_config, runtime, workdir};
use acceptance_tests::for_each_terraform;
use acceptance_tests::moto::Moto;

fn config(endpoint: &str, body: &str, aws: &str) -> String {
    format!(
        "{}resource \"circleciserver_vm_service_image\" \"this\" {{\n{body}\n  aws {{\n{aws}\n  }}\n}}\n",
        provider_config(endpoint)
    )
}

fn images_named(aws: &circleci_aws::Aws, rt: &tokio::runtime::Runtime, name: &str) -> Vec<String> {
    let out = rt
        .block_on(
            aws.ec2
                .describe_images()
                .owners("self")
                .filters(
                    circleci_aws::sdk::ec2::types::Filter::builder()
                        .name("name")
                        .values(name)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    out.images()
        .iter()
        .filter_map(|i| i.image_id().map(str::to_string))
        .collect()
}

#[test]
fn copy_by_id_and_filter_tag_drift_import_destroy() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let older = image(&aws, &rt, "circleci-vm-base-2024");
        let newest = image(&aws, &rt, "circleci-vm-base-2025");
        let mut wd = workdir(tf, &moto);

        // By id.
        wd.step(&config(
            &moto.endpoint,
            "  name = \"circleci-linux\"\n  tags = { team = \"ci\" }",
            &format!("    source_image_id = \"{older}\""),
        ));
        let state = wd.resource("circleciserver_vm_service_image.this");
        let copy = state["image_id"].as_str().unwrap().to_string();
        assert_ne!(copy, older, "a copy, not the source");
        assert_eq!(images_named(&aws, &rt, "circleci-linux"), vec![copy.clone()]);
        assert_eq!(state["aws"]["resolved_source_image_id"], older.as_str());
        let described = rt.block_on(aws.ec2.describe_images().image_ids(&copy).send()).unwrap();
        let tags: Vec<_> = described.images()[0]
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?, t.value()?)))
            .collect();
        assert!(
            tags.contains(&("team", "ci")) && tags.contains(&("managed_by", "terraform")),
            "{tags:?}"
        );

        // Tags update in place; the image stays.
        wd.step(&config(
            &moto.endpoint,
            "  name = \"circleci-linux\"\n  tags = { team = \"platform\" }",
            &format!("    source_image_id = \"{older}\""),
        ));
        assert_eq!(
            wd.resource("circleciserver_vm_service_image.this")["image_id"],
            copy.as_str()
        );

        // Import by AMI id: the source comes back from the image's tags.
        let mut imported = workdir(tf, &moto);
        imported.write(&config(
            &moto.endpoint,
            "  name = \"circleci-linux\"\n  tags = { team = \"platform\" }",
            &format!("    source_image_id = \"{older}\""),
        ));
        imported.init();
        assert!(imported.import("circleciserver_vm_service_image.this", &copy).success);
        imported.assert_plan_empty();

        // A filter picks the newest match; switching the source replaces the copy.
        let by_filter =
            "    source_image_filter {\n      owners = [\"self\"]\n      name   = \"circleci-vm-base-*\"\n    }";
        let name_2 = "  name = \"circleci-linux-2\"";
        wd.step(&config(&moto.endpoint, name_2, by_filter));
        let state = wd.resource("circleciserver_vm_service_image.this");
        assert_eq!(state["aws"]["resolved_source_image_id"], newest.as_str());
        assert!(
            images_named(&aws, &rt, "circleci-linux").is_empty(),
            "the old copy is deregistered"
        );

        // Deregistered behind Terraform's back: planned again.
        rt.block_on(
            aws.ec2
                .deregister_image()
                .image_id(state["image_id"].as_str().unwrap())
                .send(),
        )
        .unwrap();
        assert!(wd.plan().stdout.contains("1 to add, 0 to change, 0 to destroy"));
        wd.step(&config(&moto.endpoint, name_2, by_filter));
        wd.destroy();
        assert!(images_named(&aws, &rt, "circleci-linux-2").is_empty());
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let moto = Moto::start();
    for_each_terraform(|tf| {
        let mut wd = workdir(tf, &moto);
        let cases = [
            (
                "  name = \"x\"",
                "",
                r"(?s)Say which image to copy.*exactly one of aws.source_image_id",
            ),
            (
                "  name = \"x\"",
                "    source_image_id = \"img-1\"",
                r"(?s)Invalid AMI id",
            ),
            (
                "  name = \"x\"\n  kind = \"mac\"",
                "    source_image_id = \"ami-1\"",
                r"(?s)kind is \x22mac\x22",
            ),
            (
                "  name = \"x\"",
                "    source_image_id = \"ami-1\"\n    encrypted = false\n    kms_key_id = \"k\"",
                r"(?s)kms_key_id needs encrypted = true",
            ),
        ];
        for (body, aws, pattern) in cases {
            wd.step_expect_error(&config(&moto.endpoint, body, aws), pattern);
        }
    });
    assert_eq!(moto.request_count(), 0);
}
