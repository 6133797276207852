//! Acceptance tests of `data "circleciserver_nomad_client_config"`: the rendered start-up script is
//! valid bash, passes shellcheck, and carries the mTLS material from `circleciserver_nomad_tls`.

use std::path::Path;

use acceptance_tests::{Workdir, for_each_terraform, provider_block};

fn provider() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleciserver"))
}

fn config(inputs: &str) -> String {
    format!(
        "{}resource \"circleciserver_nomad_tls\" \"this\" {{}}\n\
         data \"circleciserver_nomad_client_config\" \"this\" {{\n{inputs}\n}}\n\
         output \"script\" {{\n  value     = data.circleciserver_nomad_client_config.this.startup_script\n  sensitive = true\n}}\n\
         output \"hcl\" {{ value = data.circleciserver_nomad_client_config.this.client_hcl }}\n",
        provider_block("")
    )
}

const TLS: &str = "  tls = {\n    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem\n    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem\n    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem\n  }";

#[test]
fn renders_a_valid_script_with_the_tls_material() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        wd.step(&config(&format!(
            "  nomad_server_address = \"nomad.circleci.internal\"\n  blocked_cidrs = [\"10.0.0.0/8\"]\n{TLS}"
        )));
        let script = wd.output("script");
        let tls = wd.resource("circleciserver_nomad_tls.this");
        assert!(
            script.contains(tls["client_key_pem"].as_str().unwrap().trim_end()),
            "client key written to the VM"
        );
        assert!(script.contains("retry_join = [\"nomad.circleci.internal:4647\"]"));
        let hcl = wd.output("hcl");
        assert!(hcl.contains("verify_server_hostname = true") && hcl.contains("rpc  = true"));

        acceptance_tests::assert_valid_shell(&script);
    });
}

#[test]
fn bad_inputs_name_the_attribute() {
    for_each_terraform(|tf| {
        let mut wd = Workdir::new(tf, provider());
        let cases = [
            (format!("  nomad_server_address = \"bad host\"\n{TLS}"), r"(?s)Invalid nomad_server_address.*not host or host:port"),
            (format!("  nomad_server_address = \"n.example.com\"\n  nomad_version = \"latest\"\n{TLS}"), r"(?s)Invalid nomad_version"),
            (format!("  nomad_server_address = \"n.example.com\"\n  blocked_cidrs = [\"10.0.0.0/8\", \"nope\"]\n{TLS}"), r"(?s)Invalid CIDR block in blocked_cidrs\[1\]"),
            ("  nomad_server_address = \"n.example.com\"\n  tls = { ca_cert_pem = \"x\", client_cert_pem = \"y\", client_key_pem = \"z\" }".to_string(), r"(?s)Missing PEM in tls.ca_cert_pem"),
        ];
        for (body, pattern) in cases {
            wd.step_expect_error(&config(&body), pattern);
        }
    });
}
