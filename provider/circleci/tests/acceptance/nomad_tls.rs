//! Acceptance tests of `circleciserver_nomad_tls`: Terraform drives the provider binary.

use std::path::Path;
use std::sync::Arc;

use acceptance_tests::{Workdir, for_each_terraform, provider_block};
use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

fn provider() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleciserver"))
}

fn config(body: &str) -> String {
    format!(
        "{}resource \"circleciserver_nomad_tls\" \"this\" {{\n{body}\n}}\n",
        provider_block("")
    )
}

fn text(v: &serde_json::Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_string()
}

/// Proves the material works as Nomad uses it: a server holding the server certificate and a
/// client holding the client certificate complete a mutual-TLS handshake, each trusting only
/// the CA, with the client checking the name `server_name`.
fn mutual_tls_handshake(state: &serde_json::Value, server_name: &str) -> Result<(), String> {
    let ca = CertificateDer::from_pem_slice(text(state, "ca_cert_pem").as_bytes()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).unwrap();
    let roots = Arc::new(roots);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = |pem: &str| vec![CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()];
    let key = |pem: &str| PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap();

    let client_verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .unwrap();
    let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(
            chain(&text(state, "server_cert_pem")),
            key(&text(state, "server_key_pem")),
        )
        .unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            chain(&text(state, "client_cert_pem")),
            key(&text(state, "client_key_pem")),
        )
        .unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let name = ServerName::try_from(server_name.to_string()).unwrap();
    runtime.block_on(async move {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
        let server = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut stream = acceptor.accept(server_io).await.map_err(|e| e.to_string())?;
            let mut buf = [0u8; 4];
            stream.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(buf)
        });
        use tokio::io::AsyncWriteExt;
        let mut client = connector.connect(name, client_io).await.map_err(|e| e.to_string())?;
        client.write_all(b"ping").await.map_err(|e| e.to_string())?;
        client.flush().await.map_err(|e| e.to_string())?;
        let got = server.await.map_err(|e| e.to_string())??;
        if &got == b"ping" {
            Ok(())
        } else {
            Err("data garbled".into())
        }
    })
}

