//! The learning experiments written as files: each runs its experiment ([`super::learning`]),
//! writes the data (CSV/JSON) and a figure into a directory, and returns a text summary
//! (what `optdyn learn` and `optdyn.learn` print).

use super::eos::{central_flow_comparison, sharpness_curves, EosConfig, FlowComparison};
use super::learning::{
    adam_vs_kadam, beta_stability, erm_check, ComparisonConfig, ErmConfig, StabilityConfig,
};
use crate::io::{self, fmt_f64};
use crate::plot::{save_figure, save_panels, Figure, Series, Style};
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

/// The central-flow comparison's CSV rows and its figure (`stem.png|svg`): distances, predicted
/// vs measured oscillation variance, predicted vs GD's averaged loss.
pub fn write_flow_comparison(
    c: &FlowComparison,
    title: &str,
    stem: &Path,
) -> Result<Vec<std::path::PathBuf>> {
    let mut csv = String::from(
        "step,t,midpoint_to_central,gd_to_gradient_flow,sigma2,measured_variance,gd_loss,central_loss,central_sharpness\n",
    );
    for i in 0..c.steps.len() {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            c.steps[i],
            fmt_f64(c.t[i]),
            fmt_f64(c.midpoint_to_central[i]),
            fmt_f64(c.gd_to_gradient_flow[i]),
            fmt_f64(c.sigma2[i]),
            fmt_f64(c.measured_variance[i]),
            fmt_f64(c.gd_loss[i]),
            fmt_f64(c.central_loss[i]),
            fmt_f64(c.central_sharpness[i])
        );
    }
    let mut files = vec![stem.with_extension("csv")];
    io::write_atomic(&files[0], csv.as_bytes())?;
    let t = c.t.clone();
    let mut dist = Figure::new(&format!("{title}: distance to GD"), "t", "distance");
    dist.log_y = true;
    dist.series.push(Series::line(
        "‖GD midpoint − central flow‖",
        t.clone(),
        c.midpoint_to_central.clone(),
    ));
    dist.series.push(
        Series::line(
            "‖GD − gradient flow‖",
            t.clone(),
            c.gd_to_gradient_flow.clone(),
        )
        .styled(Style::Dashed),
    );
    let mut var = Figure::new("oscillation variance", "t", "variance");
    var.log_y = true;
    var.series.push(Series::line(
        "σ² (central flow)",
        t.clone(),
        c.sigma2.clone(),
    ));
    var.series.push(
        Series::line(
            "GD ‖(x_k − x_{k+1})/2‖²",
            t.clone(),
            c.measured_variance.clone(),
        )
        .styled(Style::Points),
    );
    let mut loss = Figure::new("time-averaged loss", "t", "loss");
    loss.log_y = true;
    loss.series.push(Series::line(
        "central flow f(w) + ½⟨H, Σ⟩",
        t.clone(),
        c.central_loss.clone(),
    ));
    loss.series.push(
        Series::line("GD (f(x_k) + f(x_{k+1}))/2", t, c.gd_loss.clone()).styled(Style::Points),
    );
    files.extend(save_panels(&[dist, var, loss], 3, stem)?);
    Ok(files)
}

/// Edge of stability on a learning problem: `sharpness.csv` and `sharpness.png|svg` (GD's
/// sharpness and Adam's preconditioned sharpness against their thresholds, and the losses),
/// `central_flow.csv|png|svg` (GD vs its central flow and gradient flow).
pub fn eos(cfg: &EosConfig, dir: &Path) -> Result<String> {
    let mut text = String::new();
    let curves = sharpness_curves(cfg)?;
    let mut csv = String::from("optimizer,lr,threshold,step,t,loss,sharpness\n");
    let mut panels = Vec::new();
    for opt in ["gd", "adam"] {
        let mine: Vec<_> = curves.iter().filter(|c| c.optimizer == opt).collect();
        if mine.is_empty() {
            continue;
        }
        let (what, unit) = if opt == "gd" {
            ("GD: sharpness S vs 2/lr", "S")
        } else {
            ("Adam: λ_max(P⁻¹H) vs (2+2β₁)/((1−β₁)·lr)", "λ_max(P⁻¹H)")
        };
        let mut sf = Figure::new(what, "step", unit);
        sf.log_y = true;
        let mut lf = Figure::new(&format!("{opt}: full-batch loss"), "step", "loss");
        lf.log_y = true;
        for c in mine {
            let label = format!("{opt} lr={}", c.lr);
            let x: Vec<f64> = c.steps.iter().map(|k| *k as f64).collect();
            for i in 0..c.steps.len() {
                let _ = writeln!(
                    csv,
                    "{opt},{},{},{},{},{},{}",
                    fmt_f64(c.lr),
                    fmt_f64(c.threshold.value),
                    c.steps[i],
                    fmt_f64(c.t[i]),
                    fmt_f64(c.loss[i]),
                    fmt_f64(c.sharpness[i])
                );
            }
            sf.series
                .push(Series::line(label.clone(), x.clone(), c.sharpness.clone()));
            let ends = vec![x[0], x[x.len() - 1]];
            sf.series.push(
                Series::line(
                    format!("{} = {:.4}", c.threshold.formula, c.threshold.value),
                    ends,
                    vec![c.threshold.value; 2],
                )
                .styled(Style::Dashed),
            );
            lf.series.push(Series::line(label, x, c.loss.clone()));
            let _ = writeln!(
                text,
                "{opt} lr = {:<6} threshold {} = {:>9.3}: plateau (mean over the second half) {:.4}, peak {:.4}; loss rose at {} of {} samples ({})",
                c.lr,
                c.threshold.formula,
                c.threshold.value,
                c.plateau,
                c.peak,
                c.loss_rises,
                c.loss.len(),
                c.stop
            );
        }
        panels.push(sf);
        panels.push(lf);
    }
    io::write_atomic(&dir.join("sharpness.csv"), csv.as_bytes())?;
    save_panels(&panels, 2, &dir.join("sharpness"))?;
    if let Some(lr) = cfg.flow_lr {
        let problem = cfg.problem()?;
        let c = central_flow_comparison(&problem, lr, cfg.flow_steps, 10, (2, 1, 2.0))?;
        write_flow_comparison(&c, &format!("GD lr = {lr}"), &dir.join("central_flow"))?;
        let last = c.steps.len() - 1;
        let _ = writeln!(
            text,
            "central flow (GD lr = {lr}, {} steps): median ‖GD midpoint − CF‖ {:.3e}, median ‖GD − GF‖ {:.3e}; at the end {:.3e} vs {:.3e}; median σ² {:.3e} vs GD's measured {:.3e}; final loss: CF predicts {:.4e}, GD averages {:.4e}; CF sharpness {:.4} (2/lr = {})",
            cfg.flow_steps,
            median(&c.midpoint_to_central),
            median(&c.gd_to_gradient_flow),
            c.midpoint_to_central[last],
            c.gd_to_gradient_flow[last],
            median(&c.sigma2),
            median(&c.measured_variance),
            c.central_loss[last],
            c.gd_loss[last],
            c.central_sharpness[last],
            2.0 / lr
        );
    }
    Ok(text)
}

/// The median (NaN for no values).
fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => 0.5 * (s[n / 2 - 1] + s[n / 2]),
    }
}
