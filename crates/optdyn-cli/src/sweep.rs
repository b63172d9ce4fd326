//! `optdyn sweep` and `optdyn merge`: thin wrappers over `optdyn::analysis::sweep`.

use optdyn::analysis::sweep::batch::{adam_1d, AdamLanes, Lanes1dOut, Objective1d};
use optdyn::analysis::sweep::{
    self, execute, execute_chunks, Grid, Metric, MetricOptions, Metrics, Plan, Point, Shard,
    Target, TolOn,
};
use optdyn::objective::Objective;
use optdyn::spec::{parse_list, ComponentInfo, Spec};
use optdyn::{Error, Result};
use serde_json::Value;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `optdyn sweep`.
#[derive(clap::Args, Debug, Clone)]
pub struct SweepArgs {
    /// Objective spec, e.g. `rosen1d:c=4` or `quadratic:diag=1;10`.
    #[arg(long)]
    pub objective: String,
    /// Start point, e.g. `-1.5` or `1,2`.
    #[arg(long, allow_hyphen_values = true)]
    pub x0: String,
    /// Optimizer spec whose keys the grid overrides, e.g. `adam:lr=0.01`.
    #[arg(long)]
    pub optimizer: String,
    /// Run this continuous model of the optimizer instead of the discrete algorithm.
    #[arg(long)]
    pub model: Option<String>,
    /// Integrator for `--model` (default: `rk4` with `dt = lr/10`).
    #[arg(long, default_value = "rk4")]
    pub integrator: String,
    /// Axes `key=lo:hi:count[:log]` or `key=a;b;c`, comma-separated; keys: optimizer keys,
    /// `objective.KEY`, `model.KEY`, `x0`, `x0[i]`. The first axis varies slowest.
    #[arg(long)]
    pub grid: String,
    /// Quasi-random sampling instead of the Cartesian product: `halton:N[,seed=S]` (axes are
    /// then `lo:hi`, `lo:hi:log` or `a;b;c`).
    #[arg(long)]
    pub sample: Option<String>,
    /// Metrics, comma-separated: final_x, final_loss, diverged, steps_to_tol, max_update.
    #[arg(long, default_value = "final_loss")]
    pub metric: String,
    /// Optimizer steps per run (the model is integrated to t = steps·lr).
    #[arg(long, default_value_t = 1000)]
    pub steps: u64,
    /// Tolerance of `steps_to_tol`.
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// What `steps_to_tol` measures: `grad` (‖∇f‖₂ ≤ tol) or `gap` (f − f* ≤ tol).
    #[arg(long, default_value = "grad")]
    pub tol_on: String,
    /// Divergence bound on max |x_i|.
    #[arg(long, default_value_t = 1e12)]
    pub max_abs: f64,
    /// Divergence bound on |f(x)|.
    #[arg(long, default_value_t = 1e200)]
    pub max_loss: f64,
    /// This shard's number, 0-based (with --of).
    #[arg(long, requires = "of")]
    pub shard: Option<u64>,
    /// Number of shards (with --shard).
    #[arg(long, requires = "shard")]
    pub of: Option<u64>,
    /// Continue an interrupted run in --out (the arguments must be the same).
    #[arg(long)]
    pub resume: bool,
    /// Output directory.
    #[arg(long, default_value = "sweep")]
    pub out: PathBuf,
    /// `auto` (the batched 1-D Adam path when it applies; bit-identical to `generic`) or
    /// `generic` (one run at a time through the optimizer and objective traits).
    #[arg(long, default_value = "auto")]
    pub engine: String,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Smallest number of runs written per durable append.
    #[arg(long, default_value_t = 256)]
    pub chunk: usize,
}

/// Arguments of `optdyn merge`.
#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// Shard CSV files or directories holding `shard-*-of-*.csv`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Merged CSV (default: `results.csv` in the first input directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn err(e: Error) -> String {
    e.to_string()
}

/// The base problem and how a grid point changes it.
struct Problem {
    /// Spec texts (a [`Spec`] is not `Sync`; points parse them again, which is cheap).
    objective: String,
    x0: Vec<f64>,
    optimizer: String,
    model: Option<String>,
    integrator: String,
    grid: Grid,
    opts: MetricOptions,
    /// Built once when no axis touches the objective.
    shared_objective: Option<Arc<dyn Objective>>,
}

