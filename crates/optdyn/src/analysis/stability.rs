//! Stability regions of Adam-type updates over `(β1, β2)` (Gould–Tanaka): feed a geometrically
//! decaying gradient history `g_k = c^k` to the real optimizer and measure whether the update
//! `u_n = θ_{n−1} − θ_n` (lr = 1, ε small) stays bounded, and its growth factor per step.
//!
//! Theory (continuous_models.md §3.4): with `g_k = c^k`, `c < min(β1, √β2)`, `m_n ~ β1ⁿ`,
//! `√v_n ~ β2^{n/2}`, so `|u_n| ∝ (β1/√β2)ⁿ`: exponential growth iff `β1² > β2`.

use crate::analysis::fit::linear;
use crate::optim;
use crate::Result;
use serde::Serialize;

/// One cell of the map.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StabilityCell {
    /// β1.
    pub beta1: f64,
    /// β2.
    pub beta2: f64,
    /// Measured growth factor of `|u_n|` per step over the second half of the run.
    pub growth: f64,
    /// Predicted factor `β1/√β2` (meaningful where the decay rate `c` is below both rates).
    pub predicted: f64,
    /// `max_n |u_n|`.
    pub max_update: f64,
    /// True when `β1² < β2` (the theoretical stable region).
    pub theory_stable: bool,
}

/// Runs `optimizer` (a spec whose `beta1`/`beta2` are replaced; use `lr=1`) for `steps` steps on
/// the scalar gradient history `g_k = c^k` and measures the update growth.
pub fn probe(
    optimizer: &str,
    beta1: f64,
    beta2: f64,
    c: f64,
    steps: usize,
) -> Result<StabilityCell> {
    let base = crate::spec::Spec::parse(optimizer)?;
    let spec = base
        .with("beta1", format!("{beta1:e}"))
        .with("beta2", format!("{beta2:e}"))
        .to_string();
    let opt = optim::parse(&spec)?;
    let mut st = opt.init(1);
    let mut x = [0.0f64];
    let mut logs = Vec::with_capacity(steps);
    let mut max_update = 0.0f64;
    let mut g = 1.0f64;
    for _ in 0..steps {
        let before = x[0];
        opt.step(&mut st, &mut x, &[g]);
        let u = (before - x[0]).abs() / opt.lr();
        max_update = max_update.max(u);
        logs.push(u);
        g *= c;
    }
    // Growth per step from the log-linear fit ln|u_n| ≈ a + n·ln r over the second half of the
    // steps before |u_n| underflows to zero (fast-decaying updates reach 0 within the run).
    let live = logs.iter().position(|u| *u <= 0.0).unwrap_or(steps);
    let half = live / 2;
    let ns: Vec<f64> = (half..live).map(|n| n as f64).collect();
    let ln_u: Vec<f64> = logs[half..live].iter().map(|u| u.ln()).collect();
    let growth = linear(&ns, &ln_u).map_or(f64::NAN, |f| f.slope.exp());
    Ok(StabilityCell {
        beta1,
        beta2,
        growth,
        predicted: beta1 / beta2.sqrt(),
        max_update,
        theory_stable: beta1 * beta1 < beta2,
    })
}

/// The map over `beta1s × beta2s` (row-major by β2).
pub fn map(
    optimizer: &str,
    beta1s: &[f64],
    beta2s: &[f64],
    c: f64,
    steps: usize,
) -> Result<Vec<StabilityCell>> {
    let mut out = Vec::with_capacity(beta1s.len() * beta2s.len());
    for &b2 in beta2s {
        for &b1 in beta1s {
            out.push(probe(optimizer, b1, b2, c, steps)?);
        }
    }
    Ok(out)
}
