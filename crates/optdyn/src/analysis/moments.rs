//! Exact first and second moments of SGD and of its stochastic modified equations on the
//! linear-Gaussian problem `f(x) = ½ Σ c_i x_i²` with additive gradient noise `N(0, diag σ²)`,
//! so weak errors `|E F(θ_K) − E F(X_T)|` are measured with no sampling error (the issue's
//! `--moments exact`). Per coordinate, with `a = 1 − lr·c`:
//!
//! * SGD `x_{k+1} = a x_k − lr σ ξ_k`: `m_{k+1} = a m_k`, `s_{k+1} = a² s_k + lr² σ²`;
//! * SME (`dX = −κ X dt + √lr σ dW`, `κ = c` for `sgd-sme1`, `κ = c + lr c²/2` for `sgd-sme2`,
//!   [`crate::model::sme`]): `m(t) = x0 e^{−κt}`, `s(t) = x0² e^{−2κt} + lr σ² (1 − e^{−2κt})/(2κ)`
//!   (`lr σ² t` at `κ = 0`).
//!
//! The mean part decides the orders: SME-1 misses SGD's mean by `O(lr)`, SME-2 by `O(lr²)`; the
//! stationary variances differ by `O(lr²)` for both.

use crate::error::Allowed;
use crate::model::SmeOrder;
use crate::objective::Objective;
use crate::spec::check;
use crate::{Error, Result};

/// A diagonal quadratic with additive Gaussian gradient noise and a start point.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearGaussian {
    /// Curvatures `c_i ≥ 0`.
    pub curvature: Vec<f64>,
    /// Noise standard deviations `σ_i ≥ 0`.
    pub noise: Vec<f64>,
    /// Start point.
    pub x0: Vec<f64>,
}

/// What a weak error measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Functional {
    /// `E x` (the error is the Euclidean norm of the mean difference).
    X,
    /// `E ‖x‖²`.
    X2,
    /// `E f(x) = ½ Σ c_i E x_i²`.
    Loss,
}

impl Functional {
    /// Parses `x`, `x2` or `loss`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "x" => Ok(Functional::X),
            "x2" => Ok(Functional::X2),
            "loss" => Ok(Functional::Loss),
            other => Err(Error::spec(format!(
                "weak: the functional must be x, x2 or loss, got '{other}'"
            ))),
        }
    }
}

/// Per-coordinate means and second moments.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// `E x_i`.
    pub mean: Vec<f64>,
    /// `E x_i²`.
    pub second: Vec<f64>,
}

impl LinearGaussian {
    /// Checks equal lengths, `c_i ≥ 0`, `σ_i ≥ 0`, finite entries.
    pub fn new(curvature: Vec<f64>, noise: Vec<f64>, x0: Vec<f64>) -> Result<Self> {
        let n = curvature.len();
        if n == 0 || noise.len() != n || x0.len() != n {
            return Err(Error::spec(format!(
                "moments: curvature, noise and x0 need one equal length >= 1, got {}, {}, {}",
                n,
                noise.len(),
                x0.len()
            )));
        }
        for &c in &curvature {
            check::within("moments", "curvature", c, Allowed::NonNegative)?;
            check::within("moments", "curvature", c, Allowed::Finite)?;
        }
        for &s in &noise {
            check::within("moments", "noise", s, Allowed::NonNegative)?;
            check::within("moments", "noise", s, Allowed::Finite)?;
        }
        for &x in &x0 {
            check::within("moments", "x0", x, Allowed::Finite)?;
        }
        Ok(LinearGaussian {
            curvature,
            noise,
            x0,
        })
    }

    /// SGD's moments after `steps` steps of `lr`.
    pub fn sgd(&self, lr: f64, steps: u64) -> Moments {
        let n = self.x0.len();
        let (mut mean, mut second) = (
            self.x0.clone(),
            self.x0.iter().map(|x| x * x).collect::<Vec<_>>(),
        );
        for i in 0..n {
            let a = 1.0 - lr * self.curvature[i];
            let q = lr * lr * self.noise[i] * self.noise[i];
            for _ in 0..steps {
                mean[i] *= a;
                second[i] = a * a * second[i] + q;
            }
        }
        Moments { mean, second }
    }

