//! Helm 3's release storage on the cluster, as `helm`'s default `secrets` driver keeps it:
//! one Secret `sh.helm.release.v1.NAME.vN` per revision, labelled `owner: helm`, `name`,
//! `status`, `version`. Records written here are what `helm list`, `helm history` and
//! `helm get values` read, and records `helm` wrote are read back the same way.

use circleci_helm::release::{self, History, Release, Stamp};
use circleci_tfplugin::Diagnostic;
use serde_json::Value as Json;

use crate::Cluster;

/// The release records of one namespace.
pub struct ReleaseStore<'a> {
    cluster: &'a Cluster,
    namespace: String,
}

fn record_error(action: &str, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(
        format!("Helm release record: failed to {action}"),
        format!(
            "{e}. The record is the Secret helm keeps per revision (sh.helm.release.v1.NAME.vN); `kubectl get secrets -l owner=helm` lists them."
        ),
    )
}

impl<'a> ReleaseStore<'a> {
    pub fn new(cluster: &'a Cluster, namespace: &str) -> ReleaseStore<'a> {
        ReleaseStore {
            cluster,
            namespace: namespace.to_string(),
        }
    }

    /// Every revision of release `name`, oldest first (the label query `helm history` makes).
    pub async fn history(&self, name: &str) -> Result<History, Diagnostic> {
        let selector = format!("owner=helm,name={name}");
        let secrets = self.cluster.list("v1", "Secret", &self.namespace, &selector).await?;
        History::from_secrets(name, secrets.iter()).map_err(|e| record_error(&format!("read the history of {name}"), e))
    }

    /// Writes a new revision; an existing record of that revision is an error (as Helm's
    /// `Create`), since two writers would otherwise overwrite each other's history.
    pub async fn create(&self, record: &Release) -> Result<(), Diagnostic> {
        let secret = self.secret(record, Stamp::Create(time::OffsetDateTime::now_utc()))?;
        self.cluster.create(&secret).await.map(|_| ())
    }

    /// Rewrites an existing revision (its status moving: pending to deployed, deployed to
    /// superseded), as Helm's `Update`.
    /// The write carries the stored record's resource version, so a record someone changed
    /// in between is a conflict rather than silently overwritten (Helm writes blind).
    pub async fn update(&self, record: &Release) -> Result<(), Diagnostic> {
        let mut secret = self.secret(record, Stamp::Update(time::OffsetDateTime::now_utc()))?;
        let stored = self.cluster.get(&secret).await?.ok_or_else(|| {
            record_error(
                &format!("update revision {} of {}", record.version, record.name),
                format!("its Secret {} is gone", record.secret_name()),
            )
        })?;
        secret["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"].clone();
        self.cluster.replace(&secret).await.map(|_| ())
    }

    /// Deletes the record of `version` of `name`; one already gone is fine.
    pub async fn delete(&self, name: &str, version: i64) -> Result<(), Diagnostic> {
        let secret = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": { "name": release::secret_name(name, version), "namespace": self.namespace },
        });
        self.cluster.delete(&secret).await
    }

    fn secret(&self, record: &Release, stamp: Stamp) -> Result<Json, Diagnostic> {
        let mut secret = release::to_secret(record, stamp)
            .map_err(|e| record_error(&format!("encode revision {} of {}", record.version, record.name), e))?;
        secret["metadata"]["namespace"] = Json::from(self.namespace.clone());
        Ok(secret)
    }
}
