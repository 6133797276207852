//! `circleciserver_nomad_tls`: the mTLS material of the Nomad control plane and its clients.
//!
//! A CA, a server certificate (`server.global.nomad`, `localhost`, `nomad-server` and any
//! extra names) and a client certificate (`client.global.nomad`), generated in-process. It
//! replaces the hashicorp/tls module of the official server-terraform modules, and gives each
//! value also base64-encoded, as the CircleCI Server installer's fields take them.
//!
//! The CA outlives the certificates it signs: a change of `extra_server_sans` or
//! `validity_hours`, or renewal near expiry, reissues the server and client certificates under
//! the same CA, so running Nomad clients keep trusting the servers. Only the CA's own inputs
//! (`key_algorithm`, `ca_validity_hours`) or the CA nearing its own expiry replace everything.
//! Certificates are public and shown in plans; private keys are sensitive.
//!
//! Import takes existing PEM files (see [`IMPORT_ID_FORMAT`]), e.g. those server-terraform made
//! with hashicorp/tls, so a migration keeps the certificates and the Nomad clients do not roll.
//! The files are kept verbatim; the inputs are derived from them (`key_algorithm` from the CA
//! key, `validity_hours` and `ca_validity_hours` from the certificates' lifetimes,
//! `extra_server_sans` from the server certificate's names beyond the defaults) so that a
//! configuration stating the same values plans no change. Reissuing under an imported CA
//! writes the CA's own subject as the issuer, so the new certificates chain to it.

use async_trait::async_trait;
use base64::Engine;
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan, Resource, from_value, to_value, validators};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub struct NomadTls;

const DEFAULT_VALIDITY_HOURS: i64 = 10 * 365 * 24;
const DEFAULT_CA_VALIDITY_HOURS: i64 = 20 * 365 * 24;
const DEFAULT_RENEWAL_HOURS: i64 = 30 * 24;
/// 100 years of 365.25 days: server-terraform's certificates are valid this long.
const MAX_VALIDITY_HOURS: i64 = 876_600;
const KEY_ALGORITHMS: [&str; 3] = ["ECDSA_P256", "RSA_4096", "RSA_2048"];
const CA_NAME: &str = "CircleCI Server Nomad CA";
pub const SERVER_NAMES: [&str; 3] = ["server.global.nomad", "localhost", "nomad-server"];
pub const CLIENT_NAME: &str = "client.global.nomad";

/// What the CA holds; the rest is reissued under it.
const CA_OUTPUTS: [&str; 5] = [
    "id",
    "ca_cert_pem",
    "ca_key_pem",
    "nomad_tls_ca_base64",
    "ca_validity_end_time",
];

#[derive(Debug, Deserialize, Serialize, Default)]
struct Model {
    validity_hours: Option<i64>,
    ca_validity_hours: Option<i64>,
    key_algorithm: Option<String>,
    extra_server_sans: Option<Vec<String>>,
    ready_for_renewal_hours: Option<i64>,
    id: Option<String>,
    ca_validity_end_time: Option<String>,
    validity_start_time: Option<String>,
    validity_end_time: Option<String>,
    ca_cert_pem: Option<String>,
    ca_key_pem: Option<String>,
    server_cert_pem: Option<String>,
    server_key_pem: Option<String>,
    client_cert_pem: Option<String>,
    client_key_pem: Option<String>,
    nomad_tls_ca_base64: Option<String>,
    nomad_server_cert_base64: Option<String>,
    nomad_server_key_base64: Option<String>,
    nomad_client_cert_base64: Option<String>,
    nomad_client_key_base64: Option<String>,
}

fn public(name: &str, description: &str) -> Attribute {
    Attribute::computed(name, Type::String, description)
}

fn secret(name: &str, description: &str) -> Attribute {
    Attribute::computed(name, Type::String, description).sensitive()
}

