//! Continuous-time models of optimizers.
//!
//! A model is (optimizer, scaling regime): an augmented state `z = (θ, aux…)` whose first `n`
//! entries are always the parameters θ, a right-hand side `ż = F(t, z)`, an initial state built
//! from `x0`, and a start time `t0`. A model takes its hyperparameters from the typed optimizer
//! it models (`AdamIde1::of(&adam, objective)`), never from text; the spec form
//! (`--optimizer adam:lr=…,beta1=… --model adam-ide1`) goes through the [`registry`], which
//! parses the model's own keys and hands the built optimizer to the same constructor.
//!
//! Optimizer options: `maximize` is honoured by every model (the model of `−f`,
//! [`crate::objective::Negated`]); SGD's `weight_decay` is honoured by the SGD models (the
//! model of `f + (λ/2)‖θ‖²`, [`crate::objective::L2Penalty`]); the adaptive models carry their
//! optimizer's weight decay in their equations. Any option a model does not represent
//! (`amsgrad`, `dampening`, `nesterov`, `momentum`, `centered`, …) is refused with an
//! [`Error::NotModelled`] naming the option and the model — never dropped.
//!
//! Clock: every model is written in the optimizer's clock `t_k = k·lr` (a model whose natural
//! clock is `k·√lr`, e.g. the heavy-ball and Nesterov ODEs, is rescaled to it and says so).
//!
//! Memory terms are [`crate::kernel::StateSpace`] kernels integrated as auxiliary states (never a
//! re-integration of the history); a kernel without a finite state (power law, user kernel;
//! `kernel=…` on the nonlocal models, [`nonlocal`]) makes the model a Volterra system that the
//! `volterra` integrator marches. Right-hand sides allocate nothing: the gradient is written
//! straight into the slice of `dz` whose final value is computed from it (e.g. `dm` for the Adam
//! IDE, then overwritten coordinate by coordinate), and models that need a second `n`-vector
//! (a Hessian-vector product, per-sample gradients) use a per-thread scratch buffer that grows
//! once and is reused ([`with_scratch`]).

pub mod adagrad_ide;
pub mod adam_field;
pub mod adam_ide;
pub mod adaptive_sde;
pub mod barakat_bianchi;
pub mod central_flow;
pub mod gould_tanaka;
pub mod grad_noise;
pub mod gradient_flow;
pub mod heavy_ball;
pub mod high_resolution;
pub mod lane;
pub mod nesterov;
pub mod nonlocal;
mod registry;
pub mod rmsprop_ide;
pub mod sde_model;
pub mod sme;

pub use adagrad_ide::AdagradIde;
pub use adam_field::AdamField;
pub use adam_ide::{AdamIde1, AdamIde2, Start};
pub use adaptive_sde::{AdamSde, RmspropSde};
pub use barakat_bianchi::BarakatBianchi;
pub use central_flow::{CentralFlow, RmspropCentralFlow};
pub use gould_tanaka::GouldTanaka;
pub use grad_noise::GradientCovariance;
pub use gradient_flow::FirstOrderFlow;
pub use heavy_ball::HeavyBall;
pub use high_resolution::HighResolution;
pub use lane::{Lane, LaneField};
pub use nesterov::Nesterov;
pub use nonlocal::KernelModel;
pub use registry::{catalog, from_spec, parse, registry, Entry, ModelFactory, ModelSpec};
pub use rmsprop_ide::RmspropIde;
pub use sde_model::{is_sde, parse_sde, sde_from_spec, sde_registry, SdeEntry, SdeModel};
pub use sme::{Sme, SmeOrder};

use crate::block::Block;
use crate::integrate::OdeSystem;
use crate::objective::{L2Penalty, Negated, Objective};
use crate::optim::{downcast, Adam, Optimizer};
use crate::spec::{check, Spec};
use crate::{Error, Result};
use std::cell::RefCell;
use std::sync::Arc;

