//! Reading: yaml-rust2's event parser for the syntax, go-yaml v2's `decode.go` for what the
//! events mean (YAML 1.1 typing, anchors, v2's merge-key order), then sigs.k8s.io/yaml's trip
//! through JSON (string keys, every number a float64).

use std::collections::{BTreeMap, HashMap};

use circleci_gotemplate::Value;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::YamlError;
use super::resolve::{Resolved, resolve};

/// go-yaml's view of a decoded node before the JSON conversion (`interface{}` holding
/// `map[interface{}]interface{}`, `[]interface{}`, `int`, `uint64`, `float64`, `string`, `bool`).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in first-insertion order; a repeated key overwrites the value (go-yaml v2 is not strict).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// Go's `==` on two `interface{}` keys: same dynamic type and value (NaN never equal).
    fn same_key(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Null, Node::Null) => true,
            (Node::Bool(a), Node::Bool(b)) => a == b,
            (Node::Int(a), Node::Int(b)) => a == b,
            (Node::Uint(a), Node::Uint(b)) => a == b,
            (Node::Float(a), Node::Float(b)) => a == b,
            (Node::Str(a), Node::Str(b)) => a == b,
            _ => false,
        }
    }

    fn size(&self) -> usize {
        match self {
            Node::Seq(s) => 1 + s.iter().map(Node::size).sum::<usize>(),
            Node::Map(m) => 1 + m.iter().map(|(k, v)| k.size() + v.size()).sum::<usize>(),
            _ => 1,
        }
    }
}

fn insert(map: &mut Vec<(Node, Node)>, k: Node, v: Node) {
    match map.iter_mut().find(|(ek, _)| ek.same_key(&k)) {
        Some(slot) => slot.1 = v,
        None => map.push((k, v)),
    }
}

/// Nesting limit of the (recursive) loader. go-yaml v2.4 allows 10000 levels; this one stays
/// well within a 2 MiB thread stack in debug builds, as yaml-rust2's own flow limit (255) does.
/// No chart nests values this deep.
const MAX_DEPTH: usize = 256;

struct Loader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    text: &'a str,
    anchors: HashMap<usize, Node>,
    depth: usize,
    decode_count: usize,
    alias_count: usize,
    /// yaml-rust2's own error, kept for [`repair`].
    last_scan: Option<ScanError>,
}

/// Reads the first document of `text` as go-yaml v2's `Unmarshal` into `interface{}`; `None`
/// when there is no document (empty input or only comments).
pub(crate) fn load_first(text: &str) -> Result<Option<Node>, YamlError> {
    // go-yaml's reader drops a leading byte-order mark.
    let mut text = std::borrow::Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text));
    // Each retry repairs one construct libyaml accepts and yaml-rust2 does not; the bound only
    // guards against a repair that would not take.
    for _ in 0..10_000 {
        let mut l = Loader {
            parser: Parser::new_from_str(&text),
            text: &text,
            anchors: HashMap::new(),
            depth: 0,
            decode_count: 0,
            alias_count: 0,
            last_scan: None,
        };
        match l.first_document() {
            Err(e) => match l.last_scan.as_ref().and_then(|s| repair(&text, s)) {
                Some(fixed) => text = std::borrow::Cow::Owned(fixed),
                None => return Err(e),
            },
            ok => return ok,
        }
    }
    Err(YamlError::syntax(0, "too many constructs to repair".into()))
}

