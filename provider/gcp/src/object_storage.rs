//! The GCP half of `circleciserver_object_storage`: the Cloud Storage bucket for artifacts, job output
//! and audit logs, and the server's access to it.
//!
//! Secure by default: uniform bucket-level access (no object ACLs), public access prevention
//! enforced, versioning on, encrypted at rest (Google-managed keys, or `kms_key_name`). Access
//! for the server is a service account that holds `roles/storage.objectAdmin` on this bucket
//! only (a read-modify-write of the bucket's policy with its etag), reached through workload
//! identity by the server's Kubernetes service accounts that use storage, or through a key file.
//!
//! A bucket of the name made by an earlier, interrupted apply (it carries this provider's
//! `managed-by` label) is adopted; any other is refused. Destroy keeps a non-empty bucket
//! unless `force_destroy`, which deletes every object generation first.
//!
//! Import: `terraform import circleciserver_object_storage.NAME projects/_/buckets/BUCKET` (Cloud
//! Storage's resource name; a bare name is an S3 bucket's). A key file cannot be read back: after
//! importing `access = "key"`, `service_account_key` stays null.

use std::collections::BTreeMap;

use async_trait::async_trait;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::object_storage::{self, Spec};
use circleci_core::tags::own_tags;
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan};
use google_cloud_gax::error::rpc::Code;
use google_cloud_storage::model::Bucket;
use google_cloud_storage::model::bucket::iam_config::UniformBucketLevelAccess;
use google_cloud_storage::model::bucket::lifecycle::Rule;
use google_cloud_storage::model::bucket::lifecycle::rule::{Action, Condition};
use google_cloud_storage::model::bucket::{Encryption, IamConfig, Lifecycle, Versioning};
use serde::{Deserialize, Serialize};

use crate::labels::{self, MANAGED_BY};
use crate::service_account::{self, AccessKind, KEY, NONE, WORKLOAD_IDENTITY, WORKLOAD_IDENTITY_USER};
use crate::{Gcp, GcpData, error};

pub struct ObjectStorage;

const OBJECT_ADMIN: &str = "roles/storage.objectAdmin";
/// The server's Kubernetes service accounts that read and write the bucket (the services
/// that use storage: `circleciserver_server` annotates exactly these).
const STORAGE_USERS: [&str; 3] = ["audit-log-service", "frontend", "output-processor"];
const ENDPOINT: &str = "https://storage.googleapis.com";

/// The `gcp` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GcpSettings {
    location: Option<String>,
    kms_key_name: Option<String>,
    namespace: Option<String>,
    service_account_id: Option<String>,
    service_account_email: Option<String>,
    key_id: Option<String>,
    service_account_key: Option<String>,
}

type Model = CloudModel<Spec, GcpSettings>;

fn gcp_block() -> Block {
    Block::new(
        "GCP: a Cloud Storage bucket (uniform bucket-level access, public access prevention enforced) and a service \
         account with object admin on it only.",
    )
    .attribute(
        Attribute::optional_computed(
            "location",
            Type::String,
            "A region (`us-east1`) or multi-region (`US`); the provider's region when left out.",
        )
        .requires_replace()
        .use_state_for_unknown(),
    )
    .attribute(Attribute::optional(
        "kms_key_name",
        Type::String,
        "Encrypt new objects with this Cloud KMS key (`projects/P/locations/L/keyRings/R/cryptoKeys/K`) instead of \
         Google-managed keys.",
    ))
    .attribute(
        Attribute::optional(
            "namespace",
            Type::String,
            "Namespace of the server, for `workload_identity`.",
        )
        .default(Value::from(DEFAULT_NAMESPACE)),
    )
    .attribute(
        Attribute::optional_computed(
            "service_account_id",
            Type::String,
            "Id of the server's service account (6 to 30 characters); `cci-` and the bucket name (cut to fit) when \
             left out.",
        )
        .requires_replace()
        .use_state_for_unknown(),
    )
    .attribute(Attribute::computed(
        "service_account_email",
        Type::String,
        "The server's service account: `circleciserver_server`'s `object_storage.gcp_service_account` for workload \
         identity.",
    ))
    .attribute(Attribute::computed("key_id", Type::String, "The key's id, for `key`."))
    .attribute(
        Attribute::computed(
            "service_account_key",
            Type::String,
            "Installer: the storage service-account key file (JSON), for `key`.",
        )
        .sensitive(),
    )
}

