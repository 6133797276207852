//! The local sandbox: moto (every AWS API on one port), the project's fake GCP APIs (Compute
//! Engine, IAM, Resource Manager over REST; Cloud Storage over gRPC) and its fake Kubernetes
//! API server, all on 127.0.0.1, as one program. It shows each starting, then prints one
//! summary of the endpoints (and writes a kubeconfig for the fake cluster), then serves until
//! Ctrl-C or SIGTERM, when it stops them all (moto's process included).
//!
//! `scripts/sandbox` builds and runs it; `--json` prints the summary as one JSON line instead,
//! for programs.

use std::io::Write;
use std::time::Instant;

use acceptance_tests::workspace_root;

/// Runs `start`, showing what starts and how long it took.
fn step<T>(what: &str, start: impl FnOnce() -> T) -> T {
    let began = Instant::now();
    eprint!("  starting {what} ... ");
    let _ = std::io::stderr().flush();
    let started = start();
    eprintln!("ready in {:.1} s", began.elapsed().as_secs_f64());
    started
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    eprintln!("sandbox: local emulators on 127.0.0.1");
    #[cfg(feature = "aws")]
    let moto = step("moto (AWS)", acceptance_tests::moto::Moto::start);
    let gcp = step("the fake GCP APIs", || {
        let fake = acceptance_tests::fake_gcp::FakeGcp::start();
        fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v20261101", "ubuntu-2204-lts");
        fake
    });
    let kube = step(
        "the fake Kubernetes API server",
        acceptance_tests::fake_kube::FakeKube::start,
    );
    let dir = workspace_root().join(".work/sandbox");
    std::fs::create_dir_all(&dir).expect("make .work/sandbox");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, kube.kubeconfig()).expect("write the kubeconfig");
    // Copied beside an example, it points the example's gcp block at the fakes.
    let gcp_override = dir.join(acceptance_tests::EMULATORS_OVERRIDE);
    std::fs::write(
        &gcp_override,
        acceptance_tests::gcp_emulators_override(&gcp.url, &gcp.storage_url),
    )
    .expect("write the GCP override file");

    let gcp_endpoints = serde_json::json!({
        "compute": gcp.url,
        "iam": gcp.url,
        "resourcemanager": gcp.url,
        "storage": gcp.storage_url,
    });
    #[cfg(feature = "aws")]
    let aws = serde_json::json!({
        "endpoint_url": moto.endpoint,
        "env": moto.env().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
    });
    #[cfg(not(feature = "aws"))]
    let aws = serde_json::Value::Null;
    if json {
        let summary = serde_json::json!({
            "aws": aws,
            "gcp": { "project": "sandbox-project", "endpoints": gcp_endpoints, "override_file": gcp_override },
            "kubernetes": { "host": kube.url, "kubeconfig": kubeconfig },
        });
        println!("{summary}");
    } else {
        println!("\nSandbox ready. Point the provider at it:");
        if let Some(endpoint) = aws["endpoint_url"].as_str() {
            println!(
                "\n  AWS (moto): aws {{ endpoint_url = \"{endpoint}\" }} or export AWS_ENDPOINT_URL={endpoint}, with"
            );
            for (name, value) in aws["env"].as_object().into_iter().flatten() {
                println!("    export {name}={}", value.as_str().unwrap_or_default());
            }
        }
        println!(
            "\n  GCP (fake): gcp {{ project = \"sandbox-project\", anonymous = true, endpoints {{ compute = \"{url}\", \
             iam = \"{url}\", resourcemanager = \"{url}\", storage = \"{}\" }} }}",
            gcp.storage_url,
            url = gcp.url
        );
        println!(
            "    or copy {} beside a GCP example (it sets that block from the example's variables)",
            gcp_override.display()
        );
        println!("    public image: projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts");
        println!(
            "\n  Kubernetes (fake): kubernetes {{ host = \"{}\", token = \"fake-token\", insecure = true }}\n    \
             or config_path = \"{}\"",
            kube.url,
            kubeconfig.display()
        );
        println!("\nServing until Ctrl-C.");
    }
    let _ = std::io::stdout().flush();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    });
    eprintln!("\nsandbox: stopping");
    // Dropping them stops them: moto's process is killed, the fakes' threads end.
    #[cfg(feature = "aws")]
    drop(moto);
    drop(gcp);
    drop(kube);
}
