//! Explicit fixed-step Runge–Kutta schemes.

use super::{OdeSystem, Stepper};
use crate::spec::ParamInfo;
use crate::Result;

/// Parameters shared by every fixed-step scheme.
pub const FIXED_PARAMS: [ParamInfo; 2] = [
    ParamInfo {
        key: "dt",
        default: "lr/substeps",
        help: "step size, > 0",
    },
    ParamInfo {
        key: "substeps",
        default: "10",
        help: "steps per optimizer step (dt = lr/substeps), >= 1",
    },
];

/// Classical fourth-order Runge–Kutta:
/// `k1 = F(t, y)`, `k2 = F(t + h/2, y + h k1/2)`, `k3 = F(t + h/2, y + h k2/2)`,
/// `k4 = F(t + h, y + h k3)`, `y ← y + h (k1 + 2k2 + 2k3 + k4)/6`. Order 4.
pub struct Rk4;

impl Stepper for Rk4 {
    fn order(&self) -> u32 {
        4
    }

    fn work_len(&self, dim: usize) -> usize {
        5 * dim
    }

    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
    ) -> Result<u64> {
        let n = y.len();
        let (k1, rest) = work.split_at_mut(n);
        let (k2, rest) = rest.split_at_mut(n);
        let (k3, rest) = rest.split_at_mut(n);
        let (k4, tmp) = rest.split_at_mut(n);
        sys.rhs(t, y, k1);
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * h * k1[i];
        }
        sys.rhs(t + 0.5 * h, tmp, k2);
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * h * k2[i];
        }
        sys.rhs(t + 0.5 * h, tmp, k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        sys.rhs(t + h, tmp, k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        Ok(4)
    }
}
