//! Values as Terraform sees them: known, null or unknown, of any type.

use std::collections::BTreeMap;
use std::fmt;

use crate::{AttributePath, Type};

/// A cty number. Terraform numbers are arbitrary-precision decimals; on the wire they arrive as
/// integers, floats, or decimal strings when neither fits. The representation is normalised on
/// construction so that equal numbers compare equal.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Int(i64),
    /// Only for integers above `i64::MAX`.
    UInt(u64),
    Float(f64),
    /// A decimal that fits neither an `i64`/`u64` nor an `f64` exactly, kept as text.
    Big(String),
}

impl Number {
    pub fn from_u64(n: u64) -> Number {
        i64::try_from(n).map(Number::Int).unwrap_or(Number::UInt(n))
    }

    pub fn from_f64(f: f64) -> Number {
        if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
            Number::Int(f as i64)
        } else {
            Number::Float(f)
        }
    }

    /// Parses a decimal string as Terraform sends it for numbers without an exact 64-bit form.
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        if let Ok(u) = t.parse::<u64>() {
            return Some(Number::UInt(u));
        }
        let is_decimal = {
            let body = t.strip_prefix('-').unwrap_or(t);
            let (mantissa, exponent) = match body.find(['e', 'E']) {
                Some(i) => (&body[..i], Some(&body[i + 1..])),
                None => (body, None),
            };
            let mut parts = mantissa.splitn(2, '.');
            let int_part = parts.next().unwrap_or("");
            let frac_part = parts.next();
            let digits_ok = !int_part.is_empty() && int_part.bytes().all(|b| b.is_ascii_digit());
            let frac_ok = frac_part.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
            let exp_ok = exponent.is_none_or(|e| {
                let e = e.strip_prefix(['+', '-']).unwrap_or(e);
                !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
            });
            digits_ok && frac_ok && exp_ok
        };
        if !is_decimal {
            return None;
        }
        match t.parse::<f64>() {
            // Keep the float only when it prints back to the same decimal: no precision lost.
            Ok(f) if f.is_finite() && Number::from_f64(f).to_string() == t => Some(Number::from_f64(f)),
            _ => Some(Number::Big(t.to_string())),
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::UInt(u) => *u as f64,
            Number::Float(f) => *f,
            Number::Big(s) => s.parse().unwrap_or(f64::NAN),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::UInt(u) => write!(f, "{u}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(s) => f.write_str(s),
        }
    }
}

/// A value of some [`Type`]. The type is carried by the schema, not by the value, except for
/// values of `dynamic` type, whose type is inferred when encoding (see [`Value::infer_type`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    /// Known only after apply.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    pub fn object<I, K>(attributes: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(attributes.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// This value with every unknown inside it replaced by null (for state saved after a
    /// failure, which must be wholly known).
    pub fn unknown_as_null(&self) -> Value {
        match self {
            Value::Unknown => Value::Null,
            Value::List(items) => Value::List(items.iter().map(Value::unknown_as_null).collect()),
            Value::Set(items) => Value::Set(items.iter().map(Value::unknown_as_null).collect()),
            Value::Tuple(items) => Value::Tuple(items.iter().map(Value::unknown_as_null).collect()),
            Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), v.unknown_as_null())).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.unknown_as_null())).collect()),
            other => other.clone(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The attribute `name` of an object value; `Null` for anything else or a missing name.
    pub fn attr(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// The element `key` of a map value; `Null` for anything else or a missing key.
    pub fn key(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Map(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    pub fn attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) => m.get_mut(name),
            _ => None,
        }
    }

    pub fn set_attr(&mut self, name: &str, value: Value) {
        if let Value::Object(m) = self {
            m.insert(name.to_string(), value);
        }
    }

    /// The elements of a list, set or tuple; empty for anything else.
    pub fn elements(&self) -> &[Value] {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items,
            _ => &[],
        }
    }

    /// The value at `path`, or `Null` where the path leads nowhere.
    pub fn at(&self, path: &AttributePath) -> &Value {
        static NULL: Value = Value::Null;
        let mut current = self;
        for step in path.steps() {
            current = match (step, current) {
                (crate::PathStep::Attribute(name), Value::Object(m)) | (crate::PathStep::Key(name), Value::Map(m)) => {
                    m.get(name).unwrap_or(&NULL)
                }
                (crate::PathStep::Index(i), Value::List(items) | Value::Tuple(items)) => {
                    usize::try_from(*i).ok().and_then(|i| items.get(i)).unwrap_or(&NULL)
                }
                _ => &NULL,
            };
        }
        current
    }

    /// Converts a wholly known value to JSON, for deserializing into typed models.
    /// Unknown values become `null`: models see them as "not decided yet".
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => match n {
                Number::Int(i) => (*i).into(),
                Number::UInt(u) => (*u).into(),
                Number::Float(f) => serde_json::Number::from_f64(*f)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                Number::Big(s) => serde_json::Value::String(s.clone()),
            },
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(m) | Value::Object(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// The type of a value of `dynamic` type, inferred from its shape.
    pub fn infer_type(&self) -> Type {
        match self {
            Value::Null | Value::Unknown => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(items) => Type::list(items.first().map_or(Type::Dynamic, Value::infer_type)),
            Value::Set(items) => Type::set(items.first().map_or(Type::Dynamic, Value::infer_type)),
            Value::Map(m) => Type::map(m.values().next().map_or(Type::Dynamic, Value::infer_type)),
            Value::Object(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), v.infer_type())).collect()),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::infer_type).collect()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}
