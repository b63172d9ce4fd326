//! One step of an SDE scheme for `dX = f(t, X) dt + σ(t, X) dW` (Itô, diagonal noise), given
//! the increments `ΔW` (Kloeden & Platen, "Numerical Solution of Stochastic Differential
//! Equations", 1992, §10.2–10.3 and §14.1):
//!
//! * Euler–Maruyama: `X₁ = X₀ + f h + σ ΔW` — strong order ½, weak order 1;
//! * Milstein (diagonal noise): `X₁ = X₀ + f h + σ ΔW + ½ σ ∂σ/∂x (ΔW² − h)` — strong order 1,
//!   weak order 1.
//!
//! Weak order 2 is reached by Talay–Tubaro extrapolation of Euler–Maruyama ensembles
//! ([`super::talay_tubaro`]).

use super::SdeSystem;
use crate::{Error, Result};

/// An SDE scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdeScheme {
    /// Euler–Maruyama.
    EulerMaruyama,
    /// Milstein for diagonal noise (needs [`SdeSystem::diffusion_slope`]).
    Milstein,
}

impl SdeScheme {
    /// The spec name (`euler-maruyama`, `milstein`).
    pub fn name(self) -> &'static str {
        match self {
            SdeScheme::EulerMaruyama => "euler-maruyama",
            SdeScheme::Milstein => "milstein",
        }
    }

    /// Parses `euler-maruyama` or `milstein`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "euler-maruyama" => Ok(SdeScheme::EulerMaruyama),
            "milstein" => Ok(SdeScheme::Milstein),
            other => Err(Error::unknown_name(
                "SDE scheme",
                other,
                ["euler-maruyama", "milstein"],
            )),
        }
    }

    /// Strong order of convergence (½ or 1).
    pub fn strong_order(self) -> f64 {
        match self {
            SdeScheme::EulerMaruyama => 0.5,
            SdeScheme::Milstein => 1.0,
        }
    }

    /// Weak order of convergence.
    pub fn weak_order(self) -> f64 {
        1.0
    }

    /// Scratch length for a state of dimension `dim`.
    pub fn work_len(self, dim: usize) -> usize {
        match self {
            SdeScheme::EulerMaruyama => 2 * dim,
            SdeScheme::Milstein => 3 * dim,
        }
    }

    /// Refuses a system the scheme cannot step (Milstein without `∂σ/∂x`).
    pub fn check(self, sys: &dyn SdeSystem) -> Result<()> {
        if self == SdeScheme::Milstein {
            let n = sys.dim();
            let (x, mut out) = (vec![0.0; n], vec![0.0; n]);
            if !sys.diffusion_slope(0.0, &x, &mut out) {
                return Err(Error::spec(
                    "milstein: the system gives no diffusion slope ∂σ_i/∂x_i (SdeSystem::diffusion_slope); use euler-maruyama",
                ));
            }
        }
        Ok(())
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
        sys.drift(t, x, f);
        sys.diffusion(t, x, s);
        match self {
            SdeScheme::EulerMaruyama => {
                for i in 0..n {
                    x[i] += f[i] * h + s[i] * dw[i];
                }
            }
            SdeScheme::Milstein => {
                let ds = &mut rest[..n];
                sys.diffusion_slope(t, x, ds);
                for i in 0..n {
                    x[i] += f[i] * h + s[i] * dw[i] + 0.5 * s[i] * ds[i] * (dw[i] * dw[i] - h);
                }
            }
        }
    }
}
