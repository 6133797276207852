//! The Kubernetes side against an API server over HTTP (the in-repo fake): Helm's release
//! records, the chart engine's view of the cluster, a chart's objects and its hooks. One
//! binary with a module per area.

mod chart_objects;
mod hooks;
mod live;
mod release;
mod release_store;

use acceptance_tests::fake_kube::FakeKube;
use circleci_cty::Value;
use circleci_kubernetes::Cluster;

/// A fake API server and a provider-side client of it, until dropped.
pub struct Fixture {
    pub kube: FakeKube,
    pub cluster: Cluster,
    _kubeconfig: tempfile::TempDir,
}

/// Starts the fake (with `namespace` made, as a user makes it before an install) and connects
/// to it through a kubeconfig file, as the provider's `kubernetes { config_path }` does.
pub async fn fixture(namespace: Option<&str>) -> Fixture {
    let kube = FakeKube::start();
    if let Some(ns) = namespace {
        kube.create_namespace(ns);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, kube.kubeconfig()).unwrap();
    let block = Value::object([("config_path", Value::from(path.to_str().unwrap()))]);
    let cluster = Cluster::from_block(&block).await.unwrap_or_else(|d| panic!("{d:?}"));
    Fixture {
        kube,
        cluster,
        _kubeconfig: dir,
    }
}
