//! Renders a CircleCI Server install as Kubernetes objects (JSON), ready for server-side apply.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::services::{LOAD_BALANCERS, NOMAD_AUTOSCALER, SERVICES, Service, Workload};

pub const FIELD_MANAGER: &str = "terraform-provider-circleciserver";
pub const CONFIG_NAME: &str = "circleci-server-config";
pub const SECRET_NAME: &str = "circleci-server-secrets";
pub const NOMAD_TLS_SECRET: &str = "circleci-nomad-tls";
/// The `kubernetes.io/dockerconfigjson` Secret made from the registry credentials.
pub const REGISTRY_SECRET: &str = "circleci-registry";
/// The Nomad server's own configuration (gossip key and TLS), mounted at [`NOMAD_CONFIG_DIR`].
pub const NOMAD_CONFIG_SECRET: &str = "circleci-nomad-config";
pub const NOMAD_CONFIG_DIR: &str = "/etc/nomad.d";
/// Where the Nomad TLS secret is mounted.
pub const NOMAD_TLS_DIR: &str = "/etc/ssl/nomad";
/// Port of Nomad's HTTP API.
pub const NOMAD_HTTP_PORT: u16 = 4646;
/// Services besides the Nomad server that call Nomad's HTTP API (they get its TLS files when
/// the API requires mTLS).
const NOMAD_API_CALLERS: &[&str] = &["dispatcher", "nomad-autoscaler"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GitHub {
    pub url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Storage {
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// IRSA role of the services that use storage.
    pub role_arn: Option<String>,
    /// GCP workload identity of the services that use storage.
    pub gcp_service_account: Option<String>,
    /// GCP service-account key file (JSON), when not using workload identity.
    pub service_account_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NomadTls {
    pub ca_cert_pem: Option<String>,
    pub server_cert_pem: Option<String>,
    pub server_key_pem: Option<String>,
    /// Nomad's HTTP API (4646) also requires mTLS, not only RPC (4647).
    pub http_mtls: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VmService {
    /// `ec2` or `gce`.
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub subnet: Option<String>,
    pub security_group: Option<String>,
    pub linux_image: Option<String>,
    pub windows_image: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub role_arn: Option<String>,
    /// GCE: the project of the VMs, the network tag they carry, and the service account of the
    /// VM service (workload identity) or its key file.
    pub project: Option<String>,
    pub network_tag: Option<String>,
    pub gcp_service_account: Option<String>,
    pub service_account_key: Option<String>,
    /// VMs kept started ahead of demand (0-5).
    pub prescaled_linux: Option<i64>,
    pub prescaled_windows: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NomadAutoscaler {
    pub enabled: Option<bool>,
    /// `aws` or `gcp`.
    pub provider: Option<String>,
    pub region: Option<String>,
    /// The Nomad client group (ASG name or managed instance group) it scales.
    pub group: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub role_arn: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// GCP: the project of the group, and nomad-autoscaler's service account (workload
    /// identity) or its key file.
    pub project: Option<String>,
    pub gcp_service_account: Option<String>,
    pub service_account_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct External {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub user: Option<String>,
    pub password: Option<String>,
}

/// Everything the installer asks for, as the renderer takes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServerSpec {
    pub namespace: String,
    pub version: String,
    pub domain: String,
    /// `aws` or `gcp`: decides the load balancer annotations and identity annotations.
    pub cloud: String,
    pub image_registry: String,
    pub image_pull_secret: Option<String>,
    /// Credentials for `image_registry` (CircleCI gives them with the license): rendered as the
    /// pull secret [`REGISTRY_SECRET`] that every pod references.
    pub image_registry_username: Option<String>,
    pub image_registry_password: Option<String>,
    /// CircleCI's license for the install.
    pub license: Option<String>,
    /// Image overrides by service name.
    pub images: Option<BTreeMap<String, String>>,
    pub tls_certificate: Option<String>,
    pub tls_private_key: Option<String>,
    pub github: Option<GitHub>,
    pub storage: Option<Storage>,
    pub nomad: Option<NomadTls>,
    pub nomad_autoscaler: Option<NomadAutoscaler>,
    pub vm_service: Option<VmService>,
    pub postgres: Option<External>,
    pub mongodb: Option<External>,
    pub vault: Option<External>,
    pub signing_keyset: Option<String>,
    pub encryption_keyset: Option<String>,
    pub api_token: Option<String>,
    pub session_cookie_key: Option<String>,
    pub nomad_gossip_key: Option<String>,
    /// Passwords of the in-cluster data stores and services, by the names of
    /// [`crate::generated::INTERNAL_PASSWORDS`].
    pub internal_passwords: Option<BTreeMap<String, String>>,
    /// Mode per load balancer role: `external`, `internal` or `node_port`.
    pub load_balancers: Option<BTreeMap<String, String>>,
    /// Node port per role and port (`{"nomad": {"4647": 30647}}`): the same map the
    /// `circleciserver_load_balancer`s in front of those roles take, so both agree without a cycle.
    /// A role listed here is in `node_port` mode unless `load_balancers` says otherwise.
    pub node_ports: Option<BTreeMap<String, BTreeMap<String, i64>>>,
    /// Where clients reach each `node_port` role: the hostname of the load balancer in front.
    pub load_balancer_hostnames: Option<BTreeMap<String, String>>,
}

fn labels(spec: &ServerSpec, component: &str) -> Json {
    json!({
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": "circleci-server",
        "app.kubernetes.io/version": spec.version,
        "app.kubernetes.io/part-of": "circleci-server",
        "app.kubernetes.io/managed-by": FIELD_MANAGER,
    })
}

fn metadata(spec: &ServerSpec, name: &str, component: &str) -> Json {
    json!({ "name": name, "namespace": spec.namespace, "labels": labels(spec, component) })
}

/// The image of a service: an override, else `REGISTRY/IMAGE:VERSION`.
pub fn image(spec: &ServerSpec, service: &Service) -> String {
    spec.images
        .as_ref()
        .and_then(|m| m.get(service.name))
        .cloned()
        .unwrap_or_else(|| {
            format!(
                "{}/{}:{}",
                spec.image_registry.trim_end_matches('/'),
                service.image,
                spec.version
            )
        })
}

fn external<'a>(spec: &'a ServerSpec, service: &Service) -> Option<&'a External> {
    let ext = match service.name {
        "circleci-postgres" => spec.postgres.as_ref(),
        "circleci-mongodb" => spec.mongodb.as_ref(),
        "circleci-vault" => spec.vault.as_ref(),
        _ => None,
    };
    ext.filter(|e| e.host.is_some())
}

/// The services that run in the cluster: external data stores replace their own;
/// nomad-autoscaler runs when enabled.
pub fn running(spec: &ServerSpec) -> Vec<&'static Service> {
    let mut running: Vec<&'static Service> = SERVICES.iter().filter(|s| external(spec, s).is_none()).collect();
    if spec.nomad_autoscaler.as_ref().and_then(|a| a.enabled) == Some(true) {
        running.push(&NOMAD_AUTOSCALER);
    }
    running
}

/// The cloud identity a service's Kubernetes service account is annotated with: an IRSA role
/// (AWS) or a GCP service account (workload identity). The VM service and nomad-autoscaler
/// have their own; the services that use storage share the storage one.
fn identity(spec: &ServerSpec, service: &Service) -> (Option<String>, Option<String>) {
    match service.name {
        "vm-service" => {
            let vm = spec.vm_service.clone().unwrap_or_default();
            (vm.role_arn, vm.gcp_service_account)
        }
        "nomad-autoscaler" => {
            let scaler = spec.nomad_autoscaler.clone().unwrap_or_default();
            (scaler.role_arn, scaler.gcp_service_account)
        }
        _ if service.uses_storage => {
            let storage = spec.storage.clone().unwrap_or_default();
            (storage.role_arn, storage.gcp_service_account)
        }
        _ => (None, None),
    }
}

fn service_account(spec: &ServerSpec, service: &Service) -> Json {
    let mut annotations = serde_json::Map::new();
    let (role_arn, gcp_service_account) = identity(spec, service);
    if let Some(role) = role_arn.filter(|_| spec.cloud == "aws") {
        annotations.insert("eks.amazonaws.com/role-arn".into(), role.into());
    }
    if let Some(account) = gcp_service_account.filter(|_| spec.cloud == "gcp") {
        annotations.insert("iam.gke.io/gcp-service-account".into(), account.into());
    }
    let mut meta = metadata(spec, service.name, service.name);
    meta["annotations"] = Json::Object(annotations);
    json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta })
}

