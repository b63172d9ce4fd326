//! Trajectories: named columns sampled at requested times, and why the run stopped.

use serde::Serialize;
use std::fmt;

/// Why a run stopped. Never a silent NaN: a non-finite value or a divergence is reported with the
/// step and time where it happened; the rows before it are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    /// Reached the requested number of steps or end time.
    Finished,
    /// Reached a steady state (the update or `‖ż‖` fell below the tolerance).
    Converged {
        /// Step index (discrete) or sample index (continuous).
        step: u64,
        /// Time.
        t: f64,
    },
    /// The iterate or the loss exceeded the divergence bound.
    Diverged {
        /// Step index.
        step: u64,
        /// Time.
        t: f64,
        /// What exceeded which bound.
        why: String,
    },
    /// The iterate, loss or state became NaN or infinite.
    NonFinite {
        /// Step index.
        step: u64,
        /// Time.
        t: f64,
        /// Which quantity.
        what: String,
    },
    /// A user event fired (root located inside a step).
    Event {
        /// Time of the event.
        t: f64,
        /// Its name.
        name: String,
    },
    /// A numerical procedure failed (Newton did not converge, step size underflow, …).
    Failed {
        /// Time.
        t: f64,
        /// Why.
        why: String,
    },
}

impl StopReason {
    /// True when the run ended normally (finished, converged or at an event).
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            StopReason::Finished | StopReason::Converged { .. } | StopReason::Event { .. }
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Finished => write!(f, "finished"),
            StopReason::Converged { step, t } => write!(f, "converged at step {step} (t = {t})"),
            StopReason::Diverged { step, t, why } => {
                write!(f, "diverged at step {step} (t = {t}): {why}")
            }
            StopReason::NonFinite { step, t, what } => {
                write!(f, "non-finite {what} at step {step} (t = {t})")
            }
            StopReason::Event { t, name } => write!(f, "event '{name}' at t = {t}"),
            StopReason::Failed { t, why } => write!(f, "failed at t = {t}: {why}"),
        }
    }
}

/// Columns `step, t, loss, grad_norm, x0 … x{n−1}` followed by any extra state columns,
/// stored row-major in one flat buffer.
#[derive(Debug, Clone, Serialize)]
pub struct Trajectory {
    /// Column names.
    pub columns: Vec<String>,
    /// Row-major data, `rows × columns.len()`.
    pub data: Vec<f64>,
    /// Dimension of the parameter vector (the `x` columns).
    pub n: usize,
    /// Why the run stopped.
    pub stop: StopReason,
}

/// Index of the first `x` column.
pub const X_OFFSET: usize = 4;

impl Trajectory {
    /// An empty trajectory for parameters of length `n` plus `extra` state column names.
    pub fn new(n: usize, extra: &[String]) -> Self {
        let mut columns: Vec<String> = ["step", "t", "loss", "grad_norm"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        columns.extend((0..n).map(|i| format!("x{i}")));
        columns.extend(extra.iter().cloned());
        Trajectory {
            columns,
            data: Vec::new(),
            n,
            stop: StopReason::Finished,
        }
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.len() / self.width()
    }

    /// True if there are no rows.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Appends a row: `step, t, loss, grad_norm`, then `x`, then `extra`.
    pub fn push(&mut self, step: u64, t: f64, loss: f64, grad_norm: f64, x: &[f64], extra: &[f64]) {
        debug_assert_eq!(X_OFFSET + x.len() + extra.len(), self.width());
        self.data
            .extend_from_slice(&[step as f64, t, loss, grad_norm]);
        self.data.extend_from_slice(x);
        self.data.extend_from_slice(extra);
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.width();
        &self.data[i * w..(i + 1) * w]
    }

    /// The last row, if any.
    pub fn last(&self) -> Option<&[f64]> {
        (!self.is_empty()).then(|| self.row(self.len() - 1))
    }

    /// The parameter vector of row `i`.
    pub fn x(&self, i: usize) -> &[f64] {
        &self.row(i)[X_OFFSET..X_OFFSET + self.n]
    }

    /// Index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// A whole column as a vector.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.column_index(name)?;
        Some((0..self.len()).map(|i| self.row(i)[j]).collect())
    }

    /// The time column.
    pub fn times(&self) -> Vec<f64> {
        (0..self.len()).map(|i| self.row(i)[1]).collect()
    }
}
