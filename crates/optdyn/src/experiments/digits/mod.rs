//! Gould–Tanaka on real data (issue 16, item 4): Adam vs 2-Adam vs layer-norm Adam on the 8×8
//! handwritten digits ([`crate::objective::data::digits`]), and the correlation of
//! `C(β1, β2)` (continuous_models.md §3.4, [`c_bound`]) with the speed of generalisation.
//!
//! The paper (seed 003, Gould & Tanaka, arXiv:2411.05746) reports two trends without numbers:
//! larger `C(β1, β2)` goes with faster generalisation, and 2-Adam with the "inverse exp"
//! strategy beats Adam on image classification. Here:
//!
//! * [`compare`] trains a `64-h-10` softmax MLP on the training split with minibatches, for
//!   every arm (Adam, 2-Adam `inverse_exp`, 2-Adam `norm_layer`, Adam on the layer-normalised
//!   MLP), every learning rate of a small sweep and every seed (seed = initialisation
//!   `Mlp::init_params(seed)` and batch stream `batch_seed = seed`), recording the test accuracy
//!   on the held-out split (argmax of the network's outputs, [`crate::objective::data::mlp::Mlp::predict`])
//!   and the full training loss every `every` steps.
//! * [`beta_grid`] trains Adam over a (β1, β2) grid inside `β1² < β2` and measures the speed of
//!   generalisation of each pair in two ways: the normalised area under the test-accuracy curve
//!   `AUC = (1/T)∫₀ᵀ acc(t) dt` (trapezoid rule over the recorded steps; larger = faster) and the
//!   step at which the test accuracy first reaches the threshold ([`RunCurve::steps_to`],
//!   censored at `T` when never reached; smaller = faster). The correlations of `ln C` with both are Pearson's and
//!   Spearman's over the grid points, with Fisher-z 95 % intervals ([`stats`]).
//!
//! Every run is deterministic given the seeds; runs are spread over threads with rayon.

pub mod stats;

use crate::model::gould_tanaka::c_bound;
use crate::objective::data::{self, mlp::Mlp};
use crate::optim::kadam::KAdam;
use crate::run::{Problem, Run, Sample};
use crate::spec::Spec;
use crate::stop::StopReason;
use crate::{Error, Result};
use rayon::prelude::*;
use stats::{Correlation, Interval};
use std::ops::ControlFlow;

/// Settings of [`compare`] and [`beta_grid`].
#[derive(Debug, Clone, PartialEq)]
pub struct DigitsConfig {
    /// Network keys of the `mlp:` spec, without data, split, batch and layernorm keys
    /// (e.g. `widths=64;32;10,act=tanh`).
    pub net: String,
    /// Minibatch size.
    pub batch: usize,
    /// Held-out fraction per class.
    pub test_frac: f64,
    /// Seed of the split.
    pub split_seed: u64,
    /// Learning rates of the sweep (every arm runs every one).
    pub lrs: Vec<f64>,
    /// Decoupled weight decay λ of every arm (2-Adam `norm_layer` needs λ > 0).
    pub weight_decay: f64,
    /// Optimizer steps per run.
    pub steps: u64,
    /// Record every `every` steps (and at step 0).
    pub every: u64,
    /// Seeds of the comparison.
    pub seeds: Vec<u64>,
    /// Test-accuracy threshold of the steps-to-threshold measure.
    pub threshold: f64,
    /// β1 values of the grid.
    pub grid_beta1: Vec<f64>,
    /// β2 values of the grid (pairs with β1² ≥ β2 are dropped).
    pub grid_beta2: Vec<f64>,
    /// Learning rate of the grid runs.
    pub grid_lr: f64,
    /// Seeds of each grid point.
    pub grid_seeds: Vec<u64>,
}

