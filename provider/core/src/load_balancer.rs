//! `circleciserver_load_balancer`: one of CircleCI Server's five load balancers, whatever the cloud.
//!
//! The role sets the ports and the default scheme: `frontend` and `api` are external on 80 and
//! 443; `nomad` (4647), `output_processor` (8585) and `vm_service` (3000) are VPC-internal, and
//! making one of those external needs `allow_external = true`.

use std::collections::BTreeMap;

use circleci_cty::{AttributePath, Type, Value};
use circleci_nomad::Cloud;
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Diagnostics, Operation, Plan, timeouts_block, validators};
use serde::{Deserialize, Serialize};

use crate::cloud::ResourceKind;

pub struct LoadBalancer;

/// One of the five load balancers: what it exposes, on which ports, and its default scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub name: &'static str,
    pub ports: &'static [i64],
    pub internal: bool,
}

pub const ROLES: [Role; 5] = [
    Role {
        name: "frontend",
        ports: &[80, 443],
        internal: false,
    },
    Role {
        name: "api",
        ports: &[80, 443],
        internal: false,
    },
    Role {
        name: "nomad",
        ports: &[4647],
        internal: true,
    },
    Role {
        name: "output_processor",
        ports: &[8585],
        internal: true,
    },
    Role {
        name: "vm_service",
        ports: &[3000],
        internal: true,
    },
];

pub fn role(name: &str) -> Option<Role> {
    ROLES.into_iter().find(|r| r.name == name)
}

/// The neutral attributes, as a cloud half reads and writes them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Spec {
    pub name: String,
    pub role: String,
    pub internal: Option<bool>,
    pub allow_external: Option<bool>,
    pub tags: Option<BTreeMap<String, String>>,
    pub timeouts: Option<serde_json::Value>,
    pub id: Option<String>,
    pub hostname: Option<String>,
    pub ports: Option<Vec<i64>>,
}

impl Spec {
    pub fn role(&self) -> Option<Role> {
        role(&self.role)
    }
}

impl ResourceKind for LoadBalancer {
    fn type_name(&self) -> &'static str {
        "circleciserver_load_balancer"
    }

    fn noun(&self) -> &'static str {
        "load balancer"
    }

    fn block(&self) -> Block {
        let roles: Vec<&str> = ROLES.iter().map(|r| r.name).collect();
        Block::new(
            "One of CircleCI Server's five load balancers. On AWS a network load balancer with a TCP target group \
             and listener per port, attached to the cluster's node groups.",
        )
        .attribute(Attribute::required("name", Type::String, "Load balancer name.").requires_replace())
        .attribute(
            Attribute::required(
                "role",
                Type::String,
                "Which service it exposes: `frontend` and `api` (80, 443, external), `nomad` (4647), `output_processor` \
                 (8585) or `vm_service` (3000), the last three VPC-internal.",
            )
            .validate(validators::one_of(&roles))
            .requires_replace(),
        )
        .attribute(
            Attribute::optional_computed("internal", Type::Bool, "VPC-internal; defaults to the role's scheme.")
                .requires_replace(),
        )
        .attribute(
            Attribute::optional(
                "allow_external",
                Type::Bool,
                "Must be true to make `nomad`, `output_processor` or `vm_service` external (internet-facing).",
            )
            .default(Value::Bool(false)),
        )
        .attribute(Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags (labels on GCP) of the load balancer and its parts.",
        ))
        .block(timeouts_block(&[Operation::Create, Operation::Delete]))
        .attribute(Attribute::computed("id", Type::String, "The load balancer's id in its cloud.").use_state_for_unknown())
        .attribute(
            Attribute::computed(
                "hostname",
                Type::String,
                "Where clients reach it: a DNS name on AWS (installer: the service's hostname).",
            )
            .use_state_for_unknown(),
        )
        .attribute(Attribute::computed("ports", Type::list(Type::Number), "The role's ports.").use_state_for_unknown())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(role) = config.attr("role").as_str().and_then(role) else {
            return;
        };
        if role.internal
            && config.attr("internal").as_bool() == Some(false)
            && config.attr("allow_external").as_bool() != Some(true)
        {
            diags.attribute_error(
                &AttributePath::root().attr("internal"),
                format!("The {} load balancer must stay internal", role.name),
                format!(
                    "The {} service is VPC-internal by design; exposing it to the internet needs allow_external = true \
                     as well as internal = false.",
                    role.name
                ),
            );
        }
    }

    fn modify_plan(&self, _cloud: Cloud, plan: &mut Plan<'_>) {
        let Some(role) = plan.planned.attr("role").as_str().and_then(role) else {
            return;
        };
        // The scheme follows the role unless set: plan it now, so the plan shows it.
        if plan.planned.attr("internal").is_unknown() {
            plan.planned.set_attr("internal", Value::Bool(role.internal));
        }
        plan.planned.set_attr(
            "ports",
            Value::List(role.ports.iter().map(|p| Value::int(*p)).collect()),
        );
    }
}
