//! Service accounts the GCP halves make for the server's components, and IAM policies: adoption
//! by description, key files, workload identity members, and read-modify-write of policies
//! other principals share (the project's, a bucket's) with their etag.

use std::future::Future;
use std::time::Duration;

use circleci_tfplugin::Diagnostic;
use google_cloud_gax::error::rpc::Code;
use google_cloud_iam_admin_v1::model::list_service_account_keys_request::KeyType;
use google_cloud_iam_admin_v1::model::{ServiceAccount, ServiceAccountPrivateKeyType};
use google_cloud_iam_v1::model::{Binding, Policy};

use crate::parts::last;
use crate::{Gcp, error};

pub const WORKLOAD_IDENTITY: &str = "workload_identity";
pub const KEY: &str = "key";
pub const NONE: &str = "none";

/// How the server (or the autoscaler) reaches GCP: the `access` attribute's closed set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccessKind {
    /// Nothing made: credentials come from elsewhere.
    #[default]
    None,
    /// A service account the Kubernetes service account impersonates (workload identity).
    WorkloadIdentity,
    /// A service account with a key file.
    Key,
}

impl AccessKind {
    /// The attribute's word for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::None => NONE,
            AccessKind::WorkloadIdentity => WORKLOAD_IDENTITY,
            AccessKind::Key => KEY,
        }
    }

    /// The kind an attribute names; `None` for a word that is not one (validation says so).
    pub fn parse(word: &str) -> Option<AccessKind> {
        match word {
            NONE => Some(AccessKind::None),
            WORKLOAD_IDENTITY => Some(AccessKind::WorkloadIdentity),
            KEY => Some(AccessKind::Key),
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
pub const WORKLOAD_IDENTITY_USER: &str = "roles/iam.workloadIdentityUser";

/// Attempts at a shared policy's read-modify-write when others change it meanwhile.
const POLICY_ATTEMPTS: u32 = 8;

pub fn email(gcp: &Gcp, account_id: &str) -> String {
    format!("{account_id}@{}.iam.gserviceaccount.com", gcp.project)
}

pub fn path(gcp: &Gcp, email: &str) -> String {
    format!("projects/{}/serviceAccounts/{email}", gcp.project)
}

pub fn member(email: &str) -> String {
    format!("serviceAccount:{email}")
}

/// The member for the Kubernetes service account `namespace/name` under workload identity.
pub fn workload_identity_member(gcp: &Gcp, namespace: &str, name: &str) -> String {
    format!("serviceAccount:{}.svc.id.goog[{namespace}/{name}]", gcp.project)
}

/// The namespaces of `policy`'s workload identity members that name the Kubernetes service
/// account `name`.
pub fn workload_identity_namespaces(gcp: &Gcp, policy: &Policy, name: &str) -> Vec<String> {
    let prefix = format!("serviceAccount:{}.svc.id.goog[", gcp.project);
    policy
        .bindings
        .iter()
        .filter(|b| b.role == WORKLOAD_IDENTITY_USER)
        .flat_map(|b| b.members.iter())
        .filter_map(|m| {
            m.strip_prefix(&prefix)?
                .strip_suffix(&format!("/{name}]"))
                .map(str::to_string)
        })
        .collect()
}

/// Service account ids: 6 to 30 lowercase letters, digits and hyphens, starting with a letter
/// and not ending with a hyphen.
pub fn valid_account_id(id: &str) -> bool {
    (6..=30).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.ends_with('-')
}

pub fn binding(role: &str, member: String) -> Binding {
    let mut binding = Binding::default();
    binding.role = role.into();
    binding.members = vec![member];
    binding
}

pub async fn get(gcp: &Gcp, path: &str) -> Result<Option<ServiceAccount>, Diagnostic> {
    error::unless_gone(
        gcp.iam.get_service_account().set_name(path).send().await,
        &format!("read service account {path}"),
    )
}

/// `existing` when its description is `owner` (this resource made it), else a diagnostic.
fn adopt(existing: ServiceAccount, owner: &str, owner_name: &str) -> Result<ServiceAccount, Diagnostic> {
    let description = Some(existing.description.clone()).filter(|d| !d.is_empty());
    crate::parts::check_owner(
        "Service account",
        &existing.email,
        description.as_ref(),
        owner,
        owner_name,
    )?;
    Ok(existing)
}

/// Makes the service account `account_id` described as `owner`, or adopts the one an earlier
/// attempt made; one described otherwise is refused, naming `owner_name`.
pub async fn ensure(
    gcp: &Gcp,
    account_id: &str,
    display_name: &str,
    owner: &str,
    owner_name: &str,
) -> Result<ServiceAccount, Diagnostic> {
    let path = path(gcp, &email(gcp, account_id));
    if let Some(existing) = get(gcp, &path).await? {
        return adopt(existing, owner, owner_name);
    }
    let mut account = ServiceAccount::default();
    account.display_name = display_name.into();
    account.description = owner.into();
    let created = gcp
        .iam
        .create_service_account()
        .set_name(format!("projects/{}", gcp.project))
        .set_account_id(account_id)
        .set_service_account(account)
        .send()
        .await;
    match created {
        Ok(account) => Ok(account),
        // Made in between, e.g. by a retry whose first answer was lost: check it is ours.
        Err(e) if error::is_already_exists(&e) => match get(gcp, &path).await? {
            Some(existing) => adopt(existing, owner, owner_name),
            None => Err(error::api(&format!("create service account {account_id}"), e)),
        },
        Err(e) => Err(error::api(&format!("create service account {account_id}"), e)),
    }
}

/// Deletes the service account (its keys and policy go with it); gone already is fine.
pub async fn delete(gcp: &Gcp, path: &str) -> Result<(), Diagnostic> {
    error::unless_gone(
        gcp.iam.delete_service_account().set_name(path).send().await,
        &format!("delete service account {path}"),
    )?;
    Ok(())
}

/// Sets the service account's own policy, all ours, to `bindings`.
pub async fn set_policy(gcp: &Gcp, path: &str, bindings: Vec<Binding>) -> Result<(), Diagnostic> {
    let mut policy = Policy::default();
    policy.bindings = bindings;
    gcp.iam
        .set_iam_policy()
        .set_resource(path)
        .set_policy(policy)
        .send()
        .await
        .map_err(|e| error::api(&format!("set the IAM policy of {path}"), e))?;
    Ok(())
}

pub async fn get_policy(gcp: &Gcp, path: &str) -> Result<Policy, Diagnostic> {
    gcp.iam
        .get_iam_policy()
        .set_resource(path)
        .send()
        .await
        .map_err(|e| error::api(&format!("read the IAM policy of {path}"), e))
}

/// The names of the service account's user-managed keys.
pub async fn user_keys(gcp: &Gcp, path: &str) -> Result<Vec<String>, Diagnostic> {
    let keys = gcp
        .iam
        .list_service_account_keys()
        .set_name(path)
        .set_key_types([KeyType::UserManaged])
        .send()
        .await
        .map_err(|e| error::api(&format!("list the keys of {path}"), e))?;
    Ok(keys.keys.into_iter().map(|k| k.name).collect())
}

/// Deletes every user-managed key (a lost answer's, or an earlier kind of access's); then, when
/// `make`, makes one and returns its id and key file.
pub async fn replace_keys(gcp: &Gcp, path: &str, make: bool) -> Result<Option<(String, String)>, Diagnostic> {
    for key in user_keys(gcp, path).await? {
        error::unless_gone(
            gcp.iam.delete_service_account_key().set_name(&key).send().await,
            &format!("delete key {key}"),
        )?;
    }
    if !make {
        return Ok(None);
    }
    let key = gcp
        .iam
        .create_service_account_key()
        .set_name(path)
        .set_private_key_type(ServiceAccountPrivateKeyType::TypeGoogleCredentialsFile)
        .send()
        .await
        .map_err(|e| error::api(&format!("create a key for {path}"), e))?;
    Ok(Some((
        last(&key.name).to_string(),
        String::from_utf8_lossy(&key.private_key_data).into_owned(),
    )))
}

/// What a key's presence says about the access: the key `known` (after an import, any
/// user-managed key) still there.
pub fn has_key(known: Option<&str>, keys: &[String]) -> bool {
    match known {
        Some(id) => keys.iter().any(|k| last(k) == id),
        None => !keys.is_empty(),
    }
}

/// `policy` with `member` holding (`grant`) or not holding `role` (unconditionally); `None` when
/// it already is so. Other bindings stay as they are.
pub fn with_member(mut policy: Policy, role: &str, member: &str, grant: bool) -> Option<Policy> {
    let plain = |b: &Binding| b.role == role && b.condition.is_none();
    let has = policy
        .bindings
        .iter()
        .any(|b| plain(b) && b.members.iter().any(|m| m == member));
    if has == grant {
        return None;
    }
    if grant {
        match policy.bindings.iter_mut().find(|b| plain(b)) {
            Some(b) => b.members.push(member.to_string()),
            None => policy.bindings.push(binding(role, member.to_string())),
        }
    } else {
        for b in policy.bindings.iter_mut().filter(|b| plain(b)) {
            b.members.retain(|m| m != member);
        }
        policy.bindings.retain(|b| !b.members.is_empty());
    }
    Some(policy)
}

/// Read-modify-write of a shared policy: `read` it, set `member`'s `role` as `grant` says, and
/// `write` it with the etag read; when someone changed it meanwhile (ABORTED), again.
pub async fn change_shared_policy<R, RF, W, WF>(
    what: &str,
    role: &str,
    member: &str,
    grant: bool,
    read: R,
    write: W,
) -> Result<(), Diagnostic>
where
    R: Fn() -> RF,
    RF: Future<Output = Result<Policy, google_cloud_gax::error::Error>>,
    W: Fn(Policy) -> WF,
    WF: Future<Output = Result<Policy, google_cloud_gax::error::Error>>,
{
    let action = format!(
        "{} {role} for {member} on {what}",
        if grant { "grant" } else { "revoke" }
    );
    for attempt in 1..=POLICY_ATTEMPTS {
        let policy = read()
            .await
            .map_err(|e| error::api(&format!("read the IAM policy of {what}"), e))?;
        let Some(changed) = with_member(policy, role, member, grant) else {
            return Ok(());
        };
        match write(changed).await {
            Ok(_) => return Ok(()),
            Err(e) if e.status().is_some_and(|s| s.code == Code::Aborted) && attempt < POLICY_ATTEMPTS => {
                tracing::debug!(attempt, what, "the IAM policy changed meanwhile; reading it again");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Err(e) => return Err(error::api(&action, e)),
        }
    }
    Err(Diagnostic::error(
        format!("Failed to {action}"),
        format!("The IAM policy of {what} kept changing under us: apply again."),
    ))
}

/// `member`'s `role` on the project, granted or revoked.
pub async fn change_project_role(gcp: &Gcp, role: &str, member: &str, grant: bool) -> Result<(), Diagnostic> {
    let resource = format!("projects/{}", gcp.project);
    change_shared_policy(
        &resource,
        role,
        member,
        grant,
        || gcp.projects.get_iam_policy().set_resource(&resource).send(),
        |policy| {
            gcp.projects
                .set_iam_policy()
                .set_resource(&resource)
                .set_policy(policy)
                .send()
        },
    )
    .await
}

/// Whether `member` holds `role` on the project (unconditionally): what a refresh checks of a
/// grant that someone may have removed in the console.
pub async fn holds_project_role(gcp: &Gcp, role: &str, member: &str) -> Result<bool, Diagnostic> {
    let resource = format!("projects/{}", gcp.project);
    let policy = gcp
        .projects
        .get_iam_policy()
        .set_resource(&resource)
        .send()
        .await
        .map_err(|e| error::api(&format!("read the IAM policy of {resource}"), e))?;
    Ok(with_member(policy, role, member, true).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_follow_google_rules() {
        assert!(valid_account_id("circleci-vm"));
        assert!(!valid_account_id("vm"), "too short");
        assert!(!valid_account_id("a-very-long-service-account-name"), "31 characters");
        assert!(!valid_account_id("CircleCI-vm"));
        assert!(!valid_account_id("circleci-vm-"));
        assert!(!valid_account_id("1circleci"));
    }

    #[test]
    fn a_member_is_added_and_removed_leaving_others() {
        let mut policy = Policy::default();
        policy.bindings = vec![binding("roles/owner", "user:a@example.com".into())];
        let granted = with_member(policy.clone(), "roles/owner", "serviceAccount:b", true).unwrap();
        assert_eq!(granted.bindings[0].members, ["user:a@example.com", "serviceAccount:b"]);
        assert!(with_member(granted.clone(), "roles/owner", "serviceAccount:b", true).is_none());
        let revoked = with_member(granted, "roles/owner", "serviceAccount:b", false).unwrap();
        assert_eq!(revoked.bindings, policy.bindings);
        let alone = with_member(Policy::default(), "roles/viewer", "serviceAccount:b", true).unwrap();
        let emptied = with_member(alone, "roles/viewer", "serviceAccount:b", false).unwrap();
        assert!(emptied.bindings.is_empty(), "an empty binding is dropped");
    }
}
