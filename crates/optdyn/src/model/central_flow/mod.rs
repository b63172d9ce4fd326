//! Central flows: the time-averaged trajectory of an optimizer at the edge of stability (Cohen,
//! Damian, Talwalkar, Kolter & Lee, "Understanding optimization in deep learning with central
//! flows", ICLR 2025, arXiv:2410.24206; equations as on the authors' site
//! centralflows.github.io and in their code, checked in research/stochastic_and_eos.md and the
//! issue note).
//!
//! Gradient descent with step `η` is stable only while the sharpness `S = λ_max(∇²f) ≤ 2/η`. At
//! the edge it oscillates along the top eigenvectors `U` with covariance `Σ = U X Uᵀ`, and its
//! time average follows
//!
//! `dw/dk = −η[∇f + ½∇⟨∇²f, Σ⟩]` (time in steps),
//!
//! with `X ⪰ 0` the unique solution of the complementarity problem that keeps every eigenvalue at
//! or below the threshold: `X ⪰ 0`, `M ⪰ 0`, `⟨X, M⟩ = 0` where `M` is the rate at which the
//! gaps `2/η − UᵀHU` would close ([`sdcp`]). With one unstable direction
//! `σ² = X = 2⟨−∇f, ∇S⟩/‖∇S‖²`, `∇S = ∇ₓ(uᵀ∇²f u) = D³f[u, u, ·]`
//! ([`crate::objective::Objective::curvature_gradient`]); below the threshold `X = 0` and the
//! central flow is gradient flow. `∇⟨H, Σ⟩ = Σ_ab X_ab D³f[u_a, u_b, ·]` with `U` frozen, the
//! mixed third derivatives by polarisation,
//! `D³f[u_a, u_b, ·] = ¼(D³f[u_a + u_b, u_a + u_b, ·] − D³f[u_a − u_b, u_a − u_b, ·])`.
//!
//! ## optdyn's form
//!
//! * Clock `t = k·η` (the project's), so `dw/dt = −[∇f + ½∇⟨H, Σ⟩]`.
//! * The paper's flow is a differential-algebraic system on `{S = 2/η}`; as an ODE we pose the
//!   complementarity on the stabilised rate (Baumgarte 1972): the gap may close no faster than
//!   `κ(2/η − λ)`, `κ = restore/η`. It switches on as the sharpness approaches the threshold and
//!   holds it there to `O(λ̇/κ)`; `restore → ∞` is the exact flow. The default `restore = 4` is
//!   the authors' code, which removes the residual within one of four substeps per step.
//! * The top `dirs` eigenpairs are tracked ([`crate::symeig`], warm-started from the previous
//!   evaluation). The right-hand side solves an eigenproblem and allocates: these models are
//!   for analysis, not for sweeps.
//! * A state where no bounded oscillation can hold the eigenvalues (`∇S = 0` above the
//!   threshold, e.g. a quadratic, where GD diverges) has no central flow: the right-hand side is
//!   NaN there and the run stops with a non-finite stop naming the step.

pub mod gd;
pub mod rmsprop;
pub(crate) mod sdcp;

pub use gd::CentralFlow;
pub use rmsprop::RmspropCentralFlow;

use crate::model::canonical;
use crate::objective::Objective;
use crate::run::RunInfo;
use crate::spec::{check, fmt_f64, ParamInfo, Spec};
use crate::symeig::{Hessian, Method};
use crate::{Error, Result};
use nalgebra::DMatrix;
use std::sync::Mutex;

/// The keys both central flows take.
pub(crate) const PARAMS: [ParamInfo; 2] = [
    ParamInfo {
        key: "dirs",
        default: "3",
        help: "top eigenpairs tracked (the most directions that can oscillate), 1..=n (capped at n)",
    },
    ParamInfo {
        key: "restore",
        default: "4",
        help: "restoring rate κ·lr > 0 that holds the eigenvalues at the threshold (∞ = the exact flow)",
    },
];

/// The edge of stability at a point: the tracked eigenpairs and the third derivatives
/// `G_ab = D³f[u_a, u_b, ·]`.
pub(crate) struct Edge {
    /// Eigenvalues `λ_a` (decreasing).
    pub(crate) values: Vec<f64>,
    /// `G_ab` for `a, b < k`, row `a·k + b` of `n` entries (`G_ab = G_ba`).
    pub(crate) g: Vec<Vec<f64>>,
}

impl Edge {
    /// The number of tracked directions `k`.
    pub(crate) fn k(&self) -> usize {
        self.values.len()
    }

    /// `⟨G_ab, v⟩` as a symmetric `k×k` matrix.
    pub(crate) fn along(&self, v: &[f64]) -> DMatrix<f64> {
        let k = self.k();
        DMatrix::from_fn(k, k, |a, b| dot(&self.g[a * k + b], v))
    }

    /// `Gram_{(cd),(ab)} = ⟨G_cd, G_ab⟩` (`k²×k²`).
    pub(crate) fn gram(&self) -> DMatrix<f64> {
        let kk = self.g.len();
        DMatrix::from_fn(kk, kk, |r, c| dot(&self.g[r], &self.g[c]))
    }

