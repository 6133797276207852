//! Launches a provider binary the way Terraform does (go-plugin handshake, AutoMTLS with a
//! P-521/SHA-512 client certificate like Terraform's) and talks gRPC to it. Used by the
//! protocol tests and the benchmark.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use circleci_tfplugin::plugin::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use circleci_tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use circleci_tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tonic::transport::{Channel, Endpoint};

/// A client identity as Terraform makes one per launch: self-signed ECDSA P-521 with SHA-512,
/// marked as a CA, for `localhost`.
pub struct ClientIdentity {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

impl ClientIdentity {
    pub fn generate() -> ClientIdentity {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).expect("self-signed");
        ClientIdentity {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        }
    }
}

/// The handshake line a plugin printed.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub core_version: String,
    pub protocol_version: String,
    pub network: String,
    /// host:port for tcp, a socket path for unix (Go providers use unix sockets).
    pub addr: String,
    pub server_cert_der: Option<Vec<u8>>,
}

impl Handshake {
    pub fn parse(line: &str) -> Handshake {
        let parts: Vec<&str> = line.trim().split('|').collect();
        assert!(parts.len() >= 5, "not a go-plugin handshake line: {line:?}");
        assert_eq!(parts[4], "grpc", "plugin does not speak gRPC: {line:?}");
        let cert = parts.get(5).filter(|c| c.len() > 50).map(|c| {
            let c = c.trim_end_matches('=');
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(c)
                .expect("certificate base64")
        });
        Handshake {
            core_version: parts[0].to_string(),
            protocol_version: parts[1].to_string(),
            network: parts[2].to_string(),
            addr: parts[3].to_string(),
            server_cert_der: cert,
        }
    }
}

/// A running provider process.
pub struct Plugin {
    pub child: Child,
    pub handshake: Handshake,
    /// From process start to the handshake line.
    pub launch: Duration,
}

/// Launches `binary` as Terraform would. `tls` chooses AutoMTLS (with `identity`) or plaintext.
pub fn launch(binary: &Path, identity: Option<&ClientIdentity>, extra_env: &[(&str, &str)]) -> Plugin {
    let mut cmd = Command::new(binary);
    cmd.env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("TF_LOG")
        .env_remove("TF_DISABLE_PLUGIN_TLS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match identity {
        Some(id) => {
            cmd.env("PLUGIN_CLIENT_CERT", &id.cert_pem);
        }
        None => {
            cmd.env("TF_DISABLE_PLUGIN_TLS", "1");
        }
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start plugin");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("read handshake");
    let launch = started.elapsed();
    Plugin {
        child,
        handshake: Handshake::parse(&line),
        launch,
    }
}

/// Accepts exactly the server certificate from the handshake line (go-plugin's client trusts
/// that one certificate as its root), verifying the handshake signature.
#[derive(Debug)]
struct ExactServerCertificate {
    expected: Vec<u8>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for ExactServerCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS client configuration presenting `identity` and trusting `server_cert_der`.
pub fn tls_client_config(identity: &ClientIdentity, server_cert_der: &[u8]) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(ExactServerCertificate {
        expected: server_cert_der.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(
            vec![CertificateDer::from(identity.cert_der.clone())],
            PrivateKeyDer::try_from(identity.key_der.clone()).expect("key"),
        )
        .expect("client auth");
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// A gRPC channel to the plugin, over mTLS when the handshake carried a certificate.
pub async fn connect(
    handshake: &Handshake,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let connector = match (&handshake.server_cert_der, identity) {
        (Some(server_cert), Some(identity)) => Some(tokio_rustls::TlsConnector::from(Arc::new(tls_client_config(
            identity,
            server_cert,
        )))),
        _ => None,
    };
    let addr = handshake.addr.clone();
    let unix = handshake.network == "unix";
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: http::Uri| {
            let connector = connector.clone();
            let addr = addr.clone();
            async move {
                let stream: Box<dyn Io> = if unix {
                    Box::new(tokio::net::UnixStream::connect(&addr).await?)
                } else {
                    let tcp = tokio::net::TcpStream::connect(&addr).await?;
                    tcp.set_nodelay(true)?;
                    Box::new(tcp)
                };
                let stream: Box<dyn Io> = match connector {
                    Some(c) => Box::new(
                        c.connect(ServerName::try_from("localhost").expect("name"), stream)
                            .await?,
                    ),
                    None => stream,
                };
                Ok::<_, std::io::Error>(TokioIo::new(stream))
            }
        }))
        .await
}

/// A byte stream tonic can run HTTP/2 over.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

pub fn provider_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel).max_decoding_message_size(512 << 20)
}

pub fn controller_client(channel: Channel) -> GrpcControllerClient<Channel> {
    GrpcControllerClient::new(channel)
}

/// Peak resident memory of a process, in KiB (VmHWM).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Waits up to `limit` for the process to exit; returns its exit status if it did.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}
