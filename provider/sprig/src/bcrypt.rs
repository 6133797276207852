//! bcrypt (`$2a$`, as `golang.org/x/crypto/bcrypt`) for Sprig's `bcrypt` and `htpasswd`:
//! EksBlowfish with the C implementations' trailing NUL on the key. Blowfish's initial
//! tables are the hexadecimal digits of pi, computed here (Machin's formula over big
//! integers) rather than written out.

use std::sync::OnceLock;

use num_bigint::BigUint;

/// Blowfish's initial P-array and S-boxes: the first 1042 32-bit words of pi's fraction.
fn pi_words() -> &'static [u32] {
    static W: OnceLock<Vec<u32>> = OnceLock::new();
    W.get_or_init(|| {
        const WORDS: usize = 18 + 4 * 256;
        let bits = WORDS * 32 + 64;
        // atan(1/x) scaled by 2^bits, as (positive terms, negative terms).
        let atan = |x: u32| {
            let (mut pos, mut neg) = (BigUint::ZERO, BigUint::ZERO);
            let mut term = (BigUint::from(1u32) << bits) / x;
            let x2 = x * x;
            let mut k: u32 = 0;
            while term > BigUint::ZERO {
                let t = &term / (2 * k + 1);
                if k.is_multiple_of(2) {
                    pos += t;
                } else {
                    neg += t;
                }
                term /= x2;
                k += 1;
            }
            (pos, neg)
        };
        let (p5, n5) = atan(5);
        let (p239, n239) = atan(239);
        let pi: BigUint = (p5 * 16u32 + n239 * 4u32) - (n5 * 16u32 + p239 * 4u32);
        let frac: BigUint = (pi - (BigUint::from(3u32) << bits)) >> 64usize;
        let bytes = frac.to_bytes_be();
        let mut padded = vec![0u8; WORDS * 4 - bytes.len()];
        padded.extend_from_slice(&bytes);
        padded
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

/// A Blowfish state.
struct Blowfish {
    p: [u32; 18],
    s: [[u32; 256]; 4],
}

impl Blowfish {
    fn new() -> Blowfish {
        let w = pi_words();
        let mut b = Blowfish {
            p: [0; 18],
            s: [[0; 256]; 4],
        };
        b.p.copy_from_slice(&w[..18]);
        for (i, sbox) in b.s.iter_mut().enumerate() {
            sbox.copy_from_slice(&w[18 + 256 * i..18 + 256 * (i + 1)]);
        }
        b
    }

    fn f(&self, x: u32) -> u32 {
        let [a, b, c, d] = x.to_be_bytes();
        (self.s[0][a as usize].wrapping_add(self.s[1][b as usize]) ^ self.s[2][c as usize])
            .wrapping_add(self.s[3][d as usize])
    }

    fn encrypt(&self, mut l: u32, mut r: u32) -> (u32, u32) {
        l ^= self.p[0];
        for i in (1..17).step_by(2) {
            r ^= self.f(l) ^ self.p[i];
            l ^= self.f(r) ^ self.p[i + 1];
        }
        (r ^ self.p[17], l)
    }

    /// Blowfish's key schedule, with an optional salt mixed into each block (EksBlowfish).
    fn expand(&mut self, key: &[u8], salt: Option<&[u8]>) {
        let mut kpos = 0;
        for i in 0..18 {
            self.p[i] ^= next_word(key, &mut kpos);
        }
        let (mut l, mut r, mut spos) = (0u32, 0u32, 0usize);
        let mut step = |bf: &Blowfish, l: &mut u32, r: &mut u32| {
            if let Some(s) = salt {
                *l ^= next_word(s, &mut spos);
                *r ^= next_word(s, &mut spos);
            }
            (*l, *r) = bf.encrypt(*l, *r);
        };
        for i in (0..18).step_by(2) {
            step(self, &mut l, &mut r);
            (self.p[i], self.p[i + 1]) = (l, r);
        }
        for b in 0..4 {
            for i in (0..256).step_by(2) {
                step(self, &mut l, &mut r);
                (self.s[b][i], self.s[b][i + 1]) = (l, r);
            }
        }
    }
}

/// The next big-endian word of `b`, cycling.
fn next_word(b: &[u8], pos: &mut usize) -> u32 {
    let mut w = 0;
    for _ in 0..4 {
        w = (w << 8) | u32::from(b[*pos]);
        *pos = (*pos + 1) % b.len();
    }
    w
}

const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// bcrypt's base64: its alphabet, no padding.
fn encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let mut v = [0u8; 3];
        v[..chunk.len()].copy_from_slice(chunk);
        let n = (u32::from(v[0]) << 16) | (u32::from(v[1]) << 8) | u32::from(v[2]);
        for k in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

/// The hash part (31 characters) of `password` with a 16-byte salt at `cost`.
fn hash(password: &[u8], salt: &[u8; 16], cost: u32) -> String {
    let mut key = password.to_vec();
    key.push(0);
    let mut bf = Blowfish::new();
    bf.expand(&key, Some(salt));
    for _ in 0..1u64 << cost {
        bf.expand(&key, None);
        bf.expand(salt, None);
    }
    let mut ctext: Vec<u32> = b"OrpheanBeholderScryDoubt"
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    for pair in ctext.chunks_exact_mut(2) {
        for _ in 0..64 {
            (pair[0], pair[1]) = bf.encrypt(pair[0], pair[1]);
        }
    }
    let bytes: Vec<u8> = ctext.iter().flat_map(|w| w.to_be_bytes()).collect();
    encode(&bytes[..23])
}

/// `bcrypt.GenerateFromPassword(password, 10)` with a random salt: `$2a$10$` + salt + hash.
pub(crate) fn generate(password: &[u8], salt: [u8; 16]) -> String {
    format!("$2a$10${}{}", encode(&salt), hash(password, &salt, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bcrypt's base64 back to bytes (tests only: salts of known vectors).
    fn decode(s: &str) -> Vec<u8> {
        let vals: Vec<u32> = s
            .bytes()
            .map(|c| ALPHABET.iter().position(|&a| a == c).unwrap() as u32)
            .collect();
        let mut out = Vec::new();
        for chunk in vals.chunks(4) {
            let mut n = 0u32;
            for (k, v) in chunk.iter().enumerate() {
                n |= v << (18 - 6 * k);
            }
            out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
        }
        out
    }

    #[test]
    fn pi_tables_start_and_end_as_blowfish_s() {
        let w = pi_words();
        assert_eq!(&w[..3], &[0x243F6A88, 0x85A308D3, 0x13198A2E]);
        assert_eq!(w[17], 0x8979FB1B);
        assert_eq!(w[18], 0xD1310BA6);
        assert_eq!(w[1041], 0x3AC372E6);
    }

    /// x/crypto/bcrypt's own vector (TestBcryptingIsCorrect).
    #[test]
    fn known_hash() {
        let salt: [u8; 16] = decode("XajjQvNhvvRt5GSeFk1xFe").try_into().unwrap();
        assert_eq!(encode(&salt), "XajjQvNhvvRt5GSeFk1xFe");
        assert_eq!(hash(b"allmine", &salt, 10), "yqRrsxkhBkUiQeg0dt.wU1qD4aFDcga");
    }
}
