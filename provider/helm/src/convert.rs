//! Values between the template engine's [`Value`] and JSON, as Helm's Go code moves them
//! (`encoding/json` into `interface{}`: every number a float64).

use circleci_gotemplate::Value;

/// A template value as JSON (`json.Marshal`); objects become their display string.
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        // Go's json.Marshal writes an integral float64 without a fraction (`2`, not `2.0`):
        // the API server decodes such a number into an integer field, and not `2.0`.
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => serde_json::Value::from(*f as i64),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(m.entries().iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        Value::Object(o) => serde_json::Value::String(o.display()),
    }
}

/// JSON as Go's `json.Unmarshal` into `interface{}` gives it to templates: numbers are float64.
pub fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}
