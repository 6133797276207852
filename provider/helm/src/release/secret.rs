//! The Kubernetes Secret that stores one revision, as Helm's secrets driver writes it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{Error, Release, codec};

/// The prefix of every record's name (Helm's `HelmStorageType`).
pub const STORAGE_PREFIX: &str = "sh.helm.release.v1";

/// The Secret `type` Helm 3 gives its records.
pub const RELEASE_SECRET_TYPE: &str = "helm.sh/release.v1";

/// The labels Helm's driver owns (`systemLabels`); `--labels` may not use them.
pub const SYSTEM_LABELS: [&str; 6] = ["name", "owner", "status", "version", "createdAt", "modifiedAt"];

/// The Secret name of a revision: `sh.helm.release.v1.NAME.vVERSION` (Helm's `makeKey`).
pub fn secret_name(name: &str, version: i64) -> String {
    format!("{STORAGE_PREFIX}.{name}.v{version}")
}

/// Which write of Helm's driver a Secret stands for; each stamps its own label with the
/// time in Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// `Create`: a new revision; sets `createdAt`.
    Create(OffsetDateTime),
    /// `Update` of an existing revision (supersede, deployed after pending): sets
    /// `modifiedAt` and keeps the `createdAt` the release was read with.
    Update(OffsetDateTime),
}

/// The Secret holding `release`, as Helm's `newSecretsObject` builds it: the release's
/// labels, then the stamp's, then `name`, `owner: helm`, `status` and `version` over them;
/// `type: helm.sh/release.v1`; `data.release` the base64 of [`codec::encode`]'s string
/// (a Secret's data is bytes, and the bytes Helm stores are already base64).
pub fn to_secret(release: &Release, stamp: Stamp) -> Result<Value, Error> {
    let encoded = codec::encode(release)?;
    let mut labels: Map<String, Value> = release
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    match stamp {
        Stamp::Create(now) => {
            labels.insert("createdAt".into(), now.unix_timestamp().to_string().into());
            // A new revision has not been modified, whatever the one it was built from said.
            labels.remove("modifiedAt");
        }
        Stamp::Update(now) => {
            labels.insert("modifiedAt".into(), now.unix_timestamp().to_string().into());
        }
    }
    labels.insert("name".into(), release.name.clone().into());
    labels.insert("owner".into(), "helm".into());
    labels.insert("status".into(), release.info.status.as_str().into());
    labels.insert("version".into(), release.version.to_string().into());

    let mut metadata = Map::new();
    metadata.insert("name".into(), release.secret_name().into());
    if !release.namespace.is_empty() {
        metadata.insert("namespace".into(), release.namespace.clone().into());
    }
    metadata.insert("labels".into(), Value::Object(labels));
    Ok(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": RELEASE_SECRET_TYPE,
        "data": { "release": STANDARD.encode(encoded) },
    }))
}

/// The release a Secret holds.
///
/// Checks what Helm's storage relies on: `owner: helm`, and `name`, `status` and `version`
/// labels that agree with the record (Helm finds revisions, and the deployed one, by them).
/// `labels` gets every other label (the user's, `createdAt`, `modifiedAt`), as Helm's
/// `Query` leaves them, so that a later [`Stamp::Update`] keeps `createdAt`.
pub fn from_secret(secret: &Value) -> Result<Release, Error> {
    let name = secret
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
        .to_string();
    let not_a_record = |what: &str| Error::NotARecord {
        secret: name.clone(),
        what: what.to_string(),
    };
    if let Some(kind) = secret.get("kind").and_then(Value::as_str)
        && kind != "Secret"
    {
        return Err(not_a_record(&format!("kind is {kind:?}, not Secret")));
    }
    let data = secret
        .pointer("/data/release")
        .ok_or_else(|| not_a_record("no data.release"))?
        .as_str()
        .ok_or_else(|| not_a_record("data.release is not a string"))?;
    let decode_err = |source| Error::Decode {
        secret: name.clone(),
        source,
    };
    // Kubernetes gives a Secret's data base64-encoded; the bytes inside are Helm's string.
    let inner = STANDARD
        .decode(data)
        .map_err(|e| decode_err(codec::DecodeError::Base64(e)))?;
    let inner = String::from_utf8(inner).map_err(|_| decode_err(codec::DecodeError::NotText))?;
    let mut release = codec::decode(&inner).map_err(decode_err)?;

    let labels = secret.pointer("/metadata/labels").and_then(Value::as_object);
    let label = |key: &'static str| -> Result<String, Error> {
        labels
            .and_then(|l| l.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::MissingLabel {
                secret: name.clone(),
                label: key,
            })
    };
    let check = |key: &'static str, record: String| -> Result<(), Error> {
        let value = label(key)?;
        if value == record {
            Ok(())
        } else {
            Err(Error::LabelMismatch {
                secret: name.clone(),
                label: key,
                label_value: value,
                record_value: record,
            })
        }
    };
    check("owner", "helm".to_string())?;
    check("name", release.name.clone())?;
    check("version", release.version.to_string())?;
    check("status", release.info.status.as_str().to_string())?;

    release.labels = labels
        .into_iter()
        .flatten()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "owner" | "status" | "version"))
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    Ok(release)
}
