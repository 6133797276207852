//! The fake GCP keeps Google's documented contract where the provider relies on it, checked
//! with plain HTTP so the fake cannot drift into agreeing with the provider: error bodies and
//! reasons, operations that go PENDING -> RUNNING -> DONE and can end in an error, label
//! fingerprints (412 when stale), pagination, families.

use acceptance_tests::fake_gcp::FakeGcp;
use serde_json::{Value, json};

fn call(fake: &FakeGcp, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    acceptance_tests::http_call(&fake.url, method, path, "application/json", &body)
}

const IMAGES: &str = "/compute/v1/projects/p/global/images";

/// Polls an operation until DONE, returning every status seen.
fn finish(fake: &FakeGcp, operation: &Value) -> (Vec<String>, Value) {
    let mut seen = vec![operation["status"].as_str().unwrap().to_string()];
    let path = format!(
        "/compute/v1/projects/p/global/operations/{}",
        operation["name"].as_str().unwrap()
    );
    loop {
        let (code, op) = call(fake, "GET", &path, &Value::Null);
        assert_eq!(code, 200, "{op}");
        seen.push(op["status"].as_str().unwrap().to_string());
        if op["status"] == "DONE" {
            return (seen, op);
        }
        assert!(seen.len() < 10, "the operation never finished: {seen:?}");
    }
}

#[test]
fn compute_contract() {
    let fake = FakeGcp::start();
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v1", "ubuntu-2204-lts");
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v2", "ubuntu-2204-lts");

    // 404 in Google's error shape.
    let (code, body) = call(&fake, "GET", &format!("{IMAGES}/nope"), &Value::Null);
    assert_eq!(code, 404);
    assert_eq!(body["error"]["code"], 404);
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    assert_eq!(body["error"]["errors"][0]["reason"], "notFound");
    assert!(body["error"]["message"].as_str().unwrap().contains("was not found"));

    // getFromFamily answers the newest image of the family.
    let (code, newest) = call(
        &fake,
        "GET",
        "/compute/v1/projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
        &Value::Null,
    );
    assert_eq!(code, 200);
    assert_eq!(newest["name"], "ubuntu-2204-jammy-v2");

    // Insert: an operation that goes PENDING, RUNNING, DONE; the image is READY after.
    let image = json!({
        "name": "vm-image",
        "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
        "labels": { "team": "ci" },
    });
    let (code, op) = call(&fake, "POST", IMAGES, &image);
    assert_eq!(code, 200, "{op}");
    assert_eq!(op["kind"], "compute#operation");
    assert!(
        op["targetLink"]
            .as_str()
            .unwrap()
            .ends_with("/compute/v1/projects/p/global/images/vm-image")
    );
    let (seen, done) = finish(&fake, &op);
    assert_eq!(seen, ["PENDING", "RUNNING", "DONE"]);
    assert!(done["error"].is_null());
    let (_, made) = call(&fake, "GET", &format!("{IMAGES}/vm-image"), &Value::Null);
    assert_eq!(made["status"], "READY");
    assert!(made["sourceImage"].as_str().unwrap().ends_with("/ubuntu-2204-jammy-v2"));
    assert_eq!(made["selfLink"], format!("{}{IMAGES}/vm-image", fake.url));

    // Conflicts and bad names are refused synchronously.
    let (code, body) = call(&fake, "POST", IMAGES, &image);
    assert_eq!(
        (code, body["error"]["errors"][0]["reason"].as_str()),
        (409, Some("alreadyExists"))
    );
    let (code, body) = call(
        &fake,
        "POST",
        IMAGES,
        &json!({ "name": "Bad_Name", "sourceImage": "x" }),
    );
    assert_eq!(
        (code, body["error"]["errors"][0]["reason"].as_str()),
        (400, Some("invalid"))
    );
    let (code, _) = call(
        &fake,
        "POST",
        IMAGES,
        &json!({ "name": "other", "sourceImage": "projects/ubuntu-os-cloud/global/images/missing" }),
    );
    assert_eq!(code, 404);

    // Labels change only with the current fingerprint.
    let stale = made["labelFingerprint"].clone();
    let set = |fingerprint: &Value, team: &str| {
        call(
            &fake,
            "POST",
            &format!("{IMAGES}/vm-image/setLabels"),
            &json!({ "labels": { "team": team }, "labelFingerprint": fingerprint }),
        )
    };
    let (code, op) = set(&stale, "build");
    assert_eq!(code, 200, "{op}");
    finish(&fake, &op);
    let (code, body) = set(&stale, "again");
    assert_eq!(
        (code, body["error"]["errors"][0]["reason"].as_str()),
        (412, Some("conditionNotMet"))
    );

    // Pagination: nextPageToken until the last page.
    for n in 0..3 {
        let (_, op) = call(
            &fake,
            "POST",
            IMAGES,
            &json!({ "name": format!("page-{n}"), "sourceImage": "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v1" }),
        );
        finish(&fake, &op);
    }
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let (_, page) = call(
            &fake,
            "GET",
            &format!("{IMAGES}?maxResults=2&pageToken={token}"),
            &Value::Null,
        );
        assert!(page["items"].as_array().unwrap().len() <= 2);
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_string()),
        );
        match page["nextPageToken"].as_str() {
            Some(next) => token = next.to_string(),
            None => break,
        }
    }
    assert_eq!(names, ["page-0", "page-1", "page-2", "vm-image"]);

    // An operation can end DONE with an error; a failed insert leaves nothing.
    fake.fail_next_operation("QUOTA_EXCEEDED", "Quota 'IMAGES' exceeded.");
    let (_, op) = call(
        &fake,
        "POST",
        IMAGES,
        &json!({ "name": "over-quota", "sourceImage": "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v1" }),
    );
    let (_, done) = finish(&fake, &op);
    assert_eq!(done["error"]["errors"][0]["code"], "QUOTA_EXCEEDED");
    assert_eq!(done["httpErrorStatusCode"], 400);
    assert_eq!(call(&fake, "GET", &format!("{IMAGES}/over-quota"), &Value::Null).0, 404);

    // Delete is an operation too; the image is gone once it is DONE.
    let (code, op) = call(&fake, "DELETE", &format!("{IMAGES}/vm-image"), &Value::Null);
    assert_eq!(code, 200);
    finish(&fake, &op);
    assert_eq!(call(&fake, "GET", &format!("{IMAGES}/vm-image"), &Value::Null).0, 404);
    assert_eq!(
        call(&fake, "DELETE", &format!("{IMAGES}/vm-image"), &Value::Null).0,
        404
    );
}