impl Default for DigitsConfig {
    fn default() -> Self {
        DigitsConfig {
            net: "widths=64;32;10,act=tanh".into(),
            batch: 64,
            test_frac: 0.3,
            split_seed: 0,
            lrs: vec![1e-3, 3e-3, 1e-2, 3e-2],
            weight_decay: 1e-2,
            steps: 400,
            every: 10,
            seeds: (0..8).collect(),
            threshold: 0.9,
            grid_beta1: vec![0.0, 0.5, 0.8, 0.9, 0.95],
            grid_beta2: vec![0.9, 0.99, 0.999, 0.9999],
            grid_lr: 1e-3,
            grid_seeds: (0..5).collect(),
        }
    }
}

impl DigitsConfig {
    fn check(&self) -> Result<()> {
        if self.seeds.len() < 2 || self.grid_seeds.is_empty() {
            return Err(Error::spec(
                "digits: seeds needs >= 2 entries (for intervals) and grid_seeds >= 1",
            ));
        }
        if self.lrs.is_empty() || self.lrs.iter().any(|l| l.is_nan() || *l <= 0.0) {
            return Err(Error::spec(
                "digits: lrs must be a non-empty list of values > 0",
            ));
        }
        if self.steps == 0 || self.every == 0 || self.batch == 0 {
            return Err(Error::spec("digits: steps, every and batch must be >= 1"));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::spec(format!(
                "digits: threshold must lie in (0, 1], got {}",
                self.threshold
            )));
        }
        let unit = |v: &f64| (0.0..1.0).contains(v);
        if !self.grid_beta1.iter().all(unit) || !self.grid_beta2.iter().all(unit) {
            return Err(Error::spec(
                "digits: grid_beta1 and grid_beta2 must lie in [0, 1)",
            ));
        }
        Ok(())
    }

    /// The `mlp:` spec of the given split (`train` | `test`) with or without layer norm.
    pub fn mlp_spec(&self, split: &str, layernorm: bool) -> String {
        format!(
            "mlp:{},data=digits,split={split},test_frac={},split_seed={},batch={},layernorm={layernorm}",
            self.net, self.test_frac, self.split_seed, self.batch
        )
    }
}

/// Test accuracy and training loss of one run at the recorded steps.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCurve {
    /// Recorded steps.
    pub steps: Vec<u64>,
    /// Test accuracy (fraction of held-out rows whose argmax output is the label).
    pub acc: Vec<f64>,
    /// Full training loss (softmax cross-entropy over the training split).
    pub loss: Vec<f64>,
}

impl RunCurve {
    /// `(1/T)∫₀ᵀ acc dt` by the trapezoid rule over the recorded steps.
    pub fn auc(&self) -> f64 {
        let (s, a) = (&self.steps, &self.acc);
        let span = (s[s.len() - 1] - s[0]) as f64;
        let area: f64 = (1..s.len())
            .map(|j| 0.5 * (a[j] + a[j - 1]) * (s[j] - s[j - 1]) as f64)
            .sum();
        area / span
    }
    /// The step at which the test accuracy first reaches `threshold`: the first recorded step
    /// `s_j` with `acc_j ≥ threshold`, moved back by linear interpolation between `(s_{j−1},
    /// acc_{j−1})` and `(s_j, acc_j)` (the recording interval would otherwise quantise it);
    /// `None` when never reached.
    pub fn steps_to(&self, threshold: f64) -> Option<f64> {
        let j = self.acc.iter().position(|&a| a >= threshold)?;
        let sj = self.steps[j] as f64;
        if j == 0 {
            return Some(sj);
        }
        let (a0, a1, s0) = (self.acc[j - 1], self.acc[j], self.steps[j - 1] as f64);
        Some(s0 + (threshold - a0) / (a1 - a0) * (sj - s0))
    }
}

/// Fraction of rows of `test`'s data whose largest output (first on ties) is the label.
pub fn accuracy(test: &Mlp, w: &[f64], out: &mut Vec<f64>) -> f64 {
    test.predict(w, None, out);
    let d = test.data();
    let k = out.len() / d.n.max(1);
    let hits = (0..d.n)
        .filter(|&i| {
            let row = &out[i * k..(i + 1) * k];
            let best = (0..k).fold(0, |b, j| if row[j] > row[b] { j } else { b });
            best as f64 == d.y[i]
        })
        .count();
    hits as f64 / d.n as f64
}

