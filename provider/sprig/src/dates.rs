//! Sprig's date functions: `now`, `date`, `dateInZone` (`date_in_zone`), `htmlDate`,
//! `htmlDateInZone`, `toDate`, `mustToDate`, `unixEpoch`, `dateModify` (`date_modify`),
//! `mustDateModify` (`must_date_modify`), `ago`, `duration`, `durationRound`.
//!
//! Times are UTC ([`crate::golayout`]): a zone other than UTC is shown as UTC. A `time.Time`
//! is a [`Value::Object`] printing as Go's `Time.String()`; a function that takes one reads it
//! back from that text (the object interface has no downcast).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use circleci_gotemplate::fmt::type_name;
use circleci_gotemplate::{Object, Value};

use crate::args::Args;
use crate::golayout::{Instant, ZERO, duration_string, format, parse, parse_duration, time_string};
use crate::{Reg, vs};

/// A `time.Time` value.
struct Time(Instant);

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let t = self.0;
        Some(match name {
            "Unix" => Value::Int(t.secs),
            "UnixNano" => Value::Int(t.secs.wrapping_mul(1_000_000_000).wrapping_add(i64::from(t.nanos))),
            "Nanosecond" => Value::Int(i64::from(t.nanos)),
            "IsZero" => Value::Bool(t == ZERO),
            "String" => vs(time_string(t)),
            "UTC" | "Local" => time(t),
            "Year" => Value::Int(format(t, "2006").parse().unwrap_or(0)),
            "Day" => Value::Int(format(t, "2").parse().unwrap_or(0)),
            "Hour" => Value::Int(format(t, "15").parse().unwrap_or(0)),
            "Minute" => Value::Int(format(t, "4").parse().unwrap_or(0)),
            "Second" => Value::Int(format(t, "5").parse().unwrap_or(0)),
            "YearDay" => Value::Int(format(t, "002").parse().unwrap_or(0)),
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        match (name, args.as_slice()) {
            ("Format", [Value::String(l)]) => Some(Ok(vs(format(self.0, l)))),
            _ => None,
        }
    }

    fn display(&self) -> String {
        time_string(self.0)
    }
}

fn time(t: Instant) -> Value {
    Value::Object(Arc::new(Time(t)))
}

/// The current time.
fn now() -> Instant {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Instant {
        secs: d.as_secs() as i64,
        nanos: d.subsec_nanos(),
        offset: 0,
    }
}

/// A `time.Time` back from its `String()` text (`2006-01-02 15:04:05.999999999 -0700 MST`).
fn read_time(v: &Value) -> Option<Instant> {
    match v {
        Value::Object(o) if o.type_name() == "time.Time" => {
            let s = o.display();
            let mut it = s.split(' ');
            let text = format!("{} {} {}", it.next()?, it.next()?, it.next()?);
            parse("2006-01-02 15:04:05 -0700", &text).ok()
        }
        _ => None,
    }
}

/// A `time.Time`'s JSON text (`Time.MarshalJSON`: RFC 3339 with nanoseconds), or `None`.
pub(crate) fn json_text(v: &Value) -> Option<String> {
    read_time(v).map(|t| format(t, "2006-01-02T15:04:05.999999999Z07:00"))
}

/// A `time.Time` parameter.
fn time_arg(a: &Args, i: usize) -> Result<Instant, String> {
    let v = a.any(i);
    read_time(v).ok_or_else(|| match v {
        Value::Nil => "invalid value; expected time.Time".to_string(),
        other => format!("wrong type for value; expected time.Time; got {}", type_name(other)),
    })
}

/// Sprig's date argument: a time, an int (Unix seconds), anything else the current time.
fn date_of(v: &Value) -> Instant {
    match v {
        Value::Int(n) => Instant {
            secs: *n,
            nanos: 0,
            offset: 0,
        },
        other => read_time(other).unwrap_or_else(now),
    }
}

