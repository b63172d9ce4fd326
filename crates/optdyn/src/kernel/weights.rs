//! Product-integration weights of a kernel against the hat functions of a uniform grid, and the
//! kernel's mass `∫_lo^hi K(s) ds`.
//!
//! On the lag interval `[l·h, (l+1)·h]` the memory integral of the piecewise-linear interpolant
//! pairs `Wa_l = ∫ K(s)(s − lh)/h ds` with the older sample and `Wb_l = ∫ K(s)((l+1)h − s)/h ds`
//! with the newer one. Closed forms: the power law at lag 0 and every lag of a sum of
//! exponentials (through `φ1(x) = (1 − e^{−x})/x`, `φ2(x) = (1 − e^{−x}(1 + x))/x²`);
//! 8-point Gauss–Legendre elsewhere (the power law is analytic on `[lh, (l+1)h]` for `l ≥ 1`:
//! relative error below 1e-12 at `l = 1`, smaller beyond).

use super::{Convolution, Kernel, Recursion, GL8_W, GL8_X};

/// `(φ1(x), φ2(x))` for `x ≥ 0`: `φ1 = (1 − e^{−x})/x`, `φ2 = (1 − e^{−x}(1 + x))/x²`, by their
/// Taylor series below 0.1 (no cancellation) and in closed form above.
pub(crate) fn phi12(x: f64) -> (f64, f64) {
    if x < 0.1 {
        // φ1 = Σ (−x)^k/(k+1)!, φ2 = Σ (−x)^k/(k!(k+2)).
        let (mut p1, mut p2) = (0.0, 0.0);
        let mut pow_fact = 1.0; // (−x)^k / k!
        for k in 0..14 {
            p1 += pow_fact / (k as f64 + 1.0);
            p2 += pow_fact / (k as f64 + 2.0);
            pow_fact *= -x / (k as f64 + 1.0);
        }
        (p1, p2)
    } else {
        let em = (-x).exp();
        (-(-x).exp_m1() / x, (-(-x).exp_m1() - x * em) / (x * x))
    }
}

/// `(Wa, Wb)` of `w·e^{−r s}` on `[lo, lo + h]`.
fn exp_hat(w: f64, r: f64, lo: f64, h: f64) -> (f64, f64) {
    let (p1, p2) = phi12(r * h);
    let scale = w * (-r * lo).exp() * h;
    (scale * p2, scale * (p1 - p2))
}

fn gauss_hat(k: &dyn Fn(f64) -> f64, lo: f64, h: f64) -> (f64, f64) {
    let hi = lo + h;
    let (mut wa, mut wb) = (0.0, 0.0);
    for (x, w) in GL8_X.iter().zip(GL8_W) {
        let s = lo + 0.5 * h * (x + 1.0);
        let ks = k(s) * w * 0.5 * h;
        wa += ks * (s - lo) / h;
        wb += ks * (hi - s) / h;
    }
    (wa, wb)
}

/// Levels of the dyadic grading on `[0, h]` for a user kernel (see [`graded_hat`]).
const GRADED_LEVELS: i32 = 120;

/// `(Wa, Wb)` on `[0, h]` for a user kernel that may be (integrably) singular at 0: 8-point
/// Gauss–Legendre on the dyadic pieces `[h·2^{−k−1}, h·2^{−k}]`, `k < 120` (960 evaluations,
/// once per run). For `s^{−a}` the neglected `[0, h·2^{−120}]` holds `2^{−120(1−a)}` of the
/// mass (1e-18 for `a = 1/2`, 2e-4 for `a = 0.9`); a bounded kernel loses nothing measurable.
fn graded_hat(k: &dyn Fn(f64) -> f64, h: f64) -> (f64, f64) {
    let (mut wa, mut wb) = (0.0, 0.0);
    for level in 0..GRADED_LEVELS {
        let hi = h * 2f64.powi(-level);
        let lo = 0.5 * hi;
        let w = hi - lo;
        for (x, g) in GL8_X.iter().zip(GL8_W) {
            let s = lo + 0.5 * w * (x + 1.0);
            let ks = k(s) * g * 0.5 * w;
            wa += ks * s / h;
            wb += ks * (h - s) / h;
        }
    }
    (wa, wb)
}

/// `b^p − a^p` for `0 ≤ a < b`, without cancellation when `a` is close to `b`.
fn pow_diff(a: f64, b: f64, p: f64) -> f64 {
    if a == 0.0 {
        b.powf(p)
    } else {
        a.powf(p) * (p * ((b - a) / a).ln_1p()).exp_m1()
    }
}

impl Kernel {
    /// The hat-function weights `(Wa_l, Wb_l)` of lag `l` on a grid of step `h`.
    pub fn hat_weights(&self, l: usize, h: f64) -> (f64, f64) {
        let lo = l as f64 * h;
        match self {
            Kernel::PowerLaw { coef, exponent } if l == 0 => {
                let a = *exponent;
                let scale = coef * h.powf(1.0 - a) / (2.0 - a);
                (scale, scale / (1.0 - a))
            }
            Kernel::Sum(soe) => soe.terms.iter().fold((0.0, 0.0), |(sa, sb), &(w, r)| {
                let (a, b) = exp_hat(w, r, lo, h);
                (sa + a, sb + b)
            }),
            Kernel::Custom(k) if l == 0 => graded_hat(&|s| k(s), h),
            k => gauss_hat(&|s| k.eval(s), lo, h),
        }
    }

