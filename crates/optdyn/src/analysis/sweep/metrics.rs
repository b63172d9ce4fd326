//! Per-run reductions computed on the fly, without storing a trajectory.
//!
//! Conventions are those of [`crate::simulate::run_discrete`]: iterate `x_k` after `k` steps,
//! `k = 0…K`; the loss and gradient at `x_k` are the ones the optimizer sees at step `k+1`
//! ([`Objective::gradient_at_step`]) and, at `k = K`, the full `f(x_K)`, `∇f(x_K)`. A run stops at
//! the first `k` whose iterate fails [`crate::simulate::check_iterate`] (non-finite, `max|x| >
//! max_abs` or `|f| > max_loss`) or whose gradient is non-finite.

use crate::integrate::{Integrator, SolveOptions};
use crate::io::fmt_f64;
use crate::model::Model;
use crate::objective::Objective;
use crate::optim::Optimizer;
use crate::simulate::{check_iterate, RunOptions};
use crate::stop::StopReason;
use crate::{Error, Result};

/// A per-run reduction written as CSV column(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `x_K` (or the iterate at which the run diverged): columns `final_x0…`.
    FinalX,
    /// `f(x_K)` (or the loss at divergence): column `final_loss`.
    FinalLoss,
    /// Columns `diverged` (0/1) and `diverged_step` (the first bad `k`, empty if none).
    Diverged,
    /// Column `steps_to_tol`: the first `k` with `f(x_k) − f* ≤ tol` (`--tol-on gap`) or
    /// `‖∇f(x_k)‖₂ ≤ tol` (`--tol-on grad`); empty if never reached.
    StepsToTol,
    /// Column `max_update`: `max_{1≤k} ‖x_k − x_{k−1}‖₂` over the valid iterates.
    MaxUpdate,
}

impl Metric {
    /// All metrics with their names.
    pub const ALL: [(&'static str, Metric); 5] = [
        ("final_x", Metric::FinalX),
        ("final_loss", Metric::FinalLoss),
        ("diverged", Metric::Diverged),
        ("steps_to_tol", Metric::StepsToTol),
        ("max_update", Metric::MaxUpdate),
    ];

    /// Parses a comma-separated list such as `final_loss,diverged`.
    pub fn parse_list(text: &str) -> Result<Vec<Metric>> {
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let m = Metric::ALL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, m)| *m)
                .ok_or_else(|| {
                    let names: Vec<&str> = Metric::ALL.iter().map(|(n, _)| *n).collect();
                    Error::spec(format!(
                        "--metric: unknown metric '{name}' (allowed: {})",
                        names.join(", ")
                    ))
                })?;
            if out.contains(&m) {
                return Err(Error::spec(format!("--metric: '{name}' given twice")));
            }
            out.push(m);
        }
        if out.is_empty() {
            return Err(Error::spec("--metric: no metric given".to_string()));
        }
        Ok(out)
    }

    /// The CSV column names of this metric for dimension `n`.
    pub fn columns(self, n: usize) -> Vec<String> {
        match self {
            Metric::FinalX => (0..n).map(|i| format!("final_x{i}")).collect(),
            Metric::FinalLoss => vec!["final_loss".into()],
            Metric::Diverged => vec!["diverged".into(), "diverged_step".into()],
            Metric::StepsToTol => vec!["steps_to_tol".into()],
            Metric::MaxUpdate => vec!["max_update".into()],
        }
    }
}

/// What `steps_to_tol` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TolOn {
    /// `f(x_k) − f* ≤ tol` (needs the objective's known minimum `f*`).
    Gap,
    /// `‖∇f(x_k)‖₂ ≤ tol`.
    Grad,
}

/// Length of a run, divergence bounds and the tolerance of `steps_to_tol`.
#[derive(Debug, Clone, Copy)]
pub struct MetricOptions {
    /// Number of optimizer steps `K`.
    pub steps: u64,
    /// Tolerance of `steps_to_tol`.
    pub tol: f64,
    /// What the tolerance applies to.
    pub tol_on: TolOn,
    /// Divergence bound on `max |x_i|`.
    pub max_abs: f64,
    /// Divergence bound on `|f(x)|`.
    pub max_loss: f64,
}

impl Default for MetricOptions {
    fn default() -> Self {
        let r = RunOptions::default();
        MetricOptions {
            steps: r.steps,
            tol: 1e-8,
            tol_on: TolOn::Grad,
            max_abs: r.max_abs,
            max_loss: r.max_loss,
        }
    }
}

/// The reductions of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// `x_K`, or the first bad iterate when the run diverged.
    pub final_x: Vec<f64>,
    /// `f(x_K)`, or the loss at the first bad iterate.
    pub final_loss: f64,
    /// The first bad step `k`, if the run diverged.
    pub diverged: Option<u64>,
    /// The first step reaching the tolerance.
    pub steps_to_tol: Option<u64>,
    /// `max ‖x_k − x_{k−1}‖₂` over valid iterates (0 if none).
    pub max_update: f64,
}

