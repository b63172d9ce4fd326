//! Your own objective, two ways: a type implementing [`Objective`] with an exact Hessian-vector
//! product, and a closure ([`FnObjective`]) whose Hessian-vector product is a central difference
//! of its gradient. Both are run by the torch-exact optimizers and by a continuous model that
//! needs curvature (the modified flow), on the one run engine.
//!
//! `cargo run --release -p optdyn --example own_objective`

use optdyn::analysis::compare::compare;
use optdyn::model::{FirstOrderFlow, ModelSpec};
use optdyn::objective::{FnObjective, Objective};
use optdyn::optim::{Adam, Lion, Optimizer, Sgd};
use optdyn::run::{Problem, Run};

/// `f(x, y) = x⁴/4 + y²/2 − xy`: minima at ±(1, 1), a saddle at the origin.
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
    fn min_value(&self) -> Option<f64> {
        Some(-0.25)
    }
}

/// The same function as a closure (no Hessian-vector product given).
fn quartic_closure() -> FnObjective {
    FnObjective::new(2, |x, g| {
        g[0] = x[0].powi(3) - x[1];
        g[1] = x[1] - x[0];
        x[0].powi(4) / 4.0 + x[1] * x[1] / 2.0 - x[0] * x[1]
    })
    .named("quartic (closure)")
}

fn main() -> optdyn::Result<()> {
    // 1. The central-difference HVP of the closure against the exact one.
    let closure = quartic_closure();
    let (x, v) = ([0.7, -0.4], [0.3, 1.1]);
    let (mut exact, mut approx) = ([0.0; 2], [0.0; 2]);
    Quartic.hvp(&x, &v, &mut exact);
    closure.hvp(&x, &v, &mut approx);
    let hvp_err = (exact[0] - approx[0])
        .abs()
        .max((exact[1] - approx[1]).abs());
    println!("central-difference HVP error: {hvp_err:.2e}");
    assert!(hvp_err < 1e-8, "hvp error {hvp_err}");

    // 2. Optimizers on both forms give identical iterates.
    let typed = Problem::new(Quartic, vec![0.3, -0.2])?;
    let by_closure = Problem::new(closure, vec![0.3, -0.2])?;
    let optimizers: [Box<dyn Optimizer<f64>>; 3] = [
        Box::new(Sgd::default().lr(0.05).momentum(0.9)),
        Box::new(Adam::default().lr(0.05)),
        Box::new(Lion::default().lr(0.01)),
    ];
    for opt in &optimizers {
        let a = Run::discrete(&typed, opt.as_ref())
            .steps(2000)
            .trajectory()?;
        let b = Run::discrete(&by_closure, opt.as_ref())
            .steps(2000)
            .trajectory()?;
        let end = a.last_x().expect("samples");
        println!(
            "{:<6} x = ({:+.6}, {:+.6}), f = {:+.6}, {}",
            opt.name(),
            end[0],
            end[1],
            a.loss(a.len() - 1),
            a.stop
        );
        assert_eq!(
            a.xs(),
            b.xs(),
            "{}: closure and trait impl differ",
            opt.name()
        );
        assert!((end[0] - 1.0).abs() < 1e-2 && (end[1] - 1.0).abs() < 1e-2);
    }

    // 3. A curvature model: GD vs the modified flow θ' = −∇(f + (lr/4)‖∇f‖²) uses the HVP; the
    //    closure's central difference gives the same gap as the exact product to 1e-9.
    let sgd = Sgd::default().lr(0.01);
    let flow = ModelSpec::parse("modified-flow")?;
    let gap = |p: &Problem| -> optdyn::Result<f64> {
        Ok(compare(p, &sgd, &[&flow], None, 500, 500)?.models[0].e_t)
    };
    let (g_typed, g_closure) = (gap(&typed)?, gap(&by_closure)?);
    println!("GD vs modified flow at T = 5: gap {g_typed:.4e} (exact HVP), {g_closure:.4e} (central difference)");
    assert!(g_typed < 1e-4 && (g_typed - g_closure).abs() < 1e-9);
    // The modified flow is O(lr²) from GD; the plain gradient flow only O(lr).
    let plain = FirstOrderFlow::gradient(&sgd, typed.objective().clone())?;
    let tr = Run::model(&typed, &plain, sgd.lr)
        .steps(500)
        .every(500)
        .trajectory()?;
    let gd = Run::discrete(&typed, &sgd)
        .steps(500)
        .every(500)
        .trajectory()?;
    let g_plain = (tr.x(1)[0] - gd.x(1)[0]).hypot(tr.x(1)[1] - gd.x(1)[1]);
    println!("GD vs gradient flow at T = 5: gap {g_plain:.4e}");
    assert!(g_plain > 10.0 * g_typed);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs_and_its_checks_hold() {
        super::main().unwrap();
    }
}
