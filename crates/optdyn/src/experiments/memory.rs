//! What long memory changes in Adam's continuous model (issue 17, item 3): discrete Adam against
//! its IDE with the paper's exponential kernels and the same IDE with power-law memory.
//!
//! Dynamics (all with the same `(β₁, β₂)`, ε = 1e-8, on the clock `t = k·lr`):
//!
//! * discrete Adam;
//! * `adam-ide1` (Heredia): `θ' = −m̂/(√v̂ + ε)`, `m̂ = M_m[g]/μ_m`, `v̂ = M_v[g²]/μ_v` with the
//!   memories `M[u](t) = ∫_0^t K(t − τ) u(τ) dτ`, masses `μ(t) = ∫_0^t K` and the paper's
//!   exponential kernels `K(s) ∝ β^{s/lr}` (finite state, integrated by `rk4:substeps=10`);
//! * `adam-ide1:kernel=power:a=A`: both kernels replaced by `c·s^{−a}`, `c` set so that the mass
//!   over the newest optimizer step `[0, lr]` equals the exponential kernel's (`1 − β`), so the
//!   models differ only in how the older past is weighted; optionally `kernel_m=power:a=A` (first
//!   moment only). These are Volterra systems, integrated by `volterra:substeps=10` (the run
//!   engine's default; see `crate::model::nonlocal` and `crate::integrate::volterra`).
//!
//! Protocol:
//!
//! 1. **Trajectories** on `rosen1d:c=C`, `f(θ) = (1 − θ)² + C(θ² − 1)²` (bistable for `C > 2`:
//!    the global minimum `θ = 1`, a local minimum `θ₋ = −½ − √(C² − 2C)/(2C)` and the barrier
//!    (local maximum) `θ* = −½ + √(C² − 2C)/(2C)`; `C = 4`: `θ₋ ≈ −0.8536`, `θ* ≈ −0.1464`),
//!    from `θ₀`, at one learning rate for `steps` steps, every step recorded: `θ(t)`, the loss,
//!    and each model's sup gap `max_k |θ_model(k·lr) − θ_k|` to discrete Adam.
//! 2. **Basin-switch thresholds**: each dynamics is run from `θ₀` to the horizon `T` (time units,
//!    `⌈T/lr⌉` steps) for learning rates on a log grid `[lr_min, lr_max]`; a run ends at the
//!    global minimum when its final `|θ − 1| ≤ settle_tol`, at the local one when
//!    `|θ − θ₋| ≤ settle_tol`, is unsettled otherwise (still far from both minima at `T`, e.g.
//!    bouncing at a large lr), or diverges. The reference is the outcome at `lr_min`; the threshold is the first grid learning rate whose
//!    outcome differs, refined by bisection in `log lr` between it and the grid point below
//!    until `hi/lo ≤ 1 + rel_tol` (reported: the bracket, its geometric mean, and the outcome
//!    above). A dynamics that never changes outcome on the grid has no threshold (`None`, an
//!    empty cell), and the number of outcome changes along the grid is reported (more than one:
//!    the switch is not monotone in lr).
//! 3. **A learning problem**: an `mlp:` objective (full batch) from its seeded initialisation,
//!    every dynamics at one learning rate: the loss curves, final losses, and the sup of
//!    `|L_model − L_Adam|` over the recorded steps.
//!
//! [`run`] returns the data ([`MemoryResults`]); [`files`] writes `table.csv`, `scan.csv`,
//! `results.json`, `trajectories.png|svg`, `loss.png|svg`, `thresholds.png|svg` and returns the
//! summary text, computed from the data.

