//! Batched engine for the rest of the optimizer zoo: many small runs (dimension at most
//! [`MAX_DIM`]) of one [`Lanewise`] optimizer type, each run a lane with its own hyperparameters
//! and start point.
//!
//! Lanes are advanced together in blocks of [`LANES`], step by step: the iterates, gradients and
//! the [`SLOTS`] state buffers of a block are flat arrays (lane-major, `dim` entries per lane),
//! allocated once per block, and blocks are distributed over threads with rayon. Lanes sharing an
//! optimizer (a grid's few hyperparameter combinations over many start points) share one step
//! clock, whose per-step constants ([`Lanewise::begin`], bias corrections and schedules) are
//! computed once per step for all of them; every coordinate then runs the optimizer's own loop
//! body ([`Lanewise::update`]). Each lane's result depends only on its own optimizer and start
//! point, so the output is identical for any thread count.
//!
//! Every step does what the generic run engine's discrete loop does for that lane: the gradient
//! from [`Objective::gradient_at_step`] (the full [`Objective::value_gradient`] at the last step),
//! the divergence test [`crate::run::Limits::check`] on iterate, loss and gradient, and the
//! sample handed to a [`MetricsObserver`] (or rejected into it) — the generic path's own
//! reductions — so every metric is bit-identical to [`super::metrics::discrete_metrics`].

use super::batch::LANES;
use super::metrics::{MetricOptions, Metrics, MetricsObserver};
use crate::objective::Objective;
use crate::optim::lanewise::{Lanewise, SLOTS};
use crate::optim::{Optimizer, State};
use crate::run::{Observer, Sample};
use crate::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;

/// Largest run dimension the batched zoo engine takes (a block's state stays in L1).
pub const MAX_DIM: usize = 8;

/// Runs of one optimizer type: lane `l` runs `opts[opt[l]]` from `x0[l·dim..(l+1)·dim]`.
#[derive(Debug, Clone)]
pub struct ZooLanes<O> {
    /// The distinct optimizers (built and checked once each).
    pub opts: Vec<O>,
    /// Each lane's optimizer, an index into `opts`.
    pub opt: Vec<usize>,
    /// Start points, lane-major.
    pub x0: Vec<f64>,
    /// Run dimension.
    pub dim: usize,
}

impl<O> ZooLanes<O> {
    /// No lanes yet, for runs of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        ZooLanes {
            opts: Vec::new(),
            opt: Vec::new(),
            x0: Vec::new(),
            dim,
        }
    }

    /// Number of lanes.
    pub fn len(&self) -> usize {
        self.opt.len()
    }

    /// True when there are no lanes.
    pub fn is_empty(&self) -> bool {
        self.opt.is_empty()
    }
}

/// Runs every lane for `o.steps` steps on `obj` and returns each lane's [`Metrics`], in lane
/// order. Errors if the lanes do not fit `obj` (dimension, start points, optimizer indices), if
/// the dimension exceeds [`MAX_DIM`], or on invalid divergence bounds.
pub fn run_lanes<O: Lanewise + Sync>(
    obj: &dyn Objective,
    lanes: &ZooLanes<O>,
    o: &MetricOptions,
) -> Result<Vec<Metrics>> {
    let d = lanes.dim;
    if d == 0 || d > MAX_DIM || d != obj.dim() {
        return Err(Error::spec(format!(
            "zoo batch: dimension {d} must be in 1..={MAX_DIM} and equal the objective's {}",
            obj.dim()
        )));
    }
    if lanes.x0.len() != lanes.len() * d || lanes.opt.iter().any(|&j| j >= lanes.opts.len()) {
        return Err(Error::spec(
            "zoo batch: start points or optimizer indices do not match the lanes".to_string(),
        ));
    }
    if !(o.max_abs > 0.0 && o.max_loss > 0.0) {
        return Err(Error::spec(format!(
            "zoo batch: max_abs and max_loss must be > 0, got {} and {}",
            o.max_abs, o.max_loss
        )));
    }
    let blocks: Vec<Vec<Metrics>> = (0..lanes.len().div_ceil(LANES))
        .into_par_iter()
        .map(|b| run_block(obj, lanes, b * LANES..((b + 1) * LANES).min(lanes.len()), o))
        .collect::<Result<_>>()?;
    Ok(blocks.into_iter().flatten().collect())
}

