//! Sprig's encoders and `adler32sum`: `b64enc` and `b32enc` are Go's `StdEncoding` (padded).
//! The decoders (`b64dec`, `b32dec`, whose failures Sprig returns as the error text) and the
//! crypto hashes are not written yet.

use crate::{Reg, vs};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 with padding: `bits` per symbol over `alphabet`, output padded to whole blocks
/// (4 symbols for base64, 8 for base32).
fn encode(data: &[u8], alphabet: &[u8], bits: u32, block: usize) -> String {
    let mut out = String::new();
    let (mut acc, mut n) = (0u64, 0u32);
    for &b in data {
        acc = (acc << 8) | u64::from(b);
        n += 8;
        while n >= bits {
            n -= bits;
            out.push(alphabet[((acc >> n) & ((1 << bits) - 1)) as usize] as char);
        }
    }
    if n > 0 {
        out.push(alphabet[((acc << (bits - n)) & ((1 << bits) - 1)) as usize] as char);
    }
    while !out.len().is_multiple_of(block) {
        out.push('=');
    }
    out
}

/// Go's `hash/adler32.Checksum`.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for &c in data {
        a = (a + u32::from(c)) % MOD;
        b = (b + a) % MOD;
    }
    (b << 16) | a
}

pub(crate) fn register(r: &mut Reg) {
    r.add("b64enc", |a| {
        a.exact(1)?;
        Ok(vs(encode(a.str(0)?.as_bytes(), B64, 6, 4)))
    });
    r.add("b32enc", |a| {
        a.exact(1)?;
        Ok(vs(encode(a.str(0)?.as_bytes(), B32, 5, 8)))
    });
    r.add("adler32sum", |a| {
        a.exact(1)?;
        Ok(vs(adler32(a.str(0)?.as_bytes()).to_string()))
    });
}
