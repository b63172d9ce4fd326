//! The standard figures of the analyses, built from their results.

use super::{save_figure, save_heatmap, save_panels, Figure, Heatmap, Series, Style};
use crate::analysis::basins::BasinMap;
use crate::analysis::compare::Comparison;
use crate::analysis::converge::Convergence;
use crate::analysis::sharpness::Threshold;
use crate::analysis::stability::StabilityCell;
use crate::model::gould_tanaka::c_level_beta2;
use crate::trajectory::Trajectory;
use crate::Result;
use std::path::{Path, PathBuf};

/// Backward differences `(y_k − y_{k−1})/(t_k − t_{k−1})` (the first entry repeats the second).
pub fn backward_diff(t: &[f64], y: &[f64]) -> Vec<f64> {
    let n = t.len().min(y.len());
    let mut d = vec![f64::NAN; n];
    for k in 1..n {
        d[k] = (y[k] - y[k - 1]) / (t[k] - t[k - 1]);
    }
    if n > 1 {
        d[0] = d[1];
    }
    d
}

/// Writes `trajectories`, `error` and `dynamics` figures for a comparison into `dir`.
/// `eps` is the optimizer's ε for the update scale `|m|/(√v+ε)`.
pub fn comparison_figures(c: &Comparison, eps: f64, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let d = &c.discrete;
    let td = d.times().to_vec();
    let n = d.n;
    let coords = n.min(3);
    let mut traj = Vec::new();
    for j in 0..coords {
        let mut f = Figure::new(&format!("x{j}(t)"), "t", &format!("x{j}"));
        f.series
            .push(Series::line("discrete", td.clone(), d.x_series(j)).styled(Style::Points));
        for m in &c.models {
            f.series.push(Series::line(
                m.model.clone(),
                m.trajectory.times().to_vec(),
                m.trajectory.x_series(j),
            ));
        }
        traj.push(f);
    }
    files.extend(save_panels(&traj, coords, &dir.join("trajectories"))?);

    let mut err = Figure::new("gap ‖θ_k − θ(t_k)‖", "t", "gap");
    err.log_y = true;
    for m in &c.models {
        let t = m.trajectory.times().to_vec();
        err.series
            .push(Series::line(m.model.clone(), t, m.gap.clone()));
    }
    files.extend(save_figure(&err, &dir.join("error"))?);

    // Dynamics panel (after Heredia 2025, Fig. 4), first coordinate.
    let mut theta = Figure::new("θ(t)", "t", "θ");
    let mut vel = Figure::new("θ'(t)", "t", "θ'");
    let mut acc = Figure::new("θ''(t)", "t", "θ''");
    let mut mom = Figure::new("m(t)", "t", "m");
    let mut sec = Figure::new("v(t)", "t", "v");
    let mut scale = Figure::new("update scale |m|/(√v+ε)", "t", "|m|/(√v+ε)");
    let mut phase = Figure::new("phase portrait", "θ", "θ'");
    let mut kin = Figure::new("kinetic energy ½‖θ'‖²", "t", "½‖θ'‖²");
    kin.log_y = true;
    let mut add = |label: &str, tr: &Trajectory, t: &[f64], v: &[f64], style: Style| {
        let th = tr.x_series(0);
        let a = backward_diff(t, v);
        theta
            .series
            .push(Series::line(label, t.to_vec(), th.clone()).styled(style));
        vel.series
            .push(Series::line(label, t.to_vec(), v.to_vec()).styled(style));
        acc.series
            .push(Series::line(label, t.to_vec(), a).styled(style));
        phase
            .series
            .push(Series::line(label, th, v.to_vec()).styled(style));
        kin.series.push(
            Series::line(label, t.to_vec(), v.iter().map(|x| 0.5 * x * x).collect()).styled(style),
        );
        if let (Some(m), Some(s)) = (tr.block_series("m", 0), tr.block_series("v", 0)) {
            let u: Vec<f64> = m
                .iter()
                .zip(&s)
                .map(|(m, v)| m.abs() / (v.max(0.0).sqrt() + eps))
                .collect();
            mom.series
                .push(Series::line(label, t.to_vec(), m).styled(style));
            sec.series
                .push(Series::line(label, t.to_vec(), s).styled(style));
            scale
                .series
                .push(Series::line(label, t.to_vec(), u).styled(style));
        }
    };
    let dv = backward_diff(&td, &d.x_series(0));
    add("discrete", d, &td, &dv, Style::Dashed);
    for m in &c.models {
        let v: Vec<f64> = m.velocity.chunks(n).map(|c| c[0]).collect();
        add(
            &m.model,
            &m.trajectory,
            m.trajectory.times(),
            &v,
            Style::Line,
        );
    }
    let mut panels = vec![theta, vel, acc, phase, kin];
    for f in [mom, sec, scale] {
        if !f.series.is_empty() {
            panels.push(f);
        }
    }
    files.extend(save_panels(&panels, 3, &dir.join("dynamics"))?);
    let mut runs: Vec<(&str, &Trajectory)> = vec![("discrete", d)];
    runs.extend(c.models.iter().map(|m| (m.model.as_str(), &m.trajectory)));
    files.extend(sharpness_figure(
        &runs,
        c.threshold.as_ref(),
        &dir.join("sharpness"),
    )?);
    Ok(files)
}

