//! Sprig's regexp functions over Go's `regexp` (RE2 syntax), run by the `regex` crate.
//!
//! A pattern is first rewritten from Go's syntax to the crate's ([`translate`]): Go's `\d`,
//! `\s`, `\w`, `\b` are ASCII-only, a `{` that is no repeat is a literal, `[` inside a class
//! is a literal, an escaped punctuation character is always a literal. The same pass reports
//! Go's parse errors for the common mistakes (`missing closing )`, `unexpected )`, `missing
//! closing ]`, repetition errors, bad escapes and flags) in Go's words; rarer errors that only
//! the crate finds keep the crate's text after Go's `error parsing regexp: `.
//!
//! Matching loops (`FindAll`, `ReplaceAll`, `Split`) and `$` expansion follow Go's code, so
//! empty matches and `$1a`-style names behave as Go's.

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::quote;
use regex::Regex;

use crate::cast::strings;
use crate::{Reg, vs};

/// Go's syntax error: `error parsing regexp: CODE: `EXPR``.
fn syntax(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\f\r ";

/// Go's Perl class `\d \D \s \S \w \W` as crate syntax inside a class, or `None`.
fn perl_class(c: char) -> Option<String> {
    let (set, neg) = match c {
        'd' => (DIGIT, false),
        'D' => (DIGIT, true),
        's' => (SPACE, false),
        'S' => (SPACE, true),
        'w' => (WORD, false),
        'W' => (WORD, true),
        _ => return None,
    };
    Some(if neg { format!("[^{set}]") } else { set.to_string() })
}

/// The pattern rewriter and Go-error checker.
struct Translator {
    out: String,
    depth: usize,
    /// The atom a repetition would apply to, if any, as the largest product of counted
    /// repeats (`{n,m}`) inside it: Go refuses nestings whose product passes 1000.
    last: Option<u64>,
    /// Per open group (and the whole pattern), the largest product among its atoms.
    maxes: Vec<u64>,
    /// The group names seen.
    names: Vec<String>,
}

/// The prefix of the private names given to repeated group names.
const DUP: &str = "__sprigdup";

/// A group's name as Go knows it: a private `{DUP}{index}_{name}` back to `name`.
fn go_name(n: &str) -> &str {
    let private = n
        .strip_prefix(DUP)
        .and_then(|r| r.split_once('_'))
        .filter(|(i, _)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()));
    private.map_or(n, |(_, name)| name)
}

impl Translator {
    /// Folds the previous atom into its group's largest product.
    fn commit(&mut self) {
        if let Some(l) = self.last.take()
            && let Some(m) = self.maxes.last_mut()
        {
            *m = (*m).max(l);
        }
    }

    /// A new atom (literal, class, escape, `.`, anchor).
    fn atom(&mut self) {
        self.commit();
        self.last = Some(1);
    }

    fn open_group(&mut self) {
        self.commit();
        self.depth += 1;
        self.maxes.push(0);
    }

    fn close_group(&mut self) {
        self.commit();
        self.depth -= 1;
        self.last = Some(self.maxes.pop().unwrap_or(0));
    }

    fn bar(&mut self) {
        self.commit();
    }

    /// A counted repeat `{min,max}` (its text `op`) on the last atom: Go's `repeatIsValid`.
    fn count(&mut self, min: i64, max: i64, op: &str) -> Result<(), String> {
        let m = if max < 0 { min } else { max } as u64;
        let inner = self.last.unwrap_or(1);
        if (min >= 2 || max >= 2) && m > 0 && m.saturating_mul(inner) > 1000 {
            return Err(syntax("invalid repeat count", op));
        }
        self.last = Some(m.saturating_mul(inner).min(1001));
        Ok(())
    }
}

