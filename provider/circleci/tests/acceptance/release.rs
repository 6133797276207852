//! What a registry publishes (scripts/package-release): the zip, SHA256SUMS, its detached GPG
//! signature and the manifest, installed by `terraform init` from a registry on localhost that
//! serves them by the provider registry protocol. Terraform itself checks the signature against
//! the key and the zip against SHA256SUMS; the test then checks the lock file's `zh:` hash is
//! SHA256SUMS's line for the zip.

use std::path::Path;
use std::process::Command;

use acceptance_tests::registry::{Registry, Release};
use acceptance_tests::{Workdir, for_each_terraform, workspace_root};

const VERSION: &str = "0.1.0";
const NAME: &str = "terraform-provider-circleciserver";

fn gpg(home: &Path, args: &[&str]) -> String {
    let out = Command::new("gpg")
        .arg("--homedir")
        .arg(home)
        .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
        .args(args)
        .output()
        .expect("gpg (Debian's gpg, on every machine of this kind)");
    assert!(
        out.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_signed_release_installs_from_a_registry_and_locks_its_sha256sums() {
    let gnupg = tempfile::tempdir().unwrap();
    std::fs::set_permissions(gnupg.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    gpg(
        gnupg.path(),
        &[
            "--quick-gen-key",
            "Release test <release@example.com>",
            "rsa2048",
            "sign",
            "never",
        ],
    );
    let listing = gpg(gnupg.path(), &["--with-colons", "--list-keys"]);
    let key_id = listing
        .lines()
        .find_map(|l| l.strip_prefix("pub:").and_then(|r| r.split(':').nth(3)))
        .expect("key id")
        .to_string();
    let armor = gpg(gnupg.path(), &["--armor", "--export", &key_id]);

    let out = tempfile::tempdir().unwrap();
    let packed = Command::new(workspace_root().join("scripts/package-release"))
        .args([
            VERSION,
            crate::common::provider().to_str().unwrap(),
            out.path().to_str().unwrap(),
        ])
        .env("GNUPGHOME", gnupg.path())
        .env("GPG_KEY_ID", &key_id)
        .output()
        .unwrap();
    assert!(packed.status.success(), "{}", String::from_utf8_lossy(&packed.stderr));

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join(format!("{NAME}_{VERSION}_manifest.json"))).unwrap())
            .unwrap();
    assert_eq!(manifest["metadata"]["protocol_versions"], serde_json::json!(["6.0"]));
    let sums = std::fs::read_to_string(out.path().join(format!("{NAME}_{VERSION}_SHA256SUMS"))).unwrap();
    let zip = format!("{NAME}_{VERSION}_linux_amd64.zip");
    let zip_sum = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {zip}")))
        .unwrap_or_else(|| panic!("{zip} not in SHA256SUMS:\n{sums}"))
        .to_string();

    let registry = Registry::start(Release {
        namespace: "circleci-server".into(),
        name: "circleciserver".into(),
        version: VERSION.into(),
        dir: out.path().to_path_buf(),
        gpg_key_id: key_id.clone(),
        gpg_public_key: armor,
    });
    let cli_config = out.path().join("terraformrc");
    std::fs::write(&cli_config, "provider_installation {\n  direct {}\n}\n").unwrap();
    for_each_terraform(|tf| {
        let wd = Workdir::new(tf, crate::common::provider())
            .cli_config_file(&cli_config)
            .env("SSL_CERT_FILE", registry.ca_file.to_str().unwrap());
        wd.write(&format!(
            "terraform {{\n  required_providers {{\n    circleciserver = {{\n      source  = \"{}/circleci-server/circleciserver\"\n      version = \"~> 0.1\"\n    }}\n  }}\n}}\n\nresource \"circleciserver_nomad_tls\" \"this\" {{}}\n",
            registry.host
        ));
        let init = wd.must(&["init", "-input=false", "-no-color"]);
        assert!(
            init.stdout.contains(&format!("key ID {key_id}")),
            "Terraform checked the signature with the release key:\n{}",
            init.stdout
        );
        let lock = std::fs::read_to_string(wd.path().join(".terraform.lock.hcl")).unwrap();
        assert!(
            lock.contains(&format!("\"zh:{zip_sum}\"")),
            "zh: hash of SHA256SUMS's zip in:\n{lock}"
        );
        wd.must(&["validate", "-no-color"]);
    });
}
