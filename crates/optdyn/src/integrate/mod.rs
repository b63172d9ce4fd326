//! Time integrators for continuous models.
//!
//! An [`OdeSystem`] is `y' = F(t, y)` on a flat state. An [`Integrator`] solves it from `t0`,
//! recording the state at the requested sample times (`t_eval`), and stops on non-finite state,
//! divergence, steady state, a terminal [`Event`] or a numerical failure with a [`StopReason`].
//!
//! Families (spec names in brackets, see [`catalog`]):
//! - explicit Runge–Kutta, fixed step ([`explicit`]): `euler`, `heun`, `midpoint`, `rk4`,
//!   `ssprk2`, `ssprk3` (Shu–Osher form) and a user tableau `butcher:…`;
//! - adaptive Dormand–Prince 5(4) with PI control and dense output ([`dopri5`]): `dopri5`;
//! - implicit with a Newton solve ([`implicit`]): `backward-euler`, `trapezoid`;
//! - second-order systems `x'' = A(t, x, v)` ([`second_order`]): `newmark`,
//!   `central-difference`, `staggered`, `verlet`, `symplectic-euler`.
//!
//! Second-order schemes act on any system whose state is laid out `[x (n), v (n)]` with
//! `F(t, [x, v]) = [v, A(t, x, v)]` (so `dim = 2n` is even); they read `A` from the second half
//! of the right-hand side. An odd dimension stops the solve with [`StopReason::Failed`].
//!
//! Fixed-step schemes implement [`Stepper`] and are driven by [`FixedStep`], which steps on the
//! grid `anchor + j·dt` (anchor = the first sample time) computed from the step count `j`, so with
//! `dt = lr / substeps` every sample `t_k = k·lr` is a grid point reached after exactly
//! `k·substeps` steps, without accumulated floating-point drift.

pub mod dopri5;
pub mod explicit;
pub mod implicit;
pub mod problems;
pub mod second_order;

use crate::spec::{ComponentInfo, Spec};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::fmt;
use std::sync::Arc;

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
    /// second-order schemes ([`second_order`]) may drive it; they refuse any other system.
    fn second_order_layout(&self) -> bool {
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

/// Which sign changes of an event function `g` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Any sign change.
    Both,
    /// `g` going from negative to non-negative.
    Rising,
    /// `g` going from positive to non-positive.
    Falling,
}

/// An event function `g(t, y)`.
pub type EventFn = Arc<dyn Fn(f64, &[f64]) -> f64 + Send + Sync>;

/// A user event: a root of `g(t, y)` located inside a step (as scipy's `events`).
#[derive(Clone)]
pub struct Event {
    /// Name reported in [`StopReason::Event`] and [`EventHit`].
    pub name: String,
    /// The event function; an event happens where it changes sign.
    pub g: EventFn,
    /// Which sign changes count.
    pub direction: Direction,
    /// Whether the solve stops at this event.
    pub terminal: bool,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .field("direction", &self.direction)
            .field("terminal", &self.terminal)
            .finish()
    }
}

/// An event that happened: its name, time and the (interpolated) state there.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHit {
    /// The event's name.
    pub name: String,
    /// Located time.
    pub t: f64,
    /// State at `t`, from the scheme's interpolant.
    pub y: Vec<f64>,
}

/// What to record and when to stop.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Sample times, increasing, all `>= t0`. The last one is the end time.
    pub t_eval: Vec<f64>,
    /// Divergence bound on `max |y_i|`; exceeding it stops the solve.
    pub max_abs: f64,
    /// Stop once `‖y'‖∞` falls below this at a sample time (steady state), if set.
    pub steady_tol: Option<f64>,
    /// Upper bound on the number of steps (accepted plus rejected).
    pub max_steps: u64,
    /// Events located inside steps; terminal ones stop the solve.
    pub events: Vec<Event>,
}

