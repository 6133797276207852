//! Helm 3's release record: the JSON Helm stores for each revision of a release, its
//! container (`base64(gzip(json))`), the Kubernetes Secret that holds it, and the history
//! rules Helm's storage applies (latest, deployed, next revision, supersede, prune).
//!
//! The JSON follows `helm.sh/helm/v3/pkg/release` (`Release`, `Info`, `Hook`, `Status`) and
//! `pkg/chart` (`Chart`, `File`) field by field, so `helm list`, `helm get values`,
//! `helm history`, `helm upgrade` and `helm uninstall` read our records as their own.
//! Fields a later Helm adds (Helm 4's `apply_method`, `rollback_revision`) are kept as they
//! were read and written back unchanged.

mod chart;
mod codec;
mod history;
mod secret;
mod timestamp;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use chart::{ChartFile, ReleaseChart};
pub use codec::{DecodeError, decode, encode};
pub use history::{History, UninstallPlan, UpgradePlan};
pub use secret::{RELEASE_SECRET_TYPE, STORAGE_PREFIX, SYSTEM_LABELS, Stamp, from_secret, secret_name, to_secret};
pub use timestamp::Timestamp;

/// What can go wrong reading or writing a release record.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record's JSON could not be written (a time outside Go's range).
    #[error("release {name} revision {version}: cannot encode the record: {source}")]
    Encode {
        name: String,
        version: i64,
        #[source]
        source: serde_json::Error,
    },
    /// `data.release` of the Secret is not a release record.
    #[error("Secret {secret}: data.release: {source}")]
    Decode {
        secret: String,
        #[source]
        source: DecodeError,
    },
    /// The object is not a Secret with `data.release`.
    #[error("Secret {secret}: {what}")]
    NotARecord { secret: String, what: String },
    /// A label Helm's storage queries by is missing.
    #[error("Secret {secret}: no label {label:?} (Helm finds its records by it)")]
    MissingLabel { secret: String, label: &'static str },
    /// A label disagrees with the record it holds.
    #[error("Secret {secret}: label {label:?} is {label_value:?} but the record says {record_value:?}")]
    LabelMismatch {
        secret: String,
        label: &'static str,
        label_value: String,
        record_value: String,
    },
    /// The release has no revision at all.
    #[error("release {name}: not found")]
    NotFound { name: String },
    /// An upgrade found the latest revision still pending (Helm's "another operation is in progress").
    #[error(
        "release {name}: revision {version} is {status}: another operation (install/upgrade/rollback) is in progress"
    )]
    Pending { name: String, version: i64, status: Status },
    /// `helm uninstall --keep-history` of a release already uninstalled.
    #[error("release {name}: already deleted")]
    AlreadyUninstalled { name: String },
    /// An upgrade found nothing to upgrade from.
    #[error("release {name}: has no deployed releases")]
    NoDeployed { name: String },
}

