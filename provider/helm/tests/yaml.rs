//! Conformance of `circleci_helm::yaml` against go-yaml v2.4 itself: `oracle/main.go`, built
//! once per source version with Debian's golang-go, golang-gopkg-yaml.v2-dev and
//! golang-github-burntsushi-toml-dev (GOPATH mode).
//! Fails, never skips, when Go is missing: run `scripts/setup`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use circleci_gotemplate::Value;
use circleci_helm::yaml;
use proptest::prelude::*;

const SOURCE: &str = include_str!("../oracle/main.go");

fn binary() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        let mut h: u64 = 0xcbf29ce484222325;
        for b in SOURCE.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
        let dir = std::env::temp_dir().join(format!("circleci-helm-yaml-oracle-{h:016x}"));
        let bin = dir.join("oracle");
        if bin.exists() {
            return Ok(bin);
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let src = dir.join("main.go");
        std::fs::write(&src, SOURCE).map_err(|e| format!("writing {}: {e}", src.display()))?;
        let tmp = dir.join(format!("oracle.{}", std::process::id()));
        let out = Command::new("go")
            .args(["build", "-o"])
            .arg(&tmp)
            .arg(&src)
            .env("GO111MODULE", "off")
            .env("GOPATH", "/usr/share/gocode")
            .env("GOFLAGS", "")
            .env("GOCACHE", dir.join("cache"))
            .output()
            .map_err(|e| format!("the YAML oracle needs `go` (run scripts/setup): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "building the YAML oracle failed (run scripts/setup for golang-go, \
                 golang-gopkg-yaml.v2-dev and golang-github-burntsushi-toml-dev): {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::fs::rename(&tmp, &bin).map_err(|e| format!("installing the oracle: {e}"))?;
        Ok(bin)
    })
    .clone()
}

struct Oracle {
    io: Mutex<(Child, ChildStdin, BufReader<ChildStdout>)>,
}

/// What the oracle answered: `Ok(output)` or `Err((sigs message, go-yaml's own message))`.
type Answer = Result<String, (String, Option<String>)>;

impl Oracle {
    fn get() -> &'static Oracle {
        static O: OnceLock<Oracle> = OnceLock::new();
        O.get_or_init(|| {
            let bin = binary().unwrap_or_else(|e| panic!("{e}"));
            let mut child = Command::new(&bin)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
            let stdin = child.stdin.take().expect("stdin");
            let stdout = BufReader::new(child.stdout.take().expect("stdout"));
            Oracle {
                io: Mutex::new((child, stdin, stdout)),
            }
        })
    }

    fn ask(&self, req: serde_json::Value) -> Answer {
        let mut g = self.io.lock().unwrap_or_else(|p| p.into_inner());
        let (_, stdin, stdout) = &mut *g;
        writeln!(stdin, "{req}").expect("oracle write");
        stdin.flush().expect("oracle flush");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("oracle read");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("oracle gave {line:?}: {e}"));
        if let Some(o) = v.get("output").and_then(|o| o.as_str()) {
            return Ok(o.to_string());
        }
        let err = v
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("no answer")
            .to_string();
        // The oracle's stand-in for chartutil.Values lives in package main.
        let err = err.replace("main.Values", "chartutil.Values");
        Err((err, v.get("goyaml").and_then(|e| e.as_str()).map(str::to_string)))
    }

    fn op(&self, op: &str, text: &str) -> Answer {
        self.ask(serde_json::json!({"op": op, "text": text}))
    }
}

/// JSON as Go's encoding/json decodes it into `interface{}`: every number a float64.
fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().expect("finite")),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(json_to_value).collect()),
        serde_json::Value::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), json_to_value(v))).collect()),
    }
}

