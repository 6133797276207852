//! The seam between a resource's neutral half and its clouds.
//!
//! A resource is one [`ResourceKind`] (type name, neutral attributes, validation, planning) and
//! one [`CloudHalf`] per cloud that can host it. [`CloudResource`] joins them: its schema holds
//! the neutral attributes plus one optional block per cloud (`aws { }`, `gcp { }`); it refuses a
//! configuration with no cloud block or several, at validate time and before any API call; and it
//! sends every operation to the cloud whose block is set.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use circleci_cty::{AttributePath, Type, Value};
use circleci_nomad::Cloud;
use circleci_tfplugin::from_value;
use circleci_tfplugin::schema::{Block, NestedBlock, Schema};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Operation, Plan, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The neutral half of a resource: what it is, whatever the cloud.
pub trait ResourceKind: Send + Sync + 'static {
    /// The full type name, e.g. `circleciserver_load_balancer`.
    fn type_name(&self) -> &'static str;

    /// What the resource is called in messages, e.g. "load balancer".
    fn noun(&self) -> &'static str;

    /// The neutral attributes and blocks (e.g. `timeouts`); the cloud blocks are added by
    /// [`CloudResource`].
    fn block(&self) -> Block;

    /// Rules across neutral attributes. Unknown values must pass.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Neutral planning (e.g. values derived from other attributes), before the cloud's own.
    fn modify_plan(&self, _cloud: Cloud, _plan: &mut Plan<'_>) {}

    fn default_timeout(&self, _op: Operation) -> Duration {
        Duration::from_secs(20 * 60)
    }
}

/// One cloud's half of a resource: its block and everything that talks to the cloud.
///
/// Values passed in are the whole resource (neutral attributes and this cloud's block); values
/// returned may leave out other clouds' blocks: [`CloudResource`] fills them with null.
#[async_trait]
pub trait CloudHalf<D: Send + Sync + 'static>: Send + Sync {
    fn cloud(&self) -> Cloud;

    /// The cloud's block: its settings and the outputs only it has.
    fn block(&self) -> Block;

    /// Rules of this cloud (naming rules, combinations), on the whole configuration. Only called
    /// when this cloud's block is the one set. Unknown values must pass.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn modify_plan(&self, _ctx: &Context<D>, _plan: &mut Plan<'_>) {}

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure>;

    /// `None` when the resource no longer exists.
    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics>;

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure>;

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure>;

    /// What this cloud's import IDs look like, for the message when none matches.
    fn import_id_format(&self) -> &'static str;

    /// A minimal state from an import ID (Terraform then calls read), or `None` when `id` is
    /// not this cloud's kind of ID.
    async fn import(&self, ctx: &Context<D>, id: &str) -> Result<Option<Value>, Diagnostics>;
}

/// The usual way to write a [`CloudHalf`]: on typed models. The seam reads each value into a
/// [`CloudModel`] of the neutral `Spec` and this cloud's `Settings`, and writes the answer back.
#[async_trait]
pub trait TypedCloudHalf<D: Send + Sync + 'static>: Send + Sync {
    /// The neutral attributes (from the resource's module in this crate).
    type Spec: Serialize + DeserializeOwned + Default + Send + Sync;
    /// This cloud's block.
    type Settings: Serialize + DeserializeOwned + Default + Send + Sync;

    fn cloud(&self) -> Cloud;

    fn block(&self) -> Block;

    /// See [`CloudHalf::validate`].
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn modify_plan(&self, _ctx: &Context<D>, _plan: &mut Plan<'_>) {}

    async fn create(
        &self,
        ctx: &Context<D>,
        planned: CloudModel<Self::Spec, Self::Settings>,
    ) -> Result<CloudModel<Self::Spec, Self::Settings>, Failure>;

    /// `None` when the resource no longer exists.
    async fn read(
        &self,
        ctx: &Context<D>,
        state: CloudModel<Self::Spec, Self::Settings>,
    ) -> Result<Option<CloudModel<Self::Spec, Self::Settings>>, Diagnostic>;

    async fn update(
        &self,
        ctx: &Context<D>,
        prior: CloudModel<Self::Spec, Self::Settings>,
        planned: CloudModel<Self::Spec, Self::Settings>,
    ) -> Result<CloudModel<Self::Spec, Self::Settings>, Failure>;

    async fn delete(&self, ctx: &Context<D>, prior: CloudModel<Self::Spec, Self::Settings>) -> Result<(), Failure>;

    fn import_id_format(&self) -> &'static str;

    /// The state to read after `terraform import`, or `None` when `id` is not this cloud's kind
    /// of ID.
    fn import(&self, id: &str) -> Option<CloudModel<Self::Spec, Self::Settings>>;
}

