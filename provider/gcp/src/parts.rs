//! What every GCP half needs about the parts it makes: the provider's region, resource paths,
//! and adoption by description (a part whose description names its owner is adopted after a
//! lost answer or a killed apply; anything else of that name is refused).

use circleci_cty::AttributePath;
use circleci_tfplugin::Diagnostic;

use crate::Gcp;

/// The provider's region, or a diagnostic saying that `what` is regional.
pub fn region<'a>(gcp: &'a Gcp, what: &str) -> Result<&'a str, Diagnostic> {
    gcp.region.as_deref().ok_or_else(|| {
        Diagnostic::error(
            "No GCP region",
            format!("The {what} is regional: set gcp.region in the provider (or GOOGLE_REGION)."),
        )
    })
}

/// A network given by name (in the provider's project) or by self link (shared VPC).
pub fn network_link(gcp: &Gcp, network: &str) -> String {
    if network.contains('/') {
        network.to_string()
    } else {
        format!("projects/{}/global/networks/{network}", gcp.project)
    }
}

/// The last segment of a resource path or URL: its name.
pub fn last(link: &str) -> &str {
    link.rsplit('/').next().unwrap_or(link)
}

/// Adopts the existing part `what` `name` when its `description` is `ours`; refuses it, naming
/// the `name` attribute, when it was not made for `owner` (e.g. `load balancer "ci-nomad"`).
pub fn check_owner(
    what: &str,
    name: &str,
    description: Option<&String>,
    ours: &str,
    owner: &str,
) -> Result<(), Diagnostic> {
    if description.map(String::as_str) == Some(ours) {
        tracing::info!(what, name, "adopting a part made by an earlier apply");
        return Ok(());
    }
    Err(Diagnostic::error(
        format!("{what} {name} already exists"),
        format!("It was not made for {owner} by this provider. Choose another name, or delete it if it is left over."),
    )
    .at(&AttributePath::root().attr("name")))
}
