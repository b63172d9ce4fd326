//! Ensemble throughput (issue 12): `M` paths of SGD with additive gradient noise on a
//! 10-dimensional quadratic, and of its SME-1 by Euler–Maruyama with one substep per optimizer
//! step, through `Run::ensemble` (rayon over paths, each path a full run-engine run with its
//! own draws). Throughput is in path-steps per second (elements = paths × steps). The
//! numpy-vectorised peer of the same runs is `benches/peers/ensemble_numpy.py`.
//!
//! `ensemble_adam_ide1` (issue 14): 1000 `adam-ide1` runs (β₁ = 0…0.99, lr = 1e-3, β₂ = 0.999,
//! ε = 1e-8, θ₀ = 2 on rosen1d c = 4) with fixed-step RK4 `dt = lr`, all metrics; throughput in
//! rhs evaluations per second (elements = runs × steps × 4). `rk4_1000x1e4` is the batched lanes
//! path (`sweep::lanes::rk4_lanes`), `generic_1000x1e3` the generic engine per run
//! (`model_metrics`, rayon over runs, 10³ steps). The diffrax `vmap` Tsit5 peer of the same
//! ensemble is `benches/peers/adam_ide1_peers.py`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use optdyn::analysis::sweep::batch::Objective1d;
use optdyn::analysis::sweep::lanes::{rk4_lanes, Clock};
use optdyn::analysis::sweep::metrics::model_metrics;
use optdyn::analysis::sweep::{MetricOptions, TolOn};
use optdyn::integrate::sde::{SdeScheme, SdeSolver};
use optdyn::integrate::Rk4;
use optdyn::model::{parse_sde, AdamIde1, Lane, Model};
use optdyn::optim::{Adam, Sgd};
use optdyn::run::{Ensemble, Problem, Run};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const PATHS: usize = 10_000;
const STEPS: u64 = 200;
const SPEC: &str = "quadratic:diag=1;2;3;4;5;6;7;8;9;10,grad_noise=0.5";

fn bench(c: &mut Criterion) {
    let p = Problem::parse(SPEC, vec![1.0; 10]).expect("valid problem");
    let sgd = Sgd::default().lr(0.01);
    let sme = parse_sde("sgd-sme1", &sgd, p.objective().clone()).expect("valid model");
    let ens = Ensemble::new(PATHS, 1);
    let mut group = c.benchmark_group("ensemble_10d");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(PATHS as u64 * STEPS));
    group.bench_function("sgd_1e4x200", |b| {
        b.iter(|| {
            let r = Run::discrete(&p, &sgd)
                .steps(STEPS)
                .every(STEPS)
                .ensemble(&ens)
                .expect("runs");
            black_box(r.row(0, 1)[0])
        })
    });
    group.bench_function("sme1_euler_maruyama_1e4x200", |b| {
        b.iter(|| {
            let r = Run::sde(&p, sme.as_ref())
                .sde_solver(SdeSolver::new(SdeScheme::EulerMaruyama, 1))
                .steps(STEPS)
                .every(STEPS)
                .ensemble(&ens)
                .expect("runs");
            black_box(r.row(0, 1)[0])
        })
    });
    group.finish();
}

/// The `adam-ide1` ensemble: 1000 models (β₁ = 0…0.99) on rosen1d c = 4 from θ₀ = 2.
fn adam_ide1_models(p: &Problem) -> Vec<AdamIde1> {
    (0..1000)
        .map(|i| {
            let adam = Adam::default()
                .lr(1e-3)
                .betas(0.99 * i as f64 / 999.0, 0.999);
            AdamIde1::of(&adam, p.objective().clone()).expect("valid model")
        })
        .collect()
}

fn bench_adam_ide1(c: &mut Criterion) {
    let p = Problem::parse("rosen1d:c=4", vec![2.0]).expect("valid problem");
    let models = adam_ide1_models(&p);
    let fields: Vec<_> = models
        .iter()
        .map(|m| match m.lane() {
            Some(Lane::AdamIde1(f)) => f,
            _ => unreachable!("adam-ide1 has a lane field"),
        })
        .collect();
    let z0: Vec<[f64; 3]> = models
        .iter()
        .map(|m| m.initial_state(&[2.0]).try_into().expect("state [θ, m, v]"))
        .collect();
    let o = |steps| MetricOptions {
        steps,
        tol: 1e-6,
        tol_on: TolOn::Grad,
        max_abs: 1e12,
        max_loss: 1e200,
    };
    let clock = Clock {
        t0: 0.0,
        lr: 1e-3,
        dt: 1e-3,
    };
    let rosen = Objective1d::Rosen1d { c: 4.0 };
    let mut group = c.benchmark_group("ensemble_adam_ide1");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(1000 * 10_000 * 4));
    group.bench_function("rk4_1000x1e4", |b| {
        b.iter(|| {
            let m = rk4_lanes(
                rosen,
                p.objective().as_ref(),
                clock,
                &fields,
                &z0,
                &o(10_000),
            )
            .expect("runs");
            black_box(m[999].final_x[0])
        })
    });
    group.throughput(Throughput::Elements(1000 * 1000 * 4));
    let rk4 = Rk4::dt(1e-3);
    group.bench_function("generic_1000x1e3", |b| {
        b.iter(|| {
            let m: Vec<f64> = models
                .par_iter()
                .map(|m| {
                    model_metrics(&p, m, Some(&rk4), 1e-3, &o(1000))
                        .expect("runs")
                        .final_x[0]
                })
                .collect();
            black_box(m[999])
        })
    });
    group.finish();
}

criterion_group!(benches, bench, bench_adam_ide1);
criterion_main!(benches);
