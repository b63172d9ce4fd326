//! `optdyn basins`: final state vs learning rate, or a 2-D basin map over start points.

use crate::common::{self, parse_x0};
use optdyn::analysis::basins::{basin_map, scan_lr};
use optdyn::io::{self, fmt_f64};
use optdyn::model::{ModelFactory, ModelSpec};
use optdyn::plot::figures::basin_heatmap;
use optdyn::plot::{save_figure, Figure, Series, Style};
use optdyn::run::Problem;
use optdyn::{range, Error, Result};
use std::fmt::Write as _;
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
    #[arg(long)]
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
            let first = |v: &Option<Vec<f64>>| v.as_ref().map_or(f64::NAN, |p| p[0]);
            let mut csv = String::from("lr,steps,discrete_x0,model_x0\n");
            for (i, lr) in lrs.iter().enumerate() {
                let mv = mend.as_ref().map_or(f64::NAN, |m| first(&m[i]));
                let _ = writeln!(
                    csv,
                    "{},{},{},{}",
                    fmt_f64(*lr),
                    steps(*lr),
                    fmt_f64(first(&disc[i])),
                    fmt_f64(mv)
                );
            }
            io::write_atomic(&a.out.join("basins.csv"), csv.as_bytes())?;
            let mut f = Figure::new("final state vs learning rate", "lr", "final x0");
            f.legend = optdyn::plot::Legend::MiddleLeft;
            f.log_x = true;
            f.series.push(
                Series::line("discrete", lrs.clone(), disc.iter().map(first).collect())
                    .styled(Style::Points),
            );
            if let (Some(m), Some(name)) = (&mend, &a.model) {
                f.series.push(
                    Series::line(name.clone(), lrs.clone(), m.iter().map(first).collect())
                        .styled(Style::LinePoints),
                );
            }
            save_figure(&f, &a.out.join("basins"))?;
        }
        (None, Some(xs), Some(ys)) => {
            let xs = range::parse("--xs", xs)?;
            let ys = range::parse("--ys", ys)?;
            let problem = Problem::parse(&a.objective, vec![xs[0], ys[0]])?;
            let steps = a.steps.unwrap_or(2000);
            let map = basin_map(&problem, opt.as_ref(), factory, None, &xs, &ys, steps, 1e-3)?;
            let mut csv = String::from("x,y,end_x,end_y,attractor\n");
            for (k, e) in map.ends.iter().enumerate() {
                let (x, y) = (xs[k % xs.len()], ys[k / xs.len()]);
                let (ex, ey) = e.as_ref().map_or((f64::NAN, f64::NAN), |p| (p[0], p[1]));
                let lab = map.labels[k].map_or("diverged".to_string(), |i| i.to_string());
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{lab}",
                    fmt_f64(x),
                    fmt_f64(y),
                    fmt_f64(ex),
                    fmt_f64(ey)
                );
            }
            io::write_atomic(&a.out.join("basin_map.csv"), csv.as_bytes())?;
            basin_heatmap(
                &map,
                a.model.as_deref().unwrap_or(&a.optimizer),
                &a.out.join("basin_map"),
            )?;
            println!("{} attractors found", map.attractors.len());
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
    common::wrote(&a.out);
    Ok(0)
}
