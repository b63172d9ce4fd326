//! Stochastic differential equations `dX = f(t, X) dt + σ(t, X) dW` (Itô; `W` of any dimension),
//! their schemes ([`SdeScheme`]: Euler–Maruyama, Milstein for diagonal noise, a weak order-2
//! scheme for additive noise) with
//! reproducible Brownian increments ([`Brownian`]), ensembles of paths solved in parallel
//! ([`solve_paths`]; the same seed gives the same paths at any thread count), and weak order 2
//! by Talay–Tubaro extrapolation ([`talay_tubaro`]).
//!
//! This is the integrator layer of the stochastic models (issue 12); the optimizer SDEs and the
//! run engine's ensembles build on it.

mod brownian;
mod schemes;
mod solver;

pub use brownian::{Brownian, BrownianPath};
pub use schemes::SdeScheme;
pub use solver::{SdeSolver, CATALOG};

use crate::error::Allowed;
use crate::spec::check;
use crate::{Error, Result};
use rayon::prelude::*;

/// An Itô SDE `dX = f(t, X) dt + σ(t, X) dW` with `X ∈ Rⁿ` and a Brownian motion `W ∈ R^d`.
pub trait SdeSystem: Sync {
    /// Length `n` of the state.
    fn dim(&self) -> usize;
    /// Dimension `d` of the Brownian motion (default `n`).
    fn noise_dim(&self) -> usize {
        self.dim()
    }
    /// The drift `f(t, x)`, written into `out`.
    fn drift(&self, t: f64, x: &[f64], out: &mut [f64]);
    /// The noise term `σ(t, x)·ΔW` (the `n × d` diffusion applied to increments `dw` of length
    /// `d`), written into `out`.
    fn noise(&self, t: f64, x: &[f64], dw: &[f64], out: &mut [f64]);
    /// For diagonal noise (`d = n`, `σ = diag(s)`): writes `s_i(t, x)` into `s` and
    /// `∂s_i/∂x_i` into `slope` and returns `true`; `false` (the default) otherwise. Milstein
    /// needs it.
    fn diagonal(&self, _t: f64, _x: &[f64], _s: &mut [f64], _slope: &mut [f64]) -> bool {
        false
    }
    /// Whether `σ` depends on neither `t` nor `x` (additive noise), which the weak order-2
    /// scheme needs. Default `false`.
    fn additive_noise(&self) -> bool {
        false
    }
}

/// A fixed-step solve from `t0` to `t_end` in `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SdeGrid {
    /// Start time.
    pub t0: f64,
    /// End time.
    pub t_end: f64,
    /// Number of steps (`h = (t_end − t0)/steps`).
    pub steps: u64,
}

impl SdeGrid {
    /// Checks `t_end > t0`, both finite (checked first, so the comparison sees no NaN), `steps ≥ 1`.
    pub fn check(&self) -> Result<f64> {
        check::within("sde", "t0", self.t0, Allowed::Finite)?;
        check::within("sde", "t_end", self.t_end, Allowed::Finite)?;
        if self.t_end <= self.t0 {
            return Err(Error::spec(format!(
                "sde: t_end must be > t0, got t0 = {}, t_end = {}",
                self.t0, self.t_end
            )));
        }
        if self.steps == 0 {
            return Err(Error::spec("sde: steps must be >= 1, got 0"));
        }
        Ok((self.t_end - self.t0) / self.steps as f64)
    }
}

/// Solves one path from `x0`, calling `observe(k, t_k, x_k, ΔW_k)` after each step `k ≥ 1`
/// with the increments that produced it. Returns the end state.
pub fn solve_path(
    sys: &dyn SdeSystem,
    scheme: SdeScheme,
    x0: &[f64],
    grid: &SdeGrid,
    path: &mut BrownianPath,
    mut observe: impl FnMut(u64, f64, &[f64], &[f64]),
) -> Result<Vec<f64>> {
    let h = grid.check()?;
    scheme.check(sys)?;
    let n = sys.dim();
    if x0.len() != n {
        return Err(Error::spec(format!(
            "sde: x0 has {} entries, the system has dimension {n}",
            x0.len()
        )));
    }
    let mut x = x0.to_vec();
    let mut dw = vec![0.0; sys.noise_dim()];
    let mut work = vec![0.0; scheme.work_len(n)];
    for k in 0..grid.steps {
        let t = grid.t0 + k as f64 * h;
        path.increments(h, &mut dw);
        scheme.step(sys, t, h, &mut x, &dw, &mut work);
        observe(k + 1, grid.t0 + (k + 1) as f64 * h, &x, &dw);
    }
    Ok(x)
}

