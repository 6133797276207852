//! The provider's `kubernetes` block and the cluster operations the install needs, on kube-rs:
//! server-side apply under our own field manager, reads, deletes and label-selected lists of
//! the kinds CircleCI Server uses.

use base64::Engine;
use circleci_cty::{AttributePath, Type, Value};
use circleci_server::render::FIELD_MANAGER;
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock};
use circleci_tfplugin::{Diagnostic, Diagnostics, validators};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams,
};
use serde_json::Value as Json;

/// The provider's `kubernetes { ... }` block.
pub fn provider_block() -> NestedBlock {
    NestedBlock::single(
        "kubernetes",
        Block::new(
            "The cluster that circleciserver_server installs into: a kubeconfig named by `config_path` (or KUBE_CONFIG_PATH; KUBECONFIG is never read), or `host` with credentials, \
             e.g. from an EKS or GKE cluster made in the same configuration.",
        )
        // KUBE_CONFIG_PATH, as hashicorp/kubernetes v2: an exported KUBECONFIG (kubectl's current
        // context) must not decide which cluster an install lands in.
        .attribute(
            Attribute::optional("config_path", Type::String, "Path of a kubeconfig file. Defaults to KUBE_CONFIG_PATH; KUBECONFIG is not read.")
                .env(&["KUBE_CONFIG_PATH"]),
        )
        .attribute(Attribute::optional("config_context", Type::String, "Context of the kubeconfig to use."))
        .attribute(Attribute::optional("host", Type::String, "API server URL, instead of a kubeconfig."))
        .attribute(Attribute::optional("token", Type::String, "Bearer token.").sensitive())
        .attribute(Attribute::optional("cluster_ca_certificate", Type::String, "API server CA (PEM)."))
        .attribute(Attribute::optional("client_certificate", Type::String, "Client certificate (PEM)."))
        .attribute(Attribute::optional("client_key", Type::String, "Client key (PEM).").sensitive())
        .attribute(Attribute::optional("insecure", Type::Bool, "Skip verifying the API server's certificate. For tests only."))
        .block(NestedBlock::single(
            "exec",
            Block::new(
                "Credentials for `host` from a command, as kubectl's exec plugins: e.g. `aws eks get-token` for EKS or \
                 `gke-gcloud-auth-plugin` for GKE. Run again when its token expires.",
            )
            .attribute(
                Attribute::required("api_version", Type::String, "The ExecCredential version the command speaks, e.g. `client.authentication.k8s.io/v1beta1`.")
                    .validate(validators::not_empty()),
            )
            .attribute(Attribute::required("command", Type::String, "The command, e.g. `aws`.").validate(validators::not_empty()))
            .attribute(Attribute::optional("args", Type::list(Type::String), "Its arguments, e.g. `[\"eks\", \"get-token\", \"--cluster-name\", \"NAME\"]`."))
            .attribute(Attribute::optional("env", Type::map(Type::String), "Environment variables for the command.")),
        )),
    )
}

pub struct Cluster {
    pub client: kube::Client,
}

fn config_error(e: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(
        "Invalid Kubernetes configuration",
        format!("{e}. Check the provider's kubernetes block."),
    )
    .at(&AttributePath::root().attr("kubernetes"))
    .into()
}