impl Metrics {
    /// Appends the CSV fields of `metrics` (comma-led) to `out`.
    pub fn write_fields(&self, metrics: &[Metric], out: &mut String) {
        let opt = |out: &mut String, v: Option<u64>| {
            out.push(',');
            if let Some(k) = v {
                out.push_str(&k.to_string());
            }
        };
        for m in metrics {
            match m {
                Metric::FinalX => {
                    for v in &self.final_x {
                        out.push(',');
                        out.push_str(&fmt_f64(*v));
                    }
                }
                Metric::FinalLoss => {
                    out.push(',');
                    out.push_str(&fmt_f64(self.final_loss));
                }
                Metric::Diverged => {
                    out.push_str(if self.diverged.is_some() { ",1" } else { ",0" });
                    opt(out, self.diverged);
                }
                Metric::StepsToTol => opt(out, self.steps_to_tol),
                Metric::MaxUpdate => {
                    out.push(',');
                    out.push_str(&fmt_f64(self.max_update));
                }
            }
        }
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

fn run_options(o: &MetricOptions) -> RunOptions {
    RunOptions {
        steps: o.steps,
        max_abs: o.max_abs,
        max_loss: o.max_loss,
        ..RunOptions::default()
    }
}

/// The `f*` that `--tol-on gap` needs, or a one-line error.
pub fn gap_reference(obj: &dyn Objective, tol_on: TolOn) -> Result<f64> {
    match (tol_on, obj.min_value()) {
        (TolOn::Grad, _) => Ok(0.0),
        (TolOn::Gap, Some(f)) => Ok(f),
        (TolOn::Gap, None) => Err(Error::spec(format!(
            "--tol-on gap: objective '{}' has no known minimum f*; use --tol-on grad",
            obj.name()
        ))),
    }
}

/// Runs `opt` from `x0` for `o.steps` steps and reduces the run to [`Metrics`]; the step loop
/// allocates nothing (three buffers of length `n` and the optimizer state are made up front).
pub fn discrete_metrics(
    obj: &dyn Objective,
    opt: &dyn Optimizer<f64>,
    x0: &[f64],
    o: &MetricOptions,
) -> Result<Metrics> {
    let fstar = gap_reference(obj, o.tol_on)?;
    let ro = run_options(o);
    let n = x0.len();
    let mut state = opt.init(n);
    let mut x = x0.to_vec();
    let mut prev = x0.to_vec();
    let mut g = vec![0.0; n];
    let lr = opt.lr();
    let mut m = Metrics {
        final_x: Vec::new(),
        final_loss: f64::NAN,
        diverged: None,
        steps_to_tol: None,
        max_update: 0.0,
    };
    for k in 0..=o.steps {
        let loss = if k < o.steps {
            obj.gradient_at_step(&x, k + 1, &mut g)
        } else {
            obj.value_gradient(&x, &mut g)
        };
        let bad = check_iterate(&x, loss, k, k as f64 * lr, &ro).is_some()
            || g.iter().any(|v| !v.is_finite());
        if bad {
            m.diverged = Some(k);
            m.final_loss = loss;
            break;
        }
        if k > 0 {
            let du = x
                .iter()
                .zip(&prev)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            m.max_update = m.max_update.max(du);
        }
        if m.steps_to_tol.is_none() {
            let q = match o.tol_on {
                TolOn::Gap => loss - fstar,
                TolOn::Grad => norm(&g),
            };
            if q <= o.tol {
                m.steps_to_tol = Some(k);
            }
        }
        if k == o.steps {
            m.final_loss = loss;
            break;
        }
        prev.copy_from_slice(&x);
        opt.step(&mut state, &mut x, &g);
    }
    m.final_x = x;
    Ok(m)
}

/// Integrates `model` from `x0` with `integrator`, sampled at `t_k = k·lr` (`k = 0…K`, skipping
/// samples before the model's `t0`), and reduces the samples to [`Metrics`] with the full
/// objective. The solver keeps the `K+1` samples of this one run while it is reduced (the
/// [`Integrator`] interface records samples); nothing is kept across runs. A solve that stops
/// early (divergence, non-finite state, failure) marks the run diverged at the first sample it
/// did not reach.
pub fn model_metrics(
    obj: &dyn Objective,
    model: &dyn Model,
    integrator: &dyn Integrator,
    x0: &[f64],
    lr: f64,
    o: &MetricOptions,
) -> Result<Metrics> {
    let fstar = gap_reference(obj, o.tol_on)?;
    let ro = run_options(o);
    let n = model.n();
    let t0 = model.t0();
    let ks: Vec<u64> = (0..=o.steps).filter(|&k| k as f64 * lr >= t0).collect();
    let t_eval: Vec<f64> = ks.iter().map(|&k| k as f64 * lr).collect();
    let opts = SolveOptions {
        t_eval,
        max_abs: o.max_abs,
        steady_tol: None,
        max_steps: u64::MAX,
        events: Vec::new(),
        lr: Some(lr),
    };
    let sol = integrator.solve(model, t0, &model.initial_state(x0), &opts);
    let mut g = vec![0.0; n];
    let mut m = Metrics {
        final_x: x0.to_vec(),
        final_loss: f64::NAN,
        diverged: None,
        steps_to_tol: None,
        max_update: 0.0,
    };
    for (i, &k) in ks.iter().enumerate().take(sol.t.len()) {
        let x = &sol.state(i)[..n];
        let loss = obj.value_gradient(x, &mut g);
        m.final_loss = loss;
        if check_iterate(x, loss, k, sol.t[i], &ro).is_some() || g.iter().any(|v| !v.is_finite()) {
            m.final_x.copy_from_slice(x);
            m.diverged = Some(k);
            return Ok(m);
        }
        if i > 0 {
            let p = &sol.state(i - 1)[..n];
            let du = x
                .iter()
                .zip(p)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            m.max_update = m.max_update.max(du);
        }
        if m.steps_to_tol.is_none() {
            let q = match o.tol_on {
                TolOn::Gap => loss - fstar,
                TolOn::Grad => norm(&g),
            };
            if q <= o.tol {
                m.steps_to_tol = Some(k);
            }
        }
        m.final_x.copy_from_slice(x);
    }
    if sol.t.len() < ks.len() || !matches!(sol.stop, StopReason::Finished) {
        m.diverged = Some(ks.get(sol.t.len()).copied().unwrap_or(o.steps));
        if let Some(z) = sol.last() {
            m.final_x.copy_from_slice(&z[..n]);
        }
    }
    Ok(m)
}
