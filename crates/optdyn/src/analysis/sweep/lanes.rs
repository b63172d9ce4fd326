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
//! the state check after every step is `check_state`'s test; each sample goes through the
//! objective (`value_gradient`) and [`Limits::check`], and is reduced as
//! [`super::metrics::MetricsObserver`] reduces it for `n = 1` (with the closed forms of
//! [`crate::vector::norm`] and [`crate::vector::distance`] of one entry). The time factors of a stage
//! (bias corrections) are computed once per stage time and lane, and reused from the previous
//! lane when its constants are the same ([`LaneField::clock`]); the `t + 0.5·h` factors serve
//! both middle stages.

use super::batch::{Objective1d, LANES};
use super::metrics::{gap_reference, MetricOptions, Metrics, TolOn};
use crate::integrate::{GridWalk, SampleTimes};
use crate::model::LaneField;
use crate::objective::Objective;
use crate::run::Limits;
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
        limits: o.limits(),
        fstar: gap_reference(obj, o.tol_on)?,
    };
    Ok(fields
        .par_chunks(LANES)
        .zip(z0.par_chunks(LANES))
        .flat_map_iter(|(f, z)| run.run(f, z))
        .collect())
}

/// What every block shares.
struct Block<'a> {
    grad: Objective1d,
    obj: &'a dyn Objective,
    clock: Clock,
    times: &'a SampleTimes,
    o: &'a MetricOptions,
    limits: Limits,
    fstar: f64,
}

impl Block<'_> {
    /// Runs `fields.len() ≤ LANES` lanes; unused lanes of the block repeat the last one (their
    /// results are dropped).
    fn run<F: LaneField<S>, const S: usize>(&self, fields: &[F], z0: &[[f64; S]]) -> Vec<Metrics> {
        let n = fields.len();
        let f: [F; LANES] = std::array::from_fn(|l| fields[l.min(n - 1)]);
        let mut y: [[f64; S]; LANES] = std::array::from_fn(|l| z0[l.min(n - 1)]);
        let mut acc: [Acc; LANES] = std::array::from_fn(|l| Acc::new(y[l][0], l >= n));
        let max_abs = self.limits.max_abs;
        let mut g = [0.0];
        let mut walk = GridWalk::new(self.clock.t0, self.times.get(0), self.clock.dt);
        for i in 0..self.times.len() {
            if acc.iter().all(|a| a.dead) {
                break;
            }
            let te = self.times.get(i);
            let k = self.times.step(i).unwrap_or(0);
            while let Some(s) = walk.toward(te) {
                rk4(&f, &mut y, walk.t(), s.h, self.grad);
                walk.advance(s);
                for (a, z) in acc.iter_mut().zip(&y) {
                    if !a.dead && state_fails(z, max_abs) {
                        a.stop(k);
                    }
                }
            }
            for (a, z) in acc.iter_mut().zip(&y) {
                if a.dead {
                    continue;
                }
                let x = z[0];
                let loss = self.obj.value_gradient(&z[..1], &mut g);
                if self.limits.check(&[x], loss, &g, k, te).is_some() {
                    a.reject(k, x, loss);
                } else {
                    let q = match self.o.tol_on {
                        TolOn::Gap => loss - self.fstar,
                        TolOn::Grad => norm_1(g[0]),
                    };
                    a.observe(k, x, loss, q <= self.o.tol);
                }
            }
        }
        acc[..n].iter().map(Acc::metrics).collect()
    }
}

/// `check_state`'s test of a state after a step: a non-finite entry or `max |z_i| > max_abs`.
#[inline(always)]
fn state_fails(z: &[f64], max_abs: f64) -> bool {
    z.iter().any(|v| !v.is_finite()) || z.iter().fold(0.0f64, |m, v| m.max(v.abs())) > max_abs
}

/// [`crate::vector::norm`] of `[g]`: `√(g²)` when `g²` is normal or zero, else `|g|` (NaN for
/// NaN).
#[inline(always)]
fn norm_1(g: f64) -> f64 {
    let s = g * g;
    if s.is_normal() || s == 0.0 && g == 0.0 {
        s.sqrt()
    } else {
        g.abs()
    }
}

/// [`crate::vector::distance`] of `[a]` and `[b]`: `√(d²)`, `d = a − b`, when `d²` is normal or
/// zero, else `|d|`.
#[inline(always)]
fn distance_1(a: f64, b: f64) -> f64 {
    let d = a - b;
    let s = d * d;
    if s.is_normal() || s == 0.0 {
        s.sqrt()
    } else {
        d.abs()
    }
}

/// One lane's reductions, as [`super::metrics::MetricsObserver`] keeps them for `n = 1`.
#[derive(Debug, Clone, Copy)]
struct Acc {
    final_x: f64,
    final_loss: f64,
    diverged: Option<u64>,
    steps_to_tol: Option<u64>,
    max_update: f64,
    prev: f64,
    seen: bool,
    /// The run has stopped (or the lane is padding).
    dead: bool,
}

impl Acc {
    fn new(x0: f64, dead: bool) -> Self {
        Acc {
            final_x: x0,
            final_loss: f64::NAN,
            diverged: None,
            steps_to_tol: None,
            max_update: 0.0,
            prev: x0,
            seen: false,
            dead,
        }
    }

    /// A sample that passed the limits at step `k`; `hit` when it meets the tolerance.
    #[inline(always)]
    fn observe(&mut self, k: u64, x: f64, loss: f64, hit: bool) {
        if self.seen {
            self.max_update = self.max_update.max(distance_1(x, self.prev));
        }
        if self.steps_to_tol.is_none() && hit {
            self.steps_to_tol = Some(k);
        }
        self.final_loss = loss;
        self.final_x = x;
        self.prev = x;
        self.seen = true;
    }

    /// A sample beyond the limits at step `k` stops the run there.
    fn reject(&mut self, k: u64, x: f64, loss: f64) {
        self.diverged = Some(k);
        self.final_loss = loss;
        self.final_x = x;
        self.dead = true;
    }

    /// The state check failed before sample step `k` was delivered.
    fn stop(&mut self, k: u64) {
        self.diverged = Some(k);
        self.dead = true;
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            final_x: vec![self.final_x],
            final_loss: self.final_loss,
            diverged: self.diverged,
            steps_to_tol: self.steps_to_tol,
            max_update: self.max_update,
        }
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

#[cfg(test)]
mod tests {
    use super::{distance_1, norm_1};
    use crate::vector::{distance, norm};

    #[test]
    fn one_entry_norms_are_the_vector_ones() {
        let edge = [
            0.0,
            -0.0,
            1.0,
            -3.5,
            1e-160,
            -1e-170,
            f64::MIN_POSITIVE,
            5e-324,
            1e154,
            -1e200,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for &a in &edge {
            assert_eq!(norm_1(a).to_bits(), norm(&[a]).to_bits(), "norm {a}");
            for &b in &edge {
                let (got, want) = (distance_1(a, b), distance(&[a], &[b]));
                assert_eq!(got.to_bits(), want.to_bits(), "distance {a} {b}");
            }
        }
    }
}
