//! `lookup` against a Kubernetes API server (the in-repo fake, over HTTP), as Helm's does.

use crate::{Fixture, fixture};
use circleci_helm::Lookup;

fn json(v: &circleci_helm::Value) -> serde_json::Value {
    circleci_helm::convert::to_json(v)
}

#[tokio::test(flavor = "multi_thread")]
async fn lookup_finds_an_object_lists_a_kind_and_answers_empty_for_a_missing_one() {
    let Fixture { cluster, .. } = &fixture(Some("circleci")).await;
    let secret = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": "session-cookie", "namespace": "circleci" },
        "data": { "session-cookie-key": "a2V5" },
    });
    cluster.create(&secret).await.unwrap();
    let lookup = cluster.lookup(tokio::runtime::Handle::current());

    let found = json(&lookup.lookup("v1", "Secret", "circleci", "session-cookie").unwrap());
    assert_eq!(found["data"]["session-cookie-key"], "a2V5");
    assert_eq!(found["metadata"]["name"], "session-cookie");

    let missing = json(&lookup.lookup("v1", "Secret", "circleci", "nothing-here").unwrap());
    assert_eq!(
        missing,
        serde_json::json!({}),
        "a missing object is an empty map, so `if not (lookup ...)` works"
    );

    let list = json(&lookup.lookup("v1", "Secret", "circleci", "").unwrap());
    assert_eq!(list["kind"], "SecretList");
    let names: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].clone(), i["metadata"]["name"].clone()))
        .collect();
    assert_eq!(
        names,
        [(serde_json::json!("Secret"), serde_json::json!("session-cookie"))]
    );

    let e = lookup.lookup("example.com/v1", "Widget", "circleci", "w").unwrap_err();
    assert!(
        e.starts_with("unable to get apiresource from unstructured: example.com/v1, Kind=Widget"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn capabilities_come_from_the_server_version_and_discovery() {
    let Fixture { cluster, .. } = &fixture(None).await;
    let caps = cluster.capabilities().await.unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(
        (caps.kube_version.version.as_str(), caps.kube_version.minor.as_str()),
        ("v1.33.2", "33")
    );
    for served in ["v1", "v1/Secret", "apps/v1", "apps/v1/Deployment"] {
        assert!(
            caps.api_versions.iter().any(|v| v == served),
            "{served} not in {:?}",
            caps.api_versions
        );
    }
    assert!(
        !caps.api_versions.iter().any(|v| v == "example.com/v1"),
        "only what the server lists"
    );
}
