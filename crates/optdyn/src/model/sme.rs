//! Stochastic modified equations of SGD with gradient noise of covariance `Σ = diag(σ²)`
//! (Q. Li, C. Tai, W. E, "Stochastic modified equations and adaptive stochastic gradient
//! algorithms", ICML 2017; JMLR 20(40), 2019, Theorems 1 and 2 — forms as recorded in
//! research/stochastic_and_eos.md, checked here by their predicted weak orders on the
//! linear-Gaussian case, [`crate::analysis::moments`]):
//!
//! * `sgd-sme1`: `dX = −∇f(X) dt + √lr·Σ^{1/2} dW` — weak order 1 in `lr`;
//! * `sgd-sme2`: `dX = −∇(f + (lr/4)‖∇f‖²)(X) dt + √lr·Σ^{1/2} dW`, i.e. drift
//!   `−∇f − (lr/2)·∇²f·∇f` (a Hessian-vector product) — weak order 2.
//!
//! Clock `t = k·lr` (SGD step `k` pairs with `X(k·lr)`), the discrete algorithm being
//! `x_{k+1} = x_k − lr·(∇f(x_k) + σ ⊙ ξ_k)`, `ξ_k ~ N(0, I)`. SGD's `maximize` and coupled
//! `weight_decay` are honoured as in the deterministic SGD models; momentum is refused (not
//! modelled here). The noise enters as a typed value; objectives with a `noise=` option are the
//! next step of issue 12.

use super::{clock_lr, sgd_objective, with_scratch};
use crate::error::Allowed;
use crate::integrate::sde::SdeSystem;
use crate::objective::Objective;
use crate::optim::Sgd;
use crate::spec::check;
use crate::{Error, Result};
use std::sync::Arc;

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
    /// `√lr·σ_i`.
    diffusion: Vec<f64>,
    order: SmeOrder,
}

impl Sme {
    /// The SME of `order` for `sgd` on `obj` with gradient-noise standard deviations `noise`
    /// (one per coordinate, or one for all).
    pub fn of(sgd: &Sgd, order: SmeOrder, noise: &[f64], obj: Arc<dyn Objective>) -> Result<Self> {
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
        let n = obj.dim();
        if noise.len() != 1 && noise.len() != n {
            return Err(Error::spec(format!(
                "{name}: noise has {} entries, expected 1 or the dimension {n}",
                noise.len()
            )));
        }
        for &s in noise {
            check::within(name, "noise", s, Allowed::NonNegative)?;
            check::within(name, "noise", s, Allowed::Finite)?;
        }
        let diffusion = (0..n)
            .map(|i| lr.sqrt() * noise[if noise.len() == 1 { 0 } else { i }])
            .collect();
        Ok(Sme {
            obj: sgd_objective(obj, sgd.maximize, sgd.weight_decay),
            lr,
            diffusion,
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

    fn diffusion(&self, _t: f64, _x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&self.diffusion);
    }

    /// Additive noise: `∂σ/∂x = 0`.
    fn diffusion_slope(&self, _t: f64, _x: &[f64], out: &mut [f64]) -> bool {
        out.fill(0.0);
        true
    }
}
