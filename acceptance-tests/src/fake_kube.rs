//! A fake Kubernetes API server for tests, on 127.0.0.1, following the public REST API closely
//! enough that kube-rs cannot tell: discovery (/api, /apis), namespaces, namespaced CRUD for
//! the kinds CircleCI Server uses, server-side apply (`application/apply-patch+yaml`) that
//! creates or merges with per-manager field ownership and 409 conflicts, resourceVersion with
//! 409 on stale updates, `Status` error bodies, and three controllers: workloads become ready a
//! moment after each change, Jobs complete, and LoadBalancer services get an ingress hostname.
//! The kinds served are listed once, in `GROUPS` (cluster-scoped ones at `/apis/G/V/PLURAL`).
//!
//! Test-only extras live under `/fake/`: `POST /fake/unready/NS/NAME` holds a workload unready
//! (and makes a Job of that name fail).
//! Watch sends the current objects as ADDED events and ends (as at a watch timeout); events
//! after that are not streamed. Not emulated: finalizers, admission, list-map merge keys (lists
//! are atomic).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

/// How long a workload takes to become ready, and a load balancer to get its address.
const SETTLE: Duration = Duration::from_millis(300);

struct Object {
    json: Json,
    /// Field manager -> the leaf paths it owns.
    managed: BTreeMap<String, BTreeSet<String>>,
    changed: Instant,
}

#[derive(Default)]
struct Store {
    /// (api prefix, plural, namespace, name) -> object; namespaces have namespace "".
    objects: BTreeMap<(String, String, String, String), Object>,
    resource_version: u64,
    unready: HashSet<(String, String)>,
    requests: usize,
    /// Every bearer token a request carried (the fake accepts any).
    tokens: BTreeSet<String>,
}

type Shared = Arc<Mutex<Store>>;

pub struct FakeKube {
    pub url: String,
    store: Shared,
    _server: crate::serve::Served,
}

impl FakeKube {
    pub fn start() -> FakeKube {
        let store: Shared = Arc::new(Mutex::new(Store::default()));
        let app = axum::Router::new().fallback(handle).with_state(store.clone());
        let server = crate::serve::Served::start(app);
        FakeKube {
            url: server.url.clone(),
            store,
            _server: server,
        }
    }

    /// A kubeconfig pointing at this server (no auth).
    pub fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    token: fake-token\n",
            self.url
        )
    }

    /// Makes a namespace as a user would before an install (no field manager of ours).
    pub fn create_namespace(&self, name: &str) {
        let mut store = self.store.lock().unwrap();
        store.resource_version += 1;
        let mut namespace = json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } });
        stamp(&mut namespace, store.resource_version, "");
        store.objects.insert(
            ("api/v1".into(), "namespaces".into(), String::new(), name.into()),
            Object {
                json: namespace,
                managed: BTreeMap::new(),
                changed: Instant::now(),
            },
        );
    }

    /// Names of the objects of `plural` in `namespace`.
    pub fn names(&self, plural: &str, namespace: &str) -> Vec<String> {
        let store = self.store.lock().unwrap();
        store
            .objects
            .keys()
            .filter(|(_, p, ns, _)| p == plural && ns == namespace)
            .map(|(.., n)| n.clone())
            .collect()
    }

    /// One object as the server holds it (with the controllers' status).
    pub fn get(&self, plural: &str, namespace: &str, name: &str) -> Option<Json> {
        let store = self.store.lock().unwrap();
        store
            .objects
            .iter()
            .find(|((_, p, ns, n), _)| p == plural && ns == namespace && n == name)
            .map(|((_, p, ns, n), o)| with_status(&store, p, ns, n, o))
    }

    pub fn object_count(&self) -> usize {
        self.store.lock().unwrap().objects.len()
    }

    /// The bearer tokens requests carried so far.
    pub fn bearer_tokens(&self) -> Vec<String> {
        self.store.lock().unwrap().tokens.iter().cloned().collect()
    }

    pub fn request_count(&self) -> usize {
        self.store.lock().unwrap().requests
    }

    /// Deletes an object behind the provider's back.
    pub fn delete(&self, plural: &str, namespace: &str, name: &str) -> bool {
        let mut store = self.store.lock().unwrap();
        let key = store
            .objects
            .keys()
            .find(|(_, p, ns, n)| p == plural && ns == namespace && n == name)
            .cloned();
        let removed = key.and_then(|k| store.objects.remove(&k)).is_some();
        if removed && plural == "namespaces" {
            // As through the API: a namespace takes its content with it.
            store.objects.retain(|(_, _, ns, _), _| ns != name);
        }
        removed
    }

    /// Lets a workload held by [`FakeKube::set_unready`] become ready again.
    pub fn set_ready(&self, namespace: &str, name: &str) {
        self.store
            .lock()
            .unwrap()
            .unready
            .remove(&(namespace.to_string(), name.to_string()));
    }

    /// Holds a workload unready (a crash-looping service).
    pub fn set_unready(&self, namespace: &str, name: &str) {
        self.store
            .lock()
            .unwrap()
            .unready
            .insert((namespace.to_string(), name.to_string()));
    }
}

