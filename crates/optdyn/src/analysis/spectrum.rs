//! Spectra and posedness: eigenvalues of a system's Jacobian `∂F/∂z` along a trajectory, flags
//! for ill-posed stretches (eigenvalues with positive real part: the linearised flow expands
//! there, as the lecture defines), and the forward-Euler step restriction `Δt < 2/|λ|`.

use crate::integrate::OdeSystem;
use crate::run::{Observer, RunInfo, Sample};
use crate::stop::StopReason;
use nalgebra::DMatrix;
use serde::Serialize;
use std::ops::ControlFlow;

/// The spectrum of the Jacobian at one sample.
#[derive(Debug, Clone, Serialize)]
pub struct SpectrumSample {
    /// Time.
    pub t: f64,
    /// Eigenvalues `(re, im)`, sorted by decreasing real part.
    pub eigenvalues: Vec<(f64, f64)>,
    /// Largest real part.
    pub max_re: f64,
    /// Spectral radius `max |λ|`.
    pub radius: f64,
    /// True when some eigenvalue has real part above the tolerance (locally ill-posed/expanding).
    pub ill_posed: bool,
}

/// The Jacobian `∂F/∂z` at `(t, z)`, row-major: analytic when the system provides one, else
/// central finite differences with step `h_i = 1e-6·max(1, |z_i|)`.
pub fn jacobian(sys: &dyn OdeSystem, t: f64, z: &[f64]) -> Vec<f64> {
    let n = sys.dim();
    let mut jac = vec![0.0; n * n];
    if sys.jacobian(t, z, &mut jac) {
        return jac;
    }
    let mut zp = z.to_vec();
    let mut fp = vec![0.0; n];
    let mut fm = vec![0.0; n];
    for j in 0..n {
        let h = 1e-6 * z[j].abs().max(1.0);
        zp[j] = z[j] + h;
        sys.rhs(t, &zp, &mut fp);
        zp[j] = z[j] - h;
        sys.rhs(t, &zp, &mut fm);
        zp[j] = z[j];
        for i in 0..n {
            jac[i * n + j] = (fp[i] - fm[i]) / (2.0 * h);
        }
    }
    jac
}

/// Eigenvalues of a row-major `n×n` matrix, sorted by decreasing real part.
pub fn eigenvalues(a: &[f64], n: usize) -> Vec<(f64, f64)> {
    let m = DMatrix::from_row_slice(n, n, a);
    let mut ev: Vec<(f64, f64)> = m
        .complex_eigenvalues()
        .iter()
        .map(|c| (c.re, c.im))
        .collect();
    ev.sort_by(|a, b| b.0.total_cmp(&a.0));
    ev
}

/// The spectrum of `∂F/∂z` at `(t, z)`; an eigenvalue with real part `> tol` marks the sample
/// ill-posed.
pub fn at(sys: &dyn OdeSystem, t: f64, z: &[f64], tol: f64) -> SpectrumSample {
    let ev = eigenvalues(&jacobian(sys, t, z), sys.dim());
    let max_re = ev.iter().map(|e| e.0).fold(f64::NEG_INFINITY, f64::max);
    let radius = ev.iter().map(|e| e.0.hypot(e.1)).fold(0.0, f64::max);
    SpectrumSample {
        t,
        ill_posed: max_re > tol,
        eigenvalues: ev,
        max_re,
        radius,
    }
}

/// The spectrum of `∂F/∂z` at each `(t_i, z_i)` (states row-major in `zs`).
pub fn along(sys: &dyn OdeSystem, ts: &[f64], zs: &[f64], tol: f64) -> Vec<SpectrumSample> {
    let n = sys.dim();
    ts.iter()
        .enumerate()
        .map(|(i, &t)| at(sys, t, &zs[i * n..(i + 1) * n], tol))
        .collect()
}

/// An observer computing the spectrum of a model's Jacobian at every sample of its run.
pub struct Spectra<'s> {
    sys: &'s dyn OdeSystem,
    tol: f64,
    /// The spectra, one per sample.
    pub samples: Vec<SpectrumSample>,
}

