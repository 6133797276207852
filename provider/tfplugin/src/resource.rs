//! The traits a provider implements: the provider itself, resources and data sources.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use circleci_cty::{AttributePath, Type, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::schema::{Attribute, Block, NestedBlock, Schema};
use crate::validators;
use crate::{Diagnostic, Diagnostics, Failure};

/// What a resource operation gets besides its values: the configured provider's data, the
/// resource's private state, and a signal for StopProvider.
pub struct Context<D> {
    data: Option<Arc<D>>,
    stop: watch::Receiver<bool>,
    private: Mutex<serde_json::Map<String, serde_json::Value>>,
    timeout: Duration,
    operation: Operation,
    warnings: Mutex<Vec<Diagnostic>>,
    /// Held by a [`Context::standalone`] context, whose stop signal never fires (a dropped
    /// sender would read as a stop).
    _never_stop: Option<watch::Sender<bool>>,
}

impl<D> Context<D> {
    pub(crate) fn new(data: Option<Arc<D>>, stop: watch::Receiver<bool>, private: &[u8]) -> Self {
        let private = serde_json::from_slice(private).unwrap_or_default();
        Context {
            data,
            stop,
            private: Mutex::new(private),
            timeout: Duration::from_secs(20 * 60),
            operation: Operation::Read,
            warnings: Mutex::new(Vec::new()),
            _never_stop: None,
        }
    }

    /// A context for code run outside a Terraform operation (library tests, benchmarks):
    /// `data` if given, no private state, never asked to stop, `timeout` for its waits.
    pub fn standalone(data: Option<Arc<D>>, operation: Operation, timeout: Duration) -> Self {
        let (never_stop, stop) = watch::channel(false);
        Context {
            _never_stop: Some(never_stop),
            ..Context::new(data, stop, &[]).for_operation(operation, timeout)
        }
    }

    pub(crate) fn for_operation(mut self, operation: Operation, timeout: Duration) -> Self {
        self.operation = operation;
        self.timeout = timeout;
        self
    }

