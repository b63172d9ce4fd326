//! Memory kernels: exact recursion vs history quadrature, Heredia's kernel numbers, closed forms,
//! sum-of-exponentials fast path.

use optdyn::kernel::{Convolution, Kernel, Recursion, StateSpace, SumOfExponentials};
use std::sync::Arc;

fn input(t: f64) -> f64 {
    (3.0 * t).sin() + 0.5 + 0.2 * t
}

/// Memory integral at `t = steps·h` of `input` through `conv`.
fn run(conv: &mut dyn Convolution, h: f64, steps: usize) -> f64 {
    let mut y = 0.0;
    for k in 0..=steps {
        y = conv.push(input(k as f64 * h));
    }
    y
}

#[test]
fn recursion_and_quadrature_agree_on_exponential_and_second_order_kernels() {
    let (alpha, h, steps) = (0.05, 1e-3, 2000);
    let mut kernels = vec![
        StateSpace::exponential(2.0, 2.0),
        StateSpace::exponential(0.3, 7.0),
    ];
    for beta in [0.2, 0.5, 0.9, 0.99] {
        kernels.push(StateSpace::second_order(beta, alpha));
    }
    for ss in kernels {
        let mut rec = Recursion::new(ss, h).unwrap();
        let mut quad = Kernel::StateSpace(ss).quadrature(h).unwrap();
        let mut worst = 0.0f64;
        for k in 0..=steps {
            let u = input(k as f64 * h);
            worst = worst.max((rec.push(u) - quad.push(u)).abs());
        }
        assert!(worst <= 1e-8, "{ss:?}: {worst:e}");
    }
}

#[test]
fn heredia_kernel_numbers() {
    // heredia.md §2.1: g(t) = sin 3t + 0.5 + 0.2t, α = 0.05, T = 2; first-order and second-order
    // memory ((1−β)/α)∫K_β(T−τ)g(τ)dτ.
    let (alpha, h): (f64, f64) = (0.05, 2e-5);
    let steps = (2.0 / h).round() as usize;
    for (beta, first, second) in [
        (0.9, 0.271_997_599_9, 0.245_245_404_3),
        (0.99, 0.214_685_823_4, 0.213_800_291_9),
        (0.5, 0.359_388_454_4, 0.343_245_929_4),
        (0.2, 0.443_656_447_9, 0.435_251_162_1),
    ] {
        let lam = (1.0 - beta) / alpha;
        let mut r1 = Recursion::new(StateSpace::exponential(lam, lam), h).unwrap();
        let mut r2 = Recursion::new(StateSpace::second_order(beta, alpha), h).unwrap();
        let (y1, y2) = (run(&mut r1, h, steps), run(&mut r2, h, steps));
        assert!(
            (y1 - first).abs() < 2e-9,
            "β={beta}: first order {y1:.10} vs {first}"
        );
        assert!(
            (y2 - second).abs() < 2e-9,
            "β={beta}: second order {y2:.10} vs {second}"
        );
    }
}

#[test]
fn second_order_kernels_have_the_closed_forms_and_unit_mass() {
    let alpha = 0.1;
    for beta in [0.2, 0.5, 0.9, 0.99] {
        let ss = StateSpace::second_order(beta, alpha);
        let closed = |s: f64| {
            let e = (-s / alpha).exp();
            let k = if beta > 0.5 {
                let kap = (2.0 * beta - 1.0f64).sqrt();
                2.0 / kap * e * (kap * s / alpha).sinh()
            } else if beta == 0.5 {
                2.0 * s / alpha * e
            } else {
                let rho = (1.0 - 2.0 * beta).sqrt();
                2.0 / rho * e * (rho * s / alpha).sin()
            };
            (1.0 - beta) / alpha * k
        };
        for s in [0.0, 0.01, 0.1, 0.37, 1.0, 3.0] {
            let (a, b) = (ss.eval(s), closed(s));
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                "β={beta} s={s}: {a} vs {b}"
            );
        }
        // Unit mass: the response to u ≡ 1 tends to 1.
        let h = 0.01;
        let mut r = Recursion::new(ss, h).unwrap();
        let t_end = 40.0 * alpha / (1.0 - beta).min(0.5);
        let mut y = 0.0;
        for _ in 0..=(t_end / h) as usize {
            y = r.push(1.0);
        }
        assert!((y - 1.0).abs() < 1e-9, "β={beta}: mass {y}");
    }
}

