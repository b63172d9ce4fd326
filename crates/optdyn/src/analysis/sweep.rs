//! Parameter sweeps: a grid of runs, one row of per-run metrics each, computed in parallel,
//! sharded, resumable and mergeable.
//!
//! * [`grid`] — `--grid` / `--sample` parsing and the pure map `index → point`.
//! * [`metrics`] — per-run reductions (`final_x`, `final_loss`, `diverged`, `steps_to_tol`,
//!   `max_update`) computed without storing trajectories.
//! * [`output`] — sharding, the durable append-only CSV with manifest, recovery and `merge`.
//! * [`rows`] — the CSV text of a chunk's rows, formatted in parallel.
//! * `parquet` (feature `parquet`) — Apache Parquet export of a complete shard or merge.
//! * [`batch`] — the structure-of-arrays fast path for one-dimensional Adam sweeps.
//! * [`zoo`] — the batched engine for the other lanewise optimizers in small dimension.
//! * [`lanes`], [`model_batch`] — batched fixed-step RK4 lanes for model sweeps.
//! * [`job`] — a sweep as the user gives it (specs, grid, metrics) and how a point changes it.
//!
//! [`execute`] ties them together: the points of a shard are processed in chunks in index
//! order; each chunk is computed in parallel (rayon; results collected in index order, so the
//! bytes written do not depend on the thread count or the chunk size), then appended to the
//! shard's CSV and synced by a writer thread while the next chunk is computed (at most one chunk
//! waits; chunks reach the file in index order).
//!
//! CSV columns: `index`, one column per axis (named by its key), the metric columns, `status`
//! (`ok`, or `invalid` when the point's specs were rejected — its metric fields are then empty).

pub mod batch;
pub mod checksum;
pub mod grid;
pub mod job;
pub mod lanes;
pub mod metrics;
pub mod model_batch;
pub mod output;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod rows;
pub mod zoo;

pub use grid::{Axis, Grid, Point, Sampling, Target, Values};
pub use job::{Engine, SweepJob, SweepSpec};
pub use metrics::{Metric, MetricOptions, Metrics, TolOn};
pub use output::{merge, MergeSummary, Shard};

use crate::Result;
use rayon::prelude::*;
use serde_json::Value;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Instant;

/// Where and how a shard of a sweep is written.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Output directory (holds `results.csv` or `shard-I-of-N.csv` and its manifest).
    pub out_dir: PathBuf,
    /// Which contiguous slice of the grid to compute.
    pub shard: Shard,
    /// Continue an interrupted run instead of refusing to touch existing files.
    pub resume: bool,
    /// What the sweep runs (specs, steps, metric options, engine…): stored in the manifest under
    /// `sweep` and compared on resume. [`execute`] adds `grid`, `sample`, `total` and `columns`.
    pub description: serde_json::Map<String, Value>,
    /// The metrics written, in column order.
    pub metrics: Vec<Metric>,
    /// Dimension `n` of `x` (number of `final_x` columns).
    pub dim: usize,
    /// Smallest chunk (points per append); chunks double while one takes under 0.2 s.
    pub min_chunk: usize,
}

/// What a call to [`execute`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The CSV written.
    pub path: PathBuf,
    /// Points in this shard.
    pub shard_points: u64,
    /// Points already present when resuming.
    pub resumed: u64,
    /// Bytes discarded when resuming: rows past the last checksummed chunk (an interrupted
    /// append) and a torn last row; they are recomputed.
    pub dropped_bytes: u64,
    /// Complete rows among them.
    pub dropped_rows: u64,
    /// Points computed by this call.
    pub computed: u64,
    /// Of which rejected (`status = invalid`).
    pub invalid: u64,
    /// The first rejected point and why.
    pub first_invalid: Option<(u64, String)>,
}

/// The CSV header of a sweep: `index`, the axis keys, the metric columns, `status`.
pub fn columns(grid: &Grid, metrics: &[Metric], dim: usize) -> Vec<String> {
    let mut c = vec!["index".to_string()];
    c.extend(grid.axes.iter().map(|a| a.key.clone()));
    for m in metrics {
        c.extend(m.columns(dim));
    }
    c.push("status".into());
    c
}