/// Rewrites `text` so that yaml-rust2 reads what libyaml reads, without changing the value,
/// for the scan errors where the two disagree:
/// - continuation lines of a quoted scalar indented no deeper than the enclosing block
///   (libyaml does not check; leading blanks of continuation lines are not content, so they
///   are indented here past the opening quote);
/// - tabs separating `:` or `-` from what follows (each becomes one space: same columns).
fn repair(text: &str, e: &ScanError) -> Option<String> {
    let info = e.info();
    let chars: Vec<char> = text.chars().collect();
    let at = e.marker().index();
    if info.contains("invalid indentation in quoted scalar") {
        let quote = *chars.get(at)?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let line_start = chars[..at].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
        let pad = at - line_start + 1;
        let mut out: Vec<char> = chars[..=at].to_vec();
        let mut i = at + 1;
        while i < chars.len() {
            let c = chars[i];
            out.push(c);
            i += 1;
            match c {
                '\\' if quote == '"' && i < chars.len() => {
                    out.push(chars[i]);
                    i += 1;
                    if chars[i - 1] == '\n' {
                        out.extend(std::iter::repeat_n(' ', pad));
                    }
                }
                '\'' if quote == '\'' && chars.get(i) == Some(&'\'') => {
                    out.push('\'');
                    i += 1;
                }
                c if c == quote => {
                    out.extend(&chars[i..]);
                    return Some(out.into_iter().collect());
                }
                '\n' => {
                    // A document marker inside the scalar stays an error, as in libyaml.
                    let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
                    let marker = rest.starts_with("---") || rest.starts_with("...");
                    if !marker {
                        out.extend(std::iter::repeat_n(' ', pad));
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    if info.contains("must be followed by a valid YAML whitespace") {
        // The mark is past the blanks; turn the tabs before it into spaces.
        let mut out = chars.clone();
        let mut j = at.min(out.len());
        let mut changed = false;
        while j > 0 && (out[j - 1] == '\t' || out[j - 1] == ' ') {
            if out[j - 1] == '\t' {
                out[j - 1] = ' ';
                changed = true;
            }
            j -= 1;
        }
        return changed.then(|| out.into_iter().collect());
    }
    None
}

impl Loader<'_> {
    fn first_document(&mut self) -> Result<Option<Node>, YamlError> {
        loop {
            let (ev, _) = self.next()?;
            match ev {
                Event::StreamStart | Event::Nothing => continue,
                Event::StreamEnd => return Ok(None),
                Event::DocumentStart => {
                    let (ev, mark) = self.next()?;
                    if let Event::DocumentEnd = ev {
                        return Ok(Some(Node::Null));
                    }
                    let (node, _) = self.node(ev, mark)?;
                    // Later documents are never read: go-yaml's Unmarshal stops after the first.
                    return Ok(Some(node));
                }
                _ => return Ok(None),
            }
        }
    }
}

impl Loader<'_> {
    fn next(&mut self) -> Result<(Event, Marker), YamlError> {
        self.parser.next_token().map_err(|e| {
            let err = scan_error(self.text, &e);
            self.last_scan = Some(e);
            err
        })
    }

    /// Builds the node starting with `ev`; the flag tells whether it came from an alias
    /// (go-yaml's merge checks look at the alias, not at what it points to).
    fn node(&mut self, ev: Event, mark: Marker) -> Result<(Node, bool), YamlError> {
        self.decode_count += 1;
        match ev {
            Event::Alias(id) => {
                let Some(n) = self.anchors.get(&id) else {
                    return Err(YamlError::syntax(0, "unknown anchor referenced".into()));
                };
                let n = n.clone();
                let size = n.size();
                self.decode_count += size;
                self.alias_count += size;
                if self.alias_count > 100
                    && self.decode_count > 1000
                    && self.alias_count as f64 / self.decode_count as f64 > allowed_alias_ratio(self.decode_count)
                {
                    return Err(YamlError::syntax(0, "document contains excessive aliasing".into()));
                }
                Ok((n, true))
            }
            Event::Scalar(value, style, anchor, tag) => {
                let n = scalar(value, style, tag.as_ref(), mark)?;
                self.remember(anchor, &n);
                Ok((n, false))
            }
            Event::SequenceStart(anchor, _) => {
                self.enter(mark)?;
                let mut items = Vec::new();
                loop {
                    let (ev, mark) = self.next()?;
                    if let Event::SequenceEnd = ev {
                        break;
                    }
                    items.push(self.node(ev, mark)?.0);
                }
                self.depth -= 1;
                let n = Node::Seq(items);
                self.remember(anchor, &n);
                Ok((n, false))
            }
            Event::MappingStart(anchor, _) => {
                self.enter(mark)?;
                let mut map = Vec::new();
                loop {
                    let (ev, kmark) = self.next()?;
                    if let Event::MappingEnd = ev {
                        break;
                    }
                    let is_merge = matches!(&ev, Event::Scalar(v, TScalarStyle::Plain, _, None) if v == "<<");
                    // libyaml has no implicit empty key in a block mapping (`- : x`, `: x`);
                    // yaml-rust2 reads one.
                    if matches!(&ev, Event::Scalar(v, TScalarStyle::Plain, _, None) if v.is_empty())
                        && self.char_at(kmark.index()) == Some(':')
                        && self.char_at(mark.index()) != Some('{')
                    {
                        return Err(YamlError::syntax(
                            kmark.line().saturating_sub(1),
                            "did not find expected key".into(),
                        ));
                    }
                    let (key, _) = self.node(ev, kmark)?;
                    let (ev, vmark) = self.next()?;
                    let (value, alias) = self.node(ev, vmark)?;
                    if is_merge {
                        merge(&mut map, value, alias)?;
                        continue;
                    }
                    if matches!(key, Node::Seq(_) | Node::Map(_)) {
                        return Err(YamlError::syntax(0, format!("invalid map key: {}", go_sharp_v(&key))));
                    }
                    insert(&mut map, key, value);
                }
                self.depth -= 1;
                let n = Node::Map(map);
                self.remember(anchor, &n);
                Ok((n, false))
            }
            other => Err(YamlError::syntax(mark.line(), format!("unexpected event {other:?}"))),
        }
    }

    fn char_at(&self, index: usize) -> Option<char> {
        self.text.chars().nth(index)
    }

    fn enter(&mut self, mark: Marker) -> Result<(), YamlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(YamlError::syntax(
                mark.line(),
                format!("exceeded max depth of {MAX_DEPTH}"),
            ));
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, n: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, n.clone());
        }
    }
}

