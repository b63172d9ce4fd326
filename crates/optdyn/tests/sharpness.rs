//! Sharpness along runs: the dense and Lanczos eigen-solvers against closed forms and each
//! other, the sharpness and preconditioned-sharpness columns of a run, and their errors.

use optdyn::analysis::sharpness::{threshold, Preconditioner, Sharpness};
use optdyn::objective::builtin::{Quadratic, Rosenbrock};
use optdyn::objective::{self, Objective};
use optdyn::optim::{self, Adam, Sgd};
use optdyn::run::{Problem, Run};
use optdyn::symeig::{dense, Hessian, Lanczos, Method};
use std::sync::Arc;

/// Eigenvalues of the symmetric 2×2 matrix `[[a, b], [b, c]]`, larger first.
fn eig2(a: f64, b: f64, c: f64) -> [f64; 2] {
    let m = 0.5 * (a + c);
    let r = (0.25 * (a - c) * (a - c) + b * b).sqrt();
    [m + r, m - r]
}

#[test]
fn quadratic_sharpness_is_its_largest_curvatures_with_multiplicity() {
    let d = vec![1.0, 10.0, 3.0, 10.0, 9.5, 0.5, -2.0];
    let f = Quadratic::new(d.clone(), vec![0.0; 7]).unwrap();
    let x = vec![0.3; 7];
    let op = Hessian::new(&f, &x);
    let e = dense(&op, 3);
    assert_eq!(e.values, vec![10.0, 10.0, 9.5]);
    let l = Lanczos::default().top(&op, 3, None).unwrap();
    for (a, b) in l.values.iter().zip([10.0, 10.0, 9.5]) {
        assert!((a - b).abs() < 1e-12, "{:?}", l.values);
    }
    // The eigenvector of 9.5 is e_4.
    assert!((dense(&op, 3).vector(2)[4] - 1.0).abs() < 1e-15);
}

#[test]
fn rosenbrock_sharpness_at_known_points() {
    // ∇²f(x, y) = [[1200x² − 400y + 2, −400x], [−400x, 200]] (a = 1, b = 100).
    let f = Rosenbrock::standard(2).unwrap();
    for (x, y) in [(1.0, 1.0), (-1.2, 1.0), (0.5, -0.25)] {
        let want = eig2(1200.0 * x * x - 400.0 * y + 2.0, -400.0 * x, 200.0);
        let p = [x, y];
        let e = dense(&Hessian::new(&f, &p), 2);
        for i in 0..2 {
            assert!(
                (e.values[i] - want[i]).abs() <= 1e-12 * want[0].abs(),
                "at ({x}, {y}): {:?} vs {want:?}",
                e.values
            );
        }
    }
    // At the minimum: 501 ± √250601.
    let e = dense(&Hessian::new(&f, &[1.0, 1.0]), 1);
    assert!((e.values[0] - (501.0 + 250601f64.sqrt())).abs() < 1e-10);
}

#[test]
fn lanczos_equals_dense_on_a_50_dimensional_problem() {
    let f = Rosenbrock::standard(50).unwrap();
    let x: Vec<f64> = (0..50).map(|i| 0.8 * (0.37 * i as f64).sin()).collect();
    let op = Hessian::new(&f, &x);
    let d = dense(&op, 4);
    let l = Lanczos::default().top(&op, 4, None).unwrap();
    for i in 0..4 {
        let rel = (d.values[i] - l.values[i]).abs() / d.values[0];
        assert!(
            rel < 1e-8,
            "eigenvalue {i}: {} vs {} ({rel:e})",
            d.values[i],
            l.values[i]
        );
        let c: f64 = d
            .vector(i)
            .iter()
            .zip(l.vector(i))
            .map(|(a, b)| a * b)
            .sum();
        assert!(
            (c.abs() - 1.0).abs() < 1e-8,
            "eigenvector {i}: |cos| = {}",
            c.abs()
        );
    }
    eprintln!("lanczos products {} vs dense {}", l.products, d.products);
    // A thick-restarted run with a small basis agrees too.
    let small = Lanczos {
        max_basis: 24,
        ..Lanczos::default()
    };
    let r = small.top(&op, 4, None).unwrap();
    for i in 0..4 {
        assert!((d.values[i] - r.values[i]).abs() < 1e-8 * d.values[0]);
    }
    // A warm start from the eigenvectors at a nearby point needs fewer products.
    let y: Vec<f64> = x.iter().map(|v| v + 1e-3).collect();
    let opy = Hessian::new(&f, &y);
    let cold = Lanczos::default().top(&opy, 4, None).unwrap();
    let warm = Lanczos::default().top(&opy, 4, Some(&l.vectors)).unwrap();
    assert!((cold.values[0] - warm.values[0]).abs() < 1e-8 * cold.values[0]);
    assert!(
        warm.products < cold.products,
        "warm {} cold {}",
        warm.products,
        cold.products
    );
}