    /// `out += c·Σ_ab X_ab G_ab`.
    pub(crate) fn add_contraction(&self, x: &DMatrix<f64>, c: f64, out: &mut [f64]) {
        let k = self.k();
        for a in 0..k {
            for b in 0..k {
                let w = c * x[(a, b)];
                if w != 0.0 {
                    out.iter_mut()
                        .zip(&self.g[a * k + b])
                        .for_each(|(o, gi)| *o += w * gi);
                }
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The tracked top eigenpairs of `∇²f(w)` (warm-started from `warm`) and the third derivatives.
pub(crate) fn edge(
    obj: &dyn Objective,
    w: &[f64],
    dirs: usize,
    warm: &Mutex<Vec<f64>>,
) -> Result<Edge> {
    let n = w.len();
    let op = Hessian::new(obj, w);
    let e = match warm.try_lock() {
        Ok(mut start) => {
            let seed = (start.len() == dirs * n).then_some(start.as_slice());
            let e = Method::Auto.top(&op, dirs, seed)?;
            start.clone_from(&e.vectors);
            e
        }
        Err(_) => Method::Auto.top(&op, dirs, None)?,
    };
    let k = dirs;
    let mut g = vec![Vec::new(); k * k];
    let mut plus = vec![0.0; n];
    let mut minus = vec![0.0; n];
    let mut gp = vec![0.0; n];
    let mut gm = vec![0.0; n];
    for a in 0..k {
        let mut diag = vec![0.0; n];
        obj.curvature_gradient(w, e.vector(a), &mut diag);
        g[a * k + a] = diag;
        for b in 0..a {
            for i in 0..n {
                plus[i] = e.vector(a)[i] + e.vector(b)[i];
                minus[i] = e.vector(a)[i] - e.vector(b)[i];
            }
            obj.curvature_gradient(w, &plus, &mut gp);
            obj.curvature_gradient(w, &minus, &mut gm);
            let mixed: Vec<f64> = gp.iter().zip(&gm).map(|(p, m)| 0.25 * (p - m)).collect();
            g[b * k + a] = mixed.clone();
            g[a * k + b] = mixed;
        }
    }
    Ok(Edge {
        values: e.values,
        g,
    })
}

/// The keys `dirs` and `restore` of a central flow's spec (defaults 3 and 4), checked for
/// unknown keys.
pub(crate) fn spec_keys(s: &Spec) -> Result<(usize, f64)> {
    let dirs = s.usize("dirs", 3)?;
    let restore = s.f64("restore", 4.0)?;
    s.finish(&PARAMS)?;
    Ok((dirs, restore))
}

/// `model` with its non-default keys (`dirs` defaults to `min(3, n)`).
pub(crate) fn canonical_name(model: &str, dirs: usize, restore: f64, n: usize) -> String {
    let mut options = Vec::new();
    if dirs != 3.min(n) {
        options.push(("dirs", dirs.to_string()));
    }
    if restore != 4.0 {
        options.push(("restore", fmt_f64(restore)));
    }
    canonical(model, &options)
}

/// Reads `dirs` (capped at `n`) and `restore` (> 0).
pub(crate) fn read_params(
    model: &str,
    dirs: usize,
    restore: f64,
    n: usize,
) -> Result<(usize, f64)> {
    if dirs == 0 {
        return Err(Error::param(
            model,
            "dirs",
            0.0,
            crate::error::Allowed::Positive,
        ));
    }
    let restore = check::positive(model, "restore", restore)?;
    Ok((dirs.min(n), restore))
}

/// The oscillation columns of a central flow's run: `sigma2_0…` (the eigenvalues of `X`, the
/// variances of the oscillation along its principal directions) and `cf_loss` (the predicted
/// time-averaged loss `f(w) + ½⟨H, Σ⟩`).
pub(crate) fn oscillation_columns(model: &str, dirs: usize, run: &RunInfo) -> Result<Vec<String>> {
    if run.kind != crate::run::Kind::Model {
        return Err(Error::spec(format!(
            "{model}: its oscillation is measured along its own (model) run"
        )));
    }
    let mut c: Vec<String> = (0..dirs).map(|i| format!("sigma2_{i}")).collect();
    c.push("cf_loss".into());
    Ok(c)
}

/// Writes the eigenvalues of `X` (decreasing) and `f(w) + ½Σ_a λ_a X_aa` into `out`.
pub(crate) fn write_oscillation(edge: &Edge, x: &DMatrix<f64>, loss: f64, out: &mut [f64]) {
    let k = edge.k();
    let mut ev: Vec<f64> = x
        .clone()
        .symmetric_eigen()
        .eigenvalues
        .iter()
        .copied()
        .collect();
    ev.sort_by(|a, b| b.total_cmp(a));
    out.fill(0.0);
    out[..k].copy_from_slice(&ev);
    let avg: f64 = (0..k).map(|a| edge.values[a] * x[(a, a)]).sum::<f64>() * 0.5;
    *out.last_mut().expect("cf_loss column") = loss + avg;
}
