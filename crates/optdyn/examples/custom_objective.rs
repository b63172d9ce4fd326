//! Implementing `Objective` for your own function and running the torch-exact optimizers on it.
//!
//! `cargo run --release -p optdyn --example custom_objective`

use optdyn::objective::Objective;
use optdyn::optim;
use optdyn::simulate::{run_discrete, RunOptions};

/// `f(x, y) = x⁴/4 + y²/2 − xy` (minima at ±(1, 1)).
struct Quartic;

impl Objective for Quartic {
    fn name(&self) -> String {
        "quartic".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0].powi(4) / 4.0 + x[1] * x[1] / 2.0 - x[0] * x[1]
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g[0] = x[0].powi(3) - x[1];
        g[1] = x[1] - x[0];
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        out[0] = 3.0 * x[0] * x[0] * v[0] - v[1];
        out[1] = v[1] - v[0];
    }
}

fn main() -> optdyn::Result<()> {
    for spec in ["sgd:lr=0.05,momentum=0.9", "adam:lr=0.05", "lion:lr=0.01"] {
        let opt = optim::parse(spec)?;
        let o = RunOptions {
            steps: 2000,
            every: 2000,
            ..RunOptions::default()
        };
        let tr = run_discrete(&Quartic, opt.as_ref(), &[0.3, -0.2], &o);
        let last = tr.last().expect("two rows");
        println!("{spec:<28} x = ({:+.6}, {:+.6}), f = {:.3e}, {}", last[4], last[5], last[2], tr.stop);
    }
    Ok(())
}
