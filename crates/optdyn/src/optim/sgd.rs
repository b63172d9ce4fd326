//! Stochastic gradient descent with momentum, dampening and Nesterov momentum, exactly as
//! `torch.optim.SGD` (torch 2.x, `_single_tensor_sgd`).
//!
//! With lr γ, momentum μ, dampening τ, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})            (negated when maximize)
//! g_t ← g_t + λ θ_{t−1}         (if λ ≠ 0)
//! if μ ≠ 0:
//!     b_1 = g_1                 (first step: no dampening)
//!     b_t = μ b_{t−1} + (1 − τ) g_t
//!     g_t ← g_t + μ b_t  if nesterov,  else  g_t ← b_t
//! θ_t = θ_{t−1} − γ g_t
//! ```
//!
//! Nesterov requires μ > 0 and τ = 0. With τ = 0 and t ≥ 2 this is Polyak's heavy ball
//! θ_t − θ_{t−1} = μ(θ_{t−1} − θ_{t−2}) − γ g_t. Defaults: lr 1e-3, μ = τ = λ = 0.
//! Source: PyTorch `torch/optim/sgd.py`; research notes §5.1.

use super::hyper::{ANY, NON_NEGATIVE, UNIT_CLOSED};
use super::lanewise::{Lanewise, SLOTS};
use super::{zip0, zip1, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.SGD`.
    pub struct Sgd {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.001, NON_NEGATIVE, "learning rate γ >= 0";
        /// Momentum μ ≥ 0 (0 disables the buffer).
        momentum: f64 = 0, NON_NEGATIVE, "momentum μ >= 0";
        /// Dampening τ ∈ [0, 1].
        dampening: f64 = 0, UNIT_CLOSED, "dampening τ in [0, 1] (not applied at step 1)";
        /// Nesterov momentum (requires μ > 0 and τ = 0).
        nesterov: bool = false, ANY, "Nesterov momentum (needs momentum > 0, dampening = 0)";
        /// L2 weight decay λ ≥ 0 added to the gradient.
        weight_decay: f64 = 0, NON_NEGATIVE, "L2 penalty λ >= 0 added to the gradient";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
    check = Sgd::cross_check;
}

impl Sgd {
    /// torch's rule: Nesterov momentum needs `momentum > 0` and `dampening = 0`.
    fn cross_check(&self) -> crate::Result<()> {
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(crate::Error::spec(format!(
                "sgd: nesterov requires momentum > 0 and dampening = 0, got momentum {}, dampening {}",
                self.momentum, self.dampening
            )));
        }
        Ok(())
    }
}

impl<F: Real> Optimizer<F> for Sgd {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "sgd"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `b` is the momentum buffer (absent when μ = 0).
    fn slot_names(&self) -> &'static [&'static str] {
        if self.momentum != 0.0 {
            &["b"]
        } else {
            &[]
        }
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, usize::from(self.momentum != 0.0), 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        if c.heavy {
            zip1(x, g, &mut state.slots[0], |x, g, b| {
                for ((x, &g), b) in x.iter_mut().zip(g).zip(b.iter_mut()) {
                    c.heavy_ball(x, g, b);
                }
            });
        } else {
            zip0(x, g, |x, g| {
                for (x, &g) in x.iter_mut().zip(g) {
                    c.plain(x, g);
                }
            });
        }
    }
}

/// Per-step constants of the SGD update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    neg_lr: F,
    heavy: bool,
    mu: F,
    keep: F,
    first: bool,
    nesterov: bool,
}

impl<F: Real> Coef<F> {
    /// `θ ← θ − γ g_t` (μ = 0).
    #[inline(always)]
    fn plain(&self, x: &mut F, g: F) {
        *x = *x + self.neg_lr * self.gr.at(g, *x);
    }

    /// The momentum buffer `b` and `θ ← θ − γ (b or g_t + μb)` (μ ≠ 0).
    #[inline(always)]
    fn heavy_ball(&self, x: &mut F, g: F, b: &mut F) {
        let gt = self.gr.at(g, *x);
        *b = if self.first {
            gt
        } else {
            *b * self.mu + self.keep * gt
        };
        let d = if self.nesterov { gt + self.mu * *b } else { *b };
        *x = *x + self.neg_lr * d;
    }
}

impl Sgd {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        let c = Coef {
            gr: Grad::<F>::new(self.maximize, self.weight_decay),
            neg_lr: F::of(-self.lr),
            heavy: self.momentum != 0.0,
            mu: F::of(self.momentum),
            keep: F::of(1.0 - self.dampening),
            first: state.step == 0,
            nesterov: self.nesterov,
        };
        state.step += 1;
        c
    }
}

impl Lanewise for Sgd {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [b, ..]: [&mut f64; SLOTS]) {
        if c.heavy {
            c.heavy_ball(x, g, b);
        } else {
            c.plain(x, g);
        }
    }
}
