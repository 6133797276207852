//! The AWS half of `circleciserver_object_storage`: the S3 bucket for artifacts, job output and audit logs,
//! and the server's access to it.
//!
//! Secure by default: all four public-access blocks on, default encryption (SSE-S3, or KMS with
//! `kms_key_arn`), a bucket policy that denies non-TLS access, versioning on (Docker layer
//! caching needs it). Access for the server is an IRSA role or an IAM user key with a policy
//! on this bucket only, plus `sts:GetFederationToken` for the output processor.
//!
//! Import: `terraform import circleciserver_object_storage.NAME BUCKET`. The IAM user's secret
//! cannot be read back: after importing `access = "iam_user"`, the secret stays null.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectIdentifier, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::object_storage::{self, Spec};
use circleci_core::tags::own_tags;
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan};
use serde::{Deserialize, Serialize};

use crate::access::{self, Access};
use crate::error::codes;
use crate::{Aws, AwsData, adopt, error};

pub struct ObjectStorage;

const EXPIRY_RULE_ID: &str = "circleci-expiry";
const BUCKET_GONE: &[&str] = &[codes::NO_SUCH_BUCKET, codes::NOT_FOUND];

/// The `aws` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AwsSettings {
    kms_key_arn: Option<String>,
    oidc_provider_arn: Option<String>,
    namespace: Option<String>,
    arn: Option<String>,
    role_arn: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

type Model = CloudModel<Spec, AwsSettings>;

fn aws_block() -> Block {
    Block::new("AWS: an S3 bucket in the provider's region, and IAM access to it.")
        .attribute(Attribute::optional(
            "kms_key_arn",
            Type::String,
            "Encrypt with this KMS key (SSE-KMS with a bucket key) instead of SSE-S3.",
        ))
        .attribute(Attribute::optional(
            "oidc_provider_arn",
            Type::String,
            "The EKS cluster's IAM OIDC provider; required with `access = \"irsa\"`.",
        ))
        .attribute(
            Attribute::optional(
                "namespace",
                Type::String,
                "Kubernetes namespace of the server, for IRSA.",
            )
            .default(Value::from(DEFAULT_NAMESPACE)),
        )
        .attribute(Attribute::computed("arn", Type::String, "The bucket ARN.").use_state_for_unknown())
        .attribute(Attribute::computed(
            "role_arn",
            Type::String,
            "IRSA role ARN (installer: *IAM Role ARN*).",
        ))
        .attribute(Attribute::computed(
            "access_key_id",
            Type::String,
            "Access key id of the IAM user (installer: *Access Key ID*).",
        ))
        .attribute(
            Attribute::computed(
                "secret_access_key",
                Type::String,
                "Secret of the IAM user's key (installer: *Secret Key*).",
            )
            .sensitive(),
        )
}

/// S3 bucket naming rules, checked before any API call.
fn bucket_name_problem(name: &str) -> Option<&'static str> {
    if !(3..=63).contains(&name.len()) {
        return Some("must be 3 to 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Some("may hold only lowercase letters, digits, hyphens and dots");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) || !name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("must begin and end with a letter or digit");
    }
    if name.contains("..") || name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("must not hold two adjacent dots or look like an IP address");
    }
    None
}

fn iam_name(bucket: &str) -> String {
    access::entity_name("circleci-storage", bucket)
}

