//! `compare`: a discrete optimizer and any set of its continuous models on one objective and one
//! clock `t_k = k·lr`, with the gaps `E_T = ‖θ_K − θ(T)‖`, `E_f = |f(θ_K) − f(θ(T))|` and the
//! gap over time.

use crate::integrate;
use crate::model;
use crate::objective::Objective;
use crate::optim;
use crate::simulate::{self, RunOptions};
use crate::spec::Spec;
use crate::trajectory::Trajectory;
use crate::Result;
use serde::Serialize;
use std::sync::Arc;

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareSetup {
    /// Optimizer spec (its `lr` sets the clock).
    pub optimizer: String,
    /// Model specs.
    pub models: Vec<String>,
    /// Integrator spec for the models (default `rk4:substeps=10`).
    pub integrator: Option<String>,
    /// Start point.
    pub x0: Vec<f64>,
    /// Number of optimizer steps K (T = K·lr).
    pub steps: u64,
    /// Record every N-th step.
    pub every: u64,
}

/// One model's run and its gap to the discrete iterates.
#[derive(Debug, Clone, Serialize)]
pub struct ModelComparison {
    /// Model spec.
    pub model: String,
    /// Its samples at `t_k`.
    pub trajectory: Trajectory,
    /// `θ'(t_k)` from the model's right-hand side, row-major `rows × n`.
    pub velocity: Vec<f64>,
    /// Integrator statistics.
    pub stats: integrate::Stats,
    /// `‖θ_K − θ(T)‖` at the last common sample (NaN if either run stopped early).
    pub e_t: f64,
    /// `|f(θ_K) − f(θ(T))|`.
    pub e_f: f64,
    /// `‖θ_k − θ(t_k)‖` at every common sample.
    pub gap: Vec<f64>,
    /// Wall-clock time of the solve, seconds.
    pub seconds: f64,
}

/// The discrete run and every model beside it.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The discrete iterates (with the optimizer's state columns).
    pub discrete: Trajectory,
    /// One entry per model.
    pub models: Vec<ModelComparison>,
    /// The learning rate (clock unit).
    pub lr: f64,
}

fn gap_between(d: &Trajectory, m: &Trajectory) -> Vec<f64> {
    let rows = d.len().min(m.len());
    (0..rows)
        .map(|i| {
            d.x(i)
                .iter()
                .zip(m.x(i))
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .collect()
}

/// Runs the discrete optimizer and each model, sampled at the same steps.
pub fn compare(obj: Arc<dyn Objective>, setup: &CompareSetup) -> Result<Comparison> {
    let opt = optim::parse(&setup.optimizer)?;
    let ospec = Spec::parse(&setup.optimizer)?;
    let lr = opt.lr();
    let o = RunOptions {
        steps: setup.steps,
        every: setup.every.max(1),
        record_state: true,
        ..RunOptions::default()
    };
    let discrete = simulate::run_discrete(obj.as_ref(), opt.as_ref(), &setup.x0, &o);
    let ispec = setup
        .integrator
        .clone()
        .unwrap_or_else(|| "rk4:substeps=10".to_string());
    let integ = integrate::parse(&ispec)?;
    let mut models = Vec::new();
    for mspec in &setup.models {
        let m = model::parse(mspec, &ospec, obj.clone())?;
        let start = std::time::Instant::now();
        let run = simulate::run_model(obj.as_ref(), m.as_ref(), integ.as_ref(), &setup.x0, lr, &o);
        let seconds = start.elapsed().as_secs_f64();
        let tr = run.trajectory;
        let n = m.n();
        let mut velocity = Vec::with_capacity(tr.len() * n);
        let mut z = vec![0.0; m.dim()];
        let mut dz = vec![0.0; m.dim()];
        for i in 0..tr.len() {
            let row = tr.row(i);
            z[..n].copy_from_slice(&row[4..4 + n]);
            z[n..].copy_from_slice(&row[4 + n..]);
            m.rhs(row[1], &z, &mut dz);
            velocity.extend_from_slice(&dz[..n]);
        }
        let gap = gap_between(&discrete, &tr);
        let complete = discrete.stop.is_ok() && tr.stop.is_ok() && tr.len() == discrete.len();
        let (e_t, e_f) = if complete && !tr.is_empty() {
            let i = tr.len() - 1;
            (gap[i], (discrete.row(i)[2] - tr.row(i)[2]).abs())
        } else {
            (f64::NAN, f64::NAN)
        };
        models.push(ModelComparison {
            model: mspec.clone(),
            trajectory: tr,
            velocity,
            stats: run.stats,
            e_t,
            e_f,
            gap,
            seconds,
        });
    }
    Ok(Comparison {
        discrete,
        models,
        lr,
    })
}
