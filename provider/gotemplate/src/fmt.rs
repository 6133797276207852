//! Go's `fmt` package over [`Value`]: `Sprint`, `Sprintln`, `Sprintf` with Go's verbs, flags,
//! width and precision, and Go's error annotations (`%!d(string=x)`, `%!v(MISSING)`,
//! `%!(EXTRA int=1)`). Sprig and Helm reuse it for their own formatting functions.
//!
//! Values are seen as Go would see them inside an `interface{}`: `int`, `float64`, `string`,
//! `bool`, `[]interface {}`, `map[string]interface {}`, structs (Objects) and nil.

use crate::value::Value;

/// Go's `fmt.Sprint`: operands formatted with `%v`, a space between two operands when neither
/// is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::default();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
    p.buf
}

/// Go's `fmt.Sprintln`: operands formatted with `%v`, always a space between them, and a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::default();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push('\n');
    p.buf
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::default();
    p.do_printf(format, args);
    p.buf
}

/// Go's `fmt.Sprint` of one value (`%v`).
pub fn sprint_value(v: &Value) -> String {
    let mut p = Printer::default();
    p.print_arg(v, 'v');
    p.buf
}

/// The Go type name of a value, as `%T` prints it (`<nil>` for a nil interface).
pub fn type_name(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_) => "int".into(),
        Value::Float(_) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::List(_) => "[]interface {}".into(),
        Value::Map(_) => "map[string]interface {}".into(),
        Value::Object(o) => o.type_name().to_string(),
    }
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    quote_with(s, '"', false)
}

/// Go's `strconv.FormatFloat(v, fmt, prec, 64)` for the formats `e`, `E`, `f`, `g`, `G`
/// (`prec` -1 is the shortest representation that round-trips).
pub fn format_float(v: f64, fmt: char, prec: i32) -> String {
    let mut out = String::new();
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let neg = v.is_sign_negative();
    let a = v.abs();
    if neg {
        out.push('-');
    }
    let shortest = prec < 0;
    if matches!(fmt, 'x' | 'X' | 'b') {
        let bits = a.to_bits();
        let mut exp = ((bits >> 52) & 0x7ff) as i32;
        let mut mant = bits & ((1u64 << 52) - 1);
        if exp == 0 {
            exp += 1;
        } else {
            mant |= 1 << 52;
        }
        exp -= 1023;
        if fmt == 'b' {
            let e = exp - 52;
            out.push_str(&format!("{mant}p{}{e}", if e >= 0 { "+" } else { "" }));
        } else {
            fmt_x(&mut out, prec, fmt, mant, exp);
        }
        return out;
    }
    match fmt {
        'e' | 'E' => {
            let d = if shortest {
                digits_shortest(a)
            } else {
                digits_sig(a, prec as usize + 1)
            };
            let p = if shortest {
                d.nd().saturating_sub(1)
            } else {
                prec as usize
            };
            fmt_e(&mut out, &d, p, fmt);
        }
        'f' => {
            let d = if shortest {
                digits_shortest(a)
            } else {
                digits_fixed(a, prec as usize)
            };
            let p = if shortest {
                (d.nd() as i32 - d.dp).max(0) as usize
            } else {
                prec as usize
            };
            fmt_f(&mut out, &d, p);
        }
        _ => {
            // 'g' / 'G'
            let mut prec = prec;
            let d = if shortest {
                digits_shortest(a)
            } else {
                if prec == 0 {
                    prec = 1;
                }
                digits_sig(a, prec as usize)
            };
            let nd = d.nd() as i32;
            if shortest {
                prec = nd;
            }
            let mut eprec = prec;
            if eprec > nd && nd >= d.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                let e = if fmt == 'G' { 'E' } else { 'e' };
                fmt_e(&mut out, &d, (prec - 1).max(0) as usize, e);
            } else {
                if prec > d.dp {
                    prec = nd;
                }
                fmt_f(&mut out, &d, (prec - d.dp).max(0) as usize);
            }
        }
    }
    out
}

/// strconv's `%x` of a float: `0x1.8p+01`.
fn fmt_x(out: &mut String, prec: i32, fmt: char, mut mant: u64, mut exp: i32) {
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8] = if fmt == 'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    out.push('0');
    out.push(fmt);
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == 'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

/// Decimal digits (no leading or trailing zeros) and the decimal point position.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

impl Digits {
    fn nd(&self) -> usize {
        self.d.len()
    }
}

