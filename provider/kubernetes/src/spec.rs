//! CircleCI Server in Kubernetes: the install's inputs (shared by the resource and the
//! manifests data source), and how they become a [`circleci_server::render::ServerSpec`].

use circleci_core::DEFAULT_NAMESPACE;
use circleci_cty::{AttributePath, Type, Value};
use circleci_server::generated::{Form, GENERATED, looks_like_keyset};
use circleci_server::render::ServerSpec;
use circleci_server::services::LOAD_BALANCERS;
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock};
use circleci_tfplugin::{Diagnostics, validators};
use std::collections::BTreeMap;

/// An external data store: the install runs its own when the block is left out.
fn external_store(name: &str, what: &str) -> NestedBlock {
    NestedBlock::single(
        name,
        Block::new(&format!(
            "External {what}; the install runs its own when this block is left out."
        ))
        .attribute(Attribute::required("host", Type::String, "Host name or address.").validate(validators::not_empty()))
        .attribute(Attribute::optional(
            "port",
            Type::Number,
            "Port; the store's usual one when left out.",
        ))
        .attribute(Attribute::optional("user", Type::String, "User name.")),
    )
}

/// The secret fields of the nested blocks, as top-level sensitive attributes: (attribute, block,
/// field in the block the renderer reads). Terraform 1.0's plan renderer crashes on a nested
/// block that holds a value marked sensitive (e.g. a reference to another resource's key), so
/// the blocks carry only public fields.
pub const SECRETS: [(&str, &str, &str); 11] = [
    ("github_client_secret", "github", "client_secret"),
    (
        "object_storage_secret_access_key",
        "object_storage",
        "secret_access_key",
    ),
    (
        "object_storage_service_account_key",
        "object_storage",
        "service_account_key",
    ),
    ("vm_service_service_account_key", "vm_service", "service_account_key"),
    (
        "nomad_autoscaler_service_account_key",
        "nomad_autoscaler",
        "service_account_key",
    ),
    ("nomad_server_key_pem", "nomad_tls", "server_key_pem"),
    ("vm_service_secret_access_key", "vm_service", "secret_access_key"),
    (
        "nomad_autoscaler_secret_access_key",
        "nomad_autoscaler",
        "secret_access_key",
    ),
    ("postgres_password", "postgres", "password"),
    ("mongodb_password", "mongodb", "password"),
    ("vault_password", "vault", "password"),
];

fn text(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::String, description)
}

fn secret(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::String, description).sensitive()
}

