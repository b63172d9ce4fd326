//! RAdam (Liu et al., ICLR 2020) exactly as `torch.optim.RAdam` (torch 2.x,
//! `_single_tensor_radam`).
//!
//! With lr γ, β₁, β₂, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize)
//! λ ≠ 0:  decoupled: θ ← θ_{t−1}(1 − γλ);   else g_t ← g_t + λ θ_{t−1}
//! m_t = β₁ m_{t−1} + (1 − β₁) g_t  (torch lerp);   v_t = β₂ v_{t−1} + (1 − β₂) g_t²
//! m̂_t = m_t / (1 − β₁^t)
//! ρ_∞ = 2/(1 − β₂) − 1,   ρ_t = ρ_∞ − 2t β₂^t / (1 − β₂^t)
//! ρ_t > 5:  l_t = √(1 − β₂^t) / (√v_t + ε)        (ε on the UN-corrected root)
//!           r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))
//!           θ_t = θ − m̂_t γ l_t r_t
//! else:     θ_t = θ − m̂_t γ
//! ```
//!
//! The threshold is PyTorch's ρ_t > 5 (the paper's Algorithm 2 uses 4). For β₂ = 0.999:
//! ρ_1 = 1, ρ_5 ≈ 4.9960, ρ_6 ≈ 5.9942, so steps 1–5 are un-adapted.
//! Defaults: lr 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0, not decoupled.
//! Source: PyTorch `torch/optim/radam.py`; research notes §5.9.

use super::hyper::{ANY, NON_NEGATIVE, POSITIVE, UNIT_CLOSED_OPEN};
use super::lanewise::{Lanewise, SLOTS};
use super::{lerp, zip2, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.RAdam`.
    pub struct RAdam {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.001, NON_NEGATIVE, "learning rate γ >= 0";
        /// First-moment decay β₁ ∈ [0, 1).
        beta1: f64 = 0.9, UNIT_CLOSED_OPEN, "first-moment decay β₁ in [0, 1)";
        /// Second-moment decay β₂ ∈ [0, 1).
        beta2: f64 = 0.999, UNIT_CLOSED_OPEN, "second-moment decay β₂ in [0, 1)";
        /// ε > 0 added to the un-corrected √v.
        eps: f64 = 1e-8, POSITIVE, "ε > 0 added to the un-corrected √v";
        /// Weight decay λ ≥ 0 (L2, or decoupled when `decoupled_weight_decay`).
        weight_decay: f64 = 0, NON_NEGATIVE, "weight decay λ >= 0";
        /// Decay θ by (1 − γλ) before the step (RAdamW) instead of adding λθ to g.
        decoupled_weight_decay: bool = false, ANY, "θ ← θ(1 − γλ) instead of L2";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl RAdam {
    /// Sets `(β₁, β₂)`, as torch's `betas=(β₁, β₂)`.
    #[must_use]
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        self.beta1(beta1).beta2(beta2)
    }
}

impl RAdam {
    /// ρ_∞ = 2/(1 − β₂) − 1.
    pub fn rho_inf(&self) -> f64 {
        2.0 / (1.0 - self.beta2) - 1.0
    }

    /// ρ_t = ρ_∞ − 2t β₂^t / (1 − β₂^t), the approximate SMA length at step t ≥ 1.
    pub fn rho(&self, t: f64) -> f64 {
        let b2t = self.beta2.powf(t);
        self.rho_inf() - 2.0 * t * b2t / (1.0 - b2t)
    }

    /// The rectification r_t when step t is adapted (ρ_t > 5), else `None`.
    pub fn rectification(&self, t: f64) -> Option<f64> {
        let rho_t = self.rho(t);
        let rho_inf = self.rho_inf();
        (rho_t > 5.0).then(|| {
            ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .sqrt()
        })
    }
}

impl<F: Real> Optimizer<F> for RAdam {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "radam"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `m`, `v`.
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "v"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 2, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        let [m, v] = state.slots.as_mut_slice() else {
            panic!("radam: state has {} buffers, expected 2", state.slots.len());
        };
        zip2(x, g, m, v, |x, g, m, v| {
            for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                c.at(x, g, m, v);
            }
        });
    }
}

/// Per-step constants of the RAdam update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    bc1: F,
    bc2_sqrt: F,
    adapt: bool,
    r: F,
    decay: bool,
    gr: Grad<F>,
    shrink: F,
    w1: F,
    b1: F,
    small: bool,
    b2: F,
    omb2: F,
    eps: F,
    lr: F,
}

impl<F: Real> Coef<F> {
    /// The moments and `θ ← θ − m̂_t γ l_t r_t` (ρ_t > 5) or `θ − m̂_t γ`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, m: &mut F, v: &mut F) {
        let xd = if self.decay { *x * self.shrink } else { *x };
        let gt = self.gr.at(g, xd);
        *m = lerp(*m, gt, self.w1, self.b1, self.small);
        *v = *v * self.b2 + self.omb2 * gt * gt;
        let step = *m / self.bc1 * self.lr;
        *x = if self.adapt {
            xd - step * (self.bc2_sqrt / (v.sqrt() + self.eps)) * self.r
        } else {
            xd - step
        };
    }
}

impl RAdam {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        let t = state.step as f64;
        let rect = self.rectification(t);
        let l2 = if self.decoupled_weight_decay {
            0.0
        } else {
            self.weight_decay
        };
        Coef {
            bc1: F::of(1.0 - self.beta1.powf(t)),
            bc2_sqrt: F::of((1.0 - self.beta2.powf(t)).sqrt()),
            adapt: rect.is_some(),
            r: F::of(rect.unwrap_or(1.0)),
            decay: self.decoupled_weight_decay && self.weight_decay != 0.0,
            gr: Grad::<F>::new(self.maximize, l2),
            shrink: F::of(1.0 - self.lr * self.weight_decay),
            w1: F::of(1.0 - self.beta1),
            b1: F::of(self.beta1),
            small: (1.0 - self.beta1).abs() < 0.5,
            b2: F::of(self.beta2),
            omb2: F::of(1.0 - self.beta2),
            eps: F::of(self.eps),
            lr: F::of(self.lr),
        }
    }
}

impl Lanewise for RAdam {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [m, v, _]: [&mut f64; SLOTS]) {
        c.at(x, g, m, v);
    }
}
