//! Create, read, update and delete of the group: the security group, IAM role, launch
//! template and autoscaling group in order, with what exists recorded in state on failure; the
//! rolling update (instance refresh) on a template change.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_autoscaling::types::{LaunchTemplateSpecification, RefreshPreferences, RefreshStrategy, Tag as AsgTag};
use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use base64::Engine;
use circleci_core::DEFAULT_NAMESPACE;
use circleci_core::tags::{own_tags, tag_map, tag_value};
use circleci_cty::Value;
use circleci_nomad::client::write_settings;
use circleci_nomad::startup::ClientSettings;
use circleci_tfplugin::{Context, Diagnostic, Failure};

use super::iam::{autoscaler_policy, create_role, delete_role, irsa, set_autoscaler};
use super::security_group::{SSH_RERUN_PORTS, create_security_group, delete_security_group};
use super::template::{script_for, template_data};
use super::{
    OWNER_TAG, autoscaler_name, aws_block, ec2_tags, group_tags, number, role_name, strings, template_changed, text,
};
use crate::access::{self, Access};
use crate::{Aws, AwsData, error, set_aws_attr};

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

pub(super) async fn create(aws: &Aws, planned: &Value) -> Result<Value, Failure> {
    let name = text(planned, "name").unwrap_or_default();
    let tags = group_tags(aws, planned, &name);
    let script = script_for(planned)?;
    let mut state = planned.clone();
    state.set_attr("startup_script", Value::from(script.as_str()));
    for attr in [
        "autoscaler_role_arn",
        "autoscaler_access_key_id",
        "autoscaler_secret_access_key",
        "instance_refresh_id",
    ] {
        set_aws_attr(&mut state, attr, Value::Null);
    }
    let partial = |state: &Value, d: Diagnostic| Failure::from(d).with_partial_state(state.clone());

    let security_group = create_security_group(aws, planned, &name, &tags).await?;
    set_aws_attr(&mut state, "security_group_id", Value::from(security_group.as_str()));
    // From here on, everything made is in the state returned on failure.
    let role = role_name(&name);
    let role_arn = create_role(aws, &role, &tags).await.map_err(|d| partial(&state, d))?;
    set_aws_attr(&mut state, "iam_role_arn", Value::from(role_arn));

    let data = template_data(planned, &script, &security_group, &role, &tags);
    let template = match aws
        .ec2
        .create_launch_template()
        .launch_template_name(&name)
        .launch_template_data(data.clone())
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(ec2_tags(&tags)))
                .build(),
        )
        .send()
        .await
    {
        Ok(out) => out.launch_template().map(|t| {
            (
                t.launch_template_id().unwrap_or_default().to_string(),
                t.latest_version_number().unwrap_or(1),
            )
        }),
        Err(e) if error::has_code(&e, &["InvalidLaunchTemplateName.AlreadyExistsException"]) => {
            let out = aws
                .ec2
                .create_launch_template_version()
                .launch_template_name(&name)
                .launch_template_data(data)
                .send()
                .await
                .map_err(|e| {
                    partial(
                        &state,
                        error::api(&format!("add a version to launch template {name}"), e),
                    )
                })?;
            out.launch_template_version().map(|v| {
                (
                    v.launch_template_id().unwrap_or_default().to_string(),
                    v.version_number().unwrap_or(1),
                )
            })
        }
        Err(e) => {
            return Err(partial(
                &state,
                error::api(&format!("create launch template {name}"), e),
            ));
        }
    }
    .ok_or_else(|| partial(&state, Diagnostic::error("AWS returned no launch template", "")))?;
    set_aws_attr(&mut state, "launch_template_id", Value::from(template.0.as_str()));
    set_aws_attr(&mut state, "launch_template_version", Value::int(template.1));

    let min = number(planned, "min_size").unwrap_or(1);
    let desired = number(planned, "desired_size").unwrap_or(min);
    aws.autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(&template.0)
                .version(template.1.to_string())
                .build(),
        )
        .min_size(min as i32)
        .max_size(number(planned, "max_size").unwrap_or(4) as i32)
        .desired_capacity(desired as i32)
        .vpc_zone_identifier(strings(planned.attr("aws"), "subnet_ids").join(","))
        .health_check_type("EC2")
        .health_check_grace_period(300)
        .set_tags(Some(asg_tags(&name, &tags)))
        .send()
        .await
        .map_err(|e| partial(&state, error::api(&format!("create autoscaling group {name}"), e)))?;
    state.set_attr("id", Value::from(name.as_str()));
    state.set_attr("desired_size", Value::int(desired));
    let group_arn = describe(aws, &name)
        .await
        .map_err(|d| partial(&state, d))?
        .and_then(|g| g.auto_scaling_group_arn().map(str::to_string))
        .unwrap_or_default();
    set_aws_attr(&mut state, "autoscaling_group_arn", Value::from(group_arn.as_str()));

    let kind = planned
        .attr("aws")
        .attr("autoscaler_access")
        .as_str()
        .unwrap_or(access::NONE)
        .to_string();
    let found = access::create(
        &aws.iam,
        &kind,
        &autoscaler_name(&name),
        &autoscaler_policy(&group_arn),
        irsa(planned),
        &tags,
    )
    .await
    .map_err(|d| partial(&state, d))?;
    set_autoscaler(&mut state, found);
    tracing::info!(name, "Nomad client group created");
    Ok(state)
}

