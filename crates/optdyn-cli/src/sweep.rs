//! `optdyn sweep` and `optdyn merge`: thin wrappers over `optdyn::analysis::sweep`.

use crate::common::parse_x0;
use optdyn::analysis::sweep::{
    self, Engine, Grid, Metric, MetricOptions, Shard, SweepJob, SweepSpec, TolOn,
};
use optdyn::{Error, Result};
use serde_json::Value;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Arguments of `optdyn sweep`.
#[derive(clap::Args, Debug, Clone)]
pub struct SweepArgs {
    /// Objective spec, e.g. `rosen1d:c=4` or `quadratic:diag=1;10`.
    #[arg(long)]
    pub objective: String,
    /// Start point, e.g. `-1.5` or `1,2`.
    #[arg(long, allow_hyphen_values = true)]
    pub x0: String,
    /// Optimizer spec whose keys the grid overrides, e.g. `adam:lr=0.01`.
    #[arg(long)]
    pub optimizer: String,
    /// Run this continuous model of the optimizer instead of the discrete algorithm.
    #[arg(long)]
    pub model: Option<String>,
    /// Integrator for `--model` (default: `rk4` with `dt = lr/10`).
    #[arg(long, default_value = "rk4")]
    pub integrator: String,
    /// Axes `key=lo:hi:count[:log]` or `key=a;b;c`, comma-separated; keys: optimizer keys,
    /// `objective.KEY`, `model.KEY`, `x0`, `x0[i]`. The first axis varies slowest.
    #[arg(long)]
    pub grid: String,
    /// Quasi-random sampling instead of the Cartesian product: `halton:N[,seed=S]` (axes are
    /// then `lo:hi`, `lo:hi:log` or `a;b;c`).
    #[arg(long)]
    pub sample: Option<String>,
    /// Metrics, comma-separated: final_x, final_loss, diverged, steps_to_tol, max_update.
    #[arg(long, default_value = "final_loss")]
    pub metric: String,
    /// Optimizer steps per run (the model is integrated to t = steps·lr).
    #[arg(long, default_value = "1000", value_parser = crate::values::count)]
    pub steps: u64,
    /// Tolerance of `steps_to_tol`.
    #[arg(long, default_value = "1e-8", value_parser = crate::values::non_negative)]
    pub tol: f64,
    /// What `steps_to_tol` measures: `grad` (‖∇f‖₂ ≤ tol) or `gap` (f − f* ≤ tol).
    #[arg(long, default_value = "grad")]
    pub tol_on: String,
    /// Divergence bound on max |x_i|.
    #[arg(long, default_value = "1e12", value_parser = crate::values::positive)]
    pub max_abs: f64,
    /// Divergence bound on |f(x)|.
    #[arg(long, default_value = "1e200", value_parser = crate::values::positive)]
    pub max_loss: f64,
    /// This shard's number, 0-based (with --of).
    #[arg(long, requires = "of", value_parser = crate::values::count)]
    pub shard: Option<u64>,
    /// Number of shards (with --shard).
    #[arg(long, requires = "shard", value_parser = crate::values::positive_count)]
    pub of: Option<u64>,
    /// Continue an interrupted run in --out (the arguments must be the same).
    #[arg(long)]
    pub resume: bool,
    /// Output directory.
    #[arg(long, default_value = "sweep")]
    pub out: PathBuf,
    /// `auto` (a batched engine when one applies — the 1-D Adam kernel, the lanewise zoo engine
    /// for small runs on built-in objectives, or for a model integrated by `rk4` with a fixed step
    /// the batched RK4 lanes; bit-identical to `generic`) or `generic` (one run at a time through
    /// the optimizer and objective traits).
    #[arg(long, default_value = "auto")]
    pub engine: String,
    /// Worker threads (default: all cores; at most four per core, at least 64).
    #[arg(long, value_parser = crate::values::threads)]
    pub threads: Option<usize>,
    /// Smallest number of runs written per durable append.
    #[arg(long, default_value = "256", value_parser = crate::values::positive_count_usize)]
    pub chunk: usize,
    /// `csv`, or `parquet`: also write the complete shard as Apache Parquet beside the CSV
    /// (`results.parquet`; the CSV stays the journal that `--resume` and `merge` read).
    #[arg(long, default_value = "csv", value_parser = ["csv", "parquet"])]
    pub format: String,
}

