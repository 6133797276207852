//! CircleCI Server 4.x's values contract: the keys an install needs, typed, and the values
//! document they make for CircleCI's chart (key names from the public values reference,
//! circleci-docs `server-admin-4.x/.../installation/values.adoc`). Nothing here knows the
//! chart's templates; everything the typed model leaves out is passed through as values.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value, json};

/// A chart version `MAJOR.MINOR.PATCH` (pre-release and build ignored): which keys apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChartVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl ChartVersion {
    /// The oldest version whose keys this model writes: 4.3 renamed `vm_service` to
    /// `machine_provisioner` (with lists of subnets and zones), and older keys are not typed.
    pub const OLDEST: ChartVersion = ChartVersion {
        major: 4,
        minor: 3,
        patch: 0,
    };
    /// `apiToken` is gone from 4.8; external Nomad servers arrive with it.
    pub const NO_API_TOKEN: ChartVersion = ChartVersion {
        major: 4,
        minor: 8,
        patch: 0,
    };

    /// Parses `4.10.0`, `4.10.0-sandbox.1` or `v4.10`.
    pub fn parse(text: &str) -> Option<ChartVersion> {
        let core = text.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let major = parts.next()??;
        let minor = parts.next().unwrap_or(Some(0))?;
        let patch = parts.next().unwrap_or(Some(0))?;
        parts.next().is_none().then_some(ChartVersion { major, minor, patch })
    }

    fn at_least(self, other: ChartVersion) -> bool {
        self >= other
    }
}

impl fmt::Display for ChartVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How a workload reaches AWS: IRSA (recommended), keys the chart puts in a Secret, or a Secret
/// the user made (`None` here: the chart assumes it exists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwsAccess {
    Irsa { role_arn: String },
    Keys { access_key: String, secret_key: String },
    ExistingSecret,
}

/// How a workload reaches GCP: workload identity (recommended), a key (the service account's
/// JSON, written into the values as an object, not a string), or a Secret the user made.
#[derive(Clone, Debug, PartialEq)]
pub enum GcpAccess {
    WorkloadIdentity { email: String },
    Key { service_account: Value },
    ExistingSecret,
}

/// Where build artifacts, logs and caches live.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectStorage {
    S3 {
        bucket: String,
        endpoint: String,
        region: String,
        access: AwsAccess,
    },
    Gcs {
        bucket: String,
        access: GcpAccess,
    },
}

/// Where machine provisioner starts dedicated VMs.
#[derive(Clone, Debug, PartialEq)]
pub enum MachineProvisioner {
    Ec2 {
        region: String,
        subnets: Vec<String>,
        security_group_id: String,
        access: AwsAccess,
        tags: BTreeMap<String, String>,
    },
    Gcp {
        project_id: String,
        zones: Vec<String>,
        network: String,
        /// Empty for auto-subnetting.
        subnetwork: String,
        network_tags: Vec<String>,
        access: GcpAccess,
    },
}

/// Base64 of PEM each, as the reference asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NomadMtls {
    pub ca_certificate: String,
    pub certificate: String,
    pub private_key: String,
}

/// The passwords of the in-cluster data stores and Pusher (the chart's defaults otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataStorePasswords {
    pub mongodb_root: String,
    pub mongodb: String,
    pub postgres: String,
    pub rabbitmq: String,
    pub rabbitmq_erlang_cookie: String,
    pub pusher_secret: String,
}

/// GitHub Enterprise instead of GitHub.com.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubEnterprise {
    pub hostname: String,
    /// `https` or `http`.
    pub scheme: String,
    /// The host's SSH fingerprint, when it cannot be read from the host.
    pub fingerprint: Option<String>,
}

/// The typed inputs of an install: what the reference's example manifests set.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerValues {
    pub version: ChartVersion,
    pub domain_name: String,
    pub license: String,
    /// `global.container.registry` and `.org` (CircleCI's registry has no org: `None`).
    pub registry: String,
    pub registry_org: Option<String>,
    /// `global.imagePullSecrets` names (the chart's default is `regcred`).
    pub image_pull_secrets: Option<Vec<String>>,
    /// Up to 4.7 only.
    pub api_token: Option<String>,
    pub session_cookie_key: String,
    pub signing_keyset: String,
    pub encryption_keyset: String,
    pub gossip_key: String,
    /// `None` turns RPC mTLS off (not recommended: any client could join).
    pub nomad_mtls: Option<NomadMtls>,
    pub object_storage: ObjectStorage,
    pub github_client_id: String,
    pub github_client_secret: String,
    pub github_enterprise: Option<GithubEnterprise>,
    pub machine_provisioner: MachineProvisioner,
    pub passwords: DataStorePasswords,
    /// `nginx.private_load_balancers`: the front end's load balancer inside the VPC.
    pub private_load_balancers: bool,
    /// `nginx.loadBalancerSourceRanges`.
    pub load_balancer_source_ranges: Vec<String>,
}

