//! `values.schema.json` checks, as Helm runs them before rendering (santhosh-tekuri/jsonschema
//! v6 in Helm 3.18+): each failure names the values path, in that library's words.
//!
//! The keywords charts use are checked: `type`, `properties`, `required`,
//! `additionalProperties`, `patternProperties`, `items`, `enum`, `const`, numeric bounds,
//! string lengths and `pattern`, array lengths and `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not`,
//! `if`/`then`/`else`, and `$ref` within the document (`#/definitions/...`, `#/$defs/...`).
//! References to other documents are not fetched (the engine does no I/O): they pass, as
//! Helm's unresolved `urn:` references do. `format` is an annotation, as the library's default.

use serde_json::Value as Json;

/// Checks `values` against `schema` (the file's bytes); `Err` holds Helm's listing, one
/// `- at '/path': message` line per failure, or why the schema itself is unusable.
pub fn validate(schema: &[u8], values: &Json) -> Result<(), String> {
    let root: Json = serde_json::from_slice(schema).map_err(|e| format!("values.schema.json is not JSON: {e}\n"))?;
    let mut failures = Vec::new();
    check(&root, &root, values, "", &mut failures);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.iter().map(|f| format!("- {f}\n")).collect())
    }
}

fn at(path: &str, message: String) -> String {
    format!("at '{path}': {message}")
}

fn type_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn is_type(v: &Json, t: &str) -> bool {
    let actual = type_of(v);
    actual == t || (t == "number" && actual == "integer")
}

fn resolve<'a>(root: &'a Json, reference: &str) -> Option<&'a Json> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

