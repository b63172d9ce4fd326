//! Tests of the batched zoo engine ([`super::zoo`]): every lane bit-identical to the generic run
//! engine ([`discrete_metrics`] of the registry-built optimizer), for every lanewise optimizer
//! with its momentum, Nesterov, weight-decay, AMSGrad, centered and decoupled variants, on 1-D
//! and 2–3-D built-in objectives, with lanes that diverge, lanes that reach the tolerance and
//! lane counts not a multiple of the block size; and a whole sweep written identically by
//! [`Engine::Auto`] and [`Engine::Generic`].

use super::job::{Batch, ZooOptimizer};
use super::metrics::discrete_metrics;
use super::zoo::{run_lanes, ZooLanes};
use super::*;
use crate::objective::Objective;
use crate::optim::{self, Lanewise};
use crate::run::Problem;
use crate::spec::Spec;
use std::sync::Arc;

/// Objectives with their dimension: 1-D, 2-D and 3-D.
const OBJECTIVES: [(&str, usize); 5] = [
    ("quadratic:diag=2,center=0.5", 1),
    ("rosen1d:c=4", 1),
    ("rosenbrock", 2),
    ("himmelblau", 2),
    ("quadratic:diag=1;10;0.5,center=1;-1;0", 3),
];

/// Lanes per run: not a multiple of the block size, with partial blocks.
const LANES: usize = 53;

/// A start point per lane, spread over `[-2.2, 2.3]^d`.
fn start(l: usize, d: usize) -> Vec<f64> {
    (0..d)
        .map(|i| ((l * 7 + i * 3) % 11) as f64 * 0.45 - 2.2)
        .collect()
}

/// The metrics' bits, for exact comparison.
fn bits(m: &Metrics) -> (Vec<u64>, u64, u64, Option<u64>, Option<u64>) {
    (
        m.final_x.iter().map(|v| v.to_bits()).collect(),
        m.final_loss.to_bits(),
        m.max_update.to_bits(),
        m.diverged,
        m.steps_to_tol,
    )
}

/// Runs `specs` (lane `l` runs spec `(l / 3) % len`, so neighbouring lanes share an optimizer
/// and blocks mix several) batched and generically on every objective under `o`, asserts bit
/// identity lane by lane, and returns how many lanes diverged and how many reached the tolerance.
fn compare<O: Lanewise + Sync>(specs: &[&str], o: &MetricOptions) -> (usize, usize) {
    let (mut diverged, mut hit) = (0, 0);
    for (obj_spec, d) in OBJECTIVES {
        let obj: Arc<dyn Objective> = Arc::from(crate::objective::parse(obj_spec, d).unwrap());
        let parsed: Vec<Spec> = specs.iter().map(|s| Spec::parse(s).unwrap()).collect();
        let mut lanes = ZooLanes::<O>::new(d);
        lanes.opts = parsed.iter().map(|s| O::build(s).unwrap()).collect();
        for l in 0..LANES {
            lanes.opt.push((l / 3) % specs.len());
            lanes.x0.extend(start(l, d));
        }
        let batched = run_lanes(obj.as_ref(), &lanes, o).unwrap();
        assert_eq!(batched.len(), LANES);
        for (l, b) in batched.iter().enumerate() {
            let spec = &parsed[lanes.opt[l]];
            let opt = optim::from_spec::<f64>(spec).unwrap();
            let problem = Problem::shared(obj.clone(), start(l, d)).unwrap();
            let m = discrete_metrics(&problem, opt.as_ref(), o).unwrap();
            assert_eq!(
                bits(b),
                bits(&m),
                "{} on {obj_spec}, lane {l}: batched {b:?} vs generic {m:?}",
                specs[lanes.opt[l]]
            );
            diverged += usize::from(m.diverged.is_some());
            hit += usize::from(m.steps_to_tol.is_some());
        }
    }
    (diverged, hit)
}

/// `compare` under a gradient tolerance and a gap tolerance; both kinds of lanes must occur.
fn check<O: Lanewise + Sync>(specs: &[&str]) {
    let grad = MetricOptions {
        steps: 300,
        tol: 1e-3,
        tol_on: TolOn::Grad,
        max_abs: 6.0,
        max_loss: 1e200,
    };
    let (d1, h1) = compare::<O>(specs, &grad);
    let gap = MetricOptions {
        tol: 1e-4,
        tol_on: TolOn::Gap,
        max_loss: 1e3,
        ..grad
    };
    let (d2, h2) = compare::<O>(specs, &gap);
    assert!(d1 + d2 > 0, "{specs:?}: no lane diverged");
    assert!(h1 + h2 > 0, "{specs:?}: no lane reached the tolerance");
}

