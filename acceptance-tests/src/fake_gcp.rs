//! A fake of Google Cloud's Compute Engine, IAM and Resource Manager REST APIs for tests, on 127.0.0.1, following the
//! public API closely enough that google-cloud-rust cannot tell: Google's paths
//! (`/compute/v1/projects/{project}/global/images/{name}`), self links, Google's error body
//! (`{"error": {"code", "message", "status", "errors": [{"domain", "reason", "message"}]}}`)
//! with 404 notFound, 409 alreadyExists, 412 conditionNotMet on a stale label fingerprint and
//! 400 invalid on bad names; long-running operations that go PENDING, RUNNING, DONE across
//! polls of `global/operations/{name}` (or on their own after 2 s, polled or not, as Google's
//! run whether anyone waits) and can end in an error; list pagination with
//! `maxResults` / `nextPageToken`; `requestId` on changes (a repeat answers the first
//! request's operation and does not act again).
//!
//! Served so far: images (insert, get, getFromFamily, list, delete, setLabels); instance
//! templates, health checks and firewalls (global), managed instance groups and autoscalers
//! (regional) with insert, get, list, patch (fingerprint checked when given), resize and
//! delete; global and regional operations (get). References are checked as Compute checks
//! them: a group's template and health check, an autoscaler's group must exist (404), and a
//! resource another one uses cannot be deleted (400 resourceInUseByAnotherResource).
//! IAM service accounts, keys and policies, and the project's policy (Resource Manager), are
//! served as described in the `iam` module.
//! Test-only extras are methods on [`FakeGcp`] (seed a public image, make
//! the next operation fail, count requests).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

mod iam;
pub mod storage;

/// Polls an operation answers before it is DONE: one PENDING, one RUNNING.
const POLLS_UNTIL_DONE: u32 = 2;
/// As at Google, an operation also finishes on its own, polled or not (a client that died
/// mid-wait must find the image READY later): after this long.
const OPERATION_TIME: std::time::Duration = std::time::Duration::from_secs(2);

struct PendingOperation {
    operation: Json,
    polls: u32,
    started: std::time::Instant,
    /// Applied when the operation finishes: what the API call does to the resource.
    effect: Effect,
    /// Set when the operation is to end in this error (reason, message).
    failure: Option<(String, String)>,
}

enum Effect {
    ImageReady {
        project: String,
        name: String,
    },
    /// A resource stored at insert: a failed operation removes it again.
    Inserted {
        project: String,
        collection: String,
        name: String,
    },
    Delete {
        project: String,
        collection: String,
        name: String,
    },
    None,
}

#[derive(Default)]
struct Store {
    /// (project, collection e.g. "global/images", name) -> resource.
    resources: BTreeMap<(String, String, String), Json>,
    /// (project, scope: "global" or "regions/R", operation name) -> operation.
    operations: BTreeMap<(String, String, String), PendingOperation>,
    next_id: u64,
    /// Operations to let succeed, then the reason and message the next one ends with.
    fail_next: Option<(usize, String, String)>,
    requests: usize,
    base: String,
    /// The operation most recently started, and the one each `requestId` started.
    last_operation: Option<(String, String, String)>,
    request_ids: BTreeMap<String, (String, String, String)>,
    /// IAM: (project, email) -> service account, and its keys (without their key files).
    accounts: BTreeMap<(String, String), Json>,
    keys: BTreeMap<(String, String), Vec<Json>>,
    /// IAM policies by resource (`projects/P`, `projects/P/serviceAccounts/EMAIL`).
    policies: BTreeMap<String, Json>,
    policy_writes: u64,
    /// IAM custom roles: (project, role id) -> role; a deleted one stays, `deleted: true`.
    roles: BTreeMap<(String, String), Json>,
    /// Requests to IAM and Resource Manager (every path but `/compute/` and `/storage/`).
    iam_requests: usize,
    /// Cloud Storage's buckets, for the JSON API's reads of them.
    buckets: storage::SharedBuckets,
}

type Shared = Arc<Mutex<Store>>;

/// The fake, serving until dropped.
pub struct FakeGcp {
    pub url: String,
    /// Cloud Storage's gRPC endpoint (HTTP/2), for the provider's `gcp.endpoints.storage`.
    pub storage_url: String,
    store: Shared,
    buckets: storage::SharedBuckets,
    _server: crate::serve::Served,
    _storage: crate::serve::Served,
}

impl FakeGcp {
    pub fn start() -> FakeGcp {
        let buckets = storage::SharedBuckets::default();
        let store: Shared = Arc::new(Mutex::new(Store {
            buckets: buckets.clone(),
            ..Store::default()
        }));
        let app = axum::Router::new().fallback(handle).with_state(store.clone());
        let server = crate::serve::Served::start(app);
        // Self links name the fake's own address, as Google's name googleapis.com.
        store.lock().unwrap().base = server.url.clone();
        let storage = storage::serve(buckets.clone());
        FakeGcp {
            url: server.url.clone(),
            storage_url: storage.url.clone(),
            store,
            buckets,
            _server: server,
            _storage: storage,
        }
    }

