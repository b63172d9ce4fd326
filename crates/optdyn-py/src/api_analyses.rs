//! `compare`, `converge`, `basins`, `stability`, `spectrum`, `monitor`: the analyses, with the
//! CLI's files and figures written into `out` when it is given.

use crate::convert::{self, matrix};
use crate::errors::{ErrorSlot, IntoPy, SpecError};
use numpy::{Complex64, PyArray1, PyArrayMethods};
use optdyn::analysis as an;
use optdyn::analysis::lyapunov;
use optdyn::analysis::sharpness::{threshold, Threshold};
use optdyn::model::ModelFactory;
use optdyn::optim::Optimizer;
use optdyn::run::Run;
use optdyn::{range, report};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;

/// The stability threshold as `{"value", "preconditioned", "formula"}`, or `None`.
fn threshold_dict<'py>(py: Python<'py>, th: Option<&Threshold>) -> PyResult<Bound<'py, PyAny>> {
    match th {
        None => Ok(py.None().into_bound(py)),
        Some(th) => {
            let d = PyDict::new(py);
            d.set_item("value", th.value)?;
            d.set_item("preconditioned", th.preconditioned)?;
            d.set_item("formula", th.formula)?;
            Ok(d.into_any())
        }
    }
}

fn factories_ref(v: &[Box<dyn ModelFactory>]) -> Vec<&dyn ModelFactory> {
    v.iter().map(|b| b.as_ref()).collect()
}

/// ε of an optimizer given by a spec (for the update-scale panel), 1e-8 otherwise.
fn eps_of(optimizer: &Bound<'_, PyAny>) -> f64 {
    optimizer
        .extract::<String>()
        .ok()
        .or_else(|| {
            optimizer
                .getattr("_optdyn_spec")
                .and_then(|s| s.extract())
                .ok()
        })
        .and_then(|s| optdyn::spec::Spec::parse(&s).ok())
        .and_then(|s| s.f64("eps", 1e-8).ok())
        .unwrap_or(1e-8)
}

fn steps_of(opt: &dyn Optimizer<f64>, steps: Option<u64>, t_end: Option<f64>) -> PyResult<u64> {
    match (steps, t_end) {
        (Some(k), None) => Ok(k),
        (None, Some(t)) => {
            let lr = opt.lr();
            if !(t > 0.0 && t.is_finite() && lr > 0.0) {
                return Err(SpecError::new_err(format!(
                    "t_end must be > 0 and the optimizer's lr > 0, got T = {t}, lr = {lr}"
                )));
            }
            Ok((t / lr).round() as u64)
        }
        _ => Err(SpecError::new_err("give exactly one of steps=K or t_end=T")),
    }
}

/// The discrete optimizer beside each model on one clock; see `optdyn.compare`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, models, t_end=None, steps=None, integrator=None, every=1, out=None, sharpness=None))]
#[allow(clippy::too_many_arguments)]
pub fn compare<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    models: &Bound<'py, PyAny>,
    t_end: Option<f64>,
    steps: Option<u64>,
    integrator: Option<&str>,
    every: u64,
    out: Option<PathBuf>,
    sharpness: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let problem = convert::problem(objective, convert::x0(x0)?, &slot)?;
    let opt = convert::optimizer(optimizer, &slot)?;
    let facs = convert::factories(models, &problem, &slot)?;
    let integ = convert::integrator(integrator)?;
    let k = steps_of(opt.as_ref(), steps, t_end)?;
    let sharp = convert::sharpness_k(sharpness)?;
    let c = py.detach(|| {
        an::compare::compare_with_sharpness(
            &problem,
            opt.as_ref(),
            &factories_ref(&facs),
            integ.as_deref(),
            k,
            every,
            sharp,
        )
    });
    let c = slot.check(py, c)?.py()?;
    if let Some(dir) = &out {
        report::write_comparison(&c, eps_of(optimizer), dir).py()?;
    }
    let d = PyDict::new(py);
    d.set_item("lr", c.lr)?;
    d.set_item("threshold", threshold_dict(py, c.threshold.as_ref())?)?;
    d.set_item("discrete", convert::trajectory(py, &c.discrete)?)?;
    let list = PyList::empty(py);
    for m in &c.models {
        let e = PyDict::new(py);
        e.set_item("model", &m.model)?;
        e.set_item("trajectory", convert::trajectory(py, &m.trajectory)?)?;
        e.set_item("velocity", matrix(py, m.velocity.clone(), problem.dim())?)?;
        e.set_item("e_t", m.e_t)?;
        e.set_item("e_f", m.e_f)?;
        e.set_item("gap", PyArray1::from_slice(py, &m.gap))?;
        e.set_item("stats", convert::stats(py, &m.stats)?)?;
        e.set_item("seconds", m.seconds)?;
        list.append(e)?;
    }
    d.set_item("models", list)?;
    Ok(d)
}