/// The pull secrets every pod references: the one made from the registry credentials, and an
/// existing one named by `image_pull_secret`.
fn pull_secret_names(spec: &ServerSpec) -> Vec<String> {
    let mut names = Vec::new();
    if registry_credentials(spec).is_some() {
        names.push(REGISTRY_SECRET.to_string());
    }
    names.extend(spec.image_pull_secret.clone());
    names
}

fn registry_credentials(spec: &ServerSpec) -> Option<(&str, &str)> {
    Some((
        spec.image_registry_username.as_deref()?,
        spec.image_registry_password.as_deref()?,
    ))
}

/// The registry credentials as a `kubernetes.io/dockerconfigjson` Secret.
fn registry_secret(spec: &ServerSpec) -> Option<Json> {
    let (username, password) = registry_credentials(spec)?;
    let config = json!({
        "auths": {
            spec.image_registry.clone(): {
                "username": username,
                "password": password,
                "auth": b64(&format!("{username}:{password}")),
            }
        }
    });
    Some(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": metadata(spec, REGISTRY_SECRET, "circleci-server"),
        "data": { ".dockerconfigjson": b64(&config.to_string()) },
    }))
}

fn workload(spec: &ServerSpec, service: &Service) -> Json {
    let selector = json!({ "app.kubernetes.io/name": service.name, "app.kubernetes.io/instance": "circleci-server" });
    let mut container = json!({
        "name": service.name,
        "image": image(spec, service),
        "ports": [{ "containerPort": service.port }],
        "envFrom": [{ "configMapRef": { "name": CONFIG_NAME } }, { "secretRef": { "name": SECRET_NAME } }],
        "readinessProbe": { "tcpSocket": { "port": service.port }, "periodSeconds": 10 },
        "resources": { "requests": { "cpu": "100m", "memory": "256Mi" } },
        "securityContext": { "allowPrivilegeEscalation": false },
    });
    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    if service.name == "nomad-server" || (http_mtls(spec) && NOMAD_API_CALLERS.contains(&service.name)) {
        mounts.push(json!({ "name": "nomad-tls", "mountPath": NOMAD_TLS_DIR, "readOnly": true }));
        volumes.push(json!({ "name": "nomad-tls", "secret": { "secretName": NOMAD_TLS_SECRET } }));
    }
    if service.name == "nomad-server" {
        mounts.push(json!({ "name": "nomad-config", "mountPath": NOMAD_CONFIG_DIR, "readOnly": true }));
        volumes.push(json!({ "name": "nomad-config", "secret": { "secretName": NOMAD_CONFIG_SECRET } }));
    }
    if !mounts.is_empty() {
        container["volumeMounts"] = Json::Array(mounts);
    }
    let mut pod = json!({
        "serviceAccountName": service.name,
        "containers": [container],
    });
    let pull_secrets: Vec<Json> = pull_secret_names(spec)
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();
    if !pull_secrets.is_empty() {
        pod["imagePullSecrets"] = Json::Array(pull_secrets);
    }
    if !volumes.is_empty() {
        pod["volumes"] = Json::Array(volumes);
    }
    let template = json!({ "metadata": { "labels": labels(spec, service.name) }, "spec": pod });
    match service.workload {
        Workload::Deployment => json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata(spec, service.name, service.name),
            "spec": { "replicas": 1, "selector": { "matchLabels": selector }, "template": template },
        }),
        Workload::StatefulSet => {
            let mut set = json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": metadata(spec, service.name, service.name),
                "spec": {
                    "replicas": 1,
                    "serviceName": service.name,
                    "selector": { "matchLabels": selector },
                    "template": template,
                    "volumeClaimTemplates": [{
                        "metadata": { "name": "data" },
                        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "8Gi" } } }
                    }],
                },
            });
            set["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
                .as_array_mut()
                .map(|m| m.push(json!({ "name": "data", "mountPath": "/data" })))
                .unwrap_or_else(|| {
                    set["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] =
                        json!([{ "name": "data", "mountPath": "/data" }]);
                });
            set
        }
    }
}

