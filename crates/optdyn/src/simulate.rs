//! Drives a discrete optimizer or a continuous model on an objective and records a
//! [`Trajectory`] on the clock `t_k = k·lr`, stopping with a reason on divergence.

use crate::integrate::{Integrator, SolveOptions, Stats};
use crate::model::Model;
use crate::objective::Objective;
use crate::optim::{Optimizer, State};
use crate::trajectory::{StopReason, Trajectory};

/// Recording and stopping options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Number of optimizer steps `K` (the model is sampled at `t_k = k·lr`, `k ≤ K`).
    pub steps: u64,
    /// Record every `every`-th step (the first and the last step are always recorded).
    pub every: u64,
    /// Divergence bound on `max |x_i|` (and on model states).
    pub max_abs: f64,
    /// Divergence bound on `|f(x)|`.
    pub max_loss: f64,
    /// Also record the optimizer's state buffers (`m0…`, `v0…`) as columns.
    pub record_state: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            steps: 1000,
            every: 1,
            max_abs: 1e12,
            max_loss: 1e200,
            record_state: false,
        }
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

/// Checks `x` and `loss`, returning the stop reason if the run must end at `step`.
pub fn check_iterate(
    x: &[f64],
    loss: f64,
    step: u64,
    t: f64,
    o: &RunOptions,
) -> Option<StopReason> {
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Some(StopReason::NonFinite {
            step,
            t,
            what: format!("x{i}"),
        });
    }
    if !loss.is_finite() {
        return Some(StopReason::NonFinite {
            step,
            t,
            what: "loss".into(),
        });
    }
    let worst = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if worst > o.max_abs {
        return Some(StopReason::Diverged {
            step,
            t,
            why: format!("max |x| = {worst:e} exceeds the bound {:e}", o.max_abs),
        });
    }
    if loss.abs() > o.max_loss {
        return Some(StopReason::Diverged {
            step,
            t,
            why: format!(
                "|loss| = {:e} exceeds the bound {:e}",
                loss.abs(),
                o.max_loss
            ),
        });
    }
    None
}

/// Runs `opt` from `x0` for `o.steps` steps. Row `k` holds `x_k` (after `k` steps), the loss and
/// gradient norm the optimizer saw at `x_k` (for minibatch objectives, the batch of step `k+1`),
/// at `t = k·lr`. A non-finite or diverging iterate stops the run; the rows before
/// it are kept and the stop reason names the step.
pub fn run_discrete(
    obj: &dyn Objective,
    opt: &dyn Optimizer<f64>,
    x0: &[f64],
    o: &RunOptions,
) -> Trajectory {
    let n = x0.len();
    let mut state: State<f64> = opt.init(n);
    let extra: Vec<String> = if o.record_state {
        opt.slot_names()
            .iter()
            .flat_map(|s| (0..n).map(move |i| format!("{s}{i}")))
            .collect()
    } else {
        Vec::new()
    };
    let mut tr = Trajectory::new(n, &extra);
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut ex = vec![0.0; extra.len()];
    let lr = opt.lr();
    let every = o.every.max(1);
    for k in 0..=o.steps {
        let t = k as f64 * lr;
        let loss = if k < o.steps {
            obj.gradient_at_step(&x, k + 1, &mut g)
        } else {
            obj.value_gradient(&x, &mut g)
        };
        if let Some(stop) = check_iterate(&x, loss, k, t, o) {
            tr.stop = stop;
            return tr;
        }
        if g.iter().any(|v| !v.is_finite()) {
            tr.stop = StopReason::NonFinite {
                step: k,
                t,
                what: "gradient".into(),
            };
            return tr;
        }
        if k % every == 0 || k == o.steps {
            if o.record_state {
                for (j, slot) in state.slots.iter().enumerate() {
                    ex[j * n..(j + 1) * n].copy_from_slice(slot);
                }
            }
            tr.push(k, t, loss, norm(&g), &x, &ex);
        }
        if k < o.steps {
            opt.step(&mut state, &mut x, &g);
        }
    }
    tr
}

/// Result of a model run: the trajectory and the integrator's work counters.
pub struct ModelRun {
    /// Samples at `t_k = t0 + k·lr` with θ, loss, gradient norm and the model's state columns.
    pub trajectory: Trajectory,
    /// Integrator statistics.
    pub stats: Stats,
}

/// Integrates `model` from `x0` with `integrator`, sampled at `t_k = t0 + k·lr` for the recorded
/// steps `k` (every `o.every`-th step and the last). A model that starts at `t0 ≠ 0` (e.g.
/// `adam-ide1:t0=lr`, the 2025 notebooks' convention) pairs step `k` with `t0 + k·lr`, as those
/// notebooks do.
pub fn run_model(
    obj: &dyn Objective,
    model: &dyn Model,
    integrator: &dyn Integrator,
    x0: &[f64],
    lr: f64,
    o: &RunOptions,
) -> ModelRun {
    let n = model.n();
    let t0 = model.t0();
    let every = o.every.max(1);
    let ks: Vec<u64> = (0..=o.steps)
        .filter(|k| k % every == 0 || *k == o.steps)
        .collect();
    let t_eval: Vec<f64> = ks.iter().map(|&k| t0 + k as f64 * lr).collect();
    let z0 = model.initial_state(x0);
    let opts = SolveOptions {
        t_eval,
        max_abs: o.max_abs,
        steady_tol: None,
        max_steps: u64::MAX,
        events: Vec::new(),
        lr: Some(lr),
    };
    let sol = integrator.solve(model, t0, &z0, &opts);
    let mut tr = Trajectory::new(n, &model.state_columns());
    let mut g = vec![0.0; n];
    for (i, &k) in ks.iter().enumerate().take(sol.t.len()) {
        let z = sol.state(i);
        let loss = obj.value_gradient(&z[..n], &mut g);
        if let Some(stop) = check_iterate(&z[..n], loss, k, sol.t[i], o) {
            tr.stop = stop;
            return ModelRun {
                trajectory: tr,
                stats: sol.stats,
            };
        }
        tr.push(k, sol.t[i], loss, norm(&g), &z[..n], &z[n..]);
    }
    tr.stop = sol.stop;
    ModelRun {
        trajectory: tr,
        stats: sol.stats,
    }
}
