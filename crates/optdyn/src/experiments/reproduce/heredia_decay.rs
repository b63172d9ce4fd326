//! Heredia 2024 (arXiv:2411.09734) and 2025 (arXiv:2602.09101), the decay-rate claims (issue 16
//! item 2): "convex objectives exhibit exponential convergence" (2024) and "PL and KL structures
//! providing exponential or rate-based decay up to O(ρ)-dependent neighborhoods" (2025), with
//! `ρ = max{α, (α/(1−β1))², α/(1−β2)}` (heredia.md §0, §3.2, §3.4 \[src\]). The theorem statements
//! and constants could not be read (heredia.md §0): what is tested is the author's own empirical
//! protocol and a Lyapunov bound derived here.
//!
//! ## The notebooks' envelope fit (heredia.md §3.4; `nonlocal-adam/notebooks/error_phi.ipynb`)
//!
//! On `f(θ) = (1−θ)²` (`rosen1d:c=0`, f* = 0, μ-PL with μ = 2: `|f'|² = 4f`), θ0 = −1.5,
//! β = (0.99, 0.999), α = 1e-3, `Φ(t) = max(f(θ(t)) − f*, 1e-16)` sampled at `t_k = kα`,
//! k = 0..5999 (T_end = 5.999):
//! 1. envelope `env_i = max Φ_j` over `j ∈ [i − w, i]`, `w = max(3, ⌊0.1/Δt⌋)` (window 0.1);
//! 2. `B = max env` over the tail `t ≥ T_end − 1.7`;
//! 3. `ω = −slope` of the least-squares line of `ln(env − B)` against `t − δ` over
//!    `t ∈ [δ, max(δ + 1e-6, T_end − 1.7)]` where `env > B` (δ = 1; at least 5 points);
//! 4. `A = max_{t ≥ δ} max(env − B, 0)·e^{ω(t−δ)}`, so `env ≤ A e^{−ω(t−δ)} + B` on `t ≥ δ`.
//!
//! This follows the notebook's code line by line (read in the author's repository); the only
//! change is `⌊0.1/Δt + 1e-9⌋` to make the window width immune to the rounding of `Δt`. The
//! notebook prints, for discrete Adam, B = 1.351972e-3, ω = 2.332687, A = 13.04846 and no
//! violation; reproduced here (checks, relative tolerance 1e-6: the printed values have seven
//! significant digits, i.e. a rounding error up to 3.7e-7 relative, and optdyn's Adam reassociates
//! the bias correction, which moves θ by O(1e-16)). The notebook's second-order run (its Picard
//! solver from t0 = α, forcing at t + α, five grid points per α) gave B = 1.369918e-3,
//! ω = 2.331990; optdyn's `adam-ide2:u0=1` is the same equation solved exactly from t0 = 0 with
//! the forcing at t (sampled at kα, same window widths in time), so only a note compares them.
//!
//! **What B is.** B is the envelope at the start of the tail window, not a floor: along every run
//! here Φ keeps decreasing to 1e-16 (the clip), so B shrinks when the horizon grows (the table
//! repeats the fit with T = 12) and ω depends on the horizon too (Adam's `√v` forgets the large
//! early gradients on the memory time `α/(1−β2)`, so the effective step grows and the decay is
//! faster than exponential on these runs). Because `env − B → 0` at the end of the fit window the
//! protocol biases ω upward (on a synthetic `A e^{−ωt} + B` the bias is ≈ +1.3 %, see the test).
//! "How B scales with ρ" is therefore reported (order of B in ρ by least squares over
//! lr ∈ {5e-4 … 5e-2}, β fixed, where ρ = α/(1−β2) = 1000α) as a plain note, per horizon: the
//! paper states an O(ρ) neighbourhood without a number, so there is no check.
//!
//! ## The Lyapunov bound on ω (derived here)
//!
//! Take `V = Φ = f − f*`. Along any differentiable path `V' = ⟨∇f, θ'⟩ = −p(t)|∇f|²` with
//! `p(t) = −⟨∇f, θ'⟩/|∇f|²`. For the first-order nonlocal Adam flow (`adam-ide1`)
//! `θ' = −a(t) m/(√v + ε(t))` (per coordinate), so in 1-D
//! `p = a(t)·q(t)/(√v + ε(t))`, `q = m/g`, `a(t) = √(1−β2^{t/α})/(1−β1^{t/α})`,
//! `ε(t) = ε√(1−β2^{t/α})`. If f is μ-PL (`|∇f|² ≥ 2μ(f − f*)`) and `p ≥ p_min > 0` on a window
//! W, then `V' ≤ −2μ p_min V`, hence
//!
//! `Φ(t) ≤ Φ(t1) e^{−ω_L (t − t1)}` on W,   `ω_L = 2μ p_min ≥ 2μ·a_min q_min/(√v_max + ε)`.
//!
//! With `m = g` (q = 1) and `a = 1` this is the `ω ≥ 2μ/(√v_max + ε)` of a preconditioned gradient
//! flow. μ, p, q, a, v are measured along the run (μ as `min |∇f|²/(2Φ)`, = 2 here). The
//! derivation needs `p > 0`, i.e. m and g of the same sign (no momentum overshoot), on
//! `W = [δ − 0.1, T_end − 1.7]`; then Φ is decreasing on W, the envelope is Φ delayed by the
//! window, and `ln(env − B)` has slope ≤ −ω_L, so the fitted ω ≥ ω_L (the least-squares slope
//! is a nonnegative average of local slopes). Both consequences are checked for `adam-ide1` at
//! every lr where `p_min > 0` (the table says where); where `p` changes sign the derivation does
//! not apply and nothing is checked. For `adam-ide2` (`(α/2)θ'' + θ' = −a m/(√v+ε)`) the
//! first-order bound does not follow from the equation — its natural energy is
//! `P(f − f*) + (α/4)|θ'|²` with P frozen (heredia.md §3.4 \[der\]), whose rate needs constants we
//! do not have — so `ω_L` computed from its measured `θ'` is shown for comparison only, and for
//! discrete Adam not at all.
//!
//! Sources: heredia.md §3.2 (ρ), §3.4 (protocol and numbers, \[nb\]), §2.2 and §3.4 \[der\] (the
//! Lyapunov candidates); the bound above is a reconstruction, not the paper's theorem.

