//! A chart installed, upgraded and uninstalled as a Helm 3 release, the way `helm install`,
//! `helm upgrade` and `helm uninstall` do it (Helm 3.21's `action` package), so `helm list`,
//! `helm history` and `helm upgrade` take a release made here as their own:
//!
//! 1. the history read from the release records ([`ReleaseStore`]);
//! 2. the chart rendered against the live cluster (its `.Capabilities`, `lookup`);
//! 3. the new revision recorded `pending-install` / `pending-upgrade`;
//! 4. CRDs under `crds/` created when absent (never changed, as Helm's);
//! 5. the `pre-` hooks run; each object applied, marked as the release's; objects of the
//!    previous revision no longer rendered deleted (unless `helm.sh/resource-policy: keep`);
//! 6. the caller waits for what it needs ([`Deployment::finish`] after);
//! 7. the `post-` hooks run, the revision recorded `deployed` and the previous `superseded`.
//!
//! Where Helm refuses to go on ("another operation (install/upgrade/rollback) is in
//! progress" after a killed `helm`), this rolls forward: the interrupted revision is recorded
//! `failed` and the next one deploys over it, deleting what it made and no longer renders.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use circleci_helm::manifest::INSTALL_ORDER;
use circleci_helm::release::{History, HookEvent, Release, ReleaseChart, Status, Timestamp};
use circleci_helm::values::Table;
use circleci_helm::{Chart, RenderOptions, Rendered};
use circleci_tfplugin::{Context, Diagnostic};
use kube::api::{DeleteParams, PostParams};
use serde_json::Value as Json;

use crate::Cluster;
use crate::chart_objects::{self, ownership_conflict};
use crate::cluster::kube_error;
use crate::hooks;
use crate::release_store::ReleaseStore;

/// The annotation that keeps an object when the release stops rendering it or is uninstalled.
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// What to install: a chart, the user's values, and the release's name and namespace.
pub struct ReleaseRequest<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub chart: &'a Chart,
    /// The user's values (the release's `config`, what `helm get values` shows).
    pub values: &'a Table,
}

/// An install or upgrade whose objects are applied, before its `post-` hooks run.
pub struct Deployment {
    /// The new revision, `pending-install` or `pending-upgrade` in the store.
    pub record: Release,
    /// The revision it replaces, rewritten `superseded` once this one is deployed.
    pub previous: Option<Release>,
    pub rendered: Rendered,
    /// Each applied object as the API server answered it, in install order.
    pub applied: Vec<Json>,
}

/// The object a document stands for, by what names it on the cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectKey {
    pub api_version: String,
    pub kind: String,
    /// Empty when the document names none (the release namespace, for a namespaced kind).
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn of(object: &Json) -> ObjectKey {
        let text = |v: &Json| v.as_str().unwrap_or_default().to_string();
        ObjectKey {
            api_version: text(&object["apiVersion"]),
            kind: text(&object["kind"]),
            namespace: text(&object["metadata"]["namespace"]),
            name: text(&object["metadata"]["name"]),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    /// `Kind/name`, as `kubectl` names an object.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// The objects of a stored or rendered manifest (`---`-separated documents), parsed.
pub fn manifest_objects(manifest: &str) -> Result<Vec<Json>, Diagnostic> {
    circleci_helm::manifest::split_documents(manifest)
        .iter()
        .filter(|doc| {
            !doc.lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        })
        .map(|doc| {
            circleci_helm::yaml::parse(doc)
                .map(|v| circleci_helm::convert::to_json(&v))
                .map_err(|e| {
                    Diagnostic::error(
                        "A release's manifest does not parse",
                        format!("{e}; the stored release record may have been edited by hand."),
                    )
                })
        })
        .collect()
}

/// The release's objects as rendered, in install order.
pub fn rendered_objects(rendered: &Rendered) -> Result<Vec<Json>, Diagnostic> {
    rendered
        .manifests
        .iter()
        .map(|m| {
            circleci_helm::yaml::parse(&m.content)
                .map(|v| circleci_helm::convert::to_json(&v))
                .map_err(|e| Diagnostic::error(format!("{} is not a Kubernetes object", m.source), e.to_string()))
        })
        .collect()
}

/// Whether `object` is marked to outlive its release.
pub fn is_kept(object: &Json) -> bool {
    object["metadata"]["annotations"][RESOURCE_POLICY_ANNOTATION]
        .as_str()
        .is_some_and(|p| p.trim() == "keep")
}

/// Which objects a new render creates, changes and deletes against the previous manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub create: Vec<ObjectKey>,
    pub update: Vec<ObjectKey>,
    pub delete: Vec<ObjectKey>,
}

impl Changes {
    pub fn between(before: &[Json], after: &[Json]) -> Changes {
        let index = |objects: &[Json]| -> BTreeMap<ObjectKey, Json> {
            objects.iter().map(|o| (ObjectKey::of(o), o.clone())).collect()
        };
        let (before, after) = (index(before), index(after));
        let mut changes = Changes::default();
        for (key, object) in &after {
            match before.get(key) {
                None => changes.create.push(key.clone()),
                Some(old) if old != object => changes.update.push(key.clone()),
                Some(_) => {}
            }
        }
        changes.delete = before
            .iter()
            .filter(|(k, o)| !after.contains_key(*k) && !is_kept(o))
            .map(|(k, _)| k.clone())
            .collect();
        changes
    }

    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.update.is_empty() && self.delete.is_empty()
    }
}

