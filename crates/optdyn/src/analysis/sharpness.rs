//! Sharpness along a run: the top eigenvalues of the Hessian `∇²f(x_k)` at every sample (the
//! sharpness `S = λ_max`), and for adaptive optimizers the preconditioned sharpness
//! `λ_max(P⁻¹∇²f)` with `P` the optimizer's diagonal preconditioner — the quantities whose
//! thresholds decide linear stability (Cohen et al., "Gradient descent on neural networks
//! typically occurs at the edge of stability", ICLR 2021; Cohen et al., "Adaptive gradient
//! methods at the edge of stability", arXiv:2207.14484, 2022).
//!
//! ## Thresholds ([`threshold`])
//!
//! On a quadratic with curvature `a` along an eigenvector, each method is a linear recursion
//! whose stability (Jury's conditions on its 2×2 companion matrix) gives:
//!
//! | optimizer | quantity | stable while |
//! |---|---|---|
//! | `sgd` | `S` | `S < 2/lr` |
//! | `sgd` momentum μ, dampening τ (heavy ball) | `S` | `S < (2 + 2μ)/((1 − τ)·lr)` |
//! | `sgd` μ, `nesterov=true` | `S` | `S < (2 + 2μ)/((1 + 2μ)·lr)` |
//! | `adam`, `adamw` | `λ_max(P⁻¹H)` | `< (2 + 2β₁)/((1 − β₁)·lr)` (38/lr at β₁ = 0.9) |
//! | `rmsprop` momentum μ | `λ_max(P⁻¹H)` | `< (2 + 2μ)/lr` |
//! | `adagrad` | `λ_max(P⁻¹H)` | `< 2/lr` |
//! | `scalar-rmsprop` | `λ_max(P⁻¹H)` | `< 2/lr` |
//!
//! Heavy ball: with `h = lr(1 − τ)a` the recursion `c' = μc + h x`, `x' = x − c'` has trace
//! `1 − h + μ`, determinant `μ`, and `1 + tr + det > 0` is `h < 2 + 2μ`. Nesterov (torch's form):
//! trace `1 − h(1 + μ) + μ`, determinant `μ(1 − h)`, so `h(1 + 2μ) < 2 + 2μ`. Adam is heavy ball
//! on `P⁻¹H` with `μ = β₁` and `h = lr(1 − β₁)a`.
//!
//! ## The preconditioner
//!
//! `P` is that of the step taken from `x_k` (so it is defined at `k = 0` too): with
//! `v_{k+1} = β₂ v_k + (1 − β₂) g_k²` from the recorded `v_k` and the sample's gradient
//! (`g ← g + λx` for L2 weight decay),
//!
//! * Adam/AdamW: `P = (1 − β₁^{k+1})·(√(v_{k+1}/(1 − β₂^{k+1})) + ε)` — torch's update is
//!   `x ← x − lr·m_{k+1}/P` (the first-moment bias factor belongs to `P`; AMSGrad uses
//!   `max(v_max, v_{k+1})`);
//! * RMSProp: `P = √v_{k+1} + ε` (centered: `√(v_{k+1} − ḡ_{k+1}²) + ε`);
//! * AdaGrad: `P = (√S_{k+1} + ε)·(1 + k·lr_decay)`, `S_{k+1} = S_k + g_k²`;
//! * scalar RMSProp: `P = √ν_{k+1} + ε` in every coordinate, `ν_{k+1} = β₂ν_k + (1 − β₂)‖g_k‖²`.
//!
//! The preconditioned sharpness is computed on the symmetric `P^{−1/2} H P^{−1/2}` (same
//! eigenvalues as `P⁻¹H`). `P` is read from the optimizer's recorded buffers, so it is defined
//! for discrete runs; the sharpness of `f` itself is defined for any run. L2 weight decay adds
//! `λ` to every eigenvalue of the Hessian the optimizer actually descends; the columns report
//! the Hessian of the objective `f`.

use crate::objective::Objective;
use crate::optim::{downcast, Adagrad, Adam, Optimizer, RmsProp, ScalarRmsProp, Sgd};
use crate::run::{Kind, Measure, RunInfo, Sample};
use crate::stop::StopReason;
use crate::symeig::{Eigenpairs, Hessian, Method, SymOp};
use crate::{Error, Result};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

