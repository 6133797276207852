//! A Terraform provider server for plugin protocol 6, and a small framework to write resources.
//! May depend on tonic/prost, rustls and `circleci-cty`: never on a cloud SDK or kube.
//!
//! A provider implements [`Provider`], [`Resource`] and [`DataSource`]; its `main` calls
//! [`plugin::main`], which does the go-plugin handshake (with AutoMTLS) and serves tfplugin6.
//! The framework does what every resource needs from its [`schema::Schema`]: validation with
//! attribute paths, defaults, unknown computed values, requires-replace, environment
//! fallbacks for provider configuration, state upgrades and timeouts.

mod diagnostics;
pub mod docs;
pub mod logging;
pub mod plan;
pub mod plugin;
pub mod resource;
pub mod schema;
mod server;
pub mod validators;

pub use diagnostics::{Diagnostic, Diagnostics, Failure, Severity};
pub use resource::{Context, DataSource, Operation, Plan, Provider, Resource, from_value, timeouts_block, to_value};
pub use server::ProviderService;

/// Generated protocol types (tfplugin6.5 and go-plugin's controller and stdio services).
pub mod proto {
    #[allow(clippy::all, missing_docs)]
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    #[allow(clippy::all, missing_docs)]
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}
