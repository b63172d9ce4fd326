//! Stochastic models of optimizers: an [`SdeSystem`] on `z = (θ, aux…)` with its own clock, and
//! the registry of the built-in ones (`sgd-sme1`, `sgd-sme2`, `rmsprop-sde`, `adam-sde`), which
//! read the gradient noise from the objective ([`crate::objective::Objective::step_noise`]).

use super::adaptive_sde::{self, AdamSde, RmspropSde};
use super::optimizer_as;
use super::sme::{self, Sme, SmeOrder};
use crate::block::Block;
use crate::integrate::sde::SdeSystem;
use crate::objective::Objective;
use crate::optim::{Optimizer, Sgd};
use crate::spec::{ComponentInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

/// A stochastic differential equation modelling an optimizer.
pub trait SdeModel: SdeSystem + Send + Sync {
    /// Its spec (`sgd-sme2`).
    fn name(&self) -> String;
    /// Dimension `n` of θ.
    fn n(&self) -> usize;
    /// Model time per optimizer step: step `k` pairs with `t0 + k·clock` (`lr` for the SMEs,
    /// `lr²` for the adaptive SDEs).
    fn clock(&self) -> f64;
    /// Start time (0 unless the model's convention says otherwise).
    fn t0(&self) -> f64 {
        0.0
    }
    /// The initial state `z(t0)` for `θ(t0) = x0`.
    fn initial_state(&self, x0: &[f64]) -> Vec<f64>;
    /// The layout of the auxiliary state `z[n..]` as named blocks.
    fn blocks(&self) -> Vec<Block>;
}

/// Parses an SDE model spec, given the optimizer it models and the objective.
pub type SdeBuilder =
    fn(&Spec, &dyn Optimizer<f64>, Arc<dyn Objective>) -> Result<Box<dyn SdeModel>>;

/// One stochastic model the registry knows.
pub struct SdeEntry {
    /// Name, summary (with the optimizer it models) and keys.
    pub info: ComponentInfo,
    /// Builds the model from its spec, the optimizer and the objective.
    pub build: SdeBuilder,
}

fn sme_of(
    s: &Spec,
    opt: &dyn Optimizer<f64>,
    obj: Arc<dyn Objective>,
) -> Result<Box<dyn SdeModel>> {
    let sgd: &Sgd = optimizer_as(&s.name, opt, &["sgd"])?;
    s.finish(&[])?;
    let order = if s.name == "sgd-sme1" {
        SmeOrder::First
    } else {
        SmeOrder::Second
    };
    let noise = super::GradientCovariance::of(&obj)?;
    Ok(Box::new(Sme::of(sgd, order, noise, obj)?))
}

static SDE_REGISTRY: [SdeEntry; 4] = [
    SdeEntry {
        info: sme::INFO1,
        build: sme_of,
    },
    SdeEntry {
        info: sme::INFO2,
        build: sme_of,
    },
    SdeEntry {
        info: adaptive_sde::RMSPROP_INFO,
        build: RmspropSde::from_spec,
    },
    SdeEntry {
        info: adaptive_sde::ADAM_INFO,
        build: AdamSde::from_spec,
    },
];

/// Every stochastic model: name → (catalog entry, builder).
pub fn sde_registry() -> &'static [SdeEntry] {
    &SDE_REGISTRY
}

/// Whether `name` is a stochastic model.
pub fn is_sde(name: &str) -> bool {
    sde_registry().iter().any(|e| e.info.name == name)
}

/// Builds the stochastic model of a parsed spec for the optimizer `opt` on `obj`.
pub fn sde_from_spec(
    s: &Spec,
    opt: &dyn Optimizer<f64>,
    obj: Arc<dyn Objective>,
) -> Result<Box<dyn SdeModel>> {
    let entry = sde_registry()
        .iter()
        .find(|e| e.info.name == s.name)
        .ok_or_else(|| {
            Error::unknown_name(
                "stochastic model",
                &s.name,
                sde_registry().iter().map(|e| e.info.name),
            )
        })?;
    (entry.build)(s, opt, obj)
}

/// Builds a stochastic model from its spec text (`sgd-sme2`).
pub fn parse_sde(
    spec: &str,
    opt: &dyn Optimizer<f64>,
    obj: Arc<dyn Objective>,
) -> Result<Box<dyn SdeModel>> {
    sde_from_spec(&Spec::parse(spec)?, opt, obj)
}
