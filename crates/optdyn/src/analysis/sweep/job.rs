//! A sweep job: the base problem (objective, start point, optimizer, optional model and
//! integrator, all as specs parsed once here), the grid, the metrics, and how a grid point changes
//! the specs. [`SweepJob::execute`] runs a shard through the generic engine (one run per point
//! through the run engine) or, when one applies, a batched engine (bit-identical): the 1-D Adam
//! kernel ([`super::batch`]), the lanewise zoo engine ([`super::zoo`]) or the RK4 model lanes
//! ([`super::model_batch`]).

use super::batch::{adam_1d, AdamLanes, Lanes1dOut, Objective1d};
use super::metrics::{discrete_metrics, gap_reference, model_metrics};
use super::model_batch::ModelLanes;
use super::zoo::{run_lanes, ZooLanes, MAX_DIM};
use super::{
    execute, execute_chunks, Grid, Metric, MetricOptions, Metrics, Plan, Point, Summary, Target,
};
use crate::integrate::{self, Integrator};
use crate::model;
use crate::objective::{self, Objective};
use crate::optim::{self, Lanewise};
use crate::run::Problem;
use crate::spec::{fmt_f64, ComponentInfo, Spec};
use crate::{Error, Result};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// What a sweep runs, as the user gave it.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// Objective spec.
    pub objective: String,
    /// Start point.
    pub x0: Vec<f64>,
    /// Optimizer spec whose keys the grid overrides.
    pub optimizer: String,
    /// Model spec (the model runs instead of the discrete optimizer).
    pub model: Option<String>,
    /// Integrator spec for the model.
    pub integrator: String,
    /// Axes `key=lo:hi:count[:log]` or `key=a;b;c`.
    pub grid: String,
    /// `halton:N[,seed=S]` sampling instead of the Cartesian product.
    pub sample: Option<String>,
    /// The metrics, in column order.
    pub metrics: Vec<Metric>,
    /// Run length, tolerance and divergence bounds.
    pub options: MetricOptions,
}

/// Which engine computes the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A batched engine when one applies ([`Batch`], or the RK4 model lanes for a model), else
    /// the generic one (bit-identical).
    Auto,
    /// One run per point through the run engine.
    Generic,
}

impl Engine {
    /// Parses `auto` or `generic`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "auto" => Ok(Engine::Auto),
            "generic" => Ok(Engine::Generic),
            other => Err(Error::spec(format!(
                "--engine must be auto or generic, got '{other}'"
            ))),
        }
    }
}

/// The batched engine a sweep runs on under [`Engine::Auto`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Batch {
    /// The structure-of-arrays 1-D Adam kernel on a built-in 1-D objective.
    Adam1d(Objective1d),
    /// The lanewise zoo engine for this optimizer.
    Zoo(ZooOptimizer),
}

/// The optimizers of the zoo engine ([`Lanewise`]); `scalar-rmsprop`, `kadam` and `svag` are not
/// lanewise (see [`crate::optim::lanewise`]) and stay on the generic path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZooOptimizer {
    /// `sgd`.
    Sgd,
    /// `adagrad`.
    Adagrad,
    /// `rmsprop`.
    RmsProp,
    /// `adadelta`.
    Adadelta,
    /// `adam` and `adamw`.
    Adam,
    /// `adamax`.
    Adamax,
    /// `nadam`.
    NAdam,
    /// `radam`.
    RAdam,
    /// `lion`.
    Lion,
    /// `nag-c`.
    NagC,
}

impl ZooOptimizer {
    /// The zoo optimizer of a spec name, if it is one.
    pub fn of_name(name: &str) -> Option<Self> {
        Some(match name {
            "sgd" => ZooOptimizer::Sgd,
            "adagrad" => ZooOptimizer::Adagrad,
            "rmsprop" => ZooOptimizer::RmsProp,
            "adadelta" => ZooOptimizer::Adadelta,
            "adam" | "adamw" => ZooOptimizer::Adam,
            "adamax" => ZooOptimizer::Adamax,
            "nadam" => ZooOptimizer::NAdam,
            "radam" => ZooOptimizer::RAdam,
            "lion" => ZooOptimizer::Lion,
            "nag-c" => ZooOptimizer::NagC,
            _ => return None,
        })
    }
}

