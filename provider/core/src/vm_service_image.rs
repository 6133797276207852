//! `circleciserver_vm_service_image`: a machine image for the VM service, in the user's own account
//! or project, whatever the cloud.

use std::collections::BTreeMap;

use circleci_cty::{Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Operation, timeouts_block, validators};
use serde::{Deserialize, Serialize};

use crate::cloud::ResourceKind;

pub struct VmServiceImage;

/// The neutral attributes, as a cloud half reads and writes them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Spec {
    pub name: String,
    pub kind: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub timeouts: Option<serde_json::Value>,
    pub id: Option<String>,
    pub image_id: Option<String>,
}

impl ResourceKind for VmServiceImage {
    fn type_name(&self) -> &'static str {
        "circleciserver_vm_service_image"
    }

    fn noun(&self) -> &'static str {
        "image"
    }

    fn block(&self) -> Block {
        Block::new(
            "A machine image for CircleCI Server's VM service, made in this account (AWS: copied into the provider's \
             region). Installer fields: *AWS Linux AMI ID* / *AWS Windows AMI ID* take `image_id`.",
        )
        .attribute(
            Attribute::required("name", Type::String, "Name of the image.")
                .requires_replace()
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::optional("kind", Type::String, "`linux` or `windows`.")
                .default(Value::from("linux"))
                .validate(validators::one_of(&["linux", "windows"]))
                .requires_replace(),
        )
        .attribute(Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags (labels on GCP) of the image.",
        ))
        .block(timeouts_block(&[Operation::Create, Operation::Delete]))
        .attribute(Attribute::computed("id", Type::String, "The image id.").use_state_for_unknown())
        .attribute(
            Attribute::computed("image_id", Type::String, "The image id, for the installer.").use_state_for_unknown(),
        )
    }
}
