//! Benchmarks: the kernel recursion's cost is linear in the number of steps (vs the quadratic
//! history quadrature), and the first-order Adam IDE on rosen1d (c = 4, lr = 1e-3, T = 10)
//! with fixed-step RK4 (its sup error over t ∈ [0.1, 10] against RK4 at dt/16 is printed for
//! several dt; scipy DOP853 at rtol 1e-10 takes ~132 ms).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use optdyn::integrate::{self, SolveOptions};
use optdyn::kernel::{Convolution, Kernel, Recursion, StateSpace};
use optdyn::model::{AdamIde1, Model};
use optdyn::objective::Objective;
use optdyn::optim::Adam;
use std::hint::black_box;
use std::sync::Arc;

/// `(1−θ)² + c(θ²−1)²`.
struct Rosen1d(f64);
impl Objective for Rosen1d {
    fn name(&self) -> String {
        "rosen1d".into()
    }
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, x: &[f64]) -> f64 {
        (1.0 - x[0]).powi(2) + self.0 * (x[0] * x[0] - 1.0).powi(2)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        let t = x[0];
        g[0] = 2.0 * (t - 1.0) + 4.0 * self.0 * t * (t * t - 1.0);
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        out[0] = (2.0 + 4.0 * self.0 * (3.0 * x[0] * x[0] - 1.0)) * v[0];
    }
}

fn kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernel_recursion");
    for n in [1_000usize, 10_000, 100_000, 1_000_000] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let mut r = Recursion::new(StateSpace::second_order(0.9, 0.05), 1e-3).unwrap();
                let mut y = 0.0;
                for k in 0..n {
                    y += r.push(black_box((k as f64 * 1e-3).sin()));
                }
                y
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("kernel_quadrature");
    for n in [1_000usize, 4_000] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let ss = StateSpace::second_order(0.9, 0.05);
                let mut q = Kernel::StateSpace(ss).quadrature(1e-3).unwrap();
                q.reserve(n);
                let mut y = 0.0;
                for k in 0..n {
                    y += q.push(black_box((k as f64 * 1e-3).sin()));
                }
                y
            })
        });
    }
    g.finish();
}

/// θ at `ts` (RK4 with step `dt`, θ0 = 2).
fn theta(m: &dyn Model, dt: f64, ts: &[f64]) -> Vec<f64> {
    let integ = integrate::parse(&format!("rk4:dt={dt}")).unwrap();
    let sol = integ.solve(
        m,
        0.0,
        &m.initial_state(&[2.0]),
        &SolveOptions::at(ts.to_vec()),
    );
    (0..sol.t.len()).map(|i| sol.state(i)[0]).collect()
}

fn adam_ide1(c: &mut Criterion) {
    let obj: Arc<dyn Objective> = Arc::new(Rosen1d(4.0));
    let m = AdamIde1::of(&Adam::default().lr(1e-3), obj).unwrap();
    // Accuracy: sup over 100 sample times of |θ_dt − θ_ref| (reference: RK4 at dt/16).
    let ts: Vec<f64> = (1..=100).map(|k| k as f64 * 0.1).collect();
    for dt in [1e-3, 2e-3, 2.5e-3, 4e-3, 5e-3] {
        let reference = theta(&m, dt / 16.0, &ts);
        let err = theta(&m, dt, &ts)
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!("adam-ide1 rosen1d c=4: rk4 dt={dt}: sup error {err:e}");
    }
    let dt = 1e-3;
    c.bench_function("adam_ide1_rosen1d_T10_rk4", |b| {
        b.iter(|| theta(black_box(&m), dt, &[10.0]))
    });
    // The speed case: rtol 1e-10 with the adaptive Dormand–Prince (scipy DOP853 at the
    // same tolerance: ~132 ms on a 2-core machine).
    let spec = "dopri5:rtol=1e-10,atol=1e-12";
    let integ = integrate::parse(spec).unwrap();
    let solve = |ts: &[f64]| {
        integ.solve(
            &m,
            0.0,
            &m.initial_state(&[2.0]),
            &SolveOptions::at(ts.to_vec()),
        )
    };
    let sol = solve(&ts);
    let reference = theta(&m, 1e-3 / 64.0, &ts);
    let err = (0..sol.t.len())
        .map(|i| (sol.state(i)[0] - reference[i]).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "adam-ide1 rosen1d c=4 {spec}: {} rhs evaluations, {} accepted, {} rejected, sup error vs RK4(dt/64) {err:e}",
        sol.stats.rhs_evals, sol.stats.accepted, sol.stats.rejected
    );
    c.bench_function("adam_ide1_rosen1d_T10_dopri5_rtol1e-10", |b| {
        b.iter(|| solve(black_box(&ts)))
    });
}

criterion_group!(benches, kernels, adam_ide1);
criterion_main!(benches);
