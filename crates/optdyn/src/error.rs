//! The library's error type. Every message is one line that names the field, the value and what
//! is allowed, so the CLI can print it as is.

use std::path::PathBuf;

/// Errors raised by spec parsing, validation, numerics and I/O.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A spec string or a value in it is malformed, unknown or out of range.
    #[error("{0}")]
    Spec(String),
    /// A numerical procedure failed (for example a Newton solve that did not converge).
    #[error("{0}")]
    Numerical(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// A spec error with the given message.
    pub fn spec(msg: impl Into<String>) -> Self {
        Error::Spec(msg.into())
    }

    /// A numerical error with the given message.
    pub fn numerical(msg: impl Into<String>) -> Self {
        Error::Numerical(msg.into())
    }

    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