fn bucket_path(name: &str) -> String {
    format!("projects/_/buckets/{name}")
}

/// `cci-` and the bucket name's letters, digits and hyphens, cut to IAM's 30 characters.
fn default_account_id(bucket: &str) -> String {
    let mut id: String = format!("cci-{}", bucket.replace(['.', '_'], "-"))
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(30)
        .collect();
    while id.ends_with('-') {
        id.pop();
    }
    id
}

fn account_id(model: &Model) -> String {
    model
        .settings
        .service_account_id
        .clone()
        .unwrap_or_else(|| default_account_id(&model.spec.name))
}

fn access_kind(model: &Model) -> AccessKind {
    AccessKind::of(model.spec.access.as_deref())
}

fn owner(bucket: &str) -> String {
    format!("CircleCI Server object storage {bucket} (managed by terraform-provider-circleciserver)")
}

fn bucket_labels(gcp: &Gcp, spec: &Spec) -> BTreeMap<String, String> {
    let mut labels = gcp.labels(&spec.tags.clone().unwrap_or_default());
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    labels
}

/// Objects (and, with versioning, old versions) deleted `days` after they were written.
fn lifecycle(expiry_days: Option<i64>) -> Lifecycle {
    let mut lifecycle = Lifecycle::default();
    if let Some(days) = expiry_days {
        let days = days as i32;
        let delete = |condition: Condition| {
            let mut action = Action::default();
            action.r#type = "Delete".into();
            let mut rule = Rule::default();
            rule.action = Some(action);
            rule.condition = Some(condition);
            rule
        };
        let mut by_age = Condition::default();
        by_age.age_days = Some(days);
        let mut old_versions = Condition::default();
        old_versions.days_since_noncurrent_time = Some(days);
        lifecycle.rule = vec![delete(by_age), delete(old_versions)];
    }
    lifecycle
}