fn status(code: StatusCode, reason: &str, message: String) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code.as_u16()
    });
    (code, [("content-type", "application/json")], body.to_string()).into_response()
}

fn ok(body: Json) -> Response {
    (StatusCode::OK, [("content-type", "application/json")], body.to_string()).into_response()
}

/// A group version's kinds: (plural, kind, namespaced).
type Kinds = &'static [(&'static str, &'static str, bool)];

/// Every kind the fake serves: (group, version, [(plural, kind, namespaced)]); the core
/// group is "". What a chart of CircleCI Server makes, hooks (Jobs) included.
const GROUPS: &[(&str, &str, Kinds)] = &[
    (
        "",
        "v1",
        &[
            ("namespaces", "Namespace", false),
            ("configmaps", "ConfigMap", true),
            ("secrets", "Secret", true),
            ("services", "Service", true),
            ("serviceaccounts", "ServiceAccount", true),
            ("persistentvolumeclaims", "PersistentVolumeClaim", true),
            ("pods", "Pod", true),
        ],
    ),
    (
        "apps",
        "v1",
        &[
            ("deployments", "Deployment", true),
            ("statefulsets", "StatefulSet", true),
            ("daemonsets", "DaemonSet", true),
        ],
    ),
    ("batch", "v1", &[("jobs", "Job", true), ("cronjobs", "CronJob", true)]),
    (
        "networking.k8s.io",
        "v1",
        &[
            ("ingresses", "Ingress", true),
            ("networkpolicies", "NetworkPolicy", true),
        ],
    ),
    ("policy", "v1", &[("poddisruptionbudgets", "PodDisruptionBudget", true)]),
    (
        "rbac.authorization.k8s.io",
        "v1",
        &[
            ("roles", "Role", true),
            ("rolebindings", "RoleBinding", true),
            ("clusterroles", "ClusterRole", false),
            ("clusterrolebindings", "ClusterRoleBinding", false),
        ],
    ),
    (
        "autoscaling",
        "v2",
        &[("horizontalpodautoscalers", "HorizontalPodAutoscaler", true)],
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        &[("customresourcedefinitions", "CustomResourceDefinition", false)],
    ),
];

/// The `apiVersion` of a group version.
fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// The path prefix of a group version: `api/v1` or `apis/GROUP/VERSION`.
fn api_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn resource_list(group_version: &str, resources: &[(&str, &str, bool)]) -> Json {
    json!({
        "kind": "APIResourceList",
        "groupVersion": group_version,
        "resources": resources.iter().map(|(plural, kind, namespaced)| json!({
            "name": plural, "singularName": "", "namespaced": namespaced, "kind": kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update"]
        })).collect::<Vec<_>>()
    })
}

