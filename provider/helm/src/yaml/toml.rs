//! Helm's `toToml`: BurntSushi/toml v1.3's encoder (Helm 3.14/3.15) on the `interface{}`
//! values templates hold. v1.2 (Helm 3.12/3.13) differs only in refusing a top-level value
//! that is not a map ("toml: top-level values must be Go maps or structs"); v1.3 writes it.

use circleci_gotemplate::Value;

/// The encoder's output, with its `hasWritten` flag for `newline()`.
struct Enc {
    out: String,
    written: bool,
}

const INDENT: &str = "  ";

fn nil_elem() -> String {
    "toml: cannot encode array with nil element".into()
}

impl Enc {
    fn wf(&mut self, s: &str) {
        self.out.push_str(s);
        self.written = true;
    }

    fn newline(&mut self) {
        if self.written {
            self.wf("\n");
        }
    }

    /// `encode(key, rv)`.
    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => Ok(()),
            Value::Map(_) => self.table(key, v),
            Value::List(l) if is_table_array(l)? => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".into());
                }
                for item in l {
                    self.newline();
                    self.wf(&format!("{}[[{}]]", indent(key), key_string(key)));
                    self.newline();
                    self.map(key, item, false)?;
                }
                Ok(())
            }
            _ => self.key_value(key, v, false),
        }
    }

    /// `eTable`: a blank line before top-level tables, then the `[a.b]` header.
    fn table(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            self.wf(&format!("{}[{}]", indent(key), key_string(key)));
            self.newline();
        }
        self.map(key, v, false)
    }

    /// `eMap`: keys with plain values first, then tables and arrays of tables, each sorted.
    fn map(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let Value::Map(m) = v else {
            return Err(format!("toml: unexpected type: {}", go_type(v)));
        };
        let entries = m.entries();
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, val) in &entries {
            if is_table(val)? {
                sub.push((k, val));
            } else {
                direct.push((k, val));
            }
        }
        if inline {
            self.wf("{");
        }
        let trail = !sub.is_empty();
        for (group, trail_comma) in [(direct, trail), (sub, false)] {
            let n = group.len();
            for (i, (k, val)) in group.into_iter().enumerate() {
                if matches!(val, Value::Nil) {
                    continue;
                }
                if inline {
                    self.key_value(std::slice::from_ref(k), val, true)?;
                    if trail_comma || i != n - 1 {
                        self.wf(", ");
                    }
                } else {
                    let mut child = key.to_vec();
                    child.push(k.clone());
                    self.encode(&child, val)?;
                }
            }
        }
        if inline {
            self.wf("}");
        }
        Ok(())
    }

    /// `writeKeyValue`: `key = value` (just the value at the top level).
    fn key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let Some(last) = key.last() else {
            return self.element(v);
        };
        self.wf(&format!("{}{} = ", indent(key), maybe_quoted(last)));
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    /// `eElement`: a value in inline form.
    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::String(s) => self.wf(&quoted(s)),
            Value::Bool(b) => self.wf(&b.to_string()),
            Value::Int(i) => self.wf(&i.to_string()),
            Value::Float(f) => {
                let s = if f.is_nan() {
                    "nan".to_string()
                } else if f.is_infinite() {
                    if *f < 0.0 { "-inf" } else { "+inf" }.to_string()
                } else {
                    let s = circleci_gotemplate::fmt::format_float(*f, 'f', -1);
                    if s.contains('.') { s } else { format!("{s}.0") }
                };
                self.wf(&s);
            }
            Value::List(l) => {
                self.wf("[");
                for (i, item) in l.iter().enumerate() {
                    if matches!(item, Value::Nil) {
                        // reflect panics on the nil interface; text/template reports it.
                        return Err("reflect: call of reflect.Value.Interface on zero Value".into());
                    }
                    self.element(item)?;
                    if i != l.len() - 1 {
                        self.wf(", ");
                    }
                }
                self.wf("]");
            }
            Value::Map(_) => self.map(&[], v, true)?,
            Value::Nil => return Err("reflect: call of reflect.Value.Interface on zero Value".into()),
            Value::Object(o) => return Err(format!("toml: unexpected type: {}", o.type_name())),
        }
        Ok(())
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::Object(_) => "object",
    }
}

/// `typeIsTable(tomlTypeOfGo(v))`; classifying a list looks at every element, and a nil one
/// is an error right there.
fn is_table(v: &Value) -> Result<bool, String> {
    Ok(match v {
        Value::Map(_) => true,
        Value::List(l) => is_table_array(l)?,
        _ => false,
    })
}

/// `isTableArray`: non-empty and every element a map. Typing each element recurses into
/// nested lists, so a nil anywhere down a list of lists is the nil-element error.
fn is_table_array(l: &[Value]) -> Result<bool, String> {
    if l.is_empty() {
        return Ok(false);
    }
    let mut all = true;
    for item in l {
        match item {
            Value::Nil => return Err(nil_elem()),
            Value::Map(_) => {}
            Value::List(inner) => {
                is_table_array(inner)?;
                all = false;
            }
            _ => all = false,
        }
    }
    Ok(all)
}

fn indent(key: &[String]) -> String {
    INDENT.repeat(key.len().saturating_sub(1))
}

fn key_string(key: &[String]) -> String {
    key.iter().map(|k| maybe_quoted(k)).collect::<Vec<_>>().join(".")
}

/// Bare when made of `A-Za-z0-9_-`, else a basic string.
fn maybe_quoted(k: &str) -> String {
    if k.is_empty() {
        return "\"\"".into();
    }
    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// `writeQuoted`: the encoder's replacer (named escapes for \b \t \n \f \r, `\u00XX` for the
/// other controls and DEL).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Encodes `v` as `toml.NewEncoder(b).Encode(v)` does.
pub(crate) fn encode(v: &Value) -> Result<String, String> {
    let mut e = Enc {
        out: String::new(),
        written: false,
    };
    if matches!(v, Value::Nil) {
        return Err("reflect: call of reflect.Value.Type on zero Value".into());
    }
    e.encode(&[], v)?;
    Ok(e.out)
}
