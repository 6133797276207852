//! The cloud-neutral half of every `circleciserver_*` resource: its type name, neutral attributes,
//! validation and planning, and the seam ([`cloud::CloudHalf`]) that each cloud implements for
//! its own block; plus the resources that need no cloud (`circleciserver_nomad_tls`,
//! `data.circleciserver_nomad_client_config`).
//!
//! May depend on the protocol framework and `circleci-nomad` only: never on a cloud SDK or kube.
//!
//! ```
//! use std::sync::Arc;
//! use circleci_core::cloud::CloudResource;
//! use circleci_core::load_balancer::LoadBalancer;
//! use circleci_tfplugin::Resource;
//! // A cloud crate passes its halves; with none, every configuration is refused at validate.
//! let resource: CloudResource<()> = CloudResource::new(LoadBalancer, vec![]);
//! assert_eq!(resource.type_name(), "circleciserver_load_balancer");
//! ```

pub mod cloud;
pub mod load_balancer;
pub mod nomad_client_config;
pub mod nomad_client_group;
pub mod nomad_tls;
pub mod object_storage;
pub mod tags;
pub mod vm_service_access;
pub mod vm_service_image;

pub use circleci_nomad::Cloud;

/// The Kubernetes namespace CircleCI Server is installed into unless told otherwise; IRSA and
/// workload identity bindings name it too.
pub const DEFAULT_NAMESPACE: &str = "circleci-server";
