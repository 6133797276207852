//! `circleci_nomad_tls`: the mTLS material of the Nomad control plane and its clients.
//!
//! A CA, a server certificate (`server.global.nomad`, `localhost`, `nomad-server` and any
//! extra names) and a client certificate (`client.global.nomad`), generated in-process. It
//! replaces the hashicorp/tls module of the official server-terraform modules, and gives each
//! value also base64-encoded, as the CircleCI Server installer's fields take them.
//!
//! It cannot be imported: private keys cannot be read back from anywhere.

use async_trait::async_trait;
use base64::Engine;
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, Schema};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan, Resource, validators};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ProviderData;

pub struct NomadTls;

const DEFAULT_VALIDITY_HOURS: i64 = 10 * 365 * 24;
const DEFAULT_RENEWAL_HOURS: i64 = 30 * 24;
pub const SERVER_NAMES: [&str; 3] = ["server.global.nomad", "localhost", "nomad-server"];
pub const CLIENT_NAME: &str = "client.global.nomad";

#[derive(Debug, Deserialize, Serialize, Default)]
struct Model {
    validity_hours: Option<i64>,
    key_algorithm: Option<String>,
    extra_server_sans: Option<Vec<String>>,
    ready_for_renewal_hours: Option<i64>,
    id: Option<String>,
    validity_start_time: Option<String>,
    validity_end_time: Option<String>,
    ca_cert_pem: Option<String>,
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

fn output(name: &str, description: &str) -> Attribute {
    // Generated once; only a replacement changes them.
    Attribute::computed(name, Type::String, description)
        .sensitive()
        .use_state_for_unknown()
}

impl NomadTls {
    fn block() -> Block {
        Block::new(
            "Nomad mTLS material for CircleCI Server: a CA, a server certificate and a client certificate. \
             Cannot be imported: its private keys cannot be read back.",
        )
        .attribute(
            Attribute::optional(
                "validity_hours",
                Type::Number,
                "How long the certificates are valid, in hours.",
            )
            .default(Value::int(DEFAULT_VALIDITY_HOURS))
            .validate(validators::int_between(1, 100 * 365 * 24))
            .requires_replace(),
        )
        .attribute(
            Attribute::optional("key_algorithm", Type::String, "Key algorithm of all three keys.")
                .default(Value::from("ECDSA_P256"))
                .validate(validators::one_of(&["ECDSA_P256", "RSA_4096"]))
                .requires_replace(),
        )
        .attribute(
            Attribute::optional(
                "extra_server_sans",
                Type::list(Type::String),
                "More DNS names or IP addresses for the server certificate, e.g. the Nomad load balancer's name.",
            )
            .requires_replace(),
        )
        .attribute(
            Attribute::optional(
                "ready_for_renewal_hours",
                Type::Number,
                "A plan replaces the certificates when fewer than this many hours of validity remain.",
            )
            .default(Value::int(DEFAULT_RENEWAL_HOURS))
            .validate(validators::int_between(0, 100 * 365 * 24)),
        )
        .attribute(
            Attribute::computed("id", Type::String, "SHA-256 fingerprint of the CA certificate.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed(
                "validity_start_time",
                Type::String,
                "When the certificates became valid (RFC 3339).",
            )
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed(
                "validity_end_time",
                Type::String,
                "When the certificates expire (RFC 3339).",
            )
            .use_state_for_unknown(),
        )
        .attribute(output("ca_cert_pem", "The CA certificate (PEM)."))
        .attribute(output("server_cert_pem", "The Nomad server certificate (PEM)."))
        .attribute(output("server_key_pem", "The Nomad server private key (PEM, PKCS#8)."))
        .attribute(output(
            "client_cert_pem",
            "The Nomad client certificate (PEM), for /etc/ssl/nomad/client.pem.",
        ))
        .attribute(output(
            "client_key_pem",
            "The Nomad client private key (PEM, PKCS#8), for /etc/ssl/nomad/key.pem.",
        ))
        .attribute(output(
            "nomad_tls_ca_base64",
            "Installer field *Nomad Server Certificate Authority (CA) Certificate*.",
        ))
        .attribute(output(
            "nomad_server_cert_base64",
            "Installer field *Nomad Server Certificate*.",
        ))
        .attribute(output(
            "nomad_server_key_base64",
            "Installer field *Nomad Server Private Key*.",
        ))
        .attribute(output(
            "nomad_client_cert_base64",
            "The client certificate, base64-encoded PEM.",
        ))
        .attribute(output(
            "nomad_client_key_base64",
            "The client private key, base64-encoded PEM.",
        ))
    }
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

/// Generates the whole set into `model`.
fn generate(model: &mut Model) -> Result<(), Diagnostic> {
    let algorithm = model.key_algorithm.clone().unwrap_or_else(|| "ECDSA_P256".into());
    let hours = model.validity_hours.unwrap_or(DEFAULT_VALIDITY_HOURS);
    let start = OffsetDateTime::now_utc().replace_nanosecond(0).map_err(tls_error)?;
    let end = start + time::Duration::hours(hours);

    let ca_key = generate_key(&algorithm)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "CircleCI Server Nomad CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = start;
    ca_params.not_after = end;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_error)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

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

