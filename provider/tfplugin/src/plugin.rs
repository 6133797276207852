//! The go-plugin side: magic cookie, protocol negotiation, AutoMTLS, the handshake line, and
//! serving until Terraform says Shutdown.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::resource::Provider;
use crate::server::{Controller, ProviderService, Stdio};

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const PROTOCOL_VERSION: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins, which will\n\
         load any plugins automatically (here: Terraform, with this provider installed)."
    )]
    NotLaunchedByTerraform,
    #[error(
        "Terraform offers plugin protocol versions {offered:?}, but this provider speaks only {PROTOCOL_VERSION}: use Terraform 1.0 or newer"
    )]
    NoCommonProtocol { offered: String },
    #[error("no free port between PLUGIN_MIN_PORT={min} and PLUGIN_MAX_PORT={max}")]
    NoPort { min: u16, max: u16 },
    #[error("PLUGIN_CLIENT_CERT is not a PEM certificate: {0}")]
    BadClientCert(String),
    #[error("TLS set-up failed: {0}")]
    Tls(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("gRPC server error: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves `provider` to the Terraform process that launched this one; returns when Terraform
/// calls Shutdown (or closes the connection and the process is killed).
pub async fn serve<P: Provider>(provider: P) -> Result<(), ServeError> {
    if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(ServeError::NotLaunchedByTerraform);
    }
    if let Ok(offered) = std::env::var("PLUGIN_PROTOCOL_VERSIONS")
        && !offered.split(',').any(|v| v.trim() == PROTOCOL_VERSION.to_string())
    {
        return Err(ServeError::NoCommonProtocol { offered });
    }
    ignore_interrupts();
    let listener = bind().await?;
    let addr = listener.local_addr()?;

    let tls = if std::env::var_os("TF_DISABLE_PLUGIN_TLS").is_some() {
        None
    } else if let Ok(pem) = std::env::var("PLUGIN_CLIENT_CERT") {
        Some(tls_config(pem.as_bytes())?)
    } else {
        None
    };

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let incoming = accept_loop(listener, tls.as_ref().map(|(acceptor, _)| acceptor.clone()));

    // The handshake line is the only thing ever written to stdout.
    let cert = tls
        .as_ref()
        .map(|(_, der)| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "1|{PROTOCOL_VERSION}|tcp|{addr}|grpc|{cert}")?;
        stdout.flush()?;
    }
    tracing::debug!(%addr, tls = tls.is_some(), "plugin server listening");

    let server = tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .add_service(ProviderServer::new(ProviderService::new(provider)).max_decoding_message_size(256 << 20))
        .add_service(GrpcControllerServer::new(Controller { shutdown: shutdown_tx }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown_rx.clone(),
        }))
        .serve_with_incoming_shutdown(incoming, wait_for(shutdown_rx.clone()));

    // After Shutdown, give the reply a moment to reach Terraform, but never hold the exit on a
    // connection Terraform forgot to close.
    let deadline = async {
        wait_for(shutdown_rx).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::select! {
        result = server => result?,
        () = deadline => {}
    }
    Ok(())
}

/// Ctrl-C in a terminal signals the whole process group, this provider included. Terraform
/// itself then asks the provider to stop (StopProvider) and waits for what it saves to state:
/// dying on the signal would lose that, so it is logged and otherwise ignored, as go-plugin
/// servers do.
fn ignore_interrupts() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
        Ok(mut interrupts) => {
            tokio::spawn(async move {
                while interrupts.recv().await.is_some() {
                    tracing::debug!("interrupt signal ignored: Terraform stops the provider through StopProvider");
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "could not take over SIGINT; Ctrl-C may end the provider early"),
    }
}

async fn wait_for(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|set| *set).await;
}

/// Binds loopback, within PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT when Terraform sets them.
async fn bind() -> Result<TcpListener, ServeError> {
    let min = std::env::var("PLUGIN_MIN_PORT")
        .ok()
        .and_then(|v| v.parse::<u16>().ok());
    let max = std::env::var("PLUGIN_MAX_PORT")
        .ok()
        .and_then(|v| v.parse::<u16>().ok());
    match (min, max) {
        (Some(min), Some(max)) if min > 0 && min <= max => {
            for port in min..=max {
                if let Ok(l) = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
                    return Ok(l);
                }
            }
            Err(ServeError::NoPort { min, max })
        }
        _ => Ok(TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?),
    }
}

/// A server certificate made for this launch, and a verifier that admits only the client
/// certificate Terraform put in PLUGIN_CLIENT_CERT. Returns the acceptor and the server
/// certificate (DER) for the handshake line.
fn tls_config(client_pem: &[u8]) -> Result<(TlsAcceptor, Vec<u8>), ServeError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let client_cert =
        CertificateDer::from_pem_slice(client_pem).map_err(|e| ServeError::BadClientCert(e.to_string()))?;

    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| ServeError::Tls(e.to_string()))?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string()]).map_err(|e| ServeError::Tls(e.to_string()))?;
    // go-plugin's client uses the server certificate as its own root: it must be a CA.
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(1);
    let cert = params.self_signed(&key).map_err(|e| ServeError::Tls(e.to_string()))?;
    let cert_der = cert.der().to_vec();

    let verifier = Arc::new(ExactClientCertificate {
        expected: client_cert.into_owned(),
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        // Over TLS 1.2 Terraform's P-521 key would sign with SHA-384, which rustls cannot verify.
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(cert_der.clone())],
            PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| ServeError::Tls(e.to_string()))?,
        )
        .map_err(|e| ServeError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), cert_der))
}

/// Accepts exactly one client certificate, byte for byte, and still checks that the client
/// holds its key (the handshake signature). The stock WebPKI verifier refuses Terraform's
/// certificate because it is a self-signed CA used as an end entity.
#[derive(Debug)]
struct ExactClientCertificate {
    expected: CertificateDer<'static>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ExactClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("refused a TLS client whose certificate is not the one Terraform announced");
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::Tls12NotOffered,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Accepts connections, does TLS handshakes off the accept path, and hands finished
/// connections to tonic. A failed handshake is logged and dropped; the loop goes on.
fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
) -> tokio_stream::wrappers::ReceiverStream<Result<Connection, std::io::Error>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let tx = tx.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let conn = match tls {
                    None => Connection::Plain(tcp),
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(stream) => Connection::Tls(Box::new(stream)),
                        Err(e) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                    },
                };
                let _ = tx.send(Ok(conn)).await;
            });
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

pub enum Connection {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl tonic::transport::server::Connected for Connection {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Connection {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_flush(cx),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The entry point for a provider binary: sets up logging, serves, and exits non-zero with a
/// clear message when run by hand.
pub fn main<P: Provider>(provider: P) -> ! {
    crate::logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(serve(provider));
    // Do not wait for blocking tasks: Terraform is done with us.
    runtime.shutdown_timeout(Duration::from_millis(50));
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}
