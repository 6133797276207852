//! Typed inputs shared by the test binaries: the ones that make the values reference's AWS
//! and GCP example documents.

use std::collections::BTreeMap;

use circleci_server::values::{
    AwsAccess, ChartVersion, DataStorePasswords, GcpAccess, MachineProvisioner, NomadMtls, ObjectStorage, ServerValues,
};

/// The domain of the reference's examples.
pub const DOMAIN: &str = "circleci.example.com";

/// The inputs of the reference's AWS example.
pub fn aws_inputs() -> ServerValues {
    ServerValues {
        version: ChartVersion::parse("4.10.0").unwrap(),
        domain_name: DOMAIN.into(),
        license: "license-text".into(),
        registry: "cciserver.azurecr.io".into(),
        registry_org: None,
        image_pull_secrets: None,
        api_token: None,
        session_cookie_key: "cookie-key-16chr".into(),
        signing_keyset: "signing-keyset".into(),
        encryption_keyset: "encryption-keyset".into(),
        gossip_key: "0123456789abcdef0123456789abcdef".into(),
        nomad_mtls: Some(NomadMtls {
            ca_certificate: "Y2EtcGVt".into(),
            certificate: "Y2VydC1wZW0=".into(),
            private_key: "a2V5LXBlbQ==".into(),
        }),
        object_storage: ObjectStorage::S3 {
            bucket: "circleci-data".into(),
            endpoint: "https://s3.us-east-1.amazonaws.com".into(),
            region: "us-east-1".into(),
            access: AwsAccess::Irsa {
                role_arn: "arn:aws:iam::123456789012:role/circleci-storage".into(),
            },
        },
        github_client_id: "github-client-id".into(),
        github_client_secret: "github-client-secret".into(),
        github_enterprise: None,
        machine_provisioner: MachineProvisioner::Ec2 {
            region: "us-east-1".into(),
            subnets: vec!["subnet-0abc".into()],
            security_group_id: "sg-0abc".into(),
            access: AwsAccess::Irsa {
                role_arn: "arn:aws:iam::123456789012:role/circleci-vm".into(),
            },
            tags: BTreeMap::from([("name1".into(), "value1".into()), ("name2".into(), "value2".into())]),
        },
        passwords: DataStorePasswords {
            mongodb_root: "mongo-root".into(),
            mongodb: "mongo-user".into(),
            postgres: "postgres-pw".into(),
            rabbitmq: "rabbit-pw".into(),
            rabbitmq_erlang_cookie: "rabbit-cookie".into(),
            pusher_secret: "pusher-secret".into(),
        },
        private_load_balancers: false,
        load_balancer_source_ranges: vec![],
    }
}

/// The inputs of the reference's GCP example: the AWS ones with GCS and GCE.
pub fn gcp_inputs() -> ServerValues {
    ServerValues {
        object_storage: ObjectStorage::Gcs {
            bucket: "circleci-data".into(),
            access: GcpAccess::WorkloadIdentity {
                email: "storage@my-project.iam.gserviceaccount.com".into(),
            },
        },
        machine_provisioner: MachineProvisioner::Gcp {
            project_id: "my-project".into(),
            zones: vec!["us-central1-a".into(), "us-central1-b".into()],
            network: "circleci".into(),
            subnetwork: String::new(),
            network_tags: vec!["circleci-vm".into()],
            access: GcpAccess::WorkloadIdentity {
                email: "vm@my-project.iam.gserviceaccount.com".into(),
            },
        },
        ..aws_inputs()
    }
}
