//! Acceptance tests of `circleciserver_nomad_client_group` on AWS, against moto. moto lacks instance
//! refresh, so the provider reaches moto through a mitmproxy that answers StartInstanceRefresh
//! as AWS documents it and records the request; the same proxy injects throttling.

#![cfg(feature = "aws")]

use crate::common::{Network, REGION, amazon_image, aws, network, provider_config, runtime, workdir};
use acceptance_tests::faults::{FaultProxy, Faults};
use acceptance_tests::moto::Moto;
use acceptance_tests::{for_each_terraform, provider_block};
use base64::Engine;

/// A config with its own `circleciserver_nomad_tls`; `aws_extra` goes into the group's aws block.
fn config(endpoint: &str, net: &Network, image: &str, body: &str, aws_extra: &str) -> String {
    config_with(&provider_config(endpoint), net, image, body, aws_extra)
}

fn config_with(provider: &str, net: &Network, image: &str, body: &str, aws_extra: &str) -> String {
    format!(
        "{}resource \"circleciserver_nomad_tls\" \"this\" {{}}\n\
         resource \"circleciserver_nomad_client_group\" \"this\" {{\n  name = \"ci-nomad\"\n  nomad_server_address = \"nomad.circleci.internal\"\n\
         tls = {{\n    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem\n    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem\n    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem\n  }}\n\
         {body}\n  aws {{\n    vpc_id     = \"{}\"\n    subnet_ids = [\"{}\", \"{}\"]\n    image_id   = \"{image}\"\n{aws_extra}\n  }}\n}}\n",
        provider, net.vpc_id, net.subnet_ids[0], net.subnet_ids[1]
    )
}

