//! Gradient noise you can state: any objective spec (but `expr:`) takes `grad_noise=σ`
//! (additive `N(0, σ²I)` on the gradient the optimizer sees), or `grad_noise_diag=σ0;σ1;…`
//! (`N(0, diag σ²)`), with `grad_noise_seed=S` (default 0). (Not `noise=`: the data objectives
//! already use `noise` for the noise of their labels.) The noise of step `k` is drawn from the ChaCha8 stream `k` of
//! the seed, so a run is reproducible and step `k`'s noise does not depend on earlier draws.
//! Values, full gradients and Hessians stay the objective's own: only
//! [`Objective::gradient_at_step`] (what a discrete optimizer sees) is noisy, which is the
//! setting of the stochastic modified equations ([`crate::model::sme`], covariance `Σ = diag σ²`).

use super::data::datasets;
use super::Objective;
use crate::error::Allowed;
use crate::spec::{check, Spec};
use crate::{Error, Result};
use rand::Rng;
use rand_distr::StandardNormal;

/// The law of the noise in an objective's step gradients ([`Objective::step_noise`]): the
/// gradient of step `k` is `ḡ_B(x) + σ ⊙ ξ_k`, with `ḡ_B` the mean over a minibatch of `B` of
/// the `N` samples drawn without replacement (or the full gradient), and `ξ_k ~ N(0, I)`
/// independent of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepNoise {
    /// Additive standard deviations `σ_i`, one per coordinate (empty: none).
    pub additive: Vec<f64>,
    /// The minibatch size `B < N`, when step gradients are minibatch means.
    pub batch: Option<usize>,
}

impl StepNoise {
    /// Whether the step gradients are exact.
    pub fn is_exact(&self) -> bool {
        self.batch.is_none() && self.additive.iter().all(|&s| s == 0.0)
    }
}

/// An objective whose step gradients carry additive Gaussian noise (see the module doc).
pub struct GradientNoise {
    inner: Box<dyn Objective>,
    sigma: Vec<f64>,
    seed: u64,
}

impl GradientNoise {
    /// `inner` with noise standard deviations `sigma` (one for all coordinates, or one each).
    pub fn new(inner: Box<dyn Objective>, sigma: &[f64], seed: u64) -> Result<Self> {
        let n = inner.dim();
        if sigma.len() != 1 && sigma.len() != n {
            return Err(Error::spec(format!(
                "{}: grad_noise_diag has {} entries, expected the dimension {n}",
                inner.name(),
                sigma.len()
            )));
        }
        for &s in sigma {
            check::within(&inner.name(), "grad_noise", s, Allowed::NonNegative)?;
            check::within(&inner.name(), "grad_noise", s, Allowed::Finite)?;
        }
        let sigma = (0..n)
            .map(|i| sigma[if sigma.len() == 1 { 0 } else { i }])
            .collect();
        Ok(GradientNoise { inner, sigma, seed })
    }

    /// The noise standard deviation of each coordinate (`Σ^{1/2}` of the SMEs).
    pub fn sigma(&self) -> &[f64] {
        &self.sigma
    }
}

/// Noise standard deviations and seed, as read from a spec.
pub(crate) type NoiseKeys = (Vec<f64>, u64);

/// Splits the noise keys off `s`: the spec without them and the noise, if any was asked for.
pub(crate) fn split(s: &Spec) -> Result<(Spec, Option<NoiseKeys>)> {
    let has = |k: &str| s.has(k);
    if !has("grad_noise") && !has("grad_noise_diag") && !has("grad_noise_seed") {
        return Ok((s.clone(), None));
    }
    if has("grad_noise") && has("grad_noise_diag") {
        return Err(Error::spec(format!(
            "{}: give grad_noise or grad_noise_diag, not both",
            s.name
        )));
    }
    let sigma = match s.f64_list("grad_noise_diag")? {
        Some(v) => v,
        None => vec![s.f64("grad_noise", 0.0)?],
    };
    let seed = s.u64("grad_noise_seed", 0)?;
    Ok((
        s.without(&["grad_noise", "grad_noise_diag", "grad_noise_seed"]),
        Some((sigma, seed)),
    ))
}

impl Objective for GradientNoise {
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
    /// The inner objective's step gradient plus `σ ⊙ ξ_k`, `ξ_k ~ N(0, I)` from stream `step`.
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        let f = self.inner.gradient_at_step(x, step, g);
        let mut rng = datasets::rng(self.seed, step);
        for (gi, s) in g.iter_mut().zip(&self.sigma) {
            let z: f64 = rng.sample(StandardNormal);
            *gi += s * z;
        }
        f
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
    /// The inner objective's noise with the additive `σ` added (a stated inner additive noise
    /// and this one add in variance; `None` when the inner noise has no stated law).
    fn step_noise(&self) -> Option<StepNoise> {
        let mut noise = self.inner.step_noise()?;
        noise.additive = if noise.additive.is_empty() {
            self.sigma.clone()
        } else {
            noise
                .additive
                .iter()
                .zip(&self.sigma)
                .map(|(a, b)| a.hypot(*b))
                .collect()
        };
        Some(noise)
    }
}
