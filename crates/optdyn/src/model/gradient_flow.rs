//! First-order flows of gradient descent and of fixed-momentum heavy ball.
//!
//! * `gradient-flow` — `θ' = −∇f(θ)`. Regime: SGD without momentum, step `h = lr → 0`,
//!   clock `t = k·h`; GD is explicit Euler for it (global error O(h)).
//! * `modified-flow` — Barrett & Dherin, *Implicit Gradient Regularization*, ICLR 2021
//!   (arXiv:2009.11162): `θ' = −∇f̃`, `f̃ = f + (h/4)‖∇f‖²`, i.e. `θ' = −(∇f + (h/2)∇²f ∇f)`;
//!   GD follows it with global error O(h²). Uses the objective's Hessian-vector product.
//! * `heavy-ball-flow` — Kovachki & Stuart, *Continuous Time Analysis of Momentum Methods*,
//!   JMLR 22(17), 2021: for fixed momentum μ and `h → 0` heavy ball
//!   (`x_{n+1} = x_n − h∇f(x_n) + μ(x_n − x_{n−1})`) follows the rescaled flow
//!   `x' = −∇f/(1−μ)` (O(h)); with `correction=true` the modified equation on the slow manifold
//!   `x' = −(1/(1−μ))∇[f + h(1+μ)/(4(1−μ)²)‖∇f‖²]` (O(h²) from a slow-manifold start
//!   `x_{−1} = x0 + h∇f(x0)/(1−μ)`, O(h) from torch's zero-velocity start; derivation in
//!   continuous_models.md §4.2).
//!
//! State `z = θ`, initial state `θ(0) = x0`.

use super::lane::{Lane, LaneField};
use super::{clock_lr, optimizer_as, sgd_objective, with_scratch, Model};
use crate::block::Block;
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{Optimizer, Sgd};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

/// Catalog entry of `gradient-flow`.
pub const GRADIENT_FLOW: ComponentInfo = ComponentInfo {
    name: "gradient-flow",
    summary: "sgd (momentum 0): gradient flow θ' = −∇f, GD error O(lr)",
    params: &[],
};

/// Catalog entry of `modified-flow`.
pub const MODIFIED_FLOW: ComponentInfo = ComponentInfo {
    name: "modified-flow",
    summary:
        "sgd (momentum 0): Barrett–Dherin modified flow θ' = −∇(f + (lr/4)‖∇f‖²), GD error O(lr²)",
    params: &[],
};

const HB_FLOW_PARAMS: [ParamInfo; 1] = [ParamInfo {
    key: "correction",
    default: "false",
    help: "true: add the modified-equation term h(1+μ)/(4(1−μ)²)‖∇f‖² (O(h²) from a slow-manifold start)",
}];

/// Catalog entry of `heavy-ball-flow`.
pub const HEAVY_BALL_FLOW: ComponentInfo = ComponentInfo {
    name: "heavy-ball-flow",
    summary: "sgd with fixed momentum μ: rescaled flow x' = −∇f/(1−μ) (Kovachki–Stuart), optional O(h²) correction",
    params: &HB_FLOW_PARAMS,
};

/// `θ' = −s·(∇f + 2c·∇²f ∇f)` with `s = 1/(1−μ)` and `c` the modified-equation coefficient
/// (0 for the plain flows).
pub struct FirstOrderFlow {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    scale: f64,
    coef: f64,
}

/// The clock `lr > 0` and momentum `μ ∈ [0, 1)` of SGD for a heavy-ball model (flow or ODE),
/// refusing Nesterov momentum and dampening.
pub(crate) fn heavy_ball_sgd(model: &str, sgd: &Sgd) -> Result<(f64, f64)> {
    sgd_options(model, sgd)?;
    if sgd.nesterov {
        return Err(Error::not_modelled(
            model,
            "nesterov",
            true,
            "nesterov=false (use the nesterov model)",
        ));
    }
    let lr = clock_lr("sgd", sgd.lr)?;
    let mu = check::in_closed_open("sgd", "momentum", sgd.momentum, 0.0, 1.0)?;
    Ok((lr, mu))
}

/// Refuses the SGD options the first-order and inertial SGD models do not represent.
pub(crate) fn sgd_options(model: &str, sgd: &Sgd) -> Result<()> {
    sgd.validate()?;
    if sgd.dampening != 0.0 {
        return Err(Error::not_modelled(
            model,
            "dampening",
            sgd.dampening,
            "dampening=0",
        ));
    }
    Ok(())
}

impl FirstOrderFlow {
    fn build(model: &str, sgd: &Sgd, scale: f64, coef: f64, obj: Arc<dyn Objective>) -> Self {
        let obj = sgd_objective(obj, sgd.maximize, sgd.weight_decay);
        FirstOrderFlow {
            name: model.to_string(),
            n: obj.dim(),
            obj,
            scale,
            coef,
        }
    }

