//! CircleCI Server 3.x as Kubernetes objects.
//! May depend on serde only: no kube, no cloud SDK (the Kubernetes calls live in
//! `circleci-kubernetes`).
//!
//! [`services::SERVICES`] lists every service of the install, with what breaks when it is down
//! (from the CircleCI Server v3.x overview). [`render::render`] turns a [`render::ServerSpec`]
//! into the objects to apply: namespace, service accounts (with IRSA or workload identity
//! annotations), secrets, config maps, deployments and stateful sets, and services, among them
//! the five load balancers. It needs no cluster, so a plan can show every object.
//!
//! [`values`] is Server 4.x's side: the typed inputs of an install and the values document
//! they make for CircleCI's own chart, keyed as the public values reference names them.

pub mod generated;
pub mod render;
pub mod services;
pub mod values;
