//! `circleciserver_nomad_client_group`: the Nomad clients that run CircleCI jobs, whatever the cloud:
//! the client settings rendered into a start-up script, and the group's size.

use std::collections::BTreeMap;

use circleci_cty::{AttributePath, Type, Value};
use circleci_nomad::Cloud;
use circleci_nomad::client::{client_attributes, settings_from, validate_client, write_settings};
use circleci_nomad::startup::ClientSettings;
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Diagnostic, Diagnostics, Operation, Plan, timeouts_block, validators};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cloud::{CloudModel, ResourceKind};

pub struct NomadClientGroup;

/// The client's part of `circleciserver_nomad_tls`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Tls {
    pub ca_cert_pem: Option<String>,
    pub client_cert_pem: Option<String>,
    pub client_key_pem: Option<String>,
}

/// The neutral attributes, as a cloud half reads and writes them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Spec {
    pub name: String,
    pub nomad_server_address: Option<String>,
    pub tls: Option<Tls>,
    pub nomad_version: Option<String>,
    pub docker_network_cidr: Option<String>,
    pub blocked_cidrs: Option<Vec<String>>,
    pub node_class: Option<String>,
    pub min_size: Option<i64>,
    pub max_size: Option<i64>,
    pub desired_size: Option<i64>,
    pub tags: Option<BTreeMap<String, String>>,
    pub timeouts: Option<serde_json::Value>,
    pub id: Option<String>,
    pub startup_script: Option<String>,
}

/// Neutral attributes whose change needs new VMs (a new template and a rolling update).
pub const TEMPLATE_INPUTS: [&str; 7] = [
    "nomad_server_address",
    "tls",
    "nomad_version",
    "docker_network_cidr",
    "blocked_cidrs",
    "node_class",
    "startup_script",
];

impl ResourceKind for NomadClientGroup {
    fn type_name(&self) -> &'static str {
        "circleciserver_nomad_client_group"
    }

    fn noun(&self) -> &'static str {
        "Nomad client group"
    }

    fn block(&self) -> Block {
        client_attributes(Block::new(
            "Nomad clients that run CircleCI jobs: VMs in an autoscaling group that join the control plane on 4647 \
             over mTLS.",
        ))
        .attribute(
            Attribute::required("name", Type::String, "Name of the group and of what is made for it.")
                .requires_replace(),
        )
        .attribute(
            Attribute::optional("min_size", Type::Number, "Fewest clients.")
                .default(Value::int(1))
                .validate(validators::int_between(0, 1000)),
        )
        .attribute(
            Attribute::optional("max_size", Type::Number, "Most clients.")
                .default(Value::int(4))
                .validate(validators::int_between(0, 1000)),
        )
        .attribute(
            Attribute::optional_computed(
                "desired_size",
                Type::Number,
                "Clients to run now; defaults to min_size. Leave it unset when nomad-autoscaler manages the group.",
            )
            .validate(validators::int_between(0, 1000)),
        )
        .attribute(Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags (labels on GCP) of the group, its VMs and volumes.",
        ))
        .block(timeouts_block(&[
            Operation::Create,
            Operation::Update,
            Operation::Delete,
        ]))
        .attribute(Attribute::computed("id", Type::String, "The group's id in its cloud.").use_state_for_unknown())
        .attribute(
            Attribute::computed(
                "startup_script",
                Type::String,
                "The rendered start-up script (user data).",
            )
            .sensitive(),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        validate_client(config, diags);
        let number = |name: &str| config.attr(name).as_i64();
        if let (Some(min), Some(max)) = (number("min_size"), number("max_size"))
            && min > max
        {
            diags.attribute_error(
                &root.attr("min_size"),
                "min_size is larger than max_size",
                format!("min_size ({min}) must be at most max_size ({max})."),
            );
        }
        if let (Some(desired), Some(max)) = (number("desired_size"), number("max_size"))
            && desired > max
        {
            diags.attribute_error(
                &root.attr("desired_size"),
                "desired_size is larger than max_size",
                format!("desired_size ({desired}) must be at most max_size ({max})."),
            );
        }
    }

    fn modify_plan(&self, cloud: Cloud, plan: &mut Plan<'_>) {
        let planned = &mut plan.planned;
        // The script is part of the plan, so a change of any input shows as a change.
        let script = settings_from(planned, cloud)
            .map(|s| Value::from(s.script()))
            .unwrap_or(Value::Unknown);
        planned.set_attr("startup_script", script);
        if plan.prior.is_null()
            && planned.attr("desired_size").is_unknown()
            && planned.attr("min_size").as_i64().is_some()
        {
            let min = planned.attr("min_size").clone();
            planned.set_attr("desired_size", min);
        }
    }
}

/// True when any neutral template input differs between two values of the resource.
pub fn template_inputs_changed(prior: &Value, planned: &Value) -> bool {
    TEMPLATE_INPUTS.iter().any(|n| prior.attr(n) != planned.attr(n))
}

/// Reads a group's start-up script (user data, instance metadata) back into the client
/// attributes of `model`: server address, TLS material, versions, ranges and class, keeping
/// the prior spelling where it means the same. A script this provider did not render is left
/// alone.
pub fn read_startup_script<S>(
    model: &mut CloudModel<Spec, S>,
    cloud: Cloud,
    script: Option<String>,
) -> Result<(), Diagnostic>
where
    S: Serialize + DeserializeOwned + Default,
{
    let Some(parsed) = script.as_deref().and_then(ClientSettings::parse) else {
        return Ok(());
    };
    let prior = model.value(cloud)?;
    let mut attributes = prior.clone();
    write_settings(&mut attributes, &prior, &parsed);
    let read_back: CloudModel<Spec, S> = CloudModel::read(&attributes, cloud)?;
    let spec = &mut model.spec;
    spec.nomad_server_address = read_back.spec.nomad_server_address;
    spec.tls = read_back.spec.tls;
    spec.nomad_version = read_back.spec.nomad_version;
    spec.docker_network_cidr = read_back.spec.docker_network_cidr;
    spec.blocked_cidrs = read_back.spec.blocked_cidrs;
    spec.node_class = read_back.spec.node_class;
    spec.startup_script = script;
    Ok(())
}