fn block() -> Block {
    Block::new(
        "Nomad mTLS material for CircleCI Server: a CA, a server certificate and a client certificate. A change of \
         the server names or validity, or renewal, reissues the certificates under the same CA. Import it from \
         existing PEM files: the import ID is a directory holding ca.pem, ca-key.pem, server.pem, server-key.pem, \
         client.pem and client-key.pem, or a list ca=PATH,ca_key=PATH,server=PATH,server_key=PATH,client=PATH,\
         client_key=PATH.",
    )
    .attribute(
        Attribute::optional(
            "validity_hours",
            Type::Number,
            "How long the server and client certificates are valid, in hours (at most as long as the CA).",
        )
        .default(Value::int(DEFAULT_VALIDITY_HOURS))
        .validate(validators::int_between(1, MAX_VALIDITY_HOURS)),
    )
    .attribute(
        Attribute::optional("ca_validity_hours", Type::Number, "How long the CA is valid, in hours.")
            .default(Value::int(DEFAULT_CA_VALIDITY_HOURS))
            .validate(validators::int_between(1, MAX_VALIDITY_HOURS))
            .requires_replace(),
    )
    .attribute(
        Attribute::optional(
            "key_algorithm",
            Type::String,
            "Key algorithm of all three keys (RSA_2048 is what server-terraform used).",
        )
        .default(Value::from("ECDSA_P256"))
        .validate(validators::one_of(&KEY_ALGORITHMS))
        .requires_replace(),
    )
    .attribute(Attribute::optional(
        "extra_server_sans",
        Type::list(Type::String),
        "More DNS names or IP addresses for the server certificate, e.g. the Nomad load balancer's name. A change \
         reissues the certificates under the same CA.",
    ))
    .attribute(
        Attribute::optional(
            "ready_for_renewal_hours",
            Type::Number,
            "A plan reissues the certificates (or replaces the CA) when fewer than this many hours of validity remain.",
        )
        .default(Value::int(DEFAULT_RENEWAL_HOURS))
        .validate(validators::int_between(0, 100 * 365 * 24)),
    )
    .attribute(
        Attribute::computed("id", Type::String, "SHA-256 fingerprint of the CA certificate.").use_state_for_unknown(),
    )
    .attribute(
        Attribute::computed("ca_validity_end_time", Type::String, "When the CA expires (RFC 3339).")
            .use_state_for_unknown(),
    )
    .attribute(public(
        "validity_start_time",
        "When the server and client certificates became valid (RFC 3339).",
    ))
    .attribute(public(
        "validity_end_time",
        "When the server and client certificates expire (RFC 3339).",
    ))
    .attribute(public("ca_cert_pem", "The CA certificate (PEM).").use_state_for_unknown())
    .attribute(
        secret(
            "ca_key_pem",
            "The CA's private key (PEM, PKCS#8), kept to reissue certificates.",
        )
        .use_state_for_unknown(),
    )
    .attribute(public("server_cert_pem", "The Nomad server certificate (PEM)."))
    .attribute(secret("server_key_pem", "The Nomad server private key (PEM, PKCS#8)."))
    .attribute(public(
        "client_cert_pem",
        "The Nomad client certificate (PEM), for /etc/ssl/nomad/client.pem.",
    ))
    .attribute(secret(
        "client_key_pem",
        "The Nomad client private key (PEM, PKCS#8), for /etc/ssl/nomad/key.pem.",
    ))
    .attribute(
        public(
            "nomad_tls_ca_base64",
            "Installer field *Nomad Server Certificate Authority (CA) Certificate*.",
        )
        .use_state_for_unknown(),
    )
    .attribute(public(
        "nomad_server_cert_base64",
        "Installer field *Nomad Server Certificate*.",
    ))
    .attribute(secret(
        "nomad_server_key_base64",
        "Installer field *Nomad Server Private Key*.",
    ))
    .attribute(public(
        "nomad_client_cert_base64",
        "The client certificate, base64-encoded PEM.",
    ))
    .attribute(secret(
        "nomad_client_key_base64",
        "The client private key, base64-encoded PEM.",
    ))
}

fn tls_error(e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("Could not generate Nomad TLS material", e.to_string())
}

fn generate_key(algorithm: &str) -> Result<rcgen::KeyPair, Diagnostic> {
    match algorithm {
        "RSA_4096" => rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_4096),
        "RSA_2048" => rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048),
        _ => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
    }
    .map_err(tls_error)
}

/// The CA's parameters. Rebuilt identically to reissue: with the same name and key, what it
/// signs chains to the CA certificate made the first time.
fn ca_params(start: OffsetDateTime, end: OffsetDateTime) -> Result<rcgen::CertificateParams, Diagnostic> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, CA_NAME);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = start;
    params.not_after = end;
    Ok(params)
}

fn leaf_params(
    names: Vec<String>,
    common_name: &str,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<rcgen::CertificateParams, Diagnostic> {
    let mut params = rcgen::CertificateParams::new(names).map_err(tls_error)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
    params.not_before = start;
    params.not_after = end;
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    // Nomad agents are both servers and clients of each other's RPC.
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn now() -> Result<OffsetDateTime, Diagnostic> {
    OffsetDateTime::now_utc().replace_nanosecond(0).map_err(tls_error)
}

fn parse_time(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &Rfc3339).ok()
}

/// Makes a new CA into `model`.
fn generate_ca(model: &mut Model) -> Result<(), Diagnostic> {
    let algorithm = model.key_algorithm.clone().unwrap_or_else(|| "ECDSA_P256".into());
    let start = now()?;
    let end = start + time::Duration::hours(model.ca_validity_hours.unwrap_or(DEFAULT_CA_VALIDITY_HOURS));
    let key = generate_key(&algorithm)?;
    let cert = ca_params(start, end)?.self_signed(&key).map_err(tls_error)?;
    let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert.der());
    model.id = Some(fingerprint.as_ref().iter().map(|b| format!("{b:02x}")).collect());
    model.ca_validity_end_time = Some(end.format(&Rfc3339).map_err(tls_error)?);
    model.nomad_tls_ca_base64 = Some(b64(&cert.pem()));
    model.ca_cert_pem = Some(cert.pem());
    model.ca_key_pem = Some(key.serialize_pem());
    Ok(())
}