    let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, ca_cert.der());
    model.id = Some(fingerprint.as_ref().iter().map(|b| format!("{b:02x}")).collect());
    model.validity_start_time = Some(start.format(&Rfc3339).map_err(tls_error)?);
    model.validity_end_time = Some(end.format(&Rfc3339).map_err(tls_error)?);
    let ca_pem = ca_cert.pem();
    let server_pem = server_cert.pem();
    let server_key_pem = server_key.serialize_pem();
    let client_pem = client_cert.pem();
    let client_key_pem = client_key.serialize_pem();
    model.nomad_tls_ca_base64 = Some(b64(&ca_pem));
    model.nomad_server_cert_base64 = Some(b64(&server_pem));
    model.nomad_server_key_base64 = Some(b64(&server_key_pem));
    model.nomad_client_cert_base64 = Some(b64(&client_pem));
    model.nomad_client_key_base64 = Some(b64(&client_key_pem));
    model.ca_cert_pem = Some(ca_pem);
    model.server_cert_pem = Some(server_pem);
    model.server_key_pem = Some(server_key_pem);
    model.client_cert_pem = Some(client_pem);
    model.client_key_pem = Some(client_key_pem);
    Ok(())
}

#[async_trait]
impl Resource<ProviderData> for NomadTls {
    fn type_name(&self) -> &'static str {
        "circleci_nomad_tls"
    }

    fn schema(&self) -> Schema {
        Schema::new(Self::block())
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

    async fn modify_plan(&self, _ctx: &Context<ProviderData>, plan: &mut Plan<'_>) {
        // Renewal: near expiry, plan a replacement even though no input changed.
        let Some(end) = plan.prior.attr("validity_end_time").as_str() else {
            return;
        };
        let Ok(end) = OffsetDateTime::parse(end, &Rfc3339) else {
            return;
        };
        let renewal_hours = plan
            .planned
            .attr("ready_for_renewal_hours")
            .as_i64()
            .unwrap_or(DEFAULT_RENEWAL_HOURS);
        let now = OffsetDateTime::now_utc();
        if now + time::Duration::hours(renewal_hours) < end {
            return;
        }
        tracing::info!(%end, renewal_hours, "Nomad certificates are due for renewal; planning a replacement");
        for attr in Self::block()
            .attributes
            .iter()
            .filter(|a| a.is_computed() && a.default.is_none())
        {
            plan.planned.set_attr(&attr.name, Value::Unknown);
        }
        plan.requires_replace
            .push(AttributePath::root().attr("validity_end_time"));
        plan.diagnostics.warning(
            "Nomad certificates are due for renewal",
            format!(
                "They expire at {end}, within ready_for_renewal_hours ({renewal_hours} h): this plan replaces them. \
                 Roll the Nomad clients and the server install after applying."
            ),
        );
    }

    async fn create(&self, _ctx: &Context<ProviderData>, planned: &Value) -> Result<Value, Failure> {
        let mut model: Model = circleci_tfplugin::from_value(planned)?;
        let started = std::time::Instant::now();
        let algorithm = model.key_algorithm.clone().unwrap_or_default();
        // RSA 4096 key generation takes seconds: keep it off the async workers.
        let model = tokio::task::spawn_blocking(move || generate(&mut model).map(|()| model))
            .await
            .map_err(tls_error)??;
        tracing::debug!(
            algorithm,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "generated Nomad TLS material"
        );
        Ok(circleci_tfplugin::to_value(&model, &Self::block().value_type())?)
    }

    async fn read(&self, _ctx: &Context<ProviderData>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        // Nothing lives outside the state.
        Ok(Some(state.clone()))
    }

    async fn update(&self, _ctx: &Context<ProviderData>, _prior: &Value, planned: &Value) -> Result<Value, Failure> {
        // Only ready_for_renewal_hours updates in place; it changes nothing generated.
        Ok(planned.clone())
    }

    async fn delete(&self, _ctx: &Context<ProviderData>, _prior: &Value) -> Result<(), Failure> {
        Ok(())
    }
}
