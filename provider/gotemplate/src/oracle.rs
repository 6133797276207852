//! The Go oracle (tests only): `oracle/main.go` built once with the machine's Go toolchain and
//! Debian's Sprig (GOPATH mode), serving one JSON request per line. Fails, never skips, when Go
//! is missing: run `scripts/setup`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use circleci_gotemplate::Value;

const SOURCE: &str = include_str!("../oracle/main.go");

/// One request: templates parsed in order into one set, then `entry` executed with `data`.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// (name, text) pairs, parsed as `t.New(name).Parse(text)`.
    pub templates: Vec<(String, String)>,
    pub entry: String,
    /// The data, decoded by Go's encoding/json into `interface{}` (numbers become float64).
    pub data: serde_json::Value,
    /// Add Sprig's `TxtFuncMap`.
    pub sprig: bool,
    /// "", "default", "zero" or "error".
    pub missing_key: String,
    pub left: String,
    pub right: String,
}

impl Request {
    /// A request for one template named `t`.
    pub fn single(text: &str, data: serde_json::Value) -> Request {
        Request {
            templates: vec![("t".into(), text.into())],
            entry: "t".into(),
            data,
            ..Request::default()
        }
    }

    fn to_json(&self) -> String {
        let templates: Vec<serde_json::Value> = self
            .templates
            .iter()
            .map(|(n, t)| serde_json::json!({"name": n, "text": t}))
            .collect();
        serde_json::json!({
            "templates": templates,
            "entry": self.entry,
            "data": self.data,
            "sprig": self.sprig,
            "missingkey": self.missing_key,
            "left": self.left,
            "right": self.right,
        })
        .to_string()
    }
}

/// A running oracle process.
pub struct Oracle {
    io: Mutex<(Child, ChildStdin, BufReader<ChildStdout>)>,
}

fn binary() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        let mut h: u64 = 0xcbf29ce484222325;
        for b in SOURCE.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
        let dir = std::env::temp_dir().join(format!("circleci-gotemplate-oracle-{h:016x}"));
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
            .map_err(|e| format!("the Go oracle needs `go` (run scripts/setup): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "building the Go oracle failed (run scripts/setup to install golang-go and \
                 golang-github-masterminds-sprig-dev): {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::fs::rename(&tmp, &bin).map_err(|e| format!("installing the oracle: {e}"))?;
        Ok(bin)
    })
    .clone()
}

impl Oracle {
    /// Builds (once per source version, cached in the temp dir) and starts the oracle.
    pub fn start() -> Result<Oracle, String> {
        let bin = binary()?;
        let mut child = Command::new(&bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Oracle {
            io: Mutex::new((child, stdin, stdout)),
        })
    }

    /// Runs one request: `Ok(output)` or `Err(Go's error message)`.
    pub fn run(&self, req: &Request) -> Result<String, String> {
        let mut g = self.io.lock().unwrap_or_else(|p| p.into_inner());
        let (_, stdin, stdout) = &mut *g;
        let line = req.to_json();
        writeln!(stdin, "{line}").map_err(|e| format!("oracle write: {e}"))?;
        stdin.flush().map_err(|e| format!("oracle flush: {e}"))?;
        let mut resp = String::new();
        stdout.read_line(&mut resp).map_err(|e| format!("oracle read: {e}"))?;
        let v: serde_json::Value = serde_json::from_str(&resp).map_err(|e| format!("oracle gave {resp:?}: {e}"))?;
        if let Some(o) = v.get("output").and_then(|o| o.as_str()) {
            return Ok(o.to_string());
        }
        Err(v
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("oracle: no answer")
            .to_string())
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        if let Ok(mut g) = self.io.lock() {
            let _ = g.0.kill();
            let _ = g.0.wait();
        }
    }
}

/// Decodes JSON as Go's encoding/json into `interface{}` would: every number a float64.
pub fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(json_to_value).collect()),
        serde_json::Value::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), json_to_value(v))).collect()),
    }
}
