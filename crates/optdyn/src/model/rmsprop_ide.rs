//! `rmsprop-ide1` — Heredia's first-order nonlocal RMSProp IDE (C. Heredia, arXiv:2411.09734,
//! 2024; heredia.md §2, §2.1), solved through its auxiliary-state form.
//!
//! `θ'(t) = −g/(√v + ε)`, `v(t) = v(0)e^{−λt} + ∫_0^t λ e^{−λ(t−τ)} g(τ)² dτ`, `g = ∇f(θ)`, i.e.
//! `v' = λ(g² − v)` ([`StateSpace::exponential`]). Regime: fixed β = torch's `alpha`, clock
//! `t = k·lr`; no bias correction (as torch's RMSprop). `λ = (1−β)/lr` (`rate=taylor`, default)
//! or `−ln β/lr` (`rate=exact`).
//!
//! Start-up value `v(0)` (parameter `v0`): `window` (default) `= (1 − e^{−λ·lr}) g(θ0)²`, the
//! contribution of the author's extra window `[−lr, 0]` of the lag integral `∫_0^{t+lr}` when
//! θ ≈ θ0 there (= `(1−β)g0²` = the discrete `v_1` under `rate=exact`); `first` `= (1−β) g(θ0)²`
//! (mimics `v_1`); `zero` — the literal `∫_0^t` (then `θ'(0) = −g/ε` and `θ' ~ t^{−1/2}`: an
//! integrable singularity that needs an adaptive integrator). State `[θ, v]`.

use super::lane::{Lane, LaneField};
use super::nonlocal::{read_kernel, KernelModel, KERNEL_KEY};
use super::{canonical, clock_lr, optimizer_as, oriented, Model, Rate};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::kernel::StateSpace;
use crate::objective::Objective;
use crate::optim::{Optimizer, RmsProp};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

const PARAMS: [ParamInfo; 3] = [
    ParamInfo {
        key: "v0",
        default: "window",
        help: "v(0): window ((1 − e^{−λ lr}) g0²), first ((1−β) g0²) or zero",
    },
    ParamInfo {
        key: "rate",
        default: "taylor",
        help: "kernel rate: taylor (λ = (1−β)/lr) or exact (λ = −ln β / lr, needs β > 0)",
    },
    KERNEL_KEY,
];

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "rmsprop-ide1",
    summary: "rmsprop: Heredia 2024 nonlocal IDE θ' = −g/(√v+ε), v = exponential-kernel memory of g² (aux-state form)",
    params: &PARAMS,
};

/// The RMSProp IDE.
pub struct RmspropIde {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    lane: RmspropLane,
    v0_factor: f64,
}

/// The start-up value `v(0)` of the RMSProp IDE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum V0 {
    /// `(1 − e^{−λ·lr}) g(θ0)²`, the author's extra window (default).
    #[default]
    Window,
    /// `(1 − β) g(θ0)²`, the discrete `v_1`.
    First,
    /// `0`, the literal `∫_0^t`.
    Zero,
}

impl RmspropIde {
    /// The RMSProp IDE of `rmsprop` (`momentum = 0`, `centered = false`) with the default
    /// start-up value and kernel rate.
    pub fn of(rmsprop: &RmsProp, obj: Arc<dyn Objective>) -> Result<Self> {
        Self::with(rmsprop, V0::default(), Rate::Taylor, obj)
    }

    /// The RMSProp IDE with start-up value `v0` and kernel rate `rate`.
    pub fn with(rmsprop: &RmsProp, v0: V0, rate: Rate, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "rmsprop-ide1";
        check_rmsprop(model, rmsprop)?;
        let lr = clock_lr("rmsprop", rmsprop.lr)?;
        let beta = check::in_closed_open("rmsprop", "alpha", rmsprop.alpha, 0.0, 1.0)?;
        let lambda = rate.lambda(model, "alpha", beta, lr)?;
        let v0_factor = match v0 {
            V0::Window => -(-lambda * lr).exp_m1(),
            V0::First => 1.0 - beta,
            V0::Zero => 0.0,
        };
        let mut options = Vec::new();
        if v0 != V0::Window {
            options.push(("v0", v0.text().to_string()));
        }
        if rate != Rate::Taylor {
            options.push(("rate", rate.text().to_string()));
        }
        let obj = oriented(obj, rmsprop.maximize);
        Ok(RmspropIde {
            name: canonical(model, &options),
            n: obj.dim(),
            obj,
            lane: RmspropLane {
                eps: rmsprop.eps,
                wd: rmsprop.weight_decay,
                kernel: StateSpace::exponential(lambda, lambda),
            },
            v0_factor,
        })
    }