    /// A READY image in `project`, as a public image project (e.g. ubuntu-os-cloud) holds it.
    pub fn seed_image(&self, project: &str, name: &str, family: &str) {
        let mut store = self.store.lock().unwrap();
        let id = store.id();
        let mut image = json!({
            "kind": "compute#image",
            "id": id.to_string(),
            "name": name,
            "family": family,
            "status": "READY",
            "diskSizeGb": "10",
            "creationTimestamp": timestamp(id),
            "labelFingerprint": fingerprint(&json!({})),
        });
        image["selfLink"] = store.self_link(project, "global/images", name).into();
        store
            .resources
            .insert((project.into(), "global/images".into(), name.into()), image);
    }

    /// The next operation started ends DONE with this error instead of doing its work.
    pub fn fail_next_operation(&self, reason: &str, message: &str) {
        self.fail_operation_after(0, reason, message);
    }

    /// The next `succeeding` operations work; the one after ends DONE with this error.
    pub fn fail_operation_after(&self, succeeding: usize, reason: &str, message: &str) {
        self.store.lock().unwrap().fail_next = Some((succeeding, reason.into(), message.into()));
    }

    /// Stores a resource as someone else (the console, another tool) made it.
    pub fn insert(&self, project: &str, collection: &str, mut resource: Json) {
        let mut store = self.store.lock().unwrap();
        let name = resource["name"].as_str().unwrap_or_default().to_string();
        let id = store.id();
        resource["id"] = id.to_string().into();
        resource["selfLink"] = store.self_link(project, collection, &name).into();
        store
            .resources
            .insert((project.into(), collection.into(), name), resource);
    }

    /// A resource as the API holds it.
    pub fn get(&self, project: &str, collection: &str, name: &str) -> Option<Json> {
        let store = self.store.lock().unwrap();
        store
            .resources
            .get(&(project.into(), collection.into(), name.into()))
            .cloned()
    }

    /// Names in a collection of a project.
    pub fn names(&self, project: &str, collection: &str) -> Vec<String> {
        let store = self.store.lock().unwrap();
        store
            .resources
            .keys()
            .filter(|(p, c, _)| p == project && c == collection)
            .map(|(.., n)| n.clone())
            .collect()
    }

    /// Every object of the kinds the GCP resources make (images, instance templates, health
    /// checks, firewall rules, service accounts, custom roles not deleted, buckets, and in
    /// `region` groups, autoscalers, health checks, backend services and forwarding rules), by
    /// collection.
    pub fn inventory(&self, project: &str, region: &str) -> BTreeMap<String, Vec<String>> {
        let regional = |kind: &str| format!("regions/{region}/{kind}");
        [
            "global/images".to_string(),
            "global/instanceTemplates".into(),
            "global/healthChecks".into(),
            "global/firewalls".into(),
            regional("instanceGroupManagers"),
            regional("autoscalers"),
            regional("healthChecks"),
            regional("backendServices"),
            regional("forwardingRules"),
        ]
        .into_iter()
        .map(|collection| {
            let names = self.names(project, &collection);
            (collection, names)
        })
        .chain([
            ("serviceAccounts".to_string(), self.service_accounts(project)),
            ("roles".to_string(), self.custom_roles(project)),
            ("buckets".to_string(), self.buckets(project)),
        ])
        .collect()
    }

    /// The ids of a project's custom roles that are not deleted.
    pub fn custom_roles(&self, project: &str) -> Vec<String> {
        let store = self.store.lock().unwrap();
        store
            .roles
            .iter()
            .filter(|((p, _), role)| p == project && role["deleted"] != true)
            .map(|((_, id), _)| id.clone())
            .collect()
    }

    /// A custom role as IAM holds it (deleted ones too).
    pub fn custom_role(&self, project: &str, id: &str) -> Option<Json> {
        self.store
            .lock()
            .unwrap()
            .roles
            .get(&(project.into(), id.into()))
            .cloned()
    }

    /// The emails of a project's service accounts.
    pub fn service_accounts(&self, project: &str) -> Vec<String> {
        let store = self.store.lock().unwrap();
        store
            .accounts
            .keys()
            .filter(|(p, _)| p == project)
            .map(|(_, email)| email.clone())
            .collect()
    }

    /// Changes a resource behind the provider's back (drift), as the console would.
    pub fn edit(&self, project: &str, collection: &str, name: &str, edit: impl FnOnce(&mut Json)) {
        let mut store = self.store.lock().unwrap();
        if let Some(resource) = store
            .resources
            .get_mut(&(project.into(), collection.into(), name.into()))
        {
            edit(resource);
        }
    }

    /// Deletes a resource behind the provider's back.
    pub fn remove(&self, project: &str, collection: &str, name: &str) -> bool {
        let mut store = self.store.lock().unwrap();
        store
            .resources
            .remove(&(project.into(), collection.into(), name.into()))
            .is_some()
    }

    /// A bucket as Cloud Storage holds it.
    pub fn bucket(&self, name: &str) -> Option<storage::pb::Bucket> {
        self.buckets.lock().unwrap().buckets.get(name).cloned()
    }

