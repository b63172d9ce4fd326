//! A small Lagrangian layer: a user writes `L(t, q, q̇)` once, generically over a dual-number
//! scalar, and gets
//! - its first and second partial derivatives by forward automatic differentiation
//!   (hyper-dual numbers of the `num-dual` crate) — [`partials`];
//! - its Euler–Lagrange equation `d/dt ∂L/∂q̇ = ∂L/∂q` as the explicit first-order ODE
//!   `q̈ = M⁻¹(∂L/∂q − ∂²L/∂q̇∂q·q̇ − ∂²L/∂q̇∂t)`, `M = ∂²L/∂q̇²`, that any of the crate's
//!   integrators solves — [`EulerLagrange`] (module `euler_lagrange`);
//! - a variational integrator built on the midpoint discrete Lagrangian
//!   `L_d(q0, q1) = h·L(t0 + h/2, (q0 + q1)/2, (q1 − q0)/h)` (Marsden & West 2001, "Discrete
//!   mechanics and variational integrators", Acta Numerica 10, §2.2 and §4) — [`Variational`]
//!   (module `variational`).
//!
//! **Weights.** Damped mechanics written variationally (Caldirola–Kanai, Bregman Lagrangians)
//! carries an exponential time weight, e.g. `e^{2t/α}`, that overflows `f64` for `t > 354α`. A
//! Lagrangian therefore comes in two factors, `L = e^{w(t)}·ℓ(t, q, q̇)`
//! ([`Lagrangian::log_weight`] and [`Lagrangian::reduced`]), and every evaluation is made
//! relative to a reference time `s`: `L_s = e^{w(t) − w(s)}·ℓ`. A positive constant factor does
//! not change an Euler–Lagrange equation, continuous (at the point `s = t`) or discrete (one
//! factor per discrete Euler–Lagrange equation, `s = t_k` at step k), so nothing is
//! approximated.
//!
//! ```
//! use num_dual::DualNum;
//! use optdyn::integrate::{Integrator, Rk4, SolveOptions};
//! use optdyn::lagrangian::{EulerLagrange, Lagrangian, Variational};
//!
//! /// The harmonic oscillator L = q̇²/2 − q²/2.
//! struct Oscillator;
//! impl Lagrangian for Oscillator {
//!     fn dim(&self) -> usize {
//!         1
//!     }
//!     fn reduced<D: DualNum<Primitive = f64> + Copy>(&self, _t: D, q: &[D], qd: &[D]) -> D {
//!         (qd[0] * qd[0] - q[0] * q[0]) * 0.5
//!     }
//! }
//!
//! // Variational integrator, 1000 steps of h = 1e-3 from q = 1, q̇ = 0: q(1) = cos 1.
//! let vi = Variational::new(1e-3)?.solve(&Oscillator, 0.0, &[1.0], &[0.0], 1000)?;
//! assert!((vi.q(1000)[0] - 1f64.cos()).abs() < 1e-6);
//! // The Euler–Lagrange ODE by automatic differentiation, solved by RK4.
//! let el = EulerLagrange::new(Oscillator, 0.0, &[1.0], &[0.0])?;
//! let sol = Rk4::dt(1e-3).solve(&el, 0.0, &[1.0, 0.0], &SolveOptions::at(vec![1.0]));
//! assert!((sol.state(0)[0] - 1f64.cos()).abs() < 1e-10);
//! # Ok::<(), optdyn::Error>(())
//! ```

mod euler_lagrange;
mod variational;

pub use euler_lagrange::EulerLagrange;
pub use variational::{VarSolution, Variational};

use crate::integrate::implicit::{lu_factor, lu_solve};
use crate::{Error, Result};
use num_dual::{DualNum, HyperDual64};

/// A Lagrangian `L(t, q, q̇) = e^{w(t)}·ℓ(t, q, q̇)` on `q ∈ ℝⁿ`, written once for any dual-number
/// scalar `D` (plain `f64` included), so its derivatives come by automatic differentiation.
pub trait Lagrangian: Sync {
    /// `n`, the number of coordinates.
    fn dim(&self) -> usize;
    /// The reduced Lagrangian `ℓ(t, q, q̇)`; `q` and `qdot` have length [`Lagrangian::dim`].
    fn reduced<D: DualNum<Primitive = f64> + Copy>(&self, t: D, q: &[D], qdot: &[D]) -> D;
    /// The exponent `w(t)` of the time weight `e^{w(t)}` (default: none, `w = 0`).
    fn log_weight<D: DualNum<Primitive = f64> + Copy>(&self, _t: D) -> D {
        D::zero()
    }
}

/// `L` relative to the reference time `s`: `e^{w(t) − w(s)}·ℓ(t, q, q̇)` (a positive constant
/// multiple of `L`).
pub fn relative<L: Lagrangian + ?Sized, D: DualNum<Primitive = f64> + Copy>(
    l: &L,
    s: f64,
    t: D,
    q: &[D],
    qdot: &[D],
) -> D {
    let dw = l.log_weight(t) - l.log_weight(D::from(s));
    dw.exp() * l.reduced(t, q, qdot)
}