#[test]
fn create_plan_update_replace_destroy() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        wd.step(&config(
            "extra_server_sans = [\"nomad.internal.example.com\", \"10.0.0.5\"]",
        ));
        let state = wd.resource("circleciserver_nomad_tls.this");
        let id = text(&state, "id");
        assert_eq!(id.len(), 64, "id is a SHA-256 fingerprint");
        assert_eq!(state["key_algorithm"], "ECDSA_P256");
        assert_eq!(state["validity_hours"], 87600);
        assert_eq!(state["ca_validity_hours"], 175200);

        // The base64 fields are the PEMs, encoded as the installer takes them.
        for (b64, pem) in [
            ("nomad_tls_ca_base64", "ca_cert_pem"),
            ("nomad_server_cert_base64", "server_cert_pem"),
            ("nomad_server_key_base64", "server_key_pem"),
            ("nomad_client_cert_base64", "client_cert_pem"),
            ("nomad_client_key_base64", "client_key_pem"),
        ] {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(text(&state, b64))
                .unwrap();
            assert_eq!(String::from_utf8(decoded).unwrap(), text(&state, pem), "{b64}");
        }
        assert!(text(&state, "server_key_pem").contains("BEGIN PRIVATE KEY"));

        // Real mTLS with every server name the certificate must carry; a stranger name fails.
        for name in [
            "server.global.nomad",
            "localhost",
            "nomad-server",
            "nomad.internal.example.com",
            "10.0.0.5",
        ] {
            mutual_tls_handshake(&state, name).unwrap_or_else(|e| panic!("mTLS as {name} failed: {e}"));
        }
        assert!(mutual_tls_handshake(&state, "evil.example.com").is_err());

        // Sensitive values never reach the plan output.
        let plan = wd.run(&["plan", "-no-color"]);
        assert!(!plan.all().contains("PRIVATE KEY"));

        // In-place update: renewal window only; nothing is reissued.
        wd.step(&config(
            "extra_server_sans = [\"nomad.internal.example.com\", \"10.0.0.5\"]\nready_for_renewal_hours = 48",
        ));
        let same = wd.resource("circleciserver_nomad_tls.this");
        assert_eq!(text(&same, "id"), id, "an in-place update keeps the CA");
        assert_eq!(text(&same, "server_cert_pem"), text(&state, "server_cert_pem"));

        // A new server name reissues the server and client certificates under the same CA: a
        // client that still holds the old client certificate keeps talking to the new server.
        let sans = "extra_server_sans = [\"nomad.internal.example.com\", \"10.0.0.5\", \"nomad.example.org\"]\nready_for_renewal_hours = 48";
        wd.write(&config(sans));
        let plan = wd.plan();
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            "{}",
            plan.stdout
        );
        assert!(!plan.stdout.contains("forces replacement"), "{}", plan.stdout);
        assert!(
            plan.stdout.contains("server_cert_pem"),
            "public certificates show in the plan:\n{}",
            plan.stdout
        );
        wd.step(&config(sans));
        let reissued = wd.resource("circleciserver_nomad_tls.this");
        assert_eq!(text(&reissued, "id"), id, "same CA");
        assert_eq!(text(&reissued, "ca_cert_pem"), text(&state, "ca_cert_pem"));
        assert_ne!(text(&reissued, "server_cert_pem"), text(&state, "server_cert_pem"));
        assert_ne!(text(&reissued, "client_cert_pem"), text(&state, "client_cert_pem"));
        mutual_tls_handshake(&reissued, "nomad.example.org").expect("the new name is in the new certificate");
        let mut old_client = reissued.clone();
        old_client["client_cert_pem"] = state["client_cert_pem"].clone();
        old_client["client_key_pem"] = state["client_key_pem"].clone();
        mutual_tls_handshake(&old_client, "server.global.nomad")
            .expect("clients with the old certificate still connect");

        // Certificates are public, keys are sensitive.
        let sensitive = wd.sensitive_attributes("circleciserver_nomad_tls");
        for key in [
            "ca_key_pem",
            "server_key_pem",
            "client_key_pem",
            "nomad_server_key_base64",
            "nomad_client_key_base64",
        ] {
            assert!(
                sensitive.contains(&key.to_string()),
                "{key} is sensitive: {sensitive:?}"
            );
        }
        for cert in [
            "ca_cert_pem",
            "server_cert_pem",
            "client_cert_pem",
            "nomad_tls_ca_base64",
            "nomad_server_cert_base64",
        ] {
            assert!(
                !sensitive.contains(&cert.to_string()),
                "{cert} is public: {sensitive:?}"
            );
        }

        // Any generating input replaces.
        wd.write(&config("key_algorithm = \"RSA_4096\"\nready_for_renewal_hours = 48"));
        let plan = wd.plan();
        assert!(plan.stdout.contains("forces replacement"), "{}", plan.stdout);
        wd.step(&config("key_algorithm = \"RSA_4096\"\nready_for_renewal_hours = 48"));
        let rsa = wd.resource("circleciserver_nomad_tls.this");
        assert_ne!(text(&rsa, "id"), id);
        mutual_tls_handshake(&rsa, "server.global.nomad").expect("RSA material works too");

        wd.destroy();
        assert!(wd.state_is_empty());
    });
}