/// The leaf paths of an object that a manager can own (metadata bookkeeping and status aside).
fn leaves(value: &Json, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = format!("{prefix}/{k}");
                if matches!(
                    path.as_str(),
                    "/status"
                        | "/metadata/resourceVersion"
                        | "/metadata/uid"
                        | "/metadata/creationTimestamp"
                        | "/metadata/managedFields"
                        | "/metadata/generation"
                        | "/apiVersion"
                        | "/kind"
                ) {
                    continue;
                }
                leaves(v, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

fn at<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    value.pointer(path)
}

fn remove(value: &mut Json, path: &str) {
    let Some((parent, key)) = path.rsplit_once('/') else {
        return;
    };
    if let Some(Json::Object(map)) = value.pointer_mut(if parent.is_empty() { "" } else { parent }) {
        map.remove(key);
    }
}

fn merge(into: &mut Json, from: &Json) {
    match (into, from) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (into, from) => *into = from.clone(),
    }
}

fn with_status(store: &Store, plural: &str, namespace: &str, name: &str, object: &Object) -> Json {
    let mut json = object.json.clone();
    let settled = object.changed.elapsed() >= SETTLE;
    match plural {
        "deployments" | "statefulsets" => {
            let replicas = json["spec"]["replicas"].as_i64().unwrap_or(1);
            let held = store.unready.contains(&(namespace.to_string(), name.to_string()));
            let ready = if settled && !held { replicas } else { 0 };
            json["status"] = json!({
                "observedGeneration": json["metadata"]["generation"],
                "replicas": replicas, "updatedReplicas": ready, "readyReplicas": ready, "availableReplicas": ready
            });
        }
        // The Job controller: complete once settled; a held Job fails as one out of retries.
        "jobs" if settled => {
            let held = store.unready.contains(&(namespace.to_string(), name.to_string()));
            let (condition, reason, counts) = if held {
                ("Failed", "BackoffLimitExceeded", json!({ "failed": 1 }))
            } else {
                ("Complete", "", json!({ "succeeded": 1 }))
            };
            json["status"] = counts;
            json["status"]["conditions"] = json!([{ "type": condition, "status": "True", "reason": reason }]);
        }
        "services" if json["spec"]["type"] == "LoadBalancer" => {
            json["status"] = if settled {
                json!({ "loadBalancer": { "ingress": [{ "hostname": format!("{name}.{namespace}.lb.fake.internal") }] } })
            } else {
                json!({ "loadBalancer": {} })
            };
        }
        _ => {}
    }
    json
}

fn label_selector_matches(object: &Json, selector: &str) -> bool {
    selector
        .split(',')
        .filter(|s| !s.is_empty())
        .all(|term| match term.split_once('=') {
            Some((k, v)) => object["metadata"]["labels"][k].as_str() == Some(v.trim_start_matches('=')),
            None => !object["metadata"]["labels"][term].is_null(),
        })
}

fn query(uri: &axum::http::Uri, key: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace("%2C", ",").replace("%3D", "=").replace("%2F", "/"))
    })
}

async fn handle(State(store): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
    let mut store = store.lock().unwrap();
    store.requests += 1;
    if let Some(token) = parts
        .headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    {
        store.tokens.insert(token.to_string());
    }
    route(&mut store, &parts.method, &parts.uri, &parts.headers, &body)
}

