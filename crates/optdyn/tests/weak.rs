//! Weak convergence of SGD to its SMEs (analysis::weak): the case
//! `quadratic:diag=2,grad_noise=0.5`, x0 = 1, T = 1, lr 0.04…0.005, `--weak x2 --moments exact`
//! gives orders ≈ 1 (sgd-sme1) and ≈ 2 (sgd-sme2); the exact moments of a non-diagonal quadratic
//! (full-batch least squares with stated noise, read off the objective) match Monte Carlo
//! ensembles of SGD and of the SMEs; Monte Carlo weak errors agree with the exact ones within
//! their error bars; bad input is refused.

use optdyn::analysis::moments::{Functional, QuadraticGaussian};
use optdyn::analysis::weak::{weak_converge, WeakMethod};
use optdyn::model::{parse_sde, SmeOrder};
use optdyn::optim::Sgd;
use optdyn::run::{Ensemble, Problem, Run};

const LRS: [f64; 4] = [0.04, 0.02, 0.01, 0.005];

fn models() -> Vec<String> {
    vec!["sgd-sme1".into(), "sgd-sme2".into()]
}

#[test]
fn exact_moments_give_orders_one_and_two() {
    let p = Problem::parse("quadratic:diag=2,grad_noise=0.5", vec![1.0]).unwrap();
    let c = weak_converge(
        &p,
        &Sgd::default(),
        &models(),
        None,
        &LRS,
        1.0,
        Functional::X2,
        WeakMethod::Exact,
    )
    .unwrap();
    assert_eq!(c.method, "exact");
    let orders: Vec<f64> = c.models.iter().map(|m| m.fit.unwrap().p).collect();
    eprintln!("x2 exact orders {orders:?}");
    assert!((orders[0] - 1.0).abs() < 0.1, "{orders:?}");
    assert!((orders[1] - 2.0).abs() < 0.2, "{orders:?}");
    // A held-out linear-Gaussian case: three coordinates, a centre and per-coordinate noise.
    let p = Problem::parse(
        "quadratic:diag=1;3;0.5,center=0.2;-1;0.5,grad_noise_diag=0.3;0.1;0.6",
        vec![1.0, 0.5, -2.0],
    )
    .unwrap();
    for f in [Functional::X, Functional::X2, Functional::Loss] {
        let c = weak_converge(
            &p,
            &Sgd::default(),
            &models(),
            None,
            &LRS,
            2.0,
            f,
            WeakMethod::Exact,
        )
        .unwrap();
        let o: Vec<f64> = c.models.iter().map(|m| m.fit.unwrap().p).collect();
        eprintln!("{f:?} exact orders {o:?}");
        assert!(
            (o[0] - 1.0).abs() < 0.15 && (o[1] - 2.0).abs() < 0.25,
            "{f:?}: {o:?}"
        );
    }
}

/// Full-batch least squares is a quadratic with a non-diagonal Hessian: its exact moments (in
/// the eigenbasis) against 20000-path ensembles of SGD and of both SMEs, within 4 standard
/// errors plus the SME solver's bias.
#[test]
fn exact_moments_of_a_non_diagonal_quadratic_match_the_ensembles() {
    let spec = "lsq:n=30,dim=2,noise=0.3,grad_noise=0.4";
    let x0 = vec![0.8, -0.6];
    let p = Problem::parse(spec, x0.clone()).unwrap();
    let q = QuadraticGaussian::of(p.objective().as_ref(), &x0, 0.0).unwrap();
    let (lr, steps) = (0.05, 20u64);
    let sgd = Sgd::default().lr(lr);
    let ens = Ensemble::new(20_000, 2);
    let d = Run::discrete(&p, &sgd)
        .steps(steps)
        .every(steps)
        .ensemble(&ens)
        .unwrap();
    let x2 = |r: &[f64]| r[0] * r[0] + r[1] * r[1];
    let loss = |r: &[f64]| r[2];
    // The exact weak error of each SME against the Monte Carlo difference of the ensembles.
    for (name, order) in [
        ("sgd-sme1", SmeOrder::First),
        ("sgd-sme2", SmeOrder::Second),
    ] {
        let model = parse_sde(name, &sgd, p.objective().clone()).unwrap();
        let m = Run::sde(&p, model.as_ref())
            .steps(steps)
            .every(steps)
            .ensemble(&ens)
            .unwrap();
        for (f, func) in [
            (Functional::X2, &x2 as &dyn Fn(&[f64]) -> f64),
            (Functional::Loss, &loss),
        ] {
            let exact = q.weak_error(lr, steps as f64 * lr, order, f).unwrap();
            let (a, sa) = d.expect(1, func).unwrap();
            let (b, sb) = m.expect(1, func).unwrap();
            let mc = (a - b).abs();
            eprintln!(
                "{name} {f:?}: exact {exact:.3e}, Monte Carlo {mc:.3e} ± {:.1e}",
                sa.hypot(sb)
            );
            assert!(
                (mc - exact).abs() < 4.0 * sa.hypot(sb) + 1e-4,
                "{name} {f:?}: {mc} vs {exact}"
            );
        }
    }
}

