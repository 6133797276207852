//! The secrets CircleCI's installation reference says to generate, in the forms CircleCI's own
//! tools produce them:
//! - the signing and encryption keysets as `circleci/server-keysets` prints them: a clj-keyczar
//!   keyset map in EDN (`{:meta {...} :keys {1 {...}}}`), HMAC_SHA1 (256-bit) for signing and
//!   AES (128-bit, CBC, with a 256-bit HMAC key) for encryption, key material in Keyczar's
//!   web-safe base64;
//! - API token, session cookie key and the data stores' passwords as its password script does
//!   (`[A-Za-z0-9_]`, 48, 16, 32 or 20 characters);
//! - the Nomad gossip key as `nomad operator gossip keyring generate` does (32 random bytes,
//!   base64).
//!
//! Randomness comes from the caller, so this crate stays free of crypto libraries and its tests
//! are deterministic.

use base64::Engine;

/// How a generated value is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `len` characters of `[A-Za-z0-9_]`.
    Password(usize),
    /// `n` random bytes, standard base64.
    Base64Bytes(usize),
    /// A Keyczar keyset for signing (`SIGN_AND_VERIFY`, HMAC_SHA1).
    SigningKeyset,
    /// A Keyczar keyset for encryption (`DECRYPT_AND_ENCRYPT`, AES).
    EncryptionKeyset,
}

/// A value the install generates unless given: its attribute, the installer field it fills and
/// how it is made.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    pub attribute: &'static str,
    pub installer_field: &'static str,
    pub form: Form,
    pub description: &'static str,
}

/// The generated values a user may also give (e.g. from an existing install).
pub const GENERATED: &[Generated] = &[
    Generated {
        attribute: "signing_keyset",
        installer_field: "keyset.signing",
        form: Form::SigningKeyset,
        description: "Artifact signing keyset, as `docker run circleci/server-keysets:latest generate signing -a stdout` prints it",
    },
    Generated {
        attribute: "encryption_keyset",
        installer_field: "keyset.encryption",
        form: Form::EncryptionKeyset,
        description: "Encryption keyset, as `docker run circleci/server-keysets:latest generate encryption -a stdout` prints it",
    },
    Generated {
        attribute: "api_token",
        installer_field: "apiToken",
        form: Form::Password(48),
        description: "Token the services use to call the API",
    },
    Generated {
        attribute: "session_cookie_key",
        installer_field: "sessionCookieKey",
        form: Form::Password(16),
        description: "Key of the front end's session cookies: exactly 16 characters",
    },
    Generated {
        attribute: "nomad_gossip_key",
        installer_field: "nomad.server.gossip.encryption.key",
        form: Form::Base64Bytes(32),
        description: "Nomad servers' gossip encryption key: 32 bytes, base64 (`nomad operator gossip keyring generate`)",
    },
];

/// Passwords of the in-cluster data stores and services: always generated, keyed by name.
pub const INTERNAL_PASSWORDS: &[(&str, &str, usize)] = &[
    ("postgres", "postgresql.auth.postgresPassword", 32),
    ("mongodb_root", "mongodb.auth.rootPassword", 32),
    ("mongodb", "mongodb.auth.password", 20),
    ("rabbitmq", "rabbitmq.auth.password", 32),
    ("rabbitmq_erlang_cookie", "rabbitmq.auth.erlangCookie", 32),
    ("pusher", "pusher.secret", 48),
];

const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

/// Makes one value. `random` fills a buffer with cryptographically secure random bytes.
pub fn generate(form: Form, random: &mut dyn FnMut(&mut [u8])) -> String {
    match form {
        Form::Password(len) => password(len, random),
        Form::Base64Bytes(n) => base64::engine::general_purpose::STANDARD.encode(bytes(n, random)),
        Form::SigningKeyset => keyset("signing", "SIGN_AND_VERIFY", "HMAC_SHA1", &hmac_key(random)),
        Form::EncryptionKeyset => {
            let aes = web_safe(&bytes(16, random));
            let key = format!(
                "{{\"aesKeyString\" \"{aes}\", \"hmacKey\" {}, \"mode\" \"CBC\", \"size\" 128}}",
                hmac_key(random)
            );
            keyset("encryption", "DECRYPT_AND_ENCRYPT", "AES", &key)
        }
    }
}

