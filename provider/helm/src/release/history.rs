//! A release's revisions, and the decisions Helm's storage and upgrade make from them.

use serde_json::Value;

use super::{Error, Info, Release, Status, Timestamp, from_secret};

/// Every stored revision of one release, oldest first (what Helm's `Storage.History` returns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    name: String,
    releases: Vec<Release>,
}

/// What `helm upgrade` decides before it renders (Helm's `prepareUpgrade`).
#[derive(Clone, Debug, PartialEq)]
pub struct UpgradePlan {
    /// The revision upgraded from: the deployed one, or, when none is, the latest if it failed
    /// or was superseded. Its values are what `--reuse-values` reuses.
    pub current: Release,
    /// The new revision's number: the latest's plus one (not `current`'s).
    pub revision: i64,
    /// `current` as it is rewritten once the upgrade succeeds: status `superseded`, the rest
    /// (description included) unchanged, as Helm does.
    pub superseded: Release,
    /// The labels the new revision starts from: the latest revision's.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// What `helm uninstall` writes and deletes (Helm's `Uninstall.Run`), in order.
#[derive(Clone, Debug, PartialEq)]
pub struct UninstallPlan {
    /// The latest revision as recorded before its resources are deleted: `uninstalling`,
    /// `deleted` set, "Deletion in progress (or silently failed)". `None` when it was already
    /// `uninstalled` and only the purge is left.
    pub uninstalling: Option<Release>,
    /// The latest revision once its resources are gone: `uninstalled`, "Uninstallation
    /// complete". Helm stores it only with `--keep-history`.
    pub uninstalled: Option<Release>,
    /// With `--keep-history`, the other revisions still `deployed`, now `superseded`.
    pub supersede: Vec<Release>,
    /// Without `--keep-history`, the Secrets of every revision, to delete.
    pub delete: Vec<String>,
}

impl History {
    /// The revisions of `name` among `releases` (others are left out), sorted by version.
    pub fn new(name: &str, releases: impl IntoIterator<Item = Release>) -> Self {
        let mut releases: Vec<Release> = releases.into_iter().filter(|r| r.name == name).collect();
        releases.sort_by_key(|r| r.version);
        History {
            name: name.to_string(),
            releases,
        }
    }

    /// The revisions of `name` among Kubernetes Secrets: those Helm's query would find
    /// (labels `name: NAME`, `owner: helm`), each decoded with [`from_secret`].
    ///
    /// Unlike Helm, which logs and skips a record it cannot decode, this fails on it: a
    /// skipped revision would make the next revision number or the deployed one wrong.
    pub fn from_secrets<'a>(name: &str, secrets: impl IntoIterator<Item = &'a Value>) -> Result<Self, Error> {
        let mut releases = Vec::new();
        for secret in secrets {
            let label = |k: &str| secret.pointer(&format!("/metadata/labels/{k}")).and_then(Value::as_str);
            if label("name") == Some(name) && label("owner") == Some("helm") {
                releases.push(from_secret(secret)?);
            }
        }
        Ok(Self::new(name, releases))
    }

    /// The release's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The revisions, oldest first.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    /// Whether the release has no revision (Helm: "release: not found").
    pub fn is_empty(&self) -> bool {
        self.releases.is_empty()
    }

    /// The highest revision, whatever its status (Helm's `Storage.Last`).
    pub fn latest(&self) -> Option<&Release> {
        self.releases.last()
    }

    /// The highest revision whose status is `deployed` (Helm's `Storage.Deployed`, which
    /// takes the latest when concurrent runs left several).
    pub fn deployed(&self) -> Option<&Release> {
        self.releases.iter().rev().find(|r| r.info.status == Status::Deployed)
    }

    /// The number the next revision gets: the latest's plus one, or 1 for a new release.
    pub fn next_version(&self) -> i64 {
        self.latest().map_or(1, |r| r.version + 1)
    }

    /// The Secret names of every revision (what `helm uninstall` deletes).
    pub fn secret_names(&self) -> Vec<String> {
        self.releases.iter().map(Release::secret_name).collect()
    }

