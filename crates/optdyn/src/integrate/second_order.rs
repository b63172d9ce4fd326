//! Schemes for second-order systems `x'' = A(t, x, v)`, `v = x'`.
//!
//! They act on any [`OdeSystem`] whose state is laid out `[x (n), v (n)]` with
//! `F(t, [x, v]) = [v, A(t, x, v)]` (`dim = 2n`): `A` is read from the second half of the
//! right-hand side, the first half is ignored. A system must declare that layout
//! ([`OdeSystem::second_order_layout`]) and have an even dimension; otherwise
//! [`Stepper::check_system`] rejects it and the driver stops with `StopReason::Failed` (a
//! first-order model such as `adam-ide2`'s `[θ, θ', m, m', v, v']` would otherwise be split into
//! meaningless halves).

use super::implicit::{newton, newton_opts, newton_work_len, NewtonOpts, IMPLICIT_PARAMS};
use super::{OdeSystem, Stats, Stepper};
use crate::spec::{check, ParamInfo, Spec};
use crate::{Error, Result};

fn second_order_system(who: &str, sys: &dyn OdeSystem) -> Result<()> {
    let dim = sys.dim();
    if dim == 0 || dim % 2 == 1 {
        return Err(Error::spec(format!(
            "{who}: needs a second-order state [x, v] of even dimension, got dim = {dim}"
        )));
    }
    if !sys.second_order_layout() {
        return Err(Error::spec(format!(
            "{who}: needs a second-order system x'' = A(t, x, v) with state [x, v]; this system \
             (dim = {dim}) is first-order (use a first-order scheme such as rk4 or dopri5)"
        )));
    }
    Ok(())
}

/// Newmark-β (Newmark 1959; lecture "Newmark Methods"):
/// `x1 = x + h v + h²/2 ((1−2β) A0 + 2β A1)`, `v1 = v + h ((1−γ) A0 + γ A1)`,
/// `A1 = A(t + h, x1, v1)`, solved for `A1` by [`newton`] with
/// `R(a) = a − A(t+h, x̃ + βh² a, ṽ + γh a)`, `∂R/∂a = I − βh² ∂A/∂x − γh ∂A/∂v`.
/// Order 2 iff γ = ½ (else 1). γ = ½, β = ¼ is the trapezoidal rule on `(x, v)`; β = 0, γ = ½
/// is central differencing.
#[derive(Debug, Clone, Copy)]
pub struct Newmark {
    /// β ∈ [0, ½].
    pub beta: f64,
    /// γ ∈ [0, 1].
    pub gamma: f64,
    /// Newton controls.
    pub newton: NewtonOpts,
}

impl Newmark {
    /// Newmark-β with the given β, γ and default Newton controls.
    pub fn new(beta: f64, gamma: f64) -> Self {
        Newmark {
            beta,
            gamma,
            newton: NewtonOpts::default(),
        }
    }
}