/// A canonical text for comparing values: floats by Rust's exact round-trip form, so a
/// difference in the last bit shows.
fn canon(v: &Value) -> String {
    match v {
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => format!("int:{i}"),
        Value::Float(f) => format!("{f:?}"),
        Value::String(s) => format!("{s:?}"),
        Value::List(l) => format!("[{}]", l.iter().map(canon).collect::<Vec<_>>().join(",")),
        Value::Map(m) => format!(
            "{{{}}}",
            m.entries()
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canon(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Object(o) => format!("object:{}", o.type_name()),
    }
}

/// The oracle's JSON, with its floats tagged as `{"$float": "1e+06"}` (parsed here exactly).
fn oracle_value(out: &str) -> Value {
    fn untag(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Object(m) if m.len() == 1 && m.contains_key("$float") => {
                let s = m["$float"].as_str().expect("float text");
                Value::Float(match s {
                    "+Inf" => f64::INFINITY,
                    "-Inf" => f64::NEG_INFINITY,
                    _ => s.parse().unwrap_or_else(|e| panic!("oracle float {s:?}: {e}")),
                })
            }
            serde_json::Value::Array(a) => Value::List(a.iter().map(untag).collect()),
            serde_json::Value::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), untag(v))).collect()),
            other => json_to_value(other),
        }
    }
    untag(&serde_json::from_str(out).unwrap_or_else(|e| panic!("oracle JSON {out:?}: {e}")))
}

/// Compares `parse` with the oracle; returns a description of the difference, if any.
fn check_parse(text: &str) -> Option<String> {
    let ours = yaml::parse(text);
    let theirs = Oracle::get().op("parse", text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            let b = oracle_value(b);
            (canon(a) != canon(&b)).then(|| format!("parse {text:?}: ours {} go {}", canon(a), canon(&b)))
        }
        (Err(a), Err((b, _))) => {
            (a.helm_message() != *b).then(|| format!("parse {text:?}: error ours {:?} go {b:?}", a.helm_message()))
        }
        _ => Some(format!("parse {text:?}: ours {ours:?} go {theirs:?}")),
    }
}

/// Compares `to_yaml(parse(text))` with go-yaml's Marshal(Unmarshal(text)).
fn check_roundtrip(text: &str) -> Option<String> {
    let ours = yaml::parse(text)
        .map_err(|e| e.helm_message())
        .and_then(|v| yaml::to_yaml(&v));
    let theirs = Oracle::get().op("roundtrip", text).map_err(|e| e.0);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(_), Err(_)) => None,
        _ => Some(format!("toYaml(parse({text:?})):\n ours {ours:?}\n go   {theirs:?}")),
    }
}

fn check_to_yaml(json: &serde_json::Value) -> Option<String> {
    let ours = yaml::to_yaml(&json_to_value(json));
    let theirs = Oracle::get().ask(serde_json::json!({"op": "toyaml", "json": json.to_string()}));
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(_), Err(_)) => None,
        _ => Some(format!("toYaml({json}):\n ours {ours:?}\n go   {theirs:?}")),
    }
}