    /// The moments of the SME of `order` at time `t` for learning rate `lr`.
    pub fn sme(&self, lr: f64, t: f64, order: SmeOrder) -> Moments {
        let (mut mean, mut second) = (Vec::new(), Vec::new());
        for i in 0..self.x0.len() {
            let c = self.curvature[i];
            let kappa = match order {
                SmeOrder::First => c,
                SmeOrder::Second => c + 0.5 * lr * c * c,
            };
            let x0 = self.x0[i];
            let decay = (-kappa * t).exp();
            // (1 − e^{−2κt})/(2κ), = t at κ = 0.
            let window = if kappa == 0.0 {
                t
            } else {
                -(-2.0 * kappa * t).exp_m1() / (2.0 * kappa)
            };
            mean.push(x0 * decay);
            second.push(x0 * x0 * decay * decay + lr * self.noise[i] * self.noise[i] * window);
        }
        Moments { mean, second }
    }

    /// `|E F(θ_K) − E F(X_T)|` for SGD with `lr` against its SME of `order` at `T = K·lr`,
    /// `K = round(t_end/lr)`.
    pub fn weak_error(&self, lr: f64, t_end: f64, order: SmeOrder, f: Functional) -> Result<f64> {
        self.shifted_weak_error(lr, t_end, order, f, None)
    }

    /// [`Self::weak_error`] with `x = z − shift` in the functionals (see [`gap`]).
    fn shifted_weak_error(
        &self,
        lr: f64,
        t_end: f64,
        order: SmeOrder,
        f: Functional,
        shift: Option<&[f64]>,
    ) -> Result<f64> {
        check::within("moments", "lr", lr, Allowed::Positive)?;
        check::within("moments", "t_end", t_end, Allowed::Positive)?;
        let steps = (t_end / lr).round();
        if !(1.0..=1e9).contains(&steps) {
            return Err(Error::spec(format!(
                "moments: t_end/lr = {steps} steps is outside 1..=1e9"
            )));
        }
        let steps = steps as u64;
        let (d, m) = (self.sgd(lr, steps), self.sme(lr, steps as f64 * lr, order));
        Ok(gap(&d, &m, &self.curvature, shift, f))
    }
}

/// `|F(d) − F(m)|` from per-coordinate moments in coordinates `z` where `f = ½ Σ c_i z_i² + f*`
/// and `x = Q(z − shift)` (`shift = None`: `x = z`).
fn gap(d: &Moments, m: &Moments, curvature: &[f64], shift: Option<&[f64]>, f: Functional) -> f64 {
    match f {
        Functional::X => d
            .mean
            .iter()
            .zip(&m.mean)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt(),
        // E‖x‖² = Σ E(z_i − s_i)² = Σ (E z_i² − 2 s_i E z_i + s_i²).
        Functional::X2 => {
            let e = |mo: &Moments| -> f64 {
                (0..mo.mean.len())
                    .map(|i| {
                        let s = shift.map_or(0.0, |s| s[i]);
                        mo.second[i] - 2.0 * s * mo.mean[i] + s * s
                    })
                    .sum()
            };
            (e(d) - e(m)).abs()
        }
        Functional::Loss => {
            let e = |s: &[f64]| -> f64 {
                0.5 * s.iter().zip(curvature).map(|(v, c)| c * v).sum::<f64>()
            };
            (e(&d.second) - e(&m.second)).abs()
        }
    }
}

/// A convex quadratic `f(x) = ½ xᵀHx + bᵀx + f0` (any symmetric `H ⪰ 0`) with additive
/// gradient noise `N(0, diag σ²)`, read off an objective and checked to be one, for exact weak
/// errors of SGD and its SMEs. In the eigenbasis `H = Q Λ Qᵀ` and centred coordinates
/// `z = Qᵀx + s`, `s_i = (Qᵀb)_i/λ_i`, SGD is `z ← z − lr(Λz + ξ̃)` with `Cov ξ̃ = Qᵀ diag(σ²) Q`;
/// each `z_i`'s mean and second moment follow the one-dimensional recursions of
/// [`LinearGaussian`] with curvature `λ_i` and noise variance `(Qᵀ diag(σ²) Q)_ii` (the
/// off-diagonal covariances never enter `E z_i`, `E z_i²`), and `E f − f* = ½ Σ λ_i E z_i²`,
/// `E‖x‖² = Σ E(z_i − s_i)²`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuadraticGaussian {
    diag: LinearGaussian,
    shift: Vec<f64>,
}

