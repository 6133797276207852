//! Acceptance tests of `circleciserver_load_balancer` on AWS, against moto.

#![cfg(feature = "aws")]

use crate::common::{Network, attached_target_groups, aws, network, node_group, provider_config, runtime, workdir};
use acceptance_tests::for_each_terraform;
use acceptance_tests::moto::Moto;

fn config(moto: &Moto, net: &Network, body: &str, aws_extra: &str) -> String {
    format!(
        "{}resource \"circleciserver_load_balancer\" \"this\" {{\n{body}\n  aws {{\n    vpc_id     = \"{}\"\n    subnet_ids = [\"{}\", \"{}\"]\n{aws_extra}\n  }}\n}}\n",
        provider_config(&moto.endpoint),
        net.vpc_id,
        net.subnet_ids[0],
        net.subnet_ids[1]
    )
}

#[test]
fn nomad_lifecycle_attach_drift_import_replace_destroy() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let net = network(&aws, &rt);
        node_group(&aws, &rt, "nodes-a", &net);
        node_group(&aws, &rt, "nodes-b", &net);
        let mut wd = workdir(tf, &moto);

        let body = "  name = \"circleci-nomad\"\n  role = \"nomad\"";
        let ports = "    node_ports = { \"4647\" = 30647 }";
        let one_group = format!("{ports}\n    target_autoscaling_group_names = [\"nodes-a\"]");
        wd.step(&config(&moto, &net, body, &one_group));
        let state = wd.resource("circleciserver_load_balancer.this");
        assert_eq!(state["internal"], true, "nomad is internal by default");
        assert_eq!(state["ports"], serde_json::json!([4647]));
        let arn = state["aws"]["arn"].as_str().unwrap().to_string();
        let lb = rt
            .block_on(aws.elbv2.describe_load_balancers().load_balancer_arns(&arn).send())
            .unwrap();
        let lb = &lb.load_balancers()[0];
        assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internal"));
        assert_eq!(lb.r#type().map(|t| t.as_str()), Some("network"));
        assert_eq!(Some(state["aws"]["dns_name"].as_str().unwrap()), lb.dns_name());
        let listeners = rt
            .block_on(aws.elbv2.describe_listeners().load_balancer_arn(&arn).send())
            .unwrap();
        assert_eq!(listeners.listeners().len(), 1);
        assert_eq!(listeners.listeners()[0].port(), Some(4647));
        let tg_arn = state["aws"]["target_group_arns"]["4647"].as_str().unwrap().to_string();
        let tgs = rt
            .block_on(aws.elbv2.describe_target_groups().target_group_arns(&tg_arn).send())
            .unwrap();
        assert_eq!(tgs.target_groups()[0].port(), Some(30647));
        assert_eq!(tgs.target_groups()[0].protocol().map(|p| p.as_str()), Some("TCP"));
        assert_eq!(attached_target_groups(&aws, &rt, "nodes-a"), vec![tg_arn.clone()]);

        // In place: a second node group and tags.
        let two_groups = format!("{ports}\n    target_autoscaling_group_names = [\"nodes-a\", \"nodes-b\"]");
        let tagged = format!("{body}\n  tags = {{ team = \"ci\" }}");
        wd.write(&config(&moto, &net, &tagged, &two_groups));
        assert!(wd.plan().stdout.contains("0 to add, 1 to change, 0 to destroy"));
        wd.step(&config(&moto, &net, &tagged, &two_groups));
        assert_eq!(attached_target_groups(&aws, &rt, "nodes-b"), vec![tg_arn.clone()]);
        let tags = rt
            .block_on(aws.elbv2.describe_tags().resource_arns(&arn).send())
            .unwrap();
        let keys: Vec<_> = tags.tag_descriptions()[0]
            .tags()
            .iter()
            .filter_map(|t| t.key())
            .collect();
        assert!(
            keys.contains(&"team") && keys.contains(&"managed_by") && keys.contains(&"circleci-server:role"),
            "{keys:?}"
        );

        // Drift: a node group detached behind Terraform's back is re-attached.
        rt.block_on(
            aws.autoscaling
                .detach_load_balancer_target_groups()
                .auto_scaling_group_name("nodes-a")
                .target_group_arns(&tg_arn)
                .send(),
        )
        .unwrap();
        assert_eq!(wd.plan().code, 2, "the detachment shows in the plan");
        wd.step(&config(&moto, &net, &tagged, &two_groups));
        assert_eq!(attached_target_groups(&aws, &rt, "nodes-a"), vec![tg_arn.clone()]);

        // Import by ARN into a fresh directory: an empty plan follows.
        let mut imported = workdir(tf, &moto);
        imported.write(&config(&moto, &net, &tagged, &two_groups));
        imported.init();
        let run = imported.import("circleciserver_load_balancer.this", &arn);
        assert!(run.success, "{}", run.all());
        imported.assert_plan_empty();

        // A node port change replaces.
        let new_ports =
            "    node_ports = { \"4647\" = 31647 }\n    target_autoscaling_group_names = [\"nodes-a\", \"nodes-b\"]";
        wd.write(&config(&moto, &net, &tagged, new_ports));
        assert!(wd.plan().stdout.contains("forces replacement"));
        wd.step(&config(&moto, &net, &tagged, new_ports));
        assert!(
            rt.block_on(aws.elbv2.describe_load_balancers().load_balancer_arns(&arn).send())
                .is_err(),
            "old one gone"
        );

        wd.destroy();
        let left = rt.block_on(aws.elbv2.describe_load_balancers().send()).unwrap();
        assert!(left.load_balancers().is_empty());
        let left = rt.block_on(aws.elbv2.describe_target_groups().send()).unwrap();
        assert!(left.target_groups().is_empty(), "no target group left");
        assert!(attached_target_groups(&aws, &rt, "nodes-a").is_empty());
    });
}

