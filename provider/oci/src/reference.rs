//! Chart references as Helm takes them: `oci://HOST[:PORT]/PATH/NAME` with a version, or with
//! `:TAG` or `@sha256:HEX` at the end.

use std::fmt;

use crate::{Digest, Error};

/// A parsed chart reference: registry, repository, and the tag and/or digest to pull.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parses `chart` as Helm's `helm pull CHART --version VERSION` does.
    ///
    /// * `chart` must be `oci://HOST[:PORT]/PATH/NAME`, optionally ending in `:TAG` or
    ///   `@sha256:HEX` (or both, `:TAG@sha256:HEX`: the digest is what is pulled).
    /// * `version` (empty counts as none) is the tag when `chart` has no tag. Helm stores a
    ///   semantic version's `+` as `_` in tags (OCI tags have no `+`), so `1.0.0+build` pulls
    ///   tag `1.0.0_build`.
    /// * A tag in `chart` and a different `version` is an error here, where Helm silently
    ///   takes the tag: a Terraform configuration saying two versions is a mistake to report.
    /// * Without a tag, a digest or a version it is an error (Helm would list the tags and take
    ///   the newest; a Terraform resource pins its version instead). Version constraints
    ///   (`^1.2`) are not resolved either: the version is the exact tag.
    pub fn parse(chart: &str, version: Option<&str>) -> Result<Reference, Error> {
        let version = version.map(str::trim).filter(|v| !v.is_empty());
        let input = match version {
            Some(v) => format!("{chart} (version {v})"),
            None => chart.to_string(),
        };
        let bad = |reason: String| Error::BadReference {
            input: input.clone(),
            reason,
        };
        let form = "expected oci://HOST[:PORT]/PATH/NAME with a version, or ending in :TAG or \
                    @sha256:DIGEST";

        let Some(rest) = chart.trim().strip_prefix("oci://") else {
            return Err(bad(format!(
                "not an OCI reference (it does not start with oci://); {form}"
            )));
        };
        let (rest, digest) = match rest.rfind('@') {
            Some(at) => {
                let d = &rest[at + 1..];
                let digest = Digest::parse(d).ok_or_else(|| {
                    bad(format!(
                        "{d:?} is not a digest; expected sha256: and 64 lowercase hex digits"
                    ))
                })?;
                (&rest[..at], Some(digest))
            }
            None => (rest, None),
        };
        let Some((host, path)) = rest.split_once('/') else {
            return Err(bad(format!("no repository path after the host; {form}")));
        };
        check_host(host).map_err(&bad)?;
        // A tag is a `:` in the last path segment (one earlier is a port, which is in `host`).
        let name_start = path.rfind('/').map_or(0, |i| i + 1);
        let (path, inline_tag) = match path[name_start..].find(':') {
            Some(i) => (&path[..name_start + i], Some(&path[name_start + i + 1..])),
            None => (path, None),
        };
        check_repository(path).map_err(&bad)?;

        let inline_tag = inline_tag.map(helm_tag);
        let version_tag = version.map(helm_tag);
        let tag = match (inline_tag, version_tag) {
            (Some(t), Some(v)) if t != v => {
                return Err(bad(format!(
                    "the reference's tag {t:?} and the version {v:?} differ; give the version in \
                     one place"
                )));
            }
            (Some(t), _) | (None, Some(t)) => Some(t),
            (None, None) if digest.is_none() => {
                return Err(bad(format!(
                    "no version: set the chart's version, or end the reference with :TAG or \
                     @sha256:DIGEST ({form})"
                )));
            }
            (None, None) => None,
        };
        if let Some(t) = &tag {
            check_tag(t).map_err(&bad)?;
        }
        Ok(Reference {
            registry: host.to_string(),
            repository: path.to_string(),
            tag,
            digest,
        })
    }

    /// `HOST[:PORT]` of the registry.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path on the registry, `PATH/NAME`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag (with Helm's `+` → `_`), when the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The manifest digest, when the reference pins one.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// What goes after `/manifests/`: the digest when pinned (it is what Helm pulls), else the
    /// tag.
    pub(crate) fn manifest_reference(&self) -> &str {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.as_str(),
            (None, Some(t)) => t,
            (None, None) => unreachable!("parse requires a tag or a digest"),
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn helm_tag(t: &str) -> String {
    t.replace('+', "_")
}

fn check_host(host: &str) -> Result<(), String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(']') || host.starts_with('[') => (n, Some(p)),
        _ => (host, None),
    };
    if name.is_empty() {
        return Err("no registry host after oci://".into());
    }
    let name_ok = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    if !name_ok {
        return Err(format!("{host:?} is not a registry host name"));
    }
    if let Some(p) = port
        && p.parse::<u16>().is_err()
    {
        return Err(format!("{p:?} in {host:?} is not a port number"));
    }
    Ok(())
}

