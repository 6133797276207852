//! The AWS half of `circleciserver_vm_service_image`: a machine image copied into the user's own
//! account and region from a source AMI (by id, or the newest matching a filter), optionally
//! encrypted, tagged, and waited for until available. Destroy deregisters it and deletes its
//! snapshots.
//!
//! Import: `terraform import circleciserver_vm_service_image.NAME AMI_ID`. The source is recorded in
//! the image's tags when it is made, so an import reads it back.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ImageState, ResourceType, Tag, TagSpecification};
use circleci_core::Cloud;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::tags::own_tags;
use circleci_core::vm_service_image::Spec;
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block, NestedBlock};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure};
use serde::{Deserialize, Serialize};

use crate::error::codes;
use crate::tags::{ec2_owned, ec2_tags};
use crate::{Aws, AwsData, adopt, error};

pub struct VmServiceImage;

const SOURCE_TAG: &str = "circleci-server:source-image";
const FILTER_TAG: &str = "circleci-server:source-filter";
const KIND_TAG: &str = "circleci-server:image-kind";
const ENCRYPTED_TAG: &str = "circleci-server:encrypted";
const GONE: &[&str] = &[codes::INVALID_AMI_ID_NOT_FOUND, codes::INVALID_AMI_ID_UNAVAILABLE];

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct SourceFilter {
    owners: Vec<String>,
    name: String,
}

/// The `aws` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AwsSettings {
    source_image_id: Option<String>,
    source_region: Option<String>,
    encrypted: Option<bool>,
    kms_key_id: Option<String>,
    source_image_filter: Option<SourceFilter>,
    snapshot_ids: Option<Vec<String>>,
    resolved_source_image_id: Option<String>,
}

type Model = CloudModel<Spec, AwsSettings>;

fn aws_block() -> Block {
    Block::new("AWS: an AMI copied into the provider's account and region.")
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
        .block(NestedBlock::single(
            "source_image_filter",
            Block::new("Copy the newest AMI matching this filter instead of `source_image_id`.")
                .attribute(
                    Attribute::required("owners", Type::list(Type::String), "Owner account ids or aliases.")
                        .requires_replace(),
                )
                .attribute(Attribute::required("name", Type::String, "Name pattern, `*` allowed.").requires_replace()),
        ))
        .attribute(
            Attribute::computed("snapshot_ids", Type::list(Type::String), "The image's snapshots.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed("resolved_source_image_id", Type::String, "The AMI that was copied.")
                .use_state_for_unknown(),
        )
}

/// The image's tags: default tags, the resource's own, and where it came from (for import).
fn image_tags(aws: &Aws, model: &Model, source: &str) -> BTreeMap<String, String> {
    let mut tags = aws.tags(&circleci_core::tags::tag_value(model.spec.tags.clone()));
    tags.insert(SOURCE_TAG.into(), source.into());
    tags.insert(
        KIND_TAG.into(),
        model.spec.kind.clone().unwrap_or_else(|| "linux".into()),
    );
    tags.insert(
        ENCRYPTED_TAG.into(),
        model.settings.encrypted.unwrap_or(true).to_string(),
    );
    if let Some(filter) = &model.settings.source_image_filter {
        tags.insert(
            FILTER_TAG.into(),
            format!("{}|{}", filter.owners.join(","), filter.name),
        );
    }
    tags
}

/// The newest AMI matching the filter.
async fn resolve(aws: &Aws, filter: &SourceFilter) -> Result<String, Diagnostic> {
    let out = aws
        .ec2
        .describe_images()
        .set_owners(Some(filter.owners.clone()))
        .filters(Filter::builder().name("name").values(&filter.name).build())
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
                "No available AMI named {:?} is owned by {:?} in {}. Check the filter or the region.",
                filter.name, filter.owners, aws.region
            ),
        )
        .at(&AttributePath::root().attr("aws").attr("source_image_filter"))
    })
}

async fn describe(aws: &Aws, id: &str) -> Result<Option<aws_sdk_ec2::types::Image>, Diagnostic> {
    let out = error::unless_gone(
        aws.ec2.describe_images().image_ids(id).send().await,
        GONE,
        &format!("read image {id}"),
    )?;
    Ok(out.and_then(|o| o.images().first().cloned()))
}

fn snapshots(image: &aws_sdk_ec2::types::Image) -> Vec<String> {
    image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs()?.snapshot_id())
        .map(str::to_string)
        .collect()
}

