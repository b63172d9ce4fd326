//! State, sample-time and steady-state checks shared by the drivers.

use super::OdeSystem;
use crate::stop::StopReason;

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