fn bucket_policy(partition: &str, bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:{partition}:s3:::{bucket}"), format!("arn:{partition}:s3:::{bucket}/*")],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } }
        }]
    })
    .to_string()
}

/// What the server needs on this bucket, and nothing else.
fn access_policy(partition: &str, bucket: &str, kms_key_arn: Option<&str>) -> String {
    let mut statements = vec![
        serde_json::json!({
            "Sid": "Bucket",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
            "Resource": format!("arn:{partition}:s3:::{bucket}")
        }),
        serde_json::json!({
            "Sid": "Objects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            "Resource": format!("arn:{partition}:s3:::{bucket}/*")
        }),
        // The output processor hands jobs short-lived credentials scoped to their own output.
        serde_json::json!({
            "Sid": "OutputProcessorFederation",
            "Effect": "Allow",
            "Action": "sts:GetFederationToken",
            "Resource": format!("arn:{partition}:sts::*:federated-user/build-*")
        }),
    ];
    if let Some(key) = kms_key_arn {
        statements.push(serde_json::json!({
            "Sid": "Kms",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key
        }));
    }
    serde_json::json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

fn s3_error(what: &str) -> impl Fn(aws_sdk_s3::error::BuildError) -> Diagnostic + '_ {
    move |e| Diagnostic::error(format!("Invalid S3 request for {what}"), e.to_string())
}

fn access_kind(model: &Model) -> access::AccessKind {
    access::AccessKind::of(model.spec.access.as_deref())
}

fn irsa(model: &Model) -> Option<access::Irsa<'_>> {
    Some(access::Irsa {
        oidc_provider_arn: model.settings.oidc_provider_arn.as_deref()?,
        namespace: model.settings.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE),
        service_account: "*",
    })
}

async fn put_encryption(aws: &Aws, bucket: &str, kms_key_arn: Option<&str>) -> Result<(), Diagnostic> {
    let default = match kms_key_arn {
        Some(key) => ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::AwsKms)
            .kms_master_key_id(key),
        None => ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256),
    }
    .build()
    .map_err(s3_error("encryption"))?;
    let config = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .bucket_key_enabled(kms_key_arn.is_some())
                .build(),
        )
        .build()
        .map_err(s3_error("encryption"))?;
    aws.s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(|e| error::api(&format!("turn on default encryption of bucket {bucket}"), e))?;
    Ok(())
}

async fn put_versioning(aws: &Aws, bucket: &str, enabled: bool) -> Result<(), Diagnostic> {
    let status = if enabled {
        BucketVersioningStatus::Enabled
    } else {
        BucketVersioningStatus::Suspended
    };
    aws.s3
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(|e| error::api(&format!("set versioning of bucket {bucket}"), e))?;
    Ok(())
}

async fn put_expiry(aws: &Aws, bucket: &str, days: Option<i64>) -> Result<(), Diagnostic> {
    let Some(days) = days else {
        aws.s3
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| error::api(&format!("remove the expiry rule of bucket {bucket}"), e))?;
        return Ok(());
    };
    let days = days as i32;
    let rule = LifecycleRule::builder()
        .id(EXPIRY_RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .expiration(LifecycleExpiration::builder().days(days).build())
        .noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(days).build())
        .build()
        .map_err(s3_error("lifecycle"))?;
    let config = BucketLifecycleConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(s3_error("lifecycle"))?;
    aws.s3
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(|e| error::api(&format!("set the expiry rule of bucket {bucket}"), e))?;
    Ok(())
}

async fn put_tags(aws: &Aws, bucket: &str, tags: &BTreeMap<String, String>) -> Result<(), Diagnostic> {
    if tags.is_empty() {
        aws.s3
            .delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| error::api(&format!("remove the tags of bucket {bucket}"), e))?;
        return Ok(());
    }
    let tag_set = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(s3_error("tags")))
        .collect::<Result<Vec<_>, _>>()?;
    aws.s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(
            Tagging::builder()
                .set_tag_set(Some(tag_set))
                .build()
                .map_err(s3_error("tags"))?,
        )
        .send()
        .await
        .map_err(|e| error::api(&format!("tag bucket {bucket}"), e))?;
    Ok(())
}

fn tags_value(model: &Model) -> Value {
    circleci_core::tags::tag_value(model.spec.tags.clone())
}

/// True when the account's bucket `bucket` is one this provider made: it has the owner tag, or
/// it has no tags and no objects at all (created, then the attempt died before tagging it; an
/// empty bucket holds no one's data).
async fn left_by_earlier_attempt(aws: &Aws, bucket: &str) -> Result<bool, Diagnostic> {
    let tags = error::unless_gone(
        aws.s3.get_bucket_tagging().bucket(bucket).send().await,
        &[codes::NO_SUCH_TAG_SET],
        &format!("read the tags of bucket {bucket}"),
    )?;
    if let Some(tags) = tags {
        return Ok(adopt::is_owned(tags.tag_set().iter().map(|t| (t.key(), t.value()))));
    }
    let versions = aws
        .s3
        .list_object_versions()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| error::api(&format!("list the objects of bucket {bucket}"), e))?;
    Ok(versions.versions().is_empty() && versions.delete_markers().is_empty())
}

/// Creates the bucket and its security baseline. Anything that fails after the bucket exists
/// returns the state so far, so Terraform records (and on the next apply replaces) it.
async fn create(aws: &Aws, mut model: Model) -> Result<Model, Failure> {
    let bucket = model.spec.name.clone();
    let mut request = aws.s3.create_bucket().bucket(&bucket);
    if aws.region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => {}
        // Ours already: an earlier attempt made it and its answer was lost, or the apply was
        // killed before the state was saved.
        Err(e)
            if error::has_code(&e, &[codes::BUCKET_ALREADY_OWNED_BY_YOU])
                && left_by_earlier_attempt(aws, &bucket).await? =>
        {
            tracing::info!(bucket, "adopting the bucket an earlier attempt made");
        }
        Err(e) => {
            let taken = error::has_code(&e, &[codes::BUCKET_ALREADY_EXISTS, codes::BUCKET_ALREADY_OWNED_BY_YOU]);
            let mut d = error::api(&format!("create bucket {bucket}"), e);
            if taken {
                d.detail
                    .push_str(" Bucket names are global: choose another name, or import the existing bucket.");
                d = d.at(&AttributePath::root().attr("name"));
            }
            return Err(d.into());
        }
    }
    tracing::info!(bucket, "bucket created");
    model.spec.id = Some(bucket.clone());
    model.spec.bucket = Some(bucket.clone());
    model.settings.arn = Some(format!("arn:{}:s3:::{bucket}", aws.partition()));
    model.spec.region = Some(aws.region.clone());
    model.spec.endpoint = Some(endpoint(aws));
    model.settings.role_arn = None;
    model.settings.access_key_id = None;
    model.settings.secret_access_key = None;

    let baseline = async {
        aws.s3
            .put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| error::api(&format!("block public access to bucket {bucket}"), e))?;
        put_encryption(aws, &bucket, model.settings.clone().kms_key_arn.as_deref()).await?;
        if model.spec.versioning.unwrap_or(true) {
            put_versioning(aws, &bucket, true).await?;
        }
        aws.s3
            .put_bucket_policy()
            .bucket(&bucket)
            .policy(bucket_policy(aws.partition(), &bucket))
            .send()
            .await
            .map_err(|e| error::api(&format!("set the TLS-only policy of bucket {bucket}"), e))?;
        if model.spec.expiry_days.is_some() {
            put_expiry(aws, &bucket, model.spec.expiry_days).await?;
        }
        let tags = aws.tags(&tags_value(&model));
        if !tags.is_empty() {
            put_tags(aws, &bucket, &tags).await?;
        }
        let created = access::create(
            &aws.iam,
            access_kind(&model),
            &iam_name(&bucket),
            &access_policy(aws.partition(), &bucket, model.settings.clone().kms_key_arn.as_deref()),
            irsa(&model),
            &tags,
        )
        .await?;
        Ok::<_, Diagnostic>(created)
    };
    match baseline.await {
        Ok(created) => {
            set_access(&mut model, created);
            Ok(model)
        }
        Err(d) => {
            let partial = model.clone();
            Err(Failure::from(d).with_partial_state(partial.value(Cloud::Aws)?))
        }
    }
}

fn set_access(model: &mut Model, access: Access) {
    model.spec.access = Some(access.kind.as_str().to_string());
    model.settings.role_arn = access.role_arn;
    model.settings.access_key_id = access.access_key_id;
    model.settings.secret_access_key = access.secret_access_key;
}

fn endpoint(aws: &Aws) -> String {
    match &aws.endpoint_url {
        Some(url) => url.clone(),
        None => format!("https://s3.{}.amazonaws.com", aws.region),
    }
}

/// Reads what exists into `model` (the prior state); `None` when the bucket and its access are
/// gone.
async fn read(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let bucket = model.spec.name.clone();
    let head = aws.s3.head_bucket().bucket(&bucket).send().await;
    if error::unless_gone(head, BUCKET_GONE, &format!("read bucket {bucket}"))?.is_none() {
        return what_is_left(aws, model).await;
    }
    let versioning = aws
        .s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .map_err(|e| error::api(&format!("read versioning of bucket {bucket}"), e))?;
    model.spec.versioning = Some(versioning.status() == Some(&BucketVersioningStatus::Enabled));

    let lifecycle = error::unless_gone(
        aws.s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await,
        &[codes::NO_SUCH_LIFECYCLE_CONFIGURATION],
        &format!("read the lifecycle of bucket {bucket}"),
    )?;
    model.spec.expiry_days = lifecycle.and_then(|out| {
        out.rules()
            .iter()
            .find(|r| r.id() == Some(EXPIRY_RULE_ID) && r.status() == &ExpirationStatus::Enabled)
            .and_then(|r| r.expiration()?.days())
            .map(i64::from)
    });

    let tagging = error::unless_gone(
        aws.s3.get_bucket_tagging().bucket(&bucket).send().await,
        &[codes::NO_SUCH_TAG_SET, codes::NO_SUCH_TAG_SET_ERROR],
        &format!("read the tags of bucket {bucket}"),
    )?;
    let actual_tags: BTreeMap<String, String> = tagging
        .map(|out| {
            out.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default();
    model.spec.tags = own_tags(actual_tags, model.spec.tags.as_ref(), &aws.default_tags, |_, _| false);

    let mut settings = model.settings.clone();
    let encryption = error::unless_gone(
        aws.s3.get_bucket_encryption().bucket(&bucket).send().await,
        &[codes::SERVER_SIDE_ENCRYPTION_CONFIGURATION_NOT_FOUND_ERROR],
        &format!("read the encryption of bucket {bucket}"),
    )?;
    settings.kms_key_arn = encryption.and_then(|out| {
        out.server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .filter(|d| d.sse_algorithm() == &ServerSideEncryption::AwsKms)
            .and_then(|d| d.kms_master_key_id())
            .map(str::to_string)
    });

    let found = access::discover(&aws.iam, &iam_name(&bucket)).await?;
    let found = keep_secret(&model, found);
    if found.kind == access::AccessKind::Irsa
        && let Some((oidc, namespace)) = read_trust(aws, &iam_name(&bucket)).await?
    {
        settings.oidc_provider_arn = Some(oidc);
        settings.namespace = Some(namespace);
    }
    if settings.namespace.is_none() {
        settings.namespace = Some(DEFAULT_NAMESPACE.into());
    }
    set_access(&mut model, found);
    model.settings = settings;
    model.spec.force_destroy = Some(model.spec.force_destroy.unwrap_or(false));
    model.spec.id = Some(bucket.clone());
    model.spec.bucket = Some(bucket.clone());
    model.settings.arn = Some(format!("arn:{}:s3:::{bucket}", aws.partition()));
    model.spec.region = Some(aws.region.clone());
    model.spec.endpoint = Some(endpoint(aws));
    Ok(Some(model))
}

/// The secret is known only from creation: `found` keeps the state's while the same key exists.
fn keep_secret(model: &Model, found: Access) -> Access {
    let same_key = found.access_key_id.is_some() && found.access_key_id == model.settings.access_key_id;
    Access {
        secret_access_key: if same_key {
            model.settings.secret_access_key.clone()
        } else {
            None
        },
        ..found
    }
}

/// The bucket is gone. When its IAM role or user is still there (a destroy killed between the
/// two deletes, or the bucket deleted by hand), the resource stays in state with what is left
/// and a null id, so that the plan replaces it and a destroy deletes the rest, instead of
/// Terraform forgetting them; with nothing left it is gone.
async fn what_is_left(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let bucket = model.spec.name.clone();
    let found = access::discover(&aws.iam, &iam_name(&bucket)).await?;
    if found.kind == access::AccessKind::None {
        return Ok(None);
    }
    tracing::warn!(
        bucket,
        access = found.kind.as_str(),
        "bucket gone but its access is left: kept in state"
    );
    let found = keep_secret(&model, found);
    set_access(&mut model, found);
    model.spec.id = None;
    model.spec.bucket = None;
    model.settings.arn = None;
    Ok(Some(model))
}

/// The OIDC provider and namespace an IRSA role trusts, from its trust policy.
async fn read_trust(aws: &Aws, role: &str) -> Result<Option<(String, String)>, Diagnostic> {
    let out = aws
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .map_err(|e| error::api(&format!("read IAM role {role}"), e))?;
    Ok(out
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .and_then(access::trusted_namespace))
}

async fn update(aws: &Aws, prior: Model, mut planned: Model) -> Result<Model, Failure> {
    let bucket = planned.spec.name.clone();
    let new_settings = planned.settings.clone();
    let old_settings = prior.settings.clone();
    let result = async {
        if prior.spec.versioning != planned.spec.versioning {
            put_versioning(aws, &bucket, planned.spec.versioning.unwrap_or(true)).await?;
        }
        if prior.spec.expiry_days != planned.spec.expiry_days {
            put_expiry(aws, &bucket, planned.spec.expiry_days).await?;
        }
        if prior.spec.tags != planned.spec.tags {
            put_tags(aws, &bucket, &aws.tags(&tags_value(&planned))).await?;
        }
        if old_settings.kms_key_arn != new_settings.kms_key_arn {
            put_encryption(aws, &bucket, new_settings.kms_key_arn.as_deref()).await?;
        }
        let policy = access_policy(aws.partition(), &bucket, new_settings.kms_key_arn.as_deref());
        let name = iam_name(&bucket);
        if access_kind(&prior) != access_kind(&planned) {
            access::delete(&aws.iam, &name).await?;
            let created = access::create(
                &aws.iam,
                access_kind(&planned),
                &name,
                &policy,
                irsa(&planned),
                &aws.tags(&tags_value(&planned)),
            )
            .await?;
            set_access(&mut planned, created);
        } else {
            let current = Access {
                kind: access_kind(&prior),
                role_arn: prior.settings.role_arn.clone(),
                access_key_id: prior.settings.access_key_id.clone(),
                secret_access_key: prior.settings.secret_access_key.clone(),
            };
            access::update(&aws.iam, &current, &name, &policy, irsa(&planned)).await?;
            set_access(&mut planned, current);
        }
        Ok::<_, Diagnostic>(())
    };
    match result.await {
        Ok(()) => Ok(planned),
        // What changed before the failure is read back by the next refresh.
        Err(d) => Err(Failure::from(d).with_partial_state(prior.value(Cloud::Aws)?)),
    }
}

async fn empty_bucket(aws: &Aws, bucket: &str) -> Result<usize, Diagnostic> {
    // The TLS-only policy would refuse an emulator's plain-HTTP deletes; the bucket is going anyway.
    let _ = aws.s3.delete_bucket_policy().bucket(bucket).send().await;
    let mut deleted = 0;
    let mut key_marker = None;
    let mut version_marker = None;
    loop {
        let page = aws
            .s3
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.clone())
            .set_version_id_marker(version_marker.clone())
            .send()
            .await;
        // A half-destroyed resource's bucket may be gone already: nothing to empty.
        let Some(page) = error::unless_gone(page, BUCKET_GONE, &format!("list objects of bucket {bucket}"))? else {
            break;
        };
        let mut ids = Vec::new();
        for v in page.versions() {
            if let Some(key) = v.key() {
                ids.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(v.version_id().map(str::to_string))
                        .build()
                        .map_err(s3_error("delete"))?,
                );
            }
        }
        for m in page.delete_markers() {
            if let Some(key) = m.key() {
                ids.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(m.version_id().map(str::to_string))
                        .build()
                        .map_err(s3_error("delete"))?,
                );
            }
        }
        if !ids.is_empty() {
            deleted += ids.len();
            aws.s3
                .delete_objects()
                .bucket(bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(ids))
                        .quiet(true)
                        .build()
                        .map_err(s3_error("delete"))?,
                )
                .send()
                .await
                .map_err(|e| error::api(&format!("delete objects of bucket {bucket}"), e))?;
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
    }
    Ok(deleted)
}

async fn delete(aws: &Aws, model: Model) -> Result<(), Failure> {
    let bucket = model.spec.name.clone();
    if model.spec.force_destroy == Some(true) {
        let deleted = empty_bucket(aws, &bucket).await?;
        tracing::info!(bucket, deleted, "emptied bucket (force_destroy)");
    }
    match aws.s3.delete_bucket().bucket(&bucket).send().await {
        Ok(_) => {}
        Err(e) if error::has_code(&e, BUCKET_GONE) => {}
        Err(e) if error::has_code(&e, &[codes::BUCKET_NOT_EMPTY]) => {
            return Err(object_storage::bucket_not_empty(&bucket).into());
        }
        Err(e) => return Err(error::api(&format!("delete bucket {bucket}"), e).into()),
    }
    access::delete(&aws.iam, &iam_name(&bucket)).await?;
    Ok(())
}

#[async_trait]
impl<D: AwsData> TypedCloudHalf<D> for ObjectStorage {
    type Spec = Spec;
    type Settings = AwsSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn block(&self) -> Block {
        aws_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        if let Some(name) = config.attr("name").as_str()
            && let Some(problem) = bucket_name_problem(name)
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid bucket name",
                format!("{name:?} {problem}."),
            );
        }
        if let Some(kind) = config.attr("access").as_str() {
            access::validate(
                kind,
                &root.attr("access"),
                config.attr("aws").attr("oidc_provider_arn"),
                &root.attr("aws"),
                diags,
            );
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        access::keep_outputs(plan, &AttributePath::root().attr("access"), "");
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx.data()?.aws()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.aws()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        update(ctx.data()?.aws()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        delete(ctx.data()?.aws()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "S3 bucket name"
    }

    fn import(&self, id: &str) -> Option<Model> {
        if bucket_name_problem(id).is_some() {
            return None;
        }
        let mut model = Model::default();
        model.spec.name = id.to_string();
        Some(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(bucket_name_problem("circleci-data").is_none());
        assert!(bucket_name_problem("Bad_Name").is_some());
        assert!(bucket_name_problem("ab").is_some());
        assert!(bucket_name_problem("10.0.0.1").is_some());
    }
}
