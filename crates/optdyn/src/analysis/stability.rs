//! Stability regions of Adam-type updates over `(β1, β2)` (Gould–Tanaka): feed a geometrically
//! decaying gradient history `g_k = c^k` to the real optimizer and measure whether the update
//! `u_n = θ_{n−1} − θ_n` (lr = 1, ε small) stays bounded, and its growth factor per step.
//!
//! Theory (continuous_models.md §3.4): with `g_k = c^k`, `c < min(β1, √β2)`, `m_n ~ β1ⁿ`,
//! `√v_n ~ β2^{n/2}`, so `|u_n| ∝ (β1/√β2)ⁿ`: exponential growth iff `β1² > β2`.

use crate::analysis::fit::linear;
use crate::optim::{self, Optimizer};
use crate::spec::{fmt_f64, Spec};
use crate::Result;
use rayon::prelude::*;
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

/// Builds the optimizer of a cell: `(β1, β2) ↦` an Adam-type optimizer with `lr = 1`.
pub type CellOptimizer<'a> = dyn Fn(f64, f64) -> Result<Box<dyn Optimizer<f64>>> + Sync + 'a;

/// The optimizers of a spec (`adam:lr=1,eps=1e-300`, any optimizer with `beta1`/`beta2` keys)
/// with its `beta1`/`beta2` set per cell through the registry.
pub fn from_spec(spec: &str) -> Result<Box<CellOptimizer<'static>>> {
    let base = Spec::parse(spec)?;
    optim::from_spec::<f64>(&base)?;
    Ok(Box::new(move |b1: f64, b2: f64| {
        optim::from_spec(&base.with("beta1", fmt_f64(b1)).with("beta2", fmt_f64(b2)))
    }))
}

/// Runs the optimizer of `(beta1, beta2)` (use `lr = 1`) for `steps` steps on the scalar
/// gradient history `g_k = c^k` and measures the update growth. The update rule is fed a
/// prescribed gradient sequence, not the gradient of an objective, so it is stepped directly
/// rather than through the run engine.
pub fn probe(
    optimizer: &CellOptimizer<'_>,
    beta1: f64,
    beta2: f64,
    c: f64,
    steps: usize,
) -> Result<StabilityCell> {
    let opt = optimizer(beta1, beta2)?;
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

/// The map over `beta1s × beta2s` (row-major by β2), cells in parallel.
pub fn map(
    optimizer: &CellOptimizer<'_>,
    beta1s: &[f64],
    beta2s: &[f64],
    c: f64,
    steps: usize,
) -> Result<Vec<StabilityCell>> {
    let count = beta1s.len() as f64 * beta2s.len() as f64;
    crate::memory::check(
        &format!(
            "stability: a map of {} × {} cells",
            beta1s.len(),
            beta2s.len()
        ),
        // Per cell in flight (one per thread): the update history |u_n| and, for the fit over
        // its second half, the step numbers and logarithms (16 bytes per step in all).
        count * 80.0 + rayon::current_num_threads() as f64 * steps as f64 * 16.0,
        "use fewer --beta1/--beta2 values or --steps",
    )?;
    let cells: Vec<(f64, f64)> = beta2s
        .iter()
        .flat_map(|&b2| beta1s.iter().map(move |&b1| (b1, b2)))
        .collect();
    cells
        .par_iter()
        .map(|&(b1, b2)| probe(optimizer, b1, b2, c, steps))
        .collect()
}
