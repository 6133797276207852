//! Finishing what an earlier attempt started. A create whose answer was lost (the SDK's retry
//! then meets "already exists"), or an apply killed between a create and the state save, leaves
//! an object the state does not know. Every object this provider creates carries the owner tag,
//! so a later attempt can tell its own leftovers, which it adopts, from objects someone else
//! made, which it refuses to touch.

use std::collections::BTreeMap;

use circleci_tfplugin::Diagnostic;

/// Tag key and value on every object this provider creates (added to the default tags, so a
/// resource's `tags` never show it).
pub const OWNER_TAG_KEY: &str = "circleci:managed-by";
pub const OWNER_TAG_VALUE: &str = "terraform-provider-circleciserver";

/// A fresh idempotency token (EC2's `ClientToken`) for one create: the SDK sends the same
/// token on each of its retries, so AWS answers a retry whose first answer was lost with what
/// the first made instead of making a second one. Unique per call, within AWS's 64 characters.
pub fn client_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "circleci-{:x}-{nanos:x}-{:x}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

/// True when `tags` (key, value pairs) hold the owner tag.
pub fn is_owned<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    tags.into_iter()
        .any(|(k, v)| k == OWNER_TAG_KEY && v == OWNER_TAG_VALUE)
}

/// `found` (the existing `kind` called `name`) when `owned`, else the diagnostic that says it
/// belongs to someone else.
pub fn adopt<T>(kind: &str, name: &str, owned: bool, found: T) -> Result<T, Diagnostic> {
    if owned {
        tracing::info!(kind, name, "adopting what an earlier attempt of this provider made");
        Ok(found)
    } else {
        Err(not_ours(kind, name))
    }
}

/// The diagnostic for a name taken by an object this provider did not make.
pub fn not_ours(kind: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{kind} {name} already exists"),
        format!(
            "A {kind} named {name:?} exists and was not made by this provider (it lacks the tag \
             {OWNER_TAG_KEY}={OWNER_TAG_VALUE}), so it is left alone: choose another name, or \
             delete it yourself if it is not needed."
        ),
    )
}

/// The owner tag as a map entry, for the default tags.
pub fn owner_tag() -> BTreeMap<String, String> {
    BTreeMap::from([(OWNER_TAG_KEY.to_string(), OWNER_TAG_VALUE.to_string())])
}
