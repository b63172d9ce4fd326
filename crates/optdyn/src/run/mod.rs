//! The run engine: a [`Problem`] (objective + start point), a [`Run`] of a discrete optimizer or
//! of a continuous model with an integrator, and [`Observer`]s that receive every sample as it is
//! produced (a [`Recorder`] keeps them as a trajectory; a file writer streams them; metrics,
//! monitors and early stops reduce them). [`Measure`]s add computed columns (the sharpness,
//! …) to every sample before the observers see it.
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
//! let discrete = Run::discrete(&problem, &adam).steps(100).trajectory()?;
//! let model = AdamIde1::of(&adam, problem.objective().clone())?;
//! let ide = Run::model(&problem, &model, adam.lr)
//!     .integrator(&Rk4::substeps(10))
//!     .steps(100)
//!     .trajectory()?;
//! // Same clock: sample k of both runs is at t = k·lr.
//! assert_eq!(discrete.t(100), ide.t(100));
//! let gap = (discrete.x(100)[0] - ide.x(100)[0]).abs();
//! assert!(gap < 2e-2, "gap {gap}");
//! # Ok::<(), optdyn::Error>(())
//! ```

mod draws;
mod engine;
mod ensemble;
mod measure;
mod observer;
mod problem;
mod recorder;
mod sample;

pub use draws::Draws;
pub use engine::{Limits, Run};
pub use ensemble::{Ensemble, EnsembleResult};
pub use measure::Measure;
pub use observer::Observer;
pub use problem::Problem;
pub use recorder::Recorder;
pub use sample::{End, Kind, RunInfo, Sample};
