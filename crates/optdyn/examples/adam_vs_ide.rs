//! Discrete Adam beside its first-order nonlocal IDE on `(θ−4)²`, θ0 = 1, lr 0.01,
//! β = (0.9, 0.999): prints the gap at a few times and the IDE's θ(10) (3.99914138 in the notes).
//!
//! `cargo run --release -p optdyn --example adam_vs_ide`

use optdyn::analysis::compare::{compare, CompareSetup};
use optdyn::objective;
use std::sync::Arc;

fn main() -> optdyn::Result<()> {
    let obj = Arc::from(objective::parse("expr:(x-4)^2", 1)?);
    let c = compare(
        obj,
        &CompareSetup {
            optimizer: "adam:lr=0.01,beta1=0.9,beta2=0.999".into(),
            models: vec!["adam-ide1".into(), "adam-ide2:u0=0".into()],
            integrator: Some("dopri5:rtol=1e-10,atol=1e-12".into()),
            x0: vec![1.0],
            steps: 1000,
            every: 100,
        },
    )?;
    println!("{:>6} {:>12} {:>14} {:>14}", "t", "discrete θ", "adam-ide1 θ", "adam-ide2 θ");
    for i in 0..c.discrete.len() {
        println!(
            "{:>6.2} {:>12.8} {:>14.8} {:>14.8}",
            c.discrete.row(i)[1],
            c.discrete.x(i)[0],
            c.models[0].trajectory.x(i)[0],
            c.models[1].trajectory.x(i)[0]
        );
    }
    for m in &c.models {
        println!("{}: E_T = {:.3e}, {} rhs evaluations", m.model, m.e_t, m.stats.rhs_evals);
    }
    Ok(())
}