fn parse_exp_form(s: &str) -> Digits {
    // Rust's `{:e}`: "1.2345e6", "5e-7", "0e0"
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    if d.is_empty() {
        return Digits { d, dp: 0 };
    }
    Digits { d, dp: exp + 1 }
}

fn digits_shortest(a: f64) -> Digits {
    parse_exp_form(&format!("{a:e}"))
}

fn digits_sig(a: f64, n: usize) -> Digits {
    parse_exp_form(&format!("{:.*e}", n.saturating_sub(1), a))
}

fn digits_fixed(a: f64, prec: usize) -> Digits {
    let s = format!("{a:.prec$}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut d: Vec<u8> = Vec::new();
    let mut dp = int.len() as i32;
    let int = int.trim_start_matches('0');
    if int.is_empty() {
        // leading zeros of the fraction move the decimal point
        let lead = frac.bytes().take_while(|&c| c == b'0').count();
        dp = -(lead as i32);
        d.extend(frac.bytes().skip(lead));
    } else {
        dp = dp.min(int.len() as i32);
        d.extend(int.bytes());
        d.extend(frac.bytes());
    }
    while d.last() == Some(&b'0') {
        d.pop();
    }
    if d.is_empty() {
        dp = 0;
    }
    Digits { d, dp }
}

fn fmt_e(out: &mut String, d: &Digits, prec: usize, e: char) {
    out.push(if d.nd() > 0 { d.d[0] as char } else { '0' });
    if prec > 0 {
        out.push('.');
        let mut i = 1;
        let m = d.nd().min(prec + 1);
        while i < m {
            out.push(d.d[i] as char);
            i += 1;
        }
        while i <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(e);
    let mut exp = if d.nd() == 0 { 0 } else { d.dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(out: &mut String, d: &Digits, prec: usize) {
    if d.dp > 0 {
        let mut m = (d.dp as usize).min(d.nd());
        out.extend(d.d[..m].iter().map(|&c| c as char));
        while m < d.dp as usize {
            out.push('0');
            m += 1;
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i32 {
            let j = d.dp + i - 1;
            let ch = if j >= 0 && (j as usize) < d.nd() {
                d.d[j as usize] as char
            } else {
                '0'
            };
            out.push(ch);
        }
    }
}

/// Go's `strconv.IsPrint`, approximated for the ranges that matter in templates.
pub(crate) fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || (0x7f..0xa0).contains(&u) {
        return false;
    }
    if c == ' ' {
        return true;
    }
    if c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x2028..=0x202e
        | 0x2060..=0x206f | 0xd800..=0xdfff | 0xe000..=0xf8ff | 0xfeff | 0xfff9..=0xfffb
        | 0xfffe | 0xffff | 0xe0000..=0xe0fff | 0xf0000..=0x10ffff)
}

fn quote_with(s: &str, q: char, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // decode one rune, or one invalid byte
        let rest = &s.as_bytes()[i..];
        let (c, width) = match std::str::from_utf8(&rest[..rest.len().min(4)]) {
            Ok(t) => {
                let c = t.chars().next().unwrap_or('\u{fffd}');
                (Some(c), c.len_utf8())
            }
            Err(e) if e.valid_up_to() > 0 => {
                let t = std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or("\u{fffd}");
                let c = t.chars().next().unwrap_or('\u{fffd}');
                (Some(c), c.len_utf8())
            }
            Err(_) => (None, 1),
        };
        match c {
            None => out.push_str(&format!("\\x{:02x}", bytes[i])),
            Some(c) => append_escaped_rune(&mut out, c, q, ascii),
        }
        i += width;
    }
    out.push(q);
    out
}

fn append_escaped_rune(out: &mut String, c: char, q: char, ascii: bool) {
    if c == q || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii {
        if (c as u32) < 0x80 && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        _ => {
            let u = c as u32;
            if u < 0x20 || u == 0x7f {
                out.push_str(&format!("\\x{u:02x}"));
            } else if u < 0x10000 {
                out.push_str(&format!("\\u{u:04x}"));
            } else {
                out.push_str(&format!("\\U{u:08x}"));
            }
        }
    }
}

/// Go's `strconv.QuoteRune`.
pub(crate) fn quote_rune(c: char, ascii: bool) -> String {
    let mut out = String::from("'");
    append_escaped_rune(&mut out, c, '\'', ascii);
    out.push('\'');
    out
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: usize,
    wid_present: bool,
    prec: usize,
    prec_present: bool,
}

#[derive(Default)]
struct Printer {
    buf: String,
    f: Flags,
    good_arg_num: bool,
    reordered: bool,
}

const LDIGITS: &[u8] = b"0123456789abcdefx";
const UDIGITS: &[u8] = b"0123456789ABCDEFX";

fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

fn parsenum(s: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + (s[i] - b'0') as i64;
        isnum = true;
        i += 1;
    }
    (num as usize, isnum, i)
}

impl Printer {
    fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero { '0' } else { ' ' };
        for _ in 0..n {
            self.buf.push(c);
        }
    }

    fn pad(&mut self, s: &str) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.push_str(s);
            return;
        }
        let width = self.f.wid.saturating_sub(s.chars().count());
        if !self.f.minus {
            self.write_padding(width);
            self.buf.push_str(s);
        } else {
            self.buf.push_str(s);
            self.write_padding(width);
        }
    }

    fn truncate<'a>(&self, s: &'a str) -> &'a str {
        if self.f.prec_present {
            let mut n = self.f.prec as i64;
            for (i, _) in s.char_indices() {
                n -= 1;
                if n < 0 {
                    return &s[..i];
                }
            }
        }
        s
    }

    fn bad_verb(&mut self, verb: char, v: Option<&Value>) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match v {
            Some(v) if !matches!(v, Value::Nil) => {
                self.buf.push_str(&type_name(v));
                self.buf.push('=');
                self.print_value(v, 'v', 0);
            }
            _ => self.buf.push_str("<nil>"),
        }
        self.buf.push(')');
    }

    /// printArg: a top-level operand (an `interface{}` argument).
    fn print_arg(&mut self, v: &Value, verb: char) {
        if let Value::Nil = v {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(verb, None),
            }
            return;
        }
        if verb == 'T' {
            let t = type_name(v);
            let t = self.truncate(&t).to_string();
            self.pad(&t);
            return;
        }
        if verb == 'p' {
            self.bad_verb(verb, Some(v));
            return;
        }
        self.print_value(v, verb, 0);
    }

    /// printValue for a concrete value; elements of lists and maps are `interface{}` values.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        match v {
            Value::Nil => {
                // an interface{} element holding nil
                if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.buf.push_str("<nil>");
                }
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, Some(v)),
            },
            Value::Int(i) => self.fmt_integer(*i, verb, v),
            Value::Float(x) => self.fmt_float_verb(*x, verb, v),
            Value::String(s) => self.fmt_string(s, verb, v),
            Value::Object(o) => {
                let s = o.display();
                self.pad(&s);
            }
            Value::List(items) => {
                if self.f.sharp_v {
                    self.buf.push_str("[]interface {}{");
                    for (i, e) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_elem(e, verb, depth + 1);
                    }
                    self.buf.push('}');
                    return;
                }
                self.buf.push('[');
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(' ');
                    }
                    self.print_elem(e, verb, depth + 1);
                }
                self.buf.push(']');
            }
            Value::Map(m) => {
                if self.f.sharp_v {
                    self.buf.push_str("map[string]interface {}{");
                } else {
                    self.buf.push_str("map[");
                }
                for (i, (k, e)) in m.entries().iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.buf.push_str(", ");
                        } else {
                            self.buf.push(' ');
                        }
                    }
                    self.fmt_string(k, verb, &Value::String(k.clone()));
                    self.buf.push(':');
                    self.print_elem(e, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
        }
    }

    fn print_elem(&mut self, e: &Value, verb: char, depth: usize) {
        self.print_value(e, verb, depth);
    }

    fn fmt_integer(&mut self, i: i64, verb: char, v: &Value) {
        match verb {
            'v' | 'd' => self.fmt_int_base(i, 10, verb, LDIGITS),
            'b' => self.fmt_int_base(i, 2, verb, LDIGITS),
            'o' | 'O' => self.fmt_int_base(i, 8, verb, LDIGITS),
            'x' => self.fmt_int_base(i, 16, verb, LDIGITS),
            'X' => self.fmt_int_base(i, 16, verb, UDIGITS),
            'c' => {
                let c = u32::try_from(i).ok().and_then(char::from_u32).unwrap_or('\u{fffd}');
                self.pad(&c.to_string());
            }
            'q' => {
                let c = u32::try_from(i).ok().and_then(char::from_u32).unwrap_or('\u{fffd}');
                let s = quote_rune(c, self.f.plus);
                self.pad(&s);
            }
            'U' => self.fmt_unicode(i as u64),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn fmt_int_base(&mut self, i: i64, base: u64, verb: char, digits: &[u8]) {
        let negative = i < 0;
        let mut u = i.unsigned_abs();
        let mut prec = 0usize;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        let mut rev: Vec<u8> = Vec::new();
        while u >= base {
            rev.push(digits[(u % base) as usize]);
            u /= base;
        }
        rev.push(digits[u as usize]);
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => {
                    rev.push(b'b');
                    rev.push(b'0');
                }
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.push(b'o');
            rev.push(b'0');
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let s = String::from_utf8(rev).unwrap_or_default();
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let mut s = format!("{u:X}");
        while s.len() < prec {
            s.insert(0, '0');
        }
        s.insert_str(0, "U+");
        if self.f.sharp
            && let Some(c) = u32::try_from(u).ok().and_then(char::from_u32)
            && is_print(c)
        {
            s.push_str(" '");
            s.push(c);
            s.push('\'');
        }
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn fmt_float_verb(&mut self, x: f64, verb: char, v: &Value) {
        match verb {
            'v' => self.fmt_float(x, 'g', -1),
            'g' | 'G' | 'x' | 'X' | 'b' => self.fmt_float(x, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float(x, verb, 6),
            'F' => self.fmt_float(x, 'f', 6),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn fmt_float(&mut self, x: f64, verb: char, prec: i32) {
        let prec = if self.f.prec_present { self.f.prec as i32 } else { prec };
        let s = format_float(x, verb, prec);
        let mut num: Vec<u8> = Vec::with_capacity(s.len() + 1);
        if s.starts_with('-') || s.starts_with('+') {
            num.extend(s.bytes());
        } else {
            num.push(b'+');
            num.extend(s.bytes());
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        if num.get(1) == Some(&b'I') || num.get(1) == Some(&b'N') {
            let old = self.f.zero;
            self.f.zero = false;
            let start = if num[1] == b'N' && !self.f.space && !self.f.plus {
                1
            } else {
                0
            };
            let t = String::from_utf8_lossy(&num[start..]).into_owned();
            self.pad(&t);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != 'b' {
            let mut digits: i32 = 0;
            if matches!(verb, 'v' | 'g' | 'G' | 'x') {
                digits = prec;
                if digits == -1 {
                    digits = 6;
                }
            }
            let mut tail: Vec<u8> = Vec::new();
            let mut has_dp = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < num.len() {
                match num[i] {
                    b'.' => has_dp = true,
                    b'p' | b'P' | b'e' | b'E' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_dp {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend(tail);
        }
        let s = String::from_utf8_lossy(&num).into_owned();
        if self.f.plus || !s.starts_with('+') {
            if self.f.zero && self.f.wid_present && self.f.wid > s.len() {
                self.buf.push_str(&s[..1]);
                self.write_padding(self.f.wid - s.len());
                self.buf.push_str(&s[1..]);
                return;
            }
            self.pad(&s);
            return;
        }
        self.pad(&s[1..]);
    }

    fn fmt_string(&mut self, s: &str, verb: char, v: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(s)
                } else {
                    let t = self.truncate(s);
                    let t = t.to_string();
                    self.pad(&t)
                }
            }
            's' => {
                let t = self.truncate(s).to_string();
                self.pad(&t)
            }
            'x' => self.fmt_sx(s, LDIGITS),
            'X' => self.fmt_sx(s, UDIGITS),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s).to_string();
        if self.f.sharp && can_backquote(&s) {
            let t = format!("`{s}`");
            self.pad(&t);
            return;
        }
        let q = quote_with(&s, '"', self.f.plus);
        self.pad(&q);
    }

    fn fmt_sx(&mut self, s: &str, digits: &[u8]) {
        let b = s.as_bytes();
        let mut length = b.len();
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(digits[16] as char);
        }
        for (i, &c) in b.iter().take(length).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(digits[16] as char);
                }
            }
            self.buf.push(digits[(c >> 4) as usize] as char);
            self.buf.push(digits[(c & 0xf) as usize] as char);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    fn arg_number(&mut self, arg_num: usize, format: &[u8], i: usize, num_args: usize) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let f = &format[i..];
        // parseArgNumber
        let (index, wid, ok) = 'p: {
            if f.len() < 3 {
                break 'p (0i64, 1usize, false);
            }
            for j in 1..f.len() {
                if f[j] == b']' {
                    let (width, ok, newi) = parsenum(f, 1, j);
                    if !ok || newi != j {
                        break 'p (0, j + 1, false);
                    }
                    break 'p (width as i64 - 1, j + 1, true);
                }
            }
            (0, 1, false)
        };
        if ok && 0 <= index && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
        let mut new = arg_num;
        let mut num = 0;
        let mut is_int = false;
        if arg_num < args.len() {
            if let Value::Int(n) = args[arg_num] {
                num = n;
                is_int = true;
            }
            new = arg_num + 1;
            if too_large(num) {
                num = 0;
                is_int = false;
            }
        }
        (num, is_int, new)
    }

    fn do_printf(&mut self, format: &str, a: &[Value]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0;
        'format_loop: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            self.f = Flags::default();
            while i < end {
                let c = fb[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    _ => {
                        if c.is_ascii_lowercase() && arg_num < a.len() {
                            if c == b'v' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            self.print_arg(&a[arg_num], c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break;
                    }
                }
                i += 1;
            }
            (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, a.len());
            if i < end && fb[i] == b'*' {
                i += 1;
                let (w, ok, n) = Self::int_from_arg(a, arg_num);
                arg_num = n;
                self.f.wid_present = ok;
                if !ok {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                if w < 0 {
                    self.f.minus = true;
                    self.f.zero = false;
                }
                self.f.wid = w.unsigned_abs() as usize;
                after_index = false;
            } else {
                let (w, ok, ni) = parsenum(fb, i, end);
                self.f.wid = w;
                self.f.wid_present = ok;
                i = ni;
                if after_index && ok {
                    self.good_arg_num = false;
                }
            }
            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, a.len());
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (p, ok, n) = Self::int_from_arg(a, arg_num);
                    arg_num = n;
                    self.f.prec_present = ok;
                    self.f.prec = p.max(0) as usize;
                    if p < 0 {
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (p, ok, ni) = parsenum(fb, i, end);
                    self.f.prec = p;
                    self.f.prec_present = true;
                    if !ok {
                        self.f.prec = 0;
                    }
                    i = ni;
                }
            }
            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, fb, i, a.len());
            }
            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }
            let verb = format[i..].chars().next().unwrap_or('\u{fffd}');
            i += verb.len_utf8();
            if verb == '%' {
                self.buf.push('%');
            } else if !self.good_arg_num {
                self.buf.push_str(&format!("%!{verb}(BADINDEX)"));
            } else if arg_num >= a.len() {
                self.buf.push_str(&format!("%!{verb}(MISSING)"));
            } else {
                if verb == 'v' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_arg(&a[arg_num], verb);
                arg_num += 1;
            }
        }
        if !self.reordered && arg_num < a.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (i, arg) in a[arg_num..].iter().enumerate() {
                if i > 0 {
                    self.buf.push_str(", ");
                }
                if let Value::Nil = arg {
                    self.buf.push_str("<nil>");
                } else {
                    self.buf.push_str(&type_name(arg));
                    self.buf.push('=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(')');
        }
    }
}

fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c != '`' && c != '\u{fffd}' && (c == '\t' || !(c < ' ' || c == '\x7f')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn floats_print_like_go() {
        assert_eq!(sprint_value(&Value::Float(1e6)), "1e+06");
        assert_eq!(sprint_value(&Value::Float(2.5)), "2.5");
        assert_eq!(sprint_value(&Value::Float(5.0)), "5");
        assert_eq!(sprint_value(&Value::Float(100000.0)), "100000");
        assert_eq!(sprint_value(&Value::Float(0.0001)), "0.0001");
        assert_eq!(sprint_value(&Value::Float(0.00001)), "1e-05");
        assert_eq!(
            sprintf(
                "%.2f|%e|%g|%.3g",
                &[
                    Value::Float(1.23456),
                    Value::Float(1234.5),
                    Value::Float(1e21),
                    Value::Float(1.0)
                ]
            ),
            "1.23|1.234500e+03|1e+21|1"
        );
    }

    #[test]
    fn verbs_and_errors() {
        assert_eq!(sprintf("%d %s", &[s("x")]), "%!d(string=x) %!s(MISSING)");
        assert_eq!(sprintf("%d", &[Value::Int(1), Value::Int(2)]), "1%!(EXTRA int=2)");
        assert_eq!(
            sprintf(
                "%05d|%-4d|%x|%#x|%q|%5.1s|",
                &[
                    Value::Int(-42),
                    Value::Int(7),
                    Value::Int(255),
                    Value::Int(255),
                    s("a\"b"),
                    s("xyz")
                ]
            ),
            "-0042|7   |ff|0xff|\"a\\\"b\"|    x|"
        );
        assert_eq!(sprint(&[Value::Int(1), Value::Int(2), s("a"), Value::Int(3)]), "1 2a3");
        assert_eq!(
            sprintf("%v", &[Value::List(vec![Value::Nil, Value::Int(1)])]),
            "[<nil> 1]"
        );
    }
}