#[test]
fn create_resize_roll_drift_import_destroy() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let proxy = FaultProxy::start(moto.port, Faults::default());
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let net = network(&aws, &rt);
        let image = amazon_image(&aws, &rt);
        let mut wd = workdir(tf, &moto);
        let extra = "    allowed_ssh_cidrs = [\"203.0.113.0/24\"]\n    autoscaler_access = \"iam_user\"";

        wd.step(&config(
            &proxy.endpoint,
            &net,
            &image,
            "  min_size = 1\n  max_size = 3",
            extra,
        ));
        let state = wd.resource("circleciserver_nomad_client_group.this");
        assert_eq!(state["desired_size"], 1);
        let group = rt
            .block_on(
                aws.autoscaling
                    .describe_auto_scaling_groups()
                    .auto_scaling_group_names("ci-nomad")
                    .send(),
            )
            .unwrap();
        let group = &group.auto_scaling_groups()[0];
        assert_eq!(
            (group.min_size(), group.max_size(), group.desired_capacity()),
            (Some(1), Some(3), Some(1))
        );
        let template_id = state["aws"]["launch_template_id"].as_str().unwrap().to_string();
        assert_eq!(
            group.launch_template().unwrap().launch_template_id(),
            Some(template_id.as_str())
        );

        // The template: IMDSv2 with hop limit 1, an encrypted gp3 root, the profile, the script.
        let versions = rt
            .block_on(
                aws.ec2
                    .describe_launch_template_versions()
                    .launch_template_id(&template_id)
                    .send(),
            )
            .unwrap();
        let data = versions.launch_template_versions()[0].launch_template_data().unwrap();
        let metadata = data.metadata_options().unwrap();
        assert_eq!(metadata.http_tokens().map(|t| t.as_str()), Some("required"));
        assert_eq!(metadata.http_put_response_hop_limit(), Some(1));
        let ebs = data.block_device_mappings()[0].ebs().unwrap();
        assert_eq!(
            (
                ebs.encrypted(),
                ebs.volume_size(),
                ebs.volume_type().map(|t| t.as_str())
            ),
            (Some(true), Some(100), Some("gp3"))
        );
        assert_eq!(data.network_interfaces()[0].associate_public_ip_address(), Some(false));
        let script = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(data.user_data().unwrap())
                .unwrap(),
        )
        .unwrap();
        let tls = wd.resource("circleciserver_nomad_tls.this");
        assert!(script.contains(tls["client_key_pem"].as_str().unwrap().trim_end()));
        assert!(script.contains("retry_join = [\"nomad.circleci.internal:4647\"]"));
        assert_eq!(
            script,
            state["startup_script"].as_str().unwrap(),
            "the output is the user data"
        );
        acceptance_tests::assert_valid_shell(&script);

        // Security group: SSH reruns only from the given range.
        let sg = state["aws"]["security_group_id"].as_str().unwrap().to_string();
        let groups = rt
            .block_on(aws.ec2.describe_security_groups().group_ids(&sg).send())
            .unwrap();
        let rules = groups.security_groups()[0].ip_permissions();
        assert_eq!(rules.len(), 1);
        assert_eq!((rules[0].from_port(), rules[0].to_port()), (Some(64535), Some(65535)));
        assert_eq!(rules[0].ip_ranges()[0].cidr_ip(), Some("203.0.113.0/24"));

        // nomad-autoscaler's user may scale this group only.
        let policy = rt
            .block_on(
                aws.iam
                    .get_user_policy()
                    .user_name("circleci-autoscaler-ci-nomad")
                    .policy_name("circleci-server")
                    .send(),
            )
            .unwrap();
        let doc = policy.policy_document().to_string();
        assert!(doc.contains("autoScalingGroup") || doc.contains("autoscaling"), "{doc}");
        assert!(
            state["aws"]["autoscaler_secret_access_key"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );

        // Sizes change in place, without a new template or a refresh.
        wd.step(&config(
            &proxy.endpoint,
            &net,
            &image,
            "  min_size = 2\n  max_size = 5",
            extra,
        ));
        let resized = wd.resource("circleciserver_nomad_client_group.this");
        assert_eq!(
            resized["aws"]["launch_template_version"],
            state["aws"]["launch_template_version"]
        );
        assert!(proxy.answers().is_empty(), "no instance refresh for a resize");

        // A template change: new version, the group moves to it, and an instance refresh rolls it.
        let bigger = format!("{extra}\n    instance_type = \"m5.2xlarge\"");
        wd.write(&config(
            &proxy.endpoint,
            &net,
            &image,
            "  min_size = 2\n  max_size = 5",
            &bigger,
        ));
        let plan = wd.plan();
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            "{}",
            plan.stdout
        );
        wd.step(&config(
            &proxy.endpoint,
            &net,
            &image,
            "  min_size = 2\n  max_size = 5",
            &bigger,
        ));
        let rolled = wd.resource("circleciserver_nomad_client_group.this");
        assert_eq!(rolled["aws"]["launch_template_version"], 2);
        let group = rt
            .block_on(
                aws.autoscaling
                    .describe_auto_scaling_groups()
                    .auto_scaling_group_names("ci-nomad")
                    .send(),
            )
            .unwrap();
        assert_eq!(
            group.auto_scaling_groups()[0].launch_template().unwrap().version(),
            Some("2")
        );
        let refreshes = proxy.answers();
        assert_eq!(refreshes.len(), 1, "{refreshes:?}");
        assert_eq!(refreshes[0]["params"]["AutoScalingGroupName"], "ci-nomad");
        assert_eq!(refreshes[0]["params"]["Strategy"], "Rolling");
        assert_eq!(refreshes[0]["params"]["Preferences.MinHealthyPercentage"], "90");
        assert_eq!(
            rolled["aws"]["instance_refresh_id"],
            refreshes[0]["instance_refresh_id"]
        );

        // Drift: sizes changed behind Terraform's back are planned back.
        rt.block_on(
            aws.autoscaling
                .update_auto_scaling_group()
                .auto_scaling_group_name("ci-nomad")
                .max_size(9)
                .send(),
        )
        .unwrap();
        let plan = wd.plan();
        assert_eq!(plan.code, 2);
        assert!(plan.stdout.contains("max_size"), "{}", plan.stdout);
        wd.step(&config(
            &proxy.endpoint,
            &net,
            &image,
            "  min_size = 2\n  max_size = 5",
            &bigger,
        ));

        // Import by group name, with the same TLS material given literally: an empty plan.
        let literal_tls = format!(
            "resource \"circleciserver_nomad_client_group\" \"this\" {{\n  name = \"ci-nomad\"\n  nomad_server_address = \"nomad.circleci.internal\"\n  min_size = 2\n  max_size = 5\n\
             tls = {{\n    ca_cert_pem     = {:?}\n    client_cert_pem = {:?}\n    client_key_pem  = {:?}\n  }}\n\
             aws {{\n    vpc_id     = \"{}\"\n    subnet_ids = [\"{}\", \"{}\"]\n    image_id   = \"{image}\"\n{bigger}\n  }}\n}}\n",
            tls["ca_cert_pem"].as_str().unwrap(),
            tls["client_cert_pem"].as_str().unwrap(),
            tls["client_key_pem"].as_str().unwrap(),
            net.vpc_id,
            net.subnet_ids[0],
            net.subnet_ids[1]
        );
        let mut imported = workdir(tf, &moto);
        imported.write(&format!("{}{literal_tls}", provider_config(&proxy.endpoint)));
        imported.init();
        let run = imported.import("circleciserver_nomad_client_group.this", "ci-nomad");
        assert!(run.success, "{}", run.all());
        let plan = imported.plan();
        // The secret of an imported key cannot be read back; nothing else may differ.
        assert_eq!(plan.code, 0, "{}", plan.stdout);

        // Another VPC replaces the group with everything it owns.
        let other = network(&aws, &rt);
        wd.write(&config(
            &proxy.endpoint,
            &other,
            &image,
            "  min_size = 2\n  max_size = 5",
            &bigger,
        ));
        assert!(wd.plan().stdout.contains("forces replacement"));
        wd.step(&config(
            &proxy.endpoint,
            &other,
            &image,
            "  min_size = 2\n  max_size = 5",
            &bigger,
        ));
        let replaced = wd.resource("circleciserver_nomad_client_group.this");
        let new_sg = replaced["aws"]["security_group_id"].as_str().unwrap().to_string();
        assert_ne!(new_sg, sg);
        let groups = rt
            .block_on(aws.ec2.describe_security_groups().group_ids(&new_sg).send())
            .unwrap();
        assert_eq!(groups.security_groups()[0].vpc_id(), Some(other.vpc_id.as_str()));
        let all = rt.block_on(aws.ec2.describe_security_groups().send()).unwrap();
        assert!(
            all.security_groups().iter().all(|g| g.group_id() != Some(sg.as_str())),
            "the old security group is gone"
        );

        wd.destroy();
        let left = rt
            .block_on(aws.autoscaling.describe_auto_scaling_groups().send())
            .unwrap();
        assert!(left.auto_scaling_groups().is_empty());
        let templates = rt.block_on(aws.ec2.describe_launch_templates().send()).unwrap();
        assert!(
            templates
                .launch_templates()
                .iter()
                .all(|t| t.launch_template_id() != Some(template_id.as_str())),
            "template gone"
        );
        let groups = rt.block_on(aws.ec2.describe_security_groups().send()).unwrap();
        assert!(
            groups
                .security_groups()
                .iter()
                .all(|g| g.group_id() != Some(sg.as_str())),
            "security group gone"
        );
        assert!(
            rt.block_on(aws.iam.get_role().role_name("circleci-nomad-ci-nomad").send())
                .is_err(),
            "role gone"
        );
        assert!(
            rt.block_on(
                aws.iam
                    .get_instance_profile()
                    .instance_profile_name("circleci-nomad-ci-nomad")
                    .send()
            )
            .is_err()
        );
        assert!(
            rt.block_on(aws.iam.get_user().user_name("circleci-autoscaler-ci-nomad").send())
                .is_err(),
            "autoscaler user gone"
        );
    });
}

