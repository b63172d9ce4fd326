//! The driver shared by the embedded Runge–Kutta pairs (Dormand–Prince 5(4), 8(5,3)), after
//! Hairer's `dopri5.f`/`dop853.f` (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.4–II.6,
//! §II.10): Hairer's initial step, the PI step-size controller, rejection, sampling `t_eval` and
//! locating events by the pair's continuous extension, steady-state and divergence stops. A pair
//! ([`EmbeddedPair`]) supplies one step attempt with its error norm, its dense output and the
//! first-same-as-last stage.

use super::checks::{check_state, check_t_eval, is_steady, stop_step};
use super::events::EventTracker;
use super::{OdeSystem, Sink, SolveEnd, SolveOptions};
use crate::spec::{check, fmt_f64, ParamInfo, Spec};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::cell::RefCell;
use std::ops::ControlFlow;

/// `ln 1e-4`: Hairer's lower bound on the previous error in the PI controller.
const MIN_LN_FACOLD: f64 = -9.210340371976184;

/// The step-size controller's settings (the pairs' spec keys).
#[derive(Debug, Clone, Copy)]
pub(super) struct Controller {
    pub rtol: f64,
    pub atol: f64,
    /// First step; 0 selects it by Hairer's heuristic.
    pub h0: f64,
    pub hmin: f64,
    pub hmax: f64,
    /// Step limit (accepted + rejected).
    pub max_steps: u64,
    pub safety: f64,
    /// PI coefficient β.
    pub beta: f64,
    pub fac_min: f64,
    pub fac_max: f64,
}

impl Controller {
    /// The settings of spec `s` (keys `rtol, atol, h0, hmin, hmax, max_steps, safety, beta,
    /// fac_min, fac_max`), `d` where a key is absent; `h0` must be positive when given.
    pub fn parse(s: &Spec, d: &Controller) -> Result<Controller> {
        let h0 = match s.f64_opt("h0")? {
            Some(h) => check::positive(&s.name, "h0", h)?,
            None => 0.0,
        };
        Ok(Controller {
            rtol: s.f64("rtol", d.rtol)?,
            atol: s.f64("atol", d.atol)?,
            h0,
            hmin: s.f64("hmin", d.hmin)?,
            hmax: s.f64_opt("hmax")?.unwrap_or(d.hmax),
            max_steps: s.u64("max_steps", d.max_steps)?,
            safety: s.f64("safety", d.safety)?,
            beta: s.f64("beta", d.beta)?,
            fac_min: s.f64("fac_min", d.fac_min)?,
            fac_max: s.f64("fac_max", d.fac_max)?,
        })
    }

    /// Range checks of every setting (typed errors naming the integrator `n`).
    pub fn check(&self, n: &str) -> Result<()> {
        check::positive(n, "rtol", self.rtol)?;
        check::positive(n, "atol", self.atol)?;
        check::non_negative(n, "h0", self.h0)?;
        check::non_negative(n, "hmin", self.hmin)?;
        check::positive(n, "hmax", self.hmax)?;
        if self.hmin > self.hmax {
            return Err(Error::spec(format!(
                "{n}: hmin = {} must be <= hmax = {}",
                self.hmin, self.hmax
            )));
        }
        if self.max_steps == 0 {
            return Err(Error::spec(format!("{n}: max_steps must be >= 1, got 0")));
        }
        check::in_open(n, "safety", self.safety, 0.0, 1.0)?;
        check::in_closed(n, "beta", self.beta, 0.0, 0.2)?;
        check::in_open(n, "fac_min", self.fac_min, 0.0, 1.0)?;
        if self.fac_max.is_nan() || self.fac_max <= 1.0 {
            return Err(Error::spec(format!(
                "{n}: fac_max must be > 1, got {}",
                self.fac_max
            )));
        }
        Ok(())
    }
}

