//! How CircleCI Server reaches a cloud resource: an IAM role for Kubernetes service accounts
//! (IRSA), or an IAM user with an access key. Both carry one inline least-privilege policy and
//! have a name derived from the resource, so that import and drift detection can find them.

use aws_sdk_iam::types::Tag;
use circleci_core::DEFAULT_NAMESPACE;
use circleci_cty::{AttributePath, Value};
use circleci_tfplugin::{Diagnostic, Diagnostics};

use crate::error::codes;
use crate::{adopt, error};

pub const NONE: &str = "none";
pub const IRSA: &str = "irsa";
pub const IAM_USER: &str = "iam_user";

/// How the server (or the autoscaler) reaches AWS: the `access` attribute's closed set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccessKind {
    /// Nothing made: credentials come from elsewhere.
    #[default]
    None,
    /// An IAM role for the Kubernetes service account (IRSA).
    Irsa,
    /// An IAM user with an access key.
    IamUser,
}

impl AccessKind {
    /// The attribute's word for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::None => NONE,
            AccessKind::Irsa => IRSA,
            AccessKind::IamUser => IAM_USER,
        }
    }

    /// The kind an attribute names; `None` for a word that is not one (validation says so).
    pub fn parse(word: &str) -> Option<AccessKind> {
        match word {
            NONE => Some(AccessKind::None),
            IRSA => Some(AccessKind::Irsa),
            IAM_USER => Some(AccessKind::IamUser),
            _ => None,
        }
    }

    /// The kind an optional attribute names, `none` when unset.
    pub fn of(word: Option<&str>) -> AccessKind {
        word.and_then(AccessKind::parse).unwrap_or_default()
    }
}

impl std::fmt::Display for AccessKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
const POLICY_NAME: &str = "circleci-server";
/// IAM's "already gone" answer.
pub const GONE: &[&str] = &[codes::NO_SUCH_ENTITY];

/// What exists in IAM for one resource.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Access {
    pub kind: AccessKind,
    pub role_arn: Option<String>,
    pub access_key_id: Option<String>,
    /// Known only right after creation: AWS never returns it again.
    pub secret_access_key: Option<String>,
}

/// Plans the access outputs (`role_arn`, `access_key_id`, `secret_access_key`, with `prefix`) of
/// the `aws` block as they are, unless the kind of access (at `kind` in the whole value) changes.
pub fn keep_outputs(plan: &mut circleci_tfplugin::Plan<'_>, kind: &AttributePath, prefix: &str) {
    let names = ["role_arn", "access_key_id", "secret_access_key"].map(|name| format!("{prefix}{name}"));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    circleci_core::cloud::keep_access_outputs(plan, "aws", kind, &names);
}

/// Who may assume an IRSA role: service accounts of `namespace` (`service_account` may be `*`)
/// through the cluster's OIDC provider.
pub struct Irsa<'a> {
    pub oidc_provider_arn: &'a str,
    pub namespace: &'a str,
    pub service_account: &'a str,
}

/// IAM names are at most 64 characters.
pub fn entity_name(prefix: &str, resource_name: &str) -> String {
    let mut name = format!("{prefix}-{resource_name}");
    name.truncate(64);
    name
}

/// Checks the kind of access (at `kind_path`) and what IRSA needs in the `aws` block at `path`.
pub fn validate(
    kind: &str,
    kind_path: &AttributePath,
    oidc_provider_arn: &Value,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    if AccessKind::parse(kind).is_none() {
        diags.attribute_error(
            kind_path,
            format!("Invalid {kind_path}"),
            format!("{kind:?} is not an access kind on AWS: use `{IRSA}`, `{IAM_USER}` or `{NONE}`."),
        );
    }
    if kind == IRSA && oidc_provider_arn.is_null() {
        diags.attribute_error(
            &path.attr("oidc_provider_arn"),
            "Missing OIDC provider for IRSA",
            "access = \"irsa\" needs oidc_provider_arn: the ARN of the EKS cluster's IAM OIDC provider.",
        );
    }
    if let Some(arn) = oidc_provider_arn.as_str()
        && !arn.contains(":oidc-provider/")
    {
        diags.attribute_error(
            &path.attr("oidc_provider_arn"),
            "Invalid OIDC provider ARN",
            format!("{arn:?} is not an IAM OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/ISSUER)."),
        );
    }
}

