//! Tags (AWS) and labels (GCP) read back from the cloud: which of them are the resource's own.

use std::collections::BTreeMap;

use circleci_cty::Value;

/// The tags read back from the cloud that belong in the resource's `tags`: all but the provider's
/// default tags and those the resource adds itself (`automatic(key, value)`), unless the
/// configuration names them. `None` when there are none and the configuration set none, so an
/// unset `tags` does not drift to `{}`.
pub fn own_tags(
    actual: BTreeMap<String, String>,
    configured: Option<&BTreeMap<String, String>>,
    default_tags: &BTreeMap<String, String>,
    automatic: impl Fn(&str, &str) -> bool,
) -> Option<BTreeMap<String, String>> {
    let own: BTreeMap<String, String> = actual
        .into_iter()
        .filter(|(k, v)| {
            configured.is_some_and(|c| c.contains_key(k)) || !(automatic(k, v) || default_tags.get(k) == Some(v))
        })
        .collect();
    (!own.is_empty() || configured.is_some()).then_some(own)
}

/// A `tags` attribute value as a map (null or unknown: empty).
pub fn tag_map(value: &Value) -> Option<BTreeMap<String, String>> {
    match value {
        Value::Map(m) => Some(
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
        ),
        _ => None,
    }
}

/// A map of tags as a `tags` attribute value (`None`: null).
pub fn tag_value(tags: Option<BTreeMap<String, String>>) -> Value {
    match tags {
        Some(t) => Value::Map(t.into_iter().map(|(k, v)| (k, Value::from(v))).collect()),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_and_automatic_tags_are_not_own_unless_configured() {
        let actual = map(&[
            ("team", "ci"),
            ("managed_by", "terraform"),
            ("owner", "me"),
            ("drift", "x"),
        ]);
        let defaults = map(&[("managed_by", "terraform")]);
        let configured = map(&[("team", "ci")]);
        let own = own_tags(actual.clone(), Some(&configured), &defaults, |k, _| k == "owner").unwrap();
        assert_eq!(
            own,
            map(&[("team", "ci"), ("drift", "x")]),
            "added behind Terraform's back shows as drift"
        );
        let configured = map(&[("managed_by", "terraform")]);
        let own = own_tags(actual, Some(&configured), &defaults, |_, _| false).unwrap();
        assert!(
            own.contains_key("managed_by"),
            "a configured tag stays even when it equals a default"
        );
        assert_eq!(
            own_tags(map(&[("owner", "me")]), None, &defaults, |k, _| k == "owner"),
            None
        );
    }
}
