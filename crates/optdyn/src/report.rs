//! Writers of the standard analysis outputs — the CSVs and the figures of a comparison, a
//! convergence study, an lr scan, a basin map, a stability map, spectra and monitors — shared by
//! the CLI, the Python package, `demo` and the reproductions, so each is written in one place.

use crate::analysis::basins::BasinMap;
use crate::analysis::compare::Comparison;
use crate::analysis::converge::Convergence;
use crate::analysis::fit::PowerFit;
use crate::analysis::lyapunov::ModelMonitors;
use crate::analysis::sharpness::Threshold;
use crate::analysis::spectrum::SpectrumSample;
use crate::analysis::stability::StabilityCell;
use crate::analysis::weak::WeakConvergence;
use crate::io::{self, fmt_cell, fmt_f64};
use crate::plot::{figures, save_figure, save_panels, Figure, Legend, Series, Style};
use crate::run::EnsembleResult;
use crate::Result;
use std::path::Path;

/// A file-name-safe form of a label: alphanumerics and `-` kept, the rest `_`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes a comparison into `dir`: `discrete.csv`, `model-<label>.csv` per model, `table.csv`
/// (`model,E_T,E_f,rhs_evals,steps,seconds,stop`; `E_T`, `E_f` empty when a run stopped early)
/// and the figures (trajectories, gap over time, dynamics panel; `eps` is the optimizer's ε for the update scale `|m|/(√v+ε)`). Returns the
/// table as aligned text.
pub fn write_comparison(c: &Comparison, eps: f64, dir: &Path) -> Result<String> {
    io::write_atomic(
        &dir.join("discrete.csv"),
        io::trajectory_csv(&c.discrete).as_bytes(),
    )?;
    let mut table = String::from("model,E_T,E_f,rhs_evals,steps,seconds,stop\n");
    let mut text = format!(
        "{:<34} {:>12} {:>12} {:>10} {:>9}  stop\n",
        "model", "E_T", "E_f", "rhs evals", "ms"
    );
    let sci = |v: f64| {
        if v.is_finite() {
            format!("{v:.4e}")
        } else {
            "—".to_string()
        }
    };
    if !c.discrete.stop.is_ok() {
        text.push_str(&format!(
            "{:<34} {:>12} {:>12} {:>10} {:>9}  {}\n",
            "discrete", "", "", "", "", c.discrete.stop
        ));
    }
    for m in &c.models {
        io::write_atomic(
            &dir.join(format!("model-{}.csv", slug(&m.model))),
            io::trajectory_csv(&m.trajectory).as_bytes(),
        )?;
        table.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            m.model,
            fmt_cell(m.e_t),
            fmt_cell(m.e_f),
            m.stats.rhs_evals,
            m.stats.accepted,
            fmt_f64(m.seconds),
            m.trajectory.stop
        ));
        text.push_str(&format!(
            "{:<34} {:>12} {:>12} {:>10} {:>9.2}  {}\n",
            m.model,
            sci(m.e_t),
            sci(m.e_f),
            m.stats.rhs_evals,
            m.seconds * 1e3,
            m.trajectory.stop
        ));
    }
    io::write_atomic(&dir.join("table.csv"), table.as_bytes())?;
    figures::comparison_figures(c, eps, dir)?;
    Ok(text)
}

/// `p ± stderr` of a fit (`p (no error estimate)` from two points), or `n/a`.
pub fn fit_text(f: &Option<PowerFit>) -> String {
    match f {
        Some(f) if f.p_stderr.is_finite() => format!("{:.3} ± {:.3}", f.p, f.p_stderr),
        Some(f) => format!("{:.3} (no error estimate)", f.p),
        None => "n/a".into(),
    }
}

/// Writes a convergence study into `dir`: `convergence.csv` (`model,lr,steps,E_T,E_f`),
/// `convergence.json` and the log-log figure. Returns the fitted orders as text.
pub fn write_convergence(c: &Convergence, dir: &Path) -> Result<String> {
    let mut csv = String::from("model,lr,steps,E_T,E_f\n");
    let mut text = String::new();
    for m in &c.models {
        for (i, lr) in c.lrs.iter().enumerate() {
            csv.push_str(&format!(
                "{},{},{},{},{}\n",
                m.model,
                fmt_f64(*lr),
                c.steps[i],
                fmt_cell(m.e_t[i]),
                fmt_cell(m.e_f[i])
            ));
        }
        text.push_str(&format!(
            "{:<34} p(E_T) = {:<16} p(E_f) = {}\n",
            m.model,
            fit_text(&m.fit_t),
            fit_text(&m.fit_f)
        ));
    }
    io::write_atomic(&dir.join("convergence.csv"), csv.as_bytes())?;
    io::write_json(
        &dir.join("convergence.json"),
        &serde_json::to_value(c).expect("serialisable"),
    )?;
    figures::convergence_figure(c, dir)?;
    Ok(text)
}

