//! The conversions Sprig applies to `interface{}` arguments: spf13/cast's `ToInt64` and
//! `ToFloat64`, Sprig's `strval`, `empty` and `toStrings`, and `reflect.DeepEqual`.

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::sprint_value;

/// Go's `int64(f)` on amd64: truncation, and the "integer indefinite" value
/// (`-9223372036854775808`) for NaN and anything out of range.
pub(crate) fn go_f2i(f: f64) -> i64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    // 2^63 bounds: i64::MAX itself is not representable as f64.
    if f.is_nan() || !(-TWO_63..TWO_63).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// spf13/cast's `trimZeroDecimal`: `"12.000"` becomes `"12"`, `"12.50"` is left alone.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `strconv.ParseInt(s, base, 64)`, base 0 reading the `0x`/`0o`/`0b`/`0` prefixes and
/// allowing `_` between digits.
pub(crate) fn parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let base0 = base == 0;
    if body == "0" {
        return Some(0);
    }
    let (base, digits) = if base0 {
        let lower = body.to_ascii_lowercase();
        if body.len() >= 3 && lower.starts_with("0x") {
            (16, &body[2..])
        } else if body.len() >= 3 && lower.starts_with("0o") {
            (8, &body[2..])
        } else if body.len() >= 3 && lower.starts_with("0b") {
            (2, &body[2..])
        } else if body.starts_with('0') && body.len() > 1 {
            (8, &body[1..])
        } else {
            (10, body)
        }
    } else {
        (base, body)
    };
    if !digits.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return None;
    }
    if digits.contains('_') && !(base0 && underscore_ok(body)) {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let mag = u64::from_str_radix(&clean, base).ok()?;
    if neg {
        if mag > i64::MAX as u64 + 1 {
            None
        } else {
            Some((mag as i128).wrapping_neg() as i64)
        }
    } else if mag > i64::MAX as u64 {
        None
    } else {
        Some(mag as i64)
    }
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' {
        let c = b[1].to_ascii_lowercase();
        if c == b'x' || c == b'o' || c == b'b' {
            hex = c == b'x';
            i = 2;
            saw = b'0';
        }
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)`, `None` on a syntax or range error.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(['+', '-']);
    let lower = t.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !special
        && !t
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    if s.len() - t.len() > 1 {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if f.is_infinite() && !special {
        return None;
    }
    Some(f)
}

/// spf13/cast's `ToInt64` (and `ToInt`): 0 for anything it cannot convert.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Nil => 0,
        Value::Bool(b) => *b as i64,
        Value::Int(i) => *i,
        Value::Float(f) => go_f2i(*f),
        Value::String(s) => parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64`: 0 for anything it cannot convert.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Nil => 0.0,
        Value::Bool(b) => *b as i64 as f64,
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Sprig's `strval`: a string as it is, a Stringer's `String()`, anything else `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => sprint_value(other),
    }
}

/// Sprig's `empty`: nil, false, 0, 0.0, "" and empty lists and maps; a struct never is.
pub(crate) fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) => false,
    }
}

/// Sprig's `strslice` (`toStrings`): each non-nil element through `strval`; a non-list is a
/// one-element list, nil an empty one.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !matches!(x, Value::Nil)).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Go's `reflect.DeepEqual` over template values: same type and same contents (so `1` and
/// `1.0` differ, and NaN is not equal to itself).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_equal(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (x, y) = (x.entries(), y.entries());
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_equal(v1, v2))
        }
        (Value::Object(x), Value::Object(y)) => x.type_name() == y.type_name() && x.display() == y.display(),
        _ => false,
    }
}

/// The Go kind of a value, as `reflect.Value.Kind().String()` names it.
pub(crate) fn kind_of(v: &Value) -> String {
    match v {
        Value::Nil => "invalid".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_) => "int".into(),
        Value::Float(_) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::List(_) => "slice".into(),
        Value::Map(_) => "map".into(),
        Value::Object(o) if o.type_name().starts_with('*') => "ptr".into(),
        Value::Object(_) => "struct".into(),
    }
}

/// Wraps strings as template values.
pub(crate) fn strings(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::String).collect())
}
