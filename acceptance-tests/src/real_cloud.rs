//! Real-cloud runs: the acceptance tests that users run in their own sandbox account or project
//! before an upgrade. They are opt-in (`TF_ACC_AWS=1` with the standard AWS credential chain,
//! `TF_ACC_GCP=1` with Application Default Credentials and `GOOGLE_CLOUD_PROJECT`), send no
//! endpoint override, and name everything with a prefix unique to the run (`tfacc-…`), so that
//! the sweeper (`cargo run -p acceptance-tests --bin sweep -- --prefix tfacc- --older-than 2h`)
//! can find what a cut-off run left. Without the switch a test says it was skipped and passes:
//! the emulator runs stay the default.

use std::time::{SystemTime, UNIX_EPOCH};

/// The prefix every real-cloud test name starts with.
pub const PREFIX: &str = "tfacc-";

/// True when `switch` is `1`; otherwise prints one line saying `what` was skipped and how to
/// run it.
pub fn requested(switch: &str, what: &str, credentials: &str) -> bool {
    if std::env::var(switch).as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: {what} runs only with {switch}=1 and {credentials}; the emulator runs are the default");
    false
}

/// A name unique to this run: `tfacc-` and four base-36 digits of the time and process, short
/// enough for AWS's 32-character target group names once a role and a port are appended.
pub fn run_name() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut n = (now.as_millis() as u64 / 100) ^ (u64::from(std::process::id()) << 20);
    let mut digits = String::new();
    for _ in 0..4 {
        let d = (n % 36) as u32;
        digits.push(char::from_digit(d, 36).unwrap_or('0'));
        n /= 36;
    }
    format!("{PREFIX}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_are_short_lowercase_and_prefixed() {
        let name = run_name();
        assert!(name.starts_with(PREFIX));
        assert_eq!(name.len(), PREFIX.len() + 4);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
        // The longest AWS name the stack derives from it fits the 32-character limit.
        assert!(format!("{name}-output-processor-8585").len() <= 32);
    }
}
