//! The midpoint variational integrator (Marsden & West 2001, "Discrete mechanics and variational
//! integrators", Acta Numerica 10, 357–514: discrete Lagrangian §2.2, the midpoint rule as a
//! variational integrator §2.6/§4, discrete Legendre transforms §1.5).

use super::{partials, solve_linear, Lagrangian};
use crate::error::Allowed;
use crate::{Error, Result};

/// The variational integrator of the midpoint discrete Lagrangian
///
/// `L_d(q0, q1; t0) = h·L(t0 + h/2, (q0 + q1)/2, (q1 − q0)/h)`,
///
/// whose partial derivatives are, with `L` and its partials at that midpoint,
/// `D1 L_d = (h/2)∂L/∂q − ∂L/∂q̇` and `D2 L_d = (h/2)∂L/∂q + ∂L/∂q̇`. The discrete
/// Euler–Lagrange equations
///
/// `D2 L_d(q_{k−1}, q_k; t_{k−1}) + D1 L_d(q_k, q_{k+1}; t_k) = 0`
///
/// are solved for `q_{k+1}` by Newton's method with the Jacobian
/// `∂(D1 L_d)/∂q1 = (h/4)L_qq + ½L_qq̇ − ½L_q̇q − (1/h)L_q̇q̇` from [`partials`]. The start
/// `(q0, q̇0)` enters through the discrete Legendre transform `p0 = −D1 L_d(q0, q1)` with
/// `p0 = ∂L/∂q̇(t0, q0, q̇0)`; in general `p_k = D2 L_d(q_{k−1}, q_k)`. The equation at step k is
/// evaluated with `L` relative to `s = t_k` ([`super::relative`]; one positive factor per
/// equation, so the iterates are those of `L` itself). Second order in `h` for regular `L`.
///
/// Newton stops when the update satisfies `‖Δq‖∞ ≤ tol·(1 + ‖q_{k+1}‖∞)`; it fails with an
/// [`Error`] naming the step if the Jacobian is singular, an iterate is not finite, or
/// `max_iter` iterations do not reach the tolerance.
#[derive(Debug, Clone, Copy)]
pub struct Variational {
    /// Step `h > 0`.
    pub h: f64,
    /// Newton tolerance (relative update), default `1e-13`.
    pub tol: f64,
    /// Newton iteration cap, default 50.
    pub max_iter: u32,
}

/// Positions `q_k` at `t_k = t0 + k·h` and the discrete momenta `p_k = D2 L_d(q_{k−1}, q_k)`
/// (relative to `t_k`, i.e. of `e^{−w(t_k)}L`; `p_0` is the given `∂L/∂q̇` at the start).
#[derive(Debug, Clone)]
pub struct VarSolution {
    /// `n`.
    pub n: usize,
    /// Times `t_k`.
    pub t: Vec<f64>,
    /// Positions, row-major `len × n`.
    pub q: Vec<f64>,
    /// Discrete momenta, row-major `len × n`.
    pub p: Vec<f64>,
    /// Newton iterations, in total.
    pub newton_iters: u64,
}

impl VarSolution {
    /// `q_k`.
    pub fn q(&self, k: usize) -> &[f64] {
        &self.q[k * self.n..(k + 1) * self.n]
    }
    /// Coordinate `i` of every `q_k`.
    pub fn q_series(&self, i: usize) -> Vec<f64> {
        self.q.iter().skip(i).step_by(self.n).copied().collect()
    }
    /// Number of recorded steps (`steps + 1`).
    pub fn len(&self) -> usize {
        self.t.len()
    }
    /// True when nothing is recorded (never, after a successful solve).
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }
}

impl Variational {
    /// The integrator with step `h` (finite, `> 0`), tolerance `1e-13` and 50 iterations.
    pub fn new(h: f64) -> Result<Self> {
        if !(h.is_finite() && h > 0.0) {
            return Err(Error::param("variational", "h", h, Allowed::Positive));
        }
        Ok(Variational {
            h,
            tol: 1e-13,
            max_iter: 50,
        })
    }

    /// The same integrator with Newton tolerance `tol` (in `(0, 1)`) and cap `max_iter ≥ 1`.
    pub fn newton(mut self, tol: f64, max_iter: u32) -> Result<Self> {
        if !(tol > 0.0 && tol < 1.0) {
            return Err(Error::param(
                "variational",
                "tol",
                tol,
                Allowed::Open(0.0, 1.0),
            ));
        }
        if max_iter == 0 {
            return Err(Error::param(
                "variational",
                "max_iter",
                0.0,
                Allowed::Closed(1.0, f64::INFINITY),
            ));
        }
        self.tol = tol;
        self.max_iter = max_iter;
        Ok(self)
    }

