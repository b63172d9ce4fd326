//! Continuous-time models of optimizers.
//!
//! A model is (optimizer, scaling regime): an augmented state `z = (θ, aux…)` whose first `n`
//! entries are always the parameters θ, a right-hand side `ż = F(t, z)`, an initial state built
//! from `x0`, and a start time `t0`. Models are built from a model spec *and* the optimizer spec
//! whose hyperparameters they share (`--optimizer adam:lr=…,beta1=… --model adam-ide1`).

use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::spec::{ComponentInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

/// A continuous-time model of an optimizer. It is an [`OdeSystem`] on `z = (θ, aux…)`.
pub trait Model: OdeSystem + Send + Sync {
    /// The spec it was built from.
    fn name(&self) -> String;
    /// Dimension `n` of θ.
    fn n(&self) -> usize;
    /// Start time (0 unless the model's convention says otherwise).
    fn t0(&self) -> f64 {
        0.0
    }
    /// The initial state `z(t0)` for `θ(t0) = x0`.
    fn initial_state(&self, x0: &[f64]) -> Vec<f64>;
    /// Names of the auxiliary state columns `z[n..]` (e.g. `m0, v0, vel0`).
    fn state_columns(&self) -> Vec<String>;
}

/// Every model with its optimizer and parameters, for `optdyn list models`.
pub fn catalog() -> Vec<ComponentInfo> {
    Vec::new()
}

/// Builds a model from its spec, the optimizer spec that supplies the shared hyperparameters,
/// and the objective.
pub fn parse(
    spec: &str,
    optimizer: &Spec,
    objective: Arc<dyn Objective>,
) -> Result<Box<dyn Model>> {
    let s = Spec::parse(spec)?;
    let _ = (optimizer, objective);
    Err(Error::spec(format!("unknown model '{}'", s.name)))
}