/// Instance templates, health checks, regional groups and autoscalers: references must exist,
/// what is in use cannot be deleted, regional operations poll at the region's path, and
/// fingerprints guard patches.
#[test]
fn compute_references_and_regional_operations() {
    let fake = FakeGcp::start();
    let global = "/compute/v1/projects/p/global";
    let regional = "/compute/v1/projects/p/regions/us-east1";
    let finish_regional = |op: &Value| {
        assert!(op["region"].as_str().unwrap().ends_with("/regions/us-east1"), "{op}");
        let path = format!("{regional}/operations/{}", op["name"].as_str().unwrap());
        for _ in 0..5 {
            let (code, op) = call(&fake, "GET", &path, &Value::Null);
            assert_eq!(code, 200, "{op}");
            if op["status"] == "DONE" {
                return op;
            }
        }
        panic!("never DONE");
    };
    let group = json!({
        "name": "clients",
        "instanceTemplate": format!("{}{global}/instanceTemplates/clients-1", fake.url),
        "targetSize": 1,
    });
    let (code, body) = call(&fake, "POST", &format!("{regional}/instanceGroupManagers"), &group);
    assert_eq!(
        (code, body["error"]["errors"][0]["reason"].as_str()),
        (404, Some("notFound")),
        "{body}"
    );

    let (code, op) = call(
        &fake,
        "POST",
        &format!("{global}/instanceTemplates"),
        &json!({ "name": "clients-1", "properties": {} }),
    );
    assert_eq!(code, 200, "{op}");
    finish(&fake, &op);
    let (code, op) = call(&fake, "POST", &format!("{regional}/instanceGroupManagers"), &group);
    assert_eq!(code, 200, "{op}");
    finish_regional(&op);
    let (_, made) = call(
        &fake,
        "GET",
        &format!("{regional}/instanceGroupManagers/clients"),
        &Value::Null,
    );
    assert_eq!(made["status"]["isStable"], true);

    // In use: the template cannot go while the group uses it.
    let (code, body) = call(
        &fake,
        "DELETE",
        &format!("{global}/instanceTemplates/clients-1"),
        &Value::Null,
    );
    assert_eq!(code, 400);
    assert_eq!(body["error"]["errors"][0]["reason"], "resourceInUseByAnotherResource");

    // Patch with a stale fingerprint is refused; with the current one it applies.
    let (code, _) = call(
        &fake,
        "PATCH",
        &format!("{regional}/instanceGroupManagers/clients"),
        &json!({ "targetSize": 3, "fingerprint": "c3RhbGU=" }),
    );
    assert_eq!(code, 412);
    let (code, op) = call(
        &fake,
        "PATCH",
        &format!("{regional}/instanceGroupManagers/clients"),
        &json!({ "targetSize": 3, "fingerprint": made["fingerprint"] }),
    );
    assert_eq!(code, 200);
    finish_regional(&op);
    let (code, op) = call(
        &fake,
        "POST",
        &format!("{regional}/instanceGroupManagers/clients/resize?size=2"),
        &Value::Null,
    );
    assert_eq!(code, 200);
    finish_regional(&op);
    let (_, now) = call(
        &fake,
        "GET",
        &format!("{regional}/instanceGroupManagers/clients"),
        &Value::Null,
    );
    assert_eq!(now["targetSize"], 2);

    // Delete the group, then the template goes.
    let (_, op) = call(
        &fake,
        "DELETE",
        &format!("{regional}/instanceGroupManagers/clients"),
        &Value::Null,
    );
    finish_regional(&op);
    let (code, op) = call(
        &fake,
        "DELETE",
        &format!("{global}/instanceTemplates/clients-1"),
        &Value::Null,
    );
    assert_eq!(code, 200);
    finish(&fake, &op);
    assert_eq!(
        call(
            &fake,
            "GET",
            &format!("{global}/instanceTemplates/clients-1"),
            &Value::Null
        )
        .0,
        404
    );
}