/// How the next deploy of a release starts, from its history.
enum Start {
    /// No revision, or only uninstalled ones: `helm install` at this revision.
    Install(i64),
    /// An upgrade from this revision (deployed, or the latest failed one) to `revision`.
    Upgrade { current: Box<Release>, revision: i64 },
}

fn start_of(history: &History) -> Result<Start, Diagnostic> {
    let Some(latest) = history.latest() else {
        return Ok(Start::Install(1));
    };
    if history.deployed().is_none() && matches!(latest.info.status, Status::Uninstalled | Status::Uninstalling) {
        return Ok(Start::Install(history.next_version()));
    }
    let plan = history.plan_upgrade().map_err(|e| {
        Diagnostic::error(
            format!("Release {} cannot be upgraded", history.name()),
            format!(
                "{e}. `helm history {} -n NAMESPACE` shows its revisions.",
                history.name()
            ),
        )
    })?;
    Ok(Start::Upgrade {
        current: Box::new(plan.current),
        revision: plan.revision,
    })
}

/// Records an interrupted revision (`pending-*`, left by a killed apply or `helm`) as failed,
/// so the deploy can go on from it; returns it, whose objects may need deleting.
async fn close_interrupted(store: &ReleaseStore<'_>, history: &History) -> Result<Option<Release>, Diagnostic> {
    let Some(latest) = history.latest().filter(|r| r.info.status.is_pending()) else {
        return Ok(None);
    };
    let mut failed = latest.clone();
    tracing::warn!(release = %failed.name, revision = failed.version, status = failed.info.status.as_str(), "an earlier operation on the release was interrupted; rolling forward");
    let description = format!(
        "Interrupted while {}; rolled forward by the next apply",
        failed.info.status.as_str()
    );
    failed.set_status(Status::Failed, &description);
    store.update(&failed).await?;
    Ok(Some(failed))
}

/// Renders `request`'s chart for `revision` against the live cluster.
pub async fn render(
    cluster: &Cluster,
    request: &ReleaseRequest<'_>,
    revision: i64,
    is_upgrade: bool,
) -> Result<Rendered, Diagnostic> {
    let capabilities = cluster.capabilities().await?;
    let options = RenderOptions {
        release_name: request.name.to_string(),
        namespace: request.namespace.to_string(),
        revision,
        is_upgrade,
        capabilities,
        subchart_notes: false,
        lookup: Some(Arc::new(cluster.lookup(tokio::runtime::Handle::current()))),
    };
    let (chart, values) = (request.chart, request.values);
    tokio::task::block_in_place(|| circleci_helm::render(chart, values, &options)).map_err(|e| {
        Diagnostic::error(
            format!("Chart {} does not render", request.chart.metadata.name),
            e.to_string(),
        )
    })
}

/// Starts an install or upgrade of `request`: steps 1 to 5 of the module's list. On error the
/// new revision is recorded `failed` with the reason.
pub async fn deploy<D>(
    ctx: &Context<D>,
    cluster: &Cluster,
    request: &ReleaseRequest<'_>,
) -> Result<Deployment, Diagnostic> {
    let store = ReleaseStore::new(cluster, request.namespace);
    let history = store.history(request.name).await?;
    let interrupted = close_interrupted(&store, &history).await?;
    let history = match interrupted {
        Some(_) => store.history(request.name).await?,
        None => history,
    };
    let (mut record, previous, is_upgrade) = match start_of(&history)? {
        Start::Install(revision) => {
            let mut record = Release::install(request.name, request.namespace, Timestamp::now());
            record.version = revision;
            (record, None, false)
        }
        Start::Upgrade { current, revision } => {
            let plan = history
                .plan_upgrade()
                .map_err(|e| Diagnostic::error("Release cannot be upgraded", e.to_string()))?;
            debug_assert_eq!(plan.revision, revision);
            (plan.next_release(Timestamp::now()), Some(*current), true)
        }
    };
    let rendered = render(cluster, request, record.version, is_upgrade).await?;
    record.chart = ReleaseChart::from(request.chart);
    record.config = circleci_helm::convert::to_json(&circleci_helm::Value::from(request.values.clone()))
        .as_object()
        .cloned()
        .unwrap_or_default();
    record.manifest = rendered.manifest(false);
    record.hooks = rendered.hooks.iter().map(|h| h.to_record()).collect();
    record.info.notes = rendered.notes.clone();
    store.create(&record).await?;

    let mut deployment = Deployment {
        record,
        previous,
        rendered,
        applied: Vec::new(),
    };
    let mut stale = Vec::new();
    for old in deployment.previous.iter().chain(interrupted.iter()) {
        stale.extend(manifest_objects(&old.manifest)?);
    }
    match apply_revision(ctx, cluster, &mut deployment, &stale, is_upgrade).await {
        Ok(()) => Ok(deployment),
        Err(e) => {
            deployment.fail(cluster, &e).await;
            Err(e)
        }
    }
}

