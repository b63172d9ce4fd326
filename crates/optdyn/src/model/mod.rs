//! Continuous-time models of optimizers.
//!
//! A model is (optimizer, scaling regime): an augmented state `z = (θ, aux…)` whose first `n`
//! entries are always the parameters θ, a right-hand side `ż = F(t, z)`, an initial state built
//! from `x0`, and a start time `t0`. Models are built from a model spec *and* the optimizer spec
//! whose hyperparameters they share (`--optimizer adam:lr=…,beta1=… --model adam-ide1`).
//!
//! Clock: every model is written in the optimizer's clock `t_k = k·lr` (a model whose natural
//! clock is `k·√lr`, e.g. the heavy-ball and Nesterov ODEs, is rescaled to it and says so).
//!
//! Memory terms are [`crate::kernel::StateSpace`] kernels integrated as auxiliary states (never a
//! re-integration of the history). Right-hand sides allocate nothing: the gradient is written
//! straight into the slice of `dz` whose final value is computed from it (e.g. `dm` for the Adam
//! IDE, then overwritten coordinate by coordinate), and models that need a second `n`-vector
//! (a Hessian-vector product, per-sample gradients) use a per-thread scratch buffer that grows
//! once and is reused ([`with_scratch`]).

pub mod adagrad_ide;
pub mod adam_field;
pub mod adam_ide;
pub mod barakat_bianchi;
pub mod gould_tanaka;
pub mod gradient_flow;
pub mod heavy_ball;
pub mod nesterov;
pub mod rmsprop_ide;

use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::spec::{check, ComponentInfo, Spec};
use crate::{Error, Result};
use std::cell::RefCell;
use std::sync::Arc;

