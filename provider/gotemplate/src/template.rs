//! The template set: Go's `*template.Template` with its associated templates.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::exec::{self, Env};
use crate::parse::{self, Tree, is_empty_tree};
use crate::value::{FuncMap, Value};

/// Go's `missingkey` option: what a missing map key yields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` (or `invalid`): the invalid value, printed `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of `interface{}` (nil), also printed `<no value>`.
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// A set of named templates sharing functions, options and delimiters. Cloning is cheap (the
/// parsed trees are shared); execution borrows the set, so a [`crate::Function`] may execute
/// templates of a clone of the set while it runs (Helm's `include` and `tpl`).
#[derive(Clone, Default)]
pub struct Templates {
    trees: HashMap<String, Arc<Tree>>,
    funcs: Arc<FuncMap>,
    missing: MissingKey,
    left: String,
    right: String,
    root: String,
}

impl Templates {
    /// An empty set with Go's builtins only.
    pub fn new() -> Templates {
        Templates::default()
    }

    /// Adds functions (Go's `Funcs`); they must be added before the templates using them are parsed.
    pub fn with_funcs(mut self, funcs: FuncMap) -> Templates {
        self.add_funcs(funcs);
        self
    }

    /// Adds or replaces functions.
    pub fn add_funcs(&mut self, funcs: FuncMap) {
        Arc::make_mut(&mut self.funcs).extend(funcs);
    }

    /// Names the set (Go's `template.New(name)`, Helm's `gotpl`); lookup errors name it.
    pub fn with_name(mut self, name: &str) -> Templates {
        self.root = name.to_string();
        self
    }

    /// Sets the `missingkey` option.
    pub fn missing_key(mut self, m: MissingKey) -> Templates {
        self.missing = m;
        self
    }

    /// Sets the `missingkey` option in place.
    pub fn set_missing_key(&mut self, m: MissingKey) {
        self.missing = m;
    }

    /// Sets the action delimiters (empty means Go's default `{{` / `}}`).
    pub fn delims(mut self, left: &str, right: &str) -> Templates {
        self.left = left.to_string();
        self.right = right.to_string();
        self
    }

    /// Parses `text` as the template `name` (Go's `t.New(name).Parse(text)`): adds it and the
    /// templates it defines. A later definition replaces an earlier one, except that an empty
    /// body (blank text and comments only) never replaces a non-empty template.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let funcs = self.funcs.clone();
        let has = |n: &str| exec::has_function(&funcs, n);
        let trees = parse::parse(name, text, &self.left, &self.right, &has)?;
        for (n, tree) in trees {
            if let Some(old) = self.trees.get(&n)
                && is_empty_tree(&tree.root)
                && !is_empty_tree(&old.root)
            {
                continue;
            }
            self.trees.insert(n, Arc::new(tree));
        }
        Ok(())
    }

    /// Executes the template `name` with `data` as dot (Go's `ExecuteTemplate`).
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let Some(tree) = self.trees.get(name) else {
            return Err(Error::Other(format!(
                "template: no template {} associated with template {}",
                crate::fmt::quote(name),
                crate::fmt::quote(&self.root)
            )));
        };
        let env = Env {
            trees: &self.trees,
            funcs: &self.funcs,
            missing: self.missing,
        };
        exec::execute(&env, &tree.name, tree, data)
    }

    /// Whether a template `name` is defined.
    pub fn has(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of the defined templates, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.trees.keys().cloned().collect();
        v.sort();
        v
    }

    /// Whether `name` is a function templates of this set may call (builtin or added).
    pub fn has_function(&self, name: &str) -> bool {
        exec::has_function(&self.funcs, name)
    }
}
