//! The MessagePack encoding of values (docs/plugin-protocol/object-wire-format.md).

use std::collections::BTreeMap;

use rmpv::Value as Raw;

use crate::{AttributePath, Error, Number, Type, Value};

/// Deeper nesting than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 256;

/// Decodes `bytes` as a value of type `ty`. Any MessagePack extension is an unknown value.
/// Garbage gives an error, never a panic.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    let mut reader = bytes;
    let raw = rmpv::decode::read_value_with_max_depth(&mut reader, MAX_DEPTH)
        .map_err(|e| Error::at_root(format!("invalid msgpack: {e}")))?;
    if !reader.is_empty() {
        return Err(Error::at_root(format!(
            "{} trailing bytes after msgpack value",
            reader.len()
        )));
    }
    convert(raw, ty, &AttributePath::root())
}

fn convert(raw: Raw, ty: &Type, path: &AttributePath) -> Result<Value, Error> {
    let mismatch = |raw: &Raw| {
        Error::new(
            path,
            format!("expected {}, got msgpack {}", ty.friendly_name(), raw_kind(raw)),
        )
    };
    match raw {
        Raw::Nil => return Ok(Value::Null),
        Raw::Ext(_, _) => return Ok(Value::Unknown),
        _ => {}
    }
    match ty {
        Type::Bool => match raw {
            Raw::Boolean(b) => Ok(Value::Bool(b)),
            other => Err(mismatch(&other)),
        },
        Type::Number => match raw {
            Raw::Integer(i) => Ok(Value::Number(match i.as_i64() {
                Some(v) => Number::Int(v),
                None => Number::from_u64(i.as_u64().unwrap_or_default()),
            })),
            Raw::F32(f) if f.is_nan() => Err(Error::new(path, "NaN is not a number")),
            Raw::F64(f) if f.is_nan() => Err(Error::new(path, "NaN is not a number")),
            Raw::F32(f) => Ok(Value::Number(Number::from_f64(f as f64))),
            Raw::F64(f) => Ok(Value::Number(Number::from_f64(f))),
            Raw::String(s) => {
                let text = s
                    .as_str()
                    .ok_or_else(|| Error::new(path, "number string is not UTF-8"))?;
                Number::parse(text)
                    .map(Value::Number)
                    .ok_or_else(|| Error::new(path, format!("{text:?} is not a number")))
            }
            other => Err(mismatch(&other)),
        },
        Type::String => match raw {
            Raw::String(s) => match s.into_str() {
                Some(s) => Ok(Value::String(s)),
                None => Err(Error::new(path, "string is not valid UTF-8")),
            },
            other => Err(mismatch(&other)),
        },
        Type::List(elem) | Type::Set(elem) => match raw {
            Raw::Array(items) => {
                let items = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| convert(item, elem, &path.index(i as i64)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(items)
                } else {
                    Value::Set(items)
                })
            }
            other => Err(mismatch(&other)),
        },
        Type::Tuple(types) => match raw {
            Raw::Array(items) if items.len() == types.len() => Ok(Value::Tuple(
                items
                    .into_iter()
                    .zip(types)
                    .enumerate()
                    .map(|(i, (item, t))| convert(item, t, &path.index(i as i64)))
                    .collect::<Result<_, _>>()?,
            )),
            Raw::Array(items) => Err(Error::new(
                path,
                format!("tuple needs {} elements, got {}", types.len(), items.len()),
            )),
            other => Err(mismatch(&other)),
        },
        Type::Map(elem) => match raw {
            Raw::Map(entries) => {
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    let key = key_string(k, path)?;
                    let value = convert(v, elem, &path.key(key.clone()))?;
                    out.insert(key, value);
                }
                Ok(Value::Map(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Object(attrs) => match raw {
            Raw::Map(entries) => {
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    let key = key_string(k, path)?;
                    let Some(attr_ty) = attrs.get(&key) else {
                        return Err(Error::new(path, format!("unexpected attribute {key:?}")));
                    };
                    let value = convert(v, attr_ty, &path.attr(key.clone()))?;
                    out.insert(key, value);
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            other => Err(mismatch(&other)),
        },
        Type::Dynamic => match raw {
            Raw::Array(mut parts) if parts.len() == 2 => {
                let value = parts.pop().unwrap_or(Raw::Nil);
                let type_json = match parts.pop() {
                    Some(Raw::Binary(b)) => b,
                    Some(Raw::String(s)) => s.into_bytes(),
                    _ => return Err(Error::new(path, "dynamic value has no type")),
                };
                let inner = Type::from_json_bytes(&type_json).map_err(|e| Error::new(path, e.message))?;
                if inner == Type::Dynamic {
                    return Err(Error::new(path, "dynamic value declares type dynamic"));
                }
                convert(value, &inner, path)
            }
            other => Err(mismatch(&other)),
        },
    }
}

fn key_string(raw: Raw, path: &AttributePath) -> Result<String, Error> {
    match raw {
        Raw::String(s) => s
            .into_str()
            .ok_or_else(|| Error::new(path, "map key is not valid UTF-8")),
        other => Err(Error::new(
            path,
            format!("map key must be a string, got {}", raw_kind(&other)),
        )),
    }
}

fn raw_kind(raw: &Raw) -> &'static str {
    match raw {
        Raw::Nil => "nil",
        Raw::Boolean(_) => "bool",
        Raw::Integer(_) => "integer",
        Raw::F32(_) | Raw::F64(_) => "float",
        Raw::String(_) => "string",
        Raw::Binary(_) => "binary",
        Raw::Array(_) => "array",
        Raw::Map(_) => "map",
        Raw::Ext(_, _) => "extension",
    }
}

/// Encodes `value` as type `ty`. Unknowns are written as extension 0 (unrefined).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(64);
    write(&mut out, value, ty, &AttributePath::root())?;
    Ok(out)
}

fn write(out: &mut Vec<u8>, value: &Value, ty: &Type, path: &AttributePath) -> Result<(), Error> {
    use rmp::encode as enc;
    // Writing into a Vec cannot fail; the io errors of rmp are therefore unreachable.
    match value {
        Value::Null => {
            enc::write_nil(out).ok();
            return Ok(());
        }
        Value::Unknown => {
            enc::write_ext_meta(out, 1, 0).ok();
            out.push(0);
            return Ok(());
        }
        _ => {}
    }
    let mismatch = || Error::new(path, format!("cannot encode this value as {}", ty.friendly_name()));
    match (ty, value) {
        (Type::Bool, Value::Bool(b)) => {
            enc::write_bool(out, *b).ok();
        }
        (Type::Number, Value::Number(n)) => match n {
            Number::Int(i) => {
                enc::write_sint(out, *i).ok();
            }
            Number::UInt(u) => {
                enc::write_uint(out, *u).ok();
            }
            Number::Float(f) => {
                enc::write_f64(out, *f).ok();
            }
            Number::Big(s) => {
                enc::write_str(out, s).ok();
            }
        },
        (Type::String, Value::String(s)) => {
            enc::write_str(out, s).ok();
        }
        (Type::List(elem) | Type::Set(elem), Value::List(items) | Value::Set(items)) => {
            enc::write_array_len(out, items.len() as u32).ok();
            for (i, item) in items.iter().enumerate() {
                write(out, item, elem, &path.index(i as i64))?;
            }
        }
        (Type::Tuple(types), Value::Tuple(items) | Value::List(items)) if types.len() == items.len() => {
            enc::write_array_len(out, items.len() as u32).ok();
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                write(out, item, t, &path.index(i as i64))?;
            }
        }
        (Type::Map(elem), Value::Map(m) | Value::Object(m)) => {
            enc::write_map_len(out, m.len() as u32).ok();
            for (k, v) in m {
                enc::write_str(out, k).ok();
                write(out, v, elem, &path.key(k.clone()))?;
            }
        }
        (Type::Object(attrs), Value::Object(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(Error::new(path, format!("unexpected attribute {extra:?}")));
            }
            enc::write_map_len(out, attrs.len() as u32).ok();
            for (name, attr_ty) in attrs {
                enc::write_str(out, name).ok();
                write(
                    out,
                    m.get(name).unwrap_or(&Value::Null),
                    attr_ty,
                    &path.attr(name.clone()),
                )?;
            }
        }
        (Type::Dynamic, v) => {
            let inner = v.infer_type();
            enc::write_array_len(out, 2).ok();
            enc::write_bin(out, &inner.to_json_bytes()).ok();
            write(out, v, &inner, path)?;
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}
