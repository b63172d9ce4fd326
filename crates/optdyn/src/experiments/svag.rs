//! The SVAG test of an SDE model (Li, Malladi, Arora 2021 for SGD; Malladi, Lyu, Panigrahi,
//! Arora 2022 for RMSprop and Adam): run the optimizer with SVAG amplification ℓ
//! ([`crate::optim::Svag`]: gradient-noise covariance ×ℓ², hyperparameters rescaled, ℓ² times the
//! steps) for growing ℓ. Every ℓ has the same SDE limit, reached with a weak error that shrinks
//! as ℓ grows (∝ lr/ℓ² for SGD); if the statistics stop changing between consecutive ℓ, the SDE
//! describes the optimizer at ℓ = 1, and how much they change from ℓ = 1 is how far the optimizer
//! is from its SDE.
//!
//! Protocol: on a minibatch data objective (start `x0 = 0`), for each ℓ an ensemble of `paths`
//! paths (ensemble seed `seed + i` for the i-th ℓ, so the ensembles are independent) of
//! SVAG(ℓ) of the optimizer for `ℓ²·K` steps; where a stochastic model of the optimizer exists
//! (`sgd-sme1` for sgd, `rmsprop-sde`, `adam-sde`; [`crate::model::is_sde`]) an ensemble of it
//! over the same model time (`K` of its steps, ensemble seed `seed + len(ℓ)`). The full loss
//! `f(x)` of every path is evaluated at `samples` + 1 points of model time
//! `t = (k/ℓ²)·τ`, `τ = η` for SGD and `η²` for RMSprop/Adam (the SDE's clock). The table gives
//! per dynamics the mean final full loss with its Monte Carlo standard error, its standard
//! deviation over the paths (spread), and the gaps of the mean to the previous ℓ and to the SDE,
//! each with the standard error `√(se₁² + se₂²)` (independent ensembles).
//!
//! [`run`] returns the data ([`SvagResults`]); [`files`] writes `svag.csv` (the table),
//! `svag.json` (the table, the curves and the settings) and the figure `svag.svg|png` (mean
//! loss with its 10–90 % quantile band against model time, per ℓ and the SDE), and returns the
//! summary text.

