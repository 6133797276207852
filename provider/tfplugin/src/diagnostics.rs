//! Diagnostics: what Terraform shows the user. Errors name the attribute they are about.

use circleci_cty::AttributePath;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// Points the diagnostic at an attribute; Terraform then underlines it in the configuration.
    pub fn at(mut self, path: &AttributePath) -> Self {
        self.path = Some(path.clone());
        self
    }
}

/// An ordered collection of diagnostics.
///
/// ```
/// use circleci_tfplugin::Diagnostics;
/// use circleci_cty::AttributePath;
/// let mut diags = Diagnostics::default();
/// diags.attribute_error(&AttributePath::root().attr("min_size"), "Invalid size", "min_size must be at most max_size.");
/// assert!(diags.has_errors());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }

    pub fn attribute_error(&mut self, path: &AttributePath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }

    pub fn attribute_warning(&mut self, path: &AttributePath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail).at(path));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// A failed create, update or delete. `partial_state` records what was created before the
/// failure, so that Terraform keeps it in state and the next apply or destroy finishes the job.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub diagnostics: Diagnostics,
    pub partial_state: Option<circleci_cty::Value>,
}

impl Failure {
    pub fn with_partial_state(mut self, state: circleci_cty::Value) -> Self {
        self.partial_state = Some(state);
        self
    }
}

impl From<Diagnostics> for Failure {
    fn from(diagnostics: Diagnostics) -> Self {
        Failure {
            diagnostics,
            partial_state: None,
        }
    }
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Self {
        Failure {
            diagnostics: d.into(),
            partial_state: None,
        }
    }
}
