//! Minibatch drawing: the settings (`Batching`) and the index buffers of a draw (`Scratch`).

use super::datasets;
use rand::Rng;

/// Minibatch settings: `batch` samples per step (0 or ≥ N: full batch), drawn from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// Samples per step; 0 means the full batch.
    pub batch: usize,
    /// Seed of the batch stream.
    pub seed: u64,
}

/// Index buffers of a minibatch draw.
#[derive(Debug, Default)]
pub struct Scratch {
    perm: Vec<usize>,
    /// The indices of the last draw.
    pub idx: Vec<usize>,
}

impl Batching {
    /// Whether every step sees the whole data set of `n` samples.
    pub fn is_full(&self, n: usize) -> bool {
        self.batch == 0 || self.batch >= n
    }

    /// Draws the `batch` distinct indices of step `step` into `s.idx`: the first `batch`
    /// entries of a partial Fisher–Yates shuffle of `0..n` driven by ChaCha8(`seed`) on stream
    /// `step`. Allocation-free once the buffers have grown to `n`.
    pub fn draw(&self, n: usize, step: u64, s: &mut Scratch) {
        let mut r = datasets::rng(self.seed ^ 0x5851_f42d_4c95_7f2d, step);
        s.perm.clear();
        s.perm.extend(0..n);
        let b = self.batch.min(n);
        for j in 0..b {
            let k = r.random_range(j..n);
            s.perm.swap(j, k);
        }
        s.idx.clear();
        s.idx.extend_from_slice(&s.perm[..b]);
    }
}
