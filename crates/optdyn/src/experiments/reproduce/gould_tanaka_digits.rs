//! The `gould-tanaka-digits` target (issue 16, item 4): Gould–Tanaka's real-data claims
//! (seed 003: 2-Adam with the "inverse exp" strategy beats Adam on image classification; larger
//! `C(β1, β2)` correlates with faster generalisation) measured on the 8×8 handwritten digits
//! with [`crate::experiments::digits`].
//!
//! The paper gives trends, not numbers, so the comparison and the correlation are reported as
//! plain statements (`rep.notes`) whatever they show. The checks cover only checkable facts: the
//! embedded data (rows, class counts of the UCI test set, pixel range), the stratified split
//! (sizes, per-class test counts, train ∪ test = the data as a multiset of rows) and that every
//! arm learns (final test accuracy far above chance 0.1).

use super::{Check, Report};
use crate::experiments::digits::stats::Interval;
use crate::experiments::digits::{self, ArmResult, Comparison, DigitsConfig, Grid};
use crate::io::{cells, fmt_cell, write_atomic};
use crate::objective::data::{self, digits as dd, Dataset};
use crate::plot::{save_panels, Figure, Legend, Series, Style};
use crate::spec::Spec;
use crate::Result;
use std::fmt::Write as _;
use std::path::Path;

const SRC_DATA: &str = "UCI optdigits test set / sklearn digits.rst";
/// Class counts of the digits 0–9 in the data (scikit-learn's `digits.rst`, counted from the file).
pub const CLASS_COUNTS: [usize; 10] = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
/// Final test accuracy every arm must exceed (chance is 0.1).
const LEARNS: f64 = 0.5;

/// Runs the target with the default configuration (≈ 1 min in release on 2 cores).
pub fn run(dir: &Path) -> Result<Report> {
    run_with(dir, &DigitsConfig::default())
}

fn row_keys(d: &Dataset) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = (0..d.n)
        .map(|i| {
            let mut k: Vec<u8> = d.row(i).iter().map(|p| (p * 16.0).round() as u8).collect();
            k.push(d.y[i] as u8);
            k
        })
        .collect();
    v.sort_unstable();
    v
}

fn data_checks(rep: &mut Report, cfg: &DigitsConfig) -> Result<()> {
    let all = dd::load()?;
    rep.checks.push(Check::abs(
        "digits: rows",
        1797.0,
        all.n as f64,
        0.0,
        SRC_DATA,
    ));
    let mut counts = [0usize; 10];
    all.y.iter().for_each(|c| counts[*c as usize] += 1);
    let off: usize = counts
        .iter()
        .zip(CLASS_COUNTS)
        .map(|(a, b)| a.abs_diff(b))
        .sum();
    rep.checks.push(Check::abs(
        "digits: Σ_c |class count − 178,182,177,…,180|",
        0.0,
        off as f64,
        0.0,
        SRC_DATA,
    ));
    let (lo, hi) = all
        .x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    rep.checks.push(Check::abs(
        "digits: smallest pixel (0/16)",
        0.0,
        lo,
        0.0,
        SRC_DATA,
    ));
    rep.checks.push(Check::abs(
        "digits: largest pixel (16/16)",
        1.0,
        hi,
        0.0,
        SRC_DATA,
    ));
    let part = |split: &str| -> Result<Dataset> {
        Ok(
            data::build_mlp(&Spec::parse(&cfg.mlp_spec(split, false))?, 0)?
                .data()
                .clone(),
        )
    };
    let (train, test) = (part("train")?, part("test")?);
    let want: Vec<usize> = CLASS_COUNTS
        .iter()
        .map(|&n| (cfg.test_frac * n as f64).round() as usize)
        .collect();
    let mut got = [0usize; 10];
    test.y.iter().for_each(|c| got[*c as usize] += 1);
    let src = "stratified split: round(test_frac·n_c) per class";
    rep.checks.push(Check::abs(
        "split: test rows",
        want.iter().sum::<usize>() as f64,
        test.n as f64,
        0.0,
        src,
    ));
    rep.checks.push(Check::abs(
        "split: Σ_c |test count − round(test_frac·n_c)|",
        0.0,
        got.iter()
            .zip(&want)
            .map(|(a, b)| a.abs_diff(*b))
            .sum::<usize>() as f64,
        0.0,
        src,
    ));
    let mut both = row_keys(&train);
    both.extend(row_keys(&test));
    both.sort_unstable();
    let full = row_keys(&all);
    let differ =
        both.len().abs_diff(full.len()) + both.iter().zip(&full).filter(|(a, b)| a != b).count();
    rep.checks.push(Check::abs(
        "split: rows where train ∪ test differs from the data (multiset)",
        0.0,
        differ as f64,
        0.0,
        src,
    ));
    Ok(())
}

