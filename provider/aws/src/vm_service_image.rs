//! `circleci_vm_service_image` on AWS: a machine image for the VM service, copied into the
//! user's own account and region from a source AMI (by id, or the newest matching a filter),
//! optionally encrypted, tagged, and waited for until available. Destroy deregisters it and
//! deletes its snapshots.
//!
//! Import: `terraform import circleci_vm_service_image.NAME AMI_ID`. The source is recorded in
//! the image's tags when it is made, so an import reads it back.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ImageState, Tag};
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure, Operation, Resource, timeouts_block, validators};

use crate::{Aws, AwsData, error};

pub struct VmServiceImage;

const SOURCE_TAG: &str = "circleci-server:source-image";
const FILTER_TAG: &str = "circleci-server:source-filter";
const KIND_TAG: &str = "circleci-server:image-kind";
const ENCRYPTED_TAG: &str = "circleci-server:encrypted";

fn block() -> Block {
    Block::new(
        "A machine image for CircleCI Server's VM service, copied into this account and region. Installer fields: \
         *AWS Linux AMI ID* / *AWS Windows AMI ID* take `image_id`.",
    )
    .attribute(
        Attribute::required("name", Type::String, "Name of the copy.")
            .requires_replace()
            .validate(validators::not_empty()),
    )
    .attribute(
        Attribute::optional("kind", Type::String, "`linux` or `windows`.")
            .default(Value::from("linux"))
            .validate(validators::one_of(&["linux", "windows"]))
            .requires_replace(),
    )
    .attribute(Attribute::optional("source_image_id", Type::String, "The AMI to copy.").requires_replace())
    .attribute(
        Attribute::optional(
            "source_region",
            Type::String,
            "Region of the source AMI; defaults to the provider's.",
        )
        .requires_replace(),
    )
    .attribute(
        Attribute::optional("encrypted", Type::Bool, "Encrypt the copy's snapshots.")
            .default(Value::Bool(true))
            .requires_replace(),
    )
    .attribute(
        Attribute::optional(
            "kms_key_id",
            Type::String,
            "KMS key for the snapshots (default: the EBS key).",
        )
        .requires_replace(),
    )
    .attribute(Attribute::optional(
        "tags",
        Type::map(Type::String),
        "Tags of the image.",
    ))
    .block(NestedBlock::single(
        "source_image_filter",
        Block::new("Copy the newest AMI matching this filter instead of `source_image_id`.")
            .attribute(
                Attribute::required("owners", Type::list(Type::String), "Owner account ids or aliases.")
                    .requires_replace(),
            )
            .attribute(Attribute::required("name", Type::String, "Name pattern, `*` allowed.").requires_replace()),
    ))
    .block(timeouts_block(&[Operation::Create, Operation::Delete]))
    .attribute(Attribute::computed("id", Type::String, "The image id.").use_state_for_unknown())
    .attribute(
        Attribute::computed("image_id", Type::String, "The image id, for the installer.").use_state_for_unknown(),
    )
    .attribute(
        Attribute::computed("snapshot_ids", Type::list(Type::String), "The image's snapshots.").use_state_for_unknown(),
    )
    .attribute(
        Attribute::computed("resolved_source_image_id", Type::String, "The AMI that was copied.")
            .use_state_for_unknown(),
    )
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_string)
}

fn own_tags(aws: &Aws, planned: &Value, source: &str) -> BTreeMap<String, String> {
    let mut tags = aws.tags(planned.attr("tags"));
    tags.insert(SOURCE_TAG.into(), source.into());
    tags.insert(KIND_TAG.into(), text(planned, "kind").unwrap_or_else(|| "linux".into()));
    tags.insert(
        ENCRYPTED_TAG.into(),
        planned.attr("encrypted").as_bool().unwrap_or(true).to_string(),
    );
    let filter = planned.attr("source_image_filter");
    if let Some(name) = filter.attr("name").as_str() {
        let owners: Vec<&str> = filter
            .attr("owners")
            .elements()
            .iter()
            .filter_map(|o| o.as_str())
            .collect();
        tags.insert(FILTER_TAG.into(), format!("{}|{name}", owners.join(",")));
    }
    tags
}

/// The newest AMI matching the filter.
async fn resolve(aws: &Aws, filter: &Value) -> Result<String, Diagnostic> {
    let owners: Vec<String> = filter
        .attr("owners")
        .elements()
        .iter()
        .filter_map(|o| o.as_str().map(str::to_string))
        .collect();
    let name = text(filter, "name").unwrap_or_default();
    let out = aws
        .ec2
        .describe_images()
        .set_owners(Some(owners.clone()))
        .filters(Filter::builder().name("name").values(&name).build())
        .filters(Filter::builder().name("state").values("available").build())
        .send()
        .await
        .map_err(|e| error::api("look up the source image", e))?;
    let newest = out
        .images()
        .iter()
        .max_by(|a, b| a.creation_date().cmp(&b.creation_date()));
    newest.and_then(|i| i.image_id()).map(str::to_string).ok_or_else(|| {
        Diagnostic::error(
            "No image matches source_image_filter",
            format!(
                "No available AMI named {name:?} is owned by {owners:?} in {}. Check the filter or the region.",
                aws.region
            ),
        )
        .at(&AttributePath::root().attr("source_image_filter"))
    })
}

