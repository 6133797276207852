//! Project-level IAM custom roles, for grants narrower than any predefined role.
//!
//! IAM soft-deletes a custom role: its id stays taken for up to 37 days and it can be undeleted
//! for 7. So a role of ours found deleted (by our own destroy, say, before a new apply of the
//! same name) is undeleted and set to what we want rather than created, and destroy deletes
//! the role only after the bindings naming it are gone.

use circleci_tfplugin::Diagnostic;
use google_cloud_iam_admin_v1::model::Role;
use google_cloud_iam_admin_v1::model::role::RoleLaunchStage;

use crate::{Gcp, error};

/// What a custom role should be.
pub struct Wanted<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// Ownership: the description of every role this provider makes names the resource.
    pub owner: &'a str,
    /// The resource, as a diagnostic names it when a role of the id is someone else's.
    pub owner_name: &'a str,
    pub permissions: &'a [&'a str],
}

/// `projects/P/roles/ID`, as policies bind it.
pub fn name(gcp: &Gcp, id: &str) -> String {
    format!("projects/{}/roles/{id}", gcp.project)
}

/// Custom role ids: 3 to 64 letters, digits, `_` and `.`.
pub fn valid_id(id: &str) -> bool {
    (3..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

pub async fn get(gcp: &Gcp, id: &str) -> Result<Option<Role>, Diagnostic> {
    let name = name(gcp, id);
    error::unless_gone(
        gcp.iam.get_role().set_name(&name).send().await,
        &format!("read custom role {name}"),
    )
}

fn permissions(wanted: &Wanted) -> Vec<String> {
    sorted(wanted.permissions.iter().map(|p| p.to_string()))
}

fn sorted(permissions: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut permissions: Vec<String> = permissions.into_iter().collect();
    permissions.sort();
    permissions.dedup();
    permissions
}

/// Whether the role exists, is not deleted and holds exactly `permissions`: what a refresh
/// compares, so a role changed or deleted behind Terraform's back is set right by the next apply.
pub async fn holds_exactly(gcp: &Gcp, id: &str, permissions: &[&str]) -> Result<bool, Diagnostic> {
    Ok(get(gcp, id).await?.is_some_and(|role| {
        !role.deleted && sorted(role.included_permissions) == sorted(permissions.iter().map(|p| p.to_string()))
    }))
}

/// Makes the role, or brings ours (deleted or not) to `wanted`; answers its name.
pub async fn ensure(gcp: &Gcp, wanted: &Wanted<'_>) -> Result<String, Diagnostic> {
    let name = name(gcp, wanted.id);
    let existing = match get(gcp, wanted.id).await? {
        Some(existing) => Some(existing),
        None => {
            let mut role = Role::default();
            role.title = wanted.title.into();
            role.description = wanted.owner.into();
            role.included_permissions = permissions(wanted);
            role.stage = RoleLaunchStage::Ga;
            let created = gcp
                .iam
                .create_role()
                .set_parent(format!("projects/{}", gcp.project))
                .set_role_id(wanted.id)
                .set_role(role)
                .send()
                .await;
            match created {
                Ok(_) => None,
                // Made in between (a retry whose first answer was lost): see whose it is.
                Err(e) if error::is_already_exists(&e) => get(gcp, wanted.id).await?,
                Err(e) => return Err(error::api(&format!("create custom role {name}"), e)),
            }
        }
    };
    let Some(existing) = existing else {
        return Ok(name);
    };
    let description = Some(existing.description.clone()).filter(|d| !d.is_empty());
    crate::parts::check_owner(
        "Custom role",
        &name,
        description.as_ref(),
        wanted.owner,
        wanted.owner_name,
    )?;
    if existing.deleted {
        tracing::info!(role = name, "undeleting our custom role");
        gcp.iam
            .undelete_role()
            .set_name(&name)
            .send()
            .await
            .map_err(|e| error::api(&format!("undelete custom role {name}"), e))?;
    }
    if sorted(existing.included_permissions.clone()) != permissions(wanted) {
        let mut role = Role::default();
        role.included_permissions = permissions(wanted);
        gcp.iam
            .update_role()
            .set_name(&name)
            .set_role(role)
            .set_update_mask(google_cloud_wkt::FieldMask::default().set_paths(["included_permissions"]))
            .send()
            .await
            .map_err(|e| error::api(&format!("set the permissions of custom role {name}"), e))?;
    }
    Ok(name)
}

/// Deletes the role when it is ours (its description is `owner`; IAM keeps it, deleted, for a
/// while); gone, deleted already or someone else's is left as it is.
pub async fn delete(gcp: &Gcp, id: &str, owner: &str) -> Result<(), Diagnostic> {
    let name = name(gcp, id);
    match get(gcp, id).await? {
        Some(role) if !role.deleted && role.description == owner => {}
        Some(role) if !role.deleted => {
            tracing::info!(role = name, "custom role left: this provider did not make it");
            return Ok(());
        }
        _ => return Ok(()),
    }
    error::unless_gone(
        gcp.iam.delete_role().set_name(&name).send().await,
        &format!("delete custom role {name}"),
    )?;
    Ok(())
}
