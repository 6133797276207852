//! The project's fake Kubernetes API server on its own, to look at what an install made with
//! plain HTTP (`curl URL/api/v1/namespaces/circleci-server/secrets`) or kubectl.
//!
//! `cargo run -p acceptance-tests --bin fake-kube` prints one JSON line,
//! `{"url": "...", "kubeconfig": "/path"}`, then serves on 127.0.0.1 until killed.

use std::io::Write;

fn main() {
    let fake = acceptance_tests::fake_kube::FakeKube::start();
    let dir = std::env::temp_dir().join(format!("fake-kube-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("make the kubeconfig's directory");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, fake.kubeconfig()).expect("write the kubeconfig");
    let line = serde_json::json!({ "url": fake.url, "kubeconfig": kubeconfig });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").expect("print the endpoint");
    stdout.flush().expect("print the endpoint");
    drop(stdout);
    loop {
        std::thread::park();
    }
}
