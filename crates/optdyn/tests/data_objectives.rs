//! Data objectives and scale-invariant objectives: gradients against finite differences,
//! per-sample/minibatch consistency, determinism, spec errors, Heredia's regression slope, and
//! the AdamW equilibrium law on a pure-noise scale-invariant loss (continuous_models.md §3.5).

use optdyn::objective::data::{self, datasets, linear, Batching, Scratch};
use optdyn::objective::{self, Objective};
use optdyn::optim::kadam::KAdam;
use optdyn::optim::Optimizer;
use optdyn::spec::Spec;

fn build(spec: &str, dim: usize) -> Box<dyn Objective> {
    objective::parse(spec, dim).unwrap()
}

fn err(spec: &str, dim: usize) -> String {
    match objective::parse(spec, dim) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("{spec} should fail"),
    }
}

fn point(n: usize, seed: u64, scale: f64) -> Vec<f64> {
    let mut r = datasets::rng(seed, 99);
    (0..n).map(|_| scale * datasets::normal(&mut r)).collect()
}

/// Max relative error of the gradient against central differences of the value
/// (h = 1e-6, truncation O(h²) ≈ 1e-12, rounding ≈ 1e-16/h ≈ 1e-10).
fn fd_gradient_error(f: &dyn Objective, x: &[f64]) -> f64 {
    let n = x.len();
    let mut g = vec![0.0; n];
    f.gradient(x, &mut g);
    let scale = g.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
    let mut xp = x.to_vec();
    let mut worst = 0.0f64;
    for j in 0..n {
        let h = 1e-6 * x[j].abs().max(1.0);
        xp[j] = x[j] + h;
        let fp = f.value(&xp);
        xp[j] = x[j] - h;
        let fm = f.value(&xp);
        xp[j] = x[j];
        worst = worst.max(((fp - fm) / (2.0 * h) - g[j]).abs() / scale);
    }
    worst
}

#[test]
fn gradients_match_finite_differences() {
    let cases: &[(&str, usize, f64)] = &[
        ("lsq:n=50,dim=4,bias=true,seed=3", 4, 1.0),
        ("logistic:data=moons,n=60,seed=1", 3, 1.0),
        ("logistic:data=linear,dim=3,n=40,bias=false", 3, 1.0),
        (
            "mlp:widths=2;7;5;3,act=tanh,data=spirals,classes=3,n=40,seed=2",
            0,
            0.7,
        ),
        ("mlp:widths=2;6;1,act=relu,data=moons,n=30,seed=4", 0, 0.7),
        (
            "mlp:widths=3;8;6;2,act=tanh,layernorm=true,data=teacher,n=25,seed=5",
            0,
            0.7,
        ),
        (
            "mlp:widths=2;5;5;1,act=relu,layernorm=true,data=moons,n=20,ln_eps=1e-3",
            0,
            0.7,
        ),
        (
            "scale_invariant:inner=lsq:n=30|dim=6|seed=2,groups=2;4",
            6,
            1.0,
        ),
    ];
    for (k, (spec, dim, scale)) in cases.iter().enumerate() {
        let f = build(spec, *dim);
        let x = point(f.dim(), k as u64, *scale);
        let e = fd_gradient_error(f.as_ref(), &x);
        assert!(e < 2e-7, "{spec}: relative gradient error {e:e}");
    }
}

#[test]
fn hessian_vector_products_match_gradient_differences() {
    let cases = [
        ("lsq:n=40,dim=5,bias=true", 5, 1e-7),
        ("logistic:data=moons,n=50", 3, 1e-7),
        (
            "scale_invariant:inner=logistic:data=moons|n=30,groups=1;2",
            3,
            1e-7,
        ),
        ("mlp:widths=2;6;1,layernorm=true,data=moons,n=20", 0, 1e-6),
    ];
    for (k, (spec, dim, tol)) in cases.iter().enumerate() {
        let f = build(spec, *dim);
        let n = f.dim();
        let x = point(n, 10 + k as u64, 0.8);
        let v = point(n, 20 + k as u64, 1.0);
        let mut hv = vec![0.0; n];
        f.hvp(&x, &v, &mut hv);
        let h = 1e-5;
        let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
        let xp: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + h * b).collect();
        let xm: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a - h * b).collect();
        f.gradient(&xp, &mut gp);
        f.gradient(&xm, &mut gm);
        let scale = hv.iter().fold(1e-3f64, |m, a| m.max(a.abs()));
        for j in 0..n {
            let fd = (gp[j] - gm[j]) / (2.0 * h);
            assert!(
                (fd - hv[j]).abs() / scale < *tol,
                "{spec}: hvp[{j}] = {} vs {fd}",
                hv[j]
            );
        }
    }
}

