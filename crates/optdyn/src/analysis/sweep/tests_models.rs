//! Tests of the batched RK4 model path ([`super::lanes`], [`super::model_batch`]): every metric
//! of every batched model bit-identical to the generic engine (`SweepJob::run_point`), for
//! several hyperparameters, diverging lanes, lanes reaching the tolerance, off-grid steps and
//! lane counts that are not multiples of the block size; and identical result files from
//! `Engine::Auto` and `Engine::Generic`.

use super::*;
use crate::Result;

/// A model sweep of `steps` steps with the given tolerance and divergence bound.
fn job(
    objective: &str,
    x0: f64,
    optimizer: &str,
    model: &str,
    integrator: &str,
    grid: &str,
    o: MetricOptions,
) -> SweepJob {
    SweepJob::new(SweepSpec {
        objective: objective.into(),
        x0: vec![x0],
        optimizer: optimizer.into(),
        model: Some(model.into()),
        integrator: integrator.into(),
        grid: grid.into(),
        sample: None,
        metrics: Metric::ALL.iter().map(|(_, m)| *m).collect(),
        options: o,
    })
    .unwrap()
}

fn opts(steps: u64, tol: f64, tol_on: TolOn, max_abs: f64) -> MetricOptions {
    MetricOptions {
        steps,
        tol,
        tol_on,
        max_abs,
        max_loss: 1e200,
    }
}

/// The bits of a point's result (errors by their text).
fn bits(r: &Result<Metrics>) -> String {
    match r {
        Ok(m) => format!(
            "{:?} {:x} {:?} {:?} {:x}",
            m.final_x.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            m.final_loss.to_bits(),
            m.diverged,
            m.steps_to_tol,
            m.max_update.to_bits()
        ),
        Err(e) => format!("error: {e}"),
    }
}

/// Checks the batched path applies and equals the generic engine point by point; returns the
/// number of (diverged, reached-tolerance, invalid) points.
fn same_as_generic(j: &SweepJob) -> (usize, usize, usize) {
    let lanes = j.model_lanes().expect("the batched model path applies");
    let n = j.grid().len();
    let batched = lanes.chunk(0..n);
    assert_eq!(batched.len() as u64, n);
    let mut counts = (0, 0, 0);
    for (i, b) in batched.iter().enumerate() {
        let g = j.run_point(&j.grid().point(i as u64));
        assert_eq!(bits(b), bits(&g), "point {i}");
        match b {
            Ok(m) => {
                counts.0 += usize::from(m.diverged.is_some());
                counts.1 += usize::from(m.steps_to_tol.is_some());
            }
            Err(_) => counts.2 += 1,
        }
    }
    assert!(counts.2 < batched.len(), "some point is valid");
    counts
}

#[test]
fn adam_ide1_lanes_equal_the_generic_engine() {
    for (model, integrator, grid) in [
        ("adam-ide1", "rk4:dt=1e-3", "beta1=0:0.99:37"),
        (
            "adam-ide1:t0=lr",
            "rk4:substeps=3",
            "beta1=0:0.99:19,beta2=0.9;0.999",
        ),
        ("adam-ide1:rate=exact", "rk4:dt=7e-4", "beta1=0:0.95:21"),
        ("adam-ide1", "rk4", "beta1=0.9,x0=-2:2:23"),
    ] {
        let j = job(
            "rosen1d:c=4",
            1.3,
            "adam:lr=1e-3,eps=1e-8",
            model,
            integrator,
            grid,
            opts(600, 0.5, TolOn::Grad, 1e12),
        );
        let (_, hit, invalid) = same_as_generic(&j);
        assert!(hit > 0, "{model} {grid}: some lanes reach the tolerance");
        assert_eq!(
            invalid,
            usize::from(model.contains("exact")),
            "{model}: β1 = 0"
        );
    }
}

#[test]
fn adam_ide1_lanes_diverge_as_the_generic_engine() {
    let j = job(
        "quadratic:diag=-2,center=0.5",
        1.0,
        "adam:lr=0.1",
        "adam-ide1",
        "rk4:dt=0.05",
        "beta1=0.5:1.1:17,x0=-1:1:3",
        opts(300, 1e-3, TolOn::Grad, 20.0),
    );
    let (diverged, _, invalid) = same_as_generic(&j);
    assert!(diverged > 0);
    assert!(invalid > 0, "β1 ≥ 1 is invalid");
}

#[test]
fn adam_ide2_lanes_equal_the_generic_engine() {
    for (model, integrator, grid, tol_on) in [
        ("adam-ide2", "rk4:dt=5e-4", "beta1=0:0.99:35", TolOn::Grad),
        (
            "adam-ide2:t0=lr",
            "rk4:dt=3e-4",
            "beta1=0.3;0.9,model.u0=-50:50:9",
            TolOn::Gap,
        ),
        (
            "adam-ide2",
            "rk4:substeps=2",
            "beta2=0.2:0.999:18",
            TolOn::Grad,
        ),
    ] {
        let j = job(
            "rosen1d:c=4",
            1.3,
            "adam:lr=1e-3",
            model,
            integrator,
            grid,
            opts(600, 0.5, tol_on, 1e12),
        );
        let (_, hit, _) = same_as_generic(&j);
        assert!(hit > 0, "{model} {grid}");
    }
}

