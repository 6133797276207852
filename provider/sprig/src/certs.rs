//! Sprig's key and certificate functions: `genPrivateKey`, `buildCustomCert`, `genCA`,
//! `genSelfSignedCert`, `genSignedCert` and the `WithKey` forms.
//!
//! Certificates are DER written here field by field as Go 1.19's `x509.CreateCertificate`
//! writes Sprig's template (same extensions in the same order, same string and time types),
//! so that Go tools parse them to the same fields; aws-lc-rs generates the keys and signs.
//! Keys come out in Sprig's PEM types: PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for Ed25519.
//!
//! Not as Go: DSA (aws-lc-rs has none) cannot be generated; a DSA key given to a `WithKey`
//! form fails with Go's own error. RSA keys under 2048 or over 8192 bits and P-224 keys are
//! refused (aws-lc-rs signs none of them); Go's `encoding/asn1` messages for malformed key
//! DER are shortened to their first words.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, EcPrivateKeyRfc5915Der, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};
use circleci_gotemplate::fmt::sprint_value;
use circleci_gotemplate::{Object, Value};
use rand::Rng;

use crate::args::{Args, wrong};
use crate::encoding::{b64, b64_decode, go_string};
use crate::hashes::sha1;
use crate::{Reg, vs};

/// Go's type name for Sprig's result struct, as `printf "%T"` shows it.
const CERT_TYPE: &str = "sprig.certificate";

