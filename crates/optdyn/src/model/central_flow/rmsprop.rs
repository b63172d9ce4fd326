//! `rmsprop-central-flow` — the central flow of scalar RMSProp (Cohen et al., ICLR 2025, §4 and
//! centralflows.github.io part 2; module docs of [`crate::model::central_flow`]).
//!
//! The paper, in steps: `dw/dk = −(η/√ν)[∇f + ½σ²∇S]`,
//! `dν/dk = ((1−β₂)/β₂)[‖∇f‖² + σ²S² − ν]`, with σ² holding the effective sharpness
//! `ηS/√ν` at 2. The factor `(1−β₂)/β₂` is that of the ν the step uses: with
//! `ν_{k+1} = β₂ν_k + (1−β₂)G`, `ν_{k+1} − ν_k = ((1−β₂)/β₂)(G − ν_{k+1})`. Several directions:
//! `σ²∇S → ∇⟨H, Σ⟩` and `σ²S² → tr(HΣH) = Σ_a λ_a² X_aa`.
//!
//! In the clock `t = k·η`, with `P = √ν + ε` and `c = (1−β₂)/β₂`:
//!
//! `w' = −(1/P)[∇f + ½ Σ X_ab G_ab]`, `ν' = (c/η)[‖∇f‖² + Σ_a λ_a² X_aa − ν]`,
//!
//! and `X` solves the complementarity problem of the gaps `2P/η − UᵀHU`, whose rate is
//! `ν'/(η√ν) − ⟨G, w'⟩`: `A = κ(2P/η − Λ) + (c/(η²√ν))(‖∇f‖² − ν)I + ⟨G, ∇f⟩/P`,
//! `B[X] = ⟨G, ΣXG⟩/(2P) + (c/(η²√ν))(2P/η)² tr(X)·I`. The last term replaces `λ_a²` by its
//! value `(2P/η)²` on the threshold (where the active eigenvalues are), which makes `B`
//! self-adjoint; ν' uses the actual `λ_a²`. One direction, on the threshold, `κ` aside:
//! `σ² = [2⟨−∇f, ∇S⟩ + (2c/η²)(ν − ‖∇f‖²)]/[‖∇S‖² + 2cS²/η²]` (our algebra; it reduces to GD's
//! as c → 0).
//!
//! State `z = (w, ν)` (block `nu` of length 1); `w(0) = x0`, `ν(0) = (1 − β₂)‖∇f(x0)‖²`, the
//! ν of the first discrete step (the model's `ν(t_k)` tracks the `ν_{k+1}` that step `k` uses).
//! Models [`crate::optim::ScalarRmsProp`] (`maximize` honoured as the model of −f).

use super::{
    canonical_name, edge, oscillation_columns, read_params, sdcp, spec_keys, write_oscillation,
    Edge, PARAMS,
};
use crate::block::Block;
use crate::integrate::OdeSystem;
use crate::model::{clock_lr, optimizer_as, oriented, Model};
use crate::objective::Objective;
use crate::optim::{Optimizer, ScalarRmsProp};
use crate::run::{Measure, RunInfo, Sample};
use crate::spec::{ComponentInfo, Spec};
use crate::stop::StopReason;
use crate::Result;
use nalgebra::DMatrix;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "rmsprop-central-flow",
    summary: "scalar-rmsprop: central flow w' = −(1/√ν)[∇f + ½∇⟨H, Σ⟩], ν' = ((1−β₂)/(β₂·lr))[‖∇f‖² + tr(HΣH) − ν], holding lr·S/√ν ≤ 2 (Cohen et al. 2025)",
    params: &PARAMS,
};

/// The central flow of scalar RMSProp.
pub struct RmspropCentralFlow {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    lr: f64,
    beta2: f64,
    eps: f64,
    dirs: usize,
    kappa: f64,
    warm: Mutex<Vec<f64>>,
}

/// The state of one evaluation.
struct Solved {
    edge: Edge,
    x: DMatrix<f64>,
    p: f64,
    grad_sq: f64,
}

