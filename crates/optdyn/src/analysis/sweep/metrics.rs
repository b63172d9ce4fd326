//! Per-run reductions computed on the fly by an observer of the run engine
//! ([`MetricsObserver`]), without storing a trajectory.
//!
//! Conventions are those of [`crate::run::Run`]: iterate `x_k` after `k` steps, `k = 0…K`,
//! every step observed; the loss and gradient at `x_k` are the ones the optimizer sees at step
//! `k+1` and, at `k = K`, the full `f(x_K)`, `∇f(x_K)` (a model's samples at `t0 + k·lr` use the
//! full objective). A run stops at the first `k` whose iterate, loss or gradient fails
//! [`crate::run::Limits::check`] (non-finite, `max|x| > max_abs` or `|f| > max_loss`).

use crate::integrate::Integrator;
use crate::io::push_cell;
use crate::model::Model;
use crate::objective::Objective;
use crate::optim::Optimizer;
use crate::run::{End, Limits, Observer, Problem, Run, Sample};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::fmt::Write as _;
use std::ops::ControlFlow;

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

impl TolOn {
    /// Parses `grad` or `gap`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "grad" => Ok(TolOn::Grad),
            "gap" => Ok(TolOn::Gap),
            other => Err(Error::spec(format!(
                "--tol-on must be grad or gap, got '{other}'"
            ))),
        }
    }

    /// `grad` or `gap`.
    pub fn text(self) -> &'static str {
        match self {
            TolOn::Grad => "grad",
            TolOn::Gap => "gap",
        }
    }
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
        let r = Limits::default();
        MetricOptions {
            steps: 1000,
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
    /// Appends the CSV fields of `metrics` (comma-led) to `out`; a non-finite value (the loss
    /// at the step a run diverged, say) is an empty field, the `diverged` columns say why.
    pub fn write_fields(&self, metrics: &[Metric], out: &mut String) {
        let opt = |out: &mut String, v: Option<u64>| {
            out.push(',');
            if let Some(k) = v {
                let _ = write!(out, "{k}");
            }
        };
        for m in metrics {
            match m {
                Metric::FinalX => {
                    for v in &self.final_x {
                        out.push(',');
                        push_cell(out, *v);
                    }
                }
                Metric::FinalLoss => {
                    out.push(',');
                    push_cell(out, self.final_loss);
                }
                Metric::Diverged => {
                    out.push_str(if self.diverged.is_some() { ",1" } else { ",0" });
                    opt(out, self.diverged);
                }
                Metric::StepsToTol => opt(out, self.steps_to_tol),
                Metric::MaxUpdate => {
                    out.push(',');
                    push_cell(out, self.max_update);
                }
            }
        }
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

impl MetricOptions {
    /// The divergence bounds of the runs.
    pub fn limits(&self) -> Limits {
        Limits {
            max_abs: self.max_abs,
            max_loss: self.max_loss,
        }
    }
}

/// Reduces a run (every step observed) to [`Metrics`]; allocation-free per sample.
pub struct MetricsObserver {
    tol: f64,
    tol_on: TolOn,
    fstar: f64,
    steps: u64,
    prev: Vec<f64>,
    seen: bool,
    m: Metrics,
}

impl MetricsObserver {
    /// Metrics of a run on `obj` from `x0` (its `final_x` if no sample arrives).
    pub fn new(obj: &dyn Objective, x0: &[f64], o: &MetricOptions) -> Result<Self> {
        Ok(MetricsObserver {
            tol: o.tol,
            tol_on: o.tol_on,
            fstar: gap_reference(obj, o.tol_on)?,
            steps: o.steps,
            prev: x0.to_vec(),
            seen: false,
            m: Metrics {
                final_x: x0.to_vec(),
                final_loss: f64::NAN,
                diverged: None,
                steps_to_tol: None,
                max_update: 0.0,
            },
        })
    }

    /// The reductions.
    pub fn into_metrics(self) -> Metrics {
        self.m
    }
}

impl Observer for MetricsObserver {
    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        if self.seen {
            let du = crate::vector::distance(s.x, &self.prev);
            self.m.max_update = self.m.max_update.max(du);
        }
        if self.m.steps_to_tol.is_none() {
            let q = match self.tol_on {
                TolOn::Gap => s.loss - self.fstar,
                TolOn::Grad => s.grad_norm(),
            };
            if q <= self.tol {
                self.m.steps_to_tol = Some(s.step);
            }
        }
        self.m.final_loss = s.loss;
        self.m.final_x.copy_from_slice(s.x);
        self.prev.copy_from_slice(s.x);
        self.seen = true;
        ControlFlow::Continue(())
    }

    fn reject(&mut self, s: &Sample<'_>, _why: &StopReason) {
        self.m.diverged = Some(s.step);
        self.m.final_loss = s.loss;
        self.m.final_x.copy_from_slice(s.x);
    }

    fn finish(&mut self, end: &End) -> Result<()> {
        if self.m.diverged.is_none() && !matches!(end.stop, StopReason::Finished) {
            self.m.diverged = Some(end.unreached.unwrap_or(self.steps));
        }
        Ok(())
    }
}

/// Runs `opt` on `problem` for `o.steps` steps and reduces the run to [`Metrics`].
pub fn discrete_metrics(
    problem: &Problem,
    opt: &dyn Optimizer<f64>,
    o: &MetricOptions,
) -> Result<Metrics> {
    let mut obs = MetricsObserver::new(problem.objective().as_ref(), problem.x0(), o)?;
    Run::discrete(problem, opt)
        .steps(o.steps)
        .limits(o.limits())
        .execute(&mut [&mut obs])?;
    Ok(obs.into_metrics())
}

/// Integrates `model` on `problem` with `integrator` (default `rk4:substeps=10`), sampled at
/// `t_k = t0 + k·lr` for `k = 0…K`, and reduces the samples to [`Metrics`] with the full
/// objective. A solve that stops early (divergence, non-finite state, failure) marks the run
/// diverged at the first sample it did not reach.
pub fn model_metrics(
    problem: &Problem,
    model: &dyn Model,
    integrator: Option<&dyn Integrator>,
    lr: f64,
    o: &MetricOptions,
) -> Result<Metrics> {
    let mut obs = MetricsObserver::new(problem.objective().as_ref(), problem.x0(), o)?;
    let mut run = Run::model(problem, model, lr)
        .steps(o.steps)
        .limits(o.limits());
    if let Some(i) = integrator {
        run = run.integrator(i);
    }
    run.execute(&mut [&mut obs])?;
    Ok(obs.into_metrics())
}
