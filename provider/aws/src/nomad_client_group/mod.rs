//! The AWS half of `circleciserver_nomad_client_group`: the Nomad clients that run CircleCI jobs.
//!
//! It creates a security group (egress only, plus SSH-rerun ports from `allowed_ssh_cidrs`),
//! an IAM role and instance profile with no policies, a launch template whose user data is the
//! rendered start-up script (IMDSv2 required, encrypted root volume), and the autoscaling
//! group. Size changes update in place; a change of anything in the template makes a new
//! template version and starts an instance refresh that rolls the group. Optionally it grants
//! nomad-autoscaler what it needs on this group (IRSA or an IAM user key).
//!
//! Import: `terraform import circleciserver_nomad_client_group.NAME ASG_NAME`. Everything, the TLS
//! material and server address included, is read back from the launch template in use.

mod iam;
mod lifecycle;
mod security_group;
mod template;

use std::collections::BTreeMap;

use async_trait::async_trait;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::nomad_client_group::{Spec, template_inputs_changed};
use circleci_core::{Cloud, DEFAULT_NAMESPACE};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Plan, validators};

use crate::access;
use serde::{Deserialize, Serialize};

use crate::{Aws, AwsData};

pub struct NomadClientGroup;

const OWNER_TAG: &str = "circleci-server:nomad-client-group";

/// Settings in the `aws` block whose change needs a new launch template version.
const AWS_TEMPLATE_INPUTS: [&str; 7] = [
    "instance_type",
    "image_id",
    "volume_size_gb",
    "volume_type",
    "ssh_key_name",
    "public_ip",
    "metadata_http_tokens",
];

