//! `converge`: the discrete-vs-model gap at a fixed horizon `T` as the learning rate shrinks,
//! with the fitted order `p` of `E ≈ C·lr^p` per model. The learning rate is varied through
//! [`Optimizer::with_lr`] and every model is rebuilt from the new optimizer by its factory.

use super::compare::compare;
use super::fit::{power_law, PowerFit};
use crate::integrate::Integrator;
use crate::model::ModelFactory;
use crate::optim::Optimizer;
use crate::run::Problem;
use crate::{Error, Result};
use serde::Serialize;

/// The gaps of one model over the learning rates.
#[derive(Debug, Clone, Serialize)]
pub struct ModelConvergence {
    /// The model's label.
    pub model: String,
    /// `E_T` per learning rate.
    pub e_t: Vec<f64>,
    /// `E_f` per learning rate.
    pub e_f: Vec<f64>,
    /// Fit of `E_T ≈ C·lr^p`.
    pub fit_t: Option<PowerFit>,
    /// Fit of `E_f ≈ C·lr^p`.
    pub fit_f: Option<PowerFit>,
}

/// Result of a convergence study.
#[derive(Debug, Clone, Serialize)]
pub struct Convergence {
    /// The learning rates, as given.
    pub lrs: Vec<f64>,
    /// Steps used per learning rate (`round(T/lr)`).
    pub steps: Vec<u64>,
    /// The horizon `T`.
    pub t_end: f64,
    /// One entry per model.
    pub models: Vec<ModelConvergence>,
}

/// Checks a study over learning rates: `T > 0` finite, at least two rates, each `> 0` finite
/// (`who` names the study in the message).
pub(crate) fn check_study(who: &str, lrs: &[f64], t_end: f64) -> Result<()> {
    if !(t_end > 0.0 && t_end.is_finite()) {
        return Err(Error::spec(format!(
            "{who}: t_end must be > 0, got {t_end}"
        )));
    }
    if lrs.len() < 2 {
        return Err(Error::spec(format!(
            "{who}: give at least two learning rates"
        )));
    }
    if let Some(&lr) = lrs.iter().find(|lr| !(**lr > 0.0 && lr.is_finite())) {
        return Err(Error::spec(format!(
            "{who}: every lr must be > 0, got {lr}"
        )));
    }
    Ok(())
}

/// For each `lr`, runs the optimizer with that learning rate for `K = round(T/lr)` steps and each
/// model to `T`, records the gaps at `T`, then fits the order per model.
pub fn converge(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    models: &[&dyn ModelFactory],
    integrator: Option<&dyn Integrator>,
    lrs: &[f64],
    t_end: f64,
) -> Result<Convergence> {
    check_study("converge", lrs, t_end)?;
    super::compare::check_models(
        problem,
        optimizer.with_lr(lrs[0])?.as_ref(),
        models,
        integrator,
    )?;
    let mut out: Vec<ModelConvergence> = models
        .iter()
        .map(|m| ModelConvergence {
            model: m.label(),
            e_t: Vec::new(),
            e_f: Vec::new(),
            fit_t: None,
            fit_f: None,
        })
        .collect();
    let mut steps = Vec::new();
    for &lr in lrs {
        let k = (t_end / lr).round() as u64;
        steps.push(k);
        let opt = optimizer.with_lr(lr)?;
        let c = compare(problem, opt.as_ref(), models, integrator, k, k.max(1))?;
        for (o, m) in out.iter_mut().zip(&c.models) {
            o.e_t.push(m.e_t);
            o.e_f.push(m.e_f);
        }
    }
    for o in &mut out {
        o.fit_t = power_law(lrs, &o.e_t);
        o.fit_f = power_law(lrs, &o.e_f);
    }
    Ok(Convergence {
        lrs: lrs.to_vec(),
        steps,
        t_end,
        models: out,
    })
}