/// The spec keys of an adaptive pair ([`Controller`]), with the pair's defaults of `beta`,
/// `fac_min` and `fac_max`.
pub(super) const fn params(
    beta: &'static str,
    fac_min: &'static str,
    fac_max: &'static str,
) -> [ParamInfo; 10] {
    [
        ParamInfo {
            key: "rtol",
            default: "1e-10",
            help: "relative tolerance, > 0",
        },
        ParamInfo {
            key: "atol",
            default: "1e-12",
            help: "absolute tolerance, > 0",
        },
        ParamInfo {
            key: "h0",
            default: "auto",
            help: "first step (> 0), else Hairer's heuristic",
        },
        ParamInfo {
            key: "hmin",
            default: "0",
            help: "smallest step, >= 0; a smaller one stops the solve (failed)",
        },
        ParamInfo {
            key: "hmax",
            default: "inf",
            help: "largest step, > 0",
        },
        ParamInfo {
            key: "max_steps",
            default: "10000000",
            help: "step limit (accepted + rejected), >= 1",
        },
        ParamInfo {
            key: "safety",
            default: "0.9",
            help: "controller safety factor, in (0, 1)",
        },
        ParamInfo {
            key: "beta",
            default: beta,
            help: "PI-controller coefficient, in [0, 0.2]",
        },
        ParamInfo {
            key: "fac_min",
            default: fac_min,
            help: "smallest step ratio h_new/h, in (0, 1)",
        },
        ParamInfo {
            key: "fac_max",
            default: fac_max,
            help: "largest step ratio h_new/h, > 1",
        },
    ]
}

/// One embedded Runge–Kutta pair as the driver sees it. The pair holds the state `y` at the
/// start of the step and `k1 = F(t, y)`.
pub(super) trait EmbeddedPair {
    /// Order of the propagated solution (the exponent of Hairer's initial step).
    const ORDER: i32;
    /// Right-hand-side evaluations of one [`EmbeddedPair::attempt`].
    const ATTEMPT_EVALS: u64;

    /// The exponent of the error in the step factor, `err^{expo}·err_old^{−β}`.
    fn err_exponent(beta: f64) -> f64;

    /// Starts at `(t0, y0)`: `y = y0`, `k1 = F(t0, y0)` (one evaluation).
    fn start(&mut self, sys: &dyn OdeSystem, t0: f64, y0: &[f64]);

    /// The state at the start of the step.
    fn y(&self) -> &[f64];

    /// `F(t, y)` at the start of the step.
    fn k1(&self) -> &[f64];

    /// Attempts the step `[t, t + h]` (`tph` is `t + h`, or exactly the end time on the last
    /// step): writes the propagated solution into `y_new` and returns the error norm, which
    /// accepts the step when `≤ 1`.
    #[allow(clippy::too_many_arguments)]
    fn attempt(
        &mut self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        tph: f64,
        rtol: f64,
        atol: f64,
        y_new: &mut [f64],
    ) -> f64;

    /// The step was accepted: prepares the continuous extension on `[t, t + h]` and
    /// `F(tph, y_new)` for the next step; returns the evaluations it made.
    fn accept(&mut self, sys: &dyn OdeSystem, t: f64, h: f64, tph: f64, y_new: &[f64]) -> u64;

    /// `y(s)` on the accepted step by the continuous extension.
    fn interp(&mut self, sys: &dyn OdeSystem, s: f64, out: &mut [f64]);

    /// Evaluations the continuous extension made on this step.
    fn dense_evals(&self) -> u64;

    /// Moves to the end of the accepted step: `y = y_new`, `k1 = F(tph, y_new)`.
    fn advance(&mut self, y_new: &[f64]);
}

