//! The run engine: the two wrong results of the spec-string era (a maximizing optimizer's model
//! descended; `sweep` sampled a `t0 = lr` model one step early), typed construction equal to the
//! parsed specs, streaming output equal to the recorded trajectory, observers and early stops.

use optdyn::analysis::sweep::{Engine, Metric, MetricOptions, Shard, SweepJob, SweepSpec, TolOn};
use optdyn::integrate::{Dopri5, Rk4};
use optdyn::io::{self, CsvWriter};
use optdyn::model::{self, AdamIde1, AdamIde2, HeavyBall, Model, Start};
use optdyn::objective::builtin::{Quadratic, Rosen1d};
use optdyn::objective::{self, Negated};
use optdyn::optim::{self, Adam, Sgd};
use optdyn::run::{Observer, Problem, Recorder, Run, Sample};
use optdyn::stop::StopReason;
use optdyn::Error;
use std::ops::ControlFlow;
use std::sync::Arc;

/// `(x − 4)²` from x0 = 1, as `expr:(x-4)^2`.
fn parabola() -> Problem {
    Problem::parse("expr:(x-4)^2", vec![1.0]).unwrap()
}

#[test]
fn a_maximizing_optimizer_has_an_ascending_model() {
    let p = parabola();
    let adam = optim::parse("adam:lr=0.01,maximize=true").unwrap();
    let d = Run::discrete(&p, adam.as_ref())
        .steps(100)
        .trajectory()
        .unwrap();
    // Ascent on (x − 4)² moves away from 4: x decreases from 1.
    assert!((d.x(5)[0] - 0.95).abs() < 1e-3, "{}", d.x(5)[0]);
    let m = model::parse("adam-ide1", adam.as_ref(), p.objective().clone()).unwrap();
    let c = Run::model(&p, m.as_ref(), 0.01)
        .steps(100)
        .trajectory()
        .unwrap();
    assert!(c.x(100)[0] < 0.0, "the model ascends too: {}", c.x(100)[0]);
    let gap = (d.x(100)[0] - c.x(100)[0]).abs();
    assert!(gap < 2e-2, "gap {gap} (O(lr))");
    // It is exactly the model of −f built by hand.
    let typed = Adam::default().lr(0.01);
    let neg = AdamIde1::of(&typed, Arc::new(Negated(p.objective().clone()))).unwrap();
    let by_hand = Run::model(&p, &neg, 0.01).steps(100).trajectory().unwrap();
    assert_eq!(c.xs(), by_hand.xs());
    assert_eq!(c.states(), by_hand.states());
}