/// The installer's inputs. Each group is a nested block: optional fields may be left out, and
/// only the secret fields are sensitive, so a plan shows which field changed.
pub fn spec_attributes(block: Block) -> Block {
    block
        .attribute(
            Attribute::optional(
                "namespace",
                Type::String,
                "Kubernetes namespace of the install. Cannot be changed once installed: a plan that changes it is refused.",
            )
            .default(Value::from(DEFAULT_NAMESPACE)),
        )
        .attribute(Attribute::required("version", Type::String, "CircleCI Server version, e.g. `3.4.0`: it tags every image.").validate(validators::not_empty()))
        .attribute(Attribute::required("domain", Type::String, "Domain name of the install (installer: *Domain Name*).").validate(validators::dns_name()))
        .attribute(
            Attribute::optional("cloud", Type::String, "`aws` or `gcp`: load balancer and workload identity annotations.")
                .default(Value::from("aws"))
                .validate(validators::one_of(&["aws", "gcp"])),
        )
        .attribute(Attribute::optional("image_registry", Type::String, "Registry of the images.").default(Value::from("cciserver.azurecr.io")))
        .attribute(text(
            "image_registry_username",
            "User of `image_registry`, from the registry credentials CircleCI sends with the license. With \
             `image_registry_password`, the install makes the pull secret `circleci-registry` that every pod uses.",
        ))
        .attribute(secret("image_registry_password", "Password of `image_registry_username`."))
        .attribute(secret(
            "license",
            "The CircleCI Server license CircleCI sends you (installer: `license`); the services refuse to run \
             without a valid one.",
        ))
        .attribute(text(
            "image_pull_secret",
            "Name of a pull secret you made yourself in the namespace, used as well as (or instead of) the registry credentials.",
        ))
        .attribute(Attribute::optional("images", Type::map(Type::String), "Image per service name, replacing the version's default."))
        .attribute(secret("tls_certificate", "Front end TLS certificate (PEM); none for Let's Encrypt."))
        .attribute(secret("tls_private_key", "Its private key (PEM)."))
        .block(
            NestedBlock::single(
                "github",
                Block::new("The GitHub OAuth app (installer: *GitHub Type*, *OAuth Client ID*, *OAuth Client Secret*).")
                    .attribute(
                        Attribute::optional("url", Type::String, "https://github.com or your GitHub Enterprise URL.")
                            .default(Value::from("https://github.com")),
                    )
                    .attribute(Attribute::required("client_id", Type::String, "OAuth app client id.").validate(validators::not_empty())),
            )
            .required(),
        )
        .block(
            NestedBlock::single(
                "object_storage",
                Block::new(
                    "Where artifacts, job output and audit logs go: the outputs of `circleciserver_object_storage` (installer: \
                     *Storage Bucket Name*, *Storage Region* or *S3 Endpoint*, and a key or a role).",
                )
                .attribute(Attribute::required("bucket", Type::String, "Bucket name.").validate(validators::not_empty()))
                .attribute(text("region", "Region of the bucket."))
                .attribute(text("endpoint", "Storage endpoint URL, for S3-compatible stores."))
                .attribute(text("access_key_id", "Access key id, when not using a role (its secret: `object_storage_secret_access_key`)."))
                .attribute(text("role_arn", "IRSA role for the server's service accounts."))
                .attribute(text(
                    "gcp_service_account",
                    "GCP service account of the services that use storage, for workload identity (annotates their \
                     Kubernetes service accounts); with a key, its file goes in `object_storage_service_account_key`.",
                )),
            )
            .required(),
        )
        .block(
            NestedBlock::single(
                "nomad_tls",
                Block::new("The server half of `circleciserver_nomad_tls` (installer: *Nomad Server Certificate*, *Private Key*, *CA*).")
                    .attribute(Attribute::required("ca_cert_pem", Type::String, "The CA certificate (PEM)."))
                    .attribute(Attribute::required("server_cert_pem", Type::String, "The server certificate (PEM)."))
                    .attribute(
                        Attribute::optional(
                            "http_mtls",
                            Type::Bool,
                            "Nomad's HTTP API (4646) requires mTLS too, not only RPC (4647): callers inside the install \
                             get the certificates (this provider's own rendering: see the resource's docs).",
                        )
                        .default(Value::Bool(false)),
                    ),
            )
            .required(),
        )
        .block(NestedBlock::single(
            "vm_service",
            Block::new(
                "The VM service: where it starts VMs (from `circleciserver_vm_service_access` and `circleciserver_vm_service_image`) \
                 and its credentials or role.",
            )
            .attribute(text("provider", "`ec2` or `gce`."))
            .attribute(text("region", "Region of the VMs."))
            .attribute(text("zone", "Zone of the VMs (GCE)."))
            .attribute(text("subnet", "Subnet of the VMs."))
            .attribute(text("security_group", "Security group of the VMs (AWS)."))
            .attribute(text("linux_image", "Linux image id."))
            .attribute(text("windows_image", "Windows image id."))
            .attribute(text("access_key_id", "Access key id, when not using a role (its secret: `vm_service_secret_access_key`)."))
            .attribute(text("role_arn", "IRSA role of the VM service."))
            .attribute(text("project", "GCP project of the VMs (GCE)."))
            .attribute(text("network_tag", "Network tag the VMs carry, for the firewall rules of `circleciserver_vm_service_access` (GCE)."))
            .attribute(text(
                "gcp_service_account",
                "GCP service account of the VM service, for workload identity (GCE); with a key, its file goes in \
                 `vm_service_service_account_key`.",
            ))
            .attribute(Attribute::optional("prescaled_linux", Type::Number, "Linux VMs to keep prescaled (0-5)."))
            .attribute(Attribute::optional("prescaled_windows", Type::Number, "Windows VMs to keep prescaled (0-5).")),
        ))
        .block(NestedBlock::single(
            "nomad_autoscaler",
            Block::new("nomad-autoscaler: the client group it scales (from `circleciserver_nomad_client_group`) and its access.")
                .attribute(Attribute::optional("enabled", Type::Bool, "Run nomad-autoscaler."))
                .attribute(text("provider", "`aws` or `gcp`."))
                .attribute(text("region", "Region of the group."))
                .attribute(text("group", "The client group's name."))
                .attribute(Attribute::optional("min", Type::Number, "Fewest clients (at least 1)."))
                .attribute(Attribute::optional("max", Type::Number, "Most clients."))
                .attribute(text("role_arn", "IRSA role of nomad-autoscaler."))
                .attribute(text("project", "GCP project of the group."))
                .attribute(text(
                    "gcp_service_account",
                    "GCP service account of nomad-autoscaler, for workload identity; with a key, its file goes in \
                     `nomad_autoscaler_service_account_key`.",
                ))
                .attribute(text("access_key_id", "Access key id, when not using a role (its secret: `nomad_autoscaler_secret_access_key`).")),
        ))
        .block(external_store("postgres", "PostgreSQL"))
        .block(external_store("mongodb", "MongoDB"))
        .block(external_store("vault", "Vault"))
        .attribute(
            Attribute::required("github_client_secret", Type::String, "The GitHub OAuth app's client secret (installer: *OAuth Client Secret*).")
                .sensitive()
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("nomad_server_key_pem", Type::String, "The Nomad server's private key (PEM): `circleciserver_nomad_tls.server_key_pem`.")
                .sensitive(),
        )
        .attribute(secret("object_storage_secret_access_key", "Secret key of `object_storage.access_key_id`."))
        .attribute(secret(
            "object_storage_service_account_key",
            "GCP service-account key file (JSON) of the services that use storage: `circleciserver_object_storage.gcp.service_account_key`.",
        ))
        .attribute(secret(
            "vm_service_service_account_key",
            "GCP service-account key file (JSON) of the VM service: `circleciserver_vm_service_access.gcp.service_account_key`.",
        ))
        .attribute(secret(
            "nomad_autoscaler_service_account_key",
            "GCP service-account key file (JSON) of nomad-autoscaler: `circleciserver_nomad_client_group.gcp.autoscaler_service_account_key`.",
        ))
        .attribute(secret("vm_service_secret_access_key", "Secret key of `vm_service.access_key_id`."))
        .attribute(secret("nomad_autoscaler_secret_access_key", "Secret key of `nomad_autoscaler.access_key_id`."))
        .attribute(secret("postgres_password", "Password of the external PostgreSQL."))
        .attribute(secret("mongodb_password", "Password of the external MongoDB."))
        .attribute(secret("vault_password", "Password (token) of the external Vault."))
        .attribute(
            Attribute::optional(
                "load_balancers",
                Type::map(Type::String),
                "Mode per load balancer (`frontend`, `api`, `nomad`, `output_processor`, `vm_service`): `external`, `internal` \
                 or `node_port` (for `circleciserver_load_balancer`). Defaults: the first two external, the rest internal; \
                 a role in `node_ports` defaults to `node_port`.",
            ),
        )
        .attribute(Attribute::optional(
            "node_ports",
            Type::map(Type::map(Type::Number)),
            "Node port per role and port for the `node_port` roles, e.g. `{ nomad = { \"4647\" = 30647 } }` \
             (30000-32767, each used once). Give each `circleciserver_load_balancer` its role's map as `aws.node_ports` (or `gcp.node_ports`), \
             so both agree without either waiting for the other.",
        ))
        .attribute(Attribute::optional(
            "load_balancer_hostnames",
            Type::map(Type::String),
            "Where clients reach each `node_port` role: `circleciserver_load_balancer.ROLE.hostname`. Reported in \
             `load_balancer_addresses` (and `nomad_server_endpoint`) in place of the bare node port; on GCP (an IP \
             address) also the Service's external IP, which routes the passthrough load balancer's traffic.",
        ))
}

