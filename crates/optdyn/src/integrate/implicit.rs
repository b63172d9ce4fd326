//! Implicit one-step schemes for first-order systems (backward Euler, trapezoidal rule) and the
//! Newton solver they share with the implicit second-order schemes.

use super::{OdeSystem, Stats, Stepper};
use crate::spec::{check, ParamInfo, Spec};
use crate::{Error, Result};

/// Newton controls.
#[derive(Debug, Clone, Copy)]
pub struct NewtonOpts {
    /// Converged when `‖Δu‖∞ ≤ tol·(1 + ‖u‖∞)`.
    pub tol: f64,
    /// Iteration limit per step.
    pub max_iter: u32,
}

impl Default for NewtonOpts {
    fn default() -> Self {
        NewtonOpts {
            tol: 1e-12,
            max_iter: 20,
        }
    }
}

/// Parameters of the implicit schemes.
pub const IMPLICIT_PARAMS: [ParamInfo; 4] = [
    super::explicit::FIXED_PARAMS[0],
    super::explicit::FIXED_PARAMS[1],
    ParamInfo {
        key: "newton_tol",
        default: "1e-12",
        help: "Newton stops when |increment|inf <= newton_tol (1 + |u|inf), > 0",
    },
    ParamInfo {
        key: "newton_iters",
        default: "20",
        help: "Newton iteration limit per step, >= 1",
    },
];

impl NewtonOpts {
    /// Checks `tol > 0` and `1 ≤ max_iter ≤ 10000` for the scheme `who`.
    pub fn validate(&self, who: &str) -> Result<()> {
        check::positive(who, "newton_tol", self.tol)?;
        if self.max_iter == 0 || self.max_iter > 10_000 {
            return Err(Error::spec(format!(
                "{who}: newton_iters must be in [1, 10000], got {}",
                self.max_iter
            )));
        }
        Ok(())
    }
}

/// Reads `newton_tol` and `newton_iters`.
pub fn newton_opts(s: &Spec) -> Result<NewtonOpts> {
    let d = NewtonOpts::default();
    let tol = s.f64("newton_tol", d.tol)?;
    let it = s.usize("newton_iters", d.max_iter as usize)?;
    let o = NewtonOpts {
        tol,
        max_iter: u32::try_from(it).unwrap_or(u32::MAX),
    };
    o.validate(&s.name)?;
    Ok(o)
}

/// In-place LU factorisation with partial pivoting of the row-major `m×m` matrix `a`
/// (`P A = L U`, unit lower `L` below the diagonal, `U` on and above; Golub & Van Loan,
/// Algorithm 3.4.1). Row interchanges are stored in `piv` (`piv[k]` = row swapped with `k`, as
/// an exact small integer in an f64 so the factor lives in the caller's flat scratch).
/// Returns false when a pivot is zero or not finite (singular matrix).
pub fn lu_factor(m: usize, a: &mut [f64], piv: &mut [f64]) -> bool {
    for k in 0..m {
        let mut p = k;
        let mut best = a[k * m + k].abs();
        for i in k + 1..m {
            let v = a[i * m + k].abs();
            if v > best {
                best = v;
                p = i;
            }
        }
        if best == 0.0 || !best.is_finite() {
            return false;
        }
        piv[k] = p as f64;
        if p != k {
            for j in 0..m {
                a.swap(k * m + j, p * m + j);
            }
        }
        let d = a[k * m + k];
        for i in k + 1..m {
            let l = a[i * m + k] / d;
            a[i * m + k] = l;
            if l != 0.0 {
                for j in k + 1..m {
                    a[i * m + j] -= l * a[k * m + j];
                }
            }
        }
    }
    true
}

/// Solves `A x = b` in place (`b` becomes `x`) with the factors of [`lu_factor`].
pub fn lu_solve(m: usize, lu: &[f64], piv: &[f64], b: &mut [f64]) {
    for (k, &p) in piv.iter().enumerate().take(m) {
        let p = p as usize;
        if p != k {
            b.swap(k, p);
        }
    }
    for i in 0..m {
        let mut s = b[i];
        for j in 0..i {
            s -= lu[i * m + j] * b[j];
        }
        b[i] = s;
    }
    for i in (0..m).rev() {
        let mut s = b[i];
        for j in i + 1..m {
            s -= lu[i * m + j] * b[j];
        }
        b[i] = s / lu[i * m + i];
    }
}

/// Scratch length of [`newton`] for `m` unknowns.
pub fn newton_work_len(m: usize) -> usize {
    m * m + 4 * m
}

