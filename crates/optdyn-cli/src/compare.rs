//! `optdyn compare` and `optdyn converge`: tables on stdout, data and figures in `--out`.

use crate::common::{build_objective, manifest_base, parse_x0};
use optdyn::analysis::compare::{compare, CompareSetup, Comparison};
use optdyn::analysis::converge::{converge, Convergence};
use optdyn::io::{self, fmt_f64};
use optdyn::plot::figures;
use optdyn::spec::{parse_list, Spec};
use std::path::{Path, PathBuf};

/// Arguments of `optdyn compare`.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// Objective spec.
    #[arg(long)]
    objective: String,
    /// Start point.
    #[arg(long, allow_hyphen_values = true)]
    x0: String,
    /// Optimizer spec (its lr sets the clock t_k = k·lr).
    #[arg(long)]
    optimizer: String,
    /// Comma-separated model specs (use `+` between models when a spec itself has commas).
    #[arg(long)]
    models: String,
    /// End time T.
    #[arg(long)]
    t_end: f64,
    /// Integrator for the models (default rk4:substeps=10).
    #[arg(long)]
    integrator: Option<String>,
    /// Record every N-th step.
    #[arg(long, default_value_t = 1)]
    every: u64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/compare")]
    out: PathBuf,
}

/// Arguments of `optdyn converge`.
#[derive(clap::Args)]
pub struct ConvergeArgs {
    /// Objective spec.
    #[arg(long)]
    objective: String,
    /// Start point.
    #[arg(long, allow_hyphen_values = true)]
    x0: String,
    /// Optimizer spec (its lr is replaced by each value of --lrs).
    #[arg(long)]
    optimizer: String,
    /// Model specs, separated by `+` (or commas when the specs have no parameters).
    #[arg(long)]
    models: String,
    /// Learning rates, comma-separated.
    #[arg(long)]
    lrs: String,
    /// Horizon T at which the gap is measured.
    #[arg(long)]
    t_end: f64,
    /// Integrator for the models.
    #[arg(long)]
    integrator: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/converge")]
    out: PathBuf,
}

/// Splits a model list: `+` separates specs; without `+`, commas separate plain names.
pub fn split_models(text: &str) -> Vec<String> {
    let parts: Vec<&str> = if text.contains('+') {
        text.split('+').collect()
    } else if text.contains(':') {
        vec![text]
    } else {
        text.split(',').collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn slug(s: &str) -> String {
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

fn optimizer_eps(spec: &str) -> f64 {
    Spec::parse(spec)
        .ok()
        .and_then(|s| s.f64("eps", 1e-8).ok())
        .unwrap_or(1e-8)
}

/// Writes the comparison's CSVs, table, summary and figures; returns the table text.
pub fn write_comparison(c: &Comparison, optimizer: &str, dir: &Path) -> Result<String, String> {
    let e = |e: optdyn::Error| e.to_string();
    io::write_atomic(
        &dir.join("discrete.csv"),
        io::trajectory_csv(&c.discrete).as_bytes(),
    )
    .map_err(e)?;
    let mut table = String::from("model,E_T,E_f,rhs_evals,steps,seconds,stop\n");
    let mut text = format!(
        "{:<34} {:>12} {:>12} {:>10} {:>9}  stop\n",
        "model", "E_T", "E_f", "rhs evals", "ms"
    );
    for m in &c.models {
        io::write_atomic(
            &dir.join(format!("model-{}.csv", slug(&m.model))),
            io::trajectory_csv(&m.trajectory).as_bytes(),
        )
        .map_err(e)?;
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
    io::write_atomic(&dir.join("table.csv"), table.as_bytes()).map_err(e)?;
    figures::comparison_figures(c, optimizer_eps(optimizer), dir).map_err(e)?;
    Ok(text)
}

/// Executes `optdyn compare`.
pub fn run_compare(a: &CompareArgs) -> Result<u8, String> {
    let x0 = parse_x0(&a.x0)?;
    let obj = build_objective(&a.objective, &x0)?;
    let opt = optdyn::optim::parse(&a.optimizer).map_err(|e| e.to_string())?;
    let lr = opt.lr();
    if !(a.t_end.is_finite() && a.t_end > 0.0 && lr > 0.0) {
        return Err(format!(
            "--t-end must be > 0 and the optimizer's lr > 0, got T = {}",
            a.t_end
        ));
    }
    let setup = CompareSetup {
        optimizer: a.optimizer.clone(),
        models: split_models(&a.models),
        integrator: a.integrator.clone(),
        x0: x0.clone(),
        steps: (a.t_end / lr).round() as u64,
        every: a.every,
    };
    let c = compare(obj, &setup).map_err(|e| e.to_string())?;
    let text = write_comparison(&c, &a.optimizer, &a.out)?;
    let mut manifest = manifest_base("compare");
    manifest["objective"] = serde_json::json!(a.objective);
    manifest["x0"] = serde_json::json!(x0);
    manifest["optimizer"] = serde_json::json!(a.optimizer);
    manifest["models"] = serde_json::json!(setup.models);
    manifest["steps"] = serde_json::json!(setup.steps);
    manifest["discrete_stop"] = serde_json::json!(c.discrete.stop);
    io::write_json(&a.out.join("manifest.json"), &manifest).map_err(|e| e.to_string())?;
    print!("{text}");
    println!("wrote {}", a.out.display());
    Ok(0)
}

/// Writes a convergence study's table, JSON and figure; returns the table text.
pub fn write_convergence(c: &Convergence, dir: &Path) -> Result<String, String> {
    let e = |e: optdyn::Error| e.to_string();
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
        let fit = |f: &Option<optdyn::analysis::fit::PowerFit>| match f {
            Some(f) => format!("{:.3} ± {:.3}", f.p, f.p_stderr),
            None => "n/a".into(),
        };
        text.push_str(&format!(
            "{:<34} p(E_T) = {:<16} p(E_f) = {}\n",
            m.model,
            fit(&m.fit_t),
            fit(&m.fit_f)
        ));
    }
    io::write_atomic(&dir.join("convergence.csv"), csv.as_bytes()).map_err(e)?;
    io::write_json(
        &dir.join("convergence.json"),
        &serde_json::to_value(c).expect("serialisable"),
    )
    .map_err(e)?;
    figures::convergence_figure(c, dir).map_err(e)?;
    Ok(text)
}

/// Executes `optdyn converge`.
pub fn run_converge(a: &ConvergeArgs) -> Result<u8, String> {
    let x0 = parse_x0(&a.x0)?;
    let obj = build_objective(&a.objective, &x0)?;
    let lrs = parse_list(&a.lrs).map_err(|e| format!("--lrs: {e}"))?;
    let models = split_models(&a.models);
    let c = converge(
        obj,
        &a.optimizer,
        &models,
        a.integrator.as_deref(),
        &x0,
        &lrs,
        a.t_end,
    )
    .map_err(|e| e.to_string())?;
    let text = write_convergence(&c, &a.out)?;
    let mut manifest = manifest_base("converge");
    manifest["objective"] = serde_json::json!(a.objective);
    manifest["x0"] = serde_json::json!(x0);
    manifest["optimizer"] = serde_json::json!(a.optimizer);
    manifest["models"] = serde_json::json!(models);
    manifest["lrs"] = serde_json::json!(lrs);
    manifest["t_end"] = serde_json::json!(a.t_end);
    io::write_json(&a.out.join("manifest.json"), &manifest).map_err(|e| e.to_string())?;
    print!("{text}");
    println!("wrote {}", a.out.display());
    Ok(0)
}
