//! IAM (`/v1/projects/{p}/serviceAccounts...`) and Resource Manager (`/v3/projects/{p}:...IamPolicy`)
//! as Google serves them: service accounts named by email, user-managed keys whose
//! `privateKeyData` is a base64 key file and is shown only once, IAM policies whose `etag`
//! changes on every write and, when a write carries an older one, is refused with 409 ABORTED
//! (Google's answer to concurrent read-modify-writes). A policy naming a service account of the
//! project that does not exist is refused with 400, and deleting a service account deletes its
//! keys and policy but leaves the project's bindings naming it (as `deleted:serviceAccount:...`).
//! Custom roles (`/v1/projects/{p}/roles`) are soft-deleted: a deleted role keeps its id (a
//! create of the id is refused, 409), can be undeleted, and cannot be granted to anyone new;
//! a policy binding a custom role that does not exist is refused with 400.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value as Json, json};

use super::{Store, error_with_status, ok};

/// The project policy a new fake project starts with: someone else's binding, which the
/// provider must leave alone.
pub fn initial_project_policy() -> Json {
    json!({ "version": 1, "bindings": [{ "role": "roles/owner", "members": ["user:owner@example.com"] }] })
}

/// `%40` and friends back to characters: clients may escape `@` and `:` in paths.
pub fn decode_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn etag(version: u64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("etag-{version}").as_bytes())
}

fn not_found(message: &str) -> Response {
    error_with_status(StatusCode::NOT_FOUND, "NOT_FOUND", "notFound", message)
}

fn account_email(project: &str, account_id: &str) -> String {
    format!("{account_id}@{project}.iam.gserviceaccount.com")
}

/// IAM's rule for account ids.
fn valid_account_id(id: &str) -> bool {
    (6..=30).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.ends_with('-')
}

impl Store {
    fn policy(&mut self, resource: &str) -> &mut Json {
        self.policies.entry(resource.to_string()).or_insert_with(|| {
            if resource.contains("/serviceAccounts/") {
                json!({ "version": 1 })
            } else {
                initial_project_policy()
            }
        })
    }

    pub(super) fn get_policy(&mut self, resource: &str) -> Json {
        if self.policy(resource).get("etag").is_none() {
            self.policy_writes += 1;
            let tag = etag(self.policy_writes);
            self.policy(resource)["etag"] = tag.into();
        }
        self.policy(resource).clone()
    }

    /// setIamPolicy: the etag, when given, must be the current one.
    pub(super) fn set_policy(&mut self, resource: &str, body: Json) -> Response {
        let mut policy = body["policy"].clone();
        if !policy.is_object() {
            return error_with_status(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                "badRequest",
                "Request contains an invalid argument: policy is required.",
            );
        }
        let current = self.get_policy(resource);
        if let Some(given) = policy["etag"].as_str()
            && !given.is_empty()
            && Some(given) != current["etag"].as_str()
        {
            return error_with_status(
                StatusCode::CONFLICT,
                "ABORTED",
                "aborted",
                "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
            );
        }
        let mut bindings = Vec::new();
        for binding in policy["bindings"].as_array().cloned().unwrap_or_default() {
            let members = binding["members"].as_array().cloned().unwrap_or_default();
            if let Some(refusal) = self.check_custom_role(&current, &binding) {
                return refusal;
            }
            for member in &members {
                let Some(email) = member.as_str().and_then(|m| m.strip_prefix("serviceAccount:")) else {
                    continue;
                };
                let project = email
                    .split_once('@')
                    .and_then(|(_, domain)| domain.strip_suffix(".iam.gserviceaccount.com"));
                if let Some(project) = project
                    && !self.accounts.contains_key(&(project.to_string(), email.to_string()))
                {
                    return error_with_status(
                        StatusCode::BAD_REQUEST,
                        "INVALID_ARGUMENT",
                        "badRequest",
                        &format!("Service account {email} does not exist."),
                    );
                }
            }
            if !members.is_empty() {
                bindings.push(binding);
            }
        }
        self.policy_writes += 1;
        policy["bindings"] = Json::Array(bindings);
        policy["etag"] = etag(self.policy_writes).into();
        policy["version"] = 1.into();
        *self.policy(resource) = policy.clone();
        ok(policy)
    }
}

