//! Conformance suite for the integrators: one library of problems with closed-form solutions
//! (`integrate::problems`), one harness every scheme must pass.

use optdyn::integrate::problems::{library, ExpDecay, Oscillator, QuadraticFlow, TestProblem};
use optdyn::integrate::{catalog, parse, Direction, Event, OdeSystem, Solution, SolveOptions};
use optdyn::trajectory::StopReason;
use std::sync::Arc;

/// Fixed-step schemes with their declared orders and whether they need a `[x, v]` state.
const FIXED: &[(&str, u32, bool)] = &[
    ("euler", 1, false),
    ("heun", 2, false),
    ("midpoint", 2, false),
    ("rk4", 4, false),
    ("ssprk2", 2, false),
    ("ssprk3", 3, false),
    // Ralston's second-order and Kutta's third-order tableaus given by the user.
    ("butcher:a=2/3,b=1/4;3/4", 2, false),
    ("butcher:a=1/2;-1;2,b=1/6;2/3;1/6", 3, false),
    ("backward-euler", 1, false),
    ("trapezoid", 2, false),
    ("newmark", 2, true),
    ("newmark:beta=0.1,gamma=0.5", 2, true),
    ("newmark:beta=0.25,gamma=0.6", 1, true),
    ("central-difference", 2, true),
    ("staggered", 2, true),
    ("verlet", 2, true),
    ("symplectic-euler", 1, true),
];

fn with_dt(spec: &str, dt: f64) -> String {
    if spec.contains(':') {
        format!("{spec},dt={dt}")
    } else {
        format!("{spec}:dt={dt}")
    }
}

fn solve_end(spec: &str, p: &dyn TestProblem) -> (Vec<f64>, Solution) {
    let integ = parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
    let sol = integ.solve(p, p.t0(), &p.y0(), &SolveOptions::at(vec![p.t_end()]));
    assert_eq!(sol.stop, StopReason::Finished, "{spec} on {}", p.name());
    let mut exact = vec![0.0; p.dim()];
    p.exact(p.t_end(), &mut exact);
    (exact, sol)
}

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
}