/// Values-file-like inputs: YAML 1.1 scalars, numbers, quoting, anchors and merges, blocks,
/// unicode, empty documents, multiple documents, duplicate keys, and broken YAML.
const CORPUS: &[&str] = &[
    "",
    "# only a comment\n",
    "---\n",
    "~",
    "null",
    "a: ~\nb: null\nc: Null\nd:\ne: NULL\n",
    "b: [yes, no, on, off, y, n, Y, N, true, false, True, FALSE, YES, Off, yEs, tRUE]\n",
    "n: [1e6, 1E6, 1e+6, 1.5e-3, 0x1F, 0X1f, 0777, 0o17, 0b101, -0b11, 1_000, +12, -7, 08, 09.5, .5, 5., 1e400, 0x, -0x1F]\n",
    "n: [9223372036854775807, 9223372036854775808, 18446744073709551615, 18446744073709551616, -9223372036854775808]\n",
    "f: [.inf]\n",
    "f: -.Inf\n",
    "f: .nan\n",
    "f: [.5e3, .e3, ., +.5, -.5]\n",
    "q: ['yes', \"no\", '1', \"0x1F\", '', \"\"]\n",
    "t: [2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10, 2002-12-14T21:59:43Z, 2001-2-3, 2001-02-30]\n",
    "s: [1:20, 190:20:30.15, 12:61]\n",
    "base: &base\n  a: 1\n  b: 2\nderived:\n  <<: *base\n  b: 3\n",
    "x: &x {a: 1}\ny: &y {a: 2, b: 2}\nz:\n  <<: [*x, *y]\n  c: 3\n",
    "x: &x {a: 1}\nz:\n  a: 0\n  <<: *x\n",
    "z:\n  <<: {a: 1}\n  a: 2\n",
    "x: &x [1, 2]\nz:\n  <<: *x\n",
    "z:\n  <<: [1, 2]\n",
    "z:\n  '<<': {a: 1}\n",
    "a: &a hello\nb: *a\nc: *a\n",
    "a: *nope\n",
    "lit: |\n  line one\n  line two\nfold: >\n  folded\n  text\n\n  para\nkeep: |+\n  kept\n\nstrip: |-\n  stripped\n",
    "ml: \"first\\nsecond\"\nsp: \"trailing \"\nlead: \" lead\"\n",
    "u: [héllo, \"日本語\", \"emoji 😀\", \"tab\\there\", \"nbsp\\u00a0x\", \"\\u2028\"]\n",
    "list:\n- name: a\n  ports:\n  - 80\n  - 443\n- name: b\n  env:\n    - {name: X, value: \"1\"}\n",
    "a: 1\na: 2\n",
    "1: one\n2.5: two\ntrue: three\n3.14159265358979: pi\n0x10: hex\n1e3: e\n",
    "? complex\n: key\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n---\n: : [\n",
    "- 1\n- two\n",
    "just a string\n",
    "42\n",
    "key: value with # not a comment\nk2: value # comment\n",
    "a: 'it''s'\nb: \"esc \\\" \\\\ \\t \\x41 \\u263A\"\n",
    "empty_map: {}\nempty_list: []\nnested: {a: {b: {c: []}}}\n",
    "str: !!str 123\nint: !!int \"7\"\nflt: !!float 1\nbin: !!binary aGVsbG8=\ncustom: !foo bar\n",
    "long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss\n",
    "a: b: c\n",
    "a:\n  b: 1\n c: 2\n",
    "a: [1, 2\n",
    "a: {b: 1\n",
    "a: \"unterminated\n",
    "a: 'x\nb: 2\n",
    "- a\nb: c\n",
    "a:\n\t- b\n",
    "a: @foo\n",
    "a: `x`\n",
    "a: b\n  c: d\n",
    "key:\n  - a\n  - b\n  c: d\n",
    "? [1, 2]\n: x\n",
    "~: nullkey\n",
    "a: !!int abc\n",
    "a: 1\r\nb:\r\n  - x\r\n",
    "\u{feff}a: bom\n",
    "plain: this is\n  a multi-line\n  plain scalar\nq: \"quoted\n  across\n\n  lines\"\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
    "key with spaces: v\n\"quoted key\": v\n'single': v\n",
    "image:\n  repository: nginx\n  tag: \"1.25\"\n  pullPolicy: IfNotPresent\nresources: {}\nnodeSelector: {}\ntolerations: []\n",
    "a:\n  - b:\n      - c: d\n        e: [f, {g: h}]\n",
    "x: 0.1\ny: 1.0\nz: -0.0\nw: 1e-7\nv: 123456789012345678\n",
    "a: |2\n    indented\n  less\n",
    "a: >-\n  folded\n  strip\n",
    "a: \"\\u00e9\\U0001F600\\x7f\"\n",
    "anchors:\n  - &a {x: 1}\n  - *a\n  - &b [1, *a]\n  - *b\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a:\n  # comment\n  b: 1 # trailing\n# end\n",
    "{a: 1, b: [2, 3], c: {d: e}}\n",
    "[a, b, [c, d]]\n",
    "a: -\nb: - x\n",
    "a: :x\nb: x:\nc: x:y\n",
    "? |\n  block key\n: v\n",
    "a: \"x\" y\n",
    "a: [1, 2]]\n",
    "a:\n- b\n -c\n",
    "a: \"x\ny\"\n",
    "a: 'x\ny'\nb: 'it''s\n  ok'\n",
    "a:\n  b: \"x\n  y \\\n  z\"\n  c: 1\n",
    "a: \"x\n---\ny\"\n",
    "a:\t1\nb:\t- x\n",
    "key:value\n",
    "&k a: 1\nb: *k\n",
    "- &a x\n- *a : y\n",
    "a: {b: c, d}\n",
    "a: [b: c]\n",
    "a: b\n c\n",
    "%TAG ! tag:example.com,2000:\n",
    "a: !e!foo x\n",
    "a: \"\\q\"\n",
    "a: \"\\uZZZZ\"\n",
    "a: '\n",
    "a: |\n  x\n y\n",
];

#[test]
fn parse_matches_go_yaml() {
    let diffs: Vec<String> = CORPUS.iter().filter_map(|t| check_parse(t)).collect();
    assert!(
        diffs.is_empty(),
        "{} of {} differ:\n{}",
        diffs.len(),
        CORPUS.len(),
        diffs.join("\n")
    );
}

