//! Adaptive Dormand–Prince 5(4) (Dormand & Prince 1980) following Hairer's DOPRI5
//! (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.4–II.6, and the Fortran code `dopri5.f`):
//! FSAL, the 5th-order solution propagated, Hairer's error norm, a PI step-size controller,
//! Hairer's initial-step heuristic and the 4th-order continuous extension (dense output) used to
//! sample `t_eval` and locate events without stepping onto each sample.

use super::checks::{check_state, check_t_eval, is_steady, stop_step};
use super::events::EventTracker;
use super::{Integrator, OdeSystem, Sink, SolveEnd, SolveOptions};
use crate::spec::{check, fmt_f64, ParamInfo, Spec};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::ops::ControlFlow;

/// `ln 1e-4`: Hairer's lower bound on the previous error in the PI controller.
const MIN_LN_FACOLD: f64 = -9.210340371976184;
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
const A71: f64 = 35.0 / 384.0;
const A73: f64 = 500.0 / 1113.0;
const A74: f64 = 125.0 / 192.0;
const A75: f64 = -2187.0 / 6784.0;
const A76: f64 = 11.0 / 84.0;
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

/// Dormand–Prince 5(4) settings.
#[derive(Debug, Clone)]
pub struct Dopri5 {
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
    /// PI coefficient β (Hairer's DOPRI5 default 0.04); the I exponent is `0.2 − 0.75β`.
    pub beta: f64,
    /// Smallest step-size ratio `h_new/h`.
    pub fac_min: f64,
    /// Largest step-size ratio `h_new/h`.
    pub fac_max: f64,
    /// The spec text.
    pub label: String,
}

impl Default for Dopri5 {
    fn default() -> Self {
        Dopri5 {
            rtol: 1e-10,
            atol: 1e-12,
            h0: 0.0,
            hmin: 0.0,
            hmax: f64::INFINITY,
            max_steps: 10_000_000,
            safety: 0.9,
            beta: 0.04,
            fac_min: 0.2,
            fac_max: 10.0,
            label: "dopri5".into(),
        }
    }
}

/// Parameters of `dopri5`.
pub const PARAMS: [ParamInfo; 10] = [
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
        default: "0.04",
        help: "PI-controller coefficient, in [0, 0.2]",
    },
    ParamInfo {
        key: "fac_min",
        default: "0.2",
        help: "smallest step ratio h_new/h, in (0, 1)",
    },
    ParamInfo {
        key: "fac_max",
        default: "10",
        help: "largest step ratio h_new/h, > 1",
    },
];

impl Dopri5 {
    /// Dopri5 with relative and absolute tolerances `rtol`, `atol` and the other settings at
    /// their defaults.
    pub fn tol(rtol: f64, atol: f64) -> Self {
        Dopri5 {
            rtol,
            atol,
            label: format!("dopri5:rtol={},atol={}", fmt_f64(rtol), fmt_f64(atol)),
            ..Dopri5::default()
        }
    }

    /// Builds `dopri5:rtol=…,atol=…,…` from its spec.
    pub fn from_spec(s: &Spec) -> Result<Self> {
        let d = Dopri5::default();
        let h0 = match s.f64_opt("h0")? {
            Some(h) => check::positive(&s.name, "h0", h)?,
            None => 0.0,
        };
        let o = Dopri5 {
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
            label: s.to_string(),
        };
        s.finish(&PARAMS)?;
        o.check()?;
        Ok(o)
    }