use crate::io::{self, fmt_cell};
use crate::model::{is_sde, parse_sde, SdeModel};
use crate::objective;
use crate::optim::{Svag, SvagInner};
use crate::plot::{save_figure, Figure, Series, Style};
use crate::run::{Ensemble, EnsembleResult, Problem, Run};
use crate::{Error, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Settings of the SVAG experiment ([`run`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SvagConfig {
    /// A data objective with minibatches that fixes its own dimension (`lsq:…,dim=5,batch=8`).
    pub objective: String,
    /// The optimizer at ℓ = 1: `sgd` (no momentum), `rmsprop` (no momentum, not centered) or
    /// `adam` (no amsgrad), with its hyperparameters.
    pub optimizer: String,
    /// The amplifications ℓ, each a finite real ≥ 1, increasing.
    pub ls: Vec<f64>,
    /// Paths per ensemble (≥ 2).
    pub paths: usize,
    /// Ensemble seed of the first ℓ.
    pub seed: u64,
    /// Steps `K` at ℓ = 1 (SVAG(ℓ) takes `ℓ²K`).
    pub steps: u64,
    /// Points of model time where the curves are sampled (besides t = 0; at most `steps`).
    pub samples: u64,
    /// The stochastic model: `None` picks the optimizer's (`sgd-sme1`, `rmsprop-sde`, `adam-sde`)
    /// when it exists and models the optimizer's options, `Some("none")` runs none,
    /// `Some(name)` runs that one (errors if it cannot model the optimizer).
    pub model: Option<String>,
}

impl Default for SvagConfig {
    fn default() -> Self {
        SvagConfig {
            objective: "lsq:n=200,dim=5,noise=0.5,batch=8".into(),
            optimizer: "sgd:lr=0.3".into(),
            ls: vec![1.0, 2.0, 4.0, 8.0],
            paths: 300,
            seed: 0,
            steps: 40,
            samples: 20,
            model: None,
        }
    }
}

impl SvagConfig {
    fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::spec(format!("learn svag: {what}")));
        if self.ls.is_empty() {
            return bad("the list of l needs at least one value".into());
        }
        if self.ls.windows(2).any(|w| w[1] <= w[0]) {
            return bad(format!(
                "the values of l must increase, got {}",
                list(&self.ls)
            ));
        }
        if self.paths < 2 {
            return bad(format!(
                "paths must be >= 2 (standard errors), got {}",
                self.paths
            ));
        }
        if self.steps == 0 || self.samples == 0 {
            return bad("steps and samples must be >= 1".into());
        }
        Ok(())
    }

    /// The optimizer at ℓ = 1, as SVAG accepts it.
    fn inner(&self) -> Result<SvagInner> {
        Ok(Svag::new(SvagInner::parse(&self.optimizer)?, 1.0)?
            .inner()
            .clone())
    }

    fn problem(&self) -> Result<Problem> {
        let obj = objective::parse(&self.objective, 0)?;
        let n = obj.dim();
        if n == 0 {
            return Err(Error::spec(format!(
                "learn svag: objective '{}' must fix its dimension (e.g. lsq:…,dim=5)",
                self.objective
            )));
        }
        let noisy = obj
            .step_noise()
            .is_some_and(|s| s.batch.is_some() || s.additive.iter().any(|&a| a > 0.0));
        if !noisy {
            return Err(Error::spec(format!(
                "learn svag: objective '{}' has no gradient noise (give batch=B or grad_noise=σ)",
                self.objective
            )));
        }
        Problem::shared(obj.into(), vec![0.0; n])
    }
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row of the table: a SVAG run or the SDE.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `svag l=ℓ` or the model name.
    pub label: String,
    /// ℓ (`None` for the SDE).
    pub l: Option<f64>,
    /// Steps taken (`ℓ²K`, or `K` of the SDE).
    pub steps: u64,
    /// Paths that reached the end.
    pub paths: usize,
    /// Mean final full loss over those paths.
    pub mean: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// Standard deviation of the final loss over the paths (spread).
    pub sd: f64,
    /// Mean minus that of the previous ℓ (`None` for the first ℓ and the SDE).
    pub gap_prev: Option<f64>,
    /// Its standard error.
    pub gap_prev_se: Option<f64>,
    /// Mean minus the SDE's (`None` without an SDE, and for the SDE).
    pub gap_sde: Option<f64>,
    /// Its standard error.
    pub gap_sde_se: Option<f64>,
}

/// Full-loss statistics along model time of one dynamics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Label (as in the table).
    pub label: String,
    /// Model time of the samples.
    pub t: Vec<f64>,
    /// Mean full loss over the paths alive there.
    pub mean: Vec<f64>,
    /// 10 % quantile.
    pub q10: Vec<f64>,
    /// 90 % quantile.
    pub q90: Vec<f64>,
}

/// Result of [`run`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SvagResults {
    /// The objective spec.
    pub objective: String,
    /// The optimizer spec at ℓ = 1.
    pub optimizer: String,
    /// Model time per step at ℓ = 1 (`η` or `η²`).
    pub tau: f64,
    /// Model time of the end, `K·τ`.
    pub t_end: f64,
    /// The stochastic model run (`None`: none).
    pub model: Option<String>,
    /// Why no model was run, when the automatic choice found none.
    pub model_note: Option<String>,
    /// One row per ℓ, then the SDE's.
    pub rows: Vec<Row>,
    /// The curves, in the order of the rows.
    pub curves: Vec<Curve>,
}

/// Mean, standard error, standard deviation, 10 % and 90 % quantiles of `v` (non-empty).
fn stats(v: &mut [f64]) -> (f64, f64, f64, f64, f64) {
    let m = v.len() as f64;
    let mean = v.iter().sum::<f64>() / m;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (m - 1.0)
    } else {
        f64::NAN
    };
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] + frac * (v[hi] - v[lo])
    };
    let sd = var.sqrt();
    (mean, sd / m.sqrt(), sd, q(0.1), q(0.9))
}