/// One revision of a release (Helm's `release.Release`).
///
/// JSON field names and omissions follow the Go struct tags: `name`, `info`, `chart`,
/// `config`, `manifest`, `hooks`, `version`, `namespace`, all `omitempty`; `Labels` is
/// `json:"-"` (it lives in the Secret's labels).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    // Go omits a nil *Info; every record Helm writes has one (and `helm list` needs it).
    #[serde(default)]
    pub info: Info,
    // Likewise: `helm list` reads the chart's name and version from every record.
    #[serde(default)]
    pub chart: ReleaseChart,
    /// The values the user supplied (not the chart's defaults): what `helm get values` shows.
    #[serde(
        default,
        skip_serializing_if = "serde_json::Map::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub config: serde_json::Map<String, serde_json::Value>,
    /// The rendered templates, hooks excluded, as one YAML stream.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub hooks: Vec<Hook>,
    /// The revision, from 1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// The Secret's labels other than the four derived from the record (`name`, `owner`,
    /// `status`, `version`): the user's `--labels`, and `createdAt`/`modifiedAt` as read, so
    /// that an update keeps `createdAt` as Helm's does. Never in the JSON.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// Fields this Helm version doesn't know, kept to be written back.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Release {
    /// Revision 1 as `helm install` first records it: `pending-install`, "Initial install
    /// underway", first and last deployed `now`. The caller fills in chart, config, manifest,
    /// hooks and notes, and once the resources are applied calls
    /// `set_status(Status::Deployed, "Install complete")`.
    pub fn install(name: &str, namespace: &str, now: Timestamp) -> Self {
        Release {
            name: name.to_string(),
            namespace: namespace.to_string(),
            version: 1,
            info: Info {
                first_deployed: now,
                last_deployed: now,
                status: Status::PendingInstall,
                description: "Initial install underway".to_string(),
                ..Info::default()
            },
            ..Release::default()
        }
    }

    /// Sets status and description together (Helm's `SetStatus`).
    pub fn set_status(&mut self, status: Status, description: &str) {
        self.info.status = status;
        self.info.description = description.to_string();
    }

    /// The user's labels: [`Release::labels`] without Helm's system labels (what Helm's
    /// `Get` leaves in `Release.Labels`).
    pub fn custom_labels(&self) -> BTreeMap<String, String> {
        self.labels
            .iter()
            .filter(|(k, _)| !SYSTEM_LABELS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The name of the Secret that stores this revision.
    pub fn secret_name(&self) -> String {
        secret_name(&self.name, self.version)
    }
}

/// A release's state (Helm's `release.Info`).
///
/// `first_deployed`, `last_deployed` and `deleted` are Helm's `time.Time`, a struct, so
/// `omitempty` never drops them: the zero time is written `""`. `description`, `status`,
/// `notes` and `resources` are `omitempty`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(default)]
    pub first_deployed: Timestamp,
    #[serde(default)]
    pub last_deployed: Timestamp,
    #[serde(default)]
    pub deleted: Timestamp,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub status: Status,
    /// The rendered `NOTES.txt`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Resources by kind, only when `helm status --show-resources` asked (not normally stored).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub resources: BTreeMap<String, Vec<serde_json::Value>>,
    /// Fields this Helm version doesn't know, kept to be written back.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A release's status (Helm's `release.Status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

impl Status {
    /// The string Helm writes in the record and the `status` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
        }
    }

    /// An install, upgrade or rollback is under way (Helm's `IsPending`).
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hook (Helm's `release.Hook`): a manifest run at an event rather than installed.
///
/// All fields are `omitempty` but `last_run`, a struct, which is always written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The Kubernetes kind.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The chart-relative template path (`mychart/templates/job.yaml`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub events: Vec<HookEvent>,
    #[serde(default)]
    pub last_run: HookExecution,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub delete_policies: Vec<HookDeletePolicy>,
    /// `helm.sh/hook-output-log-policy` (Helm 3.18 and later).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub output_log_policies: Vec<HookOutputLogPolicy>,
    /// Fields this Helm version doesn't know, kept to be written back.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// When a hook last ran (Helm's `release.HookExecution`); `phase` has no `omitempty`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default)]
    pub started_at: Timestamp,
    #[serde(default)]
    pub completed_at: Timestamp,
    #[serde(default)]
    pub phase: HookPhase,
}

/// A hook's `helm.sh/hook` events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookEvent {
    PreInstall,
    PostInstall,
    PreDelete,
    PostDelete,
    PreUpgrade,
    PostUpgrade,
    PreRollback,
    PostRollback,
    Test,
}

/// How a hook's run ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HookPhase {
    /// Go's zero value, `""`: the hook has not run.
    #[default]
    #[serde(rename = "")]
    NotRun,
    Unknown,
    Running,
    Succeeded,
    Failed,
}

/// `helm.sh/hook-delete-policy` values. Helm stores whatever the annotation says
/// (lower-cased), so unknown values are kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HookDeletePolicy {
    BeforeHookCreation,
    HookSucceeded,
    HookFailed,
    Other(String),
}

impl HookDeletePolicy {
    /// The annotation value.
    pub fn as_str(&self) -> &str {
        match self {
            HookDeletePolicy::BeforeHookCreation => "before-hook-creation",
            HookDeletePolicy::HookSucceeded => "hook-succeeded",
            HookDeletePolicy::HookFailed => "hook-failed",
            HookDeletePolicy::Other(s) => s,
        }
    }
}

impl From<&str> for HookDeletePolicy {
    fn from(s: &str) -> Self {
        match s {
            "before-hook-creation" => HookDeletePolicy::BeforeHookCreation,
            "hook-succeeded" => HookDeletePolicy::HookSucceeded,
            "hook-failed" => HookDeletePolicy::HookFailed,
            other => HookDeletePolicy::Other(other.to_string()),
        }
    }
}

/// `helm.sh/hook-output-log-policy` values, kept as written when unknown.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HookOutputLogPolicy {
    HookSucceeded,
    HookFailed,
    Other(String),
}

impl HookOutputLogPolicy {
    /// The annotation value.
    pub fn as_str(&self) -> &str {
        match self {
            HookOutputLogPolicy::HookSucceeded => "hook-succeeded",
            HookOutputLogPolicy::HookFailed => "hook-failed",
            HookOutputLogPolicy::Other(s) => s,
        }
    }
}

impl From<&str> for HookOutputLogPolicy {
    fn from(s: &str) -> Self {
        match s {
            "hook-succeeded" => HookOutputLogPolicy::HookSucceeded,
            "hook-failed" => HookOutputLogPolicy::HookFailed,
            other => HookOutputLogPolicy::Other(other.to_string()),
        }
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(<$t>::from(String::deserialize(d)?.as_str()))
            }
        }
    };
}
string_serde!(HookDeletePolicy);
string_serde!(HookOutputLogPolicy);

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Go reads `null` into a map or slice as empty; serde's `default` only covers a missing key.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
