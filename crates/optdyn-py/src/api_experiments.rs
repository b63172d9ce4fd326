//! `reproduce`, `demo`, `learn` and `list`: the experiments layer and the registries.

use crate::errors::{IntoPy, SpecError};
use optdyn::experiments::learning::{ComparisonConfig, ErmConfig, StabilityConfig};
use optdyn::experiments::{demo as demo_job, learn_files, reproduce as repro};
use optdyn::spec::ComponentInfo;
use optdyn::{integrate, io, model, objective, optim};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// Runs the seed-paper reproductions (`name`, or all); returns their reports as JSON text.
#[pyfunction]
#[pyo3(signature = (name=None, out=PathBuf::from("optdyn-out/reproduce")))]
pub fn reproduce(py: Python<'_>, name: Option<&str>, out: PathBuf) -> PyResult<String> {
    let all = repro::targets();
    let chosen: Vec<_> = match name {
        None => all,
        Some(n) => match all.into_iter().find(|t| t.name == n) {
            Some(t) => vec![t],
            None => {
                let names: Vec<&str> = repro::targets().iter().map(|t| t.name).collect();
                return Err(SpecError::new_err(format!(
                    "reproduce: unknown target '{n}' (known: {})",
                    names.join(", ")
                )));
            }
        },
    };
    let reports = py.detach(|| -> optdyn::Result<Vec<serde_json::Value>> {
        let mut v = Vec::new();
        for t in chosen {
            let dir = out.join(t.name);
            let rep = (t.run)(&dir)?;
            io::write_atomic(&dir.join("checks.txt"), rep.table().as_bytes())?;
            let mut j = serde_json::to_value(&rep).expect("serialisable");
            j["passed"] = serde_json::json!(rep.passed());
            j["summary"] = serde_json::json!(t.summary);
            io::write_json(&dir.join("report.json"), &j)?;
            v.push(j);
        }
        Ok(v)
    });
    Ok(serde_json::to_string(&reports.py()?).expect("serialisable"))
}

/// The built-in demo report; returns `{index, table, thresholds}`.
#[pyfunction]
#[pyo3(signature = (out=PathBuf::from("optdyn-report")))]
pub fn demo(py: Python<'_>, out: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let d = py.detach(|| demo_job::run(&out)).py()?;
    let r = PyDict::new(py);
    r.set_item("index", d.index.display().to_string())?;
    r.set_item("table", d.table)?;
    r.set_item("thresholds", d.thresholds)?;
    Ok(r)
}

/// A learning experiment (`kadam`, `stability`, `erm`) written into `out/<experiment>`; returns
/// its text summary.
#[pyfunction]
#[pyo3(signature = (experiment, steps=None, seeds=None, out=PathBuf::from("optdyn-out/learn")))]
pub fn learn(
    py: Python<'_>,
    experiment: &str,
    steps: Option<u64>,
    seeds: Option<Vec<u64>>,
    out: PathBuf,
) -> PyResult<String> {
    let dir = out.join(experiment);
    let text = py.detach(|| -> optdyn::Result<String> {
        let text = match experiment {
            "kadam" => {
                let mut cfg = ComparisonConfig::default();
                if let Some(s) = steps {
                    cfg.steps = s;
                }
                if let Some(s) = seeds {
                    cfg.seeds = s;
                }
                learn_files::kadam(&cfg, &dir)?
            }
            "stability" => {
                let mut cfg = StabilityConfig::default();
                if let Some(s) = steps {
                    cfg.steps = s;
                }
                learn_files::stability(&cfg, &dir)?
            }
            "erm" => {
                let mut cfg = ErmConfig::default();
                if let Some(s) = seeds {
                    cfg.seeds = s;
                }
                if let Some(s) = steps {
                    cfg.under_steps = s;
                }
                learn_files::erm(&cfg, &dir)?
            }
            other => {
                return Err(optdyn::Error::spec(format!(
                    "learn: unknown experiment '{other}' (allowed: kadam, stability, erm)"
                )))
            }
        };
        io::write_atomic(&dir.join("summary.txt"), text.as_bytes())?;
        Ok(text)
    });
    text.py()
}

fn catalog(items: Vec<ComponentInfo>) -> serde_json::Value {
    serde_json::Value::Array(
        items
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "summary": c.summary,
                    "params": c.params.iter().map(|p| serde_json::json!({
                        "key": p.key, "default": p.default, "help": p.help,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Every component with its parameters and defaults, as JSON text:
/// `{objectives, optimizers, models, integrators}`.
#[pyfunction]
pub fn catalogs() -> String {
    serde_json::json!({
        "objectives": catalog(objective::catalog()),
        "optimizers": catalog(optim::catalog()),
        "models": catalog(model::catalog()),
        "integrators": catalog(integrate::catalog()),
    })
    .to_string()
}

/// Builds the optimizer of a spec through the registry (range checks, unknown keys) and returns
/// its learning rate; `optdyn.optim` calls it when an optimizer is constructed.
#[pyfunction]
pub fn check_optimizer(spec: &str) -> PyResult<f64> {
    Ok(optim::parse(spec).py()?.lr())
}
