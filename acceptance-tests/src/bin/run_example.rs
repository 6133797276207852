//! Applies one of the examples/ root modules against local emulators and prints its outputs.
//! Used by `scripts/run-example`; the provider binary path comes in CIRCLECI_PROVIDER_BIN.

use std::path::PathBuf;
use std::process::Command;

use acceptance_tests::{workspace_root, write_mirror};

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "nomad-tls".to_string());
    let provider = PathBuf::from(std::env::var("CIRCLECI_PROVIDER_BIN").expect("CIRCLECI_PROVIDER_BIN"));
    let terraform = std::env::var("TERRAFORM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".venv/bin/terraform"));
    let source = workspace_root().join("examples").join(&name);
    assert!(source.is_dir(), "no example named {name} under examples/");

    // Work in .work/<name> so the state survives for `terraform destroy` or another apply.
    let workdir = workspace_root().join(".work").join(&name);
    std::fs::create_dir_all(&workdir).expect("work dir");
    for entry in std::fs::read_dir(&source).expect("example dir").flatten() {
        if entry.path().extension().is_some_and(|e| e == "tf" || e == "tfvars") {
            std::fs::copy(entry.path(), workdir.join(entry.file_name())).expect("copy example");
        }
    }
    // The provider binary changes between builds: its lock entry must be recorded afresh.
    let _ = std::fs::remove_file(workdir.join(".terraform.lock.hcl"));
    // The mirror and CLI configuration live beside the state, so the printed commands work later.
    let config = write_mirror(&provider, &workdir);

    let run = |args: &[&str]| {
        eprintln!("+ terraform {}", args.join(" "));
        let status = Command::new(&terraform)
            .args(args)
            .current_dir(&workdir)
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .status()
            .expect("run terraform");
        if !status.success() {
            std::process::exit(status.code().unwrap_or(1));
        }
    };
    run(&["init", "-input=false", "-no-color"]);
    // apply prints the outputs at its end.
    run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    eprintln!(
        "\nState is in {dir}. To remove everything:\n  cd {dir} && TF_CLI_CONFIG_FILE=terraformrc {tf} destroy",
        dir = workdir.display(),
        tf = terraform.display()
    );
}