/// Value, gradient and Hessian of `L_s` in the variables `z = (t, q₁…qₙ, q̇₁…q̇ₙ)` (length
/// `1 + 2n`), at one point.
#[derive(Debug, Clone)]
pub struct Partials {
    /// `n`.
    pub n: usize,
    /// `L_s(t, q, q̇)`.
    pub value: f64,
    /// `∂L_s/∂z`.
    pub grad: Vec<f64>,
    /// `∂²L_s/∂z∂z`, row-major `(1+2n)²`, symmetric.
    pub hess: Vec<f64>,
}

impl Partials {
    fn m(&self) -> usize {
        1 + 2 * self.n
    }
    /// `∂L/∂qᵢ`.
    pub fn l_q(&self, i: usize) -> f64 {
        self.grad[1 + i]
    }
    /// `∂L/∂q̇ᵢ`.
    pub fn l_v(&self, i: usize) -> f64 {
        self.grad[1 + self.n + i]
    }
    /// `∂²L/∂qᵢ∂qⱼ`.
    pub fn l_qq(&self, i: usize, j: usize) -> f64 {
        self.hess[(1 + i) * self.m() + 1 + j]
    }
    /// `∂²L/∂qᵢ∂q̇ⱼ`.
    pub fn l_qv(&self, i: usize, j: usize) -> f64 {
        self.hess[(1 + i) * self.m() + 1 + self.n + j]
    }
    /// `∂²L/∂q̇ᵢ∂qⱼ`.
    pub fn l_vq(&self, i: usize, j: usize) -> f64 {
        self.hess[(1 + self.n + i) * self.m() + 1 + j]
    }
    /// `∂²L/∂q̇ᵢ∂q̇ⱼ` (the mass matrix).
    pub fn l_vv(&self, i: usize, j: usize) -> f64 {
        self.hess[(1 + self.n + i) * self.m() + 1 + self.n + j]
    }
    /// `∂²L/∂q̇ᵢ∂t`.
    pub fn l_vt(&self, i: usize) -> f64 {
        self.hess[(1 + self.n + i) * self.m()]
    }
}

/// The partial derivatives of `L_s` ([`relative`]) at `(t, q, q̇)` up to second order, by
/// hyper-dual numbers: for every pair `i ≤ j` of variables, `L_s` evaluated with `ε₁` seeded on
/// `zᵢ` and `ε₂` on `zⱼ` gives `∂L/∂zᵢ`, `∂L/∂zⱼ` and `∂²L/∂zᵢ∂zⱼ` exactly (to rounding).
/// `(1+2n)(2+2n)/2` evaluations: meant for small `n`.
pub fn partials<L: Lagrangian + ?Sized>(
    l: &L,
    s: f64,
    t: f64,
    q: &[f64],
    qdot: &[f64],
) -> Partials {
    let n = l.dim();
    let m = 1 + 2 * n;
    let z: Vec<f64> = std::iter::once(t)
        .chain(q.iter().copied())
        .chain(qdot.iter().copied())
        .collect();
    let mut grad = vec![0.0; m];
    let mut hess = vec![0.0; m * m];
    let mut value = 0.0;
    let mut zd = vec![HyperDual64::from_re(0.0); m];
    for i in 0..m {
        for j in i..m {
            for (k, (d, &x)) in zd.iter_mut().zip(&z).enumerate() {
                *d = HyperDual64::new(
                    x,
                    if k == i { 1.0 } else { 0.0 },
                    if k == j { 1.0 } else { 0.0 },
                    0.0,
                );
            }
            let r = relative(l, s, zd[0], &zd[1..1 + n], &zd[1 + n..]);
            value = r.re;
            grad[i] = r.eps1;
            grad[j] = r.eps2;
            hess[i * m + j] = r.eps1eps2;
            hess[j * m + i] = r.eps1eps2;
        }
    }
    Partials {
        n,
        value,
        grad,
        hess,
    }
}

/// Solves `A x = b` (`A` row-major `n×n`, overwritten by its LU factors; `b` becomes `x`) with
/// the crate's LU with partial pivoting ([`lu_factor`], [`lu_solve`]); `Err` naming `what` when
/// anything is not finite or a pivot is below `1e-13·max|A|` (singular to working precision);
/// `what` is only built for the error.
pub(crate) fn solve_linear(a: &mut [f64], b: &mut [f64], what: impl Fn() -> String) -> Result<()> {
    let n = b.len();
    let scale = a.iter().fold(0.0_f64, |s, x| s.max(x.abs()));
    if !scale.is_finite() || b.iter().any(|x| !x.is_finite()) {
        return Err(Error::numerical(format!("{}: not finite", what())));
    }
    let mut piv = vec![0.0; n];
    if !lu_factor(n, a, &mut piv) {
        return Err(Error::numerical(format!(
            "{}: singular (a zero pivot)",
            what()
        )));
    }
    if let Some(c) = (0..n).find(|&c| a[c * n + c].abs() <= 1e-13 * scale) {
        return Err(Error::numerical(format!(
            "{}: singular (pivot {:.3e} in column {c}, max entry {scale:.3e})",
            what(),
            a[c * n + c]
        )));
    }
    lu_solve(n, a, &piv, b);
    Ok(())
}
