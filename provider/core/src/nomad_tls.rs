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
//! It cannot be imported: private keys cannot be read back from anywhere.

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
         the server names or validity, or renewal, reissues the certificates under the same CA. Cannot be imported: \
         its private keys cannot be read back.",
    )
    .attribute(
        Attribute::optional(
            "validity_hours",
            Type::Number,
            "How long the server and client certificates are valid, in hours (at most as long as the CA).",
        )
        .default(Value::int(DEFAULT_VALIDITY_HOURS))
        .validate(validators::int_between(1, 100 * 365 * 24)),
    )
    .attribute(
        Attribute::optional("ca_validity_hours", Type::Number, "How long the CA is valid, in hours.")
            .default(Value::int(DEFAULT_CA_VALIDITY_HOURS))
            .validate(validators::int_between(1, 100 * 365 * 24))
            .requires_replace(),
    )
    .attribute(
        Attribute::optional("key_algorithm", Type::String, "Key algorithm of all three keys.")
            .default(Value::from("ECDSA_P256"))
            .validate(validators::one_of(&["ECDSA_P256", "RSA_4096"]))
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

/// Issues the server and client certificates under the CA in `model`.
fn issue_leaves(model: &mut Model) -> Result<(), Diagnostic> {
    let algorithm = model.key_algorithm.clone().unwrap_or_else(|| "ECDSA_P256".into());
    let ca_key = rcgen::KeyPair::from_pem(model.ca_key_pem.as_deref().unwrap_or_default()).map_err(tls_error)?;
    let start = now()?;
    let ca_end = parse_time(model.ca_validity_end_time.as_deref())
        .ok_or_else(|| tls_error("the CA's end of validity is missing from the state"))?;
    let end = (start + time::Duration::hours(model.validity_hours.unwrap_or(DEFAULT_VALIDITY_HOURS))).min(ca_end);
    let issuer = rcgen::Issuer::new(ca_params(start, ca_end)?, ca_key);

    let mut server_names: Vec<String> = SERVER_NAMES.iter().map(|s| s.to_string()).collect();
    server_names.extend(model.extra_server_sans.clone().unwrap_or_default());
    let server_key = generate_key(&algorithm)?;
    let server_cert = leaf_params(server_names, "server.global.nomad", start, end)?
        .signed_by(&server_key, &issuer)
        .map_err(tls_error)?;
    let client_key = generate_key(&algorithm)?;
    let client_cert = leaf_params(vec![CLIENT_NAME.to_string()], CLIENT_NAME, start, end)?
        .signed_by(&client_key, &issuer)
        .map_err(tls_error)?;

    model.validity_start_time = Some(start.format(&Rfc3339).map_err(tls_error)?);
    model.validity_end_time = Some(end.format(&Rfc3339).map_err(tls_error)?);
    let (server_pem, server_key_pem) = (server_cert.pem(), server_key.serialize_pem());
    let (client_pem, client_key_pem) = (client_cert.pem(), client_key.serialize_pem());
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
}