/// Rewrites Go's pattern `p` into the crate's syntax, or returns Go's parse error.
pub(crate) fn translate(p: &str) -> Result<String, String> {
    let mut t = Translator {
        out: String::new(),
        depth: 0,
        last: None,
        maxes: vec![0],
        names: Vec::new(),
    };
    let mut rest = p;
    // Where the previous token's repetition operator began (Go's `lastRepeat`).
    let mut last_repeat: Option<&str> = None;
    while let Some(c) = rest.chars().next() {
        let before = rest;
        let mut repeat = None;
        rest = match c {
            '(' => t.open(rest)?,
            ')' => {
                if t.depth == 0 {
                    return Err(syntax("unexpected )", p));
                }
                t.close_group();
                t.out.push(')');
                &rest[1..]
            }
            '|' => {
                t.out.push('|');
                t.bar();
                &rest[1..]
            }
            '*' | '+' | '?' => {
                repeat = Some(before);
                t.repeat(before, &rest[1..], last_repeat)?
            }
            '{' => match parse_repeat(rest) {
                Some((min, max, after)) => {
                    if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                        return Err(syntax("invalid repeat count", &before[..before.len() - after.len()]));
                    }
                    repeat = Some(before);
                    let after = t.repeat(before, after, last_repeat)?;
                    t.count(min, max, &before[..before.len() - after.len()])?;
                    after
                }
                None => {
                    t.atom();
                    t.out.push_str(r"\{");
                    &rest[1..]
                }
            },
            '[' => t.class(rest)?,
            '\\' => t.escape(rest)?,
            '^' | '$' | '.' => {
                t.atom();
                t.out.push(c);
                &rest[1..]
            }
            _ => {
                t.atom();
                t.out.push_str(&regex::escape(&c.to_string()));
                &rest[c.len_utf8()..]
            }
        };
        last_repeat = repeat;
    }
    if t.depth > 0 {
        return Err(syntax("missing closing )", p));
    }
    Ok(t.out)
}

/// Go's `parseRepeat`: `{n}`, `{n,}`, `{n,m}` (no leading zeros; over 8 digits is -1, which
/// Go then reports as a bad count) and the text after it, or `None` when `{` is a literal.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    fn int(s: &str) -> Option<(i64, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || (n >= 2 && s.starts_with('0')) {
            return None;
        }
        let v = if n > 8 { -1 } else { s[..n].parse().ok()? };
        Some((v, &s[n..]))
    }
    let (min, mut s) = int(s.strip_prefix('{')?)?;
    let mut max = min;
    if let Some(r) = s.strip_prefix(',') {
        s = r;
        if s.starts_with('}') {
            max = -1;
        } else {
            (max, s) = int(s)?;
        }
    }
    Some((min, max, s.strip_prefix('}')?))
}

