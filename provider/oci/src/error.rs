//! The one error type of the crate: each variant names the registry and the chart reference,
//! says what went wrong and what to do about it.

use std::path::PathBuf;

/// Why a chart could not be pulled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The chart reference (or its version) is not one Helm accepts.
    #[error("bad chart reference {input:?}: {reason}")]
    BadReference {
        /// The reference as given, with its version when one was given.
        input: String,
        /// What is wrong with it and what form is expected.
        reason: String,
    },

    /// The registry (or its token service) refused access: credentials missing, wrong, or
    /// without the right to pull this repository.
    #[error("registry {registry} refused access to {reference}: {detail}; {hint}")]
    Unauthorized {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// What the registry said or did.
        detail: String,
        /// What to set or check.
        hint: String,
    },

    /// The repository, the tag or a blob the manifest names does not exist.
    #[error("registry {registry} has no {what} for {reference}: {hint}")]
    NotFound {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// What is missing: the manifest (tag or digest) or a blob.
        what: String,
        /// What to check.
        hint: String,
    },

    /// Content does not hash to the digest that names it.
    #[error(
        "the {what} of {reference} from registry {registry} does not match its digest: expected \
         {expected}, got {actual}; the content was altered on the registry or on the way, so it \
         was not used: pull again, and if it persists ask the registry's operator"
    )]
    DigestMismatch {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// Which content: the manifest, the config or the chart layer.
        what: String,
        /// The digest that names the content.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },

    /// The artifact at the reference is not a Helm chart.
    #[error(
        "{reference} on registry {registry} is not a Helm chart: {found}; a chart has a config of \
         type application/vnd.cncf.helm.config.v1+json and a layer of type \
         application/vnd.cncf.helm.chart.content.v1.tar+gzip: check that the reference names \
         the chart, not an image"
    )]
    NotAChart {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// The media types found instead.
        found: String,
    },

    /// The registry answered with an HTTP status this client does not expect.
    #[error("registry {registry} answered {method} {url} for {reference} with HTTP {status}: {body}")]
    Http {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// The request's method.
        method: String,
        /// The request's URL.
        url: String,
        /// The answer's status code.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },

    /// The registry could not be reached, or the connection broke.
    #[error(
        "could not reach registry {registry} for {reference} ({url}): {detail}; check the \
         registry's address and the network (and, for a registry without TLS, plain HTTP for \
         its host; for a private CA, the CA bundle)"
    )]
    Transport {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// The request's URL.
        url: String,
        /// The cause, with its chain (connection refused, TLS, timeout…).
        detail: String,
    },

    /// The registry answered 2xx with content that is not what the protocol says.
    #[error("registry {registry} sent an invalid {what} for {reference}: {detail}")]
    InvalidResponse {
        /// `HOST[:PORT]` of the registry.
        registry: String,
        /// The chart reference, `oci://…`.
        reference: String,
        /// Which answer: manifest, config, token…
        what: String,
        /// What is wrong with it.
        detail: String,
    },

    /// The client's options are unusable (a CA bundle that is not PEM, say).
    #[error("registry client setup: {detail}")]
    Setup {
        /// What is wrong and what to change.
        detail: String,
    },

    /// The cache directory could not be created.
    #[error("chart cache {path}: {source}; check that the directory can be created and written")]
    Cache {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Formats an error with its chain of causes, since reqwest's own message stops at the top
/// ("error sending request") and the cause ("Connection refused") is what helps.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}
