//! A chart installed, upgraded and uninstalled as a Helm release against a Kubernetes API
//! server (the in-repo fake, over HTTP).

use crate::{Fixture, fixture};
use std::time::Duration;

use circleci_helm::release::{HookPhase, Status};
use circleci_helm::values::Table;
use circleci_kubernetes::release::{self, ReleaseRequest};
use circleci_kubernetes::release_store::ReleaseStore;
use circleci_tfplugin::{Context, Operation};

const NAMESPACE: &str = "circleci";
const RELEASE: &str = "circleci-server";

/// A small chart: a ConfigMap per `maps` entry, a Deployment, a kept PVC and a pre-install
/// hook Job, written to a directory as a user's chart would be.
fn chart() -> (tempfile::TempDir, circleci_helm::Chart) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("app");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let files = [
        (
            "Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: \"1.0\"\n",
        ),
        ("values.yaml", "maps: [a]\nreplicas: 1\n"),
        (
            "templates/maps.yaml",
            "{{- range .Values.maps }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: map-{{ . }}\ndata:\n  revision: {{ $.Release.Revision | quote }}\n{{- end }}\n",
        ),
        (
            "templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: web:1\n",
        ),
        (
            "templates/pvc.yaml",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  annotations:\n    helm.sh/resource-policy: keep\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n",
        ),
        (
            "templates/preflight.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: preflight\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: before-hook-creation\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: check\n          image: check:1\n",
        ),
        (
            "templates/NOTES.txt",
            "Installed {{ .Release.Name }} revision {{ .Release.Revision }}.",
        ),
    ];
    for (path, text) in files {
        std::fs::write(root.join(path), text).unwrap();
    }
    let chart = circleci_helm::chart::load_dir(&root).unwrap();
    (dir, chart)
}

fn values(yaml: &str) -> Table {
    circleci_helm::user_values(&[yaml.to_string()], &Default::default()).unwrap()
}

fn context() -> Context<()> {
    Context::standalone(None, Operation::Create, Duration::from_secs(30))
}