    /// Range checks of every setting (typed errors).
    fn check(&self) -> Result<()> {
        let n = "dopri5";
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

/// Evaluates the continuous extension on the last step `[told, told + h]`:
/// `y(told + θh) = r1 + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5)))` (Hairer's `CONTD5`).
#[inline]
fn contd5(rcont: &[f64], n: usize, told: f64, h: f64, t: f64, out: &mut [f64]) {
    let th = (t - told) / h;
    let th1 = 1.0 - th;
    let (r1, rest) = rcont.split_at(n);
    let (r2, rest) = rest.split_at(n);
    let (r3, rest) = rest.split_at(n);
    let (r4, r5) = rest.split_at(n);
    for i in 0..n {
        out[i] = r1[i] + th * (r2[i] + th1 * (r3[i] + th * (r4[i] + th1 * r5[i])));
    }
}

/// Hairer's initial step (`HINIT` of `dopri5.f` and `dop853.f`) for a method of order `order`:
/// `h = 0.01·‖y0‖/‖f0‖`, one explicit Euler step to estimate the second derivative `d2`, then
/// `h = min(100h, (0.01/max(d2, ‖f0‖))^{1/order}, hmax)`, norms weighted by `atol + rtol|y0|`.
/// One rhs evaluation (into `f1`, with `y1` as scratch).
#[allow(clippy::too_many_arguments)]
pub(super) fn hairer_initial_step(
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

impl Integrator for Dopri5 {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn order(&self) -> Option<u32> {
        Some(5)
    }

    fn validate(&self) -> Result<()> {
        self.check()
    }

    fn solve_into(
        &self,
        sys: &dyn OdeSystem,
        t0: f64,
        y0: &[f64],
        opts: &SolveOptions,
        sink: &mut dyn Sink,
    ) -> SolveEnd {
        let n = sys.dim();
        let mut sol = SolveEnd::default();
        if let Err(e) = self.check() {
            sol.stop = StopReason::Failed {
                t: t0,
                why: e.to_string(),
            };
            return sol;
        }
        let mut samples: u64 = 0;
        if let Some(stop) = check_t_eval(t0, &opts.t_eval) {
            sol.stop = stop;
            return sol;
        }
        let Some(t_end) = opts.t_eval.last() else {
            return sol;
        };
        let mut buf = vec![0.0; 16 * n];
        let (y, rest) = buf.split_at_mut(n);
        let (y1, rest) = rest.split_at_mut(n);
        let (k1, rest) = rest.split_at_mut(n);
        let (k2, rest) = rest.split_at_mut(n);
        let (k3, rest) = rest.split_at_mut(n);
        let (k4, rest) = rest.split_at_mut(n);
        let (k5, rest) = rest.split_at_mut(n);
        let (k6, rest) = rest.split_at_mut(n);
        let (k7, rest) = rest.split_at_mut(n);
        let (ys, rest) = rest.split_at_mut(n);
        let (yi, rest) = rest.split_at_mut(n);
        let (rcont, _) = rest.split_at_mut(5 * n);
        y.copy_from_slice(y0);
        let mut next = 0; // next sample index
        let mut t = t0;
        while next < opts.t_eval.len() && opts.t_eval.get(next) <= t0 {
            if let ControlFlow::Break(stop) = sink.sample(opts.t_eval.get(next), y) {
                sol.stop = stop;
                return sol;
            }
            samples += 1;
            next += 1;
            if let Some(tol) = opts.steady_tol {
                sol.stats.rhs_evals += 1;
                if is_steady(sys, t0, y, k2, tol) {
                    sol.stop = StopReason::Converged {
                        step: samples - 1,
                        t: t0,
                    };
                    return sol;
                }
            }
        }
        if next == opts.t_eval.len() {
            return sol;
        }
        let mut tracker =
            (!opts.events.is_empty()).then(|| EventTracker::new(&opts.events, t0, y0));
        sys.rhs(t, y, k1);
        sol.stats.rhs_evals += 1;
        let span = t_end - t0;
        let mut h = if self.h0 > 0.0 {
            self.h0.min(self.hmax).min(span)
        } else {
            sol.stats.rhs_evals += 1;
            let tols = (self.rtol, self.atol, self.hmax);
            hairer_initial_step(sys, t, y, k1, k2, k3, span, tols, 5)
        };
        let expo1 = 0.2 - 0.75 * self.beta;
        let facc1 = 1.0 / self.fac_min;
        let facc2 = 1.0 / self.fac_max;
        let mut ln_facold = MIN_LN_FACOLD;
        let mut reject = false;
        let max_steps = self.max_steps.min(opts.max_steps);
        let uround = f64::EPSILON;
        loop {
            if sol.stats.accepted + sol.stats.rejected >= max_steps {
                sol.stop = StopReason::Failed {
                    t,
                    why: format!("max_steps = {max_steps} reached"),
                };
                return sol;
            }
            if h < self.hmin || 0.1 * h.abs() <= t.abs() * uround {
                sol.stop = StopReason::Failed {
                    t,
                    why: format!(
                        "step size {} too small (hmin = {})",
                        fmt_f64(h),
                        fmt_f64(self.hmin)
                    ),
                };
                return sol;
            }
            let last = t + 1.01 * h >= t_end;
            if last {
                h = t_end - t;
            }
            for i in 0..n {
                y1[i] = y[i] + h * A21 * k1[i];
            }
            sys.rhs(t + C2 * h, y1, k2);
            for i in 0..n {
                y1[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
            }
            sys.rhs(t + C3 * h, y1, k3);
            for i in 0..n {
                y1[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
            }
            sys.rhs(t + C4 * h, y1, k4);
            for i in 0..n {
                y1[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
            }
            sys.rhs(t + C5 * h, y1, k5);
            for i in 0..n {
                ys[i] = y[i]
                    + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
            }
            let tph = if last { t_end } else { t + h };
            sys.rhs(tph, ys, k6);
            for i in 0..n {
                y1[i] = y[i]
                    + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
            }
            sys.rhs(tph, y1, k7);
            sol.stats.rhs_evals += 6;
            // Hairer's error norm: sqrt(mean((h Σ e_i k_i / (atol + rtol max(|y|, |y1|)))²)).
            let mut err = 0.0;
            for i in 0..n {
                let e = h
                    * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
                let sk = self.atol + self.rtol * y[i].abs().max(y1[i].abs());
                err += (e / sk) * (e / sk);
            }
            let err = (err / n as f64).sqrt();
            let ln_err = err.ln();
            if err <= 1.0 {
                // PI control (Gustafsson; Hairer's DOPRI5 with β = 0.04):
                // h_new = h / clamp(err^{0.2−0.75β} / err_old^β / safety), in logs.
                let fac = ((expo1 * ln_err - self.beta * ln_facold).exp() / self.safety)
                    .clamp(facc2, facc1);
                let mut hnew = h / fac;
                ln_facold = ln_err.max(MIN_LN_FACOLD);
                sol.stats.accepted += 1;
                // Dense output coefficients (CONTD5).
                for i in 0..n {
                    let ydiff = y1[i] - y[i];
                    let bspl = h * k1[i] - ydiff;
                    rcont[i] = y[i];
                    rcont[n + i] = ydiff;
                    rcont[2 * n + i] = bspl;
                    rcont[3 * n + i] = ydiff - h * k7[i] - bspl;
                    rcont[4 * n + i] = h
                        * (D1 * k1[i]
                            + D3 * k3[i]
                            + D4 * k4[i]
                            + D5 * k5[i]
                            + D6 * k6[i]
                            + D7 * k7[i]);
                }
                let told = t;
                t = tph;
                let rc: &[f64] = rcont;
                let interp = |s: f64, out: &mut [f64]| contd5(rc, n, told, h, s, out);
                let stop_ev = tracker.as_mut().and_then(|tr| {
                    tr.after_step(&opts.events, told, t, y1, &interp, &mut sol.events)
                });
                let t_stop = match &stop_ev {
                    Some(StopReason::Event { t, .. }) => *t,
                    _ => f64::INFINITY,
                };
                while next < opts.t_eval.len()
                    && opts.t_eval.get(next) <= t
                    && opts.t_eval.get(next) <= t_stop
                {
                    let te = opts.t_eval.get(next);
                    if te == t {
                        yi.copy_from_slice(y1);
                    } else {
                        contd5(rc, n, told, h, te, yi);
                    }
                    if let ControlFlow::Break(stop) = sink.sample(te, yi) {
                        sol.stop = stop;
                        return sol;
                    }
                    samples += 1;
                    next += 1;
                    if let Some(tol) = opts.steady_tol {
                        sol.stats.rhs_evals += 1;
                        if is_steady(sys, te, yi, ys, tol) {
                            sol.stop = StopReason::Converged {
                                step: samples - 1,
                                t: te,
                            };
                            return sol;
                        }
                    }
                }
                if let Some(stop) = stop_ev {
                    sol.stop = stop;
                    return sol;
                }
                let k = stop_step(t0, t, opts.lr, sol.stats.accepted);
                if let Some(stop) = check_state(y1, opts.max_abs, k, t) {
                    sol.stop = stop;
                    return sol;
                }
                k1.copy_from_slice(k7);
                y.copy_from_slice(y1);
                if last || next == opts.t_eval.len() {
                    return sol;
                }
                hnew = hnew.min(self.hmax);
                if reject {
                    hnew = hnew.min(h);
                }
                reject = false;
                h = hnew;
            } else {
                h /= facc1.min((expo1 * ln_err).exp() / self.safety);
                reject = true;
                sol.stats.rejected += 1;
            }
        }
    }
}