#[test]
fn zoo_sgd_is_bit_identical_to_the_generic_engine() {
    check::<optim::Sgd>(&[
        "sgd:lr=0.01",
        "sgd:lr=0.002,momentum=0.9",
        "sgd:lr=0.004,momentum=0.9,dampening=0.5,weight_decay=0.1",
        "sgd:lr=0.003,momentum=0.8,nesterov=true",
        "sgd:lr=0.05,momentum=0.5",
        "sgd:lr=0.01,maximize=true",
    ]);
}

#[test]
fn zoo_adagrad_is_bit_identical_to_the_generic_engine() {
    check::<optim::Adagrad>(&[
        "adagrad:lr=0.1",
        "adagrad:lr=0.5,lr_decay=0.01,initial_accumulator_value=0.1,weight_decay=0.01",
        "adagrad:lr=5",
        "adagrad:lr=0.2,maximize=true",
    ]);
}

#[test]
fn zoo_rmsprop_is_bit_identical_to_the_generic_engine() {
    check::<optim::RmsProp>(&[
        "rmsprop:lr=0.01",
        "rmsprop:lr=0.01,centered=true",
        "rmsprop:lr=0.002,momentum=0.9",
        "rmsprop:lr=0.001,centered=true,momentum=0.5,weight_decay=0.1",
        "rmsprop:lr=1,alpha=0.3",
    ]);
}

#[test]
fn zoo_adadelta_is_bit_identical_to_the_generic_engine() {
    check::<optim::Adadelta>(&[
        "adadelta:lr=1",
        "adadelta:lr=50,rho=0.5,weight_decay=0.1",
        "adadelta:lr=400,eps=1e-3",
    ]);
}

#[test]
fn zoo_adam_variants_are_bit_identical_to_the_generic_engine() {
    check::<optim::Adam>(&[
        "adam:lr=0.01,amsgrad=true",
        "adam:lr=0.02,weight_decay=0.1",
        "adamw:lr=0.03",
        "adamw:lr=0.02,weight_decay=0.5,amsgrad=true",
        "adam:lr=0.05,beta1=0.3,beta2=0.9",
        "adam:lr=0.02,maximize=true",
        "adam:lr=2",
    ]);
}

#[test]
fn zoo_adamax_is_bit_identical_to_the_generic_engine() {
    check::<optim::Adamax>(&[
        "adamax:lr=0.01",
        "adamax:lr=0.05,beta1=0.3,weight_decay=0.1",
        "adamax:lr=3",
    ]);
}

#[test]
fn zoo_nadam_is_bit_identical_to_the_generic_engine() {
    check::<optim::NAdam>(&[
        "nadam:lr=0.01",
        "nadam:lr=0.02,weight_decay=0.1",
        "nadam:lr=0.02,weight_decay=0.2,decoupled_weight_decay=true,momentum_decay=0.01",
        "nadam:lr=3,beta1=0.3",
    ]);
}

#[test]
fn zoo_radam_is_bit_identical_to_the_generic_engine() {
    check::<optim::RAdam>(&[
        "radam:lr=0.01",
        "radam:lr=0.02,weight_decay=0.1",
        "radam:lr=0.02,weight_decay=0.2,decoupled_weight_decay=true,beta2=0.9",
        "radam:lr=3,beta1=0.3",
    ]);
}

#[test]
fn zoo_lion_is_bit_identical_to_the_generic_engine() {
    check::<optim::Lion>(&[
        "lion:lr=0.001",
        "lion:lr=0.01,weight_decay=0.5",
        "lion:lr=0.0003,beta1=0.5,beta2=0.9",
        "lion:lr=2",
    ]);
}

#[test]
fn zoo_nag_c_is_bit_identical_to_the_generic_engine() {
    check::<optim::NagC>(&[
        "nag-c:lr=0.001",
        "nag-c:lr=0.01",
        "nag-c:lr=0.004,maximize=true",
    ]);
}

#[test]
fn zoo_lanes_are_thread_count_independent() {
    let obj = crate::objective::parse("rosenbrock", 2).unwrap();
    let mut lanes = ZooLanes::<optim::Sgd>::new(2);
    lanes.opts = [
        "sgd:lr=0.001,momentum=0.9",
        "sgd:lr=0.002,nesterov=true,momentum=0.5",
    ]
    .iter()
    .map(|s| optim::Sgd::build(&Spec::parse(s).unwrap()).unwrap())
    .collect();
    for l in 0..1000 {
        lanes.opt.push(l % 2);
        lanes.x0.extend(start(l, 2));
    }
    let o = MetricOptions {
        steps: 100,
        ..MetricOptions::default()
    };
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run_lanes(obj.as_ref(), &lanes, &o))
            .unwrap()
    };
    assert_eq!(run(1), run(3));
    let mut bad = lanes.clone();
    bad.dim = 3;
    assert!(run_lanes(obj.as_ref(), &bad, &o).is_err());
}

