//! `nesterov` — the Su–Boyd–Candès ODE `Ẍ + (r/t')Ẋ + ∇f(X) = 0` (NeurIPS 2014 / JMLR 17(153)
//! 2016, arXiv:1503.01243), `r = 3` by default.
//!
//! Regime: Nesterov's scheme `x_k = y_{k−1} − s∇f(y_{k−1})`, `y_k = x_k + (k−1)/(k+2)(x_k − x_{k−1})`
//! with step `s = lr → 0` and natural clock `t' = k√s`; error O(√s). (The optimizer's momentum
//! value is not used: the ODE models the `(k−1)/(k+2)` schedule.) In the project's clock
//! `t = k·lr = t'√s` the equation is `ẍ + (r/t)ẋ + ∇f(x)/lr = 0`.
//!
//! Start at `t = 0` with `x(0) = x0`, `ẋ(0) = 0`. The damping `r/t` is singular there; we use the
//! regularised form that replaces the right-hand side at `t = 0` by its limit along solutions,
//! `ẍ(0) = −∇f(x0)/((1 + r) lr)` (from `x = x0 + c t² + …`), and the ODE itself for `t > 0`. The
//! solution is analytic (on a quadratic eigen-direction `∇f = Λx` it is
//! `x0·Γ(ν+1)(2/(ωt))^ν J_ν(ωt)`, `ν = (r−1)/2`, `ω = √(Λ/lr)`; `r = 3`: `2J₁(ωt)/(ωt)`), so fixed-
//! step Runge–Kutta keeps its order. State `[x (n), v (n)]`, `ż = [v, −(r/t)v − ∇f/lr]`.

use super::gradient_flow::sgd_options;
use super::lane::{Lane, LaneField};
use super::{canonical, clock_lr, optimizer_as, sgd_objective, Model};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{downcast, NagC, Optimizer, Sgd};
use crate::spec::fmt_f64;
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::Error;
use crate::Result;
use std::sync::Arc;

const PARAMS: [ParamInfo; 1] = [ParamInfo {
    key: "r",
    default: "3",
    help: "damping constant r in r/t, > 0 (3 is Nesterov's (k−1)/(k+2); r ≥ 3 gives the O(1/t²) bound)",
}];

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "nesterov",
    summary: "sgd with nesterov=true, or nag-c (k/(k+3) momentum): Su–Boyd–Candès ODE ẍ + (r/t)ẋ + ∇f/lr = 0 (clock t'=k√lr), error O(√lr)",
    params: &PARAMS,
};

/// `nesterov` or `nesterov:r=…`.
fn name(r: f64) -> String {
    let options = if r == 3.0 {
        vec![]
    } else {
        vec![("r", fmt_f64(r))]
    };
    canonical(INFO.name, &options)
}

/// The Su–Boyd–Candès ODE in the lr clock.
pub struct Nesterov {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    lr: f64,
    r: f64,
}

impl Nesterov {
    /// The Su–Boyd–Candès ODE with damping `r/t` (`r = 3` is Nesterov's `(k−1)/(k+2)`) for
    /// SGD with `nesterov=true` (`weight_decay` and `maximize` honoured through the objective).
    pub fn of(sgd: &Sgd, r: f64, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "nesterov";
        sgd_options(model, sgd)?;
        if !sgd.nesterov {
            return Err(Error::not_modelled(
                model,
                "nesterov",
                false,
                "nesterov=true",
            ));
        }
        let lr = clock_lr("sgd", sgd.lr)?;
        let r = check::positive(model, "r", r)?;
        let obj = sgd_objective(obj, sgd.maximize, sgd.weight_decay);
        Ok(Nesterov {
            name: name(r),
            n: obj.dim(),
            obj,
            lr,
            r,
        })
    }

    /// The Su–Boyd–Candès ODE of NAG-C ([`NagC`], momentum `k/(k+3)`, whose low-resolution
    /// limit is the same ODE with `r = 3`).
    pub fn of_nag_c(nag: &NagC, r: f64, obj: Arc<dyn Objective>) -> Result<Self> {
        nag.validate()?;
        let lr = clock_lr("nag-c", nag.lr)?;
        let r = check::positive("nesterov", "r", r)?;
        let obj = super::oriented(obj, nag.maximize);
        Ok(Nesterov {
            name: name(r),
            n: obj.dim(),
            obj,
            lr,
            r,
        })
    }

    /// Builds `nesterov[:r=…]` for an `sgd` optimizer with `nesterov=true` or for `nag-c`.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let r = s.f64("r", 3.0)?;
        s.finish(&PARAMS)?;
        let mut m = match downcast::<NagC, f64>(opt) {
            Some(nag) => Self::of_nag_c(nag, r, obj)?,
            None => {
                let sgd: &Sgd = optimizer_as(&s.name, opt, &["sgd", "nag-c"])?;
                Self::of(sgd, r, obj)?
            }
        };
        m.name = s.to_string();
        Ok(m)
    }
}

impl OdeSystem for Nesterov {
    fn dim(&self) -> usize {
        2 * self.n
    }
    fn second_order_layout(&self) -> bool {
        true
    }

    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (x, v) = z.split_at(n);
        let (dx, dv) = dz.split_at_mut(n);
        self.obj.gradient(x, dv);
        let lane = self.field();
        let damp = lane.clock(t, None);
        for i in 0..n {
            [dx[i], dv[i]] = lane.rhs(damp, dv[i], [x[i], v[i]]);
        }
    }
}

impl Nesterov {
    fn field(&self) -> NesterovLane {
        NesterovLane {
            lr: self.lr,
            r: self.r,
        }
    }
}

/// One coordinate of `nesterov`, state `[x, v]`: `x' = v`, `v' = −(r/t)·v − g/lr` for `t > 0`
/// and `v' = −g/((1 + r)·lr)` at the start `t ≤ 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NesterovLane {
    lr: f64,
    r: f64,
}

impl LaneField<2> for NesterovLane {
    /// The damping `r/t`, `None` at `t ≤ 0`.
    type Clock = Option<f64>;

    #[inline(always)]
    fn clock(&self, t: f64, _prev: Option<(&Self, Self::Clock)>) -> Option<f64> {
        (t > 0.0).then(|| self.r / t)
    }

    #[inline(always)]
    fn rhs(&self, damp: Option<f64>, g: f64, [_, v]: [f64; 2]) -> [f64; 2] {
        match damp {
            None => [v, -g / ((1.0 + self.r) * self.lr)],
            Some(damp) => [v, -damp * v - g / self.lr],
        }
    }
}

impl Model for Nesterov {
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
    /// `E = f(x) + (lr/2)‖ẋ‖²`: `E' = −(r·lr/t)‖ẋ‖² ≤ 0`.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        Some(super::mechanical_energy(self.obj.as_ref(), z, self.lr))
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["vel"], self.n)
    }
    fn lane(&self) -> Option<Lane> {
        Some(Lane::Nesterov(self.field()))
    }
}
