//! High-resolution ODEs (Shi, Du, Jordan & Su 2018): their fitted orders are the reproduce target
//! `hr-odes` (tests/reproduce.rs); here, their closed-form start on a quadratic and the options
//! they refuse.

use optdyn::model;
use optdyn::optim;
use optdyn::run::{Problem, Run};

#[test]
fn high_resolution_models_refuse_what_they_do_not_model() {
    let p = Problem::parse("quadratic:diag=1;4", vec![1.0, -0.5]).unwrap();
    let err = |m: &str, o: &str| {
        let opt = optim::parse(o).unwrap();
        model::parse(m, opt.as_ref(), p.objective().clone())
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    assert!(err("hr-heavy-ball", "sgd:lr=0.01").contains("momentum=0 is not modelled"));
    assert!(err("hr-heavy-ball", "sgd:lr=0.01,momentum=0.9,nesterov=true").contains("nesterov"));
    assert!(err("hr-nesterov-sc", "sgd:lr=0.01,momentum=0.9")
        .contains("nesterov=false is not modelled"));
    assert!(err("hr-nesterov-c", "sgd:lr=0.01").contains("models the optimizer nag-c"));
    assert!(err("hr-heavy-ball:start=late", "sgd:lr=0.01,momentum=0.9")
        .contains("start must be matched or paper, got 'late'"));
}

#[test]
fn the_matched_start_and_t0_are_as_documented() {
    // f = ½(x² + 4y²), ∇f(x0) = (1, −2): heavy ball v(0) = −α/(1+α)·∇f, NAG-SC
    // v(0) = −(1+α)∇f + ∇f/(1+α), NAG-C v(1.5·lr) = −∇f.
    let p = Problem::parse("quadratic:diag=1;4", vec![1.0, -0.5]).unwrap();
    let (s, a) = (0.01f64, 0.8f64);
    let g = [1.0, -2.0];
    let first = |m: &str, o: &str| {
        let opt = optim::parse(o).unwrap();
        let m = model::parse(m, opt.as_ref(), p.objective().clone()).unwrap();
        let tr = Run::model(&p, m.as_ref(), s).steps(1).trajectory().unwrap();
        (tr.t(0), tr.block(0, "vel").unwrap().to_vec())
    };
    let hb = format!("sgd:lr={s},momentum={a}");
    let (t, v) = first("hr-heavy-ball", &hb);
    assert_eq!(t, 0.0);
    for j in 0..2 {
        assert!((v[j] + a / (1.0 + a) * g[j]).abs() < 1e-15);
    }
    let (_, v) = first("hr-heavy-ball:start=paper", &hb);
    assert!((v[1] + (1.0 + a) * g[1]).abs() < 1e-15);
    let (_, v) = first("hr-nesterov-sc", &format!("{hb},nesterov=true"));
    assert!((v[0] - (-(1.0 + a) * g[0] + g[0] / (1.0 + a))).abs() < 1e-15);
    let (t, v) = first("hr-nesterov-c", &format!("nag-c:lr={s}"));
    assert!((t - 1.5 * s).abs() < 1e-18);
    assert_eq!(v, vec![-1.0, 2.0]);
}
