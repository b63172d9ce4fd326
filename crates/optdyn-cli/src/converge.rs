//! `optdyn converge`: the gap at a fixed horizon vs learning rate, with fitted orders.

use crate::common::{self, ModelsArgs, ProblemArgs};
use optdyn::analysis::converge::converge;
use optdyn::model::ModelFactory;
use optdyn::report::write_convergence;
use optdyn::{io, range, Result};
use std::path::PathBuf;

/// Arguments of `optdyn converge`.
#[derive(clap::Args)]
pub struct ConvergeArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    #[command(flatten)]
    models: ModelsArgs,
    /// Learning rates: a list (`5e-4,1e-3`) or a range (`1e-3:1e-1:5:log`).
    #[arg(long)]
    lrs: String,
    /// Horizon T at which the gap is measured.
    #[arg(long, value_parser = crate::values::positive_finite)]
    t_end: f64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/converge")]
    out: PathBuf,
}

/// Executes `optdyn converge`.
pub fn run(a: &ConvergeArgs) -> Result<u8> {
    let problem = a.problem.problem()?;
    let common::Models {
        optimizer: opt,
        specs,
        integrator: integ,
    } = a.models.build()?;
    let lrs = range::parse("--lrs", &a.lrs)?;
    let models: Vec<&dyn ModelFactory> = specs.iter().map(|m| m as &dyn ModelFactory).collect();
    let c = converge(
        &problem,
        opt.as_ref(),
        &models,
        integ.as_deref(),
        &lrs,
        a.t_end,
    )?;
    let text = write_convergence(&c, &a.out)?;
    let mut manifest = io::manifest_base("converge");
    manifest["objective"] = serde_json::json!(a.problem.objective);
    manifest["x0"] = serde_json::json!(problem.x0());
    manifest["optimizer"] = serde_json::json!(a.models.optimizer);
    manifest["models"] = serde_json::json!(specs.iter().map(|m| m.label()).collect::<Vec<_>>());
    manifest["lrs"] = serde_json::json!(lrs);
    manifest["t_end"] = serde_json::json!(a.t_end);
    io::write_json(&a.out.join("manifest.json"), &manifest)?;
    out!("{text}")?;
    common::wrote(&a.out)?;
    Ok(0)
}