#[async_trait]
impl<D: Send + Sync + 'static, T: TypedCloudHalf<D>> CloudHalf<D> for T {
    fn cloud(&self) -> Cloud {
        TypedCloudHalf::cloud(self)
    }

    fn block(&self) -> Block {
        TypedCloudHalf::block(self)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        TypedCloudHalf::validate(self, config, diags)
    }

    async fn modify_plan(&self, ctx: &Context<D>, plan: &mut Plan<'_>) {
        TypedCloudHalf::modify_plan(self, ctx, plan).await
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let cloud = TypedCloudHalf::cloud(self);
        let model = TypedCloudHalf::create(self, ctx, CloudModel::read(planned, cloud)?).await?;
        Ok(model.value(cloud)?)
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let cloud = TypedCloudHalf::cloud(self);
        match TypedCloudHalf::read(self, ctx, CloudModel::read(state, cloud)?).await? {
            Some(model) => Ok(Some(model.value(cloud)?)),
            None => Ok(None),
        }
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        let cloud = TypedCloudHalf::cloud(self);
        let (prior, planned) = (CloudModel::read(prior, cloud)?, CloudModel::read(planned, cloud)?);
        let model = TypedCloudHalf::update(self, ctx, prior, planned).await?;
        Ok(model.value(cloud)?)
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        let cloud = TypedCloudHalf::cloud(self);
        TypedCloudHalf::delete(self, ctx, CloudModel::read(prior, cloud)?).await
    }

    fn import_id_format(&self) -> &'static str {
        TypedCloudHalf::import_id_format(self)
    }

    async fn import(&self, _ctx: &Context<D>, id: &str) -> Result<Option<Value>, Diagnostics> {
        match TypedCloudHalf::import(self, id) {
            Some(model) => Ok(Some(model.value(TypedCloudHalf::cloud(self))?)),
            None => Ok(None),
        }
    }
}

/// A resource made of a neutral half and its clouds' halves.
pub struct CloudResource<D> {
    kind: Box<dyn ResourceKind>,
    clouds: Vec<Arc<dyn CloudHalf<D>>>,
}

impl<D: Send + Sync + 'static> CloudResource<D> {
    pub fn new(kind: impl ResourceKind, clouds: Vec<Arc<dyn CloudHalf<D>>>) -> Self {
        CloudResource {
            kind: Box::new(kind),
            clouds,
        }
    }

    fn full_block(&self) -> Block {
        let mut block = self.kind.block();
        for cloud in &self.clouds {
            block = block.block(NestedBlock::single(cloud.cloud().block_name(), cloud.block()));
        }
        block
    }

    fn value_type(&self) -> Type {
        self.full_block().value_type()
    }

    fn block_names(&self) -> String {
        let names: Vec<String> = self
            .clouds
            .iter()
            .map(|c| format!("`{}`", c.cloud().block_name()))
            .collect();
        match names.as_slice() {
            [] => "a cloud block (this build of the provider has no cloud)".to_string(),
            [one] => format!("the block {one}"),
            [init @ .., last] => format!("one of the blocks {} or {last}", init.join(", ")),
        }
    }

    /// The clouds whose block is set (or may be: an unknown dynamic block counts).
    fn clouds_set(&self, value: &Value) -> Vec<&Arc<dyn CloudHalf<D>>> {
        self.clouds
            .iter()
            .filter(|c| !value.attr(c.cloud().block_name()).is_null())
            .collect()
    }

    /// The cloud that holds a planned or stored resource.
    fn cloud_of(&self, value: &Value) -> Result<&Arc<dyn CloudHalf<D>>, Diagnostic> {
        self.clouds_set(value).into_iter().next().ok_or_else(|| {
            Diagnostic::error(
                format!("No cloud block in {}", self.kind.type_name()),
                format!(
                    "The {} names no cloud: it needs {}. If this state was written by another provider build, \
                     remove it with `terraform state rm` and import it again.",
                    self.kind.noun(),
                    self.block_names()
                ),
            )
        })
    }

    /// A cloud's answer in the resource's full shape (other clouds' blocks null).
    fn conform(&self, value: Value) -> Result<Value, Diagnostic> {
        circleci_cty::json::from_json(&value.to_json(), &self.value_type()).map_err(|e| {
            Diagnostic::error(
                "Unexpected value shape",
                format!("The provider could not shape a value: {e}. This is a provider bug."),
            )
        })
    }

    /// A half-destroyed resource (read found its primary part gone and other parts it made still
    /// there, and said so with a null `id`) is replaced: the destroy half removes what is left,
    /// the create half makes it whole. Without this the plan would be empty and the parts
    /// orphaned by the next destroy's "gone" read, or kept without their primary part.
    fn replace_half_destroyed(&self, plan: &mut Plan<'_>) {
        let has_id = self.full_block().attributes.iter().any(|a| a.name == "id");
        let destroying = plan.planned.is_null();
        if !has_id || destroying || plan.prior.is_null() || !plan.prior.attr("id").is_null() {
            return;
        }
        plan.planned.set_attr("id", Value::Unknown);
        plan.requires_replace.push(AttributePath::root().attr("id"));
        plan.diagnostics.push(Diagnostic::warning(
            format!("Part of this {} is gone", self.kind.noun()),
            format!(
                "The {} itself no longer exists, but parts made for it do (a destroy or an apply that stopped \
                 part-way, or a deletion outside Terraform). Apply replaces it: what is left is deleted, then it is \
                 made whole; destroy deletes what is left.",
                self.kind.noun()
            ),
        ));
    }

    fn conform_failure(&self, mut failure: Failure) -> Failure {
        if let Some(partial) = failure.partial_state.take() {
            match self.conform(partial) {
                Ok(v) => failure.partial_state = Some(v),
                Err(d) => failure.diagnostics.push(d),
            }
        }
        failure
    }
}