#[test]
fn to_yaml_of_parsed_matches_go_yaml() {
    let diffs: Vec<String> = CORPUS.iter().filter_map(|t| check_roundtrip(t)).collect();
    assert!(
        diffs.is_empty(),
        "{} of {} differ:\n{}",
        diffs.len(),
        CORPUS.len(),
        diffs.join("\n")
    );
}

#[test]
fn parse_values_and_array_match_helm() {
    let mut diffs = Vec::new();
    for text in CORPUS
        .iter()
        .chain(["[1, 2]", "- a\n", "a: 1\n", "\"s\"", "true", "3"].iter())
    {
        let go = Oracle::get().op("values", text);
        match (yaml::parse_values(text), &go) {
            (Ok(a), Ok(b)) => {
                let b = oracle_value(b);
                if canon(&Value::Map(a.clone().into())) != canon(&b) {
                    diffs.push(format!("values {text:?}: {a:?} vs {b:?}"));
                }
            }
            (Err(a), Err((b, _))) if a.helm_message() == *b => {}
            (a, b) => diffs.push(format!("values {text:?}: ours {a:?} go {b:?}")),
        }
        let go = Oracle::get().op("array", text);
        match (yaml::parse_array(text), &go) {
            (Ok(a), Ok(b)) => {
                let b = oracle_value(b);
                if canon(&Value::List(a.clone())) != canon(&b) {
                    diffs.push(format!("array {text:?}: {a:?} vs {b:?}"));
                }
            }
            (Err(a), Err((b, _))) if a.helm_message() == *b => {}
            (a, b) => diffs.push(format!("array {text:?}: ours {a:?} go {b:?}")),
        }
    }
    assert!(diffs.is_empty(), "{} differ:\n{}", diffs.len(), diffs.join("\n"));
}

