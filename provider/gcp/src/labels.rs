//! Labels on GCP resources: Google's rules for keys and values, the label that marks what this
//! provider made, and the read filter that keeps only the resource's own labels.

use std::collections::BTreeMap;

use circleci_cty::AttributePath;
use circleci_tfplugin::Diagnostics;

/// Marks a resource as made by this provider (adoption looks for it).
pub const MANAGED_BY: (&str, &str) = ("managed-by", "terraform-provider-circleciserver");

/// Labels this provider sets itself; never shown as the resource's own.
pub fn is_internal(key: &str) -> bool {
    key == MANAGED_BY.0 || key.starts_with("circleci-server-")
}

fn valid_part(text: &str, key: bool) -> bool {
    let ok_char = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || (!c.is_ascii() && c.is_lowercase())
    };
    text.chars().count() <= 63
        && text.chars().all(ok_char)
        && (!key || text.chars().next().is_some_and(|c| c.is_lowercase()))
}

/// Google's label rules: keys start with a lowercase letter; keys and values are at most 63
/// lowercase letters, digits, `_` and `-`.
pub fn validate(labels: &BTreeMap<String, String>, path: &AttributePath, diags: &mut Diagnostics) {
    for (key, value) in labels {
        if !valid_part(key, true) {
            diags.attribute_error(
                &path.key(key.clone()),
                "Invalid GCP label key",
                format!("{key:?}: keys start with a lowercase letter and hold at most 63 lowercase letters, digits, _ and -."),
            );
        }
        if !valid_part(value, false) {
            diags.attribute_error(
                &path.key(key.clone()),
                "Invalid GCP label value",
                format!("The value of {key:?} may hold at most 63 lowercase letters, digits, _ and -."),
            );
        }
    }
}
