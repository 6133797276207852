//! Go's `text/template`, as Helm runs it: lexing, parsing and execution with Go's semantics
//! (truth, comparison, `missingkey`, whitespace trimming, `define`/`template`/`block`), and
//! Go's builtin functions (`and`, `or`, `not`, `len`, `index`, `slice`, `print*`, `eq`…).
//! Sprig's and Helm's functions live in other crates and are added through a [`FuncMap`].
//!
//! No cloud, no Kubernetes, no I/O: templates in, text out.

mod value;

pub use value::{Function, FuncMap, Object, Value};
