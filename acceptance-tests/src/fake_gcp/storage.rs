//! Cloud Storage's bucket API over gRPC, as google-cloud-storage's `StorageControl` speaks it:
//! `google.storage.v2.Storage` (CreateBucket, GetBucket, UpdateBucket with an update mask and
//! `if_metageneration_match`, DeleteBucket, ListObjects with `versions` and page tokens,
//! DeleteObject by generation) and `google.storage.control.v2.StorageControl`
//! (GetIamPolicy, SetIamPolicy on `projects/_/buckets/NAME`, etags refused with ABORTED when
//! stale), with gRPC status codes as GCS answers: NOT_FOUND, ALREADY_EXISTS (bucket names are
//! global), FAILED_PRECONDITION (a non-empty bucket, a stale metageneration), INVALID_ARGUMENT.
//! Served on a port of its own (HTTP/2), beside the REST APIs.
//!
//! The messages are written here with the field numbers of Google's published `storage.proto`
//! and `iam_policy.proto`, only the fields the provider uses; a client's other fields are
//! skipped on decode, as protobuf does. The same buckets and policies are also read through the
//! JSON API (`GET /storage/v1/b/{bucket}` and `/iam`, served with the REST APIs), as GCS serves
//! both.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tonic::server::{NamedService, UnaryService};
use tonic::{Request, Response, Status};

