//! The sandbox program: every emulator answers at the endpoints it prints, the kubeconfig it
//! writes names the fake cluster, and SIGTERM stops them all (moto's process included).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .expect("a port")
}

fn answers(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn sandbox_serves_every_emulator_until_terminated() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the sandbox");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("its summary");
    let summary: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");

    let moto = port_of(summary["aws"]["endpoint_url"].as_str().unwrap());
    let (status, _) = acceptance_tests::moto::http(moto, "GET", "/moto-api/data.json", "").unwrap();
    assert_eq!(status, 200, "moto answers");
    let gcp = summary["gcp"]["endpoints"]["compute"].as_str().unwrap();
    let (status, body) = acceptance_tests::moto::http(
        port_of(gcp),
        "GET",
        "/compute/v1/projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "the fake GCP serves the public image: {body}");
    let storage = port_of(summary["gcp"]["endpoints"]["storage"].as_str().unwrap());
    assert!(answers(storage), "Cloud Storage's gRPC port is open");
    let kube = summary["kubernetes"]["host"].as_str().unwrap();
    let (status, _) = acceptance_tests::moto::http(port_of(kube), "GET", "/api/v1/namespaces", "").unwrap();
    assert_eq!(status, 200, "the fake Kubernetes API server answers");
    let kubeconfig = std::fs::read_to_string(summary["kubernetes"]["kubeconfig"].as_str().unwrap()).unwrap();
    assert!(kubeconfig.contains(kube), "the kubeconfig names the fake cluster");

    // SIGTERM: everything stops, moto's process too.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().expect("the sandbox ends");
    assert!(exit.success(), "a clean stop: {exit:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while answers(moto) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!answers(moto), "moto stopped with the sandbox");
    assert!(!answers(port_of(gcp)), "the fake GCP stopped");
    assert!(!answers(port_of(kube)), "the fake Kubernetes API server stopped");
}
