//! SVAG (optim::Svag, experiments::svag): the mixed gradient the engine hands the optimizer has
//! mean ∇f and covariance ℓ²Σ; on the linear-Gaussian problem the SVAG(sgd) ensembles have the
//! exact SVAG moments and converge to the SME's as ℓ grows, the gap shrinking like lr/ℓ²; bad
//! input is a one-line error; the experiment writes its files with one row per ℓ.

use optdyn::analysis::moments::LinearGaussian;
use optdyn::experiments::svag::{self, SvagConfig};
use optdyn::model::SmeOrder;
use optdyn::optim::{self, downcast, Adam, Optimizer, Sgd, Svag, SvagInner};
use optdyn::run::{Ensemble, Problem, Run};

/// Mean, variance and their standard errors of a sample.
fn mean_var(v: &[f64]) -> (f64, f64, f64, f64) {
    let m = v.len() as f64;
    let mean = v.iter().sum::<f64>() / m;
    let d2: Vec<f64> = v.iter().map(|x| (x - mean) * (x - mean)).collect();
    let var = d2.iter().sum::<f64>() / (m - 1.0);
    let var_se = (d2.iter().map(|d| (d - var) * (d - var)).sum::<f64>() / (m * (m - 1.0))).sqrt();
    (mean, (var / m).sqrt(), var, var_se)
}

#[test]
fn the_mixed_gradient_has_mean_grad_f_and_covariance_l2_sigma() {
    // f = x²/2 with additive N(0, σ²) gradient noise, at x0 = 0.7: ∇f = 0.7, Σ = σ².
    let sigma = 0.5;
    let x0 = 0.7;
    let p = Problem::parse(&format!("quadratic:diag=1,grad_noise={sigma}"), vec![x0]).unwrap();
    let lr = 0.1;
    let paths = 20_000;
    for (i, l) in [1.0, 2.5, 8.0].into_iter().enumerate() {
        let svag = Svag::new(Sgd::default().lr(lr), l).unwrap();
        let e = Run::discrete(&p, &svag)
            .steps(1)
            .ensemble(&Ensemble::new(paths, 40 + i as u64))
            .unwrap();
        // x1 = x0 − (lr/ℓ²)·g.
        let step = Optimizer::<f64>::lr(&svag);
        assert!((step - lr / (l * l)).abs() < 1e-15);
        let g: Vec<f64> = (0..paths).map(|q| (x0 - e.row(q, 1)[0]) / step).collect();
        let (mean, mean_se, var, var_se) = mean_var(&g);
        let want = l * l * sigma * sigma;
        assert!(
            (mean - x0).abs() < 4.0 * mean_se,
            "l = {l}: E g = {mean} ± {mean_se}, want {x0}"
        );
        assert!(
            (var - want).abs() < 4.0 * var_se,
            "l = {l}: Var g = {var} ± {var_se}, want ℓ²σ² = {want}"
        );
    }
}

