//! The run engine: one loop for a discrete optimizer and one for a continuous model, both on the
//! clock `t_k = t0 + k·lr`, handing samples to observers as they are produced. Every command
//! (run, compare, converge, sweep, basins, monitor, spectrum, reproduce, learn, demo) runs
//! through here, so the sample times are computed in one place.

use super::draws::{Draws, PathObjective};
use super::measure::{Measure, Measures};
use super::observer::{Fanout, Observer};
use super::problem::Problem;
use super::recorder::Recorder;
use super::sample::{End, Kind, RunInfo, Sample};
use crate::block::{self, Block};
use crate::integrate::sde::{Brownian, SdeSolver};
use crate::integrate::{
    Event, FixedStep, Integrator, Rk4, SampleTimes, Sink, SolveOptions, StepSize, Volterra,
};
use crate::model::{Model, SdeModel};
use crate::objective::Objective;
use crate::optim::Optimizer;
use crate::spec::check;
use crate::stop::StopReason;
use crate::trajectory::Trajectory;
use crate::{Error, Result};
use std::ops::ControlFlow;

/// Divergence bounds: a sample beyond them stops the run (its rows before are kept).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Bound on `max |x_i|` (and, for models, on every state entry).
    pub max_abs: f64,
    /// Bound on `|f(x)|`.
    pub max_loss: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_abs: 1e12,
            max_loss: 1e200,
        }
    }
}

impl Limits {
    /// The reason sample `k` must stop the run: a non-finite iterate, loss or gradient, or an
    /// iterate or loss beyond the bounds.
    pub fn check(
        &self,
        x: &[f64],
        loss: f64,
        grad: &[f64],
        step: u64,
        t: f64,
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
        if worst > self.max_abs {
            return Some(StopReason::Diverged {
                step,
                t,
                why: format!("max |x| = {worst:e} exceeds the bound {:e}", self.max_abs),
            });
        }
        if loss.abs() > self.max_loss {
            return Some(StopReason::Diverged {
                step,
                t,
                why: format!(
                    "|loss| = {:e} exceeds the bound {:e}",
                    loss.abs(),
                    self.max_loss
                ),
            });
        }
        if grad.iter().any(|v| !v.is_finite()) {
            return Some(StopReason::NonFinite {
                step,
                t,
                what: "gradient".into(),
            });
        }
        None
    }
}

#[derive(Clone)]
pub(crate) enum Dynamics<'a> {
    Discrete(&'a dyn Optimizer<f64>),
    Model {
        model: &'a dyn Model,
        lr: f64,
        integrator: Option<&'a dyn Integrator>,
        events: Vec<Event>,
    },
    Sde {
        model: &'a dyn SdeModel,
        solver: Option<SdeSolver>,
    },
}

/// How long a run is: a number of steps, or an end time (`K = round(T/lr)`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Length {
    Steps(u64),
    EndTime(f64),
}

/// A run of a discrete optimizer ([`Run::discrete`]) or of a continuous model
/// ([`Run::model`]) on a [`Problem`], sampled at `t_k = t0 + k·lr`.
///
/// Row `k` holds `x_k` (after `k` steps) and the loss and gradient the optimizer saw at `x_k`
/// (for minibatch objectives, the batch of step `k+1`; at the last step, the full objective).
/// A model is integrated by `integrator` (default RK4 with `dt = lr/10`) and sampled at the same
/// times; its loss and gradient are the full objective's. A stochastic model ([`Run::sde`]) is
/// sampled at `t0 + k·clock` along Brownian path [`Run::draws`]. A non-finite or diverging
/// sample stops the run; the samples before it are kept and the stop reason names the step.
/// [`Run::ensemble`] runs many paths.
#[derive(Clone)]
pub struct Run<'a> {
    pub(crate) problem: &'a Problem,
    pub(crate) dynamics: Dynamics<'a>,
    length: Length,
    pub(crate) every: u64,
    limits: Limits,
    record_state: bool,
    pub(crate) measures: Vec<&'a dyn Measure>,
    pub(crate) draws: Option<Draws>,
}

impl<'a> Run<'a> {
    fn new(problem: &'a Problem, dynamics: Dynamics<'a>) -> Self {
        Run {
            problem,
            dynamics,
            length: Length::Steps(1000),
            every: 1,
            limits: Limits::default(),
            record_state: false,
            measures: Vec::new(),
            draws: None,
        }
    }

    /// The discrete optimizer on the problem.
    pub fn discrete(problem: &'a Problem, optimizer: &'a dyn Optimizer<f64>) -> Self {
        Self::new(problem, Dynamics::Discrete(optimizer))
    }