    /// A bucket's IAM policy.
    pub fn bucket_policy(&self, name: &str) -> Option<storage::pb::Policy> {
        self.buckets.lock().unwrap().policies.get(name).cloned()
    }

    /// Changes a bucket behind the provider's back.
    pub fn edit_bucket(&self, name: &str, edit: impl FnOnce(&mut storage::pb::Bucket)) {
        if let Some(bucket) = self.buckets.lock().unwrap().buckets.get_mut(name) {
            edit(bucket);
        }
    }

    /// Puts `count` objects in a bucket, each with an old generation beside the live one (as
    /// the server's writes to a versioned bucket leave them).
    pub fn put_objects(&self, name: &str, count: usize) {
        self.buckets.lock().unwrap().put_objects(name, count);
    }

    /// How many object generations a bucket holds.
    pub fn object_count(&self, name: &str) -> usize {
        self.buckets.lock().unwrap().objects.get(name).map_or(0, Vec::len)
    }

    /// Deletes every object of a bucket.
    pub fn clear_objects(&self, name: &str) {
        self.buckets.lock().unwrap().objects.remove(name);
    }

    /// A bucket made by someone else (the console, another tool), with `labels`.
    pub fn create_bucket(&self, project: &str, name: &str, labels: &[(&str, &str)]) {
        let bucket = storage::pb::Bucket {
            project: format!("projects/{project}"),
            location: "US".into(),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        };
        let request = storage::pb::CreateBucketRequest {
            parent: "projects/_".into(),
            bucket: Some(bucket),
            bucket_id: name.into(),
        };
        self.buckets.lock().unwrap().create(request).expect("a new bucket");
    }

    /// Deletes a bucket behind the provider's back.
    pub fn remove_bucket(&self, name: &str) {
        let mut buckets = self.buckets.lock().unwrap();
        buckets.buckets.remove(name);
        buckets.policies.remove(name);
    }

    /// The names of the buckets of a project.
    pub fn buckets(&self, project: &str) -> Vec<String> {
        let buckets = self.buckets.lock().unwrap();
        buckets
            .buckets
            .values()
            .filter(|b| b.project == format!("projects/{}", storage::project_number(project)))
            .map(|b| b.bucket_id.clone())
            .collect()
    }

    /// A service account as IAM holds it (by email).
    pub fn service_account(&self, project: &str, email: &str) -> Option<Json> {
        let store = self.store.lock().unwrap();
        store.accounts.get(&(project.into(), email.into())).cloned()
    }

    /// The names of a service account's user-managed keys.
    pub fn service_account_keys(&self, project: &str, email: &str) -> Vec<String> {
        let store = self.store.lock().unwrap();
        store
            .keys
            .get(&(project.into(), email.into()))
            .into_iter()
            .flatten()
            .filter_map(|k| k["name"].as_str().map(str::to_string))
            .collect()
    }

    /// An IAM policy (`projects/P` or `projects/P/serviceAccounts/EMAIL`), as getIamPolicy answers.
    pub fn iam_policy(&self, resource: &str) -> Json {
        self.store.lock().unwrap().get_policy(resource)
    }

    /// The members `resource`'s policy grants `role`.
    pub fn members(&self, resource: &str, role: &str) -> Vec<String> {
        self.iam_policy(resource)["bindings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["role"] == role)
            .flat_map(|b| b["members"].as_array().cloned().unwrap_or_default())
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect()
    }

    /// Changes a custom role as someone in the console would.
    pub fn edit_custom_role(&self, project: &str, id: &str, edit: impl FnOnce(&mut Json)) {
        let mut store = self.store.lock().unwrap();
        let role = store
            .roles
            .get_mut(&(project.into(), id.into()))
            .unwrap_or_else(|| panic!("no custom role {id} in {project}"));
        edit(role);
    }
    /// Changes an IAM policy behind the provider's back (a new etag, as any write makes).
    pub fn edit_iam_policy(&self, resource: &str, edit: impl FnOnce(&mut Json)) {
        let mut store = self.store.lock().unwrap();
        let mut policy = store.get_policy(resource);
        edit(&mut policy);
        policy["etag"] = Json::Null;
        let body = json!({ "policy": policy });
        let _ = store.set_policy(resource, body);
    }

    /// Requests to IAM and Resource Manager alone.
    pub fn iam_request_count(&self) -> usize {
        self.store.lock().unwrap().iam_requests
    }

    /// Requests served by the REST APIs and Cloud Storage's gRPC API together.
    pub fn request_count(&self) -> usize {
        self.store.lock().unwrap().requests + self.buckets.lock().unwrap().requests
    }
}

impl Store {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        // Google's ids are large numbers; keep them distinct from small counters.
        4_000_000_000_000_000_000 + self.next_id
    }

    fn self_link(&self, project: &str, collection: &str, name: &str) -> String {
        format!("{}/compute/v1/projects/{project}/{collection}/{name}", self.base)
    }

    /// Starts an operation on `target`; it finishes (and `effect` happens) on a later poll.
    fn operation(&mut self, project: &str, kind: &str, target: &str, effect: Effect) -> Json {
        self.scoped_operation(project, "global", kind, target, effect)
    }