/// Sprig's `certificate{Cert, Key string}`.
struct Certificate {
    cert: String,
    key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> &str {
        CERT_TYPE
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(vs(self.cert.clone())),
            "Key" => Some(vs(self.key.clone())),
            _ => None,
        }
    }
    /// Go's `%v` of a struct: its fields separated by a space, in braces.
    fn display(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

fn certificate(cert: String, key: String) -> Value {
    Value::Object(Arc::new(Certificate { cert, key }))
}

// ---------------------------------------------------------------------------------------------
// DER writing

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (len.len() - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(body);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes (minimal, a 0 before a high bit).
fn uint(be: &[u8]) -> Vec<u8> {
    let skip = be.iter().take_while(|&&b| b == 0).count();
    let mut body = be[skip..].to_vec();
    if body.first().is_none_or(|&b| b & 0x80 != 0) {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

// Object identifiers, DER-encoded with their tag.
const OID_RSA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_SHA256_RSA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const OID_ECDSA_SHA512: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_P224: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0e];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x23];
const OID_SAN: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x11];
const OID_SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

// ---------------------------------------------------------------------------------------------
// DER reading (definite lengths only, as DER)

struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    /// The next element: (tag, contents, the whole element).
    fn next(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let d = self.0;
        let tag = *d.first()?;
        let first = *d.get(1)?;
        let (len, hdr) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 {
                return None;
            }
            let bytes = d.get(2..2 + n)?;
            if bytes[0] == 0 {
                return None;
            }
            let len = bytes.iter().fold(0usize, |a, &b| (a << 8) | b as usize);
            if len < 0x80 {
                return None;
            }
            (len, 2 + n)
        };
        let end = hdr.checked_add(len)?;
        let whole = d.get(..end)?;
        self.0 = &d[end..];
        Some((tag, &whole[hdr..], whole))
    }

    /// The next element if it has `tag`.
    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        let save = self.0;
        match self.next() {
            Some((t, body, _)) if t == tag => Some(body),
            _ => {
                self.0 = save;
                None
            }
        }
    }

    /// The next element, whole, if it has `tag`.
    fn expect_whole(&mut self, tag: u8) -> Option<&'a [u8]> {
        let save = self.0;
        match self.next() {
            Some((t, _, whole)) if t == tag => Some(whole),
            _ => {
                self.0 = save;
                None
            }
        }
    }

    fn peek_tag(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The magnitude of a positive INTEGER's contents, or `None` for zero or a negative one.
fn positive(int: &[u8]) -> Option<&[u8]> {
    match int.first() {
        None => None,
        Some(b) if b & 0x80 != 0 => None,
        _ => {
            let m = &int[int.iter().take_while(|&&b| b == 0).count()..];
            (!m.is_empty()).then_some(m)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PEM

/// Go's `pem.EncodeToMemory` of a block without headers.
fn pem_encode(kind: &str, der: &[u8]) -> String {
    let text = b64(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// A line up to `\n` (without trailing spaces, tabs and `\r`, as Go's `getLine`) and the rest.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let end = line.len()
        - line
            .iter()
            .rev()
            .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r'))
            .count();
    (&line[..end], rest)
}

/// Go's `pem.Decode`: the first well-formed block (type, bytes), skipping broken ones.
fn pem_decode(data: &[u8]) -> Option<(String, Vec<u8>)> {
    const START: &[u8] = b"-----BEGIN ";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut rest = data;
    loop {
        if rest.starts_with(START) {
            rest = &rest[START.len()..];
        } else if let Some(i) = find(rest, b"\n-----BEGIN ") {
            rest = &rest[i + 1 + START.len()..];
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(kind) = type_line.strip_suffix(b"-----") else {
            continue;
        };
        // Headers ("Key: value" lines) up to the first line without a colon.
        let mut headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            headers = true;
            rest = next;
        }
        let (end, trailer_at) = if !headers && rest.starts_with(b"-----END ") {
            (0, 9)
        } else {
            match find(rest, b"\n-----END ") {
                Some(i) => (i, i + 10),
                None => continue,
            }
        };
        let trailer = &rest[trailer_at..];
        let want = kind.len() + 5;
        if trailer.len() < want || !trailer[..want].starts_with(kind) || !trailer[..want].ends_with(b"-----") {
            continue;
        }
        if !get_line(&trailer[want..]).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest[..end]
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        match b64_decode(&body) {
            Ok(bytes) => return Some((go_string(kind), bytes)),
            Err(_) => continue,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

#[derive(Clone, Copy, PartialEq)]
enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    fn from_oid(oid: &[u8]) -> Option<Curve> {
        match oid {
            OID_P256 => Some(Curve::P256),
            OID_P384 => Some(Curve::P384),
            OID_P521 => Some(Curve::P521),
            _ => None,
        }
    }
    fn alg(self) -> &'static EcdsaSigningAlgorithm {
        match self {
            Curve::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
            Curve::P384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
            Curve::P521 => &ECDSA_P521_SHA512_ASN1_SIGNING,
        }
    }
    /// Go's signature algorithm for a key on this curve (the hash follows the curve size).
    fn sig_oid(self) -> &'static [u8] {
        match self {
            Curve::P256 => OID_ECDSA_SHA256,
            Curve::P384 => OID_ECDSA_SHA384,
            Curve::P521 => OID_ECDSA_SHA512,
        }
    }
}

/// A private key as Sprig's functions hold one.
enum Key {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair, Curve),
    Ed(Ed25519KeyPair),
    /// Sprig's DSA structure, kept only to fail where Go fails.
    Dsa,
}

fn generate_rsa(size: KeySize) -> Result<Key, String> {
    RsaKeyPair::generate(size)
        .map(Key::Rsa)
        .map_err(|_| "error generating rsa key: key generation failed".to_string())
}

/// The contents of the OCTET STRING holding the key inside PKCS#8 v1.
fn pkcs8_inner(pkcs8: &[u8]) -> Option<&[u8]> {
    let mut outer = Der(pkcs8);
    let mut info = Der(outer.expect(0x30)?);
    info.expect(0x02)?;
    info.expect(0x30)?;
    info.expect(0x04)
}

impl Key {
    /// Sprig's `pemBlockForKey`.
    fn pem(&self) -> Result<String, String> {
        let fail = |_| "error pem-encoding key: marshalling failed".to_string();
        Ok(match self {
            Key::Rsa(k) => {
                let p8: Pkcs8V1Der = k.as_der().map_err(fail)?;
                let inner = pkcs8_inner(p8.as_ref()).ok_or("error pem-encoding key: bad PKCS#8")?;
                pem_encode("RSA PRIVATE KEY", inner)
            }
            Key::Ec(k, _) => {
                let sec1: EcPrivateKeyRfc5915Der = k.private_key().as_der().map_err(fail)?;
                pem_encode("EC PRIVATE KEY", sec1.as_ref())
            }
            Key::Ed(k) => {
                let p8 = k.to_pkcs8v1().map_err(fail)?;
                pem_encode("PRIVATE KEY", p8.as_ref())
            }
            Key::Dsa => return Err("error pem-encoding key: DSA".into()),
        })
    }

    /// Go's `marshalPublicKey` as a SubjectPublicKeyInfo.
    fn spki(&self) -> Result<Vec<u8>, String> {
        let fail = |_| "x509: failed to marshal public key".to_string();
        let der: PublicKeyX509Der = match self {
            Key::Rsa(k) => k.public_key().as_der().map_err(fail)?,
            Key::Ec(k, _) => k.public_key().as_der().map_err(fail)?,
            Key::Ed(k) => k.public_key().as_der().map_err(fail)?,
            Key::Dsa => return Err("x509: unsupported public key type: *dsa.PublicKey".into()),
        };
        Ok(der.as_ref().to_vec())
    }

    /// Go's `signingParamsForPublicKey`: the AlgorithmIdentifier this key signs with.
    fn sig_alg(&self) -> Result<Vec<u8>, String> {
        Ok(match self {
            Key::Rsa(_) => seq(&[OID_SHA256_RSA, &[0x05, 0x00]]),
            Key::Ec(_, c) => seq(&[c.sig_oid()]),
            Key::Ed(_) => seq(&[OID_ED25519]),
            Key::Dsa => return Err("x509: certificate private key does not implement crypto.Signer".into()),
        })
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        let fail = |_| "x509: signing failed".to_string();
        match self {
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
                    .map_err(fail)?;
                Ok(sig)
            }
            Key::Ec(k, _) => Ok(k.sign(&SystemRandom::new(), msg).map_err(fail)?.as_ref().to_vec()),
            Key::Ed(k) => Ok(k.sign(msg).as_ref().to_vec()),
            Key::Dsa => Err("x509: certificate private key does not implement crypto.Signer".into()),
        }
    }
}

/// A prefix of Go's `encoding/asn1` message for DER that does not fit the structure.
const ASN1_ERR: &str = "asn1: structure error: tags don't match";

/// Whether `der` parses as a PKCS#1 RSAPrivateKey's outline (version and eight integers).
fn looks_pkcs1(der: &[u8]) -> bool {
    let mut outer = Der(der);
    let Some(body) = outer.expect(0x30) else { return false };
    let mut d = Der(body);
    (0..9).all(|_| d.expect(0x02).is_some())
}

/// Whether `der` parses as a SEC1 ECPrivateKey's outline.
fn looks_sec1(der: &[u8]) -> bool {
    let mut outer = Der(der);
    let Some(body) = outer.expect(0x30) else { return false };
    let mut d = Der(body);
    d.expect(0x02).is_some() && d.expect(0x04).is_some()
}

/// Whether `der` parses as a PKCS#8 PrivateKeyInfo's outline.
fn looks_pkcs8(der: &[u8]) -> bool {
    pkcs8_inner(der).is_some()
}

/// Go's `x509.ParsePKCS1PrivateKey`.
fn parse_pkcs1(der: &[u8]) -> Result<Key, String> {
    if !looks_pkcs1(der) {
        if looks_sec1(der) {
            return Err("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".into());
        }
        if looks_pkcs8(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".into(),
            );
        }
        return Err(ASN1_ERR.into());
    }
    let mut outer = Der(der);
    let mut d = Der(outer.expect(0x30).unwrap_or_default());
    let ints: Vec<&[u8]> = (0..9).filter_map(|_| d.expect(0x02)).collect();
    if positive(ints[0]).is_some_and(|v| v.len() > 1 || v[0] > 1) {
        return Err("x509: unsupported private key version".into());
    }
    // N, D, P, Q must be positive (E is checked by Go's Validate).
    if [1, 3, 4, 5].iter().any(|&i| positive(ints[i]).is_none()) {
        return Err("x509: private key contains zero or negative value".into());
    }
    RsaKeyPair::from_der(der)
        .map(Key::Rsa)
        .map_err(|e| format!("crypto/rsa: key not usable here ({e}; RSA keys of 2048 to 8192 bits are supported)"))
}

/// Go's `x509.ParseECPrivateKey` (with the curve from PKCS#8's parameters when wrapped).
fn parse_sec1(der: &[u8], curve_oid: Option<&[u8]>) -> Result<Key, String> {
    if !looks_sec1(der) {
        if looks_pkcs8(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".into(),
            );
        }
        if looks_pkcs1(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".into(),
            );
        }
        return Err(format!("x509: failed to parse EC private key: {ASN1_ERR}"));
    }
    let mut outer = Der(der);
    let mut d = Der(outer.expect(0x30).unwrap_or_default());
    let version = d.expect(0x02).unwrap_or_default();
    if version != [1] {
        let v = version.iter().fold(0i64, |a, &b| (a << 8) | b as i64);
        return Err(format!("x509: unknown EC private key version {v}"));
    }
    d.expect(0x04);
    let own_oid = d.expect(0xa0).and_then(|p| Der(p).expect_whole(0x06));
    let oid = curve_oid.or(own_oid).unwrap_or_default();
    if oid == OID_P224 {
        return Err("x509: P-224 keys are not supported here (aws-lc-rs cannot sign with them)".into());
    }
    let Some(curve) = Curve::from_oid(oid) else {
        return Err("x509: unknown elliptic curve".into());
    };
    EcdsaKeyPair::from_private_key_der(curve.alg(), der)
        .map(|k| Key::Ec(k, curve))
        .map_err(|_| "x509: invalid elliptic curve private key value".into())
}

