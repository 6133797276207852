//! YAML as Helm reads and writes it (sigs.k8s.io/yaml over go-yaml v2).
//!
//! Reading: YAML 1.1 (`yes`/`no`/`on`/`off` are booleans), then through JSON, so every number
//! becomes a float64 ([`Value::Float`]) and map keys become strings. Writing: go-yaml v2's
//! `Marshal` of the value as JSON sees it (keys sorted, no line wrapping).
//!
//! INTERIM: a first cut over yaml-rust2's loader (YAML 1.2 resolution); replaced by a
//! faithful reader and emitter checked against go-yaml v2 itself.

use std::collections::BTreeMap;

use circleci_gotemplate::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// A YAML text that does not parse, with the 1-based line Helm's message would name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("yaml: line {line}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

/// Reads one YAML document as `yaml.Unmarshal` into `interface{}` does in Helm
/// (sigs.k8s.io/yaml): an empty document is [`Value::Nil`].
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| YamlError {
        line: e.marker().line(),
        message: e.info().to_string(),
    })?;
    Ok(docs.first().map(convert).unwrap_or(Value::Nil))
}

/// Reads a values file (`chartutil.ReadValues`): a map, or empty; anything else is an error.
pub fn parse_values(text: &str) -> Result<BTreeMap<String, Value>, YamlError> {
    match parse(text)? {
        Value::Nil => Ok(BTreeMap::new()),
        Value::Map(m) => Ok(m),
        _ => Err(YamlError {
            line: 1,
            message:
                "error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
                    .into(),
        }),
    }
}

/// Helm's `toYaml` before its final-newline trim: `yaml.Marshal(v)` (sigs.k8s.io/yaml).
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    emit(v, 0, &mut out, false);
    if out.is_empty() || !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

fn convert(y: &Yaml) -> Value {
    match y {
        Yaml::Real(s) => Value::Float(s.parse().unwrap_or(0.0)),
        Yaml::Integer(i) => Value::Float(*i as f64),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::List(a.iter().map(convert).collect()),
        Yaml::Hash(h) => Value::Map(
            h.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Real(s) => s.clone(),
                        Yaml::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (key, convert(v))
                })
                .collect(),
        ),
        _ => Value::Nil,
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => circleci_gotemplate::fmt::format_float(*f, 'g', -1),
        Value::String(s) => {
            let plain = !s.is_empty()
                && !s.contains([
                    '\n', ':', '#', '"', '\'', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`',
                ])
                && !s.starts_with([' ', '-', '?'])
                && !s.ends_with(' ')
                && matches!(parse(s), Ok(Value::String(ref p)) if p == s);
            if plain { s.clone() } else { format!("{s:?}") }
        }
        _ => String::new(),
    }
}

fn emit(v: &Value, indent: usize, out: &mut String, in_list: bool) {
    let pad = " ".repeat(indent);
    match v {
        Value::Map(m) if !m.is_empty() => {
            for (i, (k, val)) in m.iter().enumerate() {
                if !(in_list && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str(&scalar(&Value::String(k.clone())));
                out.push(':');
                match val {
                    Value::Map(c) if !c.is_empty() => {
                        out.push('\n');
                        emit(val, indent + 2, out, false);
                    }
                    Value::List(c) if !c.is_empty() => {
                        out.push('\n');
                        emit(val, indent, out, false);
                    }
                    _ => {
                        out.push(' ');
                        emit(val, indent, out, false);
                    }
                }
            }
        }
        Value::List(l) if !l.is_empty() => {
            for item in l {
                out.push_str(&pad);
                out.push_str("- ");
                emit(item, indent + 2, out, true);
            }
        }
        Value::Map(_) => out.push_str("{}\n"),
        Value::List(_) => out.push_str("[]\n"),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}
