//! The inputs every Nomad client takes, as schema attributes, and how to read them.

use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::Diagnostics;
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::validators;

use crate::Cloud;
use crate::startup::{self, ClientSettings, split_server_address};

/// The `tls` attribute: the client's part of `circleciserver_nomad_tls`. An object attribute rather
/// than a block: Terraform 1.0.3 crashes rendering nested blocks that hold sensitive values.
pub fn tls_type() -> Type {
    Type::object([
        ("ca_cert_pem", Type::String),
        ("client_cert_pem", Type::String),
        ("client_key_pem", Type::String),
    ])
}

/// The attributes every Nomad client takes, shared with the client group resources.
pub fn client_attributes(block: Block) -> Block {
    block
        .attribute(
            Attribute::required(
                "nomad_server_address",
                Type::String,
                "The Nomad control plane's load balancer, `host` or `host:port` (port 4647 when left out).",
            )
            .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required(
                "tls",
                tls_type(),
                "The client's mTLS material: `ca_cert_pem`, `client_cert_pem` and `client_key_pem` of a `circleciserver_nomad_tls`.",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::optional("nomad_version", Type::String, "Nomad version, from HashiCorp's apt repository.")
                .default(Value::from(startup::DEFAULT_NOMAD_VERSION)),
        )
        .attribute(
            Attribute::optional("docker_network_cidr", Type::String, "Address pool of job containers' Docker networks.")
                .default(Value::from(startup::DEFAULT_DOCKER_NETWORK_CIDR))
                .validate(validators::cidr()),
        )
        .attribute(
            Attribute::optional(
                "blocked_cidrs",
                Type::list(Type::String),
                "Ranges that jobs may not reach (e.g. the VPC's private ranges); 169.254.0.0/16 is always blocked.",
            )
            .validate(validators::cidr()),
        )
        .attribute(
            Attribute::optional("node_class", Type::String, "Nomad node class the scheduler targets.")
                .default(Value::from(startup::DEFAULT_NODE_CLASS)),
        )
}

fn text(value: &Value, name: &str) -> String {
    value.attr(name).as_str().unwrap_or_default().to_string()
}

/// Reads the settings from a value holding [`client_attributes`]; `None` while any is unknown.
pub fn settings_from(value: &Value, cloud: Cloud) -> Option<ClientSettings> {
    let tls = value.attr("tls");
    let wanted = [
        "nomad_server_address",
        "tls",
        "nomad_version",
        "docker_network_cidr",
        "blocked_cidrs",
        "node_class",
    ];
    if wanted.iter().any(|n| !value.attr(n).is_wholly_known()) {
        return None;
    }
    Some(ClientSettings {
        server_address: text(value, "nomad_server_address"),
        ca_cert_pem: text(tls, "ca_cert_pem"),
        client_cert_pem: text(tls, "client_cert_pem"),
        client_key_pem: text(tls, "client_key_pem"),
        nomad_version: value
            .attr("nomad_version")
            .as_str()
            .unwrap_or(startup::DEFAULT_NOMAD_VERSION)
            .to_string(),
        docker_network_cidr: value
            .attr("docker_network_cidr")
            .as_str()
            .unwrap_or(startup::DEFAULT_DOCKER_NETWORK_CIDR)
            .to_string(),
        blocked_cidrs: value
            .attr("blocked_cidrs")
            .elements()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        node_class: value
            .attr("node_class")
            .as_str()
            .unwrap_or(startup::DEFAULT_NODE_CLASS)
            .to_string(),
        cloud,
    })
}

/// Validation shared with the client groups: every problem names its attribute.
pub fn validate_client(config: &Value, diags: &mut Diagnostics) {
    let tls = config.attr("tls");
    if tls.is_wholly_known() {
        for name in ["ca_cert_pem", "client_cert_pem", "client_key_pem"] {
            if !tls.attr(name).as_str().is_some_and(|s| s.contains("-----BEGIN")) {
                diags.attribute_error(
                    &AttributePath::root().attr("tls").attr(name),
                    format!("Missing PEM in tls.{name}"),
                    "Pass the circleciserver_nomad_tls outputs: tls = { ca_cert_pem = ..., client_cert_pem = ..., client_key_pem = ... }.",
                );
            }
        }
    }
    // Check each known input with the script's own rules, substituting defaults for unknowns.
    let mut probe = config.clone();
    for (name, default) in [
        ("nomad_server_address", "nomad.example.com"),
        ("nomad_version", startup::DEFAULT_NOMAD_VERSION),
        ("docker_network_cidr", startup::DEFAULT_DOCKER_NETWORK_CIDR),
        ("node_class", startup::DEFAULT_NODE_CLASS),
    ] {
        if !probe.attr(name).is_wholly_known() || probe.attr(name).is_null() {
            probe.set_attr(name, Value::from(default));
        }
    }
    if !probe.attr("blocked_cidrs").is_wholly_known() {
        probe.set_attr("blocked_cidrs", Value::Null);
    }
    probe.set_attr("tls", Value::Null);
    if let Some(settings) = settings_from(&probe, Cloud::Aws) {
        for (path, problem) in settings.problems(&AttributePath::root()) {
            if path.to_string().starts_with("blocked_cidrs") || path.to_string() == "docker_network_cidr" {
                continue; // the cidr validator already reports these
            }
            diags.attribute_error(&path, format!("Invalid {path}"), problem);
        }
    }
}

/// Writes settings parsed from a start-up script (see [`ClientSettings::parse`]) into the
/// attributes of `out`, keeping the prior spelling where it means the same: a server address
/// without the default port, PEMs without their final newline, an unset `blocked_cidrs`.
pub fn write_settings(out: &mut Value, prior: &Value, parsed: &ClientSettings) {
    let same_server = prior
        .attr("nomad_server_address")
        .as_str()
        .and_then(split_server_address)
        .is_some_and(|p| Some(p) == split_server_address(&parsed.server_address));
    let address = if same_server {
        prior.attr("nomad_server_address").clone()
    } else {
        let address = parsed.server_address.strip_suffix(":4647");
        Value::from(address.unwrap_or(&parsed.server_address))
    };
    out.set_attr("nomad_server_address", address);
    out.set_attr("nomad_version", Value::from(parsed.nomad_version.as_str()));
    out.set_attr("docker_network_cidr", Value::from(parsed.docker_network_cidr.as_str()));
    out.set_attr("node_class", Value::from(parsed.node_class.as_str()));
    let blocked: Vec<Value> = parsed.blocked_cidrs.iter().map(|c| Value::from(c.as_str())).collect();
    out.set_attr(
        "blocked_cidrs",
        if blocked.is_empty() && prior.attr("blocked_cidrs").is_null() {
            Value::Null
        } else {
            Value::List(blocked)
        },
    );
    let pem = |prior_pem: &Value, parsed_pem: &str| match prior_pem.as_str() {
        Some(p) if p.trim_end() == parsed_pem.trim_end() => Value::from(p),
        _ => Value::from(parsed_pem),
    };
    let prior_tls = prior.attr("tls");
    out.set_attr(
        "tls",
        Value::object([
            ("ca_cert_pem", pem(prior_tls.attr("ca_cert_pem"), &parsed.ca_cert_pem)),
            (
                "client_cert_pem",
                pem(prior_tls.attr("client_cert_pem"), &parsed.client_cert_pem),
            ),
            (
                "client_key_pem",
                pem(prior_tls.attr("client_key_pem"), &parsed.client_key_pem),
            ),
        ]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_round_trips_through_the_attributes() {
        let mut config = client_attributes(Block::new("t")).null_object();
        config.set_attr("nomad_server_address", Value::from("nomad.example.com"));
        config.set_attr("nomad_version", Value::from("1.6.0"));
        config.set_attr("docker_network_cidr", Value::from("10.20.0.0/16"));
        config.set_attr("node_class", Value::from("linux-64bit"));
        config.set_attr("blocked_cidrs", Value::List(vec![Value::from("10.0.0.0/8")]));
        config.set_attr(
            "tls",
            Value::object([
                (
                    "ca_cert_pem",
                    Value::from("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----"),
                ),
                (
                    "client_cert_pem",
                    Value::from("-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n"),
                ),
                (
                    "client_key_pem",
                    Value::from("-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n"),
                ),
            ]),
        );
        let script = settings_from(&config, Cloud::Gcp).unwrap().script();
        let parsed = ClientSettings::parse(&script).unwrap();
        assert_eq!(parsed.cloud, Cloud::Gcp);
        let mut read_back = config.clone();
        for name in ["nomad_server_address", "nomad_version", "tls", "blocked_cidrs"] {
            read_back.set_attr(name, Value::Null);
        }
        write_settings(&mut read_back, &config, &parsed);
        assert_eq!(
            read_back, config,
            "what the script holds reads back as the configuration"
        );
    }
}