#[async_trait]
impl<D: Send + Sync + 'static> Resource<D> for CloudResource<D> {
    fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    fn schema(&self) -> Schema {
        Schema::new(self.full_block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        self.kind.validate(config, diags);
        // A block still unknown (a `dynamic` block on a module's variable, which Terraform
        // validates before the variable is known, arrives with every attribute unknown) may
        // turn out null: judged again at plan, when Terraform validates the known values.
        let known: Vec<_> = self
            .clouds_set(config)
            .into_iter()
            .filter(|c| !placeholder(config.attr(c.cloud().block_name())))
            .collect();
        let unknown = self.clouds_set(config).len() > known.len();
        match known.as_slice() {
            [cloud] => cloud.validate(config, diags),
            [] if unknown => {}
            [] => diags.push(Diagnostic::error(
                format!("Missing cloud block in {}", self.kind.type_name()),
                format!(
                    "Add {}: it says which cloud the {} lives in.",
                    self.block_names(),
                    self.kind.noun()
                ),
            )),
            several => {
                let set: Vec<&str> = several.iter().map(|c| c.cloud().block_name()).collect();
                diags.push(Diagnostic::error(
                    format!("More than one cloud block in {}", self.kind.type_name()),
                    format!(
                        "It takes exactly {}, and this configuration sets {}. A {} lives in one cloud: keep its block \
                         and remove the others (or make one resource per cloud).",
                        self.block_names(),
                        set.join(" and "),
                        self.kind.noun()
                    ),
                ));
            }
        }
    }

    async fn modify_plan(&self, ctx: &Context<D>, plan: &mut Plan<'_>) {
        let Ok(cloud) = self.cloud_of(&plan.planned) else {
            return; // validate has already said so
        };
        self.kind.modify_plan(cloud.cloud(), plan);
        self.replace_half_destroyed(plan);
        cloud.modify_plan(ctx, plan).await;
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let cloud = self.cloud_of(planned)?;
        match cloud.create(ctx, planned).await {
            Ok(v) => Ok(self.conform(v)?),
            Err(f) => Err(self.conform_failure(f)),
        }
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let cloud = self.cloud_of(state)?;
        match cloud.read(ctx, state).await? {
            Some(v) => Ok(Some(self.conform(v)?)),
            None => Ok(None),
        }
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        let cloud = self.cloud_of(prior)?;
        match cloud.update(ctx, prior, planned).await {
            Ok(v) => Ok(self.conform(v)?),
            Err(f) => Err(self.conform_failure(f)),
        }
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        self.cloud_of(prior)?.delete(ctx, prior).await
    }

    async fn import(&self, ctx: &Context<D>, id: &str) -> Result<Value, Diagnostics> {
        for cloud in &self.clouds {
            if let Some(state) = cloud.import(ctx, id).await? {
                return Ok(self.conform(state)?);
            }
        }
        let formats: Vec<String> = self
            .clouds
            .iter()
            .map(|c| format!("{}: {}", c.cloud(), c.import_id_format()))
            .collect();
        Err(Diagnostic::error(
            "Invalid import ID",
            format!(
                "{id:?} is not an ID of a {}. Import by {}.",
                self.kind.noun(),
                formats.join("; or ")
            ),
        )
        .into())
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        self.kind.default_timeout(op)
    }
}

