//! The fast path of a kernel over one run: `K(s) ≈ Σ_j w_j e^{−r_j s}` on the history range
//! `[h, T]` (the lag-0 interval `[0, h]` is integrated exactly by the path, so the singularity
//! of the power law at 0 never meets the fit), with its measured error bound.
//!
//! * Power law `c·s^{−a}`: `s^{−a} = Γ(a)⁻¹ ∫ e^{a y − s e^y} dy` by the trapezoid rule in `y`
//!   (Beylkin & Monzón 2010; McLean 2018): the integrand is analytic and bounded in the strip
//!   `|Im y| < π/2`, so the error falls like `e^{−π²/Δy}`; `Δy` starts at `π²/ln(4/tol)` and
//!   shrinks until the measured error meets `tol`. Nodes run from `y_hi = ln(40/h)` (faster terms
//!   are below `e^{−40}` on `[h, T]`) down to where the neglected tail `e^{a y}/(aΓ(a))` is below
//!   `tol/4` of `K(T)`; the slow terms (`r ≤ 1/T`, nearly constant on the run) are compressed
//!   into 8 by the Gauss rule of their discrete measure ([`super::gauss`]; error ~`1/16!`).
//!   Terms: about `8 + ln(40·T/h)/Δy` (52 for `T/h = 10⁶`, `tol = 1e-9`).
//! * A sum of exponentials is its own fit (bound 0).
//! * Any other kernel: least squares on log-spaced rates ([`SumOfExponentials::fit`]), the
//!   number of rates doubled from 8 up to 128 until the bound meets `tol`.
//!
//! The bound is the largest relative error `|K_fit(s) − K(s)| / max(|K(s)|, 10⁻⁶·max|K|)` at 32
//! log-spaced points per e-fold of `[h, T]`; the memory integral then differs from the exact
//! history quadrature by at most `bound · ∫_h^T |K| · max|u|`.

use super::gauss::gauss_rule;
use super::{gamma, Kernel, SumOfExponentials};
use crate::{Error, Result};

/// A sum-of-exponentials fit of a kernel on `[h, T]` and its measured relative error bound.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryFit {
    /// The fitted terms `(w_j, r_j)`.
    pub sum: SumOfExponentials,
    /// Measured relative error on `[h, T]` (see the module doc).
    pub bound: f64,
}

const SLOW_NODES: usize = 8;

impl MemoryFit {
    /// Fits `kernel` on `[h, horizon]` to relative error `tol`, or explains why it cannot.
    pub fn new(kernel: &Kernel, h: f64, horizon: f64, tol: f64) -> Result<Self> {
        if !(h > 0.0 && h.is_finite() && horizon.is_finite() && horizon >= 0.0) {
            return Err(Error::spec(format!(
                "kernel: a fit needs a step h > 0 and a finite horizon T >= 0, got h = {h}, T = {horizon}"
            )));
        }
        if !(tol > 0.0 && tol < 1.0) {
            return Err(Error::param(
                "kernel",
                "tol",
                tol,
                crate::error::Allowed::Open(0.0, 1.0),
            ));
        }
        if horizon <= h {
            return Ok(MemoryFit {
                sum: SumOfExponentials { terms: Vec::new() },
                bound: 0.0,
            });
        }
        match kernel {
            Kernel::Sum(s) => Ok(MemoryFit {
                sum: s.clone(),
                bound: 0.0,
            }),
            Kernel::PowerLaw { coef, exponent } => {
                let mut dy = std::f64::consts::PI.powi(2) / (4.0 / tol).ln();
                let mut last = f64::INFINITY;
                for _ in 0..12 {
                    let sum = power_sum(*coef, *exponent, h, horizon, tol, dy)?;
                    let bound = relative_error(kernel, &sum, h, horizon)?;
                    if bound <= tol {
                        return Ok(MemoryFit { sum, bound });
                    }
                    last = bound;
                    dy *= 0.8;
                }
                Err(Error::numerical(format!(
                    "kernel: the sum-of-exponentials fit of the power law reaches relative error {last:.2e} on [{h}, {horizon}], above tol = {tol:e}; use memory=quadrature or a larger tol"
                )))
            }
            k => {
                let mut n = 8;
                let mut last = f64::INFINITY;
                while n <= 128 {
                    let sum = SumOfExponentials::fit(k, h, horizon, n)?;
                    let bound = relative_error(k, &sum, h, horizon)?;
                    if bound <= tol {
                        return Ok(MemoryFit { sum, bound });
                    }
                    last = last.min(bound);
                    n *= 2;
                }
                Err(Error::numerical(format!(
                    "kernel: the least-squares sum-of-exponentials fit of the kernel reaches relative error {last:.2e} on [{h}, {horizon}] with up to 128 terms, above tol = {tol:e}; use memory=quadrature or a larger tol"
                )))
            }
        }
    }
}