fn route(store: &mut Store, method: &Method, uri: &axum::http::Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let path = uri.path().trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (method, segments.as_slice()) {
        (&Method::GET, ["api"]) => return ok(json!({ "kind": "APIVersions", "versions": ["v1"] })),
        (&Method::GET, ["apis"]) => {
            let groups: Vec<Json> = GROUPS
                .iter()
                .filter(|(group, ..)| !group.is_empty())
                .map(|(group, version, _)| {
                    let gv = json!({ "groupVersion": group_version(group, version), "version": version });
                    json!({ "name": group, "versions": [gv.clone()], "preferredVersion": gv })
                })
                .collect();
            return ok(json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups }));
        }
        // The server version (`kubectl version`, Helm's .Capabilities.KubeVersion).
        (&Method::GET, ["version"]) => {
            return ok(json!({
                "major": "1", "minor": "33", "gitVersion": "v1.33.2", "gitCommit": "", "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"
            }));
        }
        (&Method::GET, ["api", version]) | (&Method::GET, ["apis", _, version]) => {
            let group = if segments[0] == "api" { "" } else { segments[1] };
            if let Some((_, _, kinds)) = GROUPS.iter().find(|(g, v, _)| *g == group && v == version) {
                return ok(resource_list(&group_version(group, version), kinds));
            }
        }
        (&Method::POST, ["fake", "unready", ns, name]) => {
            store.unready.insert((ns.to_string(), name.to_string()));
            return ok(json!({}));
        }
        _ => {}
    }
    // /api/v1/... or /apis/GROUP/VERSION/..., then PLURAL[/NAME] (cluster-scoped, or a
    // namespaced kind across namespaces) or namespaces/NS/PLURAL[/NAME].
    let served = GROUPS.iter().find_map(|(group, version, kinds)| {
        let prefix = api_prefix(group, version);
        let depth = prefix.split('/').count();
        (segments.len() >= depth && segments[..depth].join("/") == prefix)
            .then(|| (prefix, group_version(group, version), *kinds, &segments[depth..]))
    });
    let Some((prefix, api_version, kinds, rest)) = served else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        );
    };
    let (plural, namespace, name) = match rest {
        ["namespaces", ns, plural] => (*plural, *ns, None),
        ["namespaces", ns, plural, name] => (*plural, *ns, Some(*name)),
        [plural] => (*plural, "", None),
        [plural, name] => (*plural, "", Some(*name)),
        _ => return status(StatusCode::NOT_FOUND, "NotFound", format!("no such path {path}")),
    };
    let prefix = prefix.as_str();
    let api_version = api_version.as_str();
    let Some((_, kind, namespaced)) = kinds.iter().find(|(p, ..)| *p == plural) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("the server doesn't have a resource type {plural:?}"),
        );
    };
    let kind = *kind;
    if *namespaced && namespace.is_empty() && name.is_some() {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{plural} is namespaced: no such path {path}"),
        );
    }
    if !namespace.is_empty()
        && !store
            .objects
            .contains_key(&("api/v1".into(), "namespaces".into(), String::new(), namespace.into()))
        && method != Method::GET
        && method != Method::DELETE
    {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        );
    }
    let key = |n: &str| {
        (
            prefix.to_string(),
            plural.to_string(),
            namespace.to_string(),
            n.to_string(),
        )
    };

    match (method.clone(), name) {
        (Method::GET, None) if matches!(query(uri, "watch").as_deref(), Some("true") | Some("1")) => {
            // A watch that sends the current objects as ADDED events and then ends, as a watch
            // does when its timeout passes; clients watch again from the last resourceVersion.
            let selector = query(uri, "labelSelector").unwrap_or_default();
            let events: String = store
                .objects
                .iter()
                .filter(|((pre, p, ns, _), _)| {
                    pre == prefix && p == plural && (namespace.is_empty() || ns == namespace)
                })
                .filter(|(_, o)| label_selector_matches(&o.json, &selector))
                .map(|((_, p, ns, n), o)| {
                    format!(
                        "{}\n",
                        json!({ "type": "ADDED", "object": with_status(store, p, ns, n, o) })
                    )
                })
                .collect();
            (StatusCode::OK, [("content-type", "application/json")], events).into_response()
        }
        (Method::GET, None) => {
            let selector = query(uri, "labelSelector").unwrap_or_default();
            let items: Vec<Json> = store
                .objects
                .iter()
                .filter(|((pre, p, ns, _), _)| {
                    pre == prefix && p == plural && (namespace.is_empty() || ns == namespace)
                })
                .filter(|(_, o)| label_selector_matches(&o.json, &selector))
                .map(|((_, p, ns, n), o)| with_status(store, p, ns, n, o))
                .collect();
            ok(json!({ "kind": format!("{kind}List"), "apiVersion": api_version,
                "metadata": { "resourceVersion": store.resource_version.to_string() }, "items": items }))
        }
        (Method::GET, Some(name)) => match store.objects.get(&key(name)) {
            Some(o) => ok(with_status(store, plural, namespace, name, o)),
            None => status(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("{plural} \"{name}\" not found"),
            ),
        },
        (Method::DELETE, Some(name)) => {
            let Some(object) = store.objects.remove(&key(name)) else {
                return status(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    format!("{plural} \"{name}\" not found"),
                );
            };
            if plural == "namespaces" {
                // Real namespaces terminate their content first; here it is immediate.
                store.objects.retain(|(_, _, ns, _), _| ns != name);
            }
            ok(object.json)
        }
        (Method::PATCH, Some(name)) => {
            let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
            let Ok(applied) = serde_json::from_slice::<Json>(body) else {
                return status(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "the body is not JSON (YAML other than JSON is not emulated)".into(),
                );
            };
            let manager = query(uri, "fieldManager").unwrap_or_else(|| "unknown".into());
            let force = query(uri, "force").as_deref() == Some("true");
            if content_type.starts_with("application/apply-patch") {
                let response = server_side_apply(store, key(name), applied, &manager, force, kind, api_version);
                if plural == "statefulsets" {
                    claim_volumes(store, namespace, name);
                }
                response
            } else if content_type.starts_with("application/merge-patch+json") {
                let Some(object) = store.objects.get_mut(&key(name)) else {
                    return status(
                        StatusCode::NOT_FOUND,
                        "NotFound",
                        format!("{plural} \"{name}\" not found"),
                    );
                };
                merge(&mut object.json, &applied);
                let mut owned = BTreeSet::new();
                leaves(&applied, "", &mut owned);
                for (_, fields) in object.managed.iter_mut() {
                    fields.retain(|f| !owned.contains(f));
                }
                object.managed.entry(manager).or_default().extend(owned);
                object.changed = Instant::now();
                store.resource_version += 1;
                let rv = store.resource_version;
                let object = store.objects.get_mut(&key(name)).unwrap();
                object.json["metadata"]["resourceVersion"] = rv.to_string().into();
                ok(object.json.clone())
            } else {
                status(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UnsupportedMediaType",
                    format!("content type {content_type} not supported"),
                )
            }
        }
        (Method::PUT, Some(name)) => {
            let Ok(replacement) = serde_json::from_slice::<Json>(body) else {
                return status(StatusCode::BAD_REQUEST, "BadRequest", "the body is not JSON".into());
            };
            let Some(current) = store.objects.get(&key(name)) else {
                return status(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    format!("{plural} \"{name}\" not found"),
                );
            };
            let sent = replacement["metadata"]["resourceVersion"].as_str().unwrap_or("");
            let have = current.json["metadata"]["resourceVersion"].as_str().unwrap_or("");
            // An update without a resource version is unconditional, as the API server
            // allows for the built-in kinds (Helm's record updates rely on it).
            if !sent.is_empty() && sent != have {
                return status(
                    StatusCode::CONFLICT,
                    "Conflict",
                    format!(
                        "Operation cannot be fulfilled on {plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
                    ),
                );
            }
            store.resource_version += 1;
            let rv = store.resource_version;
            let object = store.objects.get_mut(&key(name)).unwrap();
            // The new metadata (labels, annotations) replaces the old; the fields the server
            // owns stay.
            let mut metadata = replacement["metadata"].clone();
            for owned in ["uid", "creationTimestamp", "namespace", "managedFields"] {
                match object.json["metadata"].get(owned) {
                    Some(v) => metadata[owned] = v.clone(),
                    None => remove(&mut metadata, &format!("/{owned}")),
                }
            }
            object.json = replacement;
            object.json["metadata"] = metadata;
            object.json["metadata"]["resourceVersion"] = rv.to_string().into();
            object.changed = Instant::now();
            ok(object.json.clone())
        }
        (Method::POST, None) => {
            let Ok(mut created) = serde_json::from_slice::<Json>(body) else {
                return status(StatusCode::BAD_REQUEST, "BadRequest", "the body is not JSON".into());
            };
            let name = created["metadata"]["name"].as_str().unwrap_or_default().to_string();
            if store.objects.contains_key(&key(&name)) {
                return status(
                    StatusCode::CONFLICT,
                    "AlreadyExists",
                    format!("{plural} \"{name}\" already exists"),
                );
            }
            store.resource_version += 1;
            stamp(&mut created, store.resource_version, namespace);
            let manager = query(uri, "fieldManager").unwrap_or_else(|| "unknown".into());
            let mut owned = BTreeSet::new();
            leaves(&created, "", &mut owned);
            store.objects.insert(
                key(&name),
                Object {
                    json: created.clone(),
                    managed: BTreeMap::from([(manager, owned)]),
                    changed: Instant::now(),
                },
            );
            (
                StatusCode::CREATED,
                [("content-type", "application/json")],
                created.to_string(),
            )
                .into_response()
        }
        _ => status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("{method} is not allowed here"),
        ),
    }
}