/// A values key an input cannot take, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesError {
    /// The values key, dotted (`nomad.server.gossip.encryption.key`).
    pub key: &'static str,
    pub message: String,
}

impl fmt::Display for ValuesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// The values keys that hold secrets (for redaction and `sensitive`), as JSON pointers.
pub const SENSITIVE_KEYS: &[&str] = &[
    "/global/license",
    "/apiToken",
    "/sessionCookieKey",
    "/keyset/signing",
    "/keyset/encryption",
    "/nomad/server/gossip/encryption/key",
    "/nomad/server/rpc/mTLS/privateKey",
    "/object_storage/s3/secretKey",
    "/object_storage/gcs/service_account",
    "/github/clientSecret",
    "/machine_provisioner/providers/ec2/secretKey",
    "/machine_provisioner/providers/gcp/service_account",
    "/mongodb/auth/rootPassword",
    "/mongodb/auth/password",
    "/postgresql/auth/postgresPassword",
    "/pusher/secret",
    "/rabbitmq/auth/password",
    "/rabbitmq/auth/erlangCookie",
];

impl ServerValues {
    /// Every rule the reference states for these keys, checked before anything is rendered.
    pub fn validate(&self) -> Vec<ValuesError> {
        let mut errors = Vec::new();
        let mut fail = |key: &'static str, message: String| errors.push(ValuesError { key, message });
        if !self.version.at_least(ChartVersion::OLDEST) {
            fail(
                "version",
                format!(
                    "{} is older than {}: the typed values follow the 4.3+ reference; pass older charts' keys through values",
                    self.version,
                    ChartVersion::OLDEST
                ),
            );
        }
        let required = [
            ("global.domainName", &self.domain_name),
            ("global.license", &self.license),
            ("global.container.registry", &self.registry),
            ("keyset.signing", &self.signing_keyset),
            ("keyset.encryption", &self.encryption_keyset),
            ("github.clientId", &self.github_client_id),
            ("github.clientSecret", &self.github_client_secret),
        ];
        for (key, value) in required {
            if value.trim().is_empty() {
                fail(key, "must be set".into());
            }
        }
        let gossip = self.gossip_key.chars().count();
        if gossip != 32 {
            fail(
                "nomad.server.gossip.encryption.key",
                format!("must be exactly 32 characters, not {gossip}"),
            );
        }
        match (&self.api_token, self.version.at_least(ChartVersion::NO_API_TOKEN)) {
            (Some(_), true) => fail(
                "apiToken",
                format!("chart {} has no apiToken (dropped in 4.8): leave it out", self.version),
            ),
            (None, false) => fail("apiToken", format!("chart {} needs apiToken (up to 4.7)", self.version)),
            _ => {}
        }
        let bucket = match &self.object_storage {
            ObjectStorage::S3 { bucket, .. } | ObjectStorage::Gcs { bucket, .. } => bucket,
        };
        if bucket.is_empty() {
            fail("object_storage.bucketName", "must be set".into());
        }
        match &self.machine_provisioner {
            MachineProvisioner::Ec2 { subnets, .. } if subnets.is_empty() => fail(
                "machine_provisioner.providers.ec2.subnets",
                "needs at least one subnet".into(),
            ),
            MachineProvisioner::Gcp { zones, .. } if zones.is_empty() => fail(
                "machine_provisioner.providers.gcp.zones",
                "needs at least one zone".into(),
            ),
            _ => {}
        }
        errors
    }

