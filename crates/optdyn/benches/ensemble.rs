//! Ensemble throughput (issue 12): `M` paths of SGD with additive gradient noise on a
//! 10-dimensional quadratic, and of its SME-1 by Euler–Maruyama with one substep per optimizer
//! step, through `Run::ensemble` (rayon over paths, each path a full run-engine run with its
//! own draws). Throughput is in path-steps per second (elements = paths × steps). The
//! numpy-vectorised peer of the same runs is `benches/peers/ensemble_numpy.py`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use optdyn::integrate::sde::{SdeScheme, SdeSolver};
use optdyn::model::parse_sde;
use optdyn::optim::Sgd;
use optdyn::run::{Ensemble, Problem, Run};
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

criterion_group!(benches, bench);
criterion_main!(benches);