impl Translator {
    /// A repetition operator from `before` whose text ends at `after`; a trailing `?` is
    /// non-greedy. Go's checks: no stacked operators, something to repeat.
    fn repeat<'a>(&mut self, before: &'a str, mut after: &'a str, last: Option<&'a str>) -> Result<&'a str, String> {
        if let Some(r) = after.strip_prefix('?') {
            after = r;
        }
        if let Some(l) = last {
            return Err(syntax(
                "invalid nested repetition operator",
                &l[..l.len() - after.len()],
            ));
        }
        let op = &before[..before.len() - after.len()];
        if self.last.is_none() {
            return Err(syntax("missing argument to repetition operator", op));
        }
        self.out.push_str(op);
        Ok(after)
    }

    /// `(`, `(?flags)`, `(?flags:`, `(?P<name>`.
    fn open<'a>(&mut self, s: &'a str) -> Result<&'a str, String> {
        let Some(r) = s.strip_prefix("(?") else {
            self.open_group();
            self.out.push('(');
            return Ok(&s[1..]);
        };
        if s.len() > 4 && r.starts_with("P<") {
            let Some(end) = s.find('>') else {
                return Err(syntax("invalid named capture", s));
            };
            let name = &s[4..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(syntax("invalid named capture", &s[..=end]));
            }
            self.open_group();
            // Go allows a name twice; the crate does not, so a repeat gets a private name.
            if self.names.iter().any(|n| n == name) {
                self.out.push_str(&format!("(?P<{DUP}{}_{name}>", self.names.len()));
            } else {
                self.out.push_str(&s[..=end]);
            }
            self.names.push(name.to_string());
            return Ok(&s[end + 1..]);
        }
        // Go's parsePerlFlags: flags i, m, s, U, one `-`, then `:` (a group) or `)`.
        let (mut negated, mut saw_flag) = (false, false);
        for (i, c) in r.char_indices() {
            match c {
                'i' | 'm' | 's' | 'U' => saw_flag = true,
                '-' if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    let flags = &r[..i];
                    if c == ':' {
                        self.open_group();
                        self.out.push_str(&format!("(?{flags}:"));
                    } else if !flags.is_empty() {
                        self.out.push_str(&format!("(?{flags})"));
                    }
                    return Ok(&r[i + 1..]);
                }
                _ => return Err(syntax("invalid or unsupported Perl syntax", &s[..2 + i + c.len_utf8()])),
            }
        }
        Err(syntax("invalid or unsupported Perl syntax", s))
    }

    /// An escape outside a class.
    fn escape<'a>(&mut self, s: &'a str) -> Result<&'a str, String> {
        self.atom();
        let mut it = s[1..].chars();
        let Some(c) = it.next() else {
            return Err(syntax("trailing backslash at end of expression", ""));
        };
        let rest = &s[1 + c.len_utf8()..];
        match c {
            'A' | 'z' => self.out.push_str(&s[..2]),
            // ASCII word boundaries, as Go's.
            'b' | 'B' => self.out.push_str(&format!("(?-u:\\{c})")),
            'C' => return Err(syntax("invalid escape sequence", r"\C")),
            'Q' => {
                let (lit, after) = rest.split_once(r"\E").unwrap_or((rest, ""));
                self.out.push_str(&regex::escape(lit));
                return Ok(after);
            }
            'p' | 'P' => return self.unicode_class(s),
            _ => {
                if let Some(set) = perl_class(c) {
                    self.out
                        .push_str(&if set.starts_with('[') { set } else { format!("[{set}]") });
                    return Ok(rest);
                }
                let (ch, after) = char_escape(s)?;
                self.out.push_str(&regex::escape(&ch.to_string()));
                return Ok(after);
            }
        }
        Ok(rest)
    }

    /// `\pL`, `\p{Name}`, `\PL`, `\P{Name}`: passed on (the crate knows Go's names); one the
    /// crate refuses is Go's `invalid character class range` naming the escape.
    fn unicode_class<'a>(&mut self, s: &'a str) -> Result<&'a str, String> {
        let body = &s[2..];
        let n = if body.starts_with('{') {
            body.find('}').map_or(body.len(), |e| e + 1)
        } else {
            body.chars().next().map_or(0, char::len_utf8)
        };
        let class = &s[..2 + n];
        if Regex::new(class).is_err() {
            return Err(syntax("invalid character class range", class));
        }
        self.out.push_str(class);
        Ok(&body[n..])
    }

    /// A bracketed class, as Go's `parseClass` reads it.
    fn class<'a>(&mut self, whole: &'a str) -> Result<&'a str, String> {
        self.atom();
        let mut t = &whole[1..];
        self.out.push('[');
        if let Some(r) = t.strip_prefix('^') {
            self.out.push('^');
            t = r;
        }
        let mut first = true;
        loop {
            if t.is_empty() {
                return Err(syntax("missing closing ]", whole));
            }
            if t.starts_with(']') && !first {
                self.out.push(']');
                return Ok(&t[1..]);
            }
            first = false;
            if t.starts_with("[:")
                && let Some(end) = t[2..].find(":]")
            {
                let name = &t[..end + 4];
                const NAMES: &[&str] = &[
                    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
                    "upper", "word", "xdigit",
                ];
                let bare = name[2..name.len() - 2].trim_start_matches('^');
                if !NAMES.contains(&bare) {
                    return Err(syntax("invalid character class range", name));
                }
                self.out.push_str(name);
                t = &t[end + 4..];
                continue;
            }
            if t.starts_with("\\p") || t.starts_with("\\P") {
                t = self.unicode_class(t)?;
                continue;
            }
            if let Some(set) = t.strip_prefix('\\').and_then(|r| r.chars().next()).and_then(perl_class) {
                self.out.push_str(&set);
                t = &t[2..];
                continue;
            }
            let range = t;
            let (lo, after) = class_char(t, whole)?;
            t = after;
            let mut hi = lo;
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                (hi, t) = class_char(&t[1..], whole)?;
                if hi < lo {
                    return Err(syntax("invalid character class range", &range[..range.len() - t.len()]));
                }
            }
            self.out.push_str(&class_literal(lo));
            if hi != lo {
                self.out.push('-');
                self.out.push_str(&class_literal(hi));
            }
        }
    }
}