fn quote_list(items: &[Json]) -> String {
    items
        .iter()
        .map(|i| match i {
            Json::String(s) => format!("'{s}'"),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn check(root: &Json, schema: &Json, v: &Json, path: &str, out: &mut Vec<String>) {
    let s = match schema {
        Json::Bool(true) => return,
        Json::Bool(false) => {
            out.push(at(path, "false schema".into()));
            return;
        }
        Json::Object(s) => s,
        _ => return,
    };
    if let Some(Json::String(r)) = s.get("$ref")
        && let Some(target) = resolve(root, r)
    {
        check(root, target, v, path, out);
    }
    if let Some(t) = s.get("type") {
        let wanted: Vec<&str> = match t {
            Json::String(t) => vec![t.as_str()],
            Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
            _ => vec![],
        };
        if !wanted.is_empty() && !wanted.iter().any(|w| is_type(v, w)) {
            out.push(at(path, format!("got {}, want {}", type_of(v), wanted.join(" or "))));
            return;
        }
    }
    if let Some(Json::Array(options)) = s.get("enum")
        && !options.contains(v)
    {
        out.push(at(path, format!("value must be one of {}", quote_list(options))));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        out.push(at(
            path,
            format!("value must be {}", quote_list(std::slice::from_ref(c))),
        ));
    }
    match v {
        Json::Number(n) => check_number(s, n.as_f64().unwrap_or(0.0), path, out),
        Json::String(text) => check_string(s, text, path, out),
        Json::Array(items) => check_array(root, s, items, path, out),
        Json::Object(map) => check_object(root, s, map, path, out),
        _ => {}
    }
    if let Some(Json::Array(all)) = s.get("allOf") {
        for sub in all {
            check(root, sub, v, path, out);
        }
    }
    if let Some(Json::Array(any)) = s.get("anyOf")
        && !any.iter().any(|sub| passes(root, sub, v, path))
    {
        out.push(at(path, "anyOf failed".into()));
    }
    if let Some(Json::Array(one)) = s.get("oneOf") {
        let n = one.iter().filter(|sub| passes(root, sub, v, path)).count();
        if n != 1 {
            out.push(at(
                path,
                format!("oneOf failed: {n} subschemas matched, want exactly one"),
            ));
        }
    }
    if let Some(not) = s.get("not")
        && passes(root, not, v, path)
    {
        out.push(at(path, "not failed".into()));
    }
    if let Some(cond) = s.get("if") {
        let branch = if passes(root, cond, v, path) {
            s.get("then")
        } else {
            s.get("else")
        };
        if let Some(b) = branch {
            check(root, b, v, path, out);
        }
    }
}

fn passes(root: &Json, schema: &Json, v: &Json, path: &str) -> bool {
    let mut scratch = Vec::new();
    check(root, schema, v, path, &mut scratch);
    scratch.is_empty()
}

fn num(s: &serde_json::Map<String, Json>, key: &str) -> Option<f64> {
    s.get(key).and_then(Json::as_f64)
}

fn show(f: f64) -> String {
    circleci_gotemplate::fmt::format_float(f, 'g', -1)
}

fn check_number(s: &serde_json::Map<String, Json>, n: f64, path: &str, out: &mut Vec<String>) {
    if let Some(m) = num(s, "minimum")
        && n < m
    {
        out.push(at(path, format!("minimum: got {}, want {}", show(n), show(m))));
    }
    if let Some(m) = num(s, "maximum")
        && n > m
    {
        out.push(at(path, format!("maximum: got {}, want {}", show(n), show(m))));
    }
    if let Some(m) = num(s, "exclusiveMinimum")
        && n <= m
    {
        out.push(at(path, format!("exclusiveMinimum: got {}, want {}", show(n), show(m))));
    }
    if let Some(m) = num(s, "exclusiveMaximum")
        && n >= m
    {
        out.push(at(path, format!("exclusiveMaximum: got {}, want {}", show(n), show(m))));
    }
    if let Some(m) = num(s, "multipleOf")
        && m > 0.0
        && (n / m).fract() != 0.0
    {
        out.push(at(path, format!("{} not multipleOf {}", show(n), show(m))));
    }
}

fn check_string(s: &serde_json::Map<String, Json>, text: &str, path: &str, out: &mut Vec<String>) {
    let len = text.chars().count() as f64;
    if let Some(m) = num(s, "minLength")
        && len < m
    {
        out.push(at(path, format!("minLength: got {len}, want {}", show(m))));
    }
    if let Some(m) = num(s, "maxLength")
        && len > m
    {
        out.push(at(path, format!("maxLength: got {len}, want {}", show(m))));
    }
    if let Some(Json::String(p)) = s.get("pattern") {
        match regex::Regex::new(p) {
            Ok(re) if !re.is_match(text) => out.push(at(path, format!("'{text}' does not match pattern '{p}'"))),
            Ok(_) => {}
            Err(e) => out.push(at(
                path,
                format!("the schema's pattern '{p}' is not a regular expression: {e}"),
            )),
        }
    }
}

fn check_array(root: &Json, s: &serde_json::Map<String, Json>, items: &[Json], path: &str, out: &mut Vec<String>) {
    let len = items.len() as f64;
    if let Some(m) = num(s, "minItems")
        && len < m
    {
        out.push(at(path, format!("minItems: got {len}, want {}", show(m))));
    }
    if let Some(m) = num(s, "maxItems")
        && len > m
    {
        out.push(at(path, format!("maxItems: got {len}, want {}", show(m))));
    }
    if s.get("uniqueItems") == Some(&Json::Bool(true)) {
        for (i, a) in items.iter().enumerate() {
            if let Some(j) = items[i + 1..].iter().position(|b| b == a) {
                out.push(at(path, format!("items at {i} and {} are equal", i + 1 + j)));
                break;
            }
        }
    }
    match s.get("items") {
        Some(Json::Array(tuple)) => {
            for (i, (item, sub)) in items.iter().zip(tuple).enumerate() {
                check(root, sub, item, &format!("{path}/{i}"), out);
            }
        }
        Some(sub) => {
            for (i, item) in items.iter().enumerate() {
                check(root, sub, item, &format!("{path}/{i}"), out);
            }
        }
        None => {}
    }
}

fn check_object(
    root: &Json,
    s: &serde_json::Map<String, Json>,
    map: &serde_json::Map<String, Json>,
    path: &str,
    out: &mut Vec<String>,
) {
    if let Some(Json::Array(required)) = s.get("required") {
        let missing: Vec<String> = required
            .iter()
            .filter_map(Json::as_str)
            .filter(|k| !map.contains_key(*k))
            .map(|k| format!("'{k}'"))
            .collect();
        match missing.len() {
            0 => {}
            1 => out.push(at(path, format!("missing property {}", missing[0]))),
            _ => out.push(at(path, format!("missing properties {}", missing.join(", ")))),
        }
    }
    let props = s.get("properties").and_then(Json::as_object);
    let patterns: Vec<(regex::Regex, &Json)> = s
        .get("patternProperties")
        .and_then(Json::as_object)
        .map(|p| {
            p.iter()
                .filter_map(|(k, v)| regex::Regex::new(k).ok().map(|re| (re, v)))
                .collect()
        })
        .unwrap_or_default();
    let mut extra = Vec::new();
    for (key, value) in map {
        let child = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
        let mut known = false;
        if let Some(sub) = props.and_then(|p| p.get(key)) {
            check(root, sub, value, &child, out);
            known = true;
        }
        for (re, sub) in &patterns {
            if re.is_match(key) {
                check(root, sub, value, &child, out);
                known = true;
            }
        }
        if !known {
            match s.get("additionalProperties") {
                Some(Json::Bool(false)) => extra.push(format!("'{key}'")),
                Some(sub @ Json::Object(_)) => check(root, sub, value, &child, out),
                _ => {}
            }
        }
    }
    if !extra.is_empty() {
        out.push(at(
            path,
            format!("additional properties {} not allowed", extra.join(", ")),
        ));
    }
}
