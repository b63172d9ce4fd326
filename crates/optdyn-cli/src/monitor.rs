//! `optdyn monitor`: loss, the model's Lyapunov functional, kinetic energy and moment positivity
//! along a model run.

use crate::common::{self, ModelRunArgs, ProblemArgs};
use optdyn::analysis::lyapunov::{model_monitors, Monitor};
use optdyn::analysis::sharpness::threshold;
use optdyn::model;
use optdyn::report::write_monitors;
use optdyn::Result;
use std::path::PathBuf;

/// Arguments of `optdyn monitor`.
#[derive(clap::Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    #[command(flatten)]
    model: ModelRunArgs,
    /// A rise above tol·max(1, |V0|) between samples breaks monotonicity.
    #[arg(long, default_value = "1e-10", value_parser = crate::values::non_negative)]
    tol: f64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/monitor")]
    out: PathBuf,
    /// Record the top K Hessian eigenvalues along the run (sharp0… columns of monitor.csv and
    /// a sharpness figure with the optimizer's stability threshold).
    #[arg(long, value_name = "K", value_parser = crate::values::count_usize)]
    sharpness: Option<usize>,
}

/// Executes `optdyn monitor`.
pub fn run(a: &MonitorArgs) -> Result<u8> {
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.model.optimizer)?;
    let m = model::parse(&a.model.model, opt.as_ref(), problem.objective().clone())?;
    let integ = common::integrator(a.model.integrator.as_deref())?;
    let mon = model_monitors(
        &problem,
        m.as_ref(),
        integ.as_deref(),
        opt.lr(),
        a.model.steps,
        a.tol,
        common::sharpness_k(a.sharpness)?,
    )?;
    write_monitors(
        &a.out,
        &mon,
        &a.model.model,
        threshold(opt.as_ref()).as_ref(),
    )?;
    let say = |name: &str, m: &Monitor| {
        outln!(
            "{name:<10} {} ({})",
            if m.non_increasing {
                "non-increasing"
            } else {
                "RISES"
            },
            if m.max_increase.is_finite() && m.t_max_increase.is_finite() {
                format!(
                    "largest rise {:.3e} at t = {:.4}",
                    m.max_increase, m.t_max_increase
                )
            } else {
                "fewer than two samples".to_string()
            }
        )
    };
    say("loss", &mon.loss)?;
    match &mon.lyapunov {
        Some(l) => say("lyapunov", l)?,
        None => outln!(
            "lyapunov   {} declares no Lyapunov functional",
            a.model.model
        )?,
    }
    if let Some((v, tv)) = mon.min_v {
        outln!(
            "moments    min v = {v:.3e} at t = {tv:.4} ({})",
            if v >= 0.0 {
                "v ≥ 0 holds"
            } else {
                "v < 0: positivity violated"
            }
        )?;
    }
    outln!("{} (stop: {})", a.out.display(), mon.trajectory.stop)?;
    if mon.trajectory.stop.is_ok() {
        Ok(0)
    } else {
        note!("optdyn: run stopped: {}", mon.trajectory.stop);
        Ok(crate::EXIT_STOPPED)
    }
}