/// Syntax errors: our line and message must be go-yaml's.
#[test]
fn error_lines_match_go_yaml() {
    let mut diffs = Vec::new();
    let mut checked = 0;
    for text in CORPUS {
        let (Err(ours), Err((_, Some(go)))) = (yaml::parse(text), Oracle::get().op("parse", text)) else {
            continue;
        };
        checked += 1;
        let go_line = go
            .strip_prefix("yaml: line ")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        if ours.line != go_line || ours.to_string() != go {
            diffs.push(format!("{text:?}: ours {ours} / go {go}"));
        }
    }
    assert!(checked > 5, "the corpus must exercise syntax errors");
    assert!(
        diffs.is_empty(),
        "{} of {checked} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Emitter corners the random trees rarely reach: keys past libyaml's 128-byte simple-key
/// limit, multi-line keys, folding inside lists and nested blocks, escapes at the fold point.
#[test]
fn to_yaml_corners_match_go_yaml() {
    let long_words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt";
    let cases = vec![
        serde_json::json!({ "k".repeat(129): 1, "k".repeat(128): 2 }),
        serde_json::json!({ format!("{} {}", "a".repeat(100), "b".repeat(40)): "v" }),
        serde_json::json!({ "multi\nline": "v", "x": {"multi\nline key": ["a"]} }),
        serde_json::json!({ "a": [long_words, [long_words], {"b": long_words}] }),
        serde_json::json!({ "a": {"b": {"c": {"d": format!("{long_words}\n{long_words}\n")}}} }),
        serde_json::json!([format!("{long_words} \"quoted\" \\ and\ttab {long_words}")]),
        serde_json::json!([format!("'{long_words}' {long_words}")]),
        serde_json::json!([format!("{long_words}  two  spaces  {long_words}  here")]),
        serde_json::json!([format!("- {long_words} {long_words}")]),
        serde_json::json!({ "a": "   ", "b": " \n ", "c": "\n\n", "d": "x\n\n\n" }),
        serde_json::json!("top-level string"),
        serde_json::json!(long_words.repeat(3)),
        serde_json::json!(null),
        serde_json::json!(12),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([[[]], [{}], [[1, [2, {"a": []}]]]]),
        serde_json::json!({ "a10": 1, "a9": 2, "a09": 3, "A": 4, "_": 5, "1": 6, "-": 7, "é": 8, "z0": 9, "z": 10, "z00": 11, "b2c10": 12, "b2c9": 13 }),
    ];
    let mut cases = cases;
    // Enough keys for the merge sort, with digit runs to order numerically. (Keys where
    // keyList.Less is not transitive, as with `K1x2 < K7x1 < K19x0 < K1x2`, come out of go-yaml
    // in a different order on each run, following Go's random map order: nothing can match.)
    let mut many = serde_json::Map::new();
    for i in 0..40 {
        many.insert(format!("item{}", i * 7 % 41), i.into());
    }
    for i in 0..20 {
        many.insert(format!("port{}.name", i * 3 % 29), i.into());
        many.insert(format!("Zone{i}"), i.into());
    }
    cases.push(serde_json::Value::Object(many));
    let diffs: Vec<String> = cases.iter().filter_map(check_to_yaml).collect();
    assert!(
        diffs.is_empty(),
        "{} of {} differ:\n{}",
        diffs.len(),
        cases.len(),
        diffs.join("\n")
    );
}

/// Deep nesting fails cleanly instead of overflowing the stack (go-yaml allows 10000 levels;
/// yaml-rust2 stops flow nesting at 255, our loader any nesting at 256).
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let flow = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let r = yaml::parse(&flow);
    assert!(r.is_ok(), "{r:?}");
    let block = format!("{}x\n", "- ".repeat(250));
    let r = yaml::parse(&block);
    assert!(r.is_ok(), "{r:?}");
    let e = yaml::parse(&format!("{}x\n", "- ".repeat(100_000))).expect_err("too deep");
    assert!(e.message.contains("exceeded max depth"), "{e}");
    assert!(yaml::parse(&"[".repeat(100_000)).is_err());

    let nest = |n: usize| (0..n).fold(Value::String("x".into()), |v, _| Value::List(vec![v]));
    let out = yaml::to_yaml(&nest(500)).expect("500 levels");
    assert!(out.starts_with("- - - "), "{out:.20}");
    assert!(yaml::to_yaml(&nest(600)).is_err());
}

/// Strings that need quoting, folding or escaping.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "true",
            "True",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "~",
            "null",
            "1",
            "-1",
            "0x1F",
            "0777",
            "1e6",
            "1.5",
            ".5",
            ".inf",
            "-.inf",
            ".nan",
            "<<",
            "1:20",
            "2001-12-14",
            " a",
            "a ",
            "a: b",
            "- x",
            "-",
            "#",
            "a #b",
            "a#b",
            "?",
            "? x",
            ":",
            "key:",
            "[x]",
            "{x}",
            "&a",
            "*a",
            "!t",
            "|",
            ">",
            "'q'",
            "\"dq\"",
            "%",
            "@",
            "`",
            "---",
            "...",
            "a,b",
            "tab\there",
            "line\nbreak",
            "trail\n",
            "two\n\n",
            "\n",
            "\nlead",
            " \nx",
            "x \ny",
            "x\n y",
            "back\\slash",
            "héllo",
            "日本",
            "😀",
            "\u{85}nel",
            "\u{2028}",
            "\u{a0}",
            "\u{feff}bom",
            "\u{7f}",
            "a\u{1}b",
            "\r\n",
            "it's",
        ])
        .prop_map(str::to_string),
        "[a-z ]{60,130}",
        "[a-zA-Z0-9 :#'\"\\-]{0,20}",
        prop::collection::vec("[a-z]{1,12}", 5..20).prop_map(|w| w.join(" ")),
        prop::collection::vec("[a-z ]{0,30}", 1..4).prop_map(|l| l.join("\n")),
    ]
}

fn json_leaf() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|i| serde_json::json!(i)),
        prop::sample::select(vec![
            0.5,
            1e6,
            1e20,
            1e21,
            1.5e-7,
            -0.0,
            123456789.0,
            3.25,
            1e300,
            9007199254740993.0
        ])
        .prop_map(|f| serde_json::json!(f)),
        tricky_string().prop_map(serde_json::Value::String),
    ]
}

