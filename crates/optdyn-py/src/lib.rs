//! `optdyn._core`: the Python binding of the optdyn library. Thin: each function converts its
//! arguments (spec strings, or the user's objectives, update rules and models as Python objects)
//! into the library's typed values, runs the library with the interpreter released, and returns
//! numpy arrays and dicts. The public Python API, with its docstrings, is `python/optdyn`.

mod api_analyses;
mod api_experiments;
mod api_run;
mod api_stochastic;
mod api_sweep;
mod callables;
mod convert;
mod errors;
mod kernels;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("SpecError", m.py().get_type::<errors::SpecError>())?;
    m.add("__version__", optdyn::VERSION)?;
    m.add_function(wrap_pyfunction!(api_run::run, m)?)?;
    m.add_function(wrap_pyfunction!(api_analyses::compare, m)?)?;
    m.add_function(wrap_pyfunction!(api_analyses::converge, m)?)?;
    m.add_function(wrap_pyfunction!(api_analyses::basins, m)?)?;
    m.add_function(wrap_pyfunction!(api_analyses::stability, m)?)?;
    m.add_function(wrap_pyfunction!(api_analyses::spectrum, m)?)?;
    m.add_function(wrap_pyfunction!(api_analyses::monitor, m)?)?;
    m.add_function(wrap_pyfunction!(api_stochastic::ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(api_stochastic::weak_converge, m)?)?;
    m.add_function(wrap_pyfunction!(api_sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(api_sweep::merge, m)?)?;
    m.add_function(wrap_pyfunction!(api_experiments::reproduce, m)?)?;
    m.add_function(wrap_pyfunction!(api_experiments::demo, m)?)?;
    m.add_function(wrap_pyfunction!(api_experiments::learn, m)?)?;
    m.add_function(wrap_pyfunction!(api_experiments::catalogs, m)?)?;
    m.add_function(wrap_pyfunction!(api_experiments::check_optimizer, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::kernel_model_spec, m)?)?;
    Ok(())
}
