//! `.Files`: a chart's non-template files as templates read them (Helm's `engine.files`).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use circleci_gotemplate::{Object, Value};

use crate::chart::File;

/// A chart's files by path.
#[derive(Clone, Default)]
pub(crate) struct Files(Arc<BTreeMap<String, Vec<u8>>>);

impl Files {
    pub(crate) fn new(files: &[File]) -> Files {
        Files(Arc::new(
            files.iter().map(|f| (f.name.clone(), f.data.clone())).collect(),
        ))
    }

    fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }

    fn by_base_name(&self, encode: bool) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let m: BTreeMap<String, Value> = self
            .0
            .iter()
            .map(|(k, v)| {
                let base = k.rsplit('/').next().unwrap_or(k).to_string();
                let text = if encode {
                    base64::engine::general_purpose::STANDARD.encode(v)
                } else {
                    String::from_utf8_lossy(v).into_owned()
                };
                (base, Value::String(text))
            })
            .collect();
        crate::funcs::to_yaml_trimmed(&Value::Map(m.into())).unwrap_or_default()
    }
}

fn one_string<'a>(name: &str, args: &'a [Value]) -> Result<&'a str, String> {
    match args {
        [Value::String(s)] => Ok(s),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            circleci_gotemplate::fmt::type_name(other)
        )),
        _ => Err(format!("wrong number of args for {name}: want 1 got {}", args.len())),
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" => Some(Value::String(self.by_base_name(false))),
            "AsSecrets" => Some(Value::String(self.by_base_name(true))),
            _ => None,
        }
    }
    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        let r = match name {
            "Get" | "GetBytes" => one_string(name, &args).map(|n| Value::String(self.get(n))),
            "Glob" => one_string(name, &args).map(|pattern| {
                let picked: BTreeMap<String, Vec<u8>> = self
                    .0
                    .iter()
                    .filter(|(k, _)| crate::glob::files_glob(pattern, k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Value::Object(Arc::new(Files(Arc::new(picked))))
            }),
            "Lines" => one_string(name, &args).map(|n| match self.0.get(n) {
                None => Value::List(vec![]),
                Some(d) => {
                    let s = String::from_utf8_lossy(d);
                    let s = s.strip_suffix('\n').unwrap_or(&s);
                    Value::List(s.split('\n').map(|l| Value::String(l.to_string())).collect())
                }
            }),
            _ => return None,
        };
        Some(r)
    }
    // Go's `files` is a map of []byte: `range` gives each path and its bytes.
    fn entries(&self) -> Option<BTreeMap<String, Value>> {
        Some(
            self.0
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::List(v.iter().map(|b| Value::Int(i64::from(*b))).collect()),
                    )
                })
                .collect(),
        )
    }
    fn display(&self) -> String {
        let entries: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}:{:?}", v)).collect();
        format!("map[{}]", entries.join(" "))
    }
}
