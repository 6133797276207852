//! Turning SDK errors into diagnostics that say what failed and what to do.

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
pub fn unless_gone<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    gone: &[&str],
    action: &str,
) -> Result<Option<T>, Diagnostic>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(answer) => Ok(Some(answer)),
        Err(e) if has_code(&e, gone) => Ok(None),
        Err(e) => Err(api(action, e)),
    }
}

/// A diagnostic for a failed AWS call: `action` says what the provider was doing.
pub fn api<E, R>(action: &str, err: SdkError<E, R>) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let detail = match &err {
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