/// Issues the server and client certificates under the CA in `model` (made here or imported).
fn issue_leaves(model: &mut Model) -> Result<(), Diagnostic> {
    let algorithm = model.key_algorithm.clone().unwrap_or_else(|| "ECDSA_P256".into());
    let ca_key_pem = model.ca_key_pem.as_deref().unwrap_or_default();
    let ca_key = pem_block(ca_key_pem, &KEY_LABELS)
        .ok_or_else(|| tls_error("the CA key in the state is not a PEM private key"))
        .and_then(|(_, der)| rcgen::KeyPair::try_from(der.as_slice()).map_err(tls_error))?;
    let ca_cert = pem_block(model.ca_cert_pem.as_deref().unwrap_or_default(), &["CERTIFICATE"])
        .ok_or_else(|| tls_error("the CA certificate in the state is not PEM"))
        .and_then(|(_, der)| X509::parse(der).map_err(tls_error))?;
    let start = now()?;
    let ca_end = parse_time(model.ca_validity_end_time.as_deref())
        .ok_or_else(|| tls_error("the CA's end of validity is missing from the state"))?;
    let end = (start + time::Duration::hours(model.validity_hours.unwrap_or(DEFAULT_VALIDITY_HOURS))).min(ca_end);
    let mut ca = ca_params(start, ca_end)?;
    // The authority key identifier must be the CA's own subject key identifier, whoever made it.
    if let Some(id) = &ca_cert.subject_key_id {
        ca.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(id.clone());
    }
    let issuer = rcgen::Issuer::new(ca, &ca_key);

    let mut server_names: Vec<String> = SERVER_NAMES.iter().map(|s| s.to_string()).collect();
    server_names.extend(model.extra_server_sans.clone().unwrap_or_default());
    let mut leaves = Vec::new();
    for (names, common_name) in [
        (server_names, "server.global.nomad"),
        (vec![CLIENT_NAME.to_string()], CLIENT_NAME),
    ] {
        let key = generate_key(&algorithm)?;
        let mut params = leaf_params(names, common_name, start, end)?;
        params.use_authority_key_identifier_extension = ca_cert.subject_key_id.is_some();
        let cert = params.signed_by(&key, &issuer).map_err(tls_error)?;
        // rcgen writes its own issuer name; an imported CA's subject (e.g. server-terraform's
        // multi-valued street address) cannot be rebuilt as rcgen parameters, so its exact
        // bytes go in and the certificate is signed again.
        let der = with_issuer(cert.der(), &ca_cert.subject, &ca_key).map_err(tls_error)?;
        leaves.push((pem_encode("CERTIFICATE", &der), key.serialize_pem()));
    }
    let (client_pem, client_key_pem) = leaves.pop().expect("two leaves");
    let (server_pem, server_key_pem) = leaves.pop().expect("two leaves");

    model.validity_start_time = Some(start.format(&Rfc3339).map_err(tls_error)?);
    model.validity_end_time = Some(end.format(&Rfc3339).map_err(tls_error)?);
    model.nomad_server_cert_base64 = Some(b64(&server_pem));
    model.nomad_server_key_base64 = Some(b64(&server_key_pem));
    model.nomad_client_cert_base64 = Some(b64(&client_pem));
    model.nomad_client_key_base64 = Some(b64(&client_key_pem));
    model.server_cert_pem = Some(server_pem);
    model.server_key_pem = Some(server_key_pem);
    model.client_cert_pem = Some(client_pem);
    model.client_key_pem = Some(client_key_pem);
    Ok(())
}

/// Runs key generation off the async workers: RSA 4096 takes seconds.
async fn generate(model: Model, with_ca: bool) -> Result<Value, Failure> {
    let started = std::time::Instant::now();
    let model = tokio::task::spawn_blocking(move || {
        let mut model = model;
        if with_ca {
            generate_ca(&mut model)?;
        }
        issue_leaves(&mut model)?;
        Ok::<_, Diagnostic>(model)
    })
    .await
    .map_err(tls_error)??;
    tracing::debug!(
        with_ca,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "generated Nomad TLS material"
    );
    Ok(to_value(&model, &block().value_type())?)
}

/// True when `end` is within `renewal_hours` from now.
fn due(end: Option<&str>, renewal_hours: i64) -> bool {
    parse_time(end).is_some_and(|end| OffsetDateTime::now_utc() + time::Duration::hours(renewal_hours) >= end)
}

// --- PEM and the little DER that import and reissue need --------------------------------------
// core has no X.509 parser among its dependencies; certificates are read with this small DER
// reader and their signatures checked with aws-lc-rs.

const KEY_LABELS: [&str; 3] = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

/// The first PEM block labelled one of `labels`: its label and DER bytes.
fn pem_block(text: &str, labels: &[&str]) -> Option<(String, Vec<u8>)> {
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        if !labels.contains(&label) {
            continue;
        }
        let end = format!("-----END {label}-----");
        let body: String = lines.by_ref().take_while(|l| *l != end).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body).ok()?;
        return Some((label.to_string(), der));
    }
    None
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// One DER element.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    /// The whole encoding: tag, length and content.
    raw: &'a [u8],
}

fn tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            content: &rest[..len],
            raw: &input[..header + len],
        },
        &rest[len..],
    ))
}

fn children(content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (t, r) = tlv(rest)?;
        out.push(t);
        rest = r;
    }
    Some(out)
}

fn der_encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

const SEQUENCE: u8 = 0x30;
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_SHA256_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_SHA384_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const OID_SHA512_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];

/// What import and reissue read from a certificate.
struct X509 {
    der: Vec<u8>,
    tbs: Vec<u8>,
    signature_algorithm: Vec<u8>,
    signature: Vec<u8>,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    /// The subject public key: an RSAPublicKey, or an EC point.
    public_key: Vec<u8>,
    /// DNS names and IP addresses, in the certificate's order.
    sans: Vec<String>,
    subject_key_id: Option<Vec<u8>>,
    is_ca: bool,
}

