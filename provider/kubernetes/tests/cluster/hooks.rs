//! A release's hooks run against a Kubernetes API server (the in-repo fake, over HTTP) with
//! Helm's delete policies.

use crate::{Fixture, fixture};
use std::time::Duration;

use circleci_helm::release::{Hook, HookDeletePolicy, HookEvent, HookPhase};
use circleci_kubernetes::hooks;
use circleci_tfplugin::{Context, Operation};

fn config_map_hook(name: &str, data: &str, policies: Vec<HookDeletePolicy>) -> Hook {
    Hook {
        name: name.into(),
        kind: "ConfigMap".into(),
        path: format!("circleci-server/templates/{name}.yaml"),
        manifest: format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: pre-install\ndata:\n  run: {data}\n"
        ),
        events: vec![HookEvent::PreInstall],
        delete_policies: policies,
        ..Hook::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hook_is_replaced_before_it_runs_and_a_succeeded_one_deleted_after() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    let ctx: Context<()> = Context::standalone(None, Operation::Create, Duration::from_secs(30));
    let left_from_last_run = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": "preflight", "namespace": "circleci" }, "data": { "run": "old" },
    });
    cluster.create(&left_from_last_run).await.unwrap();
    let mut hooks = vec![
        config_map_hook("preflight", "new", vec![]),
        config_map_hook("cleanup", "x", vec![HookDeletePolicy::HookSucceeded]),
    ];
    hooks::run(&ctx, cluster, &mut hooks, HookEvent::PreInstall, "circleci")
        .await
        .unwrap_or_else(|d| panic!("{d:?}"));
    let preflight = kube
        .get("configmaps", "circleci", "preflight")
        .expect("a before-hook-creation hook stays after it ran");
    assert_eq!(
        preflight["data"]["run"], "new",
        "the old one was deleted and the new one made"
    );
    assert!(
        kube.get("configmaps", "circleci", "cleanup").is_none(),
        "a hook-succeeded hook is deleted once all succeed"
    );
    assert!(
        hooks
            .iter()
            .all(|h| h.last_run.phase == HookPhase::Succeeded && !h.last_run.completed_at.is_zero())
    );
    // Another event's hooks do not run.
    let mut others = vec![config_map_hook("other", "y", vec![])];
    others[0].events = vec![HookEvent::PostUpgrade];
    hooks::run(&ctx, cluster, &mut others, HookEvent::PreInstall, "circleci")
        .await
        .unwrap();
    assert!(kube.get("configmaps", "circleci", "other").is_none());
    assert_eq!(others[0].last_run.phase, HookPhase::NotRun);
}

fn job_hook(name: &str, policies: Vec<HookDeletePolicy>) -> Hook {
    Hook {
        name: name.into(),
        kind: "Job".into(),
        path: format!("circleci-server/templates/{name}.yaml"),
        manifest: format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: pre-install\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: check\n        image: busybox\n"
        ),
        events: vec![HookEvent::PreInstall],
        delete_policies: policies,
        ..Hook::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_hook_is_waited_for_until_it_completes() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    let ctx: Context<()> = Context::standalone(None, Operation::Create, Duration::from_secs(30));
    let mut hooks = vec![job_hook("preflight", vec![HookDeletePolicy::BeforeHookCreation])];
    hooks::run(&ctx, cluster, &mut hooks, HookEvent::PreInstall, "circleci")
        .await
        .unwrap_or_else(|d| panic!("{d:?}"));
    let job = kube
        .get("jobs", "circleci", "preflight")
        .expect("the job stays (before-hook-creation only)");
    assert_eq!(job["status"]["succeeded"], 1, "the run waited for completion: {job}");
    assert_eq!(hooks[0].last_run.phase, HookPhase::Succeeded);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_job_hook_stops_the_run_names_the_hook_and_goes_under_hook_failed() {
    let Fixture { kube, cluster, .. } = &fixture(Some("circleci")).await;
    kube.set_unready("circleci", "migrate");
    let ctx: Context<()> = Context::standalone(None, Operation::Create, Duration::from_secs(30));
    let mut later = job_hook("zz-after", vec![]);
    later.weight = 10;
    let mut hooks = vec![job_hook("migrate", vec![HookDeletePolicy::HookFailed]), later];
    let e = hooks::run(&ctx, cluster, &mut hooks, HookEvent::PreInstall, "circleci")
        .await
        .unwrap_err();
    let text = format!("{e:?}");
    assert!(
        text.contains("The pre-install hook Job migrate failed") && text.contains("BackoffLimitExceeded"),
        "{text}"
    );
    assert!(
        kube.get("jobs", "circleci", "migrate").is_none(),
        "hook-failed deletes it"
    );
    assert!(
        kube.get("jobs", "circleci", "zz-after").is_none(),
        "the run stopped at the failure"
    );
    assert_eq!(
        (hooks[0].last_run.phase, hooks[1].last_run.phase),
        (HookPhase::Failed, HookPhase::NotRun)
    );
}
