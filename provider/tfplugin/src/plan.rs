//! Schema-driven behaviour shared by every resource: validation, planning and environment
//! fallbacks for provider configuration.

use circleci_cty::{AttributePath, Type, Value};

use crate::Diagnostics;
use crate::schema::{Block, Mode, Nesting};

/// Checks a configuration against its schema: values on computed-only attributes, deprecated
/// attributes, and each attribute's validators (on known values only).
pub fn validate_block(block: &Block, config: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if !matches!(config, Value::Object(_)) {
        return;
    }
    for attr in &block.attributes {
        let value = config.attr(&attr.name);
        let attr_path = path.attr(attr.name.clone());
        if value.is_null() {
            continue;
        }
        if attr.mode == Mode::Computed {
            diags.attribute_error(
                &attr_path,
                format!("Read-only attribute {attr_path}"),
                format!("{attr_path} is set by the provider and cannot be set in configuration; remove it."),
            );
            continue;
        }
        if let Some(message) = &attr.deprecated {
            diags.attribute_warning(&attr_path, format!("{attr_path} is deprecated"), message.clone());
        }
        if value.is_unknown() {
            continue;
        }
        for validator in &attr.validators {
            (validator.check)(value, &attr_path, diags);
        }
    }
    for nested in &block.blocks {
        let value = config.attr(&nested.name);
        let nested_path = path.attr(nested.name.clone());
        match nested.nesting {
            Nesting::Single => validate_block(&nested.block, value, &nested_path, diags),
            Nesting::List | Nesting::Set => {
                for (i, item) in value.elements().iter().enumerate() {
                    validate_block(&nested.block, item, &nested_path.index(i as i64), diags);
                }
            }
        }
    }
}