use crate::analysis::basins::final_point;
use crate::io::{self, fmt_cell, fmt_f64};
use crate::model::{ModelFactory, ModelSpec};
use crate::objective::data;
use crate::optim::{self, Optimizer};
use crate::plot::{save_panels, Figure, Legend, Series, Style};
use crate::run::{Problem, Run};
use crate::spec::Spec;
use crate::trajectory::Trajectory;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// Settings of the memory experiment ([`run`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryConfig {
    /// Weight `c` of `rosen1d:c=…` (must exceed 2: bistable).
    pub c: f64,
    /// Start point `θ₀`.
    pub x0: f64,
    /// Adam's `β₁`.
    pub beta1: f64,
    /// Adam's `β₂`.
    pub beta2: f64,
    /// Power-law exponents `a` of the `kernel=power:a=…` models (both moments), each in (0, 1).
    pub exponents: Vec<f64>,
    /// Exponents of `kernel_m=power:a=…` models (first moment only; empty: none).
    pub momentum_only: Vec<f64>,
    /// Learning rate of the trajectory comparison on `rosen1d`.
    pub lr: f64,
    /// Steps of the trajectory comparison.
    pub steps: u64,
    /// Horizon `T` (time units) of the basin runs.
    pub horizon: f64,
    /// Smallest learning rate of the scan (its outcome is the reference).
    pub lr_min: f64,
    /// Largest learning rate of the scan.
    pub lr_max: f64,
    /// Points of the log grid (>= 2).
    pub grid: usize,
    /// Bisection stops when `hi/lo ≤ 1 + rel_tol`.
    pub rel_tol: f64,
    /// A final `θ` within this distance of a minimum has settled there.
    pub settle_tol: f64,
    /// The learning problem: an `mlp:` objective, full batch.
    pub learning: String,
    /// Seed of its initial parameters.
    pub init_seed: u64,
    /// Learning rate on the learning problem.
    pub learning_lr: f64,
    /// Steps on the learning problem.
    pub learning_steps: u64,
    /// Record the learning loss every this many steps.
    pub learning_every: u64,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            c: 4.0,
            x0: -1.5,
            beta1: 0.9,
            beta2: 0.999,
            exponents: vec![0.3, 0.5, 0.7],
            momentum_only: vec![0.5],
            lr: 0.02,
            steps: 1000,
            horizon: 50.0,
            lr_min: 5e-3,
            lr_max: 2.0,
            grid: 22,
            rel_tol: 1e-3,
            settle_tol: 0.25,
            learning: "mlp:data=moons,widths=2;16;1,n=200".into(),
            init_seed: 0,
            learning_lr: 0.01,
            learning_steps: 1000,
            learning_every: 10,
        }
    }
}

