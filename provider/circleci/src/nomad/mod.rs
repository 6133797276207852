//! Nomad: the control plane's and clients' mTLS material.

pub mod tls;