/// Arguments of `optdyn merge`.
#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// Shard CSV files or directories holding `shard-*-of-*.csv`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Merged CSV (default: `results.csv` in the first input directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// `csv`, or `parquet`: also write the merged rows as Apache Parquet beside the CSV.
    #[arg(long, default_value = "csv", value_parser = ["csv", "parquet"])]
    pub format: String,
}

/// With `--format parquet`, converts the complete CSV `csv` of a grid with `axes` axes into the
/// Parquet file beside it and says so.
fn export(format: &str, csv: &std::path::Path, axes: usize) -> Result<()> {
    if format == "parquet" {
        let out = sweep::parquet::parquet_path(csv);
        let rows = sweep::parquet::export(csv, &out, axes)?;
        outln!("{}: {rows} rows (Apache Parquet)", out.display())?;
    }
    Ok(())
}

/// Runs `optdyn sweep`.
pub fn run(a: &SweepArgs) -> Result<u8> {
    if let Some(t) = a.threads {
        if !(1..=1024).contains(&t) {
            return Err(Error::spec(format!(
                "--threads must be in [1, 1024], got {t}"
            )));
        }
    }
    let job = SweepJob::new(SweepSpec {
        objective: a.objective.clone(),
        x0: parse_x0(&a.x0)?,
        optimizer: a.optimizer.clone(),
        model: a.model.clone(),
        integrator: a.integrator.clone(),
        grid: a.grid.clone(),
        sample: a.sample.clone(),
        metrics: Metric::parse_list(&a.metric)?,
        options: MetricOptions {
            steps: a.steps,
            tol: a.tol,
            tol_on: TolOn::parse(&a.tol_on)?,
            max_abs: a.max_abs,
            max_loss: a.max_loss,
        },
    })?;
    let shard = match (a.shard, a.of) {
        (Some(i), Some(n)) => Shard::new(i, n)?,
        _ => Shard::WHOLE,
    };
    let engine = Engine::parse(&a.engine)?;
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = a.threads {
            b = b.num_threads(t);
        }
        b.build()
            .map_err(|e| Error::spec(format!("--threads: {e}")))?
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs ({per_sec}, eta {eta})",
            )
            .expect("valid template"),
        );
        b
    });
    let mut progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let summary = pool.install(|| {
        job.execute(
            a.out.clone(),
            shard,
            a.resume,
            a.chunk,
            engine,
            &mut progress,
        )
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some((i, why)) = &summary.first_invalid {
        if summary.invalid == summary.computed {
            return Err(Error::spec(format!(
                "every computed point was invalid (index {i}: {why})"
            )));
        }
    }
    if summary.dropped_bytes > 0 {
        outln!(
            "resume: kept {} rows verified by their checksums; discarded {} (recomputed): {}",
            summary.resumed,
            match summary.dropped_rows {
                0 => format!("{} bytes of a torn last row", summary.dropped_bytes),
                n => format!(
                    "{n} complete rows and {} bytes in all",
                    summary.dropped_bytes
                ),
            },
            if summary.dropped_rows > 0 {
                "written after the last checksummed chunk, by an append that was interrupted"
            } else {
                "the write was interrupted"
            }
        )?;
    }
    outln!(
        "{}: {} runs ({} resumed, {} computed, {} invalid)",
        summary.path.display(),
        summary.shard_points,
        summary.resumed,
        summary.computed,
        summary.invalid
    )?;
    if let Some((i, why)) = &summary.first_invalid {
        outln!("first invalid point: index {i}: {why}")?;
    }
    export(&a.format, &summary.path, job.grid().axes.len())?;
    Ok(0)
}

/// Runs `optdyn merge`.
pub fn merge(a: &MergeArgs) -> Result<u8> {
    let out = match &a.out {
        Some(o) => o.clone(),
        None => {
            let first = &a.inputs[0];
            let dir = if first.is_dir() {
                first.clone()
            } else {
                first.parent().map(PathBuf::from).unwrap_or_default()
            };
            dir.join("results.csv")
        }
    };
    let rebuild =
        |v: &Value| Grid::parse(v["grid"].as_str().unwrap_or_default(), v["sample"].as_str());
    let s = sweep::merge(&a.inputs, &out, &rebuild)?;
    outln!(
        "{}: {} rows from {} shards",
        out.display(),
        s.rows,
        s.shards
    )?;
    export(&a.format, &out, s.axes)?;
    Ok(0)
}
