//! Create, read, update and delete of the group: the security group, IAM role, launch
//! template and autoscaling group in order, with what exists recorded in state on failure; the
//! rolling update (instance refresh) on a template change.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_autoscaling::types::{
    AutoScalingGroup, LaunchTemplateSpecification, RefreshPreferences, RefreshStrategy, Tag as AsgTag,
};
use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use base64::Engine;
use circleci_core::nomad_client_group::read_startup_script;
use circleci_core::tags::own_tags;
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_tfplugin::{Context, Diagnostic, Failure};

use super::iam::{
    autoscaler_kind, autoscaler_policy, create_role, current_autoscaler, delete_role, irsa, set_autoscaler,
};
use super::security_group::{SSH_RERUN_PORTS, create_security_group};
use super::template::{script_of, template_data};
use super::{Model, OWNER_TAG, autoscaler_name, group_tags, role_name};
use crate::access::{self, Access};
use crate::error::codes;
use crate::tags::{ec2_owned, ec2_tags};
use crate::{Aws, AwsData, adopt, error};

fn asg_tags(name: &str, tags: &BTreeMap<String, String>) -> Vec<AsgTag> {
    tags.iter()
        .map(|(k, v)| {
            AsgTag::builder()
                .key(k)
                .value(v)
                .propagate_at_launch(false)
                .resource_id(name)
                .resource_type("auto-scaling-group")
                .build()
        })
        .collect()
}

/// A failure that records what exists so far, so the next apply continues from it.
fn partial(model: &Model, d: Diagnostic) -> Failure {
    let failure = Failure::from(d);
    match model.value(Cloud::Aws) {
        Ok(state) => failure.with_partial_state(state),
        Err(_) => failure,
    }
}

/// Makes the launch template, or adds a version to the one an interrupted run left behind.
async fn create_template(
    aws: &Aws,
    name: &str,
    data: aws_sdk_ec2::types::RequestLaunchTemplateData,
    tags: &BTreeMap<String, String>,
) -> Result<(String, i64), Diagnostic> {
    let created = aws
        .ec2
        .create_launch_template()
        .client_token(crate::adopt::client_token())
        .launch_template_name(name)
        .launch_template_data(data.clone())
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .send()
        .await;
    let template = match created {
        Ok(out) => out.launch_template().map(|t| {
            (
                t.launch_template_id().unwrap_or_default().to_string(),
                t.latest_version_number().unwrap_or(1),
            )
        }),
        Err(e) if error::has_code(&e, &[codes::INVALID_LAUNCH_TEMPLATE_NAME_ALREADY_EXISTS_EXCEPTION]) => {
            let found = aws
                .ec2
                .describe_launch_templates()
                .launch_template_names(name)
                .send()
                .await
                .map_err(|e| error::api(&format!("read launch template {name}"), e))?;
            let owned = found.launch_templates().first().is_some_and(|t| ec2_owned(t.tags()));
            adopt::adopt("launch template", name, owned, ())?;
            let out = aws
                .ec2
                .create_launch_template_version()
                .client_token(crate::adopt::client_token())
                .launch_template_name(name)
                .launch_template_data(data)
                .send()
                .await
                .map_err(|e| error::api(&format!("add a version to launch template {name}"), e))?;
            out.launch_template_version().map(|v| {
                (
                    v.launch_template_id().unwrap_or_default().to_string(),
                    v.version_number().unwrap_or(1),
                )
            })
        }
        Err(e) => return Err(error::api(&format!("create launch template {name}"), e)),
    };
    template.ok_or_else(|| Diagnostic::error("AWS returned no launch template", ""))
}

/// How long a new instance profile may stay unusable before its error is final (as
/// hashicorp/aws's IAM propagation timeout).
const IAM_PROPAGATION: Duration = Duration::from_secs(120);

