//! `barakat-bianchi` — the non-autonomous Adam ODE of Barakat & Bianchi, *Convergence and
//! Dynamical Behavior of the ADAM Algorithm for Nonconvex Stochastic Optimization*, SIAM J.
//! Optim. 31(1):244–274, 2021 (arXiv:1810.02263); continuous_models.md §4.4.
//!
//! Regime: `β1 = 1 − a·h`, `β2 = 1 − b·h` with `a, b` fixed as the step `h = lr → 0`, clock
//! `t = k·h`; so `a = (1−β1)/lr`, `b = (1−β2)/lr` are read off the optimizer. Equation:
//! `ẋ = −(m/(1−e^{−at}))/(ε + √(v/(1−e^{−bt})))`, `ṁ = a(∇f − m)`, `v̇ = b(S − v)`, `m(0) = v(0) = 0`,
//! with `S = (∇f)²` (deterministic gradients). Bias-corrected Adam is within O(h) of it.
//!
//! Integrated in the bias-corrected form (no `1/(1 − e^{−at})` singularity in the state):
//! `z = m/(1−e^{−at})`, `w = v/(1−e^{−bt})`,
//! `ż = (a/(1−e^{−at}))(∇f − z)`, `ẇ = (b/(1−e^{−bt}))(S − w)`, `ẋ = −z/(ε + √w)`,
//! `z(0) = ∇f(x0)`, `w(0) = S(x0)`. The coefficients behave like `1/t`; at `t = 0` the right-hand
//! side is its limit along solutions, `ż(0) = ½ ∇²f ẋ(0)`, `ẇ(0) = ∇f ⊙ (∇²f ẋ(0))` (from
//! `z = ∇f + (t/2) d∇f/dt + O(t²)`), using the objective's Hessian-vector product.
//! Weight decay: `adam`'s L2 adds λx to ∇f (and λ to the Hessian), `adamw` adds `−λx` to ẋ.
//! State `[x, z, w]`.

use super::adam_ide::adam_of;
use super::{optimizer_as, with_scratch, AdamHyper, Model};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{Adam, Optimizer};
use crate::spec::{ComponentInfo, Spec};
use crate::Result;
use std::sync::Arc;

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "barakat-bianchi",
    summary: "adam/adamw with β1 = 1 − a·lr, β2 = 1 − b·lr: Barakat–Bianchi Adam ODE with bias correction (z, w form), error O(lr)",
    params: &[],
};

/// The Barakat–Bianchi Adam ODE in bias-corrected variables.
pub struct BarakatBianchi {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    h: AdamHyper,
    a: f64,
    b: f64,
}

impl BarakatBianchi {
    /// The Barakat–Bianchi ODE of `adam` (or AdamW): `a = (1−β1)/lr`, `b = (1−β2)/lr`.
    pub fn of(adam: &Adam, obj: Arc<dyn Objective>) -> Result<Self> {
        let (h, obj) = adam_of("barakat-bianchi", adam, obj)?;
        Ok(BarakatBianchi {
            name: "barakat-bianchi".into(),
            n: obj.dim(),
            obj,
            a: (1.0 - h.beta1) / h.lr,
            b: (1.0 - h.beta2) / h.lr,
            h,
        })
    }

    /// Builds `barakat-bianchi` for an `adam`/`adamw` optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let adam: &Adam = optimizer_as(&s.name, opt, &["adam", "adamw"])?;
        s.finish(&[])?;
        let mut m = Self::of(adam, obj)?;
        m.name = s.to_string();
        Ok(m)
    }

    fn l2(&self) -> f64 {
        if self.h.decoupled {
            0.0
        } else {
            self.h.weight_decay
        }
    }
}

impl OdeSystem for BarakatBianchi {
    fn dim(&self) -> usize {
        3 * self.n
    }

    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        let n = self.n;
        let (x, rest) = y.split_at(n);
        let (z, w) = rest.split_at(n);
        let (dx, drest) = dy.split_at_mut(n);
        let (dz, dw) = drest.split_at_mut(n);
        let l2 = self.l2();
        let eps = self.h.eps;
        let dec = if self.h.decoupled {
            self.h.weight_decay
        } else {
            0.0
        };
        for i in 0..n {
            dx[i] = -z[i] / (eps + w[i].max(0.0).sqrt()) - dec * x[i];
        }
        // The gradient is written into dz, read back per coordinate, then overwritten by ż.
        self.obj.gradient(x, dz);
        if t > 0.0 {
            let ca = self.a / -(-self.a * t).exp_m1();
            let cb = self.b / -(-self.b * t).exp_m1();
            for i in 0..n {
                let g = dz[i] + l2 * x[i];
                dz[i] = ca * (g - z[i]);
                dw[i] = cb * (g * g - w[i]);
            }
        } else {
            with_scratch(n, |hv| {
                self.obj.hvp(x, dx, hv);
                for i in 0..n {
                    let g = dz[i] + l2 * x[i];
                    let dg = hv[i] + l2 * dx[i];
                    dz[i] = 0.5 * dg;
                    dw[i] = g * dg;
                }
            });
        }
    }
}

impl Model for BarakatBianchi {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut y = vec![0.0; 3 * n];
        y[..n].copy_from_slice(x0);
        self.obj.gradient(x0, &mut y[n..2 * n]);
        let l2 = self.l2();
        for i in 0..n {
            let g = y[n + i] + l2 * x0[i];
            y[n + i] = g;
            y[2 * n + i] = g * g;
        }
        y
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["mhat", "vhat"], self.n)
    }
}