    /// A continuous model on the problem, on the clock of learning rate `lr` (the optimizer's).
    pub fn model(problem: &'a Problem, model: &'a dyn Model, lr: f64) -> Self {
        Self::new(
            problem,
            Dynamics::Model {
                model,
                lr,
                integrator: None,
                events: Vec::new(),
            },
        )
    }

    /// A stochastic model on the problem, on the model's own clock ([`SdeModel::clock`]).
    pub fn sde(problem: &'a Problem, model: &'a dyn SdeModel) -> Self {
        Self::new(
            problem,
            Dynamics::Sde {
                model,
                solver: None,
            },
        )
    }

    /// The solver of a stochastic model run (default [`SdeSolver::default_for`] the model).
    #[must_use]
    pub fn sde_solver(mut self, solver: SdeSolver) -> Self {
        if let Dynamics::Sde { solver: s, .. } = &mut self.dynamics {
            *s = Some(solver);
        }
        self
    }

    /// The random draws of the run: path `draws.path` of ensemble seed `draws.seed` (see
    /// [`Draws`]). Without it a discrete run asks the objective for the draws of the plain step
    /// indices and a stochastic model follows Brownian path 0 of seed 0.
    #[must_use]
    pub fn draws(mut self, draws: Draws) -> Self {
        self.draws = Some(draws);
        self
    }

    /// The integrator of a model run (default `rk4:substeps=10`, or `volterra:substeps=10` for a
    /// model whose memory kernel has no finite state).
    #[must_use]
    pub fn integrator(mut self, integrator: &'a dyn Integrator) -> Self {
        if let Dynamics::Model { integrator: i, .. } = &mut self.dynamics {
            *i = Some(integrator);
        }
        self
    }

    /// Events located inside the steps of a model run (terminal ones stop it).
    #[must_use]
    pub fn events(mut self, events: Vec<Event>) -> Self {
        if let Dynamics::Model { events: e, .. } = &mut self.dynamics {
            *e = events;
        }
        self
    }

    /// Run `k` optimizer steps (the model to `t0 + k·lr`). Default 1000.
    #[must_use]
    pub fn steps(mut self, k: u64) -> Self {
        self.length = Length::Steps(k);
        self
    }

    /// Run to time `T`: `K = round(T/lr)` steps.
    #[must_use]
    pub fn t_end(mut self, t: f64) -> Self {
        self.length = Length::EndTime(t);
        self
    }

    /// Deliver every `e`-th sample (and the last). Default 1.
    #[must_use]
    pub fn every(mut self, e: u64) -> Self {
        self.every = e;
        self
    }

    /// Divergence bounds.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Bound on `max |x_i|` (default 1e12).
    #[must_use]
    pub fn max_abs(mut self, max_abs: f64) -> Self {
        self.limits.max_abs = max_abs;
        self
    }

    /// Record the optimizer's buffers (`m`, `v`, …) in the samples of a discrete run.
    #[must_use]
    pub fn record_state(mut self, on: bool) -> Self {
        self.record_state = on;
        self
    }

    /// Adds a [`Measure`]: its columns are computed at every delivered sample and carried in
    /// [`Sample::measured`] (a measure that reads the optimizer's buffers turns on
    /// [`Run::record_state`]).
    #[must_use]
    pub fn measure(mut self, measure: &'a dyn Measure) -> Self {
        if measure.needs_state() {
            self.record_state = true;
        }
        self.measures.push(measure);
        self
    }

    /// The clock's learning rate.
    pub fn lr(&self) -> f64 {
        match &self.dynamics {
            Dynamics::Discrete(o) => o.lr(),
            Dynamics::Model { lr, .. } => *lr,
            Dynamics::Sde { model, .. } => model.clock(),
        }
    }

    /// The number of steps `K`, checked.
    pub fn num_steps(&self) -> Result<u64> {
        match self.length {
            Length::Steps(k) => Ok(k),
            Length::EndTime(t) => {
                check::positive("run", "t_end", t)?;
                let lr = self.lr();
                if !(lr > 0.0 && lr.is_finite()) {
                    return Err(Error::spec(format!(
                        "run: t_end needs an optimizer with lr > 0, got lr = {lr}"
                    )));
                }
                let k = (t / lr).round();
                if k > u64::MAX as f64 / 2.0 {
                    return Err(Error::spec(format!(
                        "run: t_end / lr = {k:e} steps is too many"
                    )));
                }
                Ok(k as u64)
            }
        }
    }

