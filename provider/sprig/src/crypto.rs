//! Sprig's `derivePassword` (the Master Password algorithm: scrypt N=32768, r=8, p=2 of the
//! password salted with the user, then HMAC-SHA-256 of the site and counter choosing a
//! template and its characters) and `encryptAES`/`decryptAES` (AES-256-CBC, a random IV
//! first, base64; Go's panics on bad input as their messages), `bcrypt` and `htpasswd`.

use rand::Rng;

use crate::aes::{cbc_decrypt, cbc_encrypt};
use crate::encoding::{b64, b64_decode, go_string};
use crate::hashes::{hmac_sha256, scrypt};
use crate::{Reg, vs};

const SEED: &str = "com.lyndir.masterpassword";

/// The templates of a password type, or `None` for an unknown type.
fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

/// The characters a template letter stands for.
fn chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword(counter, passwordType, password, user, site)`.
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(temps) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let key = scrypt(password.as_bytes(), &salt, 32768, 8, 2, 64);
    let mut msg = SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let seed = hmac_sha256(&key, &msg);
    let temp = temps[seed[0] as usize % temps.len()];
    temp.bytes()
        .enumerate()
        .map(|(i, c)| {
            let set = chars(c);
            set[seed[i + 1] as usize % set.len()] as char
        })
        .collect()
}

/// Sprig's `decryptAES`, with Go's runtime panics for short, partial or badly padded input.
fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = b64_decode(crypt64.as_bytes()).map_err(|at| format!("illegal base64 data at input byte {at}"))?;
    if crypt.len() < 16 {
        // Go's slice of the decoded buffer, whose capacity is DecodedLen.
        let cap = crypt64.len() / 4 * 3;
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {cap}"
        ));
    }
    let (iv, data) = crypt.split_at(16);
    if data.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let plain = cbc_decrypt(password, iv, data);
    let Some(&last) = plain.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = plain.len() as i64 - i64::from(last);
    if end < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{end}]"));
    }
    Ok(go_string(&plain[..end as usize]))
}

/// Sprig's `bcrypt`: a `$2a$10$` hash with a random salt.
fn bcrypt(password: &str) -> String {
    crate::bcrypt::generate(password.as_bytes(), rand::rng().random())
}

pub(crate) fn register(r: &mut Reg) {
    r.add("bcrypt", |a| {
        a.exact(1)?;
        Ok(vs(bcrypt(a.str(0)?)))
    });
    r.add("htpasswd", |a| {
        a.exact(2)?;
        let (user, pw) = (a.str(0)?, a.str(1)?);
        if user.contains(':') {
            return Ok(vs(format!("invalid username: {user}")));
        }
        Ok(vs(format!("{user}:{}", bcrypt(pw))))
    });
    r.add("encryptAES", |a| {
        a.exact(2)?;
        let (pw, plain) = (a.str(0)?, a.str(1)?);
        if plain.is_empty() {
            return Ok(vs(""));
        }
        let iv: [u8; 16] = rand::rng().random();
        Ok(vs(b64(&cbc_encrypt(pw, iv, plain.as_bytes()))))
    });
    r.add("decryptAES", |a| {
        a.exact(2)?;
        Ok(vs(decrypt_aes(a.str(0)?, a.str(1)?)?))
    });
    r.add("derivePassword", |a| {
        a.exact(5)?;
        let counter = a.uint32(0)?;
        let (kind, pw, user, site) = (a.str(1)?, a.str(2)?, a.str(3)?, a.str(4)?);
        Ok(vs(derive_password(counter, kind, pw, user, site)))
    });
}