/// The gap at `t_end` vs learning rate with fitted orders; see `optdyn.converge`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, models, lrs, t_end, integrator=None, out=None))]
#[allow(clippy::too_many_arguments)]
pub fn converge<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    models: &Bound<'py, PyAny>,
    lrs: &Bound<'py, PyAny>,
    t_end: f64,
    integrator: Option<&str>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let problem = convert::problem(objective, convert::x0(x0)?, &slot)?;
    let opt = convert::optimizer(optimizer, &slot)?;
    let facs = convert::factories(models, &problem, &slot)?;
    let integ = convert::integrator(integrator)?;
    let lrs = values(lrs, "lrs")?;
    let c = py.detach(|| {
        an::converge::converge(
            &problem,
            opt.as_ref(),
            &factories_ref(&facs),
            integ.as_deref(),
            &lrs,
            t_end,
        )
    });
    let c = slot.check(py, c)?.py()?;
    if let Some(dir) = &out {
        report::write_convergence(&c, dir).py()?;
    }
    let d = PyDict::new(py);
    d.set_item("lrs", PyArray1::from_slice(py, &c.lrs))?;
    let steps: Vec<i64> = c.steps.iter().map(|&k| k as i64).collect();
    d.set_item("steps", PyArray1::from_vec(py, steps))?;
    d.set_item("t_end", c.t_end)?;
    let list = PyList::empty(py);
    for m in &c.models {
        let e = PyDict::new(py);
        e.set_item("model", &m.model)?;
        e.set_item("e_t", PyArray1::from_slice(py, &m.e_t))?;
        e.set_item("e_f", PyArray1::from_slice(py, &m.e_f))?;
        for (key, fit) in [("fit_t", &m.fit_t), ("fit_f", &m.fit_f)] {
            match fit {
                Some(f) => {
                    let fd = PyDict::new(py);
                    fd.set_item("p", f.p)?;
                    fd.set_item("p_stderr", f.p_stderr)?;
                    fd.set_item("c", f.c)?;
                    e.set_item(key, fd)?;
                }
                None => e.set_item(key, py.None())?,
            }
        }
        list.append(e)?;
    }
    d.set_item("models", list)?;
    Ok(d)
}