/// Go's `x509.ParsePKCS8PrivateKey`.
fn parse_pkcs8(der: &[u8]) -> Result<Key, String> {
    if !looks_pkcs8(der) {
        if looks_sec1(der) {
            return Err("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".into());
        }
        if looks_pkcs1(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".into(),
            );
        }
        return Err(ASN1_ERR.into());
    }
    let mut outer = Der(der);
    let mut info = Der(outer.expect(0x30).unwrap_or_default());
    info.expect(0x02);
    let mut algo = Der(info.expect(0x30).unwrap_or_default());
    let oid = algo.expect_whole(0x06).unwrap_or_default();
    let inner = info.expect(0x04).unwrap_or_default();
    match oid {
        OID_RSA => {
            parse_pkcs1(inner).map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}"))
        }
        OID_EC => {
            let params = algo.expect_whole(0x06);
            parse_sec1(inner, params)
                .map_err(|e| format!("x509: failed to parse EC private key embedded in PKCS#8: {e}"))
        }
        OID_ED25519 => {
            if !algo.is_empty() {
                return Err("x509: invalid Ed25519 private key parameters".into());
            }
            let mut d = Der(inner);
            let Some(seed) = d.expect(0x04) else {
                return Err(format!("x509: invalid Ed25519 private key: {ASN1_ERR}"));
            };
            if seed.len() != 32 {
                return Err(format!("x509: invalid Ed25519 private key length: {}", seed.len()));
            }
            Ed25519KeyPair::from_seed_unchecked(seed)
                .map(Key::Ed)
                .map_err(|e| format!("x509: invalid Ed25519 private key: {e}"))
        }
        other => Err(format!(
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: {}",
            oid_string(other)
        )),
    }
}