/// Go's `Duration.Round(time.Second)` then `String()`, of the time since `t`.
fn since_rounded(t: Instant) -> String {
    let n = now();
    let d = (i128::from(n.secs) - i128::from(t.secs)) * 1_000_000_000 + i128::from(n.nanos) - i128::from(t.nanos);
    let d = d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let s = 1_000_000_000i64;
    // Halfway rounds away from zero, as Go's Round.
    let r = d.rem_euclid(s);
    let down = d - r;
    let rounded = if r + r < s { down } else { down.saturating_add(s) };
    duration_string(if d < 0 && r + r == s { down } else { rounded })
}

/// Sprig's `durationRound`: the largest unit that the duration exceeds.
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const H: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (H * 24 * 365, "y"),
        (H * 24 * 30, "mo"),
        (H * 24, "d"),
        (H, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".into()
}

/// Sprig's `dateInZone`: the time shown in the zone (always UTC here).
fn date_in_zone(layout: &str, date: &Value) -> Value {
    vs(format(
        Instant {
            offset: 0,
            ..date_of(date)
        },
        layout,
    ))
}

pub(crate) fn register(r: &mut Reg) {
    r.add("now", |a| {
        a.exact(0)?;
        Ok(time(now()))
    });
    r.add("date", |a| {
        a.exact(2)?;
        Ok(date_in_zone(a.str(0)?, a.any(1)))
    });
    for name in ["dateInZone", "date_in_zone"] {
        r.add(name, |a| {
            a.exact(3)?;
            let (l, d) = (a.str(0)?, a.any(1));
            a.str(2)?;
            Ok(date_in_zone(l, d))
        });
    }
    r.add("htmlDate", |a| {
        a.exact(1)?;
        Ok(date_in_zone("2006-01-02", a.any(0)))
    });
    r.add("htmlDateInZone", |a| {
        a.exact(2)?;
        a.str(1)?;
        Ok(date_in_zone("2006-01-02", a.any(0)))
    });
    r.add("toDate", |a| {
        a.exact(2)?;
        Ok(time(parse(a.str(0)?, a.str(1)?).unwrap_or(ZERO)))
    });
    r.add("mustToDate", |a| {
        a.exact(2)?;
        Ok(time(parse(a.str(0)?, a.str(1)?)?))
    });
    r.add("unixEpoch", |a| {
        a.exact(1)?;
        Ok(vs(time_arg(a, 0)?.secs.to_string()))
    });
    for name in ["dateModify", "date_modify"] {
        r.add(name, |a| {
            a.exact(2)?;
            let (f, t) = (a.str(0)?, time_arg(a, 1)?);
            Ok(time(parse_duration(f).map_or(t, |d| add(t, d))))
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        r.add(name, |a| {
            a.exact(2)?;
            let (f, t) = (a.str(0)?, time_arg(a, 1)?);
            Ok(time(add(t, parse_duration(f)?)))
        });
    }
    r.add("ago", |a| {
        a.exact(1)?;
        Ok(vs(since_rounded(date_of(a.any(0)))))
    });
    // Value has one integer type: an int is taken as Go's int64 here (Go gives "0s" for an
    // int constant, which is neither string nor int64).
    r.add("duration", |a| {
        a.exact(1)?;
        let n = match a.any(0) {
            Value::String(s) => s.parse::<i64>().unwrap_or(0),
            Value::Int(n) => *n,
            _ => 0,
        };
        Ok(vs(duration_string(n.wrapping_mul(1_000_000_000))))
    });
    r.add("durationRound", |a| {
        a.exact(1)?;
        let v = a.any(0);
        let d = match v {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int(n) => *n,
            other => match read_time(other) {
                Some(t) => {
                    let n = now();
                    (n.secs - t.secs).saturating_mul(1_000_000_000) + (i64::from(n.nanos) - i64::from(t.nanos))
                }
                None => 0,
            },
        };
        Ok(vs(duration_round(d)))
    });
}

/// `Time.Add(d)`.
fn add(t: Instant, d: i64) -> Instant {
    let total = i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos) + i128::from(d);
    Instant {
        secs: total.div_euclid(1_000_000_000) as i64,
        nanos: total.rem_euclid(1_000_000_000) as u32,
        ..t
    }
}
