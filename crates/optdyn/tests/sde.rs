//! SDE conformance: strong orders of Euler–Maruyama (½) and Milstein (1) on geometric Brownian
//! motion against its closed form driven by the same increments; weak orders of Euler–Maruyama
//! (1) and Talay–Tubaro (2) on the Ornstein–Uhlenbeck mean, measured without sampling error
//! through antithetic pairs (the scheme is linear, so each pair's noise cancels exactly);
//! the Monte Carlo second moments against the schemes' exact discrete moments; reproducibility
//! at any thread count; bad input.

use optdyn::analysis::fit::power_law;
use optdyn::integrate::sde::{
    mean_and_error, solve_path, solve_paths, talay_tubaro, Brownian, SdeGrid, SdeScheme, SdeSystem,
};

/// `dX = μX dt + σX dW`: `X_T = x0·exp((μ − σ²/2)T + σW_T)`.
struct Gbm {
    mu: f64,
    sigma: f64,
}

impl SdeSystem for Gbm {
    fn dim(&self) -> usize {
        1
    }
    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = self.mu * x[0];
    }
    fn noise(&self, _t: f64, x: &[f64], dw: &[f64], out: &mut [f64]) {
        out[0] = self.sigma * x[0] * dw[0];
    }
    fn diagonal(&self, _t: f64, x: &[f64], s: &mut [f64], slope: &mut [f64]) -> bool {
        s[0] = self.sigma * x[0];
        slope[0] = self.sigma;
        true
    }
}

/// `dX = −λX dt + σ dW`: `E X_T = x0 e^{−λT}`, `Var X_T = σ²(1 − e^{−2λT})/(2λ)`.
struct Ou {
    lambda: f64,
    sigma: f64,
}

impl SdeSystem for Ou {
    fn dim(&self) -> usize {
        1
    }
    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = -self.lambda * x[0];
    }
    fn noise(&self, _t: f64, _x: &[f64], dw: &[f64], out: &mut [f64]) {
        out[0] = self.sigma * dw[0];
    }
    fn diagonal(&self, _t: f64, _x: &[f64], s: &mut [f64], slope: &mut [f64]) -> bool {
        s[0] = self.sigma;
        slope[0] = 0.0;
        true
    }
    fn additive_noise(&self) -> bool {
        true
    }
}

const STEPS: [u64; 5] = [8, 16, 32, 64, 128];

fn grid(steps: u64) -> SdeGrid {
    SdeGrid {
        t0: 0.0,
        t_end: 1.0,
        steps,
    }
}

fn hs() -> Vec<f64> {
    STEPS.iter().map(|&n| 1.0 / n as f64).collect()
}

#[test]
fn strong_orders_on_geometric_brownian_motion() {
    let sys = Gbm {
        mu: 0.5,
        sigma: 0.8,
    };
    let paths = 2000u64;
    let b = Brownian::new(11);
    for (scheme, want) in [(SdeScheme::EulerMaruyama, 0.5), (SdeScheme::Milstein, 1.0)] {
        let errs: Vec<f64> = STEPS
            .iter()
            .map(|&n| {
                let mut total = 0.0;
                for p in 0..paths {
                    let mut w = 0.0;
                    let end = solve_path(
                        &sys,
                        scheme,
                        &[1.0],
                        &grid(n),
                        &mut b.path(p),
                        |_, _, _, dw| w += dw[0],
                    )
                    .unwrap();
                    let exact = ((sys.mu - 0.5 * sys.sigma * sys.sigma) + sys.sigma * w).exp();
                    total += (end[0] - exact).abs();
                }
                total / paths as f64
            })
            .collect();
        let fit = power_law(&hs(), &errs).unwrap();
        eprintln!(
            "{} strong order {:.3} ± {:.3}",
            scheme.name(),
            fit.p,
            fit.p_stderr
        );
        assert!(
            (fit.p - want).abs() < 0.1,
            "{}: strong order {} ± {} ({errs:?})",
            scheme.name(),
            fit.p,
            fit.p_stderr
        );
    }
}