/// The full loss of every alive path at each sample: the curve and the final statistics.
fn summarise(
    label: String,
    l: Option<f64>,
    steps: u64,
    e: &EnsembleResult,
    t: Vec<f64>,
    problem: &Problem,
) -> (Row, Curve) {
    let n = e.dim();
    let f = problem.objective();
    let mut curve = Curve {
        label: label.clone(),
        t,
        mean: Vec::new(),
        q10: Vec::new(),
        q90: Vec::new(),
    };
    let mut last = (f64::NAN, f64::NAN, f64::NAN, 0);
    for s in 0..e.steps().len() {
        let mut v: Vec<f64> = (0..e.paths())
            .map(|p| e.row(p, s))
            .filter(|r| r.iter().all(|x| x.is_finite()))
            .map(|r| f.value(&r[..n]))
            .filter(|x| x.is_finite())
            .collect();
        let (mean, se, sd, q10, q90) = if v.is_empty() {
            (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN)
        } else {
            stats(&mut v)
        };
        curve.mean.push(mean);
        curve.q10.push(q10);
        curve.q90.push(q90);
        last = (mean, se, sd, v.len());
    }
    let row = Row {
        label,
        l,
        steps,
        paths: last.3,
        mean: last.0,
        se: last.1,
        sd: last.2,
        gap_prev: None,
        gap_prev_se: None,
        gap_sde: None,
        gap_sde_se: None,
    };
    (row, curve)
}

/// The stochastic model to run, and why none runs when the automatic choice finds none.
type ModelChoice = (Option<Box<dyn SdeModel>>, Option<String>);

/// The stochastic model to run (see [`SvagConfig::model`]).
fn model_for(cfg: &SvagConfig, inner: &SvagInner, problem: &Problem) -> Result<ModelChoice> {
    let obj = problem.objective().clone();
    let base = inner.as_optimizer::<f64>();
    match cfg.model.as_deref() {
        Some("none") => Ok((None, None)),
        Some(name) => Ok((Some(parse_sde(name, base, obj)?), None)),
        None => {
            let name = match inner {
                SvagInner::Sgd(_) => "sgd-sme1",
                SvagInner::RmsProp(_) => "rmsprop-sde",
                SvagInner::Adam(_) => "adam-sde",
            };
            if !is_sde(name) {
                return Ok((None, Some(format!("no stochastic model '{name}' here"))));
            }
            match parse_sde(name, base, obj) {
                Ok(m) => Ok((Some(m), None)),
                Err(e) => Ok((None, Some(format!("{name}: {e}")))),
            }
        }
    }
}

/// Runs the experiment (see the module doc).
pub fn run(cfg: &SvagConfig) -> Result<SvagResults> {
    cfg.check()?;
    let inner = cfg.inner()?;
    let problem = cfg.problem()?;
    let eta = inner.as_optimizer::<f64>().lr();
    let tau = match inner {
        SvagInner::Sgd(_) => eta,
        SvagInner::RmsProp(_) | SvagInner::Adam(_) => eta * eta,
    };
    let (model, model_note) = model_for(cfg, &inner, &problem)?;
    let every = (cfg.steps / cfg.samples.min(cfg.steps)).max(1);
    let mut rows = Vec::new();
    let mut curves = Vec::new();
    let svags = cfg
        .ls
        .iter()
        .map(|&l| Svag::new(inner.clone(), l))
        .collect::<Result<Vec<_>>>()?;
    for (i, svag) in svags.iter().enumerate() {
        let l = svag.l();
        let steps = svag.steps(cfg.steps);
        let e = Run::discrete(&problem, svag)
            .steps(steps)
            .every(svag.steps(every).max(1))
            .ensemble(&Ensemble::new(cfg.paths, cfg.seed.wrapping_add(i as u64)))?;
        let mult = svag.step_multiplier();
        let t = e.steps().iter().map(|&k| k as f64 / mult * tau).collect();
        let (row, curve) = summarise(format!("svag l={l}"), Some(l), steps, &e, t, &problem);
        rows.push(row);
        curves.push(curve);
    }
    let mut sde_row = None;
    if let Some(m) = &model {
        let e = Run::sde(&problem, m.as_ref())
            .steps(cfg.steps)
            .every(every)
            .ensemble(&Ensemble::new(
                cfg.paths,
                cfg.seed.wrapping_add(cfg.ls.len() as u64),
            ))?;
        let t = e.times().to_vec();
        let (row, curve) = summarise(m.name(), None, cfg.steps, &e, t, &problem);
        sde_row = Some(row);
        curves.push(curve);
    }
    let gap = |a: &Row, b: &Row| (a.mean - b.mean, a.se.hypot(b.se));
    for i in 0..rows.len() {
        if i > 0 {
            let (g, se) = gap(&rows[i], &rows[i - 1]);
            rows[i].gap_prev = Some(g);
            rows[i].gap_prev_se = Some(se);
        }
        if let Some(s) = &sde_row {
            let (g, se) = gap(&rows[i], s);
            rows[i].gap_sde = Some(g);
            rows[i].gap_sde_se = Some(se);
        }
    }
    rows.extend(sde_row);
    Ok(SvagResults {
        objective: cfg.objective.clone(),
        optimizer: cfg.optimizer.clone(),
        tau,
        t_end: cfg.steps as f64 * tau,
        model: model.map(|m| m.name()),
        model_note,
        rows,
        curves,
    })
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, fmt_cell)
}

