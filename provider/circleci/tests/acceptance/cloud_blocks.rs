//! Every resource that lives in a cloud takes exactly one cloud block: a configuration without
//! one fails `terraform validate` with one diagnostic naming the blocks, before any API call.

#![cfg(feature = "aws")]

use crate::common::{provider_config, workdir};
use acceptance_tests::for_each_terraform;
use acceptance_tests::moto::Moto;

const PEM: &str = "-----BEGIN CERTIFICATE-----\\nMII\\n-----END CERTIFICATE-----\\n";

#[test]
fn a_resource_without_a_cloud_block_fails_validate_naming_the_blocks() {
    let moto = Moto::start();
    let tls = format!(
        "tls = {{\n    ca_cert_pem = \"{PEM}\"\n    client_cert_pem = \"{PEM}\"\n    client_key_pem = \"{PEM}\"\n  }}"
    );
    let resources = [
        ("circleciserver_object_storage", "name = \"circleci-data\"".to_string()),
        (
            "circleciserver_load_balancer",
            "name = \"nomad\"\n  role = \"nomad\"".to_string(),
        ),
        (
            "circleciserver_nomad_client_group",
            format!("name = \"linux\"\n  nomad_server_address = \"nomad.example.com\"\n  {tls}"),
        ),
        ("circleciserver_vm_service_image", "name = \"linux\"".to_string()),
        (
            "circleciserver_vm_service_access",
            "name = \"vm\"\n  cluster_cidrs = [\"10.0.0.0/16\"]\n  nomad_cidrs = [\"10.1.0.0/16\"]".to_string(),
        ),
    ];
    for_each_terraform(|tf| {
        for (type_name, body) in &resources {
            let mut wd = workdir(tf, &moto);
            wd.write(&format!(
                "{}resource \"{type_name}\" \"this\" {{\n  {body}\n}}\n",
                provider_config(&moto.endpoint)
            ));
            wd.init();
            let run = wd.run(&["validate", "-no-color"]);
            assert!(
                !run.success,
                "{type_name} validated without a cloud block:\n{}",
                run.all()
            );
            let all = run.all();
            assert_eq!(
                all.matches("Error: ").count(),
                1,
                "one diagnostic for {type_name}:\n{all}"
            );
            assert!(
                all.contains(&format!("Missing cloud block in {type_name}")) && all.contains("`aws`"),
                "{all}"
            );
        }
    });
    assert_eq!(moto.request_count(), 0, "validation made no API call");
}
