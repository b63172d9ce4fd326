//! `optdyn compare`: the discrete optimizer and its models on one clock; table on stdout, data and
//! figures in `--out`.

use crate::common::{self, ProblemArgs};
use optdyn::analysis::compare::compare;
use optdyn::model::ModelFactory;
use optdyn::report::write_comparison;
use optdyn::spec::Spec;
use optdyn::{io, Error, Result};
use std::path::PathBuf;

/// Arguments of `optdyn compare`.
#[derive(clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    /// Optimizer spec (its lr sets the clock t_k = k·lr).
    #[arg(long)]
    optimizer: String,
    /// Comma-separated model specs (use `+` between models when a spec itself has commas).
    #[arg(long)]
    models: String,
    /// End time T.
    #[arg(long)]
    t_end: f64,
    /// Integrator for the models (default rk4:substeps=10).
    #[arg(long)]
    integrator: Option<String>,
    /// Record every N-th step.
    #[arg(long, default_value_t = 1)]
    every: u64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/compare")]
    out: PathBuf,
}

/// The optimizer's ε (for the update-scale panel), 1e-8 when it has none.
pub fn optimizer_eps(spec: &str) -> f64 {
    Spec::parse(spec)
        .ok()
        .and_then(|s| s.f64("eps", 1e-8).ok())
        .unwrap_or(1e-8)
}

/// Executes `optdyn compare`.
pub fn run(a: &CompareArgs) -> Result<u8> {
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.optimizer)?;
    let lr = opt.lr();
    if !(a.t_end.is_finite() && a.t_end > 0.0 && lr > 0.0) {
        return Err(Error::spec(format!(
            "--t-end must be > 0 and the optimizer's lr > 0, got T = {}",
            a.t_end
        )));
    }
    let specs = common::models(&a.models)?;
    let models: Vec<&dyn ModelFactory> = specs.iter().map(|m| m as &dyn ModelFactory).collect();
    let integ = common::integrator(a.integrator.as_deref())?;
    let steps = (a.t_end / lr).round() as u64;
    let c = compare(
        &problem,
        opt.as_ref(),
        &models,
        integ.as_deref(),
        steps,
        a.every,
    )?;
    let text = write_comparison(&c, optimizer_eps(&a.optimizer), &a.out)?;
    let mut manifest = io::manifest_base("compare");
    manifest["objective"] = serde_json::json!(a.problem.objective);
    manifest["x0"] = serde_json::json!(problem.x0());
    manifest["optimizer"] = serde_json::json!(a.optimizer);
    manifest["models"] = serde_json::json!(specs.iter().map(|m| m.label()).collect::<Vec<_>>());
    manifest["steps"] = serde_json::json!(steps);
    manifest["discrete_stop"] = serde_json::json!(c.discrete.stop);
    io::write_json(&a.out.join("manifest.json"), &manifest)?;
    print!("{text}");
    common::wrote(&a.out);
    Ok(0)
}
