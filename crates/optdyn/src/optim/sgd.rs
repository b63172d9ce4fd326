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
use super::{zip0, zip1, Grad, Optimizer, Real, State};

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
        let gr = Grad::<F>::new(self.maximize, self.weight_decay);
        let neg_lr = F::of(-self.lr);
        if self.momentum == 0.0 {
            zip0(x, g, |x, g| {
                for (x, &g) in x.iter_mut().zip(g) {
                    *x = *x + neg_lr * gr.at(g, *x);
                }
            });
        } else {
            let mu = F::of(self.momentum);
            let keep = F::of(1.0 - self.dampening);
            let first = state.step == 0;
            let nesterov = self.nesterov;
            zip1(x, g, &mut state.slots[0], |x, g, b| {
                for ((x, &g), b) in x.iter_mut().zip(g).zip(b.iter_mut()) {
                    let gt = gr.at(g, *x);
                    *b = if first { gt } else { *b * mu + keep * gt };
                    let d = if nesterov { gt + mu * *b } else { *b };
                    *x = *x + neg_lr * d;
                }
            });
        }
        state.step += 1;
    }
}
