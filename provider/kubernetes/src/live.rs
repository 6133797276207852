//! What the chart engine reads from the live cluster, as `helm install` does: the
//! `.Capabilities` (server version, and the API versions and kinds discovery lists) and
//! `lookup`.

use circleci_helm::{Capabilities, KubeVersion, Lookup};
use circleci_tfplugin::Diagnostic;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::discovery::Scope;
use serde_json::Value as Json;

use crate::Cluster;

fn discovery_error(action: &str, e: kube::Error) -> Diagnostic {
    Diagnostic::error(
        format!("Kubernetes: failed to {action}"),
        format!(
            "{e}. Charts read the cluster's version and API groups to render; check the provider's kubernetes block and that the API server answers discovery."
        ),
    )
}

impl Cluster {
    /// The API resource serving `kind` at `api_version`, and whether it is namespaced;
    /// `None` when the group version does not list that kind.
    pub async fn discover(&self, api_version: &str, kind: &str) -> Result<Option<(ApiResource, bool)>, kube::Error> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok((resource, caps)) => Ok(Some((resource, caps.scope == Scope::Namespaced))),
            // The kind is not in the group version's list, or the group version is not served.
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(kube::Error::Api(e)) if e.code == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `.Capabilities` as Helm builds it for an install: the server's version and every
    /// group version and `GROUP/VERSION/Kind` discovery lists (subresources left out).
    pub async fn capabilities(&self) -> Result<Capabilities, Diagnostic> {
        let info = self
            .client
            .apiserver_version()
            .await
            .map_err(|e| discovery_error("read the server version", e))?;
        let kube_version = KubeVersion::parse(&info.git_version).map_err(|e| {
            Diagnostic::error(
                "Kubernetes: unreadable server version",
                format!("{:?}: {e}", info.git_version),
            )
        })?;
        let mut versions = Vec::new();
        let core = self
            .client
            .list_core_api_versions()
            .await
            .map_err(|e| discovery_error("list the core API versions", e))?;
        for version in core.versions {
            let resources = self
                .client
                .list_core_api_resources(&version)
                .await
                .map_err(|e| discovery_error(&format!("list the resources of {version}"), e))?;
            push_versions(&mut versions, &version, &resources.resources);
        }
        let groups = self
            .client
            .list_api_groups()
            .await
            .map_err(|e| discovery_error("list the API groups", e))?;
        for group in groups.groups {
            for gv in group.versions {
                let resources = self
                    .client
                    .list_api_group_resources(&gv.group_version)
                    .await
                    .map_err(|e| discovery_error(&format!("list the resources of {}", gv.group_version), e))?;
                push_versions(&mut versions, &gv.group_version, &resources.resources);
            }
        }
        Ok(Capabilities::discovered(kube_version, versions))
    }

    /// A [`Lookup`] for renders on this cluster, answering from the tokio runtime `handle`.
    pub fn lookup(&self, handle: tokio::runtime::Handle) -> LiveLookup {
        LiveLookup {
            cluster: Cluster {
                client: self.client.clone(),
            },
            handle,
        }
    }
}

fn push_versions(
    out: &mut Vec<String>,
    group_version: &str,
    resources: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource],
) {
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    add(group_version.to_string());
    for r in resources.iter().filter(|r| !r.name.contains('/')) {
        add(format!("{group_version}/{}", r.kind));
    }
}

/// Helm's `lookup` against a live cluster: the object as a map, the `List` of all with an
/// empty name, an empty map when it does not exist; an error for a kind the cluster does not
/// serve (as Helm's "unable to get apiresource").
pub struct LiveLookup {
    cluster: Cluster,
    handle: tokio::runtime::Handle,
}

