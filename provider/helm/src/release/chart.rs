//! The chart as a release record holds it (Helm's `chart.Chart` in JSON).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::chart::{Chart, File, Metadata};
use crate::convert;

/// A chart in a release record.
///
/// Go's tags: `metadata`, `lock`, `templates`, `values`, `schema`, `files`, none `omitempty`,
/// so an absent one is `null`. Subcharts are an unexported field in Go and never stored:
/// a record holds the parent chart only, and `helm rollback` works from the manifest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReleaseChart {
    #[serde(default)]
    pub metadata: Metadata,
    /// `Chart.lock` (Helm's `chart.Lock`), `null` when the chart has none.
    #[serde(default)]
    pub lock: Option<serde_json::Value>,
    /// `templates/**`; `null` when empty, as Helm's loader leaves a chart without templates.
    #[serde(
        default,
        serialize_with = "files_or_null",
        deserialize_with = "super::null_as_default"
    )]
    pub templates: Vec<ChartFile>,
    /// `values.yaml`, the chart's defaults.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub values: serde_json::Map<String, serde_json::Value>,
    /// `values.schema.json` (Go `[]byte`: base64, or `null`).
    #[serde(default, with = "bytes_opt")]
    pub schema: Option<Vec<u8>>,
    /// Every other file of the chart; `null` when empty.
    #[serde(
        default,
        serialize_with = "files_or_null",
        deserialize_with = "super::null_as_default"
    )]
    pub files: Vec<ChartFile>,
    /// Fields this Helm version doesn't know, kept to be written back.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A chart file (Helm's `chart.File`): `{"name": ..., "data": base64}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartFile {
    #[serde(default)]
    pub name: String,
    #[serde(default, with = "bytes")]
    pub data: Vec<u8>,
}

impl From<&File> for ChartFile {
    fn from(f: &File) -> Self {
        ChartFile {
            name: f.name.clone(),
            data: f.data.clone(),
        }
    }
}

impl From<&ChartFile> for File {
    fn from(f: &ChartFile) -> Self {
        File {
            name: f.name.clone(),
            data: f.data.clone(),
        }
    }
}

impl From<&Chart> for ReleaseChart {
    /// The chart as Helm stores it in a release: its subcharts are dropped, as Helm's are.
    fn from(c: &Chart) -> Self {
        ReleaseChart {
            metadata: c.metadata.clone(),
            lock: c.lock.clone(),
            templates: c.templates.iter().map(ChartFile::from).collect(),
            values: c.values.iter().map(|(k, v)| (k.clone(), convert::to_json(v))).collect(),
            schema: c.schema.clone(),
            files: c.files.iter().map(ChartFile::from).collect(),
            extra: serde_json::Map::new(),
        }
    }
}

impl ReleaseChart {
    /// The engine's chart, without subcharts (a record has none). Numbers in the values come
    /// back as Go's `interface{}` holds them: float64.
    pub fn to_chart(&self) -> Chart {
        Chart {
            metadata: self.metadata.clone(),
            lock: self.lock.clone(),
            templates: self.templates.iter().map(File::from).collect(),
            values: self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), convert::from_json(v)))
                .collect::<BTreeMap<_, _>>(),
            schema: self.schema.clone(),
            files: self.files.iter().map(File::from).collect(),
            dependencies: Vec::new(),
        }
    }
}

fn files_or_null<S: Serializer>(files: &[ChartFile], s: S) -> Result<S::Ok, S::Error> {
    if files.is_empty() {
        s.serialize_none()
    } else {
        s.collect_seq(files)
    }
}

/// Go's `[]byte` in JSON: standard base64 with padding; `null` reads as empty.
mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(Vec::new()),
            Some(s) => decode(&s).map_err(serde::de::Error::custom),
        }
    }

    /// Go's decoder skips `\r` and `\n` in base64 (wrapped output); so do we.
    pub fn decode(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
        if s.contains(['\r', '\n']) {
            STANDARD.decode(s.replace(['\r', '\n'], ""))
        } else {
            STANDARD.decode(s)
        }
    }
}

/// An optional Go `[]byte`: `nil` is `null`.
mod bytes_opt {
    use super::*;

    pub fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            None => s.serialize_none(),
            Some(b) => s.serialize_str(&STANDARD.encode(b)),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => super::bytes::decode(&s).map(Some).map_err(serde::de::Error::custom),
        }
    }
}
