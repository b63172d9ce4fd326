//! `sweep` and `merge`: the CLI's durable, sharded, resumable sweeps, with the result columns as
//! numpy arrays.

use crate::convert;
use crate::errors::{IntoPy, SpecError};
use optdyn::analysis::sweep::{
    merge as merge_shards, parquet, Engine, Grid, Metric, MetricOptions, Shard, SweepJob,
    SweepSpec, TolOn,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// A grid of runs, one row of metrics each; see `optdyn.sweep`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, grid, model=None, integrator="rk4", sample=None, metric="final_loss", steps=1000, tol=1e-8, tol_on="grad", max_abs=1e12, max_loss=1e200, shard=None, out=None, resume=false, engine="auto", threads=None, chunk=256, format="csv"))]
#[allow(clippy::too_many_arguments)]
pub fn sweep<'py>(
    py: Python<'py>,
    objective: &str,
    x0: &Bound<'py, PyAny>,
    optimizer: &str,
    grid: &str,
    model: Option<&str>,
    integrator: &str,
    sample: Option<&str>,
    metric: &str,
    steps: u64,
    tol: f64,
    tol_on: &str,
    max_abs: f64,
    max_loss: f64,
    shard: Option<(u64, u64)>,
    out: Option<PathBuf>,
    resume: bool,
    engine: &str,
    threads: Option<usize>,
    chunk: usize,
    format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let parquet = parquet_format(format)?;
    if parquet && out.is_none() {
        return Err(SpecError::new_err(
            "format='parquet' needs out= (the directory the Parquet file is written to)",
        ));
    }
    let job = SweepJob::new(SweepSpec {
        objective: objective.into(),
        x0: convert::x0(x0)?,
        optimizer: optimizer.into(),
        model: model.map(str::to_string),
        integrator: integrator.into(),
        grid: grid.into(),
        sample: sample.map(str::to_string),
        metrics: Metric::parse_list(metric).py()?,
        options: MetricOptions {
            steps,
            tol,
            tol_on: TolOn::parse(tol_on).py()?,
            max_abs,
            max_loss,
        },
    })
    .py()?;
    let shard = match shard {
        Some((i, n)) => Shard::new(i, n).py()?,
        None => Shard::WHOLE,
    };
    if let Some(t) = threads {
        if !(1..=1024).contains(&t) {
            return Err(SpecError::new_err(format!(
                "threads must be in [1, 1024], got {t}"
            )));
        }
    }
    let engine = Engine::parse(engine).py()?;
    let tmp = match out {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let dir = out.unwrap_or_else(|| tmp.as_ref().expect("a temporary directory").path().into());
    let summary = py.detach(|| {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = threads {
            b = b.num_threads(t);
        }
        let pool = b
            .build()
            .map_err(|e| optdyn::Error::spec(format!("threads: {e}")))?;
        pool.install(|| job.execute(dir.clone(), shard, resume, chunk, engine, &mut |_, _| {}))
    });
    let summary = summary.py()?;
    let pq_path = match parquet {
        true => {
            let pq = parquet::parquet_path(&summary.path);
            let axes = job.grid().axes.len();
            py.detach(|| parquet::export(&summary.path, &pq, axes))
                .py()?;
            Some(pq.display().to_string())
        }
        false => None,
    };
    let text = std::fs::read_to_string(&summary.path)?;
    let d = PyDict::new(py);
    d.set_item("columns", convert::csv_columns(py, &text)?)?;
    d.set_item(
        "path",
        if tmp.is_some() {
            py.None()
        } else {
            summary
                .path
                .display()
                .to_string()
                .into_pyobject(py)?
                .into_any()
                .unbind()
        },
    )?;
    d.set_item("parquet", pq_path)?;
    d.set_item("points", summary.shard_points)?;
    d.set_item("resumed", summary.resumed)?;
    d.set_item("computed", summary.computed)?;
    d.set_item("invalid", summary.invalid)?;
    d.set_item("first_invalid", summary.first_invalid)?;
    Ok(d)
}

/// `csv` → false, `parquet` → true, anything else a `SpecError` naming the allowed values.
fn parquet_format(format: &str) -> PyResult<bool> {
    match format {
        "csv" => Ok(false),
        "parquet" => Ok(true),
        other => Err(SpecError::new_err(format!(
            "format must be 'csv' or 'parquet', got '{other}'"
        ))),
    }
}

/// Joins sweep shards into one CSV (and a Parquet file with `format="parquet"`); see
/// `optdyn.merge`.
#[pyfunction]
#[pyo3(signature = (inputs, out=None, format="csv"))]
pub fn merge(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: Option<PathBuf>,
    format: &str,
) -> PyResult<String> {
    let parquet = parquet_format(format)?;
    let first = inputs
        .first()
        .ok_or_else(|| SpecError::new_err("merge: give at least one shard file or directory"))?;
    let out = out.unwrap_or_else(|| {
        let dir = if first.is_dir() {
            first.clone()
        } else {
            first.parent().map(PathBuf::from).unwrap_or_default()
        };
        dir.join("results.csv")
    });
    let rebuild = |v: &serde_json::Value| {
        Grid::parse(v["grid"].as_str().unwrap_or_default(), v["sample"].as_str())
    };
    py.detach(|| {
        let s = merge_shards(&inputs, &out, &rebuild)?;
        if parquet {
            parquet::export(&out, &parquet::parquet_path(&out), s.axes)?;
        }
        Ok::<_, optdyn::Error>(())
    })
    .py()?;
    Ok(out.display().to_string())
}
