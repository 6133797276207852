//! Sprig's numeric functions (`numeric.go`): int64 arithmetic over spf13/cast conversions,
//! and the float functions through shopspring/decimal (so `addf 1.1 2.2` is 3.3).

use num_bigint::BigInt;

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::sprint_value;

use crate::Reg;
use crate::args::Args;
use crate::cast::{parse_int, to_float64, to_int64};

pub(crate) fn register(r: &mut Reg) {
    r.add("atoi", |a| {
        a.exact(1)?;
        Ok(Value::Int(atoi(a.str(0)?)))
    });
    for name in ["int64", "int"] {
        r.add(name, |a| {
            a.exact(1)?;
            Ok(Value::Int(to_int64(a.any(0))))
        });
    }
    r.add("float64", |a| {
        a.exact(1)?;
        Ok(Value::Float(to_float64(a.any(0))))
    });
    r.add("toDecimal", |a| {
        a.exact(1)?;
        Ok(Value::Int(parse_int(&sprint_value(a.any(0)), 8).unwrap_or(0)))
    });
    r.add("add1", |a| {
        a.exact(1)?;
        Ok(Value::Int(to_int64(a.any(0)).wrapping_add(1)))
    });
    r.add("add", |a| {
        Ok(Value::Int(a.v.iter().fold(0i64, |s, v| s.wrapping_add(to_int64(v)))))
    });
    r.add("sub", |a| {
        a.exact(2)?;
        Ok(Value::Int(to_int64(a.any(0)).wrapping_sub(to_int64(a.any(1)))))
    });
    r.add("div", |a| {
        a.exact(2)?;
        let (x, y) = (to_int64(a.any(0)), to_int64(a.any(1)));
        if y == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        Ok(Value::Int(x.wrapping_div(y)))
    });
    r.add("mod", |a| {
        a.exact(2)?;
        let (x, y) = (to_int64(a.any(0)), to_int64(a.any(1)));
        if y == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        Ok(Value::Int(x.wrapping_rem(y)))
    });
    r.add("mul", |a| {
        a.at_least(1)?;
        Ok(Value::Int(
            a.v[1..]
                .iter()
                .fold(to_int64(a.any(0)), |p, v| p.wrapping_mul(to_int64(v))),
        ))
    });
    r.add("add1f", |a| {
        a.exact(1)?;
        decimal_op(a.any(0), &[Value::Int(1)], Op::Add)
    });
    r.add("addf", |a| decimal_op(&Value::Float(0.0), a.v, Op::Add));
    r.add("subf", |a| {
        a.at_least(1)?;
        decimal_op(a.any(0), &a.v[1..], Op::Sub)
    });
    r.add("divf", |a| {
        a.at_least(1)?;
        decimal_op(a.any(0), &a.v[1..], Op::Div)
    });
    r.add("mulf", |a| {
        a.at_least(1)?;
        decimal_op(a.any(0), &a.v[1..], Op::Mul)
    });
    for name in ["biggest", "max"] {
        r.add(name, |a| {
            a.at_least(1)?;
            Ok(Value::Int(a.v.iter().map(to_int64).fold(i64::MIN, i64::max)))
        });
    }
    r.add("min", |a| {
        a.at_least(1)?;
        Ok(Value::Int(a.v.iter().map(to_int64).fold(i64::MAX, i64::min)))
    });
    r.add("maxf", |a| {
        a.at_least(1)?;
        Ok(Value::Float(
            a.v[1..].iter().map(to_float64).fold(to_float64(a.any(0)), go_max),
        ))
    });
    r.add("minf", |a| {
        a.at_least(1)?;
        Ok(Value::Float(
            a.v[1..].iter().map(to_float64).fold(to_float64(a.any(0)), go_min),
        ))
    });
    r.add("ceil", |a| {
        a.exact(1)?;
        Ok(Value::Float(to_float64(a.any(0)).ceil()))
    });
    r.add("floor", |a| {
        a.exact(1)?;
        Ok(Value::Float(to_float64(a.any(0)).floor()))
    });
    r.add("round", |a: &Args| {
        a.at_least(2)?;
        let places = a.int(1)?;
        let round_on = if a.len() > 2 { a.float(2)? } else { 0.5 };
        for i in 3..a.len() {
            a.float(i)?;
        }
        let val = to_float64(a.any(0));
        let pow = 10f64.powf(places as f64);
        let digit = pow * val;
        let frac = digit.fract();
        let rounded = if frac >= round_on { digit.ceil() } else { digit.floor() };
        Ok(Value::Float(rounded / pow))
    });
}

