//! State, sample-time and steady-state checks shared by the drivers.

use super::{OdeSystem, SampleTimes};
use crate::stop::StopReason;

/// The step a stop at time `t` is reported at: on the optimizer's clock (`opts.lr` set) the step
/// `k` with `t0 + k·lr ≤ t < t0 + (k+1)·lr`, so a model's stop names the same step as the
/// discrete run's; without a clock the integrator's own step count `internal`.
pub(crate) fn stop_step(t0: f64, t: f64, lr: Option<f64>, internal: u64) -> u64 {
    match lr {
        Some(lr) if lr > 0.0 => {
            let k = ((t - t0) / lr * (1.0 + 4.0 * f64::EPSILON)).floor();
            if k.is_finite() && k >= 0.0 {
                k as u64
            } else {
                internal
            }
        }
        _ => internal,
    }
}

/// `Some(stop)` when `y` has a non-finite entry or `max |y_i| > max_abs`; `k` is the step to
/// report ([`stop_step`]).
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
pub(crate) fn check_t_eval(t0: f64, t_eval: &SampleTimes) -> Option<StopReason> {
    if let Some(first) = t_eval.first() {
        if first < t0 {
            return Some(StopReason::Failed {
                t: t0,
                why: format!("t_eval[0] = {first} is before t0 = {t0}"),
            });
        }
    }
    (1..t_eval.len())
        .find(|&i| t_eval.get(i) <= t_eval.get(i - 1))
        .map(|i| StopReason::Failed {
            t: t0,
            why: format!(
                "t_eval must be strictly increasing, got t_eval[{}] = {} then {}",
                i - 1,
                t_eval.get(i - 1),
                t_eval.get(i)
            ),
        })
}

/// Steady-state test at a sample: `‖F(t, y)‖∞ < tol`. Uses one rhs evaluation.
pub(crate) fn is_steady(sys: &dyn OdeSystem, t: f64, y: &[f64], dy: &mut [f64], tol: f64) -> bool {
    sys.rhs(t, y, dy);
    dy.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol
}

/// Refuses a system with memory kernels without a finite state ([`OdeSystem::memory_form`]) to an
/// integrator that cannot march their history, and a plain system to one that only marches
/// memories.
pub(crate) fn memory_compatible(
    integrator: &dyn super::Integrator,
    sys: &dyn OdeSystem,
) -> crate::Result<()> {
    if sys.memory_form().is_some() && !integrator.marches_memory() {
        return Err(crate::Error::spec(format!(
            "{}: this model's memory kernel has no finite state (power law, user kernel); it is solved by --integrator volterra[:substeps=N,memory=soe|quadrature]",
            integrator.name()
        )));
    }
    integrator.check_system(sys)
}
