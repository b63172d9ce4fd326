//! Discrete optimizers with `torch.optim`'s exact semantics (Lion as its paper).
//!
//! Hyperparameters are immutable once built; all mutable data lives in an explicit [`State`],
//! so a sweep can clone states cheaply and a step allocates nothing. Every optimizer is generic
//! over the float type ([`Real`]: `f32` or `f64`).
//!
//! Conventions (PyTorch): step `t = 1, 2, …`; `g_t = ∇f(θ_{t−1})`; `weight_decay` λ is L2
//! (`g ← g + λθ`) before the moments, except in AdamW/Lion (decoupled); `maximize` negates `g`.
//!
//! Scalar coefficients (bias corrections, step sizes, schedules) are computed in `f64` exactly
//! as PyTorch computes them in Python floats, then converted to the working type once per step.
//! Steps on at least [`PARALLEL_MIN_LEN`] parameters are split into chunks of [`CHUNK_LEN`]
//! elements processed in parallel with rayon; smaller problems run on the calling thread.

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod lion;
mod nadam;
mod radam;
mod rmsprop;
mod sgd;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamax::Adamax;
pub use lion::Lion;
pub use nadam::NAdam;
pub use radam::RAdam;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

pub mod kadam;

use crate::spec::{ComponentInfo, Spec};
use crate::Result;
use num_traits::{Float, FromPrimitive};
use rayon::prelude::*;

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
    vec![
        Sgd::INFO,
        Adagrad::INFO,
        RmsProp::INFO,
        Adadelta::INFO,
        Adam::INFO,
        Adam::ADAMW_INFO,
        Adamax::INFO,
        NAdam::INFO,
        RAdam::INFO,
        Lion::INFO,
        kadam::KAdam::INFO,
    ]
}

/// Builds an optimizer from a spec string such as `adam:lr=1e-3,beta1=0.9`.
pub fn parse(spec: &str) -> Result<Box<dyn Optimizer<f64>>> {
    parse_as::<f64>(spec)
}

/// [`parse`] for any working precision (`f32` or `f64`).
pub fn parse_as<F: Real>(spec: &str) -> Result<Box<dyn Optimizer<F>>> {
    let s = Spec::parse(spec)?;
    from_spec(&s)
}

/// Builds an optimizer from an already parsed [`Spec`].
pub fn from_spec<F: Real>(s: &Spec) -> Result<Box<dyn Optimizer<F>>> {
    Ok(match s.name.as_str() {
        "sgd" => Box::new(Sgd::from_spec(s)?),
        "adagrad" => Box::new(Adagrad::from_spec(s)?),
        "rmsprop" => Box::new(RmsProp::from_spec(s)?),
        "adadelta" => Box::new(Adadelta::from_spec(s)?),
        "adam" | "adamw" => Box::new(Adam::from_spec(s)?),
        "adamax" => Box::new(Adamax::from_spec(s)?),
        "nadam" => Box::new(NAdam::from_spec(s)?),
        "radam" => Box::new(RAdam::from_spec(s)?),
        "lion" => Box::new(Lion::from_spec(s)?),
        "kadam" => Box::new(kadam::KAdam::from_spec(s)?),
        other => {
            let known: Vec<&str> = catalog().iter().map(|c| c.name).collect();
            return Err(crate::Error::spec(format!(
                "unknown optimizer '{other}' (known: {})",
                known.join(", ")
            )));
        }
    })
}

/// Below this many parameters a step runs serially on the calling thread.
pub const PARALLEL_MIN_LEN: usize = 1 << 17;
/// Elements per parallel task (a few hundred KiB of streams per task).
pub const CHUNK_LEN: usize = 1 << 15;

/// Panics unless every buffer has the parameters' length (a caller bug, not a user input).
fn check_len<F>(who: &str, x: &[F], g: &[F], slots: &[&[F]]) {
    assert_eq!(x.len(), g.len(), "{who}: gradient length differs from x");
    for s in slots {
        assert_eq!(
            s.len(),
            x.len(),
            "{who}: state buffer length differs from x"
        );
    }
}

/// Runs `k(x, g)` over the whole slices, or over matching chunks in parallel for large `n`.
pub(crate) fn zip0<F: Real>(x: &mut [F], g: &[F], k: impl Fn(&mut [F], &[F]) + Sync + Send) {
    check_len("optimizer", x, g, &[]);
    if x.len() < PARALLEL_MIN_LEN {
        k(x, g);
    } else {
        x.par_chunks_mut(CHUNK_LEN)
            .zip(g.par_chunks(CHUNK_LEN))
            .for_each(|(x, g)| k(x, g));
    }
}

