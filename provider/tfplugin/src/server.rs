//! The tfplugin6 gRPC service: decodes each request, dispatches to the provider's resources
//! through the generic framework, and encodes the answer.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use circleci_cty::{AttributePath, PathStep, Type, Value, json, msgpack};
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use crate::plan::{apply_env_fallbacks, plan_block, validate_block};
use crate::proto::plugin;
use crate::proto::tfplugin6 as pb;
use crate::resource::{Context, DataSource, Operation, Plan, Provider, Resource, configured_timeout};
use crate::schema::{Block, Mode, NestedBlock, Nesting, Schema};
use crate::{Diagnostic, Diagnostics, Severity};

struct ResourceEntry<D> {
    resource: Arc<dyn Resource<D>>,
    schema: Schema,
    ty: Type,
}

struct DataSourceEntry<D> {
    data_source: Arc<dyn DataSource<D>>,
    schema: Schema,
    ty: Type,
}

/// Serves one [`Provider`] over tfplugin6.
pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_type: Type,
    resources: HashMap<&'static str, ResourceEntry<P::Data>>,
    data_sources: HashMap<&'static str, DataSourceEntry<P::Data>>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: watch::Sender<bool>,
    schema_response: pb::get_provider_schema::Response,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let resources: HashMap<_, _> = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let ty = schema.block.value_type();
                (resource.type_name(), ResourceEntry { resource, schema, ty })
            })
            .collect();
        let data_sources: HashMap<_, _> = provider
            .data_sources()
            .into_iter()
            .map(|data_source| {
                let schema = data_source.schema();
                let ty = schema.block.value_type();
                (
                    data_source.type_name(),
                    DataSourceEntry {
                        data_source,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(k, e)| (k.to_string(), schema_to_proto(&e.schema)))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(k, e)| (k.to_string(), schema_to_proto(&e.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        ProviderService {
            provider_type: provider_schema.block.value_type(),
            provider: Arc::new(provider),
            provider_schema,
            resources,
            data_sources,
            data: RwLock::new(None),
            stop: watch::channel(false).0,
            schema_response,
        }
    }

    fn context(&self, private: &[u8]) -> Context<P::Data> {
        let data = self.data.read().ok().and_then(|d| d.clone());
        Context::new(data, self.stop.subscribe(), private)
    }

    /// The resource type `type_name`; an unknown one is answered with a diagnostic, as
    /// terraform-plugin-go's servers do, not a transport error.
    fn resource(&self, type_name: &str) -> Result<&ResourceEntry<P::Data>, Vec<pb::Diagnostic>> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource type", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry<P::Data>, Vec<pb::Diagnostic>> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Vec<pb::Diagnostic> {
    diags_to_proto(
        &Diagnostic::error(
            format!("Unknown {kind}"),
            format!("This provider has no {kind} {type_name:?}: check the provider's version and its documentation."),
        )
        .into(),
    )
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
        attributes: block
            .attributes
            .iter()
            .map(|a| pb::schema::Attribute {
                name: a.name.clone(),
                r#type: a.ty.to_json_bytes(),
                nested_type: None,
                description: a.full_description(),
                description_kind: pb::StringKind::Markdown as i32,
                required: a.mode == Mode::Required,
                optional: matches!(a.mode, Mode::Optional | Mode::OptionalComputed),
                computed: a.is_computed(),
                sensitive: a.sensitive,
                deprecated: a.deprecated.is_some(),
            })
            .collect(),
        block_types: block.blocks.iter().map(nested_to_proto).collect(),
    }
}

fn nested_to_proto(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
    };
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block_to_proto(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

fn diags_to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .0
        .iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error,
                Severity::Warning => pb::diagnostic::Severity::Warning,
            } as i32,
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.path.as_ref().filter(|p| !p.is_root()).map(path_to_proto),
        })
        .collect()
}

fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostic> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        json::decode(&value.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| {
        let d = Diagnostic::error(
            "Invalid value from Terraform",
            format!("The provider could not decode a value: {e}"),
        );
        if e.path.is_root() { d } else { d.at(&e.path) }
    })
}

fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    msgpack::encode(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                "Provider produced an invalid value",
                format!("{e}. This is a provider bug."),
            )
        })
}

/// Logs the RPC's duration at debug level so `TF_LOG=debug` (and the benchmark) can see where
/// time goes.
struct RpcTimer {
    method: &'static str,
    type_name: String,
    started: Instant,
}

