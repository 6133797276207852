//! The acceptance tests in a real cloud, for users' sandbox accounts before an upgrade: the
//! whole AWS stack (examples/aws-nomad) and the whole GCP stack (examples/gcp-nomad) applied
//! with no endpoint override, planned empty and destroyed, with nothing of the run's left.
//! Opt-in (`TF_ACC_AWS=1`, `TF_ACC_GCP=1`; see `acceptance_tests::real_cloud`); without the
//! switch each test prints that it was skipped. Everything is named `tfacc-XXXX-…`, and a
//! run's leftovers are swept when the test ends, passed or failed.

#[cfg(feature = "aws")]
mod aws {
    use acceptance_tests::fixtures::{self, Network};
    use acceptance_tests::sweep::{Filter, Swept, sweep};
    use acceptance_tests::{Workdir, for_each_terraform, real_cloud};
    use circleci_aws::Aws;
    use std::time::Duration;

    /// The run's fixtures (a VPC, two subnets, a node group), and on drop, whatever of the
    /// run's is still there: swept (stack objects), then deleted (fixtures).
    struct Run {
        rt: tokio::runtime::Runtime,
        aws: Aws,
        name: String,
        net: Network,
        node_group: String,
    }

    impl Run {
        fn leftovers(&self, dry_run: bool) -> Vec<Swept> {
            let filter = Filter {
                prefix: self.name.clone(),
                older_than: Duration::ZERO,
                dry_run,
            };
            self.rt
                .block_on(sweep(&self.aws, &filter))
                .expect("list the run's objects")
        }
    }

    impl Drop for Run {
        fn drop(&mut self) {
            for swept in self.leftovers(false) {
                eprintln!("swept after the run: {swept:?}");
            }
            let (aws, rt) = (&self.aws, &self.rt);
            let _ = rt.block_on(
                aws.autoscaling
                    .delete_auto_scaling_group()
                    .auto_scaling_group_name(&self.node_group)
                    .force_delete(true)
                    .send(),
            );
            let _ = rt.block_on(
                aws.ec2
                    .delete_launch_template()
                    .launch_template_name(format!("{}-lt", self.node_group))
                    .send(),
            );
            // Load balancers' network interfaces leave the subnets a little after them.
            for attempt in 0..30 {
                let subnets_gone = self.net.subnet_ids.iter().all(|subnet| {
                    rt.block_on(aws.ec2.delete_subnet().subnet_id(subnet).send()).is_ok()
                        || rt
                            .block_on(aws.ec2.describe_subnets().subnet_ids(subnet).send())
                            .is_err()
                });
                if subnets_gone
                    && rt
                        .block_on(aws.ec2.delete_vpc().vpc_id(&self.net.vpc_id).send())
                        .is_ok()
                {
                    return;
                }
                if attempt == 29 {
                    eprintln!(
                        "could not delete the fixture VPC {} (and subnets {:?}): delete them by hand",
                        self.net.vpc_id, self.net.subnet_ids
                    );
                }
                std::thread::sleep(Duration::from_secs(10));
            }
        }
    }

    #[test]
    fn aws_stack_in_a_real_account() {
        if !real_cloud::requested(
            "TF_ACC_AWS",
            "the AWS stack in a real account",
            "AWS credentials (the standard chain, AWS_REGION)",
        ) {
            return;
        }
        let region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|_| "eu-west-1".into());
        let rt = crate::common::runtime();
        let aws = fixtures::clients_at(None, &region, &rt);
        let name = real_cloud::run_name();
        eprintln!("real AWS run {name} in {region}");
        let net = fixtures::network(&aws, &rt);
        let node_group = format!("{name}-nodes");
        let run = Run {
            rt,
            aws,
            name,
            net,
            node_group,
        };
        fixtures::node_group(&run.aws, &run.rt, &run.node_group, &run.net);
        let image = fixtures::amazon_image(&run.aws, &run.rt);
        let config = acceptance_tests::example_config("aws-nomad");
        let subnets = format!("[{:?},{:?}]", run.net.subnet_ids[0], run.net.subnet_ids[1]);

        for_each_terraform(|tf| {
            let mut wd = Workdir::new(tf, crate::common::provider())
                .env("TF_VAR_region", &region)
                .env("TF_VAR_name", &run.name)
                .env("TF_VAR_vpc_id", &run.net.vpc_id)
                .env("TF_VAR_subnet_ids", &subnets)
                .env("TF_VAR_node_group_names", &format!("[{:?}]", run.node_group))
                .env("TF_VAR_nomad_image_id", &image)
                .env("TF_VAR_vm_source_image_id", &image)
                // Marks every object as a test object, beside the provider's owner tag.
                .env(
                    "TF_VAR_tags",
                    &format!(
                        "{{ project = \"circleci-server\", \"circleci:test-run\" = \"{}\" }}",
                        run.name
                    ),
                );
            wd.step(&config);
            let made = run.leftovers(true);
            assert!(
                made.len() >= 10,
                "the stack's objects carry the owner tag and the run's name: {made:?}"
            );
            wd.destroy();
            let left = run.leftovers(true);
            assert!(left.is_empty(), "destroy left: {left:?}");
        });
    }
}

