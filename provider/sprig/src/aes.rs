//! AES-256 (FIPS 197) in CBC mode for `encryptAES`/`decryptAES`, written here to keep the
//! crate free of crypto dependencies; the S-boxes are computed from their definition.

use std::sync::OnceLock;

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// The S-box and its inverse: the multiplicative inverse then the affine map.
fn sboxes() -> &'static ([u8; 256], [u8; 256]) {
    static S: OnceLock<([u8; 256], [u8; 256])> = OnceLock::new();
    S.get_or_init(|| {
        let (mut s, mut inv) = ([0u8; 256], [0u8; 256]);
        for x in 0..=255u8 {
            let y = if x == 0 {
                0
            } else {
                (1..=255u8).find(|&y| gmul(x, y) == 1).unwrap_or(0)
            };
            let v = y ^ y.rotate_left(1) ^ y.rotate_left(2) ^ y.rotate_left(3) ^ y.rotate_left(4) ^ 0x63;
            s[x as usize] = v;
            inv[v as usize] = x;
        }
        (s, inv)
    })
}

/// The 15 round keys of a 32-byte key.
fn expand(key: &[u8; 32]) -> [[u8; 16]; 15] {
    let s = &sboxes().0;
    let mut w = [[0u8; 4]; 60];
    for (i, c) in key.chunks_exact(4).enumerate() {
        w[i].copy_from_slice(c);
    }
    let mut rcon = 1u8;
    for i in 8..60 {
        let mut t = w[i - 1];
        if i % 8 == 0 {
            t = [
                s[t[1] as usize] ^ rcon,
                s[t[2] as usize],
                s[t[3] as usize],
                s[t[0] as usize],
            ];
            rcon = gmul(rcon, 2);
        } else if i % 8 == 4 {
            t = t.map(|b| s[b as usize]);
        }
        for k in 0..4 {
            w[i][k] = w[i - 8][k] ^ t[k];
        }
    }
    let mut rk = [[0u8; 16]; 15];
    for (r, k) in rk.iter_mut().enumerate() {
        for c in 0..4 {
            k[4 * c..4 * c + 4].copy_from_slice(&w[4 * r + c]);
        }
    }
    rk
}

fn xor(b: &mut [u8; 16], k: &[u8; 16]) {
    for (x, y) in b.iter_mut().zip(k) {
        *x ^= y;
    }
}

/// ShiftRows (column-major state: byte `r + 4c`), or its inverse.
fn shift_rows(b: &mut [u8; 16], inverse: bool) {
    let o = *b;
    for r in 1..4 {
        for c in 0..4 {
            let from = if inverse { (c + 4 - r) % 4 } else { (c + r) % 4 };
            b[r + 4 * c] = o[r + 4 * from];
        }
    }
}

/// MixColumns with the matrix's first row `m` (2 3 1 1, or 14 11 13 9 for the inverse).
fn mix_columns(b: &mut [u8; 16], m: [u8; 4]) {
    for c in 0..4 {
        let col = [b[4 * c], b[4 * c + 1], b[4 * c + 2], b[4 * c + 3]];
        for r in 0..4 {
            b[4 * c + r] = (0..4).fold(0, |acc, k| acc ^ gmul(col[k], m[(k + 4 - r) % 4]));
        }
    }
}

fn encrypt_block(rk: &[[u8; 16]; 15], b: &mut [u8; 16]) {
    let s = &sboxes().0;
    xor(b, &rk[0]);
    for (round, k) in rk.iter().enumerate().skip(1) {
        *b = b.map(|x| s[x as usize]);
        shift_rows(b, false);
        if round < 14 {
            mix_columns(b, [2, 3, 1, 1]);
        }
        xor(b, k);
    }
}

fn decrypt_block(rk: &[[u8; 16]; 15], b: &mut [u8; 16]) {
    let inv = &sboxes().1;
    xor(b, &rk[14]);
    for round in (0..14).rev() {
        shift_rows(b, true);
        *b = b.map(|x| inv[x as usize]);
        xor(b, &rk[round]);
        if round > 0 {
            mix_columns(b, [14, 11, 13, 9]);
        }
    }
}

/// Sprig's key: the password's bytes in 32 zero bytes (longer ones cut).
fn key(password: &str) -> [[u8; 16]; 15] {
    let mut k = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    k[..n].copy_from_slice(&p[..n]);
    expand(&k)
}

/// CBC encryption of PKCS#7-padded `plain` after `iv`; the IV leads the result.
pub(crate) fn cbc_encrypt(password: &str, iv: [u8; 16], plain: &[u8]) -> Vec<u8> {
    let rk = key(password);
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = iv.to_vec();
    let mut prev = iv;
    for chunk in data.chunks_exact(16) {
        let mut b: [u8; 16] = chunk.try_into().unwrap_or([0; 16]);
        xor(&mut b, &prev);
        encrypt_block(&rk, &mut b);
        out.extend_from_slice(&b);
        prev = b;
    }
    out
}

/// CBC decryption of whole blocks after the IV (`iv`); no padding check, as Sprig's.
pub(crate) fn cbc_decrypt(password: &str, iv: &[u8], data: &[u8]) -> Vec<u8> {
    let rk = key(password);
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(16) {
        let c: [u8; 16] = chunk.try_into().unwrap_or([0; 16]);
        let mut b = c;
        decrypt_block(&rk, &mut b);
        xor(&mut b, &prev);
        out.extend_from_slice(&b);
        prev = c;
    }
    out
}
