//! The random draws of one path of an ensemble. A stochastic run has two sources of randomness:
//! the objective's step gradients (minibatches and stated noise, drawn from the stream
//! `(objective seed, step)`, [`crate::objective::Objective::gradient_at_step`]) and a model's
//! Brownian motion ([`crate::integrate::sde::Brownian`]). Path `p` of ensemble seed `S`:
//!
//! * asks the objective for the draw `step ⊕ key(S, p)` instead of `step`, with
//!   `key(S, p) = mix(mix(S) ⊕ p)` (`mix` = the SplitMix64 finalizer, a bijection of `u64`): a
//!   fold-in of the path into the draw index, as `jax.random.fold_in` folds data into a key.
//!   Within a path the draws of different steps are distinct; two paths share a draw only if
//!   their keys differ by the XOR of two step indices (probability ≈ K·2⁻⁶⁴ per pair);
//! * drives a model with Brownian path `p` of seed `S` (ChaCha8 stream `p`: no overlap at all).
//!
//! Both depend only on `(S, p)`, so an ensemble is the same at any thread count.

use crate::objective::{Objective, StepNoise};

/// Which path of which ensemble a run draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Draws {
    /// The ensemble seed `S`.
    pub seed: u64,
    /// The path `p`.
    pub path: u64,
    /// Pair model path `2k+1` with the negated Brownian increments of path `2k`.
    pub antithetic: bool,
}

/// The SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijective mixing of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Draws {
    /// The objective's draw index of step `step` on this path.
    pub fn draw(&self, step: u64) -> u64 {
        step ^ mix(mix(self.seed) ^ self.path)
    }
}

/// The objective as path `draws` sees it: step gradients from the folded draw indices.
pub(crate) struct PathObjective<'o> {
    pub(crate) inner: &'o dyn Objective,
    pub(crate) draws: Draws,
}

impl Objective for PathObjective<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.inner.value(x)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.inner.gradient(x, g)
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.inner.value_gradient(x, g)
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        self.inner.hvp(x, v, out)
    }
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        self.inner.curvature_gradient(x, u, out)
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        self.inner.gradient_at_step(x, self.draws.draw(step), g)
    }
    fn num_samples(&self) -> usize {
        self.inner.num_samples()
    }
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        self.inner.sample_gradient(i, x, g)
    }
    fn min_value(&self) -> Option<f64> {
        self.inner.min_value()
    }
    fn step_noise(&self) -> Option<StepNoise> {
        self.inner.step_noise()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fold_distinct_keys_into_the_draws() {
        let a = Draws {
            seed: 3,
            path: 0,
            antithetic: false,
        };
        let b = Draws { path: 1, ..a };
        let c = Draws { seed: 4, ..a };
        assert_ne!(a.draw(1), b.draw(1));
        assert_ne!(a.draw(1), c.draw(1));
        assert_ne!(a.draw(1), a.draw(2));
        assert_eq!(a.draw(7), a.draw(7));
        // SplitMix64 seeded with 0 first outputs mix(0 + golden-ratio increment) =
        // 0xe220a8397b1dcdaf (the reference generator's first value).
        assert_eq!(mix(0x9e37_79b9_7f4a_7c15), 0xe220_a839_7b1d_cdaf);
    }
}
