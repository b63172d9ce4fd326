//! Sweep fast paths: 10⁶ one-dimensional Adam runs × 200 steps (structure of arrays, rayon),
//! and the zoo engine against the generic engine on 10⁵ two-dimensional runs × 200 steps on
//! Rosenbrock (SGD with momentum, NAdam), as library calls (`batched`, `generic`) and as whole
//! sweeps writing their results file (`job_auto`, `job_generic`). Throughput is reported in
//! optimizer steps per second (elements = runs × steps).
//! Reference point (issue 5): numpy vectorised over runs does about 5.8·10⁷ steps/s on 2 cores.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use optdyn::analysis::sweep::batch::{adam_1d, AdamLanes, Lanes1dOut, Objective1d};
use optdyn::analysis::sweep::metrics::discrete_metrics;
use optdyn::analysis::sweep::zoo::{run_lanes, ZooLanes};
use optdyn::analysis::sweep::{
    Engine, Grid, Metric, MetricOptions, Shard, SweepJob, SweepSpec, TolOn,
};
use optdyn::objective::{self, Objective};
use optdyn::optim::{Lanewise, NAdam, Sgd};
use optdyn::run::Problem;
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::Arc;
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

/// 10⁵ runs: `axes` (two axes of 10 values, the optimizer made by `make`) × x0[0] (1000) from
/// `(x0[0], 1)`, each distinct optimizer built once, neighbouring runs sharing one (the grid's
/// last axis is x0).
fn zoo_lanes<O>(axes: &str, make: impl Fn(f64, f64) -> O) -> ZooLanes<O> {
    let g = Grid::parse(&format!("{axes},x0=-2:2:1000"), None).expect("valid grid");
    let mut l = ZooLanes::new(2);
    for i in 0..g.len() {
        let p = g.point(i).values;
        if i % 1000 == 0 {
            l.opts.push(make(p[0], p[1]));
        }
        l.opt.push(l.opts.len() - 1);
        l.x0.extend([p[2], 1.0]);
    }
    l
}

/// `name/batched` (the zoo engine) and `name/generic` (one run engine call per lane).
fn library<O: Lanewise + Sync>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    lanes: &ZooLanes<O>,
    obj: &Arc<dyn Objective>,
    o: &MetricOptions,
) {
    group.bench_function(format!("{name}/batched"), |b| {
        b.iter(|| black_box(run_lanes(obj.as_ref(), black_box(lanes), o).expect("valid")))
    });
    group.bench_function(format!("{name}/generic"), |b| {
        b.iter(|| {
            let out: Vec<_> = (0..lanes.len())
                .into_par_iter()
                .map(|l| {
                    let x0 = lanes.x0[2 * l..2 * l + 2].to_vec();
                    let problem = Problem::shared(obj.clone(), x0).expect("valid x0");
                    discrete_metrics(&problem, &lanes.opts[lanes.opt[l]], o).expect("valid")
                })
                .collect();
            black_box(out)
        })
    });
}

fn bench_zoo(c: &mut Criterion) {
    let sgd = zoo_lanes("lr=1e-4:1e-3:10:log,momentum=0:0.9:10", |lr, m| {
        Sgd::default().lr(lr).momentum(m)
    });
    let nadam = zoo_lanes("lr=1e-3:1e-1:10:log,beta1=0:0.99:10", |lr, b| {
        NAdam::default().lr(lr).beta1(b)
    });
    let obj: Arc<dyn Objective> = Arc::from(objective::parse("rosenbrock", 2).expect("builtin"));
    let o = MetricOptions {
        steps: STEPS,
        tol: 1e-6,
        tol_on: TolOn::Grad,
        max_abs: 1e12,
        max_loss: 1e200,
    };
    let mut group = c.benchmark_group("sweep_zoo");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(sgd.len() as u64 * STEPS));
    library(
        &mut group,
        "sgd_momentum_rosenbrock2d_1e5x200",
        &sgd,
        &obj,
        &o,
    );
    library(&mut group, "nadam_rosenbrock2d_1e5x200", &nadam, &obj, &o);
    let job = SweepJob::new(SweepSpec {
        objective: "rosenbrock".into(),
        x0: vec![0.0, 1.0],
        optimizer: "sgd".into(),
        model: None,
        integrator: "rk4".into(),
        grid: "lr=1e-4:1e-3:10:log,momentum=0:0.9:10,x0[0]=-2:2:1000".into(),
        sample: None,
        metrics: Metric::parse_list("final_x,final_loss,diverged,steps_to_tol,max_update")
            .expect("valid metrics"),
        options: o,
    })
    .expect("valid sweep");
    for (name, engine) in [("job_auto", Engine::Auto), ("job_generic", Engine::Generic)] {
        group.bench_function(format!("sgd_momentum_rosenbrock2d_1e5x200/{name}"), |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().expect("temporary directory");
                let s = job
                    .execute(
                        dir.path().to_path_buf(),
                        Shard::WHOLE,
                        false,
                        4096,
                        engine,
                        &mut |_, _| {},
                    )
                    .expect("sweep runs");
                black_box(s)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_zoo);
criterion_main!(benches);