/// Trains `opt` from `Mlp::init_params(seed)` on the training objective `train_spec` with batch
/// stream `seed`, recording the test accuracy on `test` and the training loss.
pub fn train(
    train_spec: &str,
    test: &Mlp,
    opt: &KAdam,
    seed: u64,
    steps: u64,
    every: u64,
) -> Result<RunCurve> {
    let s = Spec::parse(train_spec)?.with("batch_seed", seed.to_string());
    let m = data::build_mlp(&s, 0)?;
    let x0 = m.init_params(seed);
    let problem = Problem::new(m, x0)?;
    let obj = problem.objective().clone();
    let mut curve = RunCurve {
        steps: Vec::new(),
        acc: Vec::new(),
        loss: Vec::new(),
    };
    let mut out = Vec::new();
    let mut record = |smp: &Sample<'_>| {
        curve.steps.push(smp.step);
        curve.acc.push(accuracy(test, smp.x, &mut out));
        curve.loss.push(obj.value(smp.x));
        ControlFlow::<StopReason>::Continue(())
    };
    Run::discrete(&problem, opt)
        .steps(steps)
        .every(every)
        .execute(&mut [&mut record])?;
    let expected = steps.div_ceil(every) + 1;
    if curve.steps.len() as u64 != expected || curve.steps.last() != Some(&steps) {
        return Err(Error::numerical(format!(
            "digits: run '{}' seed {seed} stopped at step {:?} of {steps}",
            opt.strategy,
            curve.steps.last()
        )));
    }
    Ok(curve)
}

/// One arm at one learning rate over the seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmResult {
    /// Arm label.
    pub label: String,
    /// Optimizer spec.
    pub optimizer: String,
    /// Training objective spec (without the batch seed).
    pub objective: String,
    /// Learning rate.
    pub lr: f64,
    /// Per-seed curves (in the order of the seeds).
    pub runs: Vec<RunCurve>,
    /// Test accuracy per recorded step over seeds: mean and 95 % t-interval.
    pub acc: Vec<Interval>,
    /// Training loss per recorded step over seeds.
    pub loss: Vec<Interval>,
    /// Final test accuracy over seeds.
    pub final_acc: Interval,
    /// Final training loss over seeds.
    pub final_loss: Interval,
    /// Area under the test-accuracy curve over seeds.
    pub auc: Interval,
    /// Steps to the threshold over the seeds that reached it.
    pub steps_to: Interval,
    /// Seeds that reached the threshold.
    pub reached: usize,
}

fn summarise(
    label: &str,
    optimizer: String,
    objective: String,
    lr: f64,
    runs: Vec<RunCurve>,
    threshold: f64,
) -> ArmResult {
    let at = |j: usize, f: fn(&RunCurve) -> &Vec<f64>| -> Interval {
        Interval::of(&runs.iter().map(|r| f(r)[j]).collect::<Vec<_>>())
    };
    let n = runs[0].steps.len();
    let acc: Vec<Interval> = (0..n).map(|j| at(j, |r| &r.acc)).collect();
    let loss: Vec<Interval> = (0..n).map(|j| at(j, |r| &r.loss)).collect();
    let hit: Vec<f64> = runs.iter().filter_map(|r| r.steps_to(threshold)).collect();
    ArmResult {
        label: label.into(),
        optimizer,
        objective,
        lr,
        final_acc: acc[n - 1],
        final_loss: loss[n - 1],
        auc: Interval::of(&runs.iter().map(RunCurve::auc).collect::<Vec<_>>()),
        steps_to: Interval::of(&hit),
        reached: hit.len(),
        acc,
        loss,
        runs,
    }
}

/// Result of [`compare`].
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Training and test rows.
    pub train_n: usize,
    /// Test rows.
    pub test_n: usize,
    /// Every (arm, lr), arms in order, learning rates in the order of the sweep.
    pub results: Vec<ArmResult>,
    /// Per arm, the index into `results` of its learning rate with the largest mean AUC.
    pub best: Vec<usize>,
}

