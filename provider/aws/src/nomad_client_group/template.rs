//! The launch template's data: the rendered start-up script as user data, IMDSv2, an encrypted
//! root volume, the security group and instance profile, and tags for instances and volumes.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    InstanceType, LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, LaunchTemplateTagSpecificationRequest,
    RequestLaunchTemplateData, ResourceType, VolumeType,
};
use base64::Engine;
use circleci_core::Cloud;
use circleci_cty::Value;
use circleci_nomad::client::settings_from;
use circleci_tfplugin::Diagnostic;

use super::{ec2_tags, number, text};

pub(super) fn template_data(
    group: &Value,
    script: &str,
    security_group: &str,
    profile: &str,
    tags: &BTreeMap<String, String>,
) -> RequestLaunchTemplateData {
    let settings = group.attr("aws");
    let tokens = match settings.attr("metadata_http_tokens").as_str() {
        Some("optional") => LaunchTemplateHttpTokensState::Optional,
        _ => LaunchTemplateHttpTokensState::Required,
    };
    RequestLaunchTemplateData::builder()
        .image_id(text(settings, "image_id").unwrap_or_default())
        .instance_type(InstanceType::from(
            settings.attr("instance_type").as_str().unwrap_or("t3a.2xlarge"),
        ))
        .set_key_name(text(settings, "ssh_key_name"))
        .user_data(base64::engine::general_purpose::STANDARD.encode(script))
        .iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(profile)
                .build(),
        )
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                .http_tokens(tokens)
                // Job containers sit one hop further: with a limit of 1 they cannot reach IMDS.
                .http_put_response_hop_limit(1)
                .build(),
        )
        .block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name("/dev/sda1")
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .volume_size(number(settings, "volume_size_gb").unwrap_or(100) as i32)
                        .volume_type(VolumeType::from(settings.attr("volume_type").as_str().unwrap_or("gp3")))
                        .encrypted(true)
                        .delete_on_termination(true)
                        .build(),
                )
                .build(),
        )
        .network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .device_index(0)
                .associate_public_ip_address(settings.attr("public_ip").as_bool().unwrap_or(false))
                .groups(security_group)
                .delete_on_termination(true)
                .build(),
        )
        .tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(ResourceType::Instance)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(ResourceType::Volume)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .build()
}

pub(super) fn script_for(group: &Value) -> Result<String, Diagnostic> {
    settings_from(group, Cloud::Aws).map(|s| s.script()).ok_or_else(|| {
        Diagnostic::error(
            "Unknown input",
            "Every Nomad client input must be known to render the start-up script.",
        )
    })
}