/// A sweep of `optimizer` over `grid` on `objective` from `x0`, all metrics.
fn job(objective: &str, x0: Vec<f64>, optimizer: &str, grid: &str) -> SweepJob {
    SweepJob::new(SweepSpec {
        objective: objective.into(),
        x0,
        optimizer: optimizer.into(),
        model: None,
        integrator: "rk4".into(),
        grid: grid.into(),
        sample: None,
        metrics: Metric::parse_list("final_x,final_loss,diverged,steps_to_tol,max_update").unwrap(),
        options: MetricOptions {
            steps: 200,
            tol: 1e-3,
            tol_on: TolOn::Grad,
            max_abs: 10.0,
            max_loss: 1e200,
        },
    })
    .unwrap()
}

/// The results file of `job` on `engine` (chunks of 7 points).
fn written(job: &SweepJob, engine: Engine) -> String {
    let dir = tempfile::tempdir().unwrap();
    let s = job
        .execute(
            dir.path().to_path_buf(),
            Shard::WHOLE,
            false,
            7,
            engine,
            &mut |_, _| {},
        )
        .unwrap();
    std::fs::read_to_string(s.path).unwrap()
}

#[test]
fn auto_and_generic_sweeps_write_identical_files_for_zoo_optimizers() {
    let cases = [
        (
            "rosenbrock",
            vec![-1.2, 1.0],
            "sgd:lr=0.001",
            "lr=1e-4:3e-3:4:log,momentum=0;0.5;0.9,dampening=0;0.5;1.5,nesterov=0;1,x0[1]=-1:2:3",
            ZooOptimizer::Sgd,
            true,
        ),
        (
            "quadratic:diag=1;10;0.5,center=1;-1;0",
            vec![0.5, 0.5, 0.5],
            "adam:lr=0.01",
            "amsgrad=0;1,weight_decay=0;0.1,beta1=0.5;0.9;1.2,x0=-3:3:5",
            ZooOptimizer::Adam,
            true,
        ),
        (
            "rosen1d:c=4",
            vec![-1.5],
            "rmsprop:lr=0.01",
            "centered=0;1,momentum=0;0.9,lr=1e-3:0.3:5:log,x0=-2:2:9",
            ZooOptimizer::RmsProp,
            false,
        ),
        (
            "himmelblau",
            vec![0.0, 0.0],
            "lion:lr=0.01",
            "lr=1e-3:1:6:log,weight_decay=0;0.5,x0[0]=-4:4:5",
            ZooOptimizer::Lion,
            false,
        ),
    ];
    for (objective, x0, optimizer, grid, zoo, invalid) in cases {
        let j = job(objective, x0, optimizer, grid);
        assert_eq!(j.batch(), Some(Batch::Zoo(zoo)), "{optimizer}");
        let (auto, generic) = (written(&j, Engine::Auto), written(&j, Engine::Generic));
        assert_eq!(auto.contains(",invalid"), invalid, "{optimizer}");
        assert_eq!(auto, generic, "{optimizer} on {objective}");
    }
}

#[test]
fn only_lanewise_optimizers_on_deterministic_builtins_are_batched() {
    let on = |objective: &str, x0: Vec<f64>, optimizer: &str, grid: &str| {
        job(objective, x0, optimizer, grid).batch()
    };
    assert!(matches!(
        on("rosen1d:c=4", vec![1.5], "adam:lr=0.01", "lr=0.01;0.02"),
        Some(Batch::Adam1d(_))
    ));
    assert_eq!(
        on(
            "rosen1d:c=4",
            vec![1.5],
            "adam:lr=0.01,amsgrad=true",
            "lr=0.01;0.02"
        ),
        Some(Batch::Zoo(ZooOptimizer::Adam))
    );
    assert_eq!(
        on("sphere", vec![1.0; 8], "nag-c:lr=0.01", "lr=0.01;0.02"),
        Some(Batch::Zoo(ZooOptimizer::NagC))
    );
    for (objective, x0, optimizer, grid) in [
        ("sphere", vec![1.0; 9], "sgd:lr=0.01", "lr=0.01;0.02"),
        (
            "rosenbrock",
            vec![1.0, 2.0],
            "scalar-rmsprop",
            "lr=0.01;0.02",
        ),
        ("rosenbrock", vec![1.0, 2.0], "kadam", "lr=0.01;0.02"),
        ("rosenbrock", vec![1.0, 2.0], "sgd", "objective.b=10;100"),
        (
            "quadratic:diag=1,grad_noise=0.1",
            vec![1.0],
            "sgd",
            "lr=0.01;0.02",
        ),
    ] {
        assert_eq!(
            on(objective, x0, optimizer, grid),
            None,
            "{objective} {optimizer}"
        );
    }
}
