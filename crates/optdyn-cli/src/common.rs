//! Helpers shared by the subcommands: building problems from specs, manifests.

use optdyn::objective::{self, Objective};
use optdyn::spec::parse_list;
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