/// A continuous-time model of an optimizer. It is an [`OdeSystem`] on `z = (θ, aux…)`.
pub trait Model: OdeSystem + Send + Sync {
    /// Its spec (`adam-ide2:u0=1`): the text it was parsed from, or its canonical spec.
    fn name(&self) -> String;
    /// Dimension `n` of θ.
    fn n(&self) -> usize;
    /// Start time (0 unless the model's convention says otherwise).
    fn t0(&self) -> f64 {
        0.0
    }
    /// The initial state `z(t0)` for `θ(t0) = x0`.
    fn initial_state(&self, x0: &[f64]) -> Vec<f64>;
    /// The layout of the auxiliary state `z[n..]` as named blocks (`m`, `v`, `vel`, …; the
    /// optimizer's buffer names where they mean the same thing).
    fn blocks(&self) -> Vec<Block>;
    /// A Lyapunov (energy) functional `V(t, z)` that is non-increasing along exact solutions,
    /// when the model has one (each implementation documents its `V` and why `V' ≤ 0`); `None`
    /// otherwise.
    fn lyapunov(&self, _t: f64, _z: &[f64]) -> Option<f64> {
        None
    }
    /// The per-coordinate field when the coordinates interact only through the gradient of the
    /// objective the model integrates ([`lane`]); `None` otherwise.
    fn lane(&self) -> Option<Lane> {
        None
    }
}

/// `f(θ) + (λ/2)‖θ‖²`: the objective with the L2 weight decay the optimizer adds to its gradient
/// (the potential whose gradient the first-order preconditioned flows descend).
pub fn l2_potential(obj: &dyn Objective, theta: &[f64], weight_decay: f64) -> f64 {
    obj.value(theta) + 0.5 * weight_decay * theta.iter().map(|x| x * x).sum::<f64>()
}

/// `f(x) + (lr/2)‖v‖²` on a state `[x (n), v (n)]`: the mechanical energy of the inertial models
/// `lr·ẍ + c(t)·ẋ + ∇f = 0` (then `E' = −c(t)‖ẋ‖² ≤ 0` for `c ≥ 0`).
pub fn mechanical_energy(obj: &dyn Objective, z: &[f64], lr: f64) -> f64 {
    let n = z.len() / 2;
    obj.value(&z[..n]) + 0.5 * lr * z[n..].iter().map(|v| v * v).sum::<f64>()
}

/// The concrete optimizer a model of `names` needs, or the error naming what it models.
pub fn optimizer_as<'a, T: 'static>(
    model: &str,
    opt: &'a dyn Optimizer<f64>,
    names: &[&str],
) -> Result<&'a T> {
    match downcast::<T, f64>(opt) {
        Some(o) if names.contains(&opt.name()) => Ok(o),
        _ => Err(Error::spec(format!(
            "{model}: models the optimizer {}, got optimizer '{}'",
            names.join(" or "),
            opt.name()
        ))),
    }
}

/// The objective a model integrates for an optimizer that maximizes (`−f`) or not (`f`).
pub(crate) fn oriented(obj: Arc<dyn Objective>, maximize: bool) -> Arc<dyn Objective> {
    if maximize {
        Arc::new(Negated(obj))
    } else {
        obj
    }
}

/// The objective an SGD model integrates: `±f + (λ/2)‖θ‖²` (maximize, then coupled decay).
pub(crate) fn sgd_objective(
    obj: Arc<dyn Objective>,
    maximize: bool,
    weight_decay: f64,
) -> Arc<dyn Objective> {
    let o = oriented(obj, maximize);
    if weight_decay != 0.0 {
        Arc::new(L2Penalty {
            inner: o,
            lambda: weight_decay,
        })
    } else {
        o
    }
}

/// The model clock needs `lr > 0`.
pub(crate) fn clock_lr(optimizer: &str, lr: f64) -> Result<f64> {
    check::positive(optimizer, "lr", lr)
}

/// A spec name with its non-default options: `name` or `name:k=v,…`.
pub(crate) fn canonical(name: &str, options: &[(&str, String)]) -> String {
    if options.is_empty() {
        name.to_string()
    } else {
        let kv: Vec<String> = options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{name}:{}", kv.join(","))
    }
}

