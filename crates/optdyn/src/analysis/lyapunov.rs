//! Lyapunov and energy monitors: is a functional non-increasing along a trajectory, by how much
//! does it rise where it does, and do the second-moment states stay non-negative.

use crate::integrate::{Integrator, Stats};
use crate::model::Model;
use crate::run::{Observer, Problem, Recorder, Run, Sample};
use crate::stop::StopReason;
use crate::trajectory::Trajectory;
use crate::Result;
use serde::Serialize;
use std::ops::ControlFlow;

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

/// The loss as a monitor (`f(θ)` along the run).
pub fn loss_monitor(tr: &Trajectory, tol: f64) -> Monitor {
    monitor(tr.times(), tr.losses(), tol)
}

/// Kinetic energy `½‖θ'‖²` from velocities stored row-major (`rows × n`).
pub fn kinetic_energy(velocity: &[f64], n: usize) -> Vec<f64> {
    velocity
        .chunks(n)
        .map(|v| 0.5 * v.iter().map(|x| x * x).sum::<f64>())
        .collect()
}

/// The smallest entry of block `name` (moment positivity `v ≥ 0` for the IDE models) and the
/// time it occurs, or `None` when the trajectory has no such block.
pub fn min_of_block(tr: &Trajectory, name: &str) -> Option<(f64, f64)> {
    let r = crate::block::range(&tr.blocks, name)?;
    let mut best = (f64::INFINITY, f64::NAN);
    for i in 0..tr.len() {
        for &v in &tr.state(i)[r.clone()] {
            if v < best.0 {
                best = (v, tr.t(i));
            }
        }
    }
    Some(best)
}

/// The model's Lyapunov functional and velocity `θ'` at every sample of its run.
struct ModelQuantities<'m> {
    model: &'m dyn Model,
    dz: Vec<f64>,
    velocity: Vec<f64>,
    lyapunov: Vec<f64>,
}

impl Observer for ModelQuantities<'_> {
    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        self.model.rhs(s.t, s.z, &mut self.dz);
        self.velocity.extend_from_slice(&self.dz[..self.model.n()]);
        if let Some(v) = self.model.lyapunov(s.t, s.z) {
            self.lyapunov.push(v);
        }
        ControlFlow::Continue(())
    }
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

/// Integrates `model` on `problem` for `steps` steps of learning rate `lr` (every step sampled)
/// and evaluates the loss, its Lyapunov functional, the kinetic energy and moment positivity at
/// every sample; rises larger than `tol·max(1, |V_0|)` are flagged. With `sharpness = K > 0`
/// the top `K` Hessian eigenvalues are measured too (`sharp0…` columns of the trajectory).
pub fn model_monitors(
    problem: &Problem,
    model: &dyn Model,
    integrator: Option<&dyn Integrator>,
    lr: f64,
    steps: u64,
    tol: f64,
    sharpness: usize,
) -> Result<ModelMonitors> {
    if tol.is_nan() || tol < 0.0 {
        return Err(crate::Error::param(
            "monitor",
            "tol",
            tol,
            crate::error::Allowed::NonNegative,
        ));
    }
    let sharp = super::sharpness::Sharpness::new(problem.objective().clone(), sharpness);
    let mut run = Run::model(problem, model, lr).steps(steps);
    if let Some(i) = integrator {
        run = run.integrator(i);
    }
    if sharpness > 0 {
        run = run.measure(&sharp);
    }
    let mut rec = Recorder::default();
    let mut q = ModelQuantities {
        model,
        dz: vec![0.0; model.dim()],
        velocity: Vec::new(),
        lyapunov: Vec::new(),
    };
    let end = run.execute(&mut [&mut rec, &mut q])?;
    let tr = rec.into_trajectory();
    let n = model.n();
    let lyapunov = (!tr.is_empty() && q.lyapunov.len() == tr.len())
        .then(|| monitor(tr.times(), &q.lyapunov, tol));
    Ok(ModelMonitors {
        loss: loss_monitor(&tr, tol),
        lyapunov,
        kinetic: kinetic_energy(&q.velocity, n),
        min_v: min_of_block(&tr, "v"),
        stats: end.stats.unwrap_or_default(),
        trajectory: tr,
    })
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
        let mut tr = Trajectory::new(2, crate::block::uniform(&["v"], 2));
        tr.push(0, 0.0, 1.0, 1.0, &[0.0, 0.0], &[0.5, 0.2]);
        tr.push(1, 0.1, 1.0, 1.0, &[0.0, 0.0], &[0.4, -0.1]);
        assert_eq!(min_of_block(&tr, "v"), Some((-0.1, 0.1)));
        assert_eq!(min_of_block(&tr, "m"), None);
        assert_eq!(kinetic_energy(&[3.0, 4.0], 2), vec![12.5]);
    }
}