impl MemoryConfig {
    fn check(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::spec(format!("learn memory: {what}")));
        if !(self.c > 2.0 && self.c.is_finite()) {
            return bad("rosen1d c must be a finite number > 2 (bistable)");
        }
        if !self.x0.is_finite() {
            return bad("x0 must be finite");
        }
        if self
            .exponents
            .iter()
            .chain(&self.momentum_only)
            .any(|a| !(*a > 0.0 && *a < 1.0))
        {
            return bad("power-law exponents must lie in (0, 1)");
        }
        let positive = [
            self.lr,
            self.horizon,
            self.lr_min,
            self.lr_max,
            self.rel_tol,
            self.settle_tol,
            self.learning_lr,
        ];
        if positive.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
            return bad("learning rates, horizon, rel_tol and settle_tol must be finite and > 0");
        }
        if self.lr_max <= self.lr_min || self.grid < 2 {
            return bad("the scan needs lr_min < lr_max and at least 2 grid points");
        }
        if self.steps == 0 || self.learning_steps == 0 || self.learning_every == 0 {
            return bad("steps, learning_steps and learning_every must be >= 1");
        }
        Ok(())
    }

    /// The compared dynamics: discrete Adam, the exponential-kernel IDE, the power-law IDEs.
    pub fn dynamics(&self) -> Vec<Dynamics> {
        let mut out = vec![
            Dynamics {
                label: "discrete Adam".into(),
                model: None,
                exponent: None,
                momentum_only: false,
            },
            Dynamics {
                label: "exponential IDE".into(),
                model: Some("adam-ide1".into()),
                exponent: None,
                momentum_only: false,
            },
        ];
        for &a in &self.exponents {
            out.push(Dynamics {
                label: format!("power a={a}"),
                model: Some(format!("adam-ide1:kernel=power:a={a}")),
                exponent: Some(a),
                momentum_only: false,
            });
        }
        for &a in &self.momentum_only {
            out.push(Dynamics {
                label: format!("power a={a} (m only)"),
                model: Some(format!("adam-ide1:kernel_m=power:a={a}")),
                exponent: Some(a),
                momentum_only: true,
            });
        }
        out
    }

    /// The barrier `θ*` (local maximum) and the local minimum `θ₋` of `rosen1d:c`.
    pub fn critical_points(&self) -> (f64, f64) {
        let r = (self.c * self.c - 2.0 * self.c).sqrt() / (2.0 * self.c);
        (-0.5 + r, -0.5 - r)
    }

    fn optimizer(&self, lr: f64) -> Result<Box<dyn Optimizer<f64>>> {
        optim::parse(&format!(
            "adam:lr={lr},beta1={},beta2={}",
            self.beta1, self.beta2
        ))
    }

    fn rosen(&self) -> Result<Problem> {
        Problem::parse(&format!("rosen1d:c={}", self.c), vec![self.x0])
    }

    fn learning_problem(&self) -> Result<Problem> {
        let spec = Spec::parse(&self.learning)?;
        if spec.name != "mlp" {
            return Err(Error::spec(format!(
                "learn memory: the learning objective must be an mlp (it draws its initial parameters), got '{}'",
                spec.name
            )));
        }
        let mlp = data::build_mlp(&spec, 0)?;
        let x0 = mlp.init_params(self.init_seed);
        Problem::shared(Arc::new(mlp), x0)
    }
}

/// One compared dynamics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dynamics {
    /// Label in tables and figures.
    pub label: String,
    /// Model spec (`None`: discrete Adam).
    pub model: Option<String>,
    /// Power-law exponent (`None`: discrete or exponential kernels).
    pub exponent: Option<f64>,
    /// The power law replaces the first-moment kernel only.
    pub momentum_only: bool,
}

/// Where a basin run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Final `θ` settled at the local minimum `θ₋`.
    Local,
    /// Final `θ` settled at the global minimum `θ = 1`.
    Global,
    /// Final `θ` far from both minima.
    Unsettled,
    /// The run diverged or became non-finite.
    Diverged,
}

impl Outcome {
    /// A word for tables.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Local => "local",
            Outcome::Global => "global",
            Outcome::Unsettled => "unsettled",
            Outcome::Diverged => "diverged",
        }
    }
}

/// One grid point of a basin scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanPoint {
    /// Learning rate.
    pub lr: f64,
    /// Final `θ` (`None`: diverged).
    pub final_theta: Option<f64>,
    /// Where the run ended.
    pub outcome: Outcome,
}

/// A located basin switch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// Largest bracketing learning rate with the reference outcome.
    pub lo: f64,
    /// Smallest bracketing learning rate with another outcome.
    pub hi: f64,
    /// `√(lo·hi)`.
    pub lr: f64,
    /// The outcome at `hi`.
    pub to: Outcome,
}

/// A dynamics' basin scan and threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasinScan {
    /// The grid runs.
    pub grid: Vec<ScanPoint>,
    /// The outcome at the smallest learning rate.
    pub reference: Outcome,
    /// The first switch away from the reference (`None`: none on the grid).
    pub threshold: Option<Threshold>,
    /// Outcome changes between neighbouring grid points.
    pub changes: usize,
}

/// A dynamics on `rosen1d` at the trajectory learning rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RosenRun {
    /// Times `k·lr` of the recorded steps.
    pub t: Vec<f64>,
    /// `θ` at those times.
    pub theta: Vec<f64>,
    /// The loss there.
    pub loss: Vec<f64>,
    /// How the run ended.
    pub stop: String,
    /// Final `θ` (`None` if the run stopped early).
    pub final_theta: Option<f64>,
    /// `max |θ − θ_Adam|` over the common samples (`None` for discrete Adam).
    pub sup_gap: Option<f64>,
}