fn bytes(n: usize, random: &mut dyn FnMut(&mut [u8])) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    random(&mut buf);
    buf
}

/// Uniform over the alphabet: bytes at or above the largest multiple of its size are drawn again.
fn password(len: usize, random: &mut dyn FnMut(&mut [u8])) -> String {
    let n = PASSWORD_ALPHABET.len();
    let limit = (256 / n * n) as u8;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in bytes(len, random) {
            if b < limit && out.len() < len {
                out.push(PASSWORD_ALPHABET[b as usize % n] as char);
            }
        }
    }
    out
}

/// Keyczar encodes key material as URL-safe base64 without padding.
fn web_safe(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hmac_key(random: &mut dyn FnMut(&mut [u8])) -> String {
    format!(
        "{{\"hmacKeyString\" \"{}\", \"size\" 256}}",
        web_safe(&bytes(32, random))
    )
}

/// A one-key keyset in the EDN clj-keyczar's `keyset/create` + `keyset/addkey` print.
fn keyset(name: &str, purpose: &str, key_type: &str, key: &str) -> String {
    format!(
        "{{:meta {{\"name\" \"{name}\", \"purpose\" \"{purpose}\", \"type\" \"{key_type}\", \
         \"versions\" [{{\"exportable\" false, \"status\" \"PRIMARY\", \"versionNumber\" 1}}], \
         \"encrypted\" false}}, :keys {{1 {key}}}}}"
    )
}

/// Whether `text` looks like a keyset `circleci/server-keysets` prints (for input checks).
pub fn looks_like_keyset(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('{') && text.contains(":meta") && text.contains(":keys") && text.ends_with('}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut(&mut [u8]) {
        let mut next = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                *b = next;
                next = next.wrapping_add(1);
            }
        }
    }

    #[test]
    fn passwords_have_the_length_and_alphabet_of_circlecis_script() {
        let mut random = counter();
        for (_, _, len) in INTERNAL_PASSWORDS {
            let p = generate(Form::Password(*len), &mut random);
            assert_eq!(p.len(), *len);
            assert!(p.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)), "{p}");
        }
    }

    #[test]
    fn keysets_have_the_shape_server_keysets_prints() {
        let mut random = counter();
        let signing = generate(Form::SigningKeyset, &mut random);
        assert!(looks_like_keyset(&signing));
        assert!(signing.contains("\"purpose\" \"SIGN_AND_VERIFY\""), "{signing}");
        assert!(signing.contains(":keys {1 {\"hmacKeyString\" \""), "{signing}");
        let encryption = generate(Form::EncryptionKeyset, &mut random);
        assert!(encryption.contains("\"type\" \"AES\""), "{encryption}");
        assert!(encryption.contains("\"mode\" \"CBC\", \"size\" 128"), "{encryption}");
        // Key material: web-safe base64 of 16 (AES) and 32 (HMAC) bytes, no padding.
        let aes = encryption.split("\"aesKeyString\" \"").nth(1).unwrap();
        let aes = &aes[..aes.find('"').unwrap()];
        assert_eq!(aes.len(), 22);
        assert!(!aes.contains(['+', '/', '=']));
        assert_ne!(signing, generate(Form::SigningKeyset, &mut random));
        assert!(!looks_like_keyset("c2VjcmV0"));
    }

    #[test]
    fn gossip_key_is_32_bytes() {
        let key = generate(Form::Base64Bytes(32), &mut counter());
        let decoded = base64::engine::general_purpose::STANDARD.decode(key).unwrap();
        assert_eq!(decoded.len(), 32);
    }
}
