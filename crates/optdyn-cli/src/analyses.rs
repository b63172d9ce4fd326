//! `optdyn stability`, `optdyn basins`, `optdyn spectrum`: per-analysis commands writing data
//! (CSV/JSON) and a figure next to it.

use crate::common::{build_model_setup, build_objective, manifest_base, parse_x0, ModelSetup};
use optdyn::analysis::{basins, spectrum, stability};
use optdyn::io::{self, fmt_f64};
use optdyn::plot::{save_figure, save_heatmap, Figure, Heatmap, Series, Style};
use optdyn::simulate::{self, RunOptions};
use optdyn::spec::parse_list;
use std::fmt::Write as _;
use std::path::PathBuf;

fn grid(text: &str, what: &str) -> Result<Vec<f64>, String> {
    // `lo:hi:count` (linear), `lo:hi:count:log`, or an explicit list.
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() >= 3 {
        let lo: f64 = parts[0]
            .parse()
            .map_err(|_| format!("{what}: bad lower bound '{}'", parts[0]))?;
        let hi: f64 = parts[1]
            .parse()
            .map_err(|_| format!("{what}: bad upper bound '{}'", parts[1]))?;
        let n: usize = parts[2]
            .parse()
            .map_err(|_| format!("{what}: bad count '{}'", parts[2]))?;
        let log = parts.get(3) == Some(&"log");
        if n < 2 || hi.is_nan() || lo.is_nan() || hi <= lo || (log && lo <= 0.0) {
            return Err(format!(
                "{what}: '{text}' needs count >= 2 and hi > lo (> 0 for log spacing)"
            ));
        }
        Ok((0..n)
            .map(|i| {
                let u = i as f64 / (n - 1) as f64;
                if log {
                    (lo.ln() + u * (hi.ln() - lo.ln())).exp()
                } else {
                    lo + u * (hi - lo)
                }
            })
            .collect())
    } else {
        parse_list(text).map_err(|e| format!("{what}: {e}"))
    }
}

/// Arguments of `optdyn stability`.
#[derive(clap::Args)]
pub struct StabilityArgs {
    /// Adam-type optimizer spec (beta1/beta2 are swept; lr is the unit of the update).
    #[arg(long, default_value = "adam:lr=1,eps=1e-300")]
    optimizer: String,
    /// β1 grid: `lo:hi:count` or a list.
    #[arg(long, default_value = "0:0.99:34")]
    beta1: String,
    /// β2 grid.
    #[arg(long, default_value = "0.5:0.999:34")]
    beta2: String,
    /// Decay factor c of the gradient history g_k = c^k.
    #[arg(long, default_value_t = 0.3)]
    decay: f64,
    /// Steps per probe.
    #[arg(long, default_value_t = 400)]
    steps: usize,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/stability")]
    out: PathBuf,
}

