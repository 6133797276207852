//! Applies one of the examples/ root modules against local emulators and prints its outputs.
//! Used by `scripts/run-example`; the provider binary path comes in CIRCLECI_PROVIDER_BIN.
//!
//! AWS examples (`aws`, `aws-*`, and `object-storage`, whose cloud defaults to AWS) run
//! against a moto server started here, with the network, node groups and images they expect
//! made first through the AWS API; GCP examples (`gcp`,
//! `gcp-*`) against the fake GCP APIs (Compute Engine, IAM, Resource Manager, Cloud Storage);
//! `aws`, `gcp` and `server-install` also against the fake Kubernetes API server, which they
//! install CircleCI Server into. Because the emulators end with this process, what was made is
//! destroyed again after the outputs are printed.

use std::path::{Path, PathBuf};
use std::process::Command;

use acceptance_tests::{
    EMULATORS_OVERRIDE, SANDBOX_SERVER_INPUTS, gcp_emulators_override, workspace_root, write_mirror,
};

/// Runs terraform; `quiet` keeps only the last line of its output (unless it fails).
fn terraform(terraform: &Path, dir: &Path, config: &Path, env: &[(String, String)], args: &[&str], quiet: bool) {
    eprintln!("+ terraform {}", args.join(" "));
    let mut cmd = Command::new(terraform);
    cmd.args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let ok = if quiet {
        let out = cmd.output().expect("run terraform");
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.success() {
            println!(
                "{}",
                text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default()
            );
        } else {
            print!("{text}");
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    } else {
        cmd.status().expect("run terraform").success()
    };
    if !ok {
        std::process::exit(1);
    }
}

/// Starts moto and makes what the AWS example takes as inputs; returns the emulator (kept
/// alive by the caller) and the TF_VAR_ environment.
#[cfg(feature = "aws")]
fn aws_inputs() -> (acceptance_tests::moto::Moto, Vec<(String, String)>) {
    use acceptance_tests::fixtures;
    let moto = acceptance_tests::moto::Moto::start();
    let mut env: Vec<(String, String)> = moto.env().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let aws = fixtures::clients(&moto, &runtime);
    let network = fixtures::network(&aws, &runtime);
    fixtures::node_group(&aws, &runtime, "eks-nodes", &network);
    let image = fixtures::amazon_image(&aws, &runtime);
    let source = fixtures::image(&aws, &runtime, "circleci-vm-source");
    let list = |items: &[String]| {
        format!(
            "[{}]",
            items.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(",")
        )
    };
    env.extend([
        ("TF_VAR_region".to_string(), fixtures::REGION.to_string()),
        // The examples hold no endpoint: the provider's aws block reads AWS_ENDPOINT_URL.
        ("AWS_ENDPOINT_URL".to_string(), moto.endpoint.clone()),
        ("TF_VAR_vpc_id".to_string(), network.vpc_id.clone()),
        ("TF_VAR_subnet_ids".to_string(), list(&network.subnet_ids)),
        ("TF_VAR_node_group_names".to_string(), list(&["eks-nodes".to_string()])),
        ("TF_VAR_nomad_image_id".to_string(), image),
        ("TF_VAR_vm_source_image_id".to_string(), source),
        // IRSA: moto does not check that the OIDC provider exists.
        (
            "TF_VAR_oidc_provider_arn".to_string(),
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/SANDBOX".to_string(),
        ),
    ]);
    eprintln!(
        "moto (AWS emulator) on {}; fixtures: {} with subnets {:?}",
        moto.endpoint, network.vpc_id, network.subnet_ids
    );
    (moto, env)
}

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "aws".to_string());
    let provider = PathBuf::from(std::env::var("CIRCLECI_PROVIDER_BIN").expect("CIRCLECI_PROVIDER_BIN"));
    let tf = std::env::var("TERRAFORM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".venv/bin/terraform"));
    let source = workspace_root().join("examples").join(&name);
    assert!(source.is_dir(), "no example named {name} under examples/");

    // Work in .work/<name>, with the mirror and CLI configuration beside the state; .work sits
    // beside examples/, so an example's `../../modules/...` still resolves.
    let workdir = workspace_root().join(".work").join(&name);
    std::fs::create_dir_all(&workdir).expect("work dir");
    // A stale override from an earlier layout must not point this run anywhere.
    let _ = std::fs::remove_file(workdir.join(EMULATORS_OVERRIDE));
    for entry in std::fs::read_dir(&source).expect("example dir").flatten() {
        if entry.path().extension().is_some_and(|e| e == "tf" || e == "tfvars") {
            std::fs::copy(entry.path(), workdir.join(entry.file_name())).expect("copy example");
        }
    }
    // The provider binary changes between builds: its lock entry must be recorded afresh.
    let _ = std::fs::remove_file(workdir.join(".terraform.lock.hcl"));
    let config = write_mirror(&provider, &workdir);

    // object-storage defaults to `cloud = "aws"`: it runs against moto too, never real AWS.
    let on_aws = name.starts_with("aws") || name == "object-storage";
    let ephemeral = on_aws || name.starts_with("gcp") || name == "server-install";
    // GCP examples run against the project's fake Compute Engine API, with the public image
    // they copy from.
    let fake_gcp = name.starts_with("gcp").then(|| {
        let fake = acceptance_tests::fake_gcp::FakeGcp::start();
        fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v20261101", "ubuntu-2204-lts");
        fake
    });
    // The server examples install into a fake Kubernetes API server that lives as long as we do.
    let fake_kube = ["server-install", "aws", "gcp"]
        .contains(&name.as_str())
        .then(acceptance_tests::fake_kube::FakeKube::start);
    #[cfg(feature = "aws")]
    let (_moto, env) = if on_aws {
        // A fresh emulator each run: state from an earlier run points at one that is gone.
        let _ = std::fs::remove_file(workdir.join("terraform.tfstate"));
        let (moto, env) = aws_inputs();
        (Some(moto), env)
    } else {
        (None, Vec::new())
    };
    #[cfg(not(feature = "aws"))]
    let env: Vec<(String, String)> = Vec::new();
    let mut env = env;
    if let Some(fake) = &fake_gcp {
        let _ = std::fs::remove_file(workdir.join("terraform.tfstate"));
        eprintln!(
            "fake GCP on {} (Compute Engine, IAM, Resource Manager) and {} (Cloud Storage, gRPC)",
            fake.url, fake.storage_url
        );
        // Each example declares the variables it takes; Terraform ignores the others.
        env.push(("TF_VAR_project".into(), "sandbox-project".into()));
        // The examples hold no endpoint: an override file beside the copy points the gcp
        // block at the fakes, as a user would for an emulator of their own.
        std::fs::write(
            workdir.join(EMULATORS_OVERRIDE),
            gcp_emulators_override(&fake.url, &fake.storage_url),
        )
        .expect("write the emulators' override file");
        env.push((
            "TF_VAR_cluster_instance_groups".into(),
            "[\"projects/sandbox-project/zones/us-east1-b/instanceGroups/gke-circleci-default-pool\"]".into(),
        ));
    }
    if let Some(fake) = &fake_kube {
        let _ = std::fs::remove_file(workdir.join("terraform.tfstate"));
        eprintln!("fake Kubernetes API server on {}", fake.url);
        let kubeconfig = workdir.join("kubeconfig");
        std::fs::write(&kubeconfig, fake.kubeconfig()).expect("write the fake cluster's kubeconfig");
        env.push(("TF_VAR_kubeconfig_path".into(), kubeconfig.display().to_string()));
        env.extend(SANDBOX_SERVER_INPUTS.map(|(k, v)| (k.to_string(), v.to_string())));
    }

    terraform(
        &tf,
        &workdir,
        &config,
        &env,
        &["init", "-input=false", "-no-color"],
        true,
    );
    // apply prints the outputs at its end.
    terraform(
        &tf,
        &workdir,
        &config,
        &env,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        false,
    );
    if ephemeral {
        eprintln!("\nThe emulator stops with this command, so what was made is destroyed again:");
        terraform(
            &tf,
            &workdir,
            &config,
            &env,
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            true,
        );
    } else {
        eprintln!(
            "\nState is in {dir}. To remove everything:\n  cd {dir} && TF_CLI_CONFIG_FILE=terraformrc {tf} destroy",
            dir = workdir.display(),
            tf = tf.display()
        );
    }
}