impl Stepper for Newmark {
    fn name(&self) -> &'static str {
        "newmark"
    }

    fn validate(&self) -> Result<()> {
        check::in_closed("newmark", "beta", self.beta, 0.0, 0.5)?;
        check::in_closed("newmark", "gamma", self.gamma, 0.0, 1.0)?;
        self.newton.validate("newmark")
    }

    fn order(&self) -> u32 {
        if self.gamma == 0.5 {
            2
        } else {
            1
        }
    }

    fn work_len(&self, dim: usize) -> usize {
        let n = dim / 2;
        3 * n + 3 * dim + dim * dim + newton_work_len(n)
    }

    fn check_system(&self, sys: &dyn OdeSystem) -> Result<()> {
        second_order_system("newmark", sys)
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
        let dim = y.len();
        let n = dim / 2;
        let (xp, rest) = work.split_at_mut(n);
        let (vp, rest) = rest.split_at_mut(n);
        let (a, rest) = rest.split_at_mut(n);
        let (z, rest) = rest.split_at_mut(dim);
        let (f, rest) = rest.split_at_mut(dim);
        let (zj, rest) = rest.split_at_mut(dim);
        let (jfull, nw) = rest.split_at_mut(dim * dim);
        let (beta, gamma) = (self.beta, self.gamma);
        sys.rhs(t, y, f);
        stats.rhs_evals += 1;
        for i in 0..n {
            let a0 = f[n + i];
            xp[i] = y[i] + h * y[n + i] + 0.5 * h * h * (1.0 - 2.0 * beta) * a0;
            vp[i] = y[n + i] + h * (1.0 - gamma) * a0;
            a[i] = a0;
        }
        let t1 = t + h;
        let (bh2, gh) = (beta * h * h, gamma * h);
        let (xp, vp): (&[f64], &[f64]) = (xp, vp);
        let mut resid = |a: &[f64], r: &mut [f64]| {
            for i in 0..n {
                z[i] = xp[i] + bh2 * a[i];
                z[n + i] = vp[i] + gh * a[i];
            }
            sys.rhs(t1, z, f);
            for i in 0..n {
                r[i] = a[i] - f[n + i];
            }
        };
        let mut jac = |a: &[f64], j: &mut [f64]| {
            for i in 0..n {
                zj[i] = xp[i] + bh2 * a[i];
                zj[n + i] = vp[i] + gh * a[i];
            }
            if !sys.jacobian(t1, zj, jfull) {
                return false;
            }
            for i in 0..n {
                let row = &jfull[(n + i) * dim..(n + i + 1) * dim];
                for k in 0..n {
                    let d = if i == k { 1.0 } else { 0.0 };
                    j[i * n + k] = d - bh2 * row[k] - gh * row[n + k];
                }
            }
            true
        };
        newton(n, a, &mut resid, &mut jac, nw, self.newton, stats, t1)?;
        for i in 0..n {
            y[i] = xp[i] + bh2 * a[i];
            y[n + i] = vp[i] + gh * a[i];
        }
        Ok(())
    }
}

/// Staggered central differencing with velocity-implicit closing half step (lecture "Staggered
/// Central Differencing"): `v½ = v + h/2 A(t, x, v)`, `x1 = x + h v½` (explicit),
/// `v1 = v½ + h/2 A(t + h, x1, v1)` (implicit in `v` only, solved by [`newton`] with
/// `∂R/∂v = I − h/2 ∂A/∂v`; one iteration for linear damping). Algebraically the same map as
/// Newmark β = 0, γ = ½; order 2.
#[derive(Debug, Clone, Copy)]
pub struct Staggered {
    /// Newton controls.
    pub newton: NewtonOpts,
}

impl Stepper for Staggered {
    fn name(&self) -> &'static str {
        "staggered"
    }

    fn validate(&self) -> Result<()> {
        self.newton.validate("staggered")
    }

    fn order(&self) -> u32 {
        2
    }

    fn work_len(&self, dim: usize) -> usize {
        let n = dim / 2;
        2 * n + 3 * dim + dim * dim + newton_work_len(n)
    }

    fn check_system(&self, sys: &dyn OdeSystem) -> Result<()> {
        second_order_system("staggered", sys)
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
        let dim = y.len();
        let n = dim / 2;
        let (vh, rest) = work.split_at_mut(n);
        let (v1, rest) = rest.split_at_mut(n);
        let (z, rest) = rest.split_at_mut(dim);
        let (f, rest) = rest.split_at_mut(dim);
        let (zj, rest) = rest.split_at_mut(dim);
        let (jfull, nw) = rest.split_at_mut(dim * dim);
        sys.rhs(t, y, f);
        stats.rhs_evals += 1;
        let (x, v) = y.split_at_mut(n);
        for i in 0..n {
            vh[i] = v[i] + 0.5 * h * f[n + i];
            x[i] += h * vh[i];
            v1[i] = vh[i] + 0.5 * h * f[n + i];
        }
        let t1 = t + h;
        let hh = 0.5 * h;
        let (x, vh): (&[f64], &[f64]) = (x, vh);
        let mut resid = |u: &[f64], r: &mut [f64]| {
            z[..n].copy_from_slice(x);
            z[n..].copy_from_slice(u);
            sys.rhs(t1, z, f);
            for i in 0..n {
                r[i] = u[i] - vh[i] - hh * f[n + i];
            }
        };
        let mut jac = |u: &[f64], j: &mut [f64]| {
            zj[..n].copy_from_slice(x);
            zj[n..].copy_from_slice(u);
            if !sys.jacobian(t1, zj, jfull) {
                return false;
            }
            for i in 0..n {
                for k in 0..n {
                    let d = if i == k { 1.0 } else { 0.0 };
                    j[i * n + k] = d - hh * jfull[(n + i) * dim + n + k];
                }
            }
            true
        };
        newton(n, v1, &mut resid, &mut jac, nw, self.newton, stats, t1)?;
        v.copy_from_slice(v1);
        Ok(())
    }
}

