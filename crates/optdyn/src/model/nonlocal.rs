//! The nonlocal models with a chosen memory kernel (`kernel=…`, `kernel_m=…`, `kernel_v=…`):
//! Heredia's IDEs with the papers' exponential / second-order kernels replaced by a power law
//! (fractional memory), an explicit sum of exponentials or a user kernel
//! ([`crate::kernel::MemoryKernel`]). They are Volterra systems
//! ([`crate::integrate::MemorySystem`]), solved by the `volterra` integrator (exact history
//! quadrature or the sum-of-exponentials fast path); with every kernel left at `paper` the spec
//! builds the original auxiliary-state model instead, so default numbers are unchanged.
//!
//! Equations (memories `M[u](t) = ∫_{t0}^t K(t − τ) u(τ) dτ`, masses `μ(t) = ∫_0^{t−t0} K`):
//!
//! * `adam-ide1`: `θ' = −m̂/(√v̂ + ε)` with `m̂ = M_m[g]/μ_m`, `v̂ = M_v[g²]/μ_v` — the bias
//!   correction divides by the kernel's mass so far (for the exponential kernel with
//!   `rate=exact` this is the paper's `1 − β^{t/lr}`); at `t0` (mass 0) the limits `m̂ = g`,
//!   `v̂ = g²`. AdamW's decoupled decay adds `λθ` to the direction, Adam's L2 enters `g`.
//! * `adam-ide2`: `(lr/2)θ'' + θ' = −m̂/(√v̂ + ε)`, the same moments, `θ'(t0) = u0`.
//! * `rmsprop-ide1`: `θ' = −g/(√v + ε)`, `v = M[g²] + g(θ0)²·∫_{t−t0}^{t−t0+lr} K` (`v0=window`,
//!   the paper's extra window `[−lr, 0]` with θ frozen at θ0, which for the exponential kernel is
//!   its `(1 − e^{−λ lr}) g0² e^{−λt}`) or `v = M[g²]` (`v0=zero`). `g(θ0)²` is carried as the
//!   constant block `v0`.
//! * `adagrad-ide1`: `θ' = −a(t) g/(√v + ε)`, `v = S0 + M[g²] + g(θ)²·∫_0^{lr} K` (`v0=window`;
//!   for the paper's `K ≡ 1/lr` this is its `V + g²`) or `S0 + M[g²]` (`v0=zero`).
//!
//! State `z = [θ, (vel | v0), M…]`: the memories are reported raw (`m`, `v`, `sum`). `rhs(t, z)`
//! is the field with the memory frozen, using the exact mass `∫_0^{t−t0} K`.

