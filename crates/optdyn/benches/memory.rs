//! Benchmarks: the cost of a power-law memory over a run of `N` steps by its two solution paths
//! (`kernel::MemoryPath`), one channel plus the mass channel, `h = 1e-3`, `a = 0.5`:
//! the sum-of-exponentials fast path (fit on `[h, N·h]` to `tol = 1e-9`, `O(N·J)`,
//! `memory_soe/N`) and the exact history quadrature (`O(N²)`, `memory_quadrature/N`). The fit is
//! built outside the timed loop (its cost is printed). Fit the exponent of the medians in `N`:
//! `scripts/cost_exponent.py target/criterion/memory_soe target/criterion/memory_quadrature`.
//! A third group times the whole model: `adam-ide1:kernel=power:a=0.5` on rosen1d (c = 4,
//! lr = 1e-3) for `N` optimizer steps, `volterra:substeps=1`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use optdyn::integrate::{MemoryMethod, StepSize, Volterra};
use optdyn::kernel::{Kernel, MemoryFit, MemoryPath, QuadraturePath, SoePath};
use optdyn::model;
use optdyn::optim;
use optdyn::run::{Problem, Run};
use std::hint::black_box;
use std::time::Instant;

const H: f64 = 1e-3;

fn kernel() -> Kernel {
    Kernel::PowerLaw {
        coef: 1.0,
        exponent: 0.5,
    }
}

fn march(path: &mut dyn MemoryPath, n: usize) -> f64 {
    let (mut out, mut peek) = ([0.0; 2], [0.0; 2]);
    let mut acc = 0.0;
    for k in 0..=n {
        let u = [(k as f64 * H).sin(), 1.0];
        path.peek(black_box(&u), &mut peek);
        path.push(&u, &mut out);
        acc += out[0] + peek[0];
    }
    acc
}

fn paths(c: &mut Criterion) {
    let k = kernel();
    let mut g = c.benchmark_group("memory_soe");
    g.sample_size(10);
    for n in [1_000usize, 10_000, 100_000, 1_000_000] {
        let t = Instant::now();
        let fit = MemoryFit::new(&k, H, n as f64 * H, 1e-9).unwrap();
        eprintln!(
            "memory_soe/{n}: {} terms, bound {:.1e}, fit built in {:.2} ms",
            fit.sum.terms.len(),
            fit.bound,
            t.elapsed().as_secs_f64() * 1e3
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let mut p = SoePath::new(&k, &fit.sum, H, 2).unwrap();
                march(&mut p, n)
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("memory_quadrature");
    g.sample_size(10);
    for n in [1_000usize, 3_000, 10_000, 30_000] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let mut p = QuadraturePath::new(&k, H, n, 2).unwrap();
                march(&mut p, n)
            })
        });
    }
    g.finish();
}

fn whole_model(c: &mut Criterion) {
    let problem = Problem::parse("rosen1d:c=4", vec![-1.5]).unwrap();
    let opt = optim::parse("adam:lr=1e-3").unwrap();
    let m = model::parse(
        "adam-ide1:kernel=power:a=0.5",
        opt.as_ref(),
        problem.objective().clone(),
    )
    .unwrap();
    let mut g = c.benchmark_group("adam_ide1_power");
    g.sample_size(10);
    for (n, method) in [
        (10_000u64, MemoryMethod::default()),
        (100_000, MemoryMethod::default()),
        (10_000, MemoryMethod::Quadrature),
    ] {
        let v = Volterra::new(StepSize::Substeps(1), method);
        let label = match method {
            MemoryMethod::Quadrature => format!("quadrature/{n}"),
            MemoryMethod::Soe { .. } => format!("soe/{n}"),
        };
        g.bench_function(label, |b| {
            b.iter(|| {
                Run::model(&problem, m.as_ref(), 1e-3)
                    .integrator(&v)
                    .steps(n)
                    .every(n)
                    .execute(&mut [])
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, paths, whole_model);
criterion_main!(benches);