/// Auto Scaling's answer while a new instance profile has not propagated yet.
fn instance_profile_not_yet_usable<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    error::has_code(err, &[codes::VALIDATION_ERROR])
        && matches!(err, SdkError::ServiceError(e) if e.err().message().is_some_and(|m| m.to_ascii_lowercase().contains("instance profile")))
}

pub(super) async fn create<D: AwsData>(ctx: &Context<D>, aws: &Aws, mut model: Model) -> Result<Model, Failure> {
    let name = model.spec.name.clone();
    let tags = group_tags(aws, &model.spec);
    let script = script_of(&model)?;
    let kind = autoscaler_kind(&model);
    set_autoscaler(&mut model, Access::default());
    model.settings.instance_refresh_id = None;

    let security_group = create_security_group(aws, &model, &name, &tags).await?;
    model.settings.security_group_id = Some(security_group.clone());
    // From here on, everything made is in the state returned on failure.
    let role = role_name(&name);
    let role_arn = create_role(aws, &role, &tags).await.map_err(|d| partial(&model, d))?;
    model.settings.iam_role_arn = Some(role_arn);

    let data = template_data(&model, &script, &security_group, &role, &tags);
    let (template_id, version) = create_template(aws, &name, data, &tags)
        .await
        .map_err(|d| partial(&model, d))?;
    model.settings.launch_template_id = Some(template_id.clone());
    model.settings.launch_template_version = Some(version);

    let min = model.spec.min_size.unwrap_or(1);
    let desired = model.spec.desired_size.unwrap_or(min);
    let subnets = model.settings.subnet_ids.clone().unwrap_or_default().join(",");
    let launch_template = LaunchTemplateSpecification::builder()
        .launch_template_id(&template_id)
        .version(version.to_string())
        .build();
    let max = model.spec.max_size.unwrap_or(4) as i32;
    let request = aws
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .launch_template(launch_template.clone())
        .min_size(min as i32)
        .max_size(max)
        .desired_capacity(desired as i32)
        .vpc_zone_identifier(&subnets)
        .health_check_type("EC2")
        .health_check_grace_period(300)
        .set_tags(Some(asg_tags(&name, &tags)));
    // A new instance profile takes a while to be usable by Auto Scaling (IAM is eventually
    // consistent): wait it out for a bounded time, within the resource's timeout.
    let started = std::time::Instant::now();
    let created = ctx
        .wait_with_backoff(
            &format!("instance profile {} to be usable by Auto Scaling", role_name(&name)),
            Duration::from_secs(2),
            Duration::from_secs(10),
            || async {
                match request.clone().send().await {
                    Err(e) if instance_profile_not_yet_usable(&e) && started.elapsed() < IAM_PROPAGATION => {
                        tracing::info!(
                            name,
                            "the new instance profile is not usable yet (IAM propagation); retrying"
                        );
                        Ok(None)
                    }
                    answer => Ok(Some(answer)),
                }
            },
        )
        .await
        .map_err(|d| partial(&model, d))?;
    match created {
        Ok(_) => {}
        Err(e) if error::has_code(&e, &[codes::ALREADY_EXISTS]) => {
            // An earlier attempt made it: adopt it if it is ours, and give it this attempt's
            // template and sizes.
            let found = describe(aws, &name).await.map_err(|d| partial(&model, d))?;
            let owned = found
                .as_ref()
                .is_some_and(|g| adopt::is_owned(g.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))));
            adopt::adopt("autoscaling group", &name, owned, ()).map_err(|d| partial(&model, d))?;
            aws.autoscaling
                .update_auto_scaling_group()
                .auto_scaling_group_name(&name)
                .launch_template(launch_template)
                .min_size(min as i32)
                .max_size(max)
                .desired_capacity(desired as i32)
                .vpc_zone_identifier(&subnets)
                .send()
                .await
                .map_err(|e| partial(&model, error::api(&format!("update autoscaling group {name}"), e)))?;
        }
        Err(e) => {
            return Err(partial(
                &model,
                error::api(&format!("create autoscaling group {name}"), e),
            ));
        }
    }
    model.spec.id = Some(name.clone());
    model.spec.desired_size = Some(desired);
    let group_arn = describe(aws, &name)
        .await
        .map_err(|d| partial(&model, d))?
        .and_then(|g| g.auto_scaling_group_arn().map(str::to_string))
        .unwrap_or_default();
    model.settings.autoscaling_group_arn = Some(group_arn.clone());

    let found = access::create(
        &aws.iam,
        kind,
        &autoscaler_name(&name),
        &autoscaler_policy(&group_arn),
        irsa(&model),
        &tags,
    )
    .await
    .map_err(|d| partial(&model, d))?;
    set_autoscaler(&mut model, found);
    tracing::info!(name, "Nomad client group created");
    Ok(model)
}

