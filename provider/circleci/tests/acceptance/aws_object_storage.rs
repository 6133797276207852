//! Acceptance tests of `circleciserver_object_storage` on AWS: Terraform drives the provider binary,
//! the provider drives moto over HTTP, and the tests check through the AWS API.

#![cfg(feature = "aws")]

use crate::common::{OIDC, REGION, aws, provider_config, runtime, workdir};
use acceptance_tests::for_each_terraform;
use acceptance_tests::moto::Moto;
use circleci_aws::Aws;

fn config(moto: &Moto, body: &str) -> String {
    format!(
        "{}resource \"circleciserver_object_storage\" \"this\" {{\n{body}\n}}\n",
        provider_config(&moto.endpoint)
    )
}

fn tags(aws: &Aws, rt: &tokio::runtime::Runtime, bucket: &str) -> Vec<(String, String)> {
    let out = rt.block_on(aws.s3.get_bucket_tagging().bucket(bucket).send()).unwrap();
    let mut tags: Vec<_> = out
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    tags.sort();
    tags
}

#[test]
fn create_update_drift_import_replace_destroy() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let mut wd = workdir(tf, &moto);
        let bucket = "circleci-data-acc";

        // Create: private, encrypted, TLS-only, versioned, expiring, tagged, with a user key.
        wd.step(&config(
            &moto,
            &format!(
                "name = \"{bucket}\"\nexpiry_days = 30\ntags = {{ team = \"ci\" }}\naccess = \"iam_user\"\naws {{}}"
            ),
        ));
        let state = wd.resource("circleciserver_object_storage.this");
        assert_eq!(state["bucket"], bucket);
        assert_eq!(state["region"], REGION);
        assert!(
            state["aws"]["secret_access_key"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        let pab = rt
            .block_on(aws.s3.get_public_access_block().bucket(bucket).send())
            .unwrap();
        let pab = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            (
                pab.block_public_acls(),
                pab.ignore_public_acls(),
                pab.block_public_policy(),
                pab.restrict_public_buckets()
            ),
            (Some(true), Some(true), Some(true), Some(true))
        );
        let enc = rt
            .block_on(aws.s3.get_bucket_encryption().bucket(bucket).send())
            .unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(
            rule.apply_server_side_encryption_by_default()
                .unwrap()
                .sse_algorithm()
                .as_str(),
            "AES256"
        );
        let versioning = rt
            .block_on(aws.s3.get_bucket_versioning().bucket(bucket).send())
            .unwrap();
        assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"));
        let policy = rt.block_on(aws.s3.get_bucket_policy().bucket(bucket).send()).unwrap();
        assert!(policy.policy().unwrap().contains("aws:SecureTransport"));
        let lifecycle = rt
            .block_on(aws.s3.get_bucket_lifecycle_configuration().bucket(bucket).send())
            .unwrap();
        assert_eq!(lifecycle.rules()[0].expiration().unwrap().days(), Some(30));
        assert_eq!(
            tags(&aws, &rt, bucket),
            vec![
                // The owner tag, by which a later run tells its own leftovers from others'.
                ("circleci:managed-by".into(), "terraform-provider-circleciserver".into()),
                ("managed_by".into(), "terraform".into()),
                ("team".into(), "ci".into())
            ]
        );
        let user = format!("circleci-storage-{bucket}");
        let keys = rt.block_on(aws.iam.list_access_keys().user_name(&user).send()).unwrap();
        assert_eq!(
            keys.access_key_metadata()[0].access_key_id(),
            state["aws"]["access_key_id"].as_str()
        );
        let user_policy = rt
            .block_on(
                aws.iam
                    .get_user_policy()
                    .user_name(&user)
                    .policy_name("circleci-server")
                    .send(),
            )
            .unwrap();
        let doc = user_policy.policy_document();
        assert!(
            doc.contains(&format!("arn%3Aaws%3As3%3A%3A%3A{bucket}"))
                || doc.contains(&format!("arn:aws:s3:::{bucket}")),
            "{doc}"
        );
        assert!(
            !doc.contains("\"s3:*\"") && !doc.contains("%22s3%3A%2A%22"),
            "least privilege: no s3:* in {doc}"
        );

        // In place: expiry, versioning and tags change; the key stays.
        wd.write(&config(&moto, &format!("name = \"{bucket}\"\nexpiry_days = 60\nversioning = false\ntags = {{ team = \"platform\" }}\naccess = \"iam_user\"\naws {{}}")));
        let plan = wd.plan();
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            "{}",
            plan.stdout
        );
        wd.step(&config(&moto, &format!("name = \"{bucket}\"\nexpiry_days = 60\nversioning = false\ntags = {{ team = \"platform\" }}\naccess = \"iam_user\"\naws {{}}")));
        let updated = wd.resource("circleciserver_object_storage.this");
        assert_eq!(updated["aws"]["access_key_id"], state["aws"]["access_key_id"]);
        let versioning = rt
            .block_on(aws.s3.get_bucket_versioning().bucket(bucket).send())
            .unwrap();
        assert_eq!(versioning.status().map(|s| s.as_str()), Some("Suspended"));
        assert_eq!(tags(&aws, &rt, bucket)[2], ("team".into(), "platform".into()));

        // Access moves to IRSA: the user goes, a role trusting the namespace's accounts comes.
        let irsa = format!(
            "name = \"{bucket}\"\nexpiry_days = 60\nversioning = false\ntags = {{ team = \"platform\" }}\naccess = \"irsa\"\naws {{\n  oidc_provider_arn = \"{OIDC}\"\n}}"
        );
        wd.step(&config(&moto, &irsa));
        let role = rt.block_on(aws.iam.get_role().role_name(&user).send()).unwrap();
        let trust = role.role().unwrap().assume_role_policy_document().unwrap().to_string();
        assert!(
            trust.contains("system:serviceaccount:circleci-server:")
                || trust.contains("system%3Aserviceaccount%3Acircleci-server%3A"),
            "{trust}"
        );
        assert!(
            rt.block_on(aws.iam.get_user().user_name(&user).send()).is_err(),
            "the IAM user is gone"
        );
        assert_eq!(
            wd.resource("circleciserver_object_storage.this")["aws"]["role_arn"],
            role.role().unwrap().arn()
        );

        // Drift: versioning turned back on and the role deleted behind Terraform's back.
        rt.block_on(
            aws.s3
                .put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(
                    circleci_aws::sdk::s3::types::VersioningConfiguration::builder()
                        .status(circleci_aws::sdk::s3::types::BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send(),
        )
        .unwrap();
        rt.block_on(
            aws.iam
                .delete_role_policy()
                .role_name(&user)
                .policy_name("circleci-server")
                .send(),
        )
        .unwrap();
        rt.block_on(aws.iam.delete_role().role_name(&user).send()).unwrap();
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "drift must show in the plan");
        assert!(
            plan.stdout.contains("versioning") && plan.stdout.contains("access"),
            "{}",
            plan.stdout
        );
        wd.step(&config(&moto, &irsa));
        assert!(
            rt.block_on(aws.iam.get_role().role_name(&user).send()).is_ok(),
            "the role is back"
        );

        // Import into a fresh directory: the plan after it is empty.
        let mut imported = workdir(tf, &moto);
        imported.write(&config(&moto, &irsa));
        imported.init();
        let run = imported.import("circleciserver_object_storage.this", bucket);
        assert!(run.success, "{}", run.all());
        imported.assert_plan_empty();

        // Destroying a non-empty bucket fails and keeps it; force_destroy then removes all.
        // (moto enforces the TLS-only policy on plain HTTP: lift it to write the object.)
        rt.block_on(aws.s3.delete_bucket_policy().bucket(bucket).send())
            .unwrap();
        rt.block_on(
            aws.s3
                .put_object()
                .bucket(bucket)
                .key("artifacts/a.txt")
                .body(b"x".to_vec().into())
                .send(),
        )
        .unwrap();
        let run = wd.run(&["destroy", "-auto-approve", "-no-color"]);
        assert!(!run.success && run.all().contains("is not empty"), "{}", run.all());
        assert!(run.all().contains("force_destroy"), "{}", run.all());
        assert!(
            rt.block_on(aws.s3.head_bucket().bucket(bucket).send()).is_ok(),
            "the bucket is kept"
        );
        wd.step(&config(&moto, &format!("{irsa}\nforce_destroy = true")));
        wd.destroy();
        assert!(wd.state_is_empty());
        assert!(
            rt.block_on(aws.s3.head_bucket().bucket(bucket).send()).is_err(),
            "bucket gone"
        );
        assert!(
            rt.block_on(aws.iam.get_role().role_name(&user).send()).is_err(),
            "role gone"
        );
    });
}

