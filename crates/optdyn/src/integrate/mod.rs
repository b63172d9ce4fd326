//! Time integrators for continuous models.
//!
//! An [`OdeSystem`] is `y' = F(t, y)` on a flat state. An [`Integrator`] solves it from `t0`,
//! recording the state at the requested sample times (`t_eval`), and stops on non-finite state,
//! divergence or steady state with a [`StopReason`]. Fixed-step schemes implement [`Stepper`]
//! and are driven by [`FixedStep`], which lands exactly on every sample time of the grid
//! `t0 + k·dt` (comparisons with discrete iterates need `dt = lr / substeps` exactly).

pub mod explicit;

use crate::spec::Spec;
use crate::trajectory::StopReason;
use crate::{Error, Result};

/// A first-order system `y' = F(t, y)`.
pub trait OdeSystem: Sync {
    /// Length of the state `y`.
    fn dim(&self) -> usize;
    /// Writes `F(t, y)` into `dy`. Must not allocate.
    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]);
    /// Writes the Jacobian `∂F/∂y` (row-major `dim×dim`) into `jac` and returns true, or returns
    /// false when the system has no analytic Jacobian (callers then use finite differences).
    fn jacobian(&self, _t: f64, _y: &[f64], _jac: &mut [f64]) -> bool {
        false
    }
}

/// Work counters of a solve, as scipy's `nfev`/`njev` and diffrax's `stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Stats {
    /// Right-hand-side evaluations.
    pub rhs_evals: u64,
    /// Jacobian evaluations (analytic or finite-difference).
    pub jac_evals: u64,
    /// Accepted steps.
    pub accepted: u64,
    /// Rejected steps (adaptive schemes).
    pub rejected: u64,
    /// Newton iterations (implicit schemes).
    pub newton_iters: u64,
}

/// What to record and when to stop.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Sample times, increasing, all `>= t0`. The last one is the end time.
    pub t_eval: Vec<f64>,
    /// Divergence bound on `max |y_i|`; exceeding it stops the solve.
    pub max_abs: f64,
    /// Stop once `‖y'‖∞` falls below this (steady state), if set.
    pub steady_tol: Option<f64>,
    /// Upper bound on the number of steps.
    pub max_steps: u64,
}

impl SolveOptions {
    /// Options sampling at `t_eval` with a divergence bound of `1e12` and no steady-state stop.
    pub fn at(t_eval: Vec<f64>) -> Self {
        SolveOptions {
            t_eval,
            max_abs: 1e12,
            steady_tol: None,
            max_steps: u64::MAX,
        }
    }
}

/// The recorded solution: the state at each sample time reached.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Sample times reached (a prefix of `t_eval` when the solve stopped early).
    pub t: Vec<f64>,
    /// States, row-major `t.len() × dim`.
    pub y: Vec<f64>,
    /// State length.
    pub dim: usize,
    /// Work counters.
    pub stats: Stats,
    /// Why the solve stopped.
    pub stop: StopReason,
}

impl Solution {
    /// The state at sample `i`.
    pub fn state(&self, i: usize) -> &[f64] {
        &self.y[i * self.dim..(i + 1) * self.dim]
    }

    /// The last recorded state.
    pub fn last(&self) -> Option<&[f64]> {
        (!self.t.is_empty()).then(|| self.state(self.t.len() - 1))
    }
}

/// A method that solves an [`OdeSystem`] over the sample times of [`SolveOptions`].
pub trait Integrator: Send + Sync {
    /// The spec this integrator was built from.
    fn name(&self) -> String;
    /// Solves from `(t0, y0)`.
    fn solve(&self, sys: &dyn OdeSystem, t0: f64, y0: &[f64], opts: &SolveOptions) -> Solution;
}

/// One step of a fixed-step scheme. `work` is scratch owned by the driver, sized by
/// [`Stepper::work_len`], so a step allocates nothing.
pub trait Stepper: Send + Sync {
    /// The declared order of accuracy.
    fn order(&self) -> u32;
    /// Scratch length needed for a state of length `dim`.
    fn work_len(&self, dim: usize) -> usize;
    /// Advances `y` from `t` to `t + h` in place; returns the rhs evaluations made.
    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
    ) -> Result<u64>;
}

/// Drives a [`Stepper`] on the grid `t0 + k·dt`, shortening a step only to land on a sample time
/// that is not on the grid.
pub struct FixedStep<S: Stepper> {
    /// The scheme.
    pub stepper: S,
    /// The step size.
    pub dt: f64,
    /// The spec text, for manifests.
    pub label: String,
}