/// Velocity Verlet / leapfrog (kick–drift–kick): `v½ = v + h/2 A(t, x, v)`, `x1 = x + h v½`,
/// `v1 = v½ + h/2 A(t + h, x1, v*)`. For forces independent of `v` this is exactly velocity
/// Verlet (symplectic, order 2). For velocity-dependent forces the closing kick evaluates `A` at
/// the Euler-predicted velocity `v* = v + h A(t, x, v)`, which differs from `v1` by `O(h²)` and
/// so keeps the local error `O(h³)` (order 2) with the same two evaluations per step.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verlet;

impl Stepper for Verlet {
    fn name(&self) -> &'static str {
        "verlet"
    }

    fn order(&self) -> u32 {
        2
    }

    fn work_len(&self, dim: usize) -> usize {
        2 * dim + dim / 2
    }

    fn check_system(&self, sys: &dyn OdeSystem) -> Result<()> {
        second_order_system("verlet", sys)
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
        let dim = y.len();
        let n = dim / 2;
        let (z, rest) = work.split_at_mut(dim);
        let (f, rest) = rest.split_at_mut(dim);
        let a1 = &mut rest[..n];
        sys.rhs(t, y, f);
        let (x, v) = y.split_at_mut(n);
        for i in 0..n {
            let a0 = f[n + i];
            // z = (x1, v*) with v* = v + h a0; v becomes v½.
            z[n + i] = v[i] + h * a0;
            v[i] += 0.5 * h * a0;
            x[i] += h * v[i];
        }
        z[..n].copy_from_slice(x);
        sys.rhs(t + h, z, f);
        a1.copy_from_slice(&f[n..]);
        for i in 0..n {
            v[i] += 0.5 * h * a1[i];
        }
        stats.rhs_evals += 2;
        Ok(())
    }
}

/// Symplectic (semi-implicit) Euler, kick then drift: `v1 = v + h A(t, x, v)`, `x1 = x + h v1`
/// (the lecture's "ML momentum": forward Euler on `v`, backward Euler on `x`). Order 1,
/// symplectic for `v`-independent forces.
#[derive(Debug, Clone, Copy, Default)]
pub struct SymplecticEuler;

impl Stepper for SymplecticEuler {
    fn name(&self) -> &'static str {
        "symplectic-euler"
    }

    fn order(&self) -> u32 {
        1
    }

    fn work_len(&self, dim: usize) -> usize {
        dim
    }

    fn check_system(&self, sys: &dyn OdeSystem) -> Result<()> {
        second_order_system("symplectic-euler", sys)
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
        let n = y.len() / 2;
        sys.rhs(t, y, work);
        let (x, v) = y.split_at_mut(n);
        for i in 0..n {
            v[i] += h * work[n + i];
            x[i] += h * v[i];
        }
        stats.rhs_evals += 1;
        Ok(())
    }
}

/// Parameters of `newmark`.
pub const NEWMARK_PARAMS: [ParamInfo; 6] = [
    ParamInfo {
        key: "beta",
        default: "0.25",
        help: "Newmark beta in [0, 0.5] (0.25 trapezoid, 0 central difference)",
    },
    ParamInfo {
        key: "gamma",
        default: "0.5",
        help: "Newmark gamma in [0, 1] (order 2 iff 0.5)",
    },
    IMPLICIT_PARAMS[0],
    IMPLICIT_PARAMS[1],
    IMPLICIT_PARAMS[2],
    IMPLICIT_PARAMS[3],
];

/// Builds `newmark:beta=…,gamma=…` (with Newton controls) from its spec.
pub fn newmark_from_spec(s: &Spec) -> Result<Newmark> {
    let m = Newmark {
        beta: s.f64("beta", 0.25)?,
        gamma: s.f64("gamma", 0.5)?,
        newton: newton_opts(s)?,
    };
    m.validate()?;
    Ok(m)
}
