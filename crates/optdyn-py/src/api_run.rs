//! `run`: one discrete run, or one continuous model of the optimizer, on the clock `t_k = k·lr`.

use crate::convert;
use crate::errors::{ErrorSlot, IntoPy};
use optdyn::analysis::sharpness::Sharpness;
use optdyn::run::Run;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Runs `optimizer` (or `model` of it) on `objective` from `x0`; see `optdyn.run`.
#[pyfunction]
#[pyo3(signature = (objective, x0, optimizer, steps=None, t_end=None, model=None, integrator=None, every=1, state=false, max_abs=1e12, sharpness=None, sharpness_vectors=false))]
#[allow(clippy::too_many_arguments)]
pub fn run<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    optimizer: &Bound<'py, PyAny>,
    steps: Option<u64>,
    t_end: Option<f64>,
    model: Option<&Bound<'py, PyAny>>,
    integrator: Option<&str>,
    every: u64,
    state: bool,
    max_abs: f64,
    sharpness: Option<usize>,
    sharpness_vectors: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let slot = ErrorSlot::default();
    let problem = convert::problem(objective, convert::x0(x0)?, &slot)?;
    let opt = convert::optimizer(optimizer, &slot)?;
    let model = model
        .map(|m| convert::model(m, opt.as_ref(), &problem, &slot))
        .transpose()?;
    let integ = convert::integrator(integrator)?;
    let mut run = match &model {
        None => Run::discrete(&problem, opt.as_ref()).record_state(state),
        Some(m) => Run::model(&problem, m.as_ref(), opt.lr()),
    };
    if let Some(i) = &integ {
        run = run.integrator(i.as_ref());
    }
    run = match (steps, t_end) {
        (Some(k), None) => run.steps(k),
        (None, Some(t)) => run.t_end(t),
        (Some(_), Some(_)) => {
            return Err(crate::errors::SpecError::new_err(
                "run: give steps or t_end, not both",
            ))
        }
        (None, None) => {
            return Err(crate::errors::SpecError::new_err(
                "run: give steps=K or t_end=T",
            ))
        }
    };
    let k = crate::convert::sharpness_k(sharpness)?;
    let sharp = match &model {
        None => Sharpness::for_discrete(problem.objective().clone(), k, opt.as_ref()),
        Some(_) => Sharpness::new(problem.objective().clone(), k),
    }
    .vectors(sharpness_vectors);
    if k > 0 {
        run = run.measure(&sharp);
    }
    let run = run.every(every).max_abs(max_abs);
    let tr = py.detach(|| run.trajectory());
    let tr = slot.check(py, tr)?.py()?;
    convert::trajectory(py, &tr)
}