/// True for a block that may not exist: unknown, or an object with no known value, only
/// unknown and null ones (what a `dynamic` block with an unknown `for_each` becomes: what its
/// content sets is unknown, the rest null).
fn placeholder(block: &Value) -> bool {
    match block {
        Value::Unknown => true,
        Value::Object(attributes) => {
            attributes.values().any(|v| v.is_unknown()) && attributes.values().all(|v| v.is_unknown() || v.is_null())
        }
        _ => false,
    }
}

/// Plans the access outputs `outputs` of the cloud block `block` as they are, unless the kind of
/// access (at `kind` in the whole value) changes: only a new role, service account or key changes
/// them, and then they are unknown until applied. Nothing to do on create (all unknown).
pub fn keep_access_outputs(plan: &mut Plan<'_>, block: &str, kind: &circleci_cty::AttributePath, outputs: &[&str]) {
    if plan.prior.is_null() {
        return;
    }
    let changed = plan.planned.at(kind) != plan.prior.at(kind);
    let prior = plan.prior.attr(block).clone();
    if let Some(planned) = plan.planned.attr_mut(block) {
        for name in outputs {
            let value = if changed {
                Value::Unknown
            } else {
                prior.attr(name).clone()
            };
            planned.set_attr(name, value);
        }
    }
}

/// Clouds list things in their own order; a list read back keeps the configuration's (`prior`)
/// order, with anything the configuration does not name at the end.
pub fn in_prior_order(prior: &[String], mut found: Vec<String>) -> Vec<String> {
    found.sort_by_key(|c| prior.iter().position(|p| p == c).unwrap_or(usize::MAX));
    found
}

/// A typed model as a value, for a [`CloudHalf`] to return (the seam gives it the full shape).
pub fn model_value<T: Serialize>(model: &T) -> Result<Value, Diagnostic> {
    let json = serde_json::to_value(model)
        .map_err(|e| Diagnostic::error("Unexpected value shape", format!("{e}. This is a provider bug.")))?;
    Ok(untyped(&json))
}

/// A resource's value read as two typed models: the neutral attributes (`spec`) and one cloud's
/// block (`settings`). Two reads rather than `#[serde(flatten)]`, which cannot carry numbers with
/// serde_json's `arbitrary_precision` (serde-rs/json#505).
#[derive(Debug, Clone, Default)]
pub struct CloudModel<S, C> {
    pub spec: S,
    pub settings: C,
}

impl<S: DeserializeOwned + Serialize, C: DeserializeOwned + Serialize + Default> CloudModel<S, C> {
    pub fn read(value: &Value, cloud: Cloud) -> Result<Self, Diagnostic> {
        let settings = match value.attr(cloud.block_name()) {
            Value::Null => C::default(),
            block => from_value(block)?,
        };
        Ok(CloudModel {
            spec: from_value(value)?,
            settings,
        })
    }

    pub fn value(&self, cloud: Cloud) -> Result<Value, Diagnostic> {
        let mut value = model_value(&self.spec)?;
        value.set_attr(cloud.block_name(), model_value(&self.settings)?);
        Ok(value)
    }
}

