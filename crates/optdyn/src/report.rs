//! Writers of the standard analysis outputs: the CSVs, the tables and the figures of a
//! comparison or a convergence study, shared by the CLI, the Python package, `demo` and the
//! reproductions.

use crate::analysis::compare::Comparison;
use crate::analysis::converge::Convergence;
use crate::analysis::fit::PowerFit;
use crate::io::{self, fmt_f64};
use crate::plot::figures;
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
/// (`model,E_T,E_f,rhs_evals,steps,seconds,stop`) and the figures (trajectories, gap over time,
/// dynamics panel; `eps` is the optimizer's ε for the update scale `|m|/(√v+ε)`). Returns the
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
    for m in &c.models {
        io::write_atomic(
            &dir.join(format!("model-{}.csv", slug(&m.model))),
            io::trajectory_csv(&m.trajectory).as_bytes(),
        )?;
        table.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            m.model,
            fmt_f64(m.e_t),
            fmt_f64(m.e_f),
            m.stats.rhs_evals,
            m.stats.accepted,
            fmt_f64(m.seconds),
            m.trajectory.stop
        ));
        text.push_str(&format!(
            "{:<34} {:>12.4e} {:>12.4e} {:>10} {:>9.2}  {}\n",
            m.model,
            m.e_t,
            m.e_f,
            m.stats.rhs_evals,
            m.seconds * 1e3,
            m.trajectory.stop
        ));
    }
    io::write_atomic(&dir.join("table.csv"), table.as_bytes())?;
    figures::comparison_figures(c, eps, dir)?;
    Ok(text)
}

/// `p ± stderr` of a fit, or `n/a`.
pub fn fit_text(f: &Option<PowerFit>) -> String {
    match f {
        Some(f) => format!("{:.3} ± {:.3}", f.p, f.p_stderr),
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
                fmt_f64(m.e_t[i]),
                fmt_f64(m.e_f[i])
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