fn cluster_service(spec: &ServerSpec, service: &Service) -> Json {
    let mut ports = vec![json!({ "name": "main", "port": service.port, "targetPort": service.port })];
    if service.name == "nomad-server" {
        ports.push(json!({ "name": "http", "port": NOMAD_HTTP_PORT, "targetPort": NOMAD_HTTP_PORT }));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, service.name, service.name),
        "spec": {
            "type": "ClusterIP",
            "selector": { "app.kubernetes.io/name": service.name, "app.kubernetes.io/instance": "circleci-server" },
            "ports": ports,
        },
    })
}

fn http_mtls(spec: &ServerSpec) -> bool {
    spec.nomad.as_ref().and_then(|n| n.http_mtls) == Some(true)
}

/// The Nomad server's agent configuration: gossip encryption, and mTLS on RPC always and on the
/// HTTP API when asked (clients of the API then need a certificate the CA signed).
fn nomad_server_config(spec: &ServerSpec) -> String {
    let http = http_mtls(spec);
    let mut config = String::from("server {\n  enabled          = true\n  bootstrap_expect = 1\n");
    if let Some(key) = &spec.nomad_gossip_key {
        config.push_str(&format!("  encrypt          = \"{key}\"\n"));
    }
    config.push_str(&format!(
        "}}\n\ntls {{\n  rpc                    = true\n  http                   = {http}\n  \
         ca_file                = \"{NOMAD_TLS_DIR}/ca.pem\"\n  cert_file              = \"{NOMAD_TLS_DIR}/server.pem\"\n  \
         key_file               = \"{NOMAD_TLS_DIR}/key.pem\"\n  verify_server_hostname = true\n  \
         verify_https_client    = {http}\n}}\n"
    ));
    config
}

