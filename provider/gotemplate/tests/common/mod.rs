//! Shared by the conformance tests: the oracle driver (the crate's own `oracle` module, compiled
//! into the test so no feature is needed) and the comparison rule.
#![allow(dead_code)]

#[path = "../../src/oracle.rs"]
pub mod oracle;

use circleci_gotemplate::{MissingKey, Templates};
use oracle::{Oracle, Request};

/// Runs a request through this crate.
pub fn ours(req: &Request) -> Result<String, String> {
    let mut t = Templates::new()
        .delims(&req.left, &req.right)
        .missing_key(match req.missing_key.as_str() {
            "zero" => MissingKey::Zero,
            "error" => MissingKey::Error,
            _ => MissingKey::Default,
        });
    for (n, text) in &req.templates {
        t.parse(n, text).map_err(|e| e.to_string())?;
    }
    let data = oracle::json_to_value(&req.data);
    t.execute(&req.entry, &data).map_err(|e| e.to_string())
}

/// `template: NAME:LINE:` of a message.
fn prefix(msg: &str) -> String {
    msg.splitn(3, ':').take(2).collect::<Vec<_>>().join(":")
}

/// A mismatch, or None when both agree (same output, or both fail; parse errors with the same
/// `template: NAME:LINE:` prefix).
pub fn compare(req: &Request, go: &Result<String, String>, rs: &Result<String, String>) -> Option<String> {
    let bad = match (go, rs) {
        (Ok(a), Ok(b)) => a != b,
        (Err(a), Err(b)) => {
            let parse_err = |m: &str| !m.contains(": executing \"");
            (parse_err(a) || parse_err(b)) && prefix(a) != prefix(b)
        }
        _ => true,
    };
    bad.then(|| {
        format!(
            "templates: {:?}\ndata: {}\nmissingkey: {:?}\n  go:   {:?}\n  ours: {:?}",
            req.templates, req.data, req.missing_key, go, rs
        )
    })
}

/// Whether both errors carry the same message (reported, not required).
pub fn same_message(go: &Result<String, String>, rs: &Result<String, String>) -> bool {
    match (go, rs) {
        (Err(a), Err(b)) => a == b,
        _ => true,
    }
}

pub fn start() -> Oracle {
    match Oracle::start() {
        Ok(o) => o,
        Err(e) => panic!("the Go oracle is required (run scripts/setup): {e}"),
    }
}