/// Solves `R(u) = 0` by Newton's method `J(u_k) Δ = −R(u_k)`, `u_{k+1} = u_k + Δ`, starting from
/// `u`. `resid(u, r)` writes `R(u)` (one rhs evaluation); `jac(u, J)` writes `∂R/∂u` row-major
/// and returns true, or returns false and the Jacobian is formed by forward differences
/// `J e_j ≈ (R(u + δ_j e_j) − R(u))/δ_j`, `δ_j = √ε·max(1, |u_j|)`. Converged when
/// `‖Δ‖∞ ≤ tol·(1 + ‖u‖∞)`. `work` has [`newton_work_len`]`(m)` entries; nothing is allocated.
/// `t` is only used in the failure message.
#[allow(clippy::too_many_arguments)]
pub fn newton(
    m: usize,
    u: &mut [f64],
    resid: &mut dyn FnMut(&[f64], &mut [f64]),
    jac: &mut dyn FnMut(&[f64], &mut [f64]) -> bool,
    work: &mut [f64],
    opts: NewtonOpts,
    stats: &mut Stats,
    t: f64,
) -> Result<()> {
    let (mat, rest) = work.split_at_mut(m * m);
    let (r, rest) = rest.split_at_mut(m);
    let (r2, rest) = rest.split_at_mut(m);
    let (du, rest) = rest.split_at_mut(m);
    let piv = &mut rest[..m];
    let mut last = f64::NAN;
    for _ in 0..opts.max_iter {
        resid(u, r);
        stats.rhs_evals += 1;
        stats.jac_evals += 1;
        if !jac(u, mat) {
            for j in 0..m {
                let uj = u[j];
                let d = f64::EPSILON.sqrt() * uj.abs().max(1.0);
                u[j] = uj + d;
                resid(u, r2);
                u[j] = uj;
                for i in 0..m {
                    mat[i * m + j] = (r2[i] - r[i]) / d;
                }
            }
            stats.rhs_evals += m as u64;
        }
        if !lu_factor(m, mat, piv) {
            return Err(Error::numerical(format!(
                "Newton matrix is singular or not finite at t = {t}"
            )));
        }
        for i in 0..m {
            du[i] = -r[i];
        }
        lu_solve(m, mat, piv, du);
        stats.newton_iters += 1;
        let mut dmax = 0.0f64;
        let mut umax = 0.0f64;
        for i in 0..m {
            u[i] += du[i];
            dmax = dmax.max(du[i].abs());
            umax = umax.max(u[i].abs());
        }
        last = dmax;
        if !(dmax.is_finite() && umax.is_finite()) {
            break;
        }
        if dmax <= opts.tol * (1.0 + umax) {
            return Ok(());
        }
    }
    Err(Error::numerical(format!(
        "Newton did not converge in {} iterations at t = {t}, last increment {last:e}",
        opts.max_iter
    )))
}

/// The θ-method `y1 = y0 + h[(1−θ) F(t, y0) + θ F(t + h, y1)]` solved for `y1` by [`newton`]
/// with `R(u) = u − y0 − h(1−θ)F(t, y0) − hθ F(t+h, u)` and `∂R/∂u = I − hθ ∂F/∂y` (analytic
/// when the system provides it). θ = 1 is backward Euler (order 1, L-stable), θ = ½ the
/// trapezoidal rule (order 2, A-stable); both have `|R(hλ)| < 1` for every `h > 0`, `λ < 0`.
#[derive(Debug, Clone, Copy)]
pub struct ThetaMethod {
    /// Implicitness θ ∈ {½, 1}.
    pub theta: f64,
    /// Newton controls.
    pub newton: NewtonOpts,
}

impl ThetaMethod {
    /// Backward Euler (θ = 1) with default Newton controls.
    pub fn backward_euler() -> Self {
        ThetaMethod {
            theta: 1.0,
            newton: NewtonOpts::default(),
        }
    }

    /// The trapezoidal rule (θ = ½) with default Newton controls.
    pub fn trapezoid() -> Self {
        ThetaMethod {
            theta: 0.5,
            newton: NewtonOpts::default(),
        }
    }
}

