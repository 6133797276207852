//! A Terraform provider registry on `https://localhost:PORT`, serving the provider registry
//! protocol (service discovery, versions, download with SHA256SUMS, its signature and the
//! signing key) from files a release made: what `terraform init` does against
//! registry.terraform.io, with Terraform checking the signature and hashes itself.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::serve::Served;

/// One published provider version for linux_amd64.
pub struct Release {
    pub namespace: String,
    pub name: String,
    pub version: String,
    /// The folder holding `terraform-provider-NAME_VERSION_linux_amd64.zip`, `_SHA256SUMS`,
    /// `_SHA256SUMS.sig` (as scripts/package-release leaves them).
    pub dir: PathBuf,
    pub gpg_key_id: String,
    pub gpg_public_key: String,
}

/// The registry, until dropped. `host` is what a `source` address starts with.
pub struct Registry {
    pub host: String,
    /// PEM of the self-signed CA behind the registry's certificate: Terraform trusts it by
    /// `SSL_CERT_FILE`.
    pub ca_file: PathBuf,
    _served: Served,
    _dir: tempfile::TempDir,
}

struct Published {
    release: Release,
    base: String,
}

impl Registry {
    pub fn start(release: Release) -> Registry {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("certificate");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, cert.pem()).expect("write CA");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("TLS config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let host = format!("localhost:{port}");
        let published = Arc::new(Published {
            base: format!("https://{host}"),
            release,
        });
        let app = axum::Router::new()
            .route(
                "/.well-known/terraform.json",
                get(|| async { json(serde_json::json!({ "providers.v1": "/v1/providers/" })) }),
            )
            .route("/v1/providers/{ns}/{name}/versions", get(versions))
            .route(
                "/v1/providers/{ns}/{name}/{version}/download/{os}/{arch}",
                get(download),
            )
            .route("/files/{file}", get(file))
            .with_state(published);
        let served = Served::start_on(port, move |listener, mut stop| async move {
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
                    _ = &mut stop => break,
                };
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Registry {
            host,
            ca_file,
            _served: served,
            _dir: dir,
        }
    }
}

fn json(value: serde_json::Value) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn zip_name(r: &Release) -> String {
    format!("terraform-provider-{}_{}_linux_amd64.zip", r.name, r.version)
}

fn sums_name(r: &Release) -> String {
    format!("terraform-provider-{}_{}_SHA256SUMS", r.name, r.version)
}

fn known(p: &Published, ns: &str, name: &str) -> bool {
    p.release.namespace == ns && p.release.name == name
}

async fn versions(State(p): State<Arc<Published>>, UrlPath((ns, name)): UrlPath<(String, String)>) -> Response {
    if !known(&p, &ns, &name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    json(serde_json::json!({ "versions": [{
        "version": p.release.version,
        "protocols": ["6.0"],
        "platforms": [{ "os": "linux", "arch": "amd64" }],
    }]}))
}

async fn download(
    State(p): State<Arc<Published>>,
    UrlPath((ns, name, version, os, arch)): UrlPath<(String, String, String, String, String)>,
) -> Response {
    let r = &p.release;
    if !known(&p, &ns, &name) || version != r.version || os != "linux" || arch != "amd64" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let sums = std::fs::read_to_string(r.dir.join(sums_name(r))).unwrap_or_default();
    let shasum = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {}", zip_name(r))))
        .unwrap_or_default()
        .to_string();
    json(serde_json::json!({
        "protocols": ["6.0"],
        "os": "linux",
        "arch": "amd64",
        "filename": zip_name(r),
        "download_url": format!("{}/files/{}", p.base, zip_name(r)),
        "shasums_url": format!("{}/files/{}", p.base, sums_name(r)),
        "shasums_signature_url": format!("{}/files/{}.sig", p.base, sums_name(r)),
        "shasum": shasum,
        "signing_keys": { "gpg_public_keys": [{
            "key_id": r.gpg_key_id,
            "ascii_armor": r.gpg_public_key,
        }]},
    }))
}

async fn file(State(p): State<Arc<Published>>, UrlPath(name): UrlPath<String>) -> Response {
    // Only the release's own files, by exact name.
    let allowed: BTreeMap<String, ()> = [
        zip_name(&p.release),
        sums_name(&p.release),
        format!("{}.sig", sums_name(&p.release)),
    ]
    .into_iter()
    .map(|n| (n, ()))
    .collect();
    if !allowed.contains_key(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match std::fs::read(p.release.dir.join(&name)) {
        Ok(bytes) => Body::from(bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
