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
//! Steps on at least [`PARALLEL_MIN_LEN`] parameters are split into one contiguous part per
//! rayon worker (whole multiples of [`CHUNK_LEN`] elements), processed in parallel; smaller
//! problems run on the calling thread. Every update is elementwise, so the split never changes
//! a bit.

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
pub mod hyper;
pub mod lanewise;
mod lion;
mod nadam;
mod nag_c;
mod radam;
mod rmsprop;
mod scalar_rmsprop;
mod sgd;
pub mod svag;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamax::Adamax;
pub use lanewise::Lanewise;
pub use lion::Lion;
pub use nadam::NAdam;
pub use nag_c::NagC;
pub use radam::RAdam;
pub use rmsprop::RmsProp;
pub use scalar_rmsprop::ScalarRmsProp;
pub use sgd::Sgd;
pub use svag::{Svag, SvagInner};

pub mod kadam;
pub use kadam::KAdam;

use crate::spec::{ComponentInfo, Spec};
use crate::{Error, Result};
use num_traits::{Float, FromPrimitive};
use rayon::prelude::*;
use std::any::Any;

/// The float types an optimizer can run in.
pub trait Real: Float + FromPrimitive + Send + Sync + std::fmt::Debug + 'static {
    /// Converts an `f64` hyperparameter.
    fn of(x: f64) -> Self {
        Self::from_f64(x).expect("f64 converts to every Real")
    }
    /// The optimizer a registry builder made, in this precision.
    fn select(o: Box<dyn AnyPrecision>) -> Box<dyn Optimizer<Self>>;
}
impl Real for f32 {
    fn select(o: Box<dyn AnyPrecision>) -> Box<dyn Optimizer<f32>> {
        o.into_f32()
    }
}
impl Real for f64 {
    fn select(o: Box<dyn AnyPrecision>) -> Box<dyn Optimizer<f64>> {
        o.into_f64()
    }
}

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

/// `&dyn Any` of a value, so a model can read the concrete optimizer it models
/// (`opt.as_any().downcast_ref::<Adam>()`); implemented for every `'static` type.
pub trait AsAny {
    /// The value as `&dyn Any`.
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A discrete update rule `θ_t = Φ(θ_{t−1}, g_t, state)`.
///
/// Implement it for your own optimizer (see `examples/own_optimizer_and_model.rs`): `name`, `lr`
/// (the clock `t_k = k·lr`), `slot_names`, `init` and `step` are required; `validate` and
/// `with_lr` (needed by `converge` and `basins`, which vary the learning rate) have defaults.
pub trait Optimizer<F: Real = f64>: AsAny + Send + Sync + std::fmt::Debug {
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
    /// Checks the hyperparameters (typed range errors); the run engine calls it before a run.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
    /// `Some((a, b))` when a step consumes the combination `a·g₁ + b·g₂` of two independent
    /// draws of the step gradient (the SVAG wrapper); the run engine then draws both. `None`
    /// (the default): one draw.
    fn gradient_mix(&self) -> Option<(f64, f64)> {
        None
    }
    /// The same optimizer with learning rate `lr`.
    fn with_lr(&self, lr: f64) -> Result<Box<dyn Optimizer<F>>> {
        let _ = lr;
        Err(Error::spec(format!(
            "optimizer '{}' cannot change its learning rate (implement Optimizer::with_lr)",
            self.name()
        )))
    }
}

/// The concrete optimizer behind a trait object, if it is a `T`: how a model reads the
/// hyperparameters of the optimizer it models (`downcast::<Adam, f64>(opt)`). Take the
/// `&dyn Optimizer` (not a `Box`, whose own `as_any` would name the box).
pub fn downcast<T: 'static, F: Real>(opt: &dyn Optimizer<F>) -> Option<&T> {
    opt.as_any().downcast_ref::<T>()
}

/// A registry-built optimizer, convertible to either precision.
pub trait AnyPrecision: Send + Sync {
    /// As an `f64` optimizer.
    fn into_f64(self: Box<Self>) -> Box<dyn Optimizer<f64>>;
    /// As an `f32` optimizer.
    fn into_f32(self: Box<Self>) -> Box<dyn Optimizer<f32>>;
}

impl<T: Optimizer<f32> + Optimizer<f64> + 'static> AnyPrecision for T {
    fn into_f64(self: Box<Self>) -> Box<dyn Optimizer<f64>> {
        self
    }
    fn into_f32(self: Box<Self>) -> Box<dyn Optimizer<f32>> {
        self
    }
}

/// One optimizer the registry knows: its catalog entry (name, summary, keys with defaults) and
/// the builder that parses a spec into the typed value.
pub struct Entry {
    /// Name, summary and keys, for `optdyn list` and error messages.
    pub info: ComponentInfo,
    /// Parses a spec of this name into the typed optimizer.
    pub build: fn(&Spec) -> Result<Box<dyn AnyPrecision>>,
}