/// A grid given as a range string (`lo:hi:count[:log]`, `a;b;c`) or an array-like.
pub(crate) fn values(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f64>> {
    match obj.extract::<String>() {
        Ok(s) => range::parse(what, &s).py(),
        Err(_) => crate::callables::to_vec(obj, what),
    }
}

fn first_or_nan(v: &Option<Vec<f64>>) -> f64 {
    v.as_ref().map_or(f64::NAN, |p| p[0])
}

/// Final state vs learning rate (`lrs` with `x0`) or a 2-D basin map (`xs` and `ys`); see
/// `optdyn.basins`.
#[pyfunction]
#[pyo3(signature = (objective, optimizer, x0=None, model=None, lrs=None, xs=None, ys=None, steps=None, integrator=None, out=None))]
#[allow(clippy::too_many_arguments)]
pub fn basins<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    x0: Option<&Bound<'py, PyAny>>,
    model: Option<&Bound<'py, PyAny>>,
    lrs: Option<&Bound<'py, PyAny>>,
    xs: Option<&Bound<'py, PyAny>>,
    ys: Option<&Bound<'py, PyAny>>,
    steps: Option<u64>,
    integrator: Option<&str>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let opt = convert::optimizer(optimizer, &slot)?;
    let integ = convert::integrator(integrator)?;
    let d = PyDict::new(py);
    match (lrs, xs, ys) {
        (Some(lrs), None, None) => {
            let x0 = x0.ok_or_else(|| SpecError::new_err("basins: an lr scan needs x0"))?;
            let problem = convert::problem(objective, convert::x0(x0)?, &slot)?;
            let facs = model
                .map(|m| convert::factories(m, &problem, &slot))
                .transpose()?;
            let factory = facs.as_ref().and_then(|f| f.first()).map(|b| b.as_ref());
            let lrs = values(lrs, "lrs")?;
            let steps_of = |lr: f64| steps.unwrap_or(((4.0 / lr).round() as u64).max(1000));
            let r = py.detach(|| -> optdyn::Result<_> {
                let disc = an::basins::scan_lr(
                    &problem,
                    opt.as_ref(),
                    None,
                    integ.as_deref(),
                    &lrs,
                    &steps_of,
                )?;
                let m = factory
                    .map(|f| {
                        an::basins::scan_lr(
                            &problem,
                            opt.as_ref(),
                            Some(f),
                            integ.as_deref(),
                            &lrs,
                            &steps_of,
                        )
                    })
                    .transpose()?;
                Ok((disc, m))
            });
            let (disc, mend) = slot.check(py, r)?.py()?;
            let ks: Vec<u64> = lrs.iter().map(|&lr| steps_of(lr)).collect();
            if let Some(dir) = &out {
                std::fs::create_dir_all(dir)?;
                let label = factory.map(|f| f.label());
                report::write_lr_scan(dir, &lrs, &ks, &disc, label.as_deref().zip(mend.as_deref()))
                    .py()?;
            }
            d.set_item("lr", PyArray1::from_slice(py, &lrs))?;
            let ks: Vec<i64> = ks.iter().map(|&k| k as i64).collect();
            d.set_item("steps", PyArray1::from_vec(py, ks))?;
            let disc: Vec<f64> = disc.iter().map(first_or_nan).collect();
            d.set_item("discrete", PyArray1::from_vec(py, disc))?;
            match mend {
                Some(m) => {
                    let m: Vec<f64> = m.iter().map(first_or_nan).collect();
                    d.set_item("model", PyArray1::from_vec(py, m))?;
                }
                None => d.set_item("model", py.None())?,
            }
        }
        (None, Some(xs), Some(ys)) => {
            let xs = values(xs, "xs")?;
            let ys = values(ys, "ys")?;
            let (&x, &y) = xs
                .first()
                .zip(ys.first())
                .ok_or_else(|| SpecError::new_err("basins: xs and ys must not be empty"))?;
            let problem = convert::problem(objective, vec![x, y], &slot)?;
            let facs = model
                .map(|m| convert::factories(m, &problem, &slot))
                .transpose()?;
            let factory = facs.as_ref().and_then(|f| f.first()).map(|b| b.as_ref());
            let k = steps.unwrap_or(2000);
            let map = py.detach(|| {
                an::basins::basin_map(
                    &problem,
                    opt.as_ref(),
                    factory,
                    integ.as_deref(),
                    &xs,
                    &ys,
                    k,
                    1e-3,
                )
            });
            let map = slot.check(py, map)?.py()?;
            if let Some(dir) = &out {
                let title = factory.map_or_else(|| opt.name().to_string(), |f| f.label());
                report::write_basin_map(dir, &map, &title).py()?;
            }
            d.set_item("xs", PyArray1::from_slice(py, &xs))?;
            d.set_item("ys", PyArray1::from_slice(py, &ys))?;
            let ends: Vec<f64> = map
                .ends
                .iter()
                .flat_map(|e| e.clone().unwrap_or_else(|| vec![f64::NAN; 2]))
                .collect();
            d.set_item("ends", matrix(py, ends, 2)?)?;
            let labels: Vec<i64> = map
                .labels
                .iter()
                .map(|l| l.map_or(-1, |i| i as i64))
                .collect();
            d.set_item("labels", PyArray1::from_vec(py, labels))?;
            let att: Vec<f64> = map.attractors.iter().flatten().copied().collect();
            d.set_item("attractors", matrix(py, att, 2)?)?;
        }
        _ => {
            return Err(SpecError::new_err(
                "basins: give either lrs (with x0) or both xs and ys",
            ))
        }
    }
    Ok(d)
}

