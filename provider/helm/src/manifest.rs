//! Rendered files into Kubernetes documents as Helm's `releaseutil.SortManifests` makes them:
//! split on `---`, hooks (`helm.sh/hook`) set apart, the rest in Helm's install order.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use circleci_gotemplate::Value;

use crate::error::RenderError;

/// Helm's `InstallOrder`: kinds earlier in the list are installed first; unknown kinds last,
/// by name.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// One rendered Kubernetes document.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The template it came from (`CHART/templates/FILE`, `CHART/charts/SUB/templates/FILE`,
    /// or `CHART/crds/FILE` for a CRD): what `# Source:` names.
    pub source: String,
    /// The document, trimmed (CRDs: the file as it is).
    pub content: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace`, empty when the document names none.
    pub namespace: String,
}

pub use crate::release::HookEvent;

impl HookEvent {
    /// The annotation's word for the event.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }

    /// The event an annotation word names (lower-cased, trimmed).
    pub fn parse(word: &str) -> Option<HookEvent> {
        Some(match word {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            // Helm 2's name, still accepted.
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }
}

/// A document run as a hook rather than kept as part of the release.
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    pub manifest: Manifest,
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy`, lower-cased words.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy`, lower-cased words.
    pub output_log_policies: Vec<String>,
}

impl Hook {
    /// Whether `helm test` runs it (`--skip-tests` leaves these out).
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }

    /// The hook as Helm's release record keeps it, not yet run.
    pub fn to_record(&self) -> crate::release::Hook {
        crate::release::Hook {
            name: self.manifest.name.clone(),
            kind: self.manifest.kind.clone(),
            path: self.manifest.source.clone(),
            manifest: self.manifest.content.clone(),
            events: self.events.clone(),
            weight: self.weight,
            delete_policies: policy_words(&self.delete_policies),
            output_log_policies: policy_words(&self.output_log_policies),
            ..Default::default()
        }
    }
}

/// Annotation words as the record's policy types (which read any word: Helm stores what the
/// annotation says).
fn policy_words<T: serde::de::DeserializeOwned>(words: &[String]) -> Vec<T> {
    words
        .iter()
        .filter_map(|w| serde_json::from_value(serde_json::Value::from(w.as_str())).ok())
        .collect()
}

fn separator() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    // Go's `\s` is ASCII whitespace; Rust's is Unicode, so spell Go's class out.
    RE.get_or_init(|| regex::Regex::new(r"(?:^|[\t\n\x0C\r ]*\n)---[\t\n\x0C\r ]*").expect("valid regex"))
}

/// Helm's `SplitManifests`: the documents of a rendered file, trimmed, empty ones dropped.
pub fn split_documents(text: &str) -> Vec<String> {
    separator()
        .split(text.trim())
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .collect()
}

fn text_at(v: &Value, path: &[&str]) -> String {
    let mut cur = v.clone();
    for p in path {
        let next = match &cur {
            Value::Map(m) => match m.get(p) {
                Some(next) => next,
                None => return String::new(),
            },
            _ => return String::new(),
        };
        cur = next;
    }
    match cur {
        Value::String(s) => s,
        _ => String::new(),
    }
}

/// Rendered files (path → text) into the release's documents and its hooks, each in Helm's
/// install order (stable: same kinds keep file, then document, order).
pub fn sort_manifests(files: &BTreeMap<String, String>) -> Result<(Vec<Hook>, Vec<Manifest>), RenderError> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in files {
        if path.rsplit('/').next().is_some_and(|b| b.starts_with('_')) || content.trim().is_empty() {
            continue;
        }
        for doc in split_documents(content) {
            let head = crate::yaml::parse(&doc).map_err(|e| RenderError::Manifest {
                file: path.clone(),
                message: format!("error converting YAML to JSON: {e}"),
            })?;
            let annotations = match &head {
                Value::Map(m) => match m.get("metadata") {
                    Some(Value::Map(md)) => md.get("annotations"),
                    _ => None,
                },
                _ => None,
            };
            let annotations: BTreeMap<String, String> = match annotations {
                None | Some(Value::Nil) => BTreeMap::new(),
                Some(Value::Map(a)) => a
                    .into_btree()
                    .into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Ok((k, s)),
                        Value::Nil => Ok((k, String::new())),
                        other => Err(RenderError::Manifest {
                            file: path.clone(),
                            message: format!(
                                "error unmarshaling JSON: json: cannot unmarshal {} into Go struct field .metadata.annotations of type string (annotation {k:?}: quote the value)",
                                json_kind(&other)
                            ),
                        }),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => {
                    return Err(RenderError::Manifest {
                        file: path.clone(),
                        message: "error unmarshaling JSON: metadata.annotations is not a map".into(),
                    });
                }
            };
            let manifest = Manifest {
                source: path.clone(),
                api_version: text_at(&head, &["apiVersion"]),
                kind: text_at(&head, &["kind"]),
                name: text_at(&head, &["metadata", "name"]),
                namespace: text_at(&head, &["metadata", "namespace"]),
                content: doc,
            };
            let Some(hook_words) = annotations.get("helm.sh/hook") else {
                generic.push(manifest);
                continue;
            };
            let events: Option<Vec<HookEvent>> = hook_words
                .split(',')
                .map(|w| HookEvent::parse(&w.trim().to_lowercase()))
                .collect();
            // Helm skips a document whose hook names an event it does not know.
            let Some(events) = events else { continue };
            let words = |key: &str| -> Vec<String> {
                annotations
                    .get(key)
                    .map(|v| v.split(',').map(|w| w.trim().to_lowercase()).collect())
                    .unwrap_or_default()
            };
            hooks.push(Hook {
                weight: annotations
                    .get("helm.sh/hook-weight")
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(0),
                delete_policies: words("helm.sh/hook-delete-policy"),
                output_log_policies: words("helm.sh/hook-output-log-policy"),
                events,
                manifest,
            });
        }
    }
    hooks.sort_by(|a, b| kind_order(&a.manifest.kind, &b.manifest.kind));
    generic.sort_by(|a, b| kind_order(&a.kind, &b.kind));
    Ok((hooks, generic))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        _ => "value",
    }
}

/// Helm's `lessByKind` as an ordering (the sorts are stable).
fn kind_order(a: &str, b: &str) -> std::cmp::Ordering {
    let pos = |k: &str| INSTALL_ORDER.iter().position(|o| *o == k);
    match (pos(a), pos(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_on_separator_lines_only() {
        let docs = split_documents("---\na: 1\n---\n\nb: '---x'\n---   \n\n");
        assert_eq!(docs, vec!["a: 1".to_string(), "b: '---x'".to_string()]);
    }

    #[test]
    fn unknown_kinds_go_last_by_name_and_equal_kinds_keep_their_order() {
        let files = BTreeMap::from([
            (
                "c/templates/a.yaml".to_string(),
                "kind: Zed\n---\nkind: Deployment\nmetadata: {name: d1}\n---\nkind: Alpha".to_string(),
            ),
            (
                "c/templates/b.yaml".to_string(),
                "kind: Namespace\n---\nkind: Deployment\nmetadata: {name: d2}".to_string(),
            ),
        ]);
        let (_, m) = sort_manifests(&files).unwrap();
        let kinds: Vec<(&str, &str)> = m.iter().map(|m| (m.kind.as_str(), m.name.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                ("Namespace", ""),
                ("Deployment", "d1"),
                ("Deployment", "d2"),
                ("Alpha", ""),
                ("Zed", "")
            ]
        );
    }
}
