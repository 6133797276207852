//! `names()` against Sprig's own `TxtFuncMap()` keys less `env` and `expandenv` (Helm removes
//! them), read from a small Go program built from the Debian Sprig sources.

use std::collections::BTreeSet;
use std::process::Command;

fn go_names() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/names");
    let out = Command::new("go")
        .args(["run", "main.go"])
        .current_dir(dir)
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOFLAGS", "")
        .output()
        .unwrap_or_else(|e| panic!("go is required: {e}"));
    assert!(out.status.success(), "go run: {}", String::from_utf8_lossy(&out.stderr));
    let mut names: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(names.len() > 100, "Sprig's map looks too small: {names:?}");
    assert!(names.remove("env") && names.remove("expandenv"));
    names
}

/// Every name registered is one of Sprig's (a misspelt or invented name fails here).
#[test]
fn names_are_sprigs() {
    let go = go_names();
    let extra: Vec<String> = circleci_sprig::names()
        .into_iter()
        .filter(|n| !go.contains(n))
        .collect();
    assert!(extra.is_empty(), "not Sprig functions: {extra:?}");
}

/// The full set: fails until every module is written, listing what is missing.
#[test]
#[ignore = "getHostByName (network I/O, kept out of this crate) is not written"]
fn names_equal_sprigs() {
    let ours: BTreeSet<String> = circleci_sprig::names().into_iter().collect();
    let go = go_names();
    let missing: Vec<&String> = go.difference(&ours).collect();
    assert!(missing.is_empty(), "{} missing: {missing:?}", missing.len());
    assert_eq!(ours, go);
}
