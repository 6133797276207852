//! Running a release's hooks as `helm install` / `upgrade` / `uninstall` do (Helm 3.21's
//! `execHook`): the hooks of one event in weight order (then name), each deleted first under
//! `before-hook-creation` (the default policy), created, and waited for (a Job until it
//! completes, a Pod until it succeeds, anything else at once); on failure the `hook-failed`
//! ones go and the run stops; once all succeed, the `hook-succeeded` ones go, last first.

use std::time::Duration;

use circleci_helm::release::{Hook, HookDeletePolicy, HookEvent, HookPhase, Timestamp};
use circleci_tfplugin::{Context, Diagnostic};
use kube::api::{DeleteParams, DynamicObject, PostParams};
use serde_json::Value as Json;

use crate::Cluster;
use crate::cluster::kube_error;
use crate::live::Resolved;

/// How a hook's object stands while it runs.
#[derive(Debug, PartialEq, Eq)]
enum Progress {
    Running,
    Succeeded,
    Failed(String),
}

/// Helm's `WatchUntilReady` for one hook object.
fn progress(kind: &str, live: &Json) -> Progress {
    match kind {
        "Job" => {
            let conditions = live["status"]["conditions"].as_array().cloned().unwrap_or_default();
            let holds = |t: &str| conditions.iter().find(|c| c["type"] == t && c["status"] == "True");
            if holds("Complete").is_some() {
                Progress::Succeeded
            } else if let Some(failed) = holds("Failed") {
                let why = failed["reason"]
                    .as_str()
                    .or(failed["message"].as_str())
                    .unwrap_or("failed");
                Progress::Failed(format!("job failed: {why}"))
            } else {
                Progress::Running
            }
        }
        "Pod" => match live["status"]["phase"].as_str() {
            Some("Succeeded") => Progress::Succeeded,
            Some("Failed") => Progress::Failed(format!(
                "pod {} failed",
                live["metadata"]["name"].as_str().unwrap_or("")
            )),
            _ => Progress::Running,
        },
        _ => Progress::Succeeded,
    }
}

/// The hooks of `event`, in the order Helm runs them.
fn ordered(hooks: &[Hook], event: HookEvent) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..hooks.len()).filter(|&i| hooks[i].events.contains(&event)).collect();
    chosen.sort_by(|&a, &b| (hooks[a].weight, &hooks[a].name).cmp(&(hooks[b].weight, &hooks[b].name)));
    chosen
}

fn has_policy(hook: &Hook, policy: &HookDeletePolicy) -> bool {
    if hook.delete_policies.is_empty() {
        return *policy == HookDeletePolicy::BeforeHookCreation;
    }
    hook.delete_policies.contains(policy)
}

fn hook_object(hook: &Hook) -> Result<Json, Diagnostic> {
    circleci_helm::yaml::parse(&hook.manifest)
        .map(|v| circleci_helm::convert::to_json(&v))
        .map_err(|e| Diagnostic::error(format!("Hook {} is not a Kubernetes object", hook.path), e.to_string()))
}

/// Runs the hooks of `event` among `hooks` (recording each one's last run in it), or says
/// which failed and why.
pub async fn run<D>(
    ctx: &Context<D>,
    cluster: &Cluster,
    hooks: &mut [Hook],
    event: HookEvent,
    namespace: &str,
) -> Result<(), Diagnostic> {
    let order = ordered(hooks, event);
    for (done, &i) in order.iter().enumerate() {
        let object = hook_object(&hooks[i])?;
        let resolved = cluster.resolve(&object, namespace).await?;
        if has_policy(&hooks[i], &HookDeletePolicy::BeforeHookCreation) {
            delete(ctx, &resolved, &hooks[i]).await?;
        }
        hooks[i].last_run.started_at = Timestamp::now();
        hooks[i].last_run.phase = HookPhase::Unknown;
        let outcome = create_and_wait(ctx, &resolved, &object, &hooks[i], event).await;
        hooks[i].last_run.completed_at = Timestamp::now();
        if let Err(failure) = outcome {
            hooks[i].last_run.phase = HookPhase::Failed;
            if has_policy(&hooks[i], &HookDeletePolicy::HookFailed)
                && let Err(e) = delete(ctx, &resolved, &hooks[i]).await
            {
                tracing::warn!(hook = %hooks[i].path, error = ?e, "could not delete the failed hook");
            }
            for &j in &order[..done] {
                delete_if(ctx, cluster, &hooks[j], &HookDeletePolicy::HookSucceeded, namespace).await?;
            }
            return Err(failure);
        }
        hooks[i].last_run.phase = HookPhase::Succeeded;
    }
    for &i in order.iter().rev() {
        delete_if(ctx, cluster, &hooks[i], &HookDeletePolicy::HookSucceeded, namespace).await?;
    }
    Ok(())
}

