//! Scalar RMSProp: one adaptive step size shared by every coordinate — the running example of
//! the central-flows paper (Cohen, Damian, Talwalkar, Kolter & Lee, ICLR 2025, §4; the authors'
//! `ScalarRMSProp`). Not part of `torch.optim`.
//!
//! With lr η, β₂, ε, for t = 1, 2, … (ν₀ = 0):
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize)
//! ν_t = β₂ ν_{t−1} + (1 − β₂)‖g_t‖²
//! θ_t = θ_{t−1} − η g_t/(√ν_t + ε)
//! ```
//!
//! The buffer `nu` holds ν broadcast to every coordinate, so it is recorded as a block of `n`
//! like the other optimizers' buffers. Defaults: lr 0.01, β₂ = 0.99, ε = 0 (the paper's).
//! Its effective step `η/(√ν + ε)` is stable while `η·λ_max(∇²f)/(√ν + ε) < 2`.
//!
//! Not [`crate::optim::Lanewise`] (stays on the generic sweep engine): ν comes from the global
//! ‖g‖², which couples the coordinates.

use super::hyper::{ANY, NON_NEGATIVE, UNIT_CLOSED_OPEN};
use super::{Grad, Optimizer, Real, State};

crate::hyperparameters! {
    /// RMSProp with one scalar second moment `ν = EMA(‖g‖²)`.
    pub struct ScalarRmsProp {
        /// Learning rate η ≥ 0.
        lr: f64 = 0.01, NON_NEGATIVE, "learning rate η >= 0";
        /// Decay β₂ ∈ [0, 1) of ν.
        beta2: f64 = 0.99, UNIT_CLOSED_OPEN, "decay β₂ of ν = EMA(‖g‖²) in [0, 1)";
        /// ε ≥ 0 added to √ν.
        eps: f64 = 0, NON_NEGATIVE, "ε >= 0 added to √ν";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
}

impl<F: Real> Optimizer<F> for ScalarRmsProp {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        "scalar-rmsprop"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `nu`: ν broadcast to every coordinate.
    fn slot_names(&self) -> &'static [&'static str] {
        &["nu"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 1, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        state.step += 1;
        let gr = Grad::<F>::new(self.maximize, 0.0);
        let sq = g
            .iter()
            .zip(x.iter())
            .map(|(&g, &x)| {
                let v = gr.at(g, x);
                v * v
            })
            .fold(F::zero(), |s, v| s + v);
        let nu = state.slots[0].first().copied().unwrap_or(F::zero()) * F::of(self.beta2)
            + F::of(1.0 - self.beta2) * sq;
        state.slots[0].iter_mut().for_each(|v| *v = nu);
        let step = F::of(self.lr) / (nu.sqrt() + F::of(self.eps));
        for (x, &g) in x.iter_mut().zip(g) {
            *x = *x - step * gr.at(g, *x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_steps_by_hand() {
        // f = ½(x² + 4y²) from (1, 1): g₁ = (1, 4), ν₁ = (1 − 0.9)·17, x₁ = x₀ − 0.5 g₁/√ν₁.
        let opt = ScalarRmsProp::default().lr(0.5).beta2(0.9);
        let mut state = Optimizer::<f64>::init(&opt, 2);
        let mut x = vec![1.0, 1.0];
        let g = |x: &[f64]| vec![x[0], 4.0 * x[1]];
        let mut nu = 0.0;
        let mut want = x.clone();
        for _ in 0..2 {
            let gx = g(&x);
            opt.step(&mut state, &mut x, &gx);
            let gw = g(&want);
            nu = 0.9 * nu + (1.0 - 0.9) * (gw[0] * gw[0] + gw[1] * gw[1]);
            for j in 0..2 {
                want[j] -= 0.5 / f64::sqrt(nu) * gw[j];
            }
            assert_eq!(x, want);
            assert_eq!(state.slots[0], vec![nu; 2]);
        }
    }
}
