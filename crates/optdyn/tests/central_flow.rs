//! Central flows against the discrete runs they average, on the minimalist edge-of-stability
//! example `f(x, y) = ¼(x²y² − 1)²` (Zhu, Wang, Wang, Zhou & Ge, "Understanding edge-of-stability
//! training dynamics with a minimalist example", ICLR 2023): its minima `xy = ±1` have sharpness
//! `2(x² + y²)`, gradient flow conserves `x² − y²`, and GD with a large step settles where the
//! sharpness is `2/lr` instead.

use optdyn::analysis::sharpness::{Preconditioner, Sharpness};
use optdyn::model::{self, CentralFlow, FirstOrderFlow, Model, RmspropCentralFlow};
use optdyn::optim::{ScalarRmsProp, Sgd};
use optdyn::run::{Problem, Run};
use optdyn::trajectory::Trajectory;

const MINIMALIST: &str = "expr:0.25*(x^2*y^2-1)^2";

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q) * (p - q))
        .sum::<f64>()
        .sqrt()
}

fn problem() -> Problem {
    Problem::parse(MINIMALIST, vec![2.5, 0.05]).unwrap()
}

#[test]
fn below_the_threshold_the_central_flow_is_gradient_flow_bit_for_bit() {
    let p = Problem::parse("rosenbrock", vec![-1.2, 1.0]).unwrap();
    let sgd = Sgd::default().lr(1e-4);
    let cf = CentralFlow::of(&sgd, 2, 4.0, p.objective().clone()).unwrap();
    let gf = FirstOrderFlow::gradient(&sgd, p.objective().clone()).unwrap();
    let a = Run::model(&p, &cf, 1e-4).steps(200).trajectory().unwrap();
    let b = Run::model(&p, &gf, 1e-4).steps(200).trajectory().unwrap();
    assert_eq!(a.xs(), b.xs());
}

#[test]
fn gd_at_the_edge_of_stability_follows_its_central_flow() {
    let p = problem();
    let lr = 0.2;
    let sgd = Sgd::default().lr(lr);
    let gd = Run::discrete(&p, &sgd)
        .steps(600)
        .measure(&Sharpness::new(p.objective().clone(), 1))
        .trajectory()
        .unwrap();
    let cf = CentralFlow::of(&sgd, 2, 4.0, p.objective().clone()).unwrap();
    let sharp = Sharpness::new(p.objective().clone(), 1);
    let cft = Run::model(&p, &cf, lr)
        .steps(600)
        .measure(&cf)
        .measure(&sharp)
        .trajectory()
        .unwrap();
    let gf = FirstOrderFlow::gradient(&sgd, p.objective().clone()).unwrap();
    let gft = Run::model(&p, &gf, lr).steps(600).trajectory().unwrap();
    assert_eq!(cft.measured, ["sigma2_0", "sigma2_1", "cf_loss", "sharp0"]);
    // GD's two-step midpoint stays within 0.035 of the central flow; gradient flow drifts 0.36
    // away (it conserves x² − y² = 6.2475 and lands at sharpness 13.1 > 2/lr).
    let mut worst = 0.0f64;
    for k in 0..600 {
        let mid: Vec<f64> = (0..2)
            .map(|j| 0.5 * (gd.x(k)[j] + gd.x(k + 1)[j]))
            .collect();
        worst = worst.max(dist(&mid, cft.x(k)));
    }
    let end_cf = dist(gd.x(600), cft.x(600));
    let end_gf = dist(gd.x(600), gft.x(600));
    eprintln!("max |mid − cf| {worst:.3e}, end |gd − cf| {end_cf:.3e}, |gd − gf| {end_gf:.3e}");
    assert!(worst < 0.035 && end_cf < 0.01 && end_gf > 0.35);
    // The flow holds the sharpness at 2/lr; GD ends just below it.
    let s_cf = cft.measured_series("sharp0").unwrap()[600];
    let s_gd = gd.measured_series("sharp0").unwrap()[600];
    assert!(
        (s_cf * lr / 2.0 - 1.0).abs() < 1e-6,
        "flow sharpness {s_cf}"
    );
    assert!(
        s_gd * lr / 2.0 > 0.99 && s_gd * lr / 2.0 < 1.0,
        "GD sharpness {s_gd}"
    );
    // σ² predicts the variance of GD's oscillation (the squared half-difference of two steps)
    // and cf_loss its time-averaged loss, while the oscillation is large (steps 20–100).
    for k in (20..=100).step_by(10) {
        let half: Vec<f64> = (0..2)
            .map(|j| 0.5 * (gd.x(k)[j] - gd.x(k + 1)[j]))
            .collect();
        let measured = half[0] * half[0] + half[1] * half[1];
        let sigma2 = cft.measured(k)[0];
        let avg_loss = 0.5 * (gd.loss(k) + gd.loss(k + 1));
        let cf_loss = cft.measured(k)[2];
        eprintln!(
            "step {k}: half² {measured:.3e} σ² {sigma2:.3e}; loss {avg_loss:.3e} cf {cf_loss:.3e}"
        );
        assert!((measured / sigma2 - 1.0).abs() < 0.25, "step {k}");
        assert!((avg_loss / cf_loss - 1.0).abs() < 0.3, "step {k}");
    }
}