/// The StatefulSet controller's part that keeps data: a PersistentVolumeClaim per claim template
/// and replica, named TEMPLATE-SET-ORDINAL, made once and left behind when the set is deleted.
fn claim_volumes(store: &mut Store, namespace: &str, set: &str) {
    let Some(object) = store
        .objects
        .iter()
        .find(|((_, p, ns, n), _)| p == "statefulsets" && ns == namespace && n == set)
        .map(|(_, o)| o.json.clone())
    else {
        return;
    };
    let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
    for template in object["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten() {
        let claim = template["metadata"]["name"].as_str().unwrap_or_default();
        for ordinal in 0..replicas {
            let name = format!("{claim}-{set}-{ordinal}");
            let key = (
                "api/v1".to_string(),
                "persistentvolumeclaims".to_string(),
                namespace.to_string(),
                name.clone(),
            );
            if store.objects.contains_key(&key) {
                continue;
            }
            store.resource_version += 1;
            let mut pvc = json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": { "name": name, "labels": template["metadata"]["labels"].clone() },
                "spec": template["spec"].clone(),
                "status": { "phase": "Bound" },
            });
            stamp(&mut pvc, store.resource_version, namespace);
            store.objects.insert(
                key,
                Object {
                    json: pvc,
                    managed: BTreeMap::new(),
                    changed: Instant::now(),
                },
            );
        }
    }
}