impl<'s> Spectra<'s> {
    /// Spectra of `sys` (the model of the run) with the ill-posedness tolerance `tol`.
    pub fn new(sys: &'s dyn OdeSystem, tol: f64) -> Self {
        Spectra {
            sys,
            tol,
            samples: Vec::new(),
        }
    }
}

impl Observer for Spectra<'_> {
    /// Refuses, in one line, a dense eigen-decomposition that cannot fit in memory: the
    /// Jacobian, its copy and the Schur workspace (`≈ 4·d²` floats for a state of dimension
    /// `d`), and `d` eigenvalues per sample.
    fn start(&mut self, run: &RunInfo) -> crate::Result<()> {
        let d = self.sys.dim() as f64;
        let samples = (run.steps as f64 / run.every.max(1) as f64).floor() + 2.0;
        crate::memory::check(
            &format!(
                "spectrum: a dense {d} × {d} Jacobian and its eigenvalues at {samples} samples"
            ),
            (4.0 * d * d + samples * (d * 16.0 + 64.0)) * 8.0,
            "use a smaller problem or a larger --every",
        )
    }

    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        self.samples.push(at(self.sys, s.t, s.z, self.tol));
        ControlFlow::Continue(())
    }
}

/// Forward Euler `z ← z + Δt·λz` is stable for a real negative eigenvalue iff `|1 + Δt·λ| ≤ 1`,
/// i.e. `Δt ≤ 2/|λ|`; for gradient descent on `½ Σ dᵢxᵢ²` (λᵢ = −dᵢ) the bound is `2/max dᵢ`.
/// Returns the largest stable step for the given real spectrum (∞ if all are non-negative).
pub fn euler_step_limit(real_eigenvalues: &[f64]) -> f64 {
    real_eigenvalues
        .iter()
        .filter(|l| **l < 0.0)
        .map(|l| 2.0 / l.abs())
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Linear(Vec<f64>, usize);
    impl OdeSystem for Linear {
        fn dim(&self) -> usize {
            self.1
        }
        fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
            for (i, d) in dy.iter_mut().enumerate() {
                *d = (0..self.1).map(|j| self.0[i * self.1 + j] * y[j]).sum();
            }
        }
    }

    #[test]
    fn oscillator_spectrum_and_flags() {
        // x'' + 0.2x' + 4x = 0 as a first-order system: eigenvalues −0.1 ± i·√(4 − 0.01).
        let sys = Linear(vec![0.0, 1.0, -4.0, -0.2], 2);
        let s = along(&sys, &[0.0], &[1.0, 0.0], 1e-9);
        let (re, im) = s[0].eigenvalues[0];
        assert!((re + 0.1).abs() < 1e-6, "{re}");
        assert!((im.abs() - (3.99f64).sqrt()).abs() < 1e-6, "{im}");
        assert!(!s[0].ill_posed);
        let anti = Linear(vec![0.0, 1.0, -4.0, 0.2], 2);
        assert!(along(&anti, &[0.0], &[1.0, 0.0], 1e-9)[0].ill_posed);
    }

    #[test]
    fn euler_limit_matches_gradient_descent_runs() {
        // GD on ½ Σ dᵢ xᵢ² with d = (1, 10, 100): stable iff lr < 2/100.
        let d = [1.0, 10.0, 100.0];
        let neg: Vec<f64> = d.iter().map(|x| -x).collect();
        let limit = euler_step_limit(&neg);
        assert!((limit - 0.02).abs() < 1e-15);
        let run = |lr: f64| {
            let mut x = [1.0, 1.0, 1.0];
            for _ in 0..2000 {
                for i in 0..3 {
                    x[i] -= lr * d[i] * x[i];
                }
            }
            x.iter().map(|v| v.abs()).fold(0.0, f64::max)
        };
        assert!(run(0.99 * limit) < 1.0);
        assert!(run(1.01 * limit) > 1e3);
    }
}