/// The account's image called `name`, and whether it has the owner tag.
async fn find_image(aws: &Aws, name: &str) -> Result<Option<(String, bool)>, Diagnostic> {
    let found = aws
        .ec2
        .describe_images()
        .owners("self")
        .filters(Filter::builder().name("name").values(name).build())
        .send()
        .await
        .map_err(|e| error::api(&format!("look up image {name}"), e))?;
    Ok(found
        .images()
        .first()
        .map(|i| (i.image_id().unwrap_or_default().to_string(), ec2_owned(i.tags()))))
}

/// Starts copying `source` into the image `model` describes; returns the new image's ID.
async fn copy(aws: &Aws, model: &Model, source: &str, source_region: &str) -> Result<String, Diagnostic> {
    let name = &model.spec.name;
    let copied = aws
        .ec2
        .copy_image()
        .name(name)
        .source_image_id(source)
        .source_region(source_region)
        .encrypted(model.settings.encrypted.unwrap_or(true))
        .set_kms_key_id(model.settings.kms_key_id.clone())
        .description("CircleCI Server VM service image (managed by Terraform)")
        .client_token(crate::adopt::client_token())
        // Tagged from birth, so a later run can tell the copy an interrupted apply left.
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Image)
                .set_tags(Some(ec2_tags(&image_tags(aws, model, source))))
                .build(),
        )
        .send()
        .await;
    match copied {
        Ok(out) => Ok(out.image_id().unwrap_or_default().to_string()),
        // A copy that raced this one (another apply) took the name.
        Err(e) if error::has_code(&e, &[codes::INVALID_AMI_NAME_DUPLICATE]) => match find_image(aws, name).await? {
            Some((id, owned)) => adopt::adopt("image", name, owned, id),
            None => Err(error::api(&format!("copy image {source} from {source_region}"), e)),
        },
        Err(e) => Err(error::api(&format!("copy image {source} from {source_region}"), e)),
    }
}