    fn check(&self) -> Result<u64> {
        if self.every == 0 {
            return Err(Error::spec("run: every must be >= 1, got 0"));
        }
        if self.limits.max_abs.is_nan() || self.limits.max_abs <= 0.0 {
            return Err(Error::param(
                "run",
                "max_abs",
                self.limits.max_abs,
                crate::error::Allowed::Positive,
            ));
        }
        if self.limits.max_loss.is_nan() || self.limits.max_loss <= 0.0 {
            return Err(Error::param(
                "run",
                "max_loss",
                self.limits.max_loss,
                crate::error::Allowed::Positive,
            ));
        }
        self.num_steps()
    }

    /// Runs, handing samples to `observers` in order. Invalid settings are an error; a run that
    /// stops early is not (its [`End::stop`] says why).
    pub fn execute(&self, observers: &mut [&mut dyn Observer]) -> Result<End> {
        let steps = self.check()?;
        let mut fan = Fanout { observers };
        match &self.dynamics {
            Dynamics::Discrete(opt) => self.discrete_loop(*opt, steps, &mut fan),
            Dynamics::Model {
                model,
                lr,
                integrator,
                events,
            } => {
                let (rk4, volterra);
                let integ: &dyn Integrator = match integrator {
                    Some(i) => *i,
                    None if model.memory_form().is_some() => {
                        volterra = Volterra::substeps(10);
                        &volterra
                    }
                    None => {
                        rk4 =
                            FixedStep::new(Rk4, StepSize::Substeps(10)).labelled("rk4:substeps=10");
                        &rk4
                    }
                };
                self.model_loop(*model, integ, *lr, events, steps, &mut fan)
            }
            Dynamics::Sde { model, solver } => {
                let solver = solver.unwrap_or_else(|| SdeSolver::default_for(*model));
                self.sde_loop(*model, solver, steps, &mut fan)
            }
        }
    }

    /// Runs with a [`Recorder`] and returns the trajectory.
    pub fn trajectory(&self) -> Result<Trajectory> {
        let mut rec = Recorder::default();
        self.execute(&mut [&mut rec])?;
        Ok(rec.into_trajectory())
    }

    fn discrete_loop(
        &self,
        opt: &dyn Optimizer<f64>,
        steps: u64,
        fan: &mut Fanout<'_, '_>,
    ) -> Result<End> {
        opt.validate()?;
        let folded;
        let obj: &dyn Objective = match self.draws {
            Some(draws) => {
                folded = PathObjective {
                    inner: self.problem.objective().as_ref(),
                    draws,
                };
                &folded
            }
            None => self.problem.objective().as_ref(),
        };
        let mix = opt.gradient_mix();
        let n = self.problem.dim();
        let lr = opt.lr();
        let blocks: Vec<Block> = if self.record_state {
            block::uniform(opt.slot_names(), n)
        } else {
            Vec::new()
        };
        let mut info = RunInfo {
            kind: Kind::Discrete,
            n,
            lr,
            t0: 0.0,
            steps,
            every: self.every,
            blocks: blocks.clone(),
            measured: Vec::new(),
        };
        let (mut measures, names) = Measures::start(&self.measures, &info)?;
        info.measured = names;
        fan.start(&info)?;
        let mut state = opt.init(n);
        let mut x = self.problem.x0().to_vec();
        let mut g = vec![0.0; n];
        let mut g2 = vec![0.0; if mix.is_some() { n } else { 0 }];
        let mut flat = vec![0.0; block::total(&blocks)];
        let mut end = End::default();
        for k in 0..=steps {
            let t = k as f64 * lr;
            let loss = match mix {
                _ if k == steps => obj.value_gradient(&x, &mut g),
                None => obj.gradient_at_step(&x, k + 1, &mut g),
                Some((a, b)) => {
                    let f1 = obj.gradient_at_step(&x, k + 1, &mut g);
                    let f2 = obj.gradient_at_step(&x, (k + 1) | SECOND_DRAW, &mut g2);
                    for (gi, hi) in g.iter_mut().zip(&g2) {
                        *gi = a * *gi + b * hi;
                    }
                    0.5 * (f1 + f2)
                }
            };
            let bad = self.limits.check(&x, loss, &g, k, t);
            let recorded = k % self.every == 0 || k == steps;
            if self.record_state && (recorded || bad.is_some()) {
                for (j, slot) in state.slots.iter().enumerate() {
                    flat[j * n..(j + 1) * n].copy_from_slice(slot);
                }
            }
            let mut sample = Sample {
                step: k,
                t,
                loss,
                grad: &g,
                x: &x,
                state: &flat,
                blocks: &blocks,
                z: &x,
                measured: &[],
            };
            if let Some(stop) = bad {
                measures.clear();
                sample.measured = measures.values();
                fan.reject(&sample, &stop);
                end.stop = stop;
                end.unreached = Some(k);
                break;
            }
            if recorded {
                if let ControlFlow::Break(stop) = measures.measure(&sample) {
                    end.stop = stop;
                    end.unreached = Some(k);
                    break;
                }
                sample.measured = measures.values();
                if let ControlFlow::Break(stop) = fan.observe(&sample) {
                    end.stop = stop;
                    end.samples += 1;
                    end.unreached = (k < steps).then_some(k + 1);
                    break;
                }
                end.samples += 1;
            }
            if k < steps {
                opt.step(&mut state, &mut x, &g);
            }
        }
        fan.finish(&end)?;
        Ok(end)
    }