/// google.storage.v2 and google.iam.v1 messages: the fields used, with Google's numbers.
pub mod pb {
    use std::collections::HashMap;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Timestamp {
        #[prost(int64, tag = "1")]
        pub seconds: i64,
        #[prost(int32, tag = "2")]
        pub nanos: i32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FieldMask {
        #[prost(string, repeated, tag = "1")]
        pub paths: Vec<String>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Empty {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Versioning {
        #[prost(bool, tag = "1")]
        pub enabled: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UniformBucketLevelAccess {
        #[prost(bool, tag = "1")]
        pub enabled: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct IamConfig {
        #[prost(message, optional, tag = "1")]
        pub uniform_bucket_level_access: Option<UniformBucketLevelAccess>,
        #[prost(string, tag = "3")]
        pub public_access_prevention: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Encryption {
        #[prost(string, tag = "1")]
        pub default_kms_key: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Action {
        #[prost(string, tag = "1")]
        pub r#type: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Condition {
        #[prost(int32, optional, tag = "1")]
        pub age_days: Option<i32>,
        #[prost(bool, optional, tag = "3")]
        pub is_live: Option<bool>,
        #[prost(int32, optional, tag = "9")]
        pub days_since_noncurrent_time: Option<i32>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Rule {
        #[prost(message, optional, tag = "1")]
        pub action: Option<Action>,
        #[prost(message, optional, tag = "2")]
        pub condition: Option<Condition>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Lifecycle {
        #[prost(message, repeated, tag = "1")]
        pub rule: Vec<Rule>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Bucket {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub bucket_id: String,
        #[prost(string, tag = "29")]
        pub etag: String,
        #[prost(string, tag = "3")]
        pub project: String,
        #[prost(int64, tag = "4")]
        pub metageneration: i64,
        #[prost(string, tag = "5")]
        pub location: String,
        #[prost(string, tag = "6")]
        pub location_type: String,
        #[prost(string, tag = "7")]
        pub storage_class: String,
        #[prost(message, optional, tag = "10")]
        pub lifecycle: Option<Lifecycle>,
        #[prost(message, optional, tag = "11")]
        pub create_time: Option<Timestamp>,
        #[prost(message, optional, tag = "13")]
        pub update_time: Option<Timestamp>,
        #[prost(map = "string, string", tag = "15")]
        pub labels: HashMap<String, String>,
        #[prost(message, optional, tag = "17")]
        pub versioning: Option<Versioning>,
        #[prost(message, optional, tag = "20")]
        pub encryption: Option<Encryption>,
        #[prost(message, optional, tag = "23")]
        pub iam_config: Option<IamConfig>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetBucketRequest {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(int64, optional, tag = "2")]
        pub if_metageneration_match: Option<i64>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DeleteBucketRequest {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(int64, optional, tag = "2")]
        pub if_metageneration_match: Option<i64>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CreateBucketRequest {
        #[prost(string, tag = "1")]
        pub parent: String,
        #[prost(message, optional, tag = "2")]
        pub bucket: Option<Bucket>,
        #[prost(string, tag = "3")]
        pub bucket_id: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UpdateBucketRequest {
        #[prost(message, optional, tag = "1")]
        pub bucket: Option<Bucket>,
        #[prost(int64, optional, tag = "2")]
        pub if_metageneration_match: Option<i64>,
        #[prost(message, optional, tag = "6")]
        pub update_mask: Option<FieldMask>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Binding {
        #[prost(string, tag = "1")]
        pub role: String,
        #[prost(string, repeated, tag = "2")]
        pub members: Vec<String>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Policy {
        #[prost(int32, tag = "1")]
        pub version: i32,
        #[prost(message, repeated, tag = "4")]
        pub bindings: Vec<Binding>,
        #[prost(bytes = "vec", tag = "3")]
        pub etag: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetIamPolicyRequest {
        #[prost(string, tag = "1")]
        pub resource: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SetIamPolicyRequest {
        #[prost(string, tag = "1")]
        pub resource: String,
        #[prost(message, optional, tag = "2")]
        pub policy: Option<Policy>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Object {
        #[prost(string, tag = "1")]
        pub name: String,
        /// `projects/_/buckets/NAME`.
        #[prost(string, tag = "2")]
        pub bucket: String,
        #[prost(int64, tag = "3")]
        pub generation: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ListObjectsRequest {
        #[prost(string, tag = "1")]
        pub parent: String,
        #[prost(int32, tag = "2")]
        pub page_size: i32,
        #[prost(string, tag = "3")]
        pub page_token: String,
        #[prost(bool, tag = "7")]
        pub versions: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ListObjectsResponse {
        #[prost(message, repeated, tag = "1")]
        pub objects: Vec<Object>,
        #[prost(string, tag = "3")]
        pub next_page_token: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DeleteObjectRequest {
        #[prost(string, tag = "1")]
        pub bucket: String,
        #[prost(string, tag = "2")]
        pub object: String,
        #[prost(int64, tag = "4")]
        pub generation: i64,
    }
}

/// One generation of an object; only the live one is listed without `versions`.
#[derive(Clone, Debug)]
pub struct StoredObject {
    pub object: pb::Object,
    pub live: bool,
}

/// What GCS holds: buckets by name (names are global), their IAM policies, and their objects
/// (every generation, by name then generation).
#[derive(Default)]
pub struct Buckets {
    pub buckets: BTreeMap<String, pb::Bucket>,
    pub policies: BTreeMap<String, pb::Policy>,
    pub objects: BTreeMap<String, Vec<StoredObject>>,
    /// Calls served, of any method.
    pub requests: usize,
    next: i64,
}

pub type SharedBuckets = Arc<Mutex<Buckets>>;

/// The project number the fake gives a project id (Google's are 12 digits).
pub fn project_number(project_id: &str) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in project_id.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    100_000_000_000 + hash % 900_000_000_000
}

/// `projects/_/buckets/NAME` -> NAME.
fn bucket_name(path: &str) -> Result<String, Status> {
    path.strip_prefix("projects/_/buckets/")
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .map(str::to_string)
        .ok_or_else(|| Status::invalid_argument(format!("Invalid bucket name: '{path}'")))
}

/// GCS's naming rules (the common case: 3 to 63 lowercase letters, digits, `-`, `_` and `.`,
/// starting and ending with a letter or digit).
fn valid_bucket_id(id: &str) -> bool {
    (3..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.ends_with(|c: char| c.is_ascii_alphanumeric())
}

impl Buckets {
    fn tick(&mut self) -> i64 {
        self.next += 1;
        1_764_547_200 + self.next
    }

    fn get(&self, name: &str) -> Result<&pb::Bucket, Status> {
        self.buckets
            .get(name)
            .ok_or_else(|| Status::not_found(format!("The specified bucket does not exist: {name}")))
    }

    pub fn create(&mut self, request: pb::CreateBucketRequest) -> Result<pb::Bucket, Status> {
        let id = request.bucket_id;
        if !valid_bucket_id(&id) {
            return Err(Status::invalid_argument(format!("Invalid bucket name: '{id}'")));
        }
        if request.parent != "projects/_" {
            return Err(Status::invalid_argument("parent must be projects/_"));
        }
        let mut bucket = request.bucket.unwrap_or_default();
        if !bucket.project.starts_with("projects/") {
            return Err(Status::invalid_argument("bucket.project must be projects/PROJECT"));
        }
        if self.buckets.contains_key(&id) {
            return Err(Status::already_exists(
                "Your previous request to create the named bucket succeeded and you already own it.",
            ));
        }
        let now = self.tick();
        bucket.name = format!("projects/_/buckets/{id}");
        bucket.bucket_id = id.clone();
        bucket.metageneration = 1;
        bucket.etag = format!("CAE={now}");
        if bucket.location.is_empty() {
            bucket.location = "US".into();
        }
        bucket.location = bucket.location.to_uppercase();
        bucket.location_type = if bucket.location.contains('-') {
            "region"
        } else {
            "multi-region"
        }
        .into();
        if bucket.storage_class.is_empty() {
            bucket.storage_class = "STANDARD".into();
        }
        let iam = bucket.iam_config.get_or_insert_with(Default::default);
        if iam.public_access_prevention.is_empty() {
            iam.public_access_prevention = "inherited".into();
        }
        iam.uniform_bucket_level_access.get_or_insert_with(Default::default);
        bucket.create_time = Some(pb::Timestamp { seconds: now, nanos: 0 });
        bucket.update_time = bucket.create_time.clone();
        // A new bucket's policy: the project's owners, editors and viewers (by project id);
        // the bucket names its project by number, as Google answers.
        let project = bucket.project.trim_start_matches("projects/").to_string();
        bucket.project = format!("projects/{}", project_number(&project));
        let binding = |role: &str, members: &[&str]| pb::Binding {
            role: role.into(),
            members: members.iter().map(|m| format!("{m}:{project}")).collect(),
        };
        self.policies.insert(
            id.clone(),
            pb::Policy {
                version: 1,
                bindings: vec![
                    binding("roles/storage.legacyBucketOwner", &["projectEditor", "projectOwner"]),
                    binding("roles/storage.legacyBucketReader", &["projectViewer"]),
                ],
                etag: b"CAE=".to_vec(),
            },
        );
        self.buckets.insert(id, bucket.clone());
        Ok(bucket)
    }

    fn update(&mut self, request: pb::UpdateBucketRequest) -> Result<pb::Bucket, Status> {
        let given = request.bucket.unwrap_or_default();
        let name = bucket_name(&given.name)?;
        let now = self.tick();
        let current = self.get(&name)?.clone();
        if let Some(expected) = request.if_metageneration_match
            && expected != current.metageneration
        {
            return Err(Status::failed_precondition(
                "At least one of the pre-conditions you specified did not hold.",
            ));
        }
        let mask = request
            .update_mask
            .ok_or_else(|| Status::invalid_argument("update_mask is required"))?;
        let mut bucket = current;
        for path in mask.paths {
            match path.as_str() {
                "labels" => bucket.labels = given.labels.clone(),
                "versioning" => bucket.versioning = given.versioning.clone(),
                "lifecycle" => bucket.lifecycle = given.lifecycle.clone(),
                "encryption" => bucket.encryption = given.encryption.clone(),
                "iam_config" => bucket.iam_config = given.iam_config.clone(),
                other => {
                    return Err(Status::invalid_argument(format!(
                        "The fake does not update field '{other}'"
                    )));
                }
            }
        }
        bucket.metageneration += 1;
        bucket.etag = format!("CAI={now}");
        bucket.update_time = Some(pb::Timestamp { seconds: now, nanos: 0 });
        self.buckets.insert(name, bucket.clone());
        Ok(bucket)
    }

    fn delete(&mut self, request: pb::DeleteBucketRequest) -> Result<pb::Empty, Status> {
        let name = bucket_name(&request.name)?;
        self.get(&name)?;
        if self.objects.get(&name).is_some_and(|objects| !objects.is_empty()) {
            return Err(Status::failed_precondition(
                "The bucket you tried to delete is not empty.",
            ));
        }
        self.buckets.remove(&name);
        self.policies.remove(&name);
        Ok(pb::Empty {})
    }

    /// Two generations of each of `count` objects (an old one kept by versioning, the live
    /// one), as the server's writes leave them.
    pub fn put_objects(&mut self, name: &str, count: usize) {
        for i in 0..count {
            for live in [false, true] {
                let generation = self.tick() * 1000;
                let object = pb::Object {
                    name: format!("artifacts/{i}"),
                    bucket: format!("projects/_/buckets/{name}"),
                    generation,
                };
                let objects = self.objects.entry(name.to_string()).or_default();
                // A new live generation makes the one before it an old version.
                for older in objects.iter_mut().filter(|o| o.object.name == object.name) {
                    older.live = false;
                }
                objects.push(StoredObject { object, live });
            }
        }
        if let Some(objects) = self.objects.get_mut(name) {
            objects.sort_by(|a, b| (&a.object.name, a.object.generation).cmp(&(&b.object.name, b.object.generation)));
        }
    }

    /// A page of objects in name then generation order; the token names the last one given, so
    /// deletes between pages skip nothing.
    fn list_objects(&mut self, request: pb::ListObjectsRequest) -> Result<pb::ListObjectsResponse, Status> {
        let name = bucket_name(&request.parent)?;
        self.get(&name)?;
        let size = match request.page_size {
            n if n <= 0 || n > 1000 => 1000,
            n => n as usize,
        };
        let after = request
            .page_token
            .rsplit_once('#')
            .and_then(|(object, generation)| Some((object.to_string(), generation.parse::<i64>().ok()?)));
        let mut listed = self
            .objects
            .get(&name)
            .into_iter()
            .flatten()
            .filter(|o| request.versions || o.live)
            .map(|o| o.object.clone())
            .filter(|o| after.as_ref().is_none_or(|(n, g)| (&o.name, o.generation) > (n, *g)));
        let objects: Vec<pb::Object> = listed.by_ref().take(size).collect();
        let next_page_token = match (listed.next(), objects.last()) {
            (Some(_), Some(last)) => format!("{}#{}", last.name, last.generation),
            _ => String::new(),
        };
        Ok(pb::ListObjectsResponse {
            objects,
            next_page_token,
        })
    }

    /// A generation, or without one the live object (kept as an old version when the bucket
    /// is versioned).
    fn delete_object(&mut self, request: pb::DeleteObjectRequest) -> Result<pb::Empty, Status> {
        let name = bucket_name(&request.bucket)?;
        let versioned = self.get(&name)?.versioning.as_ref().is_some_and(|v| v.enabled);
        let objects = self.objects.entry(name.clone()).or_default();
        let found = objects.iter().position(|o| {
            o.object.name == request.object
                && if request.generation == 0 {
                    o.live
                } else {
                    o.object.generation == request.generation
                }
        });
        let Some(index) = found else {
            return Err(Status::not_found(format!("No such object: {name}/{}", request.object)));
        };
        if request.generation == 0 && versioned {
            objects[index].live = false;
        } else {
            objects.remove(index);
        }
        Ok(pb::Empty {})
    }

    fn get_policy(&self, resource: &str) -> Result<pb::Policy, Status> {
        let name = bucket_name(resource)?;
        self.get(&name)?;
        Ok(self.policies.get(&name).cloned().unwrap_or_default())
    }

    fn set_policy(&mut self, request: pb::SetIamPolicyRequest) -> Result<pb::Policy, Status> {
        let name = bucket_name(&request.resource)?;
        let current = self.get_policy(&request.resource)?;
        let mut policy = request
            .policy
            .ok_or_else(|| Status::invalid_argument("policy is required"))?;
        if !policy.etag.is_empty() && policy.etag != current.etag {
            return Err(Status::aborted(
                "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
            ));
        }
        let now = self.tick();
        policy.bindings.retain(|b| !b.members.is_empty());
        policy.version = 1;
        policy.etag = format!("CAE={now}").into_bytes();
        self.policies.insert(name, policy.clone());
        Ok(policy)
    }
}

/// Seconds since the epoch as RFC 3339, as the JSON API writes times.
fn rfc3339(time: Option<&pb::Timestamp>) -> Option<String> {
    let seconds = time?.seconds;
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    ))
}

impl Buckets {
    /// `GET /storage/v1/b/{bucket}`: the same bucket as the gRPC API holds it, in the JSON API's
    /// shape (numbers as strings, the project by number, upper-case locations).
    pub fn json_bucket(&self, name: &str) -> Option<serde_json::Value> {
        use serde_json::json;
        let bucket = self.buckets.get(name)?;
        let iam = bucket.iam_config.clone().unwrap_or_default();
        let rules: Vec<serde_json::Value> = bucket
            .lifecycle
            .iter()
            .flat_map(|l| l.rule.iter())
            .map(|rule| {
                let condition = rule.condition.clone().unwrap_or_default();
                let mut c = serde_json::Map::new();
                if let Some(age) = condition.age_days {
                    c.insert("age".into(), age.into());
                }
                if let Some(live) = condition.is_live {
                    c.insert("isLive".into(), live.into());
                }
                if let Some(days) = condition.days_since_noncurrent_time {
                    c.insert("daysSinceNoncurrentTime".into(), days.into());
                }
                json!({ "action": { "type": rule.action.clone().unwrap_or_default().r#type }, "condition": c })
            })
            .collect();
        let mut out = json!({
            "kind": "storage#bucket",
            "id": name,
            "name": name,
            "selfLink": format!("https://www.googleapis.com/storage/v1/b/{name}"),
            "projectNumber": bucket.project.trim_start_matches("projects/"),
            "metageneration": bucket.metageneration.to_string(),
            "location": bucket.location.to_uppercase(),
            "locationType": bucket.location_type,
            "storageClass": bucket.storage_class,
            "etag": bucket.etag,
            "timeCreated": rfc3339(bucket.create_time.as_ref()),
            "updated": rfc3339(bucket.update_time.as_ref()),
            "versioning": { "enabled": bucket.versioning.as_ref().is_some_and(|v| v.enabled) },
            "iamConfiguration": {
                "uniformBucketLevelAccess": {
                    "enabled": iam.uniform_bucket_level_access.as_ref().is_some_and(|u| u.enabled),
                },
                "publicAccessPrevention": iam.public_access_prevention,
            },
        });
        if !bucket.labels.is_empty() {
            out["labels"] = json!(bucket.labels);
        }
        if !rules.is_empty() {
            out["lifecycle"] = json!({ "rule": rules });
        }
        if let Some(key) = bucket.encryption.as_ref().filter(|e| !e.default_kms_key.is_empty()) {
            out["encryption"] = json!({ "defaultKmsKeyName": key.default_kms_key });
        }
        Some(out)
    }

    /// `GET /storage/v1/b/{bucket}/iam`: the bucket's policy in the JSON API's shape.
    pub fn json_policy(&self, name: &str) -> Option<serde_json::Value> {
        use base64::Engine;
        self.buckets.get(name)?;
        let policy = self.policies.get(name).cloned().unwrap_or_default();
        Some(serde_json::json!({
            "kind": "storage#policy",
            "resourceId": format!("projects/_/buckets/{name}"),
            "version": policy.version.max(1),
            "etag": base64::engine::general_purpose::STANDARD.encode(&policy.etag),
            "bindings": policy
                .bindings
                .iter()
                .map(|b| serde_json::json!({ "role": b.role, "members": b.members }))
                .collect::<Vec<_>>(),
        }))
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One unary method: decode, call `handler` on the buckets, encode.
struct Unary<Req, Res> {
    buckets: SharedBuckets,
    handler: fn(&mut Buckets, Req) -> Result<Res, Status>,
}

impl<Req: Send + 'static, Res: Send + 'static> UnaryService<Req> for Unary<Req, Res> {
    type Response = Res;
    type Future = BoxFuture<Result<Response<Res>, Status>>;

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let result = {
            let mut buckets = self.buckets.lock().unwrap();
            (self.handler)(&mut buckets, request.into_inner())
        };
        Box::pin(async move { result.map(Response::new) })
    }
}

async fn unary<Req, Res>(
    buckets: SharedBuckets,
    handler: fn(&mut Buckets, Req) -> Result<Res, Status>,
    request: http::Request<tonic::body::Body>,
) -> http::Response<tonic::body::Body>
where
    Req: prost::Message + Default + Send + 'static,
    Res: prost::Message + Send + 'static,
{
    let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::<Res, Req>::default());
    grpc.unary(Unary { buckets, handler }, request).await
}

/// Both services, told apart by the request path.
#[derive(Clone)]
pub struct StorageService<const CONTROL: bool> {
    pub buckets: SharedBuckets,
}

impl NamedService for StorageService<false> {
    const NAME: &'static str = "google.storage.v2.Storage";
}

impl NamedService for StorageService<true> {
    const NAME: &'static str = "google.storage.control.v2.StorageControl";
}

impl<const CONTROL: bool> tower::Service<http::Request<tonic::body::Body>> for StorageService<CONTROL> {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let buckets = self.buckets.clone();
        buckets.lock().unwrap().requests += 1;
        let method = request.uri().path().rsplit('/').next().unwrap_or_default().to_string();
        Box::pin(async move {
            let response = match (CONTROL, method.as_str()) {
                (false, "CreateBucket") => unary(buckets, Buckets::create, request).await,
                (false, "GetBucket") => {
                    unary(
                        buckets,
                        |b, r: pb::GetBucketRequest| b.get(&bucket_name(&r.name)?).cloned(),
                        request,
                    )
                    .await
                }
                (false, "UpdateBucket") => unary(buckets, Buckets::update, request).await,
                (false, "DeleteBucket") => unary(buckets, Buckets::delete, request).await,
                (false, "ListObjects") => unary(buckets, Buckets::list_objects, request).await,
                (false, "DeleteObject") => unary(buckets, Buckets::delete_object, request).await,
                (true, "GetIamPolicy") => {
                    unary(
                        buckets,
                        |b, r: pb::GetIamPolicyRequest| b.get_policy(&r.resource),
                        request,
                    )
                    .await
                }
                (true, "SetIamPolicy") => unary(buckets, Buckets::set_policy, request).await,
                _ => Status::unimplemented(format!("The fake GCS does not serve {method}")).into_http(),
            };
            Ok(response)
        })
    }
}

/// Serves both services (HTTP/2) on a free port of 127.0.0.1; dropping the result stops them.
pub fn serve(buckets: SharedBuckets) -> crate::serve::Served {
    crate::serve::Served::start_with(|listener, stop| async move {
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let _ = tonic::transport::Server::builder()
            .add_service(StorageService::<false> {
                buckets: buckets.clone(),
            })
            .add_service(StorageService::<true> { buckets })
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stop.await;
            })
            .await;
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339_in_utc() {
        let at = |seconds| super::rfc3339(Some(&super::pb::Timestamp { seconds, nanos: 0 })).unwrap();
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_764_547_200), "2025-12-01T00:00:00.000Z");
        assert_eq!(at(951_827_696), "2000-02-29T12:34:56.000Z");
    }
}