async fn create_and_wait<D>(
    ctx: &Context<D>,
    resolved: &Resolved,
    object: &Json,
    hook: &Hook,
    event: HookEvent,
) -> Result<(), Diagnostic> {
    let (kind, name) = (&resolved.kind, &resolved.name);
    let mut object: DynamicObject = serde_json::from_value(object.clone())
        .map_err(|e| Diagnostic::error(format!("Hook {} is not a Kubernetes object", hook.path), e.to_string()))?;
    if resolved.namespace.is_some() && object.metadata.namespace.is_none() {
        object.metadata.namespace = resolved.namespace.clone();
    }
    resolved
        .api
        .create(&PostParams::default(), &object)
        .await
        .map_err(|e| kube_error(&format!("create {kind} {name} ({event:?} hook {})", hook.path), e))?;
    tracing::info!(hook = %hook.path, %kind, %name, "hook created; waiting for it");
    ctx.wait_with_backoff(&format!("{kind} {name} ({} hook) to finish", event_name(event)), Duration::from_millis(250), Duration::from_secs(5), || async {
        let Some(live) = resolved.live().await? else {
            return Err(Diagnostic::error(format!("Hook {kind} {name} vanished while it ran"), "Something deleted it; run the apply again."));
        };
        match progress(kind, &live) {
            Progress::Running => Ok(None),
            Progress::Succeeded => Ok(Some(())),
            Progress::Failed(why) => Err(Diagnostic::error(
                format!("The {} hook {kind} {name} failed", event_name(event)),
                format!("{event:?} hook {}: {why}. `kubectl describe {} {name} -n NAMESPACE` and its pods' logs say more; the release is left failed until the next apply.", hook.path, kind.to_lowercase()),
            )),
        }
    })
    .await
}

async fn delete_if<D>(
    ctx: &Context<D>,
    cluster: &Cluster,
    hook: &Hook,
    policy: &HookDeletePolicy,
    namespace: &str,
) -> Result<(), Diagnostic> {
    if hook.kind == "CustomResourceDefinition" || !has_policy(hook, policy) {
        return Ok(());
    }
    let resolved = cluster.resolve(&hook_object(hook)?, namespace).await?;
    delete(ctx, &resolved, hook).await
}

/// Deletes the hook's object (its Job's pods with it) and waits until it is gone.
async fn delete<D>(ctx: &Context<D>, resolved: &Resolved, hook: &Hook) -> Result<(), Diagnostic> {
    if hook.kind == "CustomResourceDefinition" {
        return Ok(());
    }
    let (kind, name) = (&resolved.kind, &resolved.name);
    match resolved.api.delete(name, &DeleteParams::background()).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 => return Ok(()),
        Err(e) => return Err(kube_error(&format!("delete {kind} {name} (hook {})", hook.path), e)),
    }
    ctx.wait_for(
        &format!("hook {kind} {name} to be deleted"),
        Duration::from_millis(250),
        || async {
            match resolved.api.get_opt(name).await {
                Ok(None) => Ok(Some(())),
                Ok(Some(_)) => Ok(None),
                Err(e) => Err(kube_error(&format!("read {kind} {name}"), e)),
            }
        },
    )
    .await
}

fn event_name(event: HookEvent) -> String {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(name: &str, weight: i64, events: &[HookEvent]) -> Hook {
        Hook {
            name: name.into(),
            weight,
            events: events.to_vec(),
            ..Hook::default()
        }
    }

    #[test]
    fn hooks_of_an_event_run_by_weight_then_name() {
        let hooks = [
            hook("migrate", 5, &[HookEvent::PreInstall, HookEvent::PreUpgrade]),
            hook("backup", -1, &[HookEvent::PreUpgrade]),
            hook("check", 5, &[HookEvent::PreInstall]),
            hook("notify", 0, &[HookEvent::PostInstall]),
            hook("alpha", 5, &[HookEvent::PreInstall]),
        ];
        let names = |e| {
            ordered(&hooks, e)
                .into_iter()
                .map(|i| hooks[i].name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(HookEvent::PreInstall), ["alpha", "check", "migrate"]);
        assert_eq!(names(HookEvent::PreUpgrade), ["backup", "migrate"]);
    }

    #[test]
    fn no_delete_policy_means_before_hook_creation() {
        let mut h = hook("h", 0, &[]);
        assert!(has_policy(&h, &HookDeletePolicy::BeforeHookCreation));
        assert!(!has_policy(&h, &HookDeletePolicy::HookSucceeded));
        h.delete_policies = vec![HookDeletePolicy::HookSucceeded];
        assert!(!has_policy(&h, &HookDeletePolicy::BeforeHookCreation));
    }

    #[test]
    fn job_progress_follows_its_conditions() {
        let job = |t: &str, reason: &str| serde_json::json!({"status": {"conditions": [{"type": t, "status": "True", "reason": reason}]}});
        assert_eq!(progress("Job", &serde_json::json!({"status": {}})), Progress::Running);
        assert_eq!(progress("Job", &job("Complete", "")), Progress::Succeeded);
        assert_eq!(
            progress("Job", &job("Failed", "BackoffLimitExceeded")),
            Progress::Failed("job failed: BackoffLimitExceeded".into())
        );
        assert_eq!(progress("ConfigMap", &serde_json::json!({})), Progress::Succeeded);
    }
}
