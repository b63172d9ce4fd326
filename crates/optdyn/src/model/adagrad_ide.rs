//! `adagrad-ide1` — Heredia's first-order nonlocal AdaGrad IDE (C. Heredia, arXiv:2411.09734,
//! 2024; heredia.md §2, §2.1), solved through its auxiliary-state form.
//!
//! `θ'(t) = −a(t)·g/(√v + ε)`, `v(t) = (1/lr)∫_0^{t+lr} g(τ)² dτ` (non-fading kernel `K ≡ 1/lr`),
//! `a(t) = 1/(1 + t·lr_decay/lr)` (torch's `1/(1 + k·lr_decay)` at `t = k·lr`). Causal form:
//! `V' = g²/lr`, `V(0) = initial_accumulator_value`, and the start-up window `[t, t+lr]` is
//! replaced by its value for θ frozen, `v = V + g(θ(t))²` (parameter `v0=window`, default), so
//! `v(k·lr) ≈ G_{k+1}` (the discrete accumulator after step k+1) and `v(0) = g(θ0)² > 0`;
//! `v0=zero` uses the literal `v = V` (`θ'(0) = −g/ε`, integrable `t^{−1/2}` singularity).
//! Regime: clock `t = k·lr`. torch's ε (default 1e-10, outside the root) is kept; Heredia's
//! continuous code has none (the difference is below 1e-10·|g|/v). State `[θ, V]`.

use super::lane::{Lane, LaneField};
use super::nonlocal::{read_kernel, KernelModel, KERNEL_KEY};
use super::{canonical, clock_lr, optimizer_as, oriented, Model};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{Adagrad, Optimizer};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::Result;
use std::sync::Arc;

const PARAMS: [ParamInfo; 2] = [
    ParamInfo {
        key: "v0",
        default: "window",
        help: "window: v = V + g(θ)² (the author's ∫_0^{t+lr}); zero: v = V (literal ∫_0^t)",
    },
    KERNEL_KEY,
];

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "adagrad-ide1",
    summary: "adagrad: Heredia 2024 nonlocal IDE θ' = −a(t)g/(√v+ε), v = (1/lr)∫g² (non-fading memory, aux-state form)",
    params: &PARAMS,
};

/// The AdaGrad IDE.
pub struct AdagradIde {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    lane: AdagradLane,
    acc0: f64,
}

impl AdagradIde {
    /// The AdaGrad IDE of `adagrad` with the start-up window `v = V + g(θ)²` (`window = true`,
    /// the default) or the literal `v = V`.
    /// The ranges are the model's own: `ε ≥ 0` (Heredia's continuous form has none).
    pub fn of(adagrad: &Adagrad, window: bool, obj: Arc<dyn Objective>) -> Result<Self> {
        let lr = clock_lr("adagrad", adagrad.lr)?;
        check_adagrad(adagrad)?;
        let obj = oriented(obj, adagrad.maximize);
        Ok(AdagradIde {
            name: canonical(
                "adagrad-ide1",
                &if window {
                    vec![]
                } else {
                    vec![("v0", "zero".to_string())]
                },
            ),
            n: obj.dim(),
            obj,
            lane: AdagradLane {
                lr,
                lr_decay: adagrad.lr_decay,
                eps: adagrad.eps,
                wd: adagrad.weight_decay,
                window,
            },
            acc0: adagrad.initial_accumulator_value,
        })
    }

    /// Builds `adagrad-ide1[:v0=window|zero,kernel=…]` for an `adagrad` optimizer: this model
    /// with the paper's kernel, or a [`KernelModel`] with another.
    pub fn from_spec(
        s: &Spec,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> Result<Box<dyn Model>> {
        let adagrad: &Adagrad = optimizer_as(&s.name, opt, &["adagrad"])?;
        let window = s.choice("v0", "window", &["window", "zero"])? == "window";
        let kernel = read_kernel(s)?;
        s.finish(&PARAMS)?;
        if kernel.is_paper() {
            let mut m = Self::of(adagrad, window, obj)?;
            m.name = s.to_string();
            return Ok(Box::new(m));
        }
        Ok(Box::new(
            KernelModel::adagrad(adagrad, window, kernel, obj)?.named(s.to_string()),
        ))
    }
}

/// The AdaGrad options every AdaGrad IDE bounds: `lr_decay`, `eps`, `weight_decay` and
/// `initial_accumulator_value` `≥ 0`.
pub(crate) fn check_adagrad(adagrad: &Adagrad) -> Result<()> {
    let w = "adagrad";
    check::non_negative(w, "lr_decay", adagrad.lr_decay)?;
    check::non_negative(w, "eps", adagrad.eps)?;
    check::non_negative(w, "weight_decay", adagrad.weight_decay)?;
    check::non_negative(
        w,
        "initial_accumulator_value",
        adagrad.initial_accumulator_value,
    )?;
    Ok(())
}

impl OdeSystem for AdagradIde {
    fn dim(&self) -> usize {
        2 * self.n
    }

    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (th, acc) = z.split_at(n);
        let (dth, dacc) = dz.split_at_mut(n);
        // The gradient is written into dV, read back per coordinate, then overwritten by V'.
        self.obj.gradient(th, dacc);
        let a = self.lane.clock(t, None);
        for i in 0..n {
            [dth[i], dacc[i]] = self.lane.rhs(a, dacc[i], [th[i], acc[i]]);
        }
    }
}

/// One coordinate of `adagrad-ide1`, state `[θ, V]`: `g ← g + λ_wd θ`, `V' = g²/lr`,
/// `θ' = −a(t)·g/(√max(v, 0) + ε)` with `v = V + g²` (`v0=window`) or `V`, and
/// `a(t) = 1/(1 + t·lr_decay/lr)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdagradLane {
    lr: f64,
    lr_decay: f64,
    eps: f64,
    wd: f64,
    window: bool,
}

impl LaneField<2> for AdagradLane {
    /// `a(t)`.
    type Clock = f64;

    #[inline(always)]
    fn clock(&self, t: f64, prev: Option<(&Self, f64)>) -> f64 {
        match prev {
            Some((p, a)) if (p.lr, p.lr_decay) == (self.lr, self.lr_decay) => a,
            _ => 1.0 / (1.0 + t * self.lr_decay / self.lr),
        }
    }

    #[inline(always)]
    fn rhs(&self, a: f64, grad: f64, [th, acc]: [f64; 2]) -> [f64; 2] {
        let g = grad + self.wd * th;
        let g2 = g * g;
        let v = if self.window { acc + g2 } else { acc };
        [-a * g / (v.max(0.0).sqrt() + self.eps), g2 / self.lr]
    }
}

impl Model for AdagradIde {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![self.acc0; 2 * n];
        z[..n].copy_from_slice(x0);
        z
    }
    /// `V = f + (λ/2)‖θ‖²` (λ the L2 weight decay): `θ' = −a(t)g/(√v+ε)` with `g = ∇V` gives
    /// `V' = −Σ a g²/(√v+ε) ≤ 0` while `v ≥ 0`.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        Some(super::l2_potential(
            self.obj.as_ref(),
            &z[..self.n],
            self.lane.wd,
        ))
    }
    /// `sum`: the accumulator, named as the optimizer's buffer.
    fn blocks(&self) -> Vec<Block> {
        uniform(&["sum"], self.n)
    }
    fn lane(&self) -> Option<Lane> {
        Some(Lane::AdagradIde(self.lane))
    }
}
