//! `optdyn run`: one discrete run, or one continuous model of the same optimizer on the clock
//! `t_k = k·lr`, written as CSV or JSON with a manifest beside the file.

use crate::common::{build_model_setup, build_objective, manifest_base, parse_x0};
use optdyn::io::{self, Format};
use optdyn::simulate::{self, RunOptions};
use std::path::PathBuf;

/// Arguments of `optdyn run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Objective spec, e.g. `rosen1d:c=4`, `quadratic:diag=1;10`, `expr:(x-4)^2`.
    #[arg(long)]
    objective: String,
    /// Start point, comma- or semicolon-separated.
    #[arg(long, allow_hyphen_values = true)]
    x0: String,
    /// Optimizer spec, e.g. `adam:lr=1e-3,beta1=0.9`.
    #[arg(long)]
    optimizer: String,
    /// Continuous model of the optimizer to integrate instead of the discrete run.
    #[arg(long)]
    model: Option<String>,
    /// Number of optimizer steps K.
    #[arg(long, conflicts_with = "t_end")]
    steps: Option<u64>,
    /// End time T (K = round(T / lr)).
    #[arg(long)]
    t_end: Option<f64>,
    /// Integrator for --model (default rk4 with dt = lr/10).
    #[arg(long)]
    integrator: Option<String>,
    /// Record every N-th step (the first and last are always recorded).
    #[arg(long, default_value_t = 1)]
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
    #[arg(long, default_value_t = 1e12)]
    max_abs: f64,
}

/// Executes `optdyn run`.
pub fn run(a: &RunArgs) -> Result<u8, String> {
    let format = Format::parse(&a.format).map_err(|e| e.to_string())?;
    if a.every == 0 {
        return Err("--every must be >= 1, got 0".into());
    }
    if a.max_abs.is_nan() || a.max_abs <= 0.0 {
        return Err(format!("--max-abs must be > 0, got {}", a.max_abs));
    }
    let x0 = parse_x0(&a.x0)?;
    let obj = build_objective(&a.objective, &x0)?;
    let opt = optdyn::optim::parse(&a.optimizer).map_err(|e| e.to_string())?;
    let lr = opt.lr();
    let steps = match (a.steps, a.t_end) {
        (Some(k), _) => k,
        (None, Some(t)) => {
            if !(t > 0.0 && t.is_finite()) {
                return Err(format!("--t-end must be > 0, got {t}"));
            }
            if lr.is_nan() || lr <= 0.0 {
                return Err("--t-end needs an optimizer with lr > 0".into());
            }
            (t / lr).round() as u64
        }
        (None, None) => return Err("give --steps K or --t-end T".into()),
    };
    let o = RunOptions {
        steps,
        every: a.every,
        max_abs: a.max_abs,
        record_state: a.state,
        ..RunOptions::default()
    };
    let mut manifest = manifest_base("run");
    let (tr, stats) = match &a.model {
        None => (
            simulate::run_discrete(obj.as_ref(), opt.as_ref(), &x0, &o),
            None,
        ),
        Some(mspec) => {
            let setup = build_model_setup(
                &a.objective,
                &x0,
                &a.optimizer,
                mspec,
                a.integrator.as_deref(),
            )?;
            manifest["integrator"] = serde_json::json!(setup.integrator.name());
            let r = simulate::run_model(
                setup.obj.as_ref(),
                setup.model.as_ref(),
                setup.integrator.as_ref(),
                &x0,
                lr,
                &o,
            );
            (r.trajectory, Some(r.stats))
        }
    };
    manifest["objective"] = serde_json::json!(a.objective);
    manifest["x0"] = serde_json::json!(x0);
    manifest["optimizer"] = serde_json::json!(a.optimizer);
    manifest["model"] = serde_json::json!(a.model);
    manifest["steps"] = serde_json::json!(steps);
    manifest["every"] = serde_json::json!(a.every);
    manifest["stop"] = serde_json::json!(tr.stop);
    manifest["rows"] = serde_json::json!(tr.len());
    if let Some(s) = stats {
        manifest["integrator_stats"] = serde_json::json!(s);
    }
    let text = io::render(&tr, format);
    match &a.out {
        Some(path) => {
            io::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())?;
            io::write_json(&io::manifest_path(path), &manifest).map_err(|e| e.to_string())?;
            eprintln!("wrote {} rows to {}", tr.len(), path.display());
        }
        None => print!("{text}"),
    }
    if tr.stop.is_ok() {
        Ok(0)
    } else {
        eprintln!("optdyn: run stopped: {}", tr.stop);
        Ok(crate::EXIT_STOPPED)
    }
}
