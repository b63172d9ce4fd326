//! `optdyn converge`: the gap at a fixed horizon vs learning rate, with fitted orders.

use crate::common::{self, ModelsArgs, ProblemArgs};
use optdyn::analysis::converge::converge;
use optdyn::analysis::moments::Functional;
use optdyn::analysis::weak::{weak_converge, WeakMethod};
use optdyn::integrate::sde::SdeSolver;
use optdyn::model::ModelFactory;
use optdyn::report::{write_convergence, write_weak_convergence};
use optdyn::run::Ensemble;
use optdyn::{io, range, Error, Result};
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
    /// Weak error |E F(θ_K) − E F(X_T)| of stochastic models (sgd-sme1, sgd-sme2, rmsprop-sde,
    /// adam-sde) instead of the pathwise gap: F = x, x2 or loss.
    #[arg(long, value_name = "F")]
    weak: Option<String>,
    /// With --weak: Monte Carlo paths per ensemble.
    #[arg(long, default_value = "1000", requires = "weak", value_parser = crate::values::count_usize)]
    paths: usize,
    /// With --weak: the ensemble seed.
    #[arg(long, default_value = "0", requires = "weak")]
    seed: u64,
    /// With --weak: `exact` computes both expectations from moment equations (sgd and its SMEs
    /// on a convex quadratic with additive noise) instead of Monte Carlo.
    #[arg(long, value_name = "exact", requires = "weak")]
    moments: Option<String>,
}

/// Executes `optdyn converge`.
pub fn run(a: &ConvergeArgs) -> Result<u8> {
    if let Some(f) = &a.weak {
        return weak(a, f);
    }
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

/// `optdyn converge --weak F`: weak errors of stochastic models.
fn weak(a: &ConvergeArgs, functional: &str) -> Result<u8> {
    let f = Functional::parse(functional)?;
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.models.optimizer)?;
    let models = common::model_texts(&a.models.models)?;
    let solver = a
        .models
        .integrator
        .as_deref()
        .map(SdeSolver::parse)
        .transpose()?;
    let method = match a.moments.as_deref() {
        None | Some("monte-carlo") => WeakMethod::MonteCarlo(Ensemble::new(a.paths, a.seed)),
        Some("exact") => WeakMethod::Exact,
        Some(other) => {
            return Err(Error::spec(format!(
                "--moments must be exact or monte-carlo, got '{other}'"
            )))
        }
    };
    let lrs = range::parse("--lrs", &a.lrs)?;
    let c = weak_converge(
        &problem,
        opt.as_ref(),
        &models,
        solver,
        &lrs,
        a.t_end,
        f,
        method,
    )?;
    let text = write_weak_convergence(&c, &a.out)?;
    let mut manifest = io::manifest_base("converge");
    manifest["objective"] = serde_json::json!(a.problem.objective);
    manifest["x0"] = serde_json::json!(problem.x0());
    manifest["optimizer"] = serde_json::json!(a.models.optimizer);
    manifest["models"] = serde_json::json!(models);
    manifest["integrator"] = serde_json::json!(solver.map(|s| s.name()));
    manifest["lrs"] = serde_json::json!(lrs);
    manifest["t_end"] = serde_json::json!(a.t_end);
    manifest["weak"] = serde_json::json!(c.functional);
    manifest["method"] = serde_json::json!(c.method);
    manifest["paths"] = serde_json::json!(c.paths);
    manifest["seed"] = serde_json::json!(c.seed);
    io::write_json(&a.out.join("manifest.json"), &manifest)?;
    out!("{text}")?;
    common::wrote(&a.out)?;
    Ok(0)
}