#[test]
fn power_law_quadrature_is_exact_for_linear_inputs() {
    // ∫_0^t (t−τ)^{−a}(p + qτ) dτ = p t^{1−a}/(1−a) + q t^{2−a}/((1−a)(2−a)).
    let (a, h) = (0.4, 0.01);
    let mut quad = Kernel::PowerLaw {
        coef: 1.0,
        exponent: a,
    }
    .quadrature(h)
    .unwrap();
    let (p, q) = (0.7, -1.3);
    for k in 0..=500 {
        let t = k as f64 * h;
        let y = quad.push(p + q * t);
        let want = p * t.powf(1.0 - a) / (1.0 - a) + q * t.powf(2.0 - a) / ((1.0 - a) * (2.0 - a));
        assert!((y - want).abs() < 1e-12, "t={t}: {y} vs {want}");
    }
}

#[test]
fn sum_of_exponentials_fast_path_for_the_power_law() {
    let (a, h) = (0.5, 0.01);
    let soe = SumOfExponentials::power_law(1.0, a, 1e-12, 20.0, 0.25).unwrap();
    for s in [1e-12, 1e-6, 1e-3, 0.1, 1.0, 7.0, 20.0] {
        let rel = (soe.eval(s) / s.powf(-a) - 1.0).abs();
        assert!(rel < 1e-6, "s={s}: relative error {rel:e}");
    }
    // Convolution through the exact recursions vs the history quadrature at t = 10.
    let mut fast = soe.convolution(h).unwrap();
    let mut slow = Kernel::PowerLaw {
        coef: 1.0,
        exponent: a,
    }
    .quadrature(h)
    .unwrap();
    let (yf, ys) = (run(&mut fast, h, 1000), run(&mut slow, h, 1000));
    assert!((yf - ys).abs() < 1e-6 * ys.abs(), "{yf} vs {ys}");
}

#[test]
fn least_squares_fit_of_a_user_kernel() {
    let user = Kernel::Custom(Arc::new(|s: f64| 1.0 / (1.0 + s).powi(2)));
    let soe = SumOfExponentials::fit(&user, 1e-3, 50.0, 32).unwrap();
    let mut worst = 0.0f64;
    for i in 0..200 {
        let s = 1e-3 * (5e4f64).powf(i as f64 / 199.0);
        worst = worst.max((soe.eval(s) / user.eval(s) - 1.0).abs());
    }
    // Measured 2.8e-6 with 32 rates on [1e-3, 50] (MemoryFit doubles the rates to meet a tol).
    assert!(worst < 1e-5, "fit relative error {worst:e}");
    // A custom exponential kernel: quadrature equals the exact recursion.
    let h = 0.01;
    let mut quad = Kernel::Custom(Arc::new(|s: f64| 2.0 * (-s).exp()))
        .quadrature(h)
        .unwrap();
    let mut rec = Recursion::new(StateSpace::exponential(2.0, 1.0), h).unwrap();
    let (yq, yr) = (run(&mut quad, h, 300), run(&mut rec, h, 300));
    assert!((yq - yr).abs() < 1e-12, "{yq} vs {yr}");
}

#[test]
fn bad_kernel_input_is_a_spec_error() {
    let e = Recursion::new(StateSpace::exponential(1.0, 1.0), 0.0)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "kernel: step h must be > 0, got 0");
    let e = Kernel::PowerLaw {
        coef: 1.0,
        exponent: 1.5,
    }
    .quadrature(0.1)
    .unwrap_err()
    .to_string();
    assert_eq!(e, "kernel: power-law exponent must be in (0, 1), got 1.5");
    assert!(StateSpace::sum_of_exponentials(&[]).is_err());
}