    pub(crate) fn plain_sgd(model: &str, sgd: &Sgd) -> Result<f64> {
        sgd_options(model, sgd)?;
        if sgd.nesterov {
            return Err(Error::not_modelled(
                model,
                "nesterov",
                true,
                "nesterov=false",
            ));
        }
        if sgd.momentum != 0.0 {
            return Err(Error::not_modelled(
                model,
                "momentum",
                sgd.momentum,
                "momentum=0 (use heavy-ball-flow or heavy-ball)",
            ));
        }
        clock_lr("sgd", sgd.lr)
    }

    /// `gradient-flow`, `θ' = −∇f`, the model of plain SGD (momentum 0).
    pub fn gradient(sgd: &Sgd, obj: Arc<dyn Objective>) -> Result<Self> {
        Self::plain_sgd("gradient-flow", sgd)?;
        Ok(Self::build("gradient-flow", sgd, 1.0, 0.0, obj))
    }

    /// `modified-flow`, `θ' = −∇(f + (lr/4)‖∇f‖²)` (Barrett–Dherin), plain SGD.
    pub fn modified(sgd: &Sgd, obj: Arc<dyn Objective>) -> Result<Self> {
        let h = Self::plain_sgd("modified-flow", sgd)?;
        Ok(Self::build("modified-flow", sgd, 1.0, h / 4.0, obj))
    }

    /// `heavy-ball-flow`, `x' = −∇f/(1−μ)` for SGD with momentum μ ∈ [0, 1); with `correction`
    /// the O(h²) modified equation on the slow manifold.
    pub fn heavy_ball(sgd: &Sgd, correction: bool, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "heavy-ball-flow";
        let (h, mu) = heavy_ball_sgd(model, sgd)?;
        let c = if correction {
            h * (1.0 + mu) / (4.0 * (1.0 - mu) * (1.0 - mu))
        } else {
            0.0
        };
        let name = if correction {
            "heavy-ball-flow:correction=true"
        } else {
            model
        };
        Ok(Self::build(name, sgd, 1.0 / (1.0 - mu), c, obj))
    }

    /// Builds `gradient-flow`, `modified-flow` or `heavy-ball-flow[:correction=…]` for an `sgd`
    /// optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let sgd: &Sgd = optimizer_as(&s.name, opt, &["sgd"])?;
        let mut m = match s.name.as_str() {
            "gradient-flow" => {
                s.finish(&[])?;
                Self::gradient(sgd, obj)?
            }
            "modified-flow" => {
                s.finish(&[])?;
                Self::modified(sgd, obj)?
            }
            _ => {
                let corr = s.bool("correction", false)?;
                s.finish(&HB_FLOW_PARAMS)?;
                Self::heavy_ball(sgd, corr, obj)?
            }
        };
        m.name = s.to_string();
        Ok(m)
    }
}

impl OdeSystem for FirstOrderFlow {
    fn dim(&self) -> usize {
        self.n
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        self.obj.gradient(z, dz);
        if self.coef == 0.0 {
            let lane = GradientLane { scale: self.scale };
            for (d, &th) in dz.iter_mut().zip(z) {
                [*d] = lane.rhs((), *d, [th]);
            }
            return;
        }
        with_scratch(self.n, |hg| {
            self.obj.hvp(z, dz, hg);
            for (d, h) in dz.iter_mut().zip(hg.iter()) {
                *d = -self.scale * (*d + 2.0 * self.coef * h);
            }
        });
    }
}

/// One coordinate of the plain flows (no modified-equation term): `θ' = −s·g`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientLane {
    scale: f64,
}

impl LaneField<1> for GradientLane {
    type Clock = ();

    #[inline(always)]
    fn clock(&self, _t: f64, _prev: Option<(&Self, ())>) {}

    #[inline(always)]
    fn rhs(&self, (): (), g: f64, _z: [f64; 1]) -> [f64; 1] {
        [g * -self.scale]
    }
}

impl Model for FirstOrderFlow {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn lane(&self) -> Option<Lane> {
        (self.coef == 0.0).then_some(Lane::Gradient(GradientLane { scale: self.scale }))
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        x0.to_vec()
    }
    fn blocks(&self) -> Vec<Block> {
        Vec::new()
    }
    /// `V = f + c‖∇f‖²`: the flow is `θ' = −s∇V`, so `V' = −s‖∇V‖² ≤ 0`.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        Some(with_scratch(self.n, |g| {
            let f = self.obj.value_gradient(z, g);
            f + self.coef * g.iter().map(|x| x * x).sum::<f64>()
        }))
    }
}
