//! The clients' security group: egress only, plus the SSH-rerun ports for `allowed_ssh_cidrs`.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange};

use circleci_tfplugin::Diagnostic;

use super::{Model, OWNER_TAG};
use crate::{Aws, error};

pub(super) const SSH_RERUN_PORTS: (i32, i32) = (64535, 65535);

/// Finds our security group by name in the VPC (left over from an earlier, interrupted run).
async fn find_security_group(aws: &Aws, name: &str, vpc: &str) -> Result<Option<String>, Diagnostic> {
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(name).build())
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(Filter::builder().name(format!("tag:{OWNER_TAG}")).values(name).build())
        .send()
        .await
        .map_err(|e| error::api(&format!("look up security group {name}"), e))?;
    Ok(out
        .security_groups()
        .first()
        .and_then(|g| g.group_id())
        .map(str::to_string))
}

pub(super) async fn create_security_group(
    aws: &Aws,
    model: &Model,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostic> {
    let vpc = model.settings.vpc_id.clone().unwrap_or_default();
    if let Some(existing) = find_security_group(aws, name, &vpc).await? {
        tracing::info!(name, existing, "adopting the security group an earlier run made");
        return Ok(existing);
    }
    let id =
        crate::security_group::create_or_adopt(aws, name, "Nomad clients of CircleCI Server", Some(&vpc), tags).await?;
    let ssh = model.settings.allowed_ssh_cidrs.clone().unwrap_or_default();
    if !ssh.is_empty() {
        let ranges = ssh
            .iter()
            .map(|c| IpRange::builder().cidr_ip(c).description("CircleCI SSH reruns").build())
            .collect();
        aws.ec2
            .authorize_security_group_ingress()
            .group_id(&id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(SSH_RERUN_PORTS.0)
                    .to_port(SSH_RERUN_PORTS.1)
                    .set_ip_ranges(Some(ranges))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| error::api(&format!("allow SSH reruns into {id}"), e))?;
    }
    Ok(id)
}