fn pm(i: &Interval, digits: usize) -> String {
    format!("{:.*} ± {:.*}", digits, i.mean, digits, i.half)
}

/// Paired difference `b − a` over seeds of a per-run quantity.
fn paired(a: &ArmResult, b: &ArmResult, f: fn(&digits::RunCurve) -> f64) -> Interval {
    let d: Vec<f64> = a
        .runs
        .iter()
        .zip(&b.runs)
        .map(|(x, y)| f(y) - f(x))
        .collect();
    Interval::of(&d)
}

fn verdict(i: &Interval) -> &'static str {
    if i.lo() > 0.0 {
        "higher (the 95 % interval excludes 0)"
    } else if i.hi() < 0.0 {
        "lower (the 95 % interval excludes 0)"
    } else {
        "not distinguishable (the 95 % interval contains 0)"
    }
}

fn final_acc(r: &digits::RunCurve) -> f64 {
    r.acc[r.acc.len() - 1]
}

fn comparison_notes(rep: &mut Report, cfg: &DigitsConfig, c: &Comparison) {
    rep.notes.push(format!(
        "setup: mlp {} (softmax) on {} training / {} test digits (stratified, test_frac {}, split_seed {}), batch {}, {} steps, AdamW-style decoupled weight decay λ = {} for every arm; seeds {:?} (initialisation and batches); lr sweep {:?} per arm, the lr with the largest mean AUC is shown; intervals are 95 % Student-t over seeds",
        cfg.net, c.train_n, c.test_n, cfg.test_frac, cfg.split_seed, cfg.batch, cfg.steps,
        cfg.weight_decay, cfg.seeds, cfg.lrs
    ));
    let per = cfg.lrs.len();
    for (a, &b) in c.best.iter().enumerate() {
        let r = &c.results[b];
        if per > 1 && (b == a * per || b == (a + 1) * per - 1) {
            rep.notes.push(format!(
                "{}: its best lr {} is at an edge of the sweep",
                r.label, r.lr
            ));
        }
        rep.notes.push(format!(
            "{:<20} lr {:<6} final test acc {} | steps to {:.0}% test acc {} ({}/{} seeds reached) | AUC {} | final train loss {}",
            r.label,
            r.lr,
            pm(&r.final_acc, 4),
            100.0 * cfg.threshold,
            pm(&r.steps_to, 1),
            r.reached,
            r.runs.len(),
            pm(&r.auc, 4),
            pm(&r.final_loss, 4)
        ));
    }
    let adam = &c.results[c.best[0]];
    for &b in &c.best[1..] {
        let r = &c.results[b];
        let (da, du) = (
            paired(adam, r, final_acc),
            paired(adam, r, digits::RunCurve::auc),
        );
        rep.notes.push(format!(
            "{} − adam (paired over seeds, each at its best lr): final test acc {:+.4} ± {:.4} → {}; AUC {:+.4} ± {:.4} → {}",
            r.label, da.mean, da.half, verdict(&da), du.mean, du.half, verdict(&du)
        ));
    }
}

/// The paper's claim at equal learning rates: 2-Adam `inverse_exp` − Adam, paired over seeds,
/// at every lr of the sweep (arms 0 and 1 of [`digits::compare`]).
fn same_lr_notes(rep: &mut Report, cfg: &DigitsConfig, c: &Comparison) {
    let per = cfg.lrs.len();
    for (i, lr) in cfg.lrs.iter().enumerate() {
        let (adam, inv) = (&c.results[i], &c.results[per + i]);
        let (da, du) = (
            paired(adam, inv, final_acc),
            paired(adam, inv, digits::RunCurve::auc),
        );
        rep.notes.push(format!(
            "same lr {lr}: 2-adam inverse_exp − adam: final test acc {:+.4} ± {:.4} → {}; AUC {:+.4} ± {:.4} → {}",
            da.mean, da.half, verdict(&da), du.mean, du.half, verdict(&du)
        ));
    }
}

