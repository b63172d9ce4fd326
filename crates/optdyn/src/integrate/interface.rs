//! The integrator layer's traits and values: the system [`OdeSystem`], the solve interface
//! [`Integrator`] with its streaming [`Sink`], one fixed-grid step [`Stepper`], and what a solve
//! is asked ([`SolveOptions`]) and returns ([`SolveEnd`], or a collected [`Solution`]).

use super::events::{Event, EventHit};
use crate::stop::StopReason;
use crate::Result;
use std::fmt;
use std::ops::ControlFlow;

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
    /// True when the state is laid out `[x (n), v (n)]` with `F = [v, A(t, x, v)]`, so the
    /// second-order schemes ([`super::second_order`]) may drive it; they refuse any other system.
    fn second_order_layout(&self) -> bool {
        false
    }
    /// The memory form of a system whose memory kernels have no finite state (a nonlocal model
    /// with `kernel=power:…`, `soe:…` or a user kernel): only an integrator that marches the
    /// history ([`Integrator::marches_memory`], [`super::Volterra`]) can solve it, and `rhs` is
    /// then its field with the memory frozen (`dM = 0`).
    fn memory_form(&self) -> Option<&dyn super::MemorySystem> {
        None
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
    pub t_eval: super::SampleTimes,
    /// Divergence bound on `max |y_i|`; exceeding it stops the solve.
    pub max_abs: f64,
    /// Stop once `‖y'‖∞` falls below this at a sample time (steady state), if set.
    pub steady_tol: Option<f64>,
    /// Upper bound on the number of steps (accepted plus rejected).
    pub max_steps: u64,
    /// Events located inside steps; terminal ones stop the solve.
    pub events: Vec<Event>,
    /// The optimizer's learning rate, the unit of the clock `t_k = k·lr`: fixed-step schemes
    /// given as `substeps` take `dt = lr/substeps`.
    pub lr: Option<f64>,
}

impl SolveOptions {
    /// Options sampling at `t_eval` with a divergence bound of `1e12`, no steady-state stop, no
    /// events and no learning rate.
    pub fn at(t_eval: Vec<f64>) -> Self {
        SolveOptions {
            t_eval: super::SampleTimes::List(t_eval),
            max_abs: 1e12,
            steady_tol: None,
            max_steps: u64::MAX,
            events: Vec::new(),
            lr: None,
        }
    }

    /// The same options with the clock unit `lr` (for `substeps` step sizes).
    #[must_use]
    pub fn with_lr(mut self, lr: f64) -> Self {
        self.lr = Some(lr);
        self
    }
}

/// Receives the state at each sample time as the solve produces it, so nothing needs the whole
/// solution in memory. Returning `Break(reason)` stops the solve with that reason.
pub trait Sink {
    /// The state `y` at the sample time `t` (an entry of `t_eval`).
    fn sample(&mut self, t: f64, y: &[f64]) -> ControlFlow<StopReason>;
}

/// How a solve ended: work counters, stop reason and the events that happened.
#[derive(Debug, Clone, Default)]
pub struct SolveEnd {
    /// Work counters.
    pub stats: Stats,
    /// Why the solve stopped.
    pub stop: StopReason,
    /// Events that happened, in time order (the last one is the terminal event, if any).
    pub events: Vec<EventHit>,
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
    /// Events that happened, in time order (the last one is the terminal event, if any).
    pub events: Vec<EventHit>,
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

/// A [`Sink`] that keeps every sample (what [`Integrator::solve`] returns).
struct Collect {
    t: Vec<f64>,
    y: Vec<f64>,
}

impl Sink for Collect {
    fn sample(&mut self, t: f64, y: &[f64]) -> ControlFlow<StopReason> {
        self.t.push(t);
        self.y.extend_from_slice(y);
        ControlFlow::Continue(())
    }
}

/// A method that solves an [`OdeSystem`] over the sample times of [`SolveOptions`].
pub trait Integrator: Send + Sync {
    /// The spec this integrator was built from (or its canonical spec when built in code).
    fn name(&self) -> String;
    /// Solves from `(t0, y0)`, handing each sample to `sink` as it is produced.
    fn solve_into(
        &self,
        sys: &dyn OdeSystem,
        t0: f64,
        y0: &[f64],
        opts: &SolveOptions,
        sink: &mut dyn Sink,
    ) -> SolveEnd;
    /// Solves from `(t0, y0)` and keeps every sample.
    fn solve(&self, sys: &dyn OdeSystem, t0: f64, y0: &[f64], opts: &SolveOptions) -> Solution {
        let mut c = Collect {
            t: Vec::with_capacity(opts.t_eval.len()),
            y: Vec::with_capacity(opts.t_eval.len() * sys.dim()),
        };
        let end = self.solve_into(sys, t0, y0, opts, &mut c);
        Solution {
            t: c.t,
            y: c.y,
            dim: sys.dim(),
            stats: end.stats,
            stop: end.stop,
            events: end.events,
        }
    }
    /// The declared order of accuracy (for adaptive schemes, the order of the propagated
    /// solution), when the method has one.
    fn order(&self) -> Option<u32> {
        None
    }
    /// Checks the settings (typed range errors); the run engine calls it before a solve.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
    /// Refuses, before any step, a system the method cannot solve (a second-order scheme on a
    /// first-order model) or whose working storage cannot fit in memory (an implicit scheme's
    /// dense Jacobian on a large state); the run engine calls it before a solve.
    fn check_system(&self, _sys: &dyn OdeSystem) -> Result<()> {
        Ok(())
    }
    /// True for an integrator that marches memory kernels without a finite state
    /// ([`OdeSystem::memory_form`]); every other integrator is refused such a system.
    fn marches_memory(&self) -> bool {
        false
    }
}

/// One step of a fixed-step scheme. `work` is scratch owned by the driver, sized by
/// [`Stepper::work_len`], so a step allocates nothing.
pub trait Stepper: Send + Sync {
    /// The scheme's spec name (`rk4`, `newmark`, …).
    fn name(&self) -> &'static str;
    /// The declared order of accuracy.
    fn order(&self) -> u32;
    /// Scratch length needed for a state of length `dim`.
    fn work_len(&self, dim: usize) -> usize;
    /// Rejects a system the scheme cannot handle (second-order schemes need the `[x, v]`
    /// layout, [`OdeSystem::second_order_layout`]).
    fn check_system(&self, _sys: &dyn OdeSystem) -> Result<()> {
        Ok(())
    }
    /// Checks the scheme's own parameters (Newmark's β and γ, Newton controls).
    fn validate(&self) -> Result<()> {
        Ok(())
    }
    /// Advances `y` from `t` to `t + h` in place, adding its rhs evaluations, Jacobian
    /// evaluations and Newton iterations to `stats`.
    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
        stats: &mut Stats,
    ) -> Result<()>;
}

/// The step size of a fixed-step scheme: absolute, or a number of steps per optimizer step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepSize {
    /// `dt` itself.
    Dt(f64),
    /// `dt = lr / substeps`, with `lr` from [`SolveOptions::lr`] (so the grid lands exactly on
    /// every `t_k = k·lr`).
    Substeps(u32),
}

impl fmt::Display for StepSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepSize::Dt(dt) => write!(f, "dt={}", crate::spec::fmt_f64(*dt)),
            StepSize::Substeps(k) => write!(f, "substeps={k}"),
        }
    }
}
