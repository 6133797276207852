//! The data a template sees, modelled on the Go types Helm puts there (`interface{}` holding
//! `map[string]interface{}`, `[]interface{}`, `string`, `float64`, `int`, `bool`, nil) and the
//! structs with methods (`.Capabilities.APIVersions.Has`, `.Files.Get`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

/// A value as Go's `reflect` would see it inside an `interface{}`.
///
/// Maps are sorted by key, as Go's template `range` and `fmt` visit them.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's nil interface: a missing key under `missingkey=zero`, a null in YAML.
    #[default]
    Nil,
    Bool(bool),
    /// Go's `int` / `int64` (what `len`, `add`, `atoi` return).
    Int(i64),
    /// Go's `float64` (every number decoded from YAML or JSON by Helm).
    Float(f64),
    String(String),
    /// `[]interface{}`.
    List(Vec<Value>),
    /// `map[string]interface{}`.
    Map(BTreeMap<String, Value>),
    /// A Go struct or named type with fields and methods (e.g. `.Release`, `.Files`).
    Object(Arc<dyn Object>),
}

/// A Go struct (or other named type) seen from a template: fields read by `.Name`, methods
/// called by `.Name arg…`.
pub trait Object: Send + Sync {
    /// The Go type name, as `printf "%T"` shows it (e.g. `chartutil.Capabilities`).
    fn type_name(&self) -> &str;
    /// A field or a method with no arguments; `None` when the type has no such field or method.
    fn field(&self, name: &str) -> Option<Value>;
    /// A method called with arguments; `None` when there is no such method.
    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }
    /// For a Go map type with methods (Helm's `.Files`): its entries, which `range` and
    /// `len` see; `None` for a struct.
    fn entries(&self) -> Option<BTreeMap<String, Value>> {
        None
    }
    /// What `{{ . }}` prints for this value (Go's `%v` of the struct).
    fn display(&self) -> String {
        format!("{{{}}}", self.type_name())
    }
}

/// A function a template can call. It gets the evaluated arguments; an `Err` aborts execution
/// with Go's `error calling NAME: MESSAGE`.
pub type Function = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Functions by name, as Go's `template.FuncMap`.
pub type FuncMap = HashMap<String, Function>;

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(l) => f.debug_list().entries(l).finish(),
            Value::Map(m) => f.debug_map().entries(m).finish(),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
        }
    }
}
