//! `.Capabilities`: the Kubernetes version and API versions a render targets, and Helm's own
//! version (Helm's `chartutil.Capabilities`), as template objects with Go's field and method
//! names.

use std::sync::Arc;

use circleci_gotemplate::{Object, Value};

/// The Kubernetes version `helm template` assumes without `--kube-version` (Helm 3's
/// `chartutil.DefaultCapabilities`, v1.20.0 in its source).
pub const DEFAULT_KUBE_VERSION: &str = "v1.20.0";

/// The Helm version templates see in `.Capabilities.HelmVersion` (the behaviour followed).
pub const HELM_VERSION: &str = "v3.21.4";

/// The API versions every render has, as Helm's default version set lists them: each
/// built-in group/version, and group/version/Kind for the kinds charts test for.
const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
    "v1/ConfigMap",
    "v1/Namespace",
    "v1/PersistentVolumeClaim",
    "v1/Pod",
    "v1/Secret",
    "v1/Service",
    "v1/ServiceAccount",
    "apps/v1/DaemonSet",
    "apps/v1/Deployment",
    "apps/v1/StatefulSet",
    "autoscaling/v2/HorizontalPodAutoscaler",
    "batch/v1/CronJob",
    "batch/v1/Job",
    "networking.k8s.io/v1/Ingress",
    "networking.k8s.io/v1/IngressClass",
    "networking.k8s.io/v1/NetworkPolicy",
    "policy/v1/PodDisruptionBudget",
    "rbac.authorization.k8s.io/v1/ClusterRole",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "rbac.authorization.k8s.io/v1/Role",
    "rbac.authorization.k8s.io/v1/RoleBinding",
    "storage.k8s.io/v1/StorageClass",
];

/// A Kubernetes version as Helm parses `--kube-version` (`v1.28.3`, `1.28`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeVersion {
    /// `v1.28.3`.
    pub version: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parses `v?MAJOR.MINOR[.PATCH]` (Kubernetes' `ParseGeneric`); extra parts after a `-`
    /// or `+` are dropped as it does.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let bad = || format!("kube_version {text:?} is not a Kubernetes version: write it as v1.30.0 or 1.30");
        let core = text.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next().unwrap_or(core);
        let parts: Vec<&str> = core.split('.').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let n = |s: &str| s.parse::<u64>().map_err(|_| bad());
        let (major, minor) = (n(parts[0])?, n(parts[1])?);
        let patch = parts.get(2).map(|p| n(p)).transpose()?.unwrap_or(0);
        Ok(KubeVersion {
            version: format!("v{major}.{minor}.{patch}"),
            major: major.to_string(),
            minor: minor.to_string(),
        })
    }
}

/// What a render is for.
#[derive(Clone, Debug)]
pub struct Capabilities {
    pub kube_version: KubeVersion,
    /// Helm's default set plus the caller's `--api-versions`.
    pub api_versions: Vec<String>,
}

impl Capabilities {
    /// Helm's defaults with `extra` API versions added (as `--api-versions`).
    pub fn new(kube_version: KubeVersion, extra: &[String]) -> Capabilities {
        let mut api_versions: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
        for e in extra {
            if !api_versions.contains(e) {
                api_versions.push(e.clone());
            }
        }
        Capabilities {
            kube_version,
            api_versions,
        }
    }

    /// What a live cluster serves (Helm's `GetVersionSet` over discovery): every group
    /// version and `GROUP/VERSION/Kind`; Helm's defaults when discovery found nothing.
    pub fn discovered(kube_version: KubeVersion, api_versions: Vec<String>) -> Capabilities {
        if api_versions.is_empty() {
            return Capabilities::new(kube_version, &[]);
        }
        Capabilities {
            kube_version,
            api_versions,
        }
    }

    pub(crate) fn value(&self) -> Value {
        Value::Object(Arc::new(CapabilitiesObject(self.clone())))
    }
}

struct CapabilitiesObject(Capabilities);

impl Object for CapabilitiesObject {
    fn type_name(&self) -> &str {
        "*chartutil.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(Arc::new(KubeVersionObject(self.0.kube_version.clone())))),
            "APIVersions" => Some(Value::Object(Arc::new(VersionSet(self.0.api_versions.clone())))),
            "HelmVersion" => Some(Value::Object(Arc::new(HelmVersion))),
            _ => None,
        }
    }
}

struct KubeVersionObject(KubeVersion);

impl Object for KubeVersionObject {
    fn type_name(&self) -> &str {
        "chartutil.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let s = |v: &str| Some(Value::String(v.to_string()));
        match name {
            "Version" | "GitVersion" | "String" => s(&self.0.version),
            "Major" => s(&self.0.major),
            "Minor" => s(&self.0.minor),
            _ => None,
        }
    }
    // KubeVersion has a String method: Go prints the version.
    fn display(&self) -> String {
        self.0.version.clone()
    }
}

struct VersionSet(Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "chartutil.VersionSet"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        if name != "Has" {
            return None;
        }
        Some(match args.as_slice() {
            [Value::String(v)] => Ok(Value::Bool(self.0.iter().any(|a| a == v))),
            [other] => Err(format!(
                "wrong type for value; expected string; got {}",
                circleci_gotemplate::fmt::type_name(other)
            )),
            _ => Err(format!("wrong number of args for Has: want 1 got {}", args.len())),
        })
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
}

struct HelmVersion;

impl Object for HelmVersion {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let s = |v: &str| Some(Value::String(v.to_string()));
        match name {
            "Version" => s(HELM_VERSION),
            "GitCommit" => s(""),
            "GitTreeState" => s("clean"),
            "GoVersion" => s("go1.25"),
            _ => None,
        }
    }
    fn display(&self) -> String {
        format!("{{{HELM_VERSION}  clean go1.25}}")
    }
}
