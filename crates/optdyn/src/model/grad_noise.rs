//! The covariance `Σ(θ)` of the gradient noise an optimizer sees, and a square root of it applied
//! to Brownian increments, for the stochastic models ([`super::sme`], [`super::adaptive_sde`]).
//!
//! The step gradient is `ḡ_B(θ) + σ ⊙ ξ` ([`crate::objective::StepNoise`]): a minibatch mean
//! of `B` of the `N` per-sample gradients `g_i(θ)`, drawn without replacement, plus independent
//! additive noise. Its covariance is
//!
//! `Σ(θ) = (N − B)/(B (N − 1)) · S(θ) + diag σ²`, `S(θ) = (1/N) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ`
//!
//! (the finite-population correction `(N − B)/(N − 1)` is that of sampling without
//! replacement; with replacement it would be 1). A square root is applied without forming `Σ`
//! or any matrix root: with `G` the `N × n` matrix of per-sample gradients,
//!
//! `Σ^{1/2} dW ≐ √((N − B)/(B (N − 1) N)) · (G − 1ḡᵀ)ᵀ dB + σ ⊙ dW'`,
//!
//! with `dB ∈ R^N` and `dW' ∈ Rⁿ` independent, which has covariance `Σ(θ)·dt` (so the driving
//! Brownian motion has dimension `N + n`, or `N`, or `n`).

use crate::error::Allowed;
use crate::objective::Objective;
use crate::spec::check;
use crate::{Error, Result};
use std::sync::Arc;

/// The gradient-noise covariance of an objective's step gradients (see the module doc).
#[derive(Clone)]
pub struct GradientCovariance {
    n: usize,
    additive: Vec<f64>,
    minibatch: Option<Minibatch>,
}

#[derive(Clone)]
struct Minibatch {
    obj: Arc<dyn Objective>,
    samples: usize,
    /// `√((N − B)/(B (N − 1) N))`.
    scale: f64,
}

impl GradientCovariance {
    /// Additive noise `N(0, diag σ²)` in dimension `n` (`sigma` of length 1 or `n`).
    pub fn additive(sigma: &[f64], n: usize) -> Result<Self> {
        if sigma.len() != 1 && sigma.len() != n {
            return Err(Error::spec(format!(
                "gradient noise: sigma has {} entries, expected 1 or the dimension {n}",
                sigma.len()
            )));
        }
        for &s in sigma {
            check::within("gradient noise", "sigma", s, Allowed::NonNegative)?;
            check::within("gradient noise", "sigma", s, Allowed::Finite)?;
        }
        Ok(GradientCovariance {
            n,
            additive: (0..n)
                .map(|i| sigma[if sigma.len() == 1 { 0 } else { i }])
                .collect(),
            minibatch: None,
        })
    }

    /// Minibatch means of `batch` of the objective's `N` samples, drawn without replacement.
    pub fn minibatch(obj: Arc<dyn Objective>, batch: usize) -> Result<Self> {
        let samples = obj.num_samples();
        if samples < 2 || batch == 0 || batch >= samples {
            return Err(Error::spec(format!(
                "gradient noise: batch must be in [1, N) with N >= 2 samples, got batch = {batch}, N = {samples}"
            )));
        }
        let (nf, bf) = (samples as f64, batch as f64);
        Ok(GradientCovariance {
            n: obj.dim(),
            additive: Vec::new(),
            minibatch: Some(Minibatch {
                obj,
                samples,
                scale: ((nf - bf) / (bf * (nf - 1.0) * nf)).sqrt(),
            }),
        })
    }

    /// The noise the objective states for its step gradients
    /// ([`Objective::step_noise`]); an error when it states none or its gradients are exact.
    pub fn of(obj: &Arc<dyn Objective>) -> Result<Self> {
        let Some(noise) = obj.step_noise() else {
            return Err(Error::spec(format!(
                "objective '{}' states no law for its step-gradient noise (Objective::step_noise), so no SDE can model it",
                obj.name()
            )));
        };
        if noise.is_exact() {
            return Err(Error::spec(format!(
                "objective '{}' has exact step gradients: give grad_noise=σ (or a data objective with batch=B < n) for a stochastic model",
                obj.name()
            )));
        }
        let mut cov = match noise.batch {
            Some(b) => Self::minibatch(obj.clone(), b)?,
            None => Self::additive(&[0.0], obj.dim())?,
        };
        if !noise.additive.is_empty() {
            cov.additive = Self::additive(&noise.additive, obj.dim())?.additive;
        }
        Ok(cov)
    }