/// The (β1, β2) map of Adam-type update growth; see `optdyn.stability`.
#[pyfunction]
#[pyo3(signature = (optimizer="adam:lr=1,eps=1e-300", beta1=None, beta2=None, decay=0.3, steps=400, out=None))]
pub fn stability<'py>(
    py: Python<'py>,
    optimizer: &str,
    beta1: Option<&Bound<'py, PyAny>>,
    beta2: Option<&Bound<'py, PyAny>>,
    decay: f64,
    steps: usize,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let b1 = match beta1 {
        Some(b) => values(b, "beta1")?,
        None => range::parse("beta1", "0:0.99:34").py()?,
    };
    let b2 = match beta2 {
        Some(b) => values(b, "beta2")?,
        None => range::parse("beta2", "0.5:0.999:34").py()?,
    };
    if !(decay > 0.0 && decay < 1.0) {
        return Err(SpecError::new_err(format!(
            "decay must be in (0, 1), got {decay}"
        )));
    }
    let cell = an::stability::from_spec(optimizer).py()?;
    let cells = py
        .detach(|| an::stability::map(cell.as_ref(), &b1, &b2, decay, steps))
        .py()?;
    if let Some(dir) = &out {
        report::write_stability(dir, &cells, &b1, &b2, decay).py()?;
    }
    let d = PyDict::new(py);
    let col =
        |f: fn(&an::stability::StabilityCell) -> f64| cells.iter().map(f).collect::<Vec<f64>>();
    d.set_item("beta1", PyArray1::from_vec(py, col(|c| c.beta1)))?;
    d.set_item("beta2", PyArray1::from_vec(py, col(|c| c.beta2)))?;
    d.set_item("growth", PyArray1::from_vec(py, col(|c| c.growth)))?;
    d.set_item("predicted", PyArray1::from_vec(py, col(|c| c.predicted)))?;
    d.set_item("max_update", PyArray1::from_vec(py, col(|c| c.max_update)))?;
    let st: Vec<bool> = cells.iter().map(|c| c.theory_stable).collect();
    d.set_item("theory_stable", PyArray1::from_vec(py, st))?;
    Ok(d)
}

/// Eigenvalues of a model's Jacobian along its run; see `optdyn.spectrum`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, model, steps, every=10, integrator=None, tol=1e-9, out=None))]
#[allow(clippy::too_many_arguments)]
pub fn spectrum<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    model: &Bound<'py, PyAny>,
    steps: u64,
    every: u64,
    integrator: Option<&str>,
    tol: f64,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let ModelRun {
        problem,
        optimizer: opt,
        model: m,
        integrator: integ,
    } = ModelRun::new(objective, x0, optimizer, model, integrator, &slot)?;
    let mut run = Run::model(&problem, m.as_ref(), opt.lr())
        .steps(steps)
        .every(every.max(1));
    if let Some(i) = &integ {
        run = run.integrator(i.as_ref());
    }
    let samples = py.detach(|| {
        let mut s = an::spectrum::Spectra::new(m.as_ref(), tol);
        run.execute(&mut [&mut s]).map(|_| s.samples)
    });
    let samples = slot.check(py, samples)?.py()?;
    if let Some(dir) = &out {
        report::write_spectrum(dir, &samples).py()?;
    }
    let d = PyDict::new(py);
    let dim = m.dim();
    d.set_item(
        "t",
        PyArray1::from_vec(py, samples.iter().map(|s| s.t).collect()),
    )?;
    d.set_item(
        "max_re",
        PyArray1::from_vec(py, samples.iter().map(|s| s.max_re).collect()),
    )?;
    d.set_item(
        "radius",
        PyArray1::from_vec(py, samples.iter().map(|s| s.radius).collect()),
    )?;
    let ill: Vec<bool> = samples.iter().map(|s| s.ill_posed).collect();
    d.set_item("ill_posed", PyArray1::from_vec(py, ill))?;
    let ev: Vec<Complex64> = samples
        .iter()
        .flat_map(|s| s.eigenvalues.iter().map(|&(re, im)| Complex64::new(re, im)))
        .collect();
    let rows = samples.len();
    d.set_item(
        "eigenvalues",
        PyArray1::from_vec(py, ev).reshape([rows, dim])?,
    )?;
    Ok(d)
}