    /// Starts an operation in `scope` (`global` or `regions/R`).
    fn scoped_operation(&mut self, project: &str, scope: &str, kind: &str, target: &str, effect: Effect) -> Json {
        let id = self.id();
        let name = format!("operation-{id}");
        let mut operation = json!({
            "kind": "compute#operation",
            "id": id.to_string(),
            "name": name,
            "operationType": kind,
            "targetLink": target,
            "status": "PENDING",
            "progress": 0,
            "insertTime": timestamp(id),
            "selfLink": self.self_link(project, &format!("{scope}/operations"), &name),
        });
        if let Some(region) = scope.strip_prefix("regions/") {
            operation["region"] = format!("{}/compute/v1/projects/{project}/regions/{region}", self.base).into();
        }
        let failure = match self.fail_next.take() {
            Some((0, reason, message)) => Some((reason, message)),
            Some((n, reason, message)) => {
                self.fail_next = Some((n - 1, reason, message));
                None
            }
            None => None,
        };
        self.last_operation = Some((project.into(), scope.into(), name.clone()));
        self.operations.insert(
            (project.into(), scope.into(), name),
            PendingOperation {
                operation: operation.clone(),
                polls: 0,
                started: std::time::Instant::now(),
                effect,
                failure,
            },
        );
        operation
    }

    fn poll(&mut self, project: &str, scope: &str, name: &str) -> Response {
        let key = (project.to_string(), scope.to_string(), name.to_string());
        let Some(pending) = self.operations.get_mut(&key) else {
            return not_found(project, &format!("{scope}/operations"), name);
        };
        if pending.operation["status"] == "DONE" {
            return ok(pending.operation.clone());
        }
        pending.polls += 1;
        if pending.polls < POLLS_UNTIL_DONE {
            pending.operation["status"] = "RUNNING".into();
            pending.operation["progress"] = 50.into();
            return ok(pending.operation.clone());
        }
        ok(self.finish(&key))
    }

    /// Finishes every operation that has run for [`OPERATION_TIME`], polled or not.
    fn finish_due(&mut self) {
        let due: Vec<_> = self
            .operations
            .iter()
            .filter(|(_, p)| p.operation["status"] != "DONE" && p.started.elapsed() >= OPERATION_TIME)
            .map(|(key, _)| key.clone())
            .collect();
        for key in due {
            self.finish(&key);
        }
    }

    /// Marks the operation DONE and does what it does (or, when it fails, undoes its insert).
    fn finish(&mut self, key: &(String, String, String)) -> Json {
        let pending = self.operations.get_mut(key).expect("a known operation");
        pending.operation["status"] = "DONE".into();
        pending.operation["progress"] = 100.into();
        let effect = std::mem::replace(&mut pending.effect, Effect::None);
        if let Some((reason, message)) = pending.failure.clone() {
            pending.operation["error"] = json!({ "errors": [{ "code": reason, "message": message }] });
            pending.operation["httpErrorStatusCode"] = 400.into();
            pending.operation["httpErrorMessage"] = "BAD REQUEST".into();
            let operation = pending.operation.clone();
            // A failed insert leaves nothing behind.
            match effect {
                Effect::ImageReady { project, name } => {
                    self.resources.remove(&(project, "global/images".into(), name));
                }
                Effect::Inserted {
                    project,
                    collection,
                    name,
                } => {
                    self.resources.remove(&(project, collection, name));
                }
                _ => {}
            }
            return operation;
        }
        let operation = pending.operation.clone();
        match effect {
            Effect::ImageReady { project, name } => {
                if let Some(image) = self.resources.get_mut(&(project, "global/images".into(), name)) {
                    image["status"] = "READY".into();
                }
            }
            Effect::Delete {
                project,
                collection,
                name,
            } => {
                self.resources.remove(&(project, collection, name));
            }
            Effect::Inserted { .. } | Effect::None => {}
        }
        operation
    }
}

fn timestamp(id: u64) -> String {
    // Ordered like the ids, which is all that listings by creation time need.
    format!("2026-12-01T00:{:02}:{:02}.000-08:00", (id / 60) % 60, id % 60)
}

/// Fingerprints are opaque; any digest behaves like Google's. Compute's `format: byte` fields
/// are padded base64 with the URL-safe alphabet (Google's discovery documents define it so).
fn fingerprint(labels: &Json) -> String {
    use base64::Engine;
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in labels.to_string().bytes() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    base64::engine::general_purpose::URL_SAFE.encode(hash.to_be_bytes())
}

fn status_name(code: StatusCode) -> &'static str {
    match code.as_u16() {
        400 => "INVALID_ARGUMENT",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        _ => "UNKNOWN",
    }
}

/// Google's JSON error body.
fn error(code: StatusCode, reason: &str, message: &str) -> Response {
    error_with_status(code, status_name(code), reason, message)
}

/// Google's JSON error body with a status other than the code's usual one (409 ABORTED).
fn error_with_status(code: StatusCode, status: &str, reason: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "code": code.as_u16(),
            "message": message,
            "errors": [{ "message": message, "domain": "global", "reason": reason }],
            "status": status,
        }
    });
    (
        code,
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn ok(body: Json) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// Compute's resource names: RFC 1035 labels of at most 63 characters.
fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !name.ends_with('-')
}

