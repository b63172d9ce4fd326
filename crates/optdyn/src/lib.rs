//! # optdyn — optimization algorithms as dynamical systems
//!
//! Run a discrete optimizer (SGD, heavy ball, Nesterov, AdaGrad, RMSProp, Adam, AdamW, …) side by
//! side with its continuous-time models (gradient flow, inertial ODEs, integro-differential
//! equations with memory kernels) on the same objective and the same clock `t_k = k·lr`, and
//! measure how and why they agree.
//!
//! The data flow is one-directional (see `DESIGN.md` of the project):
//! spec strings → [`objective::Objective`] + `x0` → [`optim::Optimizer`] or [`model::Model`] →
//! a stepper from [`integrate`] → [`trajectory::Trajectory`] → [`analysis`] → files and plots.

pub mod analysis;
pub mod block;
pub mod error;
#[cfg(feature = "plot")]
pub mod experiments;
pub mod integrate;
pub mod io;
pub mod kernel;
pub mod model;
pub mod objective;
pub mod optim;
#[cfg(feature = "plot")]
pub mod plot;
pub mod range;
#[cfg(feature = "plot")]
pub mod report;
pub mod run;
pub mod spec;
pub mod stop;
pub mod trajectory;

pub use error::{Error, Result};

/// The crate version, written into every run manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