/// The problem, optimizer, model and integrator of a model analysis.
struct ModelRun {
    problem: optdyn::run::Problem,
    optimizer: Box<dyn Optimizer<f64>>,
    model: Box<dyn optdyn::model::Model>,
    integrator: Option<Box<dyn optdyn::integrate::Integrator>>,
}

impl ModelRun {
    fn new(
        objective: &Bound<'_, PyAny>,
        x0: &Bound<'_, PyAny>,
        optimizer: &Bound<'_, PyAny>,
        model: &Bound<'_, PyAny>,
        integrator: Option<&str>,
        slot: &ErrorSlot,
    ) -> PyResult<Self> {
        let problem = convert::problem(objective, convert::x0(x0)?, slot)?;
        let optimizer = convert::optimizer(optimizer, slot)?;
        let model = convert::model(model, optimizer.as_ref(), &problem, slot)?;
        Ok(ModelRun {
            problem,
            optimizer,
            model,
            integrator: convert::integrator(integrator)?,
        })
    }
}

fn monitor_dict<'py>(py: Python<'py>, m: &lyapunov::Monitor) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("values", PyArray1::from_slice(py, &m.values))?;
    d.set_item("max_increase", m.max_increase)?;
    d.set_item("t_max_increase", m.t_max_increase)?;
    d.set_item("non_increasing", m.non_increasing)?;
    Ok(d)
}

/// Loss, Lyapunov functional, kinetic energy and moment positivity along a model run; see
/// `optdyn.monitor`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, model, steps, integrator=None, tol=1e-10, out=None, sharpness=None))]
#[allow(clippy::too_many_arguments)]
pub fn monitor<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    model: &Bound<'py, PyAny>,
    steps: u64,
    integrator: Option<&str>,
    tol: f64,
    out: Option<PathBuf>,
    sharpness: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let sharp = convert::sharpness_k(sharpness)?;
    let ModelRun {
        problem,
        optimizer: opt,
        model: m,
        integrator: integ,
    } = ModelRun::new(objective, x0, optimizer, model, integrator, &slot)?;
    let mon = py.detach(|| {
        lyapunov::model_monitors(
            &problem,
            m.as_ref(),
            integ.as_deref(),
            opt.lr(),
            steps,
            tol,
            sharp,
        )
    });
    let mon = slot.check(py, mon)?.py()?;
    let th = threshold(opt.as_ref());
    if let Some(dir) = &out {
        report::write_monitors(dir, &mon, &m.name(), th.as_ref()).py()?;
    }
    let d = PyDict::new(py);
    d.set_item("threshold", threshold_dict(py, th.as_ref())?)?;
    d.set_item("trajectory", convert::trajectory(py, &mon.trajectory)?)?;
    d.set_item("t", PyArray1::from_slice(py, mon.trajectory.times()))?;
    d.set_item("loss", monitor_dict(py, &mon.loss)?)?;
    match &mon.lyapunov {
        Some(l) => d.set_item("lyapunov", monitor_dict(py, l)?)?,
        None => d.set_item("lyapunov", py.None())?,
    }
    d.set_item("kinetic", PyArray1::from_slice(py, &mon.kinetic))?;
    d.set_item("min_v", mon.min_v)?;
    d.set_item("stats", convert::stats(py, &mon.stats)?)?;
    Ok(d)
}