    /// The mass `∫_lo^hi K(s) ds` (`0 ≤ lo ≤ hi`): closed form for the power law and sums of
    /// exponentials, `c·e^{A·lo}·∫_0^{hi−lo} e^{Aσ}b dσ` for [`Kernel::StateSpace`], and
    /// composite 8-point Gauss–Legendre on 16 panels for a user kernel (the panel at 0 graded
    /// dyadically, as its lag-0 weights).
    pub fn integral(&self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            return 0.0;
        }
        match self {
            Kernel::PowerLaw { coef, exponent } => {
                coef * pow_diff(lo, hi, 1.0 - exponent) / (1.0 - exponent)
            }
            Kernel::Sum(soe) => soe
                .terms
                .iter()
                .map(|&(w, r)| {
                    let (p1, _) = phi12(r * (hi - lo));
                    w * (-r * lo).exp() * (hi - lo) * p1
                })
                .sum(),
            Kernel::StateSpace(ss) => {
                // c·e^{A lo}·x with x = ∫_0^{hi−lo} e^{Aσ} b dσ, the recursion's state after one
                // step of size hi − lo with unit input (no cancellation between two masses).
                let Ok(mut r) = Recursion::new(*ss, hi - lo) else {
                    return f64::NAN;
                };
                r.push(1.0);
                r.push(1.0);
                let d = ss.d;
                let mut m = [0.0; super::AUG * super::AUG];
                for (mi, ai) in m.iter_mut().zip(&ss.a[..d * d]) {
                    *mi = ai * lo;
                }
                let e = super::expm(&m[..d * d], d);
                (0..d)
                    .map(|i| (0..d).map(|j| ss.c[i] * e[i * d + j] * r.x[j]).sum::<f64>())
                    .sum()
            }
            Kernel::Custom(k) => {
                let panels = 16;
                let w = (hi - lo) / panels as f64;
                (0..panels)
                    .map(|p| {
                        let a = lo + p as f64 * w;
                        let (wa, wb) = if a == 0.0 {
                            graded_hat(&|s| k(s), w)
                        } else {
                            gauss_hat(&|s| k(s), a, w)
                        };
                        wa + wb
                    })
                    .sum()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{StateSpace, SumOfExponentials};

    #[test]
    fn phi_series_and_closed_forms_meet() {
        for x in [0.0999999, 0.1] {
            let (a1, a2) = phi12(x);
            let (b1, b2) = (
                -(-x).exp_m1() / x,
                (-(-x).exp_m1() - x * (-x).exp()) / (x * x),
            );
            assert!((a1 - b1).abs() < 1e-14 && (a2 - b2).abs() < 1e-13, "{x}");
        }
        assert_eq!(phi12(0.0), (1.0, 0.5));
    }

    #[test]
    fn a_singular_user_kernel_gets_the_power_laws_lag0_weights() {
        use std::sync::Arc;
        let h = 0.01;
        for a in [0.3, 0.5, 0.7] {
            let user = Kernel::Custom(Arc::new(move |s: f64| s.powf(-a)));
            let exact = Kernel::PowerLaw {
                coef: 1.0,
                exponent: a,
            };
            let (ua, ub) = user.hat_weights(0, h);
            let (ea, eb) = exact.hat_weights(0, h);
            // The neglected [0, h·2^-120] holds 2^{−120(1−a)} of the mass, most of it in Wb.
            let tol = 1e-12 + 4.0 * 2f64.powf(-120.0 * (1.0 - a));
            assert!(
                (ua / ea - 1.0).abs() < tol && (ub / eb - 1.0).abs() < tol,
                "a={a}: {} {}",
                ua / ea - 1.0,
                ub / eb - 1.0
            );
            let m = user.integral(0.0, 0.5);
            let rel = m / exact.integral(0.0, 0.5) - 1.0;
            assert!(rel.abs() < 1e-10, "a={a}: {rel:e}");
        }
    }

    #[test]
    fn weights_sum_to_the_mass() {
        let h = 0.03;
        let kernels = [
            Kernel::PowerLaw {
                coef: 2.0,
                exponent: 0.3,
            },
            Kernel::Sum(SumOfExponentials {
                terms: vec![(1.0, 2.0), (0.5, 0.0)],
            }),
            Kernel::StateSpace(StateSpace::second_order(0.9, 0.1)),
        ];
        for k in &kernels {
            for l in [0usize, 1, 7, 100] {
                let (wa, wb) = k.hat_weights(l, h);
                let m = k.integral(l as f64 * h, (l + 1) as f64 * h);
                assert!((wa + wb - m).abs() < 1e-12 * m.abs() + 1e-15, "{k:?} l={l}");
            }
        }
        // Power law at lag 0: Wa = c h^{1−a}/(2−a), Wa + Wb = c h^{1−a}/(1−a).
        let (wa, wb) = kernels[0].hat_weights(0, h);
        assert!((wa + wb - 2.0 * h.powf(0.7) / 0.7).abs() < 1e-15);
    }
}