async fn describe(aws: &Aws, name: &str) -> Result<Option<AutoScalingGroup>, Diagnostic> {
    let out = aws
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| error::api(&format!("read autoscaling group {name}"), e))?;
    Ok(out.auto_scaling_groups().first().cloned())
}

/// Reads the template version the group runs into `model`: the instance settings, and every
/// Nomad client input from the user data.
async fn read_template(aws: &Aws, group: &AutoScalingGroup, model: &mut Model) -> Result<(), Diagnostic> {
    let Some(template) = group.launch_template() else {
        return Ok(());
    };
    let id = template.launch_template_id().unwrap_or_default().to_string();
    let version = template.version().unwrap_or("$Default").to_string();
    model.settings.launch_template_id = Some(id.clone());
    let versions = aws
        .ec2
        .describe_launch_template_versions()
        .launch_template_id(&id)
        .versions(&version)
        .send()
        .await
        .map_err(|e| error::api(&format!("read launch template {id}"), e))?;
    let Some(v) = versions.launch_template_versions().first() else {
        return Ok(());
    };
    model.settings.launch_template_version = v.version_number();
    let Some(data) = v.launch_template_data() else {
        return Ok(());
    };
    let settings = &mut model.settings;
    settings.image_id = data.image_id().map(str::to_string);
    settings.instance_type = data.instance_type().map(|t| t.as_str().to_string());
    settings.ssh_key_name = data.key_name().map(str::to_string);
    let tokens = data
        .metadata_options()
        .and_then(|m| m.http_tokens())
        .map(|t| t.as_str().to_string());
    settings.metadata_http_tokens = Some(tokens.unwrap_or_else(|| "optional".into()));
    if let Some(ebs) = data.block_device_mappings().first().and_then(|b| b.ebs()) {
        settings.volume_size_gb = ebs.volume_size().map(i64::from);
        settings.volume_type = ebs.volume_type().map(|t| t.as_str().to_string());
    }
    if let Some(nic) = data.network_interfaces().first() {
        settings.public_ip = Some(nic.associate_public_ip_address().unwrap_or(false));
        if let Some(sg) = nic.groups().first() {
            settings.security_group_id = Some(sg.clone());
        }
    }
    let script = data
        .user_data()
        .and_then(|u| base64::engine::general_purpose::STANDARD.decode(u).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    // The Nomad crate reads the script back into the client attributes.
    read_startup_script(model, Cloud::Aws, script)?;
    Ok(())
}

/// True when a part the group's create makes besides the group still exists: its launch
/// template, security group, IAM role (ours by its tags) or the autoscaler's access.
async fn parts_left(aws: &Aws, model: &Model, name: &str) -> Result<bool, Diagnostic> {
    if let Some(template) = &model.settings.launch_template_id {
        let found = error::unless_gone(
            aws.ec2
                .describe_launch_templates()
                .launch_template_ids(template)
                .send()
                .await,
            &[
                codes::INVALID_LAUNCH_TEMPLATE_ID_NOT_FOUND,
                codes::INVALID_LAUNCH_TEMPLATE_ID_MALFORMED,
            ],
            &format!("read launch template {template}"),
        )?;
        if found.is_some_and(|out| !out.launch_templates().is_empty()) {
            return Ok(true);
        }
    }
    if let Some(group) = &model.settings.security_group_id {
        let found = error::unless_gone(
            aws.ec2.describe_security_groups().group_ids(group).send().await,
            &[codes::INVALID_GROUP_NOT_FOUND],
            &format!("read security group {group}"),
        )?;
        if found.is_some_and(|out| !out.security_groups().is_empty()) {
            return Ok(true);
        }
    }
    let role = role_name(name);
    let found = error::unless_gone(
        aws.iam.get_role().role_name(&role).send().await,
        access::GONE,
        &format!("read IAM role {role}"),
    )?;
    if found.is_some_and(|out| out.role().is_some_and(|r| access::is_owned(r.tags()))) {
        return Ok(true);
    }
    Ok(access::discover(&aws.iam, &autoscaler_name(name)).await?.kind != access::AccessKind::None)
}

/// Reads the group back into `model`: sizes, tags, the template it runs, its security group,
/// role and autoscaler access. `None` when the group and every part made for it are gone.
pub(super) async fn read(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let name = model.spec.id.clone().unwrap_or_else(|| model.spec.name.clone());
    let group = describe(aws, &name)
        .await?
        .filter(|g| !g.status().is_some_and(|s| s.starts_with("Delete")));
    let Some(group) = group else {
        // The group is gone (or going), but parts made for it may be left: a create that stopped
        // before the group, a destroy killed after the group's delete, or the group deleted by
        // hand. Then the resource stays in state with a null id, so that the plan replaces it and
        // a destroy removes the rest, instead of Terraform forgetting them.
        if parts_left(aws, &model, &name).await? {
            tracing::warn!(
                name,
                "autoscaling group gone but parts made for it are left: kept in state"
            );
            model.spec.id = None;
            model.spec.name = name;
            model.settings.autoscaling_group_arn = None;
            return Ok(Some(model));
        }
        return Ok(None);
    };
    model.spec.id = Some(name.clone());
    model.spec.name = name.clone();
    model.spec.min_size = group.min_size().map(i64::from);
    model.spec.max_size = group.max_size().map(i64::from);
    model.spec.desired_size = group.desired_capacity().map(i64::from);
    model.settings.autoscaling_group_arn = group.auto_scaling_group_arn().map(str::to_string);
    let actual_tags: BTreeMap<String, String> = group
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    // Tags this resource adds by itself are not `tags`.
    let automatic_name = format!("circleci-nomad-{name}");
    model.spec.tags = own_tags(actual_tags, model.spec.tags.as_ref(), &aws.default_tags, |k, v| {
        k == OWNER_TAG || (k == "Name" && v == automatic_name)
    });
    model.settings.subnet_ids = Some(
        group
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    );
    read_template(aws, &group, &mut model).await?;

    let settings = &mut model.settings;
    if let Some(sg) = settings.security_group_id.clone()
        && let Ok(groups) = aws.ec2.describe_security_groups().group_ids(&sg).send().await
        && let Some(found) = groups.security_groups().first()
    {
        settings.vpc_id = found.vpc_id().map(str::to_string);
        let ssh: Vec<String> = found
            .ip_permissions()
            .iter()
            .filter(|p| p.from_port() == Some(SSH_RERUN_PORTS.0))
            .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(str::to_string))
            .collect();
        settings.allowed_ssh_cidrs = if ssh.is_empty() && settings.allowed_ssh_cidrs.is_none() {
            None
        } else {
            Some(ssh)
        };
    }
    if let Ok(role) = aws.iam.get_role().role_name(role_name(&name)).send().await {
        settings.iam_role_arn = role.role().map(|r| r.arn().to_string());
    }

    let found = access::discover(&aws.iam, &autoscaler_name(&name)).await?;
    // The secret is known only from creation: keep it while the same key exists.
    let secret = if found.access_key_id.is_some() && found.access_key_id == settings.autoscaler_access_key_id {
        settings.autoscaler_secret_access_key.clone()
    } else {
        None
    };
    if found.kind == access::AccessKind::Irsa && settings.oidc_provider_arn.is_none() {
        // Import: the trust policy names the OIDC provider.
        if let Ok(role) = aws.iam.get_role().role_name(autoscaler_name(&name)).send().await
            && let Some(doc) = role.role().and_then(|r| r.assume_role_policy_document())
        {
            settings.oidc_provider_arn = access::federated_principal(doc);
        }
    }
    settings.namespace.get_or_insert_with(|| DEFAULT_NAMESPACE.to_string());
    set_autoscaler(
        &mut model,
        Access {
            secret_access_key: secret,
            ..found
        },
    );
    Ok(Some(model))
}