/// A dynamics on the learning problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningRun {
    /// Recorded steps.
    pub steps: Vec<u64>,
    /// Full-batch loss there.
    pub loss: Vec<f64>,
    /// How the run ended.
    pub stop: String,
    /// Final loss (`None` if the run stopped early).
    pub final_loss: Option<f64>,
    /// `max |L − L_Adam|` over the common samples (`None` for discrete Adam).
    pub sup_gap: Option<f64>,
}

/// Everything measured for one dynamics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DynamicsResult {
    /// The dynamics.
    pub dynamics: Dynamics,
    /// Trajectory on `rosen1d`.
    pub rosen: RosenRun,
    /// Basin scan and threshold.
    pub basins: BasinScan,
    /// Loss curve on the learning problem.
    pub learning: LearningRun,
}

/// Result of [`run`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryResults {
    /// The barrier `θ*` separating the basins.
    pub barrier: f64,
    /// The local minimum `θ₋`.
    pub local_min: f64,
    /// One entry per dynamics, in the order of [`MemoryConfig::dynamics`].
    pub dynamics: Vec<DynamicsResult>,
}

/// One run of `dynamics` (discrete or the model built for `opt`) on `problem`.
fn trajectory(
    problem: &Problem,
    opt: &dyn Optimizer<f64>,
    d: &Dynamics,
    steps: u64,
    every: u64,
) -> Result<Trajectory> {
    match &d.model {
        None => Run::discrete(problem, opt)
            .steps(steps)
            .every(every)
            .trajectory(),
        Some(spec) => {
            let m = ModelSpec::parse(spec)?.build(opt, problem.objective().clone())?;
            Run::model(problem, m.as_ref(), opt.lr())
                .steps(steps)
                .every(every)
                .trajectory()
        }
    }
}

/// `max_i |a_i − b_i|` over the common prefix (`None` when empty).
fn sup_gap(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len().min(b.len());
    (n > 0).then(|| (0..n).map(|i| (a[i] - b[i]).abs()).fold(0.0, f64::max))
}

fn scan(cfg: &MemoryConfig, problem: &Problem, d: &Dynamics) -> Result<BasinScan> {
    let factory = d.model.as_deref().map(ModelSpec::parse).transpose()?;
    let (_, local_min) = cfg.critical_points();
    let end = |lr: f64| -> Result<(Option<f64>, Outcome)> {
        let opt = cfg.optimizer(lr)?;
        let steps = (cfg.horizon / lr).ceil().max(1.0) as u64;
        let model = factory.as_ref().map(|f| f as &dyn ModelFactory);
        let p = final_point(problem, opt.as_ref(), model, None, steps)?;
        let theta = p.map(|p| p[0]).filter(|v| v.is_finite());
        let outcome = match theta {
            None => Outcome::Diverged,
            Some(v) if (v - 1.0).abs() <= cfg.settle_tol => Outcome::Global,
            Some(v) if (v - local_min).abs() <= cfg.settle_tol => Outcome::Local,
            Some(_) => Outcome::Unsettled,
        };
        Ok((theta, outcome))
    };
    let n = cfg.grid;
    let ratio = (cfg.lr_max / cfg.lr_min).ln();
    let mut grid = Vec::with_capacity(n);
    for i in 0..n {
        let lr = cfg.lr_min * (ratio * i as f64 / (n - 1) as f64).exp();
        let (final_theta, outcome) = end(lr)?;
        grid.push(ScanPoint {
            lr,
            final_theta,
            outcome,
        });
    }
    let reference = grid[0].outcome;
    let changes = grid
        .windows(2)
        .filter(|w| w[0].outcome != w[1].outcome)
        .count();
    let threshold = match grid.iter().position(|p| p.outcome != reference) {
        None => None,
        Some(i) => {
            let (mut lo, mut hi, mut to) = (grid[i - 1].lr, grid[i].lr, grid[i].outcome);
            while hi / lo > 1.0 + cfg.rel_tol {
                let mid = (lo * hi).sqrt();
                let (_, o) = end(mid)?;
                if o == reference {
                    lo = mid;
                } else {
                    hi = mid;
                    to = o;
                }
            }
            Some(Threshold {
                lo,
                hi,
                lr: (lo * hi).sqrt(),
                to,
            })
        }
    };
    Ok(BasinScan {
        grid,
        reference,
        threshold,
        changes,
    })
}

