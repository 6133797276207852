//! The sweeper: deletes what acceptance tests left in a real AWS account (a run cut off, a test
//! that failed before its destroy). It touches only objects that carry this provider's owner tag
//! and whose name starts with the given prefix, and, where AWS records a creation time, only
//! those older than the given age. Security groups and target groups have no creation time, so
//! they are swept only with `--older-than 0` (when no test is running); one still in use is
//! reported and left for the next sweep.
//! As terraform-provider-aws's sweepers, it is run by hand or on a schedule in a sandbox account:
//! `cargo run -p acceptance-tests --bin sweep -- --prefix tfacc- --older-than 2h`.

use std::time::{Duration, SystemTime};

use circleci_aws::Aws;
use circleci_aws::adopt::{OWNER_TAG_KEY, OWNER_TAG_VALUE};
use circleci_aws::sdk::ec2;

/// What the sweeper did with one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Swept {
    pub kind: &'static str,
    pub name: String,
    /// `None`: deleted (or would be, in a dry run); `Some(why)`: left.
    pub left_because: Option<String>,
}

/// Which objects to sweep.
pub struct Filter {
    pub prefix: String,
    pub older_than: Duration,
    pub dry_run: bool,
}

impl Filter {
    fn old_enough(&self, created_epoch_secs: Option<i64>) -> bool {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs() as i64;
        created_epoch_secs.is_none_or(|t| now - t >= self.older_than.as_secs() as i64)
    }
}

fn owned<'a>(mut tags: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> bool {
    tags.any(|(k, v)| k == Some(OWNER_TAG_KEY) && v == Some(OWNER_TAG_VALUE))
}

/// One object to sweep.
enum Object {
    AutoscalingGroup,
    LoadBalancer(String),
    TargetGroup(String),
    LaunchTemplate,
    Role,
    User,
    Image(Box<ec2::types::Image>),
    SecurityGroup(String),
    Bucket,
}

impl Object {
    fn kind(&self) -> &'static str {
        match self {
            Object::AutoscalingGroup => "autoscaling group",
            Object::LoadBalancer(_) => "load balancer",
            Object::TargetGroup(_) => "target group",
            Object::LaunchTemplate => "launch template",
            Object::Role => "IAM role",
            Object::User => "IAM user",
            Object::Image(_) => "image",
            Object::SecurityGroup(_) => "security group",
            Object::Bucket => "bucket",
        }
    }
}

fn text(e: impl std::error::Error) -> String {
    aws_smithy_types::error::display::DisplayErrorContext(e).to_string()
}

fn owned_by_tag_filter() -> ec2::types::Filter {
    ec2::types::Filter::builder()
        .name(format!("tag:{OWNER_TAG_KEY}"))
        .values(OWNER_TAG_VALUE)
        .build()
}

/// Sweeps every kind the provider makes, dependents first; returns what it found and what
/// became of each. A listing that fails (e.g. AccessDenied) is an error: a sweep must not
/// silently skip a kind.
pub async fn sweep(aws: &Aws, filter: &Filter) -> Result<Vec<Swept>, String> {
    let mut swept = Vec::new();
    for (name, target) in find(aws, filter).await? {
        let left_because = if filter.dry_run {
            None
        } else {
            delete(aws, &name, &target).await.err()
        };
        swept.push(Swept {
            kind: target.kind(),
            name,
            left_because,
        });
    }
    Ok(swept)
}

