//! The project's fake GCP on its own, to try the GCP resources by hand or from a sandbox.
//!
//! `cargo run -p acceptance-tests --bin fake-gcp` prints one JSON line,
//! `{"url": "http://127.0.0.1:PORT", "compute": "http://127.0.0.1:PORT/compute/v1/", "iam": ...,
//! "resourcemanager": ..., "storage": "http://127.0.0.1:PORT2", "project": "...",
//! "public_images": [...]}` (the provider's `gcp.endpoints` take `url` for every REST API, and
//! `storage`, Cloud Storage's gRPC endpoint, for `storage`),
//! then serves on 127.0.0.1 until killed. Public images (e.g.
//! `projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts`) are there to copy from.

use std::io::Write;

fn main() {
    let fake = acceptance_tests::fake_gcp::FakeGcp::start();
    let public = [("ubuntu-os-cloud", "ubuntu-2204-jammy-v20261101", "ubuntu-2204-lts")];
    for (project, name, family) in public {
        fake.seed_image(project, name, family);
    }
    let line = serde_json::json!({
        "url": fake.url,
        "compute": format!("{}/compute/v1/", fake.url),
        "iam": format!("{}/v1/", fake.url),
        "resourcemanager": format!("{}/v3/", fake.url),
        "storage": fake.storage_url,
        "project": "sandbox-project",
        "public_images": public.iter().map(|(p, n, _)| format!("projects/{p}/global/images/{n}")).collect::<Vec<_>>(),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").expect("print the endpoints");
    stdout.flush().expect("print the endpoints");
    drop(stdout);
    loop {
        std::thread::park();
    }
}
