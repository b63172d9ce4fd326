//! Your own optimizer and your own continuous model of it, side by side on one clock.
//!
//! The optimizer is soft-normalised gradient descent, `x ← x − lr·g/√(1 + ‖g‖²)` (implement
//! [`Optimizer`]); its model is the flow `θ' = −∇f/√(1 + ‖∇f‖²)` (implement [`OdeSystem`] and
//! [`Model`]), of which the optimizer is the explicit Euler scheme with step `lr`, so the gap at
//! a fixed horizon is `O(lr)`. `compare` puts them on the clock `t_k = k·lr`; `converge` varies
//! the learning rate through [`Optimizer::with_lr`], rebuilds the model through its factory and
//! fits the order.
//!
//! `cargo run --release -p optdyn --example own_optimizer_and_model`

use optdyn::analysis::compare::compare;
use optdyn::analysis::converge::converge;
use optdyn::block::Block;
use optdyn::integrate::OdeSystem;
use optdyn::model::{Model, ModelFactory};
use optdyn::objective::builtin::Rosenbrock;
use optdyn::objective::Objective;
use optdyn::optim::{Optimizer, State};
use optdyn::run::Problem;
use optdyn::Result;
use std::sync::Arc;

/// `x ← x − lr·g/√(1 + ‖g‖²)`.
#[derive(Debug, Clone)]
struct SoftNormGd {
    lr: f64,
}

impl Optimizer<f64> for SoftNormGd {
    fn name(&self) -> &'static str {
        "soft-norm-gd"
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn slot_names(&self) -> &'static [&'static str] {
        &[]
    }
    fn init(&self, n: usize) -> State<f64> {
        State::zeros(n, 0, 0)
    }
    fn step(&self, state: &mut State<f64>, x: &mut [f64], g: &[f64]) {
        let scale = self.lr / (1.0 + g.iter().map(|v| v * v).sum::<f64>()).sqrt();
        for (xi, gi) in x.iter_mut().zip(g) {
            *xi -= scale * gi;
        }
        state.step += 1;
    }
    fn with_lr(&self, lr: f64) -> Result<Box<dyn Optimizer<f64>>> {
        Ok(Box::new(SoftNormGd { lr }))
    }
}

/// `θ' = −∇f/√(1 + ‖∇f‖²)`.
struct SoftNormFlow {
    obj: Arc<dyn Objective>,
}

impl OdeSystem for SoftNormFlow {
    fn dim(&self) -> usize {
        self.obj.dim()
    }
    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        self.obj.gradient(z, dz);
        let scale = 1.0 / (1.0 + dz.iter().map(|v| v * v).sum::<f64>()).sqrt();
        dz.iter_mut().for_each(|d| *d *= -scale);
    }
}

impl Model for SoftNormFlow {
    fn name(&self) -> String {
        "soft-norm-flow".into()
    }
    fn n(&self) -> usize {
        self.obj.dim()
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        x0.to_vec()
    }
    fn blocks(&self) -> Vec<Block> {
        Vec::new()
    }
}

fn main() -> Result<()> {
    let problem = Problem::new(Rosenbrock::standard(2)?, vec![-1.2, 1.0])?;
    let flow = (
        "soft-norm-flow",
        |_opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>| -> Result<Box<dyn Model>> {
            Ok(Box::new(SoftNormFlow { obj }))
        },
    );
    let models: [&dyn ModelFactory; 1] = [&flow];

    let opt = SoftNormGd { lr: 1e-3 };
    let c = compare(&problem, &opt, &models, None, 1000, 100)?;
    for i in 0..c.discrete.len() {
        println!(
            "t = {:.1}: discrete ({:+.6}, {:+.6}), flow ({:+.6}, {:+.6}), gap {:.3e}",
            c.discrete.t(i),
            c.discrete.x(i)[0],
            c.discrete.x(i)[1],
            c.models[0].trajectory.x(i)[0],
            c.models[0].trajectory.x(i)[1],
            c.models[0].gap[i]
        );
    }

    let lrs = [2e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4];
    let conv = converge(&problem, &opt, &models, None, &lrs, 1.0)?;
    let m = &conv.models[0];
    let fit = m.fit_t.as_ref().expect("a fit");
    for (lr, e) in lrs.iter().zip(&m.e_t) {
        println!("lr = {lr:.3e}: E_1 = {e:.4e}");
    }
    println!("fitted order p = {:.4} ± {:.4}", fit.p, fit.p_stderr);
    assert!((fit.p - 1.0).abs() < 0.05, "order {}", fit.p);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs_and_its_checks_hold() {
        super::main().unwrap();
    }
}
