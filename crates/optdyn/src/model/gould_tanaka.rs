//! `gould-tanaka` — continuous-time Adam/AdamW of Gould & Tanaka, *Continuous-Time Analysis of
//! Adaptive Optimization and Normalization*, arXiv:2411.05746 (reconstruction of their Eq. 2/4 in
//! continuous_models.md §3.3), plus the bound `C(β, γ)`, the finite-n bound `B_n(β, γ)` and the
//! stable-region predicate `β² < γ` (§3.4) as public functions.
//!
//! Regime: fixed β (= β1), γ (= β2), ε; with `δ = η^p` and `p = 1` the clock is `t = k·lr`.
//! Eq. 2: `m(t) = ((1−β)/δ)∫_0^t β^{(t−s)/δ} g(s) ds`, `v` likewise with γ and g², bias
//! corrections `1/(1−β^{t/δ})`, `1/(1−γ^{t/δ})`; as ODEs `ṁ = −ℓ1 m + w1 g`, `v̇ = −ℓ2 v + w2 g²`,
//! `ℓ = ln(1/β)/δ`, `w = (1−β)/δ` (`kernel=unnormalized`, default, the paper's form) or `w = ℓ`
//! (`kernel=normalized`, unit mass). Eq. 4: `δθ̇ + (δ²/2)θ̈ = −η(u + λθ)`, i.e.
//! `(lr/2)θ̈ + θ̇ = −(u + λθ)`, `u = m̂/(√v̂ + ε)` (AdamW's decoupled λ; `adam`'s L2 λ enters g).
//! At `t = 0` `u` takes its limit `m̂ → (w1/ℓ1)g`, `v̂ → (w2/ℓ2)g²`. Initial data `θ(0) = x0`,
//! `θ̇(0) = u0` (parameter, default 0), `m(0) = v(0) = 0`; needs β, γ in (0, 1).
//! State `[θ, vel, m, v]`.

use super::adam_ide::{adam_of, ExpMoments};
use super::{canonical, optimizer_as, Model};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{Adam, Optimizer};
use crate::spec::fmt_f64;
use crate::spec::{ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

const PARAMS: [ParamInfo; 2] = [
    ParamInfo {
        key: "kernel",
        default: "unnormalized",
        help: "EMA kernel weight: unnormalized ((1−β)/lr, Eq. 2) or normalized (ln(1/β)/lr)",
    },
    ParamInfo {
        key: "u0",
        default: "0",
        help: "initial velocity θ̇(0), any real",
    },
];

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "gould-tanaka",
    summary: "adam/adamw: Gould–Tanaka continuous Adam(W) (lr/2)θ̈ + θ̇ = −(m̂/(√v̂+ε) + λθ) with β^{t/lr} EMA kernels",
    params: &PARAMS,
};

/// Whether `(β1, β2)` is in Gould–Tanaka's stable region `β1² < β2`, where Adam's update ratio
/// `|m̂_n|/√v̂_n` is bounded for every gradient history.
pub fn stable(beta1: f64, beta2: f64) -> bool {
    beta1 * beta1 < beta2
}

/// The sharp finite-n bound (continuous_models.md §3.4, Cauchy–Schwarz; equality for
/// `g_k ∝ (β/γ)^{n−k}`):
/// `B_n(β, γ) = (1−β)/(1−β^n) · √((1−γ^n)/(1−γ)) · √(Σ_{j=0}^{n−1}(β²/γ)^j)`, `n ≥ 1`.
pub fn b_n(beta: f64, gamma: f64, n: u32) -> f64 {
    let r = beta * beta / gamma;
    let sum = if (r - 1.0).abs() < 1e-15 {
        n as f64
    } else {
        (1.0 - r.powi(n as i32)) / (1.0 - r)
    };
    (1.0 - beta) / (1.0 - beta.powi(n as i32))
        * ((1.0 - gamma.powi(n as i32)) / (1.0 - gamma)).sqrt()
        * sum.sqrt()
}

/// `C(β, γ) = lim B_n = (1−β)/√((1−γ)(1−β²/γ))` for `γ > β²`, `+∞` otherwise
/// (C(0.9, 0.999) = 7.2703, C(0, 0.9) = 3.1623).
pub fn c_bound(beta1: f64, beta2: f64) -> f64 {
    if !stable(beta1, beta2) {
        return f64::INFINITY;
    }
    (1.0 - beta1) / ((1.0 - beta2) * (1.0 - beta1 * beta1 / beta2)).sqrt()
}

