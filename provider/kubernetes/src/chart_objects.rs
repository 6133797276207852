//! A chart's rendered objects on the cluster as Helm 3 keeps them: each marked as the
//! release's (`app.kubernetes.io/managed-by: Helm`, `meta.helm.sh/release-name` and
//! `-namespace`, Helm's `setMetadataVisitor`), so `helm upgrade` can take the release over;
//! and none taken from another owner without saying so (Helm's ownership check).

use circleci_server::render::FIELD_MANAGER;
use circleci_tfplugin::Diagnostic;
use kube::api::{Patch, PatchParams};
use serde_json::Value as Json;

use crate::Cluster;
use crate::cluster::kube_error;

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";

/// Puts Helm's ownership label and annotations on `object`.
pub fn mark_owned(object: &mut Json, release: &str, namespace: &str) {
    let metadata = &mut object["metadata"];
    metadata["labels"][MANAGED_BY_LABEL] = Json::from("Helm");
    metadata["annotations"][RELEASE_NAME_ANNOTATION] = Json::from(release);
    metadata["annotations"][RELEASE_NAMESPACE_ANNOTATION] = Json::from(namespace);
}

/// Why Helm would refuse to take `live` into `release`, in Helm's words; `None` when it is
/// the release's already.
pub fn ownership_conflict(live: &Json, release: &str, namespace: &str) -> Option<String> {
    let label = |k: &str| live["metadata"]["labels"][k].as_str();
    let annotation = |k: &str| live["metadata"]["annotations"][k].as_str();
    let mut problems = Vec::new();
    if label(MANAGED_BY_LABEL) != Some("Helm") {
        problems.push(format!("missing key {MANAGED_BY_LABEL:?}: must be set to \"Helm\""));
    }
    for (key, want) in [
        (RELEASE_NAME_ANNOTATION, release),
        (RELEASE_NAMESPACE_ANNOTATION, namespace),
    ] {
        match annotation(key) {
            None => problems.push(format!("missing key {key:?}: must be set to {want:?}")),
            Some(v) if v != want => problems.push(format!("key {key:?} must equal {want:?}: current value is {v:?}")),
            Some(_) => {}
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Applies one of `release`'s objects by server-side apply, marked as the release's. An
/// object of that name that belongs to something else is refused, not overwritten.
pub async fn apply(cluster: &Cluster, object: &Json, release: &str, namespace: &str) -> Result<Json, Diagnostic> {
    let resolved = cluster.resolve(object, namespace).await?;
    let (kind, name) = (&resolved.kind, &resolved.name);
    if let Some(live) = resolved.live().await?
        && let Some(problems) = ownership_conflict(&live, release, namespace)
    {
        return Err(Diagnostic::error(
            format!("{kind} {name} exists and is not release {release}'s"),
            format!(
                "{kind} \"{name}\" in namespace {:?} exists and cannot be imported into the current release: invalid ownership metadata; {problems}. \
                 Delete it, or, if it should belong to this release, add that label and those annotations to it.",
                resolved.namespace.as_deref().unwrap_or("")
            ),
        ));
    }
    let mut marked = object.clone();
    mark_owned(&mut marked, release, namespace);
    let params = PatchParams::apply(FIELD_MANAGER).force();
    resolved
        .api
        .patch(name, &params, &Patch::Apply(&marked))
        .await
        .map(|o| serde_json::to_value(o).unwrap_or_default())
        .map_err(|e| kube_error(&format!("apply {kind} {name}"), e))
}