/// The lanes `r` (at most [`LANES`]) advanced together.
fn run_block<O: Lanewise>(
    obj: &dyn Objective,
    lanes: &ZooLanes<O>,
    r: Range<usize>,
    o: &MetricOptions,
) -> Result<Vec<Metrics>> {
    let d = lanes.dim;
    let len = r.len();
    // The block's distinct optimizers, each with its own step clock; `local[l]` is lane l's.
    let mut ids: Vec<usize> = Vec::with_capacity(LANES);
    let mut local = [0usize; LANES];
    for (l, &j) in lanes.opt[r.clone()].iter().enumerate() {
        local[l] = match ids.iter().position(|&i| i == j) {
            Some(p) => p,
            None => {
                ids.push(j);
                ids.len() - 1
            }
        };
    }
    let mut clocks: Vec<State<f64>> = ids
        .iter()
        .map(|&j| Optimizer::<f64>::init(&lanes.opts[j], 0))
        .collect();
    let mut coefs: Vec<O::Coef> = Vec::with_capacity(ids.len());
    let mut x = lanes.x0[r.start * d..r.end * d].to_vec();
    let mut g = vec![0.0; len * d];
    let mut s: [Vec<f64>; SLOTS] = std::array::from_fn(|_| vec![0.0; len * d]);
    let mut lr = [0.0; LANES];
    for l in 0..len {
        let opt = &lanes.opts[ids[local[l]]];
        lr[l] = Optimizer::<f64>::lr(opt);
        let init = Optimizer::<f64>::init(opt, d);
        if init.slots.len() > SLOTS {
            return Err(Error::spec(format!(
                "zoo batch: optimizer '{}' has {} state buffers, more than {SLOTS}",
                Optimizer::<f64>::name(opt),
                init.slots.len()
            )));
        }
        for (k, slot) in init.slots.iter().enumerate() {
            s[k][l * d..(l + 1) * d].copy_from_slice(slot);
        }
    }
    let mut obs: Vec<MetricsObserver> = (0..len)
        .map(|l| MetricsObserver::new(obj, &x[l * d..(l + 1) * d], o))
        .collect::<Result<_>>()?;
    let mut alive = [false; LANES];
    alive[..len].fill(true);
    let limits = o.limits();
    for k in 0..=o.steps {
        let last = k == o.steps;
        for l in 0..len {
            if !alive[l] {
                continue;
            }
            let (xl, gl) = (&x[l * d..(l + 1) * d], &mut g[l * d..(l + 1) * d]);
            let loss = if last {
                obj.value_gradient(xl, gl)
            } else {
                obj.gradient_at_step(xl, k + 1, gl)
            };
            let t = k as f64 * lr[l];
            let bad = limits.check(xl, loss, gl, k, t);
            let sample = Sample {
                step: k,
                t,
                loss,
                grad: gl,
                x: xl,
                state: &[],
                blocks: &[],
                z: xl,
                measured: &[],
            };
            match bad {
                Some(stop) => {
                    obs[l].reject(&sample, &stop);
                    alive[l] = false;
                }
                // A metrics observer never stops a run.
                None => {
                    let _ = obs[l].observe(&sample);
                }
            }
        }
        if last || !alive.iter().any(|&a| a) {
            break;
        }
        coefs.clear();
        coefs.extend(
            ids.iter()
                .zip(&mut clocks)
                .map(|(&j, clock)| lanes.opts[j].begin(clock)),
        );
        let [s0, s1, s2] = &mut s;
        for l in (0..len).filter(|&l| alive[l]) {
            let c = &coefs[local[l]];
            for i in l * d..(l + 1) * d {
                O::update(c, &mut x[i], g[i], [&mut s0[i], &mut s1[i], &mut s2[i]]);
            }
        }
    }
    Ok(obs.into_iter().map(MetricsObserver::into_metrics).collect())
}
