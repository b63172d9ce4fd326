//! `optdyn run`: one discrete run, or one continuous (deterministic or stochastic) model of the
//! same optimizer on its clock `t_k = t0 + k·clock`, written as CSV or JSON (streamed to `--out`
//! for CSV) with a manifest beside the file; with `--paths M`, an ensemble's bands.

use crate::common::{self, ProblemArgs};
use optdyn::analysis::sharpness::{threshold, Sharpness};
use optdyn::integrate::sde::SdeSolver;
use optdyn::integrate::Integrator;
use optdyn::integrate::Volterra;
use optdyn::io::{self, CsvRows, CsvWriter, Format};
use optdyn::model::{self, Model, SdeModel};
use optdyn::optim::Optimizer;
use optdyn::report;
use optdyn::run::{Draws, Ensemble, Problem, Recorder, Run};
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
    /// Run an ensemble of M paths (a discrete optimizer on an objective with noisy step
    /// gradients, or a stochastic model) in parallel and write per recorded step the mean, its
    /// standard error and the --quantiles of every x_i and the loss.
    #[arg(long, value_name = "M", value_parser = crate::values::positive_count_usize)]
    paths: Option<usize>,
    /// Seed of the random draws (ensemble paths, or the single path of a stochastic run).
    #[arg(long)]
    seed: Option<u64>,
    /// With --paths: quantiles of the bands.
    #[arg(long, default_value = "0.05,0.5,0.95", requires = "paths")]
    quantiles: String,
    /// With --paths and --out: also write every path to FILE.paths.csv (path,step,t,x…,loss).
    #[arg(long, requires = "paths")]
    all_paths: bool,
    /// With --paths and a stochastic model: antithetic Brownian pairs (M even).
    #[arg(long, requires = "paths")]
    antithetic: bool,
}

/// What `--model` and `--integrator` chose: the discrete optimizer, a deterministic model with
/// its integrator, or a stochastic model with its SDE solver.
enum Dynamics {
    Discrete,
    Ode {
        model: Box<dyn Model>,
        integ: Box<dyn Integrator>,
        spec: String,
    },
    Sde {
        model: Box<dyn SdeModel>,
        solver: SdeSolver,
    },
}

impl Dynamics {
    fn choose(a: &RunArgs, opt: &dyn Optimizer<f64>, problem: &Problem) -> Result<Self> {
        let Some(text) = a.model.as_deref() else {
            return Ok(Dynamics::Discrete);
        };
        if model::is_sde(&Spec::parse(text)?.name) {
            let model = model::parse_sde(text, opt, problem.objective().clone())?;
            let solver = match a.integrator.as_deref() {
                Some(spec) => SdeSolver::parse(spec)?,
                None => SdeSolver::default_for(model.as_ref()),
            };
            return Ok(Dynamics::Sde { model, solver });
        }
        let model = model::parse(text, opt, problem.objective().clone())?;
        let default = if model.memory_form().is_some() {
            "volterra:substeps=10"
        } else {
            "rk4:substeps=10"
        };
        let spec = a.integrator.as_deref().unwrap_or(default).to_string();
        let integ = common::integrator(Some(&spec))?.expect("an integrator spec was given");
        Ok(Dynamics::Ode { model, integ, spec })
    }

    /// The run of these dynamics, with `--seed` (path 0) when given.
    fn run<'a>(
        &'a self,
        a: &RunArgs,
        problem: &'a Problem,
        opt: &'a dyn Optimizer<f64>,
    ) -> Result<Run<'a>> {
        let mut run = match self {
            Dynamics::Discrete => Run::discrete(problem, opt).record_state(a.state),
            Dynamics::Ode { model, integ, .. } => {
                Run::model(problem, model.as_ref(), opt.lr()).integrator(integ.as_ref())
            }
            Dynamics::Sde { model, solver } => {
                Run::sde(problem, model.as_ref()).sde_solver(*solver)
            }
        };
        if let Some(seed) = a.seed {
            run = run.draws(Draws {
                seed,
                path: 0,
                antithetic: false,
            });
        }
        Ok(match (a.steps, a.t_end) {
            (Some(k), _) => run.steps(k),
            (None, Some(t)) => run.t_end(t),
            (None, None) => return Err(Error::spec("give --steps K or --t-end T")),
        }
        .every(a.every)
        .max_abs(a.max_abs))
    }

    fn integrator(&self) -> Option<String> {
        match self {
            Dynamics::Discrete => None,
            Dynamics::Ode { integ, .. } => Some(integ.name()),
            Dynamics::Sde { solver, .. } => Some(solver.name()),
        }
    }
}

/// The manifest entries every run writes.
fn manifest(
    a: &RunArgs,
    problem: &Problem,
    run: &Run<'_>,
    dynamics: &Dynamics,
) -> Result<serde_json::Value> {
    let mut m = io::manifest_base("run");
    m["objective"] = serde_json::json!(a.problem.objective);
    m["x0"] = serde_json::json!(problem.x0());
    m["optimizer"] = serde_json::json!(a.optimizer);
    m["model"] = serde_json::json!(a.model);
    if let Some(name) = dynamics.integrator() {
        m["integrator"] = serde_json::json!(name);
    }
    m["clock"] = serde_json::json!(run.lr());
    m["steps"] = serde_json::json!(run.num_steps()?);
    m["every"] = serde_json::json!(a.every);
    if let Some(seed) = a.seed {
        m["seed"] = serde_json::json!(seed);
    }
    Ok(m)
}