/// JSON as a value without a schema; [`CloudResource`] converts it to the schema's types.
fn untyped(json: &serde_json::Value) -> Value {
    use serde_json::Value as Json;
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => circleci_cty::Number::parse(&n.to_string())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::List(items.iter().map(untyped).collect()),
        Json::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), untyped(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use circleci_tfplugin::schema::Attribute;

    struct Widget;
    impl ResourceKind for Widget {
        fn type_name(&self) -> &'static str {
            "circleciserver_widget"
        }
        fn noun(&self) -> &'static str {
            "widget"
        }
        fn block(&self) -> Block {
            Block::new("A widget.").attribute(Attribute::required("name", Type::String, "Name."))
        }
    }

    struct Half(Cloud);
    #[async_trait]
    impl CloudHalf<()> for Half {
        fn cloud(&self) -> Cloud {
            self.0
        }
        fn block(&self) -> Block {
            Block::new("settings").attribute(Attribute::computed("id", Type::String, "Id."))
        }
        async fn create(&self, _: &Context<()>, planned: &Value) -> Result<Value, Failure> {
            let mut state = planned.clone();
            let mut block = planned.attr(self.0.block_name()).clone();
            block.set_attr("id", Value::from("made"));
            state.set_attr(self.0.block_name(), block);
            Ok(state)
        }
        async fn read(&self, _: &Context<()>, state: &Value) -> Result<Option<Value>, Diagnostics> {
            Ok(Some(state.clone()))
        }
        async fn update(&self, _: &Context<()>, _: &Value, planned: &Value) -> Result<Value, Failure> {
            Ok(planned.clone())
        }
        async fn delete(&self, _: &Context<()>, _: &Value) -> Result<(), Failure> {
            Ok(())
        }
        fn import_id_format(&self) -> &'static str {
            "a name"
        }
        async fn import(&self, _: &Context<()>, _: &str) -> Result<Option<Value>, Diagnostics> {
            Ok(None)
        }
    }

    fn widget() -> CloudResource<()> {
        CloudResource::new(Widget, vec![Arc::new(Half(Cloud::Aws)), Arc::new(Half(Cloud::Gcp))])
    }

    fn config(blocks: &[&str]) -> Value {
        let mut v = widget().full_block().null_object();
        v.set_attr("name", Value::from("w"));
        for b in blocks {
            v.set_attr(b, Value::object([("id", Value::Null)]));
        }
        v
    }

    fn errors(blocks: &[&str]) -> Vec<Diagnostic> {
        let mut diags = Diagnostics::default();
        widget().validate(&config(blocks), &mut diags);
        diags.0
    }

    #[test]
    fn exactly_one_cloud_block() {
        assert!(errors(&["aws"]).is_empty());
        assert!(errors(&["gcp"]).is_empty());
        let none = errors(&[]);
        assert_eq!(none.len(), 1, "one diagnostic");
        assert!(none[0].detail.contains("`aws` or `gcp`"), "{}", none[0].detail);
        let both = errors(&["aws", "gcp"]);
        assert_eq!(both.len(), 1, "one diagnostic");
        assert!(both[0].detail.contains("sets aws and gcp"), "{}", both[0].detail);
    }

    /// `dynamic` blocks on a module's variables are unknown when Terraform validates a module:
    /// they are judged at plan, when known.
    #[test]
    fn unknown_cloud_blocks_wait_for_plan() {
        let with = |aws: Value, gcp: Value| {
            let mut v = config(&[]);
            v.set_attr("aws", aws);
            v.set_attr("gcp", gcp);
            let mut diags = Diagnostics::default();
            widget().validate(&v, &mut diags);
            diags.0
        };
        let known = Value::object([("id", Value::Null)]);
        assert!(with(Value::Unknown, Value::Unknown).is_empty());
        assert!(with(Value::Unknown, Value::Null).is_empty());
        assert!(with(known.clone(), Value::Unknown).is_empty());
        let placeholder = Value::object([("id", Value::Unknown), ("computed", Value::Null)]);
        assert!(
            with(placeholder.clone(), placeholder).is_empty(),
            "a dynamic block's placeholder"
        );
        assert_eq!(
            with(known.clone(), known).len(),
            1,
            "two known blocks are still refused"
        );
    }

    #[test]
    fn schema_has_one_block_per_cloud_and_answers_are_conformed() {
        let w = widget();
        let schema = w.schema();
        assert!(schema.block.find_block("aws").is_some() && schema.block.find_block("gcp").is_some());
        // A half that answers without the other cloud's block still yields the full shape.
        let partial = Value::object([
            ("name", Value::from("w")),
            ("aws", Value::object([("id", Value::from("x"))])),
        ]);
        let full = w.conform(partial).unwrap();
        assert!(full.attr("gcp").is_null());
        assert_eq!(full.attr("aws").attr("id"), &Value::from("x"));
    }
}