#[test]
fn rename_replaces_and_out_of_band_delete_recreates() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let mut wd = workdir(tf, &moto);
        wd.step(&config(&moto, "name = \"circleci-one\"\naws {}"));
        wd.write(&config(&moto, "name = \"circleci-two\"\naws {}"));
        let plan = wd.plan();
        assert!(plan.stdout.contains("forces replacement"), "{}", plan.stdout);
        wd.step(&config(&moto, "name = \"circleci-two\"\naws {}"));
        assert!(rt.block_on(aws.s3.head_bucket().bucket("circleci-one").send()).is_err());
        assert!(rt.block_on(aws.s3.head_bucket().bucket("circleci-two").send()).is_ok());

        rt.block_on(aws.s3.delete_bucket_policy().bucket("circleci-two").send())
            .unwrap();
        rt.block_on(aws.s3.delete_bucket().bucket("circleci-two").send())
            .unwrap();
        let plan = wd.plan();
        assert!(
            plan.stdout.contains("1 to add, 0 to change, 0 to destroy"),
            "{}",
            plan.stdout
        );
        wd.step(&config(&moto, "name = \"circleci-two\"\naws {}"));
        wd.destroy();
        let left = rt.block_on(aws.s3.list_buckets().send()).unwrap();
        assert!(left.buckets().is_empty(), "nothing left: {:?}", left.buckets());
    });
}

