//! Exact first and second moments of SGD and of its stochastic modified equations on the
//! linear-Gaussian problem `f(x) = ½ Σ c_i x_i²` with additive gradient noise `N(0, diag σ²)`,
//! so weak errors `|E F(θ_K) − E F(X_T)|` are measured with no sampling error (the issue's
//! `--moments exact`). Per coordinate, with `a = 1 − lr·c`:
//!
//! * SGD `x_{k+1} = a x_k − lr σ ξ_k`: `m_{k+1} = a m_k`, `s_{k+1} = a² s_k + lr² σ²`;
//! * SME (`dX = −κ X dt + √lr σ dW`, `κ = c` for `sgd-sme1`, `κ = c + lr c²/2` for `sgd-sme2`,
//!   [`crate::model::sme`]): `m(t) = x0 e^{−κt}`, `s(t) = x0² e^{−2κt} + lr σ² (1 − e^{−2κt})/(2κ)`
//!   (`lr σ² t` at `κ = 0`).
//!
//! The mean part decides the orders: SME-1 misses SGD's mean by `O(lr)`, SME-2 by `O(lr²)`; the
//! stationary variances differ by `O(lr²)` for both.

use crate::error::Allowed;
use crate::model::SmeOrder;
use crate::spec::check;
use crate::{Error, Result};

/// A diagonal quadratic with additive Gaussian gradient noise and a start point.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearGaussian {
    /// Curvatures `c_i ≥ 0`.
    pub curvature: Vec<f64>,
    /// Noise standard deviations `σ_i ≥ 0`.
    pub noise: Vec<f64>,
    /// Start point.
    pub x0: Vec<f64>,
}

/// What a weak error measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Functional {
    /// `E x` (the error is the Euclidean norm of the mean difference).
    X,
    /// `E ‖x‖²`.
    X2,
    /// `E f(x) = ½ Σ c_i E x_i²`.
    Loss,
}

impl Functional {
    /// Parses `x`, `x2` or `loss`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "x" => Ok(Functional::X),
            "x2" => Ok(Functional::X2),
            "loss" => Ok(Functional::Loss),
            other => Err(Error::spec(format!(
                "weak: the functional must be x, x2 or loss, got '{other}'"
            ))),
        }
    }
}

/// Per-coordinate means and second moments.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// `E x_i`.
    pub mean: Vec<f64>,
    /// `E x_i²`.
    pub second: Vec<f64>,
}

impl LinearGaussian {
    /// Checks equal lengths, `c_i ≥ 0`, `σ_i ≥ 0`, finite entries.
    pub fn new(curvature: Vec<f64>, noise: Vec<f64>, x0: Vec<f64>) -> Result<Self> {
        let n = curvature.len();
        if n == 0 || noise.len() != n || x0.len() != n {
            return Err(Error::spec(format!(
                "moments: curvature, noise and x0 need one equal length >= 1, got {}, {}, {}",
                n,
                noise.len(),
                x0.len()
            )));
        }
        for &c in &curvature {
            check::within("moments", "curvature", c, Allowed::NonNegative)?;
            check::within("moments", "curvature", c, Allowed::Finite)?;
        }
        for &s in &noise {
            check::within("moments", "noise", s, Allowed::NonNegative)?;
            check::within("moments", "noise", s, Allowed::Finite)?;
        }
        for &x in &x0 {
            check::within("moments", "x0", x, Allowed::Finite)?;
        }
        Ok(LinearGaussian {
            curvature,
            noise,
            x0,
        })
    }

    /// SGD's moments after `steps` steps of `lr`.
    pub fn sgd(&self, lr: f64, steps: u64) -> Moments {
        let n = self.x0.len();
        let (mut mean, mut second) = (
            self.x0.clone(),
            self.x0.iter().map(|x| x * x).collect::<Vec<_>>(),
        );
        for i in 0..n {
            let a = 1.0 - lr * self.curvature[i];
            let q = lr * lr * self.noise[i] * self.noise[i];
            for _ in 0..steps {
                mean[i] *= a;
                second[i] = a * a * second[i] + q;
            }
        }
        Moments { mean, second }
    }

    /// The moments of the SME of `order` at time `t` for learning rate `lr`.
    pub fn sme(&self, lr: f64, t: f64, order: SmeOrder) -> Moments {
        let (mut mean, mut second) = (Vec::new(), Vec::new());
        for i in 0..self.x0.len() {
            let c = self.curvature[i];
            let kappa = match order {
                SmeOrder::First => c,
                SmeOrder::Second => c + 0.5 * lr * c * c,
            };
            let x0 = self.x0[i];
            let decay = (-kappa * t).exp();
            // (1 − e^{−2κt})/(2κ), = t at κ = 0.
            let window = if kappa == 0.0 {
                t
            } else {
                -(-2.0 * kappa * t).exp_m1() / (2.0 * kappa)
            };
            mean.push(x0 * decay);
            second.push(x0 * x0 * decay * decay + lr * self.noise[i] * self.noise[i] * window);
        }
        Moments { mean, second }
    }

    /// `|E F(θ_K) − E F(X_T)|` for SGD with `lr` against its SME of `order` at `T = K·lr`,
    /// `K = round(t_end/lr)`.
    pub fn weak_error(&self, lr: f64, t_end: f64, order: SmeOrder, f: Functional) -> Result<f64> {
        check::within("moments", "lr", lr, Allowed::Positive)?;
        check::within("moments", "t_end", t_end, Allowed::Positive)?;
        let steps = (t_end / lr).round();
        if !(1.0..=1e9).contains(&steps) {
            return Err(Error::spec(format!(
                "moments: t_end/lr = {steps} steps is outside 1..=1e9"
            )));
        }
        let steps = steps as u64;
        let (d, m) = (self.sgd(lr, steps), self.sme(lr, steps as f64 * lr, order));
        Ok(match f {
            Functional::X => d
                .mean
                .iter()
                .zip(&m.mean)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt(),
            Functional::X2 => (d.second.iter().sum::<f64>() - m.second.iter().sum::<f64>()).abs(),
            Functional::Loss => {
                let e = |s: &[f64]| -> f64 {
                    0.5 * s
                        .iter()
                        .zip(&self.curvature)
                        .map(|(v, c)| c * v)
                        .sum::<f64>()
                };
                (e(&d.second) - e(&m.second)).abs()
            }
        })
    }
}
