//! Sprig's list functions (`list.go`, `until`/`seq` from `numeric.go`). Each non-`must`
//! function panics where its `must` twin returns the error; both surface as the same message.

use circleci_gotemplate::Value;

use crate::args::Args;
use crate::cast::{deep_equal, empty, kind_of, strings, strslice, to_int64};
use crate::{Reg, vs};

/// Go's panic for `reflect.TypeOf(nil).Kind()`.
pub(crate) const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// The elements of a slice argument, or Go's error naming the kind it got.
fn elems<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], String> {
    match v {
        Value::List(l) => Ok(l),
        Value::Nil => Err(NIL_DEREF.into()),
        other => Err(format!("Cannot {what} type {}", kind_of(other))),
    }
}

fn both(r: &mut Reg, name: &'static str, must: &'static str, body: crate::args::Body) {
    r.add(name, body);
    r.add(must, body);
}

pub(crate) fn register(r: &mut Reg) {
    for name in ["list", "tuple"] {
        r.add(name, |a| Ok(Value::List(a.v.to_vec())));
    }
    for (name, must) in [("append", "mustAppend"), ("push", "mustPush")] {
        both(r, name, must, |a| {
            a.exact(2)?;
            let mut l = elems(a.any(0), "push on")?.to_vec();
            l.push(a.any(1).clone());
            Ok(Value::List(l))
        });
    }
    both(r, "prepend", "mustPrepend", |a| {
        a.exact(2)?;
        let mut l = vec![a.any(1).clone()];
        l.extend_from_slice(elems(a.any(0), "prepend on")?);
        Ok(Value::List(l))
    });
    both(r, "chunk", "mustChunk", |a| {
        a.exact(2)?;
        let size = a.int(0)?;
        let l = elems(a.any(1), "chunk")?;
        if size <= 0 {
            // Go computes a chunk count or length that is negative or infinite.
            return Err("runtime error: makeslice: len out of range".into());
        }
        let chunks = l.chunks(size as usize).map(|c| Value::List(c.to_vec())).collect();
        Ok(Value::List(chunks))
    });
    both(r, "last", "mustLast", |a| {
        a.exact(1)?;
        Ok(elems(a.any(0), "find last on")?.last().cloned().unwrap_or(Value::Nil))
    });
    both(r, "first", "mustFirst", |a| {
        a.exact(1)?;
        Ok(elems(a.any(0), "find first on")?.first().cloned().unwrap_or(Value::Nil))
    });
    both(r, "rest", "mustRest", |a| {
        a.exact(1)?;
        let l = elems(a.any(0), "find rest on")?;
        Ok(if l.is_empty() {
            Value::List(vec![])
        } else {
            Value::List(l[1..].to_vec())
        })
    });
    both(r, "initial", "mustInitial", |a| {
        a.exact(1)?;
        let l = elems(a.any(0), "find initial on")?;
        Ok(if l.is_empty() {
            Value::List(vec![])
        } else {
            Value::List(l[..l.len() - 1].to_vec())
        })
    });
    r.add("sortAlpha", |a| {
        a.exact(1)?;
        let v = a.any(0);
        Ok(match v {
            Value::List(_) => {
                let mut l = strslice(v);
                l.sort();
                strings(l)
            }
            other => strings(vec![crate::cast::strval(other)]),
        })
    });
    both(r, "reverse", "mustReverse", |a| {
        a.exact(1)?;
        let mut l = elems(a.any(0), "find reverse on")?.to_vec();
        l.reverse();
        Ok(Value::List(l))
    });
    both(r, "compact", "mustCompact", |a| {
        a.exact(1)?;
        let l = elems(a.any(0), "compact on")?;
        Ok(Value::List(l.iter().filter(|v| !empty(v)).cloned().collect()))
    });
    both(r, "uniq", "mustUniq", |a| {
        a.exact(1)?;
        let mut out: Vec<Value> = Vec::new();
        for v in elems(a.any(0), "find uniq on")? {
            if !out.iter().any(|o| deep_equal(v, o)) {
                out.push(v.clone());
            }
        }
        Ok(Value::List(out))
    });
    both(r, "without", "mustWithout", |a| {
        a.at_least(1)?;
        let omit = &a.v[1..];
        let l = elems(a.any(0), "find without on")?;
        Ok(Value::List(
            l.iter()
                .filter(|v| !omit.iter().any(|o| deep_equal(v, o)))
                .cloned()
                .collect(),
        ))
    });
    both(r, "has", "mustHas", |a| {
        a.exact(2)?;
        let needle = a.any(0);
        match a.any(1) {
            Value::Nil => Ok(Value::Bool(false)),
            Value::List(l) => Ok(Value::Bool(l.iter().any(|v| deep_equal(needle, v)))),
            other => Err(format!("Cannot find has on type {}", kind_of(other))),
        }
    });
    both(r, "slice", "mustSlice", |a| {
        a.at_least(1)?;
        let l = match a.any(0) {
            Value::List(l) => l,
            Value::Nil => return Err(NIL_DEREF.into()),
            other => return Err(format!("list should be type of slice or array but {}", kind_of(other))),
        };
        if l.is_empty() {
            return Ok(Value::Nil);
        }
        let start = if a.len() > 1 { to_int64(a.any(1)) } else { 0 };
        let end = if a.len() > 2 {
            to_int64(a.any(2))
        } else {
            l.len() as i64
        };
        if start < 0 || end < start || end > l.len() as i64 {
            return Err("reflect.Value.Slice: slice index out of bounds".into());
        }
        Ok(Value::List(l[start as usize..end as usize].to_vec()))
    });
    r.add("concat", |a| {
        let mut out = Vec::new();
        for v in a.v {
            match v {
                Value::List(l) => out.extend_from_slice(l),
                Value::Nil => return Err(NIL_DEREF.into()),
                other => return Err(format!("Cannot concat type {} as list", kind_of(other))),
            }
        }
        Ok(Value::List(out))
    });
    r.add("until", |a| {
        a.exact(1)?;
        let n = a.int(0)?;
        until_step(0, n, if n < 0 { -1 } else { 1 }).map(ints)
    });
    r.add("untilStep", |a| {
        a.exact(3)?;
        until_step(a.int(0)?, a.int(1)?, a.int(2)?).map(ints)
    });
    r.add("seq", |a| {
        let p: Vec<i64> = (0..a.len()).map(|i| a.int(i)).collect::<Result<_, _>>()?;
        let seq = match p.len() {
            1 => {
                let (start, end) = (1, p[0]);
                let inc = if end < start { -1 } else { 1 };
                until_step(start, end + inc, inc)?
            }
            2 => {
                let (start, end) = (p[0], p[1]);
                let step = if end < start { -1 } else { 1 };
                until_step(start, end + step, step)?
            }
            3 => {
                let (start, step, end) = (p[0], p[1], p[2]);
                let mut inc = 1;
                if end < start {
                    inc = -1;
                    if step > 0 {
                        return Ok(vs(""));
                    }
                }
                until_step(start, end + inc, step)?
            }
            _ => Vec::new(),
        };
        Ok(vs(seq.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" ")))
    });
    r.add("join", |a: &Args| {
        a.exact(2)?;
        let sep = a.str(0)?;
        Ok(vs(strslice(a.any(1)).join(sep)))
    });
}

fn ints(v: Vec<i64>) -> Value {
    Value::List(v.into_iter().map(Value::Int).collect())
}

/// The most elements `until`/`untilStep`/`seq` build before refusing, where Go would try to
/// allocate them all.
const MAX_RANGE: usize = 10_000_000;

/// Sprig's `untilStep`.
fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let mut v = Vec::new();
    let mut i = start;
    if stop < start {
        if step >= 0 {
            return Ok(v);
        }
        while i > stop {
            v.push(i);
            if v.len() > MAX_RANGE {
                return Err(format!("more than {MAX_RANGE} elements"));
            }
            i = match i.checked_add(step) {
                Some(n) => n,
                None => break,
            };
        }
        return Ok(v);
    }
    if step <= 0 {
        return Ok(v);
    }
    while i < stop {
        v.push(i);
        if v.len() > MAX_RANGE {
            return Err(format!("more than {MAX_RANGE} elements"));
        }
        i = match i.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    Ok(v)
}