    /// `D1 L_d(q0, q1; t0)` (relative to `s = t0`) and, if `jac` is given, `∂/∂q1` of it.
    fn d1(
        &self,
        l: &(impl Lagrangian + ?Sized),
        t0: f64,
        q0: &[f64],
        q1: &[f64],
        out: &mut [f64],
        jac: Option<&mut [f64]>,
    ) {
        let (h, n) = (self.h, q0.len());
        let (qm, v) = midpoint(h, q0, q1);
        let d = partials(l, t0, t0 + 0.5 * h, &qm, &v);
        for (i, o) in out.iter_mut().enumerate() {
            *o = 0.5 * h * d.l_q(i) - d.l_v(i);
        }
        if let Some(jac) = jac {
            for i in 0..n {
                for j in 0..n {
                    jac[i * n + j] = 0.25 * h * d.l_qq(i, j) + 0.5 * d.l_qv(i, j)
                        - 0.5 * d.l_vq(i, j)
                        - d.l_vv(i, j) / h;
                }
            }
        }
    }

    /// `D2 L_d(q0, q1; t0)` relative to `s`.
    fn d2(
        &self,
        l: &(impl Lagrangian + ?Sized),
        s: f64,
        t0: f64,
        q0: &[f64],
        q1: &[f64],
    ) -> Vec<f64> {
        let h = self.h;
        let (qm, v) = midpoint(h, q0, q1);
        let d = partials(l, s, t0 + 0.5 * h, &qm, &v);
        (0..q0.len())
            .map(|i| 0.5 * h * d.l_q(i) + d.l_v(i))
            .collect()
    }

    /// `steps` steps from `q(t0) = q0`, `q̇(t0) = qdot0`.
    pub fn solve(
        &self,
        l: &(impl Lagrangian + ?Sized),
        t0: f64,
        q0: &[f64],
        qdot0: &[f64],
        steps: usize,
    ) -> Result<VarSolution> {
        let n = l.dim();
        for (field, x) in [("q0", q0), ("qdot0", qdot0)] {
            if x.len() != n {
                return Err(Error::spec(format!(
                    "variational: {field} has length {}, the Lagrangian's dim is {n}",
                    x.len()
                )));
            }
            if let Some(bad) = x.iter().find(|v| !v.is_finite()) {
                return Err(Error::param("variational", field, *bad, Allowed::Finite));
            }
        }
        if !t0.is_finite() {
            return Err(Error::param("variational", "t0", t0, Allowed::Finite));
        }
        let h = self.h;
        let mut sol = VarSolution {
            n,
            t: Vec::with_capacity(steps + 1),
            q: Vec::with_capacity((steps + 1) * n),
            p: Vec::with_capacity((steps + 1) * n),
            newton_iters: 0,
        };
        let start = partials(l, t0, t0, q0, qdot0);
        let mut p: Vec<f64> = (0..n).map(|i| start.l_v(i)).collect();
        sol.t.push(t0);
        sol.q.extend_from_slice(q0);
        sol.p.extend_from_slice(&p);
        let mut prev = q0.to_vec();
        let mut cur = q0.to_vec();
        let mut next = vec![0.0; n];
        let (mut r, mut jac) = (vec![0.0; n], vec![0.0; n * n]);
        for k in 0..steps {
            let tk = t0 + k as f64 * h;
            // Initial guess: linear extrapolation (the start velocity at k = 0).
            for i in 0..n {
                next[i] = if k == 0 {
                    cur[i] + h * qdot0[i]
                } else {
                    2.0 * cur[i] - prev[i]
                };
            }
            let mut converged = false;
            for _ in 0..self.max_iter {
                sol.newton_iters += 1;
                self.d1(l, tk, &cur, &next, &mut r, Some(&mut jac));
                // Residual p_k + D1 L_d(q_k, q_{k+1}) = 0; Newton: J Δ = −R.
                for i in 0..n {
                    r[i] = -(r[i] + p[i]);
                }
                solve_linear(&mut jac, &mut r, || {
                    format!("variational: Newton Jacobian at step {k} (t = {tk})")
                })?;
                let mut size = 0.0_f64;
                let mut scale = 0.0_f64;
                for i in 0..n {
                    next[i] += r[i];
                    size = size.max(r[i].abs());
                    scale = scale.max(next[i].abs());
                }
                if !size.is_finite() || !scale.is_finite() {
                    return Err(Error::numerical(format!(
                        "variational: Newton iterate not finite at step {k} (t = {tk})"
                    )));
                }
                if size <= self.tol * (1.0 + scale) {
                    converged = true;
                    break;
                }
            }
            if !converged {
                return Err(Error::numerical(format!(
                    "variational: Newton did not reach tol = {:e} in max_iter = {} iterations at \
                     step {k} (t = {tk}, h = {h})",
                    self.tol, self.max_iter
                )));
            }
            let t1 = t0 + (k + 1) as f64 * h;
            p = self.d2(l, t1, tk, &cur, &next);
            prev.copy_from_slice(&cur);
            cur.copy_from_slice(&next);
            sol.t.push(t1);
            sol.q.extend_from_slice(&cur);
            sol.p.extend_from_slice(&p);
        }
        Ok(sol)
    }
}

/// `((q0 + q1)/2, (q1 − q0)/h)`.
fn midpoint(h: f64, q0: &[f64], q1: &[f64]) -> (Vec<f64>, Vec<f64>) {
    (
        q0.iter().zip(q1).map(|(a, b)| 0.5 * (a + b)).collect(),
        q0.iter().zip(q1).map(|(a, b)| (b - a) / h).collect(),
    )
}
