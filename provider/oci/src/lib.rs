//! Pulls Helm charts from OCI registries as `helm pull oci://…` does (Helm's registry client on
//! oras-go): the manifest by tag or digest, the chart layer of Helm's media type, each checked
//! against its digest, with anonymous, basic or bearer-token access (the token exchange that
//! Azure Container Registry, where CircleCI's chart lives, and most registries answer a 401
//! with). Pulled charts are kept in a cache by digest, so a pinned chart is pulled once.
//!
//! No cloud SDK and no cluster: plain HTTP(S) through reqwest on the provider's rustls.

mod auth;
mod cache;
mod client;
mod digest;
mod error;
mod reference;

pub use cache::Cache;
pub use client::{CHART_CONFIG_MEDIA_TYPE, CHART_LAYER_MEDIA_TYPE, Client, Credentials, Options, Origin, Pulled};
pub use digest::Digest;
pub use error::Error;
pub use reference::Reference;