    /// Steps a stochastic model with `solver` along the run's Brownian path, sampling
    /// `t_k = t0 + k·clock` (exact grid points: `substeps` scheme steps per optimizer step).
    fn sde_loop(
        &self,
        model: &dyn SdeModel,
        solver: SdeSolver,
        steps: u64,
        fan: &mut Fanout<'_, '_>,
    ) -> Result<End> {
        let clock = model.clock();
        check::positive("model", "clock", clock)?;
        solver.check(model)?;
        let n = model.n();
        if n != self.problem.dim() {
            return Err(Error::spec(format!(
                "model '{}' has dimension {n} but the problem has {}",
                model.name(),
                self.problem.dim()
            )));
        }
        let blocks = model.blocks();
        let mut z = model.initial_state(self.problem.x0());
        if z.len() != model.dim() || block::total(&blocks) + n != model.dim() {
            return Err(Error::spec(format!(
                "model '{}': initial state of length {} and blocks of total {} do not fit dim {} = n + blocks",
                model.name(),
                z.len(),
                block::total(&blocks),
                model.dim()
            )));
        }
        let t0 = model.t0();
        let mut info = RunInfo {
            kind: Kind::Model,
            n,
            lr: clock,
            t0,
            steps,
            every: self.every,
            blocks: blocks.clone(),
            measured: Vec::new(),
        };
        let (mut measures, names) = Measures::start(&self.measures, &info)?;
        info.measured = names;
        fan.start(&info)?;
        let draws = self.draws.unwrap_or_default();
        let brownian = Brownian {
            seed: draws.seed,
            antithetic: draws.antithetic,
        };
        let mut path = brownian.path(draws.path);
        let obj: &dyn Objective = self.problem.objective().as_ref();
        let h = clock / f64::from(solver.substeps);
        let mut g = vec![0.0; n];
        let mut dw = vec![0.0; model.noise_dim()];
        let mut work = vec![0.0; solver.scheme.work_len(model.dim())];
        let mut end = End::default();
        for k in 0..=steps {
            let t = t0 + k as f64 * clock;
            let x = &z[..n];
            let recorded = k % self.every == 0 || k == steps;
            // Between recorded samples only the state is checked (finite, within max_abs): the
            // loss and gradient are evaluated where a sample is delivered.
            let mut loss = if recorded {
                obj.value_gradient(x, &mut g)
            } else {
                0.0
            };
            let grad: &[f64] = if recorded { &g } else { &[] };
            let bad = self.limits.check(x, loss, grad, k, t).or_else(|| {
                z[n..]
                    .iter()
                    .position(|v| !v.is_finite())
                    .map(|i| StopReason::NonFinite {
                        step: k,
                        t,
                        what: format!("state entry {}", n + i),
                    })
            });
            // A rejected sample carries its loss and gradient too.
            if bad.is_some() && !recorded {
                loss = obj.value_gradient(x, &mut g);
            }
            let grad: &[f64] = if recorded || bad.is_some() { &g } else { &[] };
            let mut sample = Sample {
                step: k,
                t,
                loss,
                grad,
                x,
                state: &z[n..],
                blocks: &blocks,
                z: &z,
                measured: &[],
            };
            if let Some(stop) = bad {
                measures.clear();
                sample.measured = measures.values();
                fan.reject(&sample, &stop);
                end.stop = stop;
                end.unreached = Some(k);
                break;
            }
            if recorded {
                if let ControlFlow::Break(stop) = measures.measure(&sample) {
                    end.stop = stop;
                    end.unreached = Some(k);
                    break;
                }
                sample.measured = measures.values();
                if let ControlFlow::Break(stop) = fan.observe(&sample) {
                    end.stop = stop;
                    end.samples += 1;
                    end.unreached = (k < steps).then_some(k + 1);
                    break;
                }
                end.samples += 1;
            }
            if k < steps {
                for j in 0..solver.substeps {
                    let tj = t + f64::from(j) * h;
                    path.increments(h, &mut dw);
                    solver.scheme.step(model, tj, h, &mut z, &dw, &mut work);
                }
            }
        }
        fan.finish(&end)?;
        Ok(end)
    }

