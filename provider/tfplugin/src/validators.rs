//! Common validators. Each names the attribute through the path it is given.

use std::sync::Arc;
use std::time::Duration;

use circleci_cty::{AttributePath, Value};

use crate::Diagnostics;
use crate::schema::Validator;

fn validator(
    description: String,
    check: impl Fn(&Value, &AttributePath, &mut Diagnostics) + Send + Sync + 'static,
) -> Validator {
    Validator {
        description,
        check: Arc::new(check),
    }
}

/// The string must be one of `allowed`.
pub fn one_of(allowed: &[&str]) -> Validator {
    let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    let shown = allowed.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    validator(format!("One of {shown}"), move |value, path, diags| {
        if let Some(s) = value.as_str()
            && !allowed.iter().any(|a| a == s)
        {
            diags.attribute_error(
                path,
                format!("Invalid value for {path}"),
                format!("{path} is {s:?}; it must be one of {shown}."),
            );
        }
    })
}

/// The number must be a whole number within `min..=max`.
pub fn int_between(min: i64, max: i64) -> Validator {
    validator(format!("Between {min} and {max}"), move |value, path, diags| {
        if let Value::Number(n) = value {
            match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => {}
                _ => diags.attribute_error(
                    path,
                    format!("Invalid value for {path}"),
                    format!("{path} is {n}; it must be a whole number from {min} to {max}."),
                ),
            }
        }
    })
}

/// The string must not be empty.
pub fn not_empty() -> Validator {
    validator("Must not be empty".into(), |value, path, diags| {
        if value.as_str().is_some_and(|s| s.trim().is_empty()) {
            diags.attribute_error(
                path,
                format!("Empty value for {path}"),
                format!("{path} must not be empty."),
            );
        }
    })
}

/// Parses an IPv4 or IPv6 CIDR block such as `10.0.0.0/16`.
pub fn parse_cidr(text: &str) -> Option<(std::net::IpAddr, u8)> {
    let (addr, len) = text.split_once('/')?;
    let addr: std::net::IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

/// The string (or each string of a list or set) must be a CIDR block.
pub fn cidr() -> Validator {
    validator("A CIDR block such as `10.0.0.0/16`".into(), |value, path, diags| {
        let mut check = |v: &Value, p: &AttributePath| {
            if let Some(s) = v.as_str()
                && parse_cidr(s).is_none()
            {
                diags.attribute_error(
                    p,
                    format!("Invalid CIDR block in {p}"),
                    format!("{s:?} is not a CIDR block; write it as address/prefix-length, e.g. 10.0.0.0/16."),
                );
            }
        };
        match value {
            Value::List(items) | Value::Set(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(item, &path.index(i as i64));
                }
            }
            other => check(other, path),
        }
    })
}

/// Parses durations as Terraform users write them: `30s`, `10m`, `1h30m`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut digits = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
        any = true;
    }
    (digits.is_empty() && any).then(|| Duration::from_secs(total))
}

/// The string must be a duration such as `30s`, `10m` or `1h30m`.
pub fn duration() -> Validator {
    validator(
        "A duration such as `30s`, `10m` or `1h30m`".into(),
        |value, path, diags| {
            if let Some(s) = value.as_str()
                && parse_duration(s).is_none()
            {
                diags.attribute_error(
                    path,
                    format!("Invalid duration in {path}"),
                    format!("{s:?} is not a duration; use a number followed by s, m or h, e.g. 20m or 1h30m."),
                );
            }
        },
    )
}

/// A DNS name: labels of letters, digits and hyphens, separated by dots.
pub fn is_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The string must be a DNS name such as `circleci.example.com`.
pub fn dns_name() -> Validator {
    validator("A DNS name".into(), |value, path, diags| {
        if let Some(s) = value.as_str()
            && !is_dns_name(s)
        {
            diags.attribute_error(
                path,
                format!("Invalid DNS name in {path}"),
                format!(
                    "{s:?} is not a DNS name: use letters, digits and hyphens between dots, e.g. circleci.example.com."
                ),
            );
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn cidrs() {
        assert!(parse_cidr("10.10.0.0/16").is_some());
        assert!(parse_cidr("fd00::/8").is_some());
        assert!(parse_cidr("10.10.0.0/33").is_none());
        assert!(parse_cidr("10.10.0/16").is_none());
    }

    #[test]
    fn dns_names() {
        assert!(is_dns_name("circleci.example.com"));
        assert!(!is_dns_name("bad_domain!.com"));
        assert!(!is_dns_name("-x.com"));
    }
}