/// Hairer's initial step (`HINIT` of `dopri5.f` and `dop853.f`) for a method of order `order`:
/// `h = 0.01·‖y0‖/‖f0‖`, one explicit Euler step to estimate the second derivative `d2`, then
/// `h = min(100h, (0.01/max(d2, ‖f0‖))^{1/order}, hmax)`, norms weighted by `atol + rtol|y0|`.
/// One rhs evaluation (into `f1`, with `y1` as scratch).
#[allow(clippy::too_many_arguments)]
fn hairer_initial_step(
    sys: &dyn OdeSystem,
    t: f64,
    y: &[f64],
    f0: &[f64],
    y1: &mut [f64],
    f1: &mut [f64],
    span: f64,
    (rtol, atol, hmax): (f64, f64, f64),
    order: i32,
) -> f64 {
    let n = y.len();
    let (mut dnf, mut dny) = (0.0, 0.0);
    for i in 0..n {
        let sk = atol + rtol * y[i].abs();
        dnf += (f0[i] / sk).powi(2);
        dny += (y[i] / sk).powi(2);
    }
    let mut h = if dnf <= 1e-10 || dny <= 1e-10 {
        1e-6
    } else {
        (dny / dnf).sqrt() * 0.01
    };
    h = h.min(hmax).min(span);
    for i in 0..n {
        y1[i] = y[i] + h * f0[i];
    }
    sys.rhs(t + h, y1, f1);
    let mut der2 = 0.0;
    for i in 0..n {
        let sk = atol + rtol * y[i].abs();
        der2 += ((f1[i] - f0[i]) / sk).powi(2);
    }
    let der2 = der2.sqrt() / h;
    let der12 = der2.abs().max(dnf.sqrt());
    let h1 = if der12 <= 1e-15 {
        (h * 1e-3).max(1e-6)
    } else {
        (0.01 / der12).powf(1.0 / f64::from(order))
    };
    (100.0 * h).min(h1).min(hmax).min(span)
}

/// Delivers the samples `t_eval[next..]` that lie in `(…, t]` and not after `t_stop`, `y(t)`
/// from `at(t, out)`; counts them in `samples` and checks for a steady state after each.
/// Returns the stop of the sink or of a steady state.
#[allow(clippy::too_many_arguments)]
fn deliver(
    sys: &dyn OdeSystem,
    opts: &SolveOptions,
    sink: &mut dyn Sink,
    sol: &mut SolveEnd,
    next: &mut usize,
    samples: &mut u64,
    (t, t_stop): (f64, f64),
    yi: &mut [f64],
    ys: &mut [f64],
    at: &dyn Fn(f64, &mut [f64]),
) -> Option<StopReason> {
    while *next < opts.t_eval.len()
        && opts.t_eval.get(*next) <= t
        && opts.t_eval.get(*next) <= t_stop
    {
        let te = opts.t_eval.get(*next);
        at(te, yi);
        if let ControlFlow::Break(stop) = sink.sample(te, yi) {
            return Some(stop);
        }
        *samples += 1;
        *next += 1;
        if let Some(tol) = opts.steady_tol {
            sol.stats.rhs_evals += 1;
            if is_steady(sys, te, yi, ys, tol) {
                return Some(StopReason::Converged {
                    step: *samples - 1,
                    t: te,
                });
            }
        }
    }
    None
}