/// A continuous-time model of an optimizer. It is an [`OdeSystem`] on `z = (θ, aux…)`.
pub trait Model: OdeSystem + Send + Sync {
    /// The spec it was built from.
    fn name(&self) -> String;
    /// Dimension `n` of θ.
    fn n(&self) -> usize;
    /// Start time (0 unless the model's convention says otherwise).
    fn t0(&self) -> f64 {
        0.0
    }
    /// The initial state `z(t0)` for `θ(t0) = x0`.
    fn initial_state(&self, x0: &[f64]) -> Vec<f64>;
    /// Names of the auxiliary state columns `z[n..]` (e.g. `m0, v0, vel0`).
    fn state_columns(&self) -> Vec<String>;
    /// A Lyapunov (energy) functional `V(t, z)` that is non-increasing along exact solutions,
    /// when the model has one (each implementation documents its `V` and why `V' ≤ 0`); `None`
    /// otherwise.
    fn lyapunov(&self, _t: f64, _z: &[f64]) -> Option<f64> {
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

/// Every model with its optimizer and parameters, for `optdyn list models`.
pub fn catalog() -> Vec<ComponentInfo> {
    vec![
        gradient_flow::GRADIENT_FLOW,
        gradient_flow::MODIFIED_FLOW,
        gradient_flow::HEAVY_BALL_FLOW,
        heavy_ball::INFO,
        nesterov::INFO,
        adagrad_ide::INFO,
        rmsprop_ide::INFO,
        adam_ide::INFO1,
        adam_ide::INFO2,
        adam_field::INFO,
        barakat_bianchi::INFO,
        gould_tanaka::INFO,
    ]
}

/// Builds a model from its spec, the optimizer spec that supplies the shared hyperparameters,
/// and the objective.
pub fn parse(
    spec: &str,
    optimizer: &Spec,
    objective: Arc<dyn Objective>,
) -> Result<Box<dyn Model>> {
    let s = Spec::parse(spec)?;
    let m: Box<dyn Model> = match s.name.as_str() {
        "gradient-flow" | "modified-flow" | "heavy-ball-flow" => Box::new(
            gradient_flow::FirstOrderFlow::build(&s, optimizer, objective)?,
        ),
        "heavy-ball" => Box::new(heavy_ball::HeavyBall::build(&s, optimizer, objective)?),
        "nesterov" => Box::new(nesterov::Nesterov::build(&s, optimizer, objective)?),
        "adagrad-ide1" => Box::new(adagrad_ide::AdagradIde::build(&s, optimizer, objective)?),
        "rmsprop-ide1" => Box::new(rmsprop_ide::RmspropIde::build(&s, optimizer, objective)?),
        "adam-ide1" => Box::new(adam_ide::AdamIde1::build(&s, optimizer, objective)?),
        "adam-ide2" => Box::new(adam_ide::AdamIde2::build(&s, optimizer, objective)?),
        "adam-field" => Box::new(adam_field::AdamField::build(&s, optimizer, objective)?),
        "barakat-bianchi" => Box::new(barakat_bianchi::BarakatBianchi::build(
            &s, optimizer, objective,
        )?),
        "gould-tanaka" => Box::new(gould_tanaka::GouldTanaka::build(&s, optimizer, objective)?),
        other => {
            let names: Vec<&str> = catalog().iter().map(|c| c.name).collect();
            return Err(Error::spec(format!(
                "unknown model '{other}' (known: {})",
                names.join(", ")
            )));
        }
    };
    Ok(m)
}

/// Fails unless the optimizer spec names one of `allowed`.
pub(crate) fn require_optimizer(model: &str, optimizer: &Spec, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&optimizer.name.as_str()) {
        Ok(())
    } else {
        Err(Error::spec(format!(
            "{model}: models the optimizer {}, got optimizer '{}'",
            allowed.join(" or "),
            optimizer.name
        )))
    }
}

/// torch's default learning rate of each optimizer.
pub(crate) fn lr_of(optimizer: &Spec) -> Result<f64> {
    let default = match optimizer.name.as_str() {
        "adagrad" | "rmsprop" => 1e-2,
        _ => 1e-3,
    };
    let lr = optimizer.f64("lr", default)?;
    check::positive(&optimizer.name, "lr", lr)
}

/// Adam/AdamW hyperparameters with torch's defaults (`adamw`'s weight decay defaults to 0.01 and
/// is decoupled; `adam`'s is L2, `g ← g + λθ`).
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
    /// Reads and validates the hyperparameters of an `adam`/`adamw` spec.
    pub fn read(model: &str, optimizer: &Spec) -> Result<Self> {
        require_optimizer(model, optimizer, &["adam", "adamw"])?;
        let o = optimizer.name.as_str();
        let decoupled = o == "adamw";
        let lr = lr_of(optimizer)?;
        let beta1 = check::in_closed_open(o, "beta1", optimizer.f64("beta1", 0.9)?, 0.0, 1.0)?;
        let beta2 = check::in_closed_open(o, "beta2", optimizer.f64("beta2", 0.999)?, 0.0, 1.0)?;
        let eps = check::non_negative(o, "eps", optimizer.f64("eps", 1e-8)?)?;
        let wd_default = if decoupled { 1e-2 } else { 0.0 };
        let weight_decay = check::non_negative(
            o,
            "weight_decay",
            optimizer.f64("weight_decay", wd_default)?,
        )?;
        if optimizer.bool("amsgrad", false)? {
            return Err(Error::spec(format!(
                "{model}: amsgrad=true is not modelled (allowed: amsgrad=false)"
            )));
        }
        Ok(AdamHyper {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            decoupled,
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
    pub(crate) fn read(s: &Spec) -> Result<Self> {
        Ok(
            match s.choice("rate", "taylor", &["taylor", "exact"])?.as_str() {
                "exact" => Rate::Exact,
                _ => Rate::Taylor,
            },
        )
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

/// Column names `prefix0, prefix1, …`.
pub(crate) fn columns(prefixes: &[&str], n: usize) -> Vec<String> {
    prefixes
        .iter()
        .flat_map(|p| (0..n).map(move |i| format!("{p}{i}")))
        .collect()
}