/// Rolls the running clients onto the new template, keeping most of them in service.
async fn start_instance_refresh(aws: &Aws, name: &str) -> Result<Option<String>, Diagnostic> {
    let out = aws
        .autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name(name)
        .strategy(RefreshStrategy::Rolling)
        .preferences(
            RefreshPreferences::builder()
                .min_healthy_percentage(90)
                .instance_warmup(300)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            let mut d = error::api(&format!("start an instance refresh of {name}"), e);
            d.detail.push_str(
                " The new template version is in place; new clients use it. Apply again to retry the refresh.",
            );
            d
        })?;
    tracing::info!(name, refresh = out.instance_refresh_id(), "instance refresh started");
    Ok(out.instance_refresh_id().map(str::to_string))
}

async fn update_tags(aws: &Aws, name: &str, prior: &Model, planned: &Model) -> Result<(), Diagnostic> {
    let tags = group_tags(aws, &planned.spec);
    let old = group_tags(aws, &prior.spec);
    let removed: Vec<AsgTag> = old
        .keys()
        .filter(|k| !tags.contains_key(*k))
        .map(|k| {
            AsgTag::builder()
                .key(k)
                .resource_id(name)
                .resource_type("auto-scaling-group")
                .build()
        })
        .collect();
    if !removed.is_empty() {
        aws.autoscaling
            .delete_tags()
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| error::api("remove tags", e))?;
    }
    aws.autoscaling
        .create_or_update_tags()
        .set_tags(Some(asg_tags(name, &tags)))
        .send()
        .await
        .map_err(|e| error::api("tag the group", e))?;
    Ok(())
}

