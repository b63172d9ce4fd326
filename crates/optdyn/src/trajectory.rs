//! Trajectories: named columns sampled at requested times, and why the run stopped.

pub use crate::stop::StopReason;
use serde::Serialize;

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
