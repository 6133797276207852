//! The certificate functions against Go's Sprig: the same template runs in both engines, and
//! Go's crypto/x509 (the oracle's `oracleX509` and `oracleKey`) reads both outputs. Keys,
//! serials and times are random, so what is compared is what x509 parses from them; some
//! fields are also checked against fixed values so that two equal failures cannot pass.

use std::sync::OnceLock;

use circleci_gotemplate::Templates;
use circleci_gotemplate::oracle::{Oracle, Request, json_to_value};
use serde_json::{Value as J, json};

fn go() -> &'static Oracle {
    static GO: OnceLock<Oracle> = OnceLock::new();
    GO.get_or_init(|| Oracle::start().unwrap_or_else(|e| panic!("the Go oracle is required: {e}")))
}

fn request(text: &str, data: &J) -> Request {
    let mut req = Request::single(text, data.clone());
    req.sprig = true;
    req
}

fn ours_with(text: &str, data: &J) -> Result<String, String> {
    let mut t = Templates::new().with_funcs(circleci_sprig::functions());
    t.parse("t", text).map_err(|e| e.to_string())?;
    t.execute("t", &json_to_value(data)).map_err(|e| e.to_string())
}

fn ours(text: &str) -> Result<String, String> {
    ours_with(text, &J::Null)
}

fn go_run(text: &str, data: &J) -> Result<String, String> {
    go().run(&request(text, data))
}

/// Go's reading of a `{"cert", "key", "ca"}` JSON output.
fn inspect(out: &str) -> J {
    let data: J = serde_json::from_str(out).unwrap_or_else(|e| panic!("{out:?}: {e}"));
    let text = r#"{{ oracleX509 .cert .key .ca }}"#;
    let info = go_run(text, &data).unwrap_or_else(|e| panic!("Go cannot read {out}: {e}"));
    serde_json::from_str(&info).unwrap()
}