#[test]
fn weak_orders_on_the_ornstein_uhlenbeck_mean_without_sampling_error() {
    let sys = Ou {
        lambda: 2.0,
        sigma: 0.7,
    };
    let exact = (-2.0f64).exp();
    let b = Brownian::antithetic(3);
    let paths = 64;
    for scheme in [SdeScheme::EulerMaruyama, SdeScheme::Milstein] {
        let errs: Vec<f64> = STEPS
            .iter()
            .map(|&n| {
                let ends = solve_paths(&sys, scheme, &[1.0], &grid(n), &b, paths).unwrap();
                let mean = ends.iter().sum::<f64>() / paths as f64;
                // The discrete mean is x0(1 − λh)^N: antithetic pairs leave no noise.
                let h = 1.0 / n as f64;
                assert!(
                    (mean - (1.0 - 2.0 * h).powi(n as i32)).abs() < 1e-14,
                    "{mean}"
                );
                (mean - exact).abs()
            })
            .collect();
        let fit = power_law(&hs(), &errs).unwrap();
        eprintln!("{} weak order (OU mean) {:.3}", scheme.name(), fit.p);
        assert!(
            (fit.p - 1.0).abs() < 0.05,
            "{}: weak order {}",
            scheme.name(),
            fit.p
        );
    }
    let errs: Vec<f64> = STEPS
        .iter()
        .map(|&n| {
            let (mean, se) = talay_tubaro(&sys, &[1.0], &grid(n), &b, paths, |x| x[0]).unwrap();
            assert!(se < 1e-13, "antithetic pairs cancel: {se}");
            (mean - exact).abs()
        })
        .collect();
    let fit = power_law(&hs(), &errs).unwrap();
    eprintln!("talay-tubaro weak order (OU mean) {:.3}", fit.p);
    assert!(
        (fit.p - 2.0).abs() < 0.1,
        "talay-tubaro: weak order {} ({errs:?})",
        fit.p
    );
}