use super::{Check, Report};
use crate::analysis::fit::{linear, power_law};
use crate::io::{fmt_f64, write_atomic};
use crate::model::{AdamIde1, AdamIde2, Start};
use crate::objective::builtin::Rosen1d;
use crate::optim::Adam;
use crate::plot::{save_figure, save_panels, Figure, Series, Style};
use crate::run::{Problem, Run};
use crate::stop::StopReason;
use crate::trajectory::Trajectory;
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::Path;

const SRC_NB: &str = "heredia.md §3.4 (notebook error_phi, discrete)";
const SRC_LYAP: &str = "Lyapunov bound V' ≤ −2μ p_min V (module doc)";
/// β of the notebooks.
const BETAS: (f64, f64) = (0.99, 0.999);
/// Initial point and velocity of the notebook runs.
const THETA0: f64 = -1.5;
const U0: f64 = 1.0;
/// Lower clip of Φ (the notebook's `EPS`).
const PHI_FLOOR: f64 = 1e-16;
/// The notebook's learning rate.
const LR_SHOW: f64 = 1e-3;
/// Learning rates of the table.
const LRS: [f64; 7] = [5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2];
/// Horizons: the notebook's (runs of 6000 samples of α = 1e-3) and twice it.
const HORIZONS: [f64; 2] = [6.0, 12.0];
/// The three dynamics compared.
const KINDS: [&str; 3] = ["discrete", "adam-ide1", "adam-ide2:u0=1"];
/// Adam's ε (optdyn's and PyTorch's default).
const EPS: f64 = 1e-8;
/// Samples with Φ at or below this are left out of the Lyapunov measurements (round-off level).
const PHI_MEASURABLE: f64 = 1e-14;
/// Allowed log-excess of Φ over the Lyapunov bound (integrator error; the bound itself is sharp).
const LYAP_TOL: f64 = 1e-6;

