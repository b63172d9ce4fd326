//! Sweep fast path: 10⁶ one-dimensional Adam runs × 200 steps (structure of arrays, rayon).
//! Throughput is reported in optimizer steps per second (elements = runs × steps).
//! Reference point (issue 5): numpy vectorised over runs does about 5.8·10⁷ steps/s on 2 cores.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use optdyn::analysis::sweep::batch::{adam_1d, AdamLanes, Lanes1dOut, Objective1d};
use optdyn::analysis::sweep::{Grid, MetricOptions, TolOn};
use std::hint::black_box;
use std::time::Duration;

const STEPS: u64 = 200;

/// 10⁶ runs: lr (10, log) × β₁ (10) × β₂ (10) × x0 (1000), a Cartesian sweep grid.
fn lanes() -> AdamLanes {
    let g = Grid::parse(
        "lr=1e-3:1e-1:10:log,beta1=0:0.99:10,beta2=0.9:0.9999:10,x0=-3:3:1000",
        None,
    )
    .expect("valid grid");
    let mut l = AdamLanes::default();
    for i in 0..g.len() {
        let p = g.point(i).values;
        l.push(p[0], p[1], p[2], 1e-8, p[3]);
    }
    l
}

fn bench(c: &mut Criterion) {
    let lanes = lanes();
    let o = MetricOptions {
        steps: STEPS,
        tol: 1e-6,
        tol_on: TolOn::Grad,
        max_abs: 1e12,
        max_loss: 1e200,
    };
    let mut out = Lanes1dOut::default();
    let mut group = c.benchmark_group("sweep_adam_1d");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(lanes.len() as u64 * STEPS));
    for (name, obj) in [
        (
            "quadratic_1e6x200",
            Objective1d::Quadratic { a: 1.0, c: 0.0 },
        ),
        ("rosen1d_1e6x200", Objective1d::Rosen1d { c: 4.0 }),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                adam_1d(obj, black_box(&lanes), &o, &mut out).expect("valid bounds");
                black_box(&out.final_x);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