/// Least-squares slope of `log(err)` against `log(dt)`.
fn slope(dts: &[f64], errs: &[f64]) -> f64 {
    let xs: Vec<f64> = dts.iter().map(|d| d.ln()).collect();
    let ys: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

#[test]
fn every_fixed_step_scheme_has_its_declared_order_on_every_problem() {
    let mut report = Vec::new();
    for &(spec, order, second) in FIXED {
        let integ = parse(&with_dt(spec, 0.1)).unwrap();
        assert_eq!(integ.order(), Some(order), "{spec} declared order");
        for p in library() {
            if second && !p.second_order_layout() {
                continue;
            }
            let span = p.t_end() - p.t0();
            // Coarsest step count per order: in the asymptotic range, above round-off at the finest.
            let base = [0.0, 100.0, 20.0, 10.0, 5.0][order as usize];
            let n0 = (base * span * p.rate()).ceil() as usize;
            let mut dts = Vec::new();
            let mut errs = Vec::new();
            for r in 0..5 {
                let dt = span / (n0 << r) as f64;
                let (exact, sol) = solve_end(&with_dt(spec, dt), p.as_ref());
                dts.push(dt);
                errs.push(max_err(&exact, sol.last().unwrap()));
            }
            let q = slope(&dts, &errs);
            report.push(format!(
                "{spec:38} {:40} order {q:.3} (errors {:.2e} .. {:.2e})",
                p.name(),
                errs[0],
                errs[4]
            ));
            assert!(
                (q - order as f64).abs() <= 0.15,
                "{spec} on {}: measured order {q:.3}, declared {order}; errors {errs:?}",
                p.name()
            );
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn dopri5_meets_its_tolerance_on_every_problem_at_every_sample() {
    for p in library() {
        for tol in [1e-6, 1e-9, 1e-12] {
            let spec = format!("dopri5:rtol={tol},atol={tol}");
            let integ = parse(&spec).unwrap();
            let m = 37;
            let t_eval: Vec<f64> = (0..=m)
                .map(|k| p.t0() + (p.t_end() - p.t0()) * k as f64 / m as f64)
                .collect();
            let sol = integ.solve(
                p.as_ref(),
                p.t0(),
                &p.y0(),
                &SolveOptions::at(t_eval.clone()),
            );
            assert_eq!(sol.stop, StopReason::Finished);
            assert_eq!(sol.t, t_eval);
            let mut exact = vec![0.0; p.dim()];
            let mut worst = 0.0f64;
            for (i, &t) in sol.t.iter().enumerate() {
                p.exact(t, &mut exact);
                let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                worst = worst.max(max_err(&exact, sol.state(i)) / (tol * (1.0 + scale)));
            }
            let st = sol.stats;
            println!(
                "{:40} tol {tol:.0e}: error/tol {worst:.3}, {} rhs, {} accepted, {} rejected",
                p.name(),
                st.rhs_evals,
                st.accepted,
                st.rejected
            );
            // Local error control: the global error stays within 2·tol (measured max 1.41).
            assert!(
                worst <= 2.0,
                "{} at tol {tol}: error/tol = {worst}",
                p.name()
            );
            assert_eq!(
                st.rhs_evals,
                2 + 6 * (st.accepted + st.rejected),
                "FSAL count"
            );
        }
    }
}

#[test]
fn dopri5_dense_output_is_fourth_order_between_steps() {
    // hmax = h0 forces steps of h; samples sit mid-step, so the error is the interpolant's,
    // O(h⁵) locally → slope 5 vs h (the propagated solution is 5th order too).
    let p = ExpDecay {
        lambda: -1.0,
        c0: 1.0,
        t_end: 1.0,
    };
    let mut errs = Vec::new();
    let mut hs = Vec::new();
    for r in 0..4 {
        let h = 0.25 / (1 << r) as f64;
        let integ = parse(&format!("dopri5:rtol=1e3,atol=1e3,h0={h},hmax={h}")).unwrap();
        let t_eval: Vec<f64> = (0..10).map(|k| 0.037 + 0.09 * k as f64).collect();
        let sol = integ.solve(&p, 0.0, &[1.0], &SolveOptions::at(t_eval));
        let e = sol.t.iter().enumerate().fold(0.0f64, |m, (i, t)| {
            m.max((sol.state(i)[0] - (-t).exp()).abs())
        });
        errs.push(e);
        hs.push(h);
    }
    let q = slope(&hs, &errs);
    assert!(q > 4.8, "dense output order {q}, errors {errs:?}");
}

#[test]
fn fixed_step_samples_land_exactly_on_k_lr() {
    let lr = 0.1;
    let lam = -1.3;
    let p = ExpDecay {
        lambda: lam,
        c0: 1.0,
        t_end: 1.0,
    };
    let k_max = 25u64;
    let t_eval: Vec<f64> = (0..=k_max).map(|k| k as f64 * lr).collect();
    let integ = parse("euler:substeps=7").unwrap();
    let sol = integ.solve(
        &p,
        0.0,
        &[1.0],
        &SolveOptions::at(t_eval.clone()).with_lr(lr),
    );
    assert_eq!(sol.t, t_eval);
    assert_eq!(sol.stats.accepted, 7 * k_max);
    // Same arithmetic by hand: c ← c + dt·(λc), 7 steps per sample.
    let dt = lr / 7.0;
    let mut c = 1.0f64;
    for k in 0..=k_max as usize {
        assert_eq!(sol.state(k)[0], c, "sample {k}");
        for _ in 0..7 {
            c += dt * 1.0 * (lam * c);
        }
    }
    // A model starting at t0 = lr/100 (samples from lr on): one partial step onto the grid, then
    // exactly `substeps` steps per sample.
    let t_eval: Vec<f64> = (1..=k_max).map(|k| k as f64 * lr).collect();
    let sol = parse("rk4:substeps=4").unwrap().solve(
        &p,
        lr / 100.0,
        &[1.0],
        &SolveOptions::at(t_eval.clone()).with_lr(lr),
    );
    assert_eq!(sol.t, t_eval);
    assert_eq!(sol.stats.accepted, 4 * k_max);
    // RK4's stability function R(z) = 1 + z + z²/2 + z³/6 + z⁴/24: one partial step of
    // h = lr/4 − lr/100, then 4K − 1 steps of lr/4.
    let r = |z: f64| 1.0 + z + z * z / 2.0 + z * z * z / 6.0 + z * z * z * z / 24.0;
    let want = r(lam * (lr / 4.0 - lr / 100.0)) * r(lam * lr / 4.0).powi(4 * k_max as i32 - 1);
    let got = sol.last().unwrap()[0];
    assert!((got - want).abs() < 1e-14, "{got} vs {want}");
}

#[test]
fn forward_euler_stability_matches_the_lecture_example() {
    let p = ExpDecay {
        lambda: -1.0,
        c0: 1.0,
        t_end: 30.0,
    };
    let t_eval: Vec<f64> = (0..=60).map(|k| k as f64 * 0.5).collect();
    let stable = parse("euler:dt=0.5")
        .unwrap()
        .solve(&p, 0.0, &[1.0], &SolveOptions::at(t_eval));
    assert_eq!(stable.stop, StopReason::Finished);
    for (k, _) in stable.t.iter().enumerate() {
        assert_eq!(
            stable.state(k)[0],
            0.5f64.powi(k as i32),
            "c_k = (1 − 0.5)^k"
        );
    }
    let t_eval: Vec<f64> = (0..=60).map(|k| k as f64 * 3.0).collect();
    let mut o = SolveOptions::at(t_eval);
    o.max_abs = 1e6;
    let unstable = parse("euler:dt=3").unwrap().solve(&p, 0.0, &[1.0], &o);
    for (k, _) in unstable.t.iter().enumerate() {
        assert_eq!(
            unstable.state(k)[0],
            (-2.0f64).powi(k as i32),
            "c_k = (1 − 3)^k"
        );
    }
    // 2^20 > 1e6 ≥ 2^19: the 20th step exceeds the bound.
    match unstable.stop {
        StopReason::Diverged { step, t, .. } => assert_eq!((step, t), (20, 60.0)),
        other => panic!("expected divergence, got {other}"),
    }
}

#[test]
fn backward_euler_and_trapezoid_are_bounded_at_any_dt() {
    for lambda in [-1.0, -1e3] {
        for dt in [0.1, 3.0, 100.0, 1e4] {
            let p = ExpDecay {
                lambda,
                c0: 1.0,
                t_end: 1.0,
            };
            let t_eval: Vec<f64> = (0..=50).map(|k| k as f64 * dt).collect();
            for (spec, amp) in [
                ("backward-euler", 1.0 / (1.0 - dt * lambda)),
                (
                    "trapezoid",
                    (1.0 + 0.5 * dt * lambda) / (1.0 - 0.5 * dt * lambda),
                ),
            ] {
                let sol = parse(&format!("{spec}:dt={dt}")).unwrap().solve(
                    &p,
                    0.0,
                    &[1.0],
                    &SolveOptions::at(t_eval.clone()),
                );
                assert_eq!(sol.stop, StopReason::Finished, "{spec} dt={dt} λ={lambda}");
                for k in 0..sol.t.len() {
                    let c = sol.state(k)[0];
                    assert!(
                        c.abs() <= 1.0 + 1e-12,
                        "{spec} dt={dt} λ={lambda}: |c_{k}| = {}",
                        c.abs()
                    );
                    let want = amp.powi(k as i32);
                    assert!(
                        (c - want).abs() <= 1e-10 * (1.0 + want.abs()),
                        "{spec} dt={dt}: c_{k} = {c}, stability function gives {want}"
                    );
                }
            }
        }
    }
}

fn energy_drift(spec: &str, steps: usize, dt: f64) -> (f64, f64) {
    let osc = Oscillator {
        omega: 1.0,
        zeta: 0.0,
        x0: 1.0,
        v0: 0.0,
        t_end: 0.0,
        analytic_jacobian: true,
    };
    let t_eval: Vec<f64> = (0..=steps).map(|k| k as f64 * dt).collect();
    let sol = parse(&format!("{spec}:dt={dt}")).unwrap().solve(
        &osc,
        0.0,
        &[1.0, 0.0],
        &SolveOptions::at(t_eval),
    );
    assert_eq!(sol.stop, StopReason::Finished, "{spec}");
    let e0 = osc.energy(&[1.0, 0.0]);
    let tenth = steps / 10;
    let dev = |r: std::ops::Range<usize>| {
        r.map(|k| (osc.energy(sol.state(k)) - e0).abs())
            .fold(0.0f64, f64::max)
    };
    (dev(0..tenth), dev(steps - tenth..steps + 1))
}

#[test]
fn symplectic_schemes_keep_the_harmonic_energy_bounded_over_1e5_steps() {
    let dt = 0.1;
    for (spec, bound) in [
        ("verlet", 0.01),
        ("symplectic-euler", 0.06),
        ("staggered", 0.01),
        ("central-difference", 0.01),
        ("newmark", 1e-9),
    ] {
        let (early, late) = energy_drift(spec, 100_000, dt);
        println!("{spec:20} max |E − E0|: first 10% {early:.3e}, last 10% {late:.3e}");
        assert!(
            late <= bound && early <= bound,
            "{spec}: energy error {early:e} / {late:e} above {bound}"
        );
        assert!(
            late <= 1.05 * early + 1e-12,
            "{spec}: energy drifts ({early:e} → {late:e})"
        );
    }
    // The same measure detects RK4's secular energy loss at this step.
    let (early, late) = energy_drift("rk4", 100_000, dt);
    assert!(late > 5.0 * early, "rk4 should drift: {early:e} → {late:e}");
}

fn sine_events(spec: &str, terminal: bool, t_end: f64) -> Solution {
    let osc = Oscillator {
        omega: 1.0,
        zeta: 0.0,
        x0: 1.0,
        v0: 0.0,
        t_end,
        analytic_jacobian: true,
    };
    let mut o = SolveOptions::at(
        (0..=(t_end * 10.0) as usize)
            .map(|k| k as f64 * 0.1)
            .collect(),
    );
    o.events.push(Event {
        name: "x=0".into(),
        g: Arc::new(|_t, y| y[0]),
        direction: if terminal {
            Direction::Falling
        } else {
            Direction::Both
        },
        terminal,
    });
    parse(spec).unwrap().solve(&osc, 0.0, &[1.0, 0.0], &o)
}

#[test]
fn terminal_events_are_located_inside_a_step() {
    use std::f64::consts::FRAC_PI_2;
    for (spec, tol) in [
        ("dopri5:rtol=1e-10,atol=1e-12", 1e-9),
        ("rk4:dt=0.01", 1e-8),
        ("verlet:dt=0.001", 1e-6),
    ] {
        let sol = sine_events(spec, true, 10.0);
        match &sol.stop {
            StopReason::Event { t, name } => {
                assert_eq!(name, "x=0");
                assert!(
                    (t - FRAC_PI_2).abs() < tol,
                    "{spec}: event at {t}, want π/2"
                );
            }
            other => panic!("{spec}: expected an event stop, got {other}"),
        }
        // Samples up to the event only: 0, 0.1, …, 1.5.
        assert_eq!(sol.t.len(), 16, "{spec}");
        assert_eq!(sol.events.len(), 1);
        assert!(
            sol.events[0].y[0].abs() < tol,
            "{spec}: x at the event {}",
            sol.events[0].y[0]
        );
        assert!(
            (sol.events[0].y[1] + 1.0).abs() < tol,
            "{spec}: v at the event {}",
            sol.events[0].y[1]
        );
    }
}

#[test]
fn non_terminal_events_are_all_recorded() {
    for spec in ["dopri5:rtol=1e-10,atol=1e-12", "rk4:dt=0.01"] {
        let sol = sine_events(spec, false, 10.0);
        assert_eq!(sol.stop, StopReason::Finished);
        let ts: Vec<f64> = sol.events.iter().map(|e| e.t).collect();
        assert_eq!(ts.len(), 3, "{spec}: {ts:?}");
        for (k, t) in ts.iter().enumerate() {
            let want = std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::PI;
            assert!(
                (t - want).abs() < 1e-8,
                "{spec}: crossing {k} at {t}, want {want}"
            );
        }
    }
}

#[test]
fn steady_state_divergence_and_non_finite_stops() {
    let flow = QuadraticFlow {
        diag: vec![1.0],
        center: vec![1.0],
        x0: vec![0.0],
        t_end: 100.0,
    };
    let mut o = SolveOptions::at((0..=200).map(|k| k as f64 * 0.5).collect());
    o.steady_tol = Some(1e-6);
    for spec in [
        "rk4:dt=0.05",
        "dopri5:rtol=1e-9,atol=1e-12",
        "backward-euler:dt=0.05",
    ] {
        let sol = parse(spec).unwrap().solve(&flow, 0.0, &[0.0], &o);
        // |x'| = e^{−t} < 1e-6 first at t = 14 on the 0.5 grid (ln 1e6 = 13.8); backward Euler
        // lags (its decay factor per unit time is (1 + 0.05)^{-20} > e^{-1}).
        match sol.stop {
            StopReason::Converged { t, step } => {
                assert_eq!(step as usize, sol.t.len() - 1);
                let want = if spec.starts_with("backward") {
                    14.5
                } else {
                    14.0
                };
                assert_eq!(t, want, "{spec}");
            }
            ref other => panic!("{spec}: {other}"),
        }
    }
    // y' = y², y(0) = 1 blows up at t = 1.
    struct Blow;
    impl OdeSystem for Blow {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = y[0] * y[0];
        }
    }
    let mut o = SolveOptions::at(vec![0.5, 2.0]);
    for spec in ["rk4:dt=0.001", "dopri5"] {
        let sol = parse(spec).unwrap().solve(&Blow, 0.0, &[1.0], &o);
        match sol.stop {
            StopReason::Diverged { t, .. } => assert!(t > 0.99 && t < 1.01, "{spec}: t = {t}"),
            ref other => panic!("{spec}: {other}"),
        }
        assert_eq!(sol.t, vec![0.5]);
    }
    o.max_abs = f64::INFINITY;
    let sol = parse("euler:dt=0.01")
        .unwrap()
        .solve(&Blow, 0.0, &[1.0], &o);
    assert!(
        matches!(sol.stop, StopReason::NonFinite { .. }),
        "{}",
        sol.stop
    );
    // dopri5 refuses non-finite steps and ends with a step-size failure just before t = 1.
    let sol = parse("dopri5").unwrap().solve(&Blow, 0.0, &[1.0], &o);
    match sol.stop {
        StopReason::Failed { t, ref why } => assert!(
            t > 0.999 && t < 1.0 && why.contains("too small"),
            "{t} {why}"
        ),
        ref other => panic!("dopri5: {other}"),
    }
}

#[test]
fn newton_failure_and_bad_dimensions_are_reported() {
    // Backward Euler on y' = y²: u = 1 + h u² has no real root for h > 1/4.
    struct Quad;
    impl OdeSystem for Quad {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = y[0] * y[0];
        }
    }
    let sol = parse("backward-euler:dt=0.5,newton_iters=30")
        .unwrap()
        .solve(&Quad, 0.0, &[1.0], &SolveOptions::at(vec![1.0]));
    match sol.stop {
        StopReason::Failed { t, ref why } => {
            assert_eq!(t, 0.0);
            assert!(
                why.starts_with(
                    "Newton did not converge in 30 iterations at t = 0.5, last increment"
                ),
                "{why}"
            );
        }
        ref other => panic!("{other}"),
    }
    assert_eq!(sol.stats.newton_iters, 30);
    let p = ExpDecay {
        lambda: -1.0,
        c0: 1.0,
        t_end: 1.0,
    };
    for spec in [
        "verlet",
        "newmark",
        "staggered",
        "symplectic-euler",
        "central-difference",
    ] {
        let sol = parse(&format!("{spec}:dt=0.1")).unwrap().solve(
            &p,
            0.0,
            &[1.0],
            &SolveOptions::at(vec![1.0]),
        );
        match sol.stop {
            StopReason::Failed { ref why, .. } => {
                assert!(why.contains("even dimension, got dim = 1"), "{why}")
            }
            ref other => panic!("{spec}: {other}"),
        }
    }
}

#[test]
fn dopri5_honours_max_steps_and_counts_rejections() {
    let osc = Oscillator {
        omega: 10.0,
        zeta: 0.0,
        x0: 1.0,
        v0: 0.0,
        t_end: 10.0,
        analytic_jacobian: true,
    };
    let sol = parse("dopri5:rtol=1e-10,atol=1e-10,max_steps=50")
        .unwrap()
        .solve(&osc, 0.0, &[1.0, 0.0], &SolveOptions::at(vec![10.0]));
    match sol.stop {
        StopReason::Failed { ref why, .. } => assert_eq!(why, "max_steps = 50 reached"),
        ref other => panic!("{other}"),
    }
    assert_eq!(sol.stats.accepted + sol.stats.rejected, 50);
    // A too-large first step is rejected and shrunk.
    let sol = parse("dopri5:rtol=1e-10,atol=1e-10,h0=5").unwrap().solve(
        &osc,
        0.0,
        &[1.0, 0.0],
        &SolveOptions::at(vec![10.0]),
    );
    assert_eq!(sol.stop, StopReason::Finished);
    assert!(sol.stats.rejected >= 1);
    assert!((sol.last().unwrap()[0] - 100f64.cos()).abs() < 1e-7);
}

#[test]
fn specs_parse_and_bad_input_gives_one_line_errors() {
    let names: Vec<&str> = catalog().iter().map(|c| c.name).collect();
    for want in [
        "euler",
        "heun",
        "midpoint",
        "rk4",
        "ssprk2",
        "ssprk3",
        "butcher",
        "dopri5",
        "backward-euler",
        "trapezoid",
        "newmark",
        "central-difference",
        "staggered",
        "verlet",
        "symplectic-euler",
    ] {
        assert!(names.contains(&want), "catalog lacks {want}");
    }
    for c in catalog() {
        if c.name == "butcher" || c.name == "dopri5" || c.name == "dop853" {
            continue;
        }
        if optdyn::integrate::sde::SdeSolver::is_sde_scheme(c.name) {
            // The SDE solvers are listed with the integrators but step stochastic models.
            let s = optdyn::integrate::sde::SdeSolver::parse(&format!("{}:substeps=3", c.name));
            assert_eq!(s.unwrap().name(), format!("{}:substeps=3", c.name));
            let e = parse(c.name).err().unwrap().to_string();
            assert!(e.contains("stochastic model"), "{e}");
            continue;
        }
        let it = parse(&format!("{}:dt=0.01", c.name)).unwrap();
        assert_eq!(it.name(), format!("{}:dt=0.01", c.name));
        assert!(parse(c.name).is_ok());
    }
    let err = |s: &str, _lr: Option<f64>| {
        parse(s)
            .err()
            .unwrap_or_else(|| panic!("{s} parsed"))
            .to_string()
    };
    assert_eq!(
        err("newmark:beta=0.7,dt=0.1", None),
        "newmark: beta must be in [0, 0.5], got 0.7"
    );
    assert_eq!(
        err("dopri5:rtol=-1", None),
        "dopri5: rtol must be > 0, got -1"
    );
    assert_eq!(err("rk4:dt=0", None), "rk4: dt must be > 0, got 0");
    assert_eq!(
        err("rk4:substeps=0", Some(0.1)),
        "rk4: substeps must be >= 1, got 0"
    );
    // `substeps` is resolved against the run's learning rate at solve time; without one the
    // solve stops with a clear reason instead of guessing a step.
    let decay = ExpDecay {
        lambda: -1.0,
        c0: 1.0,
        t_end: 1.0,
    };
    let sol = parse("rk4")
        .unwrap()
        .solve(&decay, 0.0, &[1.0], &SolveOptions::at(vec![1.0]));
    assert_eq!(
        sol.stop.to_string(),
        "failed at t = 0: rk4: substeps needs the optimizer's learning rate (SolveOptions::lr); give dt=… instead"
    );
    assert_eq!(
        err("rk4:dt=0.1,substeps=2", None),
        "rk4: give either dt or substeps, not both"
    );
    assert!(err("rk4:dt=0.1,rtol=1", None).contains("unknown key 'rtol' (allowed: dt, substeps)"));
    assert!(err("rk5:dt=0.1", None).starts_with("unknown integrator 'rk5' (known: euler, heun"));
    assert!(err("trapezoid:dt=0.1,newton_iters=0", None)
        .contains("newton_iters must be in [1, 10000], got 0"));
    assert!(parse("dopri5:rtol=1e-10,atol=1e-12").is_ok());
    assert!(parse("newmark:beta=0.25,gamma=0.5,dt=0.01").is_ok());
}

#[test]
fn equivalent_forms_agree_and_jacobian_paths_agree() {
    let osc = |analytic_jacobian| Oscillator {
        omega: 3.0,
        zeta: 0.2,
        x0: 1.0,
        v0: -1.0,
        t_end: 2.0,
        analytic_jacobian,
    };
    let run = |spec: &str, p: &Oscillator| {
        let sol = parse(spec)
            .unwrap()
            .solve(p, 0.0, &[1.0, -1.0], &SolveOptions::at(vec![2.0]));
        assert_eq!(sol.stop, StopReason::Finished, "{spec}");
        (sol.last().unwrap().to_vec(), sol.stats)
    };
    // Staggered central differencing is Newmark β = 0, γ = ½ written in v½ (lecture); the
    // trapezoidal rule on [x, v] is Newmark β = ¼, γ = ½.
    let pairs = [
        ("staggered:dt=0.01", "central-difference:dt=0.01"),
        ("trapezoid:dt=0.01", "newmark:beta=0.25,gamma=0.5,dt=0.01"),
    ];
    for (a, b) in pairs {
        let (ya, _) = run(a, &osc(true));
        let (yb, _) = run(b, &osc(true));
        assert!(max_err(&ya, &yb) < 1e-12, "{a} vs {b}: {ya:?} {yb:?}");
    }
    // Heun's tableau and the Shu–Osher SSP-RK2 are the same method (lecture).
    let (ya, _) = run("heun:dt=0.01", &osc(true));
    let (yb, _) = run("ssprk2:dt=0.01", &osc(true));
    assert!(max_err(&ya, &yb) < 1e-13);
    // Analytic and finite-difference Jacobians give the same Newton solution; only the work
    // differs (one rhs evaluation per unknown per iteration for differences).
    for spec in [
        "backward-euler:dt=0.01",
        "trapezoid:dt=0.01",
        "newmark:dt=0.01",
        "staggered:dt=0.01",
    ] {
        let (ya, sa) = run(spec, &osc(true));
        let (yb, sb) = run(spec, &osc(false));
        assert!(max_err(&ya, &yb) < 1e-11, "{spec}: {ya:?} vs {yb:?}");
        assert!(sb.rhs_evals > sa.rhs_evals, "{spec}: {sa:?} vs {sb:?}");
        assert_eq!(sa.jac_evals, sa.newton_iters);
    }
}

#[test]
fn dopri5_reports_a_step_below_hmin() {
    let osc = Oscillator {
        omega: 10.0,
        zeta: 0.0,
        x0: 1.0,
        v0: 0.0,
        t_end: 10.0,
        analytic_jacobian: true,
    };
    let sol = parse("dopri5:rtol=1e-10,atol=1e-10,hmin=0.05")
        .unwrap()
        .solve(&osc, 0.0, &[1.0, 0.0], &SolveOptions::at(vec![10.0]));
    match sol.stop {
        StopReason::Failed { ref why, .. } => {
            assert!(why.contains("too small (hmin = 0.05)"), "{why}")
        }
        ref other => panic!("{other}"),
    }
    assert!(parse("dopri5:hmin=1,hmax=0.5")
        .err()
        .unwrap()
        .to_string()
        .contains("hmin = 1 must be <= hmax = 0.5"));
}
