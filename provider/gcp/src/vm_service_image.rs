//! The GCP half of `circleciserver_vm_service_image`: an image in the user's project copied from a
//! source image or the newest of a family, labelled, and waited for until READY. Destroy
//! deletes it.
//!
//! A create whose answer was lost, or that a killed apply left behind, is adopted on the next
//! apply: an image of that name carrying this provider's `managed-by` label is taken over
//! instead of failing with "already exists". One without the label is never touched.
//!
//! Import: `terraform import circleciserver_vm_service_image.NAME projects/PROJECT/global/images/IMAGE`.
//! The configured source is read back from the image's `sourceImage`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use circleci_core::Cloud;
use circleci_core::cloud::{CloudModel, TypedCloudHalf};
use circleci_core::tags::own_tags;
use circleci_core::vm_service_image::Spec;
use circleci_cty::{AttributePath, Type, Value};
use circleci_tfplugin::schema::{Attribute, Block};
use circleci_tfplugin::{Context, Diagnostic, Diagnostics, Failure};
use google_cloud_compute_v1::model::image::Status;
use google_cloud_compute_v1::model::{GlobalSetLabelsRequest, Image};
use google_cloud_lro::Poller;
use serde::{Deserialize, Serialize};

use crate::labels::{self, MANAGED_BY};
use crate::retry::request_id;
use crate::{Gcp, GcpData, error, operation};

pub struct VmServiceImage;

const KIND_LABEL: &str = "circleci-server-kind";

/// The `gcp` block, as this half reads and writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GcpSettings {
    source_image: Option<String>,
    family: Option<String>,
    self_link: Option<String>,
    resolved_source_image: Option<String>,
    disk_size_gb: Option<i64>,
}

type Model = CloudModel<Spec, GcpSettings>;

fn gcp_block() -> Block {
    Block::new("GCP: an image in the provider's project, copied from a public or shared image.")
        .attribute(
            Attribute::required(
                "source_image",
                Type::String,
                "The image to copy: `projects/PROJECT/global/images/NAME`, or the newest of a family with \
                 `projects/PROJECT/global/images/family/FAMILY` (e.g. `projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts`).",
            )
            .requires_replace(),
        )
        .attribute(Attribute::optional("family", Type::String, "Family of the new image.").requires_replace())
        .attribute(Attribute::computed("self_link", Type::String, "The image's URL.").use_state_for_unknown())
        .attribute(
            Attribute::computed("resolved_source_image", Type::String, "The image that was copied (a family resolved).")
                .use_state_for_unknown(),
        )
        .attribute(Attribute::computed("disk_size_gb", Type::Number, "Size of the image's disk.").use_state_for_unknown())
}

/// `projects/P/global/images/NAME` or `.../family/F`, also inside a full URL.
fn image_reference(text: &str) -> Option<&str> {
    let start = text.find("projects/")?;
    let path = &text[start..];
    let parts: Vec<&str> = path.split('/').collect();
    let ok = match parts.as_slice() {
        ["projects", p, "global", "images", n] => !p.is_empty() && !n.is_empty(),
        ["projects", p, "global", "images", "family", f] => !p.is_empty() && !f.is_empty(),
        _ => false,
    };
    ok.then_some(path)
}

/// Compute Engine resource names: a lowercase letter, then up to 62 lowercase letters, digits
/// and hyphens, not ending in a hyphen.
pub fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !name.ends_with('-')
}

fn path(gcp: &Gcp, name: &str) -> String {
    format!("projects/{}/global/images/{name}", gcp.project)
}

fn image_labels(gcp: &Gcp, model: &Model) -> BTreeMap<String, String> {
    let mut labels = gcp.labels(&model.spec.tags.clone().unwrap_or_default());
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    labels.insert(
        KIND_LABEL.into(),
        model.spec.kind.clone().unwrap_or_else(|| "linux".into()),
    );
    labels
}

async fn get(gcp: &Gcp, name: &str) -> Result<Option<Image>, Diagnostic> {
    error::unless_gone(
        gcp.images.get().set_project(&gcp.project).set_image(name).send().await,
        &format!("read image {}", path(gcp, name)),
    )
}

