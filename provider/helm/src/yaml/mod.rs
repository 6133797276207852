//! YAML as Helm 3 reads and writes it: sigs.k8s.io/yaml (v1.3/v1.4) over go-yaml v2.4.
//!
//! Reading ([`parse`], [`parse_values`], [`parse_array`]): go-yaml v2 decodes the first document
//! with YAML 1.1 typing (`yes`/`no`/`on`/`off` are booleans, `0777` is octal, `<<` merges), then
//! the value goes through JSON, so every number becomes a float64 ([`Value::Float`]) and map
//! keys become strings (`1: a` → `"1"`, `1.5` via float32 formatting, `true` → `"true"`).
//!
//! Writing ([`to_yaml`]): `json.Marshal`, go-yaml reading the JSON back (integral floats become
//! ints again), then go-yaml v2's `Marshal`: keys in its natural order, strings quoted when they
//! would read back as something else, `|` blocks for strings with newlines, lists not indented
//! under their key, and long strings folded at 80 columns, as Helm 3's `toYaml` prints them.
//!
//! The syntax is scanned by yaml-rust2; the error wording and line numbers follow go-yaml's for
//! the common mistakes, not for every one.

mod emit;
mod load;
mod resolve;
mod toml;

use std::collections::BTreeMap;

use circleci_gotemplate::Value;

/// Which step of sigs.k8s.io/yaml's `Unmarshal` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// go-yaml rejected the text (syntax, bad merge, unknown anchor…).
    Syntax,
    /// The decoded YAML has no JSON form (a `.inf`, a `null` key…).
    ToJson,
    /// The JSON does not fit the target (`parse_values` of a list…).
    FromJson,
}

/// A YAML text Helm would not read.
///
/// Displays as go-yaml's own error (`yaml: line N: MESSAGE`, or `yaml: MESSAGE` when go-yaml
/// names no line) for [`YamlErrorKind::Syntax`], and as the bare JSON error otherwise;
/// [`YamlError::helm_message`] adds sigs.k8s.io/yaml's prefixes as Helm shows them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.go_message())]
pub struct YamlError {
    /// 1-based line go-yaml names; 0 when its message has no line.
    pub line: usize,
    /// The message without the `yaml: line N: ` prefix.
    pub message: String,
    pub kind: YamlErrorKind,
}

impl YamlError {
    pub(crate) fn syntax(line: usize, message: String) -> YamlError {
        YamlError {
            line,
            message,
            kind: YamlErrorKind::Syntax,
        }
    }

    pub(crate) fn to_json(message: String) -> YamlError {
        YamlError {
            line: 0,
            message,
            kind: YamlErrorKind::ToJson,
        }
    }

    fn go_message(&self) -> String {
        match self.kind {
            YamlErrorKind::Syntax if self.line > 0 => format!("yaml: line {}: {}", self.line, self.message),
            YamlErrorKind::Syntax => format!("yaml: {}", self.message),
            _ => self.message.clone(),
        }
    }

    /// The error text of sigs.k8s.io/yaml's `Unmarshal`, as Helm prints it (and as `fromYaml`
    /// puts it under `Error`): `error converting YAML to JSON: yaml: line 3: …` or
    /// `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal …`.
    pub fn helm_message(&self) -> String {
        match self.kind {
            YamlErrorKind::FromJson => format!("error unmarshaling JSON: while decoding JSON: {}", self.message),
            _ => format!("error converting YAML to JSON: {}", self.go_message()),
        }
    }
}

/// Reads one YAML document as Helm does with `yaml.Unmarshal(text, &v)` into `interface{}`:
/// only the first document counts (later ones are not even parsed), and an empty text is
/// [`Value::Nil`].
pub fn parse(text: &str) -> Result<Value, YamlError> {
    match load::load_first(text)? {
        None => Ok(Value::Nil),
        Some(n) => load::to_json_value(n),
    }
}

/// Go's encoding/json name for a value's JSON type, as in "cannot unmarshal array into …".
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) | Value::Object(_) => "object",
    }
}

/// Reads a values file as `chartutil.ReadValues`: a map, or empty (also for `null`); any other
/// document fails as encoding/json does decoding into `chartutil.Values`.
pub fn parse_values(text: &str) -> Result<BTreeMap<String, Value>, YamlError> {
    match parse(text)? {
        Value::Nil => Ok(BTreeMap::new()),
        Value::Map(m) => Ok(m.into_btree()),
        other => Err(YamlError {
            line: 0,
            message: format!(
                "json: cannot unmarshal {} into Go value of type chartutil.Values",
                json_type(&other)
            ),
            kind: YamlErrorKind::FromJson,
        }),
    }
}

