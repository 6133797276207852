//! Turning SDK errors into diagnostics that say what failed and what to do.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use circleci_tfplugin::Diagnostic;

/// The AWS error code of a failed call (e.g. `NoSuchBucket`), when the service sent one.
pub fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// True when the call failed with one of `codes` (e.g. the thing does not exist).
pub fn has_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    code(err).is_some_and(|c| codes.contains(&c))
}

/// The result of a call whose target may already be gone: `Ok(None)` when AWS answered with one
/// of the `gone` codes (e.g. `NoSuchEntity` from a delete), the answer, or a diagnostic saying
/// what failed while doing `action`.
pub fn unless_gone<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    gone: &[&str],
    action: &str,
) -> Result<Option<T>, Diagnostic>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(answer) => Ok(Some(answer)),
        Err(e) if has_code(&e, gone) => Ok(None),
        Err(e) => Err(api(action, e)),
    }
}

/// " (request id ID)" for a failed answer, from its error body's id or else its headers, to
/// quote to AWS support or find in CloudTrail; empty when it carries none.
fn request_id_note(from_body: Option<&str>, raw: &HttpResponse) -> String {
    from_body
        .or_else(|| raw.headers().get("x-amzn-requestid"))
        .or_else(|| raw.headers().get("x-amz-request-id"))
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// A diagnostic for a failed AWS call: `action` says what the provider was doing.
pub fn api<E>(action: &str, err: SdkError<E, HttpResponse>) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = match &err {
        // An answer with no error code (a bodiless 500, or a body that is not AWS's error
        // format): say what came back instead of "Unknown: .".
        SdkError::ServiceError(e) if e.err().code().is_none() => {
            let status = e.raw().status().as_u16();
            let id = request_id_note(e.err().meta().extra("aws_request_id"), e.raw());
            let message = e
                .err()
                .message()
                .filter(|m| !m.is_empty())
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            format!(
                "AWS answered HTTP {status}{id} with no error code{message}, after the retries of aws.max_attempts. \
                 Nothing says why: try again, and if it persists, check the AWS service health page (or the emulator \
                 at aws.endpoint_url); TF_LOG=debug shows the requests."
            )
        }
        // An answer the SDK could not read at all.
        SdkError::ResponseError(e) => {
            let status = e.raw().status().as_u16();
            let id = request_id_note(None, e.raw());
            format!(
                "AWS answered HTTP {status}{id} with a body that is not AWS's format, after the retries of \
                 aws.max_attempts. If aws.endpoint_url names a proxy or emulator, check it; TF_LOG=debug shows the \
                 requests."
            )
        }
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("Unknown");
            let message = e.err().message().unwrap_or("");
            let hint = match code {
                "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
                    " The credentials in use lack this permission: grant it, or use other credentials."
                }
                "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "SlowDown" => {
                    " AWS kept throttling after every retry: raise the provider's aws.max_attempts or try again later."
                }
                _ => "",
            };
            format!("{code}: {message}.{hint}")
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => format!(
            "{}. Check the network path to AWS (or the aws.endpoint_url setting).",
            aws_smithy_types::error::display::DisplayErrorContext(&err)
        ),
        _ => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
    };
    tracing::debug!(action, detail, "AWS call failed");
    Diagnostic::error(format!("AWS: failed to {action}"), detail)
}

/// AWS error codes the provider acts on, named once: a typo in one would silently turn a
/// "gone" or "already exists" answer into a failure.
pub mod codes {
    // IAM.
    pub const ENTITY_ALREADY_EXISTS: &str = "EntityAlreadyExists";
    pub const NO_SUCH_ENTITY: &str = "NoSuchEntity";
    pub const LIMIT_EXCEEDED: &str = "LimitExceeded";
    // EC2.
    pub const INVALID_GROUP_NOT_FOUND: &str = "InvalidGroup.NotFound";
    pub const INVALID_GROUP_DUPLICATE: &str = "InvalidGroup.Duplicate";
    pub const INVALID_GROUP_ID_MALFORMED: &str = "InvalidGroupId.Malformed";
    pub const DEPENDENCY_VIOLATION: &str = "DependencyViolation";
    pub const INVALID_PERMISSION_DUPLICATE: &str = "InvalidPermission.Duplicate";
    pub const INVALID_PERMISSION_NOT_FOUND: &str = "InvalidPermission.NotFound";
    pub const INVALID_LAUNCH_TEMPLATE_NAME_ALREADY_EXISTS_EXCEPTION: &str =
        "InvalidLaunchTemplateName.AlreadyExistsException";
    pub const INVALID_LAUNCH_TEMPLATE_ID_NOT_FOUND: &str = "InvalidLaunchTemplateId.NotFound";
    pub const INVALID_LAUNCH_TEMPLATE_ID_MALFORMED: &str = "InvalidLaunchTemplateId.Malformed";
    pub const INVALID_AMI_ID_NOT_FOUND: &str = "InvalidAMIID.NotFound";
    pub const INVALID_AMI_ID_UNAVAILABLE: &str = "InvalidAMIID.Unavailable";
    pub const INVALID_AMI_NAME_DUPLICATE: &str = "InvalidAMIName.Duplicate";
    pub const INVALID_SNAPSHOT_NOT_FOUND: &str = "InvalidSnapshot.NotFound";
    // Auto Scaling.
    pub const ALREADY_EXISTS: &str = "AlreadyExists";
    pub const RESOURCE_IN_USE: &str = "ResourceInUse";
    // Elastic Load Balancing v2.
    pub const LOAD_BALANCER_NOT_FOUND: &str = "LoadBalancerNotFound";
    pub const TARGET_GROUP_NOT_FOUND: &str = "TargetGroupNotFound";
    pub const DUPLICATE_LOAD_BALANCER_NAME: &str = "DuplicateLoadBalancerName";
    pub const DUPLICATE_TARGET_GROUP_NAME: &str = "DuplicateTargetGroupName";
    pub const DUPLICATE_LISTENER: &str = "DuplicateListener";
    // S3.
    pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
    pub const NOT_FOUND: &str = "NotFound";
    pub const BUCKET_ALREADY_EXISTS: &str = "BucketAlreadyExists";
    pub const BUCKET_ALREADY_OWNED_BY_YOU: &str = "BucketAlreadyOwnedByYou";
    pub const BUCKET_NOT_EMPTY: &str = "BucketNotEmpty";
    pub const NO_SUCH_TAG_SET: &str = "NoSuchTagSet";
    pub const NO_SUCH_TAG_SET_ERROR: &str = "NoSuchTagSetError";
    pub const NO_SUCH_LIFECYCLE_CONFIGURATION: &str = "NoSuchLifecycleConfiguration";
    pub const SERVER_SIDE_ENCRYPTION_CONFIGURATION_NOT_FOUND_ERROR: &str =
        "ServerSideEncryptionConfigurationNotFoundError";
    // Query APIs (Auto Scaling, ELBv2, IAM).
    pub const VALIDATION_ERROR: &str = "ValidationError";
}
