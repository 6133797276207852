//! Which failed Google calls are tried again, and the request ids that make trying again safe.
//!
//! Google's own policy (AIP-194) retries only idempotent calls, and only on 503. On a bad day
//! Compute also answers 429 (rate limited) and other 5xx, and an answer can be lost after the
//! call was carried out. Every call that changes something therefore carries a fresh
//! [`request_id`]: Compute answers a repeat of it with the first call's operation instead of
//! acting twice, which makes every call safe to repeat. So all calls are retried on the
//! transient errors, with backoff, up to the `gcp.max_attempts` limit (the SDK's attempt limit
//! wraps this policy), and each failed attempt is logged.

use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::polling_error_policy::PollingErrorPolicy;
use google_cloud_gax::polling_state::PollingState;
use google_cloud_gax::retry_policy::RetryPolicy;
use google_cloud_gax::retry_result::RetryResult;
use google_cloud_gax::retry_state::RetryState;

/// True for what goes away when tried again: rate limits, 5xx, timeouts and I/O errors.
pub fn is_transient(error: &Error) -> bool {
    if error.is_transient_and_before_rpc() || error.is_io() || error.is_timeout() {
        return true;
    }
    if error.status().is_some_and(|s| {
        matches!(
            s.code,
            Code::ResourceExhausted | Code::Unavailable | Code::Internal | Code::DeadlineExceeded
        )
    }) {
        return true;
    }
    error
        .http_status_code()
        .is_some_and(|code| matches!(code, 429 | 500 | 502 | 503 | 504))
}

/// Retries transient errors of any call (see the module's docs for why that is safe).
#[derive(Debug, Clone, Copy)]
pub struct TransientErrors;

fn decide(attempt: u32, error: Error) -> RetryResult {
    if is_transient(&error) {
        tracing::info!(attempt, error = %error, "GCP call attempt failed; trying again");
        RetryResult::Continue(error)
    } else {
        RetryResult::Permanent(error)
    }
}

impl RetryPolicy for TransientErrors {
    fn on_error(&self, state: &RetryState, error: Error) -> RetryResult {
        decide(state.attempt_count, error)
    }
}

impl PollingErrorPolicy for TransientErrors {
    fn on_error(&self, state: &PollingState, error: Error) -> RetryResult {
        decide(state.attempt_count, error)
    }
}

/// A fresh version-4 UUID for Compute's `requestId`. Made from the standard library's
/// randomly keyed hasher: uniqueness is all Compute needs of it.
pub fn request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let random = |salt: u64| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.write_u128(now);
        hasher.finish()
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random(1).to_be_bytes());
    bytes[8..].copy_from_slice(&random(2).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
            assert!(parts[2].starts_with('4'), "{id}");
            assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
        }
    }
}
