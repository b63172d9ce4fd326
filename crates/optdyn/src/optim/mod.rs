//! Discrete optimizers with `torch.optim`'s exact semantics (Lion as its paper).
//!
//! Hyperparameters are immutable once built; all mutable data lives in an explicit [`State`],
//! so a sweep can clone states cheaply and a step allocates nothing. Every optimizer is generic
//! over the float type ([`Real`]: `f32` or `f64`).
//!
//! Conventions (PyTorch): step `t = 1, 2, …`; `g_t = ∇f(θ_{t−1})`; `weight_decay` λ is L2
//! (`g ← g + λθ`) before the moments, except in AdamW/Lion (decoupled); `maximize` negates `g`.

pub mod kadam;

use crate::spec::{ComponentInfo, Spec};
use crate::Result;
use num_traits::{Float, FromPrimitive};

/// The float types an optimizer can run in.
pub trait Real: Float + FromPrimitive + Send + Sync + std::fmt::Debug + 'static {
    /// Converts an `f64` hyperparameter.
    fn of(x: f64) -> Self {
        Self::from_f64(x).expect("f64 converts to every Real")
    }
}
impl Real for f32 {}
impl Real for f64 {}

/// The mutable state of an optimizer run.
#[derive(Debug, Clone, PartialEq)]
pub struct State<F> {
    /// Steps taken so far (PyTorch's `step`; the next step is `t = step + 1`).
    pub step: u64,
    /// Per-parameter buffers, in the order of [`Optimizer::slot_names`], each of length `n`.
    pub slots: Vec<Vec<F>>,
    /// Scalar state (for example NAdam's running product of `μ_t`).
    pub scalars: Vec<f64>,
}

impl<F: Real> State<F> {
    /// A fresh state with `k` zeroed buffers of length `n` and `s` zero scalars.
    pub fn zeros(n: usize, k: usize, s: usize) -> Self {
        State {
            step: 0,
            slots: vec![vec![F::zero(); n]; k],
            scalars: vec![0.0; s],
        }
    }
}

/// A discrete update rule `θ_t = Φ(θ_{t−1}, g_t, state)`.
pub trait Optimizer<F: Real = f64>: Send + Sync + std::fmt::Debug {
    /// The spec name (`adam`, `sgd`, …).
    fn name(&self) -> &'static str;
    /// The learning rate γ; the discrete clock is `t_k = k·lr`.
    fn lr(&self) -> f64;
    /// Names of the per-parameter state buffers (CSV columns `name0, name1, …`).
    fn slot_names(&self) -> &'static [&'static str];
    /// The state before the first step, for parameters of length `n`.
    fn init(&self, n: usize) -> State<F>;
    /// One step: reads the gradient `g = ∇f(θ_{t−1})`, updates `state` and `x` in place.
    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]);
}

/// Every optimizer with its parameters and defaults, for `optdyn list optimizers`.
pub fn catalog() -> Vec<ComponentInfo> {
    Vec::new()
}

/// Builds an optimizer from a spec string such as `adam:lr=1e-3,beta1=0.9`.
pub fn parse(spec: &str) -> Result<Box<dyn Optimizer<f64>>> {
    let s = Spec::parse(spec)?;
    Err(crate::Error::spec(format!(
        "unknown optimizer '{}'",
        s.name
    )))
}