pub(super) fn aws_block() -> Block {
    Block::new("AWS: an autoscaling group from a launch template, with its security group and IAM role.")
        .attribute(Attribute::required("vpc_id", Type::String, "VPC of the clients.").requires_replace())
        .attribute(Attribute::required(
            "subnet_ids",
            Type::list(Type::String),
            "Subnets of the clients.",
        ))
        .attribute(Attribute::required(
            "image_id",
            Type::String,
            "Ubuntu AMI of the clients (22.04 or newer).",
        ))
        .attribute(
            Attribute::optional("instance_type", Type::String, "Instance type.").default(Value::from("t3a.2xlarge")),
        )
        .attribute(
            Attribute::optional("volume_size_gb", Type::Number, "Root volume size (encrypted).")
                .default(Value::int(100))
                .validate(validators::int_between(8, 16384)),
        )
        .attribute(
            Attribute::optional("volume_type", Type::String, "Root volume type.")
                .default(Value::from("gp3"))
                .validate(validators::one_of(&[
                    "gp3", "gp2", "io1", "io2", "st1", "sc1", "standard",
                ])),
        )
        .attribute(Attribute::optional(
            "ssh_key_name",
            Type::String,
            "EC2 key pair for SSH to the clients.",
        ))
        .attribute(
            Attribute::optional("public_ip", Type::Bool, "Give clients public addresses.").default(Value::Bool(false)),
        )
        .attribute(
            Attribute::optional("metadata_http_tokens", Type::String, "`required` enforces IMDSv2.")
                .default(Value::from("required"))
                .validate(validators::one_of(&["required", "optional"])),
        )
        .attribute(
            Attribute::optional(
                "allowed_ssh_cidrs",
                Type::list(Type::String),
                "Who may use SSH reruns (ports 64535-65535); nobody when left out.",
            )
            .validate(validators::cidr()),
        )
        .attribute(
            Attribute::optional(
                "autoscaler_access",
                Type::String,
                "Grant nomad-autoscaler what it needs on this group: `irsa`, `iam_user` or `none`.",
            )
            .default(Value::from(access::NONE)),
        )
        .attribute(Attribute::optional(
            "oidc_provider_arn",
            Type::String,
            "The EKS cluster's IAM OIDC provider, for `irsa`.",
        ))
        .attribute(
            Attribute::optional("namespace", Type::String, "Namespace of nomad-autoscaler, for `irsa`.")
                .default(Value::from(DEFAULT_NAMESPACE)),
        )
        .attribute(
            Attribute::computed("autoscaling_group_arn", Type::String, "The autoscaling group ARN.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed("launch_template_id", Type::String, "The launch template.").use_state_for_unknown(),
        )
        .attribute(Attribute::computed(
            "launch_template_version",
            Type::Number,
            "The template version the group runs.",
        ))
        .attribute(
            Attribute::computed("security_group_id", Type::String, "The clients' security group.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed("iam_role_arn", Type::String, "The clients' IAM role (no policies).")
                .use_state_for_unknown(),
        )
        .attribute(Attribute::computed(
            "instance_refresh_id",
            Type::String,
            "The instance refresh started by the last template change.",
        ))
        .attribute(Attribute::computed(
            "autoscaler_role_arn",
            Type::String,
            "IRSA role for nomad-autoscaler.",
        ))
        .attribute(Attribute::computed(
            "autoscaler_access_key_id",
            Type::String,
            "nomad-autoscaler's access key id.",
        ))
        .attribute(
            Attribute::computed(
                "autoscaler_secret_access_key",
                Type::String,
                "nomad-autoscaler's secret key.",
            )
            .sensitive(),
        )
}

/// The `aws` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AwsSettings {
    vpc_id: Option<String>,
    subnet_ids: Option<Vec<String>>,
    image_id: Option<String>,
    instance_type: Option<String>,
    volume_size_gb: Option<i64>,
    volume_type: Option<String>,
    ssh_key_name: Option<String>,
    public_ip: Option<bool>,
    metadata_http_tokens: Option<String>,
    allowed_ssh_cidrs: Option<Vec<String>>,
    autoscaler_access: Option<String>,
    oidc_provider_arn: Option<String>,
    namespace: Option<String>,
    autoscaling_group_arn: Option<String>,
    launch_template_id: Option<String>,
    launch_template_version: Option<i64>,
    security_group_id: Option<String>,
    iam_role_arn: Option<String>,
    instance_refresh_id: Option<String>,
    autoscaler_role_arn: Option<String>,
    autoscaler_access_key_id: Option<String>,
    autoscaler_secret_access_key: Option<String>,
}

pub(super) type Model = CloudModel<Spec, AwsSettings>;

pub(super) fn role_name(name: &str) -> String {
    access::entity_name("circleci-nomad", name)
}

pub(super) fn autoscaler_name(name: &str) -> String {
    access::entity_name("circleci-autoscaler", name)
}

pub(super) fn group_tags(aws: &Aws, spec: &Spec) -> BTreeMap<String, String> {
    let mut tags = aws.tags(&circleci_core::tags::tag_value(spec.tags.clone()));
    tags.insert(OWNER_TAG.into(), spec.name.clone());
    tags.entry("Name".into())
        .or_insert_with(|| format!("circleci-nomad-{}", spec.name));
    tags
}

/// True when the change needs a new launch template version (and a rolling update).
pub(super) fn template_changed(prior: &Value, planned: &Value) -> bool {
    template_inputs_changed(prior, planned)
        || AWS_TEMPLATE_INPUTS
            .iter()
            .any(|n| prior.attr("aws").attr(n) != planned.attr("aws").attr(n))
}

#[async_trait]
impl<D: AwsData> TypedCloudHalf<D> for NomadClientGroup {
    type Spec = Spec;
    type Settings = AwsSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn block(&self) -> Block {
        aws_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        if let Some(name) = config.attr("name").as_str()
            && (name.len() < 3
                || name.len() > 128
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./()".contains(&b)))
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid group name",
                format!("{name:?} must be 3 to 128 letters, digits or -_./()."),
            );
        }
        let settings = config.attr("aws");
        if matches!(settings.attr("subnet_ids"), Value::List(l) if l.is_empty()) {
            diags.attribute_error(
                &root.attr("aws").attr("subnet_ids"),
                "No subnets",
                "Give at least one subnet for the clients.",
            );
        }
        if let Some(kind) = settings.attr("autoscaler_access").as_str() {
            access::validate(
                kind,
                &root.attr("aws").attr("autoscaler_access"),
                settings.attr("oidc_provider_arn"),
                &root.attr("aws"),
                diags,
            );
        }
    }

    async fn modify_plan(&self, _ctx: &Context<D>, plan: &mut Plan<'_>) {
        access::keep_outputs(
            plan,
            &AttributePath::root().attr("aws").attr("autoscaler_access"),
            "autoscaler_",
        );
        if plan.prior.is_null() {
            return;
        }
        let changed = template_changed(plan.prior, &plan.planned);
        let prior = plan.prior.attr("aws");
        if let Some(block) = plan.planned.attr_mut("aws") {
            for attr in ["launch_template_version", "instance_refresh_id"] {
                let value = if changed {
                    Value::Unknown
                } else {
                    prior.attr(attr).clone()
                };
                block.set_attr(attr, value);
            }
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        lifecycle::create(ctx, ctx.data()?.aws()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        lifecycle::read(ctx.data()?.aws()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        lifecycle::update(ctx.data()?.aws()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        lifecycle::delete(ctx, ctx.data()?.aws()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "autoscaling group name"
    }

    fn import(&self, id: &str) -> Option<Model> {
        // ARNs and other clouds' paths are not autoscaling group names.
        if id.is_empty() || id.starts_with("arn:") || id.starts_with("projects/") {
            return None;
        }
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        model.spec.name = id.to_string();
        Some(model)
    }
}
