//! Nomad: the control plane's and clients' mTLS material, and the client start-up script.

pub mod client_config;
pub mod tls;
