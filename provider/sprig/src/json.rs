//! Sprig's JSON functions as Go's `encoding/json` does them: `toJson`/`mustToJson`
//! (`json.Marshal`: keys sorted, `<`, `>`, `&` escaped as `\u003c`...), `toPrettyJson`
//! (`MarshalIndent` with two spaces), `toRawJson` (no HTML escaping), and `fromJson`/
//! `mustFromJson` (`json.Unmarshal` into `interface{}`: numbers are float64; errors in Go's
//! words from a parser that follows Go's scanner).

use std::collections::BTreeMap;

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::{format_float, quote};

use crate::{Reg, vs};

/// Go's float64 encoding: shortest form, exponent outside [1e-6, 1e21), `e-07` as `e-7`.
fn float(f: f64) -> Result<String, String> {
    if f.is_nan() || f.is_infinite() {
        return Err(format!("json: unsupported value: {}", format_float(f, 'g', -1)));
    }
    let abs = f.abs();
    let exp = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    let mut s = format_float(f, if exp { 'e' } else { 'f' }, -1);
    if exp {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

/// A JSON string as Go writes it (`html`: `<`, `>`, `&` as `\u00XX`).
fn string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The encoder's options: HTML escaping and the indent (`None`: compact).
struct Enc {
    html: bool,
    indent: Option<&'static str>,
}

impl Enc {
    fn newline(&self, out: &mut String, depth: usize) {
        if let Some(ind) = self.indent {
            out.push('\n');
            out.push_str(&ind.repeat(depth));
        }
    }

    fn value(&self, out: &mut String, v: &Value, depth: usize) -> Result<(), String> {
        match v {
            Value::Nil => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Float(f) => out.push_str(&float(*f)?),
            Value::String(s) => string(out, s, self.html),
            // A time marshals as RFC 3339; other objects (semver's Version) as their text.
            Value::Object(o) => {
                let text = crate::dates::json_text(v).unwrap_or_else(|| o.display());
                string(out, &text, self.html)
            }
            Value::List(l) => {
                out.push('[');
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.newline(out, depth + 1);
                    self.value(out, x, depth + 1)?;
                }
                if !l.is_empty() {
                    self.newline(out, depth);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                let entries = m.entries();
                for (i, (k, x)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.newline(out, depth + 1);
                    string(out, k, self.html);
                    out.push(':');
                    if self.indent.is_some() {
                        out.push(' ');
                    }
                    self.value(out, x, depth + 1)?;
                }
                if !entries.is_empty() {
                    self.newline(out, depth);
                }
                out.push('}');
            }
        }
        Ok(())
    }

    fn encode(&self, v: &Value) -> Result<String, String> {
        let mut out = String::new();
        self.value(&mut out, v, 0)?;
        Ok(out)
    }
}

const COMPACT: Enc = Enc {
    html: true,
    indent: None,
};
const PRETTY: Enc = Enc {
    html: true,
    indent: Some("  "),
};
const RAW: Enc = Enc {
    html: false,
    indent: None,
};

/// Go's `quoteChar` for scanner errors: `'x'`, `'\''`, `'"'`.
fn quote_char(c: char) -> String {
    match c {
        '\'' => r"'\''".into(),
        '"' => "'\"'".into(),
        c => {
            let q = quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// A parser after Go's `encoding/json` scanner (its error texts) building `interface{}`.
struct Parser<'a> {
    s: &'a str,
    i: usize,
    /// A number too large for float64: reported only if the whole text is valid JSON, as
    /// Go checks the syntax before decoding.
    overflow: Option<String>,
}

type PResult<T> = Result<T, String>;

/// Go's scanner error; it reads bytes, so a non-ASCII character is named by its first byte
/// taken as a code point (`é` is `'Ã'`).
fn invalid(c: char, context: &str) -> String {
    let mut buf = [0u8; 4];
    let byte = char::from(c.encode_utf8(&mut buf).as_bytes()[0]);
    format!("invalid character {} {context}", quote_char(byte))
}

const EOF: &str = "unexpected end of JSON input";

/// The end of the text inside a literal, number or escape: Go's scanner then steps on a
/// space, so the error names `' '`.
fn eof_in(context: &str) -> String {
    invalid(' ', context)
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        Some(c)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.i += 1;
        }
    }

    /// The next non-space character, which must exist.
    fn next(&mut self) -> PResult<char> {
        self.ws();
        self.peek().ok_or_else(|| EOF.to_string())
    }

    fn value(&mut self) -> PResult<Value> {
        let c = self.next()?;
        match c {
            '{' => self.object(),
            '[' => self.array(),
            '"' => Ok(Value::String(self.string()?)),
            't' => self.literal("true", Value::Bool(true)),
            'f' => self.literal("false", Value::Bool(false)),
            'n' => self.literal("null", Value::Nil),
            '-' | '0'..='9' => self.number(),
            c => Err(invalid(c, "looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> PResult<Value> {
        self.i += 1;
        for want in word.chars().skip(1) {
            match self.bump() {
                None => return Err(eof_in(&format!("in literal {word} (expecting {})", quote_char(want)))),
                Some(c) if c == want => {}
                Some(c) => {
                    return Err(invalid(
                        c,
                        &format!("in literal {word} (expecting {})", quote_char(want)),
                    ));
                }
            }
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let n = self.s[self.i..].bytes().take_while(u8::is_ascii_digit).count();
        self.i += n;
        n
    }

    fn number(&mut self) -> PResult<Value> {
        let start = self.i;
        if self.peek() == Some('-') {
            self.i += 1;
            match self.peek() {
                None => return Err(eof_in("in numeric literal")),
                Some('0'..='9') => {}
                Some(c) => return Err(invalid(c, "in numeric literal")),
            }
        }
        if self.peek() == Some('0') {
            self.i += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some('.') {
            self.i += 1;
            match self.peek() {
                None => return Err(eof_in("after decimal point in numeric literal")),
                Some('0'..='9') => self.digits(),
                Some(c) => return Err(invalid(c, "after decimal point in numeric literal")),
            };
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.i += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.i += 1;
            }
            match self.peek() {
                None => return Err(eof_in("in exponent of numeric literal")),
                Some('0'..='9') => self.digits(),
                Some(c) => return Err(invalid(c, "in exponent of numeric literal")),
            };
        }
        let text = &self.s[start..self.i];
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                let e = format!("json: cannot unmarshal number {text} into Go value of type float64");
                self.overflow.get_or_insert(e);
                Ok(Value::Nil)
            }
        }
    }

    fn string(&mut self) -> PResult<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let c = self.bump().ok_or(EOF)?;
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape()?),
                c if (c as u32) < 0x20 => return Err(invalid(c, "in string literal")),
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self) -> PResult<char> {
        let c = self.bump().ok_or_else(|| eof_in("in string escape code"))?;
        Ok(match c {
            '"' | '\\' | '/' => c,
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with("\\u") {
                    let save = self.i;
                    self.i += 2;
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        return Ok(
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}')
                        );
                    }
                    self.i = save;
                }
                char::from_u32(hi).unwrap_or('\u{FFFD}')
            }
            c => return Err(invalid(c, "in string escape code")),
        })
    }

    fn hex4(&mut self) -> PResult<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let c = self
                .bump()
                .ok_or_else(|| eof_in("in \\u hexadecimal character escape"))?;
            let d = c
                .to_digit(16)
                .ok_or_else(|| invalid(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn array(&mut self) -> PResult<Value> {
        self.i += 1;
        let mut l = Vec::new();
        if self.next()? == ']' {
            self.i += 1;
            return Ok(Value::List(l));
        }
        loop {
            l.push(self.value()?);
            match self.next()? {
                ',' => self.i += 1,
                ']' => {
                    self.i += 1;
                    return Ok(Value::List(l));
                }
                c => return Err(invalid(c, "after array element")),
            }
        }
    }

    fn object(&mut self) -> PResult<Value> {
        self.i += 1;
        let mut m = BTreeMap::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == '}' && first {
                self.i += 1;
                return Ok(Value::Map(m.into()));
            }
            if c != '"' {
                return Err(invalid(c, "looking for beginning of object key string"));
            }
            first = false;
            let k = self.string()?;
            let c = self.next()?;
            if c != ':' {
                return Err(invalid(c, "after object key"));
            }
            self.i += 1;
            let v = self.value()?;
            m.insert(k, v);
            match self.next()? {
                ',' => self.i += 1,
                '}' => {
                    self.i += 1;
                    return Ok(Value::Map(m.into()));
                }
                c => return Err(invalid(c, "after object key:value pair")),
            }
        }
    }
}