fn table_csv(r: &SvagResults) -> String {
    let mut csv = String::from(
        "dynamics,l,steps,paths,mean_loss,se,sd,gap_prev,gap_prev_se,gap_sde,gap_sde_se\n",
    );
    for row in &r.rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{}",
            row.label,
            cell(row.l),
            row.steps,
            row.paths,
            fmt_cell(row.mean),
            fmt_cell(row.se),
            fmt_cell(row.sd),
            cell(row.gap_prev),
            cell(row.gap_prev_se),
            cell(row.gap_sde),
            cell(row.gap_sde_se),
        );
    }
    csv
}

fn gap_text(g: Option<f64>, se: Option<f64>) -> String {
    match (g, se) {
        (Some(g), Some(se)) => format!("{g:+.2e} ± {se:.1e}"),
        _ => "—".into(),
    }
}

/// The summary text, computed from the results.
pub fn summary(cfg: &SvagConfig, r: &SvagResults) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "SVAG test: {} on {}, {} paths per ensemble, K = {} steps at l = 1 (model time T = {:.4}, τ = {:.4e} per step); final full loss:",
        r.optimizer, r.objective, cfg.paths, cfg.steps, r.t_end, r.tau
    );
    match (&r.model, &r.model_note) {
        (Some(m), _) => {
            let _ = writeln!(s, "stochastic model: {m}");
        }
        (None, Some(note)) => {
            let _ = writeln!(s, "stochastic model: none ({note})");
        }
        (None, None) => {
            let _ = writeln!(s, "stochastic model: none");
        }
    }
    let _ = writeln!(
        s,
        "  {:<14} {:>8} {:>6} {:>11} {:>9} {:>9}  {:<20}  {:<20}",
        "dynamics", "steps", "paths", "mean loss", "se", "sd", "gap to previous l", "gap to SDE"
    );
    for row in &r.rows {
        let _ = writeln!(
            s,
            "  {:<14} {:>8} {:>6} {:>11.5e} {:>9.2e} {:>9.2e}  {:<20}  {:<20}",
            row.label,
            row.steps,
            row.paths,
            row.mean,
            row.se,
            row.sd,
            gap_text(row.gap_prev, row.gap_prev_se),
            gap_text(row.gap_sde, row.gap_sde_se)
        );
    }
    s
}

fn figure(r: &SvagResults, dir: &Path) -> Result<()> {
    let mut fig = Figure::new(
        &format!("{} on {}: SVAG", r.optimizer, r.objective),
        "model time t",
        "full loss (mean, 10–90 % band)",
    );
    for c in &r.curves {
        let style = if c.label.starts_with("svag") {
            Style::Line
        } else {
            Style::Dashed
        };
        fig.series.push(
            Series::line(c.label.clone(), c.t.clone(), c.mean.clone())
                .with_band(c.q10.clone(), c.q90.clone())
                .styled(style),
        );
    }
    save_figure(&fig, &dir.join("svag"))?;
    Ok(())
}

/// Runs the experiment and writes `svag.csv`, `svag.json` and `svag.svg|png` into `dir`;
/// returns the summary text.
pub fn files(cfg: &SvagConfig, dir: &Path) -> Result<String> {
    let r = run(cfg)?;
    io::write_atomic(&dir.join("svag.csv"), table_csv(&r).as_bytes())?;
    let json = serde_json::to_value(&r)
        .map_err(|e| Error::numerical(format!("learn svag: results as JSON: {e}")))?;
    io::write_json(&dir.join("svag.json"), &json)?;
    figure(&r, dir)?;
    Ok(summary(cfg, &r))
}
