//! The gradient-noise covariance of minibatch objectives (model::GradientCovariance): the
//! formula `Σ = (N − B)/(B(N − 1))·S (+ diag σ²)` against the empirical covariance of the
//! objective's own minibatch draws; the square root `(G − ḡ)ᵀdB` reproduces `Σ` exactly from unit
//! increments; `sgd-sme1` with minibatch noise matches SGD's ensemble loss at small lr.

use optdyn::model::{parse_sde, GradientCovariance};
use optdyn::objective::{self, Objective};
use optdyn::optim::Sgd;
use optdyn::run::{Ensemble, Problem, Run};
use std::sync::Arc;

const LSQ: &str = "lsq:n=40,dim=3,noise=0.5,batch=8";

fn lsq(spec: &str) -> Arc<dyn Objective> {
    objective::parse(spec, 3).unwrap().into()
}

#[test]
fn the_minibatch_covariance_is_that_of_the_draws() {
    let obj = lsq(LSQ);
    let cov = GradientCovariance::of(&obj).unwrap();
    assert_eq!(cov.noise_dim(), 40);
    let x = [0.3, -0.2, 0.5];
    let sigma = cov.covariance(&x);
    // Empirical covariance of 40000 draws of the step gradient.
    let draws = 40_000u64;
    let (mut mean, mut second) = ([0.0; 3], [0.0; 9]);
    let mut g = [0.0; 3];
    for k in 1..=draws {
        obj.gradient_at_step(&x, k, &mut g);
        for a in 0..3 {
            mean[a] += g[a];
            for b in 0..3 {
                second[a * 3 + b] += g[a] * g[b];
            }
        }
    }
    let mut full = [0.0; 3];
    obj.gradient(&x, &mut full);
    for a in 0..3 {
        mean[a] /= draws as f64;
        // The draws are unbiased: within 4 standard errors of the full gradient.
        let se = (sigma[a * 4] / draws as f64).sqrt();
        assert!(
            (mean[a] - full[a]).abs() < 4.0 * se,
            "{a}: {} vs {}",
            mean[a],
            full[a]
        );
    }
    for a in 0..3 {
        for b in 0..3 {
            let emp = second[a * 3 + b] / draws as f64 - mean[a] * mean[b];
            let scale = (sigma[a * 4] * sigma[b * 4]).sqrt();
            // Relative standard error of a sample covariance ≈ √(2/draws) = 0.7 %.
            assert!(
                (emp - sigma[a * 3 + b]).abs() < 0.04 * scale,
                "({a},{b}): {emp} vs {}",
                sigma[a * 3 + b]
            );
        }
    }
    // Σ_i s_i s_iᵀ over the unit increments e_i is Σ exactly; variance() is its diagonal.
    let mut acc = [0.0; 9];
    let (mut e, mut s) = (vec![0.0; 40], [0.0; 3]);
    for i in 0..40 {
        e.fill(0.0);
        e[i] = 1.0;
        cov.apply(&x, &e, &mut s);
        for a in 0..3 {
            for b in 0..3 {
                acc[a * 3 + b] += s[a] * s[b];
            }
        }
    }
    let mut var = [0.0; 3];
    cov.variance(&x, &mut var);
    for a in 0..3 {
        assert!((var[a] - sigma[a * 4]).abs() < 1e-12 * sigma[a * 4]);
        for b in 0..3 {
            assert!(
                (acc[a * 3 + b] - sigma[a * 3 + b]).abs() < 1e-12 * sigma[a * 4].max(sigma[b * 4])
            );
        }
    }
    // Added stated noise adds σ² on the diagonal and n increments.
    let both = GradientCovariance::of(&lsq(&format!("{LSQ},grad_noise=0.3"))).unwrap();
    assert_eq!(both.noise_dim(), 43);
    let with = both.covariance(&x);
    for a in 0..3 {
        assert!((with[a * 4] - sigma[a * 4] - 0.09).abs() < 1e-12);
    }
    // Full batch is exact; bad batches are errors.
    let e = GradientCovariance::of(&lsq("lsq:n=40,dim=3"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("exact step gradients"), "{e}");
    let e = GradientCovariance::minibatch(obj, 0)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("batch must be in [1, N)"), "{e}");
}

#[test]
fn sme_with_minibatch_noise_tracks_the_sgd_ensemble() {
    let p = Problem::parse(LSQ, vec![0.0; 3]).unwrap();
    let sgd = Sgd::default().lr(0.02);
    let model = parse_sde("sgd-sme1", &sgd, p.objective().clone()).unwrap();
    let ens = Ensemble::new(400, 3);
    let d = Run::discrete(&p, &sgd)
        .steps(50)
        .every(50)
        .ensemble(&ens)
        .unwrap();
    let m = Run::sde(&p, model.as_ref())
        .steps(50)
        .every(50)
        .ensemble(&ens)
        .unwrap();
    let f = |r: &[f64]| r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    let (a, sa) = d.expect(1, f).unwrap();
    let (b, sb) = m.expect(1, f).unwrap();
    // Weak error O(lr) on a quantity of size ~1, plus sampling error.
    eprintln!("E|x|^2: sgd {a} ± {sa}, sme1 {b} ± {sb}");
    assert!(
        (a - b).abs() < 4.0 * sa.hypot(sb) + 0.05 * a.abs(),
        "{a} ± {sa} vs {b} ± {sb}"
    );
}