/// Writes a weak-convergence study into `dir`: `convergence.csv`
/// (`model,lr,steps,weak_error,stderr,resolved`), `convergence.json` and the log-log figure with
/// ±2 standard-error bands. Returns the fitted orders as text.
pub fn write_weak_convergence(c: &WeakConvergence, dir: &Path) -> Result<String> {
    let mut csv = String::from("model,lr,steps,weak_error,stderr,resolved\n");
    let mut text = format!(
        "weak error |E F(θ_K) − E F(X_T)|, F = {}, T = {}, {}{}\n",
        c.functional,
        fmt_f64(c.t_end),
        c.method,
        c.paths
            .map(|p| format!(" ({p} paths per ensemble, seed {})", c.seed.unwrap_or(0)))
            .unwrap_or_default()
    );
    let mut f = Figure::new(
        &format!(
            "weak error of E {} at T = {} vs learning rate",
            c.functional,
            fmt_f64(c.t_end)
        ),
        "learning rate",
        "|E F(θ_K) − E F(X_T)|",
    );
    f.log_x = true;
    f.log_y = true;
    for m in &c.models {
        for (i, lr) in c.lrs.iter().enumerate() {
            csv.push_str(&format!(
                "{},{},{},{},{},{}\n",
                m.model,
                fmt_f64(*lr),
                c.steps[i],
                fmt_cell(m.error[i]),
                fmt_cell(m.stderr[i]),
                m.resolved[i]
            ));
        }
        let unresolved: Vec<String> = c
            .lrs
            .iter()
            .zip(&m.resolved)
            .filter(|(_, r)| !**r)
            .map(|(l, _)| fmt_f64(*l))
            .collect();
        text.push_str(&format!(
            "{:<34} weak order = {}{}\n",
            m.model,
            fit_text(&m.fit),
            if unresolved.is_empty() {
                String::new()
            } else {
                format!(
                    " (lr {} unresolved: error < 2 standard errors; not fitted)",
                    unresolved.join(", ")
                )
            }
        ));
        let label = match &m.fit {
            Some(p) => format!("{} (p = {:.2})", m.model, p.p),
            None => m.model.clone(),
        };
        let lo = m
            .error
            .iter()
            .zip(&m.stderr)
            .map(|(e, s)| e - 2.0 * s)
            .collect();
        let hi = m
            .error
            .iter()
            .zip(&m.stderr)
            .map(|(e, s)| e + 2.0 * s)
            .collect();
        f.series.push(
            Series::line(label, c.lrs.clone(), m.error.clone())
                .styled(Style::LinePoints)
                .with_band(lo, hi),
        );
    }
    if c.stopped.iter().any(|&s| s > 0) {
        text.push_str(&format!(
            "discrete paths stopped (diverged) per lr: {:?}; the expectations are over the rest\n",
            c.stopped
        ));
    }
    io::write_atomic(&dir.join("convergence.csv"), csv.as_bytes())?;
    io::write_json(
        &dir.join("convergence.json"),
        &serde_json::to_value(c).expect("serialisable"),
    )?;
    save_figure(&f, &dir.join("convergence"))?;
    Ok(text)
}