/// A linear-stability threshold for the sharpness or the preconditioned sharpness.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Threshold {
    /// The value (in units of curvature).
    pub value: f64,
    /// True when it bounds the preconditioned sharpness `λ_max(P⁻¹H)`.
    pub preconditioned: bool,
    /// The formula, for labels (`2/lr`, `(2+2β₁)/((1−β₁)·lr)`).
    pub formula: &'static str,
}

/// The stability threshold of an optimizer (module docs), if optdyn knows it.
pub fn threshold(opt: &dyn Optimizer<f64>) -> Option<Threshold> {
    let plain = |value, formula| {
        Some(Threshold {
            value,
            preconditioned: false,
            formula,
        })
    };
    let pre = |value, formula| {
        Some(Threshold {
            value,
            preconditioned: true,
            formula,
        })
    };
    if let Some(s) = downcast::<Sgd, f64>(opt) {
        let (mu, lr) = (s.momentum, s.lr);
        return if mu == 0.0 {
            plain(2.0 / lr, "2/lr")
        } else if s.nesterov {
            plain(
                (2.0 + 2.0 * mu) / ((1.0 + 2.0 * mu) * lr),
                "(2+2μ)/((1+2μ)·lr)",
            )
        } else {
            plain(
                (2.0 + 2.0 * mu) / ((1.0 - s.dampening) * lr),
                "(2+2μ)/((1−τ)·lr)",
            )
        };
    }
    if let Some(a) = downcast::<Adam, f64>(opt) {
        return pre(
            (2.0 + 2.0 * a.beta1) / ((1.0 - a.beta1) * a.lr),
            "(2+2β₁)/((1−β₁)·lr)",
        );
    }
    if let Some(r) = downcast::<RmsProp, f64>(opt) {
        return pre((2.0 + 2.0 * r.momentum) / r.lr, "(2+2μ)/lr");
    }
    if let Some(a) = downcast::<Adagrad, f64>(opt) {
        return pre(2.0 / a.lr, "2/lr");
    }
    if let Some(r) = downcast::<ScalarRmsProp, f64>(opt) {
        return pre(2.0 / r.lr, "2/lr");
    }
    None
}

/// The diagonal preconditioner of an adaptive optimizer's step (module docs).
#[derive(Debug, Clone, PartialEq)]
pub enum Preconditioner {
    /// Adam/AdamW.
    Adam {
        /// β₁.
        beta1: f64,
        /// β₂.
        beta2: f64,
        /// ε.
        eps: f64,
        /// L2 weight decay added to the gradient (0 for AdamW).
        l2: f64,
        /// AMSGrad.
        amsgrad: bool,
    },
    /// RMSProp.
    RmsProp {
        /// Smoothing α.
        alpha: f64,
        /// ε.
        eps: f64,
        /// L2 weight decay.
        l2: f64,
        /// Centered.
        centered: bool,
    },
    /// Scalar RMSProp.
    ScalarRmsProp {
        /// β₂.
        beta2: f64,
        /// ε.
        eps: f64,
    },
    /// AdaGrad.
    Adagrad {
        /// ε.
        eps: f64,
        /// L2 weight decay.
        l2: f64,
        /// The learning-rate decay η.
        lr_decay: f64,
    },
}

impl Preconditioner {
    /// The preconditioner of `opt`: Adam, AdamW, RMSProp or AdaGrad.
    pub fn of(opt: &dyn Optimizer<f64>) -> Result<Self> {
        if let Some(a) = downcast::<Adam, f64>(opt) {
            return Ok(Preconditioner::Adam {
                beta1: a.beta1,
                beta2: a.beta2,
                eps: a.eps,
                l2: if a.decoupled_weight_decay {
                    0.0
                } else {
                    a.weight_decay
                },
                amsgrad: a.amsgrad,
            });
        }
        if let Some(r) = downcast::<RmsProp, f64>(opt) {
            return Ok(Preconditioner::RmsProp {
                alpha: r.alpha,
                eps: r.eps,
                l2: r.weight_decay,
                centered: r.centered,
            });
        }
        if let Some(a) = downcast::<Adagrad, f64>(opt) {
            return Ok(Preconditioner::Adagrad {
                eps: a.eps,
                l2: a.weight_decay,
                lr_decay: a.lr_decay,
            });
        }
        if let Some(r) = downcast::<ScalarRmsProp, f64>(opt) {
            return Ok(Preconditioner::ScalarRmsProp {
                beta2: r.beta2,
                eps: r.eps,
            });
        }
        Err(Error::spec(format!(
            "sharpness: the preconditioned sharpness is defined for adam, adamw, rmsprop, adagrad and scalar-rmsprop, not '{}'",
            opt.name()
        )))
    }

