//! Trajectories: the samples of a run — step (an integer), time, loss, gradient norm, the
//! parameters `x` and the named state blocks (`m`, `v`, `vel`, …) — and why the run stopped.
//! CSV and JSON ([`crate::io`]) are renderings of it; callers read typed views
//! ([`Trajectory::x`], [`Trajectory::block`]) and never rebuild state from column offsets.

use crate::block::{self, Block};
use crate::integrate::Stats;
pub use crate::stop::StopReason;
use serde::Serialize;

/// The samples of one run, stored column by column.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trajectory {
    /// Dimension `n` of the parameters.
    pub n: usize,
    /// Layout of the recorded state of each sample (a model's auxiliary state, or the
    /// optimizer's buffers when they are recorded).
    pub blocks: Vec<Block>,
    steps: Vec<u64>,
    t: Vec<f64>,
    loss: Vec<f64>,
    grad_norm: Vec<f64>,
    x: Vec<f64>,
    state: Vec<f64>,
    /// The names of the measured columns ([`crate::run::Measure`]: `sharp0`, …), after the state.
    pub measured: Vec<String>,
    measures: Vec<f64>,
    /// Why the run stopped.
    pub stop: StopReason,
    /// The integrator's work counters (model runs).
    pub stats: Option<Stats>,
}

impl Trajectory {
    /// An empty trajectory for parameters of length `n` with state layout `blocks`.
    pub fn new(n: usize, blocks: Vec<Block>) -> Self {
        Trajectory {
            n,
            blocks,
            ..Trajectory::default()
        }
    }

    /// Length of the recorded state of one sample.
    pub fn state_len(&self) -> usize {
        block::total(&self.blocks)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// True if there are no samples.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// Appends a sample.
    pub fn push(&mut self, step: u64, t: f64, loss: f64, grad_norm: f64, x: &[f64], state: &[f64]) {
        debug_assert_eq!(x.len(), self.n);
        debug_assert_eq!(state.len(), self.state_len());
        self.steps.push(step);
        self.t.push(t);
        self.loss.push(loss);
        self.grad_norm.push(grad_norm);
        self.x.extend_from_slice(x);
        self.state.extend_from_slice(state);
    }

    /// Appends the measured values of the last sample (one per [`Trajectory::measured`] name).
    pub fn push_measured(&mut self, values: &[f64]) {
        debug_assert_eq!(values.len(), self.measured.len());
        self.measures.extend_from_slice(values);
    }

    /// The measured values of sample `i`.
    pub fn measured(&self, i: usize) -> &[f64] {
        let m = self.measured.len();
        &self.measures[i * m..(i + 1) * m]
    }

    /// The measured column `name` over the samples, if present.
    pub fn measured_series(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.measured.iter().position(|c| c == name)?;
        Some((0..self.len()).map(|i| self.measured(i)[j]).collect())
    }

    /// The optimizer step of sample `i`.
    pub fn step(&self, i: usize) -> u64 {
        self.steps[i]
    }

    /// The time of sample `i`.
    pub fn t(&self, i: usize) -> f64 {
        self.t[i]
    }

    /// The loss of sample `i`.
    pub fn loss(&self, i: usize) -> f64 {
        self.loss[i]
    }

    /// The gradient norm of sample `i`.
    pub fn grad_norm(&self, i: usize) -> f64 {
        self.grad_norm[i]
    }

    /// The parameters of sample `i`.
    pub fn x(&self, i: usize) -> &[f64] {
        &self.x[i * self.n..(i + 1) * self.n]
    }

    /// The recorded state of sample `i`, laid out by [`Trajectory::blocks`].
    pub fn state(&self, i: usize) -> &[f64] {
        let w = self.state_len();
        &self.state[i * w..(i + 1) * w]
    }

    /// Block `name` of sample `i` (`m`, `v`, `vel`, …), if the layout has it.
    pub fn block(&self, i: usize, name: &str) -> Option<&[f64]> {
        block::range(&self.blocks, name).map(|r| &self.state(i)[r])
    }

    /// The steps of every sample.
    pub fn steps(&self) -> &[u64] {
        &self.steps
    }

    /// The times of every sample.
    pub fn times(&self) -> &[f64] {
        &self.t
    }

    /// The losses of every sample.
    pub fn losses(&self) -> &[f64] {
        &self.loss
    }

    /// The gradient norms of every sample.
    pub fn grad_norms(&self) -> &[f64] {
        &self.grad_norm
    }

    /// Every sample's parameters, row-major `len × n`.
    pub fn xs(&self) -> &[f64] {
        &self.x
    }

    /// Every sample's state, row-major `len × state_len`.
    pub fn states(&self) -> &[f64] {
        &self.state
    }

    /// Coordinate `j` of the parameters over time.
    pub fn x_series(&self, j: usize) -> Vec<f64> {
        (0..self.len()).map(|i| self.x(i)[j]).collect()
    }

    /// Entry `j` of block `name` over time, if the layout has it.
    pub fn block_series(&self, name: &str, j: usize) -> Option<Vec<f64>> {
        let r = block::range(&self.blocks, name)?;
        (j < r.len()).then(|| {
            (0..self.len())
                .map(|i| self.state(i)[r.start + j])
                .collect()
        })
    }

    /// The parameters of the last sample.
    pub fn last_x(&self) -> Option<&[f64]> {
        (!self.is_empty()).then(|| self.x(self.len() - 1))
    }

    /// The column names of the CSV rendering: `step, t, loss, grad_norm, x0…`, then the state
    /// blocks' columns (`m0…`, `v0…`), then the measured columns (`sharp0…`).
    pub fn columns(&self) -> Vec<String> {
        let mut c: Vec<String> = ["step", "t", "loss", "grad_norm"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        c.extend((0..self.n).map(|i| format!("x{i}")));
        c.extend(block::columns(&self.blocks));
        c.extend(self.measured.iter().cloned());
        c
    }

    /// Sample `i` as one row of [`Trajectory::columns`] (the step as a float).
    pub fn row(&self, i: usize) -> Vec<f64> {
        let mut r = vec![
            self.steps[i] as f64,
            self.t[i],
            self.loss[i],
            self.grad_norm[i],
        ];
        r.extend_from_slice(self.x(i));
        r.extend_from_slice(self.state(i));
        r.extend_from_slice(self.measured(i));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_read_the_layout() {
        let mut tr = Trajectory::new(2, block::uniform(&["m", "v"], 2));
        tr.push(0, 0.0, 1.0, 2.0, &[1.0, 2.0], &[0.1, 0.2, 0.3, 0.4]);
        tr.push(5, 0.5, 0.5, 1.0, &[3.0, 4.0], &[0.5, 0.6, 0.7, 0.8]);
        assert_eq!(tr.len(), 2);
        assert_eq!(tr.step(1), 5);
        assert_eq!(tr.x(1), &[3.0, 4.0]);
        assert_eq!(tr.block(1, "v"), Some(&[0.7, 0.8][..]));
        assert_eq!(tr.block(0, "vel"), None);
        assert_eq!(tr.block_series("m", 1), Some(vec![0.2, 0.6]));
        assert_eq!(
            tr.columns(),
            [
                "step",
                "t",
                "loss",
                "grad_norm",
                "x0",
                "x1",
                "m0",
                "m1",
                "v0",
                "v1"
            ]
        );
        assert_eq!(
            tr.row(1),
            vec![5.0, 0.5, 0.5, 1.0, 3.0, 4.0, 0.5, 0.6, 0.7, 0.8]
        );
    }
}
