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
use circleci_tfplugin::Diagnostic;

use super::Model;
use crate::tags::ec2_tags;

pub(super) fn template_data(
    model: &Model,
    script: &str,
    security_group: &str,
    profile: &str,
    tags: &BTreeMap<String, String>,
) -> RequestLaunchTemplateData {
    let settings = &model.settings;
    let tokens = match settings.metadata_http_tokens.as_deref() {
        Some("optional") => LaunchTemplateHttpTokensState::Optional,
        _ => LaunchTemplateHttpTokensState::Required,
    };
    RequestLaunchTemplateData::builder()
        .set_image_id(settings.image_id.clone())
        .instance_type(InstanceType::from(
            settings.instance_type.as_deref().unwrap_or("t3a.2xlarge"),
        ))
        .set_key_name(settings.ssh_key_name.clone())
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
                        .volume_size(settings.volume_size_gb.unwrap_or(100) as i32)
                        .volume_type(VolumeType::from(settings.volume_type.as_deref().unwrap_or("gp3")))
                        .encrypted(true)
                        .delete_on_termination(true)
                        .build(),
                )
                .build(),
        )
        .network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .device_index(0)
                .associate_public_ip_address(settings.public_ip.unwrap_or(false))
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

/// The start-up script the plan rendered (every input is known at apply).
pub(super) fn script_of(model: &Model) -> Result<String, Diagnostic> {
    model.spec.startup_script.clone().ok_or_else(|| {
        Diagnostic::error(
            "Unknown input",
            "Every Nomad client input must be known to render the start-up script.",
        )
    })
}
