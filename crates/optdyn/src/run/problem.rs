//! A problem: an objective and a start point.

use crate::objective::{self, Objective};
use crate::{Error, Result};
use std::sync::Arc;

/// An objective `f: Rⁿ → R` and a start point `x0 ∈ Rⁿ`.
#[derive(Clone)]
pub struct Problem {
    objective: Arc<dyn Objective>,
    x0: Vec<f64>,
}

impl Problem {
    /// The problem of `objective` from `x0`; the dimensions must agree and `x0` be finite.
    pub fn new<O: Objective + 'static>(objective: O, x0: Vec<f64>) -> Result<Self> {
        Self::shared(Arc::new(objective), x0)
    }

    /// [`Problem::new`] for an objective already shared.
    pub fn shared(objective: Arc<dyn Objective>, x0: Vec<f64>) -> Result<Self> {
        if objective.dim() != x0.len() {
            return Err(Error::spec(format!(
                "--x0 has {} values but objective '{}' has dimension {}",
                x0.len(),
                objective.name(),
                objective.dim()
            )));
        }
        if let Some(i) = x0.iter().position(|v| !v.is_finite()) {
            return Err(Error::spec(format!(
                "x0: entry {i} must be finite, got {}",
                x0[i]
            )));
        }
        Ok(Problem { objective, x0 })
    }

    /// The problem of an objective spec (`rosen1d:c=4`) from `x0` (whose length fixes the
    /// dimension of dimension-free objectives).
    pub fn parse(objective: &str, x0: Vec<f64>) -> Result<Self> {
        let obj = objective::parse(objective, x0.len())?;
        if obj.dim() != x0.len() {
            return Err(Error::spec(format!(
                "--x0 has {} values but objective '{objective}' has dimension {}",
                x0.len(),
                obj.dim()
            )));
        }
        Self::shared(Arc::from(obj), x0)
    }

    /// The objective.
    pub fn objective(&self) -> &Arc<dyn Objective> {
        &self.objective
    }

    /// The start point.
    pub fn x0(&self) -> &[f64] {
        &self.x0
    }

    /// The dimension `n`.
    pub fn dim(&self) -> usize {
        self.x0.len()
    }

    /// The same objective from another start point.
    pub fn from_point(&self, x0: Vec<f64>) -> Result<Self> {
        Self::shared(self.objective.clone(), x0)
    }
}
