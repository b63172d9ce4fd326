//! Ensembles: `M` paths of one stochastic run — a discrete optimizer on an objective with noisy
//! step gradients, or a stochastic model — run in parallel, path `p` drawing [`Draws`]
//! `(seed, p)`, so the ensemble is the same at any thread count. Every path records `x` and the
//! loss at the run's scheduled samples; statistics at each sample (mean with its Monte Carlo
//! standard error, quantiles) are taken over the paths still running there, and the paths that
//! stopped (diverged, non-finite) are reported with the step and reason.

use super::draws::Draws;
use super::engine::{Dynamics, Run};
use super::observer::Observer;
use super::sample::{End, Sample};
use crate::integrate::sde::mean_and_error;
use crate::stop::StopReason;
use crate::{Error, Result};
use rayon::prelude::*;
use std::ops::ControlFlow;

/// How many paths of which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ensemble {
    /// Number of paths `M ≥ 1`.
    pub paths: usize,
    /// The ensemble seed.
    pub seed: u64,
    /// Antithetic Brownian pairs (stochastic models only; `M` even).
    pub antithetic: bool,
}

impl Ensemble {
    /// `paths` independent paths of seed `seed`.
    pub fn new(paths: usize, seed: u64) -> Self {
        Ensemble {
            paths,
            seed,
            antithetic: false,
        }
    }

    /// Pairs path `2k+1` with the negated Brownian increments of path `2k`.
    #[must_use]
    pub fn antithetic(mut self, on: bool) -> Self {
        self.antithetic = on;
        self
    }
}

/// The recorded samples of every path of an ensemble.
#[derive(Debug, Clone)]
pub struct EnsembleResult {
    n: usize,
    steps: Vec<u64>,
    t: Vec<f64>,
    /// `[path][sample][x_0 … x_{n−1}, loss]`, NaN after a path stopped.
    values: Vec<f64>,
    ends: Vec<End>,
    antithetic: bool,
}

/// Keeps one path's samples at their scheduled slots.
struct Collector<'s> {
    steps: &'s [u64],
    n: usize,
    values: Vec<f64>,
    t: Vec<f64>,
}

impl Observer for Collector<'_> {
    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        if let Ok(i) = self.steps.binary_search(&s.step) {
            let w = self.n + 1;
            self.values[i * w..i * w + self.n].copy_from_slice(s.x);
            self.values[i * w + self.n] = s.loss;
            self.t[i] = s.t;
        }
        ControlFlow::Continue(())
    }
}

impl Run<'_> {
    /// Runs `ensemble.paths` paths of this run in parallel (see the module doc). Errors: no
    /// paths, an odd number of antithetic paths or antithetic pairs of a discrete run, a
    /// deterministic model, measures (an ensemble records `x` and the loss only), or more
    /// samples than memory holds.
    pub fn ensemble(&self, ensemble: &Ensemble) -> Result<EnsembleResult> {
        if ensemble.paths == 0 {
            return Err(Error::spec("ensemble: paths must be >= 1, got 0"));
        }
        match &self.dynamics {
            Dynamics::Model { model, .. } => {
                return Err(Error::spec(format!(
                    "ensemble: model '{}' is deterministic; ensembles run a discrete optimizer or a stochastic model (sgd-sme1, sgd-sme2, rmsprop-sde, adam-sde)",
                    model.name()
                )))
            }
            Dynamics::Discrete(_) if ensemble.antithetic => {
                return Err(Error::spec(
                    "ensemble: antithetic pairs apply to a stochastic model's Brownian motion, not to a discrete run",
                ))
            }
            _ => {}
        }
        if ensemble.antithetic && ensemble.paths % 2 == 1 {
            return Err(Error::spec(format!(
                "ensemble: antithetic paths come in pairs, so paths must be even, got {}",
                ensemble.paths
            )));
        }
        if !self.measures.is_empty() {
            return Err(Error::spec(
                "ensemble: measures are per run; an ensemble records x and the loss",
            ));
        }
        let k = self.num_steps()?;
        let every = self.every.max(1);
        let mut steps: Vec<u64> = (0..=k / every).map(|i| i * every).collect();
        if steps.last() != Some(&k) {
            steps.push(k);
        }
        let n = self.problem.dim();
        let w = n + 1;
        crate::memory::check(
            &format!(
                "ensemble: {} paths × {} samples × {w} values",
                ensemble.paths,
                steps.len()
            ),
            ensemble.paths as f64 * steps.len() as f64 * w as f64 * 8.0,
            "record fewer samples (every) or run fewer paths",
        )?;
        let per_path: Vec<(Vec<f64>, Vec<f64>, End)> = (0..ensemble.paths as u64)
            .into_par_iter()
            .map(|p| {
                let run = self.clone().draws(Draws {
                    seed: ensemble.seed,
                    path: p,
                    antithetic: ensemble.antithetic,
                });
                let mut c = Collector {
                    steps: &steps,
                    n,
                    values: vec![f64::NAN; steps.len() * w],
                    t: vec![f64::NAN; steps.len()],
                };
                let end = run.execute(&mut [&mut c])?;
                Ok((c.values, c.t, end))
            })
            .collect::<Result<_>>()?;
        let mut t = vec![f64::NAN; steps.len()];
        for (_, tp, _) in &per_path {
            for (ti, v) in t.iter_mut().zip(tp) {
                if ti.is_nan() {
                    *ti = *v;
                }
            }
        }
        let mut values = Vec::with_capacity(ensemble.paths * steps.len() * w);
        let mut ends = Vec::with_capacity(ensemble.paths);
        for (v, _, end) in per_path {
            values.extend_from_slice(&v);
            ends.push(end);
        }
        Ok(EnsembleResult {
            n,
            steps,
            t,
            values,
            ends,
            antithetic: ensemble.antithetic,
        })
    }
}

