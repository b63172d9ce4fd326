//! The fixed-grid driver: steps a [`Stepper`] on the grid `anchor + j·dt` (anchor = the first
//! sample time) computed from the step count `j`, so with `dt = lr / substeps` every sample
//! `t_k = t0 + k·lr` is a grid point reached after exactly `k·substeps` steps, without
//! accumulated floating-point drift.

use super::checks::{check_state, check_t_eval, is_steady, stop_step};
use super::dense::hermite;
use super::events::EventTracker;
use super::{Integrator, OdeSystem, Sink, SolveEnd, SolveOptions, StepSize, Stepper};
use crate::error::Allowed;
use crate::stop::StopReason;
use crate::{Error, Result};
use std::ops::ControlFlow;

/// A [`Stepper`] driven on a fixed grid, shortening a step only to reach `t0` onto the grid or to
/// land on a sample time that is not on the grid.
pub struct FixedStep<S: Stepper> {
    /// The scheme.
    pub stepper: S,
    /// The step size.
    pub step: StepSize,
    /// The spec text, for manifests.
    pub label: String,
}

impl<S: Stepper> FixedStep<S> {
    /// `stepper` with step size `step`, labelled by its canonical spec (`rk4:substeps=10`).
    pub fn new(stepper: S, step: StepSize) -> Self {
        FixedStep {
            label: format!("{}:{step}", stepper.name()),
            stepper,
            step,
        }
    }

    /// `stepper` with `dt = lr / substeps` (the learning rate comes from the run).
    pub fn substeps(stepper: S, substeps: u32) -> Self {
        Self::new(stepper, StepSize::Substeps(substeps))
    }

    /// `stepper` with a fixed `dt`.
    pub fn dt(stepper: S, dt: f64) -> Self {
        Self::new(stepper, StepSize::Dt(dt))
    }

    /// The same integrator labelled `label` (the spec text it was parsed from).
    #[must_use]
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The step size for a solve: `dt`, or `lr / substeps` with the options' `lr`.
    fn resolve_dt(&self, opts: &SolveOptions) -> Result<f64> {
        resolve_step(self.step, &self.label, opts)
    }
}

/// The step size of a solve: `dt`, or `lr / substeps` with the options' `lr` (an error naming
/// `label` without one).
pub(crate) fn resolve_step(step: StepSize, label: &str, opts: &SolveOptions) -> Result<f64> {
    match step {
        StepSize::Dt(dt) => Ok(dt),
        StepSize::Substeps(k) => match opts.lr {
            Some(lr) if lr > 0.0 && lr.is_finite() => Ok(lr / k as f64),
            Some(lr) => Err(Error::param(label, "lr", lr, Allowed::Positive)),
            None => Err(Error::spec(format!(
                "{label}: substeps needs the optimizer's learning rate (SolveOptions::lr); give dt=… instead"
            ))),
        },
    }
}

/// Unit-struct schemes get `Scheme::substeps(k)` and `Scheme::dt(h)` constructors.
macro_rules! fixed_step_constructors {
    ($($scheme:ty),*) => {$(
        impl $scheme {
            /// This scheme with `dt = lr / substeps`.
            pub fn substeps(substeps: u32) -> FixedStep<$scheme> {
                FixedStep::substeps(<$scheme>::default(), substeps)
            }
            /// This scheme with a fixed `dt`.
            pub fn dt(dt: f64) -> FixedStep<$scheme> {
                FixedStep::dt(<$scheme>::default(), dt)
            }
        }
    )*};
}

fixed_step_constructors!(
    super::explicit::Rk4,
    super::explicit::Ssprk2,
    super::explicit::Ssprk3,
    super::second_order::Verlet,
    super::second_order::SymplecticEuler
);

impl<S: Stepper> Integrator for FixedStep<S> {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn order(&self) -> Option<u32> {
        Some(self.stepper.order())
    }

    fn validate(&self) -> Result<()> {
        match self.step {
            StepSize::Dt(dt) => {
                crate::spec::check::positive(self.stepper.name(), "dt", dt)?;
                if !dt.is_finite() {
                    return Err(Error::param(self.stepper.name(), "dt", dt, Allowed::Finite));
                }
            }
            StepSize::Substeps(0) => {
                return Err(Error::spec(format!(
                    "{}: substeps must be >= 1, got 0",
                    self.stepper.name()
                )))
            }
            StepSize::Substeps(_) => {}
        }
        self.stepper.validate()
    }

    fn check_system(&self, sys: &dyn OdeSystem) -> Result<()> {
        self.stepper.check_system(sys)?;
        let dim = sys.dim();
        crate::memory::check(
            &format!(
                "{}: working storage for a state of dimension {dim}",
                self.stepper.name()
            ),
            (self.stepper.work_len(dim) as f64 + 4.0 * dim as f64) * 8.0,
            "use an explicit scheme such as rk4, or a smaller problem",
        )
    }