fn trust_policy(irsa: &Irsa) -> String {
    let issuer = irsa
        .oidc_provider_arn
        .split_once(":oidc-provider/")
        .map(|(_, i)| i)
        .unwrap_or("");
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": irsa.oidc_provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": { format!("{issuer}:aud"): "sts.amazonaws.com" },
                "StringLike": { format!("{issuer}:sub"): format!("system:serviceaccount:{}:{}", irsa.namespace, irsa.service_account) }
            }
        }]
    })
    .to_string()
}

fn iam_tags(tags: &std::collections::BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// Creates the role or user `name` with `policy`. On failure, deletes what it made, so that
/// nothing is left behind that the state does not know about.
pub async fn create(
    iam: &aws_sdk_iam::Client,
    kind: AccessKind,
    name: &str,
    policy: &str,
    irsa: Option<Irsa<'_>>,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<Access, Diagnostic> {
    let result = create_inner(iam, kind, name, policy, irsa, tags).await;
    // Only what carries the owner tag is removed: never a role or user someone else made.
    if result.is_err() && owned(iam, name).await {
        tracing::warn!(name, kind = kind.as_str(), "IAM set-up failed; removing what was made");
        let _ = delete(iam, name).await;
    }
    result
}

/// True when the role, else the user, called `name` exists with the owner tag.
async fn owned(iam: &aws_sdk_iam::Client, name: &str) -> bool {
    let tags: Vec<Tag> = match iam.get_role().role_name(name).send().await {
        Ok(out) => out.role().map(|r| r.tags().to_vec()).unwrap_or_default(),
        Err(_) => match iam.get_user().user_name(name).send().await {
            Ok(out) => out.user().map(|u| u.tags().to_vec()).unwrap_or_default(),
            Err(_) => return false,
        },
    };
    is_owned(&tags)
}

/// True when IAM `tags` hold the owner tag.
pub(crate) fn is_owned(tags: &[Tag]) -> bool {
    adopt::is_owned(tags.iter().map(|t| (t.key(), t.value())))
}

async fn create_inner(
    iam: &aws_sdk_iam::Client,
    kind: AccessKind,
    name: &str,
    policy: &str,
    irsa: Option<Irsa<'_>>,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<Access, Diagnostic> {
    match kind {
        AccessKind::Irsa => {
            let irsa =
                irsa.ok_or_else(|| Diagnostic::error("Missing OIDC provider for IRSA", "Set oidc_provider_arn."))?;
            let created = iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust_policy(&irsa))
                .description("CircleCI Server access (managed by Terraform, terraform-provider-circleciserver)")
                .set_tags(Some(iam_tags(tags)))
                .send()
                .await;
            let role_arn = match created {
                Ok(out) => out.role().map(|r| r.arn().to_string()),
                Err(e) if error::has_code(&e, &[codes::ENTITY_ALREADY_EXISTS]) => {
                    let found = iam
                        .get_role()
                        .role_name(name)
                        .send()
                        .await
                        .map_err(|e| error::api(&format!("read IAM role {name}"), e))?;
                    let role = found.role();
                    let owned = role.is_some_and(|r| is_owned(r.tags()));
                    // An earlier attempt's trust policy may differ from this one's.
                    if owned {
                        iam.update_assume_role_policy()
                            .role_name(name)
                            .policy_document(trust_policy(&irsa))
                            .send()
                            .await
                            .map_err(|e| error::api(&format!("update the trust policy of IAM role {name}"), e))?;
                    }
                    adopt::adopt("IAM role", name, owned, role.map(|r| r.arn().to_string()))?
                }
                Err(e) => return Err(error::api(&format!("create IAM role {name}"), e)),
            };
            iam.put_role_policy()
                .role_name(name)
                .policy_name(POLICY_NAME)
                .policy_document(policy)
                .send()
                .await
                .map_err(|e| error::api(&format!("attach policy to IAM role {name}"), e))?;
            Ok(Access {
                kind: AccessKind::Irsa,
                role_arn,
                ..Default::default()
            })
        }
        AccessKind::IamUser => {
            match iam
                .create_user()
                .user_name(name)
                .set_tags(Some(iam_tags(tags)))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if error::has_code(&e, &[codes::ENTITY_ALREADY_EXISTS]) => {
                    let found = iam
                        .get_user()
                        .user_name(name)
                        .send()
                        .await
                        .map_err(|e| error::api(&format!("read IAM user {name}"), e))?;
                    let owned = found.user().is_some_and(|u| is_owned(u.tags()));
                    adopt::adopt("IAM user", name, owned, ())?;
                }
                Err(e) => return Err(error::api(&format!("create IAM user {name}"), e)),
            }
            iam.put_user_policy()
                .user_name(name)
                .policy_name(POLICY_NAME)
                .policy_document(policy)
                .send()
                .await
                .map_err(|e| error::api(&format!("attach policy to IAM user {name}"), e))?;
            // Keys already on the user (an earlier attempt's, or one whose answer was lost)
            // have secrets no one holds: delete them first, as IAM allows only two.
            delete_access_keys(iam, name, None).await?;
            let create = || iam.create_access_key().user_name(name).send();
            let key = match create().await {
                // A retried create whose first answer was lost made a key of its own.
                Err(e) if error::has_code(&e, &[codes::LIMIT_EXCEEDED]) => {
                    delete_access_keys(iam, name, None).await?;
                    create().await
                }
                other => other,
            }
            .map_err(|e| error::api(&format!("create an access key for IAM user {name}"), e))?;
            let key = key.access_key();
            let ours = key.map(|k| k.access_key_id().to_string()).unwrap_or_default();
            delete_access_keys(iam, name, Some(&ours)).await?;
            Ok(Access {
                kind: AccessKind::IamUser,
                access_key_id: key.map(|k| k.access_key_id().to_string()),
                secret_access_key: key.map(|k| k.secret_access_key().to_string()),
                ..Default::default()
            })
        }
        AccessKind::None => Ok(Access {
            kind: AccessKind::None,
            ..Default::default()
        }),
    }
}

