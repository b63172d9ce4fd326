//! Arguments in (spec strings or the user's Python objects → typed library values) and results
//! out (trajectories and tables → dicts of numpy arrays).

use crate::callables::{to_vec, type_name, PyModel, PyModelFactory, PyObjective, PyOptimizer};
use crate::errors::{ErrorSlot, IntoPy};
use crate::kernels::{is_kernel_model, PyKernelModel};
use numpy::{PyArray1, PyArrayMethods};
use optdyn::block;
use optdyn::integrate::{self, Integrator, Stats};
use optdyn::model::{self, Model, ModelFactory, ModelSpec};
use optdyn::optim::{self, Optimizer};
use optdyn::run::Problem;
use optdyn::stop::StopReason;
use optdyn::trajectory::Trajectory;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::sync::Arc;

/// The start point: a real number or a 1-D array-like.
pub fn x0(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    to_vec(obj, "x0")
}

fn spec_text(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if obj.is_instance_of::<PyString>() {
        return Ok(Some(obj.extract()?));
    }
    if obj.hasattr("_optdyn_spec")? {
        return Ok(Some(obj.getattr("_optdyn_spec")?.extract()?));
    }
    Ok(None)
}

/// The problem of an objective (spec string, callable or object) from `x0`.
pub fn problem(objective: &Bound<'_, PyAny>, x0: Vec<f64>, slot: &ErrorSlot) -> PyResult<Problem> {
    match spec_text(objective)? {
        Some(s) => Problem::parse(&s, x0).py(),
        None => {
            let f = PyObjective::new(objective, x0.len(), slot.clone())?;
            Problem::shared(Arc::new(f), x0).py()
        }
    }
}

/// The optimizer: a spec string, an `optdyn.optim` optimizer, or a user's update rule.
pub fn optimizer(obj: &Bound<'_, PyAny>, slot: &ErrorSlot) -> PyResult<Box<dyn Optimizer<f64>>> {
    match spec_text(obj)? {
        Some(s) => optim::parse(&s).py(),
        None => Ok(Box::new(PyOptimizer::new(obj, slot.clone())?)),
    }
}

/// The model of `opt` on the problem: a spec string, a `KernelModel` or a `CustomModel`.
pub fn model(
    obj: &Bound<'_, PyAny>,
    opt: &dyn Optimizer<f64>,
    problem: &Problem,
    slot: &ErrorSlot,
) -> PyResult<Box<dyn Model>> {
    if is_kernel_model(obj)? {
        let k = PyKernelModel::new(obj, slot.clone())?;
        let built = k.build(opt, problem.objective().clone());
        return slot.check(obj.py(), built)?.py();
    }
    match spec_text(obj)? {
        Some(s) => model::parse(&s, opt, problem.objective().clone()).py(),
        None => Ok(Box::new(PyModel::new(obj, problem.x0(), slot.clone())?)),
    }
}

fn factory(
    obj: &Bound<'_, PyAny>,
    problem: &Problem,
    slot: &ErrorSlot,
) -> PyResult<Box<dyn ModelFactory>> {
    if is_kernel_model(obj)? {
        return Ok(Box::new(PyKernelModel::new(obj, slot.clone())?));
    }
    match spec_text(obj)? {
        Some(s) => Ok(Box::new(ModelSpec::parse(&s).py()?)),
        None => Ok(Box::new(PyModelFactory::new(
            obj,
            problem.x0(),
            slot.clone(),
        )?)),
    }
}

/// The models of a comparison: a spec list (`"adam-ide1+adam-ide2:u0=1"` or `"a,b"`), or a
/// sequence of specs, `KernelModel`s, `CustomModel`s and factories `lr -> CustomModel` (or
/// `lr -> KernelModel`).
pub fn factories(
    models: &Bound<'_, PyAny>,
    problem: &Problem,
    slot: &ErrorSlot,
) -> PyResult<Vec<Box<dyn ModelFactory>>> {
    if models.is_instance_of::<PyString>() {
        let text: String = models.extract()?;
        let parts: Vec<&str> = if text.contains('+') {
            text.split('+').collect()
        } else if text.contains(':') {
            vec![text.as_str()]
        } else {
            text.split(',').collect()
        };
        return parts
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Ok(Box::new(ModelSpec::parse(s).py()?) as Box<dyn ModelFactory>))
            .collect();
    }
    if models.hasattr("rhs")? || is_kernel_model(models)? {
        return Ok(vec![factory(models, problem, slot)?]);
    }
    let items = models.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "models must be a spec string or a sequence of models, got {}",
            type_name(models)
        ))
    })?;
    items.map(|m| factory(&m?, problem, slot)).collect()
}