fn boxed<T: Optimizer<f32> + Optimizer<f64> + 'static>(o: T) -> Result<Box<dyn AnyPrecision>> {
    Ok(Box::new(o))
}

static REGISTRY: [Entry; 14] = [
    Entry {
        info: ComponentInfo {
            name: "sgd",
            summary: "SGD with momentum/dampening/Nesterov (torch.optim.SGD)",
            params: Sgd::PARAMS,
        },
        build: |s| boxed(Sgd::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "adagrad",
            summary: "AdaGrad with lr decay and initial accumulator (torch.optim.Adagrad)",
            params: Adagrad::PARAMS,
        },
        build: |s| boxed(Adagrad::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "rmsprop",
            summary: "RMSprop, optionally centered and with momentum (torch.optim.RMSprop)",
            params: RmsProp::PARAMS,
        },
        build: |s| boxed(RmsProp::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "scalar-rmsprop",
            summary: "RMSProp with one scalar ν = EMA(‖g‖²) for all coordinates (the central-flows paper's running example)",
            params: ScalarRmsProp::PARAMS,
        },
        build: |s| boxed(ScalarRmsProp::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "adadelta",
            summary: "Adadelta (torch.optim.Adadelta)",
            params: Adadelta::PARAMS,
        },
        build: |s| boxed(Adadelta::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "adam",
            summary: "Adam with optional AMSGrad and L2 decay (torch.optim.Adam)",
            params: Adam::PARAMS,
        },
        build: |s| boxed(Adam::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "adamw",
            summary: "Adam with decoupled weight decay (torch.optim.AdamW)",
            params: Adam::ADAMW_PARAMS,
        },
        build: |s| boxed(Adam::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "adamax",
            summary: "AdaMax, Adam with an infinity norm (torch.optim.Adamax)",
            params: Adamax::PARAMS,
        },
        build: |s| boxed(Adamax::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "nadam",
            summary: "NAdam, Adam with Nesterov momentum and the μ_t schedule (torch.optim.NAdam)",
            params: NAdam::PARAMS,
        },
        build: |s| boxed(NAdam::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "radam",
            summary: "Rectified Adam, rectification when ρ_t > 5 (torch.optim.RAdam)",
            params: RAdam::PARAMS,
        },
        build: |s| boxed(RAdam::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "lion",
            summary: "Lion sign-momentum optimizer (Chen et al. 2023)",
            params: Lion::PARAMS,
        },
        build: |s| boxed(Lion::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "nag-c",
            summary: "Nesterov's accelerated gradient for convex f, momentum k/(k+3) (Nesterov 1983; Su–Boyd–Candès, Shi et al. form)",
            params: NagC::PARAMS,
        },
        build: |s| boxed(NagC::from_spec(s)?),
    },
    Entry {
        info: ComponentInfo {
            name: "kadam",
            summary: "k-Adam (Gould–Tanaka, reconstructed): k Adam normalisations in series + decoupled weight decay; k=1 is torch Adam/AdamW",
            params: KAdam::PARAMS,
        },
        build: |s| boxed(KAdam::from_spec(s)?),
    },
    Entry {
        info: svag::INFO,
        build: |s| boxed(Svag::from_spec(s)?),
    },
];

/// Every optimizer: name → (catalog entry, builder). `optdyn list`, the parser and the
/// unknown-name errors all read this one table.
pub fn registry() -> &'static [Entry] {
    &REGISTRY
}

/// Every optimizer with its parameters and defaults, for `optdyn list optimizers`.
pub fn catalog() -> Vec<ComponentInfo> {
    registry().iter().map(|e| e.info).collect()
}

/// Builds an optimizer from a spec string such as `adam:lr=1e-3,beta1=0.9`.
pub fn parse(spec: &str) -> Result<Box<dyn Optimizer<f64>>> {
    parse_as::<f64>(spec)
}

/// [`parse`] for any working precision (`f32` or `f64`).
pub fn parse_as<F: Real>(spec: &str) -> Result<Box<dyn Optimizer<F>>> {
    from_spec(&Spec::parse(spec)?)
}

/// Builds an optimizer from an already parsed [`Spec`] through the [`registry`].
pub fn from_spec<F: Real>(s: &Spec) -> Result<Box<dyn Optimizer<F>>> {
    match registry().iter().find(|e| e.info.name == s.name) {
        Some(e) => Ok(F::select((e.build)(s)?)),
        None => Err(Error::unknown_name(
            "optimizer",
            &s.name,
            registry().iter().map(|e| e.info.name),
        )),
    }
}

/// Below this many parameters a step runs serially on the calling thread.
pub const PARALLEL_MIN_LEN: usize = 1 << 17;
/// Smallest number of elements per parallel task (a few hundred KiB of streams).
pub const CHUNK_LEN: usize = 1 << 15;