/// Compute's answer to a bad resource name.
fn invalid_name(name: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid",
        &format!(
            "Invalid value for field 'resource.name': '{name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,61}}[a-z0-9])?)'"
        ),
    )
}

fn query(uri: &axum::http::Uri, key: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
}

async fn handle(State(store): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
    let mut store = store.lock().unwrap();
    store.requests += 1;
    store.finish_due();
    let body: Json = if body.is_empty() {
        Json::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(json) => json,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "parseError",
                    &format!("Invalid JSON payload received. {e}"),
                );
            }
        }
    };
    // Compute's `requestId`: a repeat of a request is answered with the first one's operation
    // (as it is now) instead of acting twice.
    let request_id = query(&parts.uri, "requestId").filter(|_| parts.method != Method::GET);
    if let Some(id) = &request_id {
        if !valid_request_id(id) {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid",
                &format!(
                    "Invalid value for field 'requestId': '{id}'. The request ID must be a valid UUID with the exception that zero UUID is not supported."
                ),
            );
        }
        if let Some(key) = store.request_ids.get(id).cloned()
            && let Some(pending) = store.operations.get(&key)
        {
            return ok(pending.operation.clone());
        }
    }
    let before = store.last_operation.clone();
    let response = route(&mut store, &parts.method, &parts.uri, body);
    if let Some(id) = request_id
        && store.last_operation != before
        && let Some(key) = store.last_operation.clone()
    {
        store.request_ids.insert(id, key);
    }
    response
}

/// A UUID in its 8-4-4-4-12 hex form, not all zeros.
fn valid_request_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
        && id.chars().any(|c| c != '0' && c != '-')
}

/// Cloud Storage's JSON API reads: `{bucket}` and `{bucket}/iam`; `None` for other requests.
fn storage_json(store: &Store, method: &Method, rest: &str) -> Option<Response> {
    if method != Method::GET {
        return None;
    }
    let (name, iam) = match rest.strip_suffix("/iam") {
        Some(name) => (name, true),
        None => (rest, false),
    };
    let buckets = store.buckets.lock().unwrap();
    let found = if iam {
        buckets.json_policy(name)
    } else {
        buckets.json_bucket(name)
    };
    Some(match found {
        Some(json) => ok(json),
        None => error(
            StatusCode::NOT_FOUND,
            "notFound",
            &format!("The specified bucket does not exist: {name}"),
        ),
    })
}

fn route(store: &mut Store, method: &Method, uri: &axum::http::Uri, body: Json) -> Response {
    if let Some(rest) = uri.path().strip_prefix("/storage/v1/b/") {
        return storage_json(store, method, rest).unwrap_or_else(|| unserved(method, uri));
    }
    if !uri.path().starts_with("/compute/") {
        store.iam_requests += 1;
        return iam::route(store, method, uri.path(), uri.query(), body).unwrap_or_else(|| unserved(method, uri));
    }
    let segments: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    match (method, segments.as_slice()) {
        (&Method::GET, ["compute", "v1", "projects", project, "global", "operations", name]) => {
            store.poll(project, "global", name)
        }
        (
            &Method::GET,
            [
                "compute",
                "v1",
                "projects",
                project,
                "regions",
                region,
                "operations",
                name,
            ],
        ) => store.poll(project, &format!("regions/{region}"), name),
        (&Method::POST, ["compute", "v1", "projects", project, "global", "images"]) => {
            insert_image(store, project, body)
        }
        (&Method::GET, ["compute", "v1", "projects", project, "global", "images"]) => {
            list(store, project, "global/images", uri)
        }
        (
            &Method::GET,
            [
                "compute",
                "v1",
                "projects",
                project,
                "global",
                "images",
                "family",
                family,
            ],
        ) => image_from_family(store, project, family),
        (&Method::GET, ["compute", "v1", "projects", project, "global", "images", name]) => {
            match store
                .resources
                .get(&(project.to_string(), "global/images".into(), name.to_string()))
            {
                Some(image) => ok(image.clone()),
                None => not_found(project, "global/images", name),
            }
        }
        (&Method::DELETE, ["compute", "v1", "projects", project, "global", "images", name]) => {
            let key = (project.to_string(), "global/images".to_string(), name.to_string());
            if !store.resources.contains_key(&key) {
                return not_found(project, "global/images", name);
            }
            let target = store.self_link(project, "global/images", name);
            let effect = Effect::Delete {
                project: project.to_string(),
                collection: "global/images".into(),
                name: name.to_string(),
            };
            ok(store.operation(project, "delete", &target, effect))
        }
        (
            &Method::POST,
            [
                "compute",
                "v1",
                "projects",
                project,
                "global",
                "images",
                name,
                "setLabels",
            ],
        ) => set_labels(store, project, "global", "global/images", name, body),
        (_, ["compute", "v1", "projects", project, rest @ ..]) => match generic_path(rest) {
            Some((scope, collection, name, verb)) => {
                generic(store, method, uri, project, &scope, collection, name, verb, body)
            }
            None => unserved(method, uri),
        },
        _ => unserved(method, uri),
    }
}