/// The generic plan: Terraform's proposed new state with defaults applied, computed values
/// marked unknown where they may change, and the paths whose change forces replacement.
pub fn plan_block(
    block: &Block,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    path: &AttributePath,
    requires_replace: &mut Vec<AttributePath>,
) -> Value {
    let Value::Object(_) = proposed else {
        return proposed.clone();
    };
    let mut planned = proposed.clone();
    let creating = prior.is_null();
    for attr in &block.attributes {
        let cfg = config.attr(&attr.name);
        let attr_path = path.attr(attr.name.clone());
        if attr.is_computed() && cfg.is_null() {
            let value = match &attr.default {
                Some(default) => default.clone(),
                None if creating => Value::Unknown,
                None => prior.attr(&attr.name).clone(),
            };
            planned.set_attr(&attr.name, value);
        }
        if !creating && attr.requires_replace && planned.attr(&attr.name) != prior.attr(&attr.name) {
            requires_replace.push(attr_path);
        }
    }
    for nested in &block.blocks {
        let nested_path = path.attr(nested.name.clone());
        let proposed_value = proposed.attr(&nested.name);
        let value = match nested.nesting {
            // A single block left out of the configuration is absent from the plan. Terraform
            // 1.0's proposed state keeps the prior block (its ProposedNew returns the prior
            // value for a null configuration) and then refuses a plan that keeps it.
            Nesting::Single if config.attr(&nested.name).is_null() => Value::Null,
            Nesting::Single => plan_block(
                &nested.block,
                prior.attr(&nested.name),
                proposed_value,
                config.attr(&nested.name),
                &nested_path,
                requires_replace,
            ),
            Nesting::List => match proposed_value {
                Value::List(items) => Value::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let prior_item = prior.attr(&nested.name).elements().get(i).cloned().unwrap_or_default();
                            let config_item = config.attr(&nested.name).elements().get(i).cloned().unwrap_or_default();
                            plan_block(
                                &nested.block,
                                &prior_item,
                                item,
                                &config_item,
                                &nested_path.index(i as i64),
                                requires_replace,
                            )
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            // Set elements have no identity to match prior and planned by; set blocks here hold
            // no computed attributes, so the proposed value stands.
            Nesting::Set => proposed_value.clone(),
        };
        planned.set_attr(&nested.name, value);
    }
    // An update may change any computed value the resource reports, unless it is declared stable.
    if !creating && planned != *prior {
        mark_computed_unknown(block, &mut planned, config);
    }
    planned
}

fn mark_computed_unknown(block: &Block, planned: &mut Value, config: &Value) {
    for attr in &block.attributes {
        if attr.is_computed()
            && attr.default.is_none()
            && !attr.use_state_for_unknown
            && config.attr(&attr.name).is_null()
        {
            planned.set_attr(&attr.name, Value::Unknown);
        }
    }
}

/// Fills attributes left null in `value` with their schema defaults, in nested blocks too: data
/// sources get their defaults the way resources get them at plan.
pub fn apply_defaults(block: &Block, value: &mut Value) {
    if !matches!(value, Value::Object(_)) {
        return;
    }
    for attr in &block.attributes {
        if let Some(default) = &attr.default
            && value.attr(&attr.name).is_null()
        {
            value.set_attr(&attr.name, default.clone());
        }
    }
    for nested in &block.blocks {
        match value.attr_mut(&nested.name) {
            Some(Value::List(items) | Value::Set(items)) => {
                for item in items {
                    apply_defaults(&nested.block, item);
                }
            }
            Some(inner) => apply_defaults(&nested.block, inner),
            None => {}
        }
    }
}

/// Fills null provider-configuration attributes from their environment variables, in nested
/// single blocks too (a block left out entirely is created when any of its variables is set).
pub fn apply_env_fallbacks(block: &Block, config: &mut Value, path: &AttributePath, diags: &mut Diagnostics) {
    if config.is_null() {
        let any_set = block
            .attributes
            .iter()
            .any(|a| a.env.iter().any(|e| std::env::var_os(e).is_some()));
        if !any_set {
            return;
        }
        if let Type::Object(attrs) = block.value_type() {
            *config = Value::Object(attrs.keys().map(|k| (k.clone(), Value::Null)).collect());
        }
    }
    for attr in &block.attributes {
        if !config.attr(&attr.name).is_null() {
            continue;
        }
        let Some((name, text)) = attr.env.iter().find_map(|e| std::env::var(e).ok().map(|v| (e, v))) else {
            continue;
        };
        let attr_path = path.attr(attr.name.clone());
        let value = match &attr.ty {
            Type::String => Some(Value::String(text)),
            Type::Bool => match text.to_ascii_lowercase().as_str() {
                "1" | "true" => Some(Value::Bool(true)),
                "0" | "false" | "" => Some(Value::Bool(false)),
                _ => None,
            },
            Type::Number => circleci_cty::Number::parse(&text).map(Value::Number),
            Type::List(_) | Type::Set(_) => Some(Value::List(
                text.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.trim().into()))
                    .collect(),
            )),
            _ => None,
        };
        match value {
            Some(v) => config.set_attr(&attr.name, v),
            None => diags.attribute_error(
                &attr_path,
                format!("Invalid environment variable {name}"),
                format!(
                    "{name} is set for {attr_path} but is not a valid {}.",
                    attr.ty.friendly_name()
                ),
            ),
        }
    }
    for nested in &block.blocks {
        if nested.nesting == Nesting::Single
            && let Some(inner) = config.attr_mut(&nested.name)
        {
            apply_env_fallbacks(&nested.block, inner, &path.attr(nested.name.clone()), diags);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    fn block() -> Block {
        Block::new("test")
            .attribute(Attribute::required("name", Type::String, "").requires_replace())
            .attribute(Attribute::optional("size", Type::Number, ""))
            .attribute(Attribute::optional("mode", Type::String, "").default(Value::from("fast")))
            .attribute(Attribute::computed("id", Type::String, "").use_state_for_unknown())
            .attribute(Attribute::computed("etag", Type::String, ""))
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::Object(Default::default());
        for name in ["name", "size", "mode", "id", "etag"] {
            v.set_attr(name, Value::Null);
        }
        for (k, val) in pairs {
            v.set_attr(k, val.clone());
        }
        v
    }

    #[test]
    fn create_plans_defaults_and_unknowns() {
        let config = obj(&[("name", "a".into())]);
        let mut rr = vec![];
        let planned = plan_block(
            &block(),
            &Value::Null,
            &config,
            &config,
            &AttributePath::root(),
            &mut rr,
        );
        assert_eq!(planned.attr("mode"), &Value::from("fast"));
        assert!(planned.attr("id").is_unknown());
        assert!(planned.attr("etag").is_unknown());
        assert!(rr.is_empty());
    }

    #[test]
    fn no_change_keeps_state() {
        let prior = obj(&[
            ("name", "a".into()),
            ("mode", "fast".into()),
            ("id", "i-1".into()),
            ("etag", "e".into()),
        ]);
        let config = obj(&[("name", "a".into())]);
        let mut rr = vec![];
        let planned = plan_block(&block(), &prior, &prior, &config, &AttributePath::root(), &mut rr);
        assert_eq!(planned, prior);
    }

    #[test]
    fn update_marks_unstable_computed_unknown_and_replace_paths() {
        let prior = obj(&[
            ("name", "a".into()),
            ("mode", "fast".into()),
            ("id", "i-1".into()),
            ("etag", "e".into()),
        ]);
        let config = obj(&[("name", "b".into())]);
        let proposed = obj(&[
            ("name", "b".into()),
            ("mode", "fast".into()),
            ("id", "i-1".into()),
            ("etag", "e".into()),
        ]);
        let mut rr = vec![];
        let planned = plan_block(&block(), &prior, &proposed, &config, &AttributePath::root(), &mut rr);
        assert_eq!(planned.attr("id"), &Value::from("i-1"));
        assert!(planned.attr("etag").is_unknown());
        assert_eq!(rr, vec![AttributePath::root().attr("name")]);
    }

    #[test]
    fn a_single_block_removed_from_config_is_planned_absent() {
        let block = Block::new("t").block(crate::schema::NestedBlock::single(
            "extra",
            Block::new("x").attribute(Attribute::optional("size", Type::Number, "")),
        ));
        let prior = Value::object([("extra", Value::object([("size", Value::int(1))]))]);
        let config = Value::object([("extra", Value::Null)]);
        // What Terraform 1.0 proposes: the prior block, although the configuration dropped it.
        let proposed = prior.clone();
        let planned = plan_block(&block, &prior, &proposed, &config, &AttributePath::root(), &mut vec![]);
        assert!(planned.attr("extra").is_null());
    }

    #[test]
    fn computed_only_in_config_is_an_error_naming_it() {
        let config = obj(&[("name", "a".into()), ("etag", "x".into())]);
        let mut diags = Diagnostics::default();
        validate_block(&block(), &config, &AttributePath::root(), &mut diags);
        assert!(diags.has_errors());
        assert_eq!(diags.0[0].path, Some(AttributePath::root().attr("etag")));
    }
}