// The distribution spec's grammar: components of [a-z0-9]+ joined by `.`, `_`, `__` or `-+`,
// separated by `/`.
fn check_repository(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("no repository path after the host".into());
    }
    for comp in path.split('/') {
        let b = comp.as_bytes();
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        let sep = |c: u8| matches!(c, b'.' | b'_' | b'-');
        let ok = !b.is_empty()
            && alnum(b[0])
            && alnum(b[b.len() - 1])
            && b.iter().all(|&c| alnum(c) || sep(c))
            && !comp.contains("..")
            && !comp.contains("___")
            && !comp.contains("._")
            && !comp.contains("_.")
            && !comp.contains(".-")
            && !comp.contains("-.")
            && !comp.contains("_-")
            && !comp.contains("-_");
        if !ok {
            return Err(format!(
                "{path:?} is not a repository path: each /-separated part is lowercase letters \
                 and digits, joined by '.', '_', '__' or dashes"
            ));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let b = tag.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let ok = !b.is_empty() && b.len() <= 128 && word(b[0]) && b.iter().all(|&c| word(c) || c == b'.' || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{tag:?} is not a tag: up to 128 letters, digits, '_', '.' and '-', not starting \
             with '.' or '-'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn reason(chart: &str, version: Option<&str>) -> String {
        match Reference::parse(chart, version) {
            Err(e @ Error::BadReference { .. }) => e.to_string(),
            other => panic!("{chart}: expected a bad reference, got {other:?}"),
        }
    }

    #[test]
    fn version_becomes_the_tag_with_plus_as_underscore() {
        let r = Reference::parse("oci://cciserver.azurecr.io/circleci-server", Some("4.8.0+b1")).unwrap();
        assert_eq!(r.registry(), "cciserver.azurecr.io");
        assert_eq!(r.repository(), "circleci-server");
        assert_eq!(r.tag(), Some("4.8.0_b1"));
        assert_eq!(r.manifest_reference(), "4.8.0_b1");
        assert_eq!(r.to_string(), "oci://cciserver.azurecr.io/circleci-server:4.8.0_b1");
    }

    #[test]
    fn port_is_not_a_tag_and_inline_tag_is() {
        let r = Reference::parse("oci://127.0.0.1:5000/charts/app:1.2.3", None).unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "charts/app");
        assert_eq!(r.tag(), Some("1.2.3"));
        // The same version given twice is fine.
        assert!(Reference::parse("oci://127.0.0.1:5000/charts/app:1.2.3", Some("1.2.3")).is_ok());
    }

    #[test]
    fn digest_is_pulled_even_with_a_tag() {
        let r = Reference::parse(&format!("oci://h.io/a/b:1.0@sha256:{HEX}"), None).unwrap();
        assert_eq!(r.tag(), Some("1.0"));
        assert_eq!(r.manifest_reference(), format!("sha256:{HEX}"));
        let r = Reference::parse(&format!("oci://h.io/a/b@sha256:{HEX}"), None).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.to_string(), format!("oci://h.io/a/b@sha256:{HEX}"));
    }

    #[test]
    fn errors_name_the_input_and_the_problem() {
        let e = reason("https://charts.example/app", Some("1.0"));
        assert!(e.contains("https://charts.example/app") && e.contains("oci://"), "{e}");
        let e = reason("oci://h.io/app", None);
        assert!(e.contains("oci://h.io/app") && e.contains("no version"), "{e}");
        let e = reason("oci://h.io/app:1.0", Some("2.0"));
        assert!(e.contains("\"1.0\"") && e.contains("\"2.0\""), "{e}");
        let e = reason("oci://h.io/App", Some("1"));
        assert!(e.contains("not a repository path"), "{e}");
        let e = reason("oci://h.io/app@sha256:abc", None);
        assert!(e.contains("not a digest"), "{e}");
        let e = reason("oci://h.io", Some("1"));
        assert!(e.contains("no repository path"), "{e}");
        let e = reason("oci://h.io:http/app", Some("1"));
        assert!(e.contains("not a port"), "{e}");
        let e = reason("oci://h.io/app", Some("-1"));
        assert!(e.contains("not a tag"), "{e}");
    }
}