/// What to sweep, by name, in deletion order.
async fn find(aws: &Aws, filter: &Filter) -> Result<Vec<(String, Object)>, String> {
    let candidate = |name: &str| name.starts_with(&filter.prefix);
    let mut found = Vec::new();

    let out = aws
        .autoscaling
        .describe_auto_scaling_groups()
        .send()
        .await
        .map_err(text)?;
    for group in out.auto_scaling_groups() {
        let name = group.auto_scaling_group_name().unwrap_or_default();
        let tags = group.tags().iter().map(|t| (t.key(), t.value()));
        if candidate(name) && owned(tags) && filter.old_enough(group.created_time().map(|t| t.secs())) {
            found.push((name.to_string(), Object::AutoscalingGroup));
        }
    }
    let out = aws.elbv2.describe_load_balancers().send().await.map_err(text)?;
    for lb in out.load_balancers() {
        let (name, arn) = (
            lb.load_balancer_name().unwrap_or_default(),
            lb.load_balancer_arn().unwrap_or_default(),
        );
        if candidate(name) && elb_owned(aws, arn).await? && filter.old_enough(lb.created_time().map(|t| t.secs())) {
            found.push((name.to_string(), Object::LoadBalancer(arn.to_string())));
        }
    }
    // No creation time: only when no test can be running (older_than 0).
    if filter.older_than.is_zero() {
        let out = aws.elbv2.describe_target_groups().send().await.map_err(text)?;
        for tg in out.target_groups() {
            let (name, arn) = (
                tg.target_group_name().unwrap_or_default(),
                tg.target_group_arn().unwrap_or_default(),
            );
            if candidate(name) && elb_owned(aws, arn).await? {
                found.push((name.to_string(), Object::TargetGroup(arn.to_string())));
            }
        }
    }
    let out = aws.ec2.describe_launch_templates().send().await.map_err(text)?;
    for lt in out.launch_templates() {
        let name = lt.launch_template_name().unwrap_or_default();
        let tags = lt.tags().iter().map(|t| (t.key(), t.value()));
        if candidate(name) && owned(tags) && filter.old_enough(lt.create_time().map(|t| t.secs())) {
            found.push((name.to_string(), Object::LaunchTemplate));
        }
    }
    let out = aws.iam.list_roles().send().await.map_err(text)?;
    for role in out.roles().iter().filter(|r| candidate(r.role_name())) {
        let name = role.role_name();
        let full = aws.iam.get_role().role_name(name).send().await.map_err(text)?;
        let tags = full.role().map(|r| r.tags().to_vec()).unwrap_or_default();
        if owned(tags.iter().map(|t| (Some(t.key()), Some(t.value()))))
            && filter.old_enough(Some(role.create_date().secs()))
        {
            found.push((name.to_string(), Object::Role));
        }
    }
    let out = aws.iam.list_users().send().await.map_err(text)?;
    for user in out.users().iter().filter(|u| candidate(u.user_name())) {
        let name = user.user_name();
        let full = aws.iam.get_user().user_name(name).send().await.map_err(text)?;
        let tags = full.user().map(|u| u.tags().to_vec()).unwrap_or_default();
        if owned(tags.iter().map(|t| (Some(t.key()), Some(t.value()))))
            && filter.old_enough(Some(user.create_date().secs()))
        {
            found.push((name.to_string(), Object::User));
        }
    }
    let out = aws
        .ec2
        .describe_images()
        .owners("self")
        .filters(owned_by_tag_filter())
        .send()
        .await
        .map_err(text)?;
    for image in out.images() {
        let name = image.name().unwrap_or_default();
        let created = image
            .creation_date()
            .and_then(|d| aws_smithy_types::DateTime::from_str(d, aws_smithy_types::date_time::Format::DateTime).ok())
            .map(|t| t.secs());
        if candidate(name) && filter.old_enough(created) {
            found.push((name.to_string(), Object::Image(Box::new(image.clone()))));
        }
    }
    if filter.older_than.is_zero() {
        let out = aws
            .ec2
            .describe_security_groups()
            .filters(owned_by_tag_filter())
            .send()
            .await
            .map_err(text)?;
        for group in out.security_groups() {
            let name = group.group_name().unwrap_or_default();
            if candidate(name) {
                let id = group.group_id().unwrap_or_default().to_string();
                found.push((name.to_string(), Object::SecurityGroup(id)));
            }
        }
    }
    let out = aws.s3.list_buckets().send().await.map_err(text)?;
    for bucket in out.buckets() {
        let name = bucket.name().unwrap_or_default();
        if !candidate(name) || !filter.old_enough(bucket.creation_date().map(|t| t.secs())) {
            continue;
        }
        // An untagged bucket answers NoSuchTagSet: not ours.
        if let Ok(tags) = aws.s3.get_bucket_tagging().bucket(name).send().await
            && owned(tags.tag_set().iter().map(|t| (Some(t.key()), Some(t.value()))))
        {
            found.push((name.to_string(), Object::Bucket));
        }
    }
    Ok(found)
}

