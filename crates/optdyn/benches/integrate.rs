//! Per-solve cost of the integrators on small systems.
//!
//! Reference point (issue 3): scipy `solve_ivp(method="DOP853", rtol=1e-10, atol=1e-12)` on a
//! 3-state Adam model takes ~23 ms for 1,526 rhs evaluations; the target is ≥ 100× faster at the
//! same tolerance. Run with
//! `cargo bench --bench integrate -- --warm-up-time 1 --measurement-time 3`.

use criterion::{criterion_group, criterion_main, Criterion};
use optdyn::integrate::problems::hnw::{Arenstorf, Classic, ARENSTORF_PERIOD};
use optdyn::integrate::problems::{AdamLike, ExpDecay, Oscillator};
use optdyn::integrate::{parse, OdeSystem, SolveOptions};
use std::hint::black_box;

fn case(
    c: &mut Criterion,
    label: &str,
    spec: &str,
    sys: &dyn OdeSystem,
    t0: f64,
    y0: &[f64],
    t_end: f64,
) {
    let integ = parse(spec).unwrap();
    let opts = SolveOptions::at(vec![t_end]);
    let sol = integ.solve(sys, t0, y0, &opts);
    assert!(sol.stop.is_ok(), "{label}: {}", sol.stop);
    let s = sol.stats;
    eprintln!(
        "{label}: {} rhs evaluations, {} accepted, {} rejected steps, y(T) = {:?}",
        s.rhs_evals,
        s.accepted,
        s.rejected,
        sol.last().unwrap()
    );
    if let Some(ns) = cpu_ns_per_call(|| {
        black_box(integ.solve(sys, t0, black_box(y0), &opts));
    }) {
        eprintln!(
            "{label}: {:.1} µs of thread CPU time per solve (schedstat)",
            ns / 1e3
        );
    }
    c.bench_function(label, |b| {
        b.iter(|| black_box(integ.solve(sys, t0, black_box(y0), &opts)))
    });
}

/// Thread CPU time per call in ns from `/proc/thread-self/schedstat` (Linux), over ≥ 0.5 s of
/// calls: robust to other processes sharing the cores, unlike wall-clock medians.
fn cpu_ns_per_call(mut f: impl FnMut()) -> Option<f64> {
    let read = || -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let start = read()?;
    let mut calls = 0u64;
    let wall = std::time::Instant::now();
    while wall.elapsed().as_secs_f64() < 0.5 || calls < 10 {
        f();
        calls += 1;
    }
    Some((read()? - start) as f64 / calls as f64)
}

fn benches(c: &mut Criterion) {
    let tight = "dopri5:rtol=1e-10,atol=1e-12";
    let decay = ExpDecay {
        lambda: -1.0,
        c0: 1.0,
        t_end: 10.0,
    };
    case(c, "dopri5 exp-decay T=10", tight, &decay, 0.0, &[1.0], 10.0);
    let osc = Oscillator {
        omega: 2.0,
        zeta: 0.1,
        x0: 1.0,
        v0: 0.0,
        t_end: 10.0,
        analytic_jacobian: true,
    };
    case(
        c,
        "dopri5 damped-oscillator T=10",
        tight,
        &osc,
        0.0,
        &[1.0, 0.0],
        10.0,
    );
    let adam = AdamLike::default();
    let t0 = adam.lr() / 100.0;
    let y0 = [-1.5, 0.0, 0.0];
    case(c, "dopri5 adam-3state T=10", tight, &adam, t0, &y0, 10.0);
    // High accuracy: one Arenstorf period at rtol = atol = 1e-12, dop853 (≈ 4,250 rhs
    // evaluations) next to dopri5 (≈ 12,700).
    let aren = Arenstorf;
    let (a0, period) = (aren.y0(), ARENSTORF_PERIOD);
    let tighter = "dop853:rtol=1e-12,atol=1e-12";
    case(c, "dop853/arenstorf", tighter, &aren, 0.0, &a0, period);
    let tighter = "dopri5:rtol=1e-12,atol=1e-12";
    case(c, "dopri5/arenstorf", tighter, &aren, 0.0, &a0, period);
    // RK4 per-step cost: 10,000 steps of dt = 1e-3 (divide the time by 10,000).
    case(
        c,
        "rk4 adam-3state 10000 steps",
        "rk4:dt=1e-3",
        &adam,
        t0,
        &y0,
        10.0,
    );
}

criterion_group!(integrate, benches);
criterion_main!(integrate);
