//! go-yaml v2's implicit typing of plain scalars (`resolve.go`): YAML 1.1 booleans, Go's
//! `strconv` integer and float syntax, timestamps and base-60 floats. Used both to read plain
//! scalars and to decide whether the emitter must quote a string.

/// What a plain scalar resolves to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    /// Go's `int` (64-bit).
    Int(i64),
    /// Only integers above `i64::MAX` resolve to `uint64`.
    Uint(u64),
    Float(f64),
    /// A timestamp: kept as its text when decoding into `interface{}`, but never plain on output.
    Timestamp,
    /// `<<`, the merge key.
    Merge,
    Str,
}

/// go-yaml v2's `resolve("", s)` for a plain scalar.
pub(crate) fn resolve(s: &str) -> Resolved {
    let Some(&first) = s.as_bytes().first() else {
        return Resolved::Null;
    };
    let hint = match first {
        b'+' | b'-' | b'0'..=b'9' => 'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => 'M',
        b'.' => '.',
        _ => return Resolved::Str,
    };
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        "<<" => return Resolved::Merge,
        _ => {}
    }
    match hint {
        '.' => match go_parse_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        'D' => {
            if is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain, 0) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain, 0) {
                return Resolved::Uint(u);
            }
            // go_parse_float applies yamlStyleFloat first.
            if let Some(f) = go_parse_float(&plain) {
                return Resolved::Float(f);
            }
            // Only reached for `0b` followed by a sign: base-0 parsing already took `0b101`.
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Some(i) = go_parse_int(rest, 2) {
                    return Resolved::Int(i);
                }
                if let Some(u) = go_parse_uint(rest, 2) {
                    return Resolved::Uint(u);
                }
            } else if let Some(i) = plain
                .strip_prefix("-0b")
                .and_then(|r| go_parse_int(&format!("-{r}"), 2))
            {
                return Resolved::Int(i);
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// `strconv.ParseUint(s, base, 64)` (base 0: `0x`, `0o`, `0b` and leading-`0` octal prefixes).
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    let (digits, radix) = if base == 0 {
        let b = s.as_bytes();
        if b.len() > 1 && b[0] == b'0' {
            match b[1].to_ascii_lowercase() {
                b'x' => (&s[2..], 16),
                b'o' => (&s[2..], 8),
                b'b' => (&s[2..], 2),
                _ => (&s[1..], 8),
            }
        } else {
            (s, 10)
        }
    } else {
        (s, base)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then [`go_parse_uint`] within range.
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest, base)?;
    if neg {
        if u <= i64::MAX as u64 + 1 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms YAML reaches it with (underscores between
/// digits allowed, as Go's `underscoreOK`); out of range is an error in Go, so the scalar stays
/// a string.
fn go_parse_float(s: &str) -> Option<f64> {
    let stripped;
    let s = if s.contains('_') {
        if !underscore_ok(s) {
            return None;
        }
        stripped = s.replace('_', "");
        stripped.as_str()
    } else {
        s
    };
    if !yaml_style_float(s) {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// Go's `underscoreOK` for a decimal number: each `_` between two digits.
fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut saw = '^';
    for c in s.chars() {
        if c.is_ascii_digit() {
            saw = '0';
        } else if c == '_' {
            if saw != '0' {
                return false;
            }
            saw = '_';
        } else {
            if saw == '_' {
                return false;
            }
            saw = '!';
        }
    }
    saw != '_'
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`. Such strings are
/// quoted on output for YAML 1.1 parsers, though go-yaml reads them as strings.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // `[0-5]?[0-9]`: one digit, or two with the first in 0-5 (greedy, as the regexp).
        if i + 1 < b.len() && (b'0'..=b'5').contains(&b[i]) && b[i + 1].is_ascii_digit() {
            i += 2;
        } else if i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// `parseTimestamp`: four digits and `-`, then one of go-yaml's `time.Parse` layouts:
/// `2006-1-2T15:4:5.999999999Z07:00` (or lower-case `t`), `2006-1-2 15:4:5.999999999`, `2006-1-2`.
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let mut p = Cursor { b, i: 5 };
    let Some(month) = p.num12() else { return false };
    if !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.num12() else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    if p.done() {
        return true;
    }
    let zone = match b[p.i] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    p.i += 1;
    let Some(h) = p.num12() else { return false };
    if !p.eat(b':') {
        return false;
    }
    let Some(m) = p.num12() else { return false };
    if !p.eat(b':') {
        return false;
    }
    let Some(sec) = p.num12() else { return false };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    // Go accepts a fractional second after the seconds field whether or not the layout has one.
    if p.i < b.len() && b[p.i] == b'.' && p.i + 1 < b.len() && b[p.i + 1].is_ascii_digit() {
        p.i += 1;
        while p.i < b.len() && b[p.i].is_ascii_digit() {
            p.i += 1;
        }
    }
    if !zone {
        return p.done();
    }
    if p.eat(b'Z') {
        return p.done();
    }
    // `-07:00`
    let rest = &b[p.i..];
    rest.len() == 6
        && (rest[0] == b'+' || rest[0] == b'-')
        && rest[1].is_ascii_digit()
        && rest[2].is_ascii_digit()
        && rest[3] == b':'
        && rest[4].is_ascii_digit()
        && rest[5].is_ascii_digit()
        && (rest[1] - b'0') * 10 + (rest[2] - b'0') <= 24
        && (rest[4] - b'0') * 10 + (rest[5] - b'0') <= 59
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// Go's `getnum(s, false)`: one or two digits.
    fn num12(&mut self) -> Option<i64> {
        let b = self.b;
        if self.i >= b.len() || !b[self.i].is_ascii_digit() {
            return None;
        }
        let mut n = (b[self.i] - b'0') as i64;
        self.i += 1;
        if self.i < b.len() && b[self.i].is_ascii_digit() {
            n = n * 10 + (b[self.i] - b'0') as i64;
            self.i += 1;
        }
        Some(n)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.i < self.b.len() && self.b[self.i] == c {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_and_go_number_syntax() {
        assert_eq!(resolve("yes"), Resolved::Bool(true));
        assert_eq!(resolve("Off"), Resolved::Bool(false));
        assert_eq!(resolve("yEs"), Resolved::Str);
        assert_eq!(resolve("0x1F"), Resolved::Int(31));
        assert_eq!(resolve("0777"), Resolved::Int(511));
        assert_eq!(resolve("0o17"), Resolved::Int(15));
        assert_eq!(resolve("1_000"), Resolved::Int(1000));
        assert_eq!(resolve("08"), Resolved::Float(8.0));
        assert_eq!(resolve("1e6"), Resolved::Float(1e6));
        assert_eq!(resolve("1e400"), Resolved::Str);
        assert_eq!(resolve("18446744073709551615"), Resolved::Uint(u64::MAX));
        assert_eq!(resolve("2001-12-14"), Resolved::Timestamp);
        assert_eq!(resolve("2001-02-30"), Resolved::Str);
        assert!(is_base60_float("1:20"));
        assert!(!is_base60_float("1:60"));
    }
}
