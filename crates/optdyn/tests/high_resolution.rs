//! High-resolution ODEs (Shi, Du, Jordan & Su 2018) against heavy ball, NAG-SC and NAG-C: the gap
//! `max_k ‖x_k − X(t_k)‖` on a fixed horizon `t' = k√s ≤ 5` as `s → 0`, with the momentum
//! `α = (1 − √(μs))/(1 + √(μs))` (μ = 1), fitted in `s`: order 1 for the high-resolution ODEs
//! with the matched start, ½ for the low-resolution ODEs and for the paper's stated start.

use optdyn::analysis::fit::power_law;
use optdyn::integrate::Rk4;
use optdyn::model::{self, Model};
use optdyn::optim::{self, Optimizer};
use optdyn::run::{Problem, Run};

const STEPS: [f64; 4] = [1e-2, 2.5e-3, 6.25e-4, 1.5625e-4];

fn alpha(s: f64) -> f64 {
    (1.0 - s.sqrt()) / (1.0 + s.sqrt())
}

/// `max_k ‖x_k − X(t_k)‖` for `k√s ≤ 5`.
fn gap(objective: &str, opt: &dyn Optimizer<f64>, model: &dyn Model) -> f64 {
    let p = Problem::parse(objective, vec![1.0, -0.5]).unwrap();
    let s = opt.lr();
    let k = (5.0 / s.sqrt()).round() as u64;
    let d = Run::discrete(&p, opt).steps(k).trajectory().unwrap();
    let m = Run::model(&p, model, s)
        .integrator(&Rk4::substeps(20))
        .steps(k)
        .trajectory()
        .unwrap();
    assert!(d.stop.is_ok() && m.stop.is_ok());
    (0..d.len())
        .map(|i| optdyn::vector::distance(d.x(i), m.x(i)))
        .fold(0.0, f64::max)
}

/// The fitted order in `s` of the gap of `model_spec` (built for `discrete(s)`, or for
/// `for_model(s)` when the low-resolution ODE is defined for a neighbouring optimizer).
fn order(
    objective: &str,
    discrete: impl Fn(f64) -> String,
    for_model: impl Fn(f64) -> String,
    model_spec: &str,
) -> (f64, Vec<f64>) {
    let gaps: Vec<f64> = STEPS
        .iter()
        .map(|&s| {
            let p = Problem::parse(objective, vec![1.0, -0.5]).unwrap();
            let opt = optim::parse(&discrete(s)).unwrap();
            let mopt = optim::parse(&for_model(s)).unwrap();
            let m = model::parse(model_spec, mopt.as_ref(), p.objective().clone()).unwrap();
            gap(objective, opt.as_ref(), m.as_ref())
        })
        .collect();
    let fit = power_law(&STEPS, &gaps).unwrap();
    (fit.p, gaps)
}

#[test]
fn high_resolution_odes_are_first_order_in_the_step() {
    let hb = |s: f64| format!("sgd:lr={s},momentum={}", alpha(s));
    let nag = |s: f64| format!("sgd:lr={s},momentum={},nesterov=true", alpha(s));
    let nagc = |s: f64| format!("nag-c:lr={s}");
    for objective in [
        "quadratic:diag=1;4",
        "expr:0.5*x^2 + 0.5*y^2 + log(1 + exp(x + 2*y))",
    ] {
        // (label, discrete, optimizer the model is built for, model, order range)
        type Case<'a> = (
            &'a str,
            &'a dyn Fn(f64) -> String,
            &'a dyn Fn(f64) -> String,
            &'a str,
            (f64, f64),
        );
        let (first, half, paper) = ((0.93, 1.07), (0.43, 0.57), (0.3, 0.6));
        let cases: [Case; 8] = [
            ("heavy ball, HR", &hb, &hb, "hr-heavy-ball", first),
            (
                "heavy ball, HR, paper start",
                &hb,
                &hb,
                "hr-heavy-ball:start=paper",
                paper,
            ),
            ("heavy ball, low-res", &hb, &hb, "heavy-ball", half),
            ("NAG-SC, HR", &nag, &nag, "hr-nesterov-sc", first),
            (
                "NAG-SC, HR, paper start",
                &nag,
                &nag,
                "hr-nesterov-sc:start=paper",
                paper,
            ),
            (
                "NAG-SC, low-res (heavy-ball ODE)",
                &nag,
                &hb,
                "heavy-ball",
                half,
            ),
            ("NAG-C, HR", &nagc, &nagc, "hr-nesterov-c", first),
            (
                "NAG-C, low-res (Su–Boyd–Candès)",
                &nagc,
                &nagc,
                "nesterov",
                half,
            ),
        ];
        for (label, d, m, spec, (lo, hi)) in cases {
            let (p, gaps) = order(objective, d, m, spec);
            eprintln!("{objective} | {label}: order {p:.3}, gaps {gaps:?}");
            assert!(p > lo && p < hi, "{objective} | {label}: order {p}");
        }
    }
}

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
