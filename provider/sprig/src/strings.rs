//! Sprig's string functions (`strings.go`, Go's `strings` package, Masterminds/goutils).
//! Go slices strings by byte: where a cut lands inside a UTF-8 sequence the broken bytes
//! become U+FFFD here (Go would keep the raw bytes).

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::{quote as go_quote, sprint_value};

use crate::cast::{strings, strslice, strval};
use crate::unicode::{is_lower, is_space, is_title, is_upper, lower, to_lower, to_title, to_upper, upper};
use crate::{Reg, vs};

pub(crate) fn register(r: &mut Reg) {
    r.add("abbrev", |a| {
        a.exact(2)?;
        let (w, s) = (a.int(0)?, a.str(1)?);
        if w < 4 {
            return Ok(vs(s));
        }
        Ok(vs(abbreviate_full(s, 0, w).unwrap_or_default()))
    });
    r.add("abbrevboth", |a| {
        a.exact(3)?;
        let (l, rt, s) = (a.int(0)?, a.int(1)?, a.str(2)?);
        if rt < 4 || l > 0 && rt < 7 {
            return Ok(vs(s));
        }
        Ok(vs(abbreviate_full(s, l, rt).unwrap_or_default()))
    });
    r.add("trunc", |a| {
        a.exact(2)?;
        let (c, s) = (a.int(0)?, a.str(1)?);
        let n = s.len() as i64;
        Ok(vs(if c < 0 && n + c > 0 {
            bytes(&s.as_bytes()[(n + c) as usize..])
        } else if c >= 0 && n > c {
            bytes(&s.as_bytes()[..c as usize])
        } else {
            s.to_string()
        }))
    });
    r.add("trim", |a| {
        a.exact(1)?;
        Ok(vs(a.str(0)?.trim_matches(is_space)))
    });
    r.add("upper", |a| {
        a.exact(1)?;
        Ok(vs(upper(a.str(0)?)))
    });
    r.add("lower", |a| {
        a.exact(1)?;
        Ok(vs(lower(a.str(0)?)))
    });
    r.add("title", |a| {
        a.exact(1)?;
        Ok(vs(title(a.str(0)?)))
    });
    r.add("untitle", |a| {
        a.exact(1)?;
        let mut next = true;
        let out: String = a
            .str(0)?
            .chars()
            .map(|c| {
                if is_space(c) {
                    next = true;
                    c
                } else if next {
                    next = false;
                    to_lower(c)
                } else {
                    c
                }
            })
            .collect();
        Ok(vs(out))
    });
    r.add("substr", |a| {
        a.exact(3)?;
        let (start, end, s) = (a.int(0)?, a.int(1)?, a.str(2)?);
        let n = s.len() as i64;
        let (lo, hi) = if start < 0 {
            (0, end)
        } else if end < 0 || end > n {
            (start, n)
        } else {
            (start, end)
        };
        if start < 0 && (hi < 0 || hi > n) {
            return Err(format!(
                "runtime error: slice bounds out of range [:{hi}] with length {n}"
            ));
        }
        if lo > hi {
            return Err(format!("runtime error: slice bounds out of range [{lo}:{hi}]"));
        }
        Ok(vs(bytes(&s.as_bytes()[lo as usize..hi as usize])))
    });
    r.add("repeat", |a| {
        a.exact(2)?;
        let (n, s) = (a.int(0)?, a.str(1)?);
        repeat(s, n).map(Value::String)
    });
    for name in ["trimall", "trimAll"] {
        r.add(name, |a| {
            a.exact(2)?;
            let (cut, s) = (a.str(0)?, a.str(1)?);
            Ok(vs(s.trim_matches(|c| cut.contains(c))))
        });
    }
    r.add("trimSuffix", |a| {
        a.exact(2)?;
        let (suf, s) = (a.str(0)?, a.str(1)?);
        Ok(vs(s.strip_suffix(suf).unwrap_or(s)))
    });
    r.add("trimPrefix", |a| {
        a.exact(2)?;
        let (pre, s) = (a.str(0)?, a.str(1)?);
        Ok(vs(s.strip_prefix(pre).unwrap_or(s)))
    });
    r.add("nospace", |a| {
        a.exact(1)?;
        let s = a.str(0)?;
        // goutils walks bytes, each taken as a rune (Latin-1): non-ASCII text comes out
        // re-encoded unless nothing was removed.
        if s.bytes().all(|b| !is_space(b as char)) {
            return Ok(vs(s));
        }
        Ok(vs(s
            .bytes()
            .map(|b| b as char)
            .filter(|c| !is_space(*c))
            .collect::<String>()))
    });
    r.add("initials", |a| {
        a.exact(1)?;
        let mut gap = true;
        let mut out = String::new();
        for c in a.str(0)?.bytes().map(|b| b as char) {
            if is_space(c) {
                gap = true;
            } else if gap {
                out.push(c);
                gap = false;
            }
        }
        Ok(vs(out))
    });
    r.add("swapcase", |a| {
        a.exact(1)?;
        let mut ws = true;
        let out: String = a
            .str(0)?
            .chars()
            .map(|c| {
                if is_upper(c) || is_title(c) {
                    ws = false;
                    to_lower(c)
                } else if is_lower(c) {
                    if ws {
                        ws = false;
                        to_title(c)
                    } else {
                        to_upper(c)
                    }
                } else {
                    ws = is_space(c);
                    c
                }
            })
            .collect();
        Ok(vs(out))
    });
    r.add("wrap", |a| {
        a.exact(2)?;
        Ok(vs(wrap_custom(a.str(1)?, a.int(0)?, "", false)))
    });
    r.add("wrapWith", |a| {
        a.exact(3)?;
        Ok(vs(wrap_custom(a.str(2)?, a.int(0)?, a.str(1)?, true)))
    });
    r.add("contains", |a| {
        a.exact(2)?;
        Ok(Value::Bool(a.str(1)?.contains(a.str(0)?)))
    });
    r.add("hasPrefix", |a| {
        a.exact(2)?;
        Ok(Value::Bool(a.str(1)?.starts_with(a.str(0)?)))
    });
    r.add("hasSuffix", |a| {
        a.exact(2)?;
        Ok(Value::Bool(a.str(1)?.ends_with(a.str(0)?)))
    });
    r.add("quote", |a| {
        let out: Vec<String> =
            a.v.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| go_quote(&strval(v)))
                .collect();
        Ok(vs(out.join(" ")))
    });
    r.add("squote", |a| {
        let out: Vec<String> =
            a.v.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| format!("'{}'", sprint_value(v)))
                .collect();
        Ok(vs(out.join(" ")))
    });
    r.add("cat", |a| {
        let out: Vec<String> =
            a.v.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(sprint_value)
                .collect();
        Ok(vs(out.join(" ")))
    });
    r.add("indent", |a| {
        a.exact(2)?;
        indent(a.int(0)?, a.str(1)?).map(Value::String)
    });
    r.add("nindent", |a| {
        a.exact(2)?;
        indent(a.int(0)?, a.str(1)?).map(|s| Value::String(format!("\n{s}")))
    });
    r.add("replace", |a| {
        a.exact(3)?;
        let (old, new, src) = (a.str(0)?, a.str(1)?, a.str(2)?);
        Ok(vs(replace_all(src, old, new)))
    });
    r.add("plural", |a| {
        a.exact(3)?;
        let (one, many, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
        Ok(vs(if n == 1 { one } else { many }))
    });
    r.add("toString", |a| {
        a.exact(1)?;
        Ok(vs(strval(a.any(0))))
    });
    r.add("split", |a| {
        a.exact(2)?;
        Ok(indexed(split(a.str(1)?, a.str(0)?, -1)))
    });
    r.add("splitList", |a| {
        a.exact(2)?;
        Ok(strings(split(a.str(1)?, a.str(0)?, -1)))
    });
    r.add("splitn", |a| {
        a.exact(3)?;
        Ok(indexed(split(a.str(2)?, a.str(0)?, a.int(1)?)))
    });
    r.add("toStrings", |a| {
        a.exact(1)?;
        Ok(strings(strslice(a.any(0))))
    });
}