    /// The values document these inputs make, keyed as the reference names them.
    pub fn to_values(&self) -> Value {
        let mut v = json!({
            "global": {
                "domainName": self.domain_name,
                "license": self.license,
                "container": { "registry": self.registry },
            },
            "sessionCookieKey": self.session_cookie_key,
            "keyset": { "signing": self.signing_keyset, "encryption": self.encryption_keyset },
            "nomad": { "server": {
                "gossip": { "encryption": { "key": self.gossip_key } },
                "rpc": { "mTLS": self.mtls_values() },
            } },
            "object_storage": self.object_storage_values(),
            "github": self.github_values(),
            "machine_provisioner": { "providers": self.machine_provisioner_values() },
            "mongodb": { "auth": { "rootPassword": self.passwords.mongodb_root, "password": self.passwords.mongodb } },
            "postgresql": { "auth": { "postgresPassword": self.passwords.postgres } },
            "pusher": { "secret": self.passwords.pusher_secret },
            "rabbitmq": { "auth": { "password": self.passwords.rabbitmq, "erlangCookie": self.passwords.rabbitmq_erlang_cookie } },
        });
        if let Some(org) = &self.registry_org {
            v["global"]["container"]["org"] = json!(org);
        }
        if let Some(token) = &self.api_token {
            v["apiToken"] = json!(token);
        }
        if let Some(secrets) = &self.image_pull_secrets {
            v["global"]["imagePullSecrets"] = json!(secrets);
        }
        if self.private_load_balancers || !self.load_balancer_source_ranges.is_empty() {
            let mut nginx = Map::new();
            if self.private_load_balancers {
                nginx.insert("private_load_balancers".into(), json!(true));
            }
            if !self.load_balancer_source_ranges.is_empty() {
                nginx.insert(
                    "loadBalancerSourceRanges".into(),
                    json!(self.load_balancer_source_ranges),
                );
            }
            v["nginx"] = Value::Object(nginx);
        }
        v
    }

    fn mtls_values(&self) -> Value {
        match &self.nomad_mtls {
            Some(m) => {
                json!({ "enabled": true, "CACertificate": m.ca_certificate, "certificate": m.certificate, "privateKey": m.private_key })
            }
            None => json!({ "enabled": false }),
        }
    }

    fn object_storage_values(&self) -> Value {
        match &self.object_storage {
            ObjectStorage::S3 {
                bucket,
                endpoint,
                region,
                access,
            } => {
                let mut s3 = json!({ "enabled": true, "endpoint": endpoint, "region": region });
                aws_access(&mut s3, access);
                json!({ "bucketName": bucket, "s3": s3 })
            }
            ObjectStorage::Gcs { bucket, access } => {
                let mut gcs = json!({ "enabled": true });
                gcp_access(&mut gcs, access);
                json!({ "bucketName": bucket, "gcs": gcs })
            }
        }
    }

    fn github_values(&self) -> Value {
        let mut github = json!({ "clientId": self.github_client_id, "clientSecret": self.github_client_secret });
        if let Some(e) = &self.github_enterprise {
            github["enterprise"] = json!(true);
            github["hostname"] = json!(e.hostname);
            github["scheme"] = json!(e.scheme);
            if let Some(f) = &e.fingerprint {
                github["fingerprint"] = json!(f);
            }
        }
        github
    }

    fn machine_provisioner_values(&self) -> Value {
        match &self.machine_provisioner {
            MachineProvisioner::Ec2 {
                region,
                subnets,
                security_group_id,
                access,
                tags,
            } => {
                let mut ec2 = json!({ "enabled": true, "region": region, "subnets": subnets, "securityGroupId": security_group_id });
                aws_access(&mut ec2, access);
                if !tags.is_empty() {
                    ec2["tags"] = json!(tags);
                }
                json!({ "ec2": ec2 })
            }
            MachineProvisioner::Gcp {
                project_id,
                zones,
                network,
                subnetwork,
                network_tags,
                access,
            } => {
                let mut gcp = json!({
                    "enabled": true, "project_id": project_id, "zones": zones, "network": network,
                    "subnetwork": subnetwork, "network_tags": network_tags,
                });
                gcp_access(&mut gcp, access);
                json!({ "gcp": gcp })
            }
        }
    }
}

fn aws_access(block: &mut Value, access: &AwsAccess) {
    match access {
        AwsAccess::Irsa { role_arn } => block["irsaRole"] = json!(role_arn),
        AwsAccess::Keys { access_key, secret_key } => {
            block["accessKey"] = json!(access_key);
            block["secretKey"] = json!(secret_key);
        }
        AwsAccess::ExistingSecret => {}
    }
}

fn gcp_access(block: &mut Value, access: &GcpAccess) {
    match access {
        GcpAccess::WorkloadIdentity { email } => block["workloadIdentity"] = json!(email),
        GcpAccess::Key { service_account } => block["service_account"] = service_account.clone(),
        GcpAccess::ExistingSecret => {}
    }
}

/// `values` with every [`SENSITIVE_KEYS`] entry that is set replaced by `(sensitive)`.
pub fn redacted(values: &Value) -> Value {
    let mut out = values.clone();
    for pointer in SENSITIVE_KEYS {
        if let Some(v) = out.pointer_mut(pointer)
            && !v.is_null()
        {
            *v = json!("(sensitive)");
        }
    }
    out
}
