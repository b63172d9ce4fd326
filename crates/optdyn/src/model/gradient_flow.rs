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

use super::{lr_of, require_optimizer, with_scratch, Model};
use crate::integrate::OdeSystem;
use crate::objective::Objective;
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

impl FirstOrderFlow {
    /// Builds `gradient-flow`, `modified-flow` or `heavy-ball-flow` from an `sgd` spec.
    pub fn build(s: &Spec, optimizer: &Spec, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = s.name.as_str();
        require_optimizer(model, optimizer, &["sgd"])?;
        let h = lr_of(optimizer)?;
        let mu =
            check::in_closed_open("sgd", "momentum", optimizer.f64("momentum", 0.0)?, 0.0, 1.0)?;
        let damp = optimizer.f64("dampening", 0.0)?;
        if damp != 0.0 {
            return Err(Error::spec(format!(
                "{model}: sgd dampening is not modelled (allowed: dampening=0), got {damp}"
            )));
        }
        if optimizer.bool("nesterov", false)? {
            return Err(Error::spec(format!(
                "{model}: models heavy ball (nesterov=false); use the nesterov model for nesterov=true"
            )));
        }
        let wd = optimizer.f64("weight_decay", 0.0)?;
        if wd != 0.0 {
            return Err(Error::spec(format!(
                "{model}: sgd weight_decay is not modelled (allowed: 0; put it in the objective), got {wd}"
            )));
        }
        let (scale, coef) = match model {
            "gradient-flow" | "modified-flow" if mu != 0.0 => {
                return Err(Error::spec(format!(
                    "{model}: needs sgd momentum=0, got {mu} (use heavy-ball-flow or heavy-ball)"
                )))
            }
            "gradient-flow" => (1.0, 0.0),
            "modified-flow" => (1.0, h / 4.0),
            _ => {
                let corr = s.bool("correction", false)?;
                let c = if corr {
                    h * (1.0 + mu) / (4.0 * (1.0 - mu) * (1.0 - mu))
                } else {
                    0.0
                };
                (1.0 / (1.0 - mu), c)
            }
        };
        let params: &[ParamInfo] = if model == "heavy-ball-flow" {
            &HB_FLOW_PARAMS
        } else {
            &[]
        };
        s.finish(params)?;
        Ok(FirstOrderFlow {
            name: s.to_string(),
            n: obj.dim(),
            obj,
            scale,
            coef,
        })
    }
}

impl OdeSystem for FirstOrderFlow {
    fn dim(&self) -> usize {
        self.n
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        self.obj.gradient(z, dz);
        if self.coef == 0.0 {
            for d in dz.iter_mut() {
                *d *= -self.scale;
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

impl Model for FirstOrderFlow {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        x0.to_vec()
    }
    fn state_columns(&self) -> Vec<String> {
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