fn der_time(t: &Tlv<'_>) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(t.content).ok()?.strip_suffix('Z')?;
    let (year, rest) = match t.tag {
        0x17 if text.len() == 12 => {
            let yy: i32 = text[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    let n = |i: usize| rest.get(i..i + 2)?.parse::<u8>().ok();
    let date = time::Date::from_calendar_date(year, time::Month::try_from(n(0)?).ok()?, n(2)?).ok()?;
    let clock = time::Time::from_hms(n(4)?, n(6)?, n(8)?).ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
}

impl X509 {
    fn parse(der: Vec<u8>) -> Result<X509, String> {
        Self::parse_fields(&der)
            .map(|mut x| {
                x.der = der.clone();
                x
            })
            .ok_or_else(|| "it is not a well-formed X.509 certificate".to_string())
    }

    fn parse_fields(der: &[u8]) -> Option<X509> {
        let (cert, rest) = tlv(der)?;
        if cert.tag != SEQUENCE || !rest.is_empty() {
            return None;
        }
        let [tbs, algorithm, signature] = children(cert.content)?[..] else {
            return None;
        };
        let signature_algorithm = children(algorithm.content)?
            .first()
            .filter(|o| o.tag == 0x06)?
            .content
            .to_vec();
        let signature = signature.content.strip_prefix(&[0u8])?.to_vec();
        let fields = children(tbs.content)?;
        let mut fields = fields.iter().skip_while(|f| f.tag == 0xa0);
        let (_serial, _algorithm) = (fields.next()?, fields.next()?);
        let (issuer, validity, subject, spki) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
        let [not_before, not_after] = children(validity.content)?[..] else {
            return None;
        };
        let public_key = children(spki.content)?.get(1)?.content.strip_prefix(&[0u8])?.to_vec();
        let mut x = X509 {
            der: Vec::new(),
            tbs: tbs.raw.to_vec(),
            signature_algorithm,
            signature,
            issuer: issuer.raw.to_vec(),
            subject: subject.raw.to_vec(),
            not_before: der_time(&not_before)?,
            not_after: der_time(&not_after)?,
            public_key,
            sans: Vec::new(),
            subject_key_id: None,
            is_ca: false,
        };
        let Some(extensions) = fields.find(|f| f.tag == 0xa3) else {
            return Some(x);
        };
        for extension in children(tlv(extensions.content)?.0.content)? {
            let parts = children(extension.content)?;
            let (oid, value) = (parts.first()?, parts.last()?);
            let (inner, _) = tlv(value.content)?;
            match oid.content {
                OID_SAN => {
                    for name in children(inner.content)? {
                        match (name.tag, name.content.len()) {
                            (0x82, _) => x.sans.push(String::from_utf8(name.content.to_vec()).ok()?),
                            (0x87, 4) => x
                                .sans
                                .push(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(name.content).ok()?).to_string()),
                            (0x87, 16) => x
                                .sans
                                .push(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(name.content).ok()?).to_string()),
                            _ => {}
                        }
                    }
                }
                OID_SUBJECT_KEY_ID => x.subject_key_id = Some(inner.content.to_vec()),
                OID_BASIC_CONSTRAINTS => {
                    x.is_ca = children(inner.content)?
                        .first()
                        .is_some_and(|b| b.tag == 0x01 && b.content == [0xff]);
                }
                _ => {}
            }
        }
        Some(x)
    }

    /// Whether `ca` issued this certificate: its issuer is the CA's subject and the CA's key
    /// made its signature.
    fn check_issued_by(&self, ca: &X509) -> Result<(), String> {
        use aws_lc_rs::signature;
        if self.issuer != ca.subject {
            return Err("its issuer is not the CA's subject".into());
        }
        let algorithm: &'static dyn signature::VerificationAlgorithm = match self.signature_algorithm.as_slice() {
            OID_SHA256_RSA => &signature::RSA_PKCS1_2048_8192_SHA256,
            OID_SHA384_RSA => &signature::RSA_PKCS1_2048_8192_SHA384,
            OID_SHA512_RSA => &signature::RSA_PKCS1_2048_8192_SHA512,
            OID_ECDSA_SHA256 => &signature::ECDSA_P256_SHA256_ASN1,
            OID_ECDSA_SHA384 => &signature::ECDSA_P384_SHA384_ASN1,
            _ => return Err("it is signed with an algorithm other than RSA or ECDSA with SHA-2".into()),
        };
        signature::UnparsedPublicKey::new(algorithm, &ca.public_key)
            .verify(&self.tbs, &self.signature)
            .map_err(|_| "the CA's key did not make its signature".to_string())
    }

    fn lifetime_hours(&self) -> i64 {
        ((self.not_after - self.not_before).whole_seconds() + 1800) / 3600
    }
}

/// `der` with `issuer` as its issuer name, signed again by `ca_key`.
fn with_issuer(der: &[u8], issuer: &[u8], ca_key: &rcgen::KeyPair) -> Result<Vec<u8>, String> {
    use rcgen::SigningKey;
    let malformed = || "rcgen wrote a certificate this provider cannot read".to_string();
    let (cert, _) = tlv(der).ok_or_else(malformed)?;
    let parts = children(cert.content).ok_or_else(malformed)?;
    let [tbs, algorithm, _] = parts[..] else {
        return Err(malformed());
    };
    let fields = children(tbs.content).ok_or_else(malformed)?;
    // version, serial, signature algorithm, issuer, ...
    let at = if fields.first().is_some_and(|f| f.tag == 0xa0) {
        3
    } else {
        2
    };
    let mut content = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        content.extend_from_slice(if i == at { issuer } else { field.raw });
    }
    let tbs = der_encode(SEQUENCE, &content);
    let mut bits = vec![0u8];
    bits.extend(ca_key.sign(&tbs).map_err(|e| e.to_string())?);
    let mut body = tbs;
    body.extend_from_slice(algorithm.raw);
    body.extend(der_encode(0x03, &bits));
    Ok(der_encode(SEQUENCE, &body))
}