/// Executes `optdyn stability`.
pub fn run_stability(a: &StabilityArgs) -> Result<u8, String> {
    let b1 = grid(&a.beta1, "--beta1")?;
    let b2 = grid(&a.beta2, "--beta2")?;
    if !(a.decay > 0.0 && a.decay < 1.0) {
        return Err(format!("--decay must be in (0, 1), got {}", a.decay));
    }
    let cells =
        stability::map(&a.optimizer, &b1, &b2, a.decay, a.steps).map_err(|e| e.to_string())?;
    let mut csv = String::from("beta1,beta2,growth,predicted,max_update,theory_stable\n");
    for c in &cells {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            fmt_f64(c.beta1),
            fmt_f64(c.beta2),
            fmt_f64(c.growth),
            fmt_f64(c.predicted),
            fmt_f64(c.max_update),
            c.theory_stable as u8
        );
    }
    io::write_atomic(&a.out.join("stability.csv"), csv.as_bytes()).map_err(|e| e.to_string())?;
    let (ylo, yhi) = (b2[0], b2[b2.len() - 1]);
    let on_map: Vec<f64> = b1
        .iter()
        .copied()
        .filter(|x| x * x >= ylo && x * x <= yhi)
        .collect();
    let boundary: Vec<f64> = on_map.iter().map(|x| x * x).collect();
    let mut overlays = vec![Series::line("β2 = β1² (boundary)", on_map, boundary)];
    for level in [2.0, 4.0, 8.0] {
        // C(β1, β2) = level ⇔ (1−β1)² = level²(1−β2)(1−β1²/β2), solved for β2 per β1 by bisection.
        let ys: Vec<f64> = b1
            .iter()
            .map(|&x| c_level_beta2(x, level))
            .map(|y| if y >= ylo && y <= yhi { y } else { f64::NAN })
            .collect();
        overlays.push(
            Series::line(format!("C(β1, β2) = {level}"), b1.clone(), ys).styled(Style::Dashed),
        );
    }
    let h = Heatmap {
        title: format!("log growth per step of |u_n| (g_k = {}^k)", a.decay),
        x_label: "β1".into(),
        y_label: "β2".into(),
        x: b1.clone(),
        y: b2.clone(),
        z: cells.iter().map(|c| c.growth.ln()).collect(),
        z_label: "ln(growth)".into(),
        z_center: Some(0.0),
        overlays,
    };
    save_heatmap(&h, &a.out.join("stability")).map_err(|e| e.to_string())?;
    let mut m = manifest_base("stability");
    m["optimizer"] = serde_json::json!(a.optimizer);
    m["decay"] = serde_json::json!(a.decay);
    m["steps"] = serde_json::json!(a.steps);
    io::write_json(&a.out.join("manifest.json"), &m).map_err(|e| e.to_string())?;
    let outside: Vec<_> = cells
        .iter()
        .filter(|c| !c.theory_stable && c.beta1 > a.decay)
        .collect();
    let worst = outside
        .iter()
        .map(|c| (c.growth / c.predicted - 1.0).abs())
        .fold(0.0f64, f64::max);
    println!(
        "{} cells; {} outside β1² < β2 with β1 > c: max relative gap between measured growth and β1/√β2 = {:.3e}",
        cells.len(),
        outside.len(),
        worst
    );
    println!("wrote {}", a.out.display());
    Ok(0)
}

