//! Errors across the boundary: library errors become `optdyn.SpecError` (a `ValueError`, with
//! the CLI's one-line message) or `OSError`; an exception raised by a user's callable inside a run
//! is kept in an [`ErrorSlot`] and re-raised unchanged after the run, with a note naming where.

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};

pyo3::create_exception!(
    _core,
    SpecError,
    PyValueError,
    "A bad spec or value: the message names the field, the value and what is allowed."
);

/// A library error as a Python exception.
pub fn py_err(e: optdyn::Error) -> PyErr {
    match e {
        optdyn::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        other => SpecError::new_err(other.to_string()),
    }
}

/// `Result<T, optdyn::Error>` → `PyResult<T>`.
pub trait IntoPy<T> {
    /// The result with the error converted by [`py_err`].
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for optdyn::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(py_err)
    }
}

/// The first exception raised by a user's callable during a run, and where.
#[derive(Clone, Default)]
pub struct ErrorSlot(Arc<Mutex<Option<(PyErr, String)>>>);

impl ErrorSlot {
    /// Keeps `err` (raised `context`) unless an earlier one is kept.
    pub fn set(&self, err: PyErr, context: String) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            *g = Some((err, context));
        }
    }

    /// Whether an exception is kept (callables then return NaN at once, so the run stops).
    pub fn is_set(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// The kept exception with a note `optdyn: raised … (context)` (Python ≥ 3.11 shows notes).
    pub fn take(&self, py: Python<'_>) -> Option<PyErr> {
        let (err, context) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take()?;
        let value = err.value(py);
        if value.hasattr("add_note").unwrap_or(false) {
            let _ = value.call_method1("add_note", (format!("optdyn: raised {context}"),));
        }
        Some(err)
    }

    /// Runs a callback into Python unless an exception is already kept; an exception it raises
    /// is kept with `context()`. `None` when the callback did not run or raised (the caller then
    /// returns NaNs so the run stops).
    pub fn call<T>(
        &self,
        context: impl FnOnce() -> String,
        f: impl FnOnce(Python<'_>) -> PyResult<T>,
    ) -> Option<T> {
        if self.is_set() {
            return None;
        }
        match Python::attach(f) {
            Ok(v) => Some(v),
            Err(e) => {
                self.set(e, context());
                None
            }
        }
    }

    /// `Err` with the kept exception, if any, else `Ok(v)`.
    pub fn check<T>(&self, py: Python<'_>, v: T) -> PyResult<T> {
        match self.take(py) {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }
}
