//! # optdyn — optimization algorithms as dynamical systems
//!
//! Run a discrete optimizer (SGD, heavy ball, Nesterov, AdaGrad, RMSProp, Adam, AdamW, …, with
//! `torch.optim`'s exact semantics) side by side with its continuous-time models (gradient flow,
//! inertial ODEs, integro-differential equations with memory kernels) on the same objective and
//! the same clock `t_k = k·lr`, and measure how and why they agree.
//!
//! ## Quick start
//!
//! Discrete Adam and its first-order nonlocal model (Heredia 2024) on the bistable
//! `f(θ) = (1 − θ)² + 4(θ² − 1)²` from θ0 = 2, to `t = 1`:
//!
//! ```
//! use optdyn::integrate::Rk4;
//! use optdyn::model::AdamIde1;
//! use optdyn::objective::builtin::Rosen1d;
//! use optdyn::optim::Adam;
//! use optdyn::run::{Problem, Run};
//!
//! let problem = Problem::new(Rosen1d::new(4.0)?, vec![2.0])?;
//! let adam = Adam::default().lr(1e-2).betas(0.9, 0.999);
//! let discrete = Run::discrete(&problem, &adam).t_end(1.0).trajectory()?;
//!
//! let model = AdamIde1::of(&adam, problem.objective().clone())?;
//! let continuous = Run::model(&problem, &model, adam.lr)
//!     .integrator(&Rk4::substeps(10))
//!     .t_end(1.0)
//!     .trajectory()?;
//!
//! let k = discrete.len() - 1; // step 100, t = 1
//! let gap = (discrete.x(k)[0] - continuous.x(k)[0]).abs();
//! assert!(gap < 1e-2, "gap {gap}");
//! // The model's memory states are named blocks of its trajectory.
//! assert!(continuous.block(k, "v").is_some());
//! # Ok::<(), optdyn::Error>(())
//! ```
//!
//! The same through specs, as the CLI and the Python package parse them:
//!
//! ```
//! use optdyn::{model, optim, run::{Problem, Run}};
//!
//! let problem = Problem::parse("rosen1d:c=4", vec![2.0])?;
//! let adam = optim::parse("adam:lr=1e-2")?;
//! let ide = model::parse("adam-ide1", adam.as_ref(), problem.objective().clone())?;
//! let tr = Run::model(&problem, ide.as_ref(), adam.lr()).t_end(1.0).trajectory()?;
//! assert_eq!(tr.step(tr.len() - 1), 100);
//! # Ok::<(), optdyn::Error>(())
//! ```
//!
//! Your own objective, optimizer, model and memory kernel: `examples/own_objective.rs`,
//! `examples/own_optimizer_and_model.rs`, `examples/own_kernel.rs`.
//!
//! ## Map
//!
//! Typed values ([`objective`], [`optim`], [`model`], [`integrate`], [`kernel`]) are built by
//! constructors or parsed once from specs through their registries; one engine ([`run`]) drives
//! them on the clock and hands samples to observers; [`analysis`] computes comparisons,
//! convergence orders, sweeps, basins, stability maps, spectra and Lyapunov monitors;
//! [`experiments`] holds the paper reproductions, the learning experiments and the demo; [`io`],
//! [`report`] and [`plot`] write data and figures. The design: `docs/DESIGN.md`.

pub mod analysis;
pub mod block;
pub mod error;
#[cfg(feature = "plot")]
pub mod experiments;
pub mod integrate;
pub mod io;
pub mod isa;
pub mod kernel;
pub mod lagrangian;
pub mod memory;
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
pub mod symeig;
pub mod trajectory;
pub mod vector;

pub use error::{Error, Result};

/// The crate version, written into every run manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
