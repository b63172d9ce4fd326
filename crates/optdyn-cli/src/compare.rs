//! `optdyn compare`: the discrete optimizer and its models on one clock; table on stdout, data and
//! figures in `--out`.

use crate::common::{self, ModelsArgs, ProblemArgs};
use optdyn::analysis::compare::compare_with_sharpness;
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
    #[command(flatten)]
    models: ModelsArgs,
    /// End time T.
    #[arg(long, value_parser = crate::values::positive_finite)]
    t_end: f64,
    /// Record every N-th step.
    #[arg(long, default_value = "1", value_parser = crate::values::positive_count)]
    every: u64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/compare")]
    out: PathBuf,
    /// Record the top K Hessian eigenvalues along every run (sharp0… columns and a sharpness
    /// figure with the optimizer's stability threshold; psharp0… for adaptive optimizers).
    #[arg(long, value_name = "K", value_parser = crate::values::count_usize)]
    sharpness: Option<usize>,
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
    let common::Models {
        optimizer: opt,
        specs,
        integrator: integ,
    } = a.models.build()?;
    let lr = opt.lr();
    if !(a.t_end.is_finite() && a.t_end > 0.0 && lr > 0.0) {
        return Err(Error::spec(format!(
            "--t-end must be > 0 and the optimizer's lr > 0, got T = {}",
            a.t_end
        )));
    }
    let models: Vec<&dyn ModelFactory> = specs.iter().map(|m| m as &dyn ModelFactory).collect();
    let steps = (a.t_end / lr).round() as u64;
    let c = compare_with_sharpness(
        &problem,
        opt.as_ref(),
        &models,
        integ.as_deref(),
        steps,
        a.every,
        common::sharpness_k(a.sharpness)?,
    )?;
    let text = write_comparison(&c, optimizer_eps(&a.models.optimizer), &a.out)?;
    let mut manifest = io::manifest_base("compare");
    manifest["objective"] = serde_json::json!(a.problem.objective);
    manifest["x0"] = serde_json::json!(problem.x0());
    manifest["optimizer"] = serde_json::json!(a.models.optimizer);
    manifest["models"] = serde_json::json!(specs.iter().map(|m| m.label()).collect::<Vec<_>>());
    manifest["steps"] = serde_json::json!(steps);
    manifest["discrete_stop"] = serde_json::json!(c.discrete.stop);
    io::write_json(&a.out.join("manifest.json"), &manifest)?;
    out!("{text}")?;
    common::wrote(&a.out)?;
    Ok(0)
}