fn grid_notes(rep: &mut Report, cfg: &DigitsConfig, g: &Grid) {
    rep.notes.push(format!(
        "C-vs-speed grid: Adam (lr {}, λ {}) at {} (β1, β2) pairs inside β1² < β2 (dropped {:?}), {} seeds each; speed = AUC = (1/T)∫acc dt (trapezoid, larger = faster) and steps to {:.0}% test acc (first crossing, linearly interpolated between recorded steps; censored at {} when not reached; smaller = faster); correlations over the pairs' seed means, Fisher-z 95 % intervals (Spearman: Bonett–Wright standard error)",
        cfg.grid_lr, cfg.weight_decay, g.points.len(), g.dropped, cfg.grid_seeds.len(),
        100.0 * cfg.threshold, cfg.steps
    ));
    let sign = |r: &digits::stats::Correlation, want_positive: bool| {
        let agrees = if want_positive {
            r.lo > 0.0
        } else {
            r.hi < 0.0
        };
        let against = if want_positive {
            r.hi < 0.0
        } else {
            r.lo > 0.0
        };
        if agrees {
            "agrees with the paper's trend"
        } else if against {
            "contradicts the paper's trend"
        } else {
            "undecided (interval contains 0)"
        }
    };
    let spread = |f: fn(&digits::GridPoint) -> &Interval| {
        let m = g.points.iter().map(|p| f(p).mean);
        let h: f64 = g.points.iter().map(|p| f(p).half).sum::<f64>() / g.points.len() as f64;
        (
            m.clone().fold(f64::INFINITY, f64::min),
            m.fold(f64::NEG_INFINITY, f64::max),
            h,
        )
    };
    let (a0, a1, ah) = spread(|p| &p.auc);
    let (s0, s1, sh) = spread(|p| &p.steps_to);
    rep.notes.push(format!(
        "grid spread: C from {:.2} to {:.1}; the pairs' mean AUC spans [{a0:.4}, {a1:.4}] and mean steps to threshold [{s0:.1}, {s1:.1}], against a mean 95 % half-width over seeds of {ah:.4} (AUC) and {sh:.1} (steps) per pair",
        g.points.iter().map(|p| p.c).fold(f64::INFINITY, f64::min),
        g.points.iter().map(|p| p.c).fold(f64::NEG_INFINITY, f64::max),
    ));
    for (what, r, pos) in [
        ("Pearson r(ln C, AUC)", &g.pearson_auc, true),
        ("Spearman ρ(ln C, AUC)", &g.spearman_auc, true),
        (
            "Pearson r(ln C, steps to threshold)",
            &g.pearson_steps,
            false,
        ),
        (
            "Spearman ρ(ln C, steps to threshold)",
            &g.spearman_steps,
            false,
        ),
    ] {
        rep.notes.push(format!(
            "{what} = {:+.3}, 95 % [{:+.3}, {:+.3}], n = {} pairs → {}",
            r.r,
            r.lo,
            r.hi,
            r.n,
            sign(r, pos)
        ));
    }
}

fn arms_csv(c: &Comparison) -> String {
    let mut s = String::from(
        "arm,optimizer,objective,lr,best_lr,seeds,final_acc_mean,final_acc_ci95,steps_to_threshold_mean,steps_to_threshold_ci95,reached,auc_mean,auc_ci95,final_loss_mean,final_loss_ci95\n",
    );
    for (i, r) in c.results.iter().enumerate() {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{}",
            r.label,
            r.optimizer.replace(',', " "),
            r.objective.replace(',', " "),
            fmt_cell(r.lr),
            c.best.contains(&i),
            r.runs.len(),
            cells(&[
                r.final_acc.mean,
                r.final_acc.half,
                r.steps_to.mean,
                r.steps_to.half,
                r.reached as f64,
                r.auc.mean,
                r.auc.half,
                r.final_loss.mean,
                r.final_loss.half
            ])
        );
    }
    s
}

fn curves_csv(c: &Comparison) -> String {
    let mut s = String::from(
        "arm,lr,step,test_acc_mean,test_acc_lo,test_acc_hi,train_loss_mean,train_loss_lo,train_loss_hi\n",
    );
    for r in &c.results {
        for (j, st) in r.runs[0].steps.iter().enumerate() {
            let (a, l) = (&r.acc[j], &r.loss[j]);
            let _ = writeln!(
                s,
                "{},{},{st},{}",
                r.label,
                fmt_cell(r.lr),
                cells(&[a.mean, a.lo(), a.hi(), l.mean, l.lo(), l.hi()])
            );
        }
    }
    s
}

