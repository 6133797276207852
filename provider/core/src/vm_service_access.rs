//! `circleciserver_vm_service_access`: what the VM service needs to start dedicated VMs (their
//! firewall, and least-privilege access to start and stop them), whatever the cloud.

use std::collections::BTreeMap;

use circleci_cty::{Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::validators;
use serde::{Deserialize, Serialize};

use crate::cloud::ResourceKind;

pub struct VmServiceAccess;

/// The neutral attributes, as a cloud half reads and writes them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Spec {
    pub name: String,
    pub cluster_cidrs: Option<Vec<String>>,
    pub nomad_cidrs: Option<Vec<String>>,
    pub allowed_ssh_cidrs: Option<Vec<String>>,
    pub access: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub id: Option<String>,
}

impl ResourceKind for VmServiceAccess {
    fn type_name(&self) -> &'static str {
        "circleciserver_vm_service_access"
    }

    fn noun(&self) -> &'static str {
        "VM service access"
    }

    fn block(&self) -> Block {
        Block::new(
            "What CircleCI Server's VM service needs to start VMs: their firewall (AWS: security group) and \
             least-privilege access to start, stop and tag them.",
        )
        .attribute(
            Attribute::required(
                "name",
                Type::String,
                "Name of the firewall and the identity made for the VM service.",
            )
            .requires_replace(),
        )
        .attribute(
            Attribute::required(
                "cluster_cidrs",
                Type::list(Type::String),
                "The Kubernetes cluster's ranges (SSH and Docker from the VM service).",
            )
            .validate(validators::cidr()),
        )
        .attribute(
            Attribute::required(
                "nomad_cidrs",
                Type::list(Type::String),
                "The Nomad clients' ranges (SSH and Docker from jobs).",
            )
            .validate(validators::cidr()),
        )
        .attribute(
            Attribute::optional(
                "allowed_ssh_cidrs",
                Type::list(Type::String),
                "Who may use SSH reruns (port 54782); nobody when left out.",
            )
            .validate(validators::cidr()),
        )
        .attribute(
            Attribute::optional(
                "access",
                Type::String,
                "How the VM service gets credentials. On AWS: `irsa`, `iam_user` or `none`; on GCP: `workload_identity`, `key` or `none`.",
            )
            .default(Value::from("none")),
        )
        .attribute(Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags of the security group and the IAM identity (AWS only: GCP firewall rules and service accounts carry no labels).",
        ))
        .attribute(
            Attribute::computed(
                "id",
                Type::String,
                "AWS: the security group's id. GCP: the service account, `projects/PROJECT/serviceAccounts/EMAIL`.",
            )
                .use_state_for_unknown(),
        )
    }
}