/// The `key_algorithm` a key is, if this resource supports it.
fn key_algorithm_of(key: &rcgen::KeyPair) -> Option<&'static str> {
    if key.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
        return Some("ECDSA_P256");
    }
    if key.algorithm() != &rcgen::PKCS_RSA_SHA256 {
        return None;
    }
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    let (public, _) = tlv(key.public_key_raw())?;
    let modulus = children(public.content)?.first()?.content;
    let bits = modulus.iter().skip_while(|b| **b == 0).count() * 8;
    match bits {
        2048 => Some("RSA_2048"),
        4096 => Some("RSA_4096"),
        _ => None,
    }
}

// --- import -----------------------------------------------------------------------------------

pub const IMPORT_ID_FORMAT: &str = "a directory holding ca.pem, ca-key.pem, server.pem, server-key.pem, client.pem and \
     client-key.pem, or ca=PATH,ca_key=PATH,server=PATH,server_key=PATH,client=PATH,client_key=PATH";

/// The import files: list key, what it holds, and the names looked for in a directory (ours,
/// then server-terraform's output names).
const IMPORT_FILES: [(&str, &str, [&str; 2]); 6] = [
    ("ca", "the CA certificate", ["ca.pem", "nomad_tls_ca.pem"]),
    ("ca_key", "the CA private key", ["ca-key.pem", "nomad_ca_key.pem"]),
    (
        "server",
        "the server certificate",
        ["server.pem", "nomad_server_cert.pem"],
    ),
    (
        "server_key",
        "the server private key",
        ["server-key.pem", "nomad_server_key.pem"],
    ),
    (
        "client",
        "the client certificate",
        ["client.pem", "nomad_client_cert.pem"],
    ),
    (
        "client_key",
        "the client private key",
        ["client-key.pem", "nomad_client_key.pem"],
    ),
];

/// An import file, read.
struct PemFile {
    path: std::path::PathBuf,
    /// The PEM text, kept verbatim as the state's value.
    text: String,
}

fn import_error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(summary, detail)
}

/// The six files the import ID names, in [`IMPORT_FILES`] order.
fn import_paths(id: &str) -> Result<Vec<std::path::PathBuf>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let keys: Vec<&str> = IMPORT_FILES.iter().map(|f| f.0).collect();
    if id.contains('=') {
        let mut given = std::collections::BTreeMap::new();
        for item in id.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.split_once('=') {
                Some((key, path)) if keys.contains(&key.trim()) => {
                    given.insert(key.trim().to_string(), std::path::PathBuf::from(path.trim()));
                }
                _ => diags.push(import_error(
                    format!("Unknown import ID item {item:?}"),
                    format!("Each item is KEY=PATH with KEY one of {}.", keys.join(", ")),
                )),
            }
        }
        let mut out = Vec::new();
        for (key, what, _) in IMPORT_FILES {
            match given.remove(key) {
                Some(path) => out.push(path),
                None => diags.push(import_error(
                    format!("The import ID has no {key}=PATH"),
                    format!("Give the file holding {what}; the ID takes {IMPORT_ID_FORMAT}."),
                )),
            }
        }
        return if diags.has_errors() { Err(diags) } else { Ok(out) };
    }
    let dir = std::path::Path::new(id);
    if !dir.is_dir() {
        return Err(import_error(
            format!("Import ID {id:?} is not a directory"),
            format!("The import ID is {IMPORT_ID_FORMAT}. A relative directory is relative to where terraform runs."),
        )
        .into());
    }
    let mut out = Vec::new();
    for (_, what, names) in IMPORT_FILES {
        match names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
            Some(path) => out.push(path),
            None => diags.push(import_error(
                format!("{} is missing", dir.join(names[0]).display()),
                format!(
                    "Import needs {what} in {} (named {} or {}).",
                    dir.display(),
                    names[0],
                    names[1]
                ),
            )),
        }
    }
    if diags.has_errors() { Err(diags) } else { Ok(out) }
}

fn read_pem_file(path: &std::path::Path) -> Result<PemFile, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        import_error(
            format!("Could not read {}", path.display()),
            format!("{e}. Check the path and that terraform may read it."),
        )
    })?;
    // server-terraform's outputs are base64 of the PEM; `terraform output -raw` of them works too.
    let text = if text.contains("-----BEGIN") {
        text
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|t| t.contains("-----BEGIN"))
            .ok_or_else(|| {
                import_error(
                    format!("{} is not PEM", path.display()),
                    "It holds neither a PEM block (-----BEGIN ...) nor base64 of one.",
                )
            })?
    };
    Ok(PemFile {
        path: path.to_path_buf(),
        text,
    })
}

