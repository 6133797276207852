//! The fake Kubernetes API server keeps the API's contract where the provider relies on it:
//! Status errors, server-side apply ownership and conflicts, optimistic concurrency, watch.

use acceptance_tests::fake_kube::FakeKube;
use serde_json::{Value, json};

fn call(fake: &FakeKube, method: &str, path: &str, content_type: &str, body: &str) -> (u16, Value) {
    acceptance_tests::http_call(&fake.url, method, path, content_type, body)
}

const APPLY: &str = "application/apply-patch+yaml";

fn config_map(data: Value) -> String {
    json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "c", "namespace": "ns" }, "data": data })
        .to_string()
}

#[test]
fn api_contract() {
    let fake = FakeKube::start();
    let (code, groups) = call(&fake, "GET", "/apis", "", "");
    assert_eq!((code, groups["groups"][0]["name"].as_str()), (200, Some("apps")));

    // Errors are Status objects.
    let (code, status) = call(&fake, "GET", "/api/v1/namespaces/ns/configmaps/c", "", "");
    assert_eq!(
        (code, status["kind"].as_str(), status["reason"].as_str()),
        (404, Some("Status"), Some("NotFound"))
    );

    let ns = json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "ns" } }).to_string();
    assert_eq!(
        call(&fake, "PATCH", "/api/v1/namespaces/ns?fieldManager=a", APPLY, &ns).0,
        201
    );

    // Apply creates, then merges: a's fields and b's fields live side by side.
    assert_eq!(
        call(
            &fake,
            "PATCH",
            "/api/v1/namespaces/ns/configmaps/c?fieldManager=a",
            APPLY,
            &config_map(json!({ "x": "1" }))
        )
        .0,
        201
    );
    let (code, merged) = call(
        &fake,
        "PATCH",
        "/api/v1/namespaces/ns/configmaps/c?fieldManager=b",
        APPLY,
        &config_map(json!({ "y": "2" })),
    );
    assert_eq!(code, 200);
    assert_eq!(merged["data"], json!({ "x": "1", "y": "2" }));

    // b changing a's field conflicts, unless forced; forcing moves the ownership to b.
    let (code, conflict) = call(
        &fake,
        "PATCH",
        "/api/v1/namespaces/ns/configmaps/c?fieldManager=b",
        APPLY,
        &config_map(json!({ "x": "9", "y": "2" })),
    );
    assert_eq!((code, conflict["reason"].as_str()), (409, Some("Conflict")));
    assert!(conflict["message"].as_str().unwrap().contains("conflict with \"a\""));
    let (code, forced) = call(
        &fake,
        "PATCH",
        "/api/v1/namespaces/ns/configmaps/c?fieldManager=b&force=true",
        APPLY,
        &config_map(json!({ "x": "9", "y": "2" })),
    );
    assert_eq!((code, forced["data"]["x"].as_str()), (200, Some("9")));

    // A field a manager stops applying is removed.
    let (_, dropped) = call(
        &fake,
        "PATCH",
        "/api/v1/namespaces/ns/configmaps/c?fieldManager=b",
        APPLY,
        &config_map(json!({ "x": "9" })),
    );
    assert_eq!(dropped["data"], json!({ "x": "9" }));

    // Optimistic concurrency: a PUT with a stale resourceVersion is refused.
    let (_, current) = call(&fake, "GET", "/api/v1/namespaces/ns/configmaps/c", "", "");
    let mut stale = current.clone();
    stale["metadata"]["resourceVersion"] = json!("1");
    let (code, refused) = call(
        &fake,
        "PUT",
        "/api/v1/namespaces/ns/configmaps/c",
        "application/json",
        &stale.to_string(),
    );
    assert_eq!((code, refused["reason"].as_str()), (409, Some("Conflict")));
    let (code, _) = call(
        &fake,
        "PUT",
        "/api/v1/namespaces/ns/configmaps/c",
        "application/json",
        &current.to_string(),
    );
    assert_eq!(code, 200);

    // Watch reports what exists as ADDED events.
    let (code, events) = call(&fake, "GET", "/api/v1/namespaces/ns/configmaps?watch=true", "", "");
    assert_eq!(code, 200);
    assert_eq!(events["type"], "ADDED");
    assert_eq!(events["object"]["metadata"]["name"], "c");

    // Deleting the namespace removes what it holds.
    assert_eq!(call(&fake, "DELETE", "/api/v1/namespaces/ns", "", "").0, 200);
    assert_eq!(fake.object_count(), 0);
}

/// `cargo run -p acceptance-tests --bin fake-kube` prints where it serves as one JSON line and
/// then answers plain HTTP until killed.
#[test]
fn runs_alone_and_prints_its_endpoint() {
    use std::io::{BufRead, Read, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fake-kube"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint: Value = serde_json::from_str(&line).unwrap();
    let url = endpoint["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let kubeconfig = std::fs::read_to_string(endpoint["kubeconfig"].as_str().unwrap()).unwrap();
    assert!(kubeconfig.contains(&format!("server: {url}")));
    let host = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /api/v1/namespaces HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("NamespaceList"), "{response}");
}

/// NodePort Services as the API server treats them: a node port outside 30000-32767 or held by
/// another Service is 422 Invalid; one left out is allocated, and kept on the next apply.
#[test]
fn node_ports_are_checked_and_allocated() {
    let fake = FakeKube::start();
    fake.create_namespace("ns");
    let service = |name: &str, node_port: Option<i64>| {
        let mut port = json!({ "name": "p", "port": 4647 });
        if let Some(node_port) = node_port {
            port["nodePort"] = node_port.into();
        }
        json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": name, "namespace": "ns" },
                "spec": { "type": "NodePort", "ports": [port] } })
        .to_string()
    };
    let apply = |name: &str, node_port: Option<i64>| {
        call(
            &fake,
            "PATCH",
            &format!("/api/v1/namespaces/ns/services/{name}?fieldManager=a"),
            APPLY,
            &service(name, node_port),
        )
    };
    let (code, status) = apply("low", Some(4647));
    assert_eq!((code, status["reason"].as_str()), (422, Some("Invalid")), "{status}");
    assert!(status["message"].as_str().unwrap().contains("30000-32767"), "{status}");

    assert_eq!(apply("a", Some(30647)).0, 201);
    let (code, status) = apply("b", Some(30647));
    assert_eq!(code, 422, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("provided port is already allocated")
    );

    let (code, allocated) = apply("c", None);
    assert_eq!(code, 201);
    let node_port = allocated["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!(
        (30000..=32767).contains(&node_port) && node_port != 30647,
        "{allocated}"
    );
    let (code, again) = apply("c", None);
    assert_eq!(code, 200);
    assert_eq!(again["spec"]["ports"][0]["nodePort"], node_port, "kept, not moved");
}
