//! A chart's objects applied to a Kubernetes API server (the in-repo fake, over HTTP) with
//! Helm's ownership marks, and another owner's object refused as Helm refuses it.

use crate::{Fixture, fixture};
use circleci_kubernetes::chart_objects;

fn config_map(name: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name, "labels": { "app.kubernetes.io/name": "frontend" } },
        "data": { "domain": "ci.example.com" },
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_without_a_namespace_lands_in_the_release_namespace_marked_as_the_releases() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    chart_objects::apply(cluster, &config_map("frontend-config"), "circleci-server", "circleci")
        .await
        .unwrap();
    let live = kube
        .get("configmaps", "circleci", "frontend-config")
        .expect("made in the release namespace");
    let labels = &live["metadata"]["labels"];
    assert_eq!(
        (
            labels["app.kubernetes.io/managed-by"].as_str(),
            labels["app.kubernetes.io/name"].as_str()
        ),
        (Some("Helm"), Some("frontend"))
    );
    let annotations = &live["metadata"]["annotations"];
    assert_eq!(annotations["meta.helm.sh/release-name"], "circleci-server");
    assert_eq!(annotations["meta.helm.sh/release-namespace"], "circleci");
    assert_eq!(live["data"]["domain"], "ci.example.com");
    // Applying again is a no-op, not an ownership conflict.
    chart_objects::apply(cluster, &config_map("frontend-config"), "circleci-server", "circleci")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_someone_else_made_is_refused_in_helms_words_and_left_alone() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    let mut theirs = config_map("frontend-config");
    theirs["metadata"]["namespace"] = "circleci".into();
    theirs["data"]["domain"] = "theirs.example.com".into();
    cluster.create(&theirs).await.unwrap();
    let e = chart_objects::apply(cluster, &config_map("frontend-config"), "circleci-server", "circleci")
        .await
        .unwrap_err();
    let text = format!("{e:?}");
    assert!(
        text.contains("exists and cannot be imported into the current release: invalid ownership metadata"),
        "{text}"
    );
    assert!(
        text.contains(r#"missing key \"meta.helm.sh/release-name\": must be set to \"circleci-server\""#),
        "{text}"
    );
    assert_eq!(
        kube.get("configmaps", "circleci", "frontend-config").unwrap()["data"]["domain"],
        "theirs.example.com"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_the_cluster_does_not_serve_is_named() {
    let Fixture { cluster, .. } = &fixture(None).await;
    let widget = serde_json::json!({ "apiVersion": "example.com/v1", "kind": "Widget", "metadata": { "name": "w" } });
    let e = chart_objects::apply(cluster, &widget, "circleci-server", "circleci")
        .await
        .unwrap_err();
    let text = format!("{e:?}");
    assert!(
        text.contains("Kubernetes does not serve Widget (example.com/v1)") && text.contains("Install its CRD first"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_scoped_object_gets_no_namespace() {
    let Fixture { kube, cluster, .. } = &fixture(None).await;
    let role = serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": { "name": "circleci-server-nomad" },
        "rules": [{ "apiGroups": [""], "resources": ["nodes"], "verbs": ["get"] }],
    });
    chart_objects::apply(cluster, &role, "circleci-server", "circleci")
        .await
        .unwrap();
    let live = kube
        .get("clusterroles", "", "circleci-server-nomad")
        .expect("cluster-scoped, in no namespace");
    assert_eq!(live["metadata"].get("namespace"), None);
    assert_eq!(
        live["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
        "circleci"
    );
}