/// The IAM users moto holds, by name.
fn iam_users(aws: &Aws, rt: &tokio::runtime::Runtime) -> Vec<String> {
    let out = rt.block_on(aws.iam.list_users().send()).unwrap();
    out.users().iter().map(|u| u.user_name().to_string()).collect()
}

/// IAM user `user` holds exactly one access key, the one in the state.
fn assert_one_key_the_states(aws: &Aws, rt: &tokio::runtime::Runtime, user: &str, wd: &acceptance_tests::Workdir) {
    let keys = rt.block_on(aws.iam.list_access_keys().user_name(user).send()).unwrap();
    assert_eq!(keys.access_key_metadata().len(), 1, "{keys:?}");
    let state = wd.resource("circleciserver_object_storage.this");
    assert_eq!(
        state["aws"]["access_key_id"],
        keys.access_key_metadata()[0].access_key_id().unwrap()
    );
}

/// What a destroy killed between the bucket's delete and its IAM user's leaves: the user.
fn half_destroyed(aws: &Aws, rt: &tokio::runtime::Runtime, bucket: &str) {
    rt.block_on(aws.s3.delete_bucket_policy().bucket(bucket).send())
        .unwrap();
    rt.block_on(aws.s3.delete_bucket().bucket(bucket).send()).unwrap();
}

/// The bucket gone and its IAM user left: the resource stays in state, the plan replaces it
/// and says why, and destroy deletes the user instead of forgetting it.
#[test]
fn half_destroyed_bucket_is_replaced_and_destroy_deletes_what_is_left() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let mut wd = workdir(tf, &moto);
        wd.step(&config(
            &moto,
            "name = \"circleci-half\"\naccess = \"iam_user\"\naws {}",
        ));
        assert_eq!(iam_users(&aws, &rt).len(), 1);
        half_destroyed(&aws, &rt, "circleci-half");

        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
        assert!(plan.all().contains("Part of this bucket is gone"), "{}", plan.all());
        wd.destroy();
        assert!(
            iam_users(&aws, &rt).is_empty(),
            "destroy left {:?}",
            iam_users(&aws, &rt)
        );
    });
}

