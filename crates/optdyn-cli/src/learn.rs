//! `optdyn learn`: the learning-problem experiments of Gould–Tanaka and Dereich–Jentzen–Kassing
//! (Adam vs 2-Adam vs layer norm; update growth outside β1² < β2; the ERM checks), each writing
//! its data and a figure.

use crate::common::manifest_base;
use optdyn::analysis::learning::{
    adam_vs_kadam, beta_stability, erm_check, ComparisonConfig, ErmConfig, StabilityConfig,
};
use optdyn::io::{self, fmt_f64};
use optdyn::plot::{save_figure, Figure, Series, Style};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `optdyn learn`.
#[derive(clap::Args)]
pub struct LearnArgs {
    /// Experiment: `kadam` (Adam vs 2-Adam vs layer-norm Adam), `stability` ((β1, β2) update
    /// growth on a training problem) or `erm` (Dereich–Jentzen–Kassing checks).
    experiment: String,
    /// Optimizer steps (default: the experiment's own).
    #[arg(long)]
    steps: Option<u64>,
    /// Seeds, comma-separated (kadam, erm).
    #[arg(long)]
    seeds: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/learn")]
    out: PathBuf,
}

fn seeds(text: &Option<String>) -> Result<Option<Vec<u64>>, String> {
    text.as_ref()
        .map(|s| {
            s.split(',')
                .map(|p| {
                    p.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("--seeds: '{p}' is not a non-negative integer"))
                })
                .collect()
        })
        .transpose()
}