/// Fills the computed attributes from what Google holds.
fn record(gcp: &Gcp, model: &mut Model, image: &Image) {
    let name = image.name.clone().unwrap_or_default();
    model.spec.name = name.clone();
    model.spec.id = Some(path(gcp, &name));
    model.spec.image_id = Some(path(gcp, &name));
    model.settings.self_link = image.self_link.clone();
    model.settings.resolved_source_image = image
        .source_image
        .as_deref()
        .and_then(image_reference)
        .map(str::to_string);
    model.settings.disk_size_gb = image.disk_size_gb;
}

async fn wait_ready<D>(ctx: &Context<D>, gcp: &Gcp, name: &str) -> Result<Image, Diagnostic> {
    ctx.wait_for(&format!("image {} to become READY", path(gcp, name)), Duration::from_secs(5), || async {
        match get(gcp, name).await? {
            Some(image) if image.status == Some(Status::Ready) => Ok(Some(image)),
            Some(image) if image.status == Some(Status::Failed) => Err(Diagnostic::error(
                format!("Image {} failed", path(gcp, name)),
                "Compute Engine could not make the image. Check the source image and the project's quota; the next apply \
                 deletes the failed image and tries again.",
            )),
            Some(_) => Ok(None),
            None => Err(Diagnostic::error(
                format!("Image {} disappeared while it was being made", path(gcp, name)),
                "Someone deleted it; apply again to make it anew.",
            )),
        }
    })
    .await
}

async fn create<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, mut model: Model) -> Result<Model, Failure> {
    let name = model.spec.name.clone();
    let source = model.settings.source_image.clone().unwrap_or_default();
    let wanted = image_labels(gcp, &model);
    model.spec.id = Some(path(gcp, &name));
    model.spec.image_id = Some(path(gcp, &name));
    // An earlier create whose answer was lost or whose apply was killed: adopt what we made.
    let existing = get(gcp, &name).await?;
    match &existing {
        Some(image) if image.labels.get(MANAGED_BY.0).map(String::as_str) == Some(MANAGED_BY.1) => {
            tracing::info!(image = %path(gcp, &name), "adopting an image this provider made earlier");
        }
        Some(_) => {
            return Err(Diagnostic::error(
                format!("Image {} already exists", path(gcp, &name)),
                "It was not made by this provider (it lacks the managed-by label). Import it with `terraform import`, or \
                 choose another name.",
            )
            .at(&AttributePath::root().attr("name"))
            .into());
        }
        None => {
            let image = Image::new()
                .set_name(&name)
                .set_source_image(&source)
                .set_labels(wanted.clone())
                .set_description("CircleCI Server VM service image (managed by Terraform)");
            let image = match &model.settings.family {
                Some(family) => image.set_family(family),
                None => image,
            };
            let poller = gcp
                .images
                .insert()
                .set_project(&gcp.project)
                .set_body(image)
                .set_request_id(request_id())
                .poller();
            if let Err(d) =
                operation::wait(ctx, &format!("make image {} from {source}", path(gcp, &name)), poller).await
            {
                // A failed operation leaves nothing; an interrupted one may have made the image.
                return Err(match get(gcp, &name).await {
                    Ok(Some(_)) => Failure::from(d).with_partial_state(model.value(Cloud::Gcp)?),
                    _ => Failure::from(d),
                });
            }
        }
    }
    let result = async {
        let image = wait_ready(ctx, gcp, &name).await?;
        if existing.is_some() {
            set_labels(gcp, &name, &wanted).await?;
        }
        Ok::<_, Diagnostic>(image)
    };
    match result.await {
        Ok(image) => {
            record(gcp, &mut model, &image);
            Ok(model)
        }
        Err(d) => Err(Failure::from(d).with_partial_state(model.value(Cloud::Gcp)?)),
    }
}

/// Sets the labels under the current fingerprint; a concurrent change (412) is read again once.
async fn set_labels(gcp: &Gcp, name: &str, labels: &BTreeMap<String, String>) -> Result<(), Diagnostic> {
    for attempt in 0..2 {
        let Some(image) = get(gcp, name).await? else {
            return Err(Diagnostic::error(
                format!("Image {} is gone", path(gcp, name)),
                "Apply again to make it anew.",
            ));
        };
        let current: BTreeMap<String, String> = image.labels.clone().into_iter().collect();
        if &current == labels {
            return Ok(());
        }
        let body = GlobalSetLabelsRequest::new()
            .set_labels(labels.clone())
            .set_or_clear_label_fingerprint(image.label_fingerprint.clone());
        let result = gcp
            .images
            .set_labels()
            .set_project(&gcp.project)
            .set_resource(name)
            .set_body(body)
            // setLabels takes no request id: a repeat after a lost answer meets a stale
            // fingerprint (412), and the labels read again are then already right.
            .poller()
            .until_done()
            .await;
        match result {
            Ok(_) => return Ok(()),
            Err(e) if attempt == 0 && e.http_status_code() == Some(412) => {
                tracing::info!(image = name, "labels changed meanwhile; reading them again");
            }
            Err(e) => return Err(error::api(&format!("label image {}", path(gcp, name)), e)),
        }
    }
    Ok(())
}