/// The API server's node port rules for a NodePort Service: a given port must be in
/// 30000-32767 and not held by another Service (422 Invalid, as the real one answers); a
/// port left out keeps the one it had, or gets the lowest free one. Answers the refusal, if any.
fn node_ports(store: &Store, key: &(String, String, String, String), applied: &mut Json) -> Option<Response> {
    if applied["spec"]["type"] != "NodePort" {
        return None;
    }
    let taken: BTreeSet<i64> = store
        .objects
        .iter()
        .filter(|(k, _)| k.1 == "services" && *k != key)
        .flat_map(|(_, o)| o.json["spec"]["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["nodePort"].as_i64())
        .collect();
    let live = store.objects.get(key).map(|o| o.json.clone()).unwrap_or(Json::Null);
    let name = applied["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let mut used: BTreeSet<i64> = BTreeSet::new();
    let ports = applied["spec"]["ports"].as_array_mut()?;
    for (index, port) in ports.iter_mut().enumerate() {
        let invalid = |value: i64, why: &str| {
            status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid",
                format!("Service \"{name}\" is invalid: spec.ports[{index}].nodePort: Invalid value: {value}: {why}"),
            )
        };
        let node_port = match port["nodePort"].as_i64() {
            Some(given) => {
                if !(30000..=32767).contains(&given) {
                    return Some(invalid(
                        given,
                        "provided port is not in the valid range. The range of valid ports is 30000-32767",
                    ));
                }
                if taken.contains(&given) || used.contains(&given) {
                    return Some(invalid(given, "provided port is already allocated"));
                }
                given
            }
            None => {
                let kept = live["spec"]["ports"]
                    .as_array()
                    .and_then(|l| l.iter().find(|p| p["port"] == port["port"]))
                    .and_then(|p| p["nodePort"].as_i64());
                kept.unwrap_or_else(|| {
                    (30000..=32767)
                        .find(|p| !taken.contains(p) && !used.contains(p))
                        .unwrap_or(0)
                })
            }
        };
        used.insert(node_port);
        port["nodePort"] = node_port.into();
    }
    None
}

fn stamp(object: &mut Json, resource_version: u64, namespace: &str) {
    let meta = &mut object["metadata"];
    meta["resourceVersion"] = resource_version.to_string().into();
    meta["uid"] = format!("00000000-0000-4000-8000-{resource_version:012}").into();
    meta["creationTimestamp"] = "2026-11-28T00:00:00Z".into();
    meta["generation"] = 1.into();
    if !namespace.is_empty() {
        meta["namespace"] = namespace.into();
    }
}

fn server_side_apply(
    store: &mut Store,
    key: (String, String, String, String),
    applied: Json,
    manager: &str,
    force: bool,
    kind: &str,
    api_version: &str,
) -> Response {
    if applied["kind"].as_str() != Some(kind) || applied["apiVersion"].as_str() != Some(api_version) {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("apply of {kind} got kind {} {}", applied["apiVersion"], applied["kind"]),
        );
    }
    let mut applied = applied;
    if kind == "Service"
        && let Some(refused) = node_ports(store, &key, &mut applied)
    {
        return refused;
    }
    let mut applied_fields = BTreeSet::new();
    leaves(&applied, "", &mut applied_fields);
    store.resource_version += 1;
    let rv = store.resource_version;
    let namespace = key.2.clone();
    match store.objects.get_mut(&key) {
        None => {
            let mut created = applied;
            stamp(&mut created, rv, &namespace);
            store.objects.insert(
                key,
                Object {
                    json: created.clone(),
                    managed: BTreeMap::from([(manager.to_string(), applied_fields)]),
                    changed: Instant::now(),
                },
            );
            (
                StatusCode::CREATED,
                [("content-type", "application/json")],
                created.to_string(),
            )
                .into_response()
        }
        Some(object) => {
            let conflicts: Vec<String> = object
                .managed
                .iter()
                .filter(|(m, _)| m.as_str() != manager)
                .flat_map(|(m, fields)| fields.iter().map(move |f| (m, f)))
                .filter(|(_, f)| applied_fields.contains(*f) && at(&object.json, f) != at(&applied, f))
                .map(|(m, f)| format!("conflict with \"{m}\": {f}"))
                .collect();
            if !conflicts.is_empty() && !force {
                store.resource_version -= 1;
                return status(
                    StatusCode::CONFLICT,
                    "Conflict",
                    format!(
                        "Apply failed with {} conflicts: {}",
                        conflicts.len(),
                        conflicts.join(", ")
                    ),
                );
            }
            let before = object.json.clone();
            let previously: BTreeSet<String> = object.managed.get(manager).cloned().unwrap_or_default();
            for gone in previously.difference(&applied_fields) {
                remove(&mut object.json, gone);
            }
            merge(&mut object.json, &applied);
            for (m, fields) in object.managed.iter_mut() {
                if m != manager {
                    fields.retain(|f| !applied_fields.contains(f));
                }
            }
            object.managed.insert(manager.to_string(), applied_fields);
            for field in ["resourceVersion", "uid", "creationTimestamp", "generation"] {
                object.json["metadata"][field] = before["metadata"][field].clone();
            }
            if before != object.json {
                object.json["metadata"]["resourceVersion"] = rv.to_string().into();
                if before.get("spec") != object.json.get("spec") {
                    let generation = before["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
                    object.json["metadata"]["generation"] = generation.into();
                    object.changed = Instant::now();
                }
            } else {
                store.resource_version -= 1;
            }
            ok(object.json.clone())
        }
    }
}
