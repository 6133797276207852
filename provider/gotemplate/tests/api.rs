//! The public API as the Sprig and Helm crates use it: functions, re-entrant execution (an
//! `include` built on the set), Objects with methods, error fields, speed.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use circleci_gotemplate::{Error, FuncMap, Function, MissingKey, Object, Templates, Value};

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>()
            .into(),
    )
}

/// `include` as Helm builds it: a closure executing templates of the finished set.
fn with_include() -> (Templates, Arc<OnceLock<Templates>>) {
    let cell: Arc<OnceLock<Templates>> = Arc::new(OnceLock::new());
    let c = cell.clone();
    let include: Function = Arc::new(move |args: &[Value]| {
        let [Value::String(name), data] = args else {
            return Err("include wants a name and data".into());
        };
        let set = c.get().ok_or("set not ready")?;
        set.execute(name, data).map(Value::String).map_err(|e| e.to_string())
    });
    let fail: Function = Arc::new(|_args: &[Value]| Err("boom".to_string()));
    let mut funcs = FuncMap::new();
    funcs.insert("include".into(), include);
    funcs.insert("fail".into(), fail);
    (Templates::new().with_funcs(funcs).missing_key(MissingKey::Zero), cell)
}

#[test]
fn include_reenters_the_set() {
    let (mut t, cell) = with_include();
    t.parse(
        "_helpers.tpl",
        "{{- define \"name\" -}}{{ .Values.name | printf \"%s-app\" }}{{- end -}}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    t.parse(
        "deploy.yaml",
        "name: {{ include \"name\" . }}\nmissing: {{ .Values.nope }}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = cell.set(t.clone());
    let data = map(&[("Values", map(&[("name", Value::String("web".into()))]))]);
    assert_eq!(
        t.execute("deploy.yaml", &data).ok().as_deref(),
        Some("name: web-app\nmissing: <no value>")
    );
    assert_eq!(t.names(), vec!["_helpers.tpl", "deploy.yaml", "name"]);
}

#[test]
fn errors_expose_name_line_message() {
    let (mut t, _cell) = with_include();
    let e = t.parse("bad.yaml", "a\n{{ if }}").err();
    assert!(
        matches!(&e, Some(Error::Parse { name, line: 2, message }) if name == "bad.yaml" && message == "missing value for if"),
        "{e:?}"
    );
    assert!(t.parse("nofn.yaml", "{{ nosuch 1 }}").is_err());
    t.parse("f.yaml", "x\n  {{ fail 1 }}").unwrap_or_else(|e| panic!("{e}"));
    let e = t.execute("f.yaml", &Value::Nil).err();
    assert_eq!(
        e.as_ref().map(ToString::to_string).as_deref(),
        Some("template: f.yaml:2:5: executing \"f.yaml\" at <fail 1>: error calling fail: boom")
    );
    assert_eq!(e.as_ref().and_then(Error::line), Some(2));
    assert_eq!(e.as_ref().map(Error::message), Some("error calling fail: boom"));
}

struct Caps;
impl Object for Caps {
    fn type_name(&self) -> &str {
        "chartutil.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "KubeVersion").then(|| Value::String("v1.30.0".into()))
    }
    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        match (name, args.as_slice()) {
            ("Has", [Value::String(v)]) => Some(Ok(Value::Bool(v == "apps/v1"))),
            ("Has", _) => Some(Err("Has wants one string".into())),
            _ => None,
        }
    }
}

#[test]
fn objects_fields_and_methods() {
    let mut t = Templates::new();
    t.parse("t", "{{ .C.KubeVersion }} {{ .C.Has \"apps/v1\" }} {{ .C.Has \"x/v1\" }} {{ if .C }}true{{ end }} {{ printf \"%T\" .C }}")
        .unwrap_or_else(|e| panic!("{e}"));
    let data = map(&[("C", Value::Object(Arc::new(Caps)))]);
    assert_eq!(
        t.execute("t", &data).ok().as_deref(),
        Some("v1.30.0 true false true chartutil.Capabilities")
    );
    t.parse("u", "{{ .C.Nope }}").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        t.execute("u", &data)
            .err()
            .is_some_and(|e| e.message() == "can't evaluate field Nope in type interface {}")
    );
}

#[test]
fn sets_are_send_sync_and_fast() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Templates>();
    let (mut t, cell) = with_include();
    t.parse(
        "_h.tpl",
        "{{ define \"labels\" }}app: {{ .Values.name }}\nrelease: {{ .Release }}{{ end }}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n{{ include \"labels\" . | printf \"%s\" }}\ndata:\n{{- range $k, $v := .Values.items }}\n  {{ $k }}: {{ $v | quote }}\n{{- end }}\n{{- if and .Values.enabled (gt (len .Values.list) 2) }}\n  extra: {{ index .Values.list 1 }}\n{{- end }}\n";
    let body = body.replace("| quote", "| printf \"%q\"");
    let started = std::time::Instant::now();
    for i in 0..30 {
        t.parse(&format!("t{i}.yaml"), &body).unwrap_or_else(|e| panic!("{e}"));
    }
    let _ = cell.set(t.clone());
    let items: BTreeMap<String, Value> = (0..50)
        .map(|i| (format!("k{i}"), Value::String(format!("v{i}"))))
        .collect();
    let values = map(&[
        ("name", Value::String("web".into())),
        ("enabled", Value::Bool(true)),
        ("items", Value::Map(items.into())),
        ("list", Value::List((0..10).map(|i| Value::Float(i as f64)).collect())),
    ]);
    let data = map(&[("Values", values), ("Release", Value::String("r1".into()))]);
    let mut total = 0;
    for i in 0..30 {
        total += t
            .execute(&format!("t{i}.yaml"), &data)
            .unwrap_or_else(|e| panic!("{e}"))
            .len();
    }
    let took = started.elapsed();
    assert!(total > 30 * 500);
    // generous for a debug build; a release build takes about a millisecond
    assert!(took.as_millis() < 500, "30 templates took {took:?}");
}

#[test]
fn runaway_recursion_is_an_error_not_a_crash() {
    let mut t = Templates::new();
    t.parse("t", "{{define \"a\"}}{{if true}}{{with .}}{{range .}}{{template \"a\" $}}{{end}}{{end}}{{end}}{{end}}{{template \"a\" .}}")
        .unwrap_or_else(|e| panic!("{e}"));
    let data = Value::List(vec![Value::Int(1)]);
    let e = t.execute("t", &data).err();
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message().starts_with("exceeded maximum template depth")),
        "{e:?}"
    );
}