async fn describe(aws: &Aws, name: &str) -> Result<Option<aws_sdk_autoscaling::types::AutoScalingGroup>, Diagnostic> {
    let out = aws
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| error::api(&format!("read autoscaling group {name}"), e))?;
    Ok(out.auto_scaling_groups().first().cloned())
}

/// Reads the group and the template version it runs back into `state`: sizes, tags, every
/// template input (from the user data too). `None` when the group is gone.
pub(super) async fn read(aws: &Aws, state: &Value) -> Result<Option<Value>, Diagnostic> {
    let name = text(state, "id").or_else(|| text(state, "name")).unwrap_or_default();
    let Some(group) = describe(aws, &name).await? else {
        return Ok(None);
    };
    if group.status().is_some_and(|s| s.starts_with("Delete")) {
        return Ok(None);
    }
    let mut out = state.clone();
    let mut settings = match state.attr("aws") {
        Value::Null => aws_block().null_object(),
        v => v.clone(),
    };
    out.set_attr("id", Value::from(name.as_str()));
    out.set_attr("name", Value::from(name.as_str()));
    settings.set_attr(
        "autoscaling_group_arn",
        group.auto_scaling_group_arn().map(str::to_string).into(),
    );
    out.set_attr("min_size", Value::int(group.min_size().unwrap_or(0) as i64));
    out.set_attr("max_size", Value::int(group.max_size().unwrap_or(0) as i64));
    out.set_attr("desired_size", Value::int(group.desired_capacity().unwrap_or(0) as i64));

    let actual_tags: BTreeMap<String, String> = group
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    // Tags this resource adds by itself are not `tags`.
    let automatic_name = format!("circleci-nomad-{name}");
    let own = own_tags(
        actual_tags,
        tag_map(state.attr("tags")).as_ref(),
        &aws.default_tags,
        |k, v| k == OWNER_TAG || (k == "Name" && v == automatic_name),
    );
    out.set_attr("tags", tag_value(own));

    let subnets: Vec<Value> = group
        .vpc_zone_identifier()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(Value::from)
        .collect();
    settings.set_attr("subnet_ids", Value::List(subnets));

    if let Some(template) = group.launch_template() {
        let id = template.launch_template_id().unwrap_or_default().to_string();
        let version = template.version().unwrap_or("$Default").to_string();
        settings.set_attr("launch_template_id", Value::from(id.as_str()));
        let versions = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&id)
            .versions(&version)
            .send()
            .await
            .map_err(|e| error::api(&format!("read launch template {id}"), e))?;
        if let Some(v) = versions.launch_template_versions().first() {
            settings.set_attr("launch_template_version", v.version_number().map(Value::int).into());
            if let Some(data) = v.launch_template_data() {
                settings.set_attr("image_id", data.image_id().map(str::to_string).into());
                settings.set_attr(
                    "instance_type",
                    data.instance_type().map(|t| t.as_str().to_string()).into(),
                );
                settings.set_attr("ssh_key_name", data.key_name().map(str::to_string).into());
                let tokens = data
                    .metadata_options()
                    .and_then(|m| m.http_tokens())
                    .map(|t| t.as_str().to_string());
                settings.set_attr(
                    "metadata_http_tokens",
                    tokens.unwrap_or_else(|| "optional".into()).into(),
                );
                if let Some(ebs) = data.block_device_mappings().first().and_then(|b| b.ebs()) {
                    settings.set_attr("volume_size_gb", ebs.volume_size().map(|s| Value::int(s as i64)).into());
                    settings.set_attr("volume_type", ebs.volume_type().map(|t| t.as_str().to_string()).into());
                }
                if let Some(nic) = data.network_interfaces().first() {
                    settings.set_attr(
                        "public_ip",
                        Value::Bool(nic.associate_public_ip_address().unwrap_or(false)),
                    );
                    if let Some(sg) = nic.groups().first() {
                        settings.set_attr("security_group_id", Value::from(sg.as_str()));
                    }
                }
                let script = data
                    .user_data()
                    .and_then(|u| base64::engine::general_purpose::STANDARD.decode(u).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned());
                if let Some(parsed) = script.as_deref().and_then(ClientSettings::parse) {
                    write_settings(&mut out, state, &parsed);
                    out.set_attr("startup_script", script.into());
                }
            }
        }
    }
    if let Some(sg) = text(&settings, "security_group_id")
        && let Ok(groups) = aws.ec2.describe_security_groups().group_ids(&sg).send().await
        && let Some(vpc) = groups.security_groups().first().and_then(|g| g.vpc_id())
    {
        settings.set_attr("vpc_id", Value::from(vpc));
        let ssh: Vec<Value> = groups.security_groups()[0]
            .ip_permissions()
            .iter()
            .filter(|p| p.from_port() == Some(SSH_RERUN_PORTS.0))
            .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(Value::from))
            .collect();
        let prior_ssh = state.attr("aws").attr("allowed_ssh_cidrs");
        settings.set_attr(
            "allowed_ssh_cidrs",
            if ssh.is_empty() && prior_ssh.is_null() {
                Value::Null
            } else {
                Value::List(ssh)
            },
        );
    }
    if let Ok(role) = aws.iam.get_role().role_name(role_name(&name)).send().await {
        settings.set_attr("iam_role_arn", role.role().map(|r| r.arn().to_string()).into());
    }

    let found = access::discover(&aws.iam, &autoscaler_name(&name)).await?;
    let secret = if found.access_key_id.is_some()
        && found.access_key_id.as_deref() == state.attr("aws").attr("autoscaler_access_key_id").as_str()
    {
        text(state.attr("aws"), "autoscaler_secret_access_key")
    } else {
        None
    };
    if found.kind == access::IRSA && settings.attr("oidc_provider_arn").is_null() {
        // Import: the trust policy names the OIDC provider.
        if let Ok(role) = aws.iam.get_role().role_name(autoscaler_name(&name)).send().await
            && let Some(doc) = role.role().and_then(|r| r.assume_role_policy_document())
            && let Some(oidc) = access::federated_principal(doc)
        {
            settings.set_attr("oidc_provider_arn", Value::from(oidc));
        }
    }
    if settings.attr("namespace").is_null() {
        settings.set_attr("namespace", Value::from(DEFAULT_NAMESPACE));
    }
    out.set_attr("aws", settings);
    set_autoscaler(
        &mut out,
        Access {
            secret_access_key: secret,
            ..found
        },
    );
    Ok(Some(out))
}

