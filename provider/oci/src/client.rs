//! The registry client: manifest, then the chart layer, each checked against its digest, with
//! the access the registry asks for.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};

use crate::auth::{self, Challenge, TokenAnswer};
use crate::error::chain;
use crate::{Cache, Digest, Error, Reference};

/// Media type of a Helm chart's config (its Chart.yaml as JSON).
pub const CHART_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Media type of a Helm chart's layer: the `.tgz` `helm package` makes.
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The layer type Helm 3.0-3.7 pushed, which Helm still pulls.
const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// oras-go's limit for a manifest.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Helm refuses charts that unpack to more than 100 MiB; the archive is smaller still.
const MAX_CHART_BYTES: u64 = 100 << 20;
/// Requests tried at most this often when the connection fails or the registry answers 429
/// or 5xx (all are reads, so repeating them is safe).
const ATTEMPTS: u32 = 3;

/// A username and password (or token) for a registry. `Debug` hides the password.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"(sensitive)")
            .finish()
    }
}

/// How to reach registries.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Sent when the registry asks (basic) or to its token service (bearer); anonymous without.
    pub credentials: Option<Credentials>,
    /// Speak HTTP, not HTTPS (Helm's `--plain-http`), for a registry on a private network.
    pub plain_http: bool,
    /// Where pulled manifests and charts are kept by digest; no cache without one.
    pub cache: Option<Cache>,
    /// Per request; 5 minutes when `None`.
    pub timeout: Option<Duration>,
}

/// Where a pulled chart came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Manifest and chart from the registry.
    Registry,
    /// The manifest from the registry (a tag may move), the chart it names from the cache.
    CachedChart,
    /// Both from the cache (a reference pinned by digest): no request sent.
    Cache,
}

/// A pulled chart archive and what names it.
#[derive(Clone, Debug)]
pub struct Pulled {
    /// The `.tgz`, its digest checked.
    pub archive: Vec<u8>,
    /// The manifest's digest: pin the chart with `@` and this.
    pub manifest_digest: Digest,
    /// The chart layer's digest (the archive's sha256).
    pub chart_digest: Digest,
    pub origin: Origin,
}

/// A registry client. Tokens and credentials it was asked for are kept per repository for the
/// client's life, so the second request of a pull is not challenged again.
pub struct Client {
    http: reqwest::Client,
    options: Options,
    authorization: Mutex<HashMap<(String, String), String>>,
}

#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(serde::Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType")]
    media_type: String,
    digest: String,
    size: u64,
}

/// What a request fetches, for messages.
#[derive(Clone, Copy)]
enum Content<'a> {
    Manifest,
    Chart(&'a Digest),
}

impl Content<'_> {
    fn describe(&self, reference: &Reference) -> String {
        match self {
            Content::Manifest => match (reference.digest(), reference.tag()) {
                (Some(d), _) => format!("manifest {d}"),
                (None, Some(t)) => format!("manifest for tag {t:?}"),
                (None, None) => "manifest".into(),
            },
            Content::Chart(d) => format!("chart layer {d}"),
        }
    }
}

