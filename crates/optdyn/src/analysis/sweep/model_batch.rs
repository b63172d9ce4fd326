//! The batched path of model sweeps: which sweeps it serves and how a chunk of grid points
//! becomes lanes of [`super::lanes::rk4_lanes`].
//!
//! It serves a model sweep on a one-dimensional `rosen1d` or `quadratic` objective (not swept)
//! integrated by `rk4` with a fixed step (`dt=…` or `substeps=…`), the learning rate (the clock)
//! not swept. Every point's model is built exactly as on the generic path, so invalid points give
//! the same errors; a point whose model has no per-coordinate field ([`Model::lane`]), another
//! field than the chunk's first, or another start time runs on the generic path.

use super::batch::Objective1d;
use super::lanes::{rk4_lanes, Clock};
use super::metrics::{MetricOptions, Metrics};
use super::{Grid, Point};
use crate::integrate::{check_t_eval, step_size, SampleTimes, StepSize};
use crate::model::{Lane, LaneField, Model};
use crate::objective::Objective;
use crate::spec::Spec;
use crate::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;

/// A point's model and start point, built as the generic path builds them.
pub type Built = Result<(Box<dyn Model>, Vec<f64>)>;

/// Runs a point on the generic path.
type Generic<'a> = Box<dyn Fn(&Point) -> Result<Metrics> + Sync + 'a>;

/// The batched model path of one sweep.
pub struct ModelLanes<'a> {
    grad: Objective1d,
    obj: Arc<dyn Objective>,
    lr: f64,
    dt: f64,
    options: MetricOptions,
    grid: &'a Grid,
    build: Box<dyn Fn(&Point) -> Built + Sync + 'a>,
    generic: Generic<'a>,
}

impl<'a> ModelLanes<'a> {
    /// The batched path for `objective` (built as `obj`) with the integrator spec `integrator`
    /// and learning rate `lr`, or `None` when it does not apply (then the generic path runs).
    /// `build` builds a point's model, `generic` runs a point on the generic path.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        objective: &Spec,
        obj: Arc<dyn Objective>,
        integrator: &str,
        lr: f64,
        options: &MetricOptions,
        grid: &'a Grid,
        build: impl Fn(&Point) -> Built + Sync + 'a,
        generic: impl Fn(&Point) -> Result<Metrics> + Sync + 'a,
    ) -> Option<Self> {
        let grad = Objective1d::from_spec(objective)?;
        let s = Spec::parse(integrator).ok()?;
        let dt = match (s.name.as_str(), step_size(&s).ok()?) {
            ("rk4", StepSize::Dt(dt)) => dt,
            ("rk4", StepSize::Substeps(k)) => lr / k as f64,
            _ => return None,
        };
        let o = options;
        let valid = |v: f64| v > 0.0;
        (lr > 0.0
            && lr.is_finite()
            && dt > 0.0
            && dt.is_finite()
            && valid(o.max_abs)
            && valid(o.max_loss)
            && o.steps < 1 << 53)
            .then(|| ModelLanes {
                grad,
                obj,
                lr,
                dt,
                options: *o,
                grid,
                build: Box::new(build),
                generic: Box::new(generic),
            })
    }

    /// The metrics of the points `r`, in order; invalid points carry their generic-path error.
    pub fn chunk(&self, r: Range<u64>) -> Vec<Result<Metrics>> {
        let built: Vec<Built> = r
            .clone()
            .into_par_iter()
            .map(|i| (self.build)(&self.grid.point(i)))
            .collect();
        let mut out: Vec<Option<Result<Metrics>>> = Vec::with_capacity(built.len());
        let mut lanes = Lanes::default();
        let mut t0 = None;
        let mut generic = Vec::new();
        for (slot, b) in built.into_iter().enumerate() {
            match b {
                Err(e) => out.push(Some(Err(e))),
                Ok((m, x0)) => {
                    out.push(None);
                    let start = *t0.get_or_insert(m.t0());
                    let z0 = m.initial_state(&x0);
                    let fits = start.to_bits() == m.t0().to_bits()
                        && m.lane().is_some_and(|lane| lanes.push(slot, lane, &z0));
                    if !fits {
                        generic.push(slot);
                    }
                }
            }
        }
        let clock = Clock {
            t0: t0.unwrap_or(0.0),
            lr: self.lr,
            dt: self.dt,
        };
        let times = SampleTimes::Clock {
            t0: clock.t0,
            lr: clock.lr,
            every: 1,
            steps: self.options.steps,
        };
        if check_t_eval(clock.t0, &times).is_some() {
            generic.extend(lanes.slots());
            lanes = Lanes::default();
        }
        let metrics: Vec<(usize, Result<Metrics>)> = generic
            .into_par_iter()
            .map(|slot| {
                let p = self.grid.point(r.start + slot as u64);
                (slot, (self.generic)(&p))
            })
            .collect();
        for (slot, m) in metrics {
            out[slot] = Some(m);
        }
        let lane_metrics = lanes.run(self.grad, self.obj.as_ref(), clock, &self.options);
        for (slot, m) in lane_metrics {
            out[slot] = Some(m);
        }
        out.into_iter()
            .map(|m| m.unwrap_or_else(|| Err(Error::spec("sweep: point not computed"))))
            .collect()
    }
}