/// The mode of a load balancer role: configured, else its default.
pub fn load_balancer_mode(spec: &ServerSpec, role: &str) -> String {
    let default_internal = LOAD_BALANCERS
        .iter()
        .find(|(r, ..)| *r == role)
        .is_some_and(|(.., internal)| *internal);
    spec.load_balancers
        .as_ref()
        .and_then(|m| m.get(role))
        .cloned()
        .unwrap_or_else(|| {
            if node_ports(spec, role).is_some() {
                "node_port".into()
            } else if default_internal {
                "internal".into()
            } else {
                "external".into()
            }
        })
}

/// The node ports given for a role, by port.
pub fn node_ports<'a>(spec: &'a ServerSpec, role: &str) -> Option<&'a BTreeMap<String, i64>> {
    spec.node_ports.as_ref().and_then(|m| m.get(role))
}

pub fn load_balancer_name(role: &str) -> String {
    format!("circleci-{}-lb", role.replace('_', "-"))
}

fn load_balancer(spec: &ServerSpec, role: &str, target: &str, ports: &[u16]) -> Json {
    let mode = load_balancer_mode(spec, role);
    let mut annotations = serde_json::Map::new();
    let kind = if mode == "node_port" {
        "NodePort"
    } else {
        "LoadBalancer"
    };
    if kind == "LoadBalancer" {
        let internal = mode == "internal";
        match spec.cloud.as_str() {
            "gcp" if internal => {
                annotations.insert("networking.gke.io/load-balancer-type".into(), "Internal".into());
            }
            "gcp" => {}
            _ => {
                annotations.insert("service.beta.kubernetes.io/aws-load-balancer-type".into(), "nlb".into());
                annotations.insert(
                    "service.beta.kubernetes.io/aws-load-balancer-scheme".into(),
                    if internal { "internal" } else { "internet-facing" }.into(),
                );
                if internal {
                    annotations.insert(
                        "service.beta.kubernetes.io/aws-load-balancer-internal".into(),
                        "true".into(),
                    );
                }
            }
        }
    }
    if let Some(hostname) = spec
        .load_balancer_hostnames
        .as_ref()
        .and_then(|h| h.get(role))
        .filter(|_| kind == "NodePort")
    {
        // Records in the cluster where the load balancer in front is reached (and makes a new
        // hostname a change of the install, so its reported address follows).
        annotations.insert("circleci.com/load-balancer-hostname".into(), hostname.clone().into());
    }
    let target_port = crate::services::find(target).map(|s| s.port).unwrap_or(80);
    let given = node_ports(spec, role).filter(|_| kind == "NodePort");
    let ports: Vec<Json> = ports
        .iter()
        .map(|p| {
            let mut port = json!({ "name": format!("p{p}"), "port": p, "targetPort": if *p == 443 || *p == 80 { target_port } else { *p } });
            // Without one the cluster picks a node port, which a load balancer made beside
            // the install cannot know in advance.
            if let Some(node_port) = given.and_then(|g| g.get(&p.to_string())) {
                port["nodePort"] = (*node_port).into();
            }
            port
        })
        .collect();
    // GCP's passthrough load balancers keep the destination address: the nodes see the
    // load balancer's own address, which kube-proxy routes only when the Service lists it.
    let external_ips: Vec<String> = spec
        .load_balancer_hostnames
        .as_ref()
        .and_then(|h| h.get(role))
        .filter(|h| kind == "NodePort" && spec.cloud == "gcp" && h.parse::<std::net::IpAddr>().is_ok())
        .cloned()
        .into_iter()
        .collect();
    let name = load_balancer_name(role);
    let mut meta = metadata(spec, &name, target);
    meta["annotations"] = Json::Object(annotations);
    meta["labels"]["circleci.com/load-balancer-role"] = role.into();
    let mut service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "type": kind,
            "selector": { "app.kubernetes.io/name": target, "app.kubernetes.io/instance": "circleci-server" },
            "ports": ports,
        },
    });
    if !external_ips.is_empty() {
        service["spec"]["externalIPs"] = external_ips.into();
    }
    service
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Every object of the install, in apply order (namespace and configuration first).
pub fn render(spec: &ServerSpec) -> Vec<Json> {
    let github = spec.github.clone().unwrap_or_default();
    let storage = spec.storage.clone().unwrap_or_default();
    let nomad_address = format!("nomad.{}", spec.domain);
    let mut config = serde_json::Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            config.insert(k.into(), v.into());
        }
    };
    put("CIRCLE_DOMAIN", Some(spec.domain.clone()));
    put("CIRCLE_SERVER_VERSION", Some(spec.version.clone()));
    put("GITHUB_URL", github.url.clone());
    put("GITHUB_CLIENT_ID", github.client_id.clone());
    put("STORAGE_BUCKET", storage.bucket.clone());
    put("STORAGE_REGION", storage.region.clone());
    put("STORAGE_ENDPOINT", storage.endpoint.clone());
    put("NOMAD_SERVER_ADDRESS", Some(nomad_address));
    let nomad_scheme = if http_mtls(spec) { "https" } else { "http" };
    put(
        "NOMAD_ADDR",
        Some(format!(
            "{nomad_scheme}://nomad-server.{}.svc:{NOMAD_HTTP_PORT}",
            spec.namespace
        )),
    );
    if http_mtls(spec) {
        // What Nomad's own clients read; the server certificate is valid for client auth too.
        put("NOMAD_CACERT", Some(format!("{NOMAD_TLS_DIR}/ca.pem")));
        put("NOMAD_CLIENT_CERT", Some(format!("{NOMAD_TLS_DIR}/server.pem")));
        put("NOMAD_CLIENT_KEY", Some(format!("{NOMAD_TLS_DIR}/key.pem")));
    }
    let vm = spec.vm_service.clone().unwrap_or_default();
    put("VM_SERVICE_PROVIDER", vm.provider.clone());
    put("VM_SERVICE_REGION", vm.region.clone());
    put("VM_SERVICE_ZONE", vm.zone.clone());
    put("VM_SERVICE_SUBNET", vm.subnet.clone());
    put("VM_SERVICE_SECURITY_GROUP", vm.security_group.clone());
    put("VM_SERVICE_LINUX_IMAGE", vm.linux_image.clone());
    put("VM_SERVICE_WINDOWS_IMAGE", vm.windows_image.clone());
    put("VM_SERVICE_PROJECT", vm.project.clone());
    put("VM_SERVICE_NETWORK_TAG", vm.network_tag.clone());
    put("VM_SERVICE_PRESCALED_LINUX", vm.prescaled_linux.map(|n| n.to_string()));
    put(
        "VM_SERVICE_PRESCALED_WINDOWS",
        vm.prescaled_windows.map(|n| n.to_string()),
    );
    let scaler = spec.nomad_autoscaler.clone().unwrap_or_default();
    put("NOMAD_AUTOSCALER_ENABLED", scaler.enabled.map(|b| b.to_string()));
    put("NOMAD_AUTOSCALER_PROVIDER", scaler.provider.clone());
    put("NOMAD_AUTOSCALER_REGION", scaler.region.clone());
    put("NOMAD_AUTOSCALER_GROUP", scaler.group.clone());
    put("NOMAD_AUTOSCALER_MIN", scaler.min.map(|n| n.to_string()));
    put("NOMAD_AUTOSCALER_MAX", scaler.max.map(|n| n.to_string()));
    put("NOMAD_AUTOSCALER_PROJECT", scaler.project.clone());
    for (name, ext) in [
        ("POSTGRES", &spec.postgres),
        ("MONGODB", &spec.mongodb),
        ("VAULT", &spec.vault),
    ] {
        if let Some(e) = ext.as_ref().filter(|e| e.host.is_some()) {
            put(&format!("{name}_HOST"), e.host.clone());
            put(&format!("{name}_PORT"), e.port.map(|p| p.to_string()));
            put(&format!("{name}_USER"), e.user.clone());
        }
    }
    let mut secrets = serde_json::Map::new();
    let mut secret = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            secrets.insert(k.into(), b64(&v).into());
        }
    };
    secret("GITHUB_CLIENT_SECRET", github.client_secret.clone());
    secret("STORAGE_ACCESS_KEY_ID", storage.access_key_id.clone());
    secret("STORAGE_SECRET_ACCESS_KEY", storage.secret_access_key.clone());
    secret("STORAGE_SERVICE_ACCOUNT_KEY", storage.service_account_key.clone());
    secret("SIGNING_KEYSET", spec.signing_keyset.clone());
    secret("VM_SERVICE_ACCESS_KEY_ID", vm.access_key_id.clone());
    secret("VM_SERVICE_SECRET_ACCESS_KEY", vm.secret_access_key.clone());
    secret("VM_SERVICE_SERVICE_ACCOUNT_KEY", vm.service_account_key.clone());
    secret("NOMAD_AUTOSCALER_ACCESS_KEY_ID", scaler.access_key_id.clone());
    secret("NOMAD_AUTOSCALER_SECRET_ACCESS_KEY", scaler.secret_access_key.clone());
    secret(
        "NOMAD_AUTOSCALER_SERVICE_ACCOUNT_KEY",
        scaler.service_account_key.clone(),
    );
    secret("ENCRYPTION_KEYSET", spec.encryption_keyset.clone());
    secret("LICENSE", spec.license.clone());
    secret("API_TOKEN", spec.api_token.clone());
    secret("SESSION_COOKIE_KEY", spec.session_cookie_key.clone());
    let internal = spec.internal_passwords.clone().unwrap_or_default();
    for (name, ext, own) in [
        ("POSTGRES", &spec.postgres, "postgres"),
        ("MONGODB", &spec.mongodb, "mongodb"),
        ("VAULT", &spec.vault, ""),
    ] {
        // An external store's password, else the generated one of the store the install runs.
        let external = ext.as_ref().filter(|e| e.host.is_some());
        let password = match external {
            Some(e) => e.password.clone(),
            None => internal.get(own).cloned(),
        };
        secret(&format!("{name}_PASSWORD"), password);
    }
    for (variable, name) in [
        ("MONGODB_ROOT_PASSWORD", "mongodb_root"),
        ("RABBITMQ_PASSWORD", "rabbitmq"),
        ("RABBITMQ_ERLANG_COOKIE", "rabbitmq_erlang_cookie"),
        ("PUSHER_SECRET", "pusher"),
    ] {
        secret(variable, internal.get(name).cloned());
    }

    let mut objects = vec![
        json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": spec.namespace, "labels": labels(spec, "circleci-server") } }),
        json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(spec, CONFIG_NAME, "circleci-server"), "data": config }),
        json!({ "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": metadata(spec, SECRET_NAME, "circleci-server"), "data": secrets }),
    ];
    objects.extend(registry_secret(spec));
    let nomad = spec.nomad.clone().unwrap_or_default();
    let mut nomad_data = serde_json::Map::new();
    for (k, v) in [
        ("ca.pem", nomad.ca_cert_pem),
        ("server.pem", nomad.server_cert_pem),
        ("key.pem", nomad.server_key_pem),
    ] {
        if let Some(v) = v {
            nomad_data.insert(k.into(), b64(&v).into());
        }
    }
    objects.push(json!({ "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": metadata(spec, NOMAD_TLS_SECRET, "nomad-server"), "data": nomad_data }));
    objects.push(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": metadata(spec, NOMAD_CONFIG_SECRET, "nomad-server"),
        "data": { "server.hcl": b64(&nomad_server_config(spec)) },
    }));
    if let (Some(cert), Some(key)) = (&spec.tls_certificate, &spec.tls_private_key) {
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": metadata(spec, "circleci-frontend-tls", "frontend"),
            "data": { "tls.crt": b64(cert), "tls.key": b64(key) },
        }));
    }
    for service in running(spec) {
        objects.push(service_account(spec, service));
        objects.push(workload(spec, service));
        objects.push(cluster_service(spec, service));
    }
    for (role, target, ports, _) in LOAD_BALANCERS {
        objects.push(load_balancer(spec, role, target, ports));
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ServerSpec {
        ServerSpec {
            namespace: "circleci-server".into(),
            version: "3.4.0".into(),
            domain: "circleci.example.com".into(),
            cloud: "aws".into(),
            image_registry: "cciserver.azurecr.io".into(),
            ..Default::default()
        }
    }

    #[test]
    fn renders_every_service_and_the_five_load_balancers() {
        let objects = render(&spec());
        let workloads: Vec<&str> = objects
            .iter()
            .filter(|o| o["kind"] == "Deployment" || o["kind"] == "StatefulSet")
            .filter_map(|o| o["metadata"]["name"].as_str())
            .collect();
        assert_eq!(workloads.len(), SERVICES.len());
        let lbs: Vec<&Json> = objects
            .iter()
            .filter(|o| o["metadata"]["name"].as_str().is_some_and(|n| n.ends_with("-lb")))
            .collect();
        assert_eq!(lbs.len(), 5);
        let nomad = lbs
            .iter()
            .find(|o| o["metadata"]["name"] == "circleci-nomad-lb")
            .unwrap();
        assert_eq!(
            nomad["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"],
            "internal"
        );
        assert!(
            objects
                .iter()
                .all(|o| o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == FIELD_MANAGER)
        );
    }

    #[test]
    fn given_node_ports_make_a_role_node_port_with_exactly_those_ports() {
        let mut s = spec();
        s.node_ports = Some(BTreeMap::from([(
            "frontend".to_string(),
            BTreeMap::from([("80".to_string(), 30080), ("443".to_string(), 30443)]),
        )]));
        let objects = render(&s);
        let service = |name: &str| objects.iter().find(|o| o["metadata"]["name"] == name).unwrap();
        let frontend = service("circleci-frontend-lb");
        assert_eq!(frontend["spec"]["type"], "NodePort");
        let node_ports: Vec<&Json> = frontend["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["nodePort"])
            .collect();
        assert_eq!(node_ports, [&json!(30080), &json!(30443)]);
        // The others keep their cloud load balancers.
        assert_eq!(service("circleci-api-lb")["spec"]["type"], "LoadBalancer");
        assert_eq!(load_balancer_mode(&s, "nomad"), "internal");
    }

    #[test]
    fn each_identity_annotates_its_own_service_account_and_nomad_autoscaler_runs_when_enabled() {
        let service_account = |objects: &[Json], name: &str| {
            objects
                .iter()
                .find(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == name)
                .map(|o| o["metadata"]["annotations"].clone())
        };
        let mut s = spec();
        assert!(
            service_account(&render(&s), "nomad-autoscaler").is_none(),
            "not enabled: not run"
        );
        s.cloud = "gcp".into();
        s.storage = Some(Storage {
            bucket: Some("b".into()),
            gcp_service_account: Some("cci-b@p.iam.gserviceaccount.com".into()),
            ..Default::default()
        });
        s.vm_service = Some(VmService {
            gcp_service_account: Some("vm@p.iam.gserviceaccount.com".into()),
            ..Default::default()
        });
        s.nomad_autoscaler = Some(NomadAutoscaler {
            enabled: Some(true),
            gcp_service_account: Some("nomad-as-x@p.iam.gserviceaccount.com".into()),
            service_account_key: Some("{\"type\":\"service_account\"}".into()),
            ..Default::default()
        });
        let objects = render(&s);
        let gke = |name: &str| service_account(&objects, name).unwrap()["iam.gke.io/gcp-service-account"].clone();
        assert_eq!(gke("nomad-autoscaler"), "nomad-as-x@p.iam.gserviceaccount.com");
        assert_eq!(gke("vm-service"), "vm@p.iam.gserviceaccount.com");
        assert_eq!(gke("frontend"), "cci-b@p.iam.gserviceaccount.com", "a storage user");
        assert!(
            gke("nomad-server").is_null(),
            "the Nomad server itself needs no cloud identity"
        );
        assert!(
            objects
                .iter()
                .any(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "nomad-autoscaler")
        );
        let secrets = objects.iter().find(|o| o["metadata"]["name"] == SECRET_NAME).unwrap();
        assert!(secrets["data"]["NOMAD_AUTOSCALER_SERVICE_ACCOUNT_KEY"].is_string());
    }

    #[test]
    fn on_gcp_a_node_port_role_lists_its_load_balancers_address_as_external_ip() {
        let mut s = spec();
        s.node_ports = Some(BTreeMap::from([(
            "nomad".to_string(),
            BTreeMap::from([("4647".to_string(), 30647)]),
        )]));
        s.load_balancer_hostnames = Some(BTreeMap::from([("nomad".to_string(), "10.128.0.7".to_string())]));
        let nomad = |s: &ServerSpec| {
            render(s)
                .into_iter()
                .find(|o| o["metadata"]["name"] == "circleci-nomad-lb")
                .unwrap()
        };
        assert!(
            nomad(&s)["spec"]["externalIPs"].is_null(),
            "AWS's load balancers translate ports"
        );
        s.cloud = "gcp".into();
        assert_eq!(nomad(&s)["spec"]["externalIPs"], json!(["10.128.0.7"]));
    }

    #[test]
    fn external_postgres_replaces_the_internal_one() {
        let mut s = spec();
        s.postgres = Some(External {
            host: Some("db.internal".into()),
            port: Some(5432),
            ..Default::default()
        });
        let objects = render(&s);
        assert!(!objects.iter().any(|o| o["metadata"]["name"] == "circleci-postgres"));
        let config = objects.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
        assert_eq!(config["data"]["POSTGRES_HOST"], "db.internal");
    }

    #[test]
    fn nomad_http_mtls_mounts_the_certificates_where_the_api_is_called() {
        let mut s = spec();
        s.nomad_gossip_key = Some("Z29zc2lw".into());
        let plain = render(&s);
        let config = |objects: &[Json]| {
            let secret = objects
                .iter()
                .find(|o| o["metadata"]["name"] == NOMAD_CONFIG_SECRET)
                .unwrap();
            use base64::Engine;
            let text = base64::engine::general_purpose::STANDARD
                .decode(secret["data"]["server.hcl"].as_str().unwrap())
                .unwrap();
            String::from_utf8(text).unwrap()
        };
        assert!(config(&plain).contains("encrypt          = \"Z29zc2lw\""));
        assert!(config(&plain).contains("http                   = false"));
        s.nomad = Some(NomadTls {
            http_mtls: Some(true),
            ..Default::default()
        });
        let mtls = render(&s);
        assert!(config(&mtls).contains("verify_https_client    = true"));
        let dispatcher = mtls
            .iter()
            .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "dispatcher")
            .unwrap();
        assert_eq!(
            dispatcher["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"],
            NOMAD_TLS_SECRET
        );
        let config_map = mtls.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
        assert_eq!(
            config_map["data"]["NOMAD_ADDR"],
            "https://nomad-server.circleci-server.svc:4646"
        );
        let api = mtls
            .iter()
            .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "api-service")
            .unwrap();
        assert!(
            api["spec"]["template"]["spec"]["volumes"].is_null(),
            "only the API's callers get the key"
        );
    }

    #[test]
    fn version_sets_images() {
        let objects = render(&spec());
        let api = objects
            .iter()
            .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "api-service")
            .unwrap();
        assert_eq!(
            api["spec"]["template"]["spec"]["containers"][0]["image"],
            "cciserver.azurecr.io/api-service:3.4.0"
        );
    }
}