/// Replaces the inline policy (and the trust policy for IRSA) on what exists.
pub async fn update(
    iam: &aws_sdk_iam::Client,
    access: &Access,
    name: &str,
    policy: &str,
    irsa: Option<Irsa<'_>>,
) -> Result<(), Diagnostic> {
    match access.kind {
        AccessKind::Irsa => {
            if let Some(irsa) = irsa {
                iam.update_assume_role_policy()
                    .role_name(name)
                    .policy_document(trust_policy(&irsa))
                    .send()
                    .await
                    .map_err(|e| error::api(&format!("update the trust policy of IAM role {name}"), e))?;
            }
            iam.put_role_policy()
                .role_name(name)
                .policy_name(POLICY_NAME)
                .policy_document(policy)
                .send()
                .await
                .map_err(|e| error::api(&format!("update the policy of IAM role {name}"), e))?;
        }
        AccessKind::IamUser => {
            iam.put_user_policy()
                .user_name(name)
                .policy_name(POLICY_NAME)
                .policy_document(policy)
                .send()
                .await
                .map_err(|e| error::api(&format!("update the policy of IAM user {name}"), e))?;
        }
        AccessKind::None => {}
    }
    Ok(())
}

/// Finds what exists for `name`: the role, else the user and its first access key.
pub async fn discover(iam: &aws_sdk_iam::Client, name: &str) -> Result<Access, Diagnostic> {
    let role = error::unless_gone(
        iam.get_role().role_name(name).send().await,
        GONE,
        &format!("read IAM role {name}"),
    )?;
    if let Some(out) = role {
        return Ok(Access {
            kind: AccessKind::Irsa,
            role_arn: out.role().map(|r| r.arn().to_string()),
            ..Default::default()
        });
    }
    let keys = error::unless_gone(
        iam.list_access_keys().user_name(name).send().await,
        GONE,
        &format!("read IAM user {name}"),
    )?;
    Ok(match keys {
        Some(out) => Access {
            kind: AccessKind::IamUser,
            access_key_id: out
                .access_key_metadata()
                .first()
                .and_then(|k| k.access_key_id())
                .map(str::to_string),
            ..Default::default()
        },
        None => Access {
            kind: AccessKind::None,
            ..Default::default()
        },
    })
}

