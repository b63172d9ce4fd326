//! Batched fixed-step RK4 for model sweeps: many runs of one model on a one-dimensional built-in
//! objective, all on one clock (same `t0`, `lr`, `dt`, steps), advanced together.
//!
//! Each run is a lane; lanes are processed in blocks of [`LANES`] with the states of a block in
//! fixed-size arrays, and blocks are distributed over threads with rayon. A lane's result depends
//! only on its own field and start, so the output is identical for any thread count.
//!
//! Bit-identity with the generic engine (`Run::model` with `FixedStep<Rk4>`, reduced by
//! [`super::metrics::model_metrics`]) holds by construction: the steps are the generic driver's
//! ([`crate::integrate::GridWalk`]); a stage is the model's own per-coordinate field
//! ([`LaneField`], the function its `OdeSystem::rhs` calls) with the gradient of
//! [`Objective1d`] (the objective's expression); the stage combination is
//! [`crate::integrate::Rk4`]'s, written the same way:
//! `k1 = F(t, y)`, `k2 = F(t + 0.5·h, y + 0.5·h·k1)`, `k3 = F(t + 0.5·h, y + 0.5·h·k2)`,
//! `k4 = F(t + h, y + h·k3)`, `y ← y + h/6·(k1 + 2·k2 + 2·k3 + k4)` (Rust never fuses `a·b + c`);
//! the state check after every step is [`check_state`]; each sample goes through the objective
//! (`value_gradient`), [`Limits::check`] and a [`MetricsObserver`]. The time factors of a stage
//! (bias corrections) are computed once per stage time and lane, and reused from the previous
//! lane when its constants are the same ([`LaneField::clock`]); the `t + 0.5·h` factors serve
//! both middle stages.

use super::batch::{Objective1d, LANES};
use super::metrics::{MetricOptions, Metrics, MetricsObserver};
use crate::integrate::{check_state, GridWalk, SampleTimes};
use crate::model::LaneField;
use crate::objective::Objective;
use crate::run::{End, Observer, Sample};
use crate::stop::StopReason;
use crate::Result;
use rayon::prelude::*;

/// The clock all lanes share: start `t0`, samples at `t0 + k·lr` for `k = 0…steps`, RK4 step
/// `dt` on the grid `t0 + j·dt`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Start time.
    pub t0: f64,
    /// The optimizer's learning rate (the clock unit).
    pub lr: f64,
    /// The RK4 step.
    pub dt: f64,
}

/// Runs every lane (field `fields[i]` from the initial state `z0[i]`, θ first) on `obj` (whose
/// gradient is `grad`'s) for `o.steps` samples and reduces each run to [`Metrics`] as
/// `model_metrics` does.
pub fn rk4_lanes<F: LaneField<S>, const S: usize>(
    grad: Objective1d,
    obj: &dyn Objective,
    clock: Clock,
    fields: &[F],
    z0: &[[f64; S]],
    o: &MetricOptions,
) -> Result<Vec<Metrics>> {
    let x0: Vec<[f64; 1]> = z0.iter().map(|z| [z[0]]).collect();
    let observers = x0
        .iter()
        .map(|x| MetricsObserver::new(obj, x, o))
        .collect::<Result<Vec<_>>>()?;
    let times = SampleTimes::Clock {
        t0: clock.t0,
        lr: clock.lr,
        every: 1,
        steps: o.steps,
    };
    let run = Block {
        grad,
        obj,
        clock,
        times: &times,
        o,
    };
    Ok(fields
        .par_chunks(LANES)
        .zip(z0.par_chunks(LANES))
        .zip(observers.into_par_iter().chunks(LANES))
        .flat_map_iter(|((f, z), obs)| run.run(f, z, obs))
        .collect())
}

/// What every block shares.
struct Block<'a> {
    grad: Objective1d,
    obj: &'a dyn Objective,
    clock: Clock,
    times: &'a SampleTimes,
    o: &'a MetricOptions,
}

