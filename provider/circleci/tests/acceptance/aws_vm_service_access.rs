//! Acceptance tests of `circleciserver_vm_service_access` on AWS, against moto.

#![cfg(feature = "aws")]

use crate::common::{Network, OIDC, aws, network, provider_config, runtime, workdir};
use acceptance_tests::for_each_terraform;
use acceptance_tests::moto::Moto;

fn config(endpoint: &str, net: &Network, body: &str, aws_extra: &str) -> String {
    format!(
        "{}resource \"circleciserver_vm_service_access\" \"this\" {{\n  name = \"circleci-vms\"\n{body}\n  aws {{\n    vpc_id = \"{}\"\n{aws_extra}\n  }}\n}}\n",
        provider_config(endpoint),
        net.vpc_id
    )
}

fn ingress(aws: &circleci_aws::Aws, rt: &tokio::runtime::Runtime, group: &str) -> Vec<(i32, String)> {
    let out = rt
        .block_on(aws.ec2.describe_security_groups().group_ids(group).send())
        .unwrap();
    let mut rules: Vec<(i32, String)> = out.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges()
                .iter()
                .map(move |r| (p.from_port().unwrap_or(0), r.cidr_ip().unwrap_or_default().to_string()))
        })
        .collect();
    rules.sort();
    rules
}