/// The weak order-2 scheme on Ornstein–Uhlenbeck: one step is `X₁ = R X₀ + (1 − λh/2)σΔW` with
/// `R = 1 − λh + λ²h²/2` (derived from the scheme), so its moments follow exact recursions;
/// the simulated moments match them (antithetic mean to 1e-14, second moment within 4 standard
/// errors), and the recursions' errors against the OU closed forms have slope 2. The strong
/// order is measured against the same scheme at 1/64 of the step on the same Brownian paths.
#[test]
fn weak2_has_weak_order_two_and_strong_order_one_for_additive_noise() {
    let (lambda, sigma) = (2.0, 0.7);
    let sys = Ou { lambda, sigma };
    let mean_exact = (-2.0f64 * lambda / 2.0).exp();
    let second_exact =
        (-2.0 * lambda).exp() + sigma * sigma * (1.0 - (-2.0 * lambda).exp()) / (2.0 * lambda);
    let b = Brownian::antithetic(5);
    let paths = 4000;
    let (mut mean_errs, mut second_errs) = (Vec::new(), Vec::new());
    for &n in &STEPS {
        let h = 1.0 / n as f64;
        let r = 1.0 - lambda * h + 0.5 * (lambda * h).powi(2);
        let c = (1.0 - 0.5 * lambda * h) * sigma;
        let (mut m, mut v) = (1.0, 0.0);
        for _ in 0..n {
            m *= r;
            v = r * r * v + c * c * h;
        }
        let ends = solve_paths(&sys, SdeScheme::Weak2, &[1.0], &grid(n), &b, paths).unwrap();
        let mean = ends.iter().sum::<f64>() / paths as f64;
        assert!((mean - m).abs() < 1e-14, "{mean} vs {m}");
        let squares: Vec<f64> = ends.iter().map(|x| x * x).collect();
        let (s2, se) = mean_and_error(&squares, true);
        assert!(
            (s2 - (m * m + v)).abs() < 4.0 * se,
            "{s2} ± {se} vs {}",
            m * m + v
        );
        mean_errs.push((m - mean_exact).abs());
        second_errs.push((m * m + v - second_exact).abs());
    }
    for (what, errs) in [("mean", &mean_errs), ("second moment", &second_errs)] {
        let fit = power_law(&hs(), errs).unwrap();
        eprintln!("weak2 weak order (OU {what}) {:.3}", fit.p);
        assert!((fit.p - 2.0).abs() < 0.1, "{what}: {} ({errs:?})", fit.p);
    }
    // Strong order: coarse steps driven by sums of 64 fine increments.
    let fine = 64u64;
    let mut work = vec![0.0; 3];
    let errs: Vec<f64> = STEPS
        .iter()
        .map(|&n| {
            let h = 1.0 / n as f64;
            let mut total = 0.0;
            for p in 0..500u64 {
                let mut path = Brownian::new(17).path(p);
                let (mut coarse, mut reference) = ([1.0], [1.0]);
                let mut dw = [0.0];
                for k in 0..n {
                    let mut sum = 0.0;
                    for j in 0..fine {
                        path.increments(h / fine as f64, &mut dw);
                        sum += dw[0];
                        let t = (k * fine + j) as f64 * h / fine as f64;
                        SdeScheme::Weak2.step(
                            &sys,
                            t,
                            h / fine as f64,
                            &mut reference,
                            &dw,
                            &mut work,
                        );
                    }
                    SdeScheme::Weak2.step(&sys, k as f64 * h, h, &mut coarse, &[sum], &mut work);
                }
                total += (coarse[0] - reference[0]).abs();
            }
            total / 500.0
        })
        .collect();
    let fit = power_law(&hs(), &errs).unwrap();
    eprintln!("weak2 strong order (OU) {:.3}", fit.p);
    assert!(
        (fit.p - 1.0).abs() < 0.15,
        "strong order {} ({errs:?})",
        fit.p
    );
    // It refuses state-dependent noise.
    let gbm = Gbm {
        mu: 0.1,
        sigma: 0.3,
    };
    let e = solve_paths(&gbm, SdeScheme::Weak2, &[1.0], &grid(4), &b, 2).unwrap_err();
    assert!(e.to_string().contains("additive"), "{e}");
}

