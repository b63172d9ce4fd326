//! Adadelta (Zeiler 2012) exactly as `torch.optim.Adadelta` (torch 2.x,
//! `_single_tensor_adadelta`).
//!
//! With lr γ, ρ, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize);   g_t ← g_t + λ θ_{t−1}  (if λ ≠ 0)
//! v_t = ρ v_{t−1} + (1 − ρ) g_t²
//! Δ_t = √(u_{t−1} + ε) / √(v_t + ε) · g_t
//! u_t = ρ u_{t−1} + (1 − ρ) Δ_t²
//! θ_t = θ_{t−1} − γ Δ_t
//! ```
//!
//! ε sits inside both roots. Defaults: lr 1.0, ρ = 0.9, ε = 1e-6, λ = 0.
//! Source: PyTorch `torch/optim/adadelta.py`; research notes §5.4.

use super::hyper::{ANY, NON_NEGATIVE, POSITIVE, UNIT_CLOSED};
use super::lanewise::{Lanewise, SLOTS};
use super::{zip2, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.Adadelta`.
    pub struct Adadelta {
        /// Learning rate γ ≥ 0 (scales Δ).
        lr: f64 = 1, NON_NEGATIVE, "learning rate γ >= 0 (scales Δ)";
        /// Decay ρ ∈ [0, 1] of both running averages.
        rho: f64 = 0.9, UNIT_CLOSED, "decay ρ in [0, 1] of the running averages";
        /// ε > 0 inside both roots.
        eps: f64 = 1e-6, POSITIVE, "ε > 0 inside both roots";
        /// L2 weight decay λ ≥ 0 added to the gradient.
        weight_decay: f64 = 0, NON_NEGATIVE, "L2 penalty λ >= 0 added to the gradient";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl<F: Real> Optimizer<F> for Adadelta {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "adadelta"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `v` = square average of g, `u` = square average of Δ.
    fn slot_names(&self) -> &'static [&'static str] {
        &["v", "u"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 2, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        let [v, u] = state.slots.as_mut_slice() else {
            panic!(
                "adadelta: state has {} buffers, expected 2",
                state.slots.len()
            );
        };
        zip2(x, g, v, u, |x, g, v, u| {
            for (((x, &g), v), u) in x.iter_mut().zip(g).zip(v.iter_mut()).zip(u.iter_mut()) {
                c.at(x, g, v, u);
            }
        });
    }
}

/// Per-step constants of the Adadelta update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    rho: F,
    one_minus_rho: F,
    eps: F,
    neg_lr: F,
}

impl<F: Real> Coef<F> {
    /// The running averages `v`, `u` and `θ ← θ − γ Δ_t`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, v: &mut F, u: &mut F) {
        let gt = self.gr.at(g, *x);
        *v = *v * self.rho + self.one_minus_rho * gt * gt;
        let std = (*v + self.eps).sqrt();
        let delta = (*u + self.eps).sqrt() / std * gt;
        *u = *u * self.rho + self.one_minus_rho * delta * delta;
        *x = *x + self.neg_lr * delta;
    }
}

impl Adadelta {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        Coef {
            gr: Grad::<F>::new(self.maximize, self.weight_decay),
            rho: F::of(self.rho),
            one_minus_rho: F::of(1.0 - self.rho),
            eps: F::of(self.eps),
            neg_lr: F::of(-self.lr),
        }
    }
}

impl Lanewise for Adadelta {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [v, u, _]: [&mut f64; SLOTS]) {
        c.at(x, g, v, u);
    }
}
