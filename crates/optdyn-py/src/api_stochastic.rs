//! `ensemble`, `weak_converge`: the stochastic layer (ensembles of a discrete optimizer or of a
//! stochastic model through the run engine; weak errors with fitted orders).

use crate::api_analyses::values;
use crate::convert;
use crate::errors::{ErrorSlot, IntoPy, SpecError};
use numpy::{PyArray1, PyArrayMethods};
use optdyn::analysis::moments::Functional;
use optdyn::analysis::weak::{weak_converge as weak, WeakMethod};
use optdyn::integrate::sde::SdeSolver;
use optdyn::model;
use optdyn::report;
use optdyn::run::{Ensemble, Run};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;

/// `M` paths of a stochastic run; see `optdyn.ensemble`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, paths, steps=None, t_end=None, model=None, integrator=None, seed=0, every=1, max_abs=1e12, antithetic=false, quantiles=vec![0.05, 0.5, 0.95], all_paths=false))]
#[allow(clippy::too_many_arguments)]
pub fn ensemble<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    paths: usize,
    steps: Option<u64>,
    t_end: Option<f64>,
    model: Option<&str>,
    integrator: Option<&str>,
    seed: u64,
    every: u64,
    max_abs: f64,
    antithetic: bool,
    quantiles: Vec<f64>,
    all_paths: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let problem = convert::problem(objective, convert::x0(x0)?, &slot)?;
    let opt = convert::optimizer(optimizer, &slot)?;
    let sde = model
        .map(|m| model::parse_sde(m, opt.as_ref(), problem.objective().clone()))
        .transpose()
        .py()?;
    let mut run = match &sde {
        None => Run::discrete(&problem, opt.as_ref()),
        Some(m) => {
            let solver = match integrator {
                Some(text) => SdeSolver::parse(text).py()?,
                None => SdeSolver::default_for(m.as_ref()),
            };
            Run::sde(&problem, m.as_ref()).sde_solver(solver)
        }
    };
    if sde.is_none() && integrator.is_some() {
        return Err(SpecError::new_err(
            "ensemble: integrator applies to a stochastic model (model=...)",
        ));
    }
    run = match (steps, t_end) {
        (Some(k), None) => run.steps(k),
        (None, Some(t)) => run.t_end(t),
        (Some(_), Some(_)) => {
            return Err(SpecError::new_err(
                "ensemble: give steps or t_end, not both",
            ))
        }
        (None, None) => return Err(SpecError::new_err("ensemble: give steps=K or t_end=T")),
    };
    let run = run.every(every).max_abs(max_abs);
    let ens = Ensemble::new(paths, seed).antithetic(antithetic);
    let r = py.detach(|| run.ensemble(&ens));
    let r = slot.check(py, r)?.py()?;
    let (header, rows) = r.bands(&quantiles).py()?;
    let n = r.dim();
    let ns = r.steps().len();
    let d = PyDict::new(py);
    d.set_item("n", n)?;
    d.set_item("paths", r.paths())?;
    let steps: Vec<i64> = r.steps().iter().map(|&k| k as i64).collect();
    d.set_item("step", PyArray1::from_vec(py, steps))?;
    d.set_item("t", PyArray1::from_slice(py, r.times()))?;
    let alive: Vec<i64> = (0..ns).map(|s| r.alive(s) as i64).collect();
    d.set_item("alive", PyArray1::from_vec(py, alive))?;
    // Columns per sample: x_0 … x_{n−1}, loss; header = step, t, paths, then per column
    // mean, se, one per quantile.
    let per = 2 + quantiles.len();
    let pick = |k: usize| -> Vec<f64> {
        rows.iter()
            .flat_map(|row| (0..=n).map(move |c| row[3 + c * per + k]))
            .collect()
    };
    d.set_item("mean", convert::matrix(py, pick(0), n + 1)?)?;
    d.set_item("se", convert::matrix(py, pick(1), n + 1)?)?;
    let q = PyList::empty(py);
    for k in 0..quantiles.len() {
        q.append(convert::matrix(py, pick(2 + k), n + 1)?)?;
    }
    d.set_item("quantiles", PyArray1::from_slice(py, &quantiles))?;
    d.set_item("bands", q)?;
    d.set_item("columns", PyList::new(py, &header)?)?;
    let stopped = PyList::empty(py);
    for (p, why) in r.stopped() {
        let e = PyDict::new(py);
        e.set_item("path", p)?;
        e.set_item("stop", convert::stop(py, why)?)?;
        stopped.append(e)?;
    }
    d.set_item("stopped", stopped)?;
    if all_paths {
        let mut data = Vec::with_capacity(r.paths() * ns * (n + 1));
        for p in 0..r.paths() {
            for s in 0..ns {
                data.extend_from_slice(r.row(p, s));
            }
        }
        let arr = PyArray1::from_vec(py, data).reshape([r.paths(), ns, n + 1])?;
        d.set_item("all_paths", arr)?;
    }
    Ok(d)
}

/// Weak errors of stochastic models vs learning rate; see `optdyn.weak_converge`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, models, lrs, t_end, functional="x", paths=1000, seed=0, exact=false, integrator=None, out=None))]
#[allow(clippy::too_many_arguments)]
pub fn weak_converge<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    models: Vec<String>,
    lrs: &Bound<'py, PyAny>,
    t_end: f64,
    functional: &str,
    paths: usize,
    seed: u64,
    exact: bool,
    integrator: Option<&str>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let problem = convert::problem(objective, convert::x0(x0)?, &slot)?;
    let opt = convert::optimizer(optimizer, &slot)?;
    let f = Functional::parse(functional).py()?;
    let lrs = values(lrs, "lrs")?;
    let solver = integrator.map(SdeSolver::parse).transpose().py()?;
    let method = if exact {
        WeakMethod::Exact
    } else {
        WeakMethod::MonteCarlo(Ensemble::new(paths, seed))
    };
    let c = py.detach(|| {
        weak(
            &problem,
            opt.as_ref(),
            &models,
            solver,
            &lrs,
            t_end,
            f,
            method,
        )
    });
    let c = slot.check(py, c)?.py()?;
    if let Some(dir) = &out {
        report::write_weak_convergence(&c, dir).py()?;
    }
    let d = PyDict::new(py);
    d.set_item("lrs", PyArray1::from_slice(py, &c.lrs))?;
    let steps: Vec<i64> = c.steps.iter().map(|&k| k as i64).collect();
    d.set_item("steps", PyArray1::from_vec(py, steps))?;
    d.set_item("t_end", c.t_end)?;
    d.set_item("functional", &c.functional)?;
    d.set_item("method", &c.method)?;
    d.set_item("paths", c.paths)?;
    d.set_item("seed", c.seed)?;
    let list = PyList::empty(py);
    for m in &c.models {
        let e = PyDict::new(py);
        e.set_item("model", &m.model)?;
        e.set_item("error", PyArray1::from_slice(py, &m.error))?;
        e.set_item("stderr", PyArray1::from_slice(py, &m.stderr))?;
        e.set_item("resolved", PyList::new(py, &m.resolved)?)?;
        match &m.fit {
            Some(fit) => {
                let fd = PyDict::new(py);
                fd.set_item("p", fit.p)?;
                fd.set_item("p_stderr", fit.p_stderr)?;
                fd.set_item("c", fit.c)?;
                e.set_item("fit", fd)?;
            }
            None => e.set_item("fit", py.None())?,
        }
        list.append(e)?;
    }
    d.set_item("models", list)?;
    Ok(d)
}
