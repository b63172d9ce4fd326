//! Weak convergence: `|E F(θ_K) − E F(X_T)|` between a stochastic optimizer and its stochastic
//! model at a fixed horizon `T` as the learning rate shrinks, with the fitted weak order. The
//! expectations are Monte Carlo means over ensembles of the run engine ([`Run::ensemble`]),
//! each with its standard error, or — for SGD and its SMEs on a convex quadratic with additive
//! noise — exact moments ([`QuadraticGaussian`]), so the order is measured without sampling
//! error.
//!
//! `F` is `x` (the error is `‖E θ_K − E X_T‖`), `x2` (`E‖θ‖²`) or `loss` (`E f(θ)`).

use super::fit::{power_law, PowerFit};
use super::moments::{Functional, QuadraticGaussian};
use crate::integrate::sde::SdeSolver;
use crate::model::{sde_from_spec, SmeOrder};
use crate::optim::{downcast, Optimizer, Sgd};
use crate::run::{Ensemble, EnsembleResult, Problem, Run};
use crate::spec::Spec;
use crate::{Error, Result};
use serde::Serialize;

/// How the expectations are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakMethod {
    /// Monte Carlo over an ensemble of this many paths and seed (the same for the optimizer
    /// and the models).
    MonteCarlo(Ensemble),
    /// Exact moments (SGD and `sgd-sme1`/`sgd-sme2` on a convex quadratic with additive noise).
    Exact,
}

/// The weak errors of one model over the learning rates.
#[derive(Debug, Clone, Serialize)]
pub struct WeakModel {
    /// The model's spec.
    pub model: String,
    /// `|E F(θ_K) − E F(X_T)|` per learning rate.
    pub error: Vec<f64>,
    /// Its Monte Carlo standard error (0 for exact moments).
    pub stderr: Vec<f64>,
    /// Whether the error is resolved (above twice its standard error).
    pub resolved: Vec<bool>,
    /// Fit of `error ≈ C·lr^p` over the resolved points (`None` with fewer than two).
    pub fit: Option<PowerFit>,
}

/// Result of a weak-convergence study.
#[derive(Debug, Clone, Serialize)]
pub struct WeakConvergence {
    /// The learning rates.
    pub lrs: Vec<f64>,
    /// Steps per learning rate (`round(T/clock)` on the optimizer's clock).
    pub steps: Vec<u64>,
    /// The horizon `T` (on the clock `t = k·lr`).
    pub t_end: f64,
    /// `x`, `x2` or `loss`.
    pub functional: String,
    /// `exact` or `monte-carlo`.
    pub method: String,
    /// Paths per ensemble (Monte Carlo).
    pub paths: Option<usize>,
    /// The ensemble seed (Monte Carlo).
    pub seed: Option<u64>,
    /// The paths of the discrete runs that stopped (diverged), per learning rate.
    pub stopped: Vec<usize>,
    /// One entry per model.
    pub models: Vec<WeakModel>,
}

fn functional_name(f: Functional) -> &'static str {
    match f {
        Functional::X => "x",
        Functional::X2 => "x2",
        Functional::Loss => "loss",
    }
}

/// `|E F(a) − E F(b)|` at the last sample and its standard error (independent ensembles; for
/// `x` the delta method on the norm of the mean difference).
fn gap(a: &EnsembleResult, b: &EnsembleResult, f: Functional) -> Result<(f64, f64)> {
    let (sa, sb) = (a.steps().len() - 1, b.steps().len() - 1);
    let n = a.dim();
    let none = || Error::numerical("weak: fewer than two paths reached T");
    let pair = |g: &dyn Fn(&[f64]) -> f64| -> Result<((f64, f64), (f64, f64))> {
        Ok((
            a.expect(sa, g).ok_or_else(none)?,
            b.expect(sb, g).ok_or_else(none)?,
        ))
    };
    match f {
        Functional::X => {
            let (mut d2, mut var) = (Vec::new(), Vec::new());
            for i in 0..n {
                let ((ma, ea), (mb, eb)) = pair(&|r: &[f64]| r[i])?;
                d2.push(ma - mb);
                var.push(ea * ea + eb * eb);
            }
            let norm = d2.iter().map(|d| d * d).sum::<f64>().sqrt();
            let se = if norm > 0.0 {
                (d2.iter().zip(&var).map(|(d, v)| d * d * v).sum::<f64>()).sqrt() / norm
            } else {
                var.iter().sum::<f64>().sqrt()
            };
            Ok((norm, se))
        }
        Functional::X2 => {
            let ((ma, ea), (mb, eb)) = pair(&|r: &[f64]| r[..n].iter().map(|v| v * v).sum())?;
            Ok(((ma - mb).abs(), ea.hypot(eb)))
        }
        Functional::Loss => {
            let ((ma, ea), (mb, eb)) = pair(&|r: &[f64]| r[n])?;
            Ok(((ma - mb).abs(), ea.hypot(eb)))
        }
    }
}

