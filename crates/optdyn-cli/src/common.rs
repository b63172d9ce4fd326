//! Helpers shared by the subcommands: building problems from specs, manifests.

use optdyn::integrate::Integrator;
use optdyn::model::Model;
use optdyn::objective::{self, Objective};
use optdyn::spec::parse_list;
use optdyn::spec::Spec;
use std::sync::Arc;

/// Parses `--x0` (`1,2` or `1;2`).
pub fn parse_x0(text: &str) -> Result<Vec<f64>, String> {
    parse_list(text).map_err(|e| format!("--x0: {e}"))
}

/// Builds the objective for a start point; its dimension must match `x0`.
pub fn build_objective(spec: &str, x0: &[f64]) -> Result<Arc<dyn Objective>, String> {
    let obj = objective::parse(spec, x0.len()).map_err(|e| e.to_string())?;
    if obj.dim() != x0.len() {
        return Err(format!(
            "--x0 has {} values but objective '{spec}' has dimension {}",
            x0.len(),
            obj.dim()
        ));
    }
    Ok(Arc::from(obj))
}

/// The common part of every manifest: version, command line, creation time.
pub fn manifest_base(command: &str) -> serde_json::Value {
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    serde_json::json!({
        "optdyn_version": optdyn::VERSION,
        "command": command,
        "argv": std::env::args().collect::<Vec<_>>(),
        "created_unix": created,
    })
}

/// Everything a model run needs, built from the command line's specs.
pub struct ModelSetup {
    /// The objective.
    pub obj: Arc<dyn Objective>,
    /// The optimizer's learning rate (the clock unit).
    pub lr: f64,
    /// The model of that optimizer.
    pub model: Box<dyn Model>,
    /// The integrator (default `rk4:substeps=10`, i.e. dt = lr/10).
    pub integrator: Box<dyn Integrator>,
}

/// Builds objective, model and integrator for `--model` runs; the optimizer spec supplies the
/// shared hyperparameters and the clock `t_k = k·lr`.
pub fn build_model_setup(
    objective: &str,
    x0: &[f64],
    optimizer: &str,
    model: &str,
    integrator: Option<&str>,
) -> Result<ModelSetup, String> {
    let e = |e: optdyn::Error| e.to_string();
    let obj = build_objective(objective, x0)?;
    let lr = optdyn::optim::parse(optimizer).map_err(e)?.lr();
    let ospec = Spec::parse(optimizer).map_err(e)?;
    let model = optdyn::model::parse(model, &ospec, obj.clone()).map_err(e)?;
    let integrator =
        optdyn::integrate::parse(integrator.unwrap_or("rk4:substeps=10")).map_err(e)?;
    Ok(ModelSetup {
        obj,
        lr,
        model,
        integrator,
    })
}
