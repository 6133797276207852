//! Per-call retries. The SDK retries throttling, 5xx, timeouts and dropped connections with
//! jittered exponential backoff, up to the provider's `max_attempts` (25 by default, as
//! hashicorp/aws). Two things are ours: the client-wide retry quota is lifted (a bad minute
//! would otherwise drain it and make every later call fail at once; each call stays bounded by
//! its attempts and the resource's timeouts), and every failed attempt is logged with its
//! attempt number and error, so `TF_LOG=info` shows what was ridden out.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;

/// Attempts per call when the provider's `max_attempts` is not set.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 25;

/// The retry partition every client of one provider instance shares, without a retry quota.
pub fn partition() -> aws_sdk_s3::config::retry::RetryPartition {
    aws_sdk_s3::config::retry::RetryPartition::custom("terraform-provider-circleciserver")
        .token_bucket(aws_sdk_s3::config::retry::TokenBucket::unlimited())
        .build()
}

/// Logs each failed attempt of an AWS call (the SDK decides whether it is retried).
#[derive(Debug)]
pub struct LogFailedAttempts;

impl Intercept for LogFailedAttempts {
    fn name(&self) -> &'static str {
        "LogFailedAttempts"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Err(error)) = context.output_or_error() else {
            return Ok(());
        };
        let attempt = cfg.load::<RequestAttempts>().map(|a| a.attempts()).unwrap_or(1);
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_default();
        let status = context.response().map(|r| r.status().as_u16());
        // Errors carry AWS's code and message, never the request's credentials or body.
        tracing::info!(
            service,
            operation,
            attempt,
            status,
            error = %DisplayErrorContext(error),
            "AWS call attempt failed; transient errors are retried with jittered backoff"
        );
        Ok(())
    }
}