impl RpcTimer {
    fn start(method: &'static str, type_name: &str) -> Self {
        tracing::trace!(rpc = method, type_name, "rpc start");
        RpcTimer {
            method,
            type_name: type_name.to_string(),
            started: Instant::now(),
        }
    }
}

impl Drop for RpcTimer {
    fn drop(&mut self) {
        let elapsed_us = self.started.elapsed().as_micros() as u64;
        tracing::debug!(rpc = self.method, type_name = %self.type_name, elapsed_us, "rpc done");
    }
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(&self, _: Request<pb::get_metadata::Request>) -> Rpc<pb::get_metadata::Response> {
        let _t = RpcTimer::start("GetMetadata", "");
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: self
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        let _t = RpcTimer::start("GetProviderSchema", "");
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        let _t = RpcTimer::start("ValidateProviderConfig", "");
        let mut diags = Diagnostics::default();
        match decode(request.get_ref().config.as_ref(), &self.provider_type) {
            Ok(config) => {
                validate_block(&self.provider_schema.block, &config, &AttributePath::root(), &mut diags);
                self.provider.validate(&config, &mut diags);
            }
            Err(d) => diags.push(d),
        }
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ValidateResourceConfig", &request.type_name);
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => return Ok(Response::new(pb::validate_resource_config::Response { diagnostics })),
        };
        let mut diags = Diagnostics::default();
        match decode(request.config.as_ref(), &entry.ty) {
            Ok(config) => {
                validate_block(&entry.schema.block, &config, &AttributePath::root(), &mut diags);
                entry.resource.validate(&config, &mut diags);
            }
            Err(d) => diags.push(d),
        }
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ValidateDataResourceConfig", &request.type_name);
        let entry = match self.data_source(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::validate_data_resource_config::Response {
                    diagnostics,
                }));
            }
        };
        let mut diags = Diagnostics::default();
        match decode(request.config.as_ref(), &entry.ty) {
            Ok(config) => {
                validate_block(&entry.schema.block, &config, &AttributePath::root(), &mut diags);
                entry.data_source.validate(&config, &mut diags);
            }
            Err(d) => diags.push(d),
        }
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("UpgradeResourceState", &request.type_name);
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::upgrade_resource_state::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let mut diags = Diagnostics::default();
        let raw = request.raw_state.unwrap_or_default();
        let upgraded = (|| {
            if raw.json.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "This state was written in the legacy flatmap format, which this provider never wrote.",
                )
                .into());
            }
            let mut state: serde_json::Value = serde_json::from_slice(&raw.json)
                .map_err(|e| Diagnostic::error("Invalid stored state", format!("The state is not valid JSON: {e}")))?;
            if request.version > entry.schema.version {
                return Err(Diagnostic::error(
                    "State written by a newer provider",
                    format!(
                        "This {} state has schema version {}, newer than this provider's {}; upgrade the provider.",
                        request.type_name, request.version, entry.schema.version
                    ),
                )
                .into());
            }
            if request.version < entry.schema.version {
                state = entry.resource.upgrade_state(request.version, state)?;
            }
            let value = json::from_json(&state, &entry.ty).map_err(|e| {
                Diagnostic::error(
                    "Invalid stored state",
                    format!("The stored state does not match the schema: {e}"),
                )
            })?;
            encode(&value, &entry.ty).map_err(Diagnostics::from)
        })();
        let upgraded_state = match upgraded {
            Ok(v) => Some(v),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ConfigureProvider", "");
        let mut diags = Diagnostics::default();
        match decode(request.config.as_ref(), &self.provider_type) {
            Ok(mut config) => {
                apply_env_fallbacks(
                    &self.provider_schema.block,
                    &mut config,
                    &AttributePath::root(),
                    &mut diags,
                );
                if !diags.has_errors() {
                    match self.provider.configure(&config, &request.terraform_version).await {
                        Ok(data) => {
                            if let Ok(mut slot) = self.data.write() {
                                *slot = Some(Arc::new(data));
                            }
                        }
                        Err(d) => diags.extend(d),
                    }
                }
            }
            Err(d) => diags.push(d),
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn read_resource(&self, request: Request<pb::read_resource::Request>) -> Rpc<pb::read_resource::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ReadResource", &request.type_name);
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::read_resource::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let mut diags = Diagnostics::default();
        let ctx = self
            .context(&request.private)
            .for_operation(Operation::Read, entry.resource.default_timeout(Operation::Read));
        let mut new_state = request.current_state.clone();
        match decode(request.current_state.as_ref(), &entry.ty) {
            Ok(state) if state.is_null() => {}
            Ok(state) => match entry.resource.read(&ctx, &state).await {
                Ok(Some(v)) => match encode(&v, &entry.ty) {
                    Ok(enc) => new_state = Some(enc),
                    Err(d) => diags.push(d),
                },
                Ok(None) => {
                    tracing::info!(type_name = %request.type_name, "resource no longer exists; removing it from state");
                    new_state = encode(&Value::Null, &entry.ty).ok();
                }
                Err(d) => diags.extend(d),
            },
            Err(d) => diags.push(d),
        }
        diags.0.extend(ctx.take_warnings());
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: diags_to_proto(&diags),
            private: ctx.private_bytes(),
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("PlanResourceChange", &request.type_name);
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::plan_resource_change::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let ctx = self.context(&request.prior_private);
        let decoded = (|| {
            Ok::<_, Diagnostic>((
                decode(request.prior_state.as_ref(), &entry.ty)?,
                decode(request.proposed_new_state.as_ref(), &entry.ty)?,
                decode(request.config.as_ref(), &entry.ty)?,
            ))
        })();
        let (prior, proposed, config) = match decoded {
            Ok(v) => v,
            Err(d) => {
                return Ok(Response::new(pb::plan_resource_change::Response {
                    diagnostics: diags_to_proto(&d.into()),
                    ..Default::default()
                }));
            }
        };
        if proposed.is_null() {
            // Destroy: nothing to plan, but perhaps something to say.
            let mut diags = Diagnostics::default();
            if !prior.is_null() {
                entry.resource.plan_destroy(&prior, &mut diags);
            }
            return Ok(Response::new(pb::plan_resource_change::Response {
                planned_state: request.proposed_new_state,
                planned_private: request.prior_private,
                diagnostics: diags_to_proto(&diags),
                ..Default::default()
            }));
        }
        let mut requires_replace = Vec::new();
        let planned = plan_block(
            &entry.schema.block,
            &prior,
            &proposed,
            &config,
            &AttributePath::root(),
            &mut requires_replace,
        );
        let mut plan = Plan {
            prior: &prior,
            config: &config,
            planned,
            requires_replace,
            diagnostics: Diagnostics::default(),
        };
        entry.resource.modify_plan(&ctx, &mut plan).await;
        let mut diags = plan.diagnostics;
        let planned_state = match encode(&plan.planned, &entry.ty) {
            Ok(v) => Some(v),
            Err(d) => {
                diags.push(d);
                None
            }
        };
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: plan.requires_replace.iter().map(path_to_proto).collect(),
            planned_private: ctx.private_bytes(),
            diagnostics: diags_to_proto(&diags),
            legacy_type_system: false,
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ApplyResourceChange", &request.type_name);
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::apply_resource_change::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let ctx = self.context(&request.planned_private);
        let decoded = (|| {
            Ok::<_, Diagnostic>((
                decode(request.prior_state.as_ref(), &entry.ty)?,
                decode(request.planned_state.as_ref(), &entry.ty)?,
            ))
        })();
        let (prior, planned) = match decoded {
            Ok(v) => v,
            Err(d) => {
                return Ok(Response::new(pb::apply_resource_change::Response {
                    new_state: request.prior_state,
                    diagnostics: diags_to_proto(&d.into()),
                    ..Default::default()
                }));
            }
        };
        let type_name = request.type_name.as_str();
        let (op, timeouts_from) = if planned.is_null() {
            (Operation::Delete, &prior)
        } else if prior.is_null() {
            (Operation::Create, &planned)
        } else {
            (Operation::Update, &planned)
        };
        let timeout = configured_timeout(timeouts_from, op).unwrap_or_else(|| entry.resource.default_timeout(op));
        let ctx = ctx.for_operation(op, timeout);
        let (op, result) = if planned.is_null() {
            tracing::info!(type_name, "deleting");
            (
                Operation::Delete,
                entry.resource.delete(&ctx, &prior).await.map(|()| Value::Null),
            )
        } else if prior.is_null() {
            tracing::info!(type_name, "creating");
            (Operation::Create, entry.resource.create(&ctx, &planned).await)
        } else {
            tracing::info!(type_name, "updating");
            (Operation::Update, entry.resource.update(&ctx, &prior, &planned).await)
        };
        let mut diags = Diagnostics::default();
        let new_state = match result {
            Ok(state) if !state.is_wholly_known() => {
                diags.error(
                    "Provider left values unknown",
                    format!(
                        "{type_name} {} returned unknown values. This is a provider bug.",
                        op.name()
                    ),
                );
                prior.clone()
            }
            Ok(state) => state,
            Err(failure) => {
                tracing::warn!(type_name, op = op.name(), "operation failed");
                diags.extend(failure.diagnostics);
                // Keep what exists: a partial state if the resource reported one, else the prior.
                // Values the failure left undecided are saved as null.
                failure
                    .partial_state
                    .map(|s| s.unknown_as_null())
                    .unwrap_or_else(|| prior.clone())
            }
        };
        let new_state = match encode(&new_state, &entry.ty) {
            Ok(v) => Some(v),
            Err(d) => {
                diags.push(d);
                request.prior_state
            }
        };
        diags.0.extend(ctx.take_warnings());
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private: ctx.private_bytes(),
            diagnostics: diags_to_proto(&diags),
            legacy_type_system: false,
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ImportResourceState", &request.type_name);
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::import_resource_state::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let ctx = self.context(&[]);
        let mut diags = Diagnostics::default();
        let mut imported_resources = Vec::new();
        match entry.resource.import(&ctx, &request.id).await {
            Ok(state) => match encode(&state, &entry.ty) {
                Ok(state) => imported_resources.push(pb::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(state),
                    private: ctx.private_bytes(),
                }),
                Err(d) => diags.push(d),
            },
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn move_resource_state(
        &self,
        _: Request<pb::move_resource_state::Request>,
    ) -> Rpc<pb::move_resource_state::Response> {
        let diags: Diagnostics = Diagnostic::error(
            "Moving state is not supported",
            "This provider does not support moved blocks between resource types.",
        )
        .into();
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: diags_to_proto(&diags),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        let request = request.into_inner();
        let _t = RpcTimer::start("ReadDataSource", &request.type_name);
        let entry = match self.data_source(&request.type_name) {
            Ok(entry) => entry,
            Err(diagnostics) => {
                return Ok(Response::new(pb::read_data_source::Response {
                    diagnostics,
                    ..Default::default()
                }));
            }
        };
        let ctx = self.context(&[]);
        let mut diags = Diagnostics::default();
        let mut state = None;
        match decode(request.config.as_ref(), &entry.ty) {
            Ok(mut config) => {
                crate::plan::apply_defaults(&entry.schema.block, &mut config);
                match entry.data_source.read(&ctx, &config).await {
                    Ok(v) => match encode(&v, &entry.ty) {
                        Ok(v) => state = Some(v),
                        Err(d) => diags.push(d),
                    },
                    Err(d) => diags.extend(d),
                }
            }
            Err(d) => diags.push(d),
        }
        diags.0.extend(ctx.take_warnings());
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diags_to_proto(&diags),
        }))
    }

    async fn get_functions(&self, _: Request<pb::get_functions::Request>) -> Rpc<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(&self, request: Request<pb::call_function::Request>) -> Rpc<pb::call_function::Response> {
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!("this provider has no function {}", request.get_ref().name),
                function_argument: None,
            }),
        }))
    }

    async fn stop_provider(&self, _: Request<pb::stop_provider::Request>) -> Rpc<pb::stop_provider::Response> {
        tracing::info!("StopProvider: asking running operations to stop");
        let _ = self.stop.send(true);
        Ok(Response::new(pb::stop_provider::Response { error: String::new() }))
    }
}

/// go-plugin's controller: Shutdown ends the process promptly.
pub(crate) struct Controller {
    pub shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<plugin::Empty>) -> Rpc<plugin::Empty> {
        tracing::debug!("Shutdown requested");
        let _ = self.shutdown.send(true);
        Ok(Response::new(plugin::Empty {}))
    }
}

/// go-plugin's stdio stream: we never write to stdout/stderr besides logs, so the stream stays
/// open and silent until shutdown.
pub(crate) struct Stdio {
    pub shutdown: watch::Receiver<bool>,
}

type StdioStream = Pin<Box<dyn futures::Stream<Item = Result<plugin::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(&self, _: Request<plugin::Empty>) -> Rpc<Self::StreamStdioStream> {
        let mut shutdown = self.shutdown.clone();
        let stream = futures::stream::once(async move {
            let _ = shutdown.wait_for(|s| *s).await;
            None
        })
        .filter_map(futures::future::ready);
        Ok(Response::new(Box::pin(stream)))
    }
}

use futures::StreamExt as _;
