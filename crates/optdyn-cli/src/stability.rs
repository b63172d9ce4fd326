//! `optdyn stability`: the (β1, β2) map of Adam-type update growth, data and heat map.

use optdyn::analysis::stability;
use optdyn::io;
use optdyn::report::write_stability;
use optdyn::{range, Error, Result};
use std::path::PathBuf;

/// Arguments of `optdyn stability`.
#[derive(clap::Args)]
pub struct StabilityArgs {
    /// Adam-type optimizer spec (beta1/beta2 are swept; lr is the unit of the update).
    #[arg(long, default_value = "adam:lr=1,eps=1e-300")]
    optimizer: String,
    /// β1 grid: `lo:hi:count` or a list.
    #[arg(long, default_value = "0:0.99:34")]
    beta1: String,
    /// β2 grid.
    #[arg(long, default_value = "0.5:0.999:34")]
    beta2: String,
    /// Decay factor c of the gradient history g_k = c^k.
    #[arg(long, default_value = "0.3", value_parser = crate::values::finite)]
    decay: f64,
    /// Steps per probe.
    #[arg(long, default_value = "400", value_parser = crate::values::count_usize)]
    steps: usize,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/stability")]
    out: PathBuf,
}

/// Executes `optdyn stability`.
pub fn run(a: &StabilityArgs) -> Result<u8> {
    let b1 = range::parse("--beta1", &a.beta1)?;
    let b2 = range::parse("--beta2", &a.beta2)?;
    if !(a.decay > 0.0 && a.decay < 1.0) {
        return Err(Error::spec(format!(
            "--decay must be in (0, 1), got {}",
            a.decay
        )));
    }
    let cells = stability::map(
        stability::from_spec(&a.optimizer)?.as_ref(),
        &b1,
        &b2,
        a.decay,
        a.steps,
    )?;
    write_stability(&a.out, &cells, &b1, &b2, a.decay)?;
    let mut m = io::manifest_base("stability");
    m["optimizer"] = serde_json::json!(a.optimizer);
    m["decay"] = serde_json::json!(a.decay);
    m["steps"] = serde_json::json!(a.steps);
    io::write_json(&a.out.join("manifest.json"), &m)?;
    let outside: Vec<_> = cells
        .iter()
        .filter(|c| !c.theory_stable && c.beta1 > a.decay)
        .collect();
    let worst = outside
        .iter()
        .map(|c| (c.growth / c.predicted - 1.0).abs())
        .fold(0.0f64, f64::max);
    outln!(
        "{} cells; {} outside β1² < β2 with β1 > c: max relative gap between measured growth and β1/√β2 = {:.3e}",
        cells.len(),
        outside.len(),
        worst
    )?;
    outln!("wrote {}", a.out.display())?;
    Ok(0)
}