#[cfg(feature = "gcp")]
mod gcp {
    use acceptance_tests::{Workdir, for_each_terraform, real_cloud};
    use circleci_cty::Value;
    use circleci_gcp::Gcp;
    use circleci_gcp::error::is_not_found;

    /// Which of the stack's objects (by kind and name) Google still has.
    async fn still_there(gcp: &Gcp, region: &str, name: &str, template: &str) -> Vec<String> {
        let project = gcp.project.as_str();
        let group = format!("{name}-nomad");
        let load_balancer = format!("{name}-nomad-lb");
        let answers = [
            (
                "image",
                gcp.images
                    .get()
                    .set_project(project)
                    .set_image(format!("{name}-vm-linux"))
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "instance template",
                gcp.instance_templates
                    .get()
                    .set_project(project)
                    .set_instance_template(template)
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "instance group",
                gcp.instance_group_managers
                    .get()
                    .set_project(project)
                    .set_region(region)
                    .set_instance_group_manager(&group)
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "autoscaler",
                gcp.autoscalers
                    .get()
                    .set_project(project)
                    .set_region(region)
                    .set_autoscaler(&group)
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "health check",
                gcp.health_checks
                    .get()
                    .set_project(project)
                    .set_health_check(format!("{group}-nomad"))
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "firewall",
                gcp.firewalls
                    .get()
                    .set_project(project)
                    .set_firewall(format!("{group}-health-checks"))
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "load balancer forwarding rule",
                gcp.forwarding_rules
                    .get()
                    .set_project(project)
                    .set_region(region)
                    .set_forwarding_rule(&load_balancer)
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "load balancer backend service",
                gcp.backend_services
                    .get()
                    .set_project(project)
                    .set_region(region)
                    .set_backend_service(&load_balancer)
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "load balancer health check",
                gcp.region_health_checks
                    .get()
                    .set_project(project)
                    .set_region(region)
                    .set_health_check(&load_balancer)
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "load balancer traffic firewall",
                gcp.firewalls
                    .get()
                    .set_project(project)
                    .set_firewall(format!("{load_balancer}-traffic"))
                    .send()
                    .await
                    .map(drop),
            ),
            (
                "load balancer health check firewall",
                gcp.firewalls
                    .get()
                    .set_project(project)
                    .set_firewall(format!("{load_balancer}-health-checks"))
                    .send()
                    .await
                    .map(drop),
            ),
        ];
        answers
            .into_iter()
            .filter_map(|(kind, answer)| match answer {
                Err(e) if is_not_found(&e) => None,
                Err(e) => Some(format!("{kind}: cannot tell ({e})")),
                Ok(()) => Some(kind.to_string()),
            })
            .collect()
    }

    #[test]
    fn gcp_stack_in_a_real_project() {
        if !real_cloud::requested(
            "TF_ACC_GCP",
            "the GCP stack in a real project",
            "Application Default Credentials and GOOGLE_CLOUD_PROJECT",
        ) {
            return;
        }
        let project = std::env::var("GOOGLE_CLOUD_PROJECT").expect("GOOGLE_CLOUD_PROJECT names the sandbox project");
        let region = std::env::var("GOOGLE_CLOUD_REGION").unwrap_or_else(|_| "us-east1".into());
        let name = real_cloud::run_name();
        eprintln!("real GCP run {name} in {project}/{region}");
        let rt = crate::common::runtime();
        let block = Value::object([
            ("project", Value::from(project.as_str())),
            ("region", Value::from(region.as_str())),
        ]);
        let gcp = rt
            .block_on(Gcp::from_block(&block))
            .expect("GCP clients from Application Default Credentials");
        let config = acceptance_tests::example_config("gcp-nomad");
        for_each_terraform(|tf| {
            let mut wd = Workdir::new(tf, crate::common::provider())
                .env("TF_VAR_project", &project)
                .env("TF_VAR_region", &region)
                .env("TF_VAR_name", &name)
                // Marks every object as a test object.
                .env(
                    "TF_VAR_labels",
                    &format!("{{ app = \"circleci-server\", circleci-test-run = \"{name}\" }}"),
                );
            wd.step(&config);
            let template = wd.output("nomad_instance_template");
            let template = template
                .trim()
                .trim_matches('"')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let made = rt.block_on(still_there(&gcp, &region, &name, &template));
            assert_eq!(made.len(), 11, "the stack made all eleven objects: {made:?}");
            wd.destroy();
            let left = rt.block_on(still_there(&gcp, &region, &name, &template));
            assert!(left.is_empty(), "destroy left: {left:?}");
        });
    }
}