/// Solves `y' = F(t, y)` from `(t0, y0)` with the pair `P` under the controller `c`, sampling
/// `opts.t_eval` into `sink`.
pub(super) fn solve<P: EmbeddedPair>(
    c: &Controller,
    pair: &mut P,
    sys: &dyn OdeSystem,
    t0: f64,
    y0: &[f64],
    opts: &SolveOptions,
    sink: &mut dyn Sink,
) -> SolveEnd {
    let n = sys.dim();
    let mut sol = SolveEnd::default();
    let mut samples: u64 = 0;
    if let Some(stop) = check_t_eval(t0, &opts.t_eval) {
        sol.stop = stop;
        return sol;
    }
    let Some(t_end) = opts.t_eval.last() else {
        return sol;
    };
    let mut buf = vec![0.0; 3 * n];
    let (y_new, rest) = buf.split_at_mut(n);
    let (yi, ys) = rest.split_at_mut(n);
    let mut next = 0; // next sample index
    let copy0 = |_: f64, out: &mut [f64]| out.copy_from_slice(y0);
    let mut t = t0;
    let first = (t0, t0);
    if let Some(stop) = deliver(
        sys,
        opts,
        sink,
        &mut sol,
        &mut next,
        &mut samples,
        first,
        yi,
        ys,
        &copy0,
    ) {
        sol.stop = stop;
        return sol;
    }
    if next == opts.t_eval.len() {
        return sol;
    }
    let mut tracker = (!opts.events.is_empty()).then(|| EventTracker::new(&opts.events, t0, y0));
    pair.start(sys, t, y0);
    sol.stats.rhs_evals += 1;
    let span = t_end - t0;
    let mut h = if c.h0 > 0.0 {
        c.h0.min(c.hmax).min(span)
    } else {
        sol.stats.rhs_evals += 1;
        let tols = (c.rtol, c.atol, c.hmax);
        hairer_initial_step(sys, t, pair.y(), pair.k1(), yi, ys, span, tols, P::ORDER)
    };
    let expo1 = P::err_exponent(c.beta);
    let facc1 = 1.0 / c.fac_min;
    let facc2 = 1.0 / c.fac_max;
    let mut ln_facold = MIN_LN_FACOLD;
    let mut reject = false;
    let max_steps = c.max_steps.min(opts.max_steps);
    let uround = f64::EPSILON;
    loop {
        if sol.stats.accepted + sol.stats.rejected >= max_steps {
            sol.stop = StopReason::Failed {
                t,
                why: format!("max_steps = {max_steps} reached"),
            };
            return sol;
        }
        if h < c.hmin || 0.1 * h.abs() <= t.abs() * uround {
            sol.stop = StopReason::Failed {
                t,
                why: format!(
                    "step size {} too small (hmin = {})",
                    fmt_f64(h),
                    fmt_f64(c.hmin)
                ),
            };
            return sol;
        }
        let last = t + 1.01 * h >= t_end;
        if last {
            h = t_end - t;
        }
        let tph = if last { t_end } else { t + h };
        let err = pair.attempt(sys, t, h, tph, c.rtol, c.atol, y_new);
        sol.stats.rhs_evals += P::ATTEMPT_EVALS;
        let ln_err = err.ln();
        if err > 1.0 {
            h /= facc1.min((expo1 * ln_err).exp() / c.safety);
            reject = true;
            sol.stats.rejected += 1;
            continue;
        }
        // PI control (Gustafsson; Hairer): h_new = h / clamp(err^{expo}/err_old^β/safety).
        let fac = ((expo1 * ln_err - c.beta * ln_facold).exp() / c.safety).clamp(facc2, facc1);
        let mut hnew = h / fac;
        ln_facold = ln_err.max(MIN_LN_FACOLD);
        sol.stats.accepted += 1;
        sol.stats.rhs_evals += pair.accept(sys, t, h, tph, y_new);
        let told = t;
        t = tph;
        let (halt, dense_evals) = {
            let cell = RefCell::new(&mut *pair);
            let interp = |s: f64, out: &mut [f64]| cell.borrow_mut().interp(sys, s, out);
            let stop_ev = tracker.as_mut().and_then(|tr| {
                tr.after_step(&opts.events, told, t, y_new, &interp, &mut sol.events)
            });
            let t_stop = match &stop_ev {
                Some(StopReason::Event { t, .. }) => *t,
                _ => f64::INFINITY,
            };
            let y_end: &[f64] = y_new;
            let at = |te: f64, out: &mut [f64]| {
                if te == t {
                    out.copy_from_slice(y_end);
                } else {
                    interp(te, out);
                }
            };
            let halt = deliver(
                sys,
                opts,
                sink,
                &mut sol,
                &mut next,
                &mut samples,
                (t, t_stop),
                yi,
                ys,
                &at,
            );
            let evals = cell.borrow().dense_evals();
            (halt.or(stop_ev), evals)
        };
        sol.stats.rhs_evals += dense_evals;
        if let Some(stop) = halt {
            sol.stop = stop;
            return sol;
        }
        let k = stop_step(t0, t, opts.lr, sol.stats.accepted);
        if let Some(stop) = check_state(y_new, opts.max_abs, k, t) {
            sol.stop = stop;
            return sol;
        }
        pair.advance(y_new);
        if last || next == opts.t_eval.len() {
            return sol;
        }
        hnew = hnew.min(c.hmax);
        if reject {
            hnew = hnew.min(h);
        }
        reject = false;
        h = hnew;
    }
}

