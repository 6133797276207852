//! The examples/ root modules apply, plan empty and destroy (against moto, the fake GCP and the
//! fake Kubernetes API server).

use acceptance_tests::{EMULATORS_OVERRIDE, Workdir, for_each_terraform, gcp_emulators_override, workspace_root};

/// A copy of `examples/NAME` as a user has it, to apply against the emulators.
fn example(tf: &acceptance_tests::Terraform, name: &str) -> Workdir {
    Workdir::example(tf, crate::common::provider(), name)
}

#[test]
fn nomad_tls_example() {
    for_each_terraform(|tf| {
        let mut wd = example(tf, "nomad-tls");
        wd.step_unchanged();
        assert!(wd.output("ca_certificate").contains("BEGIN CERTIFICATE"));
        wd.destroy();
    });
}

#[cfg(feature = "aws")]
#[test]
fn aws_nomad_example() {
    use acceptance_tests::fixtures;
    use acceptance_tests::moto::Moto;
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = crate::common::runtime();
        let aws = crate::common::aws(&moto, &rt);
        let net = fixtures::network(&aws, &rt);
        fixtures::node_group(&aws, &rt, "eks-nodes", &net);
        let image = fixtures::amazon_image(&aws, &rt);
        let source = fixtures::image(&aws, &rt, "vm-source");
        let list = |items: &[String]| {
            format!(
                "[{}]",
                items.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(",")
            )
        };
        let mut wd = example(tf, "aws-nomad")
            .envs(moto.env())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("TF_VAR_vpc_id", &net.vpc_id)
            .env("TF_VAR_subnet_ids", &list(&net.subnet_ids))
            .env("TF_VAR_node_group_names", "[\"eks-nodes\"]")
            .env("TF_VAR_nomad_image_id", &image)
            .env("TF_VAR_vm_source_image_id", &source);
        wd.step_unchanged();
        let dns = wd.must(&["output", "-json", "load_balancers"]).stdout;
        let dns: serde_json::Value = serde_json::from_str(&dns).unwrap();
        assert_eq!(dns.as_object().unwrap().len(), 5, "five load balancers: {dns}");
        let groups = crate::common::attached_target_groups(&aws, &rt, "eks-nodes");
        assert_eq!(
            groups.len(),
            7,
            "80/443 twice, 4647, 8585 and 3000 reach the node group"
        );
        wd.destroy();
        assert!(
            rt.block_on(aws.elbv2.describe_load_balancers().send())
                .unwrap()
                .load_balancers()
                .is_empty()
        );
        assert!(rt.block_on(aws.s3.list_buckets().send()).unwrap().buckets().is_empty());
    });
}

