//! `heavy-ball` — the heavy-ball ODE `ẍ + a ẋ + ∇f(x) = 0` (Polyak 1964; scaling of
//! continuous_models.md §4.2).
//!
//! Regime: step `s = lr → 0` with momentum `μ = 1 − a√s` (a fixed), natural clock `t' = k√s`.
//! Written in the project's clock `t = k·lr = t'√s` it reads
//!
//! `lr·ẍ + (1 − μ)·ẋ + ∇f(x) = 0`,
//!
//! so `a = (1 − μ)/√lr` is read off the optimizer's momentum. Heavy ball
//! (`x_{n+1} = x_n − s∇f(x_n) + μ(x_n − x_{n−1})`, torch's zero-velocity start) is within O(√s)
//! of it on a fixed `t'` horizon. State `[x (n), v (n)]` with `v = ẋ` (in the lr clock) and
//! `ż = [v, −((1−μ)v + ∇f)/lr]`, so second-order integrators can drive it;
//! `x(0) = x0`, `v(0) = 0`.

use super::gradient_flow::heavy_ball_sgd;
use super::lane::{Lane, LaneField};
use super::{optimizer_as, sgd_objective, Model};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{Optimizer, Sgd};
use crate::spec::{ComponentInfo, Spec};
use crate::Result;
use std::sync::Arc;

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "heavy-ball",
    summary: "sgd with momentum μ = 1 − a√lr: heavy-ball ODE lr·ẍ + (1−μ)ẋ + ∇f = 0 (ẍ + aẋ + ∇f = 0 in t' = t/√lr), error O(√lr)",
    params: &[],
};

/// The heavy-ball ODE in the lr clock.
pub struct HeavyBall {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    lr: f64,
    friction: f64,
}

impl HeavyBall {
    /// The heavy-ball ODE of SGD with momentum μ ∈ [0, 1) (`nesterov=false`, `dampening=0`;
    /// `weight_decay` and `maximize` are honoured through the objective).
    pub fn of(sgd: &Sgd, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "heavy-ball";
        let (lr, mu) = heavy_ball_sgd(model, sgd)?;
        let obj = sgd_objective(obj, sgd.maximize, sgd.weight_decay);
        Ok(HeavyBall {
            name: model.into(),
            n: obj.dim(),
            obj,
            lr,
            friction: 1.0 - mu,
        })
    }

    /// Builds `heavy-ball` for an `sgd` optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let sgd: &Sgd = optimizer_as(&s.name, opt, &["sgd"])?;
        s.finish(&[])?;
        let mut m = Self::of(sgd, obj)?;
        m.name = s.to_string();
        Ok(m)
    }
}

impl OdeSystem for HeavyBall {
    fn dim(&self) -> usize {
        2 * self.n
    }
    fn second_order_layout(&self) -> bool {
        true
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (x, v) = z.split_at(n);
        let (dx, dv) = dz.split_at_mut(n);
        self.obj.gradient(x, dv);
        let lane = self.field();
        for i in 0..n {
            [dx[i], dv[i]] = lane.rhs((), dv[i], [x[i], v[i]]);
        }
    }
}

impl HeavyBall {
    fn field(&self) -> HeavyBallLane {
        HeavyBallLane {
            lr: self.lr,
            friction: self.friction,
        }
    }
}

/// One coordinate of `heavy-ball`, state `[x, v]`: `x' = v`, `v' = −(c·v + g)/lr`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeavyBallLane {
    lr: f64,
    friction: f64,
}

impl LaneField<2> for HeavyBallLane {
    type Clock = ();

    #[inline(always)]
    fn clock(&self, _t: f64, _prev: Option<(&Self, ())>) {}

    #[inline(always)]
    fn rhs(&self, (): (), g: f64, [_, v]: [f64; 2]) -> [f64; 2] {
        [v, -(self.friction * v + g) / self.lr]
    }
}

impl Model for HeavyBall {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let mut z = x0.to_vec();
        z.resize(2 * self.n, 0.0);
        z
    }
    /// `E = f(x) + (lr/2)‖ẋ‖²`: `E' = −(1 − μ)‖ẋ‖² ≤ 0`.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        Some(super::mechanical_energy(self.obj.as_ref(), z, self.lr))
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["vel"], self.n)
    }
    fn lane(&self) -> Option<Lane> {
        Some(Lane::HeavyBall(self.field()))
    }
}