/// Load balancer parts: a forwarding rule gets an address from the right pool, refuses a
/// backend service that does not exist, keeps its backend service from being deleted, and
/// takes labels only with the current label fingerprint.
#[test]
fn load_balancer_parts_reference_each_other_and_label_with_fingerprints() {
    let fake = FakeGcp::start();
    let regional = "/compute/v1/projects/p/regions/us-east1";
    let done = |op: &Value| {
        let path = format!("{regional}/operations/{}", op["name"].as_str().unwrap());
        for _ in 0..5 {
            if call(&fake, "GET", &path, &Value::Null).1["status"] == "DONE" {
                return;
            }
        }
        panic!("never DONE");
    };
    let rule = |scheme: &str| {
        json!({
            "name": format!("lb-{}", scheme.to_lowercase()), "loadBalancingScheme": scheme, "IPProtocol": "TCP",
            "ports": ["4647"], "backendService": "projects/p/regions/us-east1/backendServices/lb",
            "labels": { "team": "ci" },
        })
    };
    let (code, body) = call(&fake, "POST", &format!("{regional}/forwardingRules"), &rule("INTERNAL"));
    assert_eq!(
        (code, &body["error"]["errors"][0]["reason"]),
        (404, &json!("notFound")),
        "{body}"
    );

    let (code, op) = call(
        &fake,
        "POST",
        &format!("{regional}/healthChecks"),
        &json!({ "name": "lb", "type": "TCP" }),
    );
    assert_eq!(code, 200, "{op}");
    done(&op);
    let service =
        json!({ "name": "lb", "protocol": "TCP", "healthChecks": ["projects/p/regions/us-east1/healthChecks/lb"] });
    let (code, op) = call(&fake, "POST", &format!("{regional}/backendServices"), &service);
    assert_eq!(code, 200, "{op}");
    done(&op);
    for scheme in ["INTERNAL", "EXTERNAL"] {
        let (code, op) = call(&fake, "POST", &format!("{regional}/forwardingRules"), &rule(scheme));
        assert_eq!(code, 200, "{op}");
        done(&op);
    }
    let get = |name: &str| {
        call(
            &fake,
            "GET",
            &format!("{regional}/forwardingRules/{name}"),
            &Value::Null,
        )
        .1
    };
    let internal = get("lb-internal");
    assert!(internal["IPAddress"].as_str().unwrap().starts_with("10."), "{internal}");
    assert!(!get("lb-external")["IPAddress"].as_str().unwrap().starts_with("10."));

    // In use: the backend service cannot go while a rule points at it, nor the check while it does.
    for (path, user) in [
        ("backendServices/lb", "forwardingRules"),
        ("healthChecks/lb", "backendServices"),
    ] {
        let (code, body) = call(&fake, "DELETE", &format!("{regional}/{path}"), &Value::Null);
        assert_eq!(code, 400, "{path}: {body}");
        assert_eq!(body["error"]["errors"][0]["reason"], "resourceInUseByAnotherResource");
        assert!(body["error"]["message"].as_str().unwrap().contains(user), "{body}");
    }

    // setLabels: 412 with a stale label fingerprint, applied with the current one.
    let labels = |fingerprint: &Value| json!({ "labels": { "team": "platform" }, "labelFingerprint": fingerprint });
    let path = format!("{regional}/forwardingRules/lb-internal/setLabels");
    let (code, _) = call(&fake, "POST", &path, &labels(&json!("c3RhbGU=")));
    assert_eq!(code, 412);
    let (code, op) = call(&fake, "POST", &path, &labels(&internal["labelFingerprint"]));
    assert_eq!(code, 200, "{op}");
    done(&op);
    let relabelled = get("lb-internal");
    assert_eq!(relabelled["labels"]["team"], "platform");
    assert_ne!(relabelled["labelFingerprint"], internal["labelFingerprint"]);
}