/// An OBJECT IDENTIFIER element in Go's dotted form.
fn oid_string(whole: &[u8]) -> String {
    let Some((_, body, _)) = Der(whole).next() else {
        return String::new();
    };
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for &b in body {
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// Sprig's DSA structure: version and P, Q, G, Y, X.
fn parse_dsa(der: &[u8]) -> Result<Key, String> {
    let mut outer = Der(der);
    let ok = outer.expect(0x30).is_some_and(|b| {
        let mut d = Der(b);
        (0..6).all(|_| d.expect(0x02).is_some())
    });
    if ok { Ok(Key::Dsa) } else { Err(ASN1_ERR.into()) }
}

/// Sprig's `parsePrivateKeyPEM`.
fn parse_private_key_pem(text: &str) -> Result<Key, String> {
    let Some((kind, der)) = pem_decode(text.as_bytes()) else {
        return Err("no PEM data in input".into());
    };
    if kind == "PRIVATE KEY" {
        return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(algo) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match algo {
        "RSA" => parse_pkcs1(&der).map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => parse_sec1(&der, None).map_err(|e| format!("parsing EC private key from PEM: {e}")),
        "DSA" => parse_dsa(&der).map_err(|e| format!("parsing DSA private key from PEM: {e}")),
        _ => Err(format!("invalid private key type {kind}")),
    }
}

/// Sprig's `generatePrivateKey`: a PEM key, or Sprig's message in place of one.
fn generate_private_key(kind: &str) -> String {
    let key = match kind {
        "" | "rsa" => RsaKeyPair::generate(KeySize::Rsa4096).map(Key::Rsa),
        "ecdsa" => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).map(|k| Key::Ec(k, Curve::P256)),
        "ed25519" => Ed25519KeyPair::generate().map(Key::Ed),
        // Go generates L2048N256 parameters; aws-lc-rs has no DSA.
        "dsa" => {
            return "failed to generate dsa params: DSA key generation is not supported by this implementation".into();
        }
        _ => return format!("Unknown type {kind}"),
    };
    match key {
        Ok(k) => k.pem().unwrap_or_else(|e| e),
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// What Go's x509 parser gives Sprig about a CA certificate.
struct Parsed<'a> {
    subject: &'a [u8],
    spki: &'a [u8],
    subject_key_id: Option<&'a [u8]>,
}

/// The structure Go's `x509.ParseCertificate` checks, with its messages; names, keys and
/// extension contents are not checked as deeply as Go does.
fn parse_certificate(der: &[u8]) -> Result<Parsed<'_>, String> {
    let malformed = |what: &str| format!("x509: malformed {what}");
    let mut top = Der(der);
    let cert = top.expect(0x30).ok_or_else(|| malformed("certificate"))?;
    let mut c = Der(cert);
    let tbs = c.expect(0x30).ok_or_else(|| malformed("tbs certificate"))?;
    let mut t = Der(tbs);
    let mut version = 0;
    if t.peek_tag() == Some(0xa0) {
        let v = t
            .expect(0xa0)
            .and_then(|v| Der(v).expect(0x02))
            .ok_or_else(|| malformed("version"))?;
        if v.len() != 1 || v[0] & 0x80 != 0 {
            return Err(malformed("version"));
        }
        version = v[0];
        if version > 2 {
            return Err("x509: invalid version".into());
        }
    }
    t.expect(0x02).ok_or_else(|| malformed("serial number"))?;
    let sig_ai = t
        .expect(0x30)
        .ok_or_else(|| malformed("signature algorithm identifier"))?;
    let outer_ai = c.expect(0x30).ok_or_else(|| malformed("algorithm identifier"))?;
    if sig_ai != outer_ai {
        return Err("x509: inner and outer signature algorithm identifiers don't match".into());
    }
    t.expect(0x30).ok_or_else(|| malformed("issuer"))?;
    t.expect(0x30).ok_or_else(|| malformed("validity"))?;
    // Go says "issuer" for a bad subject too.
    let subject = t.expect_whole(0x30).ok_or_else(|| malformed("issuer"))?;
    let spki = t.expect_whole(0x30).ok_or_else(|| malformed("spki"))?;
    let mut subject_key_id = None;
    if version > 0 {
        for (tag, what) in [(0x81, "issuerUniqueID"), (0x82, "subjectUniqueID")] {
            if t.peek_tag() == Some(tag) {
                t.next().ok_or_else(|| malformed(what))?;
            }
        }
        if version == 2 && t.peek_tag() == Some(0xa3) {
            let exts = t
                .expect(0xa3)
                .and_then(|e| Der(e).expect(0x30))
                .ok_or_else(|| malformed("extensions"))?;
            let mut e = Der(exts);
            while !e.is_empty() {
                let ext = e.expect(0x30).ok_or_else(|| malformed("extension"))?;
                let mut x = Der(ext);
                let oid = x.expect_whole(0x06).ok_or_else(|| malformed("extension OID field"))?;
                if x.peek_tag() == Some(0x01) {
                    x.next();
                }
                let value = x.expect(0x04).ok_or_else(|| malformed("extension value field"))?;
                if oid == OID_SUBJECT_KEY_ID {
                    subject_key_id = Some(Der(value).expect(0x04).ok_or("x509: invalid subject key identifier")?);
                }
            }
        }
    }
    if !top.is_empty() {
        return Err("x509: trailing data".into());
    }
    Ok(Parsed {
        subject,
        spki,
        subject_key_id: subject_key_id.filter(|k| !k.is_empty()),
    })
}

/// Sprig's certificate template (`getBaseCertTemplate`) plus `IsCA` and its key usage.
struct Template {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    not_before: i64,
    not_after: i64,
    is_ca: bool,
}

/// Go's `net.ParseIP` as the bytes x509 writes: 4 for IPv4 (mapped ones too), else 16.
fn parse_ip(s: &str) -> Option<Vec<u8>> {
    match s.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => Some(v4.octets().to_vec()),
        std::net::IpAddr::V6(v6) => Some(match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        }),
    }
}