/// The envelope protocol's widths (times, not sample counts).
#[derive(Debug, Clone, Copy)]
pub struct Protocol {
    /// Initial layer discarded from the fit (δ).
    pub delta: f64,
    /// Width of the running-max window.
    pub envelope_window: f64,
    /// Width of the final window that sets B.
    pub tail_window: f64,
}

/// The notebooks' values: δ = 1, envelope window 0.1, tail window 1.7.
pub const NOTEBOOK: Protocol = Protocol {
    delta: 1.0,
    envelope_window: 0.1,
    tail_window: 1.7,
};

/// The result of the envelope fit `env ≤ A e^{−ω(t−δ)} + B`.
#[derive(Debug, Clone)]
pub struct EnvelopeFit {
    /// The running-max envelope, one value per sample.
    pub env: Vec<f64>,
    /// The tail level B.
    pub b: f64,
    /// The fitted rate ω (`None` with fewer than five usable points or a non-positive slope).
    pub omega: Option<f64>,
    /// The amplitude A (with ω).
    pub a: Option<f64>,
    /// End of the fit window, `max(δ + 1e-6, T_end − tail)`.
    pub t_fit_end: f64,
    /// `max (env − bound)` over all samples (≤ 0: no violation).
    pub max_violation: f64,
}

impl EnvelopeFit {
    /// The bound `A e^{−ω(t−δ)} + B` at `t` (B alone without a fitted rate).
    pub fn bound(&self, t: f64, delta: f64) -> f64 {
        match (self.a, self.omega) {
            (Some(a), Some(w)) => a * (-w * (t - delta)).exp() + self.b,
            _ => self.b,
        }
    }
}