/// examples/aws through modules/aws: the AWS resources in moto and the install in the fake
/// cluster, wired by references only. The install's Services take the load balancers' node
/// ports, the addresses it reports are the load balancers' DNS names, every service is ready;
/// destroy leaves moto as the fixtures made it and the cluster with only the kept data.
#[cfg(all(feature = "aws", feature = "kubernetes"))]
#[test]
fn aws_example_installs_the_whole_server_through_the_module() {
    use acceptance_tests::fake_kube::FakeKube;
    use acceptance_tests::fixtures;
    use acceptance_tests::moto::Moto;
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let fake = FakeKube::start();
        let rt = crate::common::runtime();
        let aws = crate::common::aws(&moto, &rt);
        let net = fixtures::network(&aws, &rt);
        fixtures::node_group(&aws, &rt, "eks-nodes", &net);
        let image = fixtures::amazon_image(&aws, &rt);
        let source = fixtures::image(&aws, &rt, "vm-source");
        let before = fixtures::inventory(&aws, &rt);
        let subnets = serde_json::to_string(&net.subnet_ids).unwrap();
        let mut wd = example(tf, "aws")
            .envs(moto.env())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .kubeconfig(&fake.kubeconfig())
            .sandbox_server_inputs()
            .env("TF_VAR_vpc_id", &net.vpc_id)
            .env("TF_VAR_subnet_ids", &subnets)
            .env("TF_VAR_node_group_names", "[\"eks-nodes\"]")
            .env("TF_VAR_oidc_provider_arn", crate::common::OIDC)
            .env("TF_VAR_nomad_image_id", &image)
            .env("TF_VAR_vm_source_image_id", &source);
        wd.step_unchanged();

        let output = |name: &str| -> serde_json::Value {
            serde_json::from_str(&wd.must(&["output", "-json", name]).stdout).unwrap()
        };
        let dns_names: Vec<String> = rt
            .block_on(aws.elbv2.describe_load_balancers().send())
            .unwrap()
            .load_balancers()
            .iter()
            .filter_map(|lb| lb.dns_name().map(str::to_string))
            .collect();
        let addresses = output("load_balancers");
        let addresses = addresses.as_object().unwrap();
        assert_eq!(addresses.len(), 5, "{addresses:?}");
        for (role, address) in addresses {
            assert!(
                dns_names.iter().any(|d| address == d),
                "{role} is reported at {address}, not at one of our load balancers {dns_names:?}"
            );
        }
        assert_eq!(
            output("nomad_server_endpoint"),
            format!("{}:4647", addresses["nomad"].as_str().unwrap())
        );
        let services = output("services");
        assert!(
            services.as_object().unwrap().values().all(|s| s == "ready"),
            "{services}"
        );
        assert_eq!(
            crate::common::attached_target_groups(&aws, &rt, "eks-nodes").len(),
            7,
            "80/443 twice, 4647, 8585 and 3000 reach the node group"
        );
        let nomad = fake.get("services", "circleci-server", "circleci-nomad-lb").unwrap();
        assert_eq!(nomad["spec"]["ports"][0]["nodePort"], 30647);
        let config = fake
            .get("configmaps", "circleci-server", "circleci-server-config")
            .unwrap();
        assert_eq!(
            config["data"]["VM_SERVICE_LINUX_IMAGE"]
                .as_str()
                .map(|i| i.starts_with("ami-")),
            Some(true)
        );
        let vm_account = fake.get("serviceaccounts", "circleci-server", "vm-service").unwrap();
        assert!(
            vm_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
                .as_str()
                .is_some_and(|arn| arn.starts_with("arn:aws:iam::")),
            "the VM service runs with the IRSA role the module made: {vm_account}"
        );

        wd.destroy();
        assert_eq!(
            fixtures::inventory(&aws, &rt),
            before,
            "everything the example made is gone"
        );
        assert_eq!(
            fake.names("secrets", "circleci-server"),
            vec!["circleci-server-inputs".to_string()],
            "only the kept inputs (and the data's volume claims) stay in the cluster"
        );
        assert!(fake.names("services", "circleci-server").is_empty());
    });
}