/// The sharpness `S(t)` (column `sharp0`) of each run and, when recorded, the preconditioned
/// sharpness (`psharp0`), each panel with the optimizer's stability threshold as a dashed line.
/// Writes nothing (and returns no files) when no run recorded `sharp0`.
pub fn sharpness_figure(
    runs: &[(&str, &Trajectory)],
    threshold: Option<&Threshold>,
    stem: &Path,
) -> Result<Vec<PathBuf>> {
    let mut panels = Vec::new();
    for (column, title, pre) in [
        ("sharp0", "sharpness S = λ_max(∇²f)", false),
        ("psharp0", "preconditioned sharpness λ_max(P⁻¹∇²f)", true),
    ] {
        let mut f = Figure::new(title, "t", column);
        let (mut t0, mut t1) = (f64::INFINITY, f64::NEG_INFINITY);
        for (label, tr) in runs {
            if let Some(y) = tr.measured_series(column) {
                let t = tr.times().to_vec();
                t0 = t0.min(t.first().copied().unwrap_or(0.0));
                t1 = t1.max(t.last().copied().unwrap_or(0.0));
                let style = if *label == "discrete" {
                    Style::Points
                } else {
                    Style::Line
                };
                f.series.push(Series::line(*label, t, y).styled(style));
            }
        }
        if f.series.is_empty() {
            continue;
        }
        if let Some(th) = threshold.filter(|th| th.preconditioned == pre) {
            f.series.push(
                Series::line(
                    format!("threshold {} = {:.4}", th.formula, th.value),
                    vec![t0, t1],
                    vec![th.value, th.value],
                )
                .styled(Style::Dashed),
            );
        }
        panels.push(f);
    }
    if panels.is_empty() {
        return Ok(Vec::new());
    }
    let cols = panels.len();
    save_panels(&panels, cols, stem)
}

/// Writes the log-log error-vs-lr figure with the fitted orders in the legend.
pub fn convergence_figure(c: &Convergence, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut f = Figure::new(
        &format!("gap at T = {} vs learning rate", c.t_end),
        "learning rate",
        "E_T = ‖θ_K − θ(T)‖",
    );
    f.log_x = true;
    f.log_y = true;
    for m in &c.models {
        let label = match &m.fit_t {
            Some(p) if p.p_stderr.is_finite() => {
                format!("{} (p = {:.2} ± {:.2})", m.model, p.p, p.p_stderr)
            }
            Some(p) => format!("{} (p = {:.2})", m.model, p.p),
            None => m.model.clone(),
        };
        f.series
            .push(Series::line(label, c.lrs.clone(), m.e_t.clone()).styled(Style::LinePoints));
    }
    save_figure(&f, &dir.join("convergence"))
}

/// The (β1, β2) map of `ln(growth)` of Adam's update (`g_k = decay^k`), with the boundary
/// `β2 = β1²` and the Gould–Tanaka levels `C(β1, β2) ∈ {2, 4, 8}`, clipped to the map.
pub fn stability_heatmap(
    cells: &[StabilityCell],
    beta1s: &[f64],
    beta2s: &[f64],
    decay: f64,
    stem: &Path,
) -> Result<Vec<PathBuf>> {
    let (ylo, yhi) = (beta2s[0], beta2s[beta2s.len() - 1]);
    let on_map: Vec<f64> = beta1s
        .iter()
        .copied()
        .filter(|x| x * x >= ylo && x * x <= yhi)
        .collect();
    let boundary: Vec<f64> = on_map.iter().map(|x| x * x).collect();
    let mut overlays = vec![Series::line("β2 = β1² (boundary)", on_map, boundary)];
    for level in [2.0, 4.0, 8.0] {
        let ys: Vec<f64> = beta1s
            .iter()
            .map(|&x| c_level_beta2(x, level))
            .map(|y| if y >= ylo && y <= yhi { y } else { f64::NAN })
            .collect();
        overlays.push(
            Series::line(format!("C(β1, β2) = {level}"), beta1s.to_vec(), ys).styled(Style::Dashed),
        );
    }
    let h = Heatmap {
        title: format!("log growth per step of |u_n| (g_k = {decay}^k)"),
        x_label: "β1".into(),
        y_label: "β2".into(),
        x: beta1s.to_vec(),
        y: beta2s.to_vec(),
        z: cells.iter().map(|c| c.growth.ln()).collect(),
        z_label: "ln(growth)".into(),
        z_center: Some(0.0),
        overlays,
    };
    save_heatmap(&h, stem)
}

/// The basin map: attractor index per start point, the attractors marked.
pub fn basin_heatmap(map: &BasinMap, title: &str, stem: &Path) -> Result<Vec<PathBuf>> {
    let h = Heatmap {
        title: format!("basins of attraction ({title})"),
        x_label: "x0".into(),
        y_label: "x1".into(),
        x: map.xs.clone(),
        y: map.ys.clone(),
        z: map
            .labels
            .iter()
            .map(|l| l.map_or(f64::NAN, |i| i as f64))
            .collect(),
        z_label: "attractor index".into(),
        z_center: None,
        overlays: map
            .attractors
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Series::line(
                    format!("attractor {i}: ({:.4}, {:.4})", p[0], p[1]),
                    vec![p[0]],
                    vec![p[1]],
                )
                .styled(Style::Points)
            })
            .collect(),
    };
    save_heatmap(&h, stem)
}
