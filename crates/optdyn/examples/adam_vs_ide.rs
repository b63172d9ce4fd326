//! Discrete Adam beside its first- and second-order nonlocal IDEs on `(θ−4)²`, θ0 = 1, lr 0.01,
//! β = (0.9, 0.999): the gap at a few times and the IDE's θ(10) (3.99914138 in the notes).
//!
//! `cargo run --release -p optdyn --example adam_vs_ide`

use optdyn::analysis::compare::compare;
use optdyn::integrate::Dopri5;
use optdyn::model::ModelSpec;
use optdyn::objective::builtin::Quadratic;
use optdyn::optim::Adam;
use optdyn::run::Problem;

fn main() -> optdyn::Result<()> {
    let problem = Problem::new(Quadratic::new(vec![2.0], vec![4.0])?, vec![1.0])?;
    let adam = Adam::default().lr(0.01).betas(0.9, 0.999);
    let models = [
        ModelSpec::parse("adam-ide1")?,
        ModelSpec::parse("adam-ide2:u0=0")?,
    ];
    let c = compare(
        &problem,
        &adam,
        &[&models[0], &models[1]],
        Some(&Dopri5::tol(1e-10, 1e-12)),
        1000,
        100,
    )?;
    println!(
        "{:>6} {:>12} {:>14} {:>14}",
        "t", "discrete θ", "adam-ide1 θ", "adam-ide2 θ"
    );
    for i in 0..c.discrete.len() {
        println!(
            "{:>6.2} {:>12.8} {:>14.8} {:>14.8}",
            c.discrete.t(i),
            c.discrete.x(i)[0],
            c.models[0].trajectory.x(i)[0],
            c.models[1].trajectory.x(i)[0]
        );
    }
    for m in &c.models {
        println!(
            "{}: E_T = {:.3e}, {} rhs evaluations",
            m.model, m.e_t, m.stats.rhs_evals
        );
    }
    let ide = c.models[0].trajectory.last_x().expect("samples")[0];
    assert!((ide - 3.99914138).abs() < 2e-8, "adam-ide1 θ(10) = {ide}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs_and_its_checks_hold() {
        super::main().unwrap();
    }
}