    fn model_loop(
        &self,
        model: &dyn Model,
        integrator: &dyn Integrator,
        lr: f64,
        events: &[Event],
        steps: u64,
        fan: &mut Fanout<'_, '_>,
    ) -> Result<End> {
        check::positive("model", "lr", lr)?;
        integrator.validate()?;
        crate::integrate::memory_compatible(integrator, model)?;
        let n = model.n();
        if n != self.problem.dim() {
            return Err(Error::spec(format!(
                "model '{}' has dimension {n} but the problem has {}",
                model.name(),
                self.problem.dim()
            )));
        }
        let t0 = model.t0();
        let every = self.every;
        let t_eval = SampleTimes::Clock {
            t0,
            lr,
            every,
            steps,
        };
        let blocks = model.blocks();
        let z0 = model.initial_state(self.problem.x0());
        if z0.len() != model.dim() || block::total(&blocks) + n != model.dim() {
            return Err(Error::spec(format!(
                "model '{}': initial state of length {} and blocks of total {} do not fit dim {} = n + blocks",
                model.name(),
                z0.len(),
                block::total(&blocks),
                model.dim()
            )));
        }
        let mut info = RunInfo {
            kind: Kind::Model,
            n,
            lr,
            t0,
            steps,
            every,
            blocks: blocks.clone(),
            measured: Vec::new(),
        };
        let (measures, names) = Measures::start(&self.measures, &info)?;
        info.measured = names;
        fan.start(&info)?;
        let opts = SolveOptions {
            t_eval: t_eval.clone(),
            max_abs: self.limits.max_abs,
            steady_tol: None,
            max_steps: u64::MAX,
            events: events.to_vec(),
            lr: Some(lr),
        };
        let mut sink = ModelSink {
            obj: self.problem.objective().as_ref(),
            limits: self.limits,
            n,
            times: &t_eval,
            next: 0,
            g: vec![0.0; n],
            blocks: &blocks,
            measures,
            fan,
        };
        let solved = integrator.solve_into(model, t0, &z0, &opts, &mut sink);
        let delivered = sink.next;
        let end = End {
            stop: solved.stop,
            samples: delivered as u64,
            unreached: (delivered < t_eval.len())
                .then(|| t_eval.step(delivered))
                .flatten(),
            stats: Some(solved.stats),
            events: solved.events,
        };
        sink.fan.finish(&end)?;
        Ok(end)
    }
}

/// The bit that marks the second independent draw of a step whose optimizer mixes two
/// ([`Optimizer::gradient_mix`]): step `k`'s draws are `k` and `k | 2⁶³`.
const SECOND_DRAW: u64 = 1 << 63;

/// Turns the integrator's samples into run samples: loss and gradient at θ, the checks, the
/// observers.
struct ModelSink<'s, 'f, 'o, 'a> {
    obj: &'s dyn Objective,
    measures: Measures<'s, 's>,
    limits: Limits,
    n: usize,
    times: &'s SampleTimes,
    next: usize,
    g: Vec<f64>,
    blocks: &'s [Block],
    fan: &'f mut Fanout<'o, 'a>,
}

impl Sink for ModelSink<'_, '_, '_, '_> {
    fn sample(&mut self, t: f64, z: &[f64]) -> ControlFlow<StopReason> {
        let k = self.times.step(self.next).unwrap_or(0);
        let x = &z[..self.n];
        let loss = self.obj.value_gradient(x, &mut self.g);
        let mut sample = Sample {
            step: k,
            t,
            loss,
            grad: &self.g,
            x,
            state: &z[self.n..],
            blocks: self.blocks,
            z,
            measured: &[],
        };
        if let Some(stop) = self.limits.check(x, loss, &self.g, k, t) {
            self.measures.clear();
            sample.measured = self.measures.values();
            self.fan.reject(&sample, &stop);
            return ControlFlow::Break(stop);
        }
        self.measures.measure(&sample)?;
        sample.measured = self.measures.values();
        let flow = self.fan.observe(&sample);
        self.next += 1;
        flow
    }
}