#[test]
fn frontend_is_external_on_80_and_443() {
    let moto = Moto::start();
    let rt = runtime();
    let aws = aws(&moto, &rt);
    let net = network(&aws, &rt);
    let tf = &acceptance_tests::terraforms()[0];
    let mut wd = workdir(tf, &moto);
    wd.step(&config(
        &moto,
        &net,
        "  name = \"circleci-frontend\"\n  role = \"frontend\"",
        "    node_ports = { \"80\" = 30080, \"443\" = 30443 }",
    ));
    let state = wd.resource("circleciserver_load_balancer.this");
    assert_eq!(state["internal"], false);
    let listeners = rt
        .block_on(
            aws.elbv2
                .describe_listeners()
                .load_balancer_arn(state["aws"]["arn"].as_str().unwrap())
                .send(),
        )
        .unwrap();
    let mut ports: Vec<_> = listeners.listeners().iter().filter_map(|l| l.port()).collect();
    ports.sort();
    assert_eq!(ports, vec![80, 443]);
    wd.destroy();
}

/// What a destroy killed after the load balancer's delete leaves (its target group detached
/// and kept): the resource stays in state, the plan replaces it and says why, and destroy
/// deletes the target group instead of forgetting it.
#[test]
fn half_destroyed_load_balancer_is_replaced_and_destroy_deletes_its_target_groups() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let net = network(&aws, &rt);
        node_group(&aws, &rt, "nodes-a", &net);
        let mut wd = workdir(tf, &moto);
        let body = "  name = \"circleci-half\"\n  role = \"nomad\"";
        let aws_extra = "    node_ports = { \"4647\" = 30647 }\n    target_autoscaling_group_names = [\"nodes-a\"]";
        wd.step(&config(&moto, &net, body, aws_extra));
        let state = wd.resource("circleciserver_load_balancer.this");
        let (arn, tg) = (
            state["aws"]["arn"].as_str().unwrap().to_string(),
            state["aws"]["target_group_arns"]["4647"].as_str().unwrap().to_string(),
        );
        rt.block_on(
            aws.autoscaling
                .detach_load_balancer_target_groups()
                .auto_scaling_group_name("nodes-a")
                .target_group_arns(&tg)
                .send(),
        )
        .unwrap();
        rt.block_on(aws.elbv2.delete_load_balancer().load_balancer_arn(&arn).send())
            .unwrap();

        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
        assert!(
            plan.all().contains("Part of this load balancer is gone"),
            "{}",
            plan.all()
        );
        wd.destroy();
        let left = rt.block_on(aws.elbv2.describe_target_groups().send()).unwrap();
        assert!(
            left.target_groups().is_empty(),
            "destroy left {:?}",
            left.target_groups()
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
        let ports = "    node_ports = { \"4647\" = 30647 }";
        let cases = [
            (
                "  name = \"n\"\n  role = \"nomad\"\n  internal = false",
                ports,
                r"(?s)The nomad load balancer must stay internal.*allow_external",
            ),
            (
                "  name = \"n\"\n  role = \"database\"",
                ports,
                r"(?s)role is \x22database\x22; it must be one of",
            ),
            (
                "  name = \"n\"\n  role = \"output_processor\"",
                ports,
                r"(?s)Missing node port for 8585",
            ),
            (
                "  name = \"this-name-is-far-too-long-for-nlb\"\n  role = \"nomad\"",
                ports,
                r"(?s)Invalid load balancer name",
            ),
        ];
        for (body, aws_extra, pattern) in cases {
            wd.step_expect_error(&config(&moto, &net, body, aws_extra), pattern);
        }
        // An explicit opt-in makes an internal role external.
        wd.write(&config(
            &moto,
            &net,
            "  name = \"n\"\n  role = \"nomad\"\n  internal = false\n  allow_external = true",
            ports,
        ));
        wd.init();
        assert_eq!(wd.plan().code, 2);
    });
    assert_eq!(moto.request_count(), 0, "invalid configurations must not reach AWS");
}
