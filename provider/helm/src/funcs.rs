//! Helm's own template functions (`engine/funcs.go` and `initFunMap`), on top of Sprig's:
//! `include`, `tpl`, `required`, `fail`, `lookup`, and the YAML/JSON converters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use circleci_gotemplate::{FuncMap, Function, Map, MissingKey, Templates, Value};

use crate::yaml;

/// How often one template may be included inside itself (Helm's `recursionMaxNums`).
const RECURSION_MAX: usize = 1000;

/// Marks a `required`/`fail` message so the error report can quote it alone (Helm's
/// `warnWrap`).
pub(crate) const WARN_START: &str = "HELM_ERR_START";
pub(crate) const WARN_END: &str = "HELM_ERR_END";

/// Answers `lookup` from a live cluster. Without one, `lookup` returns an empty map, as
/// `helm template` does.
pub trait Lookup: Send + Sync {
    /// The object (or, with an empty name, the `List` of objects) as a map; an empty map
    /// when it does not exist.
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, String>;
}

/// The template set a function runs templates of, bound once parsing is done.
pub(crate) type SetCell = Arc<OnceLock<Templates>>;

/// Include depth per template name, shared by every `include` and `tpl` of one render.
pub(crate) type Included = Arc<Mutex<HashMap<String, usize>>>;

fn func(f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static) -> Function {
    Arc::new(f)
}

fn string_arg<'a>(name: &str, args: &'a [Value], i: usize) -> Result<&'a str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "wrong type for value; expected string; got {}",
            circleci_gotemplate::fmt::type_name(other)
        )),
        None => Err(format!(
            "wrong number of args for {name}: want {} got {}",
            i + 1,
            args.len()
        )),
    }
}

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("wrong number of args for {name}: want {n} got {}", args.len()))
    }
}

/// `toYaml`: `yaml.Marshal` with the final newline trimmed; used by `.Files.AsConfig` too.
pub(crate) fn to_yaml_trimmed(v: &Value) -> Result<String, String> {
    yaml::to_yaml(v).map(|s| s.strip_suffix('\n').map(str::to_string).unwrap_or(s))
}

/// `include`: executes template `name` of the set in `cell`, counting nesting.
fn include(cell: SetCell, included: Included) -> Function {
    func(move |args| {
        arity("include", args, 2)?;
        let name = string_arg("include", args, 0)?.to_string();
        {
            let mut depth = included.lock().unwrap_or_else(|e| e.into_inner());
            let d = depth.entry(name.clone()).or_insert(0);
            if *d > RECURSION_MAX {
                return Err(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                ));
            }
            *d += 1;
        }
        let set = cell.get().ok_or("include called before the templates were parsed")?;
        let r = set.execute(&name, &args[1]);
        if let Some(d) = included.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&name) {
            *d -= 1;
        }
        r.map(Value::String).map_err(|e| e.to_string())
    })
}

/// `tpl`: parses its text as a template of a copy of the set (so it can use and define
/// named templates) and executes it with the given data, `<no value>` removed.
fn tpl(cell: SetCell, included: Included) -> Function {
    func(move |args| {
        arity("tpl", args, 2)?;
        let text = string_arg("tpl", args, 0)?;
        let parent = cell.get().ok_or("tpl called before the templates were parsed")?;
        let inner: SetCell = Arc::new(OnceLock::new());
        let mut copy = parent.clone();
        copy.set_missing_key(MissingKey::Zero);
        copy.add_funcs(FuncMap::from([
            ("include".to_string(), include(inner.clone(), included.clone())),
            ("tpl".to_string(), tpl(inner.clone(), included.clone())),
        ]));
        copy.parse("gotpl", text)
            .map_err(|e| format!("cannot parse template {}: {e}", go_quote(text)))?;
        let _ = inner.set(copy.clone());
        let out = copy
            .execute("gotpl", &args[1])
            .map_err(|e| format!("error during tpl function execution for {}: {e}", go_quote(text)))?;
        Ok(Value::String(out.replace("<no value>", "")))
    })
}

fn go_quote(s: &str) -> String {
    circleci_gotemplate::fmt::quote(s)
}

