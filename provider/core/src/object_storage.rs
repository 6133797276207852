//! `circleciserver_object_storage`: the bucket for artifacts, job output and audit logs, and the
//! server's access to it, whatever the cloud.

use std::collections::BTreeMap;

use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Diagnostic, validators};
use serde::{Deserialize, Serialize};

use crate::cloud::ResourceKind;

pub struct ObjectStorage;

/// Destroy's answer when the cloud refuses to delete a bucket that still holds objects (and
/// `force_destroy` is not set): the user's data is kept, and the diagnostic says how to go on.
pub fn bucket_not_empty(bucket: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Bucket {bucket} is not empty"),
        "It holds artifacts, job output or audit logs, so it was kept. Empty it, or set force_destroy = true \
         and apply, then destroy again.",
    )
    .at(&AttributePath::root().attr("force_destroy"))
}

/// The neutral attributes, as a cloud half reads and writes them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Spec {
    pub name: String,
    pub versioning: Option<bool>,
    pub expiry_days: Option<i64>,
    pub force_destroy: Option<bool>,
    pub tags: Option<BTreeMap<String, String>>,
    pub access: Option<String>,
    pub id: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
}

impl ResourceKind for ObjectStorage {
    fn type_name(&self) -> &'static str {
        "circleciserver_object_storage"
    }

    fn noun(&self) -> &'static str {
        "bucket"
    }

    fn block(&self) -> Block {
        Block::new(
            "Object storage for CircleCI Server: artifacts, job output and audit logs. On AWS an S3 bucket that is \
             private, encrypted, TLS-only and versioned; on GCP a Cloud Storage bucket with uniform bucket-level \
             access and public access prevention enforced, versioned; with least-privilege access for the server.",
        )
        .attribute(
            Attribute::required("name", Type::String, "Bucket name (globally unique).")
                .requires_replace()
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::optional(
                "versioning",
                Type::Bool,
                "Keep object versions; Docker layer caching needs it.",
            )
            .default(Value::Bool(true)),
        )
        .attribute(
            Attribute::optional(
                "expiry_days",
                Type::Number,
                "Delete objects (and old versions) this many days after they are written.",
            )
            .validate(validators::int_between(1, 36500)),
        )
        .attribute(
            Attribute::optional(
                "force_destroy",
                Type::Bool,
                "Delete every object when destroying. Without it, destroying a non-empty bucket fails and keeps it.",
            )
            .default(Value::Bool(false)),
        )
        .attribute(Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags (labels on GCP) of the bucket and the identities made for it.",
        ))
        .attribute(
            Attribute::optional(
                "access",
                Type::String,
                "How the server reaches the bucket. On AWS: `irsa` (an IAM role for the server's Kubernetes service \
                 accounts), `iam_user` (an IAM user and access key) or `none`. On GCP: `workload_identity` (a service \
                 account the server's Kubernetes service accounts act as), `key` (its key file) or `none`.",
            )
            .default(Value::from("none")),
        )
        .attribute(Attribute::computed("id", Type::String, "The bucket name.").use_state_for_unknown())
        .attribute(Attribute::computed("bucket", Type::String, "The bucket name.").use_state_for_unknown())
        .attribute(
            Attribute::computed(
                "region",
                Type::String,
                "Region of the bucket (installer: *Storage Region*; the location on GCP).",
            )
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed(
                "endpoint",
                Type::String,
                "Storage endpoint URL (installer: *S3 Endpoint*; `https://storage.googleapis.com` on GCP).",
            )
            .use_state_for_unknown(),
        )
    }
}