/// The β2 at which `C(β1, β2) = level` (Gould–Tanaka bound, continuous_models.md §3.4), or NaN.
fn c_level_beta2(b1: f64, level: f64) -> f64 {
    let c = |b2: f64| (1.0 - b1) / ((1.0 - b2) * (1.0 - b1 * b1 / b2)).sqrt();
    // C decreases from ∞ at β2 = β1² to a minimum, then increases to ∞ at β2 = 1; take the branch
    // nearest the boundary: bisect on (β1², argmin).
    let (mut lo, mut hi) = ((b1 * b1).max(1e-12) * (1.0 + 1e-12), b1.max(1e-6));
    if c(hi) > level || c(lo) < level {
        return f64::NAN;
    }
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if c(mid) > level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

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
pub fn run_basins(a: &BasinsArgs) -> Result<u8, String> {
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    match (&a.lrs, &a.xs, &a.ys) {
        (Some(lrs), None, None) => {
            let x0 = parse_x0(a.x0.as_deref().ok_or("--lrs mode needs --x0")?)?;
            let obj = build_objective(&a.objective, &x0)?;
            let lrs = grid(lrs, "--lrs")?;
            let fixed = a.steps;
            let steps = move |lr: f64| fixed.unwrap_or(((4.0 / lr).round() as u64).max(1000));
            let disc = basins::scan_lr(&obj, &a.optimizer, None, None, &x0, &lrs, &steps)
                .map_err(|e| e.to_string())?;
            let model = match &a.model {
                Some(m) => Some(
                    basins::scan_lr(&obj, &a.optimizer, Some(m), None, &x0, &lrs, &steps)
                        .map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            let first = |v: &Option<Vec<f64>>| v.as_ref().map_or(f64::NAN, |p| p[0]);
            let mut csv = String::from("lr,steps,discrete_x0,model_x0\n");
            for (i, lr) in lrs.iter().enumerate() {
                let mv = model.as_ref().map_or(f64::NAN, |m| first(&m[i]));
                let _ = writeln!(
                    csv,
                    "{},{},{},{}",
                    fmt_f64(*lr),
                    steps(*lr),
                    fmt_f64(first(&disc[i])),
                    fmt_f64(mv)
                );
            }
            io::write_atomic(&a.out.join("basins.csv"), csv.as_bytes())
                .map_err(|e| e.to_string())?;
            let mut f = Figure::new("final state vs learning rate", "lr", "final x0");
            f.legend = optdyn::plot::Legend::MiddleLeft;
            f.log_x = true;
            f.series.push(
                Series::line("discrete", lrs.clone(), disc.iter().map(first).collect())
                    .styled(Style::Points),
            );
            if let (Some(m), Some(name)) = (&model, &a.model) {
                f.series.push(
                    Series::line(name.clone(), lrs.clone(), m.iter().map(first).collect())
                        .styled(Style::LinePoints),
                );
            }
            save_figure(&f, &a.out.join("basins")).map_err(|e| e.to_string())?;
        }
        (None, Some(xs), Some(ys)) => {
            let xs = grid(xs, "--xs")?;
            let ys = grid(ys, "--ys")?;
            let obj = build_objective(&a.objective, &[xs[0], ys[0]])?;
            let steps = a.steps.unwrap_or(2000);
            // Attractors: the distinct end points of the runs, clustered within 1e-3.
            let ends: Vec<Option<Vec<f64>>> = ys
                .iter()
                .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
                .map(|(x, y)| {
                    basins::final_point(
                        &obj,
                        &a.optimizer,
                        a.model.as_deref(),
                        None,
                        &[x, y],
                        steps,
                    )
                })
                .collect::<optdyn::Result<_>>()
                .map_err(|e| e.to_string())?;
            let mut attractors: Vec<Vec<f64>> = Vec::new();
            let mut label = Vec::with_capacity(ends.len());
            for e in &ends {
                label.push(e.as_ref().map(|p| {
                    match attractors
                        .iter()
                        .position(|a| a.iter().zip(p).all(|(u, v)| (u - v).abs() < 1e-3))
                    {
                        Some(i) => i,
                        None => {
                            attractors.push(p.clone());
                            attractors.len() - 1
                        }
                    }
                }));
            }
            let mut csv = String::from("x,y,end_x,end_y,attractor\n");
            for (k, e) in ends.iter().enumerate() {
                let (x, y) = (xs[k % xs.len()], ys[k / xs.len()]);
                let (ex, ey) = e.as_ref().map_or((f64::NAN, f64::NAN), |p| (p[0], p[1]));
                let lab = label[k].map_or("diverged".to_string(), |i| i.to_string());
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{lab}",
                    fmt_f64(x),
                    fmt_f64(y),
                    fmt_f64(ex),
                    fmt_f64(ey)
                );
            }
            io::write_atomic(&a.out.join("basin_map.csv"), csv.as_bytes())
                .map_err(|e| e.to_string())?;
            let h = Heatmap {
                title: format!(
                    "basins of attraction ({})",
                    a.model.as_deref().unwrap_or(&a.optimizer)
                ),
                x_label: "x0".into(),
                y_label: "x1".into(),
                x: xs.clone(),
                y: ys.clone(),
                z: label
                    .iter()
                    .map(|l| l.map_or(f64::NAN, |i| i as f64))
                    .collect(),
                z_label: "attractor index".into(),
                z_center: None,
                overlays: attractors
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
            save_heatmap(&h, &a.out.join("basin_map")).map_err(|e| e.to_string())?;
            println!("{} attractors found", attractors.len());
        }
        _ => return Err("basins: give either --lrs (with --x0) or both --xs and --ys".into()),
    }
    let mut m = manifest_base("basins");
    m["objective"] = serde_json::json!(a.objective);
    m["optimizer"] = serde_json::json!(a.optimizer);
    m["model"] = serde_json::json!(a.model);
    io::write_json(&a.out.join("manifest.json"), &m).map_err(|e| e.to_string())?;
    println!("wrote {}", a.out.display());
    Ok(0)
}

/// Arguments of `optdyn spectrum`.
#[derive(clap::Args)]
pub struct SpectrumArgs {
    /// Objective spec.
    #[arg(long)]
    objective: String,
    /// Start point.
    #[arg(long, allow_hyphen_values = true)]
    x0: String,
    /// Optimizer spec.
    #[arg(long)]
    optimizer: String,
    /// Model whose Jacobian is analysed.
    #[arg(long)]
    model: String,
    /// Number of optimizer steps.
    #[arg(long)]
    steps: u64,
    /// Sample every N-th step.
    #[arg(long, default_value_t = 10)]
    every: u64,
    /// Integrator.
    #[arg(long)]
    integrator: Option<String>,
    /// Real parts above this flag a sample as ill-posed.
    #[arg(long, default_value_t = 1e-9)]
    tol: f64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/spectrum")]
    out: PathBuf,
}

/// Executes `optdyn spectrum`.
pub fn run_spectrum(a: &SpectrumArgs) -> Result<u8, String> {
    let x0 = parse_x0(&a.x0)?;
    let ModelSetup {
        obj,
        lr,
        model,
        integrator: integ,
    } = build_model_setup(
        &a.objective,
        &x0,
        &a.optimizer,
        &a.model,
        a.integrator.as_deref(),
    )?;
    let o = RunOptions {
        steps: a.steps,
        every: a.every.max(1),
        ..RunOptions::default()
    };
    let run = simulate::run_model(obj.as_ref(), model.as_ref(), integ.as_ref(), &x0, lr, &o);
    let tr = &run.trajectory;
    let n = model.n();
    let mut zs = Vec::with_capacity(tr.len() * model.dim());
    for i in 0..tr.len() {
        zs.extend_from_slice(&tr.row(i)[4..4 + n]);
        zs.extend_from_slice(&tr.row(i)[4 + n..]);
    }
    let samples = spectrum::along(model.as_ref(), &tr.times(), &zs, a.tol);
    let mut csv = String::from("t,max_re,radius,ill_posed,eigenvalues\n");
    for s in &samples {
        let ev: Vec<String> = s
            .eigenvalues
            .iter()
            .map(|(r, i)| format!("{}{:+}i", fmt_f64(*r), i))
            .collect();
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            fmt_f64(s.t),
            fmt_f64(s.max_re),
            fmt_f64(s.radius),
            s.ill_posed as u8,
            ev.join(" ")
        );
    }
    io::write_atomic(&a.out.join("spectrum.csv"), csv.as_bytes()).map_err(|e| e.to_string())?;
    let t: Vec<f64> = samples.iter().map(|s| s.t).collect();
    let mut f = Figure::new(
        "Jacobian spectrum along the trajectory",
        "t",
        "eigenvalue real part",
    );
    let dim = model.dim();
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
    save_figure(&f, &a.out.join("spectrum")).map_err(|e| e.to_string())?;
    let ill = samples.iter().filter(|s| s.ill_posed).count();
    println!(
        "{} samples, {} flagged ill-posed (Re λ > {}); forward-Euler step limit at the last sample: {:.4e}",
        samples.len(),
        ill,
        a.tol,
        samples.last().map_or(f64::NAN, |s| spectrum::euler_step_limit(
            &s.eigenvalues.iter().filter(|e| e.1 == 0.0).map(|e| e.0).collect::<Vec<_>>()
        ))
    );
    println!("wrote {}", a.out.display());
    Ok(0)
}

/// Arguments of `optdyn monitor`.
#[derive(clap::Args)]
pub struct MonitorArgs {
    /// Objective spec.
    #[arg(long)]
    objective: String,
    /// Start point.
    #[arg(long, allow_hyphen_values = true)]
    x0: String,
    /// Optimizer spec.
    #[arg(long)]
    optimizer: String,
    /// Model to monitor.
    #[arg(long)]
    model: String,
    /// Number of optimizer steps (T = steps·lr).
    #[arg(long)]
    steps: u64,
    /// Integrator.
    #[arg(long)]
    integrator: Option<String>,
    /// A rise above tol·max(1, |V0|) between samples breaks monotonicity.
    #[arg(long, default_value_t = 1e-10)]
    tol: f64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/monitor")]
    out: PathBuf,
}

/// Executes `optdyn monitor`: loss, the model's Lyapunov functional, kinetic energy and moment
/// positivity along a model run.
pub fn run_monitor(a: &MonitorArgs) -> Result<u8, String> {
    use optdyn::analysis::lyapunov::{model_monitors, Monitor};
    let x0 = parse_x0(&a.x0)?;
    let ModelSetup {
        obj,
        lr,
        model,
        integrator: integ,
    } = build_model_setup(
        &a.objective,
        &x0,
        &a.optimizer,
        &a.model,
        a.integrator.as_deref(),
    )?;
    let o = RunOptions {
        steps: a.steps,
        every: 1,
        ..RunOptions::default()
    };
    let m = model_monitors(
        obj.as_ref(),
        model.as_ref(),
        integ.as_ref(),
        &x0,
        lr,
        &o,
        a.tol,
    );
    let t = m.trajectory.times();
    let mut csv = String::from("t,loss,lyapunov,kinetic\n");
    for (i, ti) in t.iter().enumerate() {
        let l = m.lyapunov.as_ref().map_or(f64::NAN, |l| l.values[i]);
        let _ = writeln!(
            csv,
            "{},{},{},{}",
            fmt_f64(*ti),
            fmt_f64(m.loss.values[i]),
            fmt_f64(l),
            fmt_f64(m.kinetic[i])
        );
    }
    io::write_atomic(&a.out.join("monitor.csv"), csv.as_bytes()).map_err(|e| e.to_string())?;
    let mut panels = Vec::new();
    let mut f = Figure::new("f(θ(t))", "t", "loss");
    f.series
        .push(Series::line("loss", t.clone(), m.loss.values.clone()));
    panels.push(f);
    if let Some(l) = &m.lyapunov {
        let mut f = Figure::new("Lyapunov functional V(t)", "t", "V");
        f.series
            .push(Series::line(a.model.clone(), t.clone(), l.values.clone()));
        panels.push(f);
    }
    let mut f = Figure::new("kinetic energy ½‖θ'‖²", "t", "½‖θ'‖²");
    f.log_y = true;
    f.series
        .push(Series::line("kinetic", t.clone(), m.kinetic.clone()));
    panels.push(f);
    optdyn::plot::save_panels(&panels, panels.len(), &a.out.join("monitor"))
        .map_err(|e| e.to_string())?;
    let say = |name: &str, mon: &Monitor| {
        println!(
            "{name:<10} {} (largest rise {:.3e} at t = {:.4})",
            if mon.non_increasing {
                "non-increasing"
            } else {
                "RISES"
            },
            mon.max_increase,
            mon.t_max_increase
        )
    };
    say("loss", &m.loss);
    match &m.lyapunov {
        Some(l) => say("lyapunov", l),
        None => println!("lyapunov   {} declares no Lyapunov functional", a.model),
    }
    if let Some((v, tv)) = m.min_v {
        println!(
            "moments    min v = {v:.3e} at t = {tv:.4} ({})",
            if v >= 0.0 {
                "v ≥ 0 holds"
            } else {
                "v < 0: positivity violated"
            }
        );
    }
    println!("{} (stop: {})", a.out.display(), m.trajectory.stop);
    Ok(0)
}
