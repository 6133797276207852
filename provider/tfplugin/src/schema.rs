//! Schemas: what a resource, data source or the provider accepts and reports.
//!
//! ```
//! use circleci_tfplugin::schema::{Attribute, Block};
//! use circleci_tfplugin::validators;
//! use circleci_cty::{Type, Value};
//! let block = Block::new("A bucket.")
//!     .attribute(Attribute::required("name", Type::String, "Bucket name.").requires_replace())
//!     .attribute(Attribute::optional("expiry_days", Type::Number, "Days to keep objects.")
//!         .validate(validators::int_between(1, 3650)))
//!     .attribute(Attribute::optional("versioning", Type::Bool, "Keep old versions.").default(Value::Bool(true)))
//!     .attribute(Attribute::computed("arn", Type::String, "The bucket ARN.").use_state_for_unknown());
//! assert_eq!(block.value_type().friendly_name(), "object");
//! ```

use std::sync::Arc;

use circleci_cty::{AttributePath, Type, Value};

use crate::Diagnostics;

/// Checks a known, non-null value; unknown values are never passed to a validator.
pub type ValidateFn = Arc<dyn Fn(&Value, &AttributePath, &mut Diagnostics) + Send + Sync>;

#[derive(Clone)]
pub struct Validator {
    pub description: String,
    pub check: ValidateFn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Set by the provider only; a value in configuration is an error.
    Computed,
    /// Set by the user, or by the provider when the user leaves it out.
    OptionalComputed,
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub mode: Mode,
    pub sensitive: bool,
    pub deprecated: Option<String>,
    /// Planned when the configuration leaves the attribute out (makes it Optional+Computed).
    pub default: Option<Value>,
    /// A change of this attribute destroys and re-creates the resource.
    pub requires_replace: bool,
    /// Keep the prior value in plans instead of "known after apply" (for values that never change).
    pub use_state_for_unknown: bool,
    pub validators: Vec<Validator>,
    /// Provider configuration only: environment variables read when the attribute is not set.
    pub env: Vec<String>,
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str, mode: Mode) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            mode,
            sensitive: false,
            deprecated: None,
            default: None,
            requires_replace: false,
            use_state_for_unknown: false,
            validators: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, description, Mode::Required)
    }

    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, description, Mode::Optional)
    }

    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, description, Mode::Computed)
    }

    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, description, Mode::OptionalComputed)
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn deprecated(mut self, message: &str) -> Self {
        self.deprecated = Some(message.to_string());
        self
    }

    pub fn default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self.mode = Mode::OptionalComputed;
        self
    }

    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    pub fn validate(mut self, validator: Validator) -> Self {
        self.validators.push(validator);
        self
    }

    pub fn env(mut self, names: &[&str]) -> Self {
        self.env = names.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }

    /// The description Terraform shows, with the default and validators appended.
    pub fn full_description(&self) -> String {
        let mut text = self.description.clone();
        for v in &self.validators {
            text.push_str(&format!(" {}.", v.description));
        }
        if let Some(default) = &self.default {
            let shown = match default {
                Value::String(s) => format!("`{s:?}`"),
                other => format!("`{}`", other.to_json()),
            };
            text.push_str(&format!(" Defaults to {shown}."));
        }
        if self.requires_replace {
            text.push_str(" Changing it replaces the resource.");
        }
        if !self.env.is_empty() {
            text.push_str(&format!(
                " Falls back to the environment variable `{}`.",
                self.env.join("` / `")
            ));
        }
        text
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; the value is an object or null.
    Single,
    List,
    Set,
}

#[derive(Clone)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    pub fn single(name: &str, block: Block) -> Self {
        NestedBlock {
            name: name.to_string(),
            nesting: Nesting::Single,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn list(name: &str, block: Block) -> Self {
        NestedBlock {
            name: name.to_string(),
            nesting: Nesting::List,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn set(name: &str, block: Block) -> Self {
        NestedBlock {
            name: name.to_string(),
            nesting: Nesting::Set,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    /// Exactly one block of this type must be present (single nesting).
    pub fn required(mut self) -> Self {
        self.min_items = 1;
        self.max_items = 1;
        self
    }

    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    pub fn value_type(&self) -> Type {
        let object = self.block.value_type();
        match self.nesting {
            Nesting::Single => object,
            Nesting::List => Type::list(object),
            Nesting::Set => Type::set(object),
        }
    }
}

#[derive(Clone, Default)]
pub struct Block {
    pub description: String,
    pub deprecated: bool,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
}

impl Block {
    pub fn new(description: &str) -> Self {
        Block {
            description: description.to_string(),
            ..Default::default()
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// An object of this block with every attribute and nested block null (e.g. the start of
    /// an imported state, which Read then fills).
    pub fn null_object(&self) -> Value {
        Value::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), Value::Null)))
                .collect(),
        )
    }

    /// The object type Terraform uses for values of this block.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), b.value_type())))
                .collect(),
        )
    }
}

/// A versioned schema. Bump `version` when stored state needs converting, and convert it in
/// the resource's `upgrade_state`.
#[derive(Clone)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Self {
        Schema { version: 0, block }
    }

    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
}
