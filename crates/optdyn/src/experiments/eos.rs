//! Edge of stability, shown and explained.
//!
//! * [`sharpness_curves`] — full-batch GD at several learning rates (and Adam) on a learning
//!   problem: the sharpness rises (progressive sharpening) until it reaches `2/lr` and then hovers
//!   there while the loss keeps falling, non-monotonically (Cohen, Kaur, Li, Kolter & Talwalkar,
//!   ICLR 2021); Adam's preconditioned sharpness does the same at `(2 + 2β₁)/((1 − β₁)·lr)`
//!   (Cohen et al., arXiv:2207.14484). Each curve reports its plateau: the mean of
//!   `S/threshold` over the second half of the run.
//! * [`central_flow_comparison`] — GD against its central flow and gradient flow on one clock
//!   (Cohen, Damian, Talwalkar, Kolter & Lee, ICLR 2025): the distance of GD's two-step midpoint
//!   to the central flow and of GD to gradient flow, the predicted oscillation variance `σ²`
//!   against GD's measured `‖(x_k − x_{k+1})/2‖²`, and the predicted time-averaged loss against
//!   GD's two-step average.

use crate::analysis::sharpness::{threshold, Sharpness, Threshold};
use crate::integrate::Rk4;
use crate::model::{CentralFlow, FirstOrderFlow};
use crate::objective::data;
use crate::optim::{Adam, Optimizer, Sgd};
use crate::run::{Problem, Run};
use crate::spec::Spec;
use crate::{Error, Result};
use std::sync::Arc;

/// The edge-of-stability experiment on a learning problem.
#[derive(Debug, Clone)]
pub struct EosConfig {
    /// An `mlp:` objective (full batch).
    pub objective: String,
    /// Seed of the initial parameters (`Mlp::init_params`).
    pub init_seed: u64,
    /// GD learning rates.
    pub gd_lrs: Vec<f64>,
    /// Adam learning rates (default β's).
    pub adam_lrs: Vec<f64>,
    /// Steps of each run.
    pub steps: u64,
    /// Sharpness measured every `every` steps.
    pub every: u64,
    /// GD learning rate of the central-flow comparison (`None`: skip it, it is the slow part).
    pub flow_lr: Option<f64>,
    /// Steps of the central-flow comparison.
    pub flow_steps: u64,
}

impl Default for EosConfig {
    fn default() -> Self {
        EosConfig {
            objective: "mlp:data=spirals,widths=2;16;16;1,loss=mse,n=200".into(),
            init_seed: 0,
            gd_lrs: vec![0.1, 0.2, 0.4],
            adam_lrs: vec![0.003, 0.01],
            steps: 6000,
            every: 20,
            flow_lr: Some(0.2),
            flow_steps: 1000,
        }
    }
}

impl EosConfig {
    /// The problem: the objective from its seeded initial parameters.
    pub fn problem(&self) -> Result<Problem> {
        let spec = Spec::parse(&self.objective)?;
        if spec.name != "mlp" {
            return Err(Error::spec(format!(
                "eos: the objective must be an mlp (it draws its initial parameters), got '{}'",
                spec.name
            )));
        }
        let mlp = data::build_mlp(&spec, 0)?;
        let x0 = mlp.init_params(self.init_seed);
        Problem::shared(Arc::new(mlp), x0)
    }
}

/// One run's sharpness against its threshold.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SharpnessCurve {
    /// `gd` or `adam`.
    pub optimizer: String,
    /// Learning rate.
    pub lr: f64,
    /// The threshold (`2/lr` for GD; Adam's preconditioned one).
    pub threshold: Threshold,
    /// Recorded steps.
    pub steps: Vec<u64>,
    /// Their times `k·lr`.
    pub t: Vec<f64>,
    /// Full-batch loss.
    pub loss: Vec<f64>,
    /// The sharpness (GD) or the preconditioned sharpness (Adam).
    pub sharpness: Vec<f64>,
    /// Mean of `sharpness/threshold` over the second half of the samples.
    pub plateau: f64,
    /// Largest `sharpness/threshold` over the second half.
    pub peak: f64,
    /// Samples at which the loss rose since the previous sample.
    pub loss_rises: usize,
    /// How the run ended.
    pub stop: String,
}

fn curve(
    problem: &Problem,
    name: &str,
    opt: &dyn Optimizer<f64>,
    cfg: &EosConfig,
) -> Result<SharpnessCurve> {
    let th = threshold(opt).expect("GD and Adam have thresholds");
    let sharp = Sharpness::for_discrete(problem.objective().clone(), 1, opt);
    let tr = Run::discrete(problem, opt)
        .steps(cfg.steps)
        .every(cfg.every)
        .measure(&sharp)
        .trajectory()?;
    let column = if th.preconditioned {
        "psharp0"
    } else {
        "sharp0"
    };
    let s = tr.measured_series(column).unwrap_or_default();
    let tail: Vec<f64> = s[s.len() / 2..].iter().map(|v| v / th.value).collect();
    let plateau = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
    let peak = tail.iter().copied().fold(f64::NAN, f64::max);
    let loss = tr.losses().to_vec();
    let loss_rises = loss.windows(2).filter(|w| w[1] > w[0]).count();
    Ok(SharpnessCurve {
        optimizer: name.into(),
        lr: opt.lr(),
        threshold: th,
        steps: tr.steps().to_vec(),
        t: tr.times().to_vec(),
        loss,
        sharpness: s,
        plateau,
        peak,
        loss_rises,
        stop: tr.stop.to_string(),
    })
}