#[test]
fn svag_sgd_converges_to_the_sme_moments_like_lr_over_l2() {
    // f = x², noise σ = 0.5, x0 = 1, lr = 0.2, K = 5 steps: T = 1.
    let (c, sigma, x0, lr, k) = (2.0, 0.5, 1.0, 0.2, 5u64);
    let p = Problem::parse(&format!("quadratic:diag={c},grad_noise={sigma}"), vec![x0]).unwrap();
    let sme = LinearGaussian::new(vec![c], vec![sigma], vec![x0])
        .unwrap()
        .sme(lr, k as f64 * lr, SmeOrder::First);
    let ls = [1.0, 2.0, 4.0, 8.0];
    let paths = 6000;
    // (exact gap, ensemble gap, its standard error) of E x and of E x², per ℓ.
    let mut gaps = Vec::new();
    for (i, &l) in ls.iter().enumerate() {
        let svag = Svag::new(Sgd::default().lr(lr), l).unwrap();
        let steps = svag.steps(k);
        assert_eq!(steps, (l * l) as u64 * k);
        let e = Run::discrete(&p, &svag)
            .steps(steps)
            .every(steps)
            .ensemble(&Ensemble::new(paths, 7 + i as u64))
            .unwrap();
        assert_eq!(e.alive(1), paths);
        // SVAG(ℓ) of SGD is SGD with lr/ℓ² on noise ℓσ: its moments are exact.
        let exact = LinearGaussian::new(vec![c], vec![l * sigma], vec![x0])
            .unwrap()
            .sgd(lr / (l * l), steps);
        let mx = e.expect(1, |r| r[0]).unwrap();
        let mx2 = e.expect(1, |r| r[0] * r[0]).unwrap();
        for (what, (m, se), want) in [("E x", mx, exact.mean[0]), ("E x²", mx2, exact.second[0])] {
            assert!(
                (m - want).abs() < 4.0 * se,
                "l = {l}: {what} = {m} ± {se}, exact SVAG {want}"
            );
        }
        gaps.push([
            (exact.mean[0] - sme.mean[0], mx.0 - sme.mean[0], mx.1),
            (
                exact.second[0] - sme.second[0],
                mx2.0 - sme.second[0],
                mx2.1,
            ),
        ]);
    }
    for f in 0..2 {
        // The exact gap shrinks like lr/ℓ²: slope −2 in log ℓ (fit over ℓ = 2, 4, 8).
        let pts: Vec<(f64, f64)> = (1..4)
            .map(|i| (ls[i].ln(), gaps[i][f].0.abs().ln()))
            .collect();
        let (mx, my) = (
            pts.iter().map(|p| p.0).sum::<f64>() / 3.0,
            pts.iter().map(|p| p.1).sum::<f64>() / 3.0,
        );
        let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
            / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
        assert!(
            (slope + 2.0).abs() < 0.15,
            "moment {f}: exact gap slope {slope}, gaps {:?}",
            gaps.iter().map(|g| g[f].0).collect::<Vec<_>>()
        );
        // The ensembles see it: at ℓ = 1 and 2 the gap is beyond 4 standard errors and
        // decreases beyond the errors; at ℓ = 8 it is within 4 standard errors of 0.
        let (g1, g2, g8) = (gaps[0][f], gaps[1][f], gaps[3][f]);
        assert!(
            g1.1.abs() > 4.0 * g1.2 && g2.1.abs() > 4.0 * g2.2,
            "{gaps:?}"
        );
        assert!(g1.1.abs() - g2.1.abs() > 4.0 * g1.2.hypot(g2.2), "{gaps:?}");
        assert!(g8.1.abs() < 4.0 * g8.2, "{gaps:?}");
    }
}

#[test]
fn the_spec_builds_the_rescaled_optimizer() {
    let o = optim::parse("svag:l=2,inner=adam:lr=0.01|beta1=0.8|beta2=0.99|eps=1e-6").unwrap();
    assert_eq!(o.name(), "svag");
    let s = downcast::<Svag, f64>(o.as_ref()).unwrap();
    assert_eq!(s.l(), 2.0);
    assert_eq!(
        s.inner(),
        &SvagInner::Adam(Adam::default().lr(0.01).betas(0.8, 0.99).eps(1e-6))
    );
    let SvagInner::Adam(a) = s.scaled() else {
        panic!("adam expected, got {:?}", s.scaled())
    };
    assert!((a.lr - 0.005).abs() < 1e-15);
    assert!((a.beta1 - 0.95).abs() < 1e-15);
    assert!((a.beta2 - 0.9975).abs() < 1e-15);
    assert!((a.eps - 2e-6).abs() < 1e-20);
    assert!((o.lr() - 0.005).abs() < 1e-15);
    assert_eq!(o.slot_names(), &["m", "v"]);
    // with_lr takes the unscaled rate.
    assert!((o.with_lr(0.04).unwrap().lr() - 0.02).abs() < 1e-15);
    let r = optim::parse_as::<f32>("svag:l=3,inner=rmsprop:lr=0.03|alpha=0.9|eps=1e-4").unwrap();
    let s = downcast::<Svag, f32>(r.as_ref()).unwrap();
    let SvagInner::RmsProp(q) = s.scaled() else {
        panic!("rmsprop expected")
    };
    assert!((q.lr - 0.01).abs() < 1e-15 && (q.alpha - (1.0 - 0.1 / 9.0)).abs() < 1e-15);
    assert!((q.eps - 3e-4).abs() < 1e-18);
    let (a, b) = Optimizer::<f64>::gradient_mix(s).unwrap();
    assert!((a + b - 1.0).abs() < 1e-15 && (a * a + b * b - 9.0).abs() < 1e-12);
    assert!(optim::catalog().iter().any(|c| c.name == "svag"));
    // The defaults: ℓ = 1 of torch's SGD, which is that SGD with one draw per step.
    let bare = optim::parse("svag").unwrap();
    let bare = downcast::<Svag, f64>(bare.as_ref()).unwrap();
    assert_eq!(bare, &Svag::new(Sgd::default(), 1.0).unwrap());
    assert_eq!(bare.scaled(), &SvagInner::Sgd(Sgd::default()));
    assert_eq!(Optimizer::<f64>::gradient_mix(bare), None);
}

