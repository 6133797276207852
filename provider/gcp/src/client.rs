//! The provider's `gcp` block, the credentials it chooses, and the API clients.

use std::collections::BTreeMap;
use std::time::Duration;

use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock};
use circleci_tfplugin::{Diagnostic, Diagnostics, validators};
use google_cloud_auth::credentials::Credentials;
use google_cloud_gax::client_builder::ClientBuilder;
use google_cloud_gax::exponential_backoff::ExponentialBackoffBuilder;
use google_cloud_gax::retry_policy::RetryPolicyExt;

use crate::retry::TransientErrors;

/// What the provider's data must offer for the GCP resources to work.
pub trait GcpData: Send + Sync + 'static {
    /// The configured GCP clients, or a diagnostic saying how to configure them.
    fn gcp(&self) -> Result<&Gcp, Diagnostic>;
}

/// The APIs whose endpoint can be set, for emulators and private endpoints.
const APIS: [&str; 4] = ["compute", "storage", "iam", "resourcemanager"];

/// The provider's `gcp { ... }` block.
pub fn provider_block() -> NestedBlock {
    let mut endpoints =
        Block::new("Endpoint per API, for emulators and Private Service Connect; Google's public ones by default.");
    for api in APIS {
        endpoints = endpoints.attribute(Attribute::optional(
            api,
            Type::String,
            &format!("Base URL of the {api} API, e.g. `http://127.0.0.1:8080`."),
        ));
    }
    NestedBlock::single(
        "gcp",
        Block::new(
            "GCP settings. Credentials: `credentials` (a service-account key), else Application Default Credentials \
             (GOOGLE_APPLICATION_CREDENTIALS, gcloud's, or the metadata server), optionally impersonating a service account.",
        )
        .attribute(
            Attribute::optional("project", Type::String, "Project that holds the resources.")
                .env(&["GOOGLE_PROJECT", "GOOGLE_CLOUD_PROJECT"]),
        )
        .attribute(Attribute::optional("region", Type::String, "Region, e.g. `us-east1`.").env(&["GOOGLE_REGION"]))
        .attribute(Attribute::optional("zone", Type::String, "Zone, e.g. `us-east1-b`.").env(&["GOOGLE_ZONE"]))
        .attribute(
            Attribute::optional(
                "credentials",
                Type::String,
                "A service-account key (the JSON text); Application Default Credentials when left out.",
            )
            .sensitive()
            .env(&["GOOGLE_CREDENTIALS"]),
        )
        .attribute(Attribute::optional(
            "impersonate_service_account",
            Type::String,
            "Act as this service account (email), with the credentials above as the source.",
        ))
        .attribute(
            Attribute::optional(
                "anonymous",
                Type::Bool,
                "Send no credentials at all: for emulators only.",
            )
            .default(Value::Bool(false)),
        )
        .attribute(Attribute::optional(
            "default_labels",
            Type::map(Type::String),
            "Labels added to every resource this provider creates; a resource's own labels win.",
        ))
        .attribute(
            Attribute::optional(
                "max_attempts",
                Type::Number,
                "Attempts per API call, with jittered exponential backoff (200 ms up to 20 s) on rate limits (429), 5xx, timeouts and connection errors; every call that changes something carries a request id, so a repeat never acts twice.",
            )
            .default(Value::int(25))
            .validate(validators::int_between(1, 100)),
        )
        .block(NestedBlock::single("endpoints", endpoints)),
    )
}

/// The configured GCP clients.
pub struct Gcp {
    pub project: String,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub default_labels: BTreeMap<String, String>,
    pub images: google_cloud_compute_v1::client::Images,
    pub instance_templates: google_cloud_compute_v1::client::InstanceTemplates,
    pub health_checks: google_cloud_compute_v1::client::HealthChecks,
    pub firewalls: google_cloud_compute_v1::client::Firewalls,
    pub instance_group_managers: google_cloud_compute_v1::client::RegionInstanceGroupManagers,
    pub autoscalers: google_cloud_compute_v1::client::RegionAutoscalers,
    pub region_health_checks: google_cloud_compute_v1::client::RegionHealthChecks,
    pub backend_services: google_cloud_compute_v1::client::RegionBackendServices,
    pub forwarding_rules: google_cloud_compute_v1::client::ForwardingRules,
    /// IAM: service accounts, their keys and their policies.
    pub iam: google_cloud_iam_admin_v1::client::Iam,
    /// Resource Manager: the project's IAM policy.
    pub projects: google_cloud_resourcemanager_v3::client::Projects,
    /// Cloud Storage: buckets and their IAM policies (gRPC).
    pub storage: google_cloud_storage::client::StorageControl,
}