fn expiry_days(bucket: &Bucket) -> Option<i64> {
    bucket
        .lifecycle
        .iter()
        .flat_map(|l| l.rule.iter())
        .filter(|r| r.action.as_ref().is_some_and(|a| a.r#type == "Delete"))
        .find_map(|r| r.condition.as_ref()?.age_days)
        .map(i64::from)
}

fn versioning(enabled: bool) -> Versioning {
    let mut versioning = Versioning::default();
    versioning.enabled = enabled;
    versioning
}

fn encryption(kms_key_name: Option<&String>) -> Encryption {
    let mut encryption = Encryption::default();
    encryption.default_kms_key = kms_key_name.cloned().unwrap_or_default();
    encryption
}

/// The bucket as the configuration wants it.
fn desired(gcp: &Gcp, model: &Model, location: &str) -> Bucket {
    let mut ubla = UniformBucketLevelAccess::default();
    ubla.enabled = true;
    let mut iam = IamConfig::default();
    iam.uniform_bucket_level_access = Some(ubla);
    iam.public_access_prevention = "enforced".into();
    let mut bucket = Bucket::default();
    bucket.project = format!("projects/{}", gcp.project);
    bucket.location = location.to_string();
    bucket.iam_config = Some(iam);
    bucket.versioning = Some(versioning(model.spec.versioning.unwrap_or(true)));
    bucket.lifecycle = Some(lifecycle(model.spec.expiry_days));
    bucket.labels = bucket_labels(gcp, &model.spec).into_iter().collect();
    if model.settings.kms_key_name.is_some() {
        bucket.encryption = Some(encryption(model.settings.kms_key_name.as_ref()));
    }
    bucket
}

async fn get_bucket(gcp: &Gcp, name: &str) -> Result<Option<Bucket>, Diagnostic> {
    error::unless_gone(
        gcp.storage.get_bucket().set_name(bucket_path(name)).send().await,
        &format!("read bucket {name}"),
    )
}

/// The bucket when this provider made it (an earlier, interrupted apply); else a diagnostic.
fn adopt_bucket(bucket: Bucket, name: &str) -> Result<Bucket, Diagnostic> {
    if bucket.labels.get(MANAGED_BY.0).map(String::as_str) == Some(MANAGED_BY.1) {
        tracing::info!(bucket = name, "adopting the bucket an earlier apply made");
        return Ok(bucket);
    }
    Err(Diagnostic::error(
        format!("Bucket {name} already exists"),
        "It was not made by this provider (it lacks the managed-by label), so it is left alone. Bucket names are \
         global: choose another name.",
    )
    .at(&AttributePath::root().attr("name")))
}

async fn create_bucket(gcp: &Gcp, model: &Model, location: &str) -> Result<Bucket, Diagnostic> {
    let name = &model.spec.name;
    let created = gcp
        .storage
        .create_bucket()
        .set_parent("projects/_")
        .set_bucket_id(name)
        .set_bucket(desired(gcp, model, location))
        .send()
        .await;
    let adopted = match created {
        Ok(bucket) => return Ok(bucket),
        Err(e) if error::is_already_exists(&e) => match get_bucket(gcp, name).await? {
            Some(bucket) => adopt_bucket(bucket, name)?,
            None => return Err(error::api(&format!("create bucket {name}"), e)),
        },
        Err(e) => return Err(error::api(&format!("create bucket {name}"), e)),
    };
    // Brought to the configuration, access prevention included.
    let mut paths = vec!["labels", "versioning", "lifecycle", "iam_config"];
    if model.settings.kms_key_name.is_some() {
        paths.push("encryption");
    }
    update_bucket(gcp, name, desired(gcp, model, location), adopted.metageneration, paths).await
}

/// Sets the fields `paths` of the bucket to those of `change`, if the bucket is still at
/// `metageneration` (else Google refuses, and the next apply reads it again).
async fn update_bucket(
    gcp: &Gcp,
    name: &str,
    mut change: Bucket,
    metageneration: i64,
    paths: Vec<&str>,
) -> Result<Bucket, Diagnostic> {
    change.name = bucket_path(name);
    gcp.storage
        .update_bucket()
        .set_bucket(change)
        .set_if_metageneration_match(metageneration)
        .set_update_mask(google_cloud_wkt::FieldMask::default().set_paths(paths))
        .send()
        .await
        .map_err(|e| error::api(&format!("update bucket {name}"), e))
}

/// `member`'s object admin on the bucket, granted or revoked.
async fn change_bucket_role(gcp: &Gcp, bucket: &str, member: &str, grant: bool) -> Result<(), Diagnostic> {
    let resource = bucket_path(bucket);
    service_account::change_shared_policy(
        &format!("bucket {bucket}"),
        OBJECT_ADMIN,
        member,
        grant,
        || gcp.storage.get_iam_policy().set_resource(&resource).send(),
        |policy| {
            gcp.storage
                .set_iam_policy()
                .set_resource(&resource)
                .set_policy(policy)
                .send()
        },
    )
    .await
}

/// The server's access as `model` says: the service account with object admin on the bucket,
/// workload identity for the storage users, a key file, or nothing at all (`none`).
async fn set_access(gcp: &Gcp, model: &mut Model) -> Result<(), Diagnostic> {
    let id = account_id(model);
    let email = service_account::email(gcp, &id);
    let path = service_account::path(gcp, &email);
    let bucket = model.spec.name.clone();
    model.settings.service_account_id = Some(id.clone());
    if access_kind(model) == AccessKind::None {
        change_bucket_role(gcp, &bucket, &service_account::member(&email), false).await?;
        service_account::delete(gcp, &path).await?;
        model.settings.service_account_email = None;
        model.settings.key_id = None;
        model.settings.service_account_key = None;
        return Ok(());
    }
    service_account::ensure(
        gcp,
        &id,
        "CircleCI Server object storage",
        &owner(&bucket),
        &format!("object storage {bucket:?}"),
    )
    .await?;
    model.settings.service_account_email = Some(email.clone());
    change_bucket_role(gcp, &bucket, &service_account::member(&email), true).await?;
    let mut bindings = Vec::new();
    if access_kind(model) == AccessKind::WorkloadIdentity {
        let namespace = model.settings.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        let members = STORAGE_USERS
            .iter()
            .map(|user| service_account::workload_identity_member(gcp, namespace, user))
            .collect();
        let mut binding = service_account::binding(WORKLOAD_IDENTITY_USER, String::new());
        binding.members = members;
        bindings.push(binding);
    }
    service_account::set_policy(gcp, &path, bindings).await?;
    let key = service_account::replace_keys(gcp, &path, access_kind(model) == AccessKind::Key).await?;
    model.settings.key_id = key.as_ref().map(|(id, _)| id.clone());
    model.settings.service_account_key = key.map(|(_, file)| file);
    Ok(())
}

fn record(model: &mut Model, bucket: &Bucket) {
    let name = bucket.bucket_id.clone();
    model.spec.name = name.clone();
    model.spec.id = Some(name.clone());
    model.spec.bucket = Some(name);
    model.spec.endpoint = Some(ENDPOINT.into());
    // Google answers locations in upper case; keep the configuration's spelling.
    let location = match model.settings.location.clone() {
        Some(given) if given.eq_ignore_ascii_case(&bucket.location) => given,
        _ => bucket.location.to_lowercase(),
    };
    model.spec.region = Some(location.clone());
    model.settings.location = Some(location);
}

async fn create(gcp: &Gcp, mut model: Model) -> Result<Model, Failure> {
    let location = match model.settings.location.clone() {
        Some(location) => location,
        None => crate::parts::region(gcp, "bucket's default location")?.to_string(),
    };
    model.settings.location = Some(location.clone());
    let bucket = create_bucket(gcp, &model, &location).await?;
    record(&mut model, &bucket);
    model.settings.service_account_id = Some(account_id(&model));
    // From here on, the bucket is in the state returned on failure (with no access yet).
    match set_access(gcp, &mut model).await {
        Ok(()) => Ok(model),
        Err(d) => {
            model.spec.access = Some(NONE.into());
            Err(Failure::from(d).with_partial_state(model.value(Cloud::Gcp)?))
        }
    }
}

async fn read(gcp: &Gcp, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let name = model.spec.id.clone().unwrap_or_else(|| model.spec.name.clone());
    let Some(bucket) = get_bucket(gcp, &name).await? else {
        return what_is_left(gcp, model).await;
    };
    record(&mut model, &bucket);
    let spec = &mut model.spec;
    spec.versioning = Some(bucket.versioning.as_ref().is_some_and(|v| v.enabled));
    spec.expiry_days = expiry_days(&bucket);
    spec.force_destroy = Some(spec.force_destroy.unwrap_or(false));
    let actual: BTreeMap<String, String> = bucket.labels.clone().into_iter().collect();
    spec.tags = own_tags(actual, spec.tags.as_ref(), &gcp.default_labels, |k, _| {
        labels::is_internal(k)
    });
    let kms = bucket
        .encryption
        .as_ref()
        .map(|e| e.default_kms_key.clone())
        .filter(|k| !k.is_empty());
    model.settings.kms_key_name = kms;

    // The access: the service account, if it exists and holds object admin on the bucket.
    let id = account_id(&model);
    let email = service_account::email(gcp, &id);
    let path = service_account::path(gcp, &email);
    model.settings.service_account_id = Some(id);
    let policy = gcp
        .storage
        .get_iam_policy()
        .set_resource(bucket_path(&name))
        .send()
        .await
        .map_err(|e| error::api(&format!("read the IAM policy of bucket {name}"), e))?;
    let member = service_account::member(&email);
    let granted = policy
        .bindings
        .iter()
        .any(|b| b.role == OBJECT_ADMIN && b.members.contains(&member));
    let account = if granted {
        service_account::get(gcp, &path).await?
    } else {
        None
    };
    let settings = &mut model.settings;
    let kind = match account {
        None => AccessKind::None,
        Some(_) => {
            let own = service_account::get_policy(gcp, &path).await?;
            let keys = service_account::user_keys(gcp, &path).await?;
            let namespaces = service_account::workload_identity_namespaces(gcp, &own, STORAGE_USERS[0]);
            if let Some(namespace) = namespaces.into_iter().next() {
                settings.namespace = Some(namespace);
                AccessKind::WorkloadIdentity
            } else if service_account::has_key(settings.key_id.as_deref(), &keys) {
                if settings.key_id.is_none() {
                    settings.key_id = keys.first().map(|k| crate::parts::last(k).to_string());
                }
                AccessKind::Key
            } else {
                AccessKind::None
            }
        }
    };
    settings.namespace.get_or_insert_with(|| DEFAULT_NAMESPACE.to_string());
    settings.service_account_email = (kind != AccessKind::None).then_some(email);
    if kind != AccessKind::Key {
        settings.key_id = None;
        settings.service_account_key = None;
    }
    model.spec.access = Some(kind.to_string());
    Ok(Some(model))
}

async fn update(gcp: &Gcp, prior: Model, mut planned: Model) -> Result<Model, Failure> {
    let name = prior.spec.name.clone();
    planned.settings.key_id = prior.settings.key_id.clone();
    planned.settings.service_account_key = prior.settings.service_account_key.clone();
    planned.settings.service_account_email = prior.settings.service_account_email.clone();
    let steps = async {
        let location = prior.settings.location.clone().unwrap_or_default();
        let mut mask = Vec::new();
        if prior.spec.tags != planned.spec.tags {
            mask.push("labels");
        }
        if prior.spec.versioning != planned.spec.versioning {
            mask.push("versioning");
        }
        if prior.spec.expiry_days != planned.spec.expiry_days {
            mask.push("lifecycle");
        }
        if prior.settings.kms_key_name != planned.settings.kms_key_name {
            mask.push("encryption");
        }
        if !mask.is_empty() {
            let current = get_bucket(gcp, &name)
                .await?
                .ok_or_else(|| Diagnostic::error(format!("Bucket {name} is gone"), "Apply again to make it anew."))?;
            let mut change = desired(gcp, &planned, &location);
            if planned.settings.kms_key_name.is_none() {
                change.encryption = Some(encryption(None));
            }
            update_bucket(gcp, &name, change, current.metageneration, mask).await?;
        }
        if access_kind(&prior) != access_kind(&planned) || prior.settings.namespace != planned.settings.namespace {
            set_access(gcp, &mut planned).await?;
        }
        Ok::<_, Diagnostic>(())
    };
    match steps.await {
        Ok(()) => Ok(planned),
        // What changed before the failure is read back by the next refresh.
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Gcp)?)),
    }
}

