//! Basins of attraction: where a run ends as a function of the learning rate (the basin-selection
//! plot of Heredia 2025, Fig. 5) or of the start point (2-D basin maps with the attractors found
//! by clustering the end points).

use crate::integrate::Integrator;
use crate::model::ModelFactory;
use crate::optim::Optimizer;
use crate::run::{Problem, Run};
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;

/// Final parameters of one run (discrete, or the model built by `model` when given), or `None`
/// if the run stopped early (diverged or non-finite).
pub fn final_point(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    model: Option<&dyn ModelFactory>,
    integrator: Option<&dyn Integrator>,
    steps: u64,
) -> Result<Option<Vec<f64>>> {
    let every = steps.max(1);
    let tr = match model {
        None => Run::discrete(problem, optimizer)
            .steps(steps)
            .every(every)
            .trajectory()?,
        Some(factory) => {
            let m = factory.build(optimizer, problem.objective().clone())?;
            let mut run = Run::model(problem, m.as_ref(), optimizer.lr())
                .steps(steps)
                .every(every);
            if let Some(i) = integrator {
                run = run.integrator(i);
            }
            run.trajectory()?
        }
    };
    if !tr.stop.is_ok() {
        return Ok(None);
    }
    Ok(tr.last_x().map(<[f64]>::to_vec))
}

/// Final points for each learning rate (in parallel; order follows `lrs`): the optimizer with
/// that learning rate ([`Optimizer::with_lr`]) run for `steps(lr)` steps.
pub fn scan_lr(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    model: Option<&dyn ModelFactory>,
    integrator: Option<&dyn Integrator>,
    lrs: &[f64],
    steps: &(dyn Fn(f64) -> u64 + Sync),
) -> Result<Vec<Option<Vec<f64>>>> {
    lrs.par_iter()
        .map(|&lr| {
            let opt = optimizer.with_lr(lr)?;
            final_point(problem, opt.as_ref(), model, integrator, steps(lr))
        })
        .collect()
}

/// Locates by bisection (in log lr) the learning rate in `[lo, hi]` where `pred(lr)` switches,
/// given `pred(lo) != pred(hi)`; returns the bracket after `iters` halvings.
pub fn bisect_lr(
    lo: f64,
    hi: f64,
    iters: usize,
    pred: &dyn Fn(f64) -> Result<bool>,
) -> Result<(f64, f64)> {
    let (mut a, mut b) = (lo, hi);
    let pa = pred(a)?;
    if pa == pred(b)? {
        return Err(Error::numerical(format!(
            "bisect: no switch between lr = {lo} and {hi}"
        )));
    }
    for _ in 0..iters {
        let m = (a * b).sqrt();
        if pred(m)? == pa {
            a = m;
        } else {
            b = m;
        }
    }
    Ok((a, b))
}

/// A 2-D basin map over start points `xs × ys` (row-major by `y`).
#[derive(Debug, Clone, Serialize)]
pub struct BasinMap {
    /// The `x` grid.
    pub xs: Vec<f64>,
    /// The `y` grid.
    pub ys: Vec<f64>,
    /// The end point of each run (`None`: it diverged).
    pub ends: Vec<Option<Vec<f64>>>,
    /// The attractor each run ends at (`None`: diverged).
    pub labels: Vec<Option<usize>>,
    /// The distinct end points, in order of first appearance.
    pub attractors: Vec<Vec<f64>>,
}

/// Clusters end points: each end joins the first attractor within `tol` in every coordinate,
/// or becomes a new one. Deterministic (attractors in order of first appearance).
pub fn cluster(ends: &[Option<Vec<f64>>], tol: f64) -> (Vec<Option<usize>>, Vec<Vec<f64>>) {
    let mut attractors: Vec<Vec<f64>> = Vec::new();
    let labels = ends
        .iter()
        .map(|e| {
            e.as_ref().map(|p| {
                match attractors
                    .iter()
                    .position(|a| a.iter().zip(p).all(|(u, v)| (u - v).abs() < tol))
                {
                    Some(i) => i,
                    None => {
                        attractors.push(p.clone());
                        attractors.len() - 1
                    }
                }
            })
        })
        .collect();
    (labels, attractors)
}

/// Runs from every start point of `xs × ys` (in parallel) for `steps` steps and clusters the
/// end points within `tol` into attractors.
#[allow(clippy::too_many_arguments)]
pub fn basin_map(
    problem: &Problem,
    optimizer: &dyn Optimizer<f64>,
    model: Option<&dyn ModelFactory>,
    integrator: Option<&dyn Integrator>,
    xs: &[f64],
    ys: &[f64],
    steps: u64,
    tol: f64,
) -> Result<BasinMap> {
    if problem.dim() != 2 {
        return Err(Error::spec(format!(
            "basins: a start-point map needs a 2-D objective, got dimension {}",
            problem.dim()
        )));
    }
    // Per start point: the point, its end point (a Vec of 2), its label, in flight.
    let count = xs.len() as f64 * ys.len() as f64;
    crate::memory::check(
        &format!("basins: a map of {} × {} start points", xs.len(), ys.len()),
        count * 96.0,
        "use fewer --xs/--ys values",
    )?;
    let points: Vec<[f64; 2]> = ys
        .iter()
        .flat_map(|&y| xs.iter().map(move |&x| [x, y]))
        .collect();
    let ends: Vec<Option<Vec<f64>>> = points
        .par_iter()
        .map(|p| {
            let at = problem.from_point(p.to_vec())?;
            final_point(&at, optimizer, model, integrator, steps)
        })
        .collect::<Result<_>>()?;
    let (labels, attractors) = cluster(&ends, tol);
    Ok(BasinMap {
        xs: xs.to_vec(),
        ys: ys.to_vec(),
        ends,
        labels,
        attractors,
    })
}
