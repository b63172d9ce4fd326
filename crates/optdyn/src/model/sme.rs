//! Stochastic modified equations of SGD (Q. Li, C. Tai, W. E, "Stochastic modified equations and
//! adaptive stochastic gradient algorithms", ICML 2017; JMLR 20(40), 2019, Theorems 1 and 2 —
//! forms as recorded in research/stochastic_and_eos.md, checked here by their predicted weak
//! orders on the linear-Gaussian case, [`crate::analysis::moments`]):
//!
//! * `sgd-sme1`: `dX = −∇f(X) dt + √lr·Σ(X)^{1/2} dW` — weak order 1 in `lr`;
//! * `sgd-sme2`: `dX = −∇(f + (lr/4)‖∇f‖²)(X) dt + √lr·Σ(X)^{1/2} dW`, i.e. drift
//!   `−∇f − (lr/2)·∇²f·∇f` (a Hessian-vector product) — weak order 2.
//!
//! Clock `t = k·lr` (SGD step `k` pairs with `X(k·lr)`), the discrete algorithm being
//! `x_{k+1} = x_k − lr·g_k` with `g_k` the objective's step gradient, of mean `∇f(x_k)` and
//! covariance `Σ(x_k)` ([`GradientCovariance`]: additive noise, minibatches, or both). SGD's
//! `maximize` and coupled `weight_decay` are honoured as in the deterministic SGD models;
//! momentum is refused (not modelled here).

use super::{clock_lr, sgd_objective, with_scratch, GradientCovariance, SdeModel};
use crate::block::Block;
use crate::integrate::sde::SdeSystem;
use crate::objective::Objective;
use crate::optim::Sgd;
use crate::spec::ComponentInfo;
use crate::{Error, Result};
use std::sync::Arc;

/// `sgd-sme1` in `optdyn list models`.
pub const INFO1: ComponentInfo = ComponentInfo {
    name: "sgd-sme1",
    summary: "sgd: dX = -grad f dt + sqrt(lr) Sigma^(1/2) dW, t = k*lr (Li-Tai-E 2017, weak order 1); Sigma from the objective's grad_noise / batch",
    params: &[],
};

/// `sgd-sme2` in `optdyn list models`.
pub const INFO2: ComponentInfo = ComponentInfo {
    name: "sgd-sme2",
    summary: "sgd: dX = -grad(f + (lr/4)|grad f|^2) dt + sqrt(lr) Sigma^(1/2) dW, t = k*lr (Li-Tai-E 2017, weak order 2)",
    params: &[],
};

/// The order of a stochastic modified equation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmeOrder {
    /// `sgd-sme1`.
    First,
    /// `sgd-sme2`.
    Second,
}

/// A stochastic modified equation of SGD (see the module doc).
pub struct Sme {
    obj: Arc<dyn Objective>,
    lr: f64,
    noise: GradientCovariance,
    order: SmeOrder,
}

impl Sme {
    /// The SME of `order` for `sgd` on `obj` with gradient-noise covariance `noise`.
    pub fn of(
        sgd: &Sgd,
        order: SmeOrder,
        noise: GradientCovariance,
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let name = match order {
            SmeOrder::First => "sgd-sme1",
            SmeOrder::Second => "sgd-sme2",
        };
        let lr = clock_lr("sgd", sgd.lr)?;
        if sgd.momentum != 0.0 {
            return Err(Error::not_modelled(
                name,
                "momentum",
                sgd.momentum,
                "momentum=0",
            ));
        }
        if noise.dim() != obj.dim() {
            return Err(Error::spec(format!(
                "{name}: the gradient noise has dimension {}, the objective {}",
                noise.dim(),
                obj.dim()
            )));
        }
        Ok(Sme {
            obj: sgd_objective(obj, sgd.maximize, sgd.weight_decay),
            lr,
            noise,
            order,
        })
    }

    /// The learning rate (the clock unit).
    pub fn lr(&self) -> f64 {
        self.lr
    }
}

impl SdeSystem for Sme {
    fn dim(&self) -> usize {
        self.obj.dim()
    }

    fn noise_dim(&self) -> usize {
        self.noise.noise_dim()
    }

    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        self.obj.gradient(x, out);
        if self.order == SmeOrder::Second {
            let n = out.len();
            with_scratch(2 * n, |buf| {
                let (g, hg) = buf.split_at_mut(n);
                g.copy_from_slice(out);
                self.obj.hvp(x, g, hg);
                for i in 0..n {
                    out[i] = g[i] + 0.5 * self.lr * hg[i];
                }
            });
        }
        out.iter_mut().for_each(|v| *v = -*v);
    }

    /// `√lr·Σ(x)^{1/2} dW`.
    fn noise(&self, _t: f64, x: &[f64], dw: &[f64], out: &mut [f64]) {
        self.noise.apply(x, dw, out);
        let s = self.lr.sqrt();
        out.iter_mut().for_each(|v| *v *= s);
    }

    /// Diagonal when the noise is additive only: `s = √lr·σ`, `∂s/∂x = 0`.
    fn diagonal(&self, _t: f64, _x: &[f64], s: &mut [f64], slope: &mut [f64]) -> bool {
        match self.noise.constant() {
            Some(sigma) if self.noise.noise_dim() == s.len() => {
                for (o, v) in s.iter_mut().zip(sigma) {
                    *o = self.lr.sqrt() * v;
                }
                slope.fill(0.0);
                true
            }
            _ => false,
        }
    }

    fn additive_noise(&self) -> bool {
        self.noise.constant().is_some()
    }
}

impl SdeModel for Sme {
    fn name(&self) -> String {
        match self.order {
            SmeOrder::First => INFO1.name.to_string(),
            SmeOrder::Second => INFO2.name.to_string(),
        }
    }
    fn n(&self) -> usize {
        self.obj.dim()
    }
    fn clock(&self) -> f64 {
        self.lr
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        x0.to_vec()
    }
    fn blocks(&self) -> Vec<Block> {
        Vec::new()
    }
}
