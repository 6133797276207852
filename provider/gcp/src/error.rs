//! Turning google-cloud-rust errors into diagnostics that say what failed and what to do, and
//! "not found" into `None` once.

use circleci_tfplugin::Diagnostic;
use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;

/// True when Google answered that the thing does not exist (404 / NOT_FOUND).
pub fn is_not_found(err: &Error) -> bool {
    err.status().is_some_and(|s| s.code == Code::NotFound) || err.http_status_code() == Some(404)
}

/// True when Google answered that the thing already exists (409 / ALREADY_EXISTS).
pub fn is_already_exists(err: &Error) -> bool {
    err.status().is_some_and(|s| s.code == Code::AlreadyExists) || err.http_status_code() == Some(409)
}

/// The answer of a call whose target may be gone: `Ok(None)` on 404, else the answer or a
/// diagnostic saying what failed while doing `action`.
pub fn unless_gone<T>(result: Result<T, Error>, action: &str) -> Result<Option<T>, Diagnostic> {
    match result {
        Ok(answer) => Ok(Some(answer)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(api(action, e)),
    }
}

/// A diagnostic for a failed GCP call: `action` says what the provider was doing.
pub fn api(action: &str, err: Error) -> Diagnostic {
    let (summary, advice) = match err.status().map(|s| s.code) {
        Some(Code::PermissionDenied) => (
            "permission denied",
            "Grant the credentials' principal the role the call needs, or enable the API in the project.",
        ),
        Some(Code::Unauthenticated) => (
            "not authenticated",
            "Check gcp.credentials or Application Default Credentials (`gcloud auth application-default login`).",
        ),
        Some(Code::ResourceExhausted) => ("quota or rate limit reached", "Raise the quota, or retry later."),
        Some(Code::AlreadyExists) => (
            "it already exists",
            "Import the existing resource, or choose another name.",
        ),
        _ if err.is_timeout() || err.is_exhausted() || err.is_io() => (
            "Google did not answer in time, after retries",
            "Retry the apply; raise gcp.max_attempts for a flaky network.",
        ),
        _ => ("Google refused the request", "Check the values named above."),
    };
    tracing::debug!(action, error = %err, "GCP call failed");
    Diagnostic::error(format!("Failed to {action}: {summary}"), format!("{err}. {advice}"))
}