/// The values CircleCI's reference says to generate ([`GENERATED`]): optional sensitive
/// attributes. The install generates those left out and keeps them (`computed`); the manifests
/// data source leaves them out of its objects.
pub fn generated_attributes(mut block: Block, computed: bool) -> Block {
    for generated in GENERATED {
        let description = if computed {
            format!(
                "{} (installer: `{}`). Generated when left out, in the form CircleCI's tools make it, and kept in state.",
                generated.description, generated.installer_field
            )
        } else {
            format!(
                "{} (installer: `{}`); left out of the objects when unset.",
                generated.description, generated.installer_field
            )
        };
        let attribute = if computed {
            Attribute::optional_computed(generated.attribute, Type::String, &description).use_state_for_unknown()
        } else {
            Attribute::optional(generated.attribute, Type::String, &description)
        };
        block = block.attribute(attribute.sensitive());
    }
    block
}

/// Checks a given (not generated) value's form without echoing it: these are secrets.
fn validate_generated(config: &Value, diags: &mut Diagnostics) {
    use base64::Engine;
    let root = AttributePath::root();
    for generated in GENERATED {
        let Some(value) = config.attr(generated.attribute).as_str() else {
            continue;
        };
        let problem = match generated.form {
            Form::SigningKeyset | Form::EncryptionKeyset if !looks_like_keyset(value) => Some(format!(
                "{} is not a keyset as circleci/server-keysets prints it ({{:meta ... :keys ...}}). Leave it out to have one \
                 generated, or make one with: docker run circleci/server-keysets:latest generate {} -a stdout",
                generated.attribute,
                if generated.form == Form::SigningKeyset {
                    "signing"
                } else {
                    "encryption"
                },
            )),
            Form::Password(16) if value.chars().count() != 16 => Some(format!(
                "{} must be exactly 16 characters (it has {}); leave it out to have one generated.",
                generated.attribute,
                value.chars().count()
            )),
            Form::Base64Bytes(_) => {
                let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim());
                (!matches!(decoded.as_ref().map(Vec::len), Ok(16 | 24 | 32))).then(|| {
                    format!(
                        "{} must be 16, 24 or 32 bytes in standard base64, as `nomad operator gossip keyring generate` prints; \
                         leave it out to have one generated.",
                        generated.attribute
                    )
                })
            }
            _ => None,
        };
        if let Some(detail) = problem {
            diags.attribute_error(
                &root.attr(generated.attribute),
                format!("Invalid {}", generated.attribute),
                detail,
            );
        }
    }
}