fn check_key(kind: &str, catalog: &[ComponentInfo], name: &str, key: &str) -> Result<()> {
    match catalog.iter().find(|c| c.name == name) {
        Some(c) if !c.params.iter().any(|p| p.key == key) => {
            let keys: Vec<&str> = c.params.iter().map(|p| p.key).collect();
            Err(Error::spec(format!(
                "--grid: {kind} '{name}' has no key '{key}' (allowed: {})",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            )))
        }
        _ => Ok(()),
    }
}

impl Problem {
    fn new(a: &SweepArgs) -> Result<Problem> {
        let grid = Grid::parse(&a.grid, a.sample.as_deref())?;
        let x0 = parse_list(&a.x0).map_err(|e| Error::spec(format!("--x0: {e}")))?;
        let objective = Spec::parse(&a.objective)?;
        let optimizer = Spec::parse(&a.optimizer)?;
        let model = a.model.as_deref().map(Spec::parse).transpose()?;
        let tol_on = match a.tol_on.as_str() {
            "grad" => TolOn::Grad,
            "gap" => TolOn::Gap,
            other => {
                return Err(Error::spec(format!(
                    "--tol-on must be grad or gap, got '{other}'"
                )))
            }
        };
        for axis in &grid.axes {
            match &axis.target {
                Target::Optimizer(k) => {
                    check_key("optimizer", &optdyn::optim::catalog(), &optimizer.name, k)?
                }
                Target::Objective(k) => {
                    if objective.name == "expr" {
                        return Err(Error::spec(format!(
                            "--grid: {}: an expr: objective has no keys",
                            axis.key
                        )));
                    }
                    check_key(
                        "objective",
                        &optdyn::objective::catalog(),
                        &objective.name,
                        k,
                    )?
                }
                Target::Model(k) => match &model {
                    Some(m) => check_key("model", &optdyn::model::catalog(), &m.name, k)?,
                    None => return Err(Error::spec(format!("--grid: {} needs --model", axis.key))),
                },
                Target::X0(Some(i)) if *i >= x0.len() => {
                    return Err(Error::spec(format!(
                        "--grid: {}: index must be < {} (the length of --x0)",
                        axis.key,
                        x0.len()
                    )))
                }
                Target::X0(_) => {}
            }
        }
        let shared_objective: Option<Arc<dyn Objective>> = if grid
            .axes
            .iter()
            .any(|a| matches!(a.target, Target::Objective(_)))
        {
            None
        } else {
            Some(Arc::from(optdyn::objective::parse(&a.objective, x0.len())?))
        };
        let opts = MetricOptions {
            steps: a.steps,
            tol: a.tol,
            tol_on,
            max_abs: a.max_abs,
            max_loss: a.max_loss,
        };
        if let Some(obj) = &shared_objective {
            sweep::metrics::gap_reference(obj.as_ref(), tol_on)?;
        }
        Ok(Problem {
            objective: a.objective.clone(),
            x0,
            optimizer: a.optimizer.clone(),
            model: a.model.clone(),
            integrator: a.integrator.clone(),
            grid,
            opts,
            shared_objective,
        })
    }

    /// The specs and start point of a grid point (values printed so they parse back exactly).
    fn at(&self, p: &Point) -> Result<(Spec, Vec<f64>, Spec, Option<Spec>)> {
        let (mut obj, mut x0, mut opt, mut model) = (
            Spec::parse(&self.objective)?,
            self.x0.clone(),
            Spec::parse(&self.optimizer)?,
            self.model.as_deref().map(Spec::parse).transpose()?,
        );
        for (axis, &v) in self.grid.axes.iter().zip(&p.values) {
            let text = optdyn::io::fmt_f64(v);
            match &axis.target {
                Target::Optimizer(k) => opt = opt.with(k, text),
                Target::Objective(k) => obj = obj.with(k, text),
                Target::Model(k) => model = model.map(|m| m.with(k, text)),
                Target::X0(None) => x0.iter_mut().for_each(|x| *x = v),
                Target::X0(Some(i)) => x0[*i] = v,
            }
        }
        Ok((obj, x0, opt, model))
    }