/// Runs `text` (ending in the JSON of a certificate) in both engines and returns Go's
/// reading of ours, after checking that it equals Go's reading of Go's.
fn same_as_go(text: &str) -> J {
    let mine = ours(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let theirs = go_run(text, &J::Null).unwrap_or_else(|e| panic!("Go: {text}: {e}"));
    let (a, b) = (inspect(&mine), inspect(&theirs));
    assert_eq!(a, b, "{text}\n  ours: {a}\n  go:   {b}");
    a
}

const OUT: &str = r#"{{ dict "cert" $c.Cert "key" $c.Key "ca" $ca.Cert | toJson }}"#;
const SELF: &str = r#"{{ dict "cert" $c.Cert "key" $c.Key "ca" "" | toJson }}"#;

#[test]
fn ca_as_go() {
    let i = same_as_go(&format!(r#"{{{{ $c := genCA "my-ca" 365 }}}}{SELF}"#));
    assert_eq!(i["isCA"], true);
    assert_eq!(i["subjectCN"], "my-ca");
    // digitalSignature | keyEncipherment | keyCertSign
    assert_eq!(i["keyUsage"], 1 | 4 | 32);
    assert_eq!(i["extKeyUsage"], json!([1, 2]));
    assert_eq!(i["subjectKeyId"], 20);
    assert_eq!(i["authorityKeyId"], false);
    assert_eq!(i["validityMinutes"], 365 * 24 * 60);
    assert_eq!(i["signature"], "ok");
    assert_eq!(i["signatureAlg"], "SHA256-RSA");
    assert_eq!(i["key"], "RSA-2048");
    assert_eq!(i["keyPEM"], "RSA PRIVATE KEY");
    assert_eq!(i["keyMatches"], true);
    assert_eq!(i["fresh"], true);
}

#[test]
fn self_signed_as_go() {
    let i = same_as_go(&format!(
        r#"{{{{ $c := genSelfSignedCert "svc" (list "10.0.0.1" "::1" "::ffff:1.2.3.4") (list "a.local" "b.local") 30 }}}}{SELF}"#
    ));
    assert_eq!(i["isCA"], false);
    assert_eq!(i["basicConstraints"], true);
    assert_eq!(i["keyUsage"], 1 | 4);
    assert_eq!(i["ips"], json!(["10.0.0.1/4", "::1/16", "1.2.3.4/4"]));
    assert_eq!(i["dnsNames"], json!(["a.local", "b.local"]));
    assert_eq!(i["subjectKeyId"], 0);
    assert_eq!(i["signature"], "ok");
    assert_eq!(i["validityMinutes"], 30 * 24 * 60);
    // An empty subject makes the SAN critical; nil lists mean no SAN at all.
    let i = same_as_go(&format!(
        r#"{{{{ $c := genSelfSignedCert "" nil (list "x.local") 1 }}}}{SELF}"#
    ));
    assert_eq!(i["extensions"][3], "2.5.29.17/true");
    let i = same_as_go(&format!(
        r#"{{{{ $c := genSelfSignedCert "*.wild & é" nil nil -2 }}}}{SELF}"#
    ));
    assert_eq!(i["extensions"].as_array().map(Vec::len), Some(3));
    assert_eq!(i["validityMinutes"], -2 * 24 * 60);
}

#[test]
fn signed_as_go() {
    let i = same_as_go(&format!(
        r#"{{{{ $ca := genCA "my-ca" 365 }}}}{{{{ $c := genSignedCert "svc" (list "10.0.0.1") (list "svc.local") 365 $ca }}}}{OUT}"#
    ));
    assert_eq!(i["isCA"], false);
    assert_eq!(i["issuerIsParent"], true);
    assert_eq!(i["authorityKeyId"], true);
    assert_eq!(i["subjectCN"], "svc");
    assert_eq!(i["signature"], "ok");
    assert_eq!(i["ips"], json!(["10.0.0.1/4"]));
    // Go leaves out the authority key id when issuer and subject names are equal.
    let i = same_as_go(&format!(
        r#"{{{{ $ca := genCA "same" 1 }}}}{{{{ $c := genSignedCert "same" nil nil 1 $ca }}}}{OUT}"#
    ));
    assert_eq!(i["authorityKeyId"], false);
    assert_eq!(i["signature"], "ok");
}

#[test]
fn with_keys_as_go() {
    for kind in ["rsa", "ecdsa", "ed25519"] {
        let i = same_as_go(&format!(
            r#"{{{{ $k := genPrivateKey "{kind}" }}}}{{{{ $c := genCAWithKey "k" 10 $k }}}}{SELF}"#
        ));
        assert_eq!(i["signature"], "ok", "{kind}");
        assert_eq!(i["isCA"], true, "{kind}");
        let i = same_as_go(&format!(
            r#"{{{{ $k := genPrivateKey "{kind}" }}}}{{{{ $c := genSelfSignedCertWithKey "k" (list "10.1.1.1") nil 10 $k }}}}{SELF}"#
        ));
        assert_eq!(i["keyMatches"], true, "{kind}");
    }
    // A leaf of each kind under a CA of each kind: signature algorithm from the CA's key.
    for ca in ["rsa", "ecdsa", "ed25519"] {
        for leaf in ["ecdsa", "ed25519"] {
            let i = same_as_go(&format!(
                r#"{{{{ $ca := genCAWithKey "ca" 5 (genPrivateKey "{ca}") }}}}{{{{ $c := genSignedCertWithKey "leaf" nil (list "l") 5 $ca (genPrivateKey "{leaf}") }}}}{OUT}"#
            ));
            assert_eq!(i["signature"], "ok", "{ca} {leaf}");
            let alg = match ca {
                "rsa" => "SHA256-RSA",
                "ecdsa" => "ECDSA-SHA256",
                _ => "Ed25519",
            };
            assert_eq!(i["signatureAlg"], alg);
        }
    }
    // The key comes back as given (Sprig re-encodes it in its own PEM type).
    let t = r#"{{ $k := genPrivateKey "ecdsa" }}{{ $c := genCAWithKey "k" 1 $k }}{{ eq $c.Key $k }}"#;
    assert_eq!(ours(t).as_deref(), Ok("true"));
}

#[test]
fn private_keys_as_go() {
    for (kind, pem, key) in [
        ("rsa", "RSA PRIVATE KEY", "RSA-4096"),
        ("", "RSA PRIVATE KEY", "RSA-4096"),
        ("ecdsa", "EC PRIVATE KEY", "ECDSA-P-256"),
        ("ed25519", "PRIVATE KEY", "Ed25519"),
    ] {
        let k = ours(&format!(r#"{{{{ genPrivateKey "{kind}" }}}}"#)).unwrap();
        let info = go_run("{{ oracleKey .k }}", &json!({ "k": k })).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let info: J = serde_json::from_str(&info).unwrap();
        assert_eq!(info, json!({"pemType": pem, "key": key}), "{kind}");
        assert!(k.starts_with(&format!("-----BEGIN {pem}-----\n")) && k.ends_with(&format!("-----END {pem}-----\n")));
    }
    let t = r#"{{ genPrivateKey "foo" }}"#;
    assert_eq!(ours(t), go_run(t, &J::Null));
    assert_eq!(ours(t).as_deref(), Ok("Unknown type foo"));
    // Go makes a DSA key here; aws-lc-rs cannot, so ours says so in place of the key.
    assert!(
        ours(r#"{{ genPrivateKey "dsa" }}"#)
            .unwrap()
            .contains("DSA key generation is not supported")
    );
}

#[test]
fn struct_as_go() {
    for t in [
        r#"{{ $c := genCA "x" 1 }}{{ printf "%T" $c }}"#,
        r#"{{ $c := genCA "x" 1 }}{{ eq (printf "%v" $c) (printf "{%s %s}" $c.Cert $c.Key) }}"#,
        r#"{{ $c := genCA "x" 1 }}{{ $b := buildCustomCert ($c.Cert | b64enc) ($c.Key | b64enc) }}{{ printf "%T" $b }} {{ eq $b.Cert $c.Cert }} {{ eq $b.Key $c.Key }}"#,
        r#"{{ $c := genCA "x" 1 }}{{ $c.Nope }}"#,
    ] {
        assert_eq!(ours(t), go_run(t, &J::Null), "{t}");
    }
    assert_eq!(
        ours(r#"{{ printf "%T" (genCA "x" 1) }}"#).as_deref(),
        Ok("sprig.certificate")
    );
    // A certificate rebuilt from base64 signs as the original.
    let i = same_as_go(&format!(
        r#"{{{{ $o := genCA "b" 1 }}}}{{{{ $ca := buildCustomCert ($o.Cert | b64enc) ($o.Key | b64enc) }}}}{{{{ $c := genSignedCert "s" nil nil 1 $ca }}}}{OUT}"#
    ));
    assert_eq!(i["signature"], "ok");
}

/// Bad input: the same error as Go, word for word.
#[test]
fn errors_as_go() {
    let cases = [
        r#"{{ genSelfSignedCert "x" (list "bad-ip") nil 1 }}"#,
        r#"{{ genSelfSignedCert "x" (list "010.0.0.1") nil 1 }}"#,
        r#"{{ genSelfSignedCert "x" (list 1) nil 1 }}"#,
        r#"{{ genSelfSignedCert "x" nil (list "a" 2) 1 }}"#,
        r#"{{ genSelfSignedCert "x" nil (list "é.local") 1 }}"#,
        r#"{{ genSelfSignedCert "x" .s nil 1 }}"#,
        r#"{{ genSelfSignedCert "x" nil nil }}"#,
        r#"{{ genCA "x" .s }}"#,
        r#"{{ genCA "x" .f }}"#,
        r#"{{ genCAWithKey "x" 1 "junk" }}"#,
        r#"{{ genCAWithKey "x" 1 (genCA "c" 1).Cert }}"#,
        r#"{{ genCAWithKey "x" 1 "-----BEGIN FOO PRIVATE KEY-----\nAAAA\n-----END FOO PRIVATE KEY-----\n" }}"#,
        r#"{{ genCAWithKey "x" 1 "-----BEGIN EC PRIVATE KEY-----\n" }}"#,
        r#"{{ genCAWithKey "x" 1 (genPrivateKey "ecdsa" | replace "EC PRIVATE" "RSA PRIVATE") }}"#,
        r#"{{ genCAWithKey "x" 1 (genPrivateKey "rsa" | replace "RSA PRIVATE" "EC PRIVATE") }}"#,
        r#"{{ genCAWithKey "x" 1 (genPrivateKey "ed25519" | replace "PRIVATE" "EC PRIVATE") }}"#,
        r#"{{ genSignedCert "x" nil nil 1 .m }}"#,
        r#"{{ genSignedCert "x" nil nil 1 .absent }}"#,
        r#"{{ buildCustomCert "!!" "x" }}"#,
        r#"{{ buildCustomCert "eA==" "!!" }}"#,
        r#"{{ buildCustomCert ("nope" | b64enc) ("x" | b64enc) }}"#,
        r#"{{ $c := genCA "x" 1 }}{{ buildCustomCert ($c.Cert | b64enc) ("nope" | b64enc) }}"#,
        r#"{{ $c := genCA "x" 1 }}{{ buildCustomCert ("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n" | b64enc) ($c.Key | b64enc) }}"#,
        r#"{{ $c := genCA "x" 1 }}{{ buildCustomCert (print $c.Cert | b64enc) ($c.Cert | b64enc) }}"#,
        // A CA whose key is not its certificate's: Go refuses to sign with it.
        r#"{{ $a := genCA "a" 1 }}{{ $b := genCA "b" 1 }}{{ $ca := buildCustomCert ($a.Cert | b64enc) ($b.Key | b64enc) }}{{ genSignedCert "s" nil nil 1 $ca }}"#,
    ];
    // Wrong types come from data: for a constant argument Go's engine checks the type itself
    // (circleci-gotemplate does not know the parameter types).
    let data = json!({"m": {"Cert": "", "Key": ""}, "f": 1.0, "s": "1"});
    let mut failures = Vec::new();
    for t in cases {
        let (g, r) = (go_run(t, &data), ours_with(t, &data));
        let same = match (&g, &r) {
            (Err(a), Err(b)) => a == b || (a.split_once(">: ").map(|x| x.1) == b.split_once(">: ").map(|x| x.1)),
            _ => false,
        };
        if !same {
            failures.push(format!("{t}\n  go:   {g:?}\n  ours: {r:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Keys Go's Sprig accepts but cannot sign with or certify (DSA): Go's errors.
#[test]
fn dsa_keys_as_go() {
    let dsa = go_run(r#"{{ genPrivateKey "dsa" }}"#, &J::Null).unwrap();
    assert!(dsa.starts_with("-----BEGIN DSA PRIVATE KEY-----"), "{dsa}");
    let data = json!({ "k": dsa });
    for t in [
        r#"{{ genCAWithKey "x" 1 .k }}"#,
        r#"{{ genSelfSignedCertWithKey "x" nil nil 1 .k }}"#,
        r#"{{ genSignedCertWithKey "x" nil nil 1 (genCA "c" 1) .k }}"#,
        r#"{{ buildCustomCert ((genCA "c" 1).Cert | b64enc) (.k | b64enc) | printf "%T" }}"#,
    ] {
        let (g, r) = (go_run(t, &data), ours_with(t, &data));
        assert_eq!(g, r, "{t}");
    }
}
