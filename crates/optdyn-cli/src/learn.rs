//! `optdyn learn`: the learning-problem experiments of Gould–Tanaka and Dereich–Jentzen–Kassing,
//! the edge of stability (the library's `experiments::learn_files`) and what long memory changes
//! in Adam's continuous model (`experiments::memory`).

use optdyn::experiments::eos::EosConfig;
use optdyn::experiments::learn_files;
use optdyn::experiments::learning::{ComparisonConfig, ErmConfig, StabilityConfig};
use optdyn::experiments::memory::{self, MemoryConfig};
use optdyn::{io, Error, Result};
use std::path::PathBuf;

/// Arguments of `optdyn learn`.
#[derive(clap::Args)]
pub struct LearnArgs {
    /// Experiment: `kadam` (Adam vs 2-Adam vs layer-norm Adam), `stability` ((β1, β2) update
    /// growth on a training problem), `erm` (Dereich–Jentzen–Kassing checks) or `eos` (edge of
    /// stability: sharpness of GD and Adam against their thresholds, GD vs its central flow) or
    /// `memory` (discrete Adam vs its exponential-kernel IDE vs power-law memory: trajectories,
    /// basin-switch thresholds vs lr on rosen1d, loss curves on a small MLP).
    experiment: String,
    /// Optimizer steps (default: the experiment's own; memory: the rosen1d trajectory and the
    /// learning run, not the basin scan, whose runs have a fixed horizon in time units).
    #[arg(long, value_parser = crate::values::count)]
    steps: Option<u64>,
    /// Seeds, comma-separated (kadam, erm).
    #[arg(long)]
    seeds: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/learn")]
    out: PathBuf,
}

fn seeds(text: &Option<String>) -> Result<Option<Vec<u64>>> {
    text.as_ref()
        .map(|s| {
            s.split(',')
                .map(|p| {
                    p.trim().parse::<u64>().map_err(|_| {
                        Error::spec(format!("--seeds: '{p}' is not a non-negative integer"))
                    })
                })
                .collect()
        })
        .transpose()
}

/// Executes `optdyn learn`.
pub fn run(a: &LearnArgs) -> Result<u8> {
    let dir = a.out.join(&a.experiment);
    let text = match a.experiment.as_str() {
        "kadam" => {
            let mut cfg = ComparisonConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
            }
            if let Some(s) = seeds(&a.seeds)? {
                cfg.seeds = s;
            }
            learn_files::kadam(&cfg, &dir)?
        }
        "stability" => {
            let mut cfg = StabilityConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
            }
            learn_files::stability(&cfg, &dir)?
        }
        "erm" => {
            let mut cfg = ErmConfig::default();
            if let Some(s) = seeds(&a.seeds)? {
                cfg.seeds = s;
            }
            if let Some(s) = a.steps {
                cfg.under_steps = s;
            }
            learn_files::erm(&cfg, &dir)?
        }
        "eos" => {
            let mut cfg = EosConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
            }
            if a.seeds.is_some() {
                return Err(Error::spec(
                    "learn eos: --seeds does not apply (one initialisation, seed 0)",
                ));
            }
            learn_files::eos(&cfg, &dir)?
        }
        "memory" => {
            let mut cfg = MemoryConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
                cfg.learning_steps = s;
            }
            if a.seeds.is_some() {
                return Err(Error::spec(
                    "learn memory: --seeds does not apply (one initialisation, seed 0)",
                ));
            }
            memory::files(&cfg, &dir)?
        }
        other => {
            return Err(Error::spec(format!(
                "learn: unknown experiment '{other}' (allowed: kadam, stability, erm, eos, memory)"
            )));
        }
    };
    io::write_atomic(&dir.join("summary.txt"), text.as_bytes())?;
    let mut m = io::manifest_base("learn");
    m["experiment"] = serde_json::json!(a.experiment);
    m["steps"] = serde_json::json!(a.steps);
    io::write_json(&dir.join("manifest.json"), &m)?;
    out!("{text}")?;
    outln!("wrote {}", dir.display())?;
    Ok(0)
}