fn unserved(method: &Method, uri: &axum::http::Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "notFound",
        &format!("The fake GCP does not serve {method} {}", uri.path()),
    )
}

/// The plain collections: global instance templates, health checks and firewalls; regional
/// managed instance groups, autoscalers, health checks, backend services and forwarding rules.
const GLOBAL_COLLECTIONS: &[&str] = &["instanceTemplates", "healthChecks", "firewalls"];
const REGIONAL_COLLECTIONS: &[&str] = &[
    "instanceGroupManagers",
    "autoscalers",
    "healthChecks",
    "backendServices",
    "forwardingRules",
];

type Path<'a> = (String, &'a str, Option<&'a str>, Option<&'a str>);

/// `global/C[/N[/verb]]` or `regions/R/C[/N[/verb]]` -> (scope, collection, name, verb).
fn generic_path<'a>(rest: &[&'a str]) -> Option<Path<'a>> {
    let (scope, tail) = match rest {
        ["global", tail @ ..] => ("global".to_string(), tail),
        ["regions", region, tail @ ..] => (format!("regions/{region}"), tail),
        _ => return None,
    };
    let (collection, name, verb) = match tail {
        [c] => (*c, None, None),
        [c, n] => (*c, Some(*n), None),
        [c, n, v] => (*c, Some(*n), Some(*v)),
        _ => return None,
    };
    let known = if scope == "global" {
        GLOBAL_COLLECTIONS
    } else {
        REGIONAL_COLLECTIONS
    };
    known.contains(&collection).then_some((scope, collection, name, verb))
}

/// The store key a resource URL names, when that resource exists: `.../global/C/NAME` or
/// `.../regions/R/C/NAME` (full URL or `projects/...` path).
fn referenced(store: &Store, link: &str) -> Option<(String, String, String)> {
    let rest = &link[link.find("projects/")? + "projects/".len()..];
    let parts: Vec<&str> = rest.split('/').collect();
    let key = match parts.as_slice() {
        [p, "global", c, n] => (p.to_string(), format!("global/{c}"), n.to_string()),
        [p, "regions", r, c, n] => (p.to_string(), format!("regions/{r}/{c}"), n.to_string()),
        _ => return None,
    };
    store.resources.contains_key(&key).then_some(key)
}

/// What a resource refers to and must exist, by field.
fn references(resource: &Json) -> Vec<String> {
    let mut links = Vec::new();
    for field in ["instanceTemplate", "target", "backendService"] {
        links.extend(resource[field].as_str().map(str::to_string));
    }
    for check in resource["healthChecks"].as_array().into_iter().flatten() {
        links.extend(check.as_str().map(str::to_string));
    }
    for policy in resource["autoHealingPolicies"].as_array().into_iter().flatten() {
        links.extend(policy["healthCheck"].as_str().map(str::to_string));
    }
    links
}

