//! Helm's `pkg/time.Time`: Go's `time.Time` in JSON, except that the zero time is `""`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A release or hook time as Helm 3 stores it.
///
/// Helm wraps Go's `time.Time` so that the zero time marshals as `""` (and `""` or `null`
/// unmarshal as zero); any other time is RFC 3339 with nanoseconds, trailing zeros trimmed,
/// and the offset it was taken in (`Z` for UTC), as Go's `time.Time.MarshalJSON` writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp(Option<OffsetDateTime>);

impl Timestamp {
    /// Go's zero time (`0001-01-01T00:00:00Z`), written `""`.
    pub const ZERO: Timestamp = Timestamp(None);

    /// The current time, in UTC.
    pub fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
    }

    /// Whether this is Go's zero time.
    pub fn is_zero(&self) -> bool {
        self.0.is_none()
    }

    /// The time, or `None` for the zero time.
    pub fn get(&self) -> Option<OffsetDateTime> {
        self.0
    }

    /// Seconds since the Unix epoch (Go's `Unix()`; the zero time is `-62135596800`).
    pub fn unix_timestamp(&self) -> i64 {
        self.0.map_or(GO_ZERO_UNIX, OffsetDateTime::unix_timestamp)
    }

    /// The time as Go's `time.RFC3339Nano` writes it; `""` for the zero time.
    pub fn to_go_string(&self) -> String {
        self.to_string()
    }

    /// Parses what Go's `time.Time.UnmarshalJSON` accepts (RFC 3339), plus Helm's `""`.
    pub fn parse(s: &str) -> Result<Self, time::error::Parse> {
        if s.is_empty() {
            return Ok(Self::ZERO);
        }
        OffsetDateTime::parse(s, &Rfc3339).map(Self::from)
    }
}

/// `0001-01-01T00:00:00Z` in Unix seconds.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        // Go's IsZero compares the instant, whatever the zone: a stored
        // "0001-01-01T00:00:00Z" reads back as zero and re-encodes as "".
        if t.unix_timestamp() == GO_ZERO_UNIX && t.nanosecond() == 0 {
            Timestamp(None)
        } else {
            Timestamp(Some(t))
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(t) = self.0 else { return Ok(()) };
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let nanos = t.nanosecond();
        if nanos != 0 {
            // RFC3339Nano's ".999999999": nine digits, trailing zeros dropped.
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        let offset = t.offset();
        if offset.is_utc() {
            f.write_str("Z")
        } else {
            let (h, m, _) = offset.as_hms();
            let sign = if offset.is_negative() { '-' } else { '+' };
            write!(f, "{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(t) = self.0 {
            // Go's MarshalJSON refuses years outside [0, 9999]; so do we, rather than write
            // a time Helm cannot read back.
            if !(0..=9999).contains(&t.year()) {
                return Err(serde::ser::Error::custom(format!(
                    "year {} is outside [0, 9999]",
                    t.year()
                )));
            }
        }
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(Self::ZERO),
            Some(s) => Self::parse(&s).map_err(|e| serde::de::Error::custom(format!("time {s:?}: {e}"))),
        }
    }
}