    /// Builds `rmsprop-ide1[:v0=…,rate=…,kernel=…]` for an `rmsprop` optimizer: this model with
    /// the paper's kernel, or a [`KernelModel`] with another.
    pub fn from_spec(
        s: &Spec,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> Result<Box<dyn Model>> {
        let rmsprop: &RmsProp = optimizer_as(&s.name, opt, &["rmsprop"])?;
        let v0 = match s
            .choice("v0", "window", &["window", "first", "zero"])?
            .as_str()
        {
            "first" => V0::First,
            "zero" => V0::Zero,
            _ => V0::Window,
        };
        let rate = Rate::read(s)?;
        let kernel = read_kernel(s)?;
        s.finish(&PARAMS)?;
        if kernel.is_paper() {
            let mut m = Self::with(rmsprop, v0, rate, obj)?;
            m.name = s.to_string();
            return Ok(Box::new(m));
        }
        if v0 == V0::First {
            return Err(Error::spec(format!(
                "{}: v0=first is the exponential kernel's start-up value; with kernel={} use v0=window or v0=zero",
                s.name,
                kernel.text()
            )));
        }
        Ok(Box::new(
            KernelModel::rmsprop(rmsprop, v0 == V0::Window, rate, kernel, obj)?
                .named(s.to_string()),
        ))
    }
}

/// The RMSProp options every RMSProp IDE refuses or bounds: `ε ≥ 0`, `weight_decay ≥ 0`,
/// `momentum = 0`, `centered = false`.
pub(crate) fn check_rmsprop(model: &str, rmsprop: &RmsProp) -> Result<()> {
    check::non_negative("rmsprop", "eps", rmsprop.eps)?;
    check::non_negative("rmsprop", "weight_decay", rmsprop.weight_decay)?;
    if rmsprop.momentum != 0.0 {
        return Err(Error::not_modelled(
            model,
            "momentum",
            rmsprop.momentum,
            "momentum=0",
        ));
    }
    if rmsprop.centered {
        return Err(Error::not_modelled(
            model,
            "centered",
            true,
            "centered=false",
        ));
    }
    Ok(())
}

impl V0 {
    fn text(self) -> &'static str {
        match self {
            V0::Window => "window",
            V0::First => "first",
            V0::Zero => "zero",
        }
    }
}

impl OdeSystem for RmspropIde {
    fn dim(&self) -> usize {
        2 * self.n
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (th, v) = z.split_at(n);
        let (dth, dv) = dz.split_at_mut(n);
        // The gradient is written into dv, read back per coordinate, then overwritten by v'.
        self.obj.gradient(th, dv);
        for i in 0..n {
            [dth[i], dv[i]] = self.lane.rhs((), dv[i], [th[i], v[i]]);
        }
    }
}

/// One coordinate of `rmsprop-ide1`, state `[θ, v]`: `g ← g + λ_wd θ`, `v' = λ(g² − v)` (the
/// exponential kernel's state-space form), `θ' = −g/(√max(v, 0) + ε)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmspropLane {
    eps: f64,
    wd: f64,
    kernel: StateSpace,
}

impl LaneField<2> for RmspropLane {
    type Clock = ();

    #[inline(always)]
    fn clock(&self, _t: f64, _prev: Option<(&Self, ())>) {}

    #[inline(always)]
    fn rhs(&self, (): (), grad: f64, [th, v]: [f64; 2]) -> [f64; 2] {
        let g = grad + self.wd * th;
        let mut dv = [0.0];
        self.kernel.rhs(&[v], g * g, &mut dv);
        [-g / (v.max(0.0).sqrt() + self.eps), dv[0]]
    }
}

impl Model for RmspropIde {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; 2 * n];
        z[..n].copy_from_slice(x0);
        self.obj.gradient(x0, &mut z[n..]);
        for i in 0..n {
            let g = z[n + i] + self.lane.wd * x0[i];
            z[n + i] = self.v0_factor * g * g;
        }
        z
    }
    /// `V = f + (λ/2)‖θ‖²` (λ the L2 weight decay): `θ' = −g/(√v+ε)` with `g = ∇V` gives
    /// `V' = −Σ a g²/(√v+ε) ≤ 0` while `v ≥ 0`.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        Some(super::l2_potential(
            self.obj.as_ref(),
            &z[..self.n],
            self.lane.wd,
        ))
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["v"], self.n)
    }
    fn lane(&self) -> Option<Lane> {
        Some(Lane::RmspropIde(self.lane))
    }
}
