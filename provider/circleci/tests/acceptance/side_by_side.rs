//! This provider and CircleCI's own (CircleCI-Public/circleci, which Server admins point at
//! their server) in one root module, each by its default local name and no `provider = ...`:
//! the type names must not collide. CircleCI's provider cannot be installed here, so a
//! stand-in serving its type names (`examples/standin_circleci.rs`) takes its place.

use acceptance_tests::{PROVIDER_SOURCE, PROVIDER_VERSION, Workdir, for_each_terraform, write_mirror_of};

const CONFIG: &str = r#"
terraform {
  required_providers {
    circleci       = { source = "CircleCI-Public/circleci" }
    circleciserver = { source = "circleci-server/circleciserver" }
  }
}

provider "circleci" {
  url = "https://circleci.example.com"
}

provider "circleciserver" {}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = ["nomad.circleci.example.com"]
}

resource "circleci_context" "nomad" {
  name = "nomad"
}

resource "circleci_environment_variable" "nomad_ca" {
  project = "infra"
  name    = "NOMAD_CA_FINGERPRINT"
  value   = circleciserver_nomad_tls.this.id
}

output "types" {
  value = [circleciserver_nomad_tls.this.id != "", circleci_context.nomad.id]
}
"#;

#[test]
fn both_providers_by_their_default_local_names() {
    let provider = crate::common::provider();
    // `cargo test` builds the crate's examples beside its binaries.
    let standin = provider.parent().expect("target dir").join("examples/standin-circleci");
    assert!(standin.is_file(), "{} missing: cargo test builds it", standin.display());
    let mirror = tempfile::tempdir().unwrap();
    let cli_config = write_mirror_of(
        mirror.path(),
        &[
            (PROVIDER_SOURCE, PROVIDER_VERSION, provider),
            ("registry.terraform.io/circleci-public/circleci", "0.1.0", &standin),
        ],
    );
    for_each_terraform(|tf| {
        let wd = Workdir::new(tf, provider).cli_config_file(&cli_config);
        wd.write(CONFIG);
        wd.must(&["init", "-input=false"]);
        let validate = wd.must(&["validate", "-no-color"]);
        assert!(
            validate.stdout.contains("The configuration is valid"),
            "{}",
            validate.all()
        );
        wd.must(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        let state = wd.must(&["state", "list"]).stdout;
        for address in [
            "circleciserver_nomad_tls.this",
            "circleci_context.nomad",
            "circleci_environment_variable.nomad_ca",
        ] {
            assert!(state.lines().any(|l| l == address), "{address} not in state:\n{state}");
        }
        let providers = wd.must(&["providers", "-no-color"]).stdout;
        assert!(
            providers.contains("provider[registry.terraform.io/circleci-server/circleciserver]"),
            "{providers}"
        );
        assert!(
            providers.contains("provider[registry.terraform.io/circleci-public/circleci]"),
            "{providers}"
        );
        wd.must(&["destroy", "-auto-approve", "-input=false"]);
    });
}