fn grid_csv(g: &Grid) -> String {
    let mut s = String::from(
        "beta1,beta2,C,lnC,auc_mean,auc_ci95,steps_to_threshold_mean,steps_to_threshold_ci95,reached,seeds,final_acc_mean,final_acc_ci95\n",
    );
    for p in &g.points {
        let _ = writeln!(
            s,
            "{}",
            cells(&[
                p.beta1,
                p.beta2,
                p.c,
                p.c.ln(),
                p.auc.mean,
                p.auc.half,
                p.steps_to.mean,
                p.steps_to.half,
                p.reached as f64,
                p.auc.n as f64,
                p.final_acc.mean,
                p.final_acc.half
            ])
        );
    }
    s
}

fn figures(dir: &Path, c: &Comparison, g: &Grid) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    let mut acc = Figure::new(
        "digits: test accuracy (mean, 95 % t-band over seeds)",
        "step",
        "test accuracy",
    );
    acc.legend = Legend::LowerRight;
    let mut loss = Figure::new(
        "digits: training loss (mean, 95 % t-band over seeds)",
        "step",
        "softmax cross-entropy (train split)",
    );
    loss.log_y = true;
    for &b in &c.best {
        let r = &c.results[b];
        let x: Vec<f64> = r.runs[0].steps.iter().map(|s| *s as f64).collect();
        let label = format!("{} (lr {})", r.label, r.lr);
        acc.series.push(
            Series::line(&label, x.clone(), r.acc.iter().map(|i| i.mean).collect()).with_band(
                r.acc.iter().map(Interval::lo).collect(),
                r.acc.iter().map(Interval::hi).collect(),
            ),
        );
        loss.series.push(
            Series::line(&label, x, r.loss.iter().map(|i| i.mean).collect()).with_band(
                r.loss.iter().map(|i| i.lo().max(1e-6)).collect(),
                r.loss.iter().map(Interval::hi).collect(),
            ),
        );
    }
    files.extend(save_panels(&[acc, loss], 2, &dir.join("digits_curves"))?);
    let lnc: Vec<f64> = g.points.iter().map(|p| p.c.ln()).collect();
    let mut fa = Figure::new(
        &format!(
            "AUC vs ln C: Pearson r = {:+.2} [{:+.2}, {:+.2}]",
            g.pearson_auc.r, g.pearson_auc.lo, g.pearson_auc.hi
        ),
        "ln C(β1, β2)",
        "AUC of test accuracy",
    );
    fa.legend = Legend::Right;
    fa.series.push(
        Series::line(
            "grid point (mean over seeds)",
            lnc.clone(),
            g.points.iter().map(|p| p.auc.mean).collect(),
        )
        .styled(Style::Points),
    );
    let mut fs = Figure::new(
        &format!(
            "steps to threshold vs ln C: Pearson r = {:+.2} [{:+.2}, {:+.2}]",
            g.pearson_steps.r, g.pearson_steps.lo, g.pearson_steps.hi
        ),
        "ln C(β1, β2)",
        "steps to threshold (censored at T)",
    );
    fs.legend = Legend::Right;
    fs.series.push(
        Series::line(
            "grid point (mean over seeds)",
            lnc,
            g.points.iter().map(|p| p.steps_to.mean).collect(),
        )
        .styled(Style::Points),
    );
    files.extend(save_panels(&[fa, fs], 2, &dir.join("digits_speed_vs_c"))?);
    Ok(files)
}

/// Runs the target with the configuration `cfg` (tests use a reduced one).
pub fn run_with(dir: &Path, cfg: &DigitsConfig) -> Result<Report> {
    let mut rep = Report::new("gould-tanaka-digits");
    data_checks(&mut rep, cfg)?;
    let c = digits::compare(cfg)?;
    for &b in &c.best {
        let r = &c.results[b];
        rep.checks.push(Check::range(
            format!("final test acc, {} (chance 0.1)", r.label),
            LEARNS,
            1.0,
            r.final_acc.mean,
            "the arm learns",
        ));
    }
    let g = digits::beta_grid(cfg)?;
    comparison_notes(&mut rep, cfg, &c);
    same_lr_notes(&mut rep, cfg, &c);
    grid_notes(&mut rep, cfg, &g);
    for (name, text) in [
        ("digits_arms.csv", arms_csv(&c)),
        ("digits_curves.csv", curves_csv(&c)),
        ("digits_grid.csv", grid_csv(&g)),
    ] {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        rep.files.push(path);
    }
    rep.files.extend(figures(dir, &c, &g)?);
    Ok(rep)
}