    fn solve_into(
        &self,
        sys: &dyn OdeSystem,
        t0: f64,
        y0: &[f64],
        opts: &SolveOptions,
        sink: &mut dyn Sink,
    ) -> SolveEnd {
        let dim = sys.dim();
        let mut end = SolveEnd::default();
        let checked = self
            .validate()
            .and_then(|()| self.check_system(sys))
            .and_then(|()| self.resolve_dt(opts));
        let dt = match checked {
            Ok(dt) => dt,
            Err(e) => {
                end.stop = StopReason::Failed {
                    t: t0,
                    why: e.to_string(),
                };
                return end;
            }
        };
        if let Some(stop) = check_t_eval(t0, &opts.t_eval) {
            end.stop = stop;
            return end;
        }
        let mut y = y0.to_vec();
        let mut work = vec![0.0; self.stepper.work_len(dim)];
        let mut dy = vec![0.0; dim];
        // Event state: the previous state and the slopes at both ends for the Hermite interpolant.
        let with_events = !opts.events.is_empty();
        let mut tracker = with_events.then(|| EventTracker::new(&opts.events, t0, y0));
        let (mut ya, mut fa, mut fb) = if with_events {
            let mut fa = vec![0.0; dim];
            sys.rhs(t0, y0, &mut fa);
            end.stats.rhs_evals += 1;
            (y0.to_vec(), fa, vec![0.0; dim])
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        let mut walk = GridWalk::new(t0, opts.t_eval.first().unwrap_or(t0), dt);
        let mut steps: u64 = 0;
        for (sample, te) in opts.t_eval.iter().enumerate() {
            while let Some(s) = walk.toward(te) {
                let t = walk.t();
                if steps >= opts.max_steps {
                    end.stop = StopReason::Failed {
                        t,
                        why: format!("max_steps = {} reached", opts.max_steps),
                    };
                    return end;
                }
                if let Err(e) = self
                    .stepper
                    .step(sys, t, s.h, &mut y, &mut work, &mut end.stats)
                {
                    end.stop = StopReason::Failed {
                        t,
                        why: e.to_string(),
                    };
                    return end;
                }
                steps += 1;
                end.stats.accepted += 1;
                let ta = t;
                walk.advance(s);
                let t = walk.t();
                let k = stop_step(t0, t, opts.lr, steps);
                if let Some(stop) = check_state(&y, opts.max_abs, k, t) {
                    end.stop = stop;
                    return end;
                }
                if let Some(tr) = tracker.as_mut() {
                    sys.rhs(t, &y, &mut fb);
                    end.stats.rhs_evals += 1;
                    let hstep = t - ta;
                    let interp =
                        |s: f64, out: &mut [f64]| hermite(ta, hstep, &ya, &fa, &y, &fb, s, out);
                    if let Some(stop) =
                        tr.after_step(&opts.events, ta, t, &y, &interp, &mut end.events)
                    {
                        end.stop = stop;
                        return end;
                    }
                    ya.copy_from_slice(&y);
                    std::mem::swap(&mut fa, &mut fb);
                }
            }
            // Sample exactly at te (the requested value; the state is at grid point j).
            if let ControlFlow::Break(stop) = sink.sample(te, &y) {
                end.stop = stop;
                return end;
            }
            if let Some(tol) = opts.steady_tol {
                end.stats.rhs_evals += 1;
                if is_steady(sys, te, &y, &mut dy, tol) {
                    end.stop = StopReason::Converged {
                        step: sample as u64,
                        t: te,
                    };
                    return end;
                }
            }
        }
        end
    }
}

/// The walk of a fixed-step solve from `t0` over the grid `anchor + j·dt` toward the sample
/// times: on the grid a step is `h = dt` exactly; a sample time between grid points is landed on
/// with a shortened step (after which the walk toward that sample ends), and the next grid point
/// is then reached with the step `next − t`. Steps shorter than `1e-12·max(dt, |t|)` are not
/// taken; grid points within `1e-9·dt` past a sample time count as reaching it.
#[derive(Debug, Clone)]
pub(crate) struct GridWalk {
    anchor: f64,
    dt: f64,
    tol: f64,
    j: i64,
    t: f64,
    at_grid: bool,
    landed: bool,
}

/// One step of a [`GridWalk`]: its size and where it ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GridStep {
    /// The step size.
    pub(crate) h: f64,
    target: f64,
    on_grid: bool,
}

impl GridWalk {
    /// The walk from `t0` on the grid `anchor + j·dt`, `j` starting at the last grid point at or
    /// before `t0` (`t0 ≤ anchor`).
    pub(crate) fn new(t0: f64, anchor: f64, dt: f64) -> Self {
        let tol = 1e-9 * dt;
        let j = ((t0 - anchor) / dt + 1e-9).floor() as i64;
        GridWalk {
            anchor,
            dt,
            tol,
            j,
            t: t0,
            at_grid: (t0 - (anchor + j as f64 * dt)).abs() <= tol,
            landed: false,
        }
    }

    /// The current time.
    pub(crate) fn t(&self) -> f64 {
        self.t
    }

    /// The next step toward the sample time `te`, or `None` once `te` is reached.
    pub(crate) fn toward(&mut self, te: f64) -> Option<GridStep> {
        if std::mem::take(&mut self.landed) {
            return None;
        }
        let next = self.anchor + (self.j + 1) as f64 * self.dt;
        let (target, on_grid) = if next <= te + self.tol {
            (next, true)
        } else {
            (te, false)
        };
        let h = if on_grid && self.at_grid {
            self.dt
        } else {
            target - self.t
        };
        (target - self.t > 1e-12 * self.dt.max(self.t.abs())).then_some(GridStep {
            h,
            target,
            on_grid,
        })
    }

    /// Moves to the end of step `s` (taken from [`Self::toward`]).
    pub(crate) fn advance(&mut self, s: GridStep) {
        if s.on_grid {
            self.j += 1;
        }
        self.t = s.target;
        self.at_grid = s.on_grid;
        self.landed = !s.on_grid;
    }
}
