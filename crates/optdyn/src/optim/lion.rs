//! Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Program 1) as its
//! paper and the reference `lion-pytorch` implementation define it (not part of torch.optim).
//!
//! With lr η, β₁, β₂, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize)
//! c_t = β₁ m_{t−1} + (1 − β₁) g_t
//! θ_t = θ_{t−1} − η (sign(c_t) + λ θ_{t−1})   (evaluated as θ(1 − ηλ) − η sign(c_t))
//! m_t = β₂ m_{t−1} + (1 − β₂) g_t
//! ```
//!
//! sign(0) = 0 (as `torch.sign`). Defaults: lr 1e-4, β = (0.9, 0.99), λ = 0.
//! Continuous limit for fixed β, η → 0: θ' = −sign(∇f) − λθ. Research notes §5.10.

use super::hyper::{ANY, NON_NEGATIVE, UNIT_CLOSED_OPEN};
use super::lanewise::{Lanewise, SLOTS};
use super::{zip1, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// Lion (EvoLved Sign Momentum).
    pub struct Lion {
        /// Learning rate η ≥ 0.
        lr: f64 = 0.0001, NON_NEGATIVE, "learning rate η >= 0";
        /// Interpolation β₁ ∈ [0, 1) of the update direction.
        beta1: f64 = 0.9, UNIT_CLOSED_OPEN, "update interpolation β₁ in [0, 1)";
        /// Momentum decay β₂ ∈ [0, 1).
        beta2: f64 = 0.99, UNIT_CLOSED_OPEN, "momentum decay β₂ in [0, 1)";
        /// Decoupled weight decay λ ≥ 0.
        weight_decay: f64 = 0, NON_NEGATIVE, "decoupled decay λ >= 0: θ ← θ(1 − ηλ)";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

/// `torch.sign`: −1, 0 or 1 (NaN stays NaN).
#[inline(always)]
fn sign<F: Real>(c: F) -> F {
    if c > F::zero() {
        F::one()
    } else if c < F::zero() {
        -F::one()
    } else {
        c
    }
}

impl Lion {
    /// Sets `(β₁, β₂)`, as torch's `betas=(β₁, β₂)`.
    #[must_use]
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        self.beta1(beta1).beta2(beta2)
    }
}

impl<F: Real> Optimizer<F> for Lion {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "lion"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `m`, the momentum.
    fn slot_names(&self) -> &'static [&'static str] {
        &["m"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 1, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        zip1(x, g, &mut state.slots[0], |x, g, m| {
            for ((x, &g), m) in x.iter_mut().zip(g).zip(m.iter_mut()) {
                c.at(x, g, m);
            }
        });
    }
}

/// Per-step constants of the Lion update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    decay: bool,
    shrink: F,
    neg_lr: F,
    b1: F,
    omb1: F,
    b2: F,
    omb2: F,
}

impl<F: Real> Coef<F> {
    /// `θ ← θ(1 − ηλ) − η sign(β₁m + (1 − β₁)g_t)`, then `m ← β₂m + (1 − β₂)g_t`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, m: &mut F) {
        let gt = self.gr.at(g, *x);
        let c = *m * self.b1 + self.omb1 * gt;
        let xd = if self.decay { *x * self.shrink } else { *x };
        *x = xd + self.neg_lr * sign(c);
        *m = *m * self.b2 + self.omb2 * gt;
    }
}

impl Lion {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        Coef {
            gr: Grad::<F>::new(self.maximize, 0.0),
            decay: self.weight_decay != 0.0,
            shrink: F::of(1.0 - self.lr * self.weight_decay),
            neg_lr: F::of(-self.lr),
            b1: F::of(self.beta1),
            omb1: F::of(1.0 - self.beta1),
            b2: F::of(self.beta2),
            omb2: F::of(1.0 - self.beta2),
        }
    }
}

impl Lanewise for Lion {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [m, ..]: [&mut f64; SLOTS]) {
        c.at(x, g, m);
    }
}