    /// One run of the generic path.
    fn run(&self, p: &Point) -> Result<Metrics> {
        let (obj_spec, x0, opt_spec, model_spec) = self.at(p)?;
        let obj: Arc<dyn Objective> = match &self.shared_objective {
            Some(o) => o.clone(),
            None => Arc::from(optdyn::objective::parse(&obj_spec.to_string(), x0.len())?),
        };
        let opt = optdyn::optim::parse(&opt_spec.to_string())?;
        match model_spec {
            None => sweep::metrics::discrete_metrics(obj.as_ref(), opt.as_ref(), &x0, &self.opts),
            Some(ms) => {
                let model = optdyn::model::parse(&ms.to_string(), &opt_spec, obj.clone())?;
                let integ = optdyn::integrate::parse(&self.integrator)?;
                sweep::metrics::model_metrics(
                    obj.as_ref(),
                    model.as_ref(),
                    integ.as_ref(),
                    &x0,
                    opt.lr(),
                    &self.opts,
                )
            }
        }
    }

    /// The batched 1-D Adam path, if it applies: discrete `adam` with only `lr, beta1, beta2,
    /// eps` set (by spec or grid), a 1-D `rosen1d` or `quadratic` objective not swept.
    fn batch(&self) -> Option<Objective1d> {
        let plain = ["lr", "beta1", "beta2", "eps"];
        let optimizer = Spec::parse(&self.optimizer).ok()?;
        let adam = optimizer.name == "adam"
            && self.model.is_none()
            && self.x0.len() == 1
            && optimizer
                .pairs
                .iter()
                .all(|(k, _)| plain.contains(&k.as_str()))
            && self.grid.axes.iter().all(|a| match &a.target {
                Target::Optimizer(k) => plain.contains(&k.as_str()),
                Target::X0(_) => true,
                _ => false,
            });
        if !adam {
            return None;
        }
        let o = &Spec::parse(&self.objective).ok()?;
        let keys = |allowed: &[&str]| o.pairs.iter().all(|(k, _)| allowed.contains(&k.as_str()));
        let obj = match o.name.as_str() {
            "rosen1d" if keys(&["c"]) => Objective1d::Rosen1d {
                c: o.f64("c", 4.0).ok()?,
            },
            "quadratic" if keys(&["diag", "center"]) => {
                let d = o.f64_list("diag").ok()??;
                let c = o.f64_list("center").ok()?.unwrap_or_else(|| vec![0.0]);
                if d.len() != 1 || c.len() != 1 {
                    return None;
                }
                Objective1d::Quadratic { a: d[0], c: c[0] }
            }
            _ => return None,
        };
        // The batched path's divergence test equals the generic one only within these bounds.
        adam_1d(
            obj,
            &AdamLanes::default(),
            &self.opts,
            &mut Lanes1dOut::default(),
        )
        .is_ok()
        .then_some(obj)
    }

    /// Adam hyperparameters of a point (spec values overridden by the grid), checked by the
    /// real optimizer parser so invalid points are reported exactly as on the generic path.
    fn adam_lane(&self, p: &Point) -> Result<[f64; 5]> {
        let (_, x0, opt, _) = self.at(p)?;
        optdyn::optim::parse(&opt.to_string())?;
        Ok([
            opt.f64("lr", 1e-3)?,
            opt.f64("beta1", 0.9)?,
            opt.f64("beta2", 0.999)?,
            opt.f64("eps", 1e-8)?,
            x0[0],
        ])
    }
}

fn description(a: &SweepArgs, p: &Problem) -> serde_json::Map<String, Value> {
    let mut d = serde_json::Map::new();
    d.insert("objective".into(), Value::from(a.objective.clone()));
    d.insert("x0".into(), Value::from(p.x0.clone()));
    d.insert("optimizer".into(), Value::from(a.optimizer.clone()));
    d.insert(
        "model".into(),
        a.model.clone().map(Value::from).unwrap_or(Value::Null),
    );
    d.insert(
        "integrator".into(),
        a.model
            .as_ref()
            .map(|_| Value::from(a.integrator.clone()))
            .unwrap_or(Value::Null),
    );
    d.insert("metric".into(), Value::from(a.metric.clone()));
    d.insert("steps".into(), Value::from(a.steps));
    d.insert("tol".into(), Value::from(a.tol));
    d.insert("tol_on".into(), Value::from(a.tol_on.clone()));
    d.insert("max_abs".into(), Value::from(a.max_abs));
    d.insert("max_loss".into(), Value::from(a.max_loss));
    d
}

