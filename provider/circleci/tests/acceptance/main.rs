//! The provider's acceptance tests, one binary (as ripgrep keeps `tests/tests.rs`) so the cloud SDKs
//! link once: Terraform drives the provider binary over gRPC against the emulators, one module per
//! cloud and resource. Run one area with `cargo test -p terraform-provider-circleciserver --test acceptance aws_load_balancer::`.

mod aws_load_balancer;
mod aws_nomad_client_group;
mod aws_object_storage;
mod aws_stack_faults;
mod aws_vm_service_access;
mod aws_vm_service_image;
mod chart_template;
mod cloud_blocks;
mod common;
mod docs;
mod examples;
mod gcp_load_balancer;
mod gcp_nomad_client_group;
mod gcp_object_storage;
mod gcp_stack_faults;
mod gcp_vm_service_access;
mod gcp_vm_service_image;
mod grpc_fuzz;
mod nomad_client_config;
mod nomad_tls;
mod plugin_protocol;
mod real_cloud;
mod release;
mod server_install;
mod side_by_side;
