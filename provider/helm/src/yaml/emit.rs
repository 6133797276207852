//! Writing: sigs.k8s.io/yaml's `Marshal` — `json.Marshal`, go-yaml v2 reading that JSON back
//! (numbers regain int or float types), then go-yaml v2's `Marshal`: its encoder's style choices
//! (`encode.go`) and libyaml's emitter (`emitterc.go`), including folding long plain and quoted
//! strings at 80 columns (go-yaml v2.4 wraps unless `FutureLineWrap` is called; Helm 3 does not
//! call it).

use circleci_gotemplate::Value;

use super::load::Node;
use super::resolve::{Resolved, is_base60_float, resolve};

/// The JSON round trip: what go-yaml sees after `json.Marshal` of `v` and `yaml.Unmarshal` of
/// that JSON.
pub(crate) fn from_value(v: &Value) -> Result<Node, String> {
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) => Node::Int(*i),
        Value::Float(f) => json_float(*f)?,
        Value::String(s) => Node::Str(s.clone()),
        Value::List(l) => Node::Seq(l.iter().map(from_value).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            let snapshot = m.entries();
            let mut entries = Vec::with_capacity(snapshot.len());
            for (k, v) in snapshot {
                entries.push((Node::Str(k), from_value(&v)?));
            }
            Node::Map(entries)
        }
        Value::Object(o) => {
            return Err(format!(
                "error marshaling into JSON: json: unsupported type: {}",
                o.type_name()
            ));
        }
    })
}

/// encoding/json writes a float64 in `'f'` format (shortest digits, zero-padded) when
/// 1e-6 <= |f| < 1e21, so go-yaml reads an integral one back as an int, or a uint64, or a float
/// when the padded digits overflow both (`-9223372036854776000`).
fn json_float(f: f64) -> Result<Node, String> {
    if !f.is_finite() {
        let s = if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "+Inf"
        } else {
            "-Inf"
        };
        return Err(format!("error marshaling into JSON: json: unsupported value: {s}"));
    }
    let abs = f.abs();
    if abs < 1e21 && f.fract() == 0.0 {
        let text = circleci_gotemplate::fmt::format_float(f, 'f', -1);
        return Ok(match resolve(&text) {
            Resolved::Int(i) => Node::Int(i),
            Resolved::Uint(u) => Node::Uint(u),
            _ => Node::Float(f),
        });
    }
    Ok(Node::Float(f))
}

/// go-yaml v2's `keyList.Less` for two string keys: non-letters sort before letters, runs of
/// digits compare as numbers.
pub(crate) fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i as isize - 1;
            while j >= 0 && is_digit(ar[j as usize]) {
                if ar[j as usize] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
                j -= 1;
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Go's `unicode.IsLetter` (category L); Rust's `is_alphabetic` also admits a few marks and
/// letter numbers, which only matters for exotic keys.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic()
    }
}

/// Go's `unicode.IsDigit` (category Nd), approximated outside ASCII.
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        c.is_numeric() && c.to_digit(10).is_none() && !c.is_alphabetic()
    }
}

/// Orders map entries as Go's `sort.Sort(keyList)`: insertion sort for the short runs Go's
/// pdqsort also insertion-sorts, a stable merge sort beyond (same result whenever `Less` is a
/// strict order, which it is for distinct strings in practice).
fn sort_keys(entries: &[(Node, Node)]) -> Vec<&(Node, Node)> {
    fn key(e: &(Node, Node)) -> &str {
        match &e.0 {
            Node::Str(s) => s,
            _ => "",
        }
    }
    let mut v: Vec<&(Node, Node)> = entries.iter().collect();
    if v.len() <= 12 {
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && key_less(key(v[j]), key(v[j - 1])) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return v;
    }
    // Bottom-up merge sort; `Less(b, a)` decides, so equal keys keep their order.
    let mut width = 1;
    let mut buf = Vec::with_capacity(v.len());
    while width < v.len() {
        buf.clear();
        for lo in (0..v.len()).step_by(2 * width) {
            let mid = (lo + width).min(v.len());
            let hi = (lo + 2 * width).min(v.len());
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                if key_less(key(v[j]), key(v[i])) {
                    buf.push(v[j]);
                    j += 1;
                } else {
                    buf.push(v[i]);
                    i += 1;
                }
            }
            buf.extend_from_slice(&v[i..mid]);
            buf.extend_from_slice(&v[j..hi]);
        }
        std::mem::swap(&mut v, &mut buf);
        width *= 2;
    }
    v
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What libyaml's `yaml_emitter_analyze_scalar` learns about a value.
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    // libyaml checks UTF-8 bytes: 4-byte sequences (above U+FFFF) count as not printable, and
    // so does TAB.
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFD).contains(&c) && c != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ') | Some('\t'))
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