async fn apply_revision<D>(
    ctx: &Context<D>,
    cluster: &Cluster,
    deployment: &mut Deployment,
    stale: &[Json],
    is_upgrade: bool,
) -> Result<(), Diagnostic> {
    let (name, namespace) = (deployment.record.name.clone(), deployment.record.namespace.clone());
    if !is_upgrade {
        for crd in &deployment.rendered.crds {
            create_crd(cluster, &crd.content, &crd.source).await?;
        }
    }
    let pre = if is_upgrade {
        HookEvent::PreUpgrade
    } else {
        HookEvent::PreInstall
    };
    hooks::run(ctx, cluster, &mut deployment.record.hooks, pre, &namespace).await?;
    let objects = rendered_objects(&deployment.rendered)?;
    for object in &objects {
        deployment
            .applied
            .push(chart_objects::apply(cluster, object, &name, &namespace).await?);
    }
    let rendered: BTreeSet<ObjectKey> = objects.iter().map(ObjectKey::of).collect();
    let gone: Vec<Json> = stale
        .iter()
        .filter(|o| !rendered.contains(&ObjectKey::of(o)) && !is_kept(o))
        .cloned()
        .collect();
    delete_objects(cluster, &gone, &name, &namespace).await
}

/// Creates a CRD from `crds/` unless one of its name exists (Helm never upgrades them).
async fn create_crd(cluster: &Cluster, content: &str, source: &str) -> Result<(), Diagnostic> {
    for object in manifest_objects(content)? {
        let resolved = cluster.resolve(&object, "").await?;
        if resolved.live().await?.is_none() {
            let object = serde_json::from_value(object)
                .map_err(|e| Diagnostic::error(format!("{source} is not a CRD"), e.to_string()))?;
            resolved
                .api
                .create(&PostParams::default(), &object)
                .await
                .map_err(|e| kube_error(&format!("create CRD {} ({source})", resolved.name), e))?;
        }
    }
    Ok(())
}

/// Deletes the release's `objects` in reverse install order; one gone already, or no longer
/// the release's (someone took it over), is left alone.
async fn delete_objects(cluster: &Cluster, objects: &[Json], release: &str, namespace: &str) -> Result<(), Diagnostic> {
    let rank = |o: &Json| {
        let kind = o["kind"].as_str().unwrap_or_default();
        INSTALL_ORDER
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(INSTALL_ORDER.len())
    };
    let mut ordered: Vec<&Json> = objects.iter().collect();
    ordered.sort_by_key(|o| std::cmp::Reverse(rank(o)));
    for object in ordered {
        let resolved = match cluster.resolve(object, namespace).await {
            Ok(r) => r,
            // A kind no longer served (its CRD removed) has no objects left to delete.
            Err(_) => continue,
        };
        let (kind, name) = (&resolved.kind, &resolved.name);
        let Some(live) = resolved.live().await? else {
            continue;
        };
        if ownership_conflict(&live, release, namespace).is_some() {
            tracing::warn!(%kind, %name, "not deleted: it is no longer this release's");
            continue;
        }
        match resolved.api.delete(name, &DeleteParams::background()).await {
            Ok(_) => tracing::info!(%kind, %name, "deleted"),
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(kube_error(&format!("delete {kind} {name}"), e)),
        }
    }
    Ok(())
}

impl Deployment {
    /// Step 7: the `post-` hooks, then the revision recorded `deployed` and the one before
    /// `superseded`.
    pub async fn finish<D>(mut self, ctx: &Context<D>, cluster: &Cluster) -> Result<Release, Diagnostic> {
        let namespace = self.record.namespace.clone();
        let (post, done) = match self.previous {
            Some(_) => (HookEvent::PostUpgrade, "Upgrade complete"),
            None => (HookEvent::PostInstall, "Install complete"),
        };
        if let Err(e) = hooks::run(ctx, cluster, &mut self.record.hooks, post, &namespace).await {
            self.fail(cluster, &e).await;
            return Err(e);
        }
        let store = ReleaseStore::new(cluster, &namespace);
        if let Some(previous) = &self.previous
            && previous.info.status == Status::Deployed
        {
            let mut superseded = previous.clone();
            superseded.info.status = Status::Superseded;
            store.update(&superseded).await?;
        }
        self.record.set_status(Status::Deployed, done);
        store.update(&self.record).await?;
        Ok(self.record)
    }