/// An ensemble's bands table as CSV ([`EnsembleResult::bands`]: `step,t,paths`, then per column
/// `mean_c,se_c,q{q}_c…`); `step` and `paths` as integers, missing values empty.
pub fn ensemble_bands_csv(e: &EnsembleResult, quantiles: &[f64]) -> Result<String> {
    let (header, rows) = e.bands(quantiles)?;
    let mut out = io::csv_header(&header);
    for r in rows {
        out.push_str(&format!(
            "{},{},{}",
            r[0] as u64,
            fmt_cell(r[1]),
            r[2] as u64
        ));
        for v in &r[3..] {
            out.push(',');
            out.push_str(&fmt_cell(*v));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Every path of an ensemble as long-format CSV: `path,step,t,x0…,loss` (a path's rows end
/// where it stopped).
pub fn ensemble_paths_csv(e: &EnsembleResult) -> String {
    let n = e.dim();
    let mut cols = vec!["path".to_string(), "step".into(), "t".into()];
    cols.extend((0..n).map(|i| format!("x{i}")));
    cols.push("loss".into());
    let mut out = io::csv_header(&cols);
    for p in 0..e.paths() {
        for (s, step) in e.steps().iter().enumerate() {
            let row = e.row(p, s);
            if row.iter().any(|v| !v.is_finite()) {
                break;
            }
            out.push_str(&format!("{p},{step},{}", fmt_f64(e.times()[s])));
            for v in row {
                out.push(',');
                out.push_str(&fmt_f64(*v));
            }
            out.push('\n');
        }
    }
    out
}

/// The ensembles' mean of `x_col` (or the loss at `col = n`) over time with the `lo`–`hi`
/// quantile band, one series per labelled ensemble, saved as `stem.svg`/`.png`.
pub fn ensemble_figure(
    ensembles: &[(&str, &EnsembleResult)],
    col: usize,
    (lo, hi): (f64, f64),
    stem: &Path,
) -> Result<()> {
    let name = |e: &EnsembleResult| {
        if col == e.dim() {
            "loss".to_string()
        } else {
            format!("x{col}")
        }
    };
    let what = ensembles.first().map_or("x0".to_string(), |(_, e)| name(e));
    let mut f = Figure::new(
        &format!(
            "ensemble mean of {what} with its {}–{} quantile band",
            fmt_f64(lo),
            fmt_f64(hi)
        ),
        "t",
        &what,
    );
    for (label, e) in ensembles {
        let ns = e.steps().len();
        let mean = (0..ns)
            .map(|s| e.expect(s, |r| r[col]).map_or(f64::NAN, |m| m.0))
            .collect();
        let q = |q: f64| -> Vec<f64> {
            (0..ns)
                .map(|s| e.quantile(s, col, q).unwrap_or(f64::NAN))
                .collect()
        };
        f.series.push(
            Series::line(
                format!("{label} ({} paths)", e.paths()),
                e.times().to_vec(),
                mean,
            )
            .with_band(q(lo), q(hi)),
        );
    }
    save_figure(&f, stem)?;
    Ok(())
}

/// Writes an lr scan into `dir`: `basins.csv` (`lr,steps,discrete_x0,model_x0,discrete_status,
/// model_status`; an end point is empty where its run diverged, the status says so:
/// `finished|diverged|none`) and the figure final `x0` vs lr.
pub fn write_lr_scan(
    dir: &Path,
    lrs: &[f64],
    steps: &[u64],
    discrete: &[Option<Vec<f64>>],
    model: Option<(&str, &[Option<Vec<f64>>])>,
) -> Result<()> {
    let first = |v: &Option<Vec<f64>>| v.as_ref().map_or(f64::NAN, |p| p[0]);
    let status = |v: &Option<Vec<f64>>| if v.is_some() { "finished" } else { "diverged" };
    let mut csv = String::from("lr,steps,discrete_x0,model_x0,discrete_status,model_status\n");
    for (i, lr) in lrs.iter().enumerate() {
        let mv = model.map_or(f64::NAN, |(_, m)| first(&m[i]));
        let ms = model.map_or("none", |(_, m)| status(&m[i]));
        csv.push_str(&format!(
            "{},{},{},{},{},{ms}\n",
            fmt_f64(*lr),
            steps[i],
            fmt_cell(first(&discrete[i])),
            fmt_cell(mv),
            status(&discrete[i]),
        ));
    }
    io::write_atomic(&dir.join("basins.csv"), csv.as_bytes())?;
    // The model's line is drawn first and the discrete run's hollow squares on top, so both stay
    // visible where they coincide; the legend sits beside the plot, never over the switch.
    let mut f = Figure::new("final state vs learning rate", "lr", "final x0");
    f.legend = Legend::Right;
    f.log_x = true;
    if let Some((name, m)) = model {
        f.series.push(
            Series::line(name, lrs.to_vec(), m.iter().map(first).collect())
                .styled(Style::LinePoints),
        );
    }
    f.series.push(
        Series::line(
            "discrete",
            lrs.to_vec(),
            discrete.iter().map(first).collect(),
        )
        .styled(Style::Squares),
    );
    save_figure(&f, &dir.join("basins"))?;
    Ok(())
}

/// Writes a 2-D basin map into `dir`: `basin_map.csv` (`x,y,end_x,end_y,attractor`, the label
/// `diverged` where a run did) and the heat map.
pub fn write_basin_map(dir: &Path, map: &BasinMap, title: &str) -> Result<()> {
    let mut csv = String::from("x,y,end_x,end_y,attractor\n");
    for (k, e) in map.ends.iter().enumerate() {
        let (x, y) = (map.xs[k % map.xs.len()], map.ys[k / map.xs.len()]);
        let (ex, ey) = e.as_ref().map_or((f64::NAN, f64::NAN), |p| (p[0], p[1]));
        let lab = map.labels[k].map_or("diverged".to_string(), |i| i.to_string());
        csv.push_str(&format!(
            "{},{},{},{},{lab}\n",
            fmt_f64(x),
            fmt_f64(y),
            fmt_cell(ex),
            fmt_cell(ey)
        ));
    }
    io::write_atomic(&dir.join("basin_map.csv"), csv.as_bytes())?;
    figures::basin_heatmap(map, title, &dir.join("basin_map"))?;
    Ok(())
}

/// Writes a stability map into `dir`: `stability.csv`
/// (`beta1,beta2,growth,predicted,max_update,theory_stable`) and the heat map.
pub fn write_stability(
    dir: &Path,
    cells: &[StabilityCell],
    beta1s: &[f64],
    beta2s: &[f64],
    decay: f64,
) -> Result<()> {
    let mut csv = String::from("beta1,beta2,growth,predicted,max_update,theory_stable\n");
    for c in cells {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            fmt_f64(c.beta1),
            fmt_f64(c.beta2),
            fmt_cell(c.growth),
            fmt_cell(c.predicted),
            fmt_cell(c.max_update),
            c.theory_stable as u8
        ));
    }
    io::write_atomic(&dir.join("stability.csv"), csv.as_bytes())?;
    figures::stability_heatmap(cells, beta1s, beta2s, decay, &dir.join("stability"))?;
    Ok(())
}

/// Writes spectra into `dir`: `spectrum.csv` (`t,max_re,radius,ill_posed,eigenvalues`) and the
/// figure of the real parts.
pub fn write_spectrum(dir: &Path, samples: &[SpectrumSample]) -> Result<()> {
    let mut csv = String::from("t,max_re,radius,ill_posed,eigenvalues\n");
    for s in samples {
        let ev: Vec<String> = s
            .eigenvalues
            .iter()
            .map(|(r, i)| format!("{}{:+}i", fmt_f64(*r), i))
            .collect();
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            fmt_f64(s.t),
            fmt_cell(s.max_re),
            fmt_cell(s.radius),
            s.ill_posed as u8,
            ev.join(" ")
        ));
    }
    io::write_atomic(&dir.join("spectrum.csv"), csv.as_bytes())?;
    let t: Vec<f64> = samples.iter().map(|s| s.t).collect();
    let mut f = Figure::new(
        "Jacobian spectrum along the trajectory",
        "t",
        "eigenvalue real part",
    );
    let dim = samples.first().map_or(0, |s| s.eigenvalues.len());
    for j in 0..dim {
        f.series.push(
            Series::line(
                format!("Re λ{j}"),
                t.clone(),
                samples.iter().map(|s| s.eigenvalues[j].0).collect(),
            )
            .styled(Style::Line),
        );
    }
    save_figure(&f, &dir.join("spectrum"))?;
    Ok(())
}