/// GD at every `gd_lrs` and Adam at every `adam_lrs` with their (preconditioned) sharpness.
pub fn sharpness_curves(cfg: &EosConfig) -> Result<Vec<SharpnessCurve>> {
    if cfg.every == 0 || cfg.steps == 0 {
        return Err(Error::spec("eos: steps and every must be >= 1"));
    }
    let problem = cfg.problem()?;
    let mut out = Vec::new();
    for &lr in &cfg.gd_lrs {
        out.push(curve(&problem, "gd", &Sgd::default().lr(lr), cfg)?);
    }
    for &lr in &cfg.adam_lrs {
        out.push(curve(&problem, "adam", &Adam::default().lr(lr), cfg)?);
    }
    Ok(out)
}

/// GD, its central flow and gradient flow on one clock.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FlowComparison {
    /// Learning rate.
    pub lr: f64,
    /// Steps of the compared samples.
    pub steps: Vec<u64>,
    /// Their times.
    pub t: Vec<f64>,
    /// `‖(x_k + x_{k+1})/2 − w_CF(t_k)‖`.
    pub midpoint_to_central: Vec<f64>,
    /// `‖x_k − w_GF(t_k)‖`.
    pub gd_to_gradient_flow: Vec<f64>,
    /// The central flow's `σ²` (trace of `X`, the total predicted variance).
    pub sigma2: Vec<f64>,
    /// GD's `‖(x_k − x_{k+1})/2‖²`.
    pub measured_variance: Vec<f64>,
    /// GD's `(f(x_k) + f(x_{k+1}))/2`.
    pub gd_loss: Vec<f64>,
    /// The central flow's predicted time-averaged loss.
    pub central_loss: Vec<f64>,
    /// The central flow's sharpness.
    pub central_sharpness: Vec<f64>,
}

/// GD with `lr` on `problem` for `steps` steps against its central flow (`dirs` directions,
/// RK4 with `substeps` per step and restoring rate `restore/lr`) and gradient flow, compared
/// every `every` steps.
pub fn central_flow_comparison(
    problem: &Problem,
    lr: f64,
    steps: u64,
    every: u64,
    (dirs, substeps, restore): (usize, u32, f64),
) -> Result<FlowComparison> {
    let sgd = Sgd::default().lr(lr);
    let gd = Run::discrete(problem, &sgd).steps(steps + 1).trajectory()?;
    let cf = CentralFlow::of(&sgd, dirs, restore, problem.objective().clone())?;
    let sharp = Sharpness::new(problem.objective().clone(), 1);
    let rk = Rk4::substeps(substeps);
    let cft = Run::model(problem, &cf, lr)
        .integrator(&rk)
        .steps(steps)
        .every(every)
        .measure(&cf)
        .measure(&sharp)
        .trajectory()?;
    let gf = FirstOrderFlow::gradient(&sgd, problem.objective().clone())?;
    let gft = Run::model(problem, &gf, lr)
        .integrator(&rk)
        .steps(steps)
        .every(every)
        .trajectory()?;
    let rows = cft.len().min(gft.len());
    let mut c = FlowComparison {
        lr,
        steps: Vec::new(),
        t: Vec::new(),
        midpoint_to_central: Vec::new(),
        gd_to_gradient_flow: Vec::new(),
        sigma2: Vec::new(),
        measured_variance: Vec::new(),
        gd_loss: Vec::new(),
        central_loss: Vec::new(),
        central_sharpness: Vec::new(),
    };
    let n = problem.dim();
    for i in 0..rows {
        let k = cft.step(i) as usize;
        if k + 1 >= gd.len() {
            break;
        }
        let (a, b) = (gd.x(k), gd.x(k + 1));
        let mid: Vec<f64> = (0..n).map(|j| 0.5 * (a[j] + b[j])).collect();
        let half: f64 = (0..n).map(|j| 0.25 * (a[j] - b[j]).powi(2)).sum();
        let m = cft.measured(i);
        c.steps.push(k as u64);
        c.t.push(cft.t(i));
        c.midpoint_to_central
            .push(crate::vector::distance(&mid, cft.x(i)));
        c.gd_to_gradient_flow
            .push(crate::vector::distance(a, gft.x(i)));
        c.sigma2.push(m[..cf_dirs(m)].iter().sum());
        c.measured_variance.push(half);
        c.gd_loss.push(0.5 * (gd.loss(k) + gd.loss(k + 1)));
        c.central_loss.push(m[m.len() - 2]);
        c.central_sharpness.push(m[m.len() - 1]);
    }
    Ok(c)
}

/// The number of `sigma2_*` columns in a central flow's measured row (`…, cf_loss, sharp0`).
fn cf_dirs(measured: &[f64]) -> usize {
    measured.len() - 2
}