/// Built-in objectives whose value and gradient are deterministic closed forms, which the zoo
/// engine evaluates through the objective itself.
const ZOO_OBJECTIVES: [&str; 6] = [
    "quadratic",
    "rosen1d",
    "rosenbrock",
    "beale",
    "himmelblau",
    "sphere",
];

/// Per-task scratch of the batched Adam path: the checked lanes by the bits of the optimizer
/// axes' values, and one point's axis values and key (reused, so points allocate nothing).
type LaneScratch = (HashMap<Vec<u64>, Option<[f64; 5]>>, Vec<f64>, Vec<u64>);

/// A parsed sweep, ready to run shards.
pub struct SweepJob {
    spec: SweepSpec,
    grid: Grid,
    objective: Spec,
    optimizer: Spec,
    model: Option<Spec>,
    integrator: Box<dyn Integrator>,
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

impl SweepJob {
    /// Parses the specs and the grid, and checks that every axis names a key of its component.
    pub fn new(spec: SweepSpec) -> Result<Self> {
        let grid = Grid::parse(&spec.grid, spec.sample.as_deref())?;
        let objective = Spec::parse(&spec.objective)?;
        let optimizer = Spec::parse(&spec.optimizer)?;
        let model = spec.model.as_deref().map(Spec::parse).transpose()?;
        for axis in &grid.axes {
            match &axis.target {
                Target::Optimizer(k) => {
                    check_key("optimizer", &optim::catalog(), &optimizer.name, k)?
                }
                Target::Objective(k) => {
                    if objective.name == "expr" {
                        return Err(Error::spec(format!(
                            "--grid: {}: an expr: objective has no keys",
                            axis.key
                        )));
                    }
                    check_key("objective", &objective::catalog(), &objective.name, k)?
                }
                Target::Model(k) => match &model {
                    Some(m) => check_key("model", &model::catalog(), &m.name, k)?,
                    None => return Err(Error::spec(format!("--grid: {} needs --model", axis.key))),
                },
                Target::X0(Some(i)) if *i >= spec.x0.len() => {
                    return Err(Error::spec(format!(
                        "--grid: {}: index must be < {} (the length of --x0)",
                        axis.key,
                        spec.x0.len()
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
            let obj: Arc<dyn Objective> =
                Arc::from(objective::from_spec(&objective, spec.x0.len())?);
            gap_reference(obj.as_ref(), spec.options.tol_on)?;
            Some(obj)
        };
        let integrator = integrate::parse(&spec.integrator)?;
        Ok(SweepJob {
            grid,
            objective,
            optimizer,
            model,
            integrator,
            shared_objective,
            spec,
        })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The specs and start point of a grid point (values printed so they parse back exactly).
    fn at(&self, p: &Point) -> (Spec, Vec<f64>, Spec, Option<Spec>) {
        let (mut obj, mut x0, mut opt, mut model) = (
            self.objective.clone(),
            self.spec.x0.clone(),
            self.optimizer.clone(),
            self.model.clone(),
        );
        for (axis, &v) in self.grid.axes.iter().zip(&p.values) {
            let text = fmt_f64(v);
            match &axis.target {
                Target::Optimizer(k) => opt = opt.with(k, text),
                Target::Objective(k) => obj = obj.with(k, text),
                Target::Model(k) => model = model.map(|m| m.with(k, text)),
                Target::X0(None) => x0.iter_mut().for_each(|x| *x = v),
                Target::X0(Some(i)) => x0[*i] = v,
            }
        }
        (obj, x0, opt, model)
    }

    /// One point on the generic engine.
    pub fn run_point(&self, p: &Point) -> Result<Metrics> {
        let (obj_spec, x0, opt_spec, model_spec) = self.at(p);
        let obj: Arc<dyn Objective> = match &self.shared_objective {
            Some(o) => o.clone(),
            None => Arc::from(objective::from_spec(&obj_spec, x0.len())?),
        };
        let problem = Problem::shared(obj.clone(), x0)?;
        let opt = optim::from_spec::<f64>(&opt_spec)?;
        match model_spec {
            None => discrete_metrics(&problem, opt.as_ref(), &self.spec.options),
            Some(ms) => {
                let m = model::from_spec(&ms, opt.as_ref(), obj)?;
                model_metrics(
                    &problem,
                    m.as_ref(),
                    Some(self.integrator.as_ref()),
                    opt.lr(),
                    &self.spec.options,
                )
            }
        }
    }

    /// The batched engine for [`Engine::Auto`], if one applies: the 1-D Adam kernel (see
    /// [`Self::adam_1d`]), else the zoo engine for a discrete lanewise optimizer on a built-in
    /// deterministic objective (no objective axis, no gradient noise) of dimension at most
    /// [`MAX_DIM`] with valid divergence bounds.
    pub fn batch(&self) -> Option<Batch> {
        if let Some(obj) = self.adam_1d() {
            return Some(Batch::Adam1d(obj));
        }
        let zoo = ZooOptimizer::of_name(&self.optimizer.name)?;
        let o = &self.spec.options;
        let fits = self.model.is_none()
            && self.shared_objective.is_some()
            && (1..=MAX_DIM).contains(&self.spec.x0.len())
            && ZOO_OBJECTIVES.contains(&self.objective.name.as_str())
            && !self
                .objective
                .pairs
                .iter()
                .any(|(k, _)| k.starts_with("grad_noise"))
            && o.max_abs > 0.0
            && o.max_loss > 0.0;
        fits.then_some(Batch::Zoo(zoo))
    }

    /// The batched 1-D Adam path, if it applies: discrete `adam` with only `lr, beta1, beta2,
    /// eps` set (by spec or grid), a 1-D `rosen1d` or `quadratic` objective not swept.
    fn adam_1d(&self) -> Option<Objective1d> {
        let plain = ["lr", "beta1", "beta2", "eps"];
        let optimizer = &self.optimizer;
        let adam = optimizer.name == "adam"
            && self.model.is_none()
            && self.spec.x0.len() == 1
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
        let obj = Objective1d::from_spec(&self.objective)?;
        // The batched path's divergence test equals the generic one only within these bounds.
        adam_1d(
            obj,
            &AdamLanes::default(),
            &self.spec.options,
            &mut Lanes1dOut::default(),
        )
        .is_ok()
        .then_some(obj)
    }

    /// Adam hyperparameters of a point (spec values overridden by the grid), checked by the
    /// real optimizer so invalid points are reported exactly as on the generic path.
    fn adam_lane(&self, p: &Point) -> Result<[f64; 5]> {
        let (_, x0, opt, _) = self.at(p);
        let adam = optim::Adam::from_spec(&opt)?;
        Ok([adam.lr, adam.beta1, adam.beta2, adam.eps, x0[0]])
    }

    /// [`Self::adam_lane`], building and checking the optimizer once per distinct combination
    /// of the optimizer axes' values (`cache`, keyed by their bits): a grid's runs share a few
    /// hyperparameter combinations across many start points.
    fn adam_lane_cached(&self, scratch: &mut LaneScratch, i: u64) -> Result<[f64; 5]> {
        let (cache, vals, key) = scratch;
        vals.resize(self.grid.axes.len(), 0.0);
        self.grid.point_into(i, vals);
        key.clear();
        let mut x0 = self.spec.x0[0];
        for (axis, &v) in self.grid.axes.iter().zip(vals.iter()) {
            match axis.target {
                Target::X0(_) => x0 = v,
                _ => key.push(v.to_bits()),
            }
        }
        let lane = match cache.get(key.as_slice()) {
            Some(lane) => *lane,
            None => {
                let lane = self.adam_lane(&self.grid.point(i)).ok();
                cache.insert(key.clone(), lane);
                lane
            }
        };
        match lane {
            Some([lr, b1, b2, eps, _]) => Ok([lr, b1, b2, eps, x0]),
            None => self.adam_lane(&self.grid.point(i)),
        }
    }

    /// The batched RK4 model path ([`ModelLanes`]), if it applies: a model sweep from a 1-D
    /// start on an objective not swept, the optimizer's keys among `lr, beta1, beta2, eps,
    /// momentum, nesterov, alpha, lr_decay, initial_accumulator_value` with `lr` not swept. A point's model
    /// is built as in [`Self::run_point`].
    pub(super) fn model_lanes(&self) -> Option<ModelLanes<'_>> {
        let plain = [
            "lr",
            "beta1",
            "beta2",
            "eps",
            "momentum",
            "nesterov",
            "alpha",
            "lr_decay",
            "initial_accumulator_value",
        ];
        let model = self.model.as_ref()?;
        let applies = self.spec.x0.len() == 1
            && self
                .optimizer
                .pairs
                .iter()
                .all(|(k, _)| plain.contains(&k.as_str()))
            && self.grid.axes.iter().all(|a| match &a.target {
                Target::Optimizer(k) => k != "lr" && plain.contains(&k.as_str()),
                Target::Objective(_) => false,
                Target::Model(_) | Target::X0(_) => true,
            });
        let obj = self.shared_objective.clone().filter(|_| applies)?;
        let lr = optim::from_spec::<f64>(&self.optimizer).ok()?.lr();
        let shared = obj.clone();
        let build = move |p: &Point| {
            let (_, x0, opt_spec, model_spec) = self.at(p);
            Problem::shared(shared.clone(), x0.clone())?;
            let opt = optim::from_spec::<f64>(&opt_spec)?;
            let m = model::from_spec(
                model_spec.as_ref().unwrap_or(model),
                opt.as_ref(),
                shared.clone(),
            )?;
            Ok((m, x0))
        };
        ModelLanes::new(
            &self.objective,
            obj,
            &self.spec.integrator,
            lr,
            &self.spec.options,
            &self.grid,
            build,
            |p: &Point| self.run_point(p),
        )
    }

    /// One chunk on the batched path: invalid points are reported as on the generic path.
    fn batch_chunk(&self, obj: Objective1d, r: Range<u64>) -> Vec<Result<Metrics>> {
        let params: Vec<Result<[f64; 5]>> = r
            .into_par_iter()
            .map_init(LaneScratch::default, |scratch, i| {
                self.adam_lane_cached(scratch, i)
            })
            .collect();
        let mut lanes = AdamLanes::default();
        let mut slot = Vec::with_capacity(params.len());
        let mut errors: Vec<Result<Metrics>> = Vec::new();
        for q in params {
            match q {
                Ok([lr, b1, b2, eps, x0]) => {
                    slot.push(Some(lanes.len()));
                    lanes.push(lr, b1, b2, eps, x0);
                }
                Err(e) => {
                    slot.push(None);
                    errors.push(Err(e));
                }
            }
        }
        let mut out = Lanes1dOut::default();
        if let Err(e) = adam_1d(obj, &lanes, &self.spec.options, &mut out) {
            let why = e.to_string();
            return slot.iter().map(|_| Err(Error::spec(why.clone()))).collect();
        }
        let mut errs = errors.into_iter();
        slot.into_iter()
            .map(|s| match s {
                Some(l) => Ok(out.metrics(l)),
                None => errs
                    .next()
                    .unwrap_or_else(|| Err(Error::spec("invalid point"))),
            })
            .collect()
    }

    /// One chunk on the zoo engine with optimizer type `O`: each valid distinct combination of
    /// the optimizer axes' values is built and checked once by the optimizer's own `from_spec`
    /// (an invalid one at each of its points, for its error), and
    /// the problem of each point by [`Problem::shared`], so invalid points are reported exactly
    /// as on the generic path.
    fn zoo_chunk<O: Lanewise + Sync>(&self, r: Range<u64>) -> Vec<Result<Metrics>> {
        let Some(obj) = &self.shared_objective else {
            return r
                .map(|_| Err(Error::spec("zoo batch: the objective is swept")))
                .collect();
        };
        let mut lanes = ZooLanes::<O>::new(self.spec.x0.len());
        let mut cache: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut slot: Vec<Result<usize>> = Vec::with_capacity((r.end - r.start) as usize);
        for i in r {
            let p = self.grid.point(i);
            let mut key = Vec::with_capacity(p.values.len());
            let mut x0 = self.spec.x0.clone();
            for (axis, &v) in self.grid.axes.iter().zip(&p.values) {
                match axis.target {
                    Target::X0(None) => x0.fill(v),
                    Target::X0(Some(j)) => x0[j] = v,
                    _ => key.push(v.to_bits()),
                }
            }
            let lane = Problem::shared(obj.clone(), x0).and_then(|problem| {
                let j = match cache.get(&key) {
                    Some(&j) => j,
                    None => {
                        lanes.opts.push(O::build(&self.at(&p).2)?);
                        cache.insert(key, lanes.opts.len() - 1);
                        lanes.opts.len() - 1
                    }
                };
                lanes.opt.push(j);
                lanes.x0.extend_from_slice(problem.x0());
                Ok(lanes.opt.len() - 1)
            });
            slot.push(lane);
        }
        match run_lanes(obj.as_ref(), &lanes, &self.spec.options) {
            Ok(metrics) => slot
                .into_iter()
                .map(|s| s.map(|l| metrics[l].clone()))
                .collect(),
            Err(e) => {
                let why = e.to_string();
                slot.iter().map(|_| Err(Error::spec(why.clone()))).collect()
            }
        }
    }

    /// One chunk on the zoo engine for `zoo`.
    fn zoo_dispatch(&self, zoo: ZooOptimizer, r: Range<u64>) -> Vec<Result<Metrics>> {
        match zoo {
            ZooOptimizer::Sgd => self.zoo_chunk::<optim::Sgd>(r),
            ZooOptimizer::Adagrad => self.zoo_chunk::<optim::Adagrad>(r),
            ZooOptimizer::RmsProp => self.zoo_chunk::<optim::RmsProp>(r),
            ZooOptimizer::Adadelta => self.zoo_chunk::<optim::Adadelta>(r),
            ZooOptimizer::Adam => self.zoo_chunk::<optim::Adam>(r),
            ZooOptimizer::Adamax => self.zoo_chunk::<optim::Adamax>(r),
            ZooOptimizer::NAdam => self.zoo_chunk::<optim::NAdam>(r),
            ZooOptimizer::RAdam => self.zoo_chunk::<optim::RAdam>(r),
            ZooOptimizer::Lion => self.zoo_chunk::<optim::Lion>(r),
            ZooOptimizer::NagC => self.zoo_chunk::<optim::NagC>(r),
        }
    }

    /// The manifest's description of the sweep (compared on resume). The engine is not part of
    /// it: both engines write identical bytes, so a run may be resumed with either.
    pub fn description(&self) -> serde_json::Map<String, Value> {
        let s = &self.spec;
        let o = &s.options;
        let mut d = serde_json::Map::new();
        d.insert("objective".into(), Value::from(s.objective.clone()));
        d.insert("x0".into(), Value::from(s.x0.clone()));
        d.insert("optimizer".into(), Value::from(s.optimizer.clone()));
        d.insert(
            "model".into(),
            s.model.clone().map(Value::from).unwrap_or(Value::Null),
        );
        d.insert(
            "integrator".into(),
            s.model
                .as_ref()
                .map(|_| Value::from(s.integrator.clone()))
                .unwrap_or(Value::Null),
        );
        let metric: Vec<&str> = s
            .metrics
            .iter()
            .map(|m| {
                Metric::ALL
                    .iter()
                    .find(|(_, x)| x == m)
                    .map_or("", |(n, _)| *n)
            })
            .collect();
        d.insert("metric".into(), Value::from(metric.join(",")));
        d.insert("steps".into(), Value::from(o.steps));
        d.insert("tol".into(), Value::from(o.tol));
        d.insert("tol_on".into(), Value::from(o.tol_on.text()));
        d.insert("max_abs".into(), Value::from(o.max_abs));
        d.insert("max_loss".into(), Value::from(o.max_loss));
        d
    }

    /// Runs shard `shard` into `out_dir` (resuming if asked) on `engine`, calling
    /// `progress(done, total)` after every durable chunk.
    pub fn execute(
        &self,
        out_dir: PathBuf,
        shard: super::Shard,
        resume: bool,
        min_chunk: usize,
        engine: Engine,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Summary> {
        let plan = Plan {
            out_dir,
            shard,
            resume,
            description: self.description(),
            metrics: self.spec.metrics.clone(),
            dim: self.spec.x0.len(),
            min_chunk: min_chunk.max(1),
        };
        if let Some(lanes) = (engine == Engine::Auto)
            .then(|| self.model_lanes())
            .flatten()
        {
            return execute_chunks(&self.grid, &plan, &|r| lanes.chunk(r), progress);
        }
        let batch = match engine {
            Engine::Auto => self.batch(),
            Engine::Generic => None,
        };
        match batch {
            Some(Batch::Adam1d(obj)) => {
                let chunk = |r: Range<u64>| self.batch_chunk(obj, r);
                execute_chunks(&self.grid, &plan, &chunk, progress)
            }
            Some(Batch::Zoo(zoo)) => {
                let chunk = |r: Range<u64>| self.zoo_dispatch(zoo, r);
                execute_chunks(&self.grid, &plan, &chunk, progress)
            }
            None => execute(&self.grid, &plan, &|p: &Point| self.run_point(p), progress),
        }
    }
}