/// Elements per parallel task for `n` parameters: one contiguous part per worker thread (so each
/// thread streams one region, as a static OpenMP schedule does), in whole [`CHUNK_LEN`] units.
fn part_len(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads() * CHUNK_LEN).max(1) * CHUNK_LEN
}

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
        let p = part_len(x.len());
        x.par_chunks_mut(p)
            .zip(g.par_chunks(p))
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
        let p = part_len(x.len());
        x.par_chunks_mut(p)
            .zip(g.par_chunks(p))
            .zip(a.par_chunks_mut(p))
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
        let p = part_len(x.len());
        x.par_chunks_mut(p)
            .zip(g.par_chunks(p))
            .zip(a.par_chunks_mut(p))
            .zip(b.par_chunks_mut(p))
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
        let p = part_len(x.len());
        x.par_chunks_mut(p)
            .zip(g.par_chunks(p))
            .zip(a.par_chunks_mut(p))
            .zip(b.par_chunks_mut(p))
            .zip(c.par_chunks_mut(p))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn built<T: Clone + 'static>(name: &str) -> T {
        let o = parse(name).unwrap();
        downcast::<T, f64>(o.as_ref()).unwrap().clone()
    }

    #[test]
    fn listed_defaults_are_the_typed_defaults() {
        assert_eq!(built::<Sgd>("sgd"), Sgd::default());
        assert_eq!(built::<Adagrad>("adagrad"), Adagrad::default());
        assert_eq!(built::<RmsProp>("rmsprop"), RmsProp::default());
        assert_eq!(built::<Adadelta>("adadelta"), Adadelta::default());
        assert_eq!(built::<Adam>("adam"), Adam::default());
        assert_eq!(built::<Adam>("adamw"), Adam::adamw());
        assert_eq!(built::<Adamax>("adamax"), Adamax::default());
        assert_eq!(built::<NAdam>("nadam"), NAdam::default());
        assert_eq!(built::<RAdam>("radam"), RAdam::default());
        assert_eq!(built::<Lion>("lion"), Lion::default());
        assert_eq!(
            built::<ScalarRmsProp>("scalar-rmsprop"),
            ScalarRmsProp::default()
        );
        assert_eq!(built::<KAdam>("kadam"), KAdam::default());
        // torch's numbers, independently of the table.
        let a = Adam::default();
        assert_eq!((a.lr, a.beta1, a.beta2, a.eps), (1e-3, 0.9, 0.999, 1e-8));
        assert_eq!(Adam::adamw().weight_decay, 1e-2);
        assert_eq!(RmsProp::default().alpha, 0.99);
        assert_eq!(Adagrad::default().eps, 1e-10);
        // Every listed default is the value the spec parser uses when the key is absent.
        for e in registry() {
            for p in e.info.params {
                if let Ok(v) = p.default.parse::<f64>() {
                    let spec = format!("{}:{}={}", e.info.name, p.key, v);
                    let with = parse(&spec);
                    assert!(with.is_ok(), "{spec}: {:?}", with.err());
                }
            }
        }
    }

    #[test]
    fn builders_set_fields_and_validate_with_typed_errors() {
        let a = Adam::default().lr(1e-2).betas(0.99, 0.9);
        assert_eq!((a.lr, a.beta1, a.beta2), (1e-2, 0.99, 0.9));
        let e = Adam::default().beta1(1.2).validate().unwrap_err();
        match &e {
            Error::Param(p) => {
                assert_eq!(
                    (p.component.as_str(), p.field.as_str(), p.value),
                    ("adam", "beta1", 1.2)
                );
            }
            other => panic!("expected a ParamError, got {other:?}"),
        }
        assert_eq!(e.to_string(), "adam: beta1 must be in [0, 1), got 1.2");
        let e = Adam::adamw().eps(0.0).validate().unwrap_err();
        assert_eq!(e.to_string(), "adamw: eps must be > 0, got 0");
        let e = Sgd::default().lr(f64::NAN).validate().unwrap_err();
        assert_eq!(e.to_string(), "sgd: lr must be >= 0, got NaN");
        let e = Sgd::default().nesterov(true).validate().unwrap_err();
        assert!(
            e.to_string().contains("nesterov requires momentum > 0"),
            "{e}"
        );
        let e = parse("adma").unwrap_err();
        assert!(matches!(e, Error::UnknownName { .. }));
        assert!(e
            .to_string()
            .starts_with("unknown optimizer 'adma' (known: sgd, adagrad"));
        let e = parse("adam:betaa=0.3").unwrap_err();
        assert!(matches!(e, Error::UnknownKey { .. }));
    }

    #[test]
    fn with_lr_changes_only_the_learning_rate() {
        let o: Box<dyn Optimizer<f64>> = Box::new(Adam::default().beta1(0.5));
        let p = o.with_lr(0.25).unwrap();
        let a = downcast::<Adam, f64>(p.as_ref()).unwrap();
        assert_eq!(a, &Adam::default().beta1(0.5).lr(0.25));
        assert!(o.with_lr(-1.0).is_err());
    }
}
