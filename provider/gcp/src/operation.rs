//! Waiting for Compute Engine's long-running operations: google-cloud-lro polls them with
//! backoff; this ends the wait at the operation's timeout or when Terraform asks to stop, and
//! turns an operation's error into a diagnostic.

use circleci_tfplugin::{Context, Diagnostic};
use google_cloud_compute_v1::model::Operation;
use google_cloud_lro::Poller;
use google_cloud_lro::internal::DiscoveryOperation;

use crate::error;

/// Runs `poller` (which starts the call, then polls its operation) until the operation is done.
pub async fn wait<D>(
    ctx: &Context<D>,
    what: &str,
    poller: impl Poller<Operation, Operation>,
) -> Result<Operation, Diagnostic> {
    match until_done(ctx, what, poller).await? {
        Ok(operation) => finished(what, operation),
        Err(e) => Err(error::api(what, e)),
    }
}

/// Runs a delete's `poller`; a target already gone (404) counts as deleted.
pub async fn delete_unless_gone<D>(
    ctx: &Context<D>,
    what: &str,
    poller: impl Poller<Operation, Operation>,
) -> Result<(), Diagnostic> {
    match until_done(ctx, what, poller).await? {
        Ok(operation) => finished(what, operation).map(|_| ()),
        Err(e) if error::is_not_found(&e) => Ok(()),
        Err(e) => Err(error::api(what, e)),
    }
}

/// The poller's answer, or a diagnostic when Terraform stopped us or the timeout passed.
async fn until_done<D>(
    ctx: &Context<D>,
    what: &str,
    poller: impl Poller<Operation, Operation>,
) -> Result<Result<Operation, google_cloud_gax::error::Error>, Diagnostic> {
    let done = async {
        tokio::select! {
            result = poller.until_done() => Some(result),
            () = ctx.stopped() => None,
        }
    };
    match tokio::time::timeout(ctx.timeout(), done).await {
        Ok(Some(result)) => Ok(result),
        Ok(None) => Err(Diagnostic::error(
            format!("Stopped while waiting to {what}"),
            "Terraform was interrupted; the next apply finds what was made and carries on.",
        )),
        Err(_) => Err(Diagnostic::error(
            format!("Timed out waiting to {what}"),
            format!(
                "Google's operation did not finish within {}s. If it is just slow, raise the resource's timeouts; the next \
                 apply finds what was made and carries on.",
                ctx.timeout().as_secs()
            ),
        )),
    }
}

/// The poller answers a finished operation, failed or not: its error is ours to report.
fn finished(what: &str, operation: Operation) -> Result<Operation, Diagnostic> {
    match operation.error() {
        Some(status) => Err(Diagnostic::error(
            format!("Failed to {what}"),
            format!(
                "Compute Engine's operation {} ended with {:?}: {}",
                operation.name.as_deref().unwrap_or("?"),
                status.code,
                status.message
            ),
        )),
        None => Ok(operation),
    }
}
