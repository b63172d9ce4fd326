//! `rmsprop-ide1` — Heredia's first-order nonlocal RMSProp IDE (C. Heredia, arXiv:2411.09734,
//! 2024; heredia.md §2, §2.1), solved through its auxiliary-state form.
//!
//! `θ'(t) = −g/(√v + ε)`, `v(t) = v(0)e^{−λt} + ∫_0^t λ e^{−λ(t−τ)} g(τ)² dτ`, `g = ∇f(θ)`, i.e.
//! `v' = λ(g² − v)` ([`StateSpace::exponential`]). Regime: fixed β = torch's `alpha`, clock
//! `t = k·lr`; no bias correction (as torch's RMSprop). `λ = (1−β)/lr` (`rate=taylor`, default)
//! or `−ln β/lr` (`rate=exact`).
//!
//! Start-up value `v(0)` (parameter `v0`): `window` (default) `= (1 − e^{−λ·lr}) g(θ0)²`, the
//! contribution of the author's extra window `[−lr, 0]` of the lag integral `∫_0^{t+lr}` when
//! θ ≈ θ0 there (= `(1−β)g0²` = the discrete `v_1` under `rate=exact`); `first` `= (1−β) g(θ0)²`
//! (mimics `v_1`); `zero` — the literal `∫_0^t` (then `θ'(0) = −g/ε` and `θ' ~ t^{−1/2}`: an
//! integrable singularity that needs an adaptive integrator). State `[θ, v]`.

use super::{columns, lr_of, require_optimizer, Model, Rate};
use crate::integrate::OdeSystem;
use crate::kernel::StateSpace;
use crate::objective::Objective;
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

const PARAMS: [ParamInfo; 2] = [
    ParamInfo {
        key: "v0",
        default: "window",
        help: "v(0): window ((1 − e^{−λ lr}) g0²), first ((1−β) g0²) or zero",
    },
    ParamInfo {
        key: "rate",
        default: "taylor",
        help: "kernel rate: taylor (λ = (1−β)/lr) or exact (λ = −ln β / lr, needs β > 0)",
    },
];

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "rmsprop-ide1",
    summary: "rmsprop: Heredia 2024 nonlocal IDE θ' = −g/(√v+ε), v = exponential-kernel memory of g² (aux-state form)",
    params: &PARAMS,
};

/// The RMSProp IDE.
pub struct RmspropIde {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    eps: f64,
    wd: f64,
    kernel: StateSpace,
    v0_factor: f64,
}

impl RmspropIde {
    /// Builds from an `rmsprop` spec.
    pub fn build(s: &Spec, optimizer: &Spec, obj: Arc<dyn Objective>) -> Result<Self> {
        require_optimizer("rmsprop-ide1", optimizer, &["rmsprop"])?;
        let lr = lr_of(optimizer)?;
        let beta =
            check::in_closed_open("rmsprop", "alpha", optimizer.f64("alpha", 0.99)?, 0.0, 1.0)?;
        let eps = check::non_negative("rmsprop", "eps", optimizer.f64("eps", 1e-8)?)?;
        let wd = check::non_negative(
            "rmsprop",
            "weight_decay",
            optimizer.f64("weight_decay", 0.0)?,
        )?;
        if optimizer.f64("momentum", 0.0)? != 0.0 || optimizer.bool("centered", false)? {
            return Err(Error::spec(
                "rmsprop-ide1: models rmsprop with momentum=0 and centered=false",
            ));
        }
        let v0 = s.choice("v0", "window", &["window", "first", "zero"])?;
        let rate = Rate::read(s)?;
        s.finish(&PARAMS)?;
        let lambda = rate.lambda("rmsprop-ide1", "alpha", beta, lr)?;
        let v0_factor = match v0.as_str() {
            "window" => -(-lambda * lr).exp_m1(),
            "first" => 1.0 - beta,
            _ => 0.0,
        };
        Ok(RmspropIde {
            name: s.to_string(),
            n: obj.dim(),
            obj,
            eps,
            wd,
            kernel: StateSpace::exponential(lambda, lambda),
            v0_factor,
        })
    }
}

impl OdeSystem for RmspropIde {
    fn dim(&self) -> usize {
        2 * self.n
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (th, v) = z.split_at(n);
        let (dth, dv) = dz.split_at_mut(n);
        // The gradient is written into dv, read back per coordinate, then overwritten by v'.
        self.obj.gradient(th, dv);
        for i in 0..n {
            let g = dv[i] + self.wd * th[i];
            self.kernel.rhs(&v[i..=i], g * g, &mut dv[i..=i]);
            dth[i] = -g / (v[i].max(0.0).sqrt() + self.eps);
        }
    }
}

impl Model for RmspropIde {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; 2 * n];
        z[..n].copy_from_slice(x0);
        self.obj.gradient(x0, &mut z[n..]);
        for i in 0..n {
            let g = z[n + i] + self.wd * x0[i];
            z[n + i] = self.v0_factor * g * g;
        }
        z
    }
    /// `V = f + (λ/2)‖θ‖²` (λ the L2 weight decay): `θ' = −g/(√v+ε)` with `g = ∇V` gives
    /// `V' = −Σ a g²/(√v+ε) ≤ 0` while `v ≥ 0`.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        Some(super::l2_potential(
            self.obj.as_ref(),
            &z[..self.n],
            self.wd,
        ))
    }
    fn state_columns(&self) -> Vec<String> {
        columns(&["v"], self.n)
    }
}