/// An instance profile of the user's that happens to have the group's name is neither adopted
/// nor deleted: the apply names it, and destroying what was made leaves it.
#[test]
fn an_instance_profile_not_made_by_the_provider_is_refused_and_left() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let net = network(&aws, &rt);
        let image = amazon_image(&aws, &rt);
        let profile = "circleci-nomad-ci-nomad";
        rt.block_on(aws.iam.create_instance_profile().instance_profile_name(profile).send())
            .unwrap();
        let mut wd = workdir(tf, &moto);
        wd.step_expect_error(
            &config(&moto.endpoint, &net, &image, "  min_size = 0\n  max_size = 1", ""),
            "IAM instance profile circleci-nomad-ci-nomad already exists",
        );
        // What the failed apply made stays in the state (not forgotten at the next refresh).
        let state = wd.run(&["state", "list"]).stdout;
        assert!(state.contains("circleciserver_nomad_client_group.this"), "{state}");
        wd.destroy();
        assert!(
            rt.block_on(aws.iam.get_instance_profile().instance_profile_name(profile).send())
                .is_ok(),
            "the user's instance profile is left"
        );
        assert!(
            rt.block_on(aws.iam.get_role().role_name(profile).send()).is_err(),
            "the role the failed apply made is destroyed"
        );
        let groups = rt.block_on(aws.ec2.describe_security_groups().send()).unwrap();
        assert!(
            groups
                .security_groups()
                .iter()
                .all(|g| g.group_name() == Some("default")),
            "and its security group"
        );
    });
}