    /// The revisions Helm deletes before it creates one more record when at most
    /// `max_history` are kept (`--history-max`; 10 by default for `helm upgrade` and
    /// `helm rollback`, 0 = no limit; `helm install` sets none).
    ///
    /// As Helm's `removeLeastRecent(max_history - 1)`: oldest first, never the deployed
    /// revision, until `max_history - 1` remain.
    pub fn prune_before_create(&self, max_history: usize) -> Vec<i64> {
        if max_history == 0 {
            return Vec::new();
        }
        let keep = max_history - 1;
        let total = self.releases.len();
        if total <= keep {
            return Vec::new();
        }
        let deployed = self.deployed().map(|r| r.version);
        let mut delete = Vec::new();
        for r in &self.releases {
            if total - delete.len() == keep {
                break;
            }
            if Some(r.version) != deployed {
                delete.push(r.version);
            }
        }
        delete
    }

    /// What `helm uninstall` (with `--keep-history` or not) would do at `now`.
    pub fn plan_uninstall(&self, keep_history: bool, now: Timestamp) -> Result<UninstallPlan, Error> {
        let latest = self.latest().ok_or_else(|| Error::NotFound {
            name: self.name.clone(),
        })?;
        let delete = if keep_history { Vec::new() } else { self.secret_names() };
        if latest.info.status == Status::Uninstalled {
            if keep_history {
                return Err(Error::AlreadyUninstalled {
                    name: self.name.clone(),
                });
            }
            return Ok(UninstallPlan {
                uninstalling: None,
                uninstalled: None,
                supersede: Vec::new(),
                delete,
            });
        }
        let mut uninstalling = latest.clone();
        uninstalling.info.deleted = now;
        uninstalling.set_status(Status::Uninstalling, "Deletion in progress (or silently failed)");
        let mut uninstalled = uninstalling.clone();
        uninstalled.set_status(Status::Uninstalled, "Uninstallation complete");
        // Helm supersedes what its deployed-label query still finds once the latest is
        // uninstalled: every other deployed revision (helm/helm#12556).
        let supersede = if keep_history {
            self.releases
                .iter()
                .filter(|r| r.version != latest.version && r.info.status == Status::Deployed)
                .map(|r| {
                    let mut r = r.clone();
                    r.info.status = Status::Superseded;
                    r
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(UninstallPlan {
            uninstalling: Some(uninstalling),
            uninstalled: Some(uninstalled),
            supersede,
            delete,
        })
    }

    /// What `helm upgrade` would start from, or why it would refuse.
    pub fn plan_upgrade(&self) -> Result<UpgradePlan, Error> {
        let no_deployed = || Error::NoDeployed {
            name: self.name.clone(),
        };
        let latest = self.latest().ok_or_else(no_deployed)?;
        if latest.info.status.is_pending() {
            return Err(Error::Pending {
                name: self.name.clone(),
                version: latest.version,
                status: latest.info.status,
            });
        }
        let current = if latest.info.status == Status::Deployed {
            latest
        } else {
            match self.deployed() {
                Some(d) => d,
                None if matches!(latest.info.status, Status::Failed | Status::Superseded) => latest,
                None => return Err(no_deployed()),
            }
        };
        let mut superseded = current.clone();
        superseded.info.status = Status::Superseded;
        Ok(UpgradePlan {
            current: current.clone(),
            revision: latest.version + 1,
            superseded,
            labels: latest.labels.clone(),
        })
    }
}

impl UpgradePlan {
    /// The new revision as Helm first records it: status `pending-upgrade`, "Preparing
    /// upgrade", the current revision's namespace and first-deployed time, `last_deployed`
    /// `now`. The caller fills in chart, config, manifest, hooks and notes, then sets the
    /// final status and description.
    pub fn next_release(&self, now: Timestamp) -> Release {
        Release {
            name: self.current.name.clone(),
            namespace: self.current.namespace.clone(),
            version: self.revision,
            info: Info {
                first_deployed: self.current.info.first_deployed,
                last_deployed: now,
                status: Status::PendingUpgrade,
                description: "Preparing upgrade".to_string(),
                ..Info::default()
            },
            labels: self.labels.clone(),
            ..Release::default()
        }
    }
}