/// End states of `paths` paths (row-major `paths × dim`), solved in parallel; path `p` uses
/// `brownian.path(p)`, so the result does not depend on the thread count.
pub fn solve_paths(
    sys: &dyn SdeSystem,
    scheme: SdeScheme,
    x0: &[f64],
    grid: &SdeGrid,
    brownian: &Brownian,
    paths: usize,
) -> Result<Vec<f64>> {
    if paths == 0 {
        return Err(Error::spec("sde: paths must be >= 1, got 0"));
    }
    let ends: Vec<Vec<f64>> = (0..paths as u64)
        .into_par_iter()
        .map(|p| {
            solve_path(
                sys,
                scheme,
                x0,
                grid,
                &mut brownian.path(p),
                |_, _, _, _| {},
            )
        })
        .collect::<Result<_>>()?;
    Ok(ends.concat())
}

/// Talay–Tubaro extrapolation (Talay & Tubaro 1990): `2·E F(X^{h/2}_T) − E F(X^h_T)` with
/// Euler–Maruyama, weak order 2. The fine and coarse paths are coupled (the coarse step uses the
/// sum of two fine increments), so most of the sampling noise cancels in the difference.
/// Returns the extrapolated mean and its Monte Carlo standard error.
pub fn talay_tubaro(
    sys: &dyn SdeSystem,
    x0: &[f64],
    grid: &SdeGrid,
    brownian: &Brownian,
    paths: usize,
    f: impl Fn(&[f64]) -> f64 + Sync,
) -> Result<(f64, f64)> {
    let h = grid.check()?;
    let least = if brownian.antithetic { 4 } else { 2 };
    if paths < least || (brownian.antithetic && paths % 2 == 1) {
        return Err(Error::spec(format!(
            "sde: paths must be >= {least}{}, got {paths}",
            if brownian.antithetic {
                " and even (antithetic pairs)"
            } else {
                ""
            }
        )));
    }
    let n = sys.dim();
    if x0.len() != n {
        return Err(Error::spec(format!(
            "sde: x0 has {} entries, the system has dimension {n}",
            x0.len()
        )));
    }
    let scheme = SdeScheme::EulerMaruyama;
    let samples: Vec<f64> = (0..paths as u64)
        .into_par_iter()
        .map(|p| {
            let mut path = brownian.path(p);
            let (mut fine, mut coarse) = (x0.to_vec(), x0.to_vec());
            let d = sys.noise_dim();
            let (mut dw1, mut dw2, mut dw) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
            let mut work = vec![0.0; scheme.work_len(n)];
            for k in 0..grid.steps {
                let t = grid.t0 + k as f64 * h;
                path.increments(0.5 * h, &mut dw1);
                path.increments(0.5 * h, &mut dw2);
                scheme.step(sys, t, 0.5 * h, &mut fine, &dw1, &mut work);
                scheme.step(sys, t + 0.5 * h, 0.5 * h, &mut fine, &dw2, &mut work);
                for i in 0..d {
                    dw[i] = dw1[i] + dw2[i];
                }
                scheme.step(sys, t, h, &mut coarse, &dw, &mut work);
            }
            2.0 * f(&fine) - f(&coarse)
        })
        .collect();
    Ok(mean_and_error(&samples, brownian.antithetic))
}

/// The sample mean and its standard error; with antithetic paths the error is that of the pair
/// averages (the independent samples), over the complete pairs.
pub fn mean_and_error(samples: &[f64], antithetic: bool) -> (f64, f64) {
    let units: Vec<f64> = if antithetic {
        samples
            .chunks_exact(2)
            .map(|p| 0.5 * (p[0] + p[1]))
            .collect()
    } else {
        samples.to_vec()
    };
    let m = units.len() as f64;
    let mean = units.iter().sum::<f64>() / m;
    let var = units.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (m - 1.0);
    (mean, (var / m).sqrt())
}
