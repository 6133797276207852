//! A moto server (the AWS emulator from PyPI) per test, on 127.0.0.1, stopped on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_root;

pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A raw HTTP/1.1 request to 127.0.0.1:port; returns the status code and body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

impl Moto {
    /// Starts moto from the project venv (scripts/setup installs it) and waits until it answers.
    pub fn start() -> Moto {
        let bin = workspace_root().join(".venv/bin/moto_server");
        assert!(bin.exists(), "{} missing: run scripts/setup", bin.display());
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("moto.log");
        let port = free_port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start moto");
        let moto = Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if matches!(http(port, "GET", "/moto-api/data.json", ""), Ok((200, _))) {
                return moto;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto did not start on port {port}: {}",
            std::fs::read_to_string(&moto.log).unwrap_or_default()
        );
    }

    /// Clears every emulated resource.
    pub fn reset(&self) {
        let (status, _) = http(self.port, "POST", "/moto-api/reset", "").expect("reset moto");
        assert_eq!(status, 200, "moto reset");
    }

    /// How many AWS API requests moto has answered (from its access log).
    pub fn request_count(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\" 200 ") || l.contains("HTTP/1.1\" "))
            .filter(|l| !l.contains("/moto-api/"))
            .count()
    }

    /// Environment for Terraform and the provider: fake credentials, and nothing that could
    /// send a request anywhere but this emulator (no instance metadata, no profiles).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ]
    }

    /// The provider block's `aws { }` body pointing at this emulator.
    pub fn provider_aws_block(&self, region: &str) -> String {
        format!(
            "  aws {{\n    region       = \"{region}\"\n    endpoint_url = \"{}\"\n  }}\n",
            self.endpoint
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
