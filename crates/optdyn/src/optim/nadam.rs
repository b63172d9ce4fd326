//! NAdam (Dozat 2016) exactly as `torch.optim.NAdam` (torch 2.x, `_single_tensor_nadam`).
//!
//! With lr γ, β₁, β₂, ε, weight decay λ, momentum decay ψ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize)
//! λ ≠ 0:  decoupled: θ ← θ_{t−1}(1 − γλ);   else g_t ← g_t + λ θ_{t−1}
//! μ_t = β₁ (1 − ½ · 0.96^{tψ}),   μ_{t+1} = β₁ (1 − ½ · 0.96^{(t+1)ψ})
//! Π_t = ∏_{i≤t} μ_i  (state),     Π_{t+1} = Π_t μ_{t+1}
//! m_t = β₁ m_{t−1} + (1 − β₁) g_t  (torch lerp);   v_t = β₂ v_{t−1} + (1 − β₂) g_t²
//! d_t = √(v_t / (1 − β₂^t)) + ε
//! θ_t = θ − γ(1 − μ_t)/(1 − Π_t) · g_t/d_t − γ μ_{t+1}/(1 − Π_{t+1}) · m_t/d_t
//! ```
//!
//! Defaults: lr 2e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0, ψ = 4e-3, not decoupled.
//! Source: PyTorch `torch/optim/nadam.py`; research notes §5.8.

use super::hyper::{ANY, NON_NEGATIVE, POSITIVE, UNIT_CLOSED_OPEN};
use super::lanewise::{Lanewise, SLOTS};
use super::{lerp, zip2, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.NAdam`.
    pub struct NAdam {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.002, NON_NEGATIVE, "learning rate γ >= 0";
        /// First-moment decay β₁ ∈ [0, 1).
        beta1: f64 = 0.9, UNIT_CLOSED_OPEN, "first-moment decay β₁ in [0, 1)";
        /// Second-moment decay β₂ ∈ [0, 1).
        beta2: f64 = 0.999, UNIT_CLOSED_OPEN, "second-moment decay β₂ in [0, 1)";
        /// ε > 0 added to √v̂.
        eps: f64 = 1e-8, POSITIVE, "ε > 0 added to √v̂";
        /// Weight decay λ ≥ 0 (L2, or decoupled when `decoupled_weight_decay`).
        weight_decay: f64 = 0, NON_NEGATIVE, "weight decay λ >= 0";
        /// Momentum decay ψ ≥ 0 of the μ_t schedule.
        momentum_decay: f64 = 0.004, NON_NEGATIVE, "ψ >= 0: μ_t = β₁(1 − ½·0.96^{tψ})";
        /// Decay θ by (1 − γλ) before the step (NAdamW) instead of adding λθ to g.
        decoupled_weight_decay: bool = false, ANY, "θ ← θ(1 − γλ) instead of L2";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl NAdam {
    /// Sets `(β₁, β₂)`, as torch's `betas=(β₁, β₂)`.
    #[must_use]
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        self.beta1(beta1).beta2(beta2)
    }
}

impl NAdam {
    /// The momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}).
    pub fn mu(&self, t: f64) -> f64 {
        self.beta1 * (1.0 - 0.5 * 0.96f64.powf(t * self.momentum_decay))
    }
}

impl<F: Real> Optimizer<F> for NAdam {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "nadam"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `m`, `v`; the scalar state holds Π_t = ∏ μ_i (1 before the first step).
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "v"]
    }

    fn init(&self, n: usize) -> State<F> {
        let mut s = State::zeros(n, 2, 1);
        s.scalars[0] = 1.0;
        s
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        let [m, v] = state.slots.as_mut_slice() else {
            panic!("nadam: state has {} buffers, expected 2", state.slots.len());
        };
        zip2(x, g, m, v, |x, g, m, v| {
            for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                c.at(x, g, m, v);
            }
        });
    }
}

/// Per-step constants of the NAdam update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    bc2: F,
    decay: bool,
    gr: Grad<F>,
    shrink: F,
    w1: F,
    b1: F,
    small: bool,
    b2: F,
    omb2: F,
    eps: F,
    cg: F,
    cm: F,
}

impl<F: Real> Coef<F> {
    /// The moments and `θ ← θ − γ(1 − μ_t)/(1 − Π_t)·g_t/d_t − γμ_{t+1}/(1 − Π_{t+1})·m_t/d_t`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, m: &mut F, v: &mut F) {
        let xd = if self.decay { *x * self.shrink } else { *x };
        let gt = self.gr.at(g, xd);
        *m = lerp(*m, gt, self.w1, self.b1, self.small);
        *v = *v * self.b2 + self.omb2 * gt * gt;
        let d = (*v / self.bc2).sqrt() + self.eps;
        let x1 = xd + self.cg * gt / d;
        *x = x1 + self.cm * *m / d;
    }
}

impl NAdam {
    /// The constants of the next step; advances the step count and Π_t.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        let t = state.step as f64;
        let mu = self.mu(t);
        let mu_next = self.mu(t + 1.0);
        state.scalars[0] *= mu;
        let prod = state.scalars[0];
        let prod_next = prod * mu_next;
        let l2 = if self.decoupled_weight_decay {
            0.0
        } else {
            self.weight_decay
        };
        Coef {
            bc2: F::of(1.0 - self.beta2.powf(t)),
            decay: self.decoupled_weight_decay && self.weight_decay != 0.0,
            gr: Grad::<F>::new(self.maximize, l2),
            shrink: F::of(1.0 - self.lr * self.weight_decay),
            w1: F::of(1.0 - self.beta1),
            b1: F::of(self.beta1),
            small: (1.0 - self.beta1).abs() < 0.5,
            b2: F::of(self.beta2),
            omb2: F::of(1.0 - self.beta2),
            eps: F::of(self.eps),
            cg: F::of(-self.lr * (1.0 - mu) / (1.0 - prod)),
            cm: F::of((-self.lr * mu_next) / (1.0 - prod_next)),
        }
    }
}

impl Lanewise for NAdam {
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