/// The arms: label, optimizer spec at `lr`, layer norm on the network.
fn arms(cfg: &DigitsConfig, groups: &str, lr: f64) -> Vec<(&'static str, String, bool)> {
    let wd = cfg.weight_decay;
    vec![
        (
            "adam",
            format!("kadam:k=1,lr={lr},weight_decay={wd}"),
            false,
        ),
        (
            "2-adam inverse_exp",
            format!("kadam:k=2,lr={lr},weight_decay={wd},strategy=inverse_exp"),
            false,
        ),
        (
            "2-adam norm_layer",
            format!("kadam:k=2,lr={lr},weight_decay={wd},strategy=norm_layer,groups={groups}"),
            false,
        ),
        (
            "adam + layernorm",
            format!("kadam:k=1,lr={lr},weight_decay={wd}"),
            true,
        ),
    ]
}

/// The arm comparison (see the module docs).
pub fn compare(cfg: &DigitsConfig) -> Result<Comparison> {
    cfg.check()?;
    let tests = [
        data::build_mlp(&Spec::parse(&cfg.mlp_spec("test", false))?, 0)?,
        data::build_mlp(&Spec::parse(&cfg.mlp_spec("test", true))?, 0)?,
    ];
    let train_n = data::build_mlp(&Spec::parse(&cfg.mlp_spec("train", false))?, 0)?
        .data()
        .n;
    let groups: Vec<String> = tests[0]
        .group_sizes()
        .iter()
        .map(|g| g.to_string())
        .collect();
    let groups = groups.join(";");
    let mut jobs = Vec::new();
    for (a, _) in arms(cfg, &groups, 1.0).iter().enumerate() {
        for &lr in &cfg.lrs {
            let (label, ospec, ln) = arms(cfg, &groups, lr).swap_remove(a);
            jobs.push((label, ospec, ln, lr));
        }
    }
    let tasks: Vec<(usize, u64)> = (0..jobs.len())
        .flat_map(|j| cfg.seeds.iter().map(move |&s| (j, s)))
        .collect();
    let opts: Vec<KAdam> = jobs
        .iter()
        .map(|j| KAdam::from_spec(&Spec::parse(&j.1)?))
        .collect::<Result<_>>()?;
    let curves: Vec<RunCurve> = tasks
        .par_iter()
        .map(|&(j, seed)| {
            let (_, _, ln, _) = &jobs[j];
            train(
                &cfg.mlp_spec("train", *ln),
                &tests[usize::from(*ln)],
                &opts[j],
                seed,
                cfg.steps,
                cfg.every,
            )
        })
        .collect::<Result<_>>()?;
    let mut curves = curves.into_iter();
    let results: Vec<ArmResult> = jobs
        .into_iter()
        .map(|(label, ospec, ln, lr)| {
            let runs: Vec<RunCurve> = curves.by_ref().take(cfg.seeds.len()).collect();
            summarise(
                label,
                ospec,
                cfg.mlp_spec("train", ln),
                lr,
                runs,
                cfg.threshold,
            )
        })
        .collect();
    let per = cfg.lrs.len();
    let best = (0..results.len() / per)
        .map(|a| {
            (a * per..(a + 1) * per)
                .max_by(|&i, &j| results[i].auc.mean.total_cmp(&results[j].auc.mean))
                .unwrap_or(a * per)
        })
        .collect();
    Ok(Comparison {
        train_n,
        test_n: tests[0].data().n,
        results,
        best,
    })
}

/// One (β1, β2) pair of [`beta_grid`].
#[derive(Debug, Clone, PartialEq)]
pub struct GridPoint {
    /// β1.
    pub beta1: f64,
    /// β2.
    pub beta2: f64,
    /// `C(β1, β2)` ([`c_bound`]).
    pub c: f64,
    /// AUC over the seeds.
    pub auc: Interval,
    /// Steps to the threshold over the seeds, censored at `steps` when not reached.
    pub steps_to: Interval,
    /// Seeds that reached the threshold.
    pub reached: usize,
    /// Final test accuracy over the seeds.
    pub final_acc: Interval,
}