/// go-yaml v2.4's `allowedAliasRatio`.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let d = decode_count as f64;
    if d <= LOW {
        0.99
    } else if d >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((d - LOW) / (HIGH - LOW))
    }
}

/// go-yaml v2's `merge`: a map, an alias of a map, or a sequence of those applied last to first
/// (so earlier ones win among themselves). Applied where the `<<` key stands: keys before it are
/// overwritten by the merged ones, keys after it overwrite them (v2, unlike v3).
fn merge(map: &mut Vec<(Node, Node)>, value: Node, alias: bool) -> Result<(), YamlError> {
    let want_map = || YamlError::syntax(0, "map merge requires map or sequence of maps as the value".into());
    match value {
        Node::Map(m) => {
            for (k, v) in m {
                insert(map, k, v);
            }
            Ok(())
        }
        Node::Seq(items) if !alias => {
            if !items.iter().all(|i| matches!(i, Node::Map(_))) {
                return Err(want_map());
            }
            for item in items.into_iter().rev() {
                if let Node::Map(m) = item {
                    for (k, v) in m {
                        insert(map, k, v);
                    }
                }
            }
            Ok(())
        }
        _ => Err(want_map()),
    }
}

fn scalar(value: String, style: TScalarStyle, tag: Option<&Tag>, mark: Marker) -> Result<Node, YamlError> {
    let tag = tag.map(|t| {
        if t.handle == "!!" {
            format!("tag:yaml.org,2002:{}", t.suffix)
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    });
    let plain = matches!(style, TScalarStyle::Plain);
    match tag.as_deref() {
        None if !plain => Ok(Node::Str(value)),
        None => Ok(from_resolved(resolve(&value), value)),
        Some("tag:yaml.org,2002:str") => Ok(Node::Str(value)),
        Some("tag:yaml.org,2002:binary") => {
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD
                .decode(value.replace(['\n', ' ', '\r', '\t'], ""))
                .map_err(|_| YamlError::syntax(0, "!!binary value contains invalid base64 data".into()))?;
            Ok(Node::Str(String::from_utf8_lossy(&data).into_owned()))
        }
        Some(
            t @ ("tag:yaml.org,2002:int"
            | "tag:yaml.org,2002:float"
            | "tag:yaml.org,2002:bool"
            | "tag:yaml.org,2002:null"
            | "tag:yaml.org,2002:timestamp"),
        ) => {
            let r = resolve(&value);
            let got = match r {
                Resolved::Null => "null",
                Resolved::Bool(_) => "bool",
                Resolved::Int(_) | Resolved::Uint(_) => "int",
                Resolved::Float(_) => "float",
                Resolved::Timestamp => "timestamp",
                Resolved::Merge => "merge",
                Resolved::Str => "str",
            };
            let want = &t["tag:yaml.org,2002:".len()..];
            let n = from_resolved(r, value.clone());
            if got == want {
                return Ok(n);
            }
            if want == "float" && got == "int" {
                return Ok(match n {
                    Node::Int(i) => Node::Float(i as f64),
                    Node::Uint(u) => Node::Float(u as f64),
                    n => n,
                });
            }
            let _ = mark;
            Err(YamlError::syntax(
                0,
                format!("cannot decode !!{got} `{value}` as a !!{want}"),
            ))
        }
        // Unknown tags are not resolvable: go-yaml keeps the text.
        Some(_) => Ok(Node::Str(value)),
    }
}

fn from_resolved(r: Resolved, text: String) -> Node {
    match r {
        Resolved::Null => Node::Null,
        Resolved::Bool(b) => Node::Bool(b),
        Resolved::Int(i) => Node::Int(i),
        Resolved::Uint(u) => Node::Uint(u),
        Resolved::Float(f) => Node::Float(f),
        // A timestamp decoded into interface{} stays its text (go-yaml v2's compatibility rule).
        Resolved::Timestamp | Resolved::Merge | Resolved::Str => Node::Str(text),
    }
}

/// Go's `%#v` of a decoded value, for error messages naming keys and values.
fn go_sharp_v(n: &Node) -> String {
    match n {
        Node::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_sharp_v(k), go_sharp_v(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Node::Str(s) => circleci_gotemplate::fmt::quote(s),
        Node::Null => "<nil>".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => format!("0x{u:x}"),
        Node::Float(f) => circleci_gotemplate::fmt::format_float(*f, 'g', -1),
    }
}

/// sigs.k8s.io/yaml's `convertToJSONableObject` + `json.Marshal` + `json.Unmarshal` into
/// `interface{}`: keys become strings, numbers float64; NaN and infinities fail as in
/// encoding/json.
pub(crate) fn to_json_value(n: Node) -> Result<Value, YamlError> {
    Ok(match n {
        Node::Null => Value::Nil,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::Float(i as f64),
        Node::Uint(u) => Value::Float(u as f64),
        Node::Float(f) if f.is_finite() => Value::Float(f),
        Node::Float(f) => {
            let s = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(YamlError::to_json(format!("json: unsupported value: {s}")));
        }
        Node::Str(s) => Value::String(s),
        Node::Seq(items) => Value::List(items.into_iter().map(to_json_value).collect::<Result<_, _>>()?),
        Node::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                let key = match &k {
                    Node::Str(s) => s.clone(),
                    Node::Int(i) => i.to_string(),
                    Node::Float(f) => format_float32(*f),
                    Node::Bool(b) => b.to_string(),
                    Node::Null => {
                        return Err(YamlError::to_json(format!(
                            "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                            go_sharp_v(&v)
                        )));
                    }
                    Node::Uint(u) => {
                        return Err(YamlError::to_json(format!(
                            "unsupported map key of type: uint64, key: 0x{u:x}, value: {}",
                            go_sharp_v(&v)
                        )));
                    }
                    Node::Seq(_) | Node::Map(_) => unreachable!("rejected while decoding"),
                };
                // Two keys naming the same string (`1` and `"1"`): Go keeps one in map order,
                // which is random; here the later one.
                m.insert(key, to_json_value(v)?);
            }
            Value::Map(m.into())
        }
    })
}