pub(super) async fn update(aws: &Aws, prior: Model, mut state: Model) -> Result<Model, Failure> {
    let name = prior.spec.id.clone().unwrap_or_default();
    let keep = |d: Diagnostic| partial(&prior, d);
    let tags = group_tags(aws, &state.spec);
    let script = script_of(&state)?;
    let template_id = prior.settings.launch_template_id.clone().unwrap_or_default();
    state.settings.launch_template_id = prior.settings.launch_template_id.clone();
    state.settings.security_group_id = prior.settings.security_group_id.clone();

    let mut template_version = prior.settings.launch_template_version;
    let prior_value = prior.value(Cloud::Aws).map_err(Failure::from)?;
    let state_value = state.value(Cloud::Aws).map_err(Failure::from)?;
    if super::template_changed(&prior_value, &state_value) {
        let security_group = prior.settings.security_group_id.clone().unwrap_or_default();
        let data = template_data(&state, &script, &security_group, &role_name(&name), &tags);
        let out = aws
            .ec2
            .create_launch_template_version()
            .client_token(crate::adopt::client_token())
            .launch_template_id(&template_id)
            .launch_template_data(data)
            .send()
            .await
            .map_err(|e| {
                keep(error::api(
                    &format!("add a version to launch template {template_id}"),
                    e,
                ))
            })?;
        template_version = out.launch_template_version().and_then(|v| v.version_number());
        tracing::info!(name, version = template_version, "new launch template version");
    }
    let desired = state.spec.desired_size;
    let mut request = aws
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .min_size(state.spec.min_size.unwrap_or(1) as i32)
        .max_size(state.spec.max_size.unwrap_or(4) as i32)
        .vpc_zone_identifier(state.settings.subnet_ids.clone().unwrap_or_default().join(","))
        .set_desired_capacity(desired.map(|d| d as i32));
    if let Some(version) = template_version {
        request = request.launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(&template_id)
                .version(version.to_string())
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(|e| keep(error::api(&format!("update autoscaling group {name}"), e)))?;
    state.settings.launch_template_version = template_version;
    if desired.is_none() {
        let group = describe(aws, &name).await.map_err(keep)?;
        state.spec.desired_size = group.and_then(|g| g.desired_capacity()).map(i64::from);
    }

    state.settings.instance_refresh_id = prior.settings.instance_refresh_id.clone();
    if template_version != prior.settings.launch_template_version {
        state.settings.instance_refresh_id = start_instance_refresh(aws, &name).await.map_err(|d| {
            let mut so_far = state.clone();
            so_far.settings.instance_refresh_id = None;
            partial(&so_far, d)
        })?;
    }

    if prior.spec.tags != state.spec.tags {
        update_tags(aws, &name, &prior, &state).await.map_err(keep)?;
    }

    let group_arn = prior.settings.autoscaling_group_arn.clone().unwrap_or_default();
    let entity = autoscaler_name(&name);
    if autoscaler_kind(&prior) != autoscaler_kind(&state) {
        access::delete(&aws.iam, &entity).await.map_err(keep)?;
        let kind = autoscaler_kind(&state);
        let found = access::create(
            &aws.iam,
            kind,
            &entity,
            &autoscaler_policy(&group_arn),
            irsa(&state),
            &tags,
        )
        .await
        .map_err(keep)?;
        set_autoscaler(&mut state, found);
    } else {
        let current = current_autoscaler(&prior);
        access::update(
            &aws.iam,
            &current,
            &entity,
            &autoscaler_policy(&group_arn),
            irsa(&state),
        )
        .await
        .map_err(keep)?;
        set_autoscaler(&mut state, current);
    }
    Ok(state)
}

pub(super) async fn delete<D: AwsData>(ctx: &Context<D>, aws: &Aws, model: Model) -> Result<(), Failure> {
    let name = model.spec.id.clone().unwrap_or_else(|| model.spec.name.clone());
    // A create that stopped half-way may not have made the group: look before deleting.
    if describe(aws, &name).await?.is_some() {
        // ValidationError: the group went meanwhile.
        error::unless_gone(
            aws.autoscaling
                .delete_auto_scaling_group()
                .auto_scaling_group_name(&name)
                .force_delete(true)
                .send()
                .await,
            &[codes::VALIDATION_ERROR],
            &format!("delete autoscaling group {name}"),
        )?;
    }
    ctx.wait_for(
        &format!("autoscaling group {name}'s instances to terminate"),
        Duration::from_secs(10),
        || async { Ok(describe(aws, &name).await?.is_none().then_some(())) },
    )
    .await?;
    if let Some(template) = &model.settings.launch_template_id {
        error::unless_gone(
            aws.ec2
                .delete_launch_template()
                .launch_template_id(template)
                .send()
                .await,
            &[
                codes::INVALID_LAUNCH_TEMPLATE_ID_NOT_FOUND,
                codes::INVALID_LAUNCH_TEMPLATE_ID_MALFORMED,
                "InvalidLaunchTemplateName.NotFoundException",
            ],
            &format!("delete launch template {template}"),
        )?;
    }
    delete_role(aws, &role_name(&name)).await?;
    if let Some(group) = &model.settings.security_group_id {
        crate::security_group::delete_when_released(ctx, aws, group, "the network interfaces of terminated instances")
            .await?;
    }
    access::delete(&aws.iam, &autoscaler_name(&name)).await?;
    Ok(())
}