impl Client {
    /// A client with `options`.
    pub fn new(options: Options) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .timeout(options.timeout.unwrap_or(Duration::from_secs(300)))
            .user_agent(concat!("terraform-provider-circleciserver/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Setup { detail: chain(&e) })?;
        Ok(Client {
            http,
            options,
            authorization: Mutex::new(HashMap::new()),
        })
    }

    /// Pulls the chart `reference` names: its manifest (from the cache when pinned by a cached
    /// digest), checked to be a Helm chart, then its chart layer (from the cache when there).
    pub async fn pull(&self, reference: &Reference) -> Result<Pulled, Error> {
        let cache = self.options.cache.as_ref();
        let cached_manifest = reference.digest().and_then(|d| Some((cache?.get(d)?, d.clone())));
        let manifest_from_cache = cached_manifest.is_some();
        let (manifest_bytes, manifest_digest) = match cached_manifest {
            Some(found) => found,
            None => self.fetch_manifest(reference).await?,
        };
        let layer = chart_layer(reference, &manifest_bytes)?;
        let chart_digest = Digest::parse(&layer.digest).ok_or_else(|| {
            invalid(
                reference,
                "manifest",
                format!("the chart layer's digest {:?} is not sha256:HEX", layer.digest),
            )
        })?;
        if layer.size > MAX_CHART_BYTES {
            return Err(invalid(
                reference,
                "manifest",
                format!(
                    "the chart layer is {} bytes, more than a chart may be ({MAX_CHART_BYTES})",
                    layer.size
                ),
            ));
        }
        if let Some(archive) = cache.and_then(|c| c.get(&chart_digest)) {
            tracing::debug!(%reference, %chart_digest, "chart from the cache");
            let origin = if manifest_from_cache {
                Origin::Cache
            } else {
                Origin::CachedChart
            };
            self.keep(&manifest_digest, &manifest_bytes);
            return Ok(Pulled {
                archive,
                manifest_digest,
                chart_digest,
                origin,
            });
        }
        let path = format!("blobs/{chart_digest}");
        let (archive, _) = self
            .get(
                reference,
                Content::Chart(&chart_digest),
                &path,
                CHART_LAYER_MEDIA_TYPE,
                layer.size.min(MAX_CHART_BYTES),
            )
            .await?;
        check_digest(reference, "chart layer", &chart_digest, &archive)?;
        if archive.len() as u64 != layer.size {
            return Err(invalid(
                reference,
                "chart layer",
                format!("{} bytes arrived where the manifest says {}", archive.len(), layer.size),
            ));
        }
        self.keep(&manifest_digest, &manifest_bytes);
        self.keep(&chart_digest, &archive);
        Ok(Pulled {
            archive,
            manifest_digest,
            chart_digest,
            origin: Origin::Registry,
        })
    }

    /// Caches `data`; a cache that cannot be written only costs a pull next time.
    fn keep(&self, digest: &Digest, data: &[u8]) {
        if let Some(cache) = &self.options.cache
            && let Err(e) = cache.put(digest, data)
        {
            tracing::warn!(error = %e, "chart not cached");
        }
    }

    async fn fetch_manifest(&self, reference: &Reference) -> Result<(Vec<u8>, Digest), Error> {
        let path = format!("manifests/{}", reference.manifest_reference());
        let accept = format!("{MANIFEST_MEDIA_TYPE}, {INDEX_MEDIA_TYPE}");
        let (bytes, headers) = self
            .get(reference, Content::Manifest, &path, &accept, MAX_MANIFEST_BYTES)
            .await?;
        let actual = Digest::of(&bytes);
        let announced = headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(Digest::parse);
        // A pinned digest is the one that counts; otherwise the registry's own header.
        if let Some(expected) = reference.digest().or(announced.as_ref()) {
            check_digest(reference, "manifest", expected, &bytes)?;
        }
        Ok((bytes, actual))
    }

    /// GETs `/v2/REPOSITORY/PATH`, answering one auth challenge, reading at most `limit` bytes.
    async fn get(
        &self,
        reference: &Reference,
        content: Content<'_>,
        path: &str,
        accept: &str,
        limit: u64,
    ) -> Result<(Vec<u8>, HeaderMap), Error> {
        let scheme = if self.options.plain_http { "http" } else { "https" };
        let url = format!(
            "{scheme}://{}/v2/{}/{path}",
            reference.registry(),
            reference.repository()
        );
        let key = (reference.registry().to_string(), reference.repository().to_string());
        let known = self
            .authorization
            .lock()
            .expect("authorization lock")
            .get(&key)
            .cloned();
        let mut response = self.send(reference, &url, accept, known.as_deref()).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            let challenge = response
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let (authorization, sent) = self.answer(reference, challenge.as_deref()).await?;
            response = self.send(reference, &url, accept, Some(&authorization)).await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                return Err(self.refused(reference, &format!("it refused {sent}")));
            }
            self.authorization
                .lock()
                .expect("authorization lock")
                .insert(key, authorization);
        }
        let status = response.status();
        if status == StatusCode::FORBIDDEN {
            return Err(self.refused(
                reference,
                "it answered 403 Forbidden: these credentials may not pull this repository",
            ));
        }
        if status == StatusCode::NOT_FOUND {
            let hint = match content {
                Content::Manifest => {
                    "check the repository path and the version (the tag is the chart's version, with + written as _)"
                }
                Content::Chart(_) => {
                    "the manifest names a blob the registry does not hold: ask the registry's operator, or push the chart again"
                }
            };
            return Err(Error::NotFound {
                registry: reference.registry().into(),
                reference: reference.to_string(),
                what: content.describe(reference),
                hint: hint.into(),
            });
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(Error::Http {
                registry: reference.registry().into(),
                reference: reference.to_string(),
                method: "GET".into(),
                url,
                status: status.as_u16(),
                body: excerpt(&body),
            });
        }
        let headers = response.headers().clone();
        let body = read_limited(&mut response, limit)
            .await
            .map_err(|detail| match detail {
                ReadFailure::TooLong => invalid(
                    reference,
                    &content.describe(reference),
                    format!("more than {limit} bytes"),
                ),
                ReadFailure::Transport(detail) => Error::Transport {
                    registry: reference.registry().into(),
                    reference: reference.to_string(),
                    url: url.clone(),
                    detail,
                },
            })?;
        Ok((body, headers))
    }

    /// The `Authorization` header that answers a 401's challenge, and what it sends (for a
    /// refusal's message).
    async fn answer(&self, reference: &Reference, challenge: Option<&str>) -> Result<(String, &'static str), Error> {
        match challenge.and_then(Challenge::parse) {
            Some(Challenge::Basic) => match &self.options.credentials {
                Some(c) => Ok((auth::basic(&c.username, &c.password), "the username and password")),
                None => Err(self.refused(reference, "it asks for a username and password and none were given")),
            },
            Some(Challenge::Bearer { realm, service, scope }) => {
                let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", reference.repository()));
                let token = self.token(reference, &realm, service.as_deref(), &scope).await?;
                Ok((format!("Bearer {token}"), "the token its token service gave for them"))
            }
            None => Err(self.refused(
                reference,
                &format!(
                    "it answered 401 with a challenge this client does not speak ({})",
                    challenge.unwrap_or("no WWW-Authenticate header")
                ),
            )),
        }
    }

    /// The distribution token exchange: GET REALM?service=…&scope=…, with basic credentials
    /// when given (anonymous otherwise).
    async fn token(
        &self,
        reference: &Reference,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> Result<String, Error> {
        let mut url = reqwest::Url::parse(realm).map_err(|e| {
            invalid(
                reference,
                "auth challenge",
                format!("the token realm {realm:?} is not a URL: {e}"),
            )
        })?;
        // Credentials go to a token service over TLS only, unless the user chose plain HTTP.
        if url.scheme() != "https" && !self.options.plain_http && self.options.credentials.is_some() {
            return Err(self.refused(reference, &format!("its token service {realm} is not HTTPS, and credentials are not sent over plain HTTP unless plain HTTP is chosen for the registry")));
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(s) = service {
                query.append_pair("service", s);
            }
            query.append_pair("scope", scope);
        }
        let mut request = self.http.get(url.clone());
        if let Some(c) = &self.options.credentials {
            request = request.basic_auth(&c.username, Some(&c.password));
        }
        let response = request.send().await.map_err(|e| Error::Transport {
            registry: reference.registry().into(),
            reference: reference.to_string(),
            url: realm.into(),
            detail: chain(&e),
        })?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let why = if self.options.credentials.is_some() {
                "refused the username and password"
            } else {
                "refused anonymous access and no username and password were given"
            };
            return Err(self.refused(
                reference,
                &format!("its token service {realm} {why} (HTTP {})", status.as_u16()),
            ));
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(Error::Http {
                registry: reference.registry().into(),
                reference: reference.to_string(),
                method: "GET".into(),
                url: realm.into(),
                status: status.as_u16(),
                body: excerpt(&body),
            });
        }
        let body = response.bytes().await.map_err(|e| Error::Transport {
            registry: reference.registry().into(),
            reference: reference.to_string(),
            url: realm.into(),
            detail: chain(&e),
        })?;
        serde_json::from_slice::<TokenAnswer>(&body)
            .ok()
            .and_then(TokenAnswer::into_token)
            .ok_or_else(|| {
                invalid(
                    reference,
                    "token",
                    format!("the token service {realm} answered without a token or access_token"),
                )
            })
    }

    /// Sends a GET, again after a pause when the connection fails or the registry is busy.
    async fn send(
        &self,
        reference: &Reference,
        url: &str,
        accept: &str,
        authorization: Option<&str>,
    ) -> Result<reqwest::Response, Error> {
        let mut attempt = 1;
        loop {
            let mut request = self.http.get(url).header(ACCEPT, accept);
            if let Some(a) = authorization {
                request = request.header(AUTHORIZATION, a);
            }
            tracing::debug!(url, attempt, "registry request");
            let result = request.send().await;
            let retry = match &result {
                Ok(r) => r.status() == StatusCode::TOO_MANY_REQUESTS || r.status().is_server_error(),
                Err(e) => !e.is_builder(),
            };
            if !retry || attempt == ATTEMPTS {
                return result.map_err(|e| Error::Transport {
                    registry: reference.registry().into(),
                    reference: reference.to_string(),
                    url: url.into(),
                    detail: chain(&e),
                });
            }
            tracing::warn!(url, attempt, "registry request failed; trying again");
            tokio::time::sleep(Duration::from_millis(250 * 4u64.pow(attempt - 1))).await;
            attempt += 1;
        }
    }

    fn refused(&self, reference: &Reference, detail: &str) -> Error {
        let hint = if self.options.credentials.is_some() {
            "check the username and password (for CircleCI's registry, the ones sent with the license)"
        } else {
            "give the registry's username and password"
        };
        Error::Unauthorized {
            registry: reference.registry().into(),
            reference: reference.to_string(),
            detail: detail.into(),
            hint: hint.into(),
        }
    }
}

