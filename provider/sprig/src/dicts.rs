//! Sprig's dictionary functions (`dict.go`), with imdario/mergo 0.3.12's `Merge` and
//! `MergeWithOverwrite` rules for `merge` and `mergeOverwrite`.
//!
//! Maps are Go's references: `set`, `unset` and the merges change their first argument in
//! place and return it; `dict`, `pick`, `omit` make new maps (holding the same entries), and
//! `deepCopy` copies all the way down.

use std::collections::BTreeMap;

use circleci_gotemplate::fmt::type_name;
use circleci_gotemplate::{Map, Value};

use crate::args::Args;
use crate::cast::{empty, strings, strval};
use crate::{Reg, vs};

/// The maps of a variadic `...map[string]interface{}` from `from` on.
fn maps<'a>(a: &Args<'a>, from: usize) -> Result<Vec<Option<&'a Map>>, String> {
    (from..a.len()).map(|i| a.map(i)).collect()
}

pub(crate) fn register(r: &mut Reg) {
    r.add("dict", |a| {
        let mut d = BTreeMap::new();
        let mut i = 0;
        while i < a.len() {
            let k = strval(a.any(i));
            d.insert(k, a.v.get(i + 1).cloned().unwrap_or_else(|| vs("")));
            i += 2;
        }
        Ok(Value::Map(d.into()))
    });
    r.add("get", |a| {
        a.exact(2)?;
        let (d, k) = (a.map(0)?, a.str(1)?);
        Ok(d.and_then(|d| d.get(k)).unwrap_or_else(|| vs("")))
    });
    r.add("set", |a| {
        a.exact(3)?;
        let (d, k) = (a.map(0)?, a.str(1)?);
        let d = d.ok_or("assignment to entry in nil map")?;
        d.insert(k, a.any(2).clone());
        Ok(Value::Map(d.clone()))
    });
    r.add("unset", |a| {
        a.exact(2)?;
        let (d, k) = (a.map(0)?, a.str(1)?);
        // Go's delete on a nil map does nothing; the nil map comes back (printed `map[]`).
        let d = d.cloned().unwrap_or_default();
        d.remove(k);
        Ok(Value::Map(d))
    });
    r.add("hasKey", |a| {
        a.exact(2)?;
        let (d, k) = (a.map(0)?, a.str(1)?);
        Ok(Value::Bool(d.is_some_and(|d| d.contains_key(k))))
    });
    r.add("pluck", |a| {
        a.at_least(1)?;
        let k = a.str(0)?;
        Ok(Value::List(
            maps(a, 1)?.into_iter().flatten().filter_map(|d| d.get(k)).collect(),
        ))
    });
    r.add("keys", |a| {
        Ok(strings(
            maps(a, 0)?.into_iter().flatten().flat_map(|d| d.keys()).collect(),
        ))
    });
    r.add("pick", |a| {
        a.at_least(1)?;
        let d = a.map(0)?;
        let out = Map::new();
        for i in 1..a.len() {
            let k = a.str(i)?;
            if let Some(v) = d.and_then(|d| d.get(k)) {
                out.insert(k, v);
            }
        }
        Ok(Value::Map(out))
    });
    r.add("omit", |a| {
        a.at_least(1)?;
        let d = a.map(0)?;
        let omit: Vec<&str> = (1..a.len()).map(|i| a.str(i)).collect::<Result<_, _>>()?;
        let entries = d.map(Map::entries).unwrap_or_default();
        let out = entries.into_iter().filter(|(k, _)| !omit.contains(&k.as_str()));
        Ok(Value::Map(out.collect()))
    });
    for name in ["merge", "mustMerge"] {
        r.add(name, |a| merge_all(a, false));
    }
    for name in ["mergeOverwrite", "mustMergeOverwrite"] {
        r.add(name, |a| merge_all(a, true));
    }
    r.add("values", |a| {
        a.exact(1)?;
        Ok(Value::List(a.map(0)?.into_iter().flat_map(Map::values).collect()))
    });
    for name in ["deepCopy", "mustDeepCopy"] {
        r.add(name, |a| {
            a.exact(1)?;
            Ok(a.any(0).deep_copy())
        });
    }
    r.add("dig", |a| {
        if a.len() < 3 {
            return Err("dig needs at least three arguments".into());
        }
        let n = a.len();
        let mut d = as_map(a.any(n - 1))?.clone();
        let def = a.any(n - 2);
        let keys: Vec<&str> = a.v[..n - 2]
            .iter()
            .map(|k| match k {
                Value::String(s) => Ok(s.as_str()),
                other => Err(conversion(other, "string")),
            })
            .collect::<Result<_, _>>()?;
        for (i, k) in keys.iter().enumerate() {
            let Some(step) = d.get(k) else {
                return Ok(def.clone());
            };
            if i == keys.len() - 1 {
                return Ok(step);
            }
            d = as_map(&step)?.clone();
        }
        Ok(def.clone())
    });
}

fn conversion(v: &Value, want: &str) -> String {
    let got = match v {
        Value::Nil => "nil".to_string(),
        other => type_name(other),
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

fn as_map(v: &Value) -> Result<&Map, String> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(conversion(other, "map[string]interface {}")),
    }
}

/// `merge`/`mergeOverwrite`: each source into the destination, which is changed in place and
/// returned (a nil destination is a new map, as mergo makes one through the pointer).
fn merge_all(a: &Args, overwrite: bool) -> Result<Value, String> {
    a.at_least(1)?;
    let dst = a.map(0)?.cloned().unwrap_or_default();
    for src in maps(a, 1)?.into_iter().flatten() {
        merge_map(&dst, src, overwrite);
    }
    Ok(Value::Map(dst))
}

/// mergo's `isEmptyValue` of an `interface{}` map element.
fn is_empty(v: &Value) -> bool {
    empty(v)
}

/// mergo 0.3.12's `deepMerge` of two `map[string]interface{}`, key by key: a nil source value
/// is skipped (or written, overwriting); a source map is merged into a destination map
/// (recursively) or fills a missing or empty destination; a source list or scalar fills a
/// missing or empty destination, or replaces it when overwriting (a non-empty destination is
/// never replaced by a map, nor by a list unless overwriting).
///
/// A nested destination map is merged into in place; a source map that fills a destination
/// key is put there itself (shared, as mergo's `SetMapIndex` shares it). The source's
/// entries are read first, so a map may be merged into itself.
fn merge_map(dst: &Map, src: &Map, overwrite: bool) {
    for (k, sv) in src.entries() {
        let dv = dst.get(&k);
        match &sv {
            Value::Nil => {
                if overwrite {
                    dst.insert(k, Value::Nil);
                }
                continue;
            }
            Value::Map(sm) => {
                if let Some(Value::Map(dm)) = &dv {
                    merge_map(dm, sm, overwrite);
                }
            }
            // mergo tests emptiness of the whole maps here, not of the elements.
            Value::List(_) if overwrite || dst.is_empty() => {
                dst.insert(k.clone(), sv.clone());
            }
            _ => {}
        }
        // mergo's `continue` for a non-empty destination of a map or list source: for a map it
        // sees the destination after the recursive merge, for a list the value before.
        let keep = match sv {
            Value::Map(_) => dv.is_some() && dst.get(&k).is_some_and(|d| !is_empty(&d)),
            Value::List(_) => dv.as_ref().is_some_and(|d| !is_empty(d)),
            _ => false,
        };
        if keep {
            continue;
        }
        match &dv {
            None => {
                dst.insert(k, sv);
            }
            Some(d) if overwrite || is_empty(d) => {
                dst.insert(k, sv);
            }
            _ => {}
        }
    }
}
