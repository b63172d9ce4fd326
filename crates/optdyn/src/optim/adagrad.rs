//! AdaGrad (Duchi, Hazan, Singer 2011) exactly as `torch.optim.Adagrad` (torch 2.x,
//! `_single_tensor_adagrad`).
//!
//! With lr γ, lr_decay η, initial_accumulator_value τ, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize);   g_t ← g_t + λ θ_{t−1}  (if λ ≠ 0)
//! γ̃_t = γ / (1 + (t − 1) η)
//! S_t = S_{t−1} + g_t²,        S_0 = τ
//! θ_t = θ_{t−1} − γ̃_t g_t / (√S_t + ε)
//! ```
//!
//! Defaults: lr 1e-2, η = 0, τ = 0, ε = 1e-10, λ = 0. (Older torch docs print S_0 = 0; the code
//! fills τ.) Source: PyTorch `torch/optim/adagrad.py`; research notes §5.2.

use super::hyper::{ANY, NON_NEGATIVE};
use super::lanewise::{Lanewise, SLOTS};
use super::{zip1, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.Adagrad`.
    pub struct Adagrad {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.01, NON_NEGATIVE, "learning rate γ >= 0";
        /// Learning-rate decay η ≥ 0: step t uses γ/(1 + (t − 1)η).
        lr_decay: f64 = 0, NON_NEGATIVE, "η >= 0: step t uses γ/(1+(t−1)η)";
        /// Initial value τ ≥ 0 of the accumulator S.
        initial_accumulator_value: f64 = 0, NON_NEGATIVE, "S_0 >= 0";
        /// ε ≥ 0 added to √S (torch allows 0; then a zero gradient gives 0/0).
        eps: f64 = 1e-10, NON_NEGATIVE, "ε >= 0 added to √S (torch allows 0)";
        /// L2 weight decay λ ≥ 0 added to the gradient.
        weight_decay: f64 = 0, NON_NEGATIVE, "L2 penalty λ >= 0 added to the gradient";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl<F: Real> Optimizer<F> for Adagrad {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "adagrad"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `sum` is the accumulator S.
    fn slot_names(&self) -> &'static [&'static str] {
        &["sum"]
    }

    fn init(&self, n: usize) -> State<F> {
        State {
            step: 0,
            slots: vec![vec![F::of(self.initial_accumulator_value); n]],
            scalars: Vec::new(),
        }
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        zip1(x, g, &mut state.slots[0], |x, g, s| {
            for ((x, &g), s) in x.iter_mut().zip(g).zip(s.iter_mut()) {
                c.at(x, g, s);
            }
        });
    }
}

/// Per-step constants of the AdaGrad update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    neg_clr: F,
    eps: F,
}

impl<F: Real> Coef<F> {
    /// `S ← S + g_t²`, `θ ← θ − γ̃_t g_t / (√S + ε)`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, s: &mut F) {
        let gt = self.gr.at(g, *x);
        *s = *s + gt * gt;
        *x = *x + self.neg_clr * gt / (s.sqrt() + self.eps);
    }
}

impl Adagrad {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        let t = state.step as f64;
        Coef {
            gr: Grad::<F>::new(self.maximize, self.weight_decay),
            neg_clr: F::of(-(self.lr / (1.0 + (t - 1.0) * self.lr_decay))),
            eps: F::of(self.eps),
        }
    }
}

impl Lanewise for Adagrad {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [s, ..]: [&mut f64; SLOTS]) {
        c.at(x, g, s);
    }
}
