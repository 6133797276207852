//! Sprig's `semver` and `semverCompare` over a port of Masterminds/semver v3 (`NewVersion`,
//! `NewConstraint`, `Constraints.Check`). The library is defined by its regular expressions,
//! so they are used as written, through this crate's Go-regexp layer, and its checks are
//! ported line by line (including its quirks: `1.2` means `1.2.0`, an x-range or a missing
//! part makes a constraint "dirty", a prerelease version satisfies only a constraint that has
//! a prerelease, as `>=1.21-0` has).

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use circleci_gotemplate::{Object, Value};
use regex::Regex;

use crate::regexp::compile;
use crate::{Reg, vs};

const SEMVER: &str =
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
// The empty alternative is the library's: a constraint without an operator.
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

/// The library's regexps, compiled once.
struct Regexps {
    version: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn res() -> &'static Regexps {
    static R: OnceLock<Regexps> = OnceLock::new();
    R.get_or_init(|| {
        let c = |p: String| compile(&p).expect("semver's constant regexp");
        Regexps {
            version: c(format!("^{SEMVER}$")),
            constraint: c(format!(r"^\s*({OPS})\s*({CV})\s*$")),
            range: c(format!(r"\s*({CV})\s+-\s+({CV})\s*")),
            find: c(format!(r"({OPS})\s*({CV})")),
            valid: c(format!(r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$")),
        }
    })
}

/// A parsed version (`*semver.Version`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

/// Go's `strconv.ParseUint(s, 10, 64)` with the library's wrapping of its error.
fn segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "Error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            circleci_gotemplate::fmt::quote(s)
        )
    })
}

/// A dot-separated part all digits (the library's `containsOnly(p, num)`, true for "").
fn all_digits(p: &str) -> bool {
    p.bytes().all(|b| b.is_ascii_digit())
}

impl Version {
    /// `semver.NewVersion`.
    pub(crate) fn parse(v: &str) -> Result<Version, String> {
        let m = res().version.captures(v).ok_or("Invalid Semantic Version")?;
        let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
        let ver = Version {
            major: segment(g(1))?,
            minor: if g(2).is_empty() { 0 } else { segment(&g(2)[1..])? },
            patch: if g(3).is_empty() { 0 } else { segment(&g(3)[1..])? },
            pre: g(5).to_string(),
            metadata: g(8).to_string(),
            original: v.to_string(),
        };
        // The regexp admits only allowed characters, so a numeric part with a leading zero
        // is the one prerelease error left.
        if ver
            .pre
            .split('.')
            .any(|p| all_digits(p) && p.len() > 1 && p.starts_with('0'))
            && !ver.pre.is_empty()
        {
            return Err("Version segment starts with 0".into());
        }
        Ok(ver)
    }

    /// `Version.String()`.
    fn string(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s += &format!("-{}", self.pre);
        }
        if !self.metadata.is_empty() {
            s += &format!("+{}", self.metadata);
        }
        s
    }

    /// `Version.Compare`: metadata ignored, a release above its prereleases.
    fn compare(&self, o: &Version) -> Ordering {
        let seg = (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch));
        if seg != Ordering::Equal {
            return seg;
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => compare_prerelease(&self.pre, &o.pre),
        }
    }

    /// The library's `Inc*` results: the `v` prefix of the original kept.
    fn with_original(mut self, prefix_of: &Version) -> Version {
        let v = if prefix_of.original.starts_with('v') { "v" } else { "" };
        self.original = format!("{v}{}", self.string());
        self
    }
}

/// `comparePrerelease`: part by part, a missing part lowest.
fn compare_prerelease(v: &str, o: &str) -> Ordering {
    let (s, t): (Vec<&str>, Vec<&str>) = (v.split('.').collect(), o.split('.').collect());
    for i in 0..s.len().max(t.len()) {
        let d = compare_pre_part(s.get(i).copied().unwrap_or(""), t.get(i).copied().unwrap_or(""));
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

/// `comparePrePart`: numbers below words, numbers by value, words by bytes.
fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    let num = |x: &str| if all_digits(x) { x.parse::<u64>().ok() } else { None };
    match (num(s), num(o)) {
        (None, None) => s.cmp(o),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        // Equal values written differently ("01", "1") count as less, as the library's do.
        (Some(a), Some(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

/// One constraint: operator, the version (x-parts as 0) and which parts were wildcards.
struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

impl Constraint {
    /// `parseConstraint`.
    fn parse(c: &str) -> Result<Constraint, String> {
        let m = res()
            .constraint
            .captures(c)
            .ok_or_else(|| format!("improper constraint: {c}"))?;
        let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
        let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
        let ver = if is_x(g(3)) || g(3).is_empty() {
            dirty = true;
            format!("0.0.0{}", g(6))
        } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
            (dirty, minor_dirty) = (true, true);
            format!("{}.0.0{}", g(3), g(6))
        } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
            (dirty, patch_dirty) = (true, true);
            format!("{}{}.0{}", g(3), g(4), g(6))
        } else {
            g(2).to_string()
        };
        let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
        Ok(Constraint {
            op: g(1).to_string(),
            con,
            dirty,
            minor_dirty,
            patch_dirty,
        })
    }

    /// `constraint.check`, the boolean only.
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        // Only a constraint with a prerelease admits a prerelease version (`!=` checks this
        // only when dirty).
        if !v.pre.is_empty() && c.pre.is_empty() && self.op != "!=" {
            return false;
        }
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            "!=" => self.not_equal(v),
            ">" => self.greater(v),
            "<" => v.compare(c) == Ordering::Less,
            ">=" | "=>" => v.compare(c) != Ordering::Less,
            "<=" | "=<" => self.less_equal(v),
            "~" | "~>" => self.tilde(v),
            _ => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if !v.pre.is_empty() && c.pre.is_empty() {
                return false;
            }
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch != v.patch && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v.compare(c) != Ordering::Equal
    }

    fn greater(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.compare(c) == Ordering::Greater;
        }
        if v.major != c.major {
            return v.major > c.major;
        }
        if self.minor_dirty {
            return false;
        }
        if self.patch_dirty {
            return v.minor > c.minor;
        }
        v.compare(c) == Ordering::Greater
    }

    fn less_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.compare(c) != Ordering::Greater;
        }
        !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if (c.major, c.minor, c.patch) == (0, 0, 0) && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_dirty)
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }
}