impl Stepper for ThetaMethod {
    fn name(&self) -> &'static str {
        if self.theta == 0.5 {
            "trapezoid"
        } else {
            "backward-euler"
        }
    }

    fn validate(&self) -> Result<()> {
        if self.theta != 0.5 && self.theta != 1.0 {
            return Err(Error::spec(format!(
                "theta-method: theta must be 1/2 (trapezoid) or 1 (backward Euler), got {}",
                self.theta
            )));
        }
        self.newton.validate(self.name())
    }

    fn order(&self) -> u32 {
        if self.theta == 0.5 {
            2
        } else {
            1
        }
    }

    fn work_len(&self, dim: usize) -> usize {
        2 * dim + newton_work_len(dim)
    }

    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
        stats: &mut Stats,
    ) -> Result<()> {
        let n = y.len();
        let (base, rest) = work.split_at_mut(n);
        let (u, nw) = rest.split_at_mut(n);
        let theta = self.theta;
        // base = y0 + h(1−θ)F(t, y0); initial guess u = y0 + h F(t, y0) (trapezoid) or y0.
        if theta < 1.0 {
            sys.rhs(t, y, base);
            stats.rhs_evals += 1;
            for i in 0..n {
                u[i] = y[i] + h * base[i];
                base[i] = y[i] + h * (1.0 - theta) * base[i];
            }
        } else {
            base.copy_from_slice(y);
            u.copy_from_slice(y);
        }
        let t1 = t + h;
        let ht = h * theta;
        let base: &[f64] = base;
        let mut resid = |u: &[f64], r: &mut [f64]| {
            sys.rhs(t1, u, r);
            for i in 0..n {
                r[i] = u[i] - base[i] - ht * r[i];
            }
        };
        let mut jac = |u: &[f64], j: &mut [f64]| {
            if !sys.jacobian(t1, u, j) {
                return false;
            }
            for (k, v) in j.iter_mut().enumerate() {
                *v = if k / n == k % n { 1.0 } else { 0.0 } - ht * *v;
            }
            true
        };
        newton(n, u, &mut resid, &mut jac, nw, self.newton, stats, t1)?;
        y.copy_from_slice(u);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lu_matches_nalgebra() {
        let m = 4;
        let a = [
            0.0, 2.0, 1.0, -1.0, 3.0, 1.0, 0.5, 2.0, -1.0, 4.0, 2.0, 0.0, 1.0, 1.0, 1.0, 5.0,
        ];
        let b = [1.0, -2.0, 0.5, 3.0];
        let mut lu = a;
        let mut piv = [0.0; 4];
        assert!(lu_factor(m, &mut lu, &mut piv));
        let mut x = b;
        lu_solve(m, &lu, &piv, &mut x);
        let na = nalgebra::DMatrix::from_row_slice(m, m, &a);
        let nx = na
            .lu()
            .solve(&nalgebra::DVector::from_row_slice(&b))
            .unwrap();
        for i in 0..m {
            assert!((x[i] - nx[i]).abs() < 1e-13, "{i}: {} vs {}", x[i], nx[i]);
        }
        let mut sing = [1.0, 2.0, 2.0, 4.0];
        assert!(!lu_factor(2, &mut sing, &mut piv[..2]));
    }

    #[test]
    fn newton_failure_is_reported() {
        // R(u) = u² + 1 has no real root.
        let mut u = [0.5];
        let mut w = vec![0.0; newton_work_len(1)];
        let mut st = Stats::default();
        let e = newton(
            1,
            &mut u,
            &mut |u, r| r[0] = u[0] * u[0] + 1.0,
            &mut |u, j| {
                j[0] = 2.0 * u[0];
                true
            },
            &mut w,
            NewtonOpts {
                tol: 1e-12,
                max_iter: 7,
            },
            &mut st,
            1.5,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("Newton did not converge in 7 iterations at t = 1.5, last increment"),
            "{e}"
        );
        assert_eq!(st.newton_iters, 7);
    }

    #[test]
    fn newton_finite_difference_converges_quadratically_enough() {
        // R(u) = (u0² − 2, u0 u1 − 1): root (√2, 1/√2).
        let mut u = [1.0, 1.0];
        let mut w = vec![0.0; newton_work_len(2)];
        let mut st = Stats::default();
        newton(
            2,
            &mut u,
            &mut |u, r| {
                r[0] = u[0] * u[0] - 2.0;
                r[1] = u[0] * u[1] - 1.0;
            },
            &mut |_, _| false,
            &mut w,
            NewtonOpts::default(),
            &mut st,
            0.0,
        )
        .unwrap();
        assert!((u[0] - 2f64.sqrt()).abs() < 1e-12 && (u[1] - 0.5f64.sqrt()).abs() < 1e-12);
        assert!(st.newton_iters <= 8, "{}", st.newton_iters);
    }
}
