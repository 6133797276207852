//! The emulators' own contract tests, one binary: each fake (and the sandbox program that starts
//! them) checked with plain HTTP and real clients, so it cannot drift into agreeing with the
//! provider.

mod fake_gcp;
mod fake_kube;
mod sandbox;