/// Which resources use `key`: Compute refuses to delete a resource another one uses.
fn users(store: &Store, key: &(String, String, String)) -> Vec<String> {
    store
        .resources
        .iter()
        .filter(|(other, resource)| {
            *other != key
                && references(resource)
                    .iter()
                    .any(|link| referenced(store, link).as_ref() == Some(key))
        })
        .map(|(_, r)| r["selfLink"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn missing_reference(store: &Store, resource: &Json) -> Option<Response> {
    let missing = references(resource)
        .into_iter()
        .find(|l| referenced(store, l).is_none())?;
    Some(error(
        StatusCode::NOT_FOUND,
        "notFound",
        &format!("The resource '{missing}' was not found"),
    ))
}

#[allow(clippy::too_many_arguments)]
fn generic(
    store: &mut Store,
    method: &Method,
    uri: &axum::http::Uri,
    project: &str,
    scope: &str,
    collection: &str,
    name: Option<&str>,
    verb: Option<&str>,
    body: Json,
) -> Response {
    let path = format!("{scope}/{collection}");
    // Autoscalers' patch and update name their target in the query: `?autoscaler=NAME`.
    let from_query = query(uri, "autoscaler");
    let (method, name) = match (method, name, from_query.as_deref()) {
        (&Method::PATCH | &Method::PUT, None, Some(named)) => (&Method::PATCH, Some(named)),
        _ => (method, name),
    };
    match (method, name, verb) {
        (&Method::GET, None, None) => list(store, project, &path, uri),
        (&Method::POST, None, None) => {
            let name = body["name"].as_str().unwrap_or_default().to_string();
            if !valid_name(&name) {
                return invalid_name(&name);
            }
            let key = (project.to_string(), path.clone(), name.clone());
            if store.resources.contains_key(&key) {
                return error(
                    StatusCode::CONFLICT,
                    "alreadyExists",
                    &format!("The resource 'projects/{project}/{path}/{name}' already exists"),
                );
            }
            if let Some(refused) = missing_reference(store, &body) {
                return refused;
            }
            let id = store.id();
            let mut resource = body.clone();
            resource["id"] = id.to_string().into();
            resource["creationTimestamp"] = timestamp(id).into();
            resource["selfLink"] = store.self_link(project, &path, &name).into();
            resource["fingerprint"] = fingerprint(&json!(id)).into();
            if collection == "forwardingRules" {
                // Compute picks an address when none is asked for: from the subnetwork for an
                // internal rule, from Google's pool for an external one.
                if resource["IPAddress"].is_null() {
                    let host = id % 250 + 2;
                    resource["IPAddress"] = if body["loadBalancingScheme"] == "INTERNAL" {
                        format!("10.128.0.{host}")
                    } else {
                        format!("34.118.{}.{host}", id % 200)
                    }
                    .into();
                }
                resource["kind"] = "compute#forwardingRule".into();
                // An internal rule is in a subnetwork: the network's own in the region (auto
                // mode) when none is named.
                if body["loadBalancingScheme"] == "INTERNAL" && resource["subnetwork"].is_null() {
                    let network = body["network"]
                        .as_str()
                        .map(|n| n.rsplit('/').next().unwrap_or(n))
                        .unwrap_or("default");
                    resource["subnetwork"] = store
                        .self_link(project, &format!("{scope}/subnetworks"), network)
                        .into();
                }
                let labels = if body["labels"].is_object() {
                    body["labels"].clone()
                } else {
                    json!({})
                };
                resource["labelFingerprint"] = fingerprint(&labels).into();
            }
            if collection == "instanceGroupManagers" {
                resource["kind"] = "compute#instanceGroupManager".into();
                resource["instanceGroup"] = store
                    .self_link(project, &format!("{scope}/instanceGroups"), &name)
                    .into();
                resource["status"] = json!({ "isStable": true });
            }
            store.resources.insert(key, resource);
            let target = store.self_link(project, &path, &name);
            let effect = Effect::Inserted {
                project: project.to_string(),
                collection: path.clone(),
                name,
            };
            ok(store.scoped_operation(project, scope, "insert", &target, effect))
        }
        (&Method::GET, Some(name), None) => {
            match store
                .resources
                .get(&(project.to_string(), path.clone(), name.to_string()))
            {
                Some(resource) => ok(resource.clone()),
                None => not_found(project, &path, name),
            }
        }
        (&Method::PATCH, Some(name), None) => {
            let key = (project.to_string(), path.clone(), name.to_string());
            if let Some(refused) = missing_reference(store, &body) {
                return refused;
            }
            let Some(resource) = store.resources.get_mut(&key) else {
                return not_found(project, &path, name);
            };
            if let Some(given) = body["fingerprint"].as_str()
                && resource["fingerprint"].as_str() != Some(given)
            {
                return error(
                    StatusCode::PRECONDITION_FAILED,
                    "conditionNotMet",
                    &format!(
                        "Supplied fingerprint does not match current metadata fingerprint of 'projects/{project}/{path}/{name}'"
                    ),
                );
            }
            if let (Some(into), Some(from)) = (resource.as_object_mut(), body.as_object()) {
                for (k, v) in from {
                    if k != "fingerprint" && k != "name" {
                        into.insert(k.clone(), v.clone());
                    }
                }
            }
            let id = resource["id"].clone();
            resource["fingerprint"] = fingerprint(&json!([id, body])).into();
            let target = store.self_link(project, &path, name);
            ok(store.scoped_operation(project, scope, "patch", &target, Effect::None))
        }
        (&Method::POST, Some(name), Some("setLabels")) if collection == "forwardingRules" => {
            set_labels(store, project, scope, &path, name, body)
        }
        (&Method::POST, Some(name), Some("resize")) => {
            let key = (project.to_string(), path.clone(), name.to_string());
            let size: i64 = query(uri, "size").and_then(|s| s.parse().ok()).unwrap_or(-1);
            let Some(resource) = store.resources.get_mut(&key) else {
                return not_found(project, &path, name);
            };
            if size < 0 {
                return error(
                    StatusCode::BAD_REQUEST,
                    "required",
                    "Required parameter 'size' not specified or negative",
                );
            }
            resource["targetSize"] = size.into();
            let target = store.self_link(project, &path, name);
            ok(store.scoped_operation(project, scope, "resize", &target, Effect::None))
        }
        (&Method::DELETE, Some(name), None) => {
            let key = (project.to_string(), path.clone(), name.to_string());
            if !store.resources.contains_key(&key) {
                return not_found(project, &path, name);
            }
            let used_by = users(store, &key);
            if let Some(user) = used_by.first() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "resourceInUseByAnotherResource",
                    &format!("The resource 'projects/{project}/{path}/{name}' is already being used by '{user}'"),
                );
            }
            let target = store.self_link(project, &path, name);
            let effect = Effect::Delete {
                project: project.to_string(),
                collection: path.clone(),
                name: name.to_string(),
            };
            ok(store.scoped_operation(project, scope, "delete", &target, effect))
        }
        _ => unserved(method, uri),
    }
}

fn not_found(project: &str, collection: &str, name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "notFound",
        &format!("The resource 'projects/{project}/{collection}/{name}' was not found"),
    )
}