#[test]
fn sharpness_columns_of_discrete_and_model_runs() {
    // Rosenbrock from (−1.2, 1): the sharpness column equals the dense eigenvalue at each
    // recorded x, through both the Lanczos and the dense path.
    let problem = Problem::parse("rosenbrock", vec![-1.2, 1.0]).unwrap();
    let f = problem.objective().clone();
    let adam = Adam::default().lr(1e-3);
    for method in [Method::Dense, Method::Lanczos(Lanczos::default())] {
        let sharp = Sharpness::new(f.clone(), 2).method(method).vectors(true);
        let tr = Run::discrete(&problem, &adam)
            .steps(50)
            .every(10)
            .measure(&sharp)
            .trajectory()
            .unwrap();
        assert_eq!(
            &tr.columns()[6..],
            [
                "sharp0",
                "sharp1",
                "sharp0_u0",
                "sharp0_u1",
                "sharp1_u0",
                "sharp1_u1"
            ]
        );
        for i in 0..tr.len() {
            let [a, b] = [tr.x(i)[0], tr.x(i)[1]];
            let want = eig2(1200.0 * a * a - 400.0 * b + 2.0, -400.0 * a, 200.0);
            let got = tr.measured(i);
            assert!(
                (got[0] - want[0]).abs() < 1e-9 * want[0],
                "{got:?} {want:?}"
            );
            assert!(
                (got[1] - want[1]).abs() < 1e-9 * want[0],
                "{got:?} {want:?}"
            );
        }
    }
    // A model run is measured at its own samples.
    let m = optdyn::model::parse("adam-ide1", &adam, f.clone()).unwrap();
    let sharp = Sharpness::new(f.clone(), 1);
    let tr = Run::model(&problem, m.as_ref(), 1e-3)
        .steps(20)
        .measure(&sharp)
        .trajectory()
        .unwrap();
    let h = f.hessian(tr.x(20));
    let want = eig2(h[0], h[1], h[3])[0];
    assert!((tr.measured(20)[0] - want).abs() < 1e-9 * want);
}

#[test]
fn preconditioned_sharpness_of_adam_on_a_diagonal_quadratic() {
    // H = diag(d) and P diagonal: λ_max(P⁻¹H) = max_i d_i / P_i, with P rebuilt here from the
    // recorded v_k and gradient as torch's step from x_k uses it.
    let d = [4.0, 1.0, 0.25];
    let problem = Problem::new(
        Quadratic::new(d.to_vec(), vec![0.0; 3]).unwrap(),
        vec![1.0, -2.0, 3.0],
    )
    .unwrap();
    let adam = Adam::default().lr(0.05).betas(0.8, 0.95);
    let pre = Preconditioner::of(&adam).unwrap();
    let sharp = Sharpness::new(problem.objective().clone(), 1).preconditioned(pre);
    let tr = Run::discrete(&problem, &adam)
        .steps(40)
        .measure(&sharp)
        .trajectory()
        .unwrap();
    assert_eq!(tr.columns().last().unwrap(), "psharp0");
    for i in 0..tr.len() {
        let k = tr.step(i) as f64;
        let v = tr.block(i, "v").unwrap();
        let want = (0..3)
            .map(|j| {
                let g = d[j] * tr.x(i)[j];
                let vn = 0.95 * v[j] + 0.05 * g * g;
                let p = (1.0 - 0.8f64.powf(k + 1.0))
                    * ((vn / (1.0 - 0.95f64.powf(k + 1.0))).sqrt() + 1e-8);
                d[j] / p
            })
            .fold(f64::MIN, f64::max);
        let got = tr.measured(i)[1];
        assert!(
            (got - want).abs() < 1e-10 * want,
            "step {k}: {got} vs {want}"
        );
    }
}

#[test]
fn adam_on_a_quadratic_self_stabilises_at_its_preconditioned_threshold() {
    // As Adam converges, v decays and P⁻¹H grows; once it passes (2 + 2β₁)/((1 − β₁)·lr) the
    // iterate oscillates and grows until the gradient feeds v again, which throws P⁻¹H back
    // down: a sawtooth whose peaks sit just above the threshold (Cohen et al. 2022, §3, the
    // "self-stabilisation" of Adam). Measured over the last 2000 of 20000 steps.
    let problem = Problem::parse("quadratic:diag=1", vec![1.0]).unwrap();
    let adam = Adam::default().lr(0.01);
    let th = threshold(&adam).unwrap();
    assert!(th.preconditioned && (th.value - 3800.0).abs() < 1e-9);
    let sharp = Sharpness::new(problem.objective().clone(), 1)
        .preconditioned(Preconditioner::of(&adam).unwrap());
    let tr = Run::discrete(&problem, &adam)
        .steps(20_000)
        .every(10)
        .measure(&sharp)
        .trajectory()
        .unwrap();
    let ps = tr.measured_series("psharp0").unwrap();
    let tail = &ps[ps.len() - 200..];
    let peak = tail.iter().copied().fold(f64::MIN, f64::max) / th.value;
    let low = tail.iter().copied().fold(f64::MAX, f64::min) / th.value;
    eprintln!("psharp / threshold over the tail: peak {peak}, low {low}");
    assert!(peak > 1.0 && peak < 1.1, "peak ratio {peak}");
    assert!(low > 0.7, "low ratio {low}");
}