/// Go's `json.Unmarshal` into `interface{}`.
fn decode(s: &str) -> PResult<Value> {
    let mut p = Parser {
        s,
        i: 0,
        overflow: None,
    };
    let v = p.value()?;
    p.ws();
    if let Some(c) = p.peek() {
        return Err(invalid(c, "after top-level value"));
    }
    p.overflow.map_or(Ok(v), Err)
}

pub(crate) fn register(r: &mut Reg) {
    r.add("toJson", |a| {
        a.exact(1)?;
        Ok(vs(COMPACT.encode(a.any(0)).unwrap_or_default()))
    });
    r.add("mustToJson", |a| {
        a.exact(1)?;
        Ok(vs(COMPACT.encode(a.any(0))?))
    });
    r.add("toPrettyJson", |a| {
        a.exact(1)?;
        Ok(vs(PRETTY.encode(a.any(0)).unwrap_or_default()))
    });
    r.add("mustToPrettyJson", |a| {
        a.exact(1)?;
        Ok(vs(PRETTY.encode(a.any(0))?))
    });
    // toRawJson panics where mustToRawJson returns the error: the same message here.
    r.add("toRawJson", |a| {
        a.exact(1)?;
        Ok(vs(RAW.encode(a.any(0))?))
    });
    r.add("mustToRawJson", |a| {
        a.exact(1)?;
        Ok(vs(RAW.encode(a.any(0))?))
    });
    // fromJson gives what Unmarshal left on an error: nil for a syntax error.
    r.add("fromJson", |a| {
        a.exact(1)?;
        Ok(decode(a.str(0)?).unwrap_or(Value::Nil))
    });
    r.add("mustFromJson", |a| {
        a.exact(1)?;
        decode(a.str(0)?)
    });
}