/// `projects/P/global/images/NAME` (or a full self link) -> (P, NAME).
fn image_path(link: &str) -> Option<(String, String)> {
    let rest = &link[link.find("projects/")? + "projects/".len()..];
    let mut parts = rest.split('/');
    let project = parts.next()?.to_string();
    match (parts.next()?, parts.next()?, parts.next()?, parts.next()) {
        ("global", "images", "family", Some(family)) => Some((project, format!("family/{family}"))),
        ("global", "images", name, None) => Some((project, name.to_string())),
        _ => None,
    }
}

fn insert_image(store: &mut Store, project: &str, body: Json) -> Response {
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if !valid_name(&name) {
        return invalid_name(&name);
    }
    let key = (project.to_string(), "global/images".to_string(), name.clone());
    if store.resources.contains_key(&key) {
        return error(
            StatusCode::CONFLICT,
            "alreadyExists",
            &format!("The resource 'projects/{project}/global/images/{name}' already exists"),
        );
    }
    let Some(source) = body["sourceImage"].as_str() else {
        return error(
            StatusCode::BAD_REQUEST,
            "required",
            "Required field 'resource.sourceImage' not specified (this fake copies images only)",
        );
    };
    let found = image_path(source).and_then(|(p, n)| {
        if let Some(family) = n.strip_prefix("family/") {
            newest_in_family(store, &p, family)
        } else {
            store.resources.get(&(p, "global/images".into(), n)).cloned()
        }
    });
    let Some(source_image) = found else {
        return error(
            StatusCode::NOT_FOUND,
            "notFound",
            &format!("The resource '{source}' was not found"),
        );
    };
    let id = store.id();
    let mut image = body.clone();
    let labels = if body["labels"].is_object() {
        body["labels"].clone()
    } else {
        json!({})
    };
    image["kind"] = "compute#image".into();
    image["id"] = id.to_string().into();
    image["status"] = "PENDING".into();
    image["creationTimestamp"] = timestamp(id).into();
    image["selfLink"] = store.self_link(project, "global/images", &name).into();
    image["sourceImage"] = source_image["selfLink"].clone();
    image["sourceImageId"] = source_image["id"].clone();
    image["sourceType"] = "RAW".into();
    image["diskSizeGb"] = source_image["diskSizeGb"].clone();
    image["labelFingerprint"] = fingerprint(&labels).into();
    image["labels"] = labels;
    store.resources.insert(key, image.clone());
    let effect = Effect::ImageReady {
        project: project.into(),
        name: name.clone(),
    };
    let target = store.self_link(project, "global/images", &name);
    ok(store.operation(project, "insert", &target, effect))
}

fn newest_in_family(store: &Store, project: &str, family: &str) -> Option<Json> {
    store
        .resources
        .iter()
        .filter(|((p, c, _), image)| {
            p == project
                && c == "global/images"
                && image["family"] == family
                && image["status"] == "READY"
                && image["deprecated"].is_null()
        })
        .map(|(_, image)| image)
        .max_by_key(|image| image["creationTimestamp"].as_str().unwrap_or_default().to_string())
        .cloned()
}

fn image_from_family(store: &Store, project: &str, family: &str) -> Response {
    match newest_in_family(store, project, family) {
        Some(image) => ok(image),
        None => not_found(project, "global/images/family", family),
    }
}

fn set_labels(store: &mut Store, project: &str, scope: &str, collection: &str, name: &str, body: Json) -> Response {
    let key = (project.to_string(), collection.to_string(), name.to_string());
    let Some(resource) = store.resources.get_mut(&key) else {
        return not_found(project, collection, name);
    };
    if body["labelFingerprint"] != resource["labelFingerprint"] {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "conditionNotMet",
            &format!(
                "Labels fingerprint either invalid or resource labels have changed (resource 'projects/{project}/{collection}/{name}')"
            ),
        );
    }
    let labels = if body["labels"].is_object() {
        body["labels"].clone()
    } else {
        json!({})
    };
    resource["labelFingerprint"] = fingerprint(&labels).into();
    resource["labels"] = labels;
    let target = store.self_link(project, collection, name);
    ok(store.scoped_operation(project, scope, "setLabels", &target, Effect::None))
}

/// A page of a collection, in name order, as `list` answers with `maxResults`/`pageToken`.
fn list(store: &Store, project: &str, collection: &str, uri: &axum::http::Uri) -> Response {
    let max: usize = query(uri, "maxResults").and_then(|m| m.parse().ok()).unwrap_or(500);
    let start: usize = query(uri, "pageToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let all: Vec<&Json> = store
        .resources
        .iter()
        .filter(|((p, c, _), _)| p == project && c == collection)
        .map(|(_, r)| r)
        .collect();
    let page: Vec<Json> = all.iter().skip(start).take(max).map(|r| (*r).clone()).collect();
    let mut body = json!({
        "kind": "compute#imageList",
        "id": format!("projects/{project}/{collection}"),
        "items": page,
        "selfLink": format!("{}/compute/v1/projects/{project}/{collection}", store.base),
    });
    if start + max < all.len() {
        body["nextPageToken"] = (start + max).to_string().into();
    }
    ok(body)
}
