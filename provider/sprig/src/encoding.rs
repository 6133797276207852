//! Sprig's encoders, decoders and checksums: `b64enc`/`b64dec` and `b32enc`/`b32dec` are Go's
//! `StdEncoding` (padded; the decoders skip `\r` and `\n` and, as Sprig does, return Go's
//! error text as their result), `adler32sum`, `sha1sum` and `sha256sum` (hex).

use crate::hashes::{sha1, sha256};
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

/// The 6-bit value of a base64 symbol.
fn b64_value(c: u8) -> Option<u8> {
    B64.iter().position(|&x| x == c).map(|p| p as u8)
}

/// Go's `base64.StdEncoding.DecodeString`: quantum by quantum as Go's `decodeQuantum`, so that
/// a failure names the same byte (`illegal base64 data at input byte N`).
pub(crate) fn b64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::new();
    let mut si = 0;
    while si < src.len() {
        let (next, bytes, err) = b64_quantum(src, si);
        out.extend_from_slice(&bytes);
        if let Some(at) = err {
            return Err(at);
        }
        si = next;
    }
    Ok(out)
}

/// One 4-symbol quantum from `si`: the next index, the decoded bytes, and Go's error offset.
fn b64_quantum(src: &[u8], mut si: usize) -> (usize, Vec<u8>, Option<usize>) {
    let mut dbuf = [0u8; 4];
    let mut dlen = 4;
    let mut err = None;
    let skip_newlines = |mut i: usize| {
        while i < src.len() && (src[i] == b'\n' || src[i] == b'\r') {
            i += 1;
        }
        i
    };
    let mut j = 0;
    while j < 4 {
        if si == src.len() {
            if j == 0 {
                return (si, Vec::new(), None);
            }
            // Padding is required (StdEncoding), so a short quantum is corrupt.
            return (si, Vec::new(), Some(si - j));
        }
        let c = src[si];
        si += 1;
        if let Some(v) = b64_value(c) {
            dbuf[j] = v;
            j += 1;
            continue;
        }
        if c == b'\n' || c == b'\r' {
            continue;
        }
        if c != b'=' || j < 2 {
            return (si, Vec::new(), Some(si - 1));
        }
        if j == 2 {
            // "==" is expected; the first "=" is consumed.
            si = skip_newlines(si);
            if si == src.len() {
                return (si, Vec::new(), Some(src.len()));
            }
            if src[si] != b'=' {
                return (si, Vec::new(), Some(si - 1));
            }
            si += 1;
        }
        si = skip_newlines(si);
        if si < src.len() {
            err = Some(si); // trailing garbage
        }
        dlen = j;
        break;
    }
    let val = (u32::from(dbuf[0]) << 18) | (u32::from(dbuf[1]) << 12) | (u32::from(dbuf[2]) << 6) | u32::from(dbuf[3]);
    let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
    (si, bytes[..dlen - 1].to_vec(), err)
}

/// Go's `base32.StdEncoding.DecodeString`: newlines stripped first (offsets count the stripped
/// text), then Go's `decode` loop with its padding rules.
fn b32_decode(text: &[u8]) -> Result<Vec<u8>, usize> {
    let src: Vec<u8> = text.iter().copied().filter(|&c| c != b'\n' && c != b'\r').collect();
    let olen = src.len();
    let mut rest: &[u8] = &src;
    let mut out = Vec::new();
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            if rest.is_empty() {
                return Err(olen - j); // missing padding
            }
            let c = rest[0];
            rest = &rest[1..];
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(olen); // not enough padding
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(olen - rest.len() + k - 1);
                    }
                }
                dlen = j;
                end = true;
                // 1, 3 and 6 symbols cannot make a whole byte (RFC 4648 section 6).
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(olen - rest.len() - 1);
                }
                break;
            }
            match B32.iter().position(|&x| x == c) {
                Some(v) => dbuf[j] = v as u8,
                None => return Err(olen - rest.len() - 1),
            }
            j += 1;
        }
        let acc = dbuf.iter().fold(0u64, |a, &d| (a << 5) | u64::from(d));
        let bytes = acc.to_be_bytes();
        let n = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            _ => 1,
        };
        out.extend_from_slice(&bytes[3..3 + n]);
    }
    Ok(out)
}

/// Go's `string(bytes)` as Go's JSON and printing see it: each invalid byte is U+FFFD.
pub(crate) fn go_string(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        s.extend(std::iter::repeat_n('\u{FFFD}', chunk.invalid().len()));
    }
    s
}

/// Lowercase hex, as Go's `hex.EncodeToString`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's `base64.StdEncoding.EncodeToString`.
pub(crate) fn b64(data: &[u8]) -> String {
    encode(data, B64, 6, 4)
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
    r.add("b64dec", |a| {
        a.exact(1)?;
        Ok(vs(match b64_decode(a.str(0)?.as_bytes()) {
            Ok(b) => go_string(&b),
            Err(at) => format!("illegal base64 data at input byte {at}"),
        }))
    });
    r.add("b32dec", |a| {
        a.exact(1)?;
        Ok(vs(match b32_decode(a.str(0)?.as_bytes()) {
            Ok(b) => go_string(&b),
            Err(at) => format!("illegal base32 data at input byte {at}"),
        }))
    });
    r.add("sha1sum", |a| {
        a.exact(1)?;
        Ok(vs(hex(&sha1(a.str(0)?.as_bytes()))))
    });
    r.add("sha256sum", |a| {
        a.exact(1)?;
        Ok(vs(hex(&sha256(a.str(0)?.as_bytes()))))
    });
    r.add("adler32sum", |a| {
        a.exact(1)?;
        Ok(vs(adler32(a.str(0)?.as_bytes()).to_string()))
    });
}