#[test]
fn renewal_reissues_under_the_same_ca_and_replaces_an_expiring_ca() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        // Certificates valid for 10 hours, renewed when fewer than 20 remain: due at once.
        wd.write(&config("validity_hours = 10\nready_for_renewal_hours = 20"));
        wd.init();
        wd.must(&["apply", "-auto-approve", "-no-color"]);
        let first = wd.resource("circleciserver_nomad_tls.this");
        let plan = wd.plan();
        assert_eq!(plan.code, 2, "expected a reissue plan:\n{}", plan.all());
        assert!(plan.all().contains("due for renewal"), "{}", plan.all());
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            "{}",
            plan.stdout
        );
        wd.step(&config("validity_hours = 1000"));
        let renewed = wd.resource("circleciserver_nomad_tls.this");
        assert_eq!(text(&renewed, "id"), text(&first, "id"), "the CA stays");
        assert_ne!(text(&renewed, "server_cert_pem"), text(&first, "server_cert_pem"));
        mutual_tls_handshake(&renewed, "server.global.nomad").expect("renewed material works");
        wd.assert_plan_empty();

        // A CA near its own expiry replaces everything.
        wd.write(&config(
            "ca_validity_hours = 10\nvalidity_hours = 5\nready_for_renewal_hours = 20",
        ));
        wd.must(&["apply", "-auto-approve", "-no-color"]);
        let plan = wd.plan();
        assert!(plan.all().contains("The Nomad CA is due for renewal"), "{}", plan.all());
        assert!(
            plan.stdout.contains("1 to add, 0 to change, 1 to destroy"),
            "{}",
            plan.stdout
        );
    });
}

#[test]
fn unknown_inputs_plan_as_unknown() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        // The second resource's SANs are unknown until the first exists.
        let cfg = format!(
            "{}resource \"circleciserver_nomad_tls\" \"a\" {{}}\n\
             resource \"circleciserver_nomad_tls\" \"b\" {{\n  extra_server_sans = [\"n${{substr(circleciserver_nomad_tls.a.id, 0, 8)}}.example.com\"]\n}}\n",
            provider_block("")
        );
        wd.write(&cfg);
        wd.init();
        let plan = wd.plan();
        assert_eq!(plan.code, 2);
        assert!(plan.stdout.contains("2 to add"), "{}", plan.stdout);
        wd.step(&cfg);
        let b = wd.resource("circleciserver_nomad_tls.b");
        let a = wd.resource("circleciserver_nomad_tls.a");
        let san = format!("n{}.example.com", &text(&a, "id")[..8]);
        assert_eq!(b["extra_server_sans"][0], san.as_str());
        mutual_tls_handshake(&b, &san).expect("unknown-at-plan SAN ends up in the certificate");
    });
}

#[test]
fn bad_input_names_the_attribute() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        let cases = [
            (
                "key_algorithm = \"DSA\"",
                r#"(?s)key_algorithm.*must be one of `ECDSA_P256`, `RSA_4096`,\s+`RSA_2048`"#,
            ),
            (
                "validity_hours = \"ten\"",
                r#"(?s)Incorrect attribute value type.*validity_hours"#,
            ),
            (
                "no_such_attribute = 1",
                r#"(?s)Unsupported argument.*no_such_attribute"#,
            ),
            (
                "id = \"abc\"",
                r#"(?s)Read-only attribute id.*cannot be set in configuration"#,
            ),
            (
                "validity_hours = 0",
                r#"(?s)validity_hours is 0; it must be a whole number from 1"#,
            ),
            (
                "extra_server_sans = [\"bad_name!\"]",
                r#"(?s)extra_server_sans\[0\].*neither a DNS name nor an IP address"#,
            ),
        ];
        for (body, pattern) in cases {
            wd.step_expect_error(&config(body), pattern);
        }
        assert!(wd.state_is_empty(), "nothing was created by invalid configurations");
    });
}

/// Runs `openssl` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (the tests make PEMs with it)");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 100 years, as server-terraform's hashicorp/tls module makes them (876600 hours).
const SERVER_TERRAFORM_DAYS: &str = "36525";

