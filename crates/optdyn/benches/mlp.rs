//! Full-batch gradient of a 2-hidden-layer, width-256 tanh MLP (widths 2;256;256;1, 66 817
//! parameters) on 10⁴ spiral samples: hand-written backprop with `matrixmultiply::dgemm`
//! products. Criterion reports the time per gradient; gradient evaluations per second = 1/time.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use optdyn::objective::data;
use optdyn::objective::Objective;
use optdyn::spec::Spec;
use std::hint::black_box;

fn mlp_gradient(c: &mut Criterion) {
    let spec = Spec::parse("mlp:widths=2;256;256;1,act=tanh,data=spirals,n=10000,seed=1").unwrap();
    let m = data::build_mlp(&spec, 0).unwrap();
    let x = m.init_params(0);
    let mut g = vec![0.0; m.dim()];
    let mut group = c.benchmark_group("mlp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("full_batch_gradient_2x256_n1e4", |b| {
        b.iter(|| black_box(m.value_gradient(black_box(&x), &mut g)))
    });
    let ln = data::build_mlp(
        &Spec::parse("mlp:widths=2;256;256;1,act=tanh,layernorm=true,data=spirals,n=10000,seed=1")
            .unwrap(),
        0,
    )
    .unwrap();
    group.bench_function("full_batch_gradient_2x256_n1e4_layernorm", |b| {
        b.iter(|| black_box(ln.value_gradient(black_box(&x), &mut g)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = mlp_gradient
}
criterion_main!(benches);