/// Sprig's `getNetIPs`.
fn net_ips(ips: Option<&Vec<Value>>) -> Result<Vec<Vec<u8>>, String> {
    ips.into_iter()
        .flatten()
        .map(|ip| match ip {
            Value::String(s) => parse_ip(s).ok_or_else(|| format!("error parsing ip: {s}")),
            other => Err(format!("error parsing ip: {} is not a string", sprint_value(other))),
        })
        .collect()
}

/// Sprig's `getAlternateDNSStrs`.
fn dns_names(names: Option<&Vec<Value>>) -> Result<Vec<String>, String> {
    names
        .into_iter()
        .flatten()
        .map(|n| match n {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!(
                "error processing alternate dns name: {} is not a string",
                sprint_value(other)
            )),
        })
        .collect()
}

/// Sprig's `getBaseCertTemplate`: valid from now for `days` days (Go's Duration wraps).
fn base_template(cn: &str, ips: Option<&Vec<Value>>, dns: Option<&Vec<Value>>, days: i64) -> Result<Template, String> {
    let ips = net_ips(ips)?;
    let dns = dns_names(dns)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default();
    let valid = 86_400_000_000_000i64.wrapping_mul(days);
    Ok(Template {
        cn: cn.to_string(),
        ips,
        dns,
        not_before: now.div_euclid(1_000_000_000),
        not_after: now.wrapping_add(valid).div_euclid(1_000_000_000),
        is_ca: false,
    })
}

