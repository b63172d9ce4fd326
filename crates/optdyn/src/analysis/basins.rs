//! Basins of attraction: where a run ends as a function of the learning rate (the basin-selection
//! plot of Heredia 2025, Fig. 5) or of the start point (2-D basin maps).

use crate::integrate;
use crate::model;
use crate::objective::Objective;
use crate::optim;
use crate::simulate::{self, RunOptions};
use crate::spec::Spec;
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::Arc;

/// Final parameters of one run (discrete, or a model when `model` is given), or `None` if the run
/// stopped early (diverged or non-finite).
pub fn final_point(
    obj: &Arc<dyn Objective>,
    optimizer: &str,
    model: Option<&str>,
    integrator: Option<&str>,
    x0: &[f64],
    steps: u64,
) -> Result<Option<Vec<f64>>> {
    let o = RunOptions {
        steps,
        every: steps.max(1),
        ..RunOptions::default()
    };
    let opt = optim::parse(optimizer)?;
    let tr = match model {
        None => simulate::run_discrete(obj.as_ref(), opt.as_ref(), x0, &o),
        Some(m) => {
            let ospec = Spec::parse(optimizer)?;
            let mm = model::parse(m, &ospec, obj.clone())?;
            let integ = integrate::parse(integrator.unwrap_or("rk4:substeps=10"))?;
            simulate::run_model(obj.as_ref(), mm.as_ref(), integ.as_ref(), x0, opt.lr(), &o)
                .trajectory
        }
    };
    if !tr.stop.is_ok() || tr.is_empty() {
        return Ok(None);
    }
    Ok(Some(tr.x(tr.len() - 1).to_vec()))
}

/// Final points for each learning rate (runs in parallel; order follows `lrs`). The number of
/// steps for a learning rate is `steps(lr)`.
pub fn scan_lr(
    obj: &Arc<dyn Objective>,
    optimizer: &str,
    model: Option<&str>,
    integrator: Option<&str>,
    x0: &[f64],
    lrs: &[f64],
    steps: &(dyn Fn(f64) -> u64 + Sync),
) -> Result<Vec<Option<Vec<f64>>>> {
    let base = Spec::parse(optimizer)?;
    let specs: Vec<(f64, String)> = lrs
        .iter()
        .map(|&lr| (lr, base.with("lr", format!("{lr:e}")).to_string()))
        .collect();
    specs
        .par_iter()
        .map(|(lr, spec)| final_point(obj, spec, model, integrator, x0, steps(*lr)))
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

/// A 2-D basin map: for each start point on the grid `xs × ys` (row-major by `y`), the index of
/// the nearest attractor in `attractors` that the run ends within `radius` of, or `None`.
#[allow(clippy::too_many_arguments)]
pub fn basin_map(
    obj: &Arc<dyn Objective>,
    optimizer: &str,
    model: Option<&str>,
    integrator: Option<&str>,
    xs: &[f64],
    ys: &[f64],
    steps: u64,
    attractors: &[Vec<f64>],
    radius: f64,
) -> Result<Vec<Option<usize>>> {
    let points: Vec<(f64, f64)> = ys
        .iter()
        .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
        .collect();
    points
        .par_iter()
        .map(|&(x, y)| {
            let end = final_point(obj, optimizer, model, integrator, &[x, y], steps)?;
            Ok(end.and_then(|e| {
                attractors
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let d = a
                            .iter()
                            .zip(&e)
                            .map(|(p, q)| (p - q).powi(2))
                            .sum::<f64>()
                            .sqrt();
                        (i, d)
                    })
                    .filter(|(_, d)| *d <= radius)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i)
            }))
        })
        .collect()
}
