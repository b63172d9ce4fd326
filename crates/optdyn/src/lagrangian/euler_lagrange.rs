//! The Euler–Lagrange equation of a [`Lagrangian`] as an explicit first-order ODE.

use super::{partials, solve_linear, Lagrangian};
use crate::integrate::OdeSystem;
use crate::{Error, Result};

/// The Euler–Lagrange equation `d/dt ∂L/∂q̇ − ∂L/∂q = 0`, expanded by the chain rule into
///
/// `M q̈ = ∂L/∂q − (∂²L/∂q̇∂q)·q̇ − ∂²L/∂q̇∂t`,   `M = ∂²L/∂q̇²`,
///
/// as the system `y = [q, q̇]`, `y' = [q̇, M⁻¹(…)]` on which any [`crate::integrate`] scheme
/// runs (including the second-order ones: the layout is `[x, v]`). All derivatives are taken by
/// [`partials`] at the reference time `s = t`, i.e. of `L·e^{−w(t)}`, which has the same
/// equation at `t` (a constant factor).
///
/// Regularity: `M` must be invertible. [`EulerLagrange::new`] checks it at the initial point
/// and returns an error otherwise; if it fails later along a solution, [`OdeSystem::rhs`] (which
/// cannot return an error) writes NaN, which every integrator reports as a non-finite stop, and
/// [`EulerLagrange::acceleration`] returns the error.
pub struct EulerLagrange<L> {
    l: L,
}

impl<L: Lagrangian> EulerLagrange<L> {
    /// The Euler–Lagrange system of `l`, checked regular at `(t0, q0, q̇0)`.
    pub fn new(l: L, t0: f64, q0: &[f64], qdot0: &[f64]) -> Result<Self> {
        let n = l.dim();
        if n == 0 {
            return Err(Error::spec("lagrangian: dim must be at least 1"));
        }
        for (field, x) in [("q0", q0), ("qdot0", qdot0)] {
            if x.len() != n {
                return Err(Error::spec(format!(
                    "lagrangian: {field} has length {}, the Lagrangian's dim is {n}",
                    x.len()
                )));
            }
        }
        let el = EulerLagrange { l };
        el.acceleration(t0, q0, qdot0)?;
        Ok(el)
    }

    /// The Lagrangian.
    pub fn lagrangian(&self) -> &L {
        &self.l
    }

    /// `q̈ = M⁻¹(∂L/∂q − ∂²L/∂q̇∂q·q̇ − ∂²L/∂q̇∂t)` at `(t, q, q̇)`, or an error when the mass
    /// matrix `M = ∂²L/∂q̇²` is singular there.
    pub fn acceleration(&self, t: f64, q: &[f64], qdot: &[f64]) -> Result<Vec<f64>> {
        let n = self.l.dim();
        let d = partials(&self.l, t, t, q, qdot);
        let mut mass = vec![0.0; n * n];
        let mut rhs = vec![0.0; n];
        for i in 0..n {
            let mixed: f64 = (0..n).map(|j| d.l_vq(i, j) * qdot[j]).sum();
            rhs[i] = d.l_q(i) - mixed - d.l_vt(i);
            for j in 0..n {
                mass[i * n + j] = d.l_vv(i, j);
            }
        }
        solve_linear(&mut mass, &mut rhs, || {
            format!("lagrangian: mass matrix ∂²L/∂q̇² at t = {t}")
        })?;
        Ok(rhs)
    }
}

impl<L: Lagrangian> OdeSystem for EulerLagrange<L> {
    fn dim(&self) -> usize {
        2 * self.l.dim()
    }

    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        let n = self.l.dim();
        let (q, v) = y.split_at(n);
        dy[..n].copy_from_slice(v);
        match self.acceleration(t, q, v) {
            Ok(a) => dy[n..].copy_from_slice(&a),
            Err(_) => dy[n..].fill(f64::NAN),
        }
    }

    fn second_order_layout(&self) -> bool {
        true
    }
}