/// The integrator of a spec, if given.
pub fn integrator(spec: Option<&str>) -> PyResult<Option<Box<dyn Integrator>>> {
    spec.map(integrate::parse).transpose().py()
}

/// `{kind, step, t, message}` of a stop reason.
pub fn stop<'py>(py: Python<'py>, s: &StopReason) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let v = serde_json::to_value(s).unwrap_or_default();
    d.set_item("kind", v["kind"].as_str().unwrap_or("finished"))?;
    d.set_item("step", v["step"].as_u64())?;
    d.set_item("t", v["t"].as_f64())?;
    d.set_item("message", s.to_string())?;
    Ok(d)
}

/// The integrator's counters.
pub fn stats<'py>(py: Python<'py>, s: &Stats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rhs_evals", s.rhs_evals)?;
    d.set_item("jac_evals", s.jac_evals)?;
    d.set_item("accepted", s.accepted)?;
    d.set_item("rejected", s.rejected)?;
    d.set_item("newton_iters", s.newton_iters)?;
    Ok(d)
}

/// A row-major `rows × cols` array.
pub fn matrix<'py>(py: Python<'py>, data: Vec<f64>, cols: usize) -> PyResult<Bound<'py, PyAny>> {
    let rows = data.len().checked_div(cols).unwrap_or(0);
    Ok(PyArray1::from_vec(py, data)
        .reshape([rows, cols])?
        .into_any())
}

/// A trajectory as `{n, columns, step, t, loss, grad_norm, x, state, stop, stats}` (numpy arrays;
/// `x` of shape (rows, n); `state` a dict of (rows, len) arrays per block).
pub fn trajectory<'py>(py: Python<'py>, tr: &Trajectory) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n", tr.n)?;
    d.set_item("columns", PyList::new(py, tr.columns())?)?;
    let steps: Vec<i64> = tr.steps().iter().map(|&k| k as i64).collect();
    d.set_item("step", PyArray1::from_vec(py, steps))?;
    d.set_item("t", PyArray1::from_slice(py, tr.times()))?;
    d.set_item("loss", PyArray1::from_slice(py, tr.losses()))?;
    d.set_item("grad_norm", PyArray1::from_slice(py, tr.grad_norms()))?;
    d.set_item("x", matrix(py, tr.xs().to_vec(), tr.n)?)?;
    let state = PyDict::new(py);
    for b in &tr.blocks {
        let r = block::range(&tr.blocks, &b.name).expect("a block of the layout");
        let mut data = Vec::with_capacity(tr.len() * b.len);
        for i in 0..tr.len() {
            data.extend_from_slice(&tr.state(i)[r.clone()]);
        }
        state.set_item(&b.name, matrix(py, data, b.len)?)?;
    }
    d.set_item("state", state)?;
    let measured = PyDict::new(py);
    for name in &tr.measured {
        let series = tr.measured_series(name).expect("a measured column");
        measured.set_item(name, PyArray1::from_vec(py, series))?;
    }
    d.set_item("measured", measured)?;
    d.set_item("stop", stop(py, &tr.stop)?)?;
    match &tr.stats {
        Some(s) => d.set_item("stats", stats(py, s)?)?,
        None => d.set_item("stats", py.None())?,
    }
    Ok(d)
}

/// `sharpness=K` of a run or analysis: 0 when `None`; `K = 0` is refused.
pub fn sharpness_k(k: Option<usize>) -> PyResult<usize> {
    match k {
        Some(0) => Err(crate::errors::SpecError::new_err(
            "sharpness must be >= 1 (the number of top Hessian eigenvalues), got 0",
        )),
        Some(k) => Ok(k),
        None => Ok(0),
    }
}

/// A table as `{column: numpy array}` (the `status` column as a list of strings, empty numeric
/// fields as NaN).
pub fn csv_columns<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let d = PyDict::new(py);
    for (j, name) in header.iter().enumerate() {
        let cells = rows.iter().map(|r| r.get(j).copied().unwrap_or(""));
        match *name {
            "status" => {
                d.set_item(*name, PyList::new(py, cells)?)?;
            }
            "index" | "diverged" | "diverged_step" | "steps_to_tol" => {
                let v: Vec<f64> = cells.map(|c| c.parse().unwrap_or(f64::NAN)).collect();
                if v.iter().all(|x| x.is_finite()) {
                    let ints: Vec<i64> = v.iter().map(|&x| x as i64).collect();
                    d.set_item(*name, PyArray1::from_vec(py, ints))?;
                } else {
                    d.set_item(*name, PyArray1::from_vec(py, v))?;
                }
            }
            _ => {
                let v: Vec<f64> = cells.map(|c| c.parse().unwrap_or(f64::NAN)).collect();
                d.set_item(*name, PyArray1::from_vec(py, v))?;
            }
        }
    }
    Ok(d)
}
