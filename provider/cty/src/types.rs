//! Type constraints and their compact JSON form (the `type` bytes of a schema attribute).

use std::collections::BTreeMap;

use serde_json::json;

use crate::Error;

/// A Terraform type constraint.
///
/// ```
/// use circleci_cty::Type;
/// let ty = Type::list(Type::String);
/// assert_eq!(ty.to_json_bytes(), br#"["list","string"]"#.to_vec());
/// assert_eq!(Type::from_json_bytes(br#"["list","string"]"#).unwrap(), ty);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Decided at run time; on the wire as `[type, value]`.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    pub fn object<I, K>(attributes: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attributes.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// The JSON form used in schemas and in `dynamic` values.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let attrs: serde_json::Map<String, serde_json::Value> =
                    attrs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                json!(["object", attrs])
            }
            Type::Tuple(types) => {
                json!(["tuple", types.iter().map(Type::to_json).collect::<Vec<_>>()])
            }
        }
    }

    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).expect("a type always serializes")
    }

    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, Error> {
        let json: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| Error::at_root(format!("invalid type constraint JSON: {e}")))?;
        Type::from_json(&json)
    }

    pub fn from_json(json: &serde_json::Value) -> Result<Type, Error> {
        let invalid = || Error::at_root(format!("invalid type constraint: {json}"));
        match json {
            serde_json::Value::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(invalid()),
            },
            serde_json::Value::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().ok_or_else(invalid)?;
                match (kind, &parts[1]) {
                    ("list", t) => Ok(Type::list(Type::from_json(t)?)),
                    ("set", t) => Ok(Type::set(Type::from_json(t)?)),
                    ("map", t) => Ok(Type::map(Type::from_json(t)?)),
                    // A third element lists optional attributes; it does not change the wire form.
                    ("object", serde_json::Value::Object(attrs)) => {
                        let mut out = BTreeMap::new();
                        for (k, t) in attrs {
                            out.insert(k.clone(), Type::from_json(t)?);
                        }
                        Ok(Type::Object(out))
                    }
                    ("tuple", serde_json::Value::Array(types)) => Ok(Type::Tuple(
                        types.iter().map(Type::from_json).collect::<Result<_, _>>()?,
                    )),
                    _ => Err(invalid()),
                }
            }
            _ => Err(invalid()),
        }
    }

    /// A short name for error messages, e.g. `list of string`.
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::Dynamic => "any type".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}
