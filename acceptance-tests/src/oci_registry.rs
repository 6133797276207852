//! An OCI registry on 127.0.0.1: Debian's `docker-registry` (CNCF distribution 2.8) with
//! htpasswd basic auth, optionally behind a bearer-token front that challenges as Azure
//! Container Registry does. Charts are pushed through the distribution API as `helm push`
//! does (blobs, then the manifest with Helm's media types).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::Digest as _;

use crate::serve::Served;

pub const CHART_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
pub const USERNAME: &str = "circleci";
pub const PASSWORD: &str = "s3cret-registry-password";

/// The registry process, until dropped.
pub struct OciRegistry {
    /// `127.0.0.1:PORT`, what an `oci://` reference starts with.
    pub host: String,
    port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

/// What a push made.
#[derive(Clone, Debug)]
pub struct Pushed {
    pub manifest_digest: String,
    pub chart_digest: String,
}

/// `sha256:HEX` of `data`.
pub fn digest(data: &[u8]) -> String {
    let sum = sha2::Sha256::digest(data);
    format!("sha256:{}", sum.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn basic(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

/// One raw HTTP/1.1 exchange with 127.0.0.1:port: status, headers (lowercased names), body.
fn exchange(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the registry");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl OciRegistry {
    /// Starts `docker-registry` (scripts/setup installs it) with htpasswd auth for
    /// [`USERNAME`]/[`PASSWORD`] and waits until it answers.
    pub fn start() -> OciRegistry {
        let dir = tempfile::tempdir().unwrap();
        let htpasswd = Command::new("htpasswd")
            .args(["-Bbn", USERNAME, PASSWORD])
            .output()
            .expect("htpasswd (apache2-utils; scripts/setup installs it)");
        assert!(
            htpasswd.status.success(),
            "htpasswd: {}",
            String::from_utf8_lossy(&htpasswd.stderr)
        );
        std::fs::write(dir.path().join("htpasswd"), &htpasswd.stdout).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: test-only-secret\nauth:\n  htpasswd:\n    realm: test-registry\n    path: {dir}/htpasswd\n",
            root = dir.path().join("data").display(),
            dir = dir.path().display()
        );
        let config_file = dir.path().join("config.yml");
        std::fs::write(&config_file, config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_file)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("docker-registry (Debian's package; scripts/setup installs it)");
        let registry = OciRegistry {
            host: format!("127.0.0.1:{port}"),
            port,
            child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen: {}",
                registry.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// The registry's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    fn authorization(&self) -> String {
        basic(USERNAME, PASSWORD)
    }

    /// Uploads a blob (monolithic upload: POST, then PUT with the digest).
    pub fn push_blob(&self, repository: &str, data: &[u8]) -> String {
        let auth = self.authorization();
        let (status, headers, body) = exchange(
            self.port,
            "POST",
            &format!("/v2/{repository}/blobs/uploads/"),
            &[("Authorization", &auth)],
            b"",
        );
        assert_eq!(status, 202, "start upload: {}", String::from_utf8_lossy(&body));
        let location = header(&headers, "location").expect("upload location");
        let location = location
            .strip_prefix(&format!("http://{}", self.host))
            .unwrap_or(location);
        let sep = if location.contains('?') { '&' } else { '?' };
        let digest = digest(data);
        let target = format!("{location}{sep}digest={digest}");
        let (status, _, body) = exchange(
            self.port,
            "PUT",
            &target,
            &[("Authorization", &auth), ("Content-Type", "application/octet-stream")],
            data,
        );
        assert_eq!(status, 201, "upload blob: {}", String::from_utf8_lossy(&body));
        digest
    }

    /// Puts a manifest under `reference` (a tag); returns its digest.
    pub fn push_manifest(&self, repository: &str, reference: &str, manifest: &[u8]) -> String {
        let auth = self.authorization();
        let (status, _, body) = exchange(
            self.port,
            "PUT",
            &format!("/v2/{repository}/manifests/{reference}"),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
            ],
            manifest,
        );
        assert_eq!(status, 201, "put manifest: {}", String::from_utf8_lossy(&body));
        digest(manifest)
    }

    /// Pushes a chart archive as `helm push` does: config (Chart.yaml's fields as JSON), layer,
    /// then the manifest, tagged `tag`.
    pub fn push_chart(&self, repository: &str, tag: &str, archive: &[u8]) -> Pushed {
        self.push_artifact(
            repository,
            tag,
            CHART_CONFIG_MEDIA_TYPE,
            CHART_LAYER_MEDIA_TYPE,
            archive,
        )
    }

    /// Pushes any one-layer artifact (an image's media types, say, to check it is refused).
    pub fn push_artifact(
        &self,
        repository: &str,
        tag: &str,
        config_media_type: &str,
        layer_media_type: &str,
        layer: &[u8],
    ) -> Pushed {
        let config = format!(
            r#"{{"name":"{}","version":"{tag}","apiVersion":"v2"}}"#,
            repository.rsplit('/').next().unwrap()
        );
        let config_digest = self.push_blob(repository, config.as_bytes());
        let chart_digest = self.push_blob(repository, layer);
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": config_media_type, "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": layer_media_type, "digest": chart_digest, "size": layer.len()}],
        });
        let manifest = serde_json::to_vec(&manifest).unwrap();
        let manifest_digest = self.push_manifest(repository, tag, &manifest);
        Pushed {
            manifest_digest,
            chart_digest,
        }
    }

    /// Where the registry keeps a blob on disk (to damage it, as a faulty store would).
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// A bearer-token front on its own port, as ACR answers: a 401 with `Bearer realm=…` for
    /// requests without its token, a token service at `/oauth2/token` that checks the basic
    /// credentials (or, with `anonymous`, gives tokens to anyone), and requests with the token
    /// passed to the registry with its basic credentials.
    pub fn bearer_front(&self, token_field: TokenField, anonymous: bool) -> BearerFront {
        let state = Arc::new(Front {
            registry: format!("http://{}", self.host),
            registry_auth: self.authorization(),
            token: "front-issued-token".into(),
            token_field,
            anonymous,
            http: reqwest::Client::new(),
            realm: std::sync::OnceLock::new(),
        });
        let app = axum::Router::new()
            .route("/oauth2/token", axum::routing::get(issue_token))
            .fallback(forward)
            .with_state(state.clone());
        let served = Served::start(app);
        let host = served.url.trim_start_matches("http://").to_string();
        state.realm.set(format!("{}/oauth2/token", served.url)).unwrap();
        BearerFront { host, _served: served }
    }
}

impl Drop for OciRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which field a token service answers with.
#[derive(Clone, Copy, Debug)]
pub enum TokenField {
    /// The distribution token spec's `token`.
    Token,
    /// OAuth2's `access_token`, as ACR answers.
    AccessToken,
}

/// The bearer front, until dropped.
pub struct BearerFront {
    /// `127.0.0.1:PORT`.
    pub host: String,
    _served: Served,
}

struct Front {
    registry: String,
    registry_auth: String,
    token: String,
    token_field: TokenField,
    anonymous: bool,
    http: reqwest::Client,
    realm: std::sync::OnceLock<String>,
}

async fn issue_token(State(front): State<Arc<Front>>, headers: HeaderMap) -> Response {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let allowed = match given {
        Some(a) => a == basic(USERNAME, PASSWORD),
        None => front.anonymous,
    };
    if !allowed {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        )
            .into_response();
    }
    let field = match front.token_field {
        TokenField::Token => "token",
        TokenField::AccessToken => "access_token",
    };
    let body = serde_json::json!({ field: front.token, "expires_in": 300 }).to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn forward(State(front): State<Arc<Front>>, request: Request) -> Response {
    let bearer = format!("Bearer {}", front.token);
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(bearer.as_str());
    if !authorized {
        let challenge = format!(
            r#"Bearer realm="{}",service="test-front",scope="repository:{}:pull""#,
            front.realm.get().unwrap(),
            repository_of(request.uri().path())
        );
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)], "").into_response();
    }
    let url = format!("{}{}", front.registry, request.uri());
    let mut upstream = front
        .http
        .request(request.method().clone(), url)
        .header(header::AUTHORIZATION, &front.registry_auth);
    if let Some(accept) = request.headers().get(header::ACCEPT) {
        upstream = upstream.header(header::ACCEPT, accept);
    }
    let Ok(answer) = upstream.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            response = response.header(name.as_str(), value.as_bytes());
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(body)).unwrap()
}

/// `/v2/REPO/manifests/REF` → `REPO`.
fn repository_of(path: &str) -> String {
    let rest = path.trim_start_matches("/v2/");
    ["/manifests/", "/blobs/", "/tags/"]
        .iter()
        .find_map(|m| rest.find(m).map(|i| rest[..i].to_string()))
        .unwrap_or_default()
}