use super::adam_ide::{adam_of, Start};
use super::{clock_lr, oriented, AdamHyper, Model, Rate};
use crate::block::{uniform, Block};
use crate::error::Allowed;
use crate::integrate::{Memory, MemorySystem, OdeSystem};
use crate::kernel::{Kernel, MemoryKernel, StateSpace};
use crate::objective::Objective;
use crate::optim::{Adagrad, Adam, RmsProp};
use crate::spec::{check, ParamInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

/// The keys `kernel`, `kernel_m`, `kernel_v` as catalog entries.
pub const KERNEL_KEY: ParamInfo = ParamInfo {
    key: "kernel",
    default: "paper",
    help: "memory kernel: paper, power:a=A[;T=T|;c=C] (c·s^-a, 0<a<1), soe:terms=w/r;… (solved by the volterra integrator)",
};
/// `kernel_m`.
pub const KERNEL_M_KEY: ParamInfo = ParamInfo {
    key: "kernel_m",
    default: "paper",
    help: "first-moment kernel (as kernel)",
};
/// `kernel_v`.
pub const KERNEL_V_KEY: ParamInfo = ParamInfo {
    key: "kernel_v",
    default: "paper",
    help: "second-moment kernel (as kernel)",
};

/// Reads `kernel` (one memory) from a model spec.
pub(crate) fn read_kernel(s: &Spec) -> Result<MemoryKernel> {
    match s.raw("kernel") {
        Some(t) => MemoryKernel::parse(&s.name, "kernel", t),
        None => Ok(MemoryKernel::Paper),
    }
}

/// Reads `kernel_m`, `kernel_v` (or `kernel` for both) from an Adam model spec.
pub(crate) fn read_kernels(s: &Spec) -> Result<(MemoryKernel, MemoryKernel)> {
    if s.has("kernel") && (s.has("kernel_m") || s.has("kernel_v")) {
        return Err(Error::spec(format!(
            "{}: give kernel (both moments) or kernel_m/kernel_v, not both",
            s.name
        )));
    }
    if s.has("kernel") {
        let k = read_kernel(s)?;
        return Ok((k.clone(), k));
    }
    let one = |key: &str| match s.raw(key) {
        Some(t) => MemoryKernel::parse(&s.name, key, t),
        None => Ok(MemoryKernel::Paper),
    };
    Ok((one("kernel_m")?, one("kernel_v")?))
}

enum Law {
    Adam1(AdamHyper),
    Adam2 {
        h: AdamHyper,
        u0: f64,
    },
    Rmsprop {
        eps: f64,
        wd: f64,
        lr: f64,
        window: bool,
    },
    Adagrad(AdagradLaw),
}

struct AdagradLaw {
    lr: f64,
    lr_decay: f64,
    eps: f64,
    wd: f64,
    acc0: f64,
    /// `∫_0^{lr} K` for the window, or 0 for `v0=zero`.
    window: f64,
}

/// A nonlocal model with a chosen memory kernel (see the module doc).
pub struct KernelModel {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    t0: f64,
    law: Law,
    kernels: Vec<Kernel>,
}

fn exp_kernel(rate: f64) -> Kernel {
    Kernel::StateSpace(StateSpace::exponential(rate, rate))
}

impl KernelModel {
    /// `adam-ide1` of `adam` with kernels `m` and `v` (the paper kernels are
    /// `λ_i e^{−λ_i s}` with the rate convention `rate`).
    pub fn adam1(
        adam: &Adam,
        start: Start,
        rate: Rate,
        (m, v): (MemoryKernel, MemoryKernel),
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let model = "adam-ide1";
        let (h, obj) = adam_of(model, adam, obj)?;
        let papers = [
            exp_kernel(rate.lambda(model, "beta1", h.beta1, h.lr)?),
            exp_kernel(rate.lambda(model, "beta2", h.beta2, h.lr)?),
        ];
        Ok(KernelModel {
            name: model.into(),
            n: obj.dim(),
            obj,
            t0: start.time(h.lr),
            kernels: vec![m.resolve(&papers[0], h.lr), v.resolve(&papers[1], h.lr)],
            law: Law::Adam1(h),
        })
    }

    /// `adam-ide2` of `adam` with initial velocity `u0` and kernels `m`, `v` (paper kernels:
    /// the second-order `((1−β)/lr)K_β`).
    pub fn adam2(
        adam: &Adam,
        u0: f64,
        start: Start,
        (m, v): (MemoryKernel, MemoryKernel),
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let model = "adam-ide2";
        let (h, obj) = adam_of(model, adam, obj)?;
        let u0 = check::within(model, "u0", u0, Allowed::Finite)?;
        let papers = [
            Kernel::StateSpace(StateSpace::second_order(h.beta1, h.lr)),
            Kernel::StateSpace(StateSpace::second_order(h.beta2, h.lr)),
        ];
        Ok(KernelModel {
            name: model.into(),
            n: obj.dim(),
            obj,
            t0: start.time(h.lr),
            kernels: vec![m.resolve(&papers[0], h.lr), v.resolve(&papers[1], h.lr)],
            law: Law::Adam2 { h, u0 },
        })
    }

    /// `rmsprop-ide1` of `rmsprop` with kernel `k` (paper kernel `λ e^{−λ s}`, rate `rate`)
    /// and the start-up window (`window = true`) or none.
    pub fn rmsprop(
        rmsprop: &RmsProp,
        window: bool,
        rate: Rate,
        k: MemoryKernel,
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let model = "rmsprop-ide1";
        super::rmsprop_ide::check_rmsprop(model, rmsprop)?;
        let lr = clock_lr("rmsprop", rmsprop.lr)?;
        let beta = check::in_closed_open("rmsprop", "alpha", rmsprop.alpha, 0.0, 1.0)?;
        let paper = exp_kernel(rate.lambda(model, "alpha", beta, lr)?);
        let obj = oriented(obj, rmsprop.maximize);
        Ok(KernelModel {
            name: model.into(),
            n: obj.dim(),
            obj,
            t0: 0.0,
            kernels: vec![k.resolve(&paper, lr)],
            law: Law::Rmsprop {
                eps: rmsprop.eps,
                wd: rmsprop.weight_decay,
                lr,
                window,
            },
        })
    }

    /// `adagrad-ide1` of `adagrad` with kernel `k` (paper kernel `K ≡ 1/lr`) and the start-up
    /// window (`window = true`) or none.
    pub fn adagrad(
        adagrad: &Adagrad,
        window: bool,
        k: MemoryKernel,
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let w = "adagrad";
        let lr = clock_lr(w, adagrad.lr)?;
        super::adagrad_ide::check_adagrad(adagrad)?;
        let kernel = k.resolve(
            &Kernel::StateSpace(StateSpace::exponential(1.0 / lr, 0.0)),
            lr,
        );
        let obj = oriented(obj, adagrad.maximize);
        Ok(KernelModel {
            name: "adagrad-ide1".into(),
            n: obj.dim(),
            obj,
            t0: 0.0,
            law: Law::Adagrad(AdagradLaw {
                lr,
                lr_decay: adagrad.lr_decay,
                eps: adagrad.eps,
                wd: adagrad.weight_decay,
                acc0: adagrad.initial_accumulator_value,
                window: if window {
                    kernel.integral(0.0, lr)
                } else {
                    0.0
                },
            }),
            kernels: vec![kernel],
        })
    }

    /// The same model named `name` (the spec text it was parsed from).
    #[must_use]
    pub fn named(mut self, name: String) -> Self {
        self.name = name;
        self
    }

    /// The resolved kernel of each memory (`m`, `v` for Adam; `v` or `sum` otherwise).
    pub fn memory_kernels(&self) -> &[Kernel] {
        &self.kernels
    }

    /// Length of the block between θ and the memories (`vel`, `v0`).
    fn extra(&self) -> usize {
        match &self.law {
            Law::Adam2 { .. } => self.n,
            Law::Rmsprop { window: true, .. } => self.n,
            _ => 0,
        }
    }
}

/// `m̂/(√v̂ + ε)` (+ λθ for AdamW) from raw memories and masses, with the start-up limits.
#[inline]
fn adam_direction(h: &AdamHyper, theta: f64, g: f64, m: f64, v: f64, mass: &[f64]) -> f64 {
    let mh = if mass[0] > 0.0 { m / mass[0] } else { g };
    let vh = if mass[1] > 0.0 { v / mass[1] } else { g * g };
    let d = mh / (vh.max(0.0).sqrt() + h.eps);
    if h.decoupled {
        d + h.weight_decay * theta
    } else {
        d
    }
}

impl MemorySystem for KernelModel {
    fn local_dim(&self) -> usize {
        self.n + self.extra()
    }

    fn channels(&self) -> usize {
        self.n
    }

    fn kernels(&self) -> &[Kernel] {
        &self.kernels
    }

    fn inputs(&self, _t: f64, y: &[f64], grad: &mut [f64], u: &mut [f64]) {
        let n = self.n;
        let th = &y[..n];
        self.obj.gradient(th, grad);
        let coupled = match &self.law {
            Law::Adam1(h) | Law::Adam2 { h, .. } => (!h.decoupled).then_some(h.weight_decay),
            Law::Rmsprop { wd, .. } => Some(*wd),
            Law::Adagrad(a) => Some(a.wd),
        };
        if let Some(wd) = coupled.filter(|w| *w != 0.0) {
            grad.iter_mut().zip(th).for_each(|(g, x)| *g += wd * x);
        }
        match &self.law {
            Law::Adam1(_) | Law::Adam2 { .. } => {
                let (um, uv) = u.split_at_mut(n);
                for i in 0..n {
                    um[i] = grad[i];
                    uv[i] = grad[i] * grad[i];
                }
            }
            _ => {
                for i in 0..n {
                    u[i] = grad[i] * grad[i];
                }
            }
        }
    }

    fn field(&self, t: f64, y: &[f64], mem: &Memory<'_>, dy: &mut [f64]) {
        let n = self.n;
        let g = mem.grad;
        match &self.law {
            Law::Adam1(h) => {
                let (m, v) = mem.values.split_at(n);
                for i in 0..n {
                    dy[i] = -adam_direction(h, y[i], g[i], m[i], v[i], mem.mass);
                }
            }
            Law::Adam2 { h, .. } => {
                let (m, v) = mem.values.split_at(n);
                let (dth, dvel) = dy.split_at_mut(n);
                for i in 0..n {
                    let d = adam_direction(h, y[i], g[i], m[i], v[i], mem.mass);
                    let vel = y[n + i];
                    dth[i] = vel;
                    dvel[i] = -(2.0 / h.lr) * (vel + d);
                }
            }
            Law::Rmsprop {
                eps, lr, window, ..
            } => {
                let w = if *window {
                    let tau = t - self.t0;
                    self.kernels[0].integral(tau, tau + lr)
                } else {
                    0.0
                };
                for i in 0..n {
                    let v0 = if *window { y[n + i] } else { 0.0 };
                    let v = mem.values[i] + v0 * w;
                    dy[i] = -g[i] / (v.max(0.0).sqrt() + eps);
                }
                dy[n..].fill(0.0);
            }
            Law::Adagrad(a) => {
                let decay = 1.0 / (1.0 + t * a.lr_decay / a.lr);
                for i in 0..n {
                    let v = a.acc0 + mem.values[i] + a.window * g[i] * g[i];
                    dy[i] = -decay * g[i] / (v.max(0.0).sqrt() + a.eps);
                }
            }
        }
    }
}

impl OdeSystem for KernelModel {
    fn dim(&self) -> usize {
        self.n + self.extra() + self.kernels.len() * self.n
    }

    /// The field with the memory frozen (`dM = 0`) and the exact masses `∫_0^{t−t0} K`.
    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let (n, local) = (self.n, self.local_dim());
        let groups = self.kernels.len();
        let mut mass = [0.0; 2];
        for (m, k) in mass.iter_mut().zip(&self.kernels) {
            *m = k.integral(0.0, t - self.t0);
        }
        super::with_scratch(n + groups * n, |buf| {
            let (grad, u) = buf.split_at_mut(n);
            self.inputs(t, &z[..local], grad, u);
            let memory = Memory {
                values: &z[local..],
                mass: &mass[..groups],
                inputs: u,
                grad,
            };
            self.field(t, &z[..local], &memory, &mut dz[..local]);
        });
        dz[local..].fill(0.0);
    }

    fn memory_form(&self) -> Option<&dyn MemorySystem> {
        Some(self)
    }
}