impl Cluster {
    /// Makes the client; no API call is made until the first operation.
    pub async fn from_block(block: &Value) -> Result<Cluster, Diagnostics> {
        let text = |n: &str| block.attr(n).as_str().map(str::to_string);
        let b64 = |pem: String| base64::engine::general_purpose::STANDARD.encode(pem);
        let kubeconfig = match text("host") {
            Some(host) => {
                // A kubeconfig in memory, so both ways share kube's own loading.
                let mut cluster = serde_json::json!({ "server": host });
                if let Some(ca) = text("cluster_ca_certificate") {
                    cluster["certificate-authority-data"] = b64(ca).into();
                }
                if block.attr("insecure").as_bool() == Some(true) {
                    cluster["insecure-skip-tls-verify"] = true.into();
                }
                let mut user = serde_json::json!({});
                if let Some(token) = text("token") {
                    user["token"] = token.into();
                }
                if let (Some(cert), Some(key)) = (text("client_certificate"), text("client_key")) {
                    user["client-certificate-data"] = b64(cert).into();
                    user["client-key-data"] = b64(key).into();
                }
                let exec = block.attr("exec");
                if !exec.is_null() {
                    let env: Vec<serde_json::Value> = match exec.attr("env") {
                        Value::Map(env) => env
                            .iter()
                            .map(|(name, value)| serde_json::json!({ "name": name, "value": value.as_str() }))
                            .collect(),
                        _ => Vec::new(),
                    };
                    user["exec"] = serde_json::json!({
                        "apiVersion": exec.attr("api_version").as_str(),
                        "command": exec.attr("command").as_str(),
                        "args": exec.attr("args").elements().iter().filter_map(Value::as_str).collect::<Vec<_>>(),
                        "env": env,
                        // Terraform owns the terminal: a command that prompts would hang.
                        "interactiveMode": "Never",
                    });
                }
                let doc = serde_json::json!({
                    "apiVersion": "v1", "kind": "Config",
                    "clusters": [{ "name": "c", "cluster": cluster }],
                    "users": [{ "name": "u", "user": user }],
                    "contexts": [{ "name": "c", "context": { "cluster": "c", "user": "u" } }],
                    "current-context": "c"
                });
                kube::config::Kubeconfig::from_yaml(&doc.to_string()).map_err(config_error)?
            }
            None => match text("config_path") {
                Some(path) => kube::config::Kubeconfig::read_from(&path).map_err(config_error)?,
                // Never whatever ~/.kube/config's current context happens to be: installing
                // into the wrong cluster is worse than asking.
                None => {
                    return Err(Diagnostic::error(
                        "The kubernetes block names no cluster",
                        "Set host (with token, client_certificate and client_key, or an exec block), or config_path \
                         (or KUBE_CONFIG_PATH) with config_context. The provider reads neither KUBECONFIG nor ~/.kube/config.",
                    )
                    .at(&AttributePath::root().attr("kubernetes"))
                    .into());
                }
            },
        };
        let options = kube::config::KubeConfigOptions {
            context: text("config_context"),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(config_error)?;
        let client = kube::Client::try_from(config).map_err(config_error)?;
        Ok(Cluster { client })
    }

    fn api(&self, object: &Json) -> Result<(Api<DynamicObject>, String), Diagnostic> {
        let api_version = object["apiVersion"].as_str().unwrap_or("v1");
        let kind = object["kind"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let namespace = object["metadata"]["namespace"].as_str();
        Ok((self.api_for(api_version, kind, namespace)?, name))
    }

    pub fn api_for(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<Api<DynamicObject>, Diagnostic> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let plural = plural(kind).ok_or_else(|| {
            Diagnostic::error(
                "Unsupported kind",
                format!("{kind} is not a kind this provider manages"),
            )
        })?;
        let resource = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
        Ok(match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        })
    }

    /// Server-side apply under our field manager; forced, as Terraform owns these fields.
    pub async fn apply(&self, object: &Json) -> Result<Json, Diagnostic> {
        let (api, name) = self.api(object)?;
        let params = PatchParams::apply(FIELD_MANAGER).force();
        api.patch(&name, &params, &Patch::Apply(object))
            .await
            .map(|o| serde_json::to_value(o).unwrap_or_default())
            .map_err(|e| {
                kube_error(
                    &format!("apply {} {name}", object["kind"].as_str().unwrap_or("object")),
                    e,
                )
            })
    }

    pub async fn get(&self, object: &Json) -> Result<Option<Json>, Diagnostic> {
        let (api, name) = self.api(object)?;
        api.get_opt(&name)
            .await
            .map(|o| o.map(|o| serde_json::to_value(o).unwrap_or_default()))
            .map_err(|e| {
                kube_error(
                    &format!("read {} {name}", object["kind"].as_str().unwrap_or("object")),
                    e,
                )
            })
    }

    /// Deletes; an object already gone is fine.
    pub async fn delete(&self, object: &Json) -> Result<(), Diagnostic> {
        let (api, name) = self.api(object)?;
        match api.delete(&name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(e)) if e.code == 404 => Ok(()),
            Err(e) => Err(kube_error(
                &format!("delete {} {name}", object["kind"].as_str().unwrap_or("object")),
                e,
            )),
        }
    }

