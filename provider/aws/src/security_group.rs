//! Security groups outlive what used them for a while: deleting one waits until AWS lets go.

use std::time::Duration;

use circleci_tfplugin::{Context, Diagnostic};

use crate::{Aws, AwsData, error};

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
                Err(e) if error::has_code(&e, &["InvalidGroup.NotFound"]) => Ok(Some(())),
                Err(e) if error::has_code(&e, &["DependencyViolation"]) => Ok(None),
                Err(e) => Err(error::api(&format!("delete security group {group}"), e)),
            }
        },
    )
    .await
}