async fn read(gcp: &Gcp, mut model: Model) -> Result<Option<Model>, Diagnostic> {
    let name = model
        .spec
        .id
        .as_deref()
        .and_then(|id| id.rsplit('/').next())
        .unwrap_or(&model.spec.name)
        .to_string();
    let Some(image) = get(gcp, &name).await? else {
        return Ok(None);
    };
    if matches!(image.status, Some(Status::Failed)) {
        return Ok(None);
    }
    record(gcp, &mut model, &image);
    if model.settings.source_image.is_none() {
        // Import: the configured source is the image that was copied.
        model.settings.source_image = model.settings.resolved_source_image.clone();
        model.settings.family = image.family.clone();
    }
    let actual: BTreeMap<String, String> = image.labels.clone().into_iter().collect();
    if let Some(kind) = actual.get(KIND_LABEL) {
        model.spec.kind = Some(kind.clone());
    }
    model.spec.tags = own_tags(actual, model.spec.tags.as_ref(), &gcp.default_labels, |k, _| {
        labels::is_internal(k)
    });
    Ok(Some(model))
}

async fn delete<D: GcpData>(ctx: &Context<D>, gcp: &Gcp, model: Model) -> Result<(), Failure> {
    let name = model.spec.name.clone();
    let poller = gcp
        .images
        .delete()
        .set_project(&gcp.project)
        .set_image(&name)
        .set_request_id(request_id())
        .poller();
    Ok(operation::delete_unless_gone(ctx, &format!("delete image {}", path(gcp, &name)), poller).await?)
}

#[async_trait]
impl<D: GcpData> TypedCloudHalf<D> for VmServiceImage {
    type Spec = Spec;
    type Settings = GcpSettings;

    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    fn block(&self) -> Block {
        gcp_block()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let root = AttributePath::root();
        if let Some(name) = config.attr("name").as_str()
            && !valid_name(name)
        {
            diags.attribute_error(
                &root.attr("name"),
                "Invalid GCP image name",
                format!("{name:?}: a lowercase letter, then up to 62 lowercase letters, digits and hyphens, not ending in a hyphen."),
            );
        }
        if let Some(source) = config.attr("gcp").attr("source_image").as_str()
            && image_reference(source).is_none()
        {
            diags.attribute_error(
                &root.attr("gcp").attr("source_image"),
                "Invalid source image",
                format!(
                    "{source:?} is not projects/PROJECT/global/images/NAME or projects/PROJECT/global/images/family/FAMILY."
                ),
            );
        }
        if let Some(tags) = circleci_core::tags::tag_map(config.attr("tags")) {
            labels::validate(&tags, &root.attr("tags"), diags);
        }
    }

    async fn create(&self, ctx: &Context<D>, planned: Model) -> Result<Model, Failure> {
        create(ctx, ctx.data()?.gcp()?, planned).await
    }

    async fn read(&self, ctx: &Context<D>, state: Model) -> Result<Option<Model>, Diagnostic> {
        read(ctx.data()?.gcp()?, state).await
    }

    /// Only labels update in place.
    async fn update(&self, ctx: &Context<D>, _prior: Model, planned: Model) -> Result<Model, Failure> {
        let gcp = ctx.data()?.gcp()?;
        set_labels(gcp, &planned.spec.name, &image_labels(gcp, &planned)).await?;
        Ok(planned)
    }

    async fn delete(&self, ctx: &Context<D>, prior: Model) -> Result<(), Failure> {
        delete(ctx, ctx.data()?.gcp()?, prior).await
    }

    fn import_id_format(&self) -> &'static str {
        "projects/PROJECT/global/images/NAME"
    }

    fn import(&self, id: &str) -> Option<Model> {
        let path = image_reference(id).filter(|p| !p.contains("/family/"))?;
        let mut model = Model::default();
        model.spec.id = Some(path.to_string());
        model.spec.name = path.rsplit('/').next().unwrap_or_default().to_string();
        Some(model)
    }
}