fn one(
    cfg: &MemoryConfig,
    rosen: &Problem,
    learning: &Problem,
    d: &Dynamics,
) -> Result<DynamicsResult> {
    let tr = trajectory(rosen, cfg.optimizer(cfg.lr)?.as_ref(), d, cfg.steps, 1)?;
    let ok = tr.stop.is_ok();
    let theta = tr.x_series(0);
    let rosen_run = RosenRun {
        t: tr.times().to_vec(),
        final_theta: theta.last().copied().filter(|_| ok),
        theta,
        loss: tr.losses().to_vec(),
        stop: tr.stop.to_string(),
        sup_gap: None,
    };
    let lt = trajectory(
        learning,
        cfg.optimizer(cfg.learning_lr)?.as_ref(),
        d,
        cfg.learning_steps,
        cfg.learning_every,
    )?;
    let learning_run = LearningRun {
        steps: lt.steps().to_vec(),
        final_loss: lt.losses().last().copied().filter(|_| lt.stop.is_ok()),
        loss: lt.losses().to_vec(),
        stop: lt.stop.to_string(),
        sup_gap: None,
    };
    Ok(DynamicsResult {
        dynamics: d.clone(),
        rosen: rosen_run,
        basins: scan(cfg, rosen, d)?,
        learning: learning_run,
    })
}

/// Runs the experiment: every dynamics of [`MemoryConfig::dynamics`] (in parallel) through the
/// trajectory comparison, the basin scan and the learning problem.
pub fn run(cfg: &MemoryConfig) -> Result<MemoryResults> {
    cfg.check()?;
    let rosen = cfg.rosen()?;
    let learning = cfg.learning_problem()?;
    let mut results = cfg
        .dynamics()
        .par_iter()
        .map(|d| one(cfg, &rosen, &learning, d))
        .collect::<Result<Vec<_>>>()?;
    let (adam_theta, adam_loss) = (
        results[0].rosen.theta.clone(),
        results[0].learning.loss.clone(),
    );
    for r in results.iter_mut().skip(1) {
        r.rosen.sup_gap = sup_gap(&r.rosen.theta, &adam_theta);
        r.learning.sup_gap = sup_gap(&r.learning.loss, &adam_loss);
    }
    let (barrier, local_min) = cfg.critical_points();
    Ok(MemoryResults {
        barrier,
        local_min,
        dynamics: results,
    })
}

fn opt_cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, fmt_cell)
}

fn opt_text(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.digits$e}"))
}