#[test]
fn rules_policy_access_drift_import_destroy() {
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = runtime();
        let aws = aws(&moto, &rt);
        let net = network(&aws, &rt);
        let mut wd = workdir(tf, &moto);
        let body = "  cluster_cidrs = [\"10.0.0.0/20\"]\n  nomad_cidrs = [\"10.0.16.0/20\"]\n  access = \"iam_user\"";
        wd.step(&config(&moto.endpoint, &net, body, ""));
        let state = wd.resource("circleciserver_vm_service_access.this");
        let group = state["aws"]["security_group_id"].as_str().unwrap().to_string();
        assert_eq!(
            ingress(&aws, &rt, &group),
            vec![
                (22, "10.0.0.0/20".into()),
                (22, "10.0.16.0/20".into()),
                (2376, "10.0.0.0/20".into()),
                (2376, "10.0.16.0/20".into())
            ],
            "22 and 2376 from the cluster and Nomad ranges; no SSH reruns by default"
        );
        let policy: serde_json::Value = serde_json::from_str(state["aws"]["policy_json"].as_str().unwrap()).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        let tagged = statements.iter().find(|s| s["Sid"] == "CreateOnlyTagged").unwrap();
        assert_eq!(
            tagged["Condition"]["StringEquals"]["aws:RequestTag/ManagedBy"],
            "circleci-vm-service"
        );
        let manage = statements.iter().find(|s| s["Sid"] == "ManageOwn").unwrap();
        assert_eq!(
            manage["Condition"]["StringEquals"]["ec2:ResourceTag/ManagedBy"],
            "circleci-vm-service"
        );
        assert!(policy.to_string().contains(&format!("security-group/{group}")));
        let user_policy = rt
            .block_on(
                aws.iam
                    .get_user_policy()
                    .user_name("circleci-vm-circleci-vms")
                    .policy_name("circleci-server")
                    .send(),
            )
            .unwrap();
        assert!(user_policy.policy_document().contains("circleci-vm-service"));
        assert!(
            state["aws"]["secret_access_key"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );

        // SSH reruns opened in place; then IRSA instead of the user.
        let irsa = "  cluster_cidrs = [\"10.0.0.0/20\"]\n  nomad_cidrs = [\"10.0.16.0/20\"]\n  allowed_ssh_cidrs = [\"0.0.0.0/0\"]\n  access = \"irsa\"";
        let oidc = format!("    oidc_provider_arn = \"{OIDC}\"");
        wd.step(&config(&moto.endpoint, &net, irsa, &oidc));
        assert!(ingress(&aws, &rt, &group).contains(&(54782, "0.0.0.0/0".into())));
        let role = rt
            .block_on(aws.iam.get_role().role_name("circleci-vm-circleci-vms").send())
            .unwrap();
        let trust = role.role().unwrap().assume_role_policy_document().unwrap().to_string();
        assert!(trust.contains("vm-service"), "{trust}");
        assert!(
            rt.block_on(aws.iam.get_user().user_name("circleci-vm-circleci-vms").send())
                .is_err()
        );

        // Drift: a rule revoked behind Terraform's back comes back.
        rt.block_on(
            aws.ec2
                .revoke_security_group_ingress()
                .group_id(&group)
                .ip_protocol("tcp")
                .from_port(2376)
                .to_port(2376)
                .cidr_ip("10.0.16.0/20")
                .send(),
        )
        .unwrap();
        assert_eq!(wd.plan().code, 2, "the missing rule shows in the plan");
        wd.step(&config(&moto.endpoint, &net, irsa, &oidc));
        assert!(ingress(&aws, &rt, &group).contains(&(2376, "10.0.16.0/20".into())));

        // Only the kind of access changes (the aws block as it was): the role goes, and its
        // outputs go with it.
        let none = irsa.replace("access = \"irsa\"", "access = \"none\"");
        wd.step(&config(&moto.endpoint, &net, &none, &oidc));
        assert!(wd.resource("circleciserver_vm_service_access.this")["aws"]["role_arn"].is_null());
        assert!(
            rt.block_on(aws.iam.get_role().role_name("circleci-vm-circleci-vms").send())
                .is_err()
        );
        wd.step(&config(&moto.endpoint, &net, irsa, &oidc));

        // Import by security group id: an empty plan.
        let mut imported = workdir(tf, &moto);
        imported.write(&config(&moto.endpoint, &net, irsa, &oidc));
        imported.init();
        assert!(imported.import("circleciserver_vm_service_access.this", &group).success);
        imported.assert_plan_empty();

        // A VPC change replaces: a new group in the other VPC, the old one gone.
        let other = network(&aws, &rt);
        wd.write(&config(&moto.endpoint, &other, irsa, &oidc));
        assert!(wd.plan().stdout.contains("forces replacement"));
        wd.step(&config(&moto.endpoint, &other, irsa, &oidc));
        let replaced = wd.resource("circleciserver_vm_service_access.this");
        let new_group = replaced["aws"]["security_group_id"].as_str().unwrap().to_string();
        let described = rt
            .block_on(aws.ec2.describe_security_groups().group_ids(&new_group).send())
            .unwrap();
        assert_eq!(described.security_groups()[0].vpc_id(), Some(other.vpc_id.as_str()));
        assert!(
            rt.block_on(aws.iam.get_role().role_name("circleci-vm-circleci-vms").send())
                .is_ok(),
            "access made again"
        );

        wd.destroy();
        let left = rt.block_on(aws.ec2.describe_security_groups().send()).unwrap();
        assert!(
            left.security_groups()
                .iter()
                .all(|g| g.group_id() != Some(group.as_str()))
        );
        assert!(
            rt.block_on(aws.iam.get_role().role_name("circleci-vm-circleci-vms").send())
                .is_err()
        );
    });
}

#[test]
fn bad_input_is_refused_before_any_api_call() {
    let moto = Moto::start();
    let net = Network {
        vpc_id: "vpc-1".into(),
        subnet_ids: vec![],
    };
    for_each_terraform(|tf| {
        let mut wd = workdir(tf, &moto);
        let cases = [
            (
                "  cluster_cidrs = [\"10.0.0.0/40\"]\n  nomad_cidrs = []",
                "",
                r"(?s)Invalid CIDR block in cluster_cidrs\[0\]",
            ),
            (
                "  cluster_cidrs = []\n  nomad_cidrs = []\n  access = \"irsa\"",
                "",
                r"(?s)Missing OIDC provider for IRSA",
            ),
            (
                "  cluster_cidrs = []\n  nomad_cidrs = []\n  access = \"root\"",
                "",
                r"(?s)Invalid access.*\x22root\x22 is not an access kind on AWS",
            ),
        ];
        for (body, extra, pattern) in cases {
            wd.step_expect_error(&config(&moto.endpoint, &net, body, extra), pattern);
        }
    });
    assert_eq!(moto.request_count(), 0);
}