/// A character inside a class, escaped where the crate's class syntax gives it a meaning
/// Go's does not (nested classes, `&&`, `--`, `~~`).
fn class_literal(c: char) -> String {
    if "[]\\-^&~".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// Go's `parseClassChar`: one character or escape inside a class.
fn class_char<'a>(s: &'a str, whole: &str) -> Result<(char, &'a str), String> {
    match s.chars().next() {
        None => Err(syntax("missing closing ]", whole)),
        Some('\\') => char_escape(s),
        Some(c) => Ok((c, &s[c.len_utf8()..])),
    }
}

/// Go's `parseEscape`: a character escape (`\n`, `\x41`, `\x{263a}`, octal, punctuation).
fn char_escape(s: &str) -> Result<(char, &str), String> {
    let t = &s[1..];
    let Some(c) = t.chars().next() else {
        return Err(syntax("trailing backslash at end of expression", ""));
    };
    let rest = &t[c.len_utf8()..];
    let bad = || Err(syntax("invalid escape sequence", &s[..1 + c.len_utf8()]));
    let simple = match c {
        'a' => Some('\x07'),
        'f' => Some('\x0c'),
        't' => Some('\t'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        'v' => Some('\x0b'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Ok((ch, rest));
    }
    match c {
        // A single non-zero digit would be a backreference, which RE2 has not.
        '1'..='7' if !rest.starts_with(|d: char| ('0'..='7').contains(&d)) => bad(),
        '0'..='7' => {
            let n = 1 + rest.bytes().take(2).take_while(|b| (b'0'..=b'7').contains(b)).count();
            let v = u32::from_str_radix(&t[..n], 8).unwrap_or(0);
            Ok((char::from_u32(v).unwrap_or('\0'), &t[n..]))
        }
        'x' => hex_escape(s, rest),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c, rest)),
        _ => bad(),
    }
}

/// `\xHH` or `\x{H...}` (`rest` is after the `x`); Go's error names the text read so far.
fn hex_escape<'a>(s: &str, rest: &'a str) -> Result<(char, &'a str), String> {
    let bad = |t: &str| Err(syntax("invalid escape sequence", &s[..s.len() - t.len()]));
    let mut it = rest.char_indices();
    let Some((_, c)) = it.next() else { return bad("") };
    if c == '{' {
        let mut v: u32 = 0;
        for (i, d) in it {
            let after = &rest[i + d.len_utf8()..];
            if d == '}' {
                return match char::from_u32(v) {
                    Some(ch) if i > 1 => Ok((ch, after)),
                    _ => bad(after),
                };
            }
            match d.to_digit(16) {
                Some(x) if v * 16 + x <= 0x10FFFF => v = v * 16 + x,
                _ => return bad(after),
            }
        }
        return bad("");
    }
    let Some((i, d)) = it.next() else { return bad("") };
    let after = &rest[i + d.len_utf8()..];
    match (c.to_digit(16), d.to_digit(16)) {
        (Some(x), Some(y)) => Ok((char::from_u32(x * 16 + y).unwrap_or('\0'), after)),
        _ => bad(after),
    }
}