fn analyze(value: &[char]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    let starts = |p: &str| value.len() >= 3 && value[..3].iter().copied().eq(p.chars());
    if starts("---") || starts("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    for (i, &c) in value.iter().enumerate() {
        let followed_by_whitespace = i + 1 >= value.len() || is_blank(value.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(c));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;

/// The parts of libyaml's emitter state that block-style output with implicit tags uses.
struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    flow_level: usize,
    mapping_context: bool,
    simple_key_context: bool,
}

/// go-yaml v2's `Marshal` of `n` as one implicit document.
pub(crate) fn emit_document(n: &Node) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        flow_level: 0,
        mapping_context: false,
        simple_key_context: false,
    };
    e.node(n, false, false);
    // DOCUMENT-END (implicit): just end the line.
    e.write_indent();
    e.out
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// `write_break`: `\n` becomes the configured break, other breaks are copied.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_emit_node` with the sequence flag folded into the callers.
    fn node(&mut self, n: &Node, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match n {
            Node::Seq(items) if items.is_empty() || self.flow_level > 0 => self.flow_empty("[", "]"),
            Node::Map(entries) if entries.is_empty() || self.flow_level > 0 => self.flow_empty("{", "}"),
            Node::Seq(items) => {
                let indentless = self.mapping_context && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, false, false);
                }
                self.pop_indent();
            }
            Node::Map(entries) => {
                let sorted = sort_keys(entries);
                self.increase_indent(false, false);
                for (k, v) in sorted {
                    self.write_indent();
                    let text = scalar_text(k);
                    let simple = {
                        let chars: Vec<char> = text.0.chars().collect();
                        !analyze(&chars).multiline && text.0.len() <= 128
                    };
                    if simple {
                        self.node(k, true, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(k, true, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, true, false);
                }
                self.pop_indent();
            }
            scalar => {
                let (text, style) = scalar_text(scalar);
                self.scalar(&text, style);
            }
        }
    }

    /// An empty sequence or mapping: libyaml switches to flow style for it.
    fn flow_empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: Style) {
        let chars: Vec<char> = value.chars().collect();
        let a = analyze(&chars);
        // yaml_emitter_select_scalar_style
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed) || (self.flow_level == 0 && !a.block_plain_allowed) {
                style = Style::Single;
            }
            if chars.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(&chars, allow_breaks),
            Style::Single => self.write_single(&chars, allow_breaks),
            Style::Double => self.write_double(&chars, allow_breaks),
            Style::Literal => self.write_literal(&chars),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, v: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && v.get(i + 1) != Some(&' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
            i += 1;
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < v.len() - 1
                    && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let mut spaces = false;
        // libyaml's is_bom looks at the value's first bytes, whatever the position.
        let bom = v.first() == Some(&'\u{FEFF}');
        for (i, &c) in v.iter().enumerate() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{07}' => self.put('a'),
                    '\u{08}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{0B}' => self.put('v'),
                    '\u{0C}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1B}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let u = c as u32;
                        let (ind, w) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ind);
                        for k in (0..w).rev() {
                            let d = (u >> (k * 4)) & 0xF;
                            self.put(char::from_digit(d, 16).unwrap_or('0').to_ascii_uppercase());
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < v.len() - 1 {
                    self.write_indent();
                    if v.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, v: &[char]) {
        self.write_indicator("|", true, false, false);
        // yaml_emitter_write_block_scalar_hints
        if matches!(v.first(), Some(&c) if c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match v.len() {
            0 => Some('-'),
            n if !is_break(v[n - 1]) => Some('-'),
            1 => Some('+'),
            n if is_break(v[n - 2]) => Some('+'),
            _ => None,
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// The text and requested style go-yaml's encoder gives a scalar (`stringv`, `floatv`, ...).
fn scalar_text(n: &Node) -> (String, Style) {
    match n {
        Node::Null => ("null".into(), Style::Plain),
        Node::Bool(b) => (b.to_string(), Style::Plain),
        Node::Int(i) => (i.to_string(), Style::Plain),
        Node::Uint(u) => (u.to_string(), Style::Plain),
        Node::Float(f) => (
            match circleci_gotemplate::fmt::format_float(*f, 'g', -1).as_str() {
                "+Inf" => ".inf".into(),
                "-Inf" => "-.inf".into(),
                "NaN" => ".nan".into(),
                s => s.to_string(),
            },
            Style::Plain,
        ),
        Node::Str(s) => {
            let can_plain = resolve(s) == Resolved::Str && !is_base60_float(s);
            let style = if s.contains('\n') {
                Style::Literal
            } else if can_plain {
                Style::Plain
            } else {
                Style::Double
            };
            (s.clone(), style)
        }
        Node::Seq(_) | Node::Map(_) => (String::new(), Style::Plain),
    }
}

#[cfg(test)]
mod tests {
    use super::key_less;

    #[test]
    fn natural_key_order() {
        assert!(key_less("a2", "a10"));
        assert!(key_less("_a", "b"));
        assert!(key_less("a", "ab"));
        assert!(!key_less("a10", "a2"));
    }
}
