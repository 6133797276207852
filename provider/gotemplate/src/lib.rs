//! Go's `text/template`, as Helm runs it: lexing, parsing and execution with Go's semantics
//! (truth, comparison, `missingkey`, whitespace trimming, `define`/`template`/`block`), and
//! Go's builtin functions (`and`, `or`, `not`, `len`, `index`, `slice`, `print*`, `eq`…).
//! Sprig's and Helm's functions live in other crates and are added through a [`FuncMap`].
//!
//! No cloud, no Kubernetes, no I/O: templates in, text out.
//!
//! A [`Function`] returning `Err(msg)` fails execution with Go's `error calling NAME: msg`;
//! messages starting with `wrong number of args for `, `wrong type for value; `,
//! `invalid value; expected ` or `expected ` are reported as Go reports argument errors
//! (without the `error calling` wrapper).

extern crate self as circleci_gotemplate;

mod error;
mod exec;
pub mod fmt;
mod lex;
#[cfg(feature = "oracle")]
pub mod oracle;
mod parse;
mod template;
mod value;

pub use error::Error;
pub use exec::query_escape;
pub use template::{MissingKey, Templates};
pub use value::{FuncMap, Function, Map, Object, Value};

/// Go's `template.IsTrue` for a value.
pub fn is_true(v: &Value) -> bool {
    exec::truth(Some(v))
}
