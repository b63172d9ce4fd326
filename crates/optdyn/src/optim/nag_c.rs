//! Nesterov's accelerated gradient for convex objectives with the momentum schedule
//! `k/(k + 3)` (Nesterov 1983), in the form of Su, Boyd & Candès (JMLR 17(153), 2016) and Shi,
//! Du, Jordan & Su ("Understanding the acceleration phenomenon via high-resolution differential
//! equations", arXiv:1810.08907, eq. 1.5). Not part of `torch.optim`.
//!
//! With step `s` and `y_0 = x_0`, for k = 0, 1, …:
//!
//! ```text
//! y_{k+1} = x_k − s∇f(x_k)
//! x_{k+1} = y_{k+1} + k/(k + 3)·(y_{k+1} − y_k)
//! ```
//!
//! The iterate is `x_k`, where the gradient is evaluated (as torch's Nesterov iterate is); the
//! buffer `y` holds `y_k` (recorded as 0 before the first step: `y_0` is never read, the first
//! momentum being 0). Default lr 1e-3.

use super::hyper::{ANY, NON_NEGATIVE};
use super::lanewise::{Lanewise, SLOTS};
use super::{Grad, Optimizer, Real, State};
use crate::spec::Spec;

crate::hyperparameters! {
    /// Nesterov's accelerated gradient with momentum `k/(k + 3)`.
    pub struct NagC {
        /// Step `s ≥ 0`.
        lr: f64 = 0.001, NON_NEGATIVE, "step s >= 0";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl<F: Real> Optimizer<F> for NagC {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "nag-c"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `y`, the gradient-step sequence.
    fn slot_names(&self) -> &'static [&'static str] {
        &["y"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 1, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        let y = &mut state.slots[0];
        for ((x, &g), y) in x.iter_mut().zip(g).zip(y.iter_mut()) {
            c.at(x, g, y);
        }
    }
}

/// Per-step constants of the NAG-C update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    beta: F,
    s: F,
}

impl<F: Real> Coef<F> {
    /// `y_{k+1} = x_k − s g`, `x_{k+1} = y_{k+1} + k/(k + 3)·(y_{k+1} − y_k)`.
    #[inline(always)]
    fn at(&self, x: &mut F, g: F, y: &mut F) {
        let y_next = *x - self.s * self.gr.at(g, *x);
        *x = y_next + self.beta * (y_next - *y);
        *y = y_next;
    }
}

impl NagC {
    /// The constants of the next step; advances the step count. `y_0 = x_0` is never read: the
    /// first momentum k/(k + 3) is 0.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        let k = state.step as f64;
        state.step += 1;
        Coef {
            gr: Grad::<F>::new(self.maximize, 0.0),
            beta: F::of(k / (k + 3.0)),
            s: F::of(self.lr),
        }
    }
}

impl Lanewise for NagC {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [y, ..]: [&mut f64; SLOTS]) {
        c.at(x, g, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_steps_by_hand() {
        // f = x²: y₁ = x₀ − 2s x₀, x₁ = y₁ (k = 0); y₂ = x₁ − 2s x₁, x₂ = y₂ + ¼(y₂ − y₁).
        let opt = NagC::default().lr(0.1);
        let mut state = Optimizer::<f64>::init(&opt, 1);
        let mut x = vec![1.0];
        let g = [2.0 * x[0]];
        opt.step(&mut state, &mut x, &g);
        assert_eq!(x, vec![0.8]);
        let g = [2.0 * x[0]];
        opt.step(&mut state, &mut x, &g);
        let (y1, y2) = (0.8, 0.8 - 0.1 * 1.6);
        assert!((x[0] - (y2 + 0.25 * (y2 - y1))).abs() < 1e-15);
    }
}
