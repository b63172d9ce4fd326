//! `optdyn run`: one discrete run, or one continuous model of the same optimizer on the clock
//! `t_k = t0 + k·lr`, written as CSV or JSON (streamed to `--out` for CSV) with a manifest
//! beside the file.

use crate::common::{self, ProblemArgs};
use optdyn::analysis::sharpness::{threshold, Sharpness};
use optdyn::integrate::Volterra;
use optdyn::io::{self, CsvRows, CsvWriter, Format};
use optdyn::model;
use optdyn::run::{Recorder, Run};
use optdyn::spec::Spec;
use optdyn::{Error, Result};
use std::path::PathBuf;

/// Arguments of `optdyn run`.
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    /// Optimizer spec, e.g. `adam:lr=1e-3,beta1=0.9`.
    #[arg(long)]
    optimizer: String,
    /// Continuous model of the optimizer to integrate instead of the discrete run.
    #[arg(long)]
    model: Option<String>,
    /// Number of optimizer steps K.
    #[arg(long, conflicts_with = "t_end", value_parser = crate::values::count)]
    steps: Option<u64>,
    /// End time T (K = round(T / lr)).
    #[arg(long, value_parser = crate::values::positive_finite)]
    t_end: Option<f64>,
    /// Integrator for --model (default rk4 with dt = lr/10; volterra:substeps=10 for a model with a power-law, soe or user kernel).
    #[arg(long)]
    integrator: Option<String>,
    /// Record every N-th step (the first and last are always recorded).
    #[arg(long, default_value = "1", value_parser = crate::values::positive_count)]
    every: u64,
    /// Output format.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Output file (stdout when omitted); a manifest `FILE.manifest.json` is written beside it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also record the optimizer's state buffers (m, v, …) for discrete runs.
    #[arg(long)]
    state: bool,
    /// Divergence bound on max |x_i|.
    #[arg(long, default_value = "1e12", value_parser = crate::values::positive)]
    max_abs: f64,
    /// Record the top K Hessian eigenvalues at every sample (columns sharp0…; for discrete
    /// adam, adamw, rmsprop, adagrad and scalar-rmsprop runs also the preconditioned sharpness
    /// psharp0…).
    #[arg(long, value_name = "K", value_parser = crate::values::count_usize)]
    sharpness: Option<usize>,
    /// With --sharpness: also record the eigenvectors (columns sharp{i}_u{j}).
    #[arg(long, requires = "sharpness")]
    sharpness_vectors: bool,
}

/// Executes `optdyn run`.
pub fn run(a: &RunArgs) -> Result<u8> {
    let format = Format::parse(&a.format)?;
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.optimizer)?;
    let lr = opt.lr();
    let model = a
        .model
        .as_deref()
        .map(|m| model::parse(m, opt.as_ref(), problem.objective().clone()))
        .transpose()?;
    let default = match &model {
        Some(m) if m.memory_form().is_some() => "volterra:substeps=10",
        _ => "rk4:substeps=10",
    };
    let integ_spec = a.integrator.as_deref().unwrap_or(default);
    let integ = common::integrator(Some(integ_spec))?.expect("a default integrator");
    let mut run = match &model {
        None => Run::discrete(&problem, opt.as_ref()).record_state(a.state),
        Some(m) => Run::model(&problem, m.as_ref(), lr).integrator(integ.as_ref()),
    };
    run = match (a.steps, a.t_end) {
        (Some(k), _) => run.steps(k),
        (None, Some(t)) => run.t_end(t),
        (None, None) => return Err(Error::spec("give --steps K or --t-end T")),
    };
    let k = common::sharpness_k(a.sharpness)?;
    let sharp = match &model {
        None => Sharpness::for_discrete(problem.objective().clone(), k, opt.as_ref()),
        Some(_) => Sharpness::new(problem.objective().clone(), k),
    }
    .vectors(a.sharpness_vectors);
    if k > 0 {
        run = run.measure(&sharp);
    }
    let run = run.every(a.every).max_abs(a.max_abs);
    let steps = run.num_steps()?;
    let mut manifest = io::manifest_base("run");
    if model.is_some() {
        manifest["integrator"] = serde_json::json!(integ.name());
    }
    if let Some(ms) = model.as_ref().and_then(|m| m.memory_form()) {
        if integ.marches_memory() {
            let v = Volterra::from_spec(&Spec::parse(integ_spec)?)?;
            let h = v.step_for(lr);
            let lines = v.describe(ms.kernels(), h, (steps as f64 * lr / h).round() as usize)?;
            for l in &lines {
                note!("memory: {l}");
            }
            manifest["memory"] = serde_json::json!(lines);
        }
    }
    manifest["objective"] = serde_json::json!(a.problem.objective);
    manifest["x0"] = serde_json::json!(problem.x0());
    manifest["optimizer"] = serde_json::json!(a.optimizer);
    manifest["model"] = serde_json::json!(a.model);
    manifest["steps"] = serde_json::json!(steps);
    manifest["every"] = serde_json::json!(a.every);
    if k > 0 {
        manifest["sharpness_threshold"] = serde_json::json!(threshold(opt.as_ref()));
    }
    let (stop, rows, stats) = match (&a.out, format) {
        (Some(path), Format::Csv) => {
            let mut w = CsvWriter::create(path)?;
            let end = run.execute(&mut [&mut w])?;
            let rows = w.rows();
            w.finish_file()?;
            (end.stop, rows, end.stats)
        }
        (None, Format::Csv) => {
            let mut w = CsvRows::new(std::io::stdout().lock(), "standard output");
            let end = run.execute(&mut [&mut w])?;
            let rows = w.rows();
            let (mut so, error) = w.into_parts();
            match error.or_else(|| std::io::Write::flush(&mut so).err()) {
                Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
                Some(e) => return Err(Error::io("standard output", e)),
                None => {}
            }
            (end.stop, rows, end.stats)
        }
        (_, Format::Json) => {
            let mut rec = Recorder::default();
            run.execute(&mut [&mut rec])?;
            let tr = rec.into_trajectory();
            let text = io::render(&tr, format);
            match &a.out {
                Some(path) => io::write_atomic(path, text.as_bytes())?,
                None => out!("{text}")?,
            }
            (tr.stop.clone(), tr.len() as u64, tr.stats)
        }
    };
    manifest["stop"] = serde_json::json!(stop);
    manifest["rows"] = serde_json::json!(rows);
    if let Some(s) = stats {
        manifest["integrator_stats"] = serde_json::json!(s);
    }
    if let Some(path) = &a.out {
        io::write_json(&io::manifest_path(path), &manifest)?;
        note!("wrote {rows} rows to {}", path.display());
    }
    if stop.is_ok() {
        Ok(0)
    } else {
        note!("optdyn: run stopped: {stop}");
        Ok(crate::EXIT_STOPPED)
    }
}