/// Objects deleted at once while emptying a bucket.
const PARALLEL_DELETES: usize = 32;

/// Deletes every object generation in the bucket (old versions too, or the bucket stays
/// non-empty); answers how many. Listing starts afresh after each page, so objects written
/// meanwhile (a server still running) are found too.
/// The bucket is gone. When its service account is still there (a destroy killed between the
/// two deletes, or the bucket deleted by hand), the resource stays in state with a null id, so
/// that the plan replaces it and a destroy deletes the account, instead of Terraform
/// forgetting it; with nothing left it is gone.
async fn what_is_left(gcp: &Gcp, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let email = service_account::email(gcp, &account_id(&model));
    if service_account::get(gcp, &service_account::path(gcp, &email))
        .await?
        .is_none()
    {
        return Ok(None);
    }
    tracing::warn!(
        bucket = model.spec.name,
        email,
        "bucket gone but its service account is left: kept in state"
    );
    model.spec.id = None;
    model.spec.bucket = None;
    model.settings.service_account_email = Some(email);
    Ok(Some(model))
}

async fn empty_bucket(gcp: &Gcp, name: &str) -> Result<usize, Diagnostic> {
    let parent = bucket_path(name);
    let mut deleted = 0;
    loop {
        let page = gcp
            .storage
            .list_objects()
            .set_parent(&parent)
            .set_versions(true)
            .set_page_size(1000)
            .send()
            .await;
        // A half-destroyed resource's bucket may be gone already: nothing to empty.
        let Some(page) = error::unless_gone(page, &format!("list the objects of bucket {name}"))? else {
            return Ok(deleted);
        };
        if page.objects.is_empty() {
            return Ok(deleted);
        }
        for chunk in page.objects.chunks(PARALLEL_DELETES) {
            let mut tasks = tokio::task::JoinSet::new();
            for object in chunk {
                let storage = gcp.storage.clone();
                let (bucket, object, generation) = (parent.clone(), object.name.clone(), object.generation);
                tasks.spawn(async move {
                    let result = storage
                        .delete_object()
                        .set_bucket(bucket)
                        .set_object(&object)
                        .set_generation(generation)
                        .send()
                        .await;
                    error::unless_gone(result, &format!("delete object {object} (generation {generation})"))
                });
            }
            while let Some(joined) = tasks.join_next().await {
                joined.map_err(|e| Diagnostic::error("Deleting an object failed", e.to_string()))??;
                deleted += 1;
            }
        }
    }
}