/// examples/gcp: modules/gcp on an existing network and GKE cluster, the install included,
/// against the fake GCP APIs and the fake Kubernetes API server: five passthrough load
/// balancers whose addresses the install reports, every service ready, each part of the
/// server acting as its own service account by workload identity; destroy leaves nothing in
/// GCP and only the kept inputs in the cluster.
#[cfg(all(feature = "gcp", feature = "kubernetes"))]
#[test]
fn gcp_example_installs_the_whole_server_through_the_module() {
    use acceptance_tests::fake_gcp::FakeGcp;
    use acceptance_tests::fake_kube::FakeKube;
    for_each_terraform(|tf| {
        let gcp = FakeGcp::start();
        gcp.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v1", "ubuntu-2204-lts");
        let kube = FakeKube::start();
        let project_policy = gcp.iam_policy("projects/sandbox-project")["bindings"].clone();
        let mut wd = example(tf, "gcp")
            .env("TF_VAR_project", "sandbox-project")
            .kubeconfig(&kube.kubeconfig())
            .sandbox_server_inputs()
            .env(
                "TF_VAR_cluster_instance_groups",
                "[\"projects/sandbox-project/zones/us-east1-b/instanceGroups/gke-circleci-default-pool\"]",
            );
        wd.write_file(EMULATORS_OVERRIDE, &gcp_emulators_override(&gcp.url, &gcp.storage_url));
        wd.step_unchanged();

        let output = |name: &str| -> serde_json::Value {
            serde_json::from_str(&wd.must(&["output", "-json", name]).stdout).unwrap()
        };
        let rules = gcp.names("sandbox-project", "regions/us-east1/forwardingRules");
        let addresses: Vec<String> = rules
            .iter()
            .filter_map(|r| gcp.get("sandbox-project", "regions/us-east1/forwardingRules", r))
            .filter_map(|r| r["IPAddress"].as_str().map(str::to_string))
            .collect();
        let reported = output("load_balancers");
        let reported = reported.as_object().unwrap();
        assert_eq!(reported.len(), 5, "{reported:?}");
        for (role, address) in reported {
            assert!(
                addresses.iter().any(|a| address == a),
                "{role} is reported at {address}, not at one of our load balancers {addresses:?}"
            );
        }
        assert_eq!(
            output("nomad_server_endpoint"),
            format!("{}:4647", reported["nomad"].as_str().unwrap())
        );
        let services = output("services");
        assert_eq!(
            services["nomad-autoscaler"], "ready",
            "nomad-autoscaler runs: {services}"
        );
        assert!(
            services.as_object().unwrap().values().all(|s| s == "ready"),
            "{services}"
        );

        // Each part acts as its own service account, by workload identity.
        let accounts = output("service_accounts");
        let annotation = |name: &str| {
            kube.get("serviceaccounts", "circleci-server", name).unwrap()["metadata"]["annotations"]
                ["iam.gke.io/gcp-service-account"]
                .clone()
        };
        assert_eq!(annotation("vm-service"), accounts["vm_service"]);
        assert_eq!(annotation("nomad-autoscaler"), accounts["nomad_autoscaler"]);
        assert_eq!(annotation("output-processor"), accounts["storage"]);
        let autoscaler = accounts["nomad_autoscaler"].as_str().unwrap();
        assert_eq!(
            gcp.members(
                &format!("projects/sandbox-project/serviceAccounts/{autoscaler}"),
                "roles/iam.workloadIdentityUser"
            ),
            vec!["serviceAccount:sandbox-project.svc.id.goog[circleci-server/nomad-autoscaler]".to_string()]
        );
        let config = kube
            .get("configmaps", "circleci-server", "circleci-server-config")
            .unwrap();
        assert_eq!(config["data"]["VM_SERVICE_PROVIDER"], "gce");
        assert_eq!(config["data"]["VM_SERVICE_PROJECT"], "sandbox-project");
        assert_eq!(config["data"]["VM_SERVICE_NETWORK_TAG"], "circleci-vm-service");
        assert_eq!(
            config["data"]["NOMAD_AUTOSCALER_GROUP"],
            "projects/sandbox-project/regions/us-east1/instanceGroupManagers/circleci-nomad"
        );
        assert_eq!(
            config["data"]["VM_SERVICE_LINUX_IMAGE"],
            "projects/sandbox-project/global/images/circleci-vm-linux"
        );

        wd.destroy();
        for (collection, left) in gcp.inventory("sandbox-project", "us-east1") {
            assert!(left.is_empty(), "destroy left {collection}: {left:?}");
        }
        assert_eq!(
            gcp.iam_policy("projects/sandbox-project")["bindings"],
            project_policy,
            "the project's policy is as it was"
        );
        assert_eq!(
            kube.names("secrets", "circleci-server"),
            vec!["circleci-server-inputs".to_string()],
            "only the kept inputs (and the data's volume claims) stay in the cluster"
        );
        assert!(kube.names("services", "circleci-server").is_empty());
    });
}

