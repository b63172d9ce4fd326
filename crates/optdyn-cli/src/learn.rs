//! `optdyn learn`: the learning-problem experiments of Gould–Tanaka and Dereich–Jentzen–Kassing,
//! the edge of stability (the library's `experiments::learn_files`), what long memory changes
//! in Adam's continuous model (`experiments::memory`) and the SVAG test of the SDE models
//! (`experiments::svag`).

use optdyn::experiments::eos::EosConfig;
use optdyn::experiments::learn_files;
use optdyn::experiments::learning::{ComparisonConfig, ErmConfig, StabilityConfig};
use optdyn::experiments::memory::{self, MemoryConfig};
use optdyn::experiments::svag::{self, SvagConfig};
use optdyn::{io, Error, Result};
use std::path::PathBuf;

/// Arguments of `optdyn learn`.
#[derive(clap::Args)]
pub struct LearnArgs {
    /// Experiment: `kadam` (Adam vs 2-Adam vs layer-norm Adam), `stability` ((β1, β2) update
    /// growth on a training problem), `erm` (Dereich–Jentzen–Kassing checks) or `eos` (edge of
    /// stability: sharpness of GD and Adam against their thresholds, GD vs its central flow) or
    /// `memory` (discrete Adam vs its exponential-kernel IDE vs power-law memory: trajectories,
    /// basin-switch thresholds vs lr on rosen1d, loss curves on a small MLP) or `svag` (the SVAG
    /// test: ensembles of SVAG(l) of an optimizer for l = 1, 2, 4, 8 and of its SDE, final loss
    /// and gaps between consecutive l and to the SDE).
    experiment: String,
    /// Optimizer steps (default: the experiment's own; memory: the rosen1d trajectory and the
    /// learning run, not the basin scan, whose runs have a fixed horizon in time units; svag:
    /// the steps K at l = 1, SVAG(l) takes l²K).
    #[arg(long, value_parser = crate::values::count)]
    steps: Option<u64>,
    /// svag: the minibatch objective (default lsq:n=200,dim=5,noise=0.5,batch=8; start x0 = 0).
    #[arg(long)]
    objective: Option<String>,
    /// svag: the optimizer at l = 1, sgd, rmsprop or adam (default sgd:lr=0.3).
    #[arg(long)]
    optimizer: Option<String>,
    /// svag: the amplifications l, comma-separated, increasing, each >= 1 (default 1,2,4,8).
    #[arg(long)]
    l: Option<String>,
    /// svag: paths per ensemble (default 300).
    #[arg(long, value_parser = crate::values::count_usize)]
    paths: Option<usize>,
    /// svag: ensemble seed (default 0).
    #[arg(long, value_parser = crate::values::count)]
    seed: Option<u64>,
    /// svag: the stochastic model (default: the optimizer's, sgd-sme1, rmsprop-sde or adam-sde,
    /// when it models the optimizer; none: no model).
    #[arg(long)]
    model: Option<String>,
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
    let svag_only = a.objective.is_some()
        || a.optimizer.is_some()
        || a.l.is_some()
        || a.paths.is_some()
        || a.seed.is_some()
        || a.model.is_some();
    if svag_only && a.experiment != "svag" {
        return Err(Error::spec(format!(
            "learn {}: --objective, --optimizer, --l, --paths, --seed and --model apply to learn svag only",
            a.experiment
        )));
    }
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
        "svag" => {
            if a.seeds.is_some() {
                return Err(Error::spec(
                    "learn svag: --seeds does not apply (use --seed and --paths)",
                ));
            }
            let mut cfg = SvagConfig::default();
            if let Some(s) = a.steps {
                cfg.steps = s;
            }
            if let Some(o) = &a.objective {
                cfg.objective = o.clone();
            }
            if let Some(o) = &a.optimizer {
                cfg.optimizer = o.clone();
            }
            if let Some(l) = &a.l {
                cfg.ls =
                    optdyn::spec::parse_list(l).map_err(|e| Error::spec(format!("--l: {e}")))?;
            }
            if let Some(p) = a.paths {
                cfg.paths = p;
            }
            if let Some(s) = a.seed {
                cfg.seed = s;
            }
            cfg.model = a.model.clone();
            svag::files(&cfg, &dir)?
        }
        other => {
            return Err(Error::spec(format!(
                "learn: unknown experiment '{other}' (allowed: kadam, stability, erm, eos, memory, svag)"
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