/// [`zip0`] with one state buffer.
pub(crate) fn zip1<F: Real>(
    x: &mut [F],
    g: &[F],
    a: &mut [F],
    k: impl Fn(&mut [F], &[F], &mut [F]) + Sync + Send,
) {
    check_len("optimizer", x, g, &[a]);
    if x.len() < PARALLEL_MIN_LEN {
        k(x, g, a);
    } else {
        x.par_chunks_mut(CHUNK_LEN)
            .zip(g.par_chunks(CHUNK_LEN))
            .zip(a.par_chunks_mut(CHUNK_LEN))
            .for_each(|((x, g), a)| k(x, g, a));
    }
}

/// [`zip0`] with two state buffers.
pub(crate) fn zip2<F: Real>(
    x: &mut [F],
    g: &[F],
    a: &mut [F],
    b: &mut [F],
    k: impl Fn(&mut [F], &[F], &mut [F], &mut [F]) + Sync + Send,
) {
    check_len("optimizer", x, g, &[a, b]);
    if x.len() < PARALLEL_MIN_LEN {
        k(x, g, a, b);
    } else {
        x.par_chunks_mut(CHUNK_LEN)
            .zip(g.par_chunks(CHUNK_LEN))
            .zip(a.par_chunks_mut(CHUNK_LEN))
            .zip(b.par_chunks_mut(CHUNK_LEN))
            .for_each(|(((x, g), a), b)| k(x, g, a, b));
    }
}

/// [`zip0`] with three state buffers.
pub(crate) fn zip3<F: Real>(
    x: &mut [F],
    g: &[F],
    a: &mut [F],
    b: &mut [F],
    c: &mut [F],
    k: impl Fn(&mut [F], &[F], &mut [F], &mut [F], &mut [F]) + Sync + Send,
) {
    check_len("optimizer", x, g, &[a, b, c]);
    if x.len() < PARALLEL_MIN_LEN {
        k(x, g, a, b, c);
    } else {
        x.par_chunks_mut(CHUNK_LEN)
            .zip(g.par_chunks(CHUNK_LEN))
            .zip(a.par_chunks_mut(CHUNK_LEN))
            .zip(b.par_chunks_mut(CHUNK_LEN))
            .zip(c.par_chunks_mut(CHUNK_LEN))
            .for_each(|((((x, g), a), b), c)| k(x, g, a, b, c));
    }
}

/// `torch.lerp(a, b, w)` as ATen evaluates it: `a + w(b − a)` for `|w| < ½`, else
/// `b − (b − a)(1 − w)` (so `m.lerp_(g, 1 − β₁)` is `β₁m + (1 − β₁)g` with PyTorch's rounding).
#[inline(always)]
pub(crate) fn lerp<F: Real>(a: F, b: F, w: F, one_minus_w: F, small: bool) -> F {
    if small {
        a + w * (b - a)
    } else {
        b - (b - a) * one_minus_w
    }
}

/// `torch.maximum(a, b)`: the larger value, NaN if either is NaN.
#[inline(always)]
pub(crate) fn maximum<F: Real>(a: F, b: F) -> F {
    if a.is_nan() || a > b {
        a
    } else {
        b
    }
}

/// The effective gradient `±g + λθ` (sign −1 when maximizing; the L2 term only when λ ≠ 0,
/// as PyTorch skips it, so an infinite θ with λ = 0 does not create a NaN).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grad<F> {
    pub(crate) sign: F,
    pub(crate) wd: F,
    pub(crate) l2: bool,
}

impl<F: Real> Grad<F> {
    /// `maximize` flips the sign; `l2` is the coupled weight decay λ (0 for none).
    pub(crate) fn new(maximize: bool, l2: f64) -> Self {
        Grad {
            sign: if maximize { -F::one() } else { F::one() },
            wd: F::of(l2),
            l2: l2 != 0.0,
        }
    }

    /// `g ← (−1)^maximize · g + λθ`.
    #[inline(always)]
    pub(crate) fn at(&self, g: F, x: F) -> F {
        let g = g * self.sign;
        if self.l2 {
            g + self.wd * x
        } else {
            g
        }
    }
}