/// The summary text, computed from the results.
pub fn summary(cfg: &MemoryConfig, r: &MemoryResults) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "rosen1d:c={} from θ0 = {}, Adam β = ({}, {}); barrier θ* = {:.4}, local minimum θ₋ = {:.4}",
        cfg.c, cfg.x0, cfg.beta1, cfg.beta2, r.barrier, r.local_min
    );
    let _ = writeln!(
        s,
        "\nBasin-switch threshold (horizon T = {} time units, {} log-spaced lr in [{}, {}], bisection to hi/lo ≤ 1 + {}; settled = within {} of a minimum):",
        cfg.horizon, cfg.grid, cfg.lr_min, cfg.lr_max, cfg.rel_tol, cfg.settle_tol
    );
    let adam_th = r.dynamics[0].basins.threshold.as_ref().map(|t| t.lr);
    for d in &r.dynamics {
        let b = &d.basins;
        let line = match &b.threshold {
            None => format!("no switch on the grid (every run: {})", b.reference.name()),
            Some(t) => {
                let rel = adam_th
                    .filter(|_| d.dynamics.model.is_some())
                    .map(|a| format!(", {:.3}× discrete Adam's", t.lr / a))
                    .unwrap_or_default();
                format!(
                    "{} → {} at lr ≈ {:.5} (bracket [{:.5}, {:.5}]{rel}); outcome changes on the grid: {}",
                    b.reference.name(),
                    t.to.name(),
                    t.lr,
                    t.lo,
                    t.hi,
                    b.changes
                )
            }
        };
        let _ = writeln!(s, "  {:<22} {line}", d.dynamics.label);
    }
    let power: Vec<(f64, Option<f64>)> = r
        .dynamics
        .iter()
        .filter(|d| !d.dynamics.momentum_only)
        .filter_map(|d| {
            Some((
                d.dynamics.exponent?,
                d.basins.threshold.as_ref().map(|t| t.lr),
            ))
        })
        .collect();
    let switched: Vec<(f64, f64)> = power
        .iter()
        .filter_map(|(a, t)| Some((*a, (*t)?)))
        .collect();
    let never: Vec<String> = power
        .iter()
        .filter(|(_, t)| t.is_none())
        .map(|(a, _)| a.to_string())
        .collect();
    if !never.is_empty() {
        let _ = writeln!(
            s,
            "  power law (both moments): no switch up to lr = {} for a = {}",
            cfg.lr_max,
            never.join(", ")
        );
    }
    if switched.len() >= 2 {
        let up = switched.windows(2).all(|w| w[1].1 > w[0].1);
        let down = switched.windows(2).all(|w| w[1].1 < w[0].1);
        let trend = if up {
            "rises"
        } else if down {
            "falls"
        } else {
            "is not monotone"
        };
        let (first, last) = (switched[0], switched[switched.len() - 1]);
        let _ = writeln!(
            s,
            "  power law (both moments): the threshold {trend} with a (a = {} → {}: lr {:.5} → {:.5})",
            first.0, last.0, first.1, last.1
        );
    }
    let _ = writeln!(
        s,
        "\nTrajectories at lr = {} ({} steps, t ≤ {}): sup |θ − θ_Adam| and the final θ",
        cfg.lr,
        cfg.steps,
        cfg.steps as f64 * cfg.lr
    );
    let exp_gap = r.dynamics.get(1).and_then(|d| d.rosen.sup_gap);
    for d in &r.dynamics {
        let rel = match (d.rosen.sup_gap, exp_gap) {
            (Some(g), Some(e)) if e > 0.0 && d.dynamics.exponent.is_some() => {
                format!(" ({:.2}× the exponential IDE's)", g / e)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {:<22} sup gap {}{rel}, final θ {} ({})",
            d.dynamics.label,
            opt_text(d.rosen.sup_gap, 3),
            d.rosen
                .final_theta
                .map_or_else(|| "—".into(), |v| format!("{v:.5}")),
            d.rosen.stop
        );
    }
    let _ = writeln!(
        s,
        "\nLearning problem {} (init seed {}), lr = {}, {} steps: final full-batch loss, sup |L − L_Adam|",
        cfg.learning, cfg.init_seed, cfg.learning_lr, cfg.learning_steps
    );
    let adam_final = r.dynamics[0].learning.final_loss;
    for d in &r.dynamics {
        let rel = match (d.learning.final_loss, adam_final) {
            (Some(l), Some(a)) if a > 0.0 && d.dynamics.model.is_some() => {
                format!(" ({:.3}× Adam's)", l / a)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {:<22} final loss {}{rel}, sup gap {} ({})",
            d.dynamics.label,
            opt_text(d.learning.final_loss, 4),
            opt_text(d.learning.sup_gap, 3),
            d.learning.stop
        );
    }
    s
}

fn table_csv(r: &MemoryResults) -> String {
    let mut csv = String::from(
        "dynamics,model,exponent,momentum_only,reference_basin,threshold_lr,threshold_lo,threshold_hi,switches_to,grid_changes,theta_sup_gap,final_theta,rosen_final_loss,rosen_stop,learning_final_loss,learning_sup_gap,learning_stop\n",
    );
    for d in &r.dynamics {
        let th = d.basins.threshold.as_ref();
        let rosen_final = d
            .rosen
            .final_theta
            .and_then(|_| d.rosen.loss.last().copied());
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},\"{}\",{},{},\"{}\"",
            d.dynamics.label,
            d.dynamics.model.as_deref().unwrap_or(""),
            opt_cell(d.dynamics.exponent),
            d.dynamics.momentum_only as u8,
            d.basins.reference.name(),
            opt_cell(th.map(|t| t.lr)),
            opt_cell(th.map(|t| t.lo)),
            opt_cell(th.map(|t| t.hi)),
            th.map_or("", |t| t.to.name()),
            d.basins.changes,
            opt_cell(d.rosen.sup_gap),
            opt_cell(d.rosen.final_theta),
            opt_cell(rosen_final),
            d.rosen.stop.replace('"', "'"),
            opt_cell(d.learning.final_loss),
            opt_cell(d.learning.sup_gap),
            d.learning.stop.replace('"', "'"),
        );
    }
    csv
}

