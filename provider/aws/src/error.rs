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