async fn create<D: AwsData>(ctx: &Context<D>, aws: &Aws, mut model: Model) -> Result<Model, Failure> {
    let source = match (&model.settings.source_image_id, &model.settings.source_image_filter) {
        (Some(id), _) => id.clone(),
        (None, Some(filter)) => resolve(aws, filter).await?,
        (None, None) => return Err(Diagnostic::error("No source image", "Set aws.source_image_id.").into()),
    };
    let name = model.spec.name.clone();
    let source_region = model
        .settings
        .source_region
        .clone()
        .unwrap_or_else(|| aws.region.clone());
    // An apply killed after the copy started left it: adopt it rather than copy again.
    let id = match find_image(aws, &name).await? {
        Some((id, true)) => {
            tracing::info!(id, name, "adopting the image an interrupted apply copied");
            id
        }
        Some((_, false)) => return Err(adopt::not_ours("image", &name).into()),
        None => copy(aws, &model, &source, &source_region).await?,
    };
    tracing::info!(id, source, "image copy started");
    model.spec.id = Some(id.clone());
    model.spec.image_id = Some(id.clone());
    model.settings.resolved_source_image_id = Some(source.clone());
    model.settings.snapshot_ids = Some(vec![]);

    let rest = async {
        aws.ec2
            .create_tags()
            .resources(&id)
            .set_tags(Some(ec2_tags(&image_tags(aws, &model, &source))))
            .send()
            .await
            .map_err(|e| error::api(&format!("tag image {id}"), e))?;
        ctx.wait_for(
            &format!("image {id} to become available"),
            Duration::from_secs(15),
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
    };
    match rest.await {
        Ok(image) => {
            model.settings.snapshot_ids = Some(snapshots(&image));
            Ok(model)
        }
        Err(d) => Err(Failure::from(d).with_partial_state(model.value(Cloud::Aws)?)),
    }
}

async fn read(aws: &Aws, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let id = model.spec.id.clone().unwrap_or_default();
    let Some(image) = describe(aws, &id).await? else {
        return Ok(None);
    };
    if matches!(image.state(), Some(ImageState::Deregistered) | Some(ImageState::Failed)) {
        return Ok(None);
    }
    model.spec.image_id = Some(id.clone());
    model.spec.name = image.name().unwrap_or_default().to_string();
    model.settings.snapshot_ids = Some(snapshots(&image));
    let actual: BTreeMap<String, String> = image
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    if let Some(source) = actual.get(SOURCE_TAG) {
        model.settings.resolved_source_image_id = Some(source.clone());
    }
    if let Some(kind) = actual.get(KIND_TAG) {
        model.spec.kind = Some(kind.clone());
    }
    // Import: the source, as it was configured, from the tags written at creation.
    let settings = &mut model.settings;
    if settings.source_image_id.is_none() && settings.source_image_filter.is_none() {
        match actual.get(FILTER_TAG).and_then(|f| f.split_once('|')) {
            Some((owners, name)) => {
                settings.source_image_filter = Some(SourceFilter {
                    owners: owners.split(',').map(str::to_string).collect(),
                    name: name.to_string(),
                })
            }
            None => settings.source_image_id = actual.get(SOURCE_TAG).cloned(),
        }
        settings.encrypted = Some(match actual.get(ENCRYPTED_TAG) {
            Some(flag) => flag == "true",
            None => image
                .block_device_mappings()
                .iter()
                .any(|m| m.ebs().and_then(|e| e.encrypted()) == Some(true)),
        });
    }
    model.spec.tags = own_tags(actual, model.spec.tags.as_ref(), &aws.default_tags, |k, _| {
        k.starts_with("circleci-server:")
    });
    Ok(Some(model))
}

/// Only tags update in place.
async fn update(aws: &Aws, prior: Model, planned: Model) -> Result<Model, Failure> {
    let id = prior.spec.id.clone().unwrap_or_default();
    let source = prior.settings.resolved_source_image_id.clone().unwrap_or_default();
    let old = image_tags(aws, &prior, &source);
    let new = image_tags(aws, &planned, &source);
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
    aws.ec2
        .create_tags()
        .resources(&id)
        .set_tags(Some(ec2_tags(&new)))
        .send()
        .await
        .map_err(|e| error::api("tag the image", e))?;
    Ok(planned)
}

async fn delete(aws: &Aws, model: Model) -> Result<(), Failure> {
    let id = model.spec.id.clone().unwrap_or_default();
    // The snapshots as AWS knows them now; the state's list may predate the copy finishing.
    let snapshot_ids = match describe(aws, &id).await? {
        Some(image) => snapshots(&image),
        None => model.settings.snapshot_ids.clone().unwrap_or_default(),
    };
    error::unless_gone(
        aws.ec2.deregister_image().image_id(&id).send().await,
        GONE,
        &format!("deregister image {id}"),
    )?;
    for snapshot in snapshot_ids {
        error::unless_gone(
            aws.ec2.delete_snapshot().snapshot_id(&snapshot).send().await,
            &[codes::INVALID_SNAPSHOT_NOT_FOUND],
            &format!("delete snapshot {snapshot}"),
        )?;
    }
    Ok(())
}

#[async_trait]
impl<D: AwsData> TypedCloudHalf<D> for VmServiceImage {
    type Spec = Spec;
    type Settings = AwsSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn block(&self) -> Block {
        aws_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let settings = config.attr("aws");
        let path = AttributePath::root().attr("aws");
        let by_id = !settings.attr("source_image_id").is_null();
        let by_filter = !settings.attr("source_image_filter").is_null();
        if by_id == by_filter && settings.is_wholly_known() {
            diags.attribute_error(
                &path.attr("source_image_id"),
                "Say which image to copy",
                "Set exactly one of aws.source_image_id and an aws.source_image_filter block.",
            );
        }
        if let Some(id) = settings.attr("source_image_id").as_str()
            && !id.starts_with("ami-")
        {
            diags.attribute_error(
                &path.attr("source_image_id"),
                "Invalid AMI id",
                format!("{id:?} is not an AMI id (ami-...)."),
            );
        }
        if !settings.attr("kms_key_id").is_null() && settings.attr("encrypted").as_bool() == Some(false) {
            diags.attribute_error(
                &path.attr("kms_key_id"),
                "KMS key without encryption",
                "kms_key_id needs encrypted = true.",
            );
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx, ctx.data()?.aws()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.aws()?, state).await
    }

    async fn update(&self, ctx: &Context<D>, prior: Model, planned: Model) -> Result<Model, Failure> {
        update(ctx.data()?.aws()?, prior, planned).await
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        delete(ctx.data()?.aws()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "AMI id (ami-...)"
    }

    fn import(&self, id: &str) -> Option<Model> {
        if !id.starts_with("ami-") {
            return None;
        }
        let mut model = Model::default();
        model.spec.id = Some(id.to_string());
        Some(model)
    }
}
