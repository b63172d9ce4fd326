//! Analyses over trajectories and per-run reductions.
