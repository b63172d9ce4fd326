//! `compare`: a discrete optimizer and any set of its continuous models on one objective and one
//! clock `t_k = k·lr`, with the gaps `E_T = ‖θ_K − θ(T)‖`, `E_f = |f(θ_K) − f(θ(T))|` and the
//! gap over time.

use super::sharpness::{threshold, Sharpness, Threshold};
use crate::integrate::{self, Integrator};
use crate::model::{Model, ModelFactory};
use crate::optim::Optimizer;
use crate::run::{Observer, Problem, Run, Sample};
use crate::stop::StopReason;
use crate::trajectory::Trajectory;
use crate::Result;
use serde::Serialize;
use std::ops::ControlFlow;

/// One model's run and its gap to the discrete iterates.
#[derive(Debug, Clone, Serialize)]
pub struct ModelComparison {
    /// The model's label (its spec).
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
    /// The discrete iterates (with the optimizer's state blocks).
    pub discrete: Trajectory,
    /// One entry per model.
    pub models: Vec<ModelComparison>,
    /// The learning rate (clock unit).
    pub lr: f64,
    /// The optimizer's linear-stability threshold for the (preconditioned) sharpness, if known.
    pub threshold: Option<Threshold>,
}

/// `θ'(t_k)` at every sample of a model run, from the model's right-hand side.
pub struct Velocity<'m> {
    model: &'m dyn Model,
    dz: Vec<f64>,
    /// The velocities, row-major `samples × n`.
    pub values: Vec<f64>,
}

impl<'m> Velocity<'m> {
    /// An observer of `model`'s runs.
    pub fn new(model: &'m dyn Model) -> Self {
        Velocity {
            model,
            dz: vec![0.0; model.dim()],
            values: Vec::new(),
        }
    }
}

impl Observer for Velocity<'_> {
    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        self.model.rhs(s.t, s.z, &mut self.dz);
        self.values.extend_from_slice(&self.dz[..self.model.n()]);
        ControlFlow::Continue(())
    }
}

fn gap_between(d: &Trajectory, m: &Trajectory) -> Vec<f64> {
    let rows = d.len().min(m.len());
    (0..rows)
        .map(|i| crate::vector::distance(d.x(i), m.x(i)))
        .collect()
}

/// Runs `optimizer` for `steps` steps and each model (built from the optimizer by its factory)
/// to `T = steps·lr` with `integrator` (default `rk4:substeps=10`), sampled every `every` steps.
pub fn compare(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    models: &[&dyn ModelFactory],
    integrator: Option<&dyn Integrator>,
    steps: u64,
    every: u64,
) -> Result<Comparison> {
    compare_with_sharpness(problem, optimizer, models, integrator, steps, every, 0)
}

/// Builds every model of `optimizer` on the problem and checks the integrator can solve it,
/// so an incompatible model or integrator is an error before any run (not after the first).
pub(crate) fn check_models(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    models: &[&dyn ModelFactory],
    integrator: Option<&dyn Integrator>,
) -> Result<()> {
    for factory in models {
        let m = factory.build(optimizer, problem.objective().clone())?;
        if let Some(i) = integrator {
            i.validate()?;
            crate::integrate::memory_compatible(i, m.as_ref())?;
        }
    }
    Ok(())
}

/// [`compare`], with the top `k` Hessian eigenvalues measured at every sample of every run
/// (`sharp0…` columns; for Adam, AdamW, RMSProp, AdaGrad and scalar RMSProp also the discrete run's
/// preconditioned `psharp0…`, [`Sharpness::for_discrete`]); `k = 0` measures nothing.
pub fn compare_with_sharpness(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    models: &[&dyn ModelFactory],
    integrator: Option<&dyn Integrator>,
    steps: u64,
    every: u64,
    k: usize,
) -> Result<Comparison> {
    check_models(problem, optimizer, models, integrator)?;
    let lr = optimizer.lr();
    let every = every.max(1);
    let obj = problem.objective();
    let sharp = Sharpness::for_discrete(obj.clone(), k, optimizer);
    let mut run = Run::discrete(problem, optimizer)
        .steps(steps)
        .every(every)
        .record_state(true);
    if k > 0 {
        run = run.measure(&sharp);
    }
    let discrete = run.trajectory()?;
    let mut out = Vec::new();
    for factory in models {
        let m = factory.build(optimizer, problem.objective().clone())?;
        let start = std::time::Instant::now();
        let model_sharp = Sharpness::new(obj.clone(), k);
        let mut run = Run::model(problem, m.as_ref(), lr)
            .steps(steps)
            .every(every);
        if let Some(i) = integrator {
            run = run.integrator(i);
        }
        if k > 0 {
            run = run.measure(&model_sharp);
        }
        let mut rec = crate::run::Recorder::default();
        let mut vel = Velocity::new(m.as_ref());
        let end = run.execute(&mut [&mut rec, &mut vel])?;
        let seconds = start.elapsed().as_secs_f64();
        let tr = rec.into_trajectory();
        let gap = gap_between(&discrete, &tr);
        let complete = discrete.stop.is_ok() && tr.stop.is_ok() && tr.len() == discrete.len();
        let (e_t, e_f) = if complete && !tr.is_empty() {
            let i = tr.len() - 1;
            (gap[i], (discrete.loss(i) - tr.loss(i)).abs())
        } else {
            (f64::NAN, f64::NAN)
        };
        out.push(ModelComparison {
            model: factory.label(),
            trajectory: tr,
            velocity: vel.values,
            stats: end.stats.unwrap_or_default(),
            e_t,
            e_f,
            gap,
            seconds,
        });
    }
    Ok(Comparison {
        discrete,
        models: out,
        lr,
        threshold: threshold(optimizer),
    })
}
