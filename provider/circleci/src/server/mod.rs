//! CircleCI Server in Kubernetes: the install's inputs (shared by the resource and the
//! manifests data source), and how they become a [`circleci_server::render::ServerSpec`].

#[cfg(feature = "kubernetes")]
pub mod cluster;
#[cfg(feature = "kubernetes")]
pub mod install;
pub mod manifests;
#[cfg(feature = "kubernetes")]
pub mod status;

use circleci_cty::{AttributePath, Type, Value};
use circleci_server::render::ServerSpec;
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Diagnostics, validators};

fn external_type() -> Type {
    Type::object([
        ("host", Type::String),
        ("port", Type::Number),
        ("user", Type::String),
        ("password", Type::String),
    ])
}

/// The installer's inputs. Secrets live in object attributes, not blocks: Terraform 1.0.3
/// crashes rendering nested blocks that hold sensitive values.
pub fn spec_attributes(block: Block) -> Block {
    block
        .attribute(
            Attribute::optional("namespace", Type::String, "Kubernetes namespace of the install.")
                .default(Value::from("circleci-server"))
                .requires_replace(),
        )
        .attribute(Attribute::required("version", Type::String, "CircleCI Server version, e.g. `3.4.0`: it tags every image.").validate(validators::not_empty()))
        .attribute(Attribute::required("domain", Type::String, "Domain name of the install (installer: *Domain Name*).").validate(validators::dns_name()))
        .attribute(
            Attribute::optional("cloud", Type::String, "`aws` or `gcp`: load balancer and workload identity annotations.")
                .default(Value::from("aws"))
                .validate(validators::one_of(&["aws", "gcp"])),
        )
        .attribute(Attribute::optional("image_registry", Type::String, "Registry of the images.").default(Value::from("cciserver.azurecr.io")))
        .attribute(Attribute::optional("image_pull_secret", Type::String, "Name of an existing pull secret in the namespace."))
        .attribute(Attribute::optional("images", Type::map(Type::String), "Image per service name, replacing the version's default."))
        .attribute(Attribute::optional("tls_certificate", Type::String, "Front end TLS certificate (PEM); none for Let's Encrypt.").sensitive())
        .attribute(Attribute::optional("tls_private_key", Type::String, "Its private key (PEM).").sensitive())
        .attribute(
            Attribute::required(
                "github",
                Type::object([("url", Type::String), ("client_id", Type::String), ("client_secret", Type::String)]),
                "GitHub OAuth app: `url` (https://github.com or GitHub Enterprise), `client_id`, `client_secret`.",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::required(
                "object_storage",
                Type::object([
                    ("bucket", Type::String),
                    ("region", Type::String),
                    ("endpoint", Type::String),
                    ("access_key_id", Type::String),
                    ("secret_access_key", Type::String),
                    ("role_arn", Type::String),
                    ("gcp_service_account", Type::String),
                ]),
                "The outputs of `circleci_object_storage`: bucket, region or endpoint, and a key or a role.",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::required(
                "nomad_tls",
                Type::object([("ca_cert_pem", Type::String), ("server_cert_pem", Type::String), ("server_key_pem", Type::String)]),
                "The server half of `circleci_nomad_tls`.",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::optional(
                "vm_service",
                Type::object([
                    ("provider", Type::String),
                    ("region", Type::String),
                    ("zone", Type::String),
                    ("subnet", Type::String),
                    ("security_group", Type::String),
                    ("linux_image", Type::String),
                    ("windows_image", Type::String),
                    ("access_key_id", Type::String),
                    ("secret_access_key", Type::String),
                    ("role_arn", Type::String),
                    ("prescaled_linux", Type::Number),
                    ("prescaled_windows", Type::Number),
                ]),
                "VM service: `provider` (ec2 or gce), region/zone, subnet, security group (from circleci_vm_service_access), \
                 image ids (from circleci_vm_service_image), credentials or role, and VMs to keep prescaled (0-5).",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::optional(
                "nomad_autoscaler",
                Type::object([
                    ("enabled", Type::Bool),
                    ("provider", Type::String),
                    ("region", Type::String),
                    ("group", Type::String),
                    ("min", Type::Number),
                    ("max", Type::Number),
                    ("role_arn", Type::String),
                    ("access_key_id", Type::String),
                    ("secret_access_key", Type::String),
                ]),
                "Nomad autoscaler: provider (aws or gcp), region, the client group it scales (from circleci_nomad_client_group), \
                 min/max, and its role or key.",
            )
            .sensitive(),
        )
        .attribute(Attribute::optional("postgres", external_type(), "External PostgreSQL; the install runs its own when left out.").sensitive())
        .attribute(Attribute::optional("mongodb", external_type(), "External MongoDB; the install runs its own when left out.").sensitive())
        .attribute(Attribute::optional("vault", external_type(), "External Vault; the install runs its own when left out.").sensitive())
        .attribute(
            Attribute::optional(
                "load_balancers",
                Type::map(Type::String),
                "Mode per load balancer (`frontend`, `api`, `nomad`, `output_processor`, `vm_service`): `external`, `internal` \
                 or `node_port` (for `circleci_load_balancer`). Defaults: the first two external, the rest internal.",
            ),
        )
}

/// Checks that need several attributes, naming the one at fault.
pub fn validate_spec(config: &Value, diags: &mut Diagnostics) {
    let root = AttributePath::root();
    let github = config.attr("github");
    for name in ["client_id", "client_secret"] {
        if github.is_wholly_known() && !github.is_null() && github.attr(name).as_str().is_none_or(|s| s.is_empty()) {
            diags.attribute_error(
                &root.attr("github").attr(name),
                format!("Missing github.{name}"),
                "The GitHub OAuth app's client id and secret are both required (GitHub: Settings > Developer settings > OAuth Apps).",
            );
        }
    }
    for store in ["postgres", "mongodb", "vault"] {
        let ext = config.attr(store);
        if ext.is_wholly_known() && !ext.is_null() && ext.attr("host").is_null() {
            diags.attribute_error(
                &root.attr(store).attr("host"),
                format!("External {store} without a host"),
                format!("Give {store}.host (and port, user, password), or leave {store} out to run it in the cluster."),
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
    if config.attr("tls_certificate").is_null() != config.attr("tls_private_key").is_null() {
        diags.attribute_error(
            &root.attr("tls_private_key"),
            "Half a TLS pair",
            "Set both tls_certificate and tls_private_key, or neither.",
        );
    }
    if let Value::Map(modes) = config.attr("load_balancers") {
        for (role, mode) in modes {
            let known_role = circleci_server::services::LOAD_BALANCERS
                .iter()
                .any(|(r, ..)| r == role);
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
}

/// The renderer's input, from a value holding [`spec_attributes`]; keysets come separately.
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
        spec.namespace = "circleci-server".into();
    }
    if spec.cloud.is_empty() {
        spec.cloud = "aws".into();
    }
    if spec.image_registry.is_empty() {
        spec.image_registry = "cciserver.azurecr.io".into();
    }
    Ok(spec)
}
