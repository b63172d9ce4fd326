//! The library's error type. Every variant renders as one line that names the field, the value
//! and what is allowed, so the CLI prints it as is and the Python package raises it with the same
//! text; the typed variants let a program ask *which* field was wrong.

use std::fmt;
use std::path::PathBuf;

/// The values a parameter may take, as its range check states them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowed {
    /// Any finite value.
    Finite,
    /// `x ≥ 0`.
    NonNegative,
    /// `x > 0`.
    Positive,
    /// `lo ≤ x < hi`.
    ClosedOpen(f64, f64),
    /// `lo ≤ x ≤ hi`.
    Closed(f64, f64),
    /// `lo < x < hi`.
    Open(f64, f64),
}

impl Allowed {
    /// Whether `x` lies in the range (NaN never does).
    pub fn contains(self, x: f64) -> bool {
        match self {
            Allowed::Finite => x.is_finite(),
            Allowed::NonNegative => x >= 0.0,
            Allowed::Positive => x > 0.0,
            Allowed::ClosedOpen(lo, hi) => x >= lo && x < hi,
            Allowed::Closed(lo, hi) => x >= lo && x <= hi,
            Allowed::Open(lo, hi) => x > lo && x < hi,
        }
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allowed::Finite => write!(f, "finite"),
            Allowed::NonNegative => write!(f, ">= 0"),
            Allowed::Positive => write!(f, "> 0"),
            Allowed::ClosedOpen(lo, hi) => write!(f, "in [{lo}, {hi})"),
            Allowed::Closed(lo, hi) => write!(f, "in [{lo}, {hi}]"),
            Allowed::Open(lo, hi) => write!(f, "in ({lo}, {hi})"),
        }
    }
}

/// A parameter outside its range: `adam: beta1 must be in [0, 1), got 1.2`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// The component (`adam`, `rosen1d`, `dopri5`, …).
    pub component: String,
    /// The field (`beta1`).
    pub field: String,
    /// The value given.
    pub value: f64,
    /// What is allowed.
    pub allowed: Allowed,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} must be {}, got {}",
            self.component, self.field, self.allowed, self.value
        )
    }
}

/// Errors raised by construction, spec parsing, validation, numerics and I/O.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("{0}")]
    Param(ParamError),
    /// A component name that no registry knows: `unknown optimizer 'adma' (known: sgd, …)`.
    #[error("unknown {kind} '{name}' (known: {})", known.join(", "))]
    UnknownName {
        /// `objective`, `optimizer`, `model` or `integrator`.
        kind: &'static str,
        /// The name given.
        name: String,
        /// Every name the registry knows.
        known: Vec<String>,
    },
    /// A key the component does not have: `adam: unknown key 'betaa' (allowed: lr, …)`.
    #[error(
        "{component}: unknown key '{key}' (allowed: {})",
        list_or_none(allowed)
    )]
    UnknownKey {
        /// The component.
        component: String,
        /// The key given.
        key: String,
        /// Its keys.
        allowed: Vec<String>,
    },
    /// An optimizer option that a model does not represent (it is refused, never dropped):
    /// `adam-ide1: optimizer option amsgrad=true is not modelled (allowed: amsgrad=false)`.
    #[error("{model}: optimizer option {option}={value} is not modelled (allowed: {allowed})")]
    NotModelled {
        /// The model.
        model: String,
        /// The optimizer option.
        option: String,
        /// Its value.
        value: String,
        /// What the model represents.
        allowed: String,
    },
    /// Any other malformed, inconsistent or unsupported input, in one line.
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

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
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

    /// A range error: `component: field must be <allowed>, got value`.
    pub fn param(component: &str, field: &str, value: f64, allowed: Allowed) -> Self {
        Error::Param(ParamError {
            component: component.into(),
            field: field.into(),
            value,
            allowed,
        })
    }

    /// An unknown component name.
    pub fn unknown_name<'a>(
        kind: &'static str,
        name: &str,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Error::UnknownName {
            kind,
            name: name.into(),
            known: known.into_iter().map(String::from).collect(),
        }
    }

    /// An optimizer option a model refuses.
    pub fn not_modelled(
        model: &str,
        option: &str,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        Error::NotModelled {
            model: model.into(),
            option: option.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_with_field_value_and_range() {
        let e = Error::param("adam", "beta1", 1.2, Allowed::ClosedOpen(0.0, 1.0));
        assert_eq!(e.to_string(), "adam: beta1 must be in [0, 1), got 1.2");
        let e = Error::param("sgd", "lr", -1.0, Allowed::NonNegative);
        assert_eq!(e.to_string(), "sgd: lr must be >= 0, got -1");
        let e = Error::unknown_name("optimizer", "adma", ["sgd", "adam"]);
        assert_eq!(e.to_string(), "unknown optimizer 'adma' (known: sgd, adam)");
        let e = Error::not_modelled("adam-ide1", "amsgrad", true, "amsgrad=false");
        assert_eq!(
            e.to_string(),
            "adam-ide1: optimizer option amsgrad=true is not modelled (allowed: amsgrad=false)"
        );
        assert!(!Allowed::Positive.contains(f64::NAN));
        assert!(!Allowed::Finite.contains(f64::INFINITY));
    }
}
