//! Helm release records written to and read from a Kubernetes API server (the in-repo fake,
//! over HTTP) as helm's secrets driver keeps them.

use crate::{Fixture, fixture};
use circleci_helm::release::{Release, Status, Timestamp};
use circleci_kubernetes::release_store::ReleaseStore;

fn deployed(version: i64) -> Release {
    let mut r = Release::install("circleci-server", "circleci", Timestamp::now());
    r.version = version;
    r.manifest = format!("---\n# Source: circleci-server/templates/a.yaml\nkind: ConfigMap\n# revision {version}\n");
    r.config
        .insert("global".into(), serde_json::json!({ "domainName": "ci.example.com" }));
    r.set_status(Status::Deployed, "Install complete");
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_is_stored_as_helm_stores_it_and_reads_back() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    let store = ReleaseStore::new(cluster, "circleci");
    assert!(store.history("circleci-server").await.unwrap().is_empty());

    let first = deployed(1);
    store.create(&first).await.unwrap();
    let secret = kube
        .get("secrets", "circleci", "sh.helm.release.v1.circleci-server.v1")
        .expect("the record's Secret");
    assert_eq!(secret["type"], "helm.sh/release.v1");
    let labels = &secret["metadata"]["labels"];
    assert_eq!(
        (labels["owner"].as_str(), labels["name"].as_str()),
        (Some("helm"), Some("circleci-server"))
    );
    assert_eq!(
        (labels["status"].as_str(), labels["version"].as_str()),
        (Some("deployed"), Some("1"))
    );

    let history = store.history("circleci-server").await.unwrap();
    let read = history.latest().expect("one revision");
    assert_eq!(
        (read.version, read.info.status, &read.manifest, &read.config),
        (1, Status::Deployed, &first.manifest, &first.config)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_writer_of_the_same_revision_is_refused() {
    let Fixture { cluster, .. } = &fixture(Some("circleci")).await;
    let store = ReleaseStore::new(cluster, "circleci");
    store.create(&deployed(1)).await.unwrap();
    let e = store.create(&deployed(1)).await.unwrap_err();
    assert!(format!("{e:?}").contains("AlreadyExists"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_supersedes_the_deployed_revision_and_delete_removes_one() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    let store = ReleaseStore::new(cluster, "circleci");
    store.create(&deployed(1)).await.unwrap();

    let plan = store.history("circleci-server").await.unwrap().plan_upgrade().unwrap();
    let mut next = plan.next_release(Timestamp::now());
    next.set_status(Status::Deployed, "Upgrade complete");
    store.update(&plan.superseded).await.unwrap();
    store.create(&next).await.unwrap();

    let history = store.history("circleci-server").await.unwrap();
    let statuses: Vec<_> = history.releases().iter().map(|r| (r.version, r.info.status)).collect();
    assert_eq!(statuses, [(1, Status::Superseded), (2, Status::Deployed)]);
    let labels = &kube
        .get("secrets", "circleci", "sh.helm.release.v1.circleci-server.v1")
        .unwrap()["metadata"]["labels"];
    assert_eq!(labels["status"], "superseded", "the label follows the record");

    store.delete("circleci-server", 1).await.unwrap();
    store.delete("circleci-server", 1).await.unwrap();
    let left: Vec<_> = store
        .history("circleci-server")
        .await
        .unwrap()
        .releases()
        .iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(left, [2]);
}