impl Store {
    /// A binding of a custom role: the role must exist, and when deleted, gain no one.
    fn check_custom_role(&self, current: &Json, binding: &Json) -> Option<Response> {
        let role = binding["role"].as_str()?;
        let ["projects", project, "roles", id] = role.split('/').collect::<Vec<_>>()[..] else {
            return None;
        };
        let invalid = |message: String| {
            Some(error_with_status(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                "badRequest",
                &message,
            ))
        };
        let Some(found) = self.roles.get(&(project.to_string(), id.to_string())) else {
            return invalid(format!("Role ({role}) does not exist in the resource's hierarchy."));
        };
        if found["deleted"] == true {
            let had: Vec<&Json> = current["bindings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|b| b["role"] == role)
                .flat_map(|b| b["members"].as_array().into_iter().flatten())
                .collect();
            let gains = binding["members"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| !had.contains(&m));
            if gains {
                return invalid(format!("Role ({role}) is deleted: it cannot be granted."));
            }
        }
        None
    }
}

/// IAM's rule for custom role ids.
fn valid_role_id(id: &str) -> bool {
    (3..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// Custom roles: create, get, patch (by `updateMask`), delete (soft), undelete.
fn route_roles(
    store: &mut Store,
    method: &Method,
    project: &str,
    rest: &[&str],
    query: Option<&str>,
    body: Json,
) -> Option<Response> {
    let invalid = |message: &str| error_with_status(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "badRequest", message);
    let permissions_valid = |role: &Json| {
        role["includedPermissions"].as_array().into_iter().flatten().all(|p| {
            p.as_str()
                .is_some_and(|p| p.split('.').count() == 3 && !p.contains(' '))
        })
    };
    let response = match (method, rest) {
        (&Method::POST, []) => {
            let id = body["roleId"].as_str().unwrap_or_default();
            if !valid_role_id(id) {
                return Some(invalid(&format!(
                    "The role id {id:?} is invalid: 3 to 64 letters, digits, '_' and '.'."
                )));
            }
            if !permissions_valid(&body["role"]) {
                return Some(invalid("Permission names are SERVICE.RESOURCE.VERB."));
            }
            let key = (project.to_string(), id.to_string());
            if store.roles.contains_key(&key) {
                return Some(error_with_status(
                    StatusCode::CONFLICT,
                    "ALREADY_EXISTS",
                    "alreadyExists",
                    &format!("A role named {id} in projects/{project} already exists."),
                ));
            }
            let mut role = body["role"].clone();
            role["name"] = format!("projects/{project}/roles/{id}").into();
            role["etag"] = etag(store.id()).into();
            if let Some(fields) = role.as_object_mut() {
                fields.remove("deleted");
            }
            store.roles.insert(key, role.clone());
            ok(role)
        }
        (_, [last]) => {
            let (id, verb) = match last.split_once(':') {
                Some((id, verb)) => (id, Some(verb)),
                None => (*last, None),
            };
            let key = (project.to_string(), id.to_string());
            let Some(role) = store.roles.get(&key).cloned() else {
                return Some(not_found(&format!(
                    "The role named projects/{project}/roles/{id} was not found."
                )));
            };
            let deleted = role["deleted"] == true;
            let changed = match (method, verb) {
                (&Method::GET, None) => return Some(ok(role)),
                (&Method::PATCH, None) if deleted => {
                    return Some(invalid(&format!(
                        "You can't update a deleted role: projects/{project}/roles/{id}."
                    )));
                }
                (&Method::PATCH, None) => {
                    if !permissions_valid(&body) {
                        return Some(invalid("Permission names are SERVICE.RESOURCE.VERB."));
                    }
                    let mask = query
                        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("updateMask=")))
                        .map(decode_path)
                        .unwrap_or_default();
                    let mut role = role;
                    for field in mask.split(',').filter(|f| !f.is_empty()) {
                        role[field] = body[field].clone();
                    }
                    role
                }
                (&Method::DELETE, None) if deleted => {
                    return Some(invalid(&format!(
                        "The role projects/{project}/roles/{id} is already deleted."
                    )));
                }
                (&Method::DELETE, None) => {
                    let mut role = role;
                    role["deleted"] = true.into();
                    role
                }
                (&Method::POST, Some("undelete")) if !deleted => {
                    return Some(invalid(&format!(
                        "The role projects/{project}/roles/{id} is not deleted."
                    )));
                }
                (&Method::POST, Some("undelete")) => {
                    let mut role = role;
                    if let Some(fields) = role.as_object_mut() {
                        fields.remove("deleted");
                    }
                    role
                }
                _ => return None,
            };
            let mut changed = changed;
            changed["etag"] = etag(store.id()).into();
            store.roles.insert(key, changed.clone());
            ok(changed)
        }
        _ => return None,
    };
    Some(response)
}

/// Routes `/v1/projects/...` (IAM) and `/v3/projects/...` (Resource Manager); `None` for other paths.
pub fn route(store: &mut Store, method: &Method, path: &str, query: Option<&str>, body: Json) -> Option<Response> {
    let path = decode_path(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let response = match (method, segments.as_slice()) {
        (&Method::POST, ["v3", "projects", last]) => {
            let (project, verb) = last.split_once(':')?;
            let resource = format!("projects/{project}");
            match verb {
                "getIamPolicy" => ok(store.get_policy(&resource)),
                "setIamPolicy" => store.set_policy(&resource, body),
                _ => return None,
            }
        }
        (_, ["v1", "projects", project, "roles", rest @ ..]) => {
            let project = project.to_string();
            return route_roles(store, method, &project, rest, query, body);
        }
        (&Method::POST, ["v1", "projects", project, "serviceAccounts"]) => create_account(store, project, body),
        (_, ["v1", "projects", project, "serviceAccounts", last]) => {
            let (email, verb) = match last.split_once(':') {
                Some((email, verb)) => (email, Some(verb)),
                None => (*last, None),
            };
            let key = (project.to_string(), email.to_string());
            let Some(account) = store.accounts.get(&key).cloned() else {
                return Some(not_found(&format!("Unknown service account {email}")));
            };
            let resource = format!("projects/{project}/serviceAccounts/{email}");
            match (method, verb) {
                (&Method::GET, None) => ok(account),
                (&Method::DELETE, None) => {
                    store.accounts.remove(&key);
                    store.keys.remove(&key);
                    store.policies.remove(&resource);
                    // The project's bindings keep naming it, as deleted.
                    let member = format!("serviceAccount:{email}");
                    for policy in store.policies.values_mut() {
                        for binding in policy["bindings"].as_array_mut().into_iter().flatten() {
                            for m in binding["members"].as_array_mut().into_iter().flatten() {
                                if m.as_str() == Some(&member) {
                                    *m =
                                        format!("deleted:{member}?uid={}", account["uniqueId"].as_str().unwrap_or("0"))
                                            .into();
                                }
                            }
                        }
                    }
                    ok(json!({}))
                }
                (&Method::POST, Some("getIamPolicy")) => ok(store.get_policy(&resource)),
                (&Method::POST, Some("setIamPolicy")) => store.set_policy(&resource, body),
                _ => return None,
            }
        }
        (_, ["v1", "projects", project, "serviceAccounts", email, "keys", rest @ ..]) => {
            let key = (project.to_string(), email.to_string());
            let Some(account) = store.accounts.get(&key).cloned() else {
                return Some(not_found(&format!("Unknown service account {email}")));
            };
            match (method, rest) {
                (&Method::POST, []) => create_key(store, project, email, &account, body),
                (&Method::GET, []) => {
                    let user_managed_only = query.is_some_and(|q| q.contains("keyTypes=USER_MANAGED"));
                    let keys: Vec<Json> = store
                        .keys
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .filter(|k| !user_managed_only || k["keyType"] == "USER_MANAGED")
                        .cloned()
                        .collect();
                    ok(json!({ "keys": keys }))
                }
                (&Method::DELETE, [id]) => {
                    let name = format!("projects/{project}/serviceAccounts/{email}/keys/{id}");
                    let keys = store.keys.entry(key).or_default();
                    let before = keys.len();
                    keys.retain(|k| k["name"] != name.as_str());
                    if keys.len() == before {
                        not_found(&format!("Unknown key {name}"))
                    } else {
                        ok(json!({}))
                    }
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(response)
}

fn create_account(store: &mut Store, project: &str, body: Json) -> Response {
    let id = body["accountId"].as_str().unwrap_or_default();
    if !valid_account_id(id) {
        return error_with_status(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "badRequest",
            &format!("Invalid account ID: {id}. It must be 6 to 30 lowercase letters, digits and hyphens."),
        );
    }
    let email = account_email(project, id);
    let key = (project.to_string(), email.clone());
    if store.accounts.contains_key(&key) {
        return error_with_status(
            StatusCode::CONFLICT,
            "ALREADY_EXISTS",
            "alreadyExists",
            &format!("Service account {id} already exists within project projects/{project}."),
        );
    }
    let unique_id = store.id().to_string();
    let account = json!({
        "name": format!("projects/{project}/serviceAccounts/{email}"),
        "projectId": project,
        "uniqueId": unique_id,
        "email": email,
        "displayName": body["serviceAccount"]["displayName"].as_str().unwrap_or_default(),
        "description": body["serviceAccount"]["description"].as_str().unwrap_or_default(),
        "etag": "MDEwMjE5MjA=",
        "oauth2ClientId": unique_id,
    });
    store.accounts.insert(key, account.clone());
    ok(account)
}

fn create_key(store: &mut Store, project: &str, email: &str, account: &Json, body: Json) -> Response {
    use base64::Engine;
    let kind = body["privateKeyType"]
        .as_str()
        .unwrap_or("TYPE_GOOGLE_CREDENTIALS_FILE");
    if kind != "TYPE_GOOGLE_CREDENTIALS_FILE" {
        return error_with_status(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "badRequest",
            &format!("The fake serves key files only, not {kind}."),
        );
    }
    let id = format!("{:040x}", store.id());
    let name = format!("projects/{project}/serviceAccounts/{email}/keys/{id}");
    let file = json!({
        "type": "service_account",
        "project_id": project,
        "private_key_id": id,
        "private_key": "-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n",
        "client_email": email,
        "client_id": account["uniqueId"],
        "token_uri": "https://oauth2.googleapis.com/token",
    });
    let listed = json!({
        "name": name,
        "privateKeyType": kind,
        "keyAlgorithm": "KEY_ALG_RSA_2048",
        "validAfterTime": "2026-12-01T00:00:00Z",
        "validBeforeTime": "9999-12-31T23:59:59Z",
        "keyOrigin": "GOOGLE_PROVIDED",
        "keyType": "USER_MANAGED",
    });
    store
        .keys
        .entry((project.to_string(), email.to_string()))
        .or_default()
        .push(listed.clone());
    let mut created = listed;
    created["privateKeyData"] = base64::engine::general_purpose::STANDARD
        .encode(file.to_string().as_bytes())
        .into();
    ok(created)
}