fn json_tree() -> impl Strategy<Value = serde_json::Value> {
    json_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec((prop_oneof![tricky_string(), "[a-z0-9_.]{1,8}"], inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Plain scalars built from the characters YAML 1.1 typing and Go's number syntax care about.
fn plain_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+]?[0-9_]{0,6}(\\.[0-9_]{0,4})?([eE][-+]?[0-9]{1,3})?",
        "[-+]?0[xXoObB][0-9a-fA-F_]{0,6}",
        "[-+.]?[0-9]{0,3}[:.][0-9]{0,3}(:[0-9]{1,2})?",
        "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{1,3})?(Z|[-+][0-9]{2}:[0-9]{2})?)?",
        "[yYnNoOtTfF~][a-zA-Z]{0,4}",
        "\\.[a-zA-Z0-9]{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// YAML 1.1 resolution of plain scalars, as values and as keys.
    #[test]
    fn plain_scalars_resolve_as_go_yaml(s in plain_scalar()) {
        for text in [format!("v: {s}\n"), format!("{s}: v\n"), format!("- {s}\n")] {
            let d = check_parse(&text);
            prop_assert!(d.is_none(), "{}", d.unwrap_or_default());
        }
    }
}

fn check_to_toml(json: &serde_json::Value) -> Option<String> {
    let ours = yaml::to_toml(&json_to_value(json));
    let theirs = Oracle::get().ask(serde_json::json!({"op": "totoml", "json": json.to_string()}));
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(a), Err((b, _))) if b.trim_start_matches("panic: ") == a => None,
        _ => Some(format!("toToml({json}):\n ours {ours:?}\n go   {theirs:?}")),
    }
}

#[test]
fn to_toml_corners_match_burntsushi() {
    let cases = vec![
        serde_json::json!({"a": 1, "b": 1.5, "c": "s", "d": true, "e": null, "f": [1, "x", {"g": 1}], "h": {}}),
        serde_json::json!({"t": {"x": 1, "sub": {"y": [1, 2], "deep": {"z": "q"}}}, "a": 0}),
        serde_json::json!({"list": [{"a": 1}, {"b": {"c": 2}}], "k": "v"}),
        serde_json::json!({"bad key": 1, "": 2, "é": 3, "dot.ted": {"x": 1}}),
        serde_json::json!({"s": "quote \" back \\ tab\t nl\n cr\r bell\u{7} del\u{7f} é"}),
        serde_json::json!({"f": [1e21, 1e-7, 0.1, -0.0, 100.0, 123456789.0]}),
        serde_json::json!({"inline": [[{"a": null, "b": 1}], {"c": {"d": []}}]}),
        serde_json::json!({"n": [1, null]}),
        serde_json::json!({"n": [[null]]}),
        serde_json::json!({"m": {"a": null}}),
        serde_json::json!({"x": {"a": 1, "z": null}, "y": [{"a": 1, "b": null}]}),
        serde_json::json!([{"a": 1}]),
        serde_json::json!({}),
    ];
    let diffs: Vec<String> = cases.iter().filter_map(check_to_toml).collect();
    assert!(
        diffs.is_empty(),
        "{} of {} differ:\n{}",
        diffs.len(),
        cases.len(),
        diffs.join("\n")
    );
}

/// Top-level values that are not maps: BurntSushi/toml v1.3 (Helm 3.14+) writes the bare value
/// (`writeKeyValue` with an empty key calls `eElement`), where the oracle's Debian v1.2 refuses.
#[test]
fn to_toml_top_level_scalars_as_v1_3() {
    assert_eq!(yaml::to_toml(&Value::String("top".into())).as_deref(), Ok("\"top\""));
    assert_eq!(
        yaml::to_toml(&Value::List(vec![Value::Float(1.0), Value::Float(2.5)])).as_deref(),
        Ok("[1.0, 2.5]")
    );
    let go = Oracle::get().ask(serde_json::json!({"op": "totoml", "json": "\"top\""}));
    assert_eq!(
        go,
        Err(("toml: top-level values must be Go maps or structs".into(), None))
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Maps at the top, as Helm's values and templates' dicts are (see the test above for the rest).
    #[test]
    fn to_toml_matches_burntsushi(json in json_tree().prop_filter("a map", |j| j.is_object())) {
        let d = check_to_toml(&json);
        prop_assert!(d.is_none(), "{}", d.unwrap_or_default());
    }

    #[test]
    fn to_yaml_matches_go_yaml(json in json_tree()) {
        if let Some(d) = check_to_yaml(&json) {
            prop_assert!(false, "{}", d);
        }
    }

    /// What we write reads back, through our parser and go-yaml's alike, to the same value.
    #[test]
    fn to_yaml_reads_back(json in json_tree()) {
        let v = json_to_value(&json);
        let diff = yaml::to_yaml(&v).ok().and_then(|text| check_parse(&text));
        prop_assert!(diff.is_none(), "{}", diff.unwrap_or_default());
    }
}
