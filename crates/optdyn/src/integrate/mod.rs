//! Time integrators for continuous models.
//!
//! An [`OdeSystem`] is `y' = F(t, y)` on a flat state. An [`Integrator`] solves it from `t0`,
//! handing the state at each requested sample time (`t_eval`) to a [`Sink`] as it is produced
//! (or collecting a [`Solution`]), and stops on non-finite state, divergence, steady state, a
//! terminal [`Event`], a stop asked by the sink, or a numerical failure, with a [`StopReason`].
//!
//! Families (spec names in brackets, see [`catalog`]; typed constructors beside them):
//! - explicit Runge–Kutta, fixed step ([`explicit`]): `euler`, `heun`, `midpoint`, `rk4`
//!   ([`Rk4::substeps`]), `ssprk2`, `ssprk3` (Shu–Osher form) and a user tableau `butcher:…`;
//! - adaptive Dormand–Prince 5(4) with PI control and dense output ([`dopri5`]): `dopri5`
//!   ([`Dopri5::tol`]);
//! - adaptive Dormand–Prince 8(5,3) with Hairer's error estimator and 7th-order dense output
//!   ([`dop853`]): `dop853` ([`Dop853::tol`]), for tight tolerances;
//! - implicit with a Newton solve ([`implicit`]): `backward-euler`, `trapezoid`;
//! - second-order systems `x'' = A(t, x, v)` ([`second_order`]): `newmark`,
//!   `central-difference`, `staggered`, `verlet`, `symplectic-euler`;
//! - stochastic differential equations ([`sde`]): Euler–Maruyama and Milstein with reproducible
//!   Brownian increments, parallel ensembles, Talay–Tubaro weak order 2;
//! - memory kernels without a finite state ([`volterra`]): `volterra` (trapezoidal
//!   predictor–corrector with product-integrated memories, exact history or fast
//!   sum-of-exponentials path).
//!
//! Second-order schemes act on any system whose state is laid out `[x (n), v (n)]` with
//! `F(t, [x, v]) = [v, A(t, x, v)]` that declares it ([`OdeSystem::second_order_layout`]); they
//! read `A` from the second half of the right-hand side and refuse any other system.
//!
//! Fixed-step schemes implement [`Stepper`] and are driven by [`FixedStep`] on the grid
//! `anchor + j·dt`; with `dt = lr / substeps` every sample `t_k = t0 + k·lr` is a grid point.
//!
//! ```
//! use optdyn::integrate::{Dopri5, Integrator, OdeSystem, Rk4, SolveOptions};
//! struct Decay;
//! impl OdeSystem for Decay {
//!     fn dim(&self) -> usize { 1 }
//!     fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) { dy[0] = -y[0]; }
//! }
//! let exact = (-1.0f64).exp();
//! let rk4 = Rk4::substeps(10).solve(&Decay, 0.0, &[1.0], &SolveOptions::at(vec![1.0]).with_lr(0.1));
//! assert!((rk4.y[0] - exact).abs() < 1e-7);
//! let dp = Dopri5::tol(1e-12, 1e-14).solve(&Decay, 0.0, &[1.0], &SolveOptions::at(vec![1.0]));
//! assert!((dp.y[0] - exact).abs() < 1e-11);
//! ```

mod adaptive;
mod checks;
mod dense;
pub mod dop853;
pub mod dopri5;
pub mod events;
pub mod explicit;
mod fixed_step;
pub mod implicit;
mod interface;
pub mod problems;
mod registry;
pub mod sde;
pub mod second_order;
mod times;
pub mod volterra;

pub(crate) use checks::{check_t_eval, memory_compatible};
pub use dop853::Dop853;
pub use dopri5::Dopri5;
pub use events::{Direction, Event, EventFn, EventHit};
pub use explicit::{ExplicitRk, Rk4, Ssprk2, Ssprk3};
pub use fixed_step::FixedStep;
pub(crate) use fixed_step::GridWalk;
pub use implicit::ThetaMethod;
pub use interface::{
    Integrator, OdeSystem, Sink, Solution, SolveEnd, SolveOptions, Stats, StepSize, Stepper,
};
pub use registry::{catalog, parse, registry, step_size, Entry};
pub use second_order::{Newmark, Staggered, SymplecticEuler, Verlet};
pub use times::SampleTimes;
pub use volterra::{Memory, MemoryMethod, MemorySystem, Volterra};