impl RmspropCentralFlow {
    /// The central flow of scalar RMSProp tracking `dirs` directions (capped at `n`) with
    /// restoring rate `restore/lr`.
    pub fn of(
        opt: &ScalarRmsProp,
        dirs: usize,
        restore: f64,
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let model = INFO.name;
        opt.validate()?;
        let lr = clock_lr("scalar-rmsprop", opt.lr)?;
        let obj = oriented(obj, opt.maximize);
        let n = obj.dim();
        let (dirs, restore) = read_params(model, dirs, restore, n)?;
        Ok(RmspropCentralFlow {
            name: canonical_name(model, dirs, restore, n),
            obj,
            n,
            lr,
            beta2: opt.beta2,
            eps: opt.eps,
            dirs,
            kappa: restore / lr,
            warm: Mutex::new(Vec::new()),
        })
    }

    /// Builds `rmsprop-central-flow[:dirs=…,restore=…]` for a `scalar-rmsprop` optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let o: &ScalarRmsProp = optimizer_as(&s.name, opt, &["scalar-rmsprop"])?;
        let (dirs, restore) = spec_keys(s)?;
        let mut m = Self::of(o, dirs, restore, obj)?;
        m.name = s.to_string();
        Ok(m)
    }

    fn c(&self) -> f64 {
        (1.0 - self.beta2) / self.beta2
    }

    /// The gradient (into `g`), the edge and `X` at `(w, ν)`.
    fn solve(&self, w: &[f64], nu: f64, g: &mut [f64]) -> Option<Solved> {
        self.obj.gradient(w, g);
        let grad_sq: f64 = g.iter().map(|v| v * v).sum();
        let edge = edge(self.obj.as_ref(), w, self.dirs, &self.warm).ok()?;
        let (eta, c) = (self.lr, self.c());
        let root = nu.max(0.0).sqrt();
        let p = root + self.eps;
        let bound = 2.0 * p / eta;
        let nu_rate = c / (eta * eta * root);
        let k = edge.k();
        let mut a = edge.along(g) / p;
        for i in 0..k {
            a[(i, i)] += self.kappa * (bound - edge.values[i]) + nu_rate * (grad_sq - nu);
        }
        let mut b = edge.gram() / (2.0 * p);
        let w_bar = nu_rate * bound * bound;
        for i in 0..k {
            for j in 0..k {
                b[(i * k + i, j * k + j)] += w_bar;
            }
        }
        let x = sdcp::solve(&a, &b)?;
        Some(Solved {
            edge,
            x,
            p,
            grad_sq,
        })
    }
}

impl OdeSystem for RmspropCentralFlow {
    fn dim(&self) -> usize {
        self.n + 1
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (w, nu) = (&z[..n], z[n]);
        let (dw, dnu) = dz.split_at_mut(n);
        match self.solve(w, nu, dw) {
            Some(s) => {
                s.edge.add_contraction(&s.x, 0.5, dw);
                dw.iter_mut().for_each(|v| *v = -*v / s.p);
                let osc: f64 = (0..s.edge.k())
                    .map(|a| s.edge.values[a] * s.edge.values[a] * s.x[(a, a)])
                    .sum();
                dnu[0] = self.c() / self.lr * (s.grad_sq + osc - nu);
            }
            None => dz.fill(f64::NAN),
        }
    }
}

impl Model for RmspropCentralFlow {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let mut g = vec![0.0; self.n];
        self.obj.gradient(x0, &mut g);
        let mut z = x0.to_vec();
        z.push((1.0 - self.beta2) * g.iter().map(|v| v * v).sum::<f64>());
        z
    }
    fn blocks(&self) -> Vec<Block> {
        vec![Block::new("nu", 1)]
    }
}

/// The flow measures its own oscillation: `sigma2_0…` and `cf_loss` (as [`super::CentralFlow`]).
impl Measure for RmspropCentralFlow {
    fn columns(&self, run: &RunInfo) -> Result<Vec<String>> {
        oscillation_columns(INFO.name, self.dirs, run)
    }

    fn measure(&self, s: &Sample<'_>, out: &mut [f64]) -> ControlFlow<StopReason> {
        let mut g = vec![0.0; self.n];
        match self.solve(s.x, s.z[self.n], &mut g) {
            Some(r) => {
                write_oscillation(&r.edge, &r.x, self.obj.value(s.x), out);
                ControlFlow::Continue(())
            }
            None => ControlFlow::Break(StopReason::NonFinite {
                step: s.step,
                t: s.t,
                what: "central flow (no bounded oscillation holds the threshold)".into(),
            }),
        }
    }
}