/// `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's names for the infinities and NaN: how
/// sigs.k8s.io/yaml names a float map key.
pub(crate) fn format_float32(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let x = f as f32;
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let e = format!("{x:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    } else if exp < 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point], &digits[point..])
        }
    }
}

/// Turns yaml-rust2's errors into go-yaml's wording and line where they mean the same thing.
///
/// go-yaml's `p.fail()` numbers lines oddly: a scanner error names the 1-based line, a parser
/// error the 0-based one, and an error on (0-based) line 0 names none.
fn scan_error(text: &str, e: &ScanError) -> YamlError {
    let info = e.info();
    let line = e.marker().line();
    if info.contains("unknown anchor") {
        // go-yaml names the anchor and gives no line.
        let name: String = text
            .chars()
            .skip(e.marker().index())
            .skip_while(|&c| c != '*')
            .skip(1)
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect();
        return YamlError::syntax(0, format!("unknown anchor '{name}' referenced"));
    }
    let eof_line = text.matches('\n').count() + 1;
    if info.contains("found unexpected document indicator") {
        // go-yaml points at the `---`/`...` line; yaml-rust2 at the opening quote.
        let doc_line = text
            .lines()
            .enumerate()
            .skip(line)
            .find(|(_, l)| l.starts_with("---") || l.starts_with("..."))
            .map_or(line, |(i, _)| i + 1);
        return YamlError::syntax(
            if doc_line > 1 { doc_line } else { 0 },
            "found unexpected document indicator".into(),
        );
    }
    // (yaml-rust2's words, go-yaml's message, scanner error?, at the end of the text?)
    const TABLE: &[(&str, &str, bool, bool)] = &[
        (
            "found unknown escape character",
            "found unknown escape character",
            true,
            false,
        ),
        // go-yaml's spelling.
        (
            "did not find expected hexadecimal number",
            "did not find expected hexdecimal number",
            true,
            false,
        ),
        ("the handle wasn't declared", "found undefined tag handle", false, false),
        (
            "did not find expected <document start>",
            "did not find expected <document start>",
            false,
            false,
        ),
        (
            "mapping values are not allowed",
            "mapping values are not allowed in this context",
            true,
            false,
        ),
        (
            "unexpected character",
            "found character that cannot start any token",
            true,
            false,
        ),
        (
            "found character that cannot start any token",
            "found character that cannot start any token",
            true,
            false,
        ),
        (
            "invalid indentation in quoted scalar",
            "found unexpected end of stream",
            true,
            true,
        ),
        (
            "found unexpected end of stream",
            "found unexpected end of stream",
            true,
            true,
        ),
        ("did not find expected key", "did not find expected key", false, false),
        (
            "did not find expected '-'",
            "did not find expected '-' indicator",
            false,
            false,
        ),
        ("expected ',' or ']'", "did not find expected ',' or ']'", false, false),
        ("expected ',' or '}'", "did not find expected ',' or '}'", false, false),
        (
            "did not find expected node content",
            "did not find expected node content",
            false,
            false,
        ),
        (
            "could not find expected ':'",
            "could not find expected ':'",
            true,
            false,
        ),
        (
            "tabs disallowed",
            "found character that cannot start any token",
            true,
            false,
        ),
        (
            "block sequence entries are not allowed",
            "block sequence entries are not allowed in this context",
            true,
            false,
        ),
        (
            "invalid trailing content after",
            "did not find expected key",
            false,
            false,
        ),
    ];
    let Some(&(_, message, scanner, at_eof)) = TABLE.iter().find(|(pat, ..)| info.contains(pat)) else {
        return YamlError::syntax(line, info.to_string());
    };
    let line = if at_eof { eof_line } else { line };
    let go_line = if scanner {
        if line > 1 { line } else { 0 }
    } else {
        line.saturating_sub(1)
    };
    YamlError::syntax(go_line, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::format_float32;

    #[test]
    fn float32_keys_like_go() {
        assert_eq!(format_float32(1.5), "1.5");
        assert_eq!(format_float32(1.234567890123), "1.2345679");
        assert_eq!(format_float32(1e6), "1e+06");
        assert_eq!(format_float32(123456.0), "123456");
        assert_eq!(format_float32(0.0001), "0.0001");
        assert_eq!(format_float32(0.00001), "1e-05");
    }
}