    /// Records the revision `failed` with `why`, as Helm's `failRelease`; a failure to record
    /// is logged, since `why` is the error worth reporting.
    pub async fn fail(&mut self, cluster: &Cluster, why: &Diagnostic) {
        let verb = if self.previous.is_some() { "upgrade" } else { "install" };
        self.record.set_status(
            Status::Failed,
            &format!("Release \"{}\" failed: {verb}: {}", self.record.name, why.summary),
        );
        if let Err(e) = ReleaseStore::new(cluster, &self.record.namespace)
            .update(&self.record)
            .await
        {
            tracing::warn!(error = ?e, "could not record the failed revision");
        }
    }
}

/// What an uninstall left on the cluster.
#[derive(Debug, Default)]
pub struct Uninstalled {
    /// Objects kept by `helm.sh/resource-policy: keep`, as `helm uninstall` lists them.
    pub kept: Vec<Json>,
    /// Whether there was a release to uninstall.
    pub found: bool,
}

/// `helm uninstall NAME` (without `--keep-history`): the latest revision recorded
/// `uninstalling`, its `pre-delete` hooks, its objects deleted (but the kept ones), its
/// `post-delete` hooks, then every record deleted.
pub async fn uninstall<D>(
    ctx: &Context<D>,
    cluster: &Cluster,
    name: &str,
    namespace: &str,
) -> Result<Uninstalled, Diagnostic> {
    let store = ReleaseStore::new(cluster, namespace);
    let history = store.history(name).await?;
    if history.is_empty() {
        return Ok(Uninstalled::default());
    }
    let plan = history
        .plan_uninstall(false, Timestamp::now())
        .map_err(|e| Diagnostic::error(format!("Release {name} cannot be uninstalled"), e.to_string()))?;
    let mut kept = Vec::new();
    if let Some(mut uninstalling) = plan.uninstalling {
        store.update(&uninstalling).await?;
        hooks::run(ctx, cluster, &mut uninstalling.hooks, HookEvent::PreDelete, namespace).await?;
        // The latest revision's objects, and those of the revisions back to the last one
        // deployed: an upgrade that failed or was interrupted may have made some of its own.
        let mut objects = Vec::new();
        let mut seen = BTreeSet::new();
        for record in history.releases().iter().rev() {
            for object in manifest_objects(&record.manifest)? {
                if seen.insert(ObjectKey::of(&object)) {
                    objects.push(object);
                }
            }
            if matches!(record.info.status, Status::Deployed | Status::Superseded) {
                break;
            }
        }
        let (keep, delete): (Vec<Json>, Vec<Json>) = objects.into_iter().partition(is_kept);
        delete_objects(cluster, &delete, name, namespace).await?;
        kept = keep;
        hooks::run(ctx, cluster, &mut uninstalling.hooks, HookEvent::PostDelete, namespace).await?;
    }
    for version in history.releases().iter().map(|r| r.version) {
        store.delete(name, version).await?;
    }
    Ok(Uninstalled { kept, found: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config_map(name: &str, data: &str, keep: bool) -> Json {
        let mut o = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": data}});
        if keep {
            o["metadata"]["annotations"] = json!({ RESOURCE_POLICY_ANNOTATION: "keep" });
        }
        o
    }

    #[test]
    fn changes_name_created_updated_and_deleted_objects_but_not_kept_ones() {
        let before = [
            config_map("same", "1", false),
            config_map("changed", "1", false),
            config_map("dropped", "1", false),
            config_map("kept", "1", true),
        ];
        let after = [
            config_map("same", "1", false),
            config_map("changed", "2", false),
            config_map("new", "1", false),
        ];
        let changes = Changes::between(&before, &after);
        let names = |keys: &[ObjectKey]| keys.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(names(&changes.create), ["ConfigMap/new"]);
        assert_eq!(names(&changes.update), ["ConfigMap/changed"]);
        assert_eq!(names(&changes.delete), ["ConfigMap/dropped"]);
        assert!(Changes::between(&after, &after).is_empty());
    }

    #[test]
    fn a_stored_manifest_reads_back_as_its_objects() {
        let manifest = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
        let objects = manifest_objects(manifest).unwrap();
        let keys: Vec<String> = objects.iter().map(|o| ObjectKey::of(o).to_string()).collect();
        assert_eq!(keys, ["ConfigMap/a", "Secret/b"]);
        assert!(manifest_objects("").unwrap().is_empty());
    }
}