#[test]
fn thresholds_follow_the_linear_stability_of_each_method() {
    let t = |spec: &str| {
        threshold(optim::parse(spec).unwrap().as_ref())
            .unwrap()
            .value
    };
    assert_eq!(t("sgd:lr=0.1"), 20.0);
    assert!((t("sgd:lr=0.1,momentum=0.9") - 38.0).abs() < 1e-12);
    assert!((t("sgd:lr=0.1,momentum=0.5,nesterov=true") - 15.0).abs() < 1e-12);
    assert!((t("adam:lr=0.01") - 3800.0).abs() < 1e-9);
    assert_eq!(t("adagrad:lr=0.5"), 4.0);
    // The heavy-ball bound is sharp: GD with momentum on a·x²/2 is stable just below it and
    // unstable just above.
    for (a, stable) in [(37.9, true), (38.1, false)] {
        let p = Problem::parse(&format!("quadratic:diag={a}"), vec![1.0]).unwrap();
        let sgd = Sgd::default().lr(0.1).momentum(0.9);
        let tr = Run::discrete(&p, &sgd)
            .steps(20_000)
            .every(20_000)
            .trajectory()
            .unwrap();
        let x = tr.last_x().unwrap()[0].abs();
        assert_eq!(x < 1.0, stable, "a = {a}: |x| = {x}");
    }
}

#[test]
fn bad_requests_are_one_line_errors() {
    let problem = Problem::parse("rosen1d:c=4", vec![0.5]).unwrap();
    let f: Arc<dyn Objective> = problem.objective().clone();
    let gd = Sgd::default().lr(0.01);
    let err = |r: optdyn::Result<optdyn::trajectory::Trajectory>| r.unwrap_err().to_string();
    let e = err(Run::discrete(&problem, &gd)
        .steps(3)
        .measure(&Sharpness::new(f.clone(), 2))
        .trajectory());
    assert_eq!(
        e,
        "sharpness: K must be in 1..=1 (the dimension of x), got 2"
    );
    let e = Preconditioner::of(&gd).unwrap_err().to_string();
    assert!(
        e.contains("defined for adam, adamw, rmsprop, adagrad and scalar-rmsprop, not 'sgd'"),
        "{e}"
    );
    let adam = Adam::default();
    let m = optdyn::model::parse("adam-ide1", &adam, f.clone()).unwrap();
    let psharp = Sharpness::new(f.clone(), 1).preconditioned(Preconditioner::of(&adam).unwrap());
    let e = err(Run::model(&problem, m.as_ref(), adam.lr)
        .steps(3)
        .measure(&psharp)
        .trajectory());
    assert!(
        e.contains("needs the optimizer's buffers, so a discrete run"),
        "{e}"
    );
    let obj2 = objective::parse("rosenbrock", 2).unwrap();
    let e = err(Run::discrete(&problem, &gd)
        .steps(3)
        .measure(&Sharpness::new(Arc::from(obj2), 1))
        .trajectory());
    assert!(e.contains("has dimension 2 but the run has 1"), "{e}");
}

#[test]
fn lanczos_equals_dense_on_an_mlp_with_finite_difference_products() {
    // The MLP's Hessian-vector products are central differences of its gradients (symmetric
    // only to ~1e-9), and Adam's preconditioner spreads the scales of the operator by orders of
    // magnitude late in training: the Lanczos path stops at the operator's own noise floor and
    // still agrees with the dense path.
    let spec = "mlp:data=spirals,widths=2;16;16;1,loss=mse,n=200";
    let mlp =
        optdyn::objective::data::build_mlp(&optdyn::spec::Spec::parse(spec).unwrap(), 0).unwrap();
    let x0 = mlp.init_params(0);
    let problem = Problem::shared(Arc::new(mlp), x0).unwrap();
    let adam = Adam::default().lr(0.01);
    let measured = |method: Method| {
        let sharp = Sharpness::for_discrete(problem.objective().clone(), 2, &adam).method(method);
        let tr = Run::discrete(&problem, &adam)
            .steps(2200)
            .every(2200)
            .measure(&sharp)
            .trajectory()
            .unwrap();
        assert!(tr.stop.is_ok(), "{}", tr.stop);
        tr.measured(1).to_vec()
    };
    let d = measured(Method::Dense);
    let l = measured(Method::Lanczos(Lanczos::default()));
    eprintln!("dense {d:?}\nlanczos {l:?}");
    for i in 0..4 {
        assert!(
            (d[i] - l[i]).abs() < 1e-6 * d[i].abs(),
            "column {i}: {} vs {}",
            d[i],
            l[i]
        );
    }
}