/// Adam/AdamW hyperparameters as the Adam models use them (`adamw`'s weight decay is
/// decoupled; `adam`'s is L2, `g ← g + λθ`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamHyper {
    /// Learning rate α (the clock is `t = k·α`).
    pub lr: f64,
    /// β1.
    pub beta1: f64,
    /// β2.
    pub beta2: f64,
    /// ε (outside the root).
    pub eps: f64,
    /// Weight decay λ.
    pub weight_decay: f64,
    /// True for AdamW's decoupled decay `θ' = … − λθ`, false for L2 (`g ← g + λθ`).
    pub decoupled: bool,
}

impl AdamHyper {
    /// The hyperparameters of `adam` for the model `model`: `lr > 0` (the clock), AMSGrad
    /// refused (not modelled); `maximize` is the caller's (the model of `−f`).
    /// The ranges are the model's own: `ε ≥ 0` (the continuous models are defined without ε).
    pub fn of(model: &str, adam: &Adam) -> Result<Self> {
        let name = Optimizer::<f64>::name(adam);
        if adam.amsgrad {
            return Err(Error::not_modelled(model, "amsgrad", true, "amsgrad=false"));
        }
        Ok(AdamHyper {
            lr: clock_lr(name, adam.lr)?,
            beta1: check::in_closed_open(name, "beta1", adam.beta1, 0.0, 1.0)?,
            beta2: check::in_closed_open(name, "beta2", adam.beta2, 0.0, 1.0)?,
            eps: check::non_negative(name, "eps", adam.eps)?,
            weight_decay: check::non_negative(name, "weight_decay", adam.weight_decay)?,
            decoupled: adam.decoupled_weight_decay,
        })
    }
}

/// `1 − β^{t/lr}` computed as `−expm1(t·ln(β)/lr)` (accurate for small `t`), with the constant
/// `ln(β)/lr` precomputed (`−∞` for β = 0, where the factor is 1 for every `t > 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BiasFactor(f64);

impl BiasFactor {
    pub(crate) fn new(beta: f64, lr: f64) -> Self {
        BiasFactor(if beta == 0.0 {
            f64::NEG_INFINITY
        } else {
            beta.ln() / lr
        })
    }

    /// `1 − β^{t/lr}` for `t > 0`.
    #[inline]
    pub(crate) fn at(self, t: f64) -> f64 {
        if self.0 == f64::NEG_INFINITY {
            1.0
        } else {
            -(t * self.0).exp_m1()
        }
    }
}

/// The kernel-rate convention of the first-order IDEs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// `λ = (1 − β)/lr` (Heredia 2024's first-order Taylor rate).
    Taylor,
    /// `λ = −ln β / lr` (the continuous EMA then equals the discrete one on the grid).
    Exact,
}

impl Rate {
    /// Reads the spec key `rate` (`taylor`, the default, or `exact`).
    pub(crate) fn read(s: &Spec) -> Result<Self> {
        Ok(
            match s.choice("rate", "taylor", &["taylor", "exact"])?.as_str() {
                "exact" => Rate::Exact,
                _ => Rate::Taylor,
            },
        )
    }

    /// The spec text of the rate.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Rate::Taylor => "taylor",
            Rate::Exact => "exact",
        }
    }

    /// The rate for β and lr (`Exact` needs β > 0).
    pub(crate) fn lambda(self, model: &str, key: &str, beta: f64, lr: f64) -> Result<f64> {
        match self {
            Rate::Taylor => Ok((1.0 - beta) / lr),
            Rate::Exact if beta > 0.0 => Ok(-beta.ln() / lr),
            Rate::Exact => Err(Error::spec(format!(
                "{model}: rate=exact needs {key} in (0, 1), got {beta}"
            ))),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a per-thread scratch buffer of length `len` (zero-filled on growth only). The
/// buffer is allocated once per thread and reused, so right-hand sides stay allocation-free
/// in the steady state while `rhs(&self, …)` remains `&self` and `Sync`.
pub fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        // Re-entrant use (a model calling another model's rhs): fall back to a local buffer.
        Err(_) => f(&mut vec![0.0; len]),
    })
}