    /// Creates; an object of that name already there is an error (`AlreadyExists`).
    pub async fn create(&self, object: &Json) -> Result<Json, Diagnostic> {
        let (api, name) = self.api(object)?;
        let object: DynamicObject = serde_json::from_value(object.clone())
            .map_err(|e| Diagnostic::error("Invalid object", format!("{name}: {e}")))?;
        api.create(&PostParams::default(), &object)
            .await
            .map(|o| serde_json::to_value(o).unwrap_or_default())
            .map_err(|e| {
                kube_error(
                    &format!(
                        "create {} {name}",
                        object.types.as_ref().map_or("object", |t| t.kind.as_str())
                    ),
                    e,
                )
            })
    }

    /// Replaces the whole object (a PUT), whatever its resource version.
    pub async fn replace(&self, object: &Json) -> Result<Json, Diagnostic> {
        let (api, name) = self.api(object)?;
        let object: DynamicObject = serde_json::from_value(object.clone())
            .map_err(|e| Diagnostic::error("Invalid object", format!("{name}: {e}")))?;
        api.replace(&name, &PostParams::default(), &object)
            .await
            .map(|o| serde_json::to_value(o).unwrap_or_default())
            .map_err(|e| {
                kube_error(
                    &format!(
                        "replace {} {name}",
                        object.types.as_ref().map_or("object", |t| t.kind.as_str())
                    ),
                    e,
                )
            })
    }

    /// Objects of `kind` in `namespace` matching a label `selector` (`k=v,k2=v2`).
    pub async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        selector: &str,
    ) -> Result<Vec<Json>, Diagnostic> {
        let api = self.api_for(api_version, kind, Some(namespace))?;
        match api.list(&ListParams::default().labels(selector)).await {
            Ok(list) => Ok(list
                .items
                .into_iter()
                .map(|o| serde_json::to_value(o).unwrap_or_default())
                .collect()),
            Err(e) => Err(kube_error(&format!("list {kind}s with labels {selector}"), e)),
        }
    }

    /// Objects of `kind` in `namespace` carrying our managed-by label.
    pub async fn list_managed(&self, api_version: &str, kind: &str, namespace: &str) -> Result<Vec<Json>, Diagnostic> {
        let api = self.api_for(api_version, kind, Some(namespace))?;
        let params = ListParams::default().labels(&format!("app.kubernetes.io/managed-by={FIELD_MANAGER}"));
        match api.list(&params).await {
            Ok(list) => Ok(list
                .items
                .into_iter()
                .map(|o| serde_json::to_value(o).unwrap_or_default())
                .collect()),
            Err(kube::Error::Api(e)) if e.code == 404 => Ok(Vec::new()),
            Err(e) => Err(kube_error(&format!("list {kind}s"), e)),
        }
    }
}

pub fn plural(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Namespace" => "namespaces",
        "ConfigMap" => "configmaps",
        "Secret" => "secrets",
        "Service" => "services",
        "ServiceAccount" => "serviceaccounts",
        "Deployment" => "deployments",
        "StatefulSet" => "statefulsets",
        "PersistentVolumeClaim" => "persistentvolumeclaims",
        _ => return None,
    })
}

pub(crate) fn kube_error(action: &str, e: kube::Error) -> Diagnostic {
    let detail = match &e {
        kube::Error::Api(s) => format!("{} ({}): {}", s.reason, s.code, s.message),
        other => format!("{other}. Check that the cluster is reachable and the provider's kubernetes block."),
    };
    Diagnostic::error(format!("Kubernetes: failed to {action}"), detail)
}

/// True when every field we render is in the live object with the same value (the server
/// adds defaults and status; those do not count).
pub fn contains(live: &Json, rendered: &Json) -> bool {
    match (live, rendered) {
        (Json::Object(l), Json::Object(r)) => r.iter().all(|(k, v)| l.get(k).is_some_and(|lv| contains(lv, v))),
        (Json::Array(l), Json::Array(r)) => l.len() == r.len() && l.iter().zip(r).all(|(a, b)| contains(a, b)),
        (l, r) => l == r,
    }
}
