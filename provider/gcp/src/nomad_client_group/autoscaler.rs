//! nomad-autoscaler's access to the group: a service account `nomad-as-NAME` holding a custom
//! role with only what the gce-mig target plugin calls (read the group, resize it, delete the
//! instance it drained, follow the operations), reached by workload identity (the Kubernetes
//! service account `NAMESPACE/nomad-autoscaler`) or a key file.
//!
//! No predefined role is this narrow: `roles/compute.instanceAdmin.v1` would let it make and
//! change any VM in the project.

use circleci_core::DEFAULT_NAMESPACE;
use circleci_tfplugin::Diagnostic;

use super::{Model, owner};
use crate::Gcp;
use crate::custom_role::{self, Wanted};
use crate::service_account::{self, AccessKind, NONE, WORKLOAD_IDENTITY_USER, binding, member};

const KUBERNETES_SERVICE_ACCOUNT: &str = "nomad-autoscaler";

/// What the gce-mig target plugin calls: instanceGroupManagers get, resize,
/// listManagedInstances and deleteInstances on regional or zonal groups, and the operations.
const PERMISSIONS: [&str; 8] = [
    "compute.instanceGroupManagers.get",
    "compute.instanceGroupManagers.update",
    "compute.instanceGroups.get",
    "compute.instances.get",
    "compute.instances.list",
    "compute.instances.delete",
    "compute.regionOperations.get",
    "compute.zoneOperations.get",
];

/// The service account's id: `nomad-as-NAME`, cut to IAM's 30 characters (a cut name another
/// group already holds is refused by the ownership check, naming that group).
pub(super) fn account_id(group: &str) -> String {
    let mut id = format!("nomad-as-{group}");
    id.truncate(30);
    id.trim_end_matches('-').to_string()
}

/// The custom role's id (no hyphens allowed): at most 19 + 45 characters.
pub(super) fn role_id(group: &str) -> String {
    format!("circleciAutoscaler_{}", group.replace('-', "_"))
}

pub(super) fn kind(model: &Model) -> AccessKind {
    AccessKind::of(model.settings.autoscaler_access.as_deref())
}

fn clear(model: &mut Model) {
    model.settings.autoscaler_service_account_email = None;
    model.settings.autoscaler_key_id = None;
    model.settings.autoscaler_service_account_key = None;
}

/// Brings nomad-autoscaler's access to what `model` asks: made (or adopted) and set, or
/// with `none`, removed.
pub(super) async fn set(gcp: &Gcp, model: &mut Model) -> Result<(), Diagnostic> {
    let group = model.spec.name.clone();
    let kind = kind(model);
    if kind == AccessKind::None {
        clear(model);
        return remove(gcp, &group).await;
    }
    let owner_name = format!("circleciserver_nomad_client_group {group:?}");
    // The account first, recorded at once: a failure after it leaves its email in the state,
    // which is what tells destroy there is something to remove.
    let account = service_account::ensure(
        gcp,
        &account_id(&group),
        "CircleCI nomad-autoscaler",
        &owner(&group),
        &owner_name,
    )
    .await?;
    let path = service_account::path(gcp, &account.email);
    model.settings.autoscaler_service_account_email = Some(account.email.clone());
    let role = custom_role::ensure(
        gcp,
        &Wanted {
            id: &role_id(&group),
            title: "CircleCI nomad-autoscaler",
            owner: &owner(&group),
            owner_name: &owner_name,
            permissions: &PERMISSIONS,
        },
    )
    .await?;
    service_account::change_project_role(gcp, &role, &member(&account.email), true).await?;
    let mut bindings = Vec::new();
    if kind == AccessKind::WorkloadIdentity {
        let namespace = model.settings.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        bindings.push(binding(
            WORKLOAD_IDENTITY_USER,
            service_account::workload_identity_member(gcp, namespace, KUBERNETES_SERVICE_ACCOUNT),
        ));
    }
    service_account::set_policy(gcp, &path, bindings).await?;
    let key = service_account::replace_keys(gcp, &path, kind == AccessKind::Key).await?;
    model.settings.autoscaler_key_id = key.as_ref().map(|(id, _)| id.clone());
    model.settings.autoscaler_service_account_key = key.map(|(_, file)| file);
    Ok(())
}