/// Writes monitors into `dir`: `monitor.csv` (`t,loss,lyapunov,kinetic`, then the measured
/// sharpness columns when recorded) and the panels (with `sharpness.png` against `threshold`).
pub fn write_monitors(
    dir: &Path,
    m: &ModelMonitors,
    model: &str,
    threshold: Option<&Threshold>,
) -> Result<()> {
    let t = m.trajectory.times();
    let tr = &m.trajectory;
    let mut csv = String::from("t,loss,lyapunov,kinetic");
    for c in &tr.measured {
        csv.push(',');
        csv.push_str(c);
    }
    csv.push('\n');
    for (i, ti) in t.iter().enumerate() {
        let l = m.lyapunov.as_ref().map_or(f64::NAN, |l| l.values[i]);
        csv.push_str(&format!(
            "{},{},{},{}",
            fmt_f64(*ti),
            fmt_cell(m.loss.values[i]),
            fmt_cell(l),
            fmt_cell(m.kinetic[i])
        ));
        for v in tr.measured(i) {
            csv.push(',');
            csv.push_str(&fmt_cell(*v));
        }
        csv.push('\n');
    }
    io::write_atomic(&dir.join("monitor.csv"), csv.as_bytes())?;
    figures::sharpness_figure(&[(model, tr)], threshold, &dir.join("sharpness"))?;
    let mut panels = Vec::new();
    let mut f = Figure::new("f(θ(t))", "t", "loss");
    f.series
        .push(Series::line("loss", t.to_vec(), m.loss.values.clone()));
    panels.push(f);
    if let Some(l) = &m.lyapunov {
        let mut f = Figure::new("Lyapunov functional V(t)", "t", "V");
        f.series
            .push(Series::line(model, t.to_vec(), l.values.clone()));
        panels.push(f);
    }
    let mut f = Figure::new("kinetic energy ½‖θ'‖²", "t", "½‖θ'‖²");
    f.log_y = true;
    f.series
        .push(Series::line("kinetic", t.to_vec(), m.kinetic.clone()));
    panels.push(f);
    save_panels(&panels, panels.len(), &dir.join("monitor"))?;
    Ok(())
}
