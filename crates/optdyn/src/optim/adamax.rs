//! AdaMax (Kingma & Ba 2015, Algorithm 2) exactly as `torch.optim.Adamax` (torch 2.x,
//! `_single_tensor_adamax`).
//!
//! With lr γ, β₁, β₂, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize);   g_t ← g_t + λ θ_{t−1}  (if λ ≠ 0)
//! m_t = β₁ m_{t−1} + (1 − β₁) g_t             (torch lerp)
//! u_t = max(β₂ u_{t−1}, |g_t| + ε)            (ε inside the max; the paper has no ε)
//! θ_t = θ_{t−1} − (γ / (1 − β₁^t)) · m_t / u_t
//! ```
//!
//! Defaults: lr 2e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0.
//! Source: PyTorch `torch/optim/adamax.py`; research notes §5.7.

use super::hyper::{ANY, NON_NEGATIVE, POSITIVE, UNIT_CLOSED_OPEN};
use super::lanewise::{Lanewise, SLOTS};
use super::{lerp, maximum, zip2, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.Adamax`.
    pub struct Adamax {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.002, NON_NEGATIVE, "learning rate γ >= 0";
        /// First-moment decay β₁ ∈ [0, 1).
        beta1: f64 = 0.9, UNIT_CLOSED_OPEN, "first-moment decay β₁ in [0, 1)";
        /// Infinity-norm decay β₂ ∈ [0, 1).
        beta2: f64 = 0.999, UNIT_CLOSED_OPEN, "infinity-norm decay β₂ in [0, 1)";
        /// ε > 0 added to |g| inside the max.
        eps: f64 = 1e-8, POSITIVE, "ε > 0: u = max(β₂u, |g| + ε)";
        /// L2 weight decay λ ≥ 0 added to the gradient.
        weight_decay: f64 = 0, NON_NEGATIVE, "L2 penalty λ >= 0 added to the gradient";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl Adamax {
    /// Sets `(β₁, β₂)`, as torch's `betas=(β₁, β₂)`.
    #[must_use]
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        self.beta1(beta1).beta2(beta2)
    }
}

impl<F: Real> Optimizer<F> for Adamax {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "adamax"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `m` = first moment, `u` = exponentially weighted infinity norm.
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "u"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 2, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        let [m, u] = state.slots.as_mut_slice() else {
            panic!(
                "adamax: state has {} buffers, expected 2",
                state.slots.len()
            );
        };
        zip2(x, g, m, u, |x, g, m, u| {
            for (((x, &g), m), u) in x.iter_mut().zip(g).zip(m.iter_mut()).zip(u.iter_mut()) {
                c.at(x, g, m, u);
            }
        });
    }
}

/// Per-step constants of the AdaMax update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    w1: F,
    b1: F,
    small: bool,
    b2: F,
    eps: F,
    neg_clr: F,
}

impl<F: Real> Coef<F> {
    /// `m`, `u` and `θ ← θ − (γ/(1 − β₁^t)) m/u`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, m: &mut F, u: &mut F) {
        let gt = self.gr.at(g, *x);
        *m = lerp(*m, gt, self.w1, self.b1, self.small);
        *u = maximum(*u * self.b2, gt.abs() + self.eps);
        *x = *x + self.neg_clr * *m / *u;
    }
}

impl Adamax {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        let t = state.step as f64;
        Coef {
            gr: Grad::<F>::new(self.maximize, self.weight_decay),
            w1: F::of(1.0 - self.beta1),
            b1: F::of(self.beta1),
            small: (1.0 - self.beta1).abs() < 0.5,
            b2: F::of(self.beta2),
            eps: F::of(self.eps),
            neg_clr: F::of(-(self.lr / (1.0 - self.beta1.powf(t)))),
        }
    }
}

impl Lanewise for Adamax {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [m, u, _]: [&mut f64; SLOTS]) {
        c.at(x, g, m, u);
    }
}