#[test]
fn bad_input_is_a_one_line_error() {
    for (spec, want) in [
        (
            "svag:l=0.5,inner=sgd",
            "svag: l must be in [1, inf), got 0.5",
        ),
        ("svag:l=nan,inner=sgd", "svag: l must be"),
        ("svag:l=inf,inner=sgd", "svag: l must be"),
        ("svag:l=2,inner=", "spec"),
        (
            "svag:l=2,inner=svag:l=2",
            "inner optimizer 'svag' has no SVAG scaling rule",
        ),
        (
            "svag:l=2,inner=lion",
            "inner optimizer 'lion' has no SVAG scaling rule (supported: sgd",
        ),
        (
            "svag:l=2,inner=adamw",
            "inner adamw (decoupled weight decay)",
        ),
        ("svag:l=2,inner=sgd:momentum=0.9", "inner sgd with momentum"),
        (
            "svag:l=2,inner=rmsprop:centered=true",
            "inner rmsprop with momentum or centered",
        ),
        (
            "svag:l=2,inner=adam:amsgrad=true",
            "inner adam with amsgrad",
        ),
        ("svag:l=2,inner=sgd:lr=-1", "sgd: lr must be >= 0"),
        ("svag:l=2,inner=sgd,x=1", "x"),
    ] {
        let e = optim::parse(spec).unwrap_err().to_string();
        assert!(e.contains(want), "{spec}: {e}");
        assert!(!e.contains('\n'), "{spec}: {e}");
    }
    for (l, shown) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf"), (0.999, "0.999")] {
        let e = Svag::new(Sgd::default(), l).unwrap_err().to_string();
        assert_eq!(e, format!("svag: l must be in [1, inf), got {shown}"));
    }
    let s = Svag::new(Sgd::default(), 2.0).unwrap();
    assert!(Optimizer::<f64>::with_lr(&s, f64::NAN).is_err());
    for cfg in [
        SvagConfig {
            ls: vec![2.0, 1.0],
            ..SvagConfig::default()
        },
        SvagConfig {
            ls: vec![0.5, 1.0],
            ..SvagConfig::default()
        },
        SvagConfig {
            paths: 1,
            ..SvagConfig::default()
        },
        SvagConfig {
            optimizer: "lion".into(),
            ..SvagConfig::default()
        },
        SvagConfig {
            objective: "lsq:n=50,dim=2".into(),
            ..SvagConfig::default()
        },
        SvagConfig {
            model: Some("sgd-sme7".into()),
            ..SvagConfig::default()
        },
    ] {
        let e = svag::run(&cfg).unwrap_err().to_string();
        assert!(!e.contains('\n') && !e.is_empty(), "{cfg:?}: {e}");
    }
}

#[test]
fn the_experiment_writes_a_row_per_l() {
    let dir = std::env::temp_dir().join(format!("optdyn-svag-test-{}", std::process::id()));
    let cfg = SvagConfig {
        objective: "lsq:n=40,dim=3,noise=0.5,batch=4".into(),
        optimizer: "sgd:lr=0.2".into(),
        ls: vec![1.0, 2.0, 3.0],
        paths: 40,
        steps: 12,
        samples: 4,
        ..SvagConfig::default()
    };
    let text = svag::files(&cfg, &dir).unwrap();
    for f in ["svag.csv", "svag.json", "svag.svg", "svag.png"] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("svag.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("dynamics,l,steps,paths,mean_loss,se,sd,gap_prev"));
    assert_eq!(lines.len(), 1 + 3 + 1, "{csv}");
    for (line, (l, steps)) in lines[1..4].iter().zip([(1, 12), (2, 48), (3, 108)]) {
        assert!(
            line.starts_with(&format!("svag l={l},{l},{steps},40,")),
            "{line}"
        );
    }
    assert!(lines[4].starts_with("sgd-sme1,,12,40,"), "{}", lines[4]);
    assert!(text.contains("svag l=3"), "{text}");
    let r = svag::run(&cfg).unwrap();
    assert_eq!(r.curves.len(), 4);
    // Same sample times on every curve: 0, 3τ, …, 12τ.
    for c in &r.curves {
        assert_eq!(c.t.len(), 5);
        assert!((c.t[4] - 12.0 * 0.2).abs() < 1e-12, "{:?}", c.t);
    }
    // The gaps are the differences of the means.
    assert!((r.rows[1].gap_prev.unwrap() - (r.rows[1].mean - r.rows[0].mean)).abs() < 1e-15);
    assert!((r.rows[2].gap_sde.unwrap() - (r.rows[2].mean - r.rows[3].mean)).abs() < 1e-15);
    let none = svag::run(&SvagConfig {
        model: Some("none".into()),
        ls: vec![1.0],
        ..cfg.clone()
    })
    .unwrap();
    assert_eq!((none.rows.len(), none.model.as_deref()), (1, None));
    let _ = std::fs::remove_dir_all(&dir);
}