#[test]
fn unmodelled_optimizer_options_are_refused_by_name() {
    let p = parabola();
    let f = p.objective().clone();
    let e = |opt: &str, m: &str| {
        let o = optim::parse(opt).unwrap();
        model::parse(m, o.as_ref(), f.clone()).err().unwrap()
    };
    let err = e("adam:amsgrad=true", "adam-ide1");
    assert!(matches!(err, Error::NotModelled { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "adam-ide1: optimizer option amsgrad=true is not modelled (allowed: amsgrad=false)"
    );
    assert!(e("sgd:lr=0.1,momentum=0.9,dampening=0.5", "heavy-ball")
        .to_string()
        .contains("dampening=0.5 is not modelled"));
    assert!(e("sgd:lr=0.1,momentum=0.9,nesterov=true", "heavy-ball")
        .to_string()
        .contains("nesterov=true is not modelled"));
    assert!(e("rmsprop:momentum=0.5", "rmsprop-ide1")
        .to_string()
        .contains("momentum=0.5 is not modelled"));
    assert!(e("rmsprop:centered=true", "rmsprop-ide1")
        .to_string()
        .contains("centered=true is not modelled"));
}

#[test]
fn sgd_weight_decay_is_the_model_of_the_penalised_objective() {
    // SGD's coupled decay g + λθ is ∇(f + λ/2‖θ‖²): heavy ball with weight decay equals heavy
    // ball on the penalised quadratic ½(1 + λ)θ² − 4θ·… built by hand.
    let lam = 0.3;
    let p = Problem::new(Quadratic::new(vec![2.0], vec![4.0]).unwrap(), vec![1.0]).unwrap();
    let sgd = Sgd::default().lr(0.01).momentum(0.9).weight_decay(lam);
    let m = HeavyBall::of(&sgd, p.objective().clone()).unwrap();
    let penalised = objective::L2Penalty {
        inner: p.objective().clone(),
        lambda: lam,
    };
    let m2 = HeavyBall::of(&Sgd::default().lr(0.01).momentum(0.9), Arc::new(penalised)).unwrap();
    let a = Run::model(&p, &m, 0.01).steps(200).trajectory().unwrap();
    let b = Run::model(&p, &m2, 0.01).steps(200).trajectory().unwrap();
    assert_eq!(a.xs(), b.xs());
    // And the discrete run with decay tracks it at O(√lr).
    let d = Run::discrete(&p, &sgd).steps(200).trajectory().unwrap();
    assert!((d.x(200)[0] - a.x(200)[0]).abs() < 0.1);
}

#[test]
fn run_and_sweep_sample_a_t0_lr_model_on_the_same_clock() {
    let p = Problem::parse("rosen1d:c=1.5", vec![-1.5]).unwrap();
    let adam = Adam::default().lr(0.01).betas(0.99, 0.999);
    let m = AdamIde1::with(&adam, Start::Lr, model::Rate::Taylor, p.objective().clone()).unwrap();
    let tr = Run::model(&p, &m, 0.01).steps(100).trajectory().unwrap();
    let last = tr.len() - 1;
    assert_eq!(tr.step(last), 100);
    assert!((tr.t(last) - 1.01).abs() < 1e-15);
    assert_eq!(tr.x(last)[0], -0.6504796222963048);
    let dir = tempfile::tempdir().unwrap();
    let job = SweepJob::new(SweepSpec {
        objective: "rosen1d:c=1.5".into(),
        x0: vec![-1.5],
        optimizer: "adam:lr=0.01,beta1=0.99,beta2=0.999".into(),
        model: Some("adam-ide1:t0=lr".into()),
        integrator: "rk4".into(),
        grid: "beta1=0.99".into(),
        sample: None,
        metrics: vec![Metric::FinalX],
        options: MetricOptions {
            steps: 100,
            tol: 1e-8,
            tol_on: TolOn::Grad,
            max_abs: 1e12,
            max_loss: 1e200,
        },
    })
    .unwrap();
    let s = job
        .execute(
            dir.path().to_path_buf(),
            Shard::WHOLE,
            false,
            16,
            Engine::Auto,
            &mut |_, _| {},
        )
        .unwrap();
    let csv = std::fs::read_to_string(s.path).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert_eq!(row, "0,0.99,-0.6504796222963048,ok");
}

#[test]
fn typed_models_equal_their_specs() {
    let p = Problem::new(Rosen1d::new(4.0).unwrap(), vec![2.0]).unwrap();
    let adam = Adam::default().lr(1e-3).betas(0.99, 0.999);
    let spec = optim::parse("adam:lr=1e-3,beta1=0.99,beta2=0.999").unwrap();
    for (typed, text) in [
        (
            Box::new(AdamIde1::of(&adam, p.objective().clone()).unwrap()) as Box<dyn Model>,
            "adam-ide1",
        ),
        (
            Box::new(AdamIde2::with(&adam, 1.0, Start::Zero, p.objective().clone()).unwrap()),
            "adam-ide2:u0=1",
        ),
    ] {
        let parsed = model::parse(text, spec.as_ref(), p.objective().clone()).unwrap();
        assert_eq!(typed.name(), parsed.name());
        let a = Run::model(&p, typed.as_ref(), 1e-3)
            .integrator(&Rk4::substeps(10))
            .steps(300)
            .trajectory()
            .unwrap();
        let b = Run::model(&p, parsed.as_ref(), 1e-3)
            .steps(300)
            .trajectory()
            .unwrap();
        assert_eq!(a.xs(), b.xs(), "{text}");
        assert_eq!(a.states(), b.states(), "{text}");
    }
}

#[test]
fn streamed_csv_equals_the_recorded_rendering() {
    let p = Problem::parse("rosenbrock", vec![-1.2, 1.0]).unwrap();
    let adam = Adam::default().lr(1e-2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.csv");
    for record_state in [false, true] {
        let run = Run::discrete(&p, &adam)
            .steps(300)
            .every(7)
            .record_state(record_state);
        let mut w = CsvWriter::create(&path).unwrap();
        let mut rec = Recorder::default();
        run.execute(&mut [&mut w, &mut rec]).unwrap();
        assert_eq!(w.rows(), 44);
        w.finish_file().unwrap();
        let streamed = std::fs::read_to_string(&path).unwrap();
        assert_eq!(streamed, io::trajectory_csv(&rec.into_trajectory()));
    }
    // A model run streams its state blocks too.
    let m = AdamIde1::of(&adam, p.objective().clone()).unwrap();
    let dp = Dopri5::tol(1e-10, 1e-12);
    let run = Run::model(&p, &m, 1e-2).integrator(&dp).steps(50);
    let mut w = CsvWriter::create(&path).unwrap();
    let mut rec = Recorder::default();
    run.execute(&mut [&mut w, &mut rec]).unwrap();
    w.finish_file().unwrap();
    let tr = rec.into_trajectory();
    assert_eq!(tr.columns()[6..], ["m0", "m1", "v0", "v1"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        io::trajectory_csv(&tr)
    );
}

/// Stops the run once the loss falls below a level.
struct StopBelow(f64);

impl Observer for StopBelow {
    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        if s.loss < self.0 {
            ControlFlow::Break(StopReason::Converged {
                step: s.step,
                t: s.t,
            })
        } else {
            ControlFlow::Continue(())
        }
    }
}

#[test]
fn observers_stop_early_and_see_every_delivered_sample() {
    let p = parabola();
    let sgd = Sgd::default().lr(0.1);
    let mut rec = Recorder::default();
    let mut stop = StopBelow(1e-6);
    let mut seen = 0u64;
    let mut count = |_: &Sample<'_>| {
        seen += 1;
        ControlFlow::<StopReason>::Continue(())
    };
    let end = Run::discrete(&p, &sgd)
        .steps(1000)
        .execute(&mut [&mut rec, &mut count, &mut stop])
        .unwrap();
    let tr = rec.into_trajectory();
    // GD on (x−4)² with lr 0.1: x_k − 4 = −3·0.8^k, f = 9·0.64^k < 1e-6 from k = 36.
    assert_eq!(
        end.stop,
        StopReason::Converged {
            step: 36,
            t: 36.0 * 0.1
        }
    );
    assert_eq!(tr.len(), 37);
    assert_eq!(seen, 37);
    assert_eq!(end.samples, 37);
    assert_eq!(end.unreached, Some(37));
}

#[test]
fn the_clock_every_and_t_end_are_computed_once() {
    let p = parabola();
    let sgd = Sgd::default().lr(0.25);
    let tr = Run::discrete(&p, &sgd)
        .t_end(10.0)
        .every(7)
        .trajectory()
        .unwrap();
    let steps: Vec<u64> = tr.steps().to_vec();
    assert_eq!(steps, [0, 7, 14, 21, 28, 35, 40]);
    assert_eq!(tr.t(6), 10.0);
    let m = model::FirstOrderFlow::gradient(&sgd, p.objective().clone()).unwrap();
    let mt = Run::model(&p, &m, 0.25)
        .t_end(10.0)
        .every(7)
        .trajectory()
        .unwrap();
    assert_eq!(mt.steps(), tr.steps());
    assert_eq!(mt.times(), tr.times());
}

#[test]
fn bad_settings_are_errors_and_divergence_is_a_stop() {
    let p = parabola();
    let bad = Adam::default().beta1(1.5);
    let e = Run::discrete(&p, &bad).steps(3).trajectory().unwrap_err();
    assert_eq!(e.to_string(), "adam: beta1 must be in [0, 1), got 1.5");
    let sgd = Sgd::default().lr(0.1);
    assert!(Run::discrete(&p, &sgd).every(0).trajectory().is_err());
    assert!(Run::discrete(&p, &sgd).t_end(-1.0).trajectory().is_err());
    let m = model::FirstOrderFlow::gradient(&sgd, p.objective().clone()).unwrap();
    let e = Run::model(&p, &m, 0.1)
        .integrator(&Dopri5::tol(-1.0, 1e-12))
        .trajectory()
        .unwrap_err();
    assert_eq!(e.to_string(), "dopri5: rtol must be > 0, got -1");
    // lr 1.1 on (x−4)² doubles the error's sign-flipping amplitude ×1.2 per step: diverges.
    let tr = Run::discrete(&p, &Sgd::default().lr(1.1))
        .steps(1000)
        .max_abs(1e6)
        .trajectory()
        .unwrap();
    match &tr.stop {
        StopReason::Diverged { step, .. } => assert_eq!(*step as usize, tr.len()),
        other => panic!("expected a divergence, got {other}"),
    }
    assert!(tr.xs().iter().all(|v| v.is_finite()));
}
