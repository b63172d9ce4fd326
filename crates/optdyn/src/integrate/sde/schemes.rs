//! One step of an SDE scheme for `dX = f(t, X) dt + σ(t, X) dW` (Itô), given the increments
//! `ΔW` (Kloeden & Platen, "Numerical Solution of Stochastic Differential Equations", 1992,
//! §10.2–10.3, §14.1 and §15.1):
//!
//! * Euler–Maruyama: `X₁ = X₀ + f h + σ ΔW` — strong order ½, weak order 1; any noise;
//! * Milstein (diagonal noise): `X₁ = X₀ + f h + σ ΔW + ½ σ ∂σ/∂x (ΔW² − h)` — strong order 1,
//!   weak order 1;
//! * weak order 2 for additive noise (`σ` constant; the explicit order-2.0 weak scheme of
//!   Kloeden & Platen §15.1 with additive noise, a stochastic Heun step):
//!   `X̄ = X₀ + f(t, X₀) h + σ ΔW`, `X₁ = X₀ + ½(f(t, X₀) + f(t + h, X̄)) h + σ ΔW`. Its Taylor
//!   expansion matches the weak order-2 Taylor scheme's moments: `½ f'f h² + ½ f'σ ΔW h +
//!   ¼ f''σ² ΔW² h`, whose mean is `½ L⁰f h²` and whose `ΔW h` term is `L¹f ΔZ` in the weak
//!   sense (`ΔZ ≈ ½ ΔW h`). Strong order 1 for additive noise (where Euler–Maruyama is also 1).
//!
//! Talay–Tubaro extrapolation of Euler–Maruyama ensembles ([`super::talay_tubaro`]) gives weak
//! order 2 for ensemble means of any noise.

use super::SdeSystem;
use crate::{Error, Result};

/// An SDE scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdeScheme {
    /// Euler–Maruyama.
    EulerMaruyama,
    /// Milstein for diagonal noise (needs [`SdeSystem::diagonal`]).
    Milstein,
    /// The weak order-2 stochastic Heun scheme for additive noise (needs
    /// [`SdeSystem::additive_noise`]).
    Weak2,
}

impl SdeScheme {
    /// The spec name (`euler-maruyama`, `milstein`, `weak2`).
    pub fn name(self) -> &'static str {
        match self {
            SdeScheme::EulerMaruyama => "euler-maruyama",
            SdeScheme::Milstein => "milstein",
            SdeScheme::Weak2 => "weak2",
        }
    }

    /// Parses `euler-maruyama`, `milstein` or `weak2`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "euler-maruyama" => Ok(SdeScheme::EulerMaruyama),
            "milstein" => Ok(SdeScheme::Milstein),
            "weak2" => Ok(SdeScheme::Weak2),
            other => Err(Error::unknown_name(
                "SDE scheme",
                other,
                ["euler-maruyama", "milstein", "weak2"],
            )),
        }
    }

    /// Strong order of convergence (for the noise each scheme accepts).
    pub fn strong_order(self) -> f64 {
        match self {
            SdeScheme::EulerMaruyama => 0.5,
            SdeScheme::Milstein | SdeScheme::Weak2 => 1.0,
        }
    }

    /// Weak order of convergence.
    pub fn weak_order(self) -> f64 {
        match self {
            SdeScheme::EulerMaruyama | SdeScheme::Milstein => 1.0,
            SdeScheme::Weak2 => 2.0,
        }
    }

    /// Scratch length for a state of dimension `dim`.
    pub fn work_len(self, dim: usize) -> usize {
        3 * dim
    }

    /// Refuses a system the scheme cannot step (Milstein without diagonal noise, weak2 without
    /// additive noise).
    pub fn check(self, sys: &dyn SdeSystem) -> Result<()> {
        let n = sys.dim();
        match self {
            SdeScheme::EulerMaruyama => Ok(()),
            SdeScheme::Milstein => {
                let (x, mut s, mut ds) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                if sys.noise_dim() != n || !sys.diagonal(0.0, &x, &mut s, &mut ds) {
                    return Err(Error::spec(
                        "milstein: the system's noise is not diagonal (SdeSystem::diagonal); use euler-maruyama or weak2",
                    ));
                }
                Ok(())
            }
            SdeScheme::Weak2 => {
                if !sys.additive_noise() {
                    return Err(Error::spec(
                        "weak2: the system's noise depends on the state (SdeSystem::additive_noise is false); use euler-maruyama, or Talay-Tubaro extrapolation for ensemble means",
                    ));
                }
                Ok(())
            }
        }
    }

    /// Advances `x` from `t` by `h` with increments `dw`; `work` has [`Self::work_len`] entries.
    pub fn step(
        self,
        sys: &dyn SdeSystem,
        t: f64,
        h: f64,
        x: &mut [f64],
        dw: &[f64],
        work: &mut [f64],
    ) {
        let n = x.len();
        let (f, rest) = work.split_at_mut(n);
        let (s, rest) = rest.split_at_mut(n);
        let third = &mut rest[..n];
        sys.drift(t, x, f);
        match self {
            SdeScheme::EulerMaruyama => {
                sys.noise(t, x, dw, s);
                for i in 0..n {
                    x[i] += f[i] * h + s[i];
                }
            }
            SdeScheme::Milstein => {
                sys.diagonal(t, x, s, third);
                for i in 0..n {
                    x[i] += f[i] * h + s[i] * dw[i] + 0.5 * s[i] * third[i] * (dw[i] * dw[i] - h);
                }
            }
            SdeScheme::Weak2 => {
                sys.noise(t, x, dw, s);
                for i in 0..n {
                    third[i] = x[i] + f[i] * h + s[i];
                }
                let bar = &*third;
                // `f` is no longer needed once X̄ is formed: reuse it for f(t + h, X̄) after
                // folding f(t, X₀) into x.
                for i in 0..n {
                    x[i] += 0.5 * f[i] * h + s[i];
                }
                sys.drift(t + h, bar, f);
                for i in 0..n {
                    x[i] += 0.5 * f[i] * h;
                }
            }
        }
    }
}