/// Result of [`beta_grid`].
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The grid points inside β1² < β2.
    pub points: Vec<GridPoint>,
    /// Pairs of the grid dropped for lying outside the stable region.
    pub dropped: Vec<(f64, f64)>,
    /// Pearson r of (ln C, mean AUC) over the points.
    pub pearson_auc: Correlation,
    /// Spearman ρ of (ln C, mean AUC).
    pub spearman_auc: Correlation,
    /// Pearson r of (ln C, mean steps to the threshold).
    pub pearson_steps: Correlation,
    /// Spearman ρ of (ln C, mean steps to the threshold).
    pub spearman_steps: Correlation,
}

/// Adam over the (β1, β2) grid (see the module docs).
pub fn beta_grid(cfg: &DigitsConfig) -> Result<Grid> {
    cfg.check()?;
    let test = data::build_mlp(&Spec::parse(&cfg.mlp_spec("test", false))?, 0)?;
    let (mut pairs, mut dropped) = (Vec::new(), Vec::new());
    for &b1 in &cfg.grid_beta1 {
        for &b2 in &cfg.grid_beta2 {
            if b1 * b1 < b2 {
                pairs.push((b1, b2));
            } else {
                dropped.push((b1, b2));
            }
        }
    }
    if pairs.len() < 4 {
        return Err(Error::spec(format!(
            "digits: the grid needs >= 4 pairs inside β1² < β2 for a correlation interval, got {}",
            pairs.len()
        )));
    }
    let tasks: Vec<(usize, u64)> = (0..pairs.len())
        .flat_map(|p| cfg.grid_seeds.iter().map(move |&s| (p, s)))
        .collect();
    let opts: Vec<KAdam> = pairs
        .iter()
        .map(|(b1, b2)| {
            KAdam::from_spec(&Spec::parse(&format!(
                "kadam:k=1,lr={},weight_decay={},beta1={b1},beta2={b2}",
                cfg.grid_lr, cfg.weight_decay
            ))?)
        })
        .collect::<Result<_>>()?;
    let spec = cfg.mlp_spec("train", false);
    let curves: Vec<RunCurve> = tasks
        .par_iter()
        .map(|&(p, seed)| train(&spec, &test, &opts[p], seed, cfg.steps, cfg.every))
        .collect::<Result<_>>()?;
    let ns = cfg.grid_seeds.len();
    let points: Vec<GridPoint> = pairs
        .iter()
        .enumerate()
        .map(|(p, &(b1, b2))| {
            let runs = &curves[p * ns..(p + 1) * ns];
            let steps: Vec<f64> = runs
                .iter()
                .map(|r| r.steps_to(cfg.threshold).unwrap_or(cfg.steps as f64))
                .collect();
            GridPoint {
                beta1: b1,
                beta2: b2,
                c: c_bound(b1, b2),
                auc: Interval::of(&runs.iter().map(RunCurve::auc).collect::<Vec<_>>()),
                steps_to: Interval::of(&steps),
                reached: runs
                    .iter()
                    .filter(|r| r.steps_to(cfg.threshold).is_some())
                    .count(),
                final_acc: Interval::of(
                    &runs
                        .iter()
                        .map(|r| r.acc[r.acc.len() - 1])
                        .collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    let lnc: Vec<f64> = points.iter().map(|p| p.c.ln()).collect();
    let auc: Vec<f64> = points.iter().map(|p| p.auc.mean).collect();
    let st: Vec<f64> = points.iter().map(|p| p.steps_to.mean).collect();
    Ok(Grid {
        pearson_auc: stats::pearson(&lnc, &auc),
        spearman_auc: stats::spearman(&lnc, &auc),
        pearson_steps: stats::pearson(&lnc, &st),
        spearman_steps: stats::spearman(&lnc, &st),
        points,
        dropped,
    })
}
