//! The clients' IAM role and instance profile, and nomad-autoscaler's access to the group.

use std::collections::BTreeMap;

use circleci_core::DEFAULT_NAMESPACE;
use circleci_tfplugin::Diagnostic;

use super::Model;
use crate::access::{self, Access};
use crate::error::codes;
use crate::{Aws, adopt, error};

/// The least privilege nomad-autoscaler needs on this group.
pub(super) fn autoscaler_policy(group_arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ScaleThisGroup",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:CreateOrUpdateTags",
                    "autoscaling:UpdateAutoScalingGroup",
                    "autoscaling:TerminateInstanceInAutoScalingGroup"
                ],
                "Resource": group_arn
            },
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeInstanceRefreshes",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus"
                ],
                "Resource": "*"
            }
        ]
    })
    .to_string()
}

pub(super) async fn create_role(aws: &Aws, name: &str, tags: &BTreeMap<String, String>) -> Result<String, Diagnostic> {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" }]
    })
    .to_string();
    let iam_tags: Vec<_> = tags
        .iter()
        .filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok())
        .collect();
    let arn = match aws
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .set_tags(Some(iam_tags.clone()))
        .send()
        .await
    {
        Ok(out) => out.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        Err(e) if error::has_code(&e, &[codes::ENTITY_ALREADY_EXISTS]) => {
            let out = aws
                .iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| error::api(&format!("read IAM role {name}"), e))?;
            let role = out.role();
            let owned = role.is_some_and(|r| access::is_owned(r.tags()));
            adopt::adopt(
                "IAM role",
                name,
                owned,
                role.map(|r| r.arn().to_string()).unwrap_or_default(),
            )?
        }
        Err(e) => return Err(error::api(&format!("create IAM role {name}"), e)),
    };
    match aws
        .iam
        .create_instance_profile()
        .instance_profile_name(name)
        .set_tags(Some(iam_tags))
        .send()
        .await
    {
        Ok(_) => {}
        // Ours (an earlier attempt made it: lost answer, killed apply) or someone else's.
        Err(e) if error::has_code(&e, &[codes::ENTITY_ALREADY_EXISTS]) => {
            let out = aws
                .iam
                .get_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .map_err(|e| error::api(&format!("read instance profile {name}"), e))?;
            let owned = out.instance_profile().is_some_and(|p| access::is_owned(p.tags()));
            adopt::adopt("IAM instance profile", name, owned, ())?;
        }
        Err(e) => return Err(error::api(&format!("create instance profile {name}"), e)),
    }
    match aws
        .iam
        .add_role_to_instance_profile()
        .instance_profile_name(name)
        .role_name(name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if error::has_code(&e, &[codes::LIMIT_EXCEEDED, codes::ENTITY_ALREADY_EXISTS]) => {}
        Err(e) => return Err(error::api(&format!("add role {name} to its instance profile"), e)),
    }
    Ok(arn)
}

/// Deletes the clients' role and instance profile, each only when this provider made it (it
/// carries the owner tag): a same-named one of the user's, met by a create that then failed,
/// stays (our role is only taken out of their profile).
pub(super) async fn delete_role(aws: &Aws, name: &str) -> Result<(), Diagnostic> {
    let role = error::unless_gone(
        aws.iam.get_role().role_name(name).send().await,
        access::GONE,
        &format!("read IAM role {name}"),
    )?;
    let role_owned = role
        .as_ref()
        .and_then(|out| out.role())
        .is_some_and(|r| access::is_owned(r.tags()));
    let profile = error::unless_gone(
        aws.iam.get_instance_profile().instance_profile_name(name).send().await,
        access::GONE,
        &format!("read instance profile {name}"),
    )?;
    if let Some(profile) = profile.as_ref().and_then(|out| out.instance_profile()) {
        if role_owned && profile.roles().iter().any(|r| r.role_name() == name) {
            error::unless_gone(
                aws.iam
                    .remove_role_from_instance_profile()
                    .instance_profile_name(name)
                    .role_name(name)
                    .send()
                    .await,
                access::GONE,
                &format!("remove role {name} from its instance profile"),
            )?;
        }
        if access::is_owned(profile.tags()) {
            error::unless_gone(
                aws.iam
                    .delete_instance_profile()
                    .instance_profile_name(name)
                    .send()
                    .await,
                access::GONE,
                &format!("delete instance profile {name}"),
            )?;
        } else {
            tracing::info!(name, "instance profile left: this provider did not make it");
        }
    }
    if role_owned {
        error::unless_gone(
            aws.iam.delete_role().role_name(name).send().await,
            access::GONE,
            &format!("delete IAM role {name}"),
        )?;
    } else if role.is_some() {
        tracing::info!(name, "IAM role left: this provider did not make it");
    }
    Ok(())
}

pub(super) fn irsa(model: &Model) -> Option<access::Irsa<'_>> {
    Some(access::Irsa {
        oidc_provider_arn: model.settings.oidc_provider_arn.as_deref()?,
        namespace: model.settings.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE),
        service_account: "nomad-autoscaler",
    })
}

pub(super) fn autoscaler_kind(model: &Model) -> access::AccessKind {
    access::AccessKind::of(model.settings.autoscaler_access.as_deref())
}

/// Records nomad-autoscaler's access in the `aws` block.
pub(super) fn set_autoscaler(model: &mut Model, found: Access) {
    model.settings.autoscaler_access = Some(found.kind.as_str().to_string());
    model.settings.autoscaler_role_arn = found.role_arn;
    model.settings.autoscaler_access_key_id = found.access_key_id;
    model.settings.autoscaler_secret_access_key = found.secret_access_key;
}

/// What the state says nomad-autoscaler has.
pub(super) fn current_autoscaler(model: &Model) -> Access {
    Access {
        kind: autoscaler_kind(model),
        role_arn: model.settings.autoscaler_role_arn.clone(),
        access_key_id: model.settings.autoscaler_access_key_id.clone(),
        secret_access_key: model.settings.autoscaler_secret_access_key.clone(),
    }
}
