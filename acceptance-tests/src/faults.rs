//! A mitmproxy reverse proxy in front of an emulator, running faults/aws_faults.py: answers
//! what moto lacks (StartInstanceRefresh) and injects throttling. Stopped on drop.

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

/// What the proxy should throttle: the first `count` calls of the Query-protocol `action`.
#[derive(Default, Clone)]
pub struct Throttle {
    pub action: String,
    pub count: usize,
}

impl FaultProxy {
    pub fn start(upstream_port: u16, throttle: Throttle) -> FaultProxy {
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
                    .join("acceptance-tests/faults/aws_faults.py")
                    .to_str()
                    .unwrap(),
                "-q",
            ])
            // mitmproxy keeps its state in HOME; keep it out of the user's.
            .env("HOME", dir.path())
            .env("FAULTS_LOG", &log)
            .env("FAULTS_THROTTLE_ACTION", &throttle.action)
            .env("FAULTS_THROTTLE_COUNT", throttle.count.to_string())
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
