//! Ensembles through the run engine: discrete SGD with stated gradient noise and the SMEs as
//! stochastic model runs on `quadratic:diag=2,grad_noise=0.5` from x0 = 1 match the exact
//! moments (analysis::moments) within 4 standard errors; an ensemble path is bit-identical to
//! the single run with the same draws and the ensemble to itself at one and two threads; paths
//! that diverge are reported and the rest kept; bad input is a one-line error.

use optdyn::analysis::moments::LinearGaussian;
use optdyn::integrate::sde::{SdeScheme, SdeSolver};
use optdyn::model::{parse_sde, SmeOrder};
use optdyn::optim::Sgd;
use optdyn::run::{Draws, Ensemble, Problem, Run};
use optdyn::stop::StopReason;

const SPEC: &str = "quadratic:diag=2,grad_noise=0.5";

fn exact() -> LinearGaussian {
    LinearGaussian::new(vec![2.0], vec![0.5], vec![1.0]).unwrap()
}

/// Within 4 standard errors plus `bias` (a scheme's discretisation error).
fn within_bias(what: &str, (m, se): (f64, f64), want: f64, bias: f64) {
    assert!(
        (m - want).abs() < 4.0 * se + bias,
        "{what}: {m} ± {se} vs exact {want}"
    );
}

fn within(what: &str, got: (f64, f64), want: f64) {
    within_bias(what, got, want, 0.0)
}

#[test]
fn discrete_and_sme_ensembles_have_the_exact_moments() {
    let p = Problem::parse(SPEC, vec![1.0]).unwrap();
    let lr = 0.05;
    let steps = 20;
    let sgd = Sgd::default().lr(lr);
    let ens = Ensemble::new(4000, 11);
    let d = Run::discrete(&p, &sgd)
        .steps(steps)
        .every(5)
        .ensemble(&ens)
        .unwrap();
    assert_eq!(d.steps(), &[0, 5, 10, 15, 20]);
    assert_eq!(d.times()[4], 20.0 * lr);
    let last = d.steps().len() - 1;
    let m = exact().sgd(lr, steps);
    within("sgd E x", d.expect(last, |r| r[0]).unwrap(), m.mean[0]);
    within(
        "sgd E x2",
        d.expect(last, |r| r[0] * r[0]).unwrap(),
        m.second[0],
    );
    assert_eq!(d.alive(last), 4000);
    assert!(d.stopped().is_empty());
    for (name, order) in [
        ("sgd-sme1", SmeOrder::First),
        ("sgd-sme2", SmeOrder::Second),
    ] {
        let model = parse_sde(name, &sgd, p.objective().clone()).unwrap();
        let run = Run::sde(&p, model.as_ref()).steps(steps);
        let e = run.ensemble(&ens.antithetic(true)).unwrap();
        let want = exact().sme(lr, steps as f64 * lr, order);
        // The default solver for additive noise is weak2 with 10 substeps: its bias is
        // O((lr/10)²) (4.5e-6 on E x here). Antithetic pairs cancel the sampling error of the
        // mean of this linear SDE exactly (se ~ 1e-17), so the bias is all that is left.
        within_bias(
            &format!("{name} E x"),
            e.expect(last_of(&e), |r| r[0]).unwrap(),
            want.mean[0],
            1e-5,
        );
        within_bias(
            &format!("{name} E x2"),
            e.expect(last_of(&e), |r| r[0] * r[0]).unwrap(),
            want.second[0],
            1e-5,
        );
        // Quantiles bracket the mean; the median of a Gaussian is its mean.
        let (q1, q9) = (
            e.quantile(last_of(&e), 0, 0.1).unwrap(),
            e.quantile(last_of(&e), 0, 0.9).unwrap(),
        );
        assert!(q1 < want.mean[0] && want.mean[0] < q9, "{q1} {q9}");
    }
}

fn last_of(e: &optdyn::run::EnsembleResult) -> usize {
    e.steps().len() - 1
}

#[test]
fn paths_are_the_single_runs_and_do_not_depend_on_threads() {
    let p = Problem::parse(SPEC, vec![1.0]).unwrap();
    let sgd = Sgd::default().lr(0.1);
    let model = parse_sde("sgd-sme1", &sgd, p.objective().clone()).unwrap();
    let runs = [
        Run::discrete(&p, &sgd).steps(30),
        Run::sde(&p, model.as_ref())
            .steps(30)
            .sde_solver(SdeSolver::new(SdeScheme::EulerMaruyama, 3)),
    ];
    for run in runs {
        let ens = Ensemble::new(16, 5);
        let all = run.ensemble(&ens).unwrap();
        let single = run
            .clone()
            .draws(Draws {
                seed: 5,
                path: 9,
                antithetic: false,
            })
            .trajectory()
            .unwrap();
        for s in 0..=30 {
            assert_eq!(all.row(9, s)[0].to_bits(), single.x(s)[0].to_bits());
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| run.ensemble(&ens).unwrap());
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| run.ensemble(&ens).unwrap());
        for path in 0..16 {
            assert_eq!(one.row(path, 30), two.row(path, 30));
        }
        // Another seed, other draws.
        let other = run.ensemble(&Ensemble::new(16, 6)).unwrap();
        assert_ne!(other.row(0, 30), all.row(0, 30));
    }
}