/// Running maximum of `y` over the previous `⌊window/Δt⌋` samples (at least 3) and the current
/// one, `Δt` the mean sample spacing of `t`.
pub fn upper_envelope(t: &[f64], y: &[f64], window: f64) -> Vec<f64> {
    let n = y.len().min(t.len());
    if n < 3 {
        return y[..n].to_vec();
    }
    let dt = (t[n - 1] - t[0]) / (n - 1) as f64;
    let w = ((window / dt + 1e-9).floor() as usize).max(3);
    (0..n)
        .map(|i| {
            y[i.saturating_sub(w)..=i]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect()
}

/// ω of `env ≈ A e^{−ω(t−δ)} + B`: least squares of `ln(env − B)` on `t − δ` over
/// `t ∈ [δ, t_end]` where `env > B`; `None` with fewer than five such points.
pub fn fit_rate(t: &[f64], env: &[f64], b: f64, delta: f64, t_end: f64) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = t
        .iter()
        .zip(env)
        .filter(|(s, e)| **s >= delta && **s <= t_end && **e > b)
        .map(|(s, e)| (s - delta, (e - b).ln()))
        .unzip();
    if x.len() < 5 {
        return None;
    }
    linear(&x, &y).map(|f| -f.slope)
}

/// The notebooks' protocol on the samples `(t, y)` (module doc, steps 1–4).
pub fn envelope_fit(t: &[f64], y: &[f64], p: &Protocol) -> EnvelopeFit {
    let env = upper_envelope(t, y, p.envelope_window);
    let n = env.len();
    let t_last = t.get(n.wrapping_sub(1)).copied().unwrap_or(0.0);
    let tail_start = (t_last - p.tail_window).max(0.0);
    let b = t
        .iter()
        .zip(&env)
        .filter(|(s, _)| **s >= tail_start)
        .map(|(_, e)| *e)
        .fold(f64::NEG_INFINITY, f64::max);
    let t_fit_end = (p.delta + 1e-6).max(t_last - p.tail_window);
    let omega = fit_rate(t, &env, b, p.delta, t_fit_end).filter(|w| *w > 0.0);
    let a = omega.map(|w| {
        t.iter()
            .zip(&env)
            .filter(|(s, _)| **s >= p.delta)
            .map(|(s, e)| (e - b).max(0.0) * (w * (s - p.delta)).exp())
            .fold(0.0, f64::max)
    });
    let mut fit = EnvelopeFit {
        env,
        b,
        omega,
        a,
        t_fit_end,
        max_violation: f64::NAN,
    };
    fit.max_violation = t
        .iter()
        .zip(&fit.env)
        .map(|(s, e)| e - fit.bound(*s, p.delta))
        .fold(f64::NEG_INFINITY, f64::max);
    fit
}

/// `ρ = max{α, (α/(1−β1))², α/(1−β2)}`.
fn rho(alpha: f64) -> f64 {
    super::heredia2025_rho::rho(alpha, BETAS.0, BETAS.1)
}

/// The Lyapunov quantities of one run on the window `[δ − envelope window, t_fit_end]`.
#[derive(Debug, Clone, Copy)]
struct Lyapunov {
    /// `min |∇f|²/(2Φ)` (the PL constant seen by the run).
    mu: f64,
    /// `min p`, `p = −⟨∇f, θ'⟩/|∇f|²`.
    p_min: f64,
    /// `2μ p_min`.
    omega_l: f64,
    /// `2μ a_min q_min/(√v_max + ε)` (adam-ide1 only, else NaN).
    omega_weak: f64,
    /// `max_{t∈W} [ln Φ(t) − ln Φ(t1) + ω_L (t − t1)]` (≤ 0 when the bound holds).
    excess: f64,
}

/// One dynamics at one lr and horizon.
struct Row {
    kind: &'static str,
    lr: f64,
    horizon: f64,
    t: Vec<f64>,
    phi: Vec<f64>,
    fit: EnvelopeFit,
    lyap: Option<Lyapunov>,
}

fn finished(tr: Trajectory, what: &str, lr: f64) -> Result<Trajectory> {
    if matches!(tr.stop, StopReason::Finished) {
        Ok(tr)
    } else {
        Err(Error::numerical(format!(
            "heredia-decay: {what} at lr = {lr} stopped early: {:?}",
            tr.stop
        )))
    }
}

/// Measures μ, p and the bound on the window; `vel` is θ' per sample, `mv` the (m, v) moments of
/// the first-order model (for the weak form).
fn lyapunov(
    problem: &Problem,
    tr: &Trajectory,
    phi: &[f64],
    vel: &[f64],
    mv: Option<(Vec<f64>, Vec<f64>)>,
    (lr, from, to): (f64, f64, f64),
) -> Lyapunov {
    let obj = problem.objective();
    let mut g = [0.0];
    let idx: Vec<usize> = (0..tr.len())
        .filter(|&i| tr.t(i) >= from - 1e-12 && tr.t(i) <= to + 1e-12)
        .filter(|&i| phi[i] > PHI_MEASURABLE)
        .collect();
    if idx.is_empty() {
        return Lyapunov {
            mu: f64::NAN,
            p_min: f64::NAN,
            omega_l: f64::NAN,
            omega_weak: f64::NAN,
            excess: f64::NAN,
        };
    }
    let (mut mu, mut p_min) = (f64::INFINITY, f64::INFINITY);
    let (mut a_min, mut q_min, mut v_max) = (f64::INFINITY, f64::INFINITY, 0.0_f64);
    for &i in &idx {
        obj.gradient(tr.x(i), &mut g);
        mu = mu.min(g[0] * g[0] / (2.0 * phi[i]));
        p_min = p_min.min(-g[0] * vel[i] / (g[0] * g[0]));
        if let Some((m, v)) = &mv {
            let s = tr.t(i) / lr;
            a_min = a_min.min((1.0 - BETAS.1.powf(s)).sqrt() / (1.0 - BETAS.0.powf(s)));
            q_min = q_min.min(m[i] / g[0]);
            v_max = v_max.max(v[i]);
        }
    }
    let omega_l = 2.0 * mu * p_min;
    let omega_weak = if mv.is_some() {
        2.0 * mu * a_min * q_min / (v_max.sqrt() + EPS)
    } else {
        f64::NAN
    };
    let excess = idx.first().map_or(f64::NAN, |&i1| {
        idx.iter()
            .map(|&i| phi[i].ln() - phi[i1].ln() + omega_l * (tr.t(i) - tr.t(i1)))
            .fold(f64::NEG_INFINITY, f64::max)
    });
    Lyapunov {
        mu,
        p_min,
        omega_l,
        omega_weak,
        excess,
    }
}

fn measure(problem: &Problem, kind: &'static str, lr: f64, horizon: f64) -> Result<Row> {
    let adam = Adam::default().lr(lr).betas(BETAS.0, BETAS.1);
    let steps = (horizon / lr).round() as u64 - 1;
    let obj = problem.objective().clone();
    let (tr, vel, mv) = match kind {
        "adam-ide1" => {
            let model = AdamIde1::of(&adam, obj)?;
            let tr = Run::model(problem, &model, lr).steps(steps).trajectory()?;
            let tr = finished(tr, kind, lr)?;
            let vel = super::heredia2025_rho::velocity(&model, &tr);
            let mv = tr.block_series("m", 0).zip(tr.block_series("v", 0));
            (tr, Some(vel), mv)
        }
        "adam-ide2:u0=1" => {
            let model = AdamIde2::with(&adam, U0, Start::Zero, obj)?;
            let tr = Run::model(problem, &model, lr).steps(steps).trajectory()?;
            let tr = finished(tr, kind, lr)?;
            let vel = tr.block_series("vel", 0);
            (tr, vel, None)
        }
        _ => {
            let tr = Run::discrete(problem, &adam).steps(steps).trajectory()?;
            (finished(tr, kind, lr)?, None, None)
        }
    };
    let t = tr.times().to_vec();
    let phi: Vec<f64> = tr.losses().iter().map(|l| l.max(PHI_FLOOR)).collect();
    let fit = envelope_fit(&t, &phi, &NOTEBOOK);
    let window = (lr, NOTEBOOK.delta - NOTEBOOK.envelope_window, fit.t_fit_end);
    let lyap = vel.map(|v| lyapunov(problem, &tr, &phi, &v, mv, window));
    Ok(Row {
        kind,
        lr,
        horizon,
        t,
        phi,
        fit,
        lyap,
    })
}

fn opt(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.6}"))
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "model,lr,rho,horizon,B,omega,A,max_violation,tail_min_phi,mu,p_min,omega_lyapunov,\
         omega_lyapunov_weak,lyapunov_bound_applies\n",
    );
    let nan = f64::NAN;
    for r in rows {
        let l = r.lyap;
        let tail = r.horizon - NOTEBOOK.tail_window - r.lr;
        let tail_min =
            r.t.iter()
                .zip(&r.phi)
                .filter(|(t, _)| **t >= tail)
                .map(|(_, p)| *p)
                .fold(f64::INFINITY, f64::min);
        let cells: Vec<String> = [
            r.lr,
            rho(r.lr),
            r.horizon,
            r.fit.b,
            r.fit.omega.unwrap_or(nan),
            r.fit.a.unwrap_or(nan),
            r.fit.max_violation,
            tail_min,
            l.map_or(nan, |l| l.mu),
            l.map_or(nan, |l| l.p_min),
            l.map_or(nan, |l| l.omega_l),
            l.map_or(nan, |l| l.omega_weak),
        ]
        .iter()
        .map(|v| fmt_f64(*v))
        .collect();
        let applies = r.kind == "adam-ide1" && l.is_some_and(|l| l.p_min > 0.0);
        let _ = writeln!(s, "{},{},{applies}", r.kind, cells.join(","));
    }
    s
}