/// Checks that need several attributes, naming the one at fault.
pub fn validate_spec(config: &Value, diags: &mut Diagnostics) {
    let root = AttributePath::root();
    validate_generated(config, diags);
    for (attribute, block, _) in SECRETS {
        if !config.attr(attribute).is_null() && config.attr(block).is_null() {
            diags.attribute_error(
                &root.attr(attribute),
                format!("{attribute} without a {block} block"),
                format!("{attribute} belongs to the {block} block: add the block, or leave {attribute} out."),
            );
        }
    }
    let vm = config.attr("vm_service");
    if vm.is_wholly_known() {
        for name in ["prescaled_linux", "prescaled_windows"] {
            if let Some(n) = vm.attr(name).as_i64()
                && !(0..=5).contains(&n)
            {
                diags.attribute_error(
                    &root.attr("vm_service").attr(name),
                    "Invalid prescaled count",
                    format!("{name} is {n}; keep 0 to 5 VMs prescaled."),
                );
            }
        }
        if let Some(p) = vm.attr("provider").as_str()
            && p != "ec2"
            && p != "gce"
        {
            diags.attribute_error(
                &root.attr("vm_service").attr("provider"),
                "Invalid VM provider",
                format!("{p:?} must be ec2 or gce."),
            );
        }
    }
    let scaler = config.attr("nomad_autoscaler");
    if scaler.is_wholly_known()
        && let (Some(min), Some(max)) = (scaler.attr("min").as_i64(), scaler.attr("max").as_i64())
    {
        if min > max {
            diags.attribute_error(
                &root.attr("nomad_autoscaler").attr("min"),
                "min is larger than max",
                format!("nomad_autoscaler.min ({min}) must be at most max ({max})."),
            );
        }
        if min < 1 && scaler.attr("enabled").as_bool() == Some(true) {
            diags.attribute_error(
                &root.attr("nomad_autoscaler").attr("min"),
                "Scale from zero does not work",
                "nomad-autoscaler needs at least one client to scale from: set min to 1 or more.",
            );
        }
    }
    if config.attr("image_registry_username").is_null() != config.attr("image_registry_password").is_null() {
        let missing = if config.attr("image_registry_username").is_null() {
            "image_registry_username"
        } else {
            "image_registry_password"
        };
        diags.attribute_error(
            &root.attr(missing),
            "Half the registry credentials",
            "Set both image_registry_username and image_registry_password (CircleCI sends them with the license), or neither.",
        );
    }
    if config.attr("tls_certificate").is_null() != config.attr("tls_private_key").is_null() {
        diags.attribute_error(
            &root.attr("tls_private_key"),
            "Half a TLS pair",
            "Set both tls_certificate and tls_private_key, or neither.",
        );
    }
    if let Value::Map(modes) = config.attr("load_balancers") {
        for (role, mode) in modes {
            let known_role = LOAD_BALANCERS.iter().any(|(r, ..)| r == role);
            let known_mode = mode
                .as_str()
                .is_none_or(|m| ["external", "internal", "node_port"].contains(&m));
            if !known_role || !known_mode {
                diags.attribute_error(
                    &root.attr("load_balancers").key(role.clone()),
                    "Invalid load balancer mode",
                    "Keys are frontend, api, nomad, output_processor, vm_service; values external, internal or node_port.",
                );
            }
        }
    }
    validate_node_ports(config, diags);
}