#[test]
fn diverging_paths_are_reported_and_the_rest_kept() {
    // Noise of stationary spread ≈ 1.4 and a bound of 3 on |x|: some paths leave [-3, 3]
    // within 50 steps and stop there.
    let p = Problem::parse("quadratic:diag=1,grad_noise=6", vec![0.0]).unwrap();
    let sgd = Sgd::default().lr(0.1);
    let r = Run::discrete(&p, &sgd)
        .steps(50)
        .max_abs(3.0)
        .ensemble(&Ensemble::new(200, 1))
        .unwrap();
    let stopped = r.stopped();
    assert!(
        !stopped.is_empty() && stopped.len() < 200,
        "{}",
        stopped.len()
    );
    for (path, why) in &stopped {
        let StopReason::Diverged { step, .. } = why else {
            panic!("path {path}: {why}")
        };
        // The path has samples before the step where it stopped, none from it on.
        assert!(r.row(*path, *step as usize)[0].is_nan());
        if *step > 0 {
            assert!(r.row(*path, *step as usize - 1)[0].abs() <= 3.0);
        }
    }
    assert_eq!(r.alive(50), 200 - stopped.len());
    let (header, rows) = r.bands(&[0.05, 0.5, 0.95]).unwrap();
    assert_eq!(header[..4], ["step", "t", "paths", "mean_x0"]);
    assert_eq!(header.len(), 3 + 2 * (2 + 3));
    assert_eq!(rows[50][2], (200 - stopped.len()) as f64);
    assert!(rows[50][3].abs() < 3.0);
}

#[test]
fn bad_ensembles_are_one_line_errors() {
    let p = Problem::parse(SPEC, vec![1.0]).unwrap();
    let sgd = Sgd::default().lr(0.1);
    let run = Run::discrete(&p, &sgd).steps(5);
    let e = |r: optdyn::Result<optdyn::run::EnsembleResult>| r.unwrap_err().to_string();
    assert!(e(run.ensemble(&Ensemble::new(0, 1))).contains("paths must be >= 1"));
    assert!(
        e(run.ensemble(&Ensemble::new(4, 1).antithetic(true))).contains("not to a discrete run")
    );
    let model = parse_sde("sgd-sme1", &sgd, p.objective().clone()).unwrap();
    let sde = Run::sde(&p, model.as_ref()).steps(5);
    assert!(e(sde.ensemble(&Ensemble::new(3, 1).antithetic(true))).contains("must be even"));
    let flow = optdyn::model::parse("gradient-flow", &sgd, p.objective().clone()).unwrap();
    assert!(
        e(Run::model(&p, flow.as_ref(), 0.1).ensemble(&Ensemble::new(4, 1)))
            .contains("deterministic")
    );
    let r = run.ensemble(&Ensemble::new(4, 1)).unwrap();
    assert!(r.bands(&[1.5]).unwrap_err().to_string().contains("[0, 1]"));
    // A stochastic model needs stated noise.
    let exact = Problem::parse("quadratic:diag=2", vec![1.0]).unwrap();
    let err = parse_sde("sgd-sme1", &sgd, exact.objective().clone())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("exact step gradients"), "{err}");
    let err = parse_sde("sgd-sme3", &sgd, p.objective().clone())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("sgd-sme1"), "{err}");
    let err = parse_sde("sgd-sme1:x=1", &sgd, p.objective().clone())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("x"), "{err}");
    assert!(SdeSolver::parse("weak2:substeps=0")
        .unwrap_err()
        .to_string()
        .contains("substeps"));
    assert!(SdeSolver::parse("rk4").is_err());
}

/// A stochastic model run checks the state at every step but evaluates the loss only where a
/// sample is delivered; a sample rejected between deliveries still carries its loss and gradient.
#[test]
fn sde_paths_stop_between_recorded_samples_with_their_loss() {
    use optdyn::run::{Observer, Sample};
    use std::ops::ControlFlow;
    struct Rejected(Option<(u64, f64, f64, Vec<f64>)>);
    impl Observer for Rejected {
        fn observe(&mut self, _: &Sample<'_>) -> ControlFlow<StopReason> {
            ControlFlow::Continue(())
        }
        fn reject(&mut self, s: &Sample<'_>, _: &StopReason) {
            self.0 = Some((s.step, s.x[0], s.loss, s.grad.to_vec()));
        }
    }
    let p = Problem::parse("quadratic:diag=1,grad_noise=6", vec![0.0]).unwrap();
    let sgd = Sgd::default().lr(0.1);
    let model = parse_sde("sgd-sme1", &sgd, p.objective().clone()).unwrap();
    let mut found = false;
    for path in 0..40 {
        let run = Run::sde(&p, model.as_ref())
            .steps(50)
            .every(10)
            .max_abs(3.0)
            .draws(Draws {
                seed: 1,
                path,
                antithetic: false,
            });
        let mut rej = Rejected(None);
        run.execute(&mut [&mut rej]).unwrap();
        if let Some((step, x, loss, grad)) = rej.0 {
            if step % 10 != 0 {
                assert!(x.abs() > 3.0);
                assert_eq!(loss, 0.5 * x * x);
                assert_eq!(grad, [x]);
                found = true;
            }
        }
    }
    assert!(found, "no path stopped between recorded samples");
}