/// Every `k`-th point (and the last), for the plots.
fn thin(x: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().step_by(k).copied().collect();
    if !x.is_empty() && !(x.len() - 1).is_multiple_of(k) {
        v.extend(x.last());
    }
    v
}

fn envelope_figures(rows: &[Row]) -> Vec<Figure> {
    rows.iter()
        .filter(|r| r.lr == LR_SHOW && r.horizon == HORIZONS[0])
        .map(|r| {
            let mut f = Figure::new(
                &format!(
                    "{}, lr = {}: B = {:.3e}, ω = {}",
                    r.kind,
                    r.lr,
                    r.fit.b,
                    opt(r.fit.omega)
                ),
                "t",
                "f(θ(t)) − f*",
            );
            f.log_y = true;
            let t = thin(&r.t, 10);
            let bound: Vec<f64> = t
                .iter()
                .map(|s| r.fit.bound(*s, NOTEBOOK.delta).max(PHI_FLOOR))
                .collect();
            f.series
                .push(Series::line("Φ = f − f*", t.clone(), thin(&r.phi, 10)));
            f.series.push(Series::line(
                "envelope (window 0.1)",
                t.clone(),
                thin(&r.fit.env, 10),
            ));
            f.series
                .push(Series::line("A e^{−ω(t−δ)} + B", t, bound).styled(Style::Dashed));
            f
        })
        .collect()
}

