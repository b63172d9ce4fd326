//! The learning experiments written as files: each runs its experiment ([`super::learning`]),
//! writes the data (CSV/JSON) and a figure into a directory, and returns a text summary
//! (what `optdyn learn` and `optdyn.learn` print).

use super::learning::{
    adam_vs_kadam, beta_stability, erm_check, ComparisonConfig, ErmConfig, StabilityConfig,
};
use crate::io::{self, fmt_f64};
use crate::plot::{save_figure, Figure, Series, Style};
use crate::Result;
use std::fmt::Write as _;
use std::path::Path;

/// Adam vs 2-Adam vs layer-norm Adam: `curves.csv`, `curves.png|svg`.
pub fn kadam(cfg: &ComparisonConfig, dir: &Path) -> Result<String> {
    let mut text = String::new();
    let c = adam_vs_kadam(cfg)?;
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
            Series::line(format!("{} (max)", cv.label), x, cv.max.clone()).styled(Style::Dashed),
        );
        let n = cv.finals.len() as f64;
        let mean = cv.finals.iter().sum::<f64>() / n;
        let sd =
            (cv.finals.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let _ = writeln!(
            text,
            "{:<34} final loss {mean:.4e} ± {sd:.2e} ({})",
            cv.label, cv.optimizer
        );
    }
    let _ = writeln!(text, "lowest mean final loss: {}", c.winner);
    io::write_atomic(&dir.join("curves.csv"), csv.as_bytes())?;
    save_figure(&fig, &dir.join("curves"))?;
    Ok(text)
}

/// (β1, β2) update growth on a training problem: `stability.csv`, `stability.png|svg`.
pub fn stability(cfg: &StabilityConfig, dir: &Path) -> Result<String> {
    let mut text = String::new();
    let pts = beta_stability(cfg)?;
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
    io::write_atomic(&dir.join("stability.csv"), csv.as_bytes())?;
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
        Series::line("measured = predicted", vec![lo, hi], vec![lo, hi]).styled(Style::Dashed),
    );
    save_figure(&fig, &dir.join("stability"))?;
    Ok(text)
}

/// The Dereich–Jentzen–Kassing checks: `erm.json`, `erm.png|svg`.
pub fn erm(cfg: &ErmConfig, dir: &Path) -> Result<String> {
    let mut text = String::new();
    let c = erm_check(cfg)?;
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
    io::write_json(&dir.join("erm.json"), &json)?;
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
        Series::line("Adam-field zero", ends.clone(), vec![c.adam_zero; 2]).styled(Style::Dashed),
    );
    fig.series.push(
        Series::line("critical point", ends, vec![c.critical_point; 2]).styled(Style::Dashed),
    );
    save_figure(&fig, &dir.join("erm"))?;
    Ok(text)
}
