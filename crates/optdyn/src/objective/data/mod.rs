//! Data objectives: empirical risks `f(w) = (1/N) Σ_i ℓ_i(w)` on built-in synthetic data, the
//! embedded 8×8 handwritten digits ([`digits`]) or a user CSV file — least squares (`lsq`, `regression`), logistic regression (`logistic`) and a
//! small multilayer perceptron (`mlp`); plus the scale-invariant wrapper of
//! [`super::scale_invariant`] (dispatched from [`build`] too, so one hook serves both).
//!
//! Every data objective offers the full-batch gradient, per-sample gradients
//! ([`Objective::sample_gradient`], so expectations over the data can be taken exactly) and
//! minibatch gradients ([`Objective::gradient_at_step`]): with `batch=B` (0 = full batch) step
//! `t` uses `B` distinct indices drawn by a partial Fisher–Yates shuffle from a ChaCha8 stream
//! seeded by `(batch_seed, t)` — reproducible and independent of threads and of the order in
//! which steps are evaluated.
//!
//! Dimension: a data objective fixes its own parameter count ([`Objective::dim`]). `lsq` with
//! `data=linear` takes its feature count from `dim=` or else from the caller's `dim` (the length
//! of `--x0`). Proposed CLI rule: `len(x0)` must equal `dim()` unless `x0` is a single value,
//! which is broadcast; `mlp` objectives also offer a seeded [`mlp::Mlp::init_params`].
//! Over-parametrised settings: `lsq:n=20,dim=100` (100 parameters, 20 samples), or an `mlp`
//! whose [`mlp::Mlp::param_count`] exceeds `n`.

pub mod datasets;
pub mod digits;
pub mod linear;
pub mod mlp;

mod batch;
mod builder;
mod catalog;
mod pool;

pub use batch::{Batching, Scratch};
pub use builder::{build_logistic, build_lsq, build_mlp, build_regression};
pub use catalog::{LOGISTIC_INFO, LSQ_INFO, MLP_INFO, REGRESSION_INFO};
pub use datasets::Dataset;
pub use pool::Pool;

// Only for the intra-doc links of the module doc above.
#[cfg(doc)]
use crate::objective::Objective;
