//! The services of CircleCI Server 3.x and what happens when each fails.

/// How a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Deployment,
    /// Keeps data on a volume.
    StatefulSet,
}

#[derive(Debug, Clone, Copy)]
pub struct Service {
    pub name: &'static str,
    pub component: &'static str,
    pub workload: Workload,
    /// Container port; also the Service's port unless it is one of the five load balancers.
    pub port: u16,
    /// Image name under the registry, tagged with the server version.
    pub image: &'static str,
    pub description: &'static str,
    /// What the seed document says fails when this service is down.
    pub when_down: &'static str,
    /// Needs object storage credentials.
    pub uses_storage: bool,
}

// One positional row per service keeps the table below readable as a table.
#[allow(clippy::too_many_arguments)]
const fn service(
    name: &'static str,
    component: &'static str,
    workload: Workload,
    port: u16,
    image: &'static str,
    description: &'static str,
    when_down: &'static str,
    uses_storage: bool,
) -> Service {
    Service {
        name,
        component,
        workload,
        port,
        image,
        description,
        when_down,
        uses_storage,
    }
}

use Workload::{Deployment, StatefulSet};

pub const SERVICES: &[Service] = &[
    service(
        "api-service",
        "App Core",
        Deployment,
        80,
        "api-service",
        "GraphQL API that provides much of the data the web frontend renders",
        "many parts of the UI (e.g. Contexts) will fail completely",
        false,
    ),
    service(
        "audit-log-service",
        "App Core",
        Deployment,
        80,
        "audit-log-service",
        "Persists audit log events to object storage",
        "some audit events may not be recorded",
        true,
    ),
    service(
        "builds-service",
        "App Core",
        Deployment,
        80,
        "builds-service",
        "Ingests from www-api and sends to plans, workflows-conductor and orbs",
        "new builds are not ingested",
        false,
    ),
    service(
        "circle-legacy-dispatcher",
        "Execution",
        Deployment,
        80,
        "legacy-dispatcher",
        "Compute management: sends to the usage queue and back to the VCS",
        "jobs are not dispatched and VCS statuses stop updating",
        false,
    ),
    service(
        "circleci-mongodb",
        "Execution",
        StatefulSet,
        27017,
        "mongodb",
        "Data storage for microservices",
        "services that keep data in MongoDB fail",
        false,
    ),
    service(
        "circleci-postgres",
        "Data storage",
        StatefulSet,
        5432,
        "postgres",
        "Primary datastore",
        "the application fails",
        false,
    ),
    service(
        "circleci-rabbitmq",
        "Pipelines and Execution",
        StatefulSet,
        5672,
        "rabbitmq",
        "Queues for workflow messaging, test results, usage, crons, output, notifications and the scheduler",
        "pipelines stop moving",
        false,
    ),
    service(
        "circleci-redis",
        "Execution",
        StatefulSet,
        6379,
        "redis",
        "Cache for build logs, request caching and rate-limit calculations",
        "a failed cache can end in rate limiting from the VCS when too many calls are made",
        false,
    ),
    service(
        "circleci-telegraf",
        "App Core",
        Deployment,
        8125,
        "telegraf",
        "Collects the services' statsd metrics",
        "metrics are lost",
        false,
    ),
    service(
        "circleci-vault",
        "App Core",
        StatefulSet,
        8200,
        "vault",
        "Encryption and decryption as a service for secrets",
        "secrets cannot be encrypted or decrypted",
        false,
    ),
    service(
        "contexts-service",
        "Pipelines",
        Deployment,
        80,
        "contexts-service",
        "Stores and provides encrypted contexts",
        "all builds using Contexts will fail",
        false,
    ),
    service(
        "cron-service",
        "Pipelines",
        Deployment,
        80,
        "cron-service",
        "Triggers scheduled workflows",
        "scheduled workflows will not run",
        false,
    ),
    service(
        "dispatcher",
        "Execution",
        Deployment,
        80,
        "dispatcher",
        "Splits jobs into tasks and sends them to the scheduler",
        "no jobs will be sent to Nomad; the run queue grows, with no meaningful loss of data",
        false,
    ),
    service(
        "domain-service",
        "App Core",
        Deployment,
        80,
        "domain-service",
        "Stores and provides the domain model; permissions and API",
        "workflows will fail to start and some REST API calls fail with 500 errors; with LDAP, all logins fail",
        false,
    ),
    service(
        "frontend",
        "App Core",
        Deployment,
        80,
        "frontend",
        "The web application (and API) behind the front-end proxy",
        "the web UI and API are down",
        true,
    ),
    service(
        "nomad-server",
        "Execution",
        StatefulSet,
        4647,
        "nomad",
        "The Nomad control plane that schedules jobs on the Nomad clients",
        "no jobs run",
        false,
    ),
    service(
        "output-processor",
        "Execution",
        Deployment,
        8585,
        "output-processor",
        "Ingests job output from the Nomad clients",
        "job output is lost or delayed",
        true,
    ),
    service(
        "vm-service",
        "Execution",
        Deployment,
        3000,
        "vm-service",
        "Provisions VMs for machine and remote-Docker jobs",
        "machine and remote Docker jobs cannot start",
        false,
    ),
];

/// nomad-autoscaler, run when `nomad_autoscaler.enabled`: it resizes the Nomad client group
/// through the cloud's API (as its own Kubernetes service account, for IRSA or workload
/// identity) and drains clients before scaling in. Port: its health API.
pub static NOMAD_AUTOSCALER: Service = service(
    "nomad-autoscaler",
    "Execution",
    Deployment,
    8080,
    "nomad-autoscaler",
    "Scales the Nomad clients with the queue of jobs",
    "the Nomad clients do not scale: jobs queue when the clients are full",
    false,
);

/// The five load balancers: role, the service behind it, ports, internal by default.
pub const LOAD_BALANCERS: &[(&str, &str, &[u16], bool)] = &[
    ("frontend", "frontend", &[80, 443], false),
    ("api", "frontend", &[80, 443], false),
    ("nomad", "nomad-server", &[4647], true),
    ("output_processor", "output-processor", &[8585], true),
    ("vm_service", "vm-service", &[3000], true),
];

pub fn find(name: &str) -> Option<&'static Service> {
    SERVICES.iter().chain([&NOMAD_AUTOSCALER]).find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_load_balancer_has_its_service() {
        for (role, service, _, _) in LOAD_BALANCERS {
            assert!(find(service).is_some(), "{role} -> {service}");
        }
        assert_eq!(
            find("contexts-service").unwrap().when_down,
            "all builds using Contexts will fail"
        );
    }
}