    /// Dimension `n` of θ.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Dimension of the driving Brownian motion: `N` (minibatch) plus `n` (additive).
    pub fn noise_dim(&self) -> usize {
        self.minibatch.as_ref().map_or(0, |m| m.samples) + self.additive_len()
    }

    fn additive_len(&self) -> usize {
        if self.additive.iter().any(|&s| s != 0.0) {
            self.n
        } else {
            0
        }
    }

    /// The additive standard deviations when the noise is additive only (a constant `Σ^{1/2}`).
    pub fn constant(&self) -> Option<&[f64]> {
        (self.minibatch.is_none()).then_some(&self.additive[..])
    }

    /// `diag Σ(x)` into `out`.
    pub fn variance(&self, x: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        if let Some(mb) = &self.minibatch {
            super::with_scratch(2 * self.n, |buf| {
                let (g, mean) = buf.split_at_mut(self.n);
                mean.fill(0.0);
                for i in 0..mb.samples {
                    mb.obj.sample_gradient(i, x, g);
                    for j in 0..self.n {
                        mean[j] += g[j];
                        out[j] += g[j] * g[j];
                    }
                }
                // (1/N) Σ g_i² − ḡ², scaled by N · scale² = (N − B)/(B (N − 1)).
                let nf = mb.samples as f64;
                let c = mb.scale * mb.scale * nf;
                for j in 0..self.n {
                    let m = mean[j] / nf;
                    out[j] = c * (out[j] / nf - m * m).max(0.0);
                }
            });
        }
        for (o, s) in out.iter_mut().zip(&self.additive) {
            *o += s * s;
        }
    }

    /// The full covariance `Σ(x)`, row-major `n × n`.
    pub fn covariance(&self, x: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut cov = vec![0.0; n * n];
        if let Some(mb) = &self.minibatch {
            let (mut g, mut mean) = (vec![0.0; n], vec![0.0; n]);
            for i in 0..mb.samples {
                mb.obj.sample_gradient(i, x, &mut g);
                for a in 0..n {
                    mean[a] += g[a];
                    for b in 0..n {
                        cov[a * n + b] += g[a] * g[b];
                    }
                }
            }
            let nf = mb.samples as f64;
            let c = mb.scale * mb.scale * nf;
            for a in 0..n {
                for b in 0..n {
                    let s = cov[a * n + b] / nf - mean[a] * mean[b] / (nf * nf);
                    cov[a * n + b] = c * s;
                }
            }
        }
        for (i, s) in self.additive.iter().enumerate() {
            cov[i * n + i] += s * s;
        }
        cov
    }

    /// `Σ(x)^{1/2} dw` into `out` (`dw` of length [`Self::noise_dim`]): the minibatch part from
    /// the first `N` increments, the additive part from the last `n`.
    pub fn apply(&self, x: &[f64], dw: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        let mut rest = dw;
        if let Some(mb) = &self.minibatch {
            let (db, tail) = dw.split_at(mb.samples);
            rest = tail;
            super::with_scratch(2 * self.n, |buf| {
                let (g, mean) = buf.split_at_mut(self.n);
                mean.fill(0.0);
                let mut sum_db = 0.0;
                for (i, &b) in db.iter().enumerate() {
                    mb.obj.sample_gradient(i, x, g);
                    sum_db += b;
                    for j in 0..self.n {
                        mean[j] += g[j];
                        out[j] += g[j] * b;
                    }
                }
                // Σ_i (g_i − ḡ) b_i = Σ_i g_i b_i − ḡ Σ_i b_i.
                let nf = mb.samples as f64;
                for j in 0..self.n {
                    out[j] = mb.scale * (out[j] - mean[j] / nf * sum_db);
                }
            });
        }
        if self.additive_len() > 0 {
            for ((o, s), w) in out.iter_mut().zip(&self.additive).zip(rest) {
                *o += s * w;
            }
        }
    }
}