impl LiveLookup {
    async fn find(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Json, String> {
        let unavailable =
            |why: String| format!("unable to get apiresource from unstructured: {api_version}, Kind={kind}: {why}");
        let (resource, namespaced) = match self.cluster.discover(api_version, kind).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(unavailable("the server does not serve this kind".into())),
            Err(e) => return Err(unavailable(e.to_string())),
        };
        let client = self.cluster.client.clone();
        let api: Api<DynamicObject> = if namespaced && !namespace.is_empty() {
            Api::namespaced_with(client, namespace, &resource)
        } else {
            Api::all_with(client, &resource)
        };
        if !name.is_empty() {
            return match api.get_opt(name).await {
                Ok(Some(object)) => Ok(serde_json::to_value(object).unwrap_or_default()),
                Ok(None) => Ok(Json::Object(Default::default())),
                Err(e) => Err(e.to_string()),
            };
        }
        match api.list(&ListParams::default()).await {
            Ok(list) => {
                let items: Vec<Json> = list
                    .items
                    .into_iter()
                    .map(|o| with_type(serde_json::to_value(o).unwrap_or_default(), &resource))
                    .collect();
                Ok(serde_json::json!({
                    "apiVersion": resource.api_version,
                    "kind": format!("{}List", resource.kind),
                    "metadata": { "resourceVersion": list.metadata.resource_version.unwrap_or_default() },
                    "items": items,
                }))
            }
            Err(kube::Error::Api(e)) if e.code == 404 => Ok(Json::Object(Default::default())),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A listed item with its `apiVersion` and `kind`, as client-go's unstructured list fills in.
fn with_type(mut item: Json, resource: &ApiResource) -> Json {
    if item.get("apiVersion").is_none_or(Json::is_null) {
        item["apiVersion"] = Json::from(resource.api_version.clone());
    }
    if item.get("kind").is_none_or(Json::is_null) {
        item["kind"] = Json::from(resource.kind.clone());
    }
    item
}

impl Lookup for LiveLookup {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<circleci_helm::Value, String> {
        // Rendering is synchronous; the answer comes from the provider's (multi-thread) runtime.
        let found =
            tokio::task::block_in_place(|| self.handle.block_on(self.find(api_version, kind, namespace, name)))?;
        Ok(circleci_helm::convert::from_json(&found))
    }
}

/// An object of any kind the cluster serves, resolved by discovery.
pub struct Resolved {
    pub api: Api<DynamicObject>,
    pub name: String,
    pub kind: String,
    /// `None` for a cluster-scoped kind.
    pub namespace: Option<String>,
}

impl Resolved {
    /// The object as the cluster has it now, `None` when there is none of its name.
    pub async fn live(&self) -> Result<Option<Json>, Diagnostic> {
        let (kind, name) = (&self.kind, &self.name);
        self.api
            .get_opt(name)
            .await
            .map(|o| o.map(|o| serde_json::to_value(o).unwrap_or_default()))
            .map_err(|e| crate::cluster::kube_error(&format!("read {kind} {name}"), e))
    }
}

impl Cluster {
    /// The API of `object`'s kind, in its namespace, or `default_namespace` when it is
    /// namespaced and names none (as Helm places a chart's objects in the release namespace).
    /// A kind the cluster does not serve is a diagnostic naming it (a CRD not installed yet).
    pub async fn resolve(&self, object: &Json, default_namespace: &str) -> Result<Resolved, Diagnostic> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let found = self
            .discover(api_version, &kind)
            .await
            .map_err(|e| discovery_error(&format!("discover {api_version} {kind}"), e))?;
        let Some((resource, namespaced)) = found else {
            return Err(Diagnostic::error(
                format!("Kubernetes does not serve {kind} ({api_version})"),
                format!(
                    "{kind} {name} cannot be made: the cluster has no {api_version} {kind}. Install its CRD first, or check the chart's Kubernetes version requirements."
                ),
            ));
        };
        let namespace = namespaced.then(|| {
            object["metadata"]["namespace"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(default_namespace)
                .to_string()
        });
        let api = match &namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        };
        Ok(Resolved {
            api,
            name,
            kind,
            namespace,
        })
    }
}