/// Howard Hinnant's civil_from_days: (year, month, day) of days since 1970-01-01.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Go's `encoding/asn1` time: UTCTime for 1950–2049, GeneralizedTime otherwise.
fn asn1_time(secs: i64) -> Result<Vec<u8>, String> {
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let hms = format!("{:02}{:02}{:02}{:02}{:02}Z", mo, d, s / 3600, s / 60 % 60, s % 60);
    if (1950..2050).contains(&y) {
        Ok(tlv(0x17, format!("{:02}{hms}", y % 100).as_bytes()))
    } else if (0..=9999).contains(&y) {
        Ok(tlv(0x18, format!("{y:04}{hms}").as_bytes()))
    } else {
        Err("asn1: structure error: cannot represent time as GeneralizedTime".into())
    }
}

/// Go's `pkix.Name{CommonName: cn}` as an RDNSequence (empty for an empty name). Go writes
/// a PrintableString when every character allows it, else a UTF8String.
fn name(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let printable = cn
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
    let value = tlv(if printable { 0x13 } else { 0x0c }, cn.as_bytes());
    seq(&[&tlv(0x31, &seq(&[OID_CN, &value]))])
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let crit: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
    seq(&[oid, crit, &tlv(0x04, value)])
}

/// The contents of a SubjectPublicKeyInfo's BIT STRING (after the unused-bits byte).
fn spki_key_bits(spki: &[u8]) -> &[u8] {
    let mut outer = Der(spki);
    let mut d = Der(outer.expect(0x30).unwrap_or_default());
    d.expect(0x30);
    d.expect(0x03)
        .map(|b| b.get(1..).unwrap_or_default())
        .unwrap_or_default()
}

/// The issuer for a certificate: its subject and public key, and the key that signs.
struct Issuer<'a> {
    subject: Vec<u8>,
    /// The parent certificate's key, which the signing key must match (none when self-signed).
    spki: Option<&'a [u8]>,
    key_id: Option<&'a [u8]>,
    key: &'a Key,
}

/// Go's `x509.CreateCertificate` for Sprig's template, then Sprig's PEM encoding of both.
fn create(t: &Template, key: &Key, parent: Option<Issuer>) -> Result<Value, String> {
    let wrap = |e: String| format!("error creating certificate: {e}");
    let subject = name(&t.cn);
    let issuer = parent.unwrap_or(Issuer {
        subject: subject.clone(),
        spki: None,
        key_id: None,
        key,
    });
    if let Key::Dsa = issuer.key {
        return Err(wrap(
            "x509: certificate private key does not implement crypto.Signer".into(),
        ));
    }
    let sig_alg = issuer.key.sig_alg().map_err(wrap)?;
    let spki = key.spki().map_err(wrap)?;
    let authority_key_id = issuer.key_id.filter(|_| issuer.subject != subject);
    let subject_key_id = t.is_ca.then(|| sha1(spki_key_bits(&spki)));
    if let Some(parent_spki) = issuer.spki
        && issuer.key.spki().map_err(wrap)? != parent_spki
    {
        return Err(wrap(
            "x509: provided PrivateKey doesn't match parent's PublicKey".into(),
        ));
    }

    let mut exts = Vec::new();
    // KeyUsage: digitalSignature | keyEncipherment (| keyCertSign for a CA), as a minimal BIT STRING.
    let usage: &[u8] = if t.is_ca {
        &[0x03, 0x02, 0x02, 0xa4]
    } else {
        &[0x03, 0x02, 0x05, 0xa0]
    };
    exts.push(extension(OID_KEY_USAGE, true, usage));
    exts.push(extension(
        OID_EXT_KEY_USAGE,
        false,
        &seq(&[OID_SERVER_AUTH, OID_CLIENT_AUTH]),
    ));
    let basic: &[u8] = if t.is_ca { &[0x01, 0x01, 0xff] } else { &[] };
    exts.push(extension(OID_BASIC_CONSTRAINTS, true, &seq(&[basic])));
    if let Some(id) = &subject_key_id {
        exts.push(extension(OID_SUBJECT_KEY_ID, false, &tlv(0x04, id)));
    }
    if let Some(id) = authority_key_id {
        exts.push(extension(OID_AUTHORITY_KEY_ID, false, &seq(&[&tlv(0x80, id)])));
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names = Vec::new();
        for d in &t.dns {
            if !d.is_ascii() {
                return Err(wrap(format!(
                    "x509: {} cannot be encoded as an IA5String",
                    circleci_gotemplate::fmt::quote(d)
                )));
            }
            names.extend(tlv(0x82, d.as_bytes()));
        }
        for ip in &t.ips {
            names.extend(tlv(0x87, ip));
        }
        // Critical when the subject is empty (RFC 5280 4.2.1.6), as Go marks it.
        exts.push(extension(OID_SAN, t.cn.is_empty(), &tlv(0x30, &names)));
    }

    let serial: [u8; 16] = rand::rng().random();
    let validity = seq(&[
        &asn1_time(t.not_before).map_err(wrap)?,
        &asn1_time(t.not_after).map_err(wrap)?,
    ]);
    let tbs = seq(&[
        &tlv(0xa0, &[0x02, 0x01, 0x02]),
        &uint(&serial),
        &sig_alg,
        &issuer.subject,
        &validity,
        &subject,
        &spki,
        &tlv(0xa3, &tlv(0x30, &exts.concat())),
    ]);
    let mut sig = vec![0u8];
    sig.extend(issuer.key.sign(&tbs).map_err(wrap)?);
    let der = seq(&[&tbs, &sig_alg, &tlv(0x03, &sig)]);
    Ok(certificate(pem_encode("CERTIFICATE", &der), key.pem()?))
}