/// Executes `optdyn run`.
pub fn run(a: &RunArgs) -> Result<u8> {
    if a.paths.is_some() {
        return ensemble(a);
    }
    let format = Format::parse(&a.format)?;
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.optimizer)?;
    let lr = opt.lr();
    let dynamics = Dynamics::choose(a, opt.as_ref(), &problem)?;
    let mut run = dynamics.run(a, &problem, opt.as_ref())?;
    let k = common::sharpness_k(a.sharpness)?;
    let sharp = match &dynamics {
        Dynamics::Discrete => Sharpness::for_discrete(problem.objective().clone(), k, opt.as_ref()),
        _ => Sharpness::new(problem.objective().clone(), k),
    }
    .vectors(a.sharpness_vectors);
    if k > 0 {
        run = run.measure(&sharp);
    }
    let steps = run.num_steps()?;
    let mut manifest = manifest(a, &problem, &run, &dynamics)?;
    if let Dynamics::Ode { model, integ, spec } = &dynamics {
        if let (Some(ms), true) = (model.memory_form(), integ.marches_memory()) {
            let v = Volterra::from_spec(&Spec::parse(spec)?)?;
            let h = v.step_for(lr);
            let lines = v.describe(ms.kernels(), h, (steps as f64 * lr / h).round() as usize)?;
            for l in &lines {
                note!("memory: {l}");
            }
            manifest["memory"] = serde_json::json!(lines);
        }
    }
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

/// `--paths M`: an ensemble of the discrete optimizer or of a stochastic model, written as bands.
fn ensemble(a: &RunArgs) -> Result<u8> {
    if a.sharpness.is_some() || a.state {
        return Err(Error::spec(
            "--sharpness and --state apply to single runs, not to --paths ensembles",
        ));
    }
    let paths = a.paths.unwrap_or(1);
    let format = Format::parse(&a.format)?;
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.optimizer)?;
    let dynamics = Dynamics::choose(a, opt.as_ref(), &problem)?;
    let run = dynamics.run(a, &problem, opt.as_ref())?;
    let mut manifest = manifest(a, &problem, &run, &dynamics)?;
    let seed = a.seed.unwrap_or(0);
    manifest["seed"] = serde_json::json!(seed);
    let quantiles = optdyn::spec::parse_list(&a.quantiles)
        .map_err(|e| Error::spec(format!("--quantiles: {e}")))?;
    if a.all_paths && a.out.is_none() {
        return Err(Error::spec(
            "--all-paths writes FILE.paths.csv beside --out FILE; give --out",
        ));
    }
    let ens = Ensemble::new(paths, seed).antithetic(a.antithetic);
    let result = run.ensemble(&ens)?;
    let csv = report::ensemble_bands_csv(&result, &quantiles)?;
    let text = match format {
        Format::Csv => csv,
        Format::Json => {
            let (columns, rows) = result.bands(&quantiles)?;
            let rows: Vec<Vec<serde_json::Value>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| {
                            if v.is_finite() {
                                serde_json::json!(v)
                            } else {
                                serde_json::Value::Null
                            }
                        })
                        .collect()
                })
                .collect();
            serde_json::json!({"columns": columns, "rows": rows}).to_string()
        }
    };
    let stopped = result.stopped();
    for (p, why) in stopped.iter().take(5) {
        note!("optdyn: path {p} stopped: {why}");
    }
    if stopped.len() > 5 {
        note!("optdyn: … and {} more paths stopped", stopped.len() - 5);
    }
    if !stopped.is_empty() {
        note!(
            "optdyn: {} of {paths} paths stopped; the statistics at each step are over the paths still running (column 'paths')",
            stopped.len()
        );
    }
    manifest["paths"] = serde_json::json!(paths);
    manifest["antithetic"] = serde_json::json!(a.antithetic);
    manifest["quantiles"] = serde_json::json!(quantiles);
    manifest["stopped"] = serde_json::json!(stopped
        .iter()
        .map(|(p, why)| serde_json::json!({"path": p, "stop": why}))
        .collect::<Vec<_>>());
    match &a.out {
        Some(path) => {
            io::write_atomic(path, text.as_bytes())?;
            if a.all_paths {
                let pp = sibling(path, "paths.csv");
                io::write_atomic(&pp, report::ensemble_paths_csv(&result).as_bytes())?;
                manifest["all_paths"] = serde_json::json!(pp);
            }
            let label = a.model.as_deref().unwrap_or(&a.optimizer);
            let stem = path.with_file_name(format!(
                "{}_bands",
                path.file_stem()
                    .map_or("out".into(), |s| s.to_string_lossy())
            ));
            report::ensemble_figure(
                &[(label, &result)],
                0,
                (quantiles_lo(&quantiles), quantiles_hi(&quantiles)),
                &stem,
            )?;
            io::write_json(&io::manifest_path(path), &manifest)?;
            note!(
                "wrote {} samples of {paths} paths to {}",
                result.steps().len(),
                path.display()
            );
        }
        None => out!("{text}")?,
    }
    Ok(if stopped.is_empty() {
        0
    } else {
        crate::EXIT_STOPPED
    })
}

/// `dir/stem.ext` → `dir/stem.suffix`.
fn sibling(path: &std::path::Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or("out".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.{suffix}"))
}

fn quantiles_lo(q: &[f64]) -> f64 {
    q.iter().copied().fold(f64::INFINITY, f64::min).min(0.5)
}

fn quantiles_hi(q: &[f64]) -> f64 {
    q.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(0.5)
}
