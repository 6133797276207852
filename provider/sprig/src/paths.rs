//! Go's `path` (`base`, `dir`, `clean`, `ext`, `isAbs`) and `path/filepath` (the `os` names,
//! which on Unix are the same functions).

use circleci_gotemplate::Value;

use crate::{Reg, vs};

/// Go's `path.Clean`: lexical, `.` for an empty result.
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => match out.last() {
                Some(&l) if l != ".." => {
                    out.pop();
                }
                // `..` at the root stays at the root; a relative path keeps it.
                _ if rooted => {}
                _ => out.push(".."),
            },
            s => out.push(s),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `path.Dir`: everything up to the last slash, cleaned.
fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

/// Go's `path.Ext`: from the last dot of the last element.
fn ext(p: &str) -> String {
    let last = &p[p.rfind('/').map_or(0, |i| i + 1)..];
    last.rfind('.').map_or(String::new(), |i| last[i..].to_string())
}

/// Registers a `func(string) string` (Body is a plain fn, so one closure per name).
macro_rules! str_fn {
    ($r:expr, $name:literal, $f:expr) => {
        $r.add($name, |a| {
            a.exact(1)?;
            Ok(vs($f(a.str(0)?)))
        })
    };
}

pub(crate) fn register(r: &mut Reg) {
    str_fn!(r, "base", base);
    str_fn!(r, "dir", dir);
    str_fn!(r, "clean", clean);
    str_fn!(r, "ext", ext);
    str_fn!(r, "osBase", base);
    str_fn!(r, "osDir", dir);
    str_fn!(r, "osClean", clean);
    str_fn!(r, "osExt", ext);
    r.add("isAbs", |a| {
        a.exact(1)?;
        Ok(Value::Bool(a.str(0)?.starts_with('/')))
    });
    r.add("osIsAbs", |a| {
        a.exact(1)?;
        Ok(Value::Bool(a.str(0)?.starts_with('/')))
    });
}