/// The settings type of an adaptive pair (`Dopri5`, `Dop853`: the [`Controller`] keys and the
/// spec text), its constructors, range checks and [`Integrator`](super::Integrator) impl, which
/// differ only in the name, the method's order and the pair. The invoking module supplies
/// `Default` and `PARAMS`.
macro_rules! adaptive_integrator {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $order:literal, $pair:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $ty {
            /// Relative tolerance.
            pub rtol: f64,
            /// Absolute tolerance.
            pub atol: f64,
            /// First step; 0 selects it by Hairer's heuristic.
            pub h0: f64,
            /// Smallest allowed step; a smaller proposal stops with `Failed`.
            pub hmin: f64,
            /// Largest allowed step.
            pub hmax: f64,
            /// Step limit (accepted + rejected); also bounded by `SolveOptions::max_steps`.
            pub max_steps: u64,
            /// Safety factor of the controller.
            pub safety: f64,
            /// PI coefficient β of the controller.
            pub beta: f64,
            /// Smallest step-size ratio `h_new/h`.
            pub fac_min: f64,
            /// Largest step-size ratio `h_new/h`.
            pub fac_max: f64,
            /// The spec text.
            pub label: String,
        }

        impl $ty {
            #[doc = concat!("`", $name, "` with relative and absolute tolerances `rtol`, `atol` \
                             and the other settings at their defaults.")]
            pub fn tol(rtol: f64, atol: f64) -> Self {
                $ty {
                    rtol,
                    atol,
                    label: format!(
                        concat!($name, ":rtol={},atol={}"),
                        $crate::spec::fmt_f64(rtol),
                        $crate::spec::fmt_f64(atol)
                    ),
                    ..$ty::default()
                }
            }

            #[doc = concat!("Builds `", $name, ":rtol=…,atol=…,…` from its spec.")]
            pub fn from_spec(s: &$crate::spec::Spec) -> $crate::Result<Self> {
                let c = Controller::parse(s, &$ty::default().controller())?;
                s.finish(&PARAMS)?;
                c.check($name)?;
                Ok($ty {
                    rtol: c.rtol,
                    atol: c.atol,
                    h0: c.h0,
                    hmin: c.hmin,
                    hmax: c.hmax,
                    max_steps: c.max_steps,
                    safety: c.safety,
                    beta: c.beta,
                    fac_min: c.fac_min,
                    fac_max: c.fac_max,
                    label: s.to_string(),
                })
            }

            /// The controller's settings.
            fn controller(&self) -> Controller {
                Controller {
                    rtol: self.rtol,
                    atol: self.atol,
                    h0: self.h0,
                    hmin: self.hmin,
                    hmax: self.hmax,
                    max_steps: self.max_steps,
                    safety: self.safety,
                    beta: self.beta,
                    fac_min: self.fac_min,
                    fac_max: self.fac_max,
                }
            }
        }

        impl $crate::integrate::Integrator for $ty {
            fn name(&self) -> String {
                self.label.clone()
            }

            fn order(&self) -> Option<u32> {
                Some($order)
            }

            fn validate(&self) -> $crate::Result<()> {
                self.controller().check($name)
            }

            fn solve_into(
                &self,
                sys: &dyn $crate::integrate::OdeSystem,
                t0: f64,
                y0: &[f64],
                opts: &$crate::integrate::SolveOptions,
                sink: &mut dyn $crate::integrate::Sink,
            ) -> $crate::integrate::SolveEnd {
                if let Err(e) = self.controller().check($name) {
                    return $crate::integrate::SolveEnd {
                        stop: $crate::stop::StopReason::Failed {
                            t: t0,
                            why: e.to_string(),
                        },
                        ..Default::default()
                    };
                }
                let mut pair = $pair::new(sys.dim());
                adaptive::solve(&self.controller(), &mut pair, sys, t0, y0, opts, sink)
            }
        }
    };
}
pub(super) use adaptive_integrator;