/// Most trapezoid nodes a fit may use before compression (an exponent `a` near 0 needs about
/// `ln(1/tol)/(a·Δy)` slow nodes: `a = 1e-3` needs ~6·10⁴).
const MAX_NODES: f64 = 1e6;

/// The trapezoid-rule sum for `coef·s^{−a}` with step `dy`, slow terms compressed.
fn power_sum(
    coef: f64,
    a: f64,
    h: f64,
    horizon: f64,
    tol: f64,
    dy: f64,
) -> Result<SumOfExponentials> {
    let g = gamma(a);
    let y_hi = (40.0 / h).ln();
    let y_lo = -horizon.ln() + (0.25 * tol * a * g).ln() / a;
    let nodes = (y_hi - y_lo) / dy;
    if !(nodes.is_finite() && nodes <= MAX_NODES) {
        return Err(Error::numerical(format!(
            "kernel: the sum-of-exponentials fit of s^(-{a}) needs about {nodes:.1e} nodes (more than {MAX_NODES:e}); use a larger exponent or memory=quadrature"
        )));
    }
    let (mut terms, mut slow_x, mut slow_c) = (Vec::new(), Vec::new(), Vec::new());
    let mut k = 0u32;
    loop {
        let y = y_hi - f64::from(k) * dy;
        if y < y_lo {
            break;
        }
        let (w, r) = (coef * dy * (a * y).exp() / g, y.exp());
        if r * horizon <= 1.0 {
            slow_x.push(r * horizon);
            slow_c.push(w);
        } else {
            terms.push((w, r));
        }
        k += 1;
    }
    for (x, w) in gauss_rule(&slow_x, &slow_c, SLOW_NODES) {
        terms.push((w, x.max(0.0) / horizon));
    }
    Ok(SumOfExponentials { terms })
}

/// The measured relative error of `sum` against `kernel` on `[h, horizon]` (see the module doc);
/// a non-finite kernel value is an error naming `s`.
pub fn relative_error(
    kernel: &Kernel,
    sum: &SumOfExponentials,
    h: f64,
    horizon: f64,
) -> Result<f64> {
    let span = (horizon / h).ln().max(0.0);
    let count = (32.0 * span).ceil().max(2.0) as usize;
    let points: Vec<f64> = (0..=count)
        .map(|i| h * (span * i as f64 / count as f64).exp())
        .collect();
    let mut values = Vec::with_capacity(points.len());
    for &s in &points {
        let k = kernel.eval(s);
        if !k.is_finite() {
            return Err(Error::spec(format!(
                "kernel: K(s) is not finite at s = {s} ({k})"
            )));
        }
        values.push(k);
    }
    let floor = 1e-6 * values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Ok(points
        .iter()
        .zip(&values)
        .map(|(&s, &k)| (sum.eval(s) - k).abs() / k.abs().max(floor).max(f64::MIN_POSITIVE))
        .fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn user_kernels_meet_the_default_tolerance() {
        // Measured bounds at 32 / 64 / 128 rates: 6.8e-3 / 1.9e-7 / 5.8e-10 (5e^{−5s}),
        // 1.1e-7 / 2.7e-15 (1/(1+s)²), 6.1e-9 / 1.7e-13 (s^{−1/2}) on [1e-3, 10].
        let kernels: [(&str, Kernel); 3] = [
            (
                "5e^-5s",
                Kernel::Custom(Arc::new(|s: f64| 5.0 * (-5.0 * s).exp())),
            ),
            (
                "1/(1+s)^2",
                Kernel::Custom(Arc::new(|s: f64| 1.0 / (1.0 + s).powi(2))),
            ),
            ("s^-0.5", Kernel::Custom(Arc::new(|s: f64| s.powf(-0.5)))),
        ];
        for (name, k) in &kernels {
            let fit = MemoryFit::new(k, 1e-3, 10.0, 1e-9).unwrap();
            assert!(fit.bound <= 1e-9, "{name}: {}", fit.bound);
            assert!(fit.sum.terms.len() <= 128, "{name}");
        }
    }

    #[test]
    fn power_law_fit_meets_its_tolerance_with_few_terms() {
        for a in [0.2, 0.5, 0.8] {
            for (h, t) in [(1e-3, 1.0), (1e-4, 100.0)] {
                let k = Kernel::PowerLaw {
                    coef: 1.5,
                    exponent: a,
                };
                let fit = MemoryFit::new(&k, h, t, 1e-9).unwrap();
                assert!(fit.bound <= 1e-9, "a={a} h={h}: {}", fit.bound);
                assert!(
                    fit.sum.terms.len() <= 70,
                    "a={a}: {} terms",
                    fit.sum.terms.len()
                );
            }
        }
    }
}