impl SolveOptions {
    /// Options sampling at `t_eval` with a divergence bound of `1e12`, no steady-state stop and
    /// no events.
    pub fn at(t_eval: Vec<f64>) -> Self {
        SolveOptions {
            t_eval,
            max_abs: 1e12,
            steady_tol: None,
            max_steps: u64::MAX,
            events: Vec::new(),
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
    /// Events that happened, in time order (the last one is the terminal event, if any).
    pub events: Vec<EventHit>,
}

impl Solution {
    fn empty(dim: usize, samples: usize) -> Self {
        Solution {
            t: Vec::with_capacity(samples),
            y: Vec::with_capacity(samples * dim),
            dim,
            stats: Stats::default(),
            stop: StopReason::Finished,
            events: Vec::new(),
        }
    }

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
    /// The declared order of accuracy (for adaptive schemes, the order of the propagated
    /// solution), when the method has one.
    fn order(&self) -> Option<u32> {
        None
    }
}

/// One step of a fixed-step scheme. `work` is scratch owned by the driver, sized by
/// [`Stepper::work_len`], so a step allocates nothing.
pub trait Stepper: Send + Sync {
    /// The declared order of accuracy.
    fn order(&self) -> u32;
    /// Scratch length needed for a state of length `dim`.
    fn work_len(&self, dim: usize) -> usize;
    /// Rejects a system the scheme cannot handle (second-order schemes need the `[x, v]`
    /// layout, [`OdeSystem::second_order_layout`]).
    fn check_system(&self, _sys: &dyn OdeSystem) -> Result<()> {
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

/// Drives a [`Stepper`] on the grid `anchor + j·dt` (anchor = `t_eval[0]`), shortening a step
/// only to reach `t0` onto the grid or to land on a sample time that is not on the grid.
pub struct FixedStep<S: Stepper> {
    /// The scheme.
    pub stepper: S,
    /// The step size.
    pub dt: f64,
    /// The spec text, for manifests.
    pub label: String,
}

/// `Some(stop)` when `y` has a non-finite entry or `max |y_i| > max_abs`.
pub(crate) fn check_state(y: &[f64], max_abs: f64, k: u64, t: f64) -> Option<StopReason> {
    let mut worst = 0.0f64;
    for (i, &v) in y.iter().enumerate() {
        if !v.is_finite() {
            return Some(StopReason::NonFinite {
                step: k,
                t,
                what: format!("state y{i}"),
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

/// Checks `t_eval` is increasing and starts at or after `t0`.
pub(crate) fn check_t_eval(t0: f64, t_eval: &[f64]) -> Option<StopReason> {
    if let Some(&first) = t_eval.first() {
        if first < t0 {
            return Some(StopReason::Failed {
                t: t0,
                why: format!("t_eval[0] = {first} is before t0 = {t0}"),
            });
        }
    }
    t_eval
        .windows(2)
        .position(|w| w[1] <= w[0])
        .map(|i| StopReason::Failed {
            t: t0,
            why: format!(
                "t_eval must be strictly increasing, got t_eval[{i}] = {} then {}",
                t_eval[i],
                t_eval[i + 1]
            ),
        })
}

/// Steady-state test at a sample: `‖F(t, y)‖∞ < tol`. Uses one rhs evaluation.
pub(crate) fn is_steady(sys: &dyn OdeSystem, t: f64, y: &[f64], dy: &mut [f64], tol: f64) -> bool {
    sys.rhs(t, y, dy);
    dy.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol
}

/// Locates a root of `g(s)` in `[a, b]` where `g(a)` and `g(b)` have opposite signs (or
/// `g(b) = 0`) by the Illinois variant of regula falsi (Dowell & Jarratt 1971). Returns the
/// end of the final bracket on `b`'s side, i.e. the first point known to be past the crossing,
/// within `1e-14·max(1, |t|)`.
pub(crate) fn illinois(
    mut a: f64,
    mut ga: f64,
    mut b: f64,
    mut gb: f64,
    g: &mut dyn FnMut(f64) -> f64,
) -> f64 {
    let mut side = 0i8;
    for _ in 0..200 {
        if gb == 0.0 || (b - a).abs() <= 1e-14 * b.abs().max(1.0) {
            break;
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !(c > a.min(b) && c < a.max(b)) {
            c = 0.5 * (a + b);
        }
        let gc = g(c);
        if gc == 0.0 {
            return c;
        }
        if (gc > 0.0) == (gb > 0.0) {
            b = c;
            gb = gc;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        } else {
            a = c;
            ga = gc;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        }
    }
    b
}

/// Event bookkeeping shared by the drivers: the values of every `g` at the start of the current
/// step and scratch for the interpolated state.
pub(crate) struct EventTracker {
    g_prev: Vec<f64>,
    buf: Vec<f64>,
    hits: Vec<(f64, usize)>,
}

impl EventTracker {
    pub(crate) fn new(events: &[Event], t0: f64, y0: &[f64]) -> Self {
        EventTracker {
            g_prev: events.iter().map(|e| (e.g)(t0, y0)).collect(),
            buf: vec![0.0; y0.len()],
            hits: Vec::with_capacity(events.len()),
        }
    }

    /// After a step `(ta, tb]` ending at `yb`, finds the crossings of every event with the
    /// interpolant `interp(t, out)`, records them in `sol.events` in time order up to and
    /// including the first terminal one, and returns that terminal event's stop reason.
    pub(crate) fn after_step(
        &mut self,
        events: &[Event],
        ta: f64,
        tb: f64,
        yb: &[f64],
        interp: &dyn Fn(f64, &mut [f64]),
        sol: &mut Solution,
    ) -> Option<StopReason> {
        self.hits.clear();
        for (i, e) in events.iter().enumerate() {
            let ga = self.g_prev[i];
            let gb = (e.g)(tb, yb);
            self.g_prev[i] = gb;
            let rising = ga < 0.0 && gb >= 0.0;
            let falling = ga > 0.0 && gb <= 0.0;
            let hit = match e.direction {
                Direction::Both => rising || falling,
                Direction::Rising => rising,
                Direction::Falling => falling,
            };
            if hit {
                let buf = &mut self.buf;
                let tr = illinois(ta, ga, tb, gb, &mut |s| {
                    interp(s, buf);
                    (e.g)(s, buf)
                });
                self.hits.push((tr, i));
            }
        }
        if self.hits.is_empty() {
            return None;
        }
        self.hits.sort_by(|p, q| p.0.total_cmp(&q.0));
        for &(tr, i) in &self.hits {
            interp(tr, &mut self.buf);
            sol.events.push(EventHit {
                name: events[i].name.clone(),
                t: tr,
                y: self.buf.clone(),
            });
            if events[i].terminal {
                return Some(StopReason::Event {
                    t: tr,
                    name: events[i].name.clone(),
                });
            }
        }
        None
    }
}

/// Cubic Hermite interpolant on `[ta, ta + h]` from the end states and slopes:
/// `y(ta + s h) = (2s³−3s²+1) ya + (s³−2s²+s) h fa + (−2s³+3s²) yb + (s³−s²) h fb`.
/// Local error `O(h⁴)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn hermite(
    ta: f64,
    h: f64,
    ya: &[f64],
    fa: &[f64],
    yb: &[f64],
    fb: &[f64],
    t: f64,
    out: &mut [f64],
) {
    let s = (t - ta) / h;
    let s2 = s * s;
    let s3 = s2 * s;
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = (s3 - 2.0 * s2 + s) * h;
    let h01 = -2.0 * s3 + 3.0 * s2;
    let h11 = (s3 - s2) * h;
    for i in 0..out.len() {
        out[i] = h00 * ya[i] + h10 * fa[i] + h01 * yb[i] + h11 * fb[i];
    }
}

impl<S: Stepper> Integrator for FixedStep<S> {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn order(&self) -> Option<u32> {
        Some(self.stepper.order())
    }

    fn solve(&self, sys: &dyn OdeSystem, t0: f64, y0: &[f64], opts: &SolveOptions) -> Solution {
        let dim = sys.dim();
        let mut sol = Solution::empty(dim, opts.t_eval.len());
        if let Err(e) = self.stepper.check_system(sys) {
            sol.stop = StopReason::Failed {
                t: t0,
                why: e.to_string(),
            };
            return sol;
        }
        if let Some(stop) = check_t_eval(t0, &opts.t_eval) {
            sol.stop = stop;
            return sol;
        }
        let dt = self.dt;
        let mut y = y0.to_vec();
        let mut work = vec![0.0; self.stepper.work_len(dim)];
        let mut dy = vec![0.0; dim];
        // Event state: the previous state and the slopes at both ends for the Hermite interpolant.
        let with_events = !opts.events.is_empty();
        let mut tracker = with_events.then(|| EventTracker::new(&opts.events, t0, y0));
        let (mut ya, mut fa, mut fb) = if with_events {
            let mut fa = vec![0.0; dim];
            sys.rhs(t0, y0, &mut fa);
            sol.stats.rhs_evals += 1;
            (y0.to_vec(), fa, vec![0.0; dim])
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        let anchor = opts.t_eval.first().copied().unwrap_or(t0);
        let tol = 1e-9 * dt;
        // Index of the last grid point at or before t0 (t0 ≤ anchor, so j ≤ 0).
        let mut j = ((t0 - anchor) / dt + 1e-9).floor() as i64;
        let mut t = t0;
        // On the grid, steps use h = dt exactly (Euler on gradient flow is then bit-for-bit
        // gradient descent); off it (t0 between grid points, or after landing on an off-grid
        // sample), the step is the distance to the target.
        let mut at_grid = (t0 - (anchor + j as f64 * dt)).abs() <= tol;
        let mut steps: u64 = 0;
        for &te in &opts.t_eval {
            loop {
                let next = anchor + (j + 1) as f64 * dt;
                let (target, on_grid) = if next <= te + tol {
                    (next, true)
                } else {
                    (te, false)
                };
                let h = if on_grid && at_grid { dt } else { target - t };
                if target - t <= 1e-12 * dt.max(t.abs()) {
                    break;
                }
                if steps >= opts.max_steps {
                    sol.stop = StopReason::Failed {
                        t,
                        why: format!("max_steps = {} reached", opts.max_steps),
                    };
                    return sol;
                }
                if let Err(e) = self
                    .stepper
                    .step(sys, t, h, &mut y, &mut work, &mut sol.stats)
                {
                    sol.stop = StopReason::Failed {
                        t,
                        why: e.to_string(),
                    };
                    return sol;
                }
                steps += 1;
                sol.stats.accepted += 1;
                let ta = t;
                if on_grid {
                    j += 1;
                    t = next;
                } else {
                    t = target;
                }
                at_grid = on_grid;
                if let Some(stop) = check_state(&y, opts.max_abs, steps, t) {
                    sol.stop = stop;
                    return sol;
                }
                if let Some(tr) = tracker.as_mut() {
                    sys.rhs(t, &y, &mut fb);
                    sol.stats.rhs_evals += 1;
                    let hstep = t - ta;
                    let interp =
                        |s: f64, out: &mut [f64]| hermite(ta, hstep, &ya, &fa, &y, &fb, s, out);
                    if let Some(stop) = tr.after_step(&opts.events, ta, t, &y, &interp, &mut sol) {
                        sol.stop = stop;
                        return sol;
                    }
                    ya.copy_from_slice(&y);
                    std::mem::swap(&mut fa, &mut fb);
                }
                if !on_grid {
                    break;
                }
            }
            // Sample exactly at te (the requested value; the state is at grid point j).
            sol.t.push(te);
            sol.y.extend_from_slice(&y);
            if let Some(tol) = opts.steady_tol {
                sol.stats.rhs_evals += 1;
                if is_steady(sys, te, &y, &mut dy, tol) {
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

/// Builds an integrator from a spec (see [`catalog`] for every name and key), e.g.
/// `rk4:dt=1e-3`, `rk4:substeps=10`, `dopri5:rtol=1e-10,atol=1e-12`,
/// `newmark:beta=0.25,gamma=0.5,dt=1e-2`, or a user tableau
/// `butcher:a=1/2;0;1/2;0;0;1,b=1/6;1/3;1/3;1/6,order=4` (see [`explicit::parse_butcher`]).
/// `lr` (the optimizer's learning rate) sets `dt = lr / substeps` when `dt` is not given.
pub fn parse(spec: &str, lr: Option<f64>) -> Result<Box<dyn Integrator>> {
    let s = Spec::parse(spec)?;
    match s.name.as_str() {
        "dopri5" => dopri5::parse(&s),
        "butcher" => explicit::parse_butcher(&s, lr),
        name => {
            if let Some(r) = explicit::parse(&s, lr) {
                return r;
            }
            if let Some(r) = implicit::parse(&s, lr) {
                return r;
            }
            if let Some(r) = second_order::parse(&s, lr) {
                return r;
            }
            let names: Vec<&str> = catalog().iter().map(|c| c.name).collect();
            Err(Error::spec(format!(
                "unknown integrator '{name}' (known: {})",
                names.join(", ")
            )))
        }
    }
}

/// Every integrator name with its parameters and defaults, for `optdyn list integrators`.
pub fn catalog() -> Vec<ComponentInfo> {
    let mut v = explicit::catalog();
    v.push(dopri5::INFO);
    v.extend(implicit::catalog());
    v.extend(second_order::catalog());
    v
}

/// Reads `dt` or `substeps` (with `dt = lr / substeps`, default 10 substeps).
pub fn fixed_dt(s: &Spec, lr: Option<f64>) -> Result<f64> {
    if let Some(dt) = s.f64_opt("dt")? {
        if s.has("substeps") {
            return Err(Error::spec(format!(
                "{}: give either dt or substeps, not both",
                s.name
            )));
        }
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