enum ReadFailure {
    TooLong,
    Transport(String),
}

async fn read_limited(response: &mut reqwest::Response, limit: u64) -> Result<Vec<u8>, ReadFailure> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(ReadFailure::TooLong);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| ReadFailure::Transport(chain(&e)))? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ReadFailure::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The manifest's chart layer, after checking that the manifest is a Helm chart's.
fn chart_layer(reference: &Reference, bytes: &[u8]) -> Result<Descriptor, Error> {
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| invalid(reference, "manifest", format!("not an OCI manifest: {e}")))?;
    let not_a_chart = |found: String| Error::NotAChart {
        registry: reference.registry().into(),
        reference: reference.to_string(),
        found,
    };
    if manifest.media_type.as_deref() == Some(INDEX_MEDIA_TYPE) {
        return Err(not_a_chart("an image index (a multi-platform image)".into()));
    }
    let config_type = manifest
        .config
        .as_ref()
        .map(|c| c.media_type.as_str())
        .unwrap_or("none");
    if config_type != CHART_CONFIG_MEDIA_TYPE {
        return Err(not_a_chart(format!("its config is of type {config_type}")));
    }
    let mut layers = manifest
        .layers
        .into_iter()
        .filter(|l| l.media_type == CHART_LAYER_MEDIA_TYPE || l.media_type == LEGACY_CHART_LAYER_MEDIA_TYPE);
    match (layers.next(), layers.next()) {
        (Some(layer), None) => Ok(layer),
        (None, _) => Err(not_a_chart("no layer of the chart's type".into())),
        (Some(_), Some(_)) => Err(not_a_chart("more than one chart layer".into())),
    }
}

fn check_digest(reference: &Reference, what: &str, expected: &Digest, data: &[u8]) -> Result<(), Error> {
    let actual = Digest::of(data);
    if actual == *expected {
        return Ok(());
    }
    Err(Error::DigestMismatch {
        registry: reference.registry().into(),
        reference: reference.to_string(),
        what: what.into(),
        expected: expected.to_string(),
        actual: actual.to_string(),
    })
}

fn invalid(reference: &Reference, what: &str, detail: String) -> Error {
    Error::InvalidResponse {
        registry: reference.registry().into(),
        reference: reference.to_string(),
        what: what.into(),
        detail,
    }
}

fn excerpt(body: &str) -> String {
    let body = body.trim();
    match body.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &body[..i]),
        None if body.is_empty() => "(no body)".into(),
        None => body.into(),
    }
}