async fn describe(aws: &Aws, id: &str) -> Result<Option<aws_sdk_ec2::types::Image>, Diagnostic> {
    match aws.ec2.describe_images().image_ids(id).send().await {
        Ok(out) => Ok(out.images().first().cloned()),
        Err(e) if error::has_code(&e, &["InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"]) => Ok(None),
        Err(e) => Err(error::api(&format!("read image {id}"), e)),
    }
}

fn snapshots(image: &aws_sdk_ec2::types::Image) -> Vec<Value> {
    image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs()?.snapshot_id())
        .map(Value::from)
        .collect()
}

#[async_trait]
impl<D: AwsData> Resource<D> for VmServiceImage {
    fn type_name(&self) -> &'static str {
        "circleci_vm_service_image"
    }

    fn schema(&self) -> Schema {
        Schema::new(block())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let by_id = !config.attr("source_image_id").is_null();
        let by_filter = !config.attr("source_image_filter").is_null();
        if by_id == by_filter {
            diags.attribute_error(
                &AttributePath::root().attr("source_image_id"),
                "Say which image to copy",
                "Set exactly one of source_image_id and a source_image_filter block.",
            );
        }
        if let Some(id) = config.attr("source_image_id").as_str()
            && !id.starts_with("ami-")
        {
            diags.attribute_error(
                &AttributePath::root().attr("source_image_id"),
                "Invalid AMI id",
                format!("{id:?} is not an AMI id (ami-...)."),
            );
        }
        if !config.attr("kms_key_id").is_null() && config.attr("encrypted").as_bool() == Some(false) {
            diags.attribute_error(
                &AttributePath::root().attr("kms_key_id"),
                "KMS key without encryption",
                "kms_key_id needs encrypted = true.",
            );
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: &Value) -> Result<Value, Failure> {
        let aws = ctx.data()?.aws()?;
        let source = match text(planned, "source_image_id") {
            Some(id) => id,
            None => resolve(aws, planned.attr("source_image_filter")).await?,
        };
        let name = text(planned, "name").unwrap_or_default();
        let source_region = text(planned, "source_region").unwrap_or_else(|| aws.region.clone());
        let out = aws
            .ec2
            .copy_image()
            .name(&name)
            .source_image_id(&source)
            .source_region(&source_region)
            .encrypted(planned.attr("encrypted").as_bool().unwrap_or(true))
            .set_kms_key_id(text(planned, "kms_key_id"))
            .description("CircleCI Server VM service image (managed by Terraform)")
            .send()
            .await
            .map_err(|e| error::api(&format!("copy image {source} from {source_region}"), e))?;
        let id = out.image_id().unwrap_or_default().to_string();
        tracing::info!(id, source, "image copy started");
        let mut state = planned.clone();
        state.set_attr("id", Value::from(id.as_str()));
        state.set_attr("image_id", Value::from(id.as_str()));
        state.set_attr("resolved_source_image_id", Value::from(source.as_str()));
        state.set_attr("snapshot_ids", Value::List(vec![]));
        let partial = |state: &Value, d: Diagnostic| Failure::from(d).with_partial_state(state.clone());

        let tags: Vec<Tag> = own_tags(aws, planned, &source)
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        aws.ec2
            .create_tags()
            .resources(&id)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| partial(&state, error::api(&format!("tag image {id}"), e)))?;
        let image = ctx
            .wait_for(
                &format!("image {id} to become available"),
                std::time::Duration::from_secs(15),
                || async {
                    match describe(aws, &id).await? {
                        Some(image) if image.state() == Some(&ImageState::Available) => Ok(Some(image)),
                        Some(image) if image.state() == Some(&ImageState::Failed) => Err(Diagnostic::error(
                            format!("Copying image {id} failed"),
                            image
                                .state_reason()
                                .and_then(|r| r.message())
                                .unwrap_or("AWS gave no reason")
                                .to_string(),
                        )),
                        _ => Ok(None),
                    }
                },
            )
            .await
            .map_err(|d| partial(&state, d))?;
        state.set_attr("snapshot_ids", Value::List(snapshots(&image)));
        Ok(state)
    }

    async fn read(&self, ctx: &Context<D>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let aws = ctx.data()?.aws()?;
        let id = text(state, "id").unwrap_or_default();
        let Some(image) = describe(aws, &id).await? else {
            return Ok(None);
        };
        if matches!(image.state(), Some(ImageState::Deregistered) | Some(ImageState::Failed)) {
            return Ok(None);
        }
        let mut out = state.clone();
        out.set_attr("image_id", Value::from(id.as_str()));
        out.set_attr("name", image.name().map(str::to_string).into());
        out.set_attr("snapshot_ids", Value::List(snapshots(&image)));
        let actual: BTreeMap<String, String> = image
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect();
        if let Some(source) = actual.get(SOURCE_TAG) {
            out.set_attr("resolved_source_image_id", Value::from(source.as_str()));
        }
        if let Some(kind) = actual.get(KIND_TAG) {
            out.set_attr("kind", Value::from(kind.as_str()));
        }
        // Import: the source, as it was configured, from the tags written at creation.
        if state.attr("source_image_id").is_null() && state.attr("source_image_filter").is_null() {
            match actual.get(FILTER_TAG).and_then(|f| f.split_once('|')) {
                Some((owners, name)) => out.set_attr(
                    "source_image_filter",
                    Value::object([
                        ("owners", Value::List(owners.split(',').map(Value::from).collect())),
                        ("name", Value::from(name)),
                    ]),
                ),
                None => out.set_attr("source_image_id", actual.get(SOURCE_TAG).map(|s| s.as_str()).into()),
            }
            let encrypted = match actual.get(ENCRYPTED_TAG) {
                Some(flag) => flag == "true",
                None => image
                    .block_device_mappings()
                    .iter()
                    .any(|m| m.ebs().and_then(|e| e.encrypted()) == Some(true)),
            };
            out.set_attr("encrypted", Value::Bool(encrypted));
        }
        let prior_tags = state.attr("tags");
        let own: BTreeMap<String, Value> = actual
            .into_iter()
            .filter(|(k, _)| !k.starts_with("circleci-server:"))
            .filter(|(k, v)| {
                matches!(prior_tags, Value::Map(m) if m.contains_key(k)) || aws.default_tags.get(k) != Some(v)
            })
            .map(|(k, v)| (k, Value::from(v)))
            .collect();
        out.set_attr(
            "tags",
            if own.is_empty() && prior_tags.is_null() {
                Value::Null
            } else {
                Value::Map(own)
            },
        );
        Ok(Some(out))
    }

    async fn update(&self, ctx: &Context<D>, prior: &Value, planned: &Value) -> Result<Value, Failure> {
        // Only tags update in place.
        let aws = ctx.data()?.aws()?;
        let id = text(prior, "id").unwrap_or_default();
        let source = text(prior, "resolved_source_image_id").unwrap_or_default();
        let old = own_tags(aws, prior, &source);
        let new = own_tags(aws, planned, &source);
        let removed: Vec<Tag> = old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .map(|k| Tag::builder().key(k).build())
            .collect();
        if !removed.is_empty() {
            aws.ec2
                .delete_tags()
                .resources(&id)
                .set_tags(Some(removed))
                .send()
                .await
                .map_err(|e| error::api("remove image tags", e))?;
        }
        let tags: Vec<Tag> = new
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        aws.ec2
            .create_tags()
            .resources(&id)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| error::api("tag the image", e))?;
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Context<D>, prior: &Value) -> Result<(), Failure> {
        let aws = ctx.data()?.aws()?;
        let id = text(prior, "id").unwrap_or_default();
        // The snapshots as AWS knows them now; the state's list may predate the copy finishing.
        let snapshots: Vec<String> = match describe(aws, &id).await? {
            Some(image) => image
                .block_device_mappings()
                .iter()
                .filter_map(|m| m.ebs()?.snapshot_id().map(str::to_string))
                .collect(),
            None => prior
                .attr("snapshot_ids")
                .elements()
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
        };
        match aws.ec2.deregister_image().image_id(&id).send().await {
            Ok(_) => {}
            Err(e) if error::has_code(&e, &["InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"]) => {}
            Err(e) => return Err(error::api(&format!("deregister image {id}"), e).into()),
        }
        for snapshot in snapshots {
            match aws.ec2.delete_snapshot().snapshot_id(&snapshot).send().await {
                Ok(_) => {}
                Err(e) if error::has_code(&e, &["InvalidSnapshot.NotFound"]) => {}
                Err(e) => return Err(error::api(&format!("delete snapshot {snapshot}"), e).into()),
            }
        }
        Ok(())
    }

    async fn import(&self, _ctx: &Context<D>, id: &str) -> Result<Value, Diagnostics> {
        if !id.starts_with("ami-") {
            return Err(
                Diagnostic::error("Invalid import ID", format!("Import by AMI id (ami-...), not {id:?}.")).into(),
            );
        }
        let mut state = block().null_object();
        state.set_attr("id", Value::from(id));
        Ok(state)
    }
}