/// Executes `optdyn learn`.
pub fn run(a: &LearnArgs) -> Result<u8, String> {
    let e = |e: optdyn::Error| e.to_string();
    let dir = a.out.join(&a.experiment);
    let mut text = String::new();
    match a.experiment.as_str() {
        "kadam" => {
            let mut cfg = ComparisonConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
            }
            if let Some(s) = seeds(&a.seeds)? {
                cfg.seeds = s;
            }
            let c = adam_vs_kadam(&cfg).map_err(e)?;
            let mut csv = String::from("arm,step,mean,std,min,max\n");
            let mut fig = Figure::new(
                &format!(
                    "full-batch loss, mean and range over {} seeds",
                    c.seeds.len()
                ),
                "step",
                "loss",
            );
            fig.log_y = true;
            for cv in &c.curves {
                for i in 0..cv.steps.len() {
                    let _ = writeln!(
                        csv,
                        "{},{},{},{},{},{}",
                        cv.label,
                        cv.steps[i],
                        fmt_f64(cv.mean[i]),
                        fmt_f64(cv.std[i]),
                        fmt_f64(cv.min[i]),
                        fmt_f64(cv.max[i])
                    );
                }
                let x: Vec<f64> = cv.steps.iter().map(|s| *s as f64).collect();
                fig.series.push(Series::line(
                    format!("{} (mean)", cv.label),
                    x.clone(),
                    cv.mean.clone(),
                ));
                fig.series.push(
                    Series::line(format!("{} (min)", cv.label), x.clone(), cv.min.clone())
                        .styled(Style::Dashed),
                );
                fig.series.push(
                    Series::line(format!("{} (max)", cv.label), x, cv.max.clone())
                        .styled(Style::Dashed),
                );
                let n = cv.finals.len() as f64;
                let mean = cv.finals.iter().sum::<f64>() / n;
                let sd = (cv.finals.iter().map(|f| (f - mean).powi(2)).sum::<f64>()
                    / (n - 1.0).max(1.0))
                .sqrt();
                let _ = writeln!(
                    text,
                    "{:<34} final loss {mean:.4e} ± {sd:.2e} ({})",
                    cv.label, cv.optimizer
                );
            }
            let _ = writeln!(text, "lowest mean final loss: {}", c.winner);
            io::write_atomic(&dir.join("curves.csv"), csv.as_bytes()).map_err(e)?;
            save_figure(&fig, &dir.join("curves")).map_err(e)?;
        }
        "stability" => {
            let mut cfg = StabilityConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
            }
            let pts = beta_stability(&cfg).map_err(e)?;
            let mut csv = String::from("beta1,beta2,inside,predicted_rate,measured_rate,window_start,max_update,final_loss,steps_run\n");
            for p in &pts {
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{},{},{},{},{}",
                    fmt_f64(p.beta1),
                    fmt_f64(p.beta2),
                    p.inside as u8,
                    fmt_f64(p.predicted_rate),
                    fmt_f64(p.measured_rate),
                    p.window_start,
                    fmt_f64(p.max_update),
                    fmt_f64(p.final_loss),
                    p.steps_run
                );
                let _ = writeln!(
                    text,
                    "(β1, β2) = ({}, {}) {:<8} growth per step measured {:.5}, β1/√β2 = {:.5}, max update {:.3e}",
                    p.beta1,
                    p.beta2,
                    if p.inside { "inside" } else { "outside" },
                    p.measured_rate,
                    p.predicted_rate,
                    p.max_update
                );
            }
            io::write_atomic(&dir.join("stability.csv"), csv.as_bytes()).map_err(e)?;
            let mut fig = Figure::new(
                "update growth rate: measured vs β1/√β2",
                "β1/√β2",
                "measured rate",
            );
            fig.series.push(
                Series::line(
                    "runs",
                    pts.iter().map(|p| p.predicted_rate).collect(),
                    pts.iter().map(|p| p.measured_rate).collect(),
                )
                .styled(Style::Points),
            );
            let lo = pts
                .iter()
                .map(|p| p.predicted_rate)
                .fold(f64::INFINITY, f64::min);
            let hi = pts
                .iter()
                .map(|p| p.predicted_rate)
                .fold(f64::NEG_INFINITY, f64::max);
            fig.series.push(
                Series::line("measured = predicted", vec![lo, hi], vec![lo, hi])
                    .styled(Style::Dashed),
            );
            save_figure(&fig, &dir.join("stability")).map_err(e)?;
        }
        "erm" => {
            let mut cfg = ErmConfig::default();
            if let Some(s) = seeds(&a.seeds)? {
                cfg.seeds = s;
            }
            if let Some(s) = a.steps {
                cfg.under_steps = s;
            }
            let c = erm_check(&cfg).map_err(e)?;
            let _ = writeln!(
                text,
                "over-parametrised ({} samples, {} parameters): distance to the minimiser set {:.3e} → {:.3e}, loss {:.3e} → {:.3e}",
                c.over_n, c.over_dim, c.over_initial_distance, c.over_final_distance, c.over_initial_loss, c.over_final_loss
            );
            let _ = writeln!(
                text,
                "under-parametrised, noisy (Bernoulli({}), ε = {}): critical point {:.6}, Adam-field zero {:.7} (closed form {:.7}), Adam limit {:.5} over seeds {:?}",
                c.p, c.eps, c.critical_point, c.adam_zero, c.adam_zero_closed_form, c.adam_limit, c.adam_limits
            );
            let json = serde_json::json!({
                "over_n": c.over_n, "over_dim": c.over_dim,
                "over_initial_distance": c.over_initial_distance, "over_final_distance": c.over_final_distance,
                "over_initial_loss": c.over_initial_loss, "over_final_loss": c.over_final_loss,
                "p": c.p, "eps": c.eps, "critical_point": c.critical_point, "adam_zero": c.adam_zero,
                "adam_zero_closed_form": c.adam_zero_closed_form, "adam_limit": c.adam_limit, "adam_limits": c.adam_limits,
            });
            io::write_json(&dir.join("erm.json"), &json).map_err(e)?;
            let mut fig = Figure::new(
                "noisy Adam: limits vs the Adam-field zero and the critical point",
                "seed",
                "θ",
            );
            let xs: Vec<f64> = (0..c.adam_limits.len()).map(|i| i as f64).collect();
            fig.series.push(
                Series::line("Adam limit per seed", xs.clone(), c.adam_limits.clone())
                    .styled(Style::Points),
            );
            let ends = vec![0.0, (xs.len().max(2) - 1) as f64];
            fig.series.push(
                Series::line("Adam-field zero", ends.clone(), vec![c.adam_zero; 2])
                    .styled(Style::Dashed),
            );
            fig.series.push(
                Series::line("critical point", ends, vec![c.critical_point; 2])
                    .styled(Style::Dashed),
            );
            save_figure(&fig, &dir.join("erm")).map_err(e)?;
        }
        other => {
            return Err(format!(
                "learn: unknown experiment '{other}' (allowed: kadam, stability, erm)"
            ));
        }
    }
    io::write_atomic(&dir.join("summary.txt"), text.as_bytes()).map_err(e)?;
    let mut m = manifest_base("learn");
    m["experiment"] = serde_json::json!(a.experiment);
    m["steps"] = serde_json::json!(a.steps);
    io::write_json(&dir.join("manifest.json"), &m).map_err(e)?;
    print!("{text}");
    println!("wrote {}", dir.display());
    Ok(0)
}