async fn delete(gcp: &Gcp, model: Model) -> Result<(), Failure> {
    let name = model.spec.name.clone();
    if model.spec.force_destroy == Some(true) {
        let deleted = empty_bucket(gcp, &name).await?;
        tracing::info!(bucket = name, deleted, "emptied bucket (force_destroy)");
    }
    let deleted = gcp.storage.delete_bucket().set_name(bucket_path(&name)).send().await;
    match deleted {
        Ok(_) => {}
        Err(e) if error::is_not_found(&e) => {}
        Err(e) if e.status().is_some_and(|s| s.code == Code::FailedPrecondition) => {
            return Err(object_storage::bucket_not_empty(&name).into());
        }
        Err(e) => return Err(error::api(&format!("delete bucket {name}"), e).into()),
    }
    // The bucket's policy went with it; the service account is ours to delete.
    let email = service_account::email(gcp, &account_id(&model));
    service_account::delete(gcp, &service_account::path(gcp, &email)).await?;
    Ok(())
}

#[async_trait]
impl<D: GcpData> TypedCloudHalf<D> for ObjectStorage {
    type Spec = Spec;
    type Settings = GcpSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    fn block(&self) -> Block {
        gcp_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        if let Some(name) = config.attr("name").as_str()
            && !valid_bucket_name(name)
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid bucket name",
                format!(
                    "{name:?}: 3 to 63 lowercase letters, digits, hyphens, underscores and dots, beginning and ending \
                     with a letter or digit, not starting with \"goog\"."
                ),
            );
        }
        if let Some(kind) = config.attr("access").as_str()
            && ![WORKLOAD_IDENTITY, KEY, NONE].contains(&kind)
        {
            diags.attribute_error(
                &root.attr("access"),
                "Invalid access on GCP",
                format!("{kind:?}: on GCP, access is `workload_identity`, `key` or `none`."),
            );
        }
        let gcp = config.attr("gcp");
        let id = match gcp.attr("service_account_id").as_str() {
            Some(id) => Some(id.to_string()),
            None if gcp.attr("service_account_id").is_null() => config.attr("name").as_str().map(default_account_id),
            None => None,
        };
        if let Some(id) = id
            && !service_account::valid_account_id(&id)
        {
            diags.attribute_error(
                &root.attr("gcp").attr("service_account_id"),
                "Invalid service account id",
                format!(
                    "{id:?}: 6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending \
                     with a hyphen. Set gcp.service_account_id when the bucket name does not make one."
                ),
            );
        }
        if let Some(tags) = circleci_core::tags::tag_map(config.attr("tags")) {
            labels::validate(&tags, &root.attr("tags"), diags);
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        // Only a change of access changes the service account's email and key (unknown until
        // applied); otherwise they stay as they are.
        circleci_core::cloud::keep_access_outputs(
            plan,
            "gcp",
            &AttributePath::root().attr("access"),
            &["service_account_email", "key_id", "service_account_key"],
        );
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx.data()?.gcp()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.gcp()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        update(ctx.data()?.gcp()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        delete(ctx.data()?.gcp()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "projects/_/buckets/BUCKET"
    }

    fn import(&self, id: &str) -> Option<Model> {
        let parts: Vec<&str> = id.split('/').collect();
        let ["projects", _, "buckets", name] = parts.as_slice() else {
            return None;
        };
        if !valid_bucket_name(name) {
            return None;
        }
        let mut model = Model::default();
        model.spec.id = Some(name.to_string());
        model.spec.name = name.to_string();
        Some(model)
    }
}

/// Cloud Storage's bucket names (without dots' domain verification): 3 to 63 characters.
fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !name.starts_with("goog")
        && !name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_service_account_id_fits_iam_rules() {
        assert_eq!(default_account_id("circleci-data"), "cci-circleci-data");
        let long = default_account_id("circleci.server.data.for.the.whole.company");
        assert_eq!(long, "cci-circleci-server-data-for-t");
        assert!(service_account::valid_account_id(&long));
        assert_eq!(
            default_account_id("a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p"),
            "cci-a-b-c-d-e-f-g-h-i-j-k-l-m"
        );
    }

    #[test]
    fn expiry_deletes_objects_and_old_versions() {
        let rules = lifecycle(Some(30)).rule;
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].condition.as_ref().unwrap().age_days, Some(30));
        assert_eq!(
            rules[1].condition.as_ref().unwrap().days_since_noncurrent_time,
            Some(30)
        );
        assert!(lifecycle(None).rule.is_empty());
    }
}
