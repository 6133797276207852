//! Go's `time` layouts (`Format` and `ParseInLocation`) and `time.Duration` (`String`,
//! `ParseDuration`), over UTC and fixed-offset times only: the crate has no time-zone
//! database (it does no I/O), so every named zone is UTC, as the machine's `Local` is here.

use circleci_gotemplate::fmt::quote;

/// A layout element, after Go's `nextStdChunk`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    /// `-0700`-style offsets: (with `Z` for UTC, the layout text).
    Offset(bool, &'static str),
    /// Fractional seconds: digits, trailing zeros kept (`0`) or trimmed (`9`).
    Frac(usize, bool),
}

const OFFSETS: &[&str] = &["-07:00:00", "-070000", "-07:00", "-0700", "-07"];

/// The next layout element: (literal prefix, element, rest).
fn next_std(layout: &str) -> (&str, Option<(Std, &str)>) {
    let b = layout.as_bytes();
    let has = |i: usize, s: &str| layout[i..].starts_with(s);
    for i in 0..b.len() {
        if !layout.is_char_boundary(i) {
            continue;
        }
        let found = match b[i] {
            b'J' if has(i, "January") => Some((Std::LongMonth, 7)),
            b'J' if has(i, "Jan") => Some((Std::Month, 3)),
            b'M' if has(i, "Monday") => Some((Std::LongWeekDay, 6)),
            b'M' if has(i, "Mon") => Some((Std::WeekDay, 3)),
            b'M' if has(i, "MST") => Some((Std::TZ, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => {
                let s = [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ];
                Some((s[(b[i + 1] - b'1') as usize], 2))
            }
            b'0' if has(i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' if has(i, "15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if has(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            // `_2006` is a literal `_` and the year.
            b'_' if has(i, "_2006") => return (&layout[..i + 1], Some((Std::LongYear, &layout[i + 5..]))),
            b'_' if has(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'_' if has(i, "_2") => Some((Std::UnderDay, 2)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if has(i, "PM") => Some((Std::PM, 2)),
            b'p' if has(i, "pm") => Some((Std::Pm, 2)),
            b'-' | b'Z' => {
                let z = b[i] == b'Z';
                OFFSETS
                    .iter()
                    .find(|o| has(i + 1, &o[1..]))
                    .map(|o| (Std::Offset(z, o), o.len()))
            }
            b'.' | b',' if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let ch = b[i + 1];
                let j = (i + 1..b.len()).find(|&j| b[j] != ch).unwrap_or(b.len());
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else {
                    Some((Std::Frac(j - i - 1, ch == b'0'), j - i))
                }
            }
            _ => None,
        };
        if let Some((std, n)) = found {
            return (&layout[..i], Some((std, &layout[i + n..])));
        }
    }
    (layout, None)
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// An instant (seconds since the Unix epoch and nanoseconds) in UTC or, from a parsed
/// offset, a fixed zone (`offset` seconds east; its name is the offset as `-0700`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Instant {
    pub secs: i64,
    pub nanos: u32,
    pub offset: i32,
}

/// Go's `time.Time{}`: January 1, year 1, 00:00:00 UTC.
pub(crate) const ZERO: Instant = Instant {
    secs: -62135596800,
    nanos: 0,
    offset: 0,
};

/// An offset as a layout's offset element writes it (`-07:00` as `+02:00`...).
fn offset_text(offset: i32, text: &str) -> String {
    let (sign, a) = (if offset < 0 { '-' } else { '+' }, offset.unsigned_abs());
    let (h, m, sec) = (a / 3600, a / 60 % 60, a % 60);
    match text {
        "-07:00:00" => format!("{sign}{h:02}:{m:02}:{sec:02}"),
        "-070000" => format!("{sign}{h:02}{m:02}{sec:02}"),
        "-07:00" => format!("{sign}{h:02}:{m:02}"),
        "-0700" => format!("{sign}{h:02}{m:02}"),
        _ => format!("{sign}{h:02}"),
    }
}

/// Go's `Time.Format(layout)` in UTC.
pub(crate) fn format(t: Instant, layout: &str) -> String {
    let local = t.secs + i64::from(t.offset);
    let days = local.div_euclid(86400);
    let sod = local.rem_euclid(86400);
    let (year, month, day) = civil_from_days(days);
    let (hour, min, sec) = (sod / 3600, sod / 60 % 60, sod % 60);
    let yday = days - days_from_civil(year, 1, 1) + 1;
    let wday = (days + 4).rem_euclid(7) as usize;
    let mut out = String::new();
    let mut rest = layout;
    loop {
        let (lit, std) = next_std(rest);
        out.push_str(lit);
        let Some((std, after)) = std else { break };
        rest = after;
        let h12 = if hour % 12 == 0 { 12 } else { hour % 12 };
        match std {
            Std::LongMonth => out.push_str(MONTHS[month as usize - 1]),
            Std::Month => out.push_str(&MONTHS[month as usize - 1][..3]),
            Std::NumMonth => out.push_str(&month.to_string()),
            Std::ZeroMonth => out.push_str(&format!("{month:02}")),
            Std::LongWeekDay => out.push_str(DAYS[wday]),
            Std::WeekDay => out.push_str(&DAYS[wday][..3]),
            Std::Day => out.push_str(&day.to_string()),
            Std::UnderDay => out.push_str(&format!("{day:>2}")),
            Std::ZeroDay => out.push_str(&format!("{day:02}")),
            Std::UnderYearDay => out.push_str(&format!("{yday:>3}")),
            Std::ZeroYearDay => out.push_str(&format!("{yday:03}")),
            Std::Hour => out.push_str(&format!("{hour:02}")),
            Std::Hour12 => out.push_str(&h12.to_string()),
            Std::ZeroHour12 => out.push_str(&format!("{h12:02}")),
            Std::Minute => out.push_str(&min.to_string()),
            Std::ZeroMinute => out.push_str(&format!("{min:02}")),
            Std::Second => out.push_str(&sec.to_string()),
            Std::ZeroSecond => out.push_str(&format!("{sec:02}")),
            Std::LongYear => {
                if year < 0 {
                    out.push_str(&format!("-{:04}", -year));
                } else {
                    out.push_str(&format!("{year:04}"));
                }
            }
            Std::Year => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            Std::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
            Std::TZ if t.offset == 0 => out.push_str("UTC"),
            Std::TZ => out.push_str(&offset_text(t.offset, "-0700")),
            Std::Offset(true, _) if t.offset == 0 => out.push('Z'),
            Std::Offset(_, text) => out.push_str(&offset_text(t.offset, text)),
            Std::Frac(n, zeros) => {
                let digits = format!("{:09}", t.nanos);
                let mut d = &digits[..n.min(9)];
                if !zeros {
                    d = d.trim_end_matches('0');
                }
                if !d.is_empty() {
                    out.push_str(&layout_sep(layout, rest, n));
                    out.push_str(d);
                }
            }
        }
    }
    out
}

/// The separator (`.` or `,`) of the fractional element that ends where `rest` begins.
fn layout_sep(layout: &str, rest: &str, n: usize) -> String {
    let end = layout.len() - rest.len();
    layout[end - n - 1..end - n].to_string()
}

/// Go's `time.Time.String()`.
pub(crate) fn time_string(t: Instant) -> String {
    format(t, "2006-01-02 15:04:05.999999999 -0700 MST")
}

/// Go's `ParseError` text.
fn cannot(value: &str, layout: &str, velem: &str, lelem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        quote(value),
        quote(layout),
        quote(velem),
        quote(lelem)
    )
}

/// Up to `max` leading digits (at least `min`), as Go's `getnum`/`atoi` read them.
fn num(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with Local as UTC; the common
/// elements (numbers, names, AM/PM, fractions, `Z`/offsets applied to the instant).
pub(crate) fn parse(layout: &str, value: &str) -> Result<Instant, String> {
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nanos) =
        (1i64, 1i64, 1i64, 0i64, 0i64, 0i64, 0i64);
    let (mut pm, mut am, mut offset) = (false, false, 0i64);
    let (mut l, mut v) = (layout, value);
    loop {
        let (lit, std) = next_std(l);
        let Some(vr) = v.strip_prefix(lit) else {
            return Err(cannot(value, layout, v, lit));
        };
        v = vr;
        let Some((std, after)) = std else {
            if !v.is_empty() {
                return Err(format!("parsing time {}: extra text: {}", quote(value), quote(v)));
            }
            break;
        };
        let lelem = &l[lit.len()..l.len() - after.len()];
        l = after;
        let bad = |v: &str| cannot(value, layout, v, lelem);
        let name = |v: &str, names: &[&str], short: bool| -> Option<(i64, usize)> {
            names.iter().enumerate().find_map(|(i, n)| {
                let n = if short { &n[..3] } else { n };
                (v.len() >= n.len() && v[..n.len()].eq_ignore_ascii_case(n)).then_some((i as i64, n.len()))
            })
        };
        let rest: &str = match std {
            Std::LongYear => {
                let (y, r) = (v.len() >= 4).then(|| num(v, 4, 4)).flatten().ok_or_else(|| bad(v))?;
                year = y;
                r
            }
            Std::Year => {
                let (y, r) = num(v, 2, 2).ok_or_else(|| bad(v))?;
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                r
            }
            Std::LongMonth | Std::Month => {
                let (m, n) = name(v, &MONTHS, std == Std::Month).ok_or_else(|| bad(v))?;
                month = m + 1;
                &v[n..]
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, r) = num(v, if std == Std::ZeroMonth { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if !(1..=12).contains(&m) {
                    return Err(format!("parsing time {}: month out of range", quote(value)));
                }
                month = m;
                r
            }
            Std::LongWeekDay | Std::WeekDay => {
                let (_, n) = name(v, &DAYS, std == Std::WeekDay).ok_or_else(|| bad(v))?;
                &v[n..]
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                let v2 = if std == Std::UnderDay {
                    v.strip_prefix(' ').unwrap_or(v)
                } else {
                    v
                };
                let (d, r) = num(v2, if std == Std::ZeroDay { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                day = d;
                r
            }
            Std::Hour => {
                let (h, r) = num(v, 2, 2).ok_or_else(|| bad(v))?;
                if h > 23 {
                    return Err(format!("parsing time {}: hour out of range", quote(value)));
                }
                hour = h;
                r
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, r) = num(v, if std == Std::ZeroHour12 { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if h > 12 {
                    return Err(format!("parsing time {}: hour out of range", quote(value)));
                }
                hour = h;
                r
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, r) = num(v, if std == Std::ZeroMinute { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if m > 59 {
                    return Err(format!("parsing time {}: minute out of range", quote(value)));
                }
                min = m;
                r
            }
            Std::Second | Std::ZeroSecond => {
                let (s, mut r) = num(v, if std == Std::ZeroSecond { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if s > 59 {
                    return Err(format!("parsing time {}: second out of range", quote(value)));
                }
                sec = s;
                // A fraction after the seconds is read even when the layout has none.
                if (r.starts_with('.') || r.starts_with(','))
                    && r[1..].starts_with(|c: char| c.is_ascii_digit())
                    && !matches!(next_std(l), ("", Some((Std::Frac(..), _))))
                {
                    let n = r[1..].bytes().take_while(u8::is_ascii_digit).count();
                    nanos = frac_nanos(&r[1..1 + n]);
                    r = &r[1 + n..];
                }
                r
            }
            Std::Frac(n, zeros) => {
                let body = v.get(1..).unwrap_or("");
                let k = if zeros {
                    n
                } else {
                    body.bytes().take_while(u8::is_ascii_digit).count()
                };
                if zeros && (v.len() < n + 1 || !body[..n].bytes().all(|b| b.is_ascii_digit())) {
                    return Err(bad(v));
                }
                if !v.starts_with(['.', ',']) {
                    if zeros {
                        return Err(bad(v));
                    }
                    v
                } else {
                    nanos = frac_nanos(&body[..k]);
                    &body[k..]
                }
            }
            Std::PM | Std::Pm => {
                let t = v.get(..2).ok_or_else(|| bad(v))?;
                match t {
                    "PM" | "pm" if (std == Std::PM) == (t == "PM") => pm = true,
                    "AM" | "am" if (std == Std::PM) == (t == "AM") => am = true,
                    _ => return Err(bad(v)),
                }
                &v[2..]
            }
            Std::TZ => {
                if let Some(r) = v.strip_prefix("UTC") {
                    r
                } else {
                    let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                    if n < 3 {
                        return Err(bad(v));
                    }
                    &v[n..]
                }
            }
            Std::Offset(z, text) => {
                if z && let Some(r) = v.strip_prefix('Z') {
                    r
                } else {
                    let (o, r) = parse_offset(v, text).ok_or_else(|| bad(v))?;
                    offset = o;
                    r
                }
            }
            Std::UnderYearDay | Std::ZeroYearDay => return Err(bad(v)),
        };
        v = rest;
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    let mdays = [
        31,
        if is_leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day < 1 || day > mdays[month as usize - 1] {
        return Err(format!("parsing time {}: day out of range", quote(value)));
    }
    let days = days_from_civil(year, month as u32, day as u32);
    let secs = days * 86400 + hour * 3600 + min * 60 + sec - offset;
    Ok(Instant {
        secs,
        nanos: nanos as u32,
        offset: offset as i32,
    })
}

/// `+hh:mm`-style offsets as the layout element `text` writes them: seconds east of UTC.
fn parse_offset<'a>(v: &'a str, text: &str) -> Option<(i64, &'a str)> {
    let sign = match v.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let shape = &text[1..];
    let want = shape.len();
    let body = v.get(1..1 + want)?;
    let mut parts = Vec::new();
    let mut cur = String::new();
    for (c, s) in body.chars().zip(shape.chars()) {
        if s == ':' {
            if c != ':' {
                return None;
            }
            parts.push(std::mem::take(&mut cur));
        } else if c.is_ascii_digit() {
            cur.push(c);
            if cur.len() == 2 {
                parts.push(std::mem::take(&mut cur));
            }
        } else {
            return None;
        }
    }
    let nums: Vec<i64> = parts
        .iter()
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    let secs = nums.first()? * 3600 + nums.get(1).unwrap_or(&0) * 60 + nums.get(2).unwrap_or(&0);
    Some((sign * secs, &v[1 + want..]))
}

/// Nanoseconds of a fraction's digits (past nine ignored).
fn frac_nanos(d: &str) -> i64 {
    let d = &d[..d.len().min(9)];
    format!("{d:0<9}").parse().unwrap_or(0)
}

/// Go's `time.Duration.String()`.
pub(crate) fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out;
    if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0 => return "0s".into(),
            1..=999 => (0, "ns"),
            1000..=999_999 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (f, int) = frac(u, prec);
        out = format!("{int}{f}{unit}");
    } else {
        let (f, secs) = frac(u, 9);
        u = secs;
        out = format!("{}{f}s", u % 60);
        u /= 60;
        if u > 0 {
            out = format!("{}m{out}", u % 60);
            u /= 60;
            if u > 0 {
                out = format!("{u}h{out}");
            }
        }
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: `.digits` of `v / 10^prec` without trailing zeros (nothing when zero),
/// and the integer part.
fn frac(v: u64, prec: u32) -> (String, u64) {
    let p = 10u64.pow(prec);
    let f = v % p;
    if f == 0 {
        return (String::new(), v / p);
    }
    let digits = format!("{f:0w$}", w = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), v / p)
}

/// Go's `time.ParseDuration`.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let (neg, mut s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        let int: u128 = if n > 0 {
            s[..n].parse().map_err(|_| invalid())?
        } else {
            0
        };
        s = &s[n..];
        let (mut fnum, mut fscale, mut had_frac) = (0u128, 1u128, false);
        if let Some(r) = s.strip_prefix('.') {
            let m = r.bytes().take_while(u8::is_ascii_digit).count();
            for b in r[..m.min(20)].bytes() {
                fnum = fnum * 10 + u128::from(b - b'0');
                fscale *= 10;
            }
            had_frac = m > 0;
            s = &r[m..];
        }
        if n == 0 && !had_frac {
            return Err(invalid());
        }
        let u = s.bytes().take_while(|b| !b.is_ascii_digit() && *b != b'.').count();
        if u == 0 {
            return Err(format!("time: missing unit in duration {}", quote(orig)));
        }
        let unit: u128 = match &s[..u] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(other),
                    quote(orig)
                ));
            }
        };
        s = &s[u..];
        total += int * unit + fnum * unit / fscale;
        if total > i64::MAX as u128 + u128::from(neg) {
            return Err(invalid());
        }
    }
    let t = total as i128;
    Ok(if neg { -t } else { t } as i64)
}
