//! RMSprop (Hinton, lecture 6e; centered variant Graves 2013) exactly as `torch.optim.RMSprop`
//! (torch 2.x, `_single_tensor_rmsprop`).
//!
//! With lr γ, smoothing α, ε, momentum μ, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize);   g_t ← g_t + λ θ_{t−1}  (if λ ≠ 0)
//! v_t = α v_{t−1} + (1 − α) g_t²
//! centered:  ḡ_t = α ḡ_{t−1} + (1 − α) g_t  (torch lerp),   ṽ_t = v_t − ḡ_t²;   else ṽ_t = v_t
//! μ > 0:     b_t = μ b_{t−1} + g_t / (√ṽ_t + ε),   θ_t = θ_{t−1} − γ b_t
//! μ = 0:     θ_t = θ_{t−1} − γ g_t / (√ṽ_t + ε)
//! ```
//!
//! No bias correction; ε outside the root (TensorFlow uses √(v + ε)). Defaults: lr 1e-2,
//! α = 0.99, ε = 1e-8, μ = 0, λ = 0. Source: PyTorch `torch/optim/rmsprop.py`; notes §5.3.

use super::hyper::{ANY, NON_NEGATIVE, POSITIVE, UNIT_CLOSED};
use super::lanewise::{Lanewise, SLOTS};
use super::{lerp, zip1, zip2, zip3, Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.RMSprop`.
    pub struct RmsProp {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.01, NON_NEGATIVE, "learning rate γ >= 0";
        /// Smoothing constant α ∈ [0, 1].
        alpha: f64 = 0.99, UNIT_CLOSED, "smoothing constant α in [0, 1]";
        /// ε > 0 added to the root.
        eps: f64 = 1e-8, POSITIVE, "ε > 0 added to the root";
        /// Momentum μ ≥ 0 (0 disables the buffer).
        momentum: f64 = 0, NON_NEGATIVE, "momentum μ >= 0";
        /// Normalise by the variance estimate v − ḡ² instead of v.
        centered: bool = false, ANY, "divide by √(v − ḡ²) (Graves 2013)";
        /// L2 weight decay λ ≥ 0 added to the gradient.
        weight_decay: f64 = 0, NON_NEGATIVE, "L2 penalty λ >= 0 added to the gradient";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

/// Per-step constants of the RMSprop update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    alpha: F,
    one_minus_alpha: F,
    lerp_small: bool,
    eps: F,
    neg_lr: F,
    mu: F,
    heavy: bool,
    centered: bool,
}

impl<F: Real> Coef<F> {
    /// Updates `v` (and `ḡ`) and returns `g_t` and the denominator `√ṽ_t + ε`.
    #[inline(always)]
    fn denom(&self, g: F, x: F, v: &mut F, gavg: Option<&mut F>) -> (F, F) {
        let gt = self.gr.at(g, x);
        *v = *v * self.alpha + self.one_minus_alpha * gt * gt;
        let root = match gavg {
            Some(a) => {
                *a = lerp(*a, gt, self.one_minus_alpha, self.alpha, self.lerp_small);
                (*v - *a * *a).sqrt()
            }
            None => v.sqrt(),
        };
        (gt, root + self.eps)
    }

    /// One coordinate: `v`, then (centered) `ḡ`, then (μ > 0) the buffer `b`, and `θ`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, v: &mut F, b: Option<&mut F>, gavg: Option<&mut F>) {
        let (gt, d) = self.denom(g, *x, v, gavg);
        match b {
            Some(b) => {
                *b = *b * self.mu + gt / d;
                *x = *x + self.neg_lr * *b;
            }
            None => *x = *x + self.neg_lr * gt / d,
        }
    }
}

impl RmsProp {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        Coef {
            gr: Grad::<F>::new(self.maximize, self.weight_decay),
            alpha: F::of(self.alpha),
            one_minus_alpha: F::of(1.0 - self.alpha),
            lerp_small: (1.0 - self.alpha).abs() < 0.5,
            eps: F::of(self.eps),
            neg_lr: F::of(-self.lr),
            mu: F::of(self.momentum),
            heavy: self.momentum > 0.0,
            centered: self.centered,
        }
    }
}

impl Lanewise for RmsProp {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    /// The slots are `[v]`, `[v, b]`, `[v, g_avg]` or `[v, b, g_avg]` ([`Optimizer::slot_names`]).
    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [v, s1, s2]: [&mut f64; SLOTS]) {
        match (c.heavy, c.centered) {
            (false, false) => c.at(x, g, v, None, None),
            (true, false) => c.at(x, g, v, Some(s1), None),
            (false, true) => c.at(x, g, v, None, Some(s1)),
            (true, true) => c.at(x, g, v, Some(s1), Some(s2)),
        }
    }
}

impl<F: Real> Optimizer<F> for RmsProp {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "rmsprop"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `v` = square average, `b` = momentum buffer (μ > 0), `g_avg` = ḡ (centered), in that order.
    fn slot_names(&self) -> &'static [&'static str] {
        match (self.momentum > 0.0, self.centered) {
            (false, false) => &["v"],
            (true, false) => &["v", "b"],
            (false, true) => &["v", "g_avg"],
            (true, true) => &["v", "b", "g_avg"],
        }
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, Optimizer::<F>::slot_names(self).len(), 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        match state.slots.as_mut_slice() {
            [v] => zip1(x, g, v, |x, g, v| {
                for ((x, &g), v) in x.iter_mut().zip(g).zip(v.iter_mut()) {
                    c.at(x, g, v, None, None);
                }
            }),
            [v, b] if c.heavy => zip2(x, g, v, b, |x, g, v, b| {
                for (((x, &g), v), b) in x.iter_mut().zip(g).zip(v.iter_mut()).zip(b.iter_mut()) {
                    c.at(x, g, v, Some(b), None);
                }
            }),
            [v, a] => zip2(x, g, v, a, |x, g, v, a| {
                for (((x, &g), v), a) in x.iter_mut().zip(g).zip(v.iter_mut()).zip(a.iter_mut()) {
                    c.at(x, g, v, None, Some(a));
                }
            }),
            [v, b, a] => zip3(x, g, v, b, a, |x, g, v, b, a| {
                let it = x
                    .iter_mut()
                    .zip(g)
                    .zip(v.iter_mut())
                    .zip(b.iter_mut())
                    .zip(a.iter_mut());
                for ((((x, &g), v), b), a) in it {
                    c.at(x, g, v, Some(b), Some(a));
                }
            }),
            _ => panic!(
                "rmsprop: state has {} buffers, expected 1 to 3",
                state.slots.len()
            ),
        }
    }
}