/// The manifest of a shard: `{tool, version, sweep: description + grid, sample, total,
/// columns, shard: {index, of, start, end}}`.
pub fn manifest(grid: &Grid, plan: &Plan) -> Value {
    let mut sweep = plan.description.clone();
    sweep.insert("grid".into(), Value::from(grid.grid_text()));
    sweep.insert(
        "sample".into(),
        grid.sample_text().map(Value::from).unwrap_or(Value::Null),
    );
    sweep.insert("total".into(), Value::from(grid.len()));
    sweep.insert(
        "columns".into(),
        Value::from(columns(grid, &plan.metrics, plan.dim)),
    );
    let r = plan.shard.range(grid.len());
    serde_json::json!({
        "tool": "optdyn sweep",
        "version": crate::VERSION,
        "sweep": sweep,
        "shard": {"index": plan.shard.index, "of": plan.shard.of, "start": r.start, "end": r.end},
    })
}

/// Runs the shard of `plan` with a chunk function: `chunk(range)` returns the results of the
/// points `range` in index order. See [`execute`] for the per-point form.
/// `progress(done, total)` is called (on the calling thread) once chunks are durable, with
/// counts within the shard.
pub fn execute_chunks(
    grid: &Grid,
    plan: &Plan,
    chunk: &(dyn Fn(Range<u64>) -> Vec<Result<Metrics>> + Sync),
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary> {
    let header = columns(grid, &plan.metrics, plan.dim).join(",");
    let man = manifest(grid, plan);
    let (mut out, rec) =
        output::Appender::open(&plan.out_dir, plan.shard, &man, &header, grid, plan.resume)?;
    let range = plan.shard.range(grid.len());
    let mut s = Summary {
        path: out.path().to_path_buf(),
        shard_points: range.end - range.start,
        resumed: rec.next - range.start,
        dropped_bytes: rec.dropped_bytes,
        dropped_rows: rec.dropped_rows,
        computed: 0,
        invalid: 0,
        first_invalid: None,
    };
    progress(s.resumed, s.shard_points);
    let mut next = rec.next;
    let mut size = plan.min_chunk.max(1) as u64;
    let rows = rows::RowFormat::new(grid, &plan.metrics, plan.dim);
    let (start, total) = (range.start, s.shard_points);
    std::thread::scope(|scope| -> Result<()> {
        // Chunk k + 1 is computed while chunk k is written and synced (in index order).
        let (to_writer, pending) = mpsc::sync_channel::<(Range<u64>, Vec<String>)>(1);
        let (written_tx, written) = mpsc::channel::<u64>();
        let writer = scope.spawn(move || -> Result<()> {
            for (r, text) in pending {
                out.append(r.clone(), &text)?;
                let _ = written_tx.send(r.end);
            }
            Ok(())
        });
        while next < range.end {
            let clock = Instant::now();
            let r = next..(next + size).min(range.end);
            let results = chunk(r.clone());
            assert_eq!(
                results.len() as u64,
                r.end - r.start,
                "chunk returned a wrong count"
            );
            let text = rows.rows(r.start, &results);
            for (i, res) in results.iter().enumerate() {
                if let Err(e) = res {
                    s.invalid += 1;
                    if s.first_invalid.is_none() {
                        s.first_invalid = Some((r.start + i as u64, e.to_string()));
                    }
                }
            }
            if to_writer.send((r.clone(), text)).is_err() {
                break; // the writer stopped on an error, returned below
            }
            s.computed += r.end - r.start;
            next = r.end;
            for end in written.try_iter() {
                progress(end - start, total);
            }
            if clock.elapsed().as_secs_f64() < 0.2 && size < 1 << 20 {
                size *= 2;
            }
        }
        drop(to_writer);
        let result = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        for end in written.try_iter() {
            progress(end - start, total);
        }
        result
    })?;
    Ok(s)
}

/// Runs the shard of `plan`, evaluating `run(point)` for every point not yet written, in
/// parallel. Output bytes are identical for any thread count, chunk size and interruption
/// history (every row is a function of its index alone).
pub fn execute(
    grid: &Grid,
    plan: &Plan,
    run: &(dyn Fn(&Point) -> Result<Metrics> + Sync),
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary> {
    let chunk = |r: Range<u64>| -> Vec<Result<Metrics>> {
        r.into_par_iter().map(|i| run(&grid.point(i))).collect()
    };
    execute_chunks(grid, plan, &chunk, progress)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_models;
#[cfg(test)]
mod tests_zoo;