fn read_cert(file: &PemFile) -> Result<X509, Diagnostic> {
    let (_, der) = pem_block(&file.text, &["CERTIFICATE"]).ok_or_else(|| {
        import_error(
            format!("{} holds no certificate", file.path.display()),
            "Expected a PEM block -----BEGIN CERTIFICATE-----.",
        )
    })?;
    X509::parse(der).map_err(|e| import_error(format!("{} is not a usable certificate", file.path.display()), e))
}

fn read_key(file: &PemFile, cert: &X509, cert_file: &PemFile) -> Result<rcgen::KeyPair, Diagnostic> {
    let path = file.path.display();
    if file.text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(import_error(
            format!("{path} is encrypted"),
            format!("Decrypt it first, e.g. `openssl pkey -in {path} -out decrypted.pem`, and import that."),
        ));
    }
    let (_, der) = pem_block(&file.text, &KEY_LABELS).ok_or_else(|| {
        import_error(
            format!("{path} holds no private key"),
            "Expected a PEM block -----BEGIN PRIVATE KEY----- (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY.",
        )
    })?;
    let key = rcgen::KeyPair::try_from(der.as_slice()).map_err(|e| {
        import_error(
            format!("{path} is not a usable private key"),
            format!("{e}. Supported keys are ECDSA P-256 and RSA."),
        )
    })?;
    if key.public_key_raw() != cert.public_key.as_slice() {
        return Err(import_error(
            format!("{path} does not match {}", cert_file.path.display()),
            "The private key is not the one of that certificate's public key. Check which key file goes with which \
             certificate.",
        ));
    }
    Ok(key)
}

/// Reads, checks and derives the state from the files `id` names.
fn import_files(id: &str) -> Result<Model, Diagnostics> {
    let paths = import_paths(id)?;
    let mut diags = Diagnostics::default();
    let files: Vec<PemFile> = paths
        .iter()
        .filter_map(|p| read_pem_file(p).map_err(|d| diags.push(d)).ok())
        .collect();
    if diags.has_errors() {
        return Err(diags);
    }
    let [
        ca_file,
        ca_key_file,
        server_file,
        server_key_file,
        client_file,
        client_key_file,
    ] = &files[..]
    else {
        unreachable!("import_paths gives six paths");
    };

    let ca = read_cert(ca_file)?;
    if !ca.is_ca {
        return Err(import_error(
            format!("{} is not a CA certificate", ca_file.path.display()),
            "Its basic constraints do not say CA:TRUE. Give the certificate that signed the server and client \
             certificates.",
        )
        .into());
    }
    let ca_key = read_key(ca_key_file, &ca, ca_file)?;
    let key_algorithm = key_algorithm_of(&ca_key).ok_or_else(|| {
        import_error(
            format!("{}: unsupported key algorithm", ca_key_file.path.display()),
            format!(
                "key_algorithm must be one of {}; reissuing needs a CA key of one of them.",
                KEY_ALGORITHMS.join(", ")
            ),
        )
    })?;
    let mut leaves = Vec::new();
    for (cert_file, key_file) in [(server_file, server_key_file), (client_file, client_key_file)] {
        let cert = read_cert(cert_file)?;
        cert.check_issued_by(&ca).map_err(|e| {
            import_error(
                format!(
                    "{} was not issued by the CA in {}",
                    cert_file.path.display(),
                    ca_file.path.display()
                ),
                format!("{e}. Give the CA certificate that signed it."),
            )
        })?;
        read_key(key_file, &cert, cert_file)?;
        leaves.push(cert);
    }
    let (server, client) = (&leaves[0], &leaves[1]);

    let time = |t: OffsetDateTime| t.format(&Rfc3339).map_err(tls_error);
    let extra: Vec<String> = server
        .sans
        .iter()
        .filter(|n| !SERVER_NAMES.contains(&n.as_str()))
        .cloned()
        .collect();
    let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &ca.der);
    let text = |f: &PemFile| Some(f.text.clone());
    let model = Model {
        validity_hours: Some(server.lifetime_hours().max(1)),
        ca_validity_hours: Some(ca.lifetime_hours().max(1)),
        key_algorithm: Some(key_algorithm.to_string()),
        extra_server_sans: (!extra.is_empty()).then_some(extra),
        ready_for_renewal_hours: Some(DEFAULT_RENEWAL_HOURS),
        id: Some(fingerprint.as_ref().iter().map(|b| format!("{b:02x}")).collect()),
        ca_validity_end_time: Some(time(ca.not_after)?),
        validity_start_time: Some(time(server.not_before)?),
        // Renewal is due when the first of the two expires.
        validity_end_time: Some(time(server.not_after.min(client.not_after))?),
        nomad_tls_ca_base64: Some(b64(&ca_file.text)),
        nomad_server_cert_base64: Some(b64(&server_file.text)),
        nomad_server_key_base64: Some(b64(&server_key_file.text)),
        nomad_client_cert_base64: Some(b64(&client_file.text)),
        nomad_client_key_base64: Some(b64(&client_key_file.text)),
        ca_cert_pem: text(ca_file),
        ca_key_pem: text(ca_key_file),
        server_cert_pem: text(server_file),
        server_key_pem: text(server_key_file),
        client_cert_pem: text(client_file),
        client_key_pem: text(client_key_file),
    };
    tracing::info!(
        key_algorithm,
        validity_hours = model.validity_hours,
        ca_validity_hours = model.ca_validity_hours,
        extra_server_sans = ?model.extra_server_sans,
        ca = %ca_file.path.display(),
        "imported Nomad TLS material from PEM files"
    );
    Ok(model)
}

