//! Sprig's random functions: `randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii`
//! (goutils' `CryptoRandom*`: a negative count gives "", as Sprig drops the error),
//! `randBytes` (base64 of random bytes), `randInt` (`rand.Intn(max-min) + min`) and `uuidv4`
//! (a random, RFC 4122 version 4 UUID).

use rand::Rng;

use crate::encoding::b64;
use crate::{Reg, vs};

const ALPHA: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";

/// `count` characters drawn from `set` (nothing for a count below 1).
fn pick(set: &[u8], count: i64) -> String {
    let mut rng = rand::rng();
    (0..count.max(0))
        .map(|_| set[rng.random_range(0..set.len())] as char)
        .collect()
}

/// A version 4 UUID: random bits, the version nibble 4, the variant bits 10.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

pub(crate) fn register(r: &mut Reg) {
    r.add("randAlphaNum", |a| {
        a.exact(1)?;
        Ok(vs(pick(format!("{ALPHA}{DIGITS}").as_bytes(), a.int(0)?)))
    });
    r.add("randAlpha", |a| {
        a.exact(1)?;
        Ok(vs(pick(ALPHA.as_bytes(), a.int(0)?)))
    });
    r.add("randNumeric", |a| {
        a.exact(1)?;
        Ok(vs(pick(DIGITS.as_bytes(), a.int(0)?)))
    });
    r.add("randAscii", |a| {
        a.exact(1)?;
        let printable: Vec<u8> = (32u8..127).collect();
        Ok(vs(pick(&printable, a.int(0)?)))
    });
    r.add("randBytes", |a| {
        a.exact(1)?;
        let n = a.int(0)?;
        if n < 0 {
            return Err("runtime error: makeslice: len out of range".into());
        }
        let mut rng = rand::rng();
        let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
        Ok(vs(b64(&bytes)))
    });
    r.add("randInt", |a| {
        a.exact(2)?;
        let (min, max) = (a.int(0)?, a.int(1)?);
        let n = max.wrapping_sub(min);
        if n <= 0 {
            return Err("invalid argument to Intn".into());
        }
        Ok(circleci_gotemplate::Value::Int(min + rand::rng().random_range(0..n)))
    });
    r.add("uuidv4", |a| {
        a.exact(0)?;
        Ok(vs(uuid_v4()))
    });
}