#[test]
fn gradient_flow_lanes_equal_the_generic_engine() {
    for (optimizer, model, grid) in [
        ("sgd:lr=0.1", "gradient-flow", "x0=-3:3:41"),
        (
            "sgd:lr=0.05",
            "heavy-ball-flow",
            "momentum=0:0.9:7,x0=-2:2:5",
        ),
    ] {
        let j = job(
            "quadratic:diag=30,center=1",
            0.0,
            optimizer,
            model,
            "rk4:substeps=1",
            grid,
            opts(200, 1e-6, TolOn::Gap, 1e6),
        );
        let (diverged, hit, _) = same_as_generic(&j);
        assert!(diverged > 0, "{model}: RK4 at h·30 > 2.79 is unstable");
        assert!(hit > 0 || model == "gradient-flow", "{model}");
    }
    let j = job(
        "rosen1d:c=4",
        0.0,
        "sgd:lr=0.01",
        "gradient-flow",
        "rk4:dt=0.004",
        "x0=-3:3:33",
        opts(300, 1e-6, TolOn::Grad, 1e12),
    );
    let (_, hit, _) = same_as_generic(&j);
    assert!(hit > 0);
}

#[test]
fn rmsprop_and_adagrad_ide_lanes_equal_the_generic_engine() {
    for (optimizer, model, integrator, grid) in [
        (
            "rmsprop:lr=1e-3",
            "rmsprop-ide1",
            "rk4:dt=1e-3",
            "alpha=0:0.99:29",
        ),
        (
            "rmsprop:lr=1e-3",
            "rmsprop-ide1:v0=first,rate=exact",
            "rk4:substeps=2",
            "alpha=0.5:0.999:17,eps=1e-8;1e-3",
        ),
        (
            "adagrad:lr=1e-3",
            "adagrad-ide1",
            "rk4:dt=1e-3",
            "lr_decay=0:0.01:9,x0=0.9:1.1:3",
        ),
        (
            "adagrad:lr=1e-3",
            "adagrad-ide1:v0=zero",
            "rk4:dt=4e-4",
            "initial_accumulator_value=0.1:1:19,x0=0.9;1.02",
        ),
    ] {
        let j = job(
            "rosen1d:c=4",
            1.3,
            optimizer,
            model,
            integrator,
            grid,
            opts(600, 0.5, TolOn::Grad, 1e12),
        );
        let (_, hit, _) = same_as_generic(&j);
        assert!(hit > 0, "{model} {grid}");
    }
}

#[test]
fn heavy_ball_and_nesterov_lanes_equal_the_generic_engine() {
    for (optimizer, model, integrator, grid) in [
        (
            "sgd:lr=0.01",
            "heavy-ball",
            "rk4:dt=0.01",
            "momentum=0:0.95:23",
        ),
        (
            "sgd:lr=0.1,momentum=0.5",
            "heavy-ball",
            "rk4:dt=0.05",
            "x0=-3:3:13",
        ),
        (
            "sgd:lr=0.01,momentum=0.9,nesterov=true",
            "nesterov",
            "rk4:dt=4e-3",
            "x0=-2:2:21",
        ),
        (
            "sgd:lr=0.01,momentum=0.9,nesterov=true",
            "nesterov",
            "rk4:substeps=3",
            "model.r=1:5:9",
        ),
    ] {
        let j = job(
            "rosen1d:c=4",
            1.3,
            optimizer,
            model,
            integrator,
            grid,
            opts(800, 0.5, TolOn::Grad, 30.0),
        );
        let (_, hit, invalid) = same_as_generic(&j);
        assert!(hit > 0 && invalid == 0, "{model} {grid}");
    }
}

#[test]
fn models_without_a_lane_field_run_on_the_generic_path() {
    let j = job(
        "rosen1d:c=4",
        2.0,
        "sgd:lr=0.01",
        "modified-flow",
        "rk4:dt=0.01",
        "x0=-2:2:5",
        opts(50, 1e-6, TolOn::Grad, 1e12),
    );
    same_as_generic(&j);
}

#[test]
fn auto_and_generic_write_identical_result_files() {
    let j = job(
        "rosen1d:c=4",
        2.0,
        "adam:lr=1e-3",
        "adam-ide1",
        "rk4:dt=1e-3",
        "beta1=0:0.99:100",
        opts(1000, 1e-2, TolOn::Grad, 1e12),
    );
    let files: Vec<Vec<u8>> = [Engine::Auto, Engine::Generic]
        .into_iter()
        .map(|engine| {
            let d = tempfile::tempdir().unwrap();
            let s = j
                .execute(
                    d.path().to_path_buf(),
                    Shard::WHOLE,
                    false,
                    16,
                    engine,
                    &mut |_, _| {},
                )
                .unwrap();
            std::fs::read(s.path).unwrap()
        })
        .collect();
    assert_eq!(files[0], files[1]);
    assert!(files[0].len() > 100 * 20);
}

#[test]
fn lanes_do_not_depend_on_the_thread_count() {
    let j = job(
        "rosen1d:c=4",
        1.3,
        "adam:lr=1e-3",
        "adam-ide1",
        "rk4:dt=5e-4",
        "beta1=0:0.99:53",
        opts(300, 0.5, TolOn::Grad, 1e12),
    );
    let lanes = j.model_lanes().expect("the batched model path applies");
    let n = j.grid().len();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| lanes.chunk(0..n));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap()
        .install(|| lanes.chunk(0..n));
    let b = |r: &[Result<Metrics>]| r.iter().map(bits).collect::<Vec<_>>();
    assert_eq!(b(&one), b(&many));
}