fn text(block: &Value, name: &str) -> Option<String> {
    block.attr(name).as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn credentials(block: &Value) -> Result<Credentials, Diagnostic> {
    let path = AttributePath::root().attr("gcp");
    if block.attr("anonymous").as_bool() == Some(true) {
        return Ok(google_cloud_auth::credentials::anonymous::Builder::new().build());
    }
    let source = match text(block, "credentials") {
        Some(key) => {
            let json: serde_json::Value = serde_json::from_str(&key).map_err(|e| {
                Diagnostic::error(
                    "gcp.credentials is not a service-account key",
                    format!("It must be the JSON text of a key file ({e}); use file(\"key.json\") to read one."),
                )
                .at(&path.attr("credentials"))
            })?;
            google_cloud_auth::credentials::service_account::Builder::new(json)
                .build()
                .map_err(|e| {
                    Diagnostic::error("gcp.credentials cannot be used", e.to_string()).at(&path.attr("credentials"))
                })?
        }
        None => google_cloud_auth::credentials::Builder::default()
            .build()
            .map_err(|e| {
                Diagnostic::error(
                    "No GCP credentials found",
                    format!(
                        "{e}. Set gcp.credentials, run `gcloud auth application-default login`, or set \
                     GOOGLE_APPLICATION_CREDENTIALS."
                    ),
                )
            })?,
    };
    match text(block, "impersonate_service_account") {
        Some(email) => google_cloud_auth::credentials::impersonated::Builder::from_source_credentials(source)
            .with_target_principal(email)
            .build()
            .map_err(|e| {
                Diagnostic::error("Cannot impersonate the service account", e.to_string())
                    .at(&path.attr("impersonate_service_account"))
            }),
        None => Ok(source),
    }
}

/// How every client is made: credentials, retries, operation polling, and the API's endpoint.
struct ClientOptions {
    credentials: Credentials,
    attempts: u32,
}

impl ClientOptions {
    fn apply<F>(
        &self,
        builder: ClientBuilder<F, Credentials>,
        endpoint: Option<&str>,
    ) -> ClientBuilder<F, Credentials> {
        let builder = builder
            .with_credentials(self.credentials.clone())
            .with_retry_policy(TransientErrors.with_attempt_limit(self.attempts))
            .with_backoff_policy(
                ExponentialBackoffBuilder::new()
                    .with_initial_delay(Duration::from_millis(200))
                    .with_maximum_delay(Duration::from_secs(20))
                    .build()
                    .expect("valid backoff"),
            )
            // Polls are not counted: the resource's timeout bounds the wait (operation.rs).
            .with_polling_error_policy(TransientErrors)
            .with_polling_backoff_policy(
                ExponentialBackoffBuilder::new()
                    .with_initial_delay(Duration::from_millis(500))
                    .with_maximum_delay(Duration::from_secs(10))
                    .build()
                    .expect("valid backoff"),
            );
        match endpoint {
            Some(endpoint) => builder.with_endpoint(endpoint.trim_end_matches('/')),
            None => builder,
        }
    }
}

fn failed(api: &str) -> impl Fn(google_cloud_gax::client_builder::Error) -> Diagnostic + '_ {
    move |e| Diagnostic::error(format!("Cannot make the GCP {api} client"), e.to_string())
}

impl Gcp {
    pub async fn from_block(block: &Value) -> Result<Gcp, Diagnostics> {
        let path = AttributePath::root().attr("gcp");
        let Some(project) = text(block, "project") else {
            return Err(Diagnostic::error(
                "No GCP project",
                "Set gcp.project (or GOOGLE_PROJECT): the project that holds the resources.",
            )
            .at(&path.attr("project"))
            .into());
        };
        let credentials = credentials(block)?;
        let attempts = block.attr("max_attempts").as_i64().unwrap_or(25).max(1) as u32;
        let compute = text(block.attr("endpoints"), "compute");
        let compute = compute.as_deref();
        let options = ClientOptions { credentials, attempts };
        use google_cloud_compute_v1::client as api;
        let images = options
            .apply(api::Images::builder(), compute)
            .build()
            .await
            .map_err(failed("images"))?;
        let instance_templates = options
            .apply(api::InstanceTemplates::builder(), compute)
            .build()
            .await
            .map_err(failed("instance templates"))?;
        let health_checks = options
            .apply(api::HealthChecks::builder(), compute)
            .build()
            .await
            .map_err(failed("health checks"))?;
        let firewalls = options
            .apply(api::Firewalls::builder(), compute)
            .build()
            .await
            .map_err(failed("firewalls"))?;
        let instance_group_managers = options
            .apply(api::RegionInstanceGroupManagers::builder(), compute)
            .build()
            .await
            .map_err(failed("instance group managers"))?;
        let autoscalers = options
            .apply(api::RegionAutoscalers::builder(), compute)
            .build()
            .await
            .map_err(failed("autoscalers"))?;
        let region_health_checks = options
            .apply(api::RegionHealthChecks::builder(), compute)
            .build()
            .await
            .map_err(failed("regional health checks"))?;
        let backend_services = options
            .apply(api::RegionBackendServices::builder(), compute)
            .build()
            .await
            .map_err(failed("backend services"))?;
        let forwarding_rules = options
            .apply(api::ForwardingRules::builder(), compute)
            .build()
            .await
            .map_err(failed("forwarding rules"))?;
        let iam = options
            .apply(
                google_cloud_iam_admin_v1::client::Iam::builder(),
                text(block.attr("endpoints"), "iam").as_deref(),
            )
            .build()
            .await
            .map_err(failed("IAM"))?;
        let projects = options
            .apply(
                google_cloud_resourcemanager_v3::client::Projects::builder(),
                text(block.attr("endpoints"), "resourcemanager").as_deref(),
            )
            .build()
            .await
            .map_err(failed("Resource Manager projects"))?;
        let storage = options
            .apply(
                google_cloud_storage::client::StorageControl::builder(),
                text(block.attr("endpoints"), "storage").as_deref(),
            )
            .build()
            .await
            .map_err(failed("Cloud Storage"))?;
        let default_labels = match block.attr("default_labels") {
            Value::Map(map) => map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(Gcp {
            project,
            region: text(block, "region"),
            zone: text(block, "zone"),
            default_labels,
            images,
            instance_templates,
            health_checks,
            firewalls,
            instance_group_managers,
            autoscalers,
            region_health_checks,
            backend_services,
            forwarding_rules,
            iam,
            projects,
            storage,
        })
    }

    /// The labels a resource gets: default labels, then its own.
    pub fn labels(&self, own: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut labels = self.default_labels.clone();
        labels.extend(own.clone());
        labels
    }
}