impl Model for KernelModel {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn t0(&self) -> f64 {
        self.t0
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; self.dim()];
        z[..n].copy_from_slice(x0);
        match &self.law {
            Law::Adam2 { u0, .. } => z[n..2 * n].fill(*u0),
            Law::Rmsprop {
                window: true, wd, ..
            } => {
                self.obj.gradient(x0, &mut z[n..2 * n]);
                for i in 0..n {
                    let g = z[n + i] + wd * x0[i];
                    z[n + i] = g * g;
                }
            }
            _ => {}
        }
        z
    }
    fn blocks(&self) -> Vec<Block> {
        let names: &[&str] = match &self.law {
            Law::Adam1(_) => &["m", "v"],
            Law::Adam2 { .. } => &["vel", "m", "v"],
            Law::Rmsprop { window: true, .. } => &["v0", "v"],
            Law::Rmsprop { .. } => &["v"],
            Law::Adagrad(_) => &["sum"],
        };
        uniform(names, self.n)
    }
    /// RMSProp and AdaGrad: `V = f + (λ/2)‖θ‖²` (`V' = −a Σ g²/(√v+ε) ≤ 0` for any `v ≥ 0`, so
    /// for any kernel); none for the Adam models.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        match &self.law {
            Law::Rmsprop { wd, .. } => {
                Some(super::l2_potential(self.obj.as_ref(), &z[..self.n], *wd))
            }
            Law::Adagrad(a) => Some(super::l2_potential(self.obj.as_ref(), &z[..self.n], a.wd)),
            _ => None,
        }
    }
}
