//! The JSON encoding of values: used by Terraform for stored state (UpgradeResourceState) and
//! here to move values in and out of serde models. JSON cannot carry unknown values.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::{AttributePath, Error, Number, Type, Value};

/// Decodes JSON bytes as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| Error::at_root(format!("invalid JSON: {e}")))?;
    from_json(&json, ty)
}

/// Converts parsed JSON into a value of type `ty`. Object attributes missing from the JSON are
/// null; attributes the type does not know are dropped (they belong to an older schema).
pub fn from_json(json: &Json, ty: &Type) -> Result<Value, Error> {
    convert(json, ty, &AttributePath::root())
}

fn convert(json: &Json, ty: &Type, path: &AttributePath) -> Result<Value, Error> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = || Error::new(path, format!("expected {}, got JSON {json}", ty.friendly_name()));
    match ty {
        Type::Bool => match json {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            // Terraform converts "true"/"false" strings to bool; so do we.
            Json::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(mismatch()),
        },
        Type::Number => match json {
            Json::Number(n) => Ok(Value::Number(if let Some(i) = n.as_i64() {
                Number::Int(i)
            } else if let Some(u) = n.as_u64() {
                Number::from_u64(u)
            } else {
                Number::from_f64(n.as_f64().ok_or_else(mismatch)?)
            })),
            Json::String(s) => Number::parse(s).map(Value::Number).ok_or_else(mismatch),
            _ => Err(mismatch()),
        },
        Type::String => match json {
            Json::String(s) => Ok(Value::String(s.clone())),
            // Terraform's own conversion: numbers and bools convert to strings.
            Json::Number(n) => Ok(Value::String(n.to_string())),
            Json::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch()),
        },
        Type::List(elem) | Type::Set(elem) => match json {
            Json::Array(items) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| convert(item, elem, &path.index(i as i64)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(items)
                } else {
                    Value::Set(items)
                })
            }
            _ => Err(mismatch()),
        },
        Type::Tuple(types) => match json {
            Json::Array(items) if items.len() == types.len() => Ok(Value::Tuple(
                items
                    .iter()
                    .zip(types)
                    .enumerate()
                    .map(|(i, (item, t))| convert(item, t, &path.index(i as i64)))
                    .collect::<Result<_, _>>()?,
            )),
            _ => Err(mismatch()),
        },
        Type::Map(elem) => match json {
            Json::Object(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    out.insert(k.clone(), convert(v, elem, &path.key(k.clone()))?);
                }
                Ok(Value::Map(out))
            }
            _ => Err(mismatch()),
        },
        Type::Object(attrs) => match json {
            Json::Object(m) => {
                let mut out = BTreeMap::new();
                for (name, attr_ty) in attrs {
                    let v = m.get(name).unwrap_or(&Json::Null);
                    out.insert(name.clone(), convert(v, attr_ty, &path.attr(name.clone()))?);
                }
                Ok(Value::Object(out))
            }
            _ => Err(mismatch()),
        },
        Type::Dynamic => match json {
            Json::Object(m) if m.contains_key("type") => {
                let inner = Type::from_json(&m["type"]).map_err(|e| Error::new(path, e.message))?;
                convert(m.get("value").unwrap_or(&Json::Null), &inner, path)
            }
            _ => Err(Error::new(
                path,
                "dynamic value must be an object with \"value\" and \"type\"",
            )),
        },
    }
}

/// Encodes a wholly known value as JSON of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, Error> {
    let json = to_json(value, ty, &AttributePath::root())?;
    Ok(serde_json::to_vec(&json).expect("JSON values always serialize"))
}

fn to_json(value: &Value, ty: &Type, path: &AttributePath) -> Result<Json, Error> {
    match (ty, value) {
        (_, Value::Unknown) => Err(Error::new(path, "unknown values cannot be encoded as JSON")),
        (Type::Dynamic, Value::Null) => Ok(Json::Null),
        (Type::Dynamic, v) => {
            let inner = v.infer_type();
            Ok(serde_json::json!({ "value": to_json(v, &inner, path)?, "type": inner.to_json() }))
        }
        (_, Value::Null) => Ok(Json::Null),
        (Type::List(elem) | Type::Set(elem), Value::List(items) | Value::Set(items)) => Ok(Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| to_json(v, elem, &path.index(i as i64)))
                .collect::<Result<_, _>>()?,
        )),
        (Type::Tuple(types), Value::Tuple(items)) if types.len() == items.len() => Ok(Json::Array(
            items
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (v, t))| to_json(v, t, &path.index(i as i64)))
                .collect::<Result<_, _>>()?,
        )),
        (Type::Map(elem), Value::Map(m)) => Ok(Json::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v, elem, &path.key(k.clone()))?)))
                .collect::<Result<_, Error>>()?,
        )),
        (Type::Object(attrs), Value::Object(m)) => Ok(Json::Object(
            attrs
                .iter()
                .map(|(k, t)| {
                    let v = m.get(k).unwrap_or(&Value::Null);
                    Ok((k.clone(), to_json(v, t, &path.attr(k.clone()))?))
                })
                .collect::<Result<_, Error>>()?,
        )),
        (Type::Bool, Value::Bool(_)) | (Type::String, Value::String(_)) => Ok(value.to_json()),
        (Type::Number, Value::Number(Number::Big(s))) => {
            // Written as a JSON number literal, so nothing is lost.
            serde_json::from_str(s).map_err(|_| Error::new(path, format!("{s:?} is not a number")))
        }
        (Type::Number, Value::Number(_)) => Ok(value.to_json()),
        _ => Err(Error::new(
            path,
            format!("cannot encode this value as {}", ty.friendly_name()),
        )),
    }
}