/// Go's `regexp.Compile`.
pub(crate) fn compile(p: &str) -> Result<Regex, String> {
    let rust = translate(p)?;
    Regex::new(&rust).map_err(|e| {
        let text = e.to_string();
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        format!("error parsing regexp: {}: `{p}`", last.trim_start_matches("error: "))
    })
}

/// Go's `regexp.MustCompile`: its panic's message.
fn must_compile(p: &str) -> Result<Regex, String> {
    compile(p).map_err(|e| format!("regexp: Compile({}): {e}", go_quote(p)))
}

/// Go's `regexp.quote`: backquoted when `strconv.CanBackquote`, else `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let can = !s
        .chars()
        .any(|c| c == '`' || c == '\u{FEFF}' || (c.is_control() && c != '\t'));
    if can { format!("`{s}`") } else { quote(s) }
}

/// Go's `allMatches`: the match spans (with groups), an empty match right after the previous
/// match skipped, at most `n` when `n >= 0`.
fn all_matches(re: &Regex, s: &str, n: i64) -> Vec<Vec<Option<(usize, usize)>>> {
    let mut out = Vec::new();
    let (mut pos, mut prev_end) = (0usize, None);
    while (n < 0 || (out.len() as i64) < n) && pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos) else { break };
        let m = caps.get(0).map(|m| (m.start(), m.end())).unwrap_or((pos, pos));
        let accept = !(m.1 == pos && Some(m.0) == prev_end);
        pos = if m.1 == pos {
            pos + s[pos..].chars().next().map_or(1, char::len_utf8)
        } else {
            m.1
        };
        prev_end = Some(m.1);
        if accept {
            out.push(caps.iter().map(|g| g.map(|g| (g.start(), g.end()))).collect());
        }
    }
    out
}

/// Go's `ReplaceAllString` (`literal` false: `$` expansion) or `ReplaceAllLiteralString`.
fn replace_all(re: &Regex, src: &str, repl: &str, literal: bool) -> String {
    let mut buf = String::new();
    let (mut last_end, mut search) = (0usize, 0usize);
    let names: Vec<Option<&str>> = re.capture_names().collect();
    while search <= src.len() {
        let Some(caps) = re.captures_at(src, search) else { break };
        let spans: Vec<Option<(usize, usize)>> = caps.iter().map(|g| g.map(|g| (g.start(), g.end()))).collect();
        let (a0, a1) = spans[0].unwrap_or((search, search));
        buf.push_str(&src[last_end..a0]);
        // No replacement for an empty match right after another match.
        if a1 > last_end || a0 == 0 {
            if literal {
                buf.push_str(repl);
            } else {
                expand(&mut buf, repl, src, &spans, &names);
            }
        }
        last_end = a1;
        let width = src[search..].chars().next().map_or(1, char::len_utf8);
        search = if search + width > a1 {
            search + width
        } else if search + 1 > a1 {
            search + 1
        } else {
            a1
        };
    }
    buf.push_str(&src[last_end..]);
    buf
}

/// Go's `Regexp.expand`: `$$`, `$name`/`${name}` (longest run of letters, digits and `_`; a
/// number is a group index, a leading zero makes it a name), a malformed `$` kept as text.
fn expand(dst: &mut String, mut template: &str, src: &str, spans: &[Option<(usize, usize)>], names: &[Option<&str>]) {
    while let Some((before, after)) = template.split_once('$') {
        dst.push_str(before);
        template = after;
        if let Some(r) = template.strip_prefix('$') {
            dst.push('$');
            template = r;
            continue;
        }
        let Some((name, rest)) = extract(template) else {
            dst.push('$');
            continue;
        };
        template = rest;
        let num =
            (name.bytes().all(|b| b.is_ascii_digit()) && name.len() <= 8 && !(name.starts_with('0') && name.len() > 1))
                .then(|| name.parse::<usize>().ok())
                .flatten();
        let group = match num {
            Some(i) => spans.get(i).copied().flatten(),
            // The first group of that name that took part, as Go's loop does.
            None => (0..names.len())
                .filter(|&i| names[i].map(go_name) == Some(name))
                .find_map(|i| spans[i]),
        };
        if let Some((a, b)) = group {
            dst.push_str(&src[a..b]);
        }
    }
    dst.push_str(template);
}

