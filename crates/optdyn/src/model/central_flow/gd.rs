//! `central-flow` — the central flow of gradient descent (module docs of
//! [`crate::model::central_flow`]).
//!
//! In the clock `t = k·lr`: `w' = −[∇f + ½ Σ_ab X_ab G_ab]` with `X` the solution of the
//! complementarity problem for `A = κ(2/lr·I − Λ) + ⟨G, ∇f⟩` and `B[X] = ½⟨G, Σ X_ab G_ab⟩`
//! (`A` is the gap's restoring rate plus the rate at which gradient flow would close it, `B` what
//! the oscillation adds), `κ = restore/lr`. State `z = w`, `w(0) = x0`.

use super::{
    canonical_name, edge, oscillation_columns, read_params, sdcp, spec_keys, write_oscillation,
    Edge, PARAMS,
};
use crate::block::Block;
use crate::integrate::OdeSystem;
use crate::model::gradient_flow::FirstOrderFlow;
use crate::model::{optimizer_as, sgd_objective, Model};
use crate::objective::Objective;
use crate::optim::{Optimizer, Sgd};
use crate::run::{Measure, RunInfo, Sample};
use crate::spec::{ComponentInfo, Spec};
use crate::stop::StopReason;
use crate::Result;
use nalgebra::DMatrix;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "central-flow",
    summary: "sgd (momentum 0): central flow at the edge of stability w' = −[∇f + ½∇⟨H, Σ⟩], Σ on the 2/lr eigenspace (Cohen et al. 2025); gradient flow below the threshold",
    params: &PARAMS,
};

/// The central flow of gradient descent.
pub struct CentralFlow {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    lr: f64,
    dirs: usize,
    kappa: f64,
    warm: Mutex<Vec<f64>>,
}

impl CentralFlow {
    /// The central flow of plain SGD (momentum 0; `weight_decay` and `maximize` honoured through
    /// the objective) tracking `dirs` directions (capped at `n`) with restoring rate
    /// `restore/lr`.
    pub fn of(sgd: &Sgd, dirs: usize, restore: f64, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = INFO.name;
        let lr = FirstOrderFlow::plain_sgd(model, sgd)?;
        let obj = sgd_objective(obj, sgd.maximize, sgd.weight_decay);
        let n = obj.dim();
        let (dirs, restore) = read_params(model, dirs, restore, n)?;
        Ok(CentralFlow {
            name: canonical_name(model, dirs, restore, n),
            obj,
            n,
            lr,
            dirs,
            kappa: restore / lr,
            warm: Mutex::new(Vec::new()),
        })
    }

    /// Builds `central-flow[:dirs=…,restore=…]` for an `sgd` optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let sgd: &Sgd = optimizer_as(&s.name, opt, &["sgd"])?;
        let (dirs, restore) = spec_keys(s)?;
        let mut m = Self::of(sgd, dirs, restore, obj)?;
        m.name = s.to_string();
        Ok(m)
    }

    /// The gradient, the edge and the oscillation covariance `X` at `w` (`None` where no
    /// central flow exists).
    fn solve(&self, w: &[f64], g: &mut [f64]) -> Option<(Edge, DMatrix<f64>)> {
        self.obj.gradient(w, g);
        let e = edge(self.obj.as_ref(), w, self.dirs, &self.warm).ok()?;
        let k = e.k();
        let mut a = e.along(g);
        for i in 0..k {
            a[(i, i)] += self.kappa * (2.0 / self.lr - e.values[i]);
        }
        let b = e.gram() * 0.5;
        let x = sdcp::solve(&a, &b)?;
        Some((e, x))
    }
}

impl OdeSystem for CentralFlow {
    fn dim(&self) -> usize {
        self.n
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        match self.solve(z, dz) {
            Some((e, x)) => {
                e.add_contraction(&x, 0.5, dz);
                dz.iter_mut().for_each(|v| *v = -*v);
            }
            None => dz.fill(f64::NAN),
        }
    }
}

impl Model for CentralFlow {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        x0.to_vec()
    }
    fn blocks(&self) -> Vec<Block> {
        Vec::new()
    }
}

/// The flow measures its own oscillation along its run: `sigma2_0…` (eigenvalues of `X`) and
/// `cf_loss = f(w) + ½Σ_a λ_a X_aa`, the predicted time average of GD's loss.
impl Measure for CentralFlow {
    fn columns(&self, run: &RunInfo) -> Result<Vec<String>> {
        oscillation_columns(INFO.name, self.dirs, run)
    }

    fn measure(&self, s: &Sample<'_>, out: &mut [f64]) -> ControlFlow<StopReason> {
        let mut g = vec![0.0; self.n];
        match self.solve(s.x, &mut g) {
            Some((e, x)) => {
                write_oscillation(&e, &x, self.obj.value(s.x), out);
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