impl Block<'_> {
    /// Runs `fields.len() ≤ LANES` lanes; unused lanes of the block repeat the last one (their
    /// results are dropped).
    fn run<F: LaneField<S>, const S: usize>(
        &self,
        fields: &[F],
        z0: &[[f64; S]],
        mut obs: Vec<MetricsObserver>,
    ) -> Vec<Metrics> {
        let n = fields.len();
        let f: [F; LANES] = std::array::from_fn(|l| fields[l.min(n - 1)]);
        let mut y: [[f64; S]; LANES] = std::array::from_fn(|l| z0[l.min(n - 1)]);
        let mut ends: Vec<Option<End>> = (0..n).map(|_| None).collect();
        let limits = self.o.limits();
        let mut g = [0.0];
        let mut walk = GridWalk::new(self.clock.t0, self.times.get(0), self.clock.dt);
        for i in 0..self.times.len() {
            if ends.iter().all(Option::is_some) {
                break;
            }
            let te = self.times.get(i);
            let k = self.times.step(i).unwrap_or(0);
            while let Some(s) = walk.toward(te) {
                rk4(&f, &mut y, walk.t(), s.h, self.grad);
                walk.advance(s);
                for (l, end) in ends.iter_mut().enumerate() {
                    if end.is_none() {
                        if let Some(stop) = check_state(&y[l], limits.max_abs, k, walk.t()) {
                            *end = Some(stopped(stop, Some(k)));
                        }
                    }
                }
            }
            for (l, end) in ends.iter_mut().enumerate() {
                if end.is_some() {
                    continue;
                }
                let z = &y[l];
                let x = &z[..1];
                let loss = self.obj.value_gradient(x, &mut g);
                let sample = Sample {
                    step: k,
                    t: te,
                    loss,
                    grad: &g,
                    x,
                    state: &z[1..],
                    blocks: &[],
                    z,
                    measured: &[],
                };
                match limits.check(x, loss, &g, k, te) {
                    Some(stop) => {
                        obs[l].reject(&sample, &stop);
                        *end = Some(stopped(stop, Some(k)));
                    }
                    None => {
                        // MetricsObserver never breaks.
                        let _ = obs[l].observe(&sample);
                    }
                }
            }
        }
        obs.into_iter()
            .zip(ends)
            .map(|(mut ob, end)| {
                // MetricsObserver::finish cannot fail.
                let _ = ob.finish(&end.unwrap_or_else(|| stopped(StopReason::Finished, None)));
                ob.into_metrics()
            })
            .collect()
    }
}

/// How a lane's run ended: `stop`, first undelivered sample `unreached`.
fn stopped(stop: StopReason, unreached: Option<u64>) -> End {
    End {
        stop,
        samples: 0,
        unreached,
        stats: None,
        events: Vec::new(),
    }
}

/// One RK4 step of every lane of a block from `t` with step `h`.
#[inline(always)]
fn rk4<F: LaneField<S>, const S: usize>(
    f: &[F; LANES],
    y: &mut [[f64; S]; LANES],
    t: f64,
    h: f64,
    grad: Objective1d,
) {
    let mut k1 = [[0.0; S]; LANES];
    let mut k2 = [[0.0; S]; LANES];
    let mut k3 = [[0.0; S]; LANES];
    let mut k4 = [[0.0; S]; LANES];
    let mut tmp = [[0.0; S]; LANES];
    let mid = clocks(f, t + 0.5 * h);
    stage(f, &clocks(f, t), y, &mut k1, grad);
    for l in 0..LANES {
        for i in 0..S {
            tmp[l][i] = y[l][i] + 0.5 * h * k1[l][i];
        }
    }
    stage(f, &mid, &tmp, &mut k2, grad);
    for l in 0..LANES {
        for i in 0..S {
            tmp[l][i] = y[l][i] + 0.5 * h * k2[l][i];
        }
    }
    stage(f, &mid, &tmp, &mut k3, grad);
    for l in 0..LANES {
        for i in 0..S {
            tmp[l][i] = y[l][i] + h * k3[l][i];
        }
    }
    stage(f, &clocks(f, t + h), &tmp, &mut k4, grad);
    for l in 0..LANES {
        for i in 0..S {
            y[l][i] += h / 6.0 * (k1[l][i] + 2.0 * k2[l][i] + 2.0 * k3[l][i] + k4[l][i]);
        }
    }
}

/// The time factors of every lane at `t`, each reusing the previous lane's where they agree.
#[inline(always)]
fn clocks<F: LaneField<S>, const S: usize>(f: &[F; LANES], t: f64) -> [F::Clock; LANES] {
    let mut c = [F::Clock::default(); LANES];
    c[0] = f[0].clock(t, None);
    for l in 1..LANES {
        c[l] = f[l].clock(t, Some((&f[l - 1], c[l - 1])));
    }
    c
}

/// `out[l] = F_l(z[l])` for every lane, the gradient from `z[l][0]`.
#[inline(always)]
fn stage<F: LaneField<S>, const S: usize>(
    f: &[F; LANES],
    c: &[F::Clock; LANES],
    z: &[[f64; S]; LANES],
    out: &mut [[f64; S]; LANES],
    grad: Objective1d,
) {
    for l in 0..LANES {
        out[l] = f[l].rhs(c[l], grad.value_grad(z[l][0]).1, z[l]);
    }
}
