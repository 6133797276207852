//! Security groups outlive what used them for a while: deleting one waits until AWS lets go.

use std::time::Duration;

use circleci_tfplugin::{Context, Diagnostic};

use aws_sdk_ec2::types::{Filter, ResourceType, TagSpecification};

use crate::error::codes;
use crate::tags::{ec2_owned, ec2_tags};
use crate::{Aws, AwsData, adopt, error};

/// Creates security group `name` in `vpc` (the default VPC when `None`) with `tags`, or adopts
/// the group of that name an earlier attempt made (it has the owner tag); a group someone else
/// made is refused. Returns the group's ID.
pub(crate) async fn create_or_adopt(
    aws: &Aws,
    name: &str,
    description: &str,
    vpc: Option<&str>,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<String, Diagnostic> {
    let created = aws
        .ec2
        .create_security_group()
        .group_name(name)
        .description(description)
        .set_vpc_id(vpc.map(str::to_string))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .send()
        .await;
    match created {
        Ok(out) => Ok(out.group_id().unwrap_or_default().to_string()),
        Err(e) if error::has_code(&e, &[codes::INVALID_GROUP_DUPLICATE]) => {
            let mut lookup = aws
                .ec2
                .describe_security_groups()
                .filters(Filter::builder().name("group-name").values(name).build());
            if let Some(vpc) = vpc {
                lookup = lookup.filters(Filter::builder().name("vpc-id").values(vpc).build());
            }
            let found = lookup
                .send()
                .await
                .map_err(|e| error::api(&format!("look up security group {name}"), e))?;
            let group = found.security_groups().first();
            let owned = group.is_some_and(|g| ec2_owned(g.tags()));
            let id = group.and_then(|g| g.group_id()).unwrap_or_default().to_string();
            adopt::adopt("security group", name, owned, id)
        }
        Err(e) => Err(error::api(&format!("create security group {name}"), e)),
    }
}

/// Deletes security group `group` once nothing holds it (`holders` says what might, e.g. "the
/// network interfaces of terminated instances"); already gone is fine. Waits through
/// [`Context::wait_for`], so `timeouts.delete` and Ctrl-C end the wait.
pub(crate) async fn delete_when_released<D: AwsData>(
    ctx: &Context<D>,
    aws: &Aws,
    group: &str,
    holders: &str,
) -> Result<(), Diagnostic> {
    ctx.wait_for(
        &format!("security group {group} to be released by {holders}"),
        Duration::from_secs(10),
        || async {
            match aws.ec2.delete_security_group().group_id(group).send().await {
                Ok(_) => Ok(Some(())),
                Err(e) if error::has_code(&e, &[codes::INVALID_GROUP_NOT_FOUND]) => Ok(Some(())),
                Err(e) if error::has_code(&e, &[codes::DEPENDENCY_VIOLATION]) => Ok(None),
                Err(e) => Err(error::api(&format!("delete security group {group}"), e)),
            }
        },
    )
    .await
}