    /// A warning shown with an operation that succeeds (e.g. a service that is not ready).
    pub fn warn(&self, warning: Diagnostic) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(warning);
        }
    }

    pub(crate) fn take_warnings(&self) -> Vec<Diagnostic> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    /// How long the current operation may take: from the `timeouts` block, else the
    /// resource's default.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Polls `check` every `interval` until it returns `Ok(Some(_))`, logging progress, and
    /// gives up with a diagnostic at the operation's timeout or when Terraform asks to stop.
    ///
    /// `what` completes "waiting for ...", e.g. "image ami-123 to become available".
    pub async fn wait_for<T, F, Fut>(&self, what: &str, interval: Duration, check: F) -> Result<T, Diagnostic>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, Diagnostic>>,
    {
        self.wait_with_backoff(what, interval, interval, check).await
    }

    /// [`Context::wait_for`], polling first after `first` and then at doubling intervals up to
    /// `max`: for waits that are usually short but may take many minutes.
    pub async fn wait_with_backoff<T, F, Fut>(
        &self,
        what: &str,
        first: Duration,
        max: Duration,
        mut check: F,
    ) -> Result<T, Diagnostic>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, Diagnostic>>,
    {
        let mut interval = first;
        let started = std::time::Instant::now();
        let mut next_log = Duration::from_secs(10);
        loop {
            if let Some(done) = check().await? {
                tracing::debug!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "done waiting for {what}"
                );
                return Ok(done);
            }
            let elapsed = started.elapsed();
            if elapsed >= self.timeout {
                return Err(Diagnostic::error(
                    format!("Timed out waiting for {what}"),
                    format!(
                        "Gave up after {}s. If it is just slow, raise timeouts.{} in the resource; the next apply resumes from the state.",
                        elapsed.as_secs(),
                        self.operation.name()
                    ),
                ));
            }
            if elapsed >= next_log {
                tracing::info!(elapsed_s = elapsed.as_secs(), "still waiting for {what}");
                next_log += Duration::from_secs(10);
            }
            let mut stop = self.stop.clone();
            let this_round = interval;
            interval = (interval * 2).min(max.max(first));
            tokio::select! {
                () = tokio::time::sleep(this_round) => {}
                _ = stop.wait_for(|s| *s) => {
                    return Err(Diagnostic::error(
                        format!("Stopped while waiting for {what}"),
                        "Terraform was interrupted; the next apply resumes from the state.",
                    ));
                }
            }
        }
    }

    /// The data returned by [`Provider::configure`].
    pub fn data(&self) -> Result<&D, Diagnostic> {
        self.data.as_deref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The provider was used before ConfigureProvider; this is a bug in Terraform or the provider.",
            )
        })
    }

    /// A value from the resource's private state (kept by Terraform, never shown to users).
    pub fn private(&self, key: &str) -> Option<serde_json::Value> {
        self.private.lock().ok()?.get(key).cloned()
    }

    pub fn set_private(&self, key: &str, value: serde_json::Value) {
        if let Ok(mut p) = self.private.lock() {
            p.insert(key.to_string(), value);
        }
    }

    pub(crate) fn private_bytes(&self) -> Vec<u8> {
        match self.private.lock() {
            Ok(p) if !p.is_empty() => serde_json::to_vec(&*p).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Resolves when Terraform asks the provider to stop (Ctrl-C): long waits should end early.
    pub async fn stopped(&self) {
        let mut stop = self.stop.clone();
        let _ = stop.wait_for(|s| *s).await;
    }
}

/// The plan of one resource, after the framework's generic planning (defaults, unknown
/// computed values, requires-replace), for a resource to adjust.
pub struct Plan<'a> {
    /// Null when the resource is being created.
    pub prior: &'a Value,
    pub config: &'a Value,
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Read,
    Update,
    Delete,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// A managed resource.
#[async_trait]
pub trait Resource<D: Send + Sync + 'static>: Send + Sync {
    /// The full type name, e.g. `circleciserver_nomad_tls`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Rules across attributes, beyond each attribute's validators. Unknown values must pass.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Adjusts the generic plan, e.g. to force replacement when a certificate nears expiry.
    async fn modify_plan(&self, _ctx: &Context<D>, _plan: &mut Plan<'_>) {}

    /// Warnings for a plan that destroys the resource, e.g. what destroy will leave behind.
    /// Terraform asks only from 1.3 on (the `plan_destroy` capability); older versions plan
    /// destroys without the provider.
    fn plan_destroy(&self, _prior: &Value, _diags: &mut Diagnostics) {}

    /// Creates the resource. `planned` holds unknowns where computed values are to be filled.
    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure>;

    /// Reads the resource back: `None` when it no longer exists.
    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics>;

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure>;

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure>;

    /// Builds a minimal state from an import ID; Terraform then calls `read`.
    async fn import(&self, _ctx: &Context<D>, _id: &str) -> Result<Value, Diagnostics> {
        Err(Diagnostic::error(
            format!("{} cannot be imported", self.type_name()),
            "This resource holds values that cannot be read back from the cloud; create it with Terraform instead.",
        )
        .into())
    }

    /// Converts state written by schema version `from_version` (as JSON) to the current one.
    fn upgrade_state(&self, _from_version: i64, state: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Ok(state)
    }

    /// How long an operation may take when the `timeouts` block does not say.
    fn default_timeout(&self, _op: Operation) -> Duration {
        Duration::from_secs(20 * 60)
    }
}

/// A data source.
#[async_trait]
pub trait DataSource<D: Send + Sync + 'static>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Returns the configuration with its computed attributes filled.
    async fn read(&self, ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics>;
}

/// The provider: its configuration, and the resources and data sources it serves.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` produces and every resource operation can use (clients, settings).
    type Data: Send + Sync + 'static;

    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Called with environment fallbacks already applied.
    async fn configure(&self, config: &Value, terraform_version: &str) -> Result<Self::Data, Diagnostics>;
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;
}

/// Reads a value into a serde model. Unknown values read as `null` (use `Option`).
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Diagnostic> {
    serde_json::from_value(value.to_json()).map_err(|e| {
        Diagnostic::error(
            "Unexpected value shape",
            format!("The provider could not read a value: {e}. This is a provider bug."),
        )
    })
}

/// Writes a serde model as a value of type `ty` (fields the model lacks become null).
pub fn to_value<T: Serialize>(model: &T, ty: &Type) -> Result<Value, Diagnostic> {
    let json = serde_json::to_value(model)
        .map_err(|e| Diagnostic::error("Unexpected value shape", format!("{e}. This is a provider bug.")))?;
    circleci_cty::json::from_json(&json, ty)
        .map_err(|e| Diagnostic::error("Unexpected value shape", format!("{e}. This is a provider bug.")))
}

/// The time limit for `op` from a resource value's `timeouts` block, if it sets one.
pub fn configured_timeout(value: &Value, op: Operation) -> Option<Duration> {
    value
        .attr("timeouts")
        .attr(op.name())
        .as_str()
        .and_then(validators::parse_duration)
}

/// The standard `timeouts { create = "30m" ... }` block for the given operations.
pub fn timeouts_block(ops: &[Operation]) -> NestedBlock {
    let mut block = Block::new("How long each operation may take, e.g. `30m` or `1h`.");
    for op in ops {
        block = block.attribute(
            Attribute::optional(op.name(), Type::String, &format!("Time limit for {}.", op.name()))
                .validate(validators::duration()),
        );
    }
    NestedBlock::single("timeouts", block)
}