/// Reads a YAML list as Helm's `fromYamlArray` does (`yaml.Unmarshal` into `[]interface{}`):
/// `null` or empty is an empty list, anything but a list fails. Helm's function puts
/// [`YamlError::helm_message`] in a one-element list on error.
pub fn parse_array(text: &str) -> Result<Vec<Value>, YamlError> {
    match parse(text)? {
        Value::Nil => Ok(Vec::new()),
        Value::List(l) => Ok(l),
        other => Err(YamlError {
            line: 0,
            message: format!(
                "json: cannot unmarshal {} into Go value of type []interface {{}}",
                json_type(&other)
            ),
            kind: YamlErrorKind::FromJson,
        }),
    }
}

/// Helm's `toYaml` before it trims the final newline: sigs.k8s.io/yaml's `Marshal(v)`. Fails as
/// encoding/json does on NaN and infinities (Helm's `toYaml` then prints nothing), and on
/// strings go-yaml refuses to read back from the JSON (control characters such as U+007F).
pub fn to_yaml(v: &Value) -> Result<String, String> {
    if depth(v) > MAX_WRITE_DEPTH {
        return Err(format!("toYaml: value nested deeper than {MAX_WRITE_DEPTH} levels"));
    }
    let v = json_readback(v)?;
    let n = emit::from_value(&v)?;
    Ok(emit::emit_document(&n))
}

/// Helm's `toToml`: BurntSushi/toml's encoder. Maps become tables (plain keys first, then
/// sub-tables and arrays of tables, each group sorted; nested tables indented by two spaces),
/// nil map values are left out, floats always carry a decimal point. `Err` holds the encoder's
/// message, which Helm's `toToml` prints in place of the document.
pub fn to_toml(v: &Value) -> Result<String, String> {
    if depth(v) > MAX_WRITE_DEPTH {
        return Err(format!("toToml: value nested deeper than {MAX_WRITE_DEPTH} levels"));
    }
    toml::encode(v)
}

/// The writer recurses; Go has no such limit, but no chart builds values this deep.
const MAX_WRITE_DEPTH: usize = 512;

/// Nesting depth of `v`, without recursion (the point is to guard the recursive writer),
/// counted no further than past the limit (a map set into itself nests without end).
fn depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v.clone(), 1usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        if max > MAX_WRITE_DEPTH {
            break;
        }
        match v {
            Value::List(l) => stack.extend(l.into_iter().map(|c| (c, d + 1))),
            Value::Map(m) => stack.extend(m.values().into_iter().map(|c| (c, d + 1))),
            _ => {}
        }
    }
    max
}

/// What go-yaml makes of the strings in the JSON text encoding/json writes: it leaves some
/// characters unescaped that YAML does not take literally. Outside YAML's printable set
/// (U+007F, C1 controls, U+FFFE/F) go-yaml's reader refuses the text; NEL (U+0085) is a line
/// break to YAML, folded inside a quoted string and fatal inside a key.
fn json_readback(v: &Value) -> Result<Value, String> {
    let control = |s: &str| {
        s.chars().any(|c| {
            let u = c as u32;
            u == 0x7F || ((0x80..=0x9F).contains(&u) && u != 0x85) || u == 0xFFFE || u == 0xFFFF
        })
    };
    let err = || "yaml: control characters are not allowed".to_string();
    Ok(match v {
        Value::String(s) if control(s) => return Err(err()),
        Value::String(s) if s.contains('\u{85}') => Value::String(fold_nel(s)),
        Value::List(l) => Value::List(l.iter().map(json_readback).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            let mut out = BTreeMap::new();
            for (k, v) in m.entries() {
                if control(&k) {
                    return Err(err());
                }
                if k.contains('\u{85}') {
                    return Err("yaml: did not find expected ',' or '}'".to_string());
                }
                out.insert(k, json_readback(&v)?);
            }
            Value::Map(out.into())
        }
        other => other.clone(),
    })
}

/// YAML's line folding in a double-quoted scalar, for raw NEL breaks: spaces around a run of
/// breaks go, one break becomes a space, n breaks become n-1 newlines.
fn fold_nel(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\u{85}' {
            let mut j = i;
            let mut breaks = 0;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\u{85}') {
                if chars[j] == '\u{85}' {
                    breaks += 1;
                }
                j += 1;
            }
            if breaks == 0 {
                out.extend(&chars[i..j]);
            } else if breaks == 1 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', breaks - 1));
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}