/// The lanes of a chunk: one field kind (the first point's), with each lane's slot in the chunk.
#[derive(Default)]
enum Lanes {
    #[default]
    Empty,
    Gradient(Group<crate::model::gradient_flow::GradientLane, 1>),
    AdamIde1(Group<crate::model::adam_ide::Adam1Lane, 3>),
    AdamIde2(Group<crate::model::adam_ide::Adam2Lane, 6>),
    RmspropIde(Group<crate::model::rmsprop_ide::RmspropLane, 2>),
    AdagradIde(Group<crate::model::adagrad_ide::AdagradLane, 2>),
    HeavyBall(Group<crate::model::heavy_ball::HeavyBallLane, 2>),
    Nesterov(Group<crate::model::nesterov::NesterovLane, 2>),
}

/// Lanes of one field kind.
struct Group<F, const S: usize> {
    slots: Vec<usize>,
    fields: Vec<F>,
    z0: Vec<[f64; S]>,
}

impl<F: LaneField<S>, const S: usize> Group<F, S> {
    fn new() -> Self {
        Group {
            slots: Vec::new(),
            fields: Vec::new(),
            z0: Vec::new(),
        }
    }

    /// Adds a lane; false if `z0` is not a state of length `S`.
    fn push(&mut self, slot: usize, field: F, z0: &[f64]) -> bool {
        let Ok(z) = <[f64; S]>::try_from(z0) else {
            return false;
        };
        self.slots.push(slot);
        self.fields.push(field);
        self.z0.push(z);
        true
    }

    fn run(
        &self,
        grad: Objective1d,
        obj: &dyn Objective,
        clock: Clock,
        o: &MetricOptions,
    ) -> Vec<(usize, Result<Metrics>)> {
        match rk4_lanes(grad, obj, clock, &self.fields, &self.z0, o) {
            Ok(m) => self
                .slots
                .iter()
                .copied()
                .zip(m.into_iter().map(Ok))
                .collect(),
            Err(e) => {
                let why = e.to_string();
                self.slots
                    .iter()
                    .map(|&s| (s, Err(Error::spec(why.clone()))))
                    .collect()
            }
        }
    }
}

impl Lanes {
    /// Adds a lane of field `lane`; false if the chunk's lanes are of another kind or `z0` does
    /// not fit.
    fn push(&mut self, slot: usize, lane: Lane, z0: &[f64]) -> bool {
        if let Lanes::Empty = self {
            *self = match lane {
                Lane::Gradient(_) => Lanes::Gradient(Group::new()),
                Lane::AdamIde1(_) => Lanes::AdamIde1(Group::new()),
                Lane::AdamIde2(_) => Lanes::AdamIde2(Group::new()),
                Lane::RmspropIde(_) => Lanes::RmspropIde(Group::new()),
                Lane::AdagradIde(_) => Lanes::AdagradIde(Group::new()),
                Lane::HeavyBall(_) => Lanes::HeavyBall(Group::new()),
                Lane::Nesterov(_) => Lanes::Nesterov(Group::new()),
            };
        }
        match (self, lane) {
            (Lanes::Gradient(g), Lane::Gradient(f)) => g.push(slot, f, z0),
            (Lanes::AdamIde1(g), Lane::AdamIde1(f)) => g.push(slot, f, z0),
            (Lanes::AdamIde2(g), Lane::AdamIde2(f)) => g.push(slot, f, z0),
            (Lanes::RmspropIde(g), Lane::RmspropIde(f)) => g.push(slot, f, z0),
            (Lanes::AdagradIde(g), Lane::AdagradIde(f)) => g.push(slot, f, z0),
            (Lanes::HeavyBall(g), Lane::HeavyBall(f)) => g.push(slot, f, z0),
            (Lanes::Nesterov(g), Lane::Nesterov(f)) => g.push(slot, f, z0),
            _ => false,
        }
    }

    fn slots(&self) -> Vec<usize> {
        match self {
            Lanes::Empty => Vec::new(),
            Lanes::Gradient(g) => g.slots.clone(),
            Lanes::AdamIde1(g) => g.slots.clone(),
            Lanes::AdamIde2(g) => g.slots.clone(),
            Lanes::RmspropIde(g) => g.slots.clone(),
            Lanes::AdagradIde(g) => g.slots.clone(),
            Lanes::HeavyBall(g) => g.slots.clone(),
            Lanes::Nesterov(g) => g.slots.clone(),
        }
    }

    fn run(
        &self,
        grad: Objective1d,
        obj: &dyn Objective,
        clock: Clock,
        o: &MetricOptions,
    ) -> Vec<(usize, Result<Metrics>)> {
        match self {
            Lanes::Empty => Vec::new(),
            Lanes::Gradient(g) => g.run(grad, obj, clock, o),
            Lanes::AdamIde1(g) => g.run(grad, obj, clock, o),
            Lanes::AdamIde2(g) => g.run(grad, obj, clock, o),
            Lanes::RmspropIde(g) => g.run(grad, obj, clock, o),
            Lanes::AdagradIde(g) => g.run(grad, obj, clock, o),
            Lanes::HeavyBall(g) => g.run(grad, obj, clock, o),
            Lanes::Nesterov(g) => g.run(grad, obj, clock, o),
        }
    }
}