fn scan_csv(r: &MemoryResults) -> String {
    let mut csv = String::from("dynamics,lr,final_theta,outcome\n");
    for d in &r.dynamics {
        for p in &d.basins.grid {
            let _ = writeln!(
                csv,
                "{},{},{},{}",
                d.dynamics.label,
                fmt_f64(p.lr),
                opt_cell(p.final_theta),
                p.outcome.name()
            );
        }
    }
    csv
}

fn figures(cfg: &MemoryConfig, r: &MemoryResults, dir: &Path) -> Result<()> {
    let style = |d: &Dynamics| match (&d.model, d.momentum_only) {
        (None, _) => Style::LinePoints,
        (Some(_), true) => Style::Dashed,
        (Some(_), false) => Style::Line,
    };
    let mut th = Figure::new(&format!("θ(t) at lr = {}", cfg.lr), "t = k·lr", "θ");
    let mut gap = Figure::new("|θ − θ_Adam|", "t = k·lr", "gap");
    gap.log_y = true;
    let mut rl = Figure::new(
        &format!("rosen1d:c={} loss at lr = {}", cfg.c, cfg.lr),
        "t = k·lr",
        "f(θ)",
    );
    rl.log_y = true;
    let mut ll = Figure::new(
        &format!("{} loss at lr = {}", cfg.learning, cfg.learning_lr),
        "step",
        "full-batch loss",
    );
    ll.log_y = true;
    let mut ends = Figure::new(
        &format!("final θ after T = {} vs lr", cfg.horizon),
        "lr",
        "final θ",
    );
    ends.log_x = true;
    ends.legend = Legend::MiddleLeft;
    let adam = &r.dynamics[0];
    for d in &r.dynamics {
        let sty = style(&d.dynamics);
        let label = d.dynamics.label.clone();
        let plain = if matches!(sty, Style::LinePoints) {
            Style::Line
        } else {
            sty
        };
        th.series.push(
            Series::line(label.clone(), d.rosen.t.clone(), d.rosen.theta.clone()).styled(plain),
        );
        rl.series.push(
            Series::line(label.clone(), d.rosen.t.clone(), d.rosen.loss.clone()).styled(plain),
        );
        let x: Vec<f64> = d.learning.steps.iter().map(|k| *k as f64).collect();
        ll.series
            .push(Series::line(label.clone(), x, d.learning.loss.clone()).styled(plain));
        if d.dynamics.model.is_some() {
            let n = d.rosen.theta.len().min(adam.rosen.theta.len());
            let g: Vec<f64> = (0..n)
                .map(|i| (d.rosen.theta[i] - adam.rosen.theta[i]).abs())
                .collect();
            gap.series
                .push(Series::line(label.clone(), d.rosen.t[..n].to_vec(), g).styled(plain));
        }
        ends.series.push(
            Series::line(
                label,
                d.basins.grid.iter().map(|p| p.lr).collect(),
                d.basins
                    .grid
                    .iter()
                    .map(|p| p.final_theta.unwrap_or(f64::NAN))
                    .collect(),
            )
            .styled(if d.dynamics.model.is_none() {
                Style::LinePoints
            } else {
                sty
            }),
        );
    }
    let t_end = cfg.steps as f64 * cfg.lr;
    for (v, name) in [
        (1.0, "θ = 1"),
        (r.local_min, "θ₋"),
        (r.barrier, "barrier θ*"),
    ] {
        th.series
            .push(Series::line(name, vec![0.0, t_end], vec![v, v]).styled(Style::Dashed));
    }
    ends.series.push(
        Series::line(
            "barrier θ*",
            vec![cfg.lr_min, cfg.lr_max],
            vec![r.barrier; 2],
        )
        .styled(Style::Dashed),
    );
    let mut thr = Figure::new("basin-switch threshold vs power exponent a", "a", "lr");
    thr.log_y = true;
    let pts: Vec<(f64, f64)> = r
        .dynamics
        .iter()
        .filter(|d| !d.dynamics.momentum_only)
        .filter_map(|d| Some((d.dynamics.exponent?, d.basins.threshold.as_ref()?.lr)))
        .collect();
    let a_range = cfg
        .exponents
        .iter()
        .chain(&cfg.momentum_only)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| {
            (lo.min(*a), hi.max(*a))
        });
    let (a_lo, a_hi) = if a_range.0 <= a_range.1 {
        a_range
    } else {
        (0.0, 1.0)
    };
    thr.series.push(
        Series::line(
            "power (both moments)",
            pts.iter().map(|p| p.0).collect(),
            pts.iter().map(|p| p.1).collect(),
        )
        .styled(Style::LinePoints),
    );
    let m_pts: Vec<(f64, f64)> = r
        .dynamics
        .iter()
        .filter(|d| d.dynamics.momentum_only)
        .filter_map(|d| Some((d.dynamics.exponent?, d.basins.threshold.as_ref()?.lr)))
        .collect();
    if !m_pts.is_empty() {
        thr.series.push(
            Series::line(
                "power (m only)",
                m_pts.iter().map(|p| p.0).collect(),
                m_pts.iter().map(|p| p.1).collect(),
            )
            .styled(Style::Points),
        );
    }
    for d in r.dynamics.iter().filter(|d| d.dynamics.exponent.is_none()) {
        if let Some(t) = &d.basins.threshold {
            thr.series.push(
                Series::line(d.dynamics.label.clone(), vec![a_lo, a_hi], vec![t.lr; 2])
                    .styled(Style::Dashed),
            );
        }
    }
    save_panels(&[th, gap], 2, &dir.join("trajectories"))?;
    save_panels(&[rl, ll], 2, &dir.join("loss"))?;
    save_panels(&[ends, thr], 2, &dir.join("thresholds"))?;
    Ok(())
}

/// Runs the experiment and writes `table.csv` (one row per dynamics: threshold, gaps, final
/// values; missing values are empty cells), `scan.csv` (every grid run), `results.json` (all
/// the data) and the figures `trajectories`, `loss`, `thresholds` (`.png` and `.svg`) into
/// `dir`; returns the summary text.
pub fn files(cfg: &MemoryConfig, dir: &Path) -> Result<String> {
    let r = run(cfg)?;
    io::write_atomic(&dir.join("table.csv"), table_csv(&r).as_bytes())?;
    io::write_atomic(&dir.join("scan.csv"), scan_csv(&r).as_bytes())?;
    let json = serde_json::to_value(&r)
        .map_err(|e| Error::numerical(format!("learn memory: results as JSON: {e}")))?;
    io::write_json(&dir.join("results.json"), &json)?;
    figures(cfg, &r, dir)?;
    Ok(summary(cfg, &r))
}
