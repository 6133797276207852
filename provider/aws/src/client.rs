//! The provider's `aws` block, the SDK configuration it makes, and the service clients.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use circleci_cty::{Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock};
use circleci_tfplugin::{Diagnostic, Diagnostics, validators};

/// What the provider's data must offer for the AWS resources to work.
pub trait AwsData: Send + Sync + 'static {
    /// The configured AWS clients, or a diagnostic saying how to configure them.
    fn aws(&self) -> Result<&Aws, Diagnostic>;
}

/// The provider's `aws { ... }` block.
pub fn provider_block() -> NestedBlock {
    NestedBlock::single(
        "aws",
        Block::new(
            "AWS settings. Credentials come from the standard chain: environment, shared profiles, SSO, \
             web identity (IRSA) and instance metadata.",
        )
        .attribute(
            Attribute::optional("region", Type::String, "AWS region, e.g. `us-east-1`.")
                .env(&["AWS_REGION", "AWS_DEFAULT_REGION"]),
        )
        .attribute(Attribute::optional("profile", Type::String, "Shared-config profile to use.").env(&["AWS_PROFILE"]))
        .attribute(
            Attribute::optional(
                "endpoint_url",
                Type::String,
                "One endpoint for every AWS service: an emulator such as moto or LocalStack, or a private endpoint.",
            )
            .env(&["AWS_ENDPOINT_URL"]),
        )
        .attribute(Attribute::optional(
            "default_tags",
            Type::map(Type::String),
            "Tags added to every resource this provider creates; a resource's own tags win.",
        ))
        .attribute(
            Attribute::optional(
                "max_attempts",
                Type::Number,
                "Attempts per API call, with jittered exponential backoff (up to 20 s) on throttling, 5xx, timeouts and dropped connections. 25, as hashicorp/aws, rides out a bad minute.",
            )
            .default(Value::int(crate::retry::DEFAULT_MAX_ATTEMPTS as i64))
            .validate(validators::int_between(1, 100)),
        )
        .attribute(
            Attribute::optional(
                "retry_mode",
                Type::String,
                "`standard`, or `adaptive` to also rate-limit the client on throttling.",
            )
            .default(Value::from("standard"))
            .validate(validators::one_of(&["standard", "adaptive"])),
        )
        .block(NestedBlock::single(
            "assume_role",
            Block::new("Assume this role for every call.")
                .attribute(Attribute::required(
                    "role_arn",
                    Type::String,
                    "ARN of the role to assume.",
                ))
                .attribute(Attribute::optional(
                    "session_name",
                    Type::String,
                    "Session name; defaults to `terraform-provider-circleciserver`.",
                ))
                .attribute(Attribute::optional(
                    "external_id",
                    Type::String,
                    "External ID the role's trust policy requires.",
                )),
        )),
    )
}

/// AWS clients for every service the resources use.
pub struct Aws {
    pub region: String,
    pub endpoint_url: Option<String>,
    pub default_tags: BTreeMap<String, String>,
    pub s3: aws_sdk_s3::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub iam: aws_sdk_iam::Client,
}

impl Aws {
    /// Builds the SDK configuration from the provider's `aws` block (environment fallbacks
    /// already applied). Makes no API call: credentials are resolved on first use.
    pub async fn from_block(block: &Value) -> Result<Aws, Diagnostics> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = block.attr("region").as_str() {
            loader = loader.region(aws_config::Region::new(region.to_string()));
        }
        if let Some(profile) = block.attr("profile").as_str() {
            loader = loader.profile_name(profile);
        }
        let endpoint_url = block.attr("endpoint_url").as_str().map(str::to_string);
        if let Some(url) = &endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let attempts = block
            .attr("max_attempts")
            .as_i64()
            .map_or(crate::retry::DEFAULT_MAX_ATTEMPTS, |n| n as u32);
        let retry = match block.attr("retry_mode").as_str() {
            Some("adaptive") => RetryConfig::adaptive(),
            _ => RetryConfig::standard(),
        }
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20));
        loader = loader.retry_config(retry);
        let mut sdk = loader.load().await;

        let assume = block.attr("assume_role");
        if let Some(role_arn) = assume.attr("role_arn").as_str() {
            let mut provider = aws_config::sts::AssumeRoleProvider::builder(role_arn).session_name(
                assume
                    .attr("session_name")
                    .as_str()
                    .unwrap_or("terraform-provider-circleciserver"),
            );
            if let Some(id) = assume.attr("external_id").as_str() {
                provider = provider.external_id(id);
            }
            let provider = provider.configure(&sdk).build().await;
            sdk = sdk
                .into_builder()
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
                .build();
        }

        let Some(region) = sdk.region().map(|r| r.to_string()) else {
            return Err(Diagnostic::error(
                "AWS region not set",
                "Set region in the provider's aws block, or AWS_REGION in the environment.",
            )
            .at(&circleci_cty::AttributePath::root().attr("aws").attr("region"))
            .into());
        };
        // The owner tag rides with the default tags: on every object, never in a `tags` read.
        let mut default_tags = BTreeMap::new();
        if let Value::Map(m) = block.attr("default_tags") {
            default_tags.extend(m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))));
        }
        default_tags.extend(crate::adopt::owner_tag());
        // Every client shares one retry partition and logs its failed attempts.
        let partition = crate::retry::partition();
        // Emulators answer on one host: S3 must use path-style addressing there.
        let s3_config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(endpoint_url.is_some())
            .retry_partition(partition.clone())
            .interceptor(crate::retry::LogFailedAttempts)
            .build();
        let ec2_config = aws_sdk_ec2::config::Builder::from(&sdk)
            .retry_partition(partition.clone())
            .interceptor(crate::retry::LogFailedAttempts)
            .build();
        let autoscaling_config = aws_sdk_autoscaling::config::Builder::from(&sdk)
            .retry_partition(partition.clone())
            .interceptor(crate::retry::LogFailedAttempts)
            .build();
        let elbv2_config = aws_sdk_elasticloadbalancingv2::config::Builder::from(&sdk)
            .retry_partition(partition.clone())
            .interceptor(crate::retry::LogFailedAttempts)
            .build();
        let iam_config = aws_sdk_iam::config::Builder::from(&sdk)
            .retry_partition(partition)
            .interceptor(crate::retry::LogFailedAttempts)
            .build();
        tracing::debug!(
            region,
            endpoint_url = endpoint_url.as_deref().unwrap_or("default"),
            attempts,
            "AWS configured"
        );
        Ok(Aws {
            region,
            default_tags,
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            ec2: aws_sdk_ec2::Client::from_conf(ec2_config),
            autoscaling: aws_sdk_autoscaling::Client::from_conf(autoscaling_config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(elbv2_config),
            iam: aws_sdk_iam::Client::from_conf(iam_config),
            endpoint_url,
        })
    }

    /// `default_tags` overlaid with a resource's own `tags`, and the owner tag, which nothing
    /// overrides.
    pub fn tags(&self, own: &Value) -> BTreeMap<String, String> {
        let mut tags = self.default_tags.clone();
        if let Value::Map(m) = own {
            for (k, v) in m {
                if let Some(v) = v.as_str() {
                    tags.insert(k.clone(), v.to_string());
                }
            }
        }
        tags.extend(crate::adopt::owner_tag());
        tags
    }

    /// The AWS partition's ARN prefix for this region.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }
}