fn check_state(y: &[f64], max_abs: f64, k: u64, t: f64) -> Option<StopReason> {
    let mut worst = 0.0f64;
    for &v in y {
        if !v.is_finite() {
            return Some(StopReason::NonFinite {
                step: k,
                t,
                what: "state".into(),
            });
        }
        worst = worst.max(v.abs());
    }
    (worst > max_abs).then(|| StopReason::Diverged {
        step: k,
        t,
        why: format!("max |y| = {worst:e} exceeds the bound {max_abs:e}"),
    })
}

impl<S: Stepper> Integrator for FixedStep<S> {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn solve(&self, sys: &dyn OdeSystem, t0: f64, y0: &[f64], opts: &SolveOptions) -> Solution {
        let dim = sys.dim();
        let mut y = y0.to_vec();
        let mut work = vec![0.0; self.stepper.work_len(dim)];
        let mut dy = vec![0.0; dim];
        let mut sol = Solution {
            t: Vec::with_capacity(opts.t_eval.len()),
            y: Vec::with_capacity(opts.t_eval.len() * dim),
            dim,
            stats: Stats::default(),
            stop: StopReason::Finished,
        };
        let mut k: u64 = 0; // grid steps taken
        let mut t = t0;
        for &te in &opts.t_eval {
            // March on the grid up to te; a final partial step lands on te exactly.
            loop {
                let next = t0 + (k + 1) as f64 * self.dt;
                let (target, on_grid) = if next <= te + 1e-9 * self.dt {
                    (next, true)
                } else {
                    (te, false)
                };
                let h = target - t;
                if h <= 1e-12 * self.dt.max(t.abs()) {
                    break;
                }
                match self.stepper.step(sys, t, h, &mut y, &mut work) {
                    Ok(evals) => sol.stats.rhs_evals += evals,
                    Err(e) => {
                        sol.stop = StopReason::Failed {
                            t,
                            why: e.to_string(),
                        };
                        return sol;
                    }
                }
                sol.stats.accepted += 1;
                if on_grid {
                    k += 1;
                    t = next;
                } else {
                    t = target;
                }
                if let Some(stop) = check_state(&y, opts.max_abs, sol.stats.accepted, t) {
                    sol.stop = stop;
                    return sol;
                }
                if sol.stats.accepted >= opts.max_steps {
                    sol.stop = StopReason::Failed {
                        t,
                        why: format!("max_steps = {} reached", opts.max_steps),
                    };
                    return sol;
                }
                if !on_grid {
                    break;
                }
            }
            // Sample exactly at te (re-anchor t to the requested value).
            sol.t.push(te);
            sol.y.extend_from_slice(&y);
            if let Some(tol) = opts.steady_tol {
                sys.rhs(te, &y, &mut dy);
                sol.stats.rhs_evals += 1;
                if dy.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol {
                    sol.stop = StopReason::Converged {
                        step: sol.t.len() as u64 - 1,
                        t: te,
                    };
                    return sol;
                }
            }
        }
        sol
    }
}

/// Builds an integrator from a spec such as `rk4:dt=1e-3` or `rk4:substeps=10`.
/// `lr` (the optimizer's learning rate) sets `dt = lr / substeps` when `dt` is not given.
pub fn parse(spec: &str, lr: Option<f64>) -> Result<Box<dyn Integrator>> {
    let s = Spec::parse(spec)?;
    match s.name.as_str() {
        "rk4" => {
            let dt = fixed_dt(&s, lr)?;
            s.finish(&explicit::FIXED_PARAMS)?;
            Ok(Box::new(FixedStep {
                stepper: explicit::Rk4,
                dt,
                label: s.to_string(),
            }))
        }
        other => Err(Error::spec(format!("unknown integrator '{other}'"))),
    }
}

/// Reads `dt` or `substeps` (with `dt = lr / substeps`, default 10 substeps).
pub fn fixed_dt(s: &Spec, lr: Option<f64>) -> Result<f64> {
    if let Some(dt) = s.f64_opt("dt")? {
        return crate::spec::check::positive(&s.name, "dt", dt);
    }
    let sub = s.usize("substeps", 10)?;
    if sub == 0 {
        return Err(Error::spec(format!(
            "{}: substeps must be >= 1, got 0",
            s.name
        )));
    }
    match lr {
        Some(lr) => Ok(lr / sub as f64),
        None => Err(Error::spec(format!(
            "{}: give dt=… (no optimizer learning rate to derive it from)",
            s.name
        ))),
    }
}