/// Compute's `requestId`: a repeated change answers the first request's operation and does not
/// act again; a malformed id is refused (400 invalid), and a new id acts (409 when it exists).
#[test]
fn request_ids_make_changes_safe_to_repeat() {
    let fake = FakeGcp::start();
    let firewalls = "/compute/v1/projects/p/global/firewalls";
    let rule = json!({ "name": "fw", "network": "global/networks/default", "sourceRanges": ["10.0.0.0/8"], "allowed": [{ "IPProtocol": "tcp", "ports": ["22"] }] });
    let id = "6f1c2a4e-8b1d-4c3e-9a5f-0d2b7e6c1a90";
    let (code, first) = call(&fake, "POST", &format!("{firewalls}?requestId={id}"), &rule);
    assert_eq!(code, 200, "{first}");
    let (code, again) = call(&fake, "POST", &format!("{firewalls}?requestId={id}"), &rule);
    assert_eq!(code, 200, "a repeat is not an error: {again}");
    assert_eq!(again["name"], first["name"], "the first request's operation");
    finish(&fake, &first);
    assert_eq!(fake.names("p", "global/firewalls"), vec!["fw".to_string()]);

    let (code, body) = call(&fake, "POST", &format!("{firewalls}?requestId=not-a-uuid"), &rule);
    assert_eq!(
        (code, body["error"]["errors"][0]["reason"].as_str()),
        (400, Some("invalid"))
    );
    let zero = "00000000-0000-0000-0000-000000000000";
    let (code, _) = call(&fake, "POST", &format!("{firewalls}?requestId={zero}"), &rule);
    assert_eq!(code, 400, "the zero UUID is refused");

    let other = "0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c";
    let (code, body) = call(&fake, "POST", &format!("{firewalls}?requestId={other}"), &rule);
    assert_eq!(
        (code, body["error"]["errors"][0]["reason"].as_str()),
        (409, Some("alreadyExists"))
    );

    let deletion = "1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0";
    let (code, first) = call(
        &fake,
        "DELETE",
        &format!("{firewalls}/fw?requestId={deletion}"),
        &Value::Null,
    );
    assert_eq!(code, 200, "{first}");
    finish(&fake, &first);
    let (code, again) = call(
        &fake,
        "DELETE",
        &format!("{firewalls}/fw?requestId={deletion}"),
        &Value::Null,
    );
    assert_eq!(
        (code, &again["name"]),
        (200, &first["name"]),
        "a repeated delete answers the done operation"
    );
}

