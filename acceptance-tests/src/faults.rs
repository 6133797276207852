//! A mitmproxy reverse proxy in front of an emulator. In front of moto it runs
//! faults/aws_faults.py: answers what moto lacks (StartInstanceRefresh) and injects faults:
//! throttling of one action, a fraction of all requests failed before they reach moto, a
//! fraction of answers lost after moto acted. In front of the fake GCP or the fake Kubernetes
//! API server it runs faults/http_faults.py: the same failed and lost fractions, in the API's
//! own error shape. Stopped on drop.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_root;

pub struct FaultProxy {
    child: Child,
    pub endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// What the proxy stands in front of: which addon runs, and in which API's error shapes.
#[derive(Default, Clone, Copy, Debug, PartialEq)]
pub enum Upstream {
    #[default]
    Moto,
    Google,
    Kubernetes,
}

/// The faults the proxy injects; the default injects none.
#[derive(Default, Clone)]
pub struct Faults {
    pub upstream: Upstream,
    /// Throttle the first `throttle_count` calls of this Query-protocol action (moto only).
    pub throttle_action: String,
    pub throttle_count: usize,
    /// Fail this fraction of all requests (throttling or 5xx) before they reach moto.
    pub fail_fraction: f64,
    /// Replace this fraction of moto's answers with a 500: the call happened, its answer is lost.
    pub lose_fraction: f64,
    /// Answer the first this many CreateAutoScalingGroup calls as Auto Scaling does while a
    /// new instance profile has not propagated.
    pub iam_propagation_errors: usize,
    /// Answer every call of this Query-protocol action with a bodiless 500 (moto only).
    pub bodiless_action: String,
    /// Seed of the draws, so a failing run can be replayed.
    pub seed: u64,
}

impl FaultProxy {
    pub fn start(upstream_port: u16, faults: Faults) -> FaultProxy {
        let bin = workspace_root().join(".venv-faults/bin/mitmdump");
        assert!(bin.exists(), "{} missing: run scripts/setup", bin.display());
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("faults.jsonl");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let child = Command::new(bin)
            .args([
                "--mode",
                &format!("reverse:http://127.0.0.1:{upstream_port}"),
                "--listen-host",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .args([
                "-s",
                workspace_root()
                    .join("acceptance-tests/faults")
                    .join(match faults.upstream {
                        Upstream::Moto => "aws_faults.py",
                        Upstream::Google | Upstream::Kubernetes => "http_faults.py",
                    })
                    .to_str()
                    .unwrap(),
                "-q",
            ])
            // mitmproxy keeps its state in HOME; keep it out of the user's.
            .env("HOME", dir.path())
            .env("FAULTS_LOG", &log)
            .env(
                "FAULTS_DIALECT",
                if faults.upstream == Upstream::Kubernetes {
                    "kubernetes"
                } else {
                    "google"
                },
            )
            .env("FAULTS_THROTTLE_ACTION", &faults.throttle_action)
            .env("FAULTS_THROTTLE_COUNT", faults.throttle_count.to_string())
            .env("FAULTS_BODILESS_ACTION", &faults.bodiless_action)
            .env("FAULTS_FAIL_FRACTION", faults.fail_fraction.to_string())
            .env("FAULTS_LOSE_FRACTION", faults.lose_fraction.to_string())
            .env("FAULTS_SEED", faults.seed.to_string())
            .env("FAULTS_IAM_PROPAGATION", faults.iam_propagation_errors.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mitmdump");
        let proxy = FaultProxy {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "mitmdump did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        proxy
    }

    /// What the proxy answered itself, one JSON object per answer.
    pub fn answers(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