/// Deletes the access keys of IAM user `name` but `keep`; false when there is no such user.
async fn delete_access_keys(iam: &aws_sdk_iam::Client, name: &str, keep: Option<&str>) -> Result<bool, Diagnostic> {
    let Some(keys) = error::unless_gone(
        iam.list_access_keys().user_name(name).send().await,
        GONE,
        &format!("list access keys of IAM user {name}"),
    )?
    else {
        return Ok(false);
    };
    for id in keys.access_key_metadata().iter().filter_map(|k| k.access_key_id()) {
        if Some(id) != keep {
            tracing::info!(name, id, "deleting an access key whose secret this run does not hold");
            error::unless_gone(
                iam.delete_access_key().user_name(name).access_key_id(id).send().await,
                GONE,
                &format!("delete access key {id}"),
            )?;
        }
    }
    Ok(true)
}

/// Deletes the role or user `name` and everything attached; absent entities are fine.
pub async fn delete(iam: &aws_sdk_iam::Client, name: &str) -> Result<(), Diagnostic> {
    error::unless_gone(
        iam.delete_role_policy()
            .role_name(name)
            .policy_name(POLICY_NAME)
            .send()
            .await,
        GONE,
        &format!("delete the policy of IAM role {name}"),
    )?;
    error::unless_gone(
        iam.delete_role().role_name(name).send().await,
        GONE,
        &format!("delete IAM role {name}"),
    )?;
    if !delete_access_keys(iam, name, None).await? {
        return Ok(());
    }
    error::unless_gone(
        iam.delete_user_policy()
            .user_name(name)
            .policy_name(POLICY_NAME)
            .send()
            .await,
        GONE,
        &format!("delete the policy of IAM user {name}"),
    )?;
    error::unless_gone(
        iam.delete_user().user_name(name).send().await,
        GONE,
        &format!("delete IAM user {name}"),
    )?;
    Ok(())
}

/// IAM returns policy documents URL-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn trust_statement(document: &str) -> Option<serde_json::Value> {
    let policy: serde_json::Value = serde_json::from_str(&percent_decode(document)).ok()?;
    Some(policy["Statement"][0].clone())
}

/// The OIDC provider an IRSA trust policy names.
pub fn federated_principal(document: &str) -> Option<String> {
    trust_statement(document)?["Principal"]["Federated"]
        .as_str()
        .map(str::to_string)
}

/// The OIDC provider and Kubernetes namespace an IRSA trust policy admits.
pub fn trusted_namespace(document: &str) -> Option<(String, String)> {
    let statement = trust_statement(document)?;
    let oidc = statement["Principal"]["Federated"].as_str()?.to_string();
    let namespace = statement["Condition"]["StringLike"]
        .as_object()
        .and_then(|m| m.values().next())
        .and_then(|v| v.as_str())
        .and_then(|sub| sub.strip_prefix("system:serviceaccount:"))
        .and_then(|rest| rest.split(':').next())
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_string();
    Some((oidc, namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_policies_read_back() {
        let irsa = Irsa {
            oidc_provider_arn: "arn:aws:iam::1:oidc-provider/oidc.example/id/X",
            namespace: "ci",
            service_account: "*",
        };
        let encoded = trust_policy(&irsa).replace('"', "%22").replace(':', "%3A");
        assert_eq!(
            trusted_namespace(&encoded),
            Some((irsa.oidc_provider_arn.to_string(), "ci".to_string()))
        );
        assert_eq!(
            federated_principal(&trust_policy(&irsa)).as_deref(),
            Some(irsa.oidc_provider_arn)
        );
    }
}