/// Sprig's `buildCustomCertificate`.
fn build_custom(b64cert: &str, b64key: &str) -> Result<Value, String> {
    let cert = b64_decode(b64cert.as_bytes()).map_err(|_| "unable to decode base64 certificate")?;
    let key = b64_decode(b64key.as_bytes()).map_err(|_| "unable to decode base64 private key")?;
    let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
    parse_certificate(&der).map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    let key = go_string(&key);
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(certificate(go_string(&cert), key))
}

/// Sprig's signed certificate: `ca`'s Cert and Key parsed, then a certificate for `key`.
fn signed(t: &Template, key: &Key, ca: &(String, String)) -> Result<Value, String> {
    let (_, der) = pem_decode(ca.0.as_bytes()).ok_or("unable to decode certificate")?;
    let parent =
        parse_certificate(&der).map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let signer = parse_private_key_pem(&ca.1).map_err(|e| format!("error parsing private key: {e}"))?;
    create(
        t,
        key,
        Some(Issuer {
            subject: parent.subject.to_vec(),
            spki: Some(parent.spki),
            key_id: parent.subject_key_id,
            key: &signer,
        }),
    )
}

/// A `certificate` parameter: Sprig's struct, by its Cert and Key fields.
fn cert_arg(a: &Args, i: usize) -> Result<(String, String), String> {
    match a.any(i) {
        Value::Object(o) if o.type_name() == CERT_TYPE => {
            let field = |n| match o.field(n) {
                Some(Value::String(s)) => s,
                _ => String::new(),
            };
            Ok((field("Cert"), field("Key")))
        }
        other => Err(wrong(CERT_TYPE, other)),
    }
}

