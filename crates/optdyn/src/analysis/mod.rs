//! Analyses over trajectories and per-run reductions: pure functions that ask for trajectories
//! and never reach into a stepper.

pub mod basins;
pub mod compare;
pub mod converge;
pub mod fit;
pub mod lyapunov;
pub mod moments;
pub mod sharpness;
pub mod spectrum;
pub mod stability;
pub mod sweep;
pub mod weak;
