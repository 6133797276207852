//! The errors of parsing and executing, with Go's messages.

/// A parse or execution error; `Display` is Go's message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// `template: NAME:LINE: MESSAGE` (NAME is the name given to `parse`).
    #[error("template: {name}:{line}: {message}")]
    Parse { name: String, line: usize, message: String },
    /// `template: FILE:LINE:COL: executing "NAME" at <CONTEXT>: MESSAGE`; FILE is the name of
    /// the text the failing node was parsed from, NAME the template being executed.
    #[error("template: {file}:{line}:{col}: executing \"{name}\" at <{context}>: {message}")]
    Exec {
        file: String,
        line: usize,
        col: usize,
        name: String,
        context: String,
        message: String,
    },
    /// An error with no node to point at: `template: NAME: MESSAGE` (e.g. an empty template),
    /// or a lookup failure (`template: no template "x" associated with template "y"`).
    #[error("template: {name}: {message}")]
    Template { name: String, message: String },
    /// A message Go prints as is (`template: no template "x" associated with template "y"`).
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The file (parse name) the error points into.
    pub fn file(&self) -> &str {
        match self {
            Error::Parse { name, .. } | Error::Template { name, .. } => name,
            Error::Exec { file, .. } => file,
            Error::Other(_) => "",
        }
    }
    /// The line, when Go gives one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Parse { line, .. } | Error::Exec { line, .. } => Some(*line),
            Error::Template { .. } | Error::Other(_) => None,
        }
    }
    /// The message without Go's location prefix.
    pub fn message(&self) -> &str {
        match self {
            Error::Parse { message, .. } | Error::Exec { message, .. } | Error::Template { message, .. } => message,
            Error::Other(m) => m,
        }
    }
}
