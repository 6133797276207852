//! Sprig's `urlParse` and `urlJoin` over a port of the parts of Go's `net/url` they use
//! (`Parse`, `URL.String`, `Hostname`, `Userinfo.String`, the escaping rules), with Go's
//! error texts in Sprig's panics.

use std::collections::BTreeMap;

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::quote;

use crate::cast::kind_of;
use crate::{Reg, vs};

/// Go's `encoding` modes of `shouldEscape`.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    !(mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

/// Go's `escape` (not the query mode): `%XX` for each byte to escape.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Go's `unescape` (not the query mode), with its `EscapeError` / `InvalidHostError` texts.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
                let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) else {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        quote(&String::from_utf8_lossy(&b[i..end]))
                    ));
                };
                if mode == Mode::Host && h < 8 && &s[i..i + 3] != "%25" {
                    return Err(format!("invalid URL escape {}", quote(&s[i..i + 3])));
                }
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        quote(&(c as char).to_string())
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(crate::encoding::go_string(&out))
}

/// A userinfo: the username and the password if one was given.
type User = (String, Option<String>);

/// The parsed parts `urlParse` reports.
#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<User>,
    host: String,
    path: String,
    query: String,
    fragment: String,
}

/// Go's `getScheme`.
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// Go's `validOptionalPort`.
fn valid_port(p: &str) -> bool {
    p.is_empty()
        || p.strip_prefix(':')
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `parseHost` (IPv6 zones are not special-cased).
fn parse_host(host: &str) -> Result<String, String> {
    let port_at = if host.starts_with('[') {
        Some(host.rfind(']').ok_or("missing ']' in host")? + 1)
    } else {
        host.rfind(':')
    };
    if let Some(i) = port_at {
        let port = &host[i..];
        if !valid_port(port) {
            return Err(format!("invalid port {} after host", quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

/// Go's `parseAuthority`.
fn parse_authority(a: &str) -> Result<(Option<User>, String), String> {
    let at = a.rfind('@');
    let host = parse_host(&a[at.map_or(0, |i| i + 1)..])?;
    let Some(i) = at else { return Ok((None, host)) };
    let info = &a[..i];
    let ok = info
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c));
    if !ok {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match info.split_once(':') {
        None => (unescape(info, Mode::UserPassword)?, None),
        Some((u, p)) => (unescape(u, Mode::UserPassword)?, Some(unescape(p, Mode::UserPassword)?)),
    };
    Ok((Some(user), host))
}

/// Go's `url.Parse`: errors as `parse "RAW": REASON`.
fn parse(raw: &str) -> Result<Url, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let wrap = |at: &str, e: String| format!("parse {}: {e}", quote(at));
    let mut url = parse_no_fragment(u).map_err(|e| wrap(u, e))?;
    url.fragment = unescape(frag, Mode::Fragment).map_err(|e| wrap(raw, e))?;
    Ok(url)
}

fn parse_no_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        (rest, url.query) = (r, q.to_string());
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let auth = &rest[2..];
        let (auth, tail) = auth.find('/').map_or((auth, ""), |i| (&auth[..i], &auth[i..]));
        (url.user, url.host) = parse_authority(auth)?;
        rest = tail;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

/// Go's `Userinfo.String`.
fn userinfo(user: &User) -> String {
    let mut s = escape(&user.0, Mode::UserPassword);
    if let Some(p) = &user.1 {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

/// Go's `URL.Hostname`.
fn hostname(host: &str) -> &str {
    let mut h = host;
    if let Some(c) = h.rfind(':')
        && valid_port(&h[c..])
    {
        h = &h[..c];
    }
    if h.starts_with('[') && h.ends_with(']') && h.len() >= 2 {
        h = &h[1..h.len() - 1];
    }
    h
}

/// Go's `URL.String` for a URL built from parts (no raw path or fragment).
fn string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                buf.push_str("//");
            }
            if let Some(ui) = &u.user {
                buf.push_str(&userinfo(ui));
                buf.push('@');
            }
            buf.push_str(&escape(&u.host, Mode::Host));
        }
        let path = if u.path == "*" {
            "*".to_string()
        } else {
            escape(&u.path, Mode::Path)
        };
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() && path.split('/').next().is_some_and(|s| s.contains(':')) {
            buf.push_str("./");
        }
        buf.push_str(&path);
    }
    if !u.query.is_empty() {
        buf.push('?');
        buf.push_str(&u.query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    buf
}

/// Sprig's `dictGetOrEmpty`: a string, "" when absent, a panic for another type.
fn get(d: &BTreeMap<String, Value>, key: &str) -> Result<String, String> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            kind_of(other)
        )),
    }
}

fn url_join(d: &BTreeMap<String, Value>) -> Result<String, String> {
    let mut u = Url {
        scheme: get(d, "scheme")?,
        host: get(d, "host")?,
        path: get(d, "path")?,
        query: get(d, "query")?,
        opaque: get(d, "opaque")?,
        fragment: get(d, "fragment")?,
        user: None,
    };
    let info = get(d, "userinfo")?;
    if !info.is_empty() {
        let t = parse(&format!("proto://{info}@host")).map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        u.user = t.user;
    }
    Ok(string(&u))
}

pub(crate) fn register(r: &mut Reg) {
    r.add("urlParse", |a| {
        a.exact(1)?;
        let u = parse(a.str(0)?).map_err(|e| format!("unable to parse url: {e}"))?;
        let mut m = BTreeMap::new();
        m.insert("scheme".to_string(), vs(u.scheme.clone()));
        m.insert("host".to_string(), vs(u.host.clone()));
        m.insert("hostname".to_string(), vs(hostname(&u.host)));
        m.insert("path".to_string(), vs(u.path.clone()));
        m.insert("query".to_string(), vs(u.query.clone()));
        m.insert("opaque".to_string(), vs(u.opaque.clone()));
        m.insert("fragment".to_string(), vs(u.fragment.clone()));
        m.insert(
            "userinfo".to_string(),
            vs(u.user.as_ref().map(userinfo).unwrap_or_default()),
        );
        Ok(Value::Map(m.into()))
    });
    r.add("urlJoin", |a| {
        a.exact(1)?;
        let d = a.map(0)?.map(|m| m.to_btree()).unwrap_or_default();
        Ok(vs(url_join(&d)?))
    });
}