/// Bytes cut from a string, as text.
fn bytes(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `strings.Repeat`, which panics on a negative count.
pub(crate) fn repeat(s: &str, n: i64) -> Result<String, String> {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if n > 0 && (s.len() as u128) * (n as u128) > (1u128 << 31) {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(s.repeat(n as usize))
}

fn indent(n: i64, s: &str) -> Result<String, String> {
    let pad = repeat(" ", n)?;
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

/// Go's `strings.Replace(s, old, new, -1)`; an empty `old` matches before every rune and at
/// the end, as Rust's `replace` does too.
fn replace_all(s: &str, old: &str, new: &str) -> String {
    s.replace(old, new)
}

/// Go's `strings.SplitN` (n < 0: all; n == 0: none); an empty separator splits into runes.
pub(crate) fn split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 || n as usize > chars.len() {
            chars.len()
        } else {
            n as usize
        };
        let mut out: Vec<String> = chars
            .iter()
            .take(limit.saturating_sub(1))
            .map(|c| c.to_string())
            .collect();
        if limit > 0 {
            out.push(chars[limit - 1..].iter().collect());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    }
}

/// Sprig's `split` result: `map[string]string{"_0": …, "_1": …}`.
fn indexed(parts: Vec<String>) -> Value {
    Value::Map(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), Value::String(p)))
            .collect(),
    )
}

/// Go's (deprecated) `strings.Title`: upper-cases each letter that follows a separator.
fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) { to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    is_space(c)
}

/// goutils' `AbbreviateFull` (byte offsets); `None` where it returns an error.
fn abbreviate_full(s: &str, offset: i64, max: i64) -> Option<String> {
    let b = s.as_bytes();
    let n = b.len() as i64;
    if s.is_empty() {
        return Some(String::new());
    }
    if max < 4 {
        return None;
    }
    if n <= max {
        return Some(s.into());
    }
    let mut offset = offset.min(n);
    if n - offset < max - 3 {
        offset = n - (max - 3);
    }
    if offset <= 4 {
        return Some(format!("{}...", bytes(&b[..(max - 3) as usize])));
    }
    if max < 7 {
        return None;
    }
    if offset + max - 3 < n {
        let rest = bytes(&b[offset as usize..]);
        return Some(format!("...{}", abbreviate_full(&rest, 0, max - 3)?));
    }
    Some(format!("...{}", bytes(&b[(n - (max - 3)) as usize..])))
}

/// goutils' `WrapCustom` (byte offsets, wrapping at spaces).
fn wrap_custom(s: &str, len: i64, nl: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let len = len.max(1) as usize;
    let b = s.as_bytes();
    let n = b.len();
    let mut off = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while n - off > len {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = len + off + 1;
        let space = b[off..end].iter().rposition(|c| *c == b' ');
        if let Some(sp) = space {
            let at = sp + off;
            out.extend_from_slice(&b[off..at]);
            out.extend_from_slice(nl.as_bytes());
            off = at + 1;
        } else if long_words {
            let end = len + off;
            out.extend_from_slice(&b[off..end]);
            out.extend_from_slice(nl.as_bytes());
            off += len;
        } else {
            let end = len + off;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[off..]);
                    off = n;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[off..at]);
                    out.extend_from_slice(nl.as_bytes());
                    off = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[off..]);
    bytes(&out)
}