/// For each `lr`: `K = round(T/lr)` steps of the optimizer and each stochastic model (spec, as
/// `sgd-sme1`) to the same step, `F`'s expectations by `method`, the error and its standard
/// error; then the weak order per model over the resolved points.
#[allow(clippy::too_many_arguments)]
pub fn weak_converge(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    models: &[String],
    solver: Option<SdeSolver>,
    lrs: &[f64],
    t_end: f64,
    f: Functional,
    method: WeakMethod,
) -> Result<WeakConvergence> {
    super::converge::check_study("weak", lrs, t_end)?;
    if models.is_empty() {
        return Err(Error::spec("weak: give at least one stochastic model"));
    }
    let specs: Vec<Spec> = models
        .iter()
        .map(|m| Spec::parse(m))
        .collect::<Result<_>>()?;
    let exact = match method {
        WeakMethod::Exact => Some(exact_setup(problem, optimizer, &specs)?),
        WeakMethod::MonteCarlo(e) if e.paths < 2 => {
            return Err(Error::spec(format!(
                "weak: paths must be >= 2 for a standard error, got {}",
                e.paths
            )))
        }
        WeakMethod::MonteCarlo(_) => None,
    };
    let mut out: Vec<WeakModel> = models
        .iter()
        .map(|m| WeakModel {
            model: m.clone(),
            error: Vec::new(),
            stderr: Vec::new(),
            resolved: Vec::new(),
            fit: None,
        })
        .collect();
    let (mut steps, mut stopped) = (Vec::new(), Vec::new());
    for &lr in lrs {
        let k = (t_end / lr).round().max(1.0) as u64;
        steps.push(k);
        let opt = optimizer.with_lr(lr)?;
        if let Some((q, orders)) = &exact {
            stopped.push(0);
            for (o, order) in out.iter_mut().zip(orders) {
                o.error.push(q.weak_error(lr, k as f64 * lr, *order, f)?);
                o.stderr.push(0.0);
            }
        } else if let WeakMethod::MonteCarlo(ens) = method {
            {
                let d = Run::discrete(problem, opt.as_ref())
                    .steps(k)
                    .every(k)
                    .ensemble(&ens)?;
                stopped.push(d.stopped().len());
                for (o, s) in out.iter_mut().zip(&specs) {
                    let model = sde_from_spec(s, opt.as_ref(), problem.objective().clone())?;
                    let mut run = Run::sde(problem, model.as_ref()).steps(k).every(k);
                    if let Some(sv) = solver {
                        run = run.sde_solver(sv);
                    }
                    let m = run.ensemble(&ens)?;
                    let (e, se) = gap(&d, &m, f)?;
                    o.error.push(e);
                    o.stderr.push(se);
                }
            }
        }
    }
    for o in &mut out {
        o.resolved = o
            .error
            .iter()
            .zip(&o.stderr)
            .map(|(e, se)| *e > 2.0 * se)
            .collect();
        let (x, y): (Vec<f64>, Vec<f64>) = lrs
            .iter()
            .zip(&o.error)
            .zip(&o.resolved)
            .filter(|(_, r)| **r)
            .map(|((l, e), _)| (*l, *e))
            .unzip();
        o.fit = power_law(&x, &y);
    }
    let (paths, seed) = match method {
        WeakMethod::MonteCarlo(e) => (Some(e.paths), Some(e.seed)),
        WeakMethod::Exact => (None, None),
    };
    Ok(WeakConvergence {
        lrs: lrs.to_vec(),
        steps,
        t_end,
        functional: functional_name(f).into(),
        method: if exact.is_some() {
            "exact"
        } else {
            "monte-carlo"
        }
        .into(),
        paths,
        seed,
        stopped,
        models: out,
    })
}

/// The exact-moment problem and the SME order of each model, or why there is none.
fn exact_setup(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    specs: &[Spec],
) -> Result<(QuadraticGaussian, Vec<SmeOrder>)> {
    let Some(sgd) = downcast::<Sgd, f64>(optimizer) else {
        return Err(Error::spec(format!(
            "--moments exact applies to sgd and its SMEs, got optimizer '{}'",
            optimizer.name()
        )));
    };
    if sgd.momentum != 0.0 || sgd.maximize {
        return Err(Error::spec(
            "--moments exact needs sgd with momentum=0 and maximize=false",
        ));
    }
    let orders = specs
        .iter()
        .map(|s| {
            s.finish(&[])?;
            match s.name.as_str() {
                "sgd-sme1" => Ok(SmeOrder::First),
                "sgd-sme2" => Ok(SmeOrder::Second),
                other => Err(Error::spec(format!(
                    "--moments exact knows the moments of sgd-sme1 and sgd-sme2, got '{other}'"
                ))),
            }
        })
        .collect::<Result<_>>()?;
    let q = QuadraticGaussian::of(problem.objective().as_ref(), problem.x0(), sgd.weight_decay)?;
    Ok((q, orders))
}