/// A key given to a `WithKey` form, with Sprig's prefix on failure.
fn given_key(pem: &str) -> Result<Key, String> {
    parse_private_key_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn ca(cn: &str, days: i64, key: &Key) -> Result<Value, String> {
    let mut t = base_template(cn, None, None, days)?;
    t.is_ca = true;
    create(&t, key, None)
}

pub(crate) fn register(r: &mut Reg) {
    r.add("genPrivateKey", |a| {
        a.exact(1)?;
        Ok(vs(generate_private_key(a.str(0)?)))
    });
    r.add("buildCustomCert", |a| {
        a.exact(2)?;
        build_custom(a.str(0)?, a.str(1)?)
    });
    r.add("genCA", |a| {
        a.exact(2)?;
        let (cn, days) = (a.str(0)?, a.int(1)?);
        ca(cn, days, &generate_rsa(KeySize::Rsa2048)?)
    });
    r.add("genCAWithKey", |a| {
        a.exact(3)?;
        let (cn, days, pem) = (a.str(0)?, a.int(1)?, a.str(2)?);
        ca(cn, days, &given_key(pem)?)
    });
    r.add("genSelfSignedCert", |a| {
        a.exact(4)?;
        let (cn, ips, dns, days) = (a.str(0)?, a.list(1)?, a.list(2)?, a.int(3)?);
        let key = generate_rsa(KeySize::Rsa2048)?;
        create(&base_template(cn, ips, dns, days)?, &key, None)
    });
    r.add("genSelfSignedCertWithKey", |a| {
        a.exact(5)?;
        let (cn, ips, dns, days, pem) = (a.str(0)?, a.list(1)?, a.list(2)?, a.int(3)?, a.str(4)?);
        let key = given_key(pem)?;
        create(&base_template(cn, ips, dns, days)?, &key, None)
    });
    r.add("genSignedCert", |a| {
        a.exact(5)?;
        let (cn, ips, dns, days, parent) = (a.str(0)?, a.list(1)?, a.list(2)?, a.int(3)?, cert_arg(a, 4)?);
        let key = generate_rsa(KeySize::Rsa2048)?;
        signed(&base_template(cn, ips, dns, days)?, &key, &parent)
    });
    r.add("genSignedCertWithKey", |a| {
        a.exact(6)?;
        let (cn, ips, dns, days, parent, pem) =
            (a.str(0)?, a.list(1)?, a.list(2)?, a.int(3)?, cert_arg(a, 4)?, a.str(5)?);
        let key = given_key(pem)?;
        signed(&base_template(cn, ips, dns, days)?, &key, &parent)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_and_integers() {
        assert_eq!(tlv(0x04, &[7; 3]), [0x04, 3, 7, 7, 7]);
        assert_eq!(&tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(uint(&[0, 0, 0x7f]), [0x02, 1, 0x7f]);
        assert_eq!(uint(&[0x80]), [0x02, 2, 0, 0x80]);
        assert_eq!(uint(&[0, 0]), [0x02, 1, 0]);
        let whole = tlv(0x30, &[0; 300]);
        let mut d = Der(&whole);
        assert_eq!(d.next().map(|(t, b, _)| (t, b.len())), Some((0x30, 300)));
        assert!(d.is_empty());
        // Truncated and non-minimal lengths are not DER.
        assert!(Der(&whole[..100]).next().is_none());
        assert!(Der(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).next().is_none());
    }

    #[test]
    fn times_as_go_writes_them() {
        assert_eq!(asn1_time(0).unwrap(), tlv(0x17, b"700101000000Z"));
        // 2049-12-31T23:59:59Z is the last UTCTime; 2050 is a GeneralizedTime.
        assert_eq!(asn1_time(2_524_607_999).unwrap(), tlv(0x17, b"491231235959Z"));
        assert_eq!(asn1_time(2_524_608_000).unwrap(), tlv(0x18, b"20500101000000Z"));
        assert_eq!(asn1_time(-631_152_001).unwrap(), tlv(0x18, b"19491231235959Z"));
    }

    #[test]
    fn names_pick_go_string_types() {
        assert_eq!(name("a b"), seq(&[&tlv(0x31, &seq(&[OID_CN, &tlv(0x13, b"a b")]))]));
        assert_eq!(name("*.x"), seq(&[&tlv(0x31, &seq(&[OID_CN, &tlv(0x0c, b"*.x")]))]));
        assert_eq!(name("a&b")[11], 0x0c);
        assert_eq!(name(""), [0x30, 0]);
    }

    #[test]
    fn pem_round_trip_and_go_decoding() {
        let der: Vec<u8> = (0..=255).collect();
        let text = pem_encode("X", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        assert_eq!(pem_decode(text.as_bytes()), Some(("X".into(), der.clone())));
        // Leading text, a broken block first, then a good one: Go skips to the good one.
        let broken = format!("junk\n-----BEGIN X-----\n!!!\n-----END X-----\n{text}");
        assert_eq!(pem_decode(broken.as_bytes()), Some(("X".into(), der)));
        // A mismatched END type is no block.
        assert_eq!(pem_decode(b"-----BEGIN A-----\nAA==\n-----END B-----\n"), None);
        assert_eq!(pem_decode(b"no pem"), None);
    }

    #[test]
    fn ips_as_x509_bytes() {
        assert_eq!(parse_ip("10.0.0.1"), Some(vec![10, 0, 0, 1]));
        assert_eq!(parse_ip("::ffff:10.0.0.1"), Some(vec![10, 0, 0, 1]));
        assert_eq!(parse_ip("::1").map(|v| v.len()), Some(16));
        assert_eq!(parse_ip("010.0.0.1"), None);
        assert_eq!(parse_ip("1.2.3"), None);
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(oid_string(OID_SHA256_RSA), "1.2.840.113549.1.1.11");
        assert_eq!(oid_string(OID_ED25519), "1.3.101.112");
    }
}