/// The role's mode as configured, when known: `load_balancers`, else `node_port` when it has
/// node ports, else the role's default.
fn configured_mode(config: &Value, role: &str, default_internal: bool) -> Option<String> {
    let modes = config.attr("load_balancers");
    if !modes.is_wholly_known() {
        return None;
    }
    if let Some(mode) = modes.key(role).as_str() {
        return Some(mode.to_string());
    }
    let node_ports = config.attr("node_ports");
    if !node_ports.is_wholly_known() {
        return None;
    }
    Some(if !node_ports.key(role).is_null() {
        "node_port".into()
    } else if default_internal {
        "internal".into()
    } else {
        "external".into()
    })
}

/// `node_ports` covers every port of each `node_port` role, within the cluster's range and
/// each once; `load_balancer_hostnames` only names `node_port` roles.
fn validate_node_ports(config: &Value, diags: &mut Diagnostics) {
    let root = AttributePath::root();
    let node_ports = config.attr("node_ports");
    let mut seen: BTreeMap<i64, String> = BTreeMap::new();
    if let Value::Map(roles) = node_ports {
        for (role, ports) in roles {
            let path = root.attr("node_ports").key(role.clone());
            let Some((_, _, role_ports, _)) = LOAD_BALANCERS.iter().find(|(r, ..)| r == role) else {
                diags.attribute_error(
                    &path,
                    "Unknown load balancer role",
                    format!("{role:?} is not a role: use frontend, api, nomad, output_processor or vm_service."),
                );
                continue;
            };
            let Value::Map(ports) = ports else { continue };
            for (port, node_port) in ports {
                if !role_ports.iter().any(|p| p.to_string() == *port) {
                    diags.attribute_error(
                        &path.key(port.clone()),
                        "Not a port of this role",
                        format!("The {role} load balancer serves ports {role_ports:?}, not {port}."),
                    );
                }
                let Some(node_port) = node_port.as_i64() else { continue };
                if !(30000..=32767).contains(&node_port) {
                    diags.attribute_error(
                        &path.key(port.clone()),
                        "Node port out of range",
                        format!("{node_port} is outside Kubernetes' node port range 30000-32767."),
                    );
                } else if let Some(other) = seen.insert(node_port, format!("{role}:{port}")) {
                    diags.attribute_error(
                        &path.key(port.clone()),
                        "Node port used twice",
                        format!("{node_port} is also the node port of {other}; each port needs its own."),
                    );
                }
            }
        }
    }
    for (role, _, role_ports, internal) in LOAD_BALANCERS {
        let Some(mode) = configured_mode(config, role, *internal) else {
            continue;
        };
        let given = node_ports.key(role);
        if mode == "node_port" && node_ports.is_wholly_known() {
            let missing: Vec<String> = role_ports
                .iter()
                .map(|p| p.to_string())
                .filter(|p| given.key(p).is_null())
                .collect();
            if given.is_null() {
                // Legitimate (the cluster picks the port), but nothing made beside the
                // install can know it in advance.
                diags.attribute_warning(
                    &root.attr("node_ports"),
                    format!("The cluster picks the {role} load balancer's node port"),
                    format!(
                        "{role} is in node_port mode without node_ports[\"{role}\"]: a load balancer in front of it \
                         (circleciserver_load_balancer) cannot know the port in advance. Set node_ports[\"{role}\"] and give \
                         the load balancer the same map."
                    ),
                );
            } else if !missing.is_empty() {
                diags.attribute_error(
                    &root.attr("node_ports").key(role.to_string()),
                    format!("No node port for the {role} load balancer"),
                    format!(
                        "{role} is in node_port mode: set node_ports[\"{role}\"] for port(s) {} so the load balancer \
                         in front of it knows where to send traffic.",
                        missing.join(", ")
                    ),
                );
            }
        } else if mode != "node_port" && !given.is_null() {
            diags.attribute_error(
                &root.attr("node_ports").key(role.to_string()),
                "Node ports for a role that is not node_port",
                format!("load_balancers sets {role} to {mode}: drop its node ports, or make it node_port."),
            );
        }
        if mode != "node_port" && !config.attr("load_balancer_hostnames").key(role).is_null() {
            diags.attribute_error(
                &root.attr("load_balancer_hostnames").key(role.to_string()),
                "Hostname for a role that is not node_port",
                format!(
                    "The {role} load balancer is a Kubernetes LoadBalancer service ({mode}) whose address the cluster \
                     reports: drop this hostname, or make the role node_port."
                ),
            );
        }
    }
}