/// The bucket gone and its IAM user left: apply makes it whole again, with one user and one
/// key, and plans empty after.
#[test]
fn half_destroyed_bucket_is_made_whole_by_apply() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let mut wd = workdir(tf, &moto);
        let body = "name = \"circleci-whole\"\naccess = \"iam_user\"\naws {}";
        wd.step(&config(&moto, body));
        half_destroyed(&aws, &rt, "circleci-whole");

        wd.step(&config(&moto, body));
        assert!(
            rt.block_on(aws.s3.head_bucket().bucket("circleci-whole").send())
                .is_ok()
        );
        let users = iam_users(&aws, &rt);
        assert_eq!(users.len(), 1, "{users:?}");
        assert_one_key_the_states(&aws, &rt, &users[0], &wd);
        wd.destroy();
        assert!(iam_users(&aws, &rt).is_empty());
    });
}

/// An IAM user an earlier, killed create made (owner-tagged) that already holds IAM's limit of
/// two access keys, whose secrets no one has: the create adopts it, deletes those keys before
/// making its own, and ends with exactly one key, the state's.
#[test]
fn an_adopted_iam_user_holding_two_stale_keys_ends_with_one_key() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let user = circleci_aws::access::entity_name("circleci-storage", "circleci-adopted");
        let owner = circleci_aws::sdk::iam::types::Tag::builder()
            .key(circleci_aws::adopt::OWNER_TAG_KEY)
            .value(circleci_aws::adopt::OWNER_TAG_VALUE)
            .build()
            .unwrap();
        rt.block_on(aws.iam.create_user().user_name(&user).tags(owner).send())
            .unwrap();
        for _ in 0..2 {
            rt.block_on(aws.iam.create_access_key().user_name(&user).send())
                .unwrap();
        }
        let mut wd = workdir(tf, &moto);
        wd.step(&config(
            &moto,
            "name = \"circleci-adopted\"\naccess = \"iam_user\"\naws {}",
        ));
        assert_one_key_the_states(&aws, &rt, &user, &wd);
        wd.destroy();
        assert!(iam_users(&aws, &rt).is_empty());
    });
}

/// An answer that says nothing (a bodiless 500, as moto gives for calls it cannot handle): the
/// error names the call, the HTTP status and AWS's request id, never "Unknown: .".
#[test]
fn an_answer_without_an_error_code_is_named_with_its_status_and_request_id() {
    use acceptance_tests::faults::{FaultProxy, Faults};
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let proxy = FaultProxy::start(
            moto.port,
            Faults {
                bodiless_action: "CreateUser".into(),
                ..Faults::default()
            },
        );
        let mut wd = workdir(tf, &moto);
        let config = format!(
            "{}resource \"circleciserver_object_storage\" \"this\" {{\n  name = \"circleci-silent\"\n  access = \"iam_user\"\n  aws {{}}\n}}\n",
            provider_config(&proxy.endpoint)
        );
        let run = wd.step_expect_error(
            &config,
            r"(?s)AWS answered HTTP 500\s+\(request\s+id\s+[0-9a-f-]{36}\)\s+with\s+no\s+error\s+code",
        );
        assert!(run.all().contains("create IAM user"), "{}", run.all());
        assert!(!run.all().contains("Unknown: ."), "{}", run.all());
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let moto = Moto::start();
    for_each_terraform(|tf| {
        let mut wd = workdir(tf, &moto);
        let cases = [
            (
                "name = \"Bad_Bucket\"\naws {}",
                r"(?s)Invalid bucket name.*Bad_Bucket.*lowercase",
            ),
            (
                "name = \"circleci-x\"\naccess = \"irsa\"\naws {}",
                r"(?s)Missing OIDC provider for IRSA.*oidc_provider_arn",
            ),
            (
                "name = \"circleci-x\"\nexpiry_days = 0\naws {}",
                r"(?s)expiry_days is 0",
            ),
            (
                "name = \"circleci-x\"\naccess = \"public\"\naws {}",
                r"(?s)Invalid access.*\x22public\x22 is not an access kind on AWS",
            ),
            ("name = \"circleci-x\"", r"(?s)Missing cloud block.*aws"),
        ];
        for (body, pattern) in cases {
            wd.step_expect_error(&config(&moto, body), pattern);
        }
    });
    assert_eq!(moto.request_count(), 0, "invalid configurations must not reach AWS");
}