/// Deletes one object and what only it holds (policies, keys, snapshots, objects).
async fn delete(aws: &Aws, name: &str, target: &Object) -> Result<(), String> {
    match target {
        Object::AutoscalingGroup => aws
            .autoscaling
            .delete_auto_scaling_group()
            .auto_scaling_group_name(name)
            .force_delete(true)
            .send()
            .await
            .map(drop)
            .map_err(text),
        // Listeners go with their load balancer.
        Object::LoadBalancer(arn) => aws
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(text),
        Object::TargetGroup(arn) => aws
            .elbv2
            .delete_target_group()
            .target_group_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(text),
        Object::LaunchTemplate => aws
            .ec2
            .delete_launch_template()
            .launch_template_name(name)
            .send()
            .await
            .map(drop)
            .map_err(text),
        Object::Role => delete_role(aws, name).await,
        Object::User => delete_user(aws, name).await,
        Object::Image(image) => delete_image(aws, image).await,
        Object::SecurityGroup(id) => aws
            .ec2
            .delete_security_group()
            .group_id(id)
            .send()
            .await
            .map(drop)
            .map_err(text),
        Object::Bucket => delete_bucket(aws, name).await,
    }
}

async fn elb_owned(aws: &Aws, arn: &str) -> Result<bool, String> {
    let out = aws
        .elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(text)?;
    Ok(owned(
        out.tag_descriptions()
            .iter()
            .flat_map(|d| d.tags())
            .map(|t| (t.key(), t.value())),
    ))
}

async fn delete_role(aws: &Aws, name: &str) -> Result<(), String> {
    let iam = &aws.iam;
    let profiles = iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .send()
        .await
        .map_err(text)?;
    for profile in profiles.instance_profiles() {
        let profile = profile.instance_profile_name();
        iam.remove_role_from_instance_profile()
            .instance_profile_name(profile)
            .role_name(name)
            .send()
            .await
            .map_err(text)?;
        iam.delete_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await
            .map_err(text)?;
    }
    let inline = iam.list_role_policies().role_name(name).send().await.map_err(text)?;
    for policy in inline.policy_names() {
        iam.delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(text)?;
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(text)?;
    for policy in attached.attached_policies().iter().filter_map(|p| p.policy_arn()) {
        iam.detach_role_policy()
            .role_name(name)
            .policy_arn(policy)
            .send()
            .await
            .map_err(text)?;
    }
    iam.delete_role().role_name(name).send().await.map_err(text)?;
    Ok(())
}

async fn delete_user(aws: &Aws, name: &str) -> Result<(), String> {
    let iam = &aws.iam;
    let keys = iam.list_access_keys().user_name(name).send().await.map_err(text)?;
    for key in keys.access_key_metadata().iter().filter_map(|k| k.access_key_id()) {
        iam.delete_access_key()
            .user_name(name)
            .access_key_id(key)
            .send()
            .await
            .map_err(text)?;
    }
    let inline = iam.list_user_policies().user_name(name).send().await.map_err(text)?;
    for policy in inline.policy_names() {
        iam.delete_user_policy()
            .user_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(text)?;
    }
    iam.delete_user().user_name(name).send().await.map_err(text)?;
    Ok(())
}

async fn delete_image(aws: &Aws, image: &ec2::types::Image) -> Result<(), String> {
    let id = image.image_id().unwrap_or_default();
    aws.ec2.deregister_image().image_id(id).send().await.map_err(text)?;
    for snapshot in image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs()?.snapshot_id())
    {
        aws.ec2
            .delete_snapshot()
            .snapshot_id(snapshot)
            .send()
            .await
            .map_err(text)?;
    }
    Ok(())
}

async fn delete_bucket(aws: &Aws, name: &str) -> Result<(), String> {
    loop {
        let page = aws.s3.list_object_versions().bucket(name).send().await.map_err(text)?;
        let objects: Vec<_> = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(page.delete_markers().iter().map(|m| (m.key(), m.version_id())))
            .filter_map(|(key, version)| {
                circleci_aws::sdk::s3::types::ObjectIdentifier::builder()
                    .set_key(key.map(str::to_string))
                    .set_version_id(version.map(str::to_string))
                    .build()
                    .ok()
            })
            .collect();
        if objects.is_empty() {
            break;
        }
        let delete = circleci_aws::sdk::s3::types::Delete::builder()
            .set_objects(Some(objects))
            .build()
            .map_err(text)?;
        aws.s3
            .delete_objects()
            .bucket(name)
            .delete(delete)
            .send()
            .await
            .map_err(text)?;
    }
    aws.s3.delete_bucket().bucket(name).send().await.map_err(text)?;
    Ok(())
}