pub(super) async fn update(aws: &Aws, prior: &Value, planned: &Value) -> Result<Value, Failure> {
    let name = text(prior, "id").unwrap_or_default();
    let mut state = planned.clone();
    let keep = |d: Diagnostic| Failure::from(d).with_partial_state(prior.clone());
    let tags = group_tags(aws, planned, &name);
    let script = script_for(planned)?;
    state.set_attr("startup_script", Value::from(script.as_str()));

    let mut template_version = number(prior.attr("aws"), "launch_template_version");
    if template_changed(prior, &state) {
        let template_id = text(prior.attr("aws"), "launch_template_id").unwrap_or_default();
        let data = template_data(
            planned,
            &script,
            &text(prior.attr("aws"), "security_group_id").unwrap_or_default(),
            &role_name(&name),
            &tags,
        );
        let out = aws
            .ec2
            .create_launch_template_version()
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
    let desired = number(planned, "desired_size");
    let mut request = aws
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .min_size(number(planned, "min_size").unwrap_or(1) as i32)
        .max_size(number(planned, "max_size").unwrap_or(4) as i32)
        .vpc_zone_identifier(strings(planned.attr("aws"), "subnet_ids").join(","))
        .set_desired_capacity(desired.map(|d| d as i32));
    if let Some(version) = template_version {
        request = request.launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(text(prior.attr("aws"), "launch_template_id").unwrap_or_default())
                .version(version.to_string())
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(|e| keep(error::api(&format!("update autoscaling group {name}"), e)))?;
    set_aws_attr(
        &mut state,
        "launch_template_version",
        template_version.map(Value::int).into(),
    );
    if desired.is_none() {
        let group = describe(aws, &name).await.map_err(keep)?;
        state.set_attr(
            "desired_size",
            group
                .and_then(|g| g.desired_capacity())
                .map(|d| Value::int(d as i64))
                .into(),
        );
    }

    if template_version != number(prior.attr("aws"), "launch_template_version") {
        // Roll the running clients onto the new template, keeping most of them in service.
        let out = aws
            .autoscaling
            .start_instance_refresh()
            .auto_scaling_group_name(&name)
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
                Failure::from(d).with_partial_state({
                    let mut s = state.clone();
                    set_aws_attr(&mut s, "instance_refresh_id", Value::Null);
                    s
                })
            })?;
        set_aws_attr(
            &mut state,
            "instance_refresh_id",
            out.instance_refresh_id().map(str::to_string).into(),
        );
        tracing::info!(name, refresh = out.instance_refresh_id(), "instance refresh started");
    } else {
        set_aws_attr(
            &mut state,
            "instance_refresh_id",
            prior.attr("aws").attr("instance_refresh_id").clone(),
        );
    }

    if prior.attr("tags") != planned.attr("tags") {
        let old = group_tags(aws, prior, &name);
        let removed: Vec<String> = old.keys().filter(|k| !tags.contains_key(*k)).cloned().collect();
        if !removed.is_empty() {
            let gone = removed
                .iter()
                .map(|k| {
                    AsgTag::builder()
                        .key(k)
                        .resource_id(&name)
                        .resource_type("auto-scaling-group")
                        .build()
                })
                .collect();
            aws.autoscaling
                .delete_tags()
                .set_tags(Some(gone))
                .send()
                .await
                .map_err(|e| keep(error::api("remove tags", e)))?;
        }
        aws.autoscaling
            .create_or_update_tags()
            .set_tags(Some(asg_tags(&name, &tags)))
            .send()
            .await
            .map_err(|e| keep(error::api("tag the group", e)))?;
    }

    let old_kind = prior
        .attr("aws")
        .attr("autoscaler_access")
        .as_str()
        .unwrap_or(access::NONE)
        .to_string();
    let new_kind = planned
        .attr("aws")
        .attr("autoscaler_access")
        .as_str()
        .unwrap_or(access::NONE)
        .to_string();
    let group_arn = text(prior.attr("aws"), "autoscaling_group_arn").unwrap_or_default();
    let entity = autoscaler_name(&name);
    if old_kind != new_kind {
        access::delete(&aws.iam, &entity).await.map_err(keep)?;
        let found = access::create(
            &aws.iam,
            &new_kind,
            &entity,
            &autoscaler_policy(&group_arn),
            irsa(planned),
            &tags,
        )
        .await
        .map_err(keep)?;
        set_autoscaler(&mut state, found);
    } else {
        let current = Access::from_block(prior.attr("aws"), &old_kind, "autoscaler_");
        access::update(
            &aws.iam,
            &current,
            &entity,
            &autoscaler_policy(&group_arn),
            irsa(planned),
        )
        .await
        .map_err(keep)?;
        set_autoscaler(&mut state, current);
    }
    Ok(state)
}