/// Whether the state says this group has (or may have, after a failure) access of its own:
/// only then do refresh and destroy call IAM, so a group without it needs no IAM at all.
pub(super) fn may_exist(model: &Model) -> bool {
    kind(model) != AccessKind::None || model.settings.autoscaler_service_account_email.is_some()
}

/// What Google holds: the access is `none` unless our service account exists and holds the
/// role on the project, and the role holds exactly its permissions (a binding removed, or the
/// role changed or deleted, behind our back reads `none`, so the next apply sets it right).
/// Nothing is asked when the state says there is none; after an import (no access known yet)
/// everything is.
pub(super) async fn read(gcp: &Gcp, model: &mut Model) -> Result<(), Diagnostic> {
    let group = model.spec.name.clone();
    model
        .settings
        .namespace
        .get_or_insert_with(|| DEFAULT_NAMESPACE.to_string());
    if model.settings.autoscaler_access.is_some() && !may_exist(model) {
        return Ok(());
    }
    let email = service_account::email(gcp, &account_id(&group));
    let path = service_account::path(gcp, &email);
    let ours = service_account::get(gcp, &path)
        .await?
        .filter(|account| account.description == owner(&group));
    // Our account, even without its grant, is ours to remove on destroy.
    model.settings.autoscaler_service_account_email = ours.as_ref().map(|_| email.clone());
    let granted = match ours {
        Some(_) => {
            let role = custom_role::name(gcp, &role_id(&group));
            service_account::holds_project_role(gcp, &role, &member(&email)).await?
                && custom_role::holds_exactly(gcp, &role_id(&group), &PERMISSIONS).await?
        }
        None => false,
    };
    if !granted {
        model.settings.autoscaler_access = Some(NONE.into());
        model.settings.autoscaler_key_id = None;
        model.settings.autoscaler_service_account_key = None;
        return Ok(());
    }
    let policy = service_account::get_policy(gcp, &path).await?;
    let namespace = service_account::workload_identity_namespaces(gcp, &policy, KUBERNETES_SERVICE_ACCOUNT).pop();
    let keys = service_account::user_keys(gcp, &path).await?;
    let settings = &mut model.settings;
    let kind = if let Some(namespace) = namespace {
        settings.namespace = Some(namespace);
        AccessKind::WorkloadIdentity
    } else if service_account::has_key(settings.autoscaler_key_id.as_deref(), &keys) {
        AccessKind::Key
    } else {
        AccessKind::None
    };
    if kind == AccessKind::Key {
        // The key file is known only from creation (never after an import).
        if settings.autoscaler_key_id.is_none() {
            settings.autoscaler_key_id = keys.first().map(|k| crate::parts::last(k).to_string());
        }
    } else {
        settings.autoscaler_key_id = None;
        settings.autoscaler_service_account_key = None;
    }
    settings.autoscaler_access = Some(kind.to_string());
    Ok(())
}

/// The project binding first (deleting the account would leave it as `deleted:...`), then
/// the account with its keys, then the role: only what this group made.
pub(super) async fn remove(gcp: &Gcp, group: &str) -> Result<(), Diagnostic> {
    let email = service_account::email(gcp, &account_id(group));
    let path = service_account::path(gcp, &email);
    if let Some(account) = service_account::get(gcp, &path).await? {
        if account.description != owner(group) {
            tracing::info!(email, "service account left: this group did not make it");
        } else {
            let role = custom_role::name(gcp, &role_id(group));
            service_account::change_project_role(gcp, &role, &member(&email), false).await?;
            service_account::delete(gcp, &path).await?;
        }
    }
    custom_role::delete(gcp, &role_id(group), &owner(group)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_iam_rules() {
        let longest = "a".repeat(45);
        assert!(service_account::valid_account_id(&account_id(&longest)));
        assert!(custom_role::valid_id(&role_id(&longest)));
        assert_eq!(account_id("ci-nomad"), "nomad-as-ci-nomad");
        // A cut that ends at a hyphen is trimmed.
        assert_eq!(account_id("abcdefghijklmnopqrst-uvw"), "nomad-as-abcdefghijklmnopqrst");
        assert_eq!(role_id("ci-nomad"), "circleciAutoscaler_ci_nomad");
    }
}
