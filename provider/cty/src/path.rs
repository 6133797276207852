//! Attribute paths, so that every diagnostic can point at the attribute it is about.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attribute(String),
    /// A map key.
    Key(String),
    /// A list or tuple index.
    Index(i64),
}

/// A path into a value, e.g. `aws.subnet_ids[0]`.
///
/// ```
/// use circleci_cty::AttributePath;
/// let path = AttributePath::root().attr("aws").attr("subnet_ids").index(0);
/// assert_eq!(path.to_string(), "aws.subnet_ids[0]");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AttributePath(Vec<PathStep>);

impl AttributePath {
    pub fn root() -> Self {
        AttributePath(Vec::new())
    }

    pub fn attr(&self, name: impl Into<String>) -> Self {
        self.with(PathStep::Attribute(name.into()))
    }

    pub fn key(&self, key: impl Into<String>) -> Self {
        self.with(PathStep::Key(key.into()))
    }

    pub fn index(&self, index: i64) -> Self {
        self.with(PathStep::Index(index))
    }

    fn with(&self, step: PathStep) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        AttributePath(steps)
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A value that could not be decoded or converted, with where in the value it went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", if path.is_root() { String::new() } else { format!("{path}: ") })]
pub struct Error {
    pub path: AttributePath,
    pub message: String,
}

impl Error {
    pub fn new(path: &AttributePath, message: impl Into<String>) -> Self {
        Error {
            path: path.clone(),
            message: message.into(),
        }
    }

    pub fn at_root(message: impl Into<String>) -> Self {
        Error {
            path: AttributePath::root(),
            message: message.into(),
        }
    }
}