#[test]
fn scalar_rmsprop_at_the_edge_follows_its_central_flow() {
    // Scalar RMSProp converges to a minimum, then ν decays until the effective sharpness
    // lr·S/√ν reaches 2: it oscillates there and drifts along the minima, as its flow does.
    let p = problem();
    let lr = 0.01;
    let opt = ScalarRmsProp::default().lr(lr).beta2(0.99);
    let disc = Run::discrete(&p, &opt)
        .steps(3000)
        .every(10)
        .measure(
            &Sharpness::new(p.objective().clone(), 1)
                .preconditioned(Preconditioner::of(&opt).unwrap()),
        )
        .trajectory()
        .unwrap();
    let cf = RmspropCentralFlow::of(&opt, 2, 4.0, p.objective().clone()).unwrap();
    let sharp = Sharpness::new(p.objective().clone(), 1);
    let cft = Run::model(&p, &cf, lr)
        .steps(3000)
        .every(10)
        .measure(&sharp)
        .trajectory()
        .unwrap();
    let last = cft.len() - 1;
    let eff = lr * cft.measured(last)[0] / cft.block(last, "nu").unwrap()[0].sqrt();
    let eff_gd = lr * disc.measured_series("psharp0").unwrap()[last];
    let gap = dist(disc.x(last), cft.x(last));
    let drift = dist(disc.x(last), disc.x(30));
    eprintln!(
        "effective sharpness: flow {eff}, discrete {eff_gd}; gap {gap:.3e}, drift {drift:.3e}"
    );
    assert!((eff - 2.0).abs() < 1e-6);
    assert!((eff_gd / 2.0 - 1.0).abs() < 0.05);
    assert!(gap < 0.2 * drift, "gap {gap} vs drift {drift}");
}

fn err(spec: &str, opt: &str) -> String {
    let o = optdyn::optim::parse(opt).unwrap();
    match model::parse(spec, o.as_ref(), problem().objective().clone()) {
        Ok(_) => panic!("{spec} for {opt} should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn central_flows_refuse_what_they_do_not_model() {
    assert!(err("central-flow", "adam").contains("models the optimizer sgd, got optimizer 'adam'"));
    assert!(err("central-flow", "sgd:momentum=0.9")
        .contains("optimizer option momentum=0.9 is not modelled"));
    assert!(err("central-flow:dirs=0", "sgd").contains("dirs"));
    assert!(err("central-flow:restore=-1", "sgd").contains("restore"));
    assert!(err("rmsprop-central-flow", "rmsprop").contains("models the optimizer scalar-rmsprop"));
    // The oscillation is measured on the flow's own run.
    let p = problem();
    let sgd = Sgd::default().lr(0.2);
    let cf = CentralFlow::of(&sgd, 1, 4.0, p.objective().clone()).unwrap();
    let e = Run::discrete(&p, &sgd)
        .steps(2)
        .measure(&cf)
        .trajectory()
        .map(|_: Trajectory| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("measured along its own (model) run"), "{e}");
    // A quadratic above the threshold has no central flow: GD diverges, the flow stops.
    let q = Problem::parse("quadratic:diag=30", vec![1.0]).unwrap();
    let cf = CentralFlow::of(&sgd, 1, 4.0, q.objective().clone()).unwrap();
    let tr = Run::model(&q, &cf, 0.2).steps(5).trajectory().unwrap();
    assert!(!tr.stop.is_ok(), "{}", tr.stop);
    // Names carry the non-default keys (dirs defaults to min(3, n)).
    assert_eq!(cf.name(), "central-flow");
    let cf2 = CentralFlow::of(&sgd, 1, 8.0, p.objective().clone()).unwrap();
    assert_eq!(cf2.name(), "central-flow:dirs=1,restore=8");
}