/// `rewriteRange`: each `A - B` becomes `>= A, <= B`.
fn rewrite_range(s: &str) -> String {
    let mut out = s.to_string();
    for m in res().range.captures_iter(s) {
        let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
        out = out.replacen(g(0), &format!(">= {}, <= {}", g(1), g(11)), 1);
    }
    out
}

/// `semver.NewConstraint`: `||`-separated groups of constraints that must all hold.
fn constraints(c: &str) -> Result<Vec<Vec<Constraint>>, String> {
    let c = rewrite_range(c);
    let r = res();
    c.split("||")
        .map(|part| {
            if !r.valid.is_match(part) {
                return Err(format!("improper constraint: {part}"));
            }
            let found: Vec<&str> = r.find.find_iter(part).map(|m| m.as_str()).collect();
            let found = if found.is_empty() { vec![part] } else { found };
            found.into_iter().map(Constraint::parse).collect()
        })
        .collect()
}

/// Sprig's `semverCompare`: the constraint's error first, then the version's.
pub(crate) fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let cs = constraints(constraint)?;
    let v = Version::parse(version)?;
    Ok(cs.iter().any(|group| group.iter().all(|c| c.check(&v))))
}

/// A `Version` as a template value: `*semver.Version` (from `semver`) or `semver.Version`
/// (from its `Inc*` methods).
struct VersionValue {
    v: Version,
    pointer: bool,
}

fn object(v: Version, pointer: bool) -> Value {
    Value::Object(Arc::new(VersionValue { v, pointer }))
}

impl Object for VersionValue {
    fn type_name(&self) -> &str {
        if self.pointer {
            "*semver.Version"
        } else {
            "semver.Version"
        }
    }

    fn field(&self, name: &str) -> Option<Value> {
        let v = &self.v;
        Some(match name {
            "Major" => Value::Int(v.major as i64),
            "Minor" => Value::Int(v.minor as i64),
            "Patch" => Value::Int(v.patch as i64),
            "Prerelease" => vs(v.pre.clone()),
            "Metadata" => vs(v.metadata.clone()),
            "Original" if self.pointer => vs(v.original.clone()),
            "String" => vs(v.string()),
            "IncMajor" => {
                let n = Version {
                    major: v.major + 1,
                    minor: 0,
                    patch: 0,
                    pre: String::new(),
                    metadata: String::new(),
                    ..v.clone()
                };
                object(n.with_original(v), false)
            }
            "IncMinor" => {
                let n = Version {
                    minor: v.minor + 1,
                    patch: 0,
                    pre: String::new(),
                    metadata: String::new(),
                    ..v.clone()
                };
                object(n.with_original(v), false)
            }
            "IncPatch" => {
                let patch = if v.pre.is_empty() { v.patch + 1 } else { v.patch };
                let n = Version {
                    patch,
                    pre: String::new(),
                    metadata: String::new(),
                    ..v.clone()
                };
                object(n.with_original(v), false)
            }
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        if !self.pointer || !matches!(name, "Compare" | "LessThan" | "GreaterThan" | "Equal") {
            return None;
        }
        // The other version is read back from its printed form (all Compare looks at).
        let other = match args.as_slice() {
            [Value::Object(o)] if o.type_name() == "*semver.Version" => Version::parse(&o.display()),
            _ => return Some(Err(format!("wrong arguments for method {name}"))),
        };
        Some(other.map(|o| {
            let d = self.v.compare(&o);
            match name {
                "Compare" => Value::Int(d as i64),
                "LessThan" => Value::Bool(d == Ordering::Less),
                "GreaterThan" => Value::Bool(d == Ordering::Greater),
                _ => Value::Bool(d == Ordering::Equal),
            }
        }))
    }

    fn display(&self) -> String {
        self.v.string()
    }
}

pub(crate) fn register(r: &mut Reg) {
    r.add("semverCompare", |a| {
        a.exact(2)?;
        Ok(Value::Bool(semver_compare(a.str(0)?, a.str(1)?)?))
    });
    r.add("semver", |a| {
        a.exact(1)?;
        Ok(object(Version::parse(a.str(0)?)?, true))
    });
}