/// Go's `math.Max`: NaN wins, +0 beats -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`.
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// Go's `strconv.Atoi` as Sprig uses it: 0 on a syntax error, the clamped value out of range.
fn atoi(s: &str) -> i64 {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let mut n: i128 = 0;
    for b in digits.bytes() {
        n = (n * 10 + (b - b'0') as i128).min(i64::MAX as i128 + 1);
    }
    let n = if neg { -n } else { n };
    n.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A shopspring `Decimal`: `value × 10^exp`.
#[derive(Clone)]
struct Decimal {
    value: BigInt,
    exp: i32,
}

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Result<Decimal, String> {
        if f.is_nan() || f.is_infinite() {
            return Err(format!(
                "Cannot create a Decimal from {}",
                sprint_value(&Value::Float(f))
            ));
        }
        if f == 0.0 {
            return Ok(Decimal {
                value: BigInt::from(0),
                exp: 0,
            });
        }
        let e = format!("{f:e}");
        let (mant, exp) = e.split_once('e').ok_or("float format")?;
        let exp: i32 = exp.parse().map_err(|_| "float format")?;
        let frac_len = mant.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let digits: String = mant.chars().filter(|c| *c != '.').collect();
        let value: BigInt = digits.parse().map_err(|_| "float format")?;
        Ok(Decimal {
            value,
            exp: exp - frac_len,
        })
    }

    fn rescale(&self, exp: i32) -> BigInt {
        &self.value * BigInt::from(10).pow((self.exp - exp) as u32)
    }

    fn apply(&self, o: &Decimal, op: Op) -> Result<Decimal, String> {
        Ok(match op {
            Op::Add | Op::Sub => {
                let exp = self.exp.min(o.exp);
                let (x, y) = (self.rescale(exp), o.rescale(exp));
                Decimal {
                    value: if matches!(op, Op::Add) { x + y } else { x - y },
                    exp,
                }
            }
            Op::Mul => Decimal {
                value: &self.value * &o.value,
                exp: self.exp + o.exp,
            },
            Op::Div => {
                if o.value == BigInt::from(0) {
                    return Err("decimal division by zero".into());
                }
                // DivRound(o, 16): the quotient to 16 places, half away from zero.
                const PREC: i32 = 16;
                let shift = self.exp - o.exp + PREC;
                let ten = BigInt::from(10);
                let (num, den) = if shift >= 0 {
                    (&self.value * ten.pow(shift as u32), o.value.clone())
                } else {
                    (self.value.clone(), &o.value * ten.pow((-shift) as u32))
                };
                let q = &num / &den;
                let r = &num % &den;
                let two_r = if r < BigInt::from(0) { -&r * 2 } else { &r * 2 };
                let abs_den = if den < BigInt::from(0) { -&den } else { den.clone() };
                let q = if two_r >= abs_den {
                    let neg = (num < BigInt::from(0)) != (den < BigInt::from(0));
                    if neg { q - 1 } else { q + 1 }
                } else {
                    q
                };
                Decimal { value: q, exp: -PREC }
            }
        })
    }

    fn to_f64(&self) -> f64 {
        format!("{}e{}", self.value, self.exp).parse().unwrap_or(0.0)
    }
}

fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, String> {
    let mut acc = Decimal::from_f64(to_float64(first))?;
    for v in rest {
        acc = acc.apply(&Decimal::from_f64(to_float64(v))?, op)?;
    }
    Ok(Value::Float(acc.to_f64()))
}
