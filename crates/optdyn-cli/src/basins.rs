//! `optdyn basins`: final state vs learning rate, or a 2-D basin map over start points.

use crate::common::{self, parse_x0};
use optdyn::analysis::basins::{basin_map, scan_lr};
use optdyn::io;
use optdyn::model::{ModelFactory, ModelSpec};
use optdyn::report::{write_basin_map, write_lr_scan};
use optdyn::run::Problem;
use optdyn::{range, Error, Result};
use std::path::PathBuf;

/// Arguments of `optdyn basins`.
#[derive(clap::Args)]
pub struct BasinsArgs {
    /// Objective spec.
    #[arg(long)]
    objective: String,
    /// Start point (lr scan mode).
    #[arg(long, allow_hyphen_values = true)]
    x0: Option<String>,
    /// Optimizer spec (lr replaced in lr-scan mode).
    #[arg(long)]
    optimizer: String,
    /// Also scan this model of the optimizer.
    #[arg(long)]
    model: Option<String>,
    /// Learning-rate grid (`lo:hi:count:log` or a list): final state vs lr.
    #[arg(long, allow_hyphen_values = true)]
    lrs: Option<String>,
    /// 2-D map mode: x grid of start points (`lo:hi:count`).
    #[arg(long, allow_hyphen_values = true)]
    xs: Option<String>,
    /// 2-D map mode: y grid of start points.
    #[arg(long, allow_hyphen_values = true)]
    ys: Option<String>,
    /// Steps per run (lr-scan mode default: max(1000, round(4/lr))).
    #[arg(long, value_parser = crate::values::count)]
    steps: Option<u64>,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/basins")]
    out: PathBuf,
}

/// Executes `optdyn basins`.
pub fn run(a: &BasinsArgs) -> Result<u8> {
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    let opt = common::optimizer(&a.optimizer)?;
    let model = a.model.as_deref().map(ModelSpec::parse).transpose()?;
    let factory = model.as_ref().map(|m| m as &dyn ModelFactory);
    match (&a.lrs, &a.xs, &a.ys) {
        (Some(lrs), None, None) => {
            let x0 = parse_x0(
                a.x0.as_deref()
                    .ok_or_else(|| Error::spec("--lrs mode needs --x0"))?,
            )?;
            let problem = Problem::parse(&a.objective, x0)?;
            let lrs = range::parse("--lrs", lrs)?;
            let fixed = a.steps;
            let steps = move |lr: f64| fixed.unwrap_or(((4.0 / lr).round() as u64).max(1000));
            let disc = scan_lr(&problem, opt.as_ref(), None, None, &lrs, &steps)?;
            let mend = factory
                .map(|f| scan_lr(&problem, opt.as_ref(), Some(f), None, &lrs, &steps))
                .transpose()?;
            let steps: Vec<u64> = lrs.iter().map(|&lr| steps(lr)).collect();
            write_lr_scan(
                &a.out,
                &lrs,
                &steps,
                &disc,
                a.model.as_deref().zip(mend.as_deref()),
            )?;
        }
        (None, Some(xs), Some(ys)) => {
            let xs = range::parse("--xs", xs)?;
            let ys = range::parse("--ys", ys)?;
            let problem = Problem::parse(&a.objective, vec![xs[0], ys[0]])?;
            let steps = a.steps.unwrap_or(2000);
            let map = basin_map(&problem, opt.as_ref(), factory, None, &xs, &ys, steps, 1e-3)?;
            write_basin_map(&a.out, &map, a.model.as_deref().unwrap_or(&a.optimizer))?;
            outln!("{} attractors found", map.attractors.len())?;
        }
        _ => {
            return Err(Error::spec(
                "basins: give either --lrs (with --x0) or both --xs and --ys",
            ))
        }
    }
    let mut m = io::manifest_base("basins");
    m["objective"] = serde_json::json!(a.objective);
    m["optimizer"] = serde_json::json!(a.optimizer);
    m["model"] = serde_json::json!(a.model);
    io::write_json(&a.out.join("manifest.json"), &m)?;
    common::wrote(&a.out)?;
    Ok(0)
}