/// Helm's additions to Sprig, bound to the template set in `cell`.
pub(crate) fn helm_functions(cell: SetCell, included: Included, lookup: Option<Arc<dyn Lookup>>) -> FuncMap {
    let mut m = FuncMap::new();
    m.insert("include".into(), include(cell.clone(), included.clone()));
    m.insert("tpl".into(), tpl(cell, included));
    m.insert(
        "required".into(),
        func(|args| {
            arity("required", args, 2)?;
            let warn = string_arg("required", args, 0)?;
            match &args[1] {
                Value::Nil => Err(format!("{WARN_START}{warn}{WARN_END}")),
                Value::String(s) if s.is_empty() => Err(format!("{WARN_START}{warn}{WARN_END}")),
                v => Ok(v.clone()),
            }
        }),
    );
    m.insert(
        "fail".into(),
        func(|args| {
            arity("fail", args, 1)?;
            Err(format!("{WARN_START}{}{WARN_END}", string_arg("fail", args, 0)?))
        }),
    );
    m.insert(
        "lookup".into(),
        func(move |args| {
            arity("lookup", args, 4)?;
            let a: Vec<&str> = (0..4)
                .map(|i| string_arg("lookup", args, i))
                .collect::<Result<_, _>>()?;
            match &lookup {
                Some(l) => l.lookup(a[0], a[1], a[2], a[3]),
                None => Ok(Value::Map(Map::new())),
            }
        }),
    );
    // Helm renders without DNS unless asked (`--enable-dns`): the lookup answers "".
    m.insert(
        "getHostByName".into(),
        func(|args| {
            arity("getHostByName", args, 1)?;
            Ok(Value::String(String::new()))
        }),
    );
    m.insert(
        "toYaml".into(),
        func(|args| {
            arity("toYaml", args, 1)?;
            Ok(Value::String(to_yaml_trimmed(&args[0]).unwrap_or_default()))
        }),
    );
    m.insert(
        "mustToYaml".into(),
        func(|args| {
            arity("mustToYaml", args, 1)?;
            to_yaml_trimmed(&args[0]).map(Value::String)
        }),
    );
    // Helm 3.17's indented form; this engine emits the same document as toYaml.
    m.insert(
        "toYamlPretty".into(),
        func(|args| {
            arity("toYamlPretty", args, 1)?;
            Ok(Value::String(to_yaml_trimmed(&args[0]).unwrap_or_default()))
        }),
    );
    // Helm's toToml prints the encoder's error in place of the document.
    m.insert(
        "toToml".into(),
        func(|args| {
            arity("toToml", args, 1)?;
            Ok(Value::String(yaml::to_toml(&args[0]).unwrap_or_else(|e| e)))
        }),
    );
    m.insert(
        "fromYaml".into(),
        func(|args| {
            arity("fromYaml", args, 1)?;
            let text = string_arg("fromYaml", args, 0)?;
            Ok(match yaml::parse(text) {
                Ok(Value::Map(m)) => Value::Map(m),
                Ok(Value::Nil) => Value::Map(Map::new()),
                Ok(_) => error_map("error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"),
                Err(e) => error_map(&format!("error converting YAML to JSON: {e}")),
            })
        }),
    );
    m.insert(
        "fromYamlArray".into(),
        func(|args| {
            arity("fromYamlArray", args, 1)?;
            let text = string_arg("fromYamlArray", args, 0)?;
            Ok(match yaml::parse(text) {
                Ok(Value::List(l)) => Value::List(l),
                Ok(Value::Nil) => Value::List(vec![]),
                Ok(_) => Value::List(vec![Value::String(
                    "error unmarshaling JSON: json: cannot unmarshal object into Go value of type []interface {}"
                        .into(),
                )]),
                Err(e) => Value::List(vec![Value::String(format!("error converting YAML to JSON: {e}"))]),
            })
        }),
    );
    m.insert(
        "fromJson".into(),
        func(|args| {
            arity("fromJson", args, 1)?;
            let text = string_arg("fromJson", args, 0)?;
            Ok(match serde_json::from_str::<serde_json::Value>(text) {
                Ok(j @ serde_json::Value::Object(_)) => crate::convert::from_json(&j),
                Ok(serde_json::Value::Null) => Value::Map(Map::new()),
                Ok(_) => error_map("json: cannot unmarshal value into Go value of type map[string]interface {}"),
                Err(e) => error_map(&e.to_string()),
            })
        }),
    );
    m.insert(
        "fromJsonArray".into(),
        func(|args| {
            arity("fromJsonArray", args, 1)?;
            let text = string_arg("fromJsonArray", args, 0)?;
            Ok(match serde_json::from_str::<serde_json::Value>(text) {
                Ok(j @ serde_json::Value::Array(_)) => crate::convert::from_json(&j),
                Ok(serde_json::Value::Null) => Value::List(vec![]),
                Ok(_) => Value::List(vec![Value::String(
                    "json: cannot unmarshal value into Go value of type []interface {}".into(),
                )]),
                Err(e) => Value::List(vec![Value::String(e.to_string())]),
            })
        }),
    );
    m
}

/// `map[string]interface{}{"Error": msg}`: how Helm's from* functions report bad input.
fn error_map(msg: &str) -> Value {
    Value::Map(Map::from([("Error", Value::String(msg.to_string()))]))
}