#[async_trait]
impl<D: Send + Sync + 'static> Resource<D> for NomadTls {
    fn type_name(&self) -> &'static str {
        "circleciserver_nomad_tls"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let sans = config.attr("extra_server_sans");
        for (i, san) in sans.elements().iter().enumerate() {
            if let Some(s) = san.as_str()
                && s.parse::<std::net::IpAddr>().is_err()
                && !validators::is_dns_name(s)
            {
                let path = AttributePath::root().attr("extra_server_sans").index(i as i64);
                diags.attribute_error(
                    &path,
                    format!("Invalid subject alternative name in {path}"),
                    format!("{s:?} is neither a DNS name nor an IP address."),
                );
            }
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        if plan.prior.is_null() {
            return;
        }
        let renewal_hours = plan
            .planned
            .attr("ready_for_renewal_hours")
            .as_i64()
            .unwrap_or(DEFAULT_RENEWAL_HOURS);
        let planned = &mut plan.planned;
        if due(plan.prior.attr("ca_validity_end_time").as_str(), renewal_hours) {
            tracing::info!(renewal_hours, "the Nomad CA is due for renewal; planning a replacement");
            for name in CA_OUTPUTS {
                planned.set_attr(name, Value::Unknown);
            }
            plan.requires_replace
                .push(AttributePath::root().attr("ca_validity_end_time"));
            plan.diagnostics.warning(
                "The Nomad CA is due for renewal",
                format!(
                    "It expires within ready_for_renewal_hours ({renewal_hours} h): this plan replaces the CA and the \
                     certificates. Roll the Nomad clients and the server install after applying."
                ),
            );
            return;
        }
        let leaves_due = due(plan.prior.attr("validity_end_time").as_str(), renewal_hours);
        let reissue = leaves_due
            || planned.attr("extra_server_sans") != plan.prior.attr("extra_server_sans")
            || planned.attr("validity_hours") != plan.prior.attr("validity_hours");
        for attr in block()
            .attributes
            .iter()
            .filter(|a| a.mode == circleci_tfplugin::schema::Mode::Computed)
        {
            if CA_OUTPUTS.contains(&attr.name.as_str()) {
                continue;
            }
            let value = if reissue {
                Value::Unknown
            } else {
                plan.prior.attr(&attr.name).clone()
            };
            planned.set_attr(&attr.name, value);
        }
        if leaves_due {
            plan.diagnostics.warning(
                "Nomad certificates are due for renewal",
                format!(
                    "They expire within ready_for_renewal_hours ({renewal_hours} h): this plan reissues them under the \
                     same CA. Running clients keep working; roll them and the server install to pick up the new ones."
                ),
            );
        }
    }

    async fn create(&self, _ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        generate(from_value(planned)?, true).await
    }

    async fn read(&self, _ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        // Nothing lives outside the state.
        Ok(Some(state.clone()))
    }

    async fn update(&self, _ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        if planned.attr("server_cert_pem").is_wholly_known() {
            // Only ready_for_renewal_hours changed: nothing to generate.
            return Ok(planned.clone());
        }
        let mut model: Model = from_value(planned)?;
        let prior: Model = from_value(prior)?;
        model.ca_cert_pem = prior.ca_cert_pem;
        model.ca_key_pem = prior.ca_key_pem;
        model.ca_validity_end_time = prior.ca_validity_end_time;
        model.nomad_tls_ca_base64 = prior.nomad_tls_ca_base64;
        model.id = prior.id;
        generate(model, false).await
    }

    async fn delete(&self, _ctx: &Context<D>, _prior: &Value) -> Result<(), Failure> {
        Ok(())
    }

    async fn import(&self, _ctx: &Context<D>, id: &str) -> Result<Value, Diagnostics> {
        let id = id.to_string();
        let model = tokio::task::spawn_blocking(move || import_files(&id))
            .await
            .map_err(|e| Diagnostics::from(tls_error(e)))??;
        to_value(&model, &block().value_type()).map_err(Diagnostics::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> Model {
        let mut model = Model {
            extra_server_sans: Some(vec!["nomad.example.com".into(), "10.0.0.5".into()]),
            ..Model::default()
        };
        generate_ca(&mut model).unwrap();
        issue_leaves(&mut model).unwrap();
        model
    }

    fn cert(pem: &Option<String>) -> X509 {
        X509::parse(pem_block(pem.as_deref().unwrap(), &["CERTIFICATE"]).unwrap().1).unwrap()
    }

    /// A directory of the six import files of `model`.
    fn import_dir(model: &Model) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "nomad-tls-import-{}-{}",
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, pem) in [
            ("ca.pem", &model.ca_cert_pem),
            ("ca-key.pem", &model.ca_key_pem),
            ("server.pem", &model.server_cert_pem),
            ("server-key.pem", &model.server_key_pem),
            ("client.pem", &model.client_cert_pem),
            ("client-key.pem", &model.client_key_pem),
        ] {
            std::fs::write(dir.join(name), pem.as_deref().unwrap()).unwrap();
        }
        dir
    }

    fn errors(diags: &Diagnostics) -> String {
        format!("{diags:?}")
    }

    #[test]
    fn generated_certificates_parse_and_chain() {
        let model = generated();
        let (ca, server, client) = (
            cert(&model.ca_cert_pem),
            cert(&model.server_cert_pem),
            cert(&model.client_cert_pem),
        );
        assert!(ca.is_ca && !server.is_ca);
        assert!(ca.subject_key_id.is_some());
        assert_eq!(
            server.sans,
            [
                "server.global.nomad",
                "localhost",
                "nomad-server",
                "nomad.example.com",
                "10.0.0.5"
            ]
        );
        assert_eq!(client.sans, [CLIENT_NAME]);
        server.check_issued_by(&ca).unwrap();
        client.check_issued_by(&ca).unwrap();
        assert_eq!(server.lifetime_hours(), DEFAULT_VALIDITY_HOURS);
        assert_eq!(ca.lifetime_hours(), DEFAULT_CA_VALIDITY_HOURS);
        assert!(ca.check_issued_by(&ca).is_ok(), "self-signed");
        assert!(server.check_issued_by(&server).is_err());
    }

    #[test]
    fn import_reads_back_what_generation_wrote() {
        let model = generated();
        let dir = import_dir(&model);
        let imported = import_files(dir.to_str().unwrap()).unwrap();
        assert_eq!(imported.id, model.id);
        assert_eq!(imported.key_algorithm.as_deref(), Some("ECDSA_P256"));
        assert_eq!(imported.validity_hours, Some(DEFAULT_VALIDITY_HOURS));
        assert_eq!(imported.ca_validity_hours, Some(DEFAULT_CA_VALIDITY_HOURS));
        assert_eq!(imported.extra_server_sans, model.extra_server_sans);
        assert_eq!(imported.ca_validity_end_time, model.ca_validity_end_time);
        assert_eq!(imported.validity_end_time, model.validity_end_time);
        assert_eq!(imported.server_key_pem, model.server_key_pem);
        assert_eq!(imported.nomad_client_cert_base64, model.nomad_client_cert_base64);

        // The list form names each file.
        let list = IMPORT_FILES
            .iter()
            .zip([
                "ca.pem",
                "ca-key.pem",
                "server.pem",
                "server-key.pem",
                "client.pem",
                "client-key.pem",
            ])
            .map(|((key, _, _), name)| format!("{key}={}", dir.join(name).display()))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(import_files(&list).unwrap().id, model.id);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn reissue_under_a_foreign_ca_chains_to_it() {
        // A CA whose subject rcgen's own CA parameters would not reproduce, with an RSA 2048 key.
        let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Nomad CircleCI CA");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "CircleCI");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        let mut model = Model {
            key_algorithm: Some("RSA_2048".into()),
            validity_hours: Some(100),
            ca_validity_end_time: Some((now().unwrap() + time::Duration::hours(1000)).format(&Rfc3339).unwrap()),
            ca_cert_pem: Some(ca.pem()),
            ca_key_pem: Some(key.serialize_pem()),
            ..Model::default()
        };
        issue_leaves(&mut model).unwrap();
        let ca = cert(&model.ca_cert_pem);
        for leaf in [&model.server_cert_pem, &model.client_cert_pem] {
            cert(leaf)
                .check_issued_by(&ca)
                .expect("the reissued certificate chains to the imported CA");
        }
        assert!(model.server_key_pem.unwrap().contains("BEGIN PRIVATE KEY"));
    }

    #[test]
    fn import_names_the_file_that_is_wrong() {
        let model = generated();
        let other = generated();

        let dir = import_dir(&model);
        std::fs::write(dir.join("server-key.pem"), other.server_key_pem.as_deref().unwrap()).unwrap();
        let err = errors(&import_files(dir.to_str().unwrap()).unwrap_err());
        assert!(
            err.contains("server-key.pem does not match") && err.contains("server.pem"),
            "{err}"
        );

        std::fs::write(dir.join("server-key.pem"), model.server_key_pem.as_deref().unwrap()).unwrap();
        std::fs::write(dir.join("client.pem"), other.client_cert_pem.as_deref().unwrap()).unwrap();
        let err = errors(&import_files(dir.to_str().unwrap()).unwrap_err());
        assert!(err.contains("client.pem was not issued by the CA"), "{err}");

        std::fs::remove_file(dir.join("client.pem")).unwrap();
        std::fs::remove_file(dir.join("ca-key.pem")).unwrap();
        let err = errors(&import_files(dir.to_str().unwrap()).unwrap_err());
        assert!(
            err.contains("client.pem is missing") && err.contains("ca-key.pem is missing"),
            "{err}"
        );

        std::fs::write(dir.join("ca-key.pem"), "not a key").unwrap();
        std::fs::write(dir.join("client.pem"), model.client_cert_pem.as_deref().unwrap()).unwrap();
        let err = errors(&import_files(dir.to_str().unwrap()).unwrap_err());
        assert!(err.contains("ca-key.pem is not PEM"), "{err}");

        let err = errors(&import_files("ca=/nowhere/ca.pem,server=x").unwrap_err());
        assert!(
            err.contains("no ca_key=PATH") && err.contains("no client_key=PATH"),
            "{err}"
        );
        let err = errors(&import_files("/nowhere/at/all").unwrap_err());
        assert!(err.contains("is not a directory"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn base64_files_are_accepted() {
        let model = generated();
        let dir = import_dir(&model);
        std::fs::write(dir.join("server.pem"), b64(model.server_cert_pem.as_deref().unwrap())).unwrap();
        let imported = import_files(dir.to_str().unwrap()).unwrap();
        assert_eq!(imported.server_cert_pem, model.server_cert_pem);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