#[cfg(feature = "kubernetes")]
#[test]
fn server_install_example() {
    let fake = acceptance_tests::fake_kube::FakeKube::start();
    for_each_terraform(|tf| {
        let mut wd = example(tf, "server-install")
            .kubeconfig(&fake.kubeconfig())
            .sandbox_server_inputs();
        wd.step_unchanged();
        let lbs: serde_json::Value =
            serde_json::from_str(&wd.must(&["output", "-json", "load_balancers"]).stdout).unwrap();
        assert_eq!(lbs.as_object().unwrap().len(), 5, "five load balancer addresses: {lbs}");
        assert!(wd.output("nomad_server_endpoint").ends_with(":4647"));
        wd.destroy();
        // Destroy keeps the data stores' volume claims, the inputs (keysets) the data needs and
        // their namespace, and nothing else.
        let claims = fake.names("persistentvolumeclaims", "circleci-server").len();
        assert!(claims > 0);
        assert_eq!(
            fake.names("secrets", "circleci-server"),
            vec!["circleci-server-inputs".to_string()]
        );
        assert_eq!(
            fake.object_count(),
            claims + 2,
            "only the data, its keysets and its namespace are left"
        );
        fake.delete("namespaces", "", "circleci-server");
    });
}

#[cfg(feature = "gcp")]
#[test]
fn gcp_nomad_example() {
    let fake = acceptance_tests::fake_gcp::FakeGcp::start();
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v1", "ubuntu-2204-lts");
    for_each_terraform(|tf| {
        let mut wd = example(tf, "gcp-nomad").env("TF_VAR_project", "sandbox-project");
        wd.write_file(
            EMULATORS_OVERRIDE,
            &gcp_emulators_override(&fake.url, &fake.storage_url),
        );
        wd.step_unchanged();
        assert_eq!(
            wd.output("nomad_instance_group"),
            "projects/sandbox-project/regions/us-east1/instanceGroups/circleci-nomad"
        );
        assert_eq!(
            wd.output("vm_service_image"),
            "projects/sandbox-project/global/images/circleci-vm-linux"
        );
        wd.destroy();
        for (collection, left) in fake.inventory("sandbox-project", "us-east1") {
            assert!(left.is_empty(), "destroy left {collection}: {left:?}");
        }
    });
}

/// examples/aws-complete (modules/aws-cluster with hashicorp/aws, then modules/aws) where a
/// filesystem mirror holds hashicorp/aws: validates, and plans the whole server from an empty
/// account against moto, the kubernetes block unknown until the cluster exists (the provider
/// waits for apply instead of reading some local kubeconfig). Its apply needs a real EKS API.
#[cfg(all(feature = "aws", feature = "kubernetes"))]
#[test]
fn aws_complete_example_plans_from_an_empty_account() {
    use acceptance_tests::fixtures;
    use acceptance_tests::moto::Moto;
    if acceptance_tests::hashicorp_mirror().is_none() {
        eprintln!("skipped: no filesystem mirror with hashicorp/aws on this machine (TF_PEER_MIRROR)");
        return;
    }
    let moto = Moto::start();
    let rt = crate::common::runtime();
    let aws = crate::common::aws(&moto, &rt);
    let image = fixtures::amazon_image(&aws, &rt);
    let home = tempfile::tempdir().unwrap();
    for_each_terraform(|tf| {
        let wd = Workdir::example(tf, crate::common::provider(), "aws-complete")
            .envs(moto.env())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("HOME", home.path().to_str().unwrap())
            .env_remove("KUBECONFIG")
            .env("TF_VAR_region", fixtures::REGION)
            .sandbox_server_inputs()
            .env("TF_VAR_license", "example-license")
            .env("TF_VAR_image_registry_username", "example")
            .env("TF_VAR_image_registry_password", "example")
            .env("TF_VAR_api_public_cidrs", "[\"203.0.113.0/24\"]")
            .env("TF_VAR_nomad_image_id", &image);
        wd.must(&["init", "-no-color", "-input=false"]);
        wd.must(&["validate", "-no-color"]);
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "{}", plan.all());
        for address in [
            "module.circleci_server.aws_eks_cluster.this",
            "module.circleci_server.aws_eks_node_group.this",
            "module.circleci_server.module.circleci.circleciserver_server.this",
            "module.circleci_server.module.circleci.circleciserver_load_balancer.this[\"nomad\"]",
        ] {
            assert!(
                plan.stdout.contains(&format!("{address} will be created")),
                "{address}:\n{}",
                plan.stdout
            );
        }
    });
}

