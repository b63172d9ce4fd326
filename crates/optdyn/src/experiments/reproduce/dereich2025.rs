//! Dereich, Jentzen & Kassing (arXiv:2511.04622), continuous_models.md §2.5: with noisy gradients
//! Adam's limit is a zero of the Adam vector field, not the minimiser. `F(θ) = ½E(θ − X)²`,
//! `X ~ Bernoulli(1/4)`, β1 = β2 = 0, ε = 0.1: the field's zero is `(1.2 − √1.24)/2 = 0.0432236`,
//! the minimiser 0.25.

use super::{Check, Report};
use crate::integrate::OdeSystem;
use crate::model::adam_field::{AdamField, FieldMode};
use crate::objective::Objective;
use crate::optim::Adam;
use crate::plot::{save_figure, Figure, Series, Style};
use crate::Result;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::sync::Arc;

const SRC: &str = "continuous_models.md §2.5 / §6 item 2";

/// `F(θ) = (1/N) Σ ½(θ − X_i)²` over the data `X = (0, 0, 0, 1)` — the Bernoulli(1/4) law as an
/// exact four-point empirical distribution.
struct Bernoulli {
    data: [f64; 4],
}

impl Objective for Bernoulli {
    fn name(&self) -> String {
        "bernoulli(1/4) squared loss".into()
    }
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.data
            .iter()
            .map(|d| 0.5 * (x[0] - d).powi(2))
            .sum::<f64>()
            / 4.0
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g[0] = self.data.iter().map(|d| x[0] - d).sum::<f64>() / 4.0;
    }
    fn hvp(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        out[0] = v[0];
    }
    fn num_samples(&self) -> usize {
        4
    }
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = x[0] - self.data[i];
        0.5 * g[0] * g[0]
    }
}

/// Runs the target.
pub fn run(dir: &Path) -> Result<Report> {
    let mut rep = Report::new("dereich2025-zero");
    let obj: Arc<dyn Objective> = Arc::new(Bernoulli {
        data: [0.0, 0.0, 0.0, 1.0],
    });
    let adam = Adam::default().lr(1e-3).betas(0.0, 0.0).eps(0.1);
    let field = AdamField::with(&adam, FieldMode::Exact, obj.clone())?;
    let f = |th: f64| {
        let mut d = [0.0];
        field.rhs(0.0, &[th], &mut d);
        d[0]
    };
    // Bisection for the zero in (0, 0.25): f > 0 left of it.
    let (mut a, mut b) = (0.0, 0.25);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if f(m) > 0.0 {
            a = m;
        } else {
            b = m;
        }
    }
    let zero = 0.5 * (a + b);
    let closed = (1.2 - 1.24f64.sqrt()) / 2.0;
    rep.checks.push(Check::abs(
        "zero of the Adam vector field",
        closed,
        zero,
        1e-12,
        SRC,
    ));
    rep.checks.push(Check::abs(
        "|f(θ*)| at the closed-form zero",
        0.0,
        f(closed).abs(),
        1e-12,
        SRC,
    ));
    let mut g = [0.0];
    obj.gradient(&[0.25], &mut g);
    rep.checks.push(Check::abs(
        "∇F at the minimiser 0.25 (a critical point, not a zero of f)",
        0.0,
        g[0],
        1e-15,
        SRC,
    ));
    rep.checks.push(Check::range(
        "f(0.25) < 0: the minimiser is not a zero of the field",
        -1.0,
        -1e-3,
        f(0.25),
        SRC,
    ));
    // Stochastic Adam with β1 = β2 = 0 (no bias correction needed: 1 − 0^t = 1), decreasing steps
    // γ_n = 0.05 n^−0.6, sampled X, 4·10⁵ steps, three seeds: θ ← θ − γ_n g/(|g| + ε). This
    // Robbins–Monro iteration (a step-size schedule and one sample stream) is the paper's own
    // experiment, written here rather than as a fixed-lr run of the engine.
    let mut finals = Vec::new();
    let mut path = Vec::new();
    for seed in 0..3u64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut th = 0.5f64;
        for n in 1..=400_000u64 {
            let x = if rng.random::<f64>() < 0.25 { 1.0 } else { 0.0 };
            let gr = th - x;
            th -= 0.05 * (n as f64).powf(-0.6) * gr / (gr.abs() + 0.1);
            if seed == 0 && n % 2000 == 0 {
                path.push((n as f64, th));
            }
        }
        finals.push(th);
    }
    let mean = finals.iter().sum::<f64>() / 3.0;
    rep.checks.push(Check::abs(
        "stochastic Adam, mean final θ of 3 seeds",
        0.0432,
        mean,
        0.002,
        SRC,
    ));
    let mut fig = Figure::new(
        "stochastic Adam (β1 = β2 = 0, ε = 0.1) vs the field's zero",
        "step n",
        "θ_n",
    );
    fig.log_x = true;
    fig.series.push(Series::line(
        "θ_n (seed 0)",
        path.iter().map(|p| p.0).collect(),
        path.iter().map(|p| p.1).collect(),
    ));
    let ends = [path[0].0, path[path.len() - 1].0];
    fig.series.push(
        Series::line(
            "zero of the Adam field 0.0432",
            ends.to_vec(),
            vec![closed; 2],
        )
        .styled(Style::Dashed),
    );
    fig.series
        .push(Series::line("minimiser 0.25", ends.to_vec(), vec![0.25; 2]).styled(Style::Dashed));
    rep.files
        .extend(save_figure(&fig, &dir.join("adam_limit"))?);
    Ok(rep)
}
