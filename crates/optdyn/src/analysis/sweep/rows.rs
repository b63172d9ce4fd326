//! The CSV rows of a sweep: `index`, one field per axis, the metric fields, `status`.
//!
//! A Cartesian grid has few distinct values per axis (a 10⁶-point grid of four axes has, say,
//! 10 + 10 + 10 + 1000), so [`RowFormat`] formats each axis value once and copies its text into
//! every row; the bytes are those of formatting the value in each row ([`push_f64`]). Rows of a
//! chunk are formatted in parallel into a few large pieces, in index order.

use super::grid::{Grid, Sampling};
use super::metrics::{Metric, Metrics};
use crate::io::push_f64;
use crate::Result;
use rayon::prelude::*;
use std::fmt::Write as _;

/// Largest axis whose value texts are tabulated.
const TEXT_MAX: u64 = 1 << 16;

/// Rows formatted per parallel piece.
const PIECE: usize = 8192;

/// How the rows of one sweep are written.
pub struct RowFormat<'g> {
    grid: &'g Grid,
    metrics: &'g [Metric],
    dim: usize,
    /// Cartesian grids with every axis tabulated: per axis, its values' texts concatenated, the
    /// end offset of each, and the axis's stride `Π_{b>a} count_b` in the index.
    text: Option<Vec<AxisText>>,
}

struct AxisText {
    text: String,
    ends: Vec<usize>,
    stride: u64,
    count: u64,
}

impl AxisText {
    fn push(&self, index: u64, out: &mut String) {
        let i = ((index / self.stride) % self.count) as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        out.push_str(&self.text[start..self.ends[i]]);
    }
}

impl<'g> RowFormat<'g> {
    /// The rows of `grid` with the metric columns of `metrics` for `x ∈ ℝ^dim`.
    pub fn new(grid: &'g Grid, metrics: &'g [Metric], dim: usize) -> Self {
        let counts: Option<Vec<u64>> = match grid.sampling {
            Sampling::Cartesian => grid
                .axes
                .iter()
                .map(|a| a.values.count().filter(|&c| c <= TEXT_MAX))
                .collect(),
            Sampling::Halton { .. } => None,
        };
        let text = counts.map(|counts| {
            let mut stride = 1;
            let mut axes: Vec<AxisText> = grid
                .axes
                .iter()
                .zip(&counts)
                .rev()
                .map(|(a, &count)| {
                    let mut text = String::new();
                    let mut ends = Vec::with_capacity(count as usize);
                    for i in 0..count {
                        push_f64(&mut text, a.values.at(i));
                        ends.push(text.len());
                    }
                    let axis = AxisText {
                        text,
                        ends,
                        stride,
                        count,
                    };
                    stride = stride.saturating_mul(count);
                    axis
                })
                .collect();
            axes.reverse();
            axes
        });
        RowFormat {
            grid,
            metrics,
            dim,
            text,
        }
    }

    /// Appends `index,axis values` (no newline) of point `index`; `vals` is scratch space of
    /// one entry per axis.
    pub fn prefix(&self, index: u64, vals: &mut [f64], out: &mut String) {
        let _ = write!(out, "{index}");
        match &self.text {
            Some(axes) => {
                for a in axes {
                    out.push(',');
                    a.push(index, out);
                }
            }
            None => {
                self.grid.point_into(index, vals);
                for v in vals.iter() {
                    out.push(',');
                    push_f64(out, *v);
                }
            }
        }
    }

    /// Appends the whole row (newline-terminated) of point `index` with result `res`: its
    /// metric fields and `ok`, or empty fields and `invalid`.
    pub fn row(&self, index: u64, res: &Result<Metrics>, vals: &mut [f64], out: &mut String) {
        self.prefix(index, vals, out);
        match res {
            Ok(m) => {
                m.write_fields(self.metrics, out);
                out.push_str(",ok\n");
            }
            Err(_) => {
                for m in self.metrics {
                    for _ in 0..m.columns(self.dim).len() {
                        out.push(',');
                    }
                }
                out.push_str(",invalid\n");
            }
        }
    }

    /// The rows of the points `start, start + 1, …` with `results`, in index order, as a few
    /// pieces formatted in parallel (their concatenation is the chunk's CSV text).
    pub fn rows(&self, start: u64, results: &[Result<Metrics>]) -> Vec<String> {
        results
            .par_chunks(PIECE)
            .enumerate()
            .map(|(p, piece)| {
                let mut out = String::with_capacity(piece.len() * 48);
                let mut vals = vec![0.0; self.grid.axes.len()];
                let first = start + (p * PIECE) as u64;
                for (i, res) in piece.iter().enumerate() {
                    self.row(first + i as u64, res, &mut vals, &mut out);
                }
                out
            })
            .collect()
    }
}