/// Runs `optdyn sweep`.
pub fn run(a: &SweepArgs) -> std::result::Result<(), String> {
    let p = Problem::new(a).map_err(err)?;
    let metrics = Metric::parse_list(&a.metric).map_err(err)?;
    let shard = match (a.shard, a.of) {
        (Some(i), Some(n)) => Shard::new(i, n).map_err(err)?,
        _ => Shard::WHOLE,
    };
    let batch = match a.engine.as_str() {
        "auto" => p.batch(),
        "generic" => None,
        other => return Err(format!("--engine must be auto or generic, got '{other}'")),
    };
    // Both engines write identical bytes (tested), so the engine is not part of the manifest
    // and a run may be resumed with either.
    let plan = Plan {
        out_dir: a.out.clone(),
        shard,
        resume: a.resume,
        description: description(a, &p),
        metrics,
        dim: p.x0.len(),
        min_chunk: a.chunk.max(1),
    };
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = a.threads {
            b = b.num_threads(t);
        }
        b.build().map_err(|e| format!("--threads: {e}"))?
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs ({per_sec}, eta {eta})",
            )
            .expect("valid template"),
        );
        b
    });
    let mut progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let summary = pool
        .install(|| match batch {
            Some(obj) => {
                let chunk = |r: Range<u64>| batch_chunk(&p, obj, r);
                execute_chunks(&p.grid, &plan, &chunk, &mut progress)
            }
            None => execute(&p.grid, &plan, &|pt: &Point| p.run(pt), &mut progress),
        })
        .map_err(err)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if summary.dropped_bytes > 0 {
        eprintln!(
            "resume: discarded {} bytes of an incomplete last row",
            summary.dropped_bytes
        );
    }
    eprintln!(
        "{}: {} runs ({} resumed, {} computed, {} invalid)",
        summary.path.display(),
        summary.shard_points,
        summary.resumed,
        summary.computed,
        summary.invalid
    );
    if let Some((i, why)) = &summary.first_invalid {
        eprintln!("first invalid point: index {i}: {why}");
        if summary.invalid == summary.computed {
            return Err(format!(
                "every computed point was invalid (index {i}: {why})"
            ));
        }
    }
    Ok(())
}

/// One chunk on the batched path: invalid points are reported as on the generic path.
fn batch_chunk(p: &Problem, obj: Objective1d, r: Range<u64>) -> Vec<Result<Metrics>> {
    use rayon::prelude::*;
    let params: Vec<Result<[f64; 5]>> = r
        .into_par_iter()
        .map(|i| p.adam_lane(&p.grid.point(i)))
        .collect();
    let mut lanes = AdamLanes::default();
    let mut slot = Vec::with_capacity(params.len());
    let mut results: Vec<Result<Metrics>> = Vec::new();
    for q in params {
        match q {
            Ok([lr, b1, b2, eps, x0]) => {
                slot.push(Some(lanes.len()));
                lanes.push(lr, b1, b2, eps, x0);
            }
            Err(e) => {
                slot.push(None);
                results.push(Err(e));
            }
        }
    }
    let mut out = Lanes1dOut::default();
    adam_1d(obj, &lanes, &p.opts, &mut out).expect("bounds were checked by Problem::batch");
    let mut errs = results.into_iter();
    slot.into_iter()
        .map(|s| match s {
            Some(l) => Ok(out.metrics(l)),
            None => errs.next().expect("one error per invalid point"),
        })
        .collect()
}

/// Runs `optdyn merge`.
pub fn merge(a: &MergeArgs) -> std::result::Result<(), String> {
    let out = match &a.out {
        Some(o) => o.clone(),
        None => {
            let first = &a.inputs[0];
            let dir = if first.is_dir() {
                first.clone()
            } else {
                first.parent().map(PathBuf::from).unwrap_or_default()
            };
            dir.join("results.csv")
        }
    };
    let rebuild =
        |v: &Value| Grid::parse(v["grid"].as_str().unwrap_or_default(), v["sample"].as_str());
    let s = sweep::merge(&a.inputs, &out, &rebuild).map_err(err)?;
    eprintln!(
        "{}: {} rows from {} shards",
        out.display(),
        s.rows,
        s.shards
    );
    Ok(())
}