/// Writes into `dir` what server-terraform's hashicorp/tls module makes: RSA 2048 keys in
/// PKCS#1, a CA whose subject has a multi-valued street address, and server and client
/// certificates naming `server.global.nomad`/`client.global.nomad`, `localhost` and 127.0.0.1,
/// all valid for 100 years. Returns the files as ca.pem, ca-key.pem, server.pem, server-key.pem,
/// client.pem and client-key.pem.
fn server_terraform_pems(dir: &Path) {
    std::fs::write(
        dir.join("ca.cnf"),
        "[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n[dn]\n[ext]\n\
         basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n",
    )
    .unwrap();
    openssl(dir, &["genrsa", "-traditional", "-out", "ca-key.pem", "2048"]);
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca-key.pem",
            "-days",
            SERVER_TERRAFORM_DAYS,
            "-config",
            "ca.cnf",
            "-multivalue-rdn",
            "-subj",
            "/CN=Nomad CircleCI CA/O=CircleCI/OU=Server/street=201 Spear St+street=#1200/L=San Francisco/ST=CA/C=US/postalCode=94105",
            "-out",
            "ca.pem",
        ],
    );
    for (role, name) in [("server", "server.global.nomad"), ("client", "client.global.nomad")] {
        std::fs::write(
            dir.join(format!("{role}.cnf")),
            format!(
                "[ext]\nkeyUsage = critical,digitalSignature,keyEncipherment,keyAgreement\n\
                 extendedKeyUsage = serverAuth,clientAuth\nsubjectAltName = DNS:{name},DNS:localhost,IP:127.0.0.1\n"
            ),
        )
        .unwrap();
        let key = format!("{role}-key.pem");
        let csr = format!("{role}.csr");
        let cert = format!("{role}.pem");
        let cnf = format!("{role}.cnf");
        openssl(dir, &["genrsa", "-traditional", "-out", &key, "2048"]);
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                &key,
                "-subj",
                "/CN=nomad.example.com:4647/O=nomad:client",
                "-out",
                &csr,
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-set_serial",
                "2",
                "-days",
                SERVER_TERRAFORM_DAYS,
                "-extfile",
                &cnf,
                "-extensions",
                "ext",
                "-out",
                &cert,
            ],
        );
    }
}

/// The configuration that states what server-terraform's material is, so importing it plans no
/// change.
const SERVER_TERRAFORM_INPUTS: &str = "key_algorithm = \"RSA_2048\"\nvalidity_hours = 876600\nca_validity_hours = 876600\nextra_server_sans = [\"127.0.0.1\"]";

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn import_of_server_terraform_pems_plans_no_change() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        let pems = tempfile::tempdir().unwrap();
        server_terraform_pems(pems.path());
        wd.write(&config(SERVER_TERRAFORM_INPUTS));
        wd.init();
        let run = wd.import("circleciserver_nomad_tls.this", pems.path().to_str().unwrap());
        assert!(run.success, "{}", run.all());
        assert!(
            !run.all().contains("PRIVATE KEY"),
            "keys stay out of the output:\n{}",
            run.all()
        );
        wd.assert_plan_empty();

        let state = wd.resource("circleciserver_nomad_tls.this");
        for (attr, file) in [
            ("ca_cert_pem", "ca.pem"),
            ("ca_key_pem", "ca-key.pem"),
            ("server_cert_pem", "server.pem"),
            ("server_key_pem", "server-key.pem"),
            ("client_cert_pem", "client.pem"),
            ("client_key_pem", "client-key.pem"),
        ] {
            assert_eq!(text(&state, attr), read(pems.path(), file), "{attr} is {file} verbatim");
        }
        let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(text(&state, "nomad_tls_ca_base64"), b64(read(pems.path(), "ca.pem")));
        assert_eq!(
            text(&state, "nomad_server_key_base64"),
            b64(read(pems.path(), "server-key.pem"))
        );
        assert_eq!(state["key_algorithm"], "RSA_2048");
        assert_eq!(state["validity_hours"], 876600);
        assert_eq!(state["extra_server_sans"], serde_json::json!(["127.0.0.1"]));
        mutual_tls_handshake(&state, "server.global.nomad").expect("the imported material works");
    });
}