/// The snippets the docs show (examples/provider/*.tf, examples/resources/TYPE/resource.tf,
/// examples/data-sources/TYPE/data-source.tf) are valid configurations for this provider:
/// `terraform validate` with each `var.NAME` they use declared. Each import.sh imports an
/// address its resource.tf declares.
#[test]
fn doc_snippets_validate_and_imports_name_their_resources() {
    let root = workspace_root().join("examples");
    let mut snippets: Vec<_> = std::fs::read_dir(root.join("provider"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    snippets.sort();
    assert!(snippets.len() >= 5, "examples/provider holds {snippets:?}");
    for kind in ["resources", "data-sources"] {
        for entry in std::fs::read_dir(root.join(kind)).unwrap().flatten() {
            let file = if kind == "resources" {
                "resource.tf"
            } else {
                "data-source.tf"
            };
            snippets.push(entry.path().join(file));
        }
    }
    let variable = regex::Regex::new(r"var\.([a-z_0-9]+)").unwrap();
    for_each_terraform(|tf| {
        for snippet in &snippets {
            let text = std::fs::read_to_string(snippet).unwrap_or_else(|_| panic!("{} is missing", snippet.display()));
            let mut names: Vec<&str> = variable
                .captures_iter(&text)
                .map(|c| c.get(1).unwrap().as_str())
                .collect();
            names.sort();
            names.dedup();
            let declared: String = names.iter().map(|n| format!("variable \"{n}\" {{}}\n")).collect();
            let header = if text.contains("required_providers") {
                String::new()
            } else {
                "terraform {\n  required_providers {\n    circleciserver = { source = \"circleci-server/circleciserver\" }\n  }\n}\n".into()
            };
            let mut wd = Workdir::new(tf, crate::common::provider());
            wd.write(&format!("{header}{text}\n{declared}"));
            wd.init();
            let run = wd.run(&["validate", "-no-color"]);
            assert!(run.success, "{} does not validate:\n{}", snippet.display(), run.all());

            let import = snippet.with_file_name("import.sh");
            if let Ok(script) = std::fs::read_to_string(&import) {
                for line in script.lines().filter(|l| l.starts_with("terraform import ")) {
                    let address = line.split_whitespace().nth(2).unwrap();
                    let (kind, name) = address.split_once('.').unwrap();
                    assert!(
                        text.contains(&format!("resource \"{kind}\" \"{name}\"")),
                        "{} imports {address}, which its resource.tf does not declare",
                        import.display()
                    );
                }
            }
        }
    });
}

/// modules/ and examples/ are as `terraform fmt` writes them.
#[test]
fn modules_and_examples_are_terraform_fmt_clean() {
    for_each_terraform(|tf| {
        for dir in ["modules", "examples"] {
            let out = std::process::Command::new(&tf.path)
                .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
                .arg(workspace_root().join(dir))
                .env("CHECKPOINT_DISABLE", "1")
                .output()
                .expect("run terraform fmt");
            assert!(
                out.status.success(),
                "{dir}/ is not terraform fmt clean:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    });
}

/// examples/object-storage through modules/object-storage, on each cloud: the bucket and the
/// server's access made (moto; the fake GCP's Cloud Storage and IAM), an empty plan, nothing
/// left after destroy.
#[cfg(all(feature = "aws", feature = "gcp"))]
#[test]
fn object_storage_module_on_either_cloud() {
    use acceptance_tests::fake_gcp::FakeGcp;
    use acceptance_tests::moto::Moto;
    for_each_terraform(|tf| {
        let moto = Moto::start();
        let rt = crate::common::runtime();
        let aws = crate::common::aws(&moto, &rt);
        let mut wd = example(tf, "object-storage")
            .envs(moto.env())
            .env("AWS_ENDPOINT_URL", &moto.endpoint);
        wd.step_unchanged();
        assert_eq!(wd.output("access"), "iam_user", "no OIDC provider: an IAM user key");
        assert_eq!(wd.output("server_identity"), "an IAM user key");
        let buckets = rt.block_on(aws.s3.list_buckets().send()).unwrap();
        assert_eq!(buckets.buckets()[0].name(), Some("circleci-example-data"));
        wd.destroy();
        let buckets = rt.block_on(aws.s3.list_buckets().send()).unwrap();
        assert!(buckets.buckets().is_empty(), "destroy left {:?}", buckets.buckets());

        let fake = FakeGcp::start();
        let mut wd = example(tf, "object-storage")
            .env("TF_VAR_cloud", "gcp")
            .env("TF_VAR_project", "sandbox-project")
            .env("TF_VAR_region", "us-east1");
        // The override's static gcp block takes the place of the example's dynamic one.
        wd.write_file(
            EMULATORS_OVERRIDE,
            &gcp_emulators_override(&fake.url, &fake.storage_url),
        );
        wd.step_unchanged();
        assert_eq!(wd.output("access"), "workload_identity");
        assert_eq!(
            wd.output("server_identity"),
            "cci-circleci-example-data@sandbox-project.iam.gserviceaccount.com"
        );
        assert_eq!(wd.output("region"), "us-east1");
        let bucket = fake.bucket("circleci-example-data").expect("the bucket");
        assert_eq!(bucket.iam_config.unwrap().public_access_prevention, "enforced");
        wd.destroy();
        for (collection, left) in fake.inventory("sandbox-project", "us-east1") {
            assert!(left.is_empty(), "destroy left {collection}: {left:?}");
        }
    });
}

/// Each example root module is laid out as users copy it: main.tf, variables.tf, outputs.tf,
/// versions.tf and a README that names every input without a default. No variable points the
/// provider at an emulator (the tests and `scripts/run-example` do that from outside), and no
/// sensitive variable has a default other than null.
#[test]
fn examples_are_laid_out_as_users_copy_them() {
    let variable = regex::Regex::new(r#"(?s)variable "([a-z0-9_]+)" \{(.*?)\n\}"#).unwrap();
    let emulator_setting = regex::Regex::new(r"endpoint|anonymous|insecure|kubernetes_(host|token)").unwrap();
    let mut problems = Vec::new();
    let mut examples = 0;
    for entry in std::fs::read_dir(workspace_root().join("examples")).unwrap().flatten() {
        let dir = entry.path();
        if !dir.join("main.tf").exists() {
            continue; // the registry's snippet folders: provider/, resources/, data-sources/
        }
        examples += 1;
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        for file in ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"] {
            if !dir.join(file).exists() {
                problems.push(format!("examples/{name} has no {file}"));
            }
        }
        let variables = std::fs::read_to_string(dir.join("variables.tf")).unwrap_or_default();
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
        for capture in variable.captures_iter(&variables) {
            let (var, body) = (&capture[1], &capture[2]);
            let default = body
                .lines()
                .find_map(|l| l.trim().strip_prefix("default"))
                .map(str::trim);
            let shown = regex::Regex::new(&format!(r"\b{var}\b")).unwrap().is_match(&readme);
            if default.is_none() && !shown {
                problems.push(format!(
                    "examples/{name}/README.md does not show the required input {var}"
                ));
            }
            if emulator_setting.is_match(var) {
                problems.push(format!("examples/{name}: variable {var} is an emulator setting"));
            }
            if body.contains("sensitive") && default.is_some_and(|d| d != "= null") {
                problems.push(format!("examples/{name}: sensitive variable {var} has a default"));
            }
        }
    }
    assert!(examples >= 9, "only {examples} examples found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