/// The renderer's input, from a value holding [`spec_attributes`] and [`generated_attributes`].
pub fn spec_from_value(value: &Value) -> Result<ServerSpec, circleci_tfplugin::Diagnostic> {
    // Nulls mean "not set": drop them so the renderer's defaults apply.
    fn drop_nulls(json: &mut serde_json::Value) {
        if let Some(map) = json.as_object_mut() {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
    }
    let mut json = value.to_json();
    drop_nulls(&mut json);
    // The renderer reads each secret inside its group.
    if let Some(obj) = json.as_object_mut() {
        for (attribute, block, field) in SECRETS {
            if let Some(secret) = obj.remove(attribute)
                && let Some(group) = obj.get_mut(block).and_then(|g| g.as_object_mut())
            {
                group.insert(field.to_string(), secret);
            }
        }
    }
    // Attribute names match the renderer's, except these two.
    if let Some(obj) = json.as_object_mut() {
        if let Some(storage) = obj.remove("object_storage") {
            obj.insert("storage".into(), storage);
        }
        if let Some(tls) = obj.remove("nomad_tls") {
            obj.insert("nomad".into(), tls);
        }
    }
    let mut spec: ServerSpec = serde_json::from_value(json).map_err(|e| {
        circleci_tfplugin::Diagnostic::error("Unexpected server inputs", format!("{e}. This is a provider bug."))
    })?;
    if spec.namespace.is_empty() {
        spec.namespace = DEFAULT_NAMESPACE.into();
    }
    if spec.cloud.is_empty() {
        spec.cloud = "aws".into();
    }
    if spec.image_registry.is_empty() {
        spec.image_registry = "cciserver.azurecr.io".into();
    }
    Ok(spec)
}