#[test]
fn ensembles_do_not_depend_on_the_thread_count() {
    let sys = Gbm {
        mu: 0.1,
        sigma: 0.3,
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                solve_paths(
                    &sys,
                    SdeScheme::Milstein,
                    &[1.0],
                    &grid(50),
                    &Brownian::new(9),
                    37,
                )
                .unwrap()
            })
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(
        one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        two.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

struct NoSlope;

impl SdeSystem for NoSlope {
    fn dim(&self) -> usize {
        1
    }
    fn drift(&self, _t: f64, _x: &[f64], out: &mut [f64]) {
        out[0] = 0.0;
    }
    fn noise(&self, _t: f64, _x: &[f64], dw: &[f64], out: &mut [f64]) {
        out[0] = dw[0];
    }
}

#[test]
fn bad_input_is_a_one_line_error() {
    let b = Brownian::new(1);
    let e = |r: optdyn::Result<Vec<f64>>| r.unwrap_err().to_string();
    let g0 = SdeGrid {
        t0: 0.0,
        t_end: 1.0,
        steps: 0,
    };
    assert!(e(solve_paths(
        &NoSlope,
        SdeScheme::EulerMaruyama,
        &[0.0],
        &g0,
        &b,
        4
    ))
    .contains("steps must be >= 1"));
    let back = SdeGrid {
        t0: 1.0,
        t_end: 1.0,
        steps: 4,
    };
    assert!(e(solve_paths(
        &NoSlope,
        SdeScheme::EulerMaruyama,
        &[0.0],
        &back,
        &b,
        4
    ))
    .contains("t_end must be > t0"));
    assert!(e(solve_paths(
        &NoSlope,
        SdeScheme::EulerMaruyama,
        &[0.0],
        &grid(4),
        &b,
        0
    ))
    .contains("paths must be >= 1"));
    assert!(e(solve_paths(
        &NoSlope,
        SdeScheme::Milstein,
        &[0.0],
        &grid(4),
        &b,
        4
    ))
    .contains("use euler-maruyama"));
    assert!(e(solve_paths(
        &NoSlope,
        SdeScheme::EulerMaruyama,
        &[0.0, 1.0],
        &grid(4),
        &b,
        4
    ))
    .contains("x0 has 2 entries"));
    assert!(SdeScheme::parse("heun")
        .unwrap_err()
        .to_string()
        .contains("euler-maruyama"));
    assert_eq!(SdeScheme::parse("milstein").unwrap(), SdeScheme::Milstein);
}

/// `E X_N²` of Euler–Maruyama on Ornstein–Uhlenbeck, exactly: `m_{k+1} = (1 − λh)² m_k + σ²h`.
fn em_second_moment(l: f64, s: f64, n: u64) -> f64 {
    let h = 1.0 / n as f64;
    let a = 1.0 - l * h;
    (0..n).fold(1.0, |m, _| a * a * m + s * s * h)
}

/// `E X_T²` on Ornstein–Uhlenbeck: the ensembles of Euler–Maruyama and of Talay–Tubaro agree
/// with the schemes' exact discrete second moments within 4 standard errors (2·10⁴ paths), and
/// those moments converge to the SDE's with weak orders 1 and 2.
#[test]
fn second_moment_ensembles_match_the_exact_discrete_moments() {
    let (l, s): (f64, f64) = (1.0, 0.7);
    let sys = Ou {
        lambda: l,
        sigma: s,
    };
    let exact = (-2.0 * l).exp() + s * s * (1.0 - (-2.0 * l).exp()) / (2.0 * l);
    let b = Brownian::new(5);
    let paths = 20_000;
    let steps = [4u64, 8, 16, 32];
    let (mut em_err, mut tt_err) = (Vec::new(), Vec::new());
    for &n in &steps {
        let ends =
            solve_paths(&sys, SdeScheme::EulerMaruyama, &[1.0], &grid(n), &b, paths).unwrap();
        let squares: Vec<f64> = ends.iter().map(|x| x * x).collect();
        let (mc, se) = mean_and_error(&squares, false);
        let em = em_second_moment(l, s, n);
        assert!((mc - em).abs() < 4.0 * se, "EM n={n}: {mc} vs {em} ± {se}");
        let (tt_mc, tt_se) =
            talay_tubaro(&sys, &[1.0], &grid(n), &b, paths, |x| x[0] * x[0]).unwrap();
        let tt = 2.0 * em_second_moment(l, s, 2 * n) - em;
        assert!(
            (tt_mc - tt).abs() < 4.0 * tt_se,
            "TT n={n}: {tt_mc} vs {tt} ± {tt_se}"
        );
    }
    // The moments' orders, past the pre-asymptotic range of the coarse grids above (where the
    // O(h²) term of Euler–Maruyama's error is still comparable to its O(h) term).
    let fine = [64u64, 128, 256, 512];
    for &n in &fine {
        let em = em_second_moment(l, s, n);
        em_err.push((em - exact).abs());
        tt_err.push((2.0 * em_second_moment(l, s, 2 * n) - em - exact).abs());
    }
    let hs: Vec<f64> = fine.iter().map(|&n| 1.0 / n as f64).collect();
    let (p1, p2) = (
        power_law(&hs, &em_err).unwrap().p,
        power_law(&hs, &tt_err).unwrap().p,
    );
    eprintln!(
        "E X² weak orders (exact discrete moments): Euler–Maruyama {p1:.3}, Talay–Tubaro {p2:.3}"
    );
    assert!((p1 - 1.0).abs() < 0.1, "EM weak order {p1} {em_err:?}");
    assert!(
        (p2 - 2.0).abs() < 0.15,
        "Talay–Tubaro weak order {p2} {tt_err:?}"
    );
}
