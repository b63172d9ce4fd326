//! Lyapunov and energy monitors: is a functional non-increasing along a trajectory, by how much
//! does it rise where it does, and do the second-moment states stay non-negative.

use crate::integrate::{Integrator, Stats};
use crate::model::Model;
use crate::objective::Objective;
use crate::simulate::{run_model, RunOptions};
use crate::trajectory::Trajectory;
use serde::Serialize;

/// A scalar functional sampled along a trajectory.
#[derive(Debug, Clone, Serialize)]
pub struct Monitor {
    /// Sample times.
    pub t: Vec<f64>,
    /// Values.
    pub values: Vec<f64>,
    /// Largest rise between consecutive samples, `max_k (V_{k+1} − V_k)` (≤ 0 when monotone).
    pub max_increase: f64,
    /// Time at which the largest rise ends.
    pub t_max_increase: f64,
    /// True when no rise exceeds `tol·max(1, |V_0|)`.
    pub non_increasing: bool,
}

/// Checks that `values` (sampled at `t`) never rises by more than `tol·max(1, |V_0|)`.
pub fn monitor(t: &[f64], values: &[f64], tol: f64) -> Monitor {
    let mut max_increase = f64::NEG_INFINITY;
    let mut t_max = f64::NAN;
    for k in 1..values.len() {
        let d = values[k] - values[k - 1];
        if d > max_increase {
            max_increase = d;
            t_max = t[k];
        }
    }
    let scale = values.first().map_or(1.0, |v| v.abs().max(1.0));
    Monitor {
        t: t.to_vec(),
        values: values.to_vec(),
        max_increase,
        t_max_increase: t_max,
        non_increasing: max_increase <= tol * scale,
    }
}

/// The loss column as a monitor (`f(θ)` along the run).
pub fn loss_monitor(tr: &Trajectory, tol: f64) -> Monitor {
    let loss = tr.column("loss").unwrap_or_default();
    monitor(&tr.times(), &loss, tol)
}

/// Kinetic energy `½‖θ'‖²` from velocities stored row-major (`rows × n`).
pub fn kinetic_energy(velocity: &[f64], n: usize) -> Vec<f64> {
    velocity
        .chunks(n)
        .map(|v| 0.5 * v.iter().map(|x| x * x).sum::<f64>())
        .collect()
}

/// The smallest value over the columns `{prefix}0 … {prefix}{n−1}` and the time it occurs, or
/// `None` when the trajectory has no such columns (moment positivity `v ≥ 0` for the IDE models).
pub fn min_over_columns(tr: &Trajectory, prefix: &str) -> Option<(f64, f64)> {
    let cols: Vec<usize> = (0..tr.n)
        .filter_map(|i| tr.column_index(&format!("{prefix}{i}")))
        .collect();
    if cols.is_empty() {
        return None;
    }
    let mut best = (f64::INFINITY, f64::NAN);
    for i in 0..tr.len() {
        let row = tr.row(i);
        for &j in &cols {
            if row[j] < best.0 {
                best = (row[j], row[1]);
            }
        }
    }
    Some(best)
}

/// Every monitor of one model run.
#[derive(Debug, Clone, Serialize)]
pub struct ModelMonitors {
    /// The samples (θ, loss, state columns).
    pub trajectory: Trajectory,
    /// Integrator statistics.
    pub stats: Stats,
    /// `f(θ(t))`.
    pub loss: Monitor,
    /// The model's own Lyapunov functional, when it has one ([`Model::lyapunov`]).
    pub lyapunov: Option<Monitor>,
    /// Kinetic energy `½‖θ'‖²` per sample (θ' from the model's right-hand side).
    pub kinetic: Vec<f64>,
    /// Smallest second-moment state `v` and when (for models with `v` columns).
    pub min_v: Option<(f64, f64)>,
}

/// Integrates `model` and evaluates the loss, its Lyapunov functional, the kinetic energy and
/// moment positivity at every sample; rises larger than `tol·max(1, |V_0|)` are flagged.
pub fn model_monitors(
    obj: &dyn Objective,
    model: &dyn Model,
    integrator: &dyn Integrator,
    x0: &[f64],
    lr: f64,
    o: &RunOptions,
    tol: f64,
) -> ModelMonitors {
    let run = run_model(obj, model, integrator, x0, lr, o);
    let tr = run.trajectory;
    let n = model.n();
    let t = tr.times();
    let mut z = vec![0.0; model.dim()];
    let mut dz = vec![0.0; model.dim()];
    let mut vel = Vec::with_capacity(tr.len() * n);
    let mut lyap = Vec::with_capacity(tr.len());
    for i in 0..tr.len() {
        let row = tr.row(i);
        z[..n].copy_from_slice(&row[4..4 + n]);
        z[n..].copy_from_slice(&row[4 + n..]);
        model.rhs(row[1], &z, &mut dz);
        vel.extend_from_slice(&dz[..n]);
        if let Some(v) = model.lyapunov(row[1], &z) {
            lyap.push(v);
        }
    }
    let lyapunov = (!tr.is_empty() && lyap.len() == tr.len()).then(|| monitor(&t, &lyap, tol));
    ModelMonitors {
        loss: loss_monitor(&tr, tol),
        lyapunov,
        kinetic: kinetic_energy(&vel, n),
        min_v: min_over_columns(&tr, "v"),
        stats: run.stats,
        trajectory: tr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_rises() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let m = monitor(&t, &[3.0, 2.0, 1.0, 0.5], 1e-12);
        assert!(m.non_increasing && m.max_increase == -0.5);
        let m = monitor(&t, &[3.0, 2.0, 2.5, 0.5], 1e-12);
        assert!(!m.non_increasing);
        assert_eq!(m.max_increase, 0.5);
        assert_eq!(m.t_max_increase, 2.0);
    }

    #[test]
    fn min_over_moment_columns() {
        let mut tr = Trajectory::new(2, &["v0".into(), "v1".into()]);
        tr.push(0, 0.0, 1.0, 1.0, &[0.0, 0.0], &[0.5, 0.2]);
        tr.push(1, 0.1, 1.0, 1.0, &[0.0, 0.0], &[0.4, -0.1]);
        assert_eq!(min_over_columns(&tr, "v"), Some((-0.1, 0.1)));
        assert_eq!(min_over_columns(&tr, "m"), None);
        assert_eq!(kinetic_energy(&[3.0, 4.0], 2), vec![12.5]);
    }
}