/// Go's `extract`: the name after `$` and the rest, or `None` when malformed.
fn extract(s: &str) -> Option<(&str, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let n: usize = body
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if n == 0 {
        return None;
    }
    let name = &body[..n];
    if brace {
        return body[n..].strip_prefix('}').map(|r| (name, r));
    }
    Some((name, &body[n..]))
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, pattern: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !pattern.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for m in all_matches(re, s, n) {
        if n > 0 && out.len() as i64 >= n - 1 {
            break;
        }
        let (a, b) = m[0].unwrap_or((0, 0));
        end = a;
        if b != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = b;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// The strings of the whole matches.
fn find_all(re: &Regex, s: &str, n: i64) -> Vec<String> {
    all_matches(re, s, n)
        .iter()
        .filter_map(|m| m[0].map(|(a, b)| s[a..b].to_string()))
        .collect()
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) fn register(r: &mut Reg) {
    r.add("regexMatch", |a| {
        a.exact(2)?;
        let (p, s) = (a.str(0)?, a.str(1)?);
        Ok(Value::Bool(compile(p).is_ok_and(|re| re.is_match(s))))
    });
    r.add("mustRegexMatch", |a| {
        a.exact(2)?;
        let (p, s) = (a.str(0)?, a.str(1)?);
        Ok(Value::Bool(compile(p)?.is_match(s)))
    });
    r.add("regexFindAll", |a| {
        a.exact(3)?;
        let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
        Ok(strings(find_all(&must_compile(p)?, s, n)))
    });
    r.add("mustRegexFindAll", |a| {
        a.exact(3)?;
        let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
        Ok(strings(find_all(&compile(p)?, s, n)))
    });
    r.add("regexFind", |a| {
        a.exact(2)?;
        let (p, s) = (a.str(0)?, a.str(1)?);
        Ok(vs(find_all(&must_compile(p)?, s, 1).concat()))
    });
    r.add("mustRegexFind", |a| {
        a.exact(2)?;
        let (p, s) = (a.str(0)?, a.str(1)?);
        Ok(vs(find_all(&compile(p)?, s, 1).concat()))
    });
    r.add("regexReplaceAll", |a| {
        a.exact(3)?;
        let (p, s, repl) = (a.str(0)?, a.str(1)?, a.str(2)?);
        Ok(vs(replace_all(&must_compile(p)?, s, repl, false)))
    });
    r.add("mustRegexReplaceAll", |a| {
        a.exact(3)?;
        let (p, s, repl) = (a.str(0)?, a.str(1)?, a.str(2)?);
        Ok(vs(replace_all(&compile(p)?, s, repl, false)))
    });
    r.add("regexReplaceAllLiteral", |a| {
        a.exact(3)?;
        let (p, s, repl) = (a.str(0)?, a.str(1)?, a.str(2)?);
        Ok(vs(replace_all(&must_compile(p)?, s, repl, true)))
    });
    r.add("mustRegexReplaceAllLiteral", |a| {
        a.exact(3)?;
        let (p, s, repl) = (a.str(0)?, a.str(1)?, a.str(2)?);
        Ok(vs(replace_all(&compile(p)?, s, repl, true)))
    });
    r.add("regexSplit", |a| {
        a.exact(3)?;
        let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
        Ok(strings(split(&must_compile(p)?, p, s, n)))
    });
    r.add("mustRegexSplit", |a| {
        a.exact(3)?;
        let (p, s, n) = (a.str(0)?, a.str(1)?, a.int(2)?);
        Ok(strings(split(&compile(p)?, p, s, n)))
    });
    r.add("regexQuoteMeta", |a| {
        a.exact(1)?;
        Ok(vs(quote_meta(a.str(0)?)))
    });
}