    /// The state blocks it reads.
    fn blocks(&self) -> &'static [&'static str] {
        match self {
            Preconditioner::Adam { amsgrad: false, .. } => &["v"],
            Preconditioner::Adam { amsgrad: true, .. } => &["v", "v_max"],
            Preconditioner::RmsProp {
                centered: false, ..
            } => &["v"],
            Preconditioner::RmsProp { centered: true, .. } => &["v", "g_avg"],
            Preconditioner::Adagrad { .. } => &["sum"],
            Preconditioner::ScalarRmsProp { .. } => &["nu"],
        }
    }

    /// Writes `P` of the step from sample `s` (step `k`) into `p`.
    fn fill(&self, s: &Sample<'_>, p: &mut [f64]) {
        let k = s.step as f64;
        let block = |name: &str| s.block(name).expect("blocks checked at start");
        match *self {
            Preconditioner::Adam {
                beta1,
                beta2,
                eps,
                l2,
                amsgrad,
            } => {
                let (bc1, bc2) = (1.0 - beta1.powf(k + 1.0), 1.0 - beta2.powf(k + 1.0));
                let v = block("v");
                for i in 0..p.len() {
                    let g = s.grad[i] + l2 * s.x[i];
                    let mut vn = beta2 * v[i] + (1.0 - beta2) * g * g;
                    if amsgrad {
                        vn = vn.max(block("v_max")[i]);
                    }
                    p[i] = bc1 * ((vn / bc2).sqrt() + eps);
                }
            }
            Preconditioner::RmsProp {
                alpha,
                eps,
                l2,
                centered,
            } => {
                let v = block("v");
                for i in 0..p.len() {
                    let g = s.grad[i] + l2 * s.x[i];
                    let mut vn = alpha * v[i] + (1.0 - alpha) * g * g;
                    if centered {
                        let ga = alpha * block("g_avg")[i] + (1.0 - alpha) * g;
                        vn -= ga * ga;
                    }
                    p[i] = vn.sqrt() + eps;
                }
            }
            Preconditioner::ScalarRmsProp { beta2, eps } => {
                let sq: f64 = s.grad.iter().map(|g| g * g).sum();
                let p0 = (beta2 * block("nu")[0] + (1.0 - beta2) * sq).sqrt() + eps;
                p.fill(p0);
            }
            Preconditioner::Adagrad { eps, l2, lr_decay } => {
                let sum = block("sum");
                for i in 0..p.len() {
                    let g = s.grad[i] + l2 * s.x[i];
                    p[i] = ((sum[i] + g * g).sqrt() + eps) * (1.0 + k * lr_decay);
                }
            }
        }
    }
}

/// The top `k` eigenvalues of the Hessian of `f` along a run (columns `sharp0…`), optionally
/// with their eigenvectors (`sharp{i}_u{j}`) and the preconditioned sharpness (`psharp0…`) of
/// an adaptive optimizer.
///
/// ```
/// use optdyn::analysis::sharpness::Sharpness;
/// use optdyn::objective::builtin::Quadratic;
/// use optdyn::optim::Sgd;
/// use optdyn::run::{Problem, Run};
///
/// let problem = Problem::new(Quadratic::new(vec![3.0, 1.0], vec![0.0, 0.0])?, vec![1.0, 1.0])?;
/// let sharp = Sharpness::new(problem.objective().clone(), 2);
/// let gd = Sgd::default().lr(0.1);
/// let tr = Run::discrete(&problem, &gd).steps(5).measure(&sharp).trajectory()?;
/// assert_eq!(tr.measured_series("sharp0").unwrap(), vec![3.0; 6]);
/// # Ok::<(), optdyn::Error>(())
/// ```
pub struct Sharpness {
    obj: Arc<dyn Objective>,
    k: usize,
    method: Method,
    vectors: bool,
    precond: Option<Preconditioner>,
    warm: Mutex<Vec<f64>>,
    warm_pre: Mutex<Vec<f64>>,
}

impl Sharpness {
    /// The top `k` Hessian eigenvalues of `obj` ([`Method::Auto`]: dense up to 64 coordinates,
    /// Lanczos with warm starts above).
    pub fn new(obj: Arc<dyn Objective>, k: usize) -> Self {
        Sharpness {
            obj,
            k,
            method: Method::Auto,
            vectors: false,
            precond: None,
            warm: Mutex::new(Vec::new()),
            warm_pre: Mutex::new(Vec::new()),
        }
    }