#[test]
fn monte_carlo_weak_errors_agree_with_the_exact_ones() {
    let p = Problem::parse("quadratic:diag=2,grad_noise=0.5", vec![1.0]).unwrap();
    let lrs = [0.08, 0.04];
    let exact = weak_converge(
        &p,
        &Sgd::default(),
        &models(),
        None,
        &lrs,
        1.0,
        Functional::X,
        WeakMethod::Exact,
    )
    .unwrap();
    let mc = weak_converge(
        &p,
        &Sgd::default(),
        &models(),
        None,
        &lrs,
        1.0,
        Functional::X,
        WeakMethod::MonteCarlo(Ensemble::new(8000, 4)),
    )
    .unwrap();
    assert_eq!(mc.method, "monte-carlo");
    assert_eq!(mc.paths, Some(8000));
    for (e, m) in exact.models.iter().zip(&mc.models) {
        for (i, lr) in lrs.iter().enumerate() {
            let (x, y, se) = (e.error[i], m.error[i], m.stderr[i]);
            eprintln!(
                "{} lr {}: exact {x:.3e}, Monte Carlo {y:.3e} ± {se:.1e}",
                e.model, lr
            );
            // The error of |mean difference| is within 4 standard errors (plus the SME solver's
            // O((lr/10)²) bias).
            assert!(
                (x - y).abs() < 4.0 * se + 1e-5,
                "{}: {x} vs {y} ± {se}",
                e.model
            );
        }
    }
    // sgd-sme1's error is resolved at both rates.
    assert!(mc.models[0].resolved.iter().all(|r| *r));
}

#[test]
fn bad_weak_studies_are_one_line_errors() {
    let p = Problem::parse("quadratic:diag=2,grad_noise=0.5", vec![1.0]).unwrap();
    let run = |opt: &Sgd, models: &[String], method: WeakMethod, lrs: &[f64]| {
        weak_converge(&p, opt, models, None, lrs, 1.0, Functional::X, method)
            .unwrap_err()
            .to_string()
    };
    let sgd = Sgd::default();
    assert!(run(&sgd, &models(), WeakMethod::Exact, &[0.1]).contains("two learning rates"));
    assert!(run(&sgd, &[], WeakMethod::Exact, &LRS).contains("at least one"));
    assert!(run(
        &sgd.clone().momentum(0.9),
        &models(),
        WeakMethod::Exact,
        &LRS
    )
    .contains("momentum"));
    assert!(run(
        &sgd,
        &models(),
        WeakMethod::MonteCarlo(Ensemble::new(1, 0)),
        &LRS
    )
    .contains(">= 2"));
    let e = run(&sgd, &["adam-sde".into()], WeakMethod::Exact, &LRS);
    assert!(e.contains("sgd-sme1 and sgd-sme2"), "{e}");
    let rosen = Problem::parse("rosenbrock:grad_noise=0.1", vec![0.0, 0.0]).unwrap();
    let e = weak_converge(
        &rosen,
        &sgd,
        &models(),
        None,
        &LRS,
        1.0,
        Functional::X,
        WeakMethod::Exact,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("not affine") || e.contains("not constant"),
        "{e}"
    );
    let batch = Problem::parse("lsq:n=30,dim=2,batch=5", vec![0.0, 0.0]).unwrap();
    let e = weak_converge(
        &batch,
        &sgd,
        &models(),
        None,
        &LRS,
        1.0,
        Functional::X,
        WeakMethod::Exact,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("minibatch"), "{e}");
}
