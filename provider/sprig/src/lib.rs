//! Sprig v3.2.3's functions, as Helm puts them in every template's function map
//! (`sprig.TxtFuncMap()` less `env` and `expandenv`, which Helm removes), over
//! [`circleci_gotemplate::Value`].
//!
//! Each function checks its arguments as Go's `text/template` does before a `reflect` call
//! (count and Go type), converts `interface{}` arguments with Sprig's casts (spf13/cast's
//! `ToInt64`/`ToFloat64`, `strval`), returns the Go type's [`Value`] (`[]int` and `[]string`
//! as lists, `int64` as [`Value::Int`], `float64` as [`Value::Float`]), and reports a Go
//! panic or a returned error as `Err(message)` (the engine wraps it as
//! `error calling NAME: MESSAGE`).
//!
//! Maps are Go's references ([`circleci_gotemplate::Map`]): `set`, `unset`, `merge` and
//! `mergeOverwrite` change their first argument in place and return it, so a template
//! variable (or `$`, or `.Values`) holding that map sees the change; `deepCopy` copies.
//!
//! Not here: `getHostByName` (a DNS lookup: this crate does no I/O). The certificate
//! functions cannot generate DSA keys (see `certs`). Times are UTC or a parsed fixed offset
//! (no zone database); strings are Rust strings, so bytes that are not UTF-8 (from
//! `b64dec`, `decryptAES`...) become U+FFFD each.

mod aes;
mod args;
mod bcrypt;
mod cast;
mod certs;
mod crypto;
mod dates;
mod defaults;
mod dicts;
mod encoding;
mod golayout;
mod hashes;
mod json;
mod lists;
mod math;
mod paths;
mod random;
mod reflection;
mod regexp;
mod semver;
mod strings;
mod unicode;
mod url;
mod xstrings;

use std::sync::Arc;

use circleci_gotemplate::{FuncMap, Value};

use args::{Args, Body};

/// Sprig's `TxtFuncMap()` without `env` and `expandenv`: the functions Helm gives every
/// chart template (Helm's own, such as `include`, `required`, `toYaml`, are not here).
pub fn functions() -> FuncMap {
    let mut r = Reg { m: FuncMap::new() };
    r.add("hello", |a| {
        a.exact(0)?;
        Ok(vs("Hello!"))
    });
    // Sprig's `fail` returns `errors.New(msg)`: the message alone, wrapped by the engine.
    r.add("fail", |a| {
        a.exact(1)?;
        Err(a.str(0)?.to_string())
    });
    strings::register(&mut r);
    xstrings::register(&mut r);
    lists::register(&mut r);
    dicts::register(&mut r);
    math::register(&mut r);
    defaults::register(&mut r);
    encoding::register(&mut r);
    reflection::register(&mut r);
    paths::register(&mut r);
    json::register(&mut r);
    crypto::register(&mut r);
    url::register(&mut r);
    random::register(&mut r);
    regexp::register(&mut r);
    semver::register(&mut r);
    dates::register(&mut r);
    certs::register(&mut r);
    r.m
}

/// The names [`functions`] defines, sorted.
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = functions().into_keys().collect();
    v.sort();
    v
}

/// The function map under construction.
pub(crate) struct Reg {
    m: FuncMap,
}

impl Reg {
    /// Adds `name`, whose body sees its arguments with the name for Go's messages.
    pub(crate) fn add(&mut self, name: &'static str, body: Body) {
        self.m
            .insert(name.to_string(), Arc::new(move |v: &[Value]| body(&Args { name, v })));
    }
}

/// A Go string result.
pub(crate) fn vs(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

/// Masterminds/semver's `NewConstraint(constraint).Check(NewVersion(version))`, as Sprig's
/// `semverCompare` (Helm also checks `kubeVersion` and dependency ranges with it).
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    semver::semver_compare(constraint, version)
}

/// Whether Masterminds/semver's `NewVersion` accepts `version` (Helm's chart version check).
pub fn semver_is_valid(version: &str) -> bool {
    semver::Version::parse(version).is_ok()
}
