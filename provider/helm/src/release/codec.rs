//! The record's container: `base64(gzip(json))`, as Helm's `encodeRelease`/`decodeRelease`.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

use super::{Error, Release};

/// Why a stored string is not a release record.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The Secret's bytes are not text, so cannot be Helm's base64 string.
    #[error("not text, so not Helm's base64 string")]
    NotText,
    #[error("not a valid gzip stream: {0}")]
    Gzip(#[source] std::io::Error),
    #[error("not a release's JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The gzip magic and deflate method, which Helm checks before it gunzips.
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The record as Helm's `encodeRelease` writes it: JSON, gzip at best compression, base64.
pub fn encode(release: &Release) -> Result<String, Error> {
    let json = serde_json::to_vec(release).map_err(|source| Error::Encode {
        name: release.name.clone(),
        version: release.version,
        source,
    })?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    gz.write_all(&json).expect("gzip into memory");
    let zipped = gz.finish().expect("gzip into memory");
    Ok(STANDARD.encode(zipped))
}

/// A record as Helm's `decodeRelease` reads it: base64, then gunzip when the bytes start
/// with gzip's magic (records from before Helm compressed them are plain JSON), then JSON.
/// The result's `labels` are empty: they live in the Secret.
pub fn decode(data: &str) -> Result<Release, DecodeError> {
    let bytes = STANDARD.decode(data)?;
    // Helm's test is `len(b) > 3`, so a 3-byte "magic only" string is taken as JSON.
    let json = if bytes.len() > 3 && bytes[..3] == GZIP_MAGIC {
        let mut out = Vec::new();
        MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(DecodeError::Gzip)?;
        out
    } else {
        bytes
    };
    Ok(serde_json::from_slice(&json)?)
}