/// Runs the notebook protocol and the decay-rate table; writes `decay_rates.csv` and figures.
pub fn run(dir: &Path) -> Result<Report> {
    let problem = Problem::new(Rosen1d::new(0.0)?, vec![THETA0])?;
    let mut rep = Report::new("heredia-decay");
    let mut rows = Vec::new();
    for &horizon in &HORIZONS {
        for &lr in &LRS {
            for kind in KINDS {
                rows.push(measure(&problem, kind, lr, horizon)?);
            }
        }
    }
    let path = dir.join("decay_rates.csv");
    write_atomic(&path, csv(&rows).as_bytes())?;
    rep.files.push(path);

    // The notebook's numbers.
    let find = |kind: &str, lr: f64, horizon: f64| {
        rows.iter()
            .find(|r| r.kind == kind && r.lr == lr && r.horizon == horizon)
    };
    let disc = find("discrete", LR_SHOW, HORIZONS[0])
        .ok_or_else(|| Error::numerical("heredia-decay: the notebook run is missing"))?;
    for (what, want, got) in [
        ("B", 1.351972e-3, disc.fit.b),
        ("ω", 2.332687, disc.fit.omega.unwrap_or(f64::NAN)),
        ("A", 13.04846, disc.fit.a.unwrap_or(f64::NAN)),
    ] {
        rep.checks.push(Check::rel(
            format!("discrete Adam, lr = 1e-3: {what}"),
            want,
            got,
            1e-6,
            SRC_NB,
        ));
    }
    rep.checks.push(Check::abs(
        "discrete Adam, lr = 1e-3: max(0, max violation of the bound)",
        0.0,
        disc.fit.max_violation.max(0.0),
        1e-12,
        "heredia.md §3.4: zero violations (the notebook counts env − bound > 1e-12)",
    ));
    if let Some(r) = find("adam-ide2:u0=1", LR_SHOW, HORIZONS[0]) {
        let w = r.fit.omega.unwrap_or(f64::NAN);
        rep.notes.push(format!(
            "adam-ide2:u0=1, lr = 1e-3 (exact solve from t0 = 0, forcing at t): B = {:.6e}, \
             ω = {w:.6}, A = {}; the notebook's Picard solve (t0 = α, forcing at t + α) gave \
             B = 1.369918e-3, ω = 2.331990, A = 13.09745 (relative differences {:+.2e}, {:+.2e})",
            r.fit.b,
            opt(r.fit.a),
            r.fit.b / 1.369918e-3 - 1.0,
            w / 2.331990 - 1.0,
        ));
    }

    // The table.
    let mut table = String::from(
        "decay-rate table (rosen1d:c=0, θ0 = −1.5, β = (0.99, 0.999), δ = 1, windows 0.1 / 1.7): \
         model | lr | ρ | T | B | ω | A | ω_L (Lyapunov, where it applies)",
    );
    for r in &rows {
        let lyap = match r.lyap {
            Some(l) if l.p_min > 0.0 && r.kind == "adam-ide1" => format!("{:.4}", l.omega_l),
            Some(l) if l.p_min > 0.0 => format!("({:.4}, comparison only)", l.omega_l),
            Some(l) => format!("n/a (p_min = {:.2e} ≤ 0)", l.p_min),
            None => "—".into(),
        };
        let _ = write!(
            table,
            "\n  {:<15} | {:<6} | {:<5.2} | {:>2} | {:.4e} | {:>9} | {:>11} | {lyap}",
            r.kind,
            r.lr,
            rho(r.lr),
            r.horizon,
            r.fit.b,
            opt(r.fit.omega),
            r.fit.a.map_or("n/a".into(), |a| format!("{a:.4e}")),
        );
    }
    rep.notes.push(table);

    // The Lyapunov comparison, checked where the derivation holds.
    let mut applies = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.kind == "adam-ide1" && r.horizon == HORIZONS[0])
    {
        let Some(l) = r.lyap else { continue };
        if l.p_min <= 0.0 {
            continue;
        }
        let w = r.fit.omega.unwrap_or(f64::NAN);
        applies.push(r.lr);
        rep.checks.push(Check::abs(
            format!("adam-ide1, lr = {}: max(0, ω_L − ω)", r.lr),
            0.0,
            (l.omega_l - w).max(0.0),
            0.0,
            SRC_LYAP,
        ));
        rep.checks.push(Check::abs(
            format!(
                "adam-ide1, lr = {}: max(0, log-excess of Φ over the bound)",
                r.lr
            ),
            0.0,
            l.excess.max(0.0),
            LYAP_TOL,
            SRC_LYAP,
        ));
        rep.notes.push(format!(
            "adam-ide1, lr = {}: μ = {:.4}, p_min = {:.4}, ω_L = 2μ p_min = {:.4} (weak form \
             2μ a_min q_min/(√v_max + ε) = {:.4}); fitted ω = {w:.4} = {:.2} ω_L",
            r.lr,
            l.mu,
            l.p_min,
            l.omega_l,
            l.omega_weak,
            w / l.omega_l
        ));
    }
    rep.notes.push(format!(
        "The Lyapunov bound applies (p > 0 on [δ − 0.1, T − 1.7], adam-ide1, T = 6) at lr ∈ {:?}; \
         at the other lrs the momentum overshoots (m and ∇f of opposite sign) and nothing is \
         checked. For adam-ide2 ω_L is computed from its measured θ' for comparison only.",
        applies
    ));

    // B against ρ.
    let mut bfig = Figure::new("B vs ρ (β = (0.99, 0.999), ρ = 1000 lr)", "ρ", "B");
    bfig.log_x = true;
    bfig.log_y = true;
    for &horizon in &HORIZONS {
        let mut orders = Vec::new();
        for kind in KINDS {
            let sel: Vec<&Row> = rows
                .iter()
                .filter(|r| r.kind == kind && r.horizon == horizon)
                .collect();
            let x: Vec<f64> = sel.iter().map(|r| rho(r.lr)).collect();
            let y: Vec<f64> = sel.iter().map(|r| r.fit.b).collect();
            let fit = power_law(&x, &y);
            orders.push(format!(
                "{kind} {}",
                fit.map_or("n/a".into(), |f| format!("{:.2} ± {:.2}", f.p, f.p_stderr))
            ));
            let style = if horizon == HORIZONS[0] {
                Style::LinePoints
            } else {
                Style::Dashed
            };
            bfig.series
                .push(Series::line(format!("{kind}, T = {horizon}"), x, y).styled(style));
        }
        rep.notes.push(format!(
            "order of B in ρ (least squares over lr ∈ {LRS:?}), T = {horizon}: {}",
            orders.join("; ")
        ));
    }
    rep.notes.push(
        "B is the envelope at the start of the tail window, not a floor: Φ keeps decreasing on \
         every run (see tail_min_phi in decay_rates.csv) and B falls by orders of magnitude from \
         T = 6 to T = 12 (at T = 12 the smallest lrs reach the clip 1e-16, which inflates that \
         order), so its 'order in ρ' measures how far each run has got by T − 1.7 (larger lr = \
         longer memory in time units here), not an O(ρ) neighbourhood. The curves in \
         decay_envelopes bend down on the log scale: the decay is faster than exponential."
            .into(),
    );
    rep.files.extend(save_panels(
        &envelope_figures(&rows),
        3,
        &dir.join("decay_envelopes"),
    )?);
    rep.files
        .extend(save_figure(&bfig, &dir.join("decay_b_vs_rho"))?);
    Ok(rep)
}