#[test]
fn sample_gradients_average_to_the_full_gradient() {
    for spec in [
        "mlp:widths=2;8;8;3,layernorm=true,data=spirals,classes=3,n=30",
        "logistic:data=moons,n=25",
        "lsq:n=15,dim=3",
    ] {
        let f = build(spec, 3);
        let n = f.dim();
        let x = point(n, 7, 0.5);
        let mut g = vec![0.0; n];
        let loss = f.value_gradient(&x, &mut g);
        let mut mean = vec![0.0; n];
        let mut gi = vec![0.0; n];
        let mut lsum = 0.0;
        let m = f.num_samples();
        for i in 0..m {
            lsum += f.sample_gradient(i, &x, &mut gi);
            mean.iter_mut()
                .zip(&gi)
                .for_each(|(a, b)| *a += b / m as f64);
        }
        assert!(
            (lsum / m as f64 - loss).abs() < 1e-12 * loss.abs().max(1.0),
            "{spec}"
        );
        for j in 0..n {
            assert!((mean[j] - g[j]).abs() < 1e-12, "{spec}: coordinate {j}");
        }
    }
}

#[test]
fn minibatches_are_reproducible_and_equal_the_mean_over_the_drawn_samples() {
    let spec = "mlp:widths=2;6;2,data=moons,n=40,loss=softmax,batch=7,seed=3";
    let f = build(spec, 0);
    let n = f.dim();
    let x = point(n, 1, 0.6);
    let run = |steps: Vec<u64>| -> Vec<Vec<f64>> {
        let mut out = vec![Vec::new(); 5];
        for s in steps {
            let mut g = vec![0.0; n];
            f.gradient_at_step(&x, s, &mut g);
            out[s as usize - 1] = g;
        }
        out
    };
    let forward = run(vec![1, 2, 3, 4, 5]);
    let backward = run(vec![5, 4, 3, 2, 1]);
    assert_eq!(forward, backward);
    let threaded: Vec<Vec<f64>> = std::thread::scope(|sc| {
        let hs: Vec<_> = (1..=5u64)
            .map(|s| {
                let f = &f;
                let x = &x;
                sc.spawn(move || {
                    let mut g = vec![0.0; n];
                    f.gradient_at_step(x, s, &mut g);
                    g
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(forward, threaded);
    assert_ne!(forward[0], forward[1]);
    let b = Batching { batch: 7, seed: 3 };
    let mut s = Scratch::default();
    b.draw(40, 4, &mut s);
    let mut uniq = s.idx.clone();
    uniq.sort_unstable();
    uniq.dedup();
    assert_eq!(uniq.len(), 7, "distinct indices");
    let mut mean = vec![0.0; n];
    let mut gi = vec![0.0; n];
    for &i in &s.idx {
        f.sample_gradient(i, &x, &mut gi);
        mean.iter_mut().zip(&gi).for_each(|(a, c)| *a += c / 7.0);
    }
    for j in 0..n {
        assert!((mean[j] - forward[3][j]).abs() < 1e-13);
    }
    let full = build(
        "mlp:widths=2;6;2,data=moons,n=40,loss=softmax,batch=40,seed=3",
        0,
    );
    let mut g1 = vec![0.0; n];
    let mut g2 = vec![0.0; n];
    full.gradient_at_step(&x, 9, &mut g1);
    full.gradient(&x, &mut g2);
    assert_eq!(g1, g2);
}

/// Heredia's regression (heredia.md §4): the least-squares slope of y = 2x + N(0, 0.1²) on
/// 1000 samples is 2 within 4 standard errors (σ/√Σx² ≈ 0.0055), f* ≈ σ² = 0.01.
#[test]
fn heredia_regression_fits_slope_two() {
    let d = datasets::regression(1000, 0.1, 42);
    let m = linear::LinearModel::new(
        "regression".into(),
        linear::LinearLoss::Squared,
        d.clone(),
        false,
        Batching { batch: 0, seed: 42 },
    );
    let w = m.least_squares_solution().unwrap();
    let sxx: f64 = d.x.iter().map(|v| v * v).sum();
    let sxy: f64 = d.x.iter().zip(&d.y).map(|(a, b)| a * b).sum();
    assert!((w[0] - sxy / sxx).abs() < 1e-12);
    assert!((w[0] - 2.0).abs() < 0.022, "slope {}", w[0]);
    let fstar = m.min_value().unwrap();
    assert!((fstar - 0.01).abs() < 0.0015, "f* = {fstar}");
    let r = build("regression", 1);
    assert_eq!(r.dim(), 1);
    assert_eq!(r.num_samples(), 1000);
    assert!((r.value(&w) - fstar).abs() < 1e-15);
    // Gradient descent from θ0 = 0 (the notebook's start) reaches the same slope.
    let mut th = [0.0];
    let mut g = [0.0];
    for _ in 0..2000 {
        r.gradient(&th, &mut g);
        th[0] -= 0.5 * g[0];
    }
    assert!((th[0] - w[0]).abs() < 1e-10);
}

#[test]
fn overparametrised_least_squares_interpolates() {
    let f = build("lsq:n=20,dim=50,noise=0.3", 1);
    assert_eq!(f.dim(), 50);
    assert!(f.dim() > f.num_samples());
    assert!(f.min_value().unwrap() < 1e-20);
    let under = build("lsq:n=200,dim=5,noise=0.3", 1);
    let fs = under.min_value().unwrap();
    assert!((fs - 0.09).abs() < 0.02, "noise floor {fs}");
    // The feature count defaults to len(x0).
    assert_eq!(build("lsq:n=10", 7).dim(), 7);
    let m = build("mlp:widths=2;32;1,data=moons,n=50", 0);
    assert_eq!(m.dim(), 2 * 32 + 32 + 33);
    assert_eq!(m.dim(), data::mlp::Mlp::param_count(&[2, 32, 1]));
}

#[test]
fn layer_norm_makes_hidden_layers_scale_invariant() {
    let m = data::build_mlp(
        &Spec::parse("mlp:widths=2;8;8;1,layernorm=true,ln_eps=0,data=moons,n=30").unwrap(),
        0,
    )
    .unwrap();
    let x = m.init_params(4);
    assert_eq!(x, m.init_params(4));
    assert_ne!(x, m.init_params(5));
    let f0 = m.value(&x);
    for l in 1..=2 {
        let (wr, br) = m.layer_ranges(l);
        let mut y = x.clone();
        y[wr.start..br.end].iter_mut().for_each(|v| *v *= 3.7);
        assert!((m.value(&y) - f0).abs() < 1e-13 * f0, "layer {l}");
        let mut g = vec![0.0; x.len()];
        m.gradient(&x, &mut g);
        let dot: f64 = (wr.start..br.end).map(|j| g[j] * x[j]).sum();
        assert!(dot.abs() < 1e-13, "<∇_W L, W> = {dot}");
    }
    let (wr, _) = m.layer_ranges(3);
    let mut y = x.clone();
    y[wr].iter_mut().for_each(|v| *v *= 3.7);
    assert!(
        (m.value(&y) - f0).abs() > 1e-6,
        "the output layer is not invariant"
    );
}

#[test]
fn scale_invariant_wrapper_identities() {
    let f = build("scale_invariant:inner=lsq:n=30|dim=5,groups=2;3", 5);
    let x = point(5, 3, 1.0);
    let mut g = vec![0.0; 5];
    f.gradient(&x, &mut g);
    for (a, b) in [(0, 2), (2, 5)] {
        let d: f64 = (a..b).map(|j| g[j] * x[j]).sum();
        assert!(d.abs() < 1e-14);
    }
    let c = [2.5, 2.5, 0.4, 0.4, 0.4];
    let y: Vec<f64> = x.iter().zip(&c).map(|(a, b)| a * b).collect();
    assert!((f.value(&y) - f.value(&x)).abs() < 1e-14);
    let mut gy = vec![0.0; 5];
    f.gradient(&y, &mut gy);
    for j in 0..5 {
        assert!((gy[j] * c[j] - g[j]).abs() < 1e-14);
    }
}

#[test]
fn csv_data_and_spec_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.csv");
    std::fs::write(&p, "x1,x2,y\n0,1,0\n1,0,1\n1,1,1\n0.5,0.2,0\n").unwrap();
    let f = build(&format!("logistic:data=csv:{}", p.display()), 0);
    assert_eq!((f.dim(), f.num_samples()), (3, 4));
    let l = build(&format!("lsq:data=csv:{}", p.display()), 0);
    assert_eq!(l.dim(), 2);
    std::fs::write(&p, "0,1,0\n1,0\n").unwrap();
    let e = err(&format!("lsq:data=csv:{}", p.display()), 0);
    assert!(e.contains("line 2: 2 fields, expected 3"), "{e}");
    std::fs::write(&p, "0,1,0.5\n").unwrap();
    let e = err(&format!("logistic:data=csv:{}", p.display()), 0);
    assert!(e.contains("labels 0/1"), "{e}");
    let e = err("lsq:data=csv:/nonexistent/file.csv", 0);
    assert!(e.contains("/nonexistent/file.csv"), "{e}");
    assert!(err("mlp:data=circles", 0).contains("data must be linear"));
    assert!(err("mlp:widths=3;4;1,data=moons", 0).contains("input dimension 2"));
    assert!(err("mlp:widths=2;4;2,data=spirals,classes=3", 0).contains("needs 3 outputs"));
    assert!(err("mlp:act=sigmoid", 0).contains("act must be one of tanh, relu"));
    assert!(err("lsq:n=0", 2).contains("n must be >= 1"));
    assert!(err("lsq:nn=3", 2).contains("unknown key 'nn'"));
    assert!(err("regression:noise=-1", 1).contains("noise must be >= 0"));
    assert!(err("scale_invariant:inner=noise,groups=3;3", 5).contains("summing to the dimension 5"));
    assert!(err("scale_invariant:groups=5", 5).contains("missing required key 'inner'"));
    let data_names: Vec<&str> = objective::registry()
        .iter()
        .map(|e| e.info.name)
        .filter(|n| ["lsq", "regression", "logistic", "mlp", "scale_invariant"].contains(n))
        .collect();
    assert_eq!(
        data_names,
        ["lsq", "regression", "logistic", "mlp", "scale_invariant"]
    );
}

/// Equilibrium of AdamW on a pure-noise scale-invariant loss (continuous_models.md §3.5):
/// `E‖W‖² = (η/2λ)(1+β1)/(1−β1)·E‖u‖²` and RMS angular step `√(2ηλ(1−β1)/(1+β1))`, measured as
/// in the note (d = 200, η = 1e-3, λ = 0.1, β2 = 0.999, 6·10⁴ steps, second half averaged).
#[test]
fn adamw_equilibrium_law_on_pure_noise_scale_invariant_loss() {
    let (d, eta, lam) = (200usize, 1e-3, 0.1);
    let f = build("scale_invariant:inner=noise,seed=11", d);
    for beta1 in [0.9, 0.0] {
        let opt = KAdam::from_spec(
            &Spec::parse(&format!(
                "kadam:k=1,lr={eta},beta1={beta1},beta2=0.999,weight_decay={lam}"
            ))
            .unwrap(),
        )
        .unwrap();
        let ratio = (1.0 + beta1) / (1.0 - beta1);
        let mut x = point(d, 5, 1.0);
        let r0 = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x.iter_mut().for_each(|v| *v /= r0);
        let mut st = opt.init(d);
        let mut g = vec![0.0; d];
        let steps = 60_000u64;
        let (mut w2, mut u2, mut ang2, mut cnt) = (0.0, 0.0, 0.0, 0.0);
        let mut prev = x.clone();
        for t in 1..=steps {
            f.gradient_at_step(&x, t, &mut g);
            prev.copy_from_slice(&x);
            Optimizer::<f64>::step(&opt, &mut st, &mut x, &g);
            if t > steps / 2 {
                // u from θ_t = (1 − ηλ)θ_{t−1} − η u.
                let uu: f64 = x
                    .iter()
                    .zip(&prev)
                    .map(|(a, b)| {
                        let u = ((1.0 - eta * lam) * b - a) / eta;
                        u * u
                    })
                    .sum();
                let pp: f64 = prev.iter().map(|v| v * v).sum();
                let par: f64 = x.iter().zip(&prev).map(|(a, b)| a * b).sum::<f64>() / pp.sqrt();
                let xx: f64 = x.iter().map(|v| v * v).sum();
                let perp = (xx - par * par).max(0.0).sqrt();
                w2 += pp;
                u2 += uu;
                ang2 += perp.atan2(par).powi(2);
                cnt += 1.0;
            }
        }
        let (w2, u2, ang) = (w2 / cnt, u2 / cnt, (ang2 / cnt).sqrt());
        let law = eta / (2.0 * lam) * ratio * u2;
        let ang_pred = (2.0 * eta * lam / ratio).sqrt();
        eprintln!(
            "beta1={beta1}: E|W|^2 = {w2:.5}, law {law:.5} (ratio {:.4}); angle {ang:.6} vs {ang_pred:.6} ({:.4})",
            w2 / law,
            ang / ang_pred
        );
        assert!(
            (w2 / law - 1.0).abs() < 0.02,
            "beta1={beta1}: {w2} vs {law}"
        );
        assert!(
            (ang / ang_pred - 1.0).abs() < 0.02,
            "beta1={beta1}: {ang} vs {ang_pred}"
        );
    }
}
