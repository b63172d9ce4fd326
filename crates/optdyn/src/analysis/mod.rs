//! Analyses over trajectories and per-run reductions.

pub mod sweep;