/// Operations run whether anyone polls them: an image whose maker died mid-wait is READY later.
#[test]
fn operations_finish_unpolled() {
    let fake = FakeGcp::start();
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v1", "ubuntu-2204-lts");
    let image =
        json!({ "name": "orphan", "sourceImage": "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v1" });
    let (code, operation) = call(&fake, "POST", IMAGES, &image);
    assert_eq!(code, 200, "{operation}");
    let (_, pending) = call(&fake, "GET", &format!("{IMAGES}/orphan"), &Value::Null);
    assert_ne!(pending["status"], "READY", "not at once");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (_, ready) = call(&fake, "GET", &format!("{IMAGES}/orphan"), &Value::Null);
    assert_eq!(ready["status"], "READY", "{ready}");
}

/// IAM and Resource Manager as documented: service accounts by email (409 ALREADY_EXISTS on a
/// taken id, 404 NOT_FOUND after delete), a key file shown once as base64, policies whose etag
/// changes on every write and a stale one refused with 409 ABORTED, unknown service accounts
/// refused as members, deleted ones left in bindings as `deleted:`.
#[test]
fn iam_contract() {
    use base64::Engine;
    let fake = FakeGcp::start();
    let accounts = "/v1/projects/p/serviceAccounts";
    let create = json!({ "accountId": "ci-vm-service", "serviceAccount": { "description": "mine" } });
    let (code, account) = call(&fake, "POST", accounts, &create);
    assert_eq!(code, 200, "{account}");
    assert_eq!(account["email"], "ci-vm-service@p.iam.gserviceaccount.com");
    assert_eq!(
        account["name"],
        "projects/p/serviceAccounts/ci-vm-service@p.iam.gserviceaccount.com"
    );
    assert_eq!(account["description"], "mine");
    let (code, body) = call(&fake, "POST", accounts, &create);
    assert_eq!((code, body["error"]["status"].as_str()), (409, Some("ALREADY_EXISTS")));
    let (code, body) = call(&fake, "POST", accounts, &json!({ "accountId": "vm" }));
    assert_eq!(
        (code, body["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT")),
        "ids are 6 to 30 characters"
    );
    let path = format!("{accounts}/ci-vm-service@p.iam.gserviceaccount.com");
    let (code, _) = call(&fake, "GET", &path.replace('@', "%40"), &Value::Null);
    assert_eq!(code, 200, "an escaped @ names the same account");

    // A key: the file once, base64; listed afterwards without it.
    let (code, key) = call(
        &fake,
        "POST",
        &format!("{path}/keys"),
        &json!({ "privateKeyType": "TYPE_GOOGLE_CREDENTIALS_FILE" }),
    );
    assert_eq!(code, 200, "{key}");
    let file: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(key["privateKeyData"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(file["type"], "service_account");
    assert_eq!(file["client_email"], "ci-vm-service@p.iam.gserviceaccount.com");
    let (_, listed) = call(
        &fake,
        "GET",
        &format!("{path}/keys?keyTypes=USER_MANAGED"),
        &Value::Null,
    );
    assert_eq!(listed["keys"][0]["name"], key["name"]);
    assert!(
        listed["keys"][0]["privateKeyData"].is_null(),
        "the file is shown only once"
    );

    // The project's policy: read-modify-write with the etag; a stale etag is ABORTED.
    let (code, policy) = call(&fake, "POST", "/v3/projects/p:getIamPolicy", &json!({}));
    assert_eq!(code, 200);
    assert_eq!(
        policy["bindings"][0]["role"], "roles/owner",
        "someone else's binding is there"
    );
    let mut changed = policy.clone();
    changed["bindings"].as_array_mut().unwrap().push(json!({
        "role": "roles/compute.instanceAdmin.v1",
        "members": ["serviceAccount:ci-vm-service@p.iam.gserviceaccount.com"],
    }));
    let (code, written) = call(
        &fake,
        "POST",
        "/v3/projects/p:setIamPolicy",
        &json!({ "policy": changed }),
    );
    assert_eq!(code, 200, "{written}");
    assert_ne!(written["etag"], policy["etag"], "every write changes the etag");
    let (code, body) = call(
        &fake,
        "POST",
        "/v3/projects/p:setIamPolicy",
        &json!({ "policy": changed }),
    );
    assert_eq!(
        (code, body["error"]["status"].as_str()),
        (409, Some("ABORTED")),
        "{body}"
    );
    let mut unknown = written.clone();
    unknown["bindings"][1]["members"] = json!(["serviceAccount:nobody-here@p.iam.gserviceaccount.com"]);
    let (code, _) = call(
        &fake,
        "POST",
        "/v3/projects/p:setIamPolicy",
        &json!({ "policy": unknown }),
    );
    assert_eq!(code, 400, "an unknown service account is no member");

    // A service account's own policy; deleting the account takes its keys and policy along,
    // and leaves the project's binding naming it as deleted.
    let (code, _) = call(
        &fake,
        "POST",
        &format!("{path}:setIamPolicy"),
        &json!({ "policy": { "bindings": [
        { "role": "roles/iam.workloadIdentityUser", "members": ["serviceAccount:p.svc.id.goog[circleci-server/vm-service]"] }
    ] } }),
    );
    assert_eq!(code, 200);
    let (code, _) = call(&fake, "DELETE", &path, &Value::Null);
    assert_eq!(code, 200);
    let (code, body) = call(&fake, "GET", &path, &Value::Null);
    assert_eq!((code, body["error"]["status"].as_str()), (404, Some("NOT_FOUND")));
    let (code, _) = call(&fake, "POST", &format!("{path}:getIamPolicy"), &json!({}));
    assert_eq!(code, 404);
    assert!(
        fake.members("projects/p", "roles/compute.instanceAdmin.v1")[0]
            .starts_with("deleted:serviceAccount:ci-vm-service@"),
        "{:?}",
        fake.iam_policy("projects/p")
    );
}

/// IAM custom roles are soft-deleted: the id stays taken (409) until undeleted, a deleted
/// role can be granted to no one new, and a role that does not exist cannot be bound.
#[test]
fn custom_role_contract() {
    let fake = FakeGcp::start();
    let roles = "/v1/projects/p/roles";
    let create = json!({ "roleId": "circleciAutoscaler_ci", "role": {
        "title": "t", "description": "mine", "includedPermissions": ["compute.instanceGroupManagers.get"], "stage": 2 } });
    let (code, role) = call(&fake, "POST", roles, &create);
    assert_eq!(code, 200, "{role}");
    assert_eq!(role["name"], "projects/p/roles/circleciAutoscaler_ci");
    let (code, body) = call(&fake, "POST", roles, &json!({ "roleId": "bad-id", "role": {} }));
    assert_eq!(
        (code, body["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT")),
        "no hyphens"
    );
    let path = format!("{roles}/circleciAutoscaler_ci");
    let (code, patched) = call(
        &fake,
        "PATCH",
        &format!("{path}?updateMask=includedPermissions"),
        &json!({ "includedPermissions": ["compute.instances.delete"], "description": "ignored" }),
    );
    assert_eq!(code, 200, "{patched}");
    assert_eq!(patched["includedPermissions"], json!(["compute.instances.delete"]));
    assert_eq!(patched["description"], "mine", "only the masked fields change");

    // Bound, then deleted: the binding stays; no one new may be granted it.
    let (_, policy) = call(&fake, "POST", "/v3/projects/p:getIamPolicy", &json!({}));
    let mut granted = policy.clone();
    granted["bindings"].as_array_mut().unwrap().push(json!({
        "role": "projects/p/roles/circleciAutoscaler_ci", "members": ["user:a@example.com"] }));
    let (code, written) = call(
        &fake,
        "POST",
        "/v3/projects/p:setIamPolicy",
        &json!({ "policy": granted }),
    );
    assert_eq!(code, 200, "{written}");
    let (code, deleted) = call(&fake, "DELETE", &path, &Value::Null);
    assert_eq!((code, deleted["deleted"].as_bool()), (200, Some(true)));
    let (code, body) = call(&fake, "POST", roles, &create);
    assert_eq!(
        (code, body["error"]["status"].as_str()),
        (409, Some("ALREADY_EXISTS")),
        "the id stays taken"
    );
    let mut more = written.clone();
    more["bindings"][1]["members"] = json!(["user:a@example.com", "user:b@example.com"]);
    let (code, _) = call(&fake, "POST", "/v3/projects/p:setIamPolicy", &json!({ "policy": more }));
    assert_eq!(code, 400, "a deleted role gains no one");
    let (code, role) = call(&fake, "POST", &format!("{path}:undelete"), &json!({}));
    assert_eq!((code, role["deleted"].as_bool()), (200, None), "{role}");
    let (code, written) = call(&fake, "POST", "/v3/projects/p:setIamPolicy", &json!({ "policy": more }));
    assert_eq!(code, 200, "undeleted, it can be granted again");
    let mut unknown = written.clone();
    unknown["bindings"][1]["role"] = json!("projects/p/roles/nothing");
    let (code, _) = call(
        &fake,
        "POST",
        "/v3/projects/p:setIamPolicy",
        &json!({ "policy": unknown }),
    );
    assert_eq!(code, 400, "a role that does not exist cannot be bound");
}

/// Cloud Storage's gRPC contract for buckets: names are global (ALREADY_EXISTS), gone is
/// NOT_FOUND, a non-empty bucket or a stale metageneration is FAILED_PRECONDITION, a stale
/// policy etag is ABORTED, a new bucket's policy holds the project's legacy roles; objects are
/// listed live or with every generation, in pages, and deleted by generation.
#[test]
fn storage_contract() {
    use acceptance_tests::fake_gcp::storage::pb;
    use tonic::Code;

    async fn call<Req, Res>(url: &str, method: &str, request: Req) -> Result<Res, tonic::Status>
    where
        Req: prost::Message + Send + Sync + 'static,
        Res: prost::Message + Default + Send + Sync + 'static,
    {
        let channel = tonic::transport::Endpoint::from_shared(url.to_string())
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.unwrap();
        let path = http::uri::PathAndQuery::try_from(method).unwrap();
        grpc.unary(
            tonic::Request::new(request),
            path,
            tonic_prost::ProstCodec::<Req, Res>::default(),
        )
        .await
        .map(tonic::Response::into_inner)
    }

    let fake = FakeGcp::start();
    let url = fake.storage_url.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let create = pb::CreateBucketRequest {
            parent: "projects/_".into(),
            bucket_id: "ci-data".into(),
            bucket: Some(pb::Bucket {
                project: "projects/p".into(),
                location: "us-east1".into(),
                ..Default::default()
            }),
        };
        let made: pb::Bucket = call(&url, "/google.storage.v2.Storage/CreateBucket", create.clone())
            .await
            .unwrap();
        assert_eq!(made.name, "projects/_/buckets/ci-data");
        assert_eq!((made.location.as_str(), made.metageneration), ("US-EAST1", 1));
        let again = call::<_, pb::Bucket>(&url, "/google.storage.v2.Storage/CreateBucket", create).await;
        assert_eq!(again.unwrap_err().code(), Code::AlreadyExists);
        let missing = pb::GetBucketRequest {
            name: "projects/_/buckets/nope".into(),
            ..Default::default()
        };
        let gone = call::<_, pb::Bucket>(&url, "/google.storage.v2.Storage/GetBucket", missing).await;
        assert_eq!(gone.unwrap_err().code(), Code::NotFound);

        // Updates carry a mask; a stale metageneration is refused.
        let update = |metageneration| pb::UpdateBucketRequest {
            bucket: Some(pb::Bucket {
                name: "projects/_/buckets/ci-data".into(),
                versioning: Some(pb::Versioning { enabled: true }),
                ..Default::default()
            }),
            if_metageneration_match: Some(metageneration),
            update_mask: Some(pb::FieldMask {
                paths: vec!["versioning".into()],
            }),
        };
        let updated: pb::Bucket = call(&url, "/google.storage.v2.Storage/UpdateBucket", update(1))
            .await
            .unwrap();
        assert!(updated.versioning.unwrap().enabled);
        assert_eq!(updated.metageneration, 2);
        let stale = call::<_, pb::Bucket>(&url, "/google.storage.v2.Storage/UpdateBucket", update(1)).await;
        assert_eq!(stale.unwrap_err().code(), Code::FailedPrecondition);

        // The bucket's policy: the project's legacy roles; a stale etag is ABORTED.
        let resource = "projects/_/buckets/ci-data".to_string();
        let policy: pb::Policy = call(
            &url,
            "/google.storage.control.v2.StorageControl/GetIamPolicy",
            pb::GetIamPolicyRequest {
                resource: resource.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(policy.bindings[0].role, "roles/storage.legacyBucketOwner");
        let mut changed = policy.clone();
        changed.bindings.push(pb::Binding {
            role: "roles/storage.objectAdmin".into(),
            members: vec!["serviceAccount:x@p.iam.gserviceaccount.com".into()],
        });
        let set = |policy: pb::Policy| pb::SetIamPolicyRequest {
            resource: resource.clone(),
            policy: Some(policy),
        };
        let written: pb::Policy = call(
            &url,
            "/google.storage.control.v2.StorageControl/SetIamPolicy",
            set(changed.clone()),
        )
        .await
        .unwrap();
        assert_ne!(written.etag, policy.etag);
        let stale = call::<_, pb::Policy>(
            &url,
            "/google.storage.control.v2.StorageControl/SetIamPolicy",
            set(changed),
        )
        .await;
        assert_eq!(stale.unwrap_err().code(), Code::Aborted);

        // The JSON API reads the same bucket and policy, in its own shape.
        let (code, json) = self::call(&fake, "GET", "/storage/v1/b/ci-data", &Value::Null);
        assert_eq!(code, 200, "{json}");
        assert_eq!(json["kind"], "storage#bucket");
        assert_eq!(json["metageneration"], "2", "numbers as strings");
        assert_eq!(json["versioning"]["enabled"], true);
        assert_eq!(json["location"], "US-EAST1");
        assert!(json["projectNumber"].as_str().unwrap().parse::<u64>().is_ok(), "{json}");
        assert!(json["timeCreated"].as_str().unwrap().ends_with('Z'));
        let (code, iam) = self::call(&fake, "GET", "/storage/v1/b/ci-data/iam", &Value::Null);
        assert_eq!(code, 200, "{iam}");
        assert!(
            iam["bindings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["role"] == "roles/storage.objectAdmin"),
            "{iam}"
        );
        let (code, body) = self::call(&fake, "GET", "/storage/v1/b/nope", &Value::Null);
        assert_eq!(
            (code, body["error"]["errors"][0]["reason"].as_str()),
            (404, Some("notFound"))
        );

        // A bucket with objects is not deleted.
        fake.put_objects("ci-data", 1);
        let delete = pb::DeleteBucketRequest {
            name: "projects/_/buckets/ci-data".into(),
            ..Default::default()
        };
        let kept = call::<_, pb::Empty>(&url, "/google.storage.v2.Storage/DeleteBucket", delete.clone()).await;
        assert_eq!(kept.unwrap_err().code(), Code::FailedPrecondition);

        // Objects: live ones listed, old generations only with `versions`; pages by token.
        fake.clear_objects("ci-data");
        fake.put_objects("ci-data", 2);
        let list = |versions: bool, page_token: String| pb::ListObjectsRequest {
            parent: "projects/_/buckets/ci-data".into(),
            page_size: 2,
            page_token,
            versions,
        };
        let live: pb::ListObjectsResponse = call(
            &url,
            "/google.storage.v2.Storage/ListObjects",
            list(false, String::new()),
        )
        .await
        .unwrap();
        let names: Vec<&str> = live.objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["artifacts/0", "artifacts/1"]);
        let first: pb::ListObjectsResponse = call(
            &url,
            "/google.storage.v2.Storage/ListObjects",
            list(true, String::new()),
        )
        .await
        .unwrap();
        assert_eq!(first.objects.len(), 2);
        assert!(!first.next_page_token.is_empty(), "four generations, two a page");
        // A delete between pages skips nothing.
        let old = &first.objects[0];
        let delete_object = pb::DeleteObjectRequest {
            bucket: old.bucket.clone(),
            object: old.name.clone(),
            generation: old.generation,
        };
        call::<_, pb::Empty>(&url, "/google.storage.v2.Storage/DeleteObject", delete_object.clone())
            .await
            .unwrap();
        let gone = call::<_, pb::Empty>(&url, "/google.storage.v2.Storage/DeleteObject", delete_object).await;
        assert_eq!(gone.unwrap_err().code(), Code::NotFound);
        let second: pb::ListObjectsResponse = call(
            &url,
            "/google.storage.v2.Storage/ListObjects",
            list(true, first.next_page_token.clone()),
        )
        .await
        .unwrap();
        assert_eq!(second.objects.len(), 2);
        assert!(second.next_page_token.is_empty(), "the last page");
        assert_eq!(fake.object_count("ci-data"), 3);
        fake.clear_objects("ci-data");
        call::<_, pb::Empty>(&url, "/google.storage.v2.Storage/DeleteBucket", delete)
            .await
            .unwrap();
        assert!(fake.bucket("ci-data").is_none());
    });
}