#[test]
fn throttling_is_retried_and_then_explained() {
    let moto = Moto::start();
    let rt = runtime();
    let aws = aws(&moto, &rt);
    let net = network(&aws, &rt);
    let image = amazon_image(&aws, &rt);
    let tf = &acceptance_tests::terraforms()[0];

    // Two throttles: the SDK's standard retries absorb them.
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            throttle_action: "DescribeAutoScalingGroups".into(),
            throttle_count: 2,
            ..Faults::default()
        },
    );
    let mut wd = workdir(tf, &moto);
    wd.step(&config(
        &proxy.endpoint,
        &net,
        &image,
        "  min_size = 0\n  max_size = 1",
        "",
    ));
    let throttled: Vec<_> = proxy
        .answers()
        .into_iter()
        .filter(|a| a.get("throttled").is_some())
        .collect();
    assert_eq!(
        throttled.len(),
        2,
        "the proxy throttled twice and the apply still succeeded"
    );
    wd.destroy();

    // Throttling beyond max_attempts: the error says what happened and what to do.
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            throttle_action: "DescribeAutoScalingGroups".into(),
            throttle_count: 1000,
            ..Faults::default()
        },
    );
    let provider = |endpoint: &str| {
        provider_block(&format!(
            "  aws {{\n    region       = \"{REGION}\"\n    endpoint_url = \"{endpoint}\"\n    max_attempts = 2\n  }}\n"
        ))
    };
    let body = "  min_size = 0\n  max_size = 1";
    let mut wd = workdir(tf, &moto);
    let run = wd.step_expect_error(
        &config_with(&provider(&proxy.endpoint), &net, &image, body, ""),
        r"(?s)Throttling: Rate exceeded.*raise the\s+provider's aws.max_attempts",
    );
    assert!(run.all().contains("circleciserver_nomad_client_group.this"));
    // What was made before the failure is in the state, so a destroy (straight to moto now)
    // removes it all: nothing is orphaned.
    drop(proxy);
    wd.write(&config_with(&provider(&moto.endpoint), &net, &image, body, ""));
    wd.destroy();
    assert!(
        rt.block_on(aws.autoscaling.describe_auto_scaling_groups().send())
            .unwrap()
            .auto_scaling_groups()
            .is_empty()
    );
    assert!(
        rt.block_on(aws.iam.get_role().role_name("circleci-nomad-ci-nomad").send())
            .is_err(),
        "nothing orphaned"
    );
    let groups = rt
        .block_on(
            aws.ec2
                .describe_security_groups()
                .filters(
                    circleci_aws::sdk::ec2::types::Filter::builder()
                        .name("group-name")
                        .values("ci-nomad")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert!(groups.security_groups().is_empty(), "security group gone");
}

/// What a destroy killed after the autoscaling group's delete leaves (launch template, security
/// group, role, instance profile, the autoscaler's IAM user): the resource stays in state, the
/// plan replaces it and says why, and destroy deletes the rest instead of forgetting it.
#[test]
fn half_destroyed_group_is_replaced_and_destroy_deletes_what_is_left() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let proxy = FaultProxy::start(moto.port, Faults::default());
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let net = network(&aws, &rt);
        let image = amazon_image(&aws, &rt);
        let mut wd = workdir(tf, &moto);
        let extra = "    autoscaler_access = \"iam_user\"";
        wd.step(&config(
            &proxy.endpoint,
            &net,
            &image,
            "  min_size = 1\n  max_size = 2",
            extra,
        ));
        let state = wd.resource("circleciserver_nomad_client_group.this");
        let security_group = state["aws"]["security_group_id"].as_str().unwrap().to_string();
        rt.block_on(
            aws.autoscaling
                .delete_auto_scaling_group()
                .auto_scaling_group_name("ci-nomad")
                .force_delete(true)
                .send(),
        )
        .unwrap();

        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
        assert!(plan.all().contains("Part of this"), "{}", plan.all());
        wd.destroy();
        let templates = rt.block_on(aws.ec2.describe_launch_templates().send()).unwrap();
        assert!(
            templates.launch_templates().is_empty(),
            "{:?}",
            templates.launch_templates()
        );
        let roles = rt.block_on(aws.iam.list_roles().send()).unwrap();
        assert!(roles.roles().is_empty(), "{:?}", roles.roles());
        let profiles = rt.block_on(aws.iam.list_instance_profiles().send()).unwrap();
        assert!(
            profiles.instance_profiles().is_empty(),
            "{:?}",
            profiles.instance_profiles()
        );
        let users = rt.block_on(aws.iam.list_users().send()).unwrap();
        assert!(users.users().is_empty(), "{:?}", users.users());
        let groups = rt.block_on(aws.ec2.describe_security_groups().send()).unwrap();
        assert!(
            groups
                .security_groups()
                .iter()
                .all(|g| g.group_id() != Some(security_group.as_str())),
            "destroy left {security_group}"
        );
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let moto = Moto::start();
    let net = Network {
        vpc_id: "vpc-1".into(),
        subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
    };
    for_each_terraform(|tf| {
        let mut wd = workdir(tf, &moto);
        let cases = [
            (
                "  min_size = 5\n  max_size = 2",
                "",
                r"(?s)min_size is larger than max_size.*min_size \(5\) must be at most max_size \(2\)",
            ),
            (
                "",
                "    autoscaler_access = \"irsa\"",
                r"(?s)Missing OIDC provider for IRSA",
            ),
            ("  nomad_version = \"latest\"", "", r"(?s)Invalid nomad_version"),
            (
                "  blocked_cidrs = [\"10.0.0.0/33\"]",
                "",
                r"(?s)Invalid CIDR block in blocked_cidrs\[0\]",
            ),
            (
                "",
                "    metadata_http_tokens = \"off\"",
                r"(?s)aws.metadata_http_tokens is \x22off\x22",
            ),
        ];
        for (body, aws_extra, pattern) in cases {
            wd.step_expect_error(&config(&moto.endpoint, &net, "ami-12345678", body, aws_extra), pattern);
        }
    });
    assert_eq!(moto.request_count(), 0, "invalid configurations must not reach AWS");
}