pub(super) async fn delete<D: AwsData>(ctx: &Context<D>, aws: &Aws, prior: &Value) -> Result<(), Failure> {
    let name = text(prior, "id").or_else(|| text(prior, "name")).unwrap_or_default();
    // ValidationError: the group is already gone.
    error::unless_gone(
        aws.autoscaling
            .delete_auto_scaling_group()
            .auto_scaling_group_name(&name)
            .force_delete(true)
            .send()
            .await,
        &["ValidationError"],
        &format!("delete autoscaling group {name}"),
    )?;
    ctx.wait_for(
        &format!("autoscaling group {name}'s instances to terminate"),
        Duration::from_secs(10),
        || async { Ok(describe(aws, &name).await?.is_none().then_some(())) },
    )
    .await?;
    if let Some(template) = text(prior.attr("aws"), "launch_template_id") {
        error::unless_gone(
            aws.ec2
                .delete_launch_template()
                .launch_template_id(&template)
                .send()
                .await,
            &["InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed"],
            &format!("delete launch template {template}"),
        )?;
    }
    delete_role(aws, &role_name(&name)).await?;
    if let Some(group) = text(prior.attr("aws"), "security_group_id") {
        delete_security_group(ctx, aws, &group).await?;
    }
    access::delete(&aws.iam, &autoscaler_name(&name)).await?;
    Ok(())
}