impl QuadraticGaussian {
    /// Reads `H = ∇²f(x0)` and `b = ∇f(0)` off `obj` (with SGD's coupled `weight_decay` λ
    /// added as `λI`), checks that `∇f(x) = Hx + b` and `∇²f` is constant at two more points
    /// (relative 1e-9), that `H ⪰ 0` and `b` has no component along a flat direction, and that
    /// the step gradients carry additive noise only ([`Objective::step_noise`]).
    pub fn of(obj: &dyn Objective, x0: &[f64], weight_decay: f64) -> Result<Self> {
        let n = obj.dim();
        let not = |why: String| {
            Error::spec(format!(
                "--moments exact needs a convex quadratic objective with additive gradient noise (grad_noise=…): {why}"
            ))
        };
        let noise = match obj.step_noise() {
            Some(s) if s.batch.is_none() && !s.is_exact() => s.additive,
            Some(s) if s.batch.is_some() => {
                return Err(not(
                    "minibatch noise depends on the state, so its moments do not close".into(),
                ))
            }
            Some(_) => return Err(not("the step gradients are exact".into())),
            None => return Err(not("the objective states no law for its noise".into())),
        };
        let hess = |x: &[f64]| {
            let mut h = obj.hessian(x);
            for i in 0..n {
                h[i * n + i] += weight_decay;
            }
            h
        };
        let grad = |x: &[f64]| {
            let mut g = vec![0.0; n];
            obj.gradient(x, &mut g);
            for i in 0..n {
                g[i] += weight_decay * x[i];
            }
            g
        };
        let h = hess(x0);
        let scale = h.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        let b = grad(&vec![0.0; n]);
        let probe: Vec<f64> = x0
            .iter()
            .enumerate()
            .map(|(i, v)| 1.0 + i as f64 - 0.5 * v)
            .collect();
        for p in [x0, &probe[..]] {
            let g = grad(p);
            let size = 1.0 + scale * crate::vector::norm(p) + crate::vector::norm(&b);
            for i in 0..n {
                let hp: f64 = (0..n).map(|j| h[i * n + j] * p[j]).sum();
                if (g[i] - hp - b[i]).abs() > 1e-9 * size {
                    return Err(not(format!("the gradient is not affine (entry {i})")));
                }
            }
        }
        let h2 = hess(&probe);
        for i in 0..n * n {
            if (h[i] - h2[i]).abs() > 1e-9 * scale
                || (h[i] - h[(i % n) * n + i / n]).abs() > 1e-9 * scale
            {
                return Err(not("the Hessian is not constant and symmetric".into()));
            }
        }
        let eig = nalgebra::SymmetricEigen::new(nalgebra::DMatrix::from_row_slice(n, n, &h));
        let q = &eig.eigenvectors;
        let (mut curvature, mut sigma, mut z0, mut shift) = (vec![], vec![], vec![], vec![]);
        for k in 0..n {
            let lambda = eig.eigenvalues[k];
            if lambda < -1e-12 * scale {
                return Err(not(format!("H has the negative eigenvalue {lambda:e}")));
            }
            let qk = q.column(k);
            let bt: f64 = (0..n).map(|i| qk[i] * b[i]).sum();
            let flat = lambda.abs() <= 1e-12 * scale;
            if flat && bt.abs() > 1e-9 * (1.0 + crate::vector::norm(&b)) {
                return Err(not("a flat direction has a linear term (no minimum)".into()));
            }
            let s = if flat { 0.0 } else { bt / lambda };
            let var: f64 = (0..n).map(|i| qk[i] * qk[i] * noise[i] * noise[i]).sum();
            let y0: f64 = (0..n).map(|i| qk[i] * x0[i]).sum();
            curvature.push(if flat { 0.0 } else { lambda });
            sigma.push(var.sqrt());
            z0.push(y0 + s);
            shift.push(s);
        }
        Ok(QuadraticGaussian {
            diag: LinearGaussian::new(curvature, sigma, z0)?,
            shift,
        })
    }

    /// `|E F(θ_K) − E F(X_T)|` for SGD with `lr` against its SME of `order` at `T = K·lr`,
    /// `K = round(t_end/lr)` (as [`LinearGaussian::weak_error`]).
    pub fn weak_error(&self, lr: f64, t_end: f64, order: SmeOrder, f: Functional) -> Result<f64> {
        self.diag
            .shifted_weak_error(lr, t_end, order, f, Some(&self.shift))
    }

    /// The diagonal problem in the eigen-coordinates `z`.
    pub fn eigen_problem(&self) -> &LinearGaussian {
        &self.diag
    }
}