impl EnsembleResult {
    /// Dimension `n` of `x`.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Number of paths.
    pub fn paths(&self) -> usize {
        self.ends.len()
    }

    /// The scheduled sample steps (every `every`-th and the last).
    pub fn steps(&self) -> &[u64] {
        &self.steps
    }

    /// Their times (NaN for a sample no path reached).
    pub fn times(&self) -> &[f64] {
        &self.t
    }

    /// How each path ended.
    pub fn ends(&self) -> &[End] {
        &self.ends
    }

    /// The paths that did not finish, with why (and so where).
    pub fn stopped(&self) -> Vec<(usize, &StopReason)> {
        self.ends
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.stop.is_ok())
            .map(|(p, e)| (p, &e.stop))
            .collect()
    }

    /// Path `p`'s row at sample `s`: `x` then the loss (NaN when the path had stopped).
    pub fn row(&self, p: usize, s: usize) -> &[f64] {
        let w = self.n + 1;
        let at = (p * self.steps.len() + s) * w;
        &self.values[at..at + w]
    }

    fn alive_row(&self, p: usize, s: usize) -> Option<&[f64]> {
        let r = self.row(p, s);
        r.iter().all(|v| v.is_finite()).then_some(r)
    }

    /// Number of paths with a sample at `s`.
    pub fn alive(&self, s: usize) -> usize {
        (0..self.paths())
            .filter(|&p| self.alive_row(p, s).is_some())
            .count()
    }

    /// The mean of `f(row)` over the paths alive at sample `s` and its Monte Carlo standard
    /// error (over antithetic pair averages when the paths are pairs, complete pairs only);
    /// `None` with fewer than two independent samples.
    pub fn expect(&self, s: usize, f: impl Fn(&[f64]) -> f64) -> Option<(f64, f64)> {
        let vals: Vec<f64> = if self.antithetic {
            (0..self.paths() / 2)
                .filter_map(|i| {
                    let (a, b) = (self.alive_row(2 * i, s)?, self.alive_row(2 * i + 1, s)?);
                    Some([f(a), f(b)])
                })
                .flatten()
                .collect()
        } else {
            (0..self.paths())
                .filter_map(|p| self.alive_row(p, s).map(&f))
                .collect()
        };
        let units = if self.antithetic {
            vals.len() / 2
        } else {
            vals.len()
        };
        (units >= 2).then(|| mean_and_error(&vals, self.antithetic))
    }

    /// The `q`-quantile (`0 ≤ q ≤ 1`, linear interpolation between order statistics, numpy's
    /// default) of column `col` (`x_col`, or the loss at `col = n`) over the paths alive at `s`;
    /// `None` when no path is.
    pub fn quantile(&self, s: usize, col: usize, q: f64) -> Option<f64> {
        let mut v: Vec<f64> = (0..self.paths())
            .filter_map(|p| self.alive_row(p, s).map(|r| r[col]))
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
        let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
        let hi = (lo + 1).min(v.len() - 1);
        Some(v[lo] + frac * (v[hi] - v[lo]))
    }

    /// The bands table: per sample `step, t, paths`, then for each column (`x0 … x{n−1}`,
    /// `loss`) its mean, standard error and the given quantiles. Returns the header and rows.
    pub fn bands(&self, quantiles: &[f64]) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
        for &q in quantiles {
            if !(0.0..=1.0).contains(&q) {
                return Err(Error::spec(format!(
                    "ensemble: quantiles must be in [0, 1], got {q}"
                )));
            }
        }
        let names: Vec<String> = (0..self.n)
            .map(|i| format!("x{i}"))
            .chain(["loss".to_string()])
            .collect();
        let mut header = vec!["step".to_string(), "t".to_string(), "paths".to_string()];
        for c in &names {
            header.push(format!("mean_{c}"));
            header.push(format!("se_{c}"));
            for q in quantiles {
                header.push(format!("q{}_{c}", crate::spec::fmt_f64(*q)));
            }
        }
        let rows = (0..self.steps.len())
            .map(|s| {
                let mut row = vec![self.steps[s] as f64, self.t[s], self.alive(s) as f64];
                for col in 0..=self.n {
                    let (m, se) = self.expect(s, |r| r[col]).unwrap_or((f64::NAN, f64::NAN));
                    row.push(m);
                    row.push(se);
                    for &q in quantiles {
                        row.push(self.quantile(s, col, q).unwrap_or(f64::NAN));
                    }
                }
                row
            })
            .collect();
        Ok((header, rows))
    }
}