async fn install(
    cluster: &circleci_kubernetes::Cluster,
    chart: &circleci_helm::Chart,
    yaml: &str,
) -> circleci_helm::release::Release {
    let values = values(yaml);
    let request = ReleaseRequest {
        name: RELEASE,
        namespace: NAMESPACE,
        chart,
        values: &values,
    };
    let ctx = context();
    let deployment = release::deploy(&ctx, cluster, &request)
        .await
        .unwrap_or_else(|d| panic!("{d:?}"));
    deployment
        .finish(&ctx, cluster)
        .await
        .unwrap_or_else(|d| panic!("{d:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_install_is_recorded_as_revision_1_deployed_with_every_object_marked_as_the_releases() {
    let Fixture { kube, cluster, .. } = &fixture(Some(NAMESPACE)).await;
    let (_dir, chart) = chart();
    let record = install(cluster, &chart, "replicas: 2\n").await;

    assert_eq!((record.version, record.info.status), (1, Status::Deployed));
    assert_eq!(record.info.description, "Install complete");
    assert_eq!(record.info.notes, "Installed circleci-server revision 1.");
    assert_eq!(
        record.config["replicas"], 2.0,
        "the user's values, as helm get values shows them"
    );
    for name in ["map-a", "web", "data"] {
        assert!(
            record.manifest.contains(&format!("name: {name}")),
            "{name} in the manifest"
        );
    }
    assert_eq!(record.hooks.len(), 1);
    assert_eq!(
        record.hooks[0].last_run.phase,
        HookPhase::Succeeded,
        "the pre-install Job ran to completion"
    );

    let stored = ReleaseStore::new(cluster, NAMESPACE).history(RELEASE).await.unwrap();
    let mut back = stored.releases()[0].clone();
    back.labels = back.custom_labels();
    assert_eq!(stored.releases().len(), 1);
    assert_eq!(back, record, "the stored record is what the deploy returned");
    for (plural, name) in [
        ("configmaps", "map-a"),
        ("deployments", "web"),
        ("persistentvolumeclaims", "data"),
    ] {
        let live = kube
            .get(plural, NAMESPACE, name)
            .unwrap_or_else(|| panic!("{plural}/{name} applied"));
        assert_eq!(live["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
        assert_eq!(live["metadata"]["annotations"]["meta.helm.sh/release-name"], RELEASE);
        assert_eq!(
            live["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
            NAMESPACE
        );
    }
    assert_eq!(
        kube.get("deployments", NAMESPACE, "web").unwrap()["spec"]["replicas"],
        2
    );
    assert!(
        kube.get("jobs", NAMESPACE, "preflight").is_some(),
        "a before-hook-creation hook stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_supersedes_the_deployed_revision_and_deletes_what_is_no_longer_rendered() {
    let Fixture { kube, cluster, .. } = &fixture(Some(NAMESPACE)).await;
    let (_dir, chart) = chart();
    install(cluster, &chart, "maps: [a, b]\n").await;
    let second = install(cluster, &chart, "maps: [b, c]\n").await;

    assert_eq!((second.version, second.info.status), (2, Status::Deployed));
    assert_eq!(second.info.description, "Upgrade complete");
    let history = ReleaseStore::new(cluster, NAMESPACE).history(RELEASE).await.unwrap();
    let statuses: Vec<_> = history.releases().iter().map(|r| (r.version, r.info.status)).collect();
    assert_eq!(statuses, [(1, Status::Superseded), (2, Status::Deployed)]);
    assert_eq!(
        kube.names("configmaps", NAMESPACE),
        ["map-b", "map-c"],
        "map-a is pruned"
    );
    let b = kube.get("configmaps", NAMESPACE, "map-b").unwrap();
    assert_eq!(b["data"]["revision"], "2", "an object both revisions render is updated");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_install_is_recorded_failed_and_the_next_deploy_rolls_forward_over_it() {
    let Fixture { kube, cluster, .. } = &fixture(Some(NAMESPACE)).await;
    let (_dir, chart) = chart();
    let ctx = context();
    let first = values("maps: [a, orphan]\n");
    let request = ReleaseRequest {
        name: RELEASE,
        namespace: NAMESPACE,
        chart: &chart,
        values: &first,
    };
    // Applied but never finished: what a killed apply leaves (helm would now refuse with
    // "another operation (install/upgrade/rollback) is in progress").
    drop(release::deploy(&ctx, cluster, &request).await.unwrap());
    let history = ReleaseStore::new(cluster, NAMESPACE).history(RELEASE).await.unwrap();
    assert_eq!(history.latest().unwrap().info.status, Status::PendingInstall);

    let second = install(cluster, &chart, "maps: [a]\n").await;
    assert_eq!((second.version, second.info.status), (2, Status::Deployed));
    let history = ReleaseStore::new(cluster, NAMESPACE).history(RELEASE).await.unwrap();
    let first = &history.releases()[0];
    assert_eq!(first.info.status, Status::Failed);
    assert!(
        first.info.description.contains("Interrupted"),
        "{}",
        first.info.description
    );
    assert_eq!(
        kube.names("configmaps", NAMESPACE),
        ["map-a"],
        "what the interrupted revision made and the next no longer renders is deleted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_hook_records_the_revision_failed_and_names_the_hook() {
    let Fixture { kube, cluster, .. } = &fixture(Some(NAMESPACE)).await;
    let (_dir, chart) = chart();
    kube.set_unready(NAMESPACE, "preflight");
    let values = values("{}");
    let request = ReleaseRequest {
        name: RELEASE,
        namespace: NAMESPACE,
        chart: &chart,
        values: &values,
    };
    let error = match release::deploy(&context(), cluster, &request).await {
        Ok(_) => panic!("the deploy went on past a failed hook"),
        Err(e) => e,
    };
    assert!(error.summary.contains("preflight"), "{error:?}");
    let history = ReleaseStore::new(cluster, NAMESPACE).history(RELEASE).await.unwrap();
    let latest = history.latest().unwrap();
    assert_eq!(latest.info.status, Status::Failed);
    assert!(
        latest
            .info
            .description
            .starts_with("Release \"circleci-server\" failed: install:"),
        "{}",
        latest.info.description
    );
    assert!(
        kube.get("deployments", NAMESPACE, "web").is_none(),
        "nothing applied after a failed pre-install hook"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uninstall_deletes_the_objects_and_every_record_but_keeps_what_is_marked_keep() {
    let Fixture { kube, cluster, .. } = &fixture(Some(NAMESPACE)).await;
    let (_dir, chart) = chart();
    install(cluster, &chart, "{}").await;
    install(cluster, &chart, "replicas: 3\n").await;

    let uninstalled = release::uninstall(&context(), cluster, RELEASE, NAMESPACE)
        .await
        .unwrap_or_else(|d| panic!("{d:?}"));
    assert!(uninstalled.found);
    let kept: Vec<_> = uninstalled
        .kept
        .iter()
        .map(|o| release::ObjectKey::of(o).to_string())
        .collect();
    assert_eq!(kept, ["PersistentVolumeClaim/data"]);
    assert!(kube.get("persistentvolumeclaims", NAMESPACE, "data").is_some());
    assert!(kube.names("configmaps", NAMESPACE).is_empty());
    assert!(kube.get("deployments", NAMESPACE, "web").is_none());
    assert!(
        ReleaseStore::new(cluster, NAMESPACE)
            .history(RELEASE)
            .await
            .unwrap()
            .is_empty(),
        "every revision's record deleted"
    );

    let again = release::uninstall(&context(), cluster, RELEASE, NAMESPACE)
        .await
        .unwrap();
    assert!(!again.found, "uninstalling what is gone is a no-op");
}