    /// The sharpness for a discrete run of `opt`: with the preconditioned sharpness when `opt`
    /// is Adam, AdamW, RMSProp, AdaGrad or scalar RMSProp.
    pub fn for_discrete(obj: Arc<dyn Objective>, k: usize, opt: &dyn Optimizer<f64>) -> Self {
        let s = Sharpness::new(obj, k);
        match Preconditioner::of(opt) {
            Ok(p) => s.preconditioned(p),
            Err(_) => s,
        }
    }

    /// The eigen-solver.
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Also record the eigenvectors (`sharp{i}_u{j}`).
    #[must_use]
    pub fn vectors(mut self, on: bool) -> Self {
        self.vectors = on;
        self
    }

    /// Also record the preconditioned sharpness `λ_max(P⁻¹H)` (`psharp0…`).
    #[must_use]
    pub fn preconditioned(mut self, p: Preconditioner) -> Self {
        self.precond = Some(p);
        self
    }

    /// The top eigenpairs of `∇²f(x)` (warm-started from the previous call).
    pub fn at(&self, x: &[f64]) -> Result<Eigenpairs> {
        self.solve(&Hessian::new(self.obj.as_ref(), x), &self.warm)
    }

    fn solve(&self, op: &Hessian<'_>, warm: &Mutex<Vec<f64>>) -> Result<Eigenpairs> {
        let mut w = warm.lock().unwrap_or_else(|e| e.into_inner());
        let start = (w.len() == op.dim() * self.k).then_some(w.as_slice());
        let e = self.method.top(op, self.k, start)?;
        w.clone_from(&e.vectors);
        Ok(e)
    }
}

impl Measure for Sharpness {
    fn columns(&self, run: &RunInfo) -> Result<Vec<String>> {
        if self.k == 0 || self.k > run.n {
            return Err(Error::spec(format!(
                "sharpness: K must be in 1..={} (the dimension of x), got {}",
                run.n, self.k
            )));
        }
        if self.obj.dim() != run.n {
            return Err(Error::spec(format!(
                "sharpness: objective '{}' has dimension {} but the run has {}",
                self.obj.name(),
                self.obj.dim(),
                run.n
            )));
        }
        let mut c: Vec<String> = (0..self.k).map(|i| format!("sharp{i}")).collect();
        if self.vectors {
            for i in 0..self.k {
                c.extend((0..run.n).map(|j| format!("sharp{i}_u{j}")));
            }
        }
        if let Some(p) = &self.precond {
            if run.kind != Kind::Discrete {
                return Err(Error::spec(
                    "sharpness: the preconditioned sharpness needs the optimizer's buffers, so a discrete run (not a model)",
                ));
            }
            for b in p.blocks() {
                if !run.blocks.iter().any(|x| x.name == *b) {
                    return Err(Error::spec(format!(
                        "sharpness: the preconditioned sharpness needs the optimizer buffer '{b}', which the run does not record"
                    )));
                }
            }
            c.extend((0..self.k).map(|i| format!("psharp{i}")));
        }
        self.warm.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.warm_pre
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(c)
    }

    fn needs_state(&self) -> bool {
        self.precond.is_some()
    }

    fn measure(&self, s: &Sample<'_>, out: &mut [f64]) -> ControlFlow<StopReason> {
        let k = self.k;
        let fail = |why: String| {
            ControlFlow::Break(StopReason::Failed {
                t: s.t,
                why: format!("sharpness at step {}: {why}", s.step),
            })
        };
        let e = match self.at(s.x) {
            Ok(e) => e,
            Err(err) => return fail(err.to_string()),
        };
        out[..k].copy_from_slice(&e.values);
        let mut used = k;
        if self.vectors {
            out[used..used + e.vectors.len()].copy_from_slice(&e.vectors);
            used += e.vectors.len();
        }
        if let Some(p) = &self.precond {
            let mut d = vec![0.0; s.x.len()];
            p.fill(s, &mut d);
            d.iter_mut().for_each(|v| *v = 1.0 / v.sqrt());
            let op = Hessian::scaled(self.obj.as_ref(), s.x, &d);
            match self.solve(&op, &self.warm_pre) {
                Ok(e) => out[used..used + k].copy_from_slice(&e.values),
                Err(err) => return fail(err.to_string()),
            }
        }
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            return ControlFlow::Break(StopReason::NonFinite {
                step: s.step,
                t: s.t,
                what: format!("sharpness column {i}"),
            });
        }
        ControlFlow::Continue(())
    }
}