#[test]
fn import_then_a_new_server_name_reissues_under_the_imported_ca() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        let pems = tempfile::tempdir().unwrap();
        server_terraform_pems(pems.path());
        wd.write(&config(SERVER_TERRAFORM_INPUTS));
        wd.init();
        // The list form of the ID, as a user whose files have other names writes it.
        let p = |name: &str| pems.path().join(name).display().to_string();
        let id = format!(
            "ca={},ca_key={},server={},server_key={},client={},client_key={}",
            p("ca.pem"),
            p("ca-key.pem"),
            p("server.pem"),
            p("server-key.pem"),
            p("client.pem"),
            p("client-key.pem")
        );
        let run = wd.import("circleciserver_nomad_tls.this", &id);
        assert!(run.success, "{}", run.all());
        let imported = wd.resource("circleciserver_nomad_tls.this");

        let sans = SERVER_TERRAFORM_INPUTS.replace("[\"127.0.0.1\"]", "[\"127.0.0.1\", \"nomad.example.org\"]");
        wd.write(&config(&sans));
        let plan = wd.plan();
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            "{}",
            plan.stdout
        );
        wd.step(&config(&sans));
        let reissued = wd.resource("circleciserver_nomad_tls.this");
        assert_eq!(
            text(&reissued, "ca_cert_pem"),
            read(pems.path(), "ca.pem"),
            "the CA stays"
        );
        assert_eq!(text(&reissued, "id"), text(&imported, "id"));
        assert_ne!(text(&reissued, "server_cert_pem"), read(pems.path(), "server.pem"));
        mutual_tls_handshake(&reissued, "nomad.example.org").expect("the new certificate chains to the imported CA");
        let mut old_client = reissued.clone();
        old_client["client_cert_pem"] = imported["client_cert_pem"].clone();
        old_client["client_key_pem"] = imported["client_key_pem"].clone();
        mutual_tls_handshake(&old_client, "server.global.nomad")
            .expect("clients with the imported certificate still connect");
    });
}

#[test]
fn import_with_a_key_not_matching_its_certificate_names_both_files() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        let pems = tempfile::tempdir().unwrap();
        server_terraform_pems(pems.path());
        std::fs::copy(pems.path().join("client-key.pem"), pems.path().join("server-key.pem")).unwrap();
        wd.write(&config(SERVER_TERRAFORM_INPUTS));
        wd.init();
        let run = wd.import("circleciserver_nomad_tls.this", pems.path().to_str().unwrap());
        assert!(!run.success);
        let key = pems.path().join("server-key.pem").display().to_string();
        let cert = pems.path().join("server.pem").display().to_string();
        assert!(
            run.all().contains(&format!("{key} does not match {cert}")),
            "{}",
            run.all()
        );
        assert!(
            !run.all().contains("PRIVATE KEY"),
            "keys stay out of the output:\n{}",
            run.all()
        );
        assert!(wd.state_is_empty());
    });
}

#[test]
fn import_with_a_missing_file_names_it() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        let pems = tempfile::tempdir().unwrap();
        server_terraform_pems(pems.path());
        std::fs::remove_file(pems.path().join("ca-key.pem")).unwrap();
        wd.write(&config(SERVER_TERRAFORM_INPUTS));
        wd.init();
        let run = wd.import("circleciserver_nomad_tls.this", pems.path().to_str().unwrap());
        assert!(!run.success);
        let missing = pems.path().join("ca-key.pem").display().to_string();
        assert!(run.all().contains(&format!("{missing} is missing")), "{}", run.all());
        assert!(run.all().contains("the CA private key"), "{}", run.all());
        assert!(wd.state_is_empty());
    });
}
