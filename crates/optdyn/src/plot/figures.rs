//! The standard figures of the analyses, built from their results.

use super::{save_figure, save_panels, Figure, Series, Style};
use crate::analysis::compare::Comparison;
use crate::analysis::converge::Convergence;
use crate::trajectory::Trajectory;
use crate::Result;
use std::path::{Path, PathBuf};

fn col(tr: &Trajectory, j: usize) -> Vec<f64> {
    (0..tr.len()).map(|i| tr.row(i)[j]).collect()
}

fn first_col(tr: &Trajectory, names: &[&str]) -> Option<Vec<f64>> {
    names.iter().find_map(|n| tr.column(n))
}

/// Column names under which the first moment of coordinate 0 is stored (models, optimizers).
pub const M_COLUMNS: [&str; 2] = ["m0", "exp_avg0"];
/// Column names under which the second moment of coordinate 0 is stored.
pub const V_COLUMNS: [&str; 2] = ["v0", "exp_avg_sq0"];

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
    let td = d.times();
    let n = d.n;
    let coords = n.min(3);
    let mut traj = Vec::new();
    for j in 0..coords {
        let mut f = Figure::new(&format!("x{j}(t)"), "t", &format!("x{j}"));
        f.series
            .push(Series::line("discrete", td.clone(), col(d, 4 + j)).styled(Style::Points));
        for m in &c.models {
            f.series.push(Series::line(
                m.model.clone(),
                m.trajectory.times(),
                col(&m.trajectory, 4 + j),
            ));
        }
        traj.push(f);
    }
    files.extend(save_panels(&traj, coords, &dir.join("trajectories"))?);

    let mut err = Figure::new("gap ‖θ_k − θ(t_k)‖", "t", "gap");
    err.log_y = true;
    for m in &c.models {
        let t = m.trajectory.times();
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
        let th = col(tr, 4);
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
        if let (Some(m), Some(s)) = (first_col(tr, &M_COLUMNS), first_col(tr, &V_COLUMNS)) {
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
    let dv = backward_diff(&td, &col(d, 4));
    add("discrete", d, &td, &dv, Style::Dashed);
    for m in &c.models {
        let t = m.trajectory.times();
        let v: Vec<f64> = m.velocity.chunks(n).map(|c| c[0]).collect();
        add(&m.model, &m.trajectory, &t, &v, Style::Line);
    }
    let mut panels = vec![theta, vel, acc, phase, kin];
    for f in [mom, sec, scale] {
        if !f.series.is_empty() {
            panels.push(f);
        }
    }
    files.extend(save_panels(&panels, 3, &dir.join("dynamics"))?);
    Ok(files)
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
            Some(p) => format!("{} (p = {:.2} ± {:.2})", m.model, p.p, p.p_stderr),
            None => m.model.clone(),
        };
        f.series
            .push(Series::line(label, c.lrs.clone(), m.e_t.clone()).styled(Style::LinePoints));
    }
    save_figure(&f, &dir.join("convergence"))
}