/// The β2 at which `C(β1, β2) = level` on the branch nearest the boundary `β2 = β1²` (where `C`
/// falls from `+∞`), by bisection on `(β1², argmin)`; NaN when the level is not reached there.
/// `C = level ⇔ (1−β1)² = level²(1−β2)(1−β1²/β2)`.
pub fn c_level_beta2(beta1: f64, level: f64) -> f64 {
    let c = |b2: f64| (1.0 - beta1) / ((1.0 - b2) * (1.0 - beta1 * beta1 / b2)).sqrt();
    let (mut lo, mut hi) = ((beta1 * beta1).max(1e-12) * (1.0 + 1e-12), beta1.max(1e-6));
    if c(hi) > level || c(lo) < level {
        return f64::NAN;
    }
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if c(mid) > level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The continuous-time analogue of [`c_bound`] with the Eq. 2 kernels:
/// `(1−β)/√((1−γ) ln(γ/β²))` (unnormalised) or `ln(1/β)/√(ln(1/γ) ln(γ/β²))` (normalised);
/// `+∞` outside the stable region. Needs β, γ in (0, 1).
pub fn c_bound_continuous(beta1: f64, beta2: f64, normalized: bool) -> f64 {
    if !stable(beta1, beta2) {
        return f64::INFINITY;
    }
    let l = (beta2 / (beta1 * beta1)).ln();
    if normalized {
        -beta1.ln() / (-beta2.ln() * l).sqrt()
    } else {
        (1.0 - beta1) / ((1.0 - beta2) * l).sqrt()
    }
}

/// The Gould–Tanaka continuous Adam(W).
pub struct GouldTanaka {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    u0: f64,
    moments: ExpMoments,
}

impl GouldTanaka {
    /// The Gould–Tanaka model of `adam` (or AdamW) with the paper's unnormalised kernels, from
    /// rest.
    pub fn of(adam: &Adam, obj: Arc<dyn Objective>) -> Result<Self> {
        Self::with(adam, false, 0.0, obj)
    }

    /// With unit-mass kernels when `normalized`, and initial velocity `u0`.
    pub fn with(adam: &Adam, normalized: bool, u0: f64, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "gould-tanaka";
        let (h, obj) = adam_of(model, adam, obj)?;
        if h.beta1 <= 0.0 || h.beta2 <= 0.0 {
            return Err(Error::spec(format!(
                "gould-tanaka: needs beta1 and beta2 in (0, 1) (β^(t/lr) kernels), got {}, {}",
                h.beta1, h.beta2
            )));
        }
        let u0 = crate::spec::check::within(model, "u0", u0, crate::error::Allowed::Finite)?;
        let l1 = -h.beta1.ln() / h.lr;
        let l2 = -h.beta2.ln() / h.lr;
        let (w1, w2) = if normalized {
            (l1, l2)
        } else {
            ((1.0 - h.beta1) / h.lr, (1.0 - h.beta2) / h.lr)
        };
        let mut options = Vec::new();
        if normalized {
            options.push(("kernel", "normalized".to_string()));
        }
        if u0 != 0.0 {
            options.push(("u0", fmt_f64(u0)));
        }
        Ok(GouldTanaka {
            name: canonical(model, &options),
            n: obj.dim(),
            obj,
            u0,
            moments: ExpMoments::new(h, (w1, l1), (w2, l2)),
        })
    }

    /// Builds `gould-tanaka[:kernel=…,u0=…]` for an `adam`/`adamw` optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let adam: &Adam = optimizer_as(&s.name, opt, &["adam", "adamw"])?;
        let normalized =
            s.choice("kernel", "unnormalized", &["unnormalized", "normalized"])? == "normalized";
        let u0 = s.f64("u0", 0.0)?;
        s.finish(&PARAMS)?;
        let mut m = Self::with(adam, normalized, u0, obj)?;
        m.name = s.to_string();
        Ok(m)
    }
}

impl OdeSystem for GouldTanaka {
    fn dim(&self) -> usize {
        4 * self.n
    }

    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let lr = self.moments.h.lr;
        let (th, rest) = z.split_at(n);
        let (vel, rest) = rest.split_at(n);
        let (m, v) = rest.split_at(n);
        let (dth, drest) = dz.split_at_mut(n);
        let (dvel, drest) = drest.split_at_mut(n);
        let (dm, dv) = drest.split_at_mut(n);
        // The gradient is written into dθ, read back per coordinate, then overwritten by θ̇.
        self.obj.gradient(th, dth);
        let factors = self.moments.factors(t);
        for i in 0..n {
            let g = dth[i];
            let u;
            (u, dm[i], dv[i]) = self.moments.update(factors, th[i], g, m[i], v[i]);
            dvel[i] = -(2.0 / lr) * (vel[i] + u);
            dth[i] = vel[i];
        }
    }
}

impl Model for GouldTanaka {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; 4 * n];
        z[..n].copy_from_slice(x0);
        z[n..2 * n].fill(self.u0);
        z
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["vel", "m", "v"], self.n)
    }
}
