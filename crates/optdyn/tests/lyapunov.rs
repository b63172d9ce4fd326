//! Lyapunov and energy monitors on real model runs: every model that declares a Lyapunov
//! functional keeps it non-increasing along its integrated trajectory, and the monitor flags a
//! rise where one happens (Adam's overshoot through the barrier of the bistable rosen1d).

use optdyn::analysis::lyapunov::model_monitors;
use optdyn::integrate;
use optdyn::model;
use optdyn::optim;
use optdyn::run::Problem;

fn monitors(
    obj: &str,
    x0: &[f64],
    opt: &str,
    m: &str,
    steps: u64,
) -> optdyn::analysis::lyapunov::ModelMonitors {
    let problem = Problem::parse(obj, x0.to_vec()).unwrap();
    let opt = optim::parse(opt).unwrap();
    let model = model::parse(m, opt.as_ref(), problem.objective().clone()).unwrap();
    let integ = integrate::parse("rk4:substeps=20").unwrap();
    model_monitors(
        &problem,
        model.as_ref(),
        Some(integ.as_ref()),
        opt.lr(),
        steps,
        1e-10,
        0,
    )
    .unwrap()
}

#[test]
fn declared_lyapunov_functionals_do_not_increase() {
    let cases: [(&str, &[f64], &str, &str); 8] = [
        ("rosen1d:c=4", &[2.0], "sgd:lr=0.01", "gradient-flow"),
        ("rosenbrock", &[-1.2, 1.0], "sgd:lr=1e-4", "modified-flow"),
        (
            "rosen1d:c=4",
            &[2.0],
            "sgd:lr=0.01,momentum=0.9",
            "heavy-ball",
        ),
        (
            "beale",
            &[1.0, 1.0],
            "sgd:lr=0.01,momentum=0.9",
            "heavy-ball",
        ),
        (
            "rosen1d:c=4",
            &[2.0],
            "sgd:lr=0.01,momentum=0.9,nesterov=true",
            "nesterov",
        ),
        (
            "himmelblau",
            &[0.5, 0.5],
            "rmsprop:lr=0.01,alpha=0.9",
            "rmsprop-ide1",
        ),
        ("himmelblau", &[0.5, 0.5], "adagrad:lr=0.1", "adagrad-ide1"),
        (
            "rosen1d:c=4",
            &[2.0],
            "adam:lr=0.01,weight_decay=0.1",
            "adam-field",
        ),
    ];
    for (obj, x0, opt, m) in cases {
        let mon = monitors(obj, x0, opt, m, 400);
        assert!(mon.trajectory.stop.is_ok(), "{m}: {}", mon.trajectory.stop);
        let l = mon
            .lyapunov
            .unwrap_or_else(|| panic!("{m} declares no Lyapunov functional"));
        assert!(
            l.non_increasing,
            "{m} on {obj}: V rose by {:e} at t = {}",
            l.max_increase, l.t_max_increase
        );
        // It decreases overall (the check is not vacuous).
        assert!(
            l.values[l.values.len() - 1] < l.values[0] - 1e-3,
            "{m}: V did not decrease"
        );
    }
}

#[test]
fn monitors_flag_a_rise_and_report_moments() {
    // Adam (and its first-order IDE) from θ0 = −1.5 at lr = 0.05 escapes the local basin of
    // rosen1d c = 4 over the barrier at θ ≈ −0.146, so f(θ(t)) must rise on the way.
    let mon = monitors(
        "rosen1d:c=4",
        &[-1.5],
        "adam:lr=0.05,beta1=0.99,beta2=0.999",
        "adam-ide1",
        1000,
    );
    assert!(
        mon.lyapunov.is_none(),
        "adam-ide1 declares no Lyapunov functional"
    );
    assert!(!mon.loss.non_increasing);
    assert!(mon.loss.max_increase > 0.1, "{}", mon.loss.max_increase);
    let (vmin, _) = mon.min_v.expect("adam-ide1 has v columns");
    assert!(vmin >= 0.0, "moment positivity: min v = {vmin}");
    assert_eq!(mon.kinetic.len(), mon.trajectory.len());
}
