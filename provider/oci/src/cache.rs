//! Pulled content kept by digest, as an OCI image layout keeps blobs: `blobs/sha256/HEX`.
//! Whatever is read back is hashed again, so a damaged or planted file is never used.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{Digest, Error};

/// A directory of blobs named by their digests.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache in `dir` (made on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// The user's cache for charts: `$XDG_CACHE_HOME/circleciserver/charts`, else
    /// `$HOME/.cache/circleciserver/charts`; `None` without either.
    pub fn user_default() -> Option<Cache> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| Path::new(&h).join(".cache"))
            })?;
        Some(Cache::new(base.join("circleciserver").join("charts")))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join("blobs").join("sha256").join(digest.hex())
    }

    /// The blob named `digest`, when cached and intact.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.path(digest);
        let data = std::fs::read(&path).ok()?;
        if Digest::of(&data) == *digest {
            Some(data)
        } else {
            tracing::warn!(path = %path.display(), "cached blob does not match its digest; pulling it again");
            None
        }
    }

    /// Keeps `data` (whose digest the caller checked) under `digest`. The file appears whole or
    /// not at all: written beside it, then renamed.
    pub fn put(&self, digest: &Digest, data: &[u8]) -> Result<(), Error> {
        let path = self.path(digest);
        let dir = path.parent().expect("a blob path has a parent");
        let fail = |source| Error::Cache {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        file.write_all(data).map_err(fail)?;
        file.persist(&path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_then_get_and_a_damaged_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let digest = Digest::of(b"chart");
        assert_eq!(cache.get(&digest), None);
        cache.put(&digest, b"chart").unwrap();
        assert_eq!(cache.get(&digest).as_deref(), Some(&b"chart"[..]));
        std::fs::write(cache.path(&digest), b"other").unwrap();
        assert_eq!(cache.get(&digest), None);
    }
}
