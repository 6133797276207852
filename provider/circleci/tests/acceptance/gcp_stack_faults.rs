//! Every GCP resource together (examples/gcp-nomad) against the fake Compute Engine API behind
//! the fault proxy: requests that fail before they reach Google (429, 503), answers lost after
//! Google acted, and applies killed half-way. The stack applies, plans empty and destroys, with
//! nothing left and nothing made twice, checked in the fake.
#![cfg(feature = "gcp")]

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance_tests::fake_gcp::FakeGcp;
use acceptance_tests::faults::{FaultProxy, Faults, Upstream};
use acceptance_tests::{Terraform, Workdir, for_each_terraform};

const PROJECT: &str = "sandbox-project";

/// Everything in the project, by collection.
fn inventory(fake: &FakeGcp) -> BTreeMap<String, Vec<String>> {
    fake.inventory(PROJECT, "us-east1")
}

/// Applies examples/gcp-nomad through a proxy injecting `faults` (after killing an apply after
/// each of `kill_after`), plans, destroys; returns how many faults the proxy injected.
fn apply_plan_destroy(tf: &Terraform, mut faults: Faults, kill_after: &[Duration]) -> usize {
    if let Some(seed) = std::env::var("FAULTS_SEED").ok().and_then(|s| s.parse().ok()) {
        faults.seed = seed;
    }
    let fake = FakeGcp::start();
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v20261101", "ubuntu-2204-lts");
    let port = fake.url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = FaultProxy::start(
        port,
        Faults {
            upstream: Upstream::Google,
            ..faults
        },
    );
    let mut wd = Workdir::new(tf, crate::common::provider())
        .env("TF_VAR_project", PROJECT)
        .env("TF_LOG_PROVIDER", "info");
    let config = acceptance_tests::example_config("gcp-nomad");
    wd.write(&config);
    wd.write_file(
        acceptance_tests::EMULATORS_OVERRIDE,
        &acceptance_tests::gcp_emulators_override(&proxy.endpoint, &fake.storage_url),
    );
    wd.init();
    wd.kill_applies_after(kill_after, || format!("in the fake: {:?}", inventory(&fake)));
    let apply = wd.step(&config);
    let made = inventory(&fake);
    // One image, template, health check, group and autoscaler for the clients; one health
    // check, backend service and forwarding rule for the load balancer; three firewall rules
    // (the clients' health checks, the load balancer's traffic and health checks): none twice.
    // No service account, custom role or bucket: the example makes none.
    for (collection, names) in &made {
        let want = match collection.as_str() {
            "global/firewalls" => 3,
            "serviceAccounts" | "buckets" | "roles" => 0,
            _ => 1,
        };
        assert_eq!(names.len(), want, "{collection}: {names:?} (made twice or not at all)");
    }
    wd.destroy();
    assert!(
        inventory(&fake).values().all(Vec::is_empty),
        "destroy left: {:?}",
        inventory(&fake)
    );
    let answers = proxy.answers();
    eprintln!("faults injected: {answers:?}");
    let injected = answers
        .iter()
        .filter(|a| a.get("failed").is_some() || a.get("lost").is_some())
        .count();
    assert!(
        injected == 0 || apply.all().contains("GCP call attempt failed"),
        "retries are logged"
    );
    injected
}

#[test]
fn a_fifth_of_requests_failing_with_rate_limits_or_503() {
    for_each_terraform(|tf| {
        let injected = apply_plan_destroy(
            tf,
            Faults {
                fail_fraction: 0.2,
                seed: 3,
                ..Faults::default()
            },
            &[],
        );
        assert!(injected >= 5, "the proxy failed {injected} requests");
    });
}

#[test]
fn one_answer_in_ten_lost_after_google_acted() {
    for_each_terraform(|tf| {
        let injected = apply_plan_destroy(
            tf,
            Faults {
                lose_fraction: 0.1,
                seed: 5,
                ..Faults::default()
            },
            &[],
        );
        // The stack makes about sixty calls: expect several lost answers, at least one.
        assert!(injected >= 1, "the proxy lost {injected} answers");
    });
}

#[test]
fn applies_killed_half_way_converge_on_the_next_apply() {
    for_each_terraform(|tf| {
        apply_plan_destroy(
            tf,
            Faults::default(),
            &[Duration::from_millis(900), Duration::from_millis(1600)],
        );
    });
}
