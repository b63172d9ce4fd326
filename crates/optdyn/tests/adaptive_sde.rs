//! The RMSprop and Adam SDEs of Malladi–Lyu–Panigrahi–Arora 2022 (`model::adaptive_sde`) on
//! `f = a θ²/2` (`quadratic:diag=2`) with additive gradient noise, in the paper's regime
//! `σ = σ0/lr`, `ε = ε0/lr`, `1 − β_i = c_i lr²`, clock `t = k·lr²`:
//!
//! * the `v` block follows its closed form `v(t) = d + (v(t0) − d)e^{−c2 (t − t0)}` (`d` = the
//!   noise variance) — exactly the Euler recursion on the grid, converging at order 1 in `h`,
//!   and untouched by the noise;
//! * the ensemble moments of θ match hand-derived moment ODEs (the SDEs are linear in `(θ, m)`
//!   once `v` is known), integrated independently by RK4;
//! * weak approximation: discrete RMSprop / Adam (`optim::RmsProp`, `optim::Adam`) driven by the
//!   same Brownian increments as the SDE (coupled paths, antithetic pairs): the gaps in `E θ` and
//!   `E θ²` at `T = 0.96` shrink like `lr²` (order 1 in the clock step);
//! * the run engine's discrete runs (`grad_noise=σ`, one `grad_noise_seed` per run) agree with
//!   the SDE ensembles within the weak error and 4 standard errors;
//! * bad input is refused, naming the option and its allowed range.

use optdyn::analysis::fit::power_law;
use optdyn::block;
use optdyn::integrate::sde::{
    mean_and_error, solve_path, solve_paths, Brownian, SdeGrid, SdeScheme, SdeSystem,
};
use optdyn::model::{is_sde, parse_sde, AdamSde, GradientCovariance, RmspropSde, SdeModel};
use optdyn::objective::{self, Objective};
use optdyn::optim::{Adam, Optimizer, RmsProp};
use std::sync::Arc;

/// Curvature of `quadratic:diag=2`.
const A: f64 = 2.0;
/// θ0.
const X0: f64 = 1.0;
/// `ε0 = lr·ε`.
const EPS0: f64 = 0.5;
/// `c1 = (1 − β1)/lr²`.
const C1: f64 = 2.0;
/// `c2 = (1 − β2)/lr²` (RMSprop: `(1 − α)/lr²`).
const C2: f64 = 1.0;
/// The SDE time of the comparisons (a whole number of steps for every lr below).
const T: f64 = 0.96;

fn quadratic() -> Arc<dyn Objective> {
    objective::parse("quadratic:diag=2", 1).unwrap().into()
}

fn rmsprop(lr: f64) -> RmsProp {
    RmsProp::default()
        .lr(lr)
        .alpha(1.0 - C2 * lr * lr)
        .eps(EPS0 / lr)
}

fn adam(lr: f64) -> Adam {
    Adam::default()
        .lr(lr)
        .betas(1.0 - C1 * lr * lr, 1.0 - C2 * lr * lr)
        .eps(EPS0 / lr)
}

/// `σ = σ0/lr`: additive noise in dimension 1.
fn noise(sigma: f64) -> GradientCovariance {
    GradientCovariance::additive(&[sigma], 1).unwrap()
}

/// Steps of the optimizer up to `T`.
fn steps(lr: f64) -> u64 {
    (T / (lr * lr)).round() as u64
}

#[test]
fn the_v_block_follows_its_closed_form_and_ignores_the_noise() {
    let lr = 0.1;
    let sigma = 0.3 / lr;
    let d = sigma * sigma;
    let models: [Box<dyn SdeModel>; 2] = [
        Box::new(RmspropSde::of(&rmsprop(lr), noise(sigma), quadratic()).unwrap()),
        Box::new(AdamSde::of(&adam(lr), noise(sigma), quadratic()).unwrap()),
    ];
    for model in &models {
        let z0 = model.initial_state(&[X0]);
        let vr = block::range(&model.blocks(), "v").unwrap();
        // z = (θ, aux…) with n = 1: the v block starts at 1 + its offset in the aux layout.
        let iv = 1 + vr.start;
        let v0 = z0[iv];
        let t0 = model.t0();
        // Euler–Maruyama on h and h/2: on the grid v is exactly the Euler recursion of
        // v' = c2(d − v); its distance to the exponential closed form halves with h.
        let mut worst = [0.0f64; 2];
        for (j, steps) in [2000u64, 4000].into_iter().enumerate() {
            let grid = SdeGrid {
                t0,
                t_end: t0 + T,
                steps,
            };
            let h = T / steps as f64;
            let mut vs = Vec::new();
            for seed in [1, 2] {
                let mut path = Brownian::new(seed).path(0);
                let mut v = Vec::new();
                solve_path(
                    model.as_ref(),
                    SdeScheme::EulerMaruyama,
                    &z0,
                    &grid,
                    &mut path,
                    |k, t, z, _| {
                        let euler = d + (v0 - d) * (1.0 - C2 * h).powi(k as i32);
                        assert!(
                            (z[iv] - euler).abs() <= 1e-12 * d,
                            "{}: v({t}) = {} vs Euler {euler}",
                            model.name(),
                            z[iv]
                        );
                        let exact = d + (v0 - d) * (-C2 * (t - t0)).exp();
                        worst[j] = worst[j].max((z[iv] - exact).abs() / d);
                        v.push(z[iv]);
                    },
                )
                .unwrap();
                vs.push(v);
            }
            assert_eq!(vs[0], vs[1], "{}: v depends on the noise", model.name());
        }
        let ratio = worst[0] / worst[1];
        eprintln!(
            "{}: max |v − closed form|/d = {:.3e} (h), {:.3e} (h/2), ratio {ratio:.4}",
            model.name(),
            worst[0],
            worst[1]
        );
        assert!(worst[1] < 1e-3, "{}: {worst:?}", model.name());
        assert!(
            (ratio - 2.0).abs() < 0.01,
            "{}: ratio {ratio}",
            model.name()
        );
    }
}

/// RK4 on `y' = f(t, y)` from `t0` to `t1` in `n` steps.
fn rk4(f: impl Fn(f64, &[f64], &mut [f64]), y: &mut [f64], t0: f64, t1: f64, n: usize) {
    let h = (t1 - t0) / n as f64;
    let d = y.len();
    let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
        vec![0.0; d],
        vec![0.0; d],
        vec![0.0; d],
        vec![0.0; d],
        vec![0.0; d],
    );
    for i in 0..n {
        let t = t0 + i as f64 * h;
        f(t, y, &mut k1);
        (0..d).for_each(|j| tmp[j] = y[j] + 0.5 * h * k1[j]);
        f(t + 0.5 * h, &tmp, &mut k2);
        (0..d).for_each(|j| tmp[j] = y[j] + 0.5 * h * k2[j]);
        f(t + 0.5 * h, &tmp, &mut k3);
        (0..d).for_each(|j| tmp[j] = y[j] + h * k3[j]);
        f(t + h, &tmp, &mut k4);
        (0..d).for_each(|j| y[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]));
    }
}

/// `(E θ_T, E θ_T²)` of an ensemble of `paths` antithetic Euler–Maruyama paths with
/// `steps` steps from `t0` to `t0 + T`, with the standard error of `E θ²`.
fn sde_moments(model: &dyn SdeModel, steps: u64, paths: usize, seed: u64) -> (f64, f64, f64) {
    let grid = SdeGrid {
        t0: model.t0(),
        t_end: model.t0() + T,
        steps,
    };
    let dim = model.dim();
    let ends = solve_paths(
        model,
        SdeScheme::EulerMaruyama,
        &model.initial_state(&[X0]),
        &grid,
        &Brownian::antithetic(seed),
        paths,
    )
    .unwrap();
    let th: Vec<f64> = ends.chunks(dim).map(|z| z[0]).collect();
    let sq: Vec<f64> = th.iter().map(|x| x * x).collect();
    let (m1, _) = mean_and_error(&th, true);
    let (m2, se2) = mean_and_error(&sq, true);
    (m1, m2, se2)
}

/// The moment ODEs, derived by hand from the module doc's equations with `v` in closed form:
/// RMSprop `dθ = −r θ dt − s dW`, `r = a/(lr(√v + ε))`, `s = σ/(√v + ε)`:
/// `(Eθ)' = −r Eθ`, `(Eθ²)' = −2r Eθ² + s²`. Adam `dθ = −α m dt`,
/// `dm = c1(aθ − m) dt + lr c1 σ dW`, `α = (√γ2/γ1)/(lr(√v + ε√γ2))`: first moments
/// `(Eθ, Em)` and second moments `(Eθ², Eθm, Em²)`.
#[test]
fn ensemble_moments_match_the_moment_odes() {
    let lr = 0.1;
    let sigma = 0.3 / lr;
    let d = sigma * sigma;
    let eps = EPS0 / lr;
    let (paths, steps) = (4000usize, 960u64);

    let rms = RmspropSde::of(&rmsprop(lr), noise(sigma), quadratic()).unwrap();
    let v0 = rms.initial_state(&[X0])[1];
    let v_r = |t: f64| d + (v0 - d) * (-C2 * t).exp();
    let mut y = [X0, X0 * X0];
    rk4(
        |t, y, dy| {
            let p = v_r(t).sqrt() + eps;
            let r = A / (lr * p);
            dy[0] = -r * y[0];
            dy[1] = -2.0 * r * y[1] + (sigma / p).powi(2);
        },
        &mut y,
        0.0,
        T,
        20_000,
    );
    check_moments(&rms, [y[0], y[1]], steps, paths);

    let ad = AdamSde::of(&adam(lr), noise(sigma), quadratic()).unwrap();
    let t0 = ad.t0();
    let z0 = ad.initial_state(&[X0]);
    assert!((t0 - lr * lr).abs() < 1e-18);
    let (b1, b2) = (1.0 - C1 * lr * lr, 1.0 - C2 * lr * lr);
    assert!((z0[1] - (1.0 - b1) * A * X0).abs() < 1e-15);
    assert!((z0[2] - (1.0 - b2) * ((A * X0).powi(2) + d)).abs() < 1e-12);
    let v_a = |t: f64| d + (z0[2] - d) * (-C2 * (t - t0)).exp();
    let q = lr * C1 * sigma;
    let mut y = [X0, z0[1], X0 * X0, X0 * z0[1], z0[1] * z0[1]];
    rk4(
        |t, y, dy| {
            let (g1, g2) = (1.0 - (-C1 * t).exp(), 1.0 - (-C2 * t).exp());
            let alpha = g2.sqrt() / g1 / (lr * (v_a(t).sqrt() + eps * g2.sqrt()));
            dy[0] = -alpha * y[1];
            dy[1] = C1 * (A * y[0] - y[1]);
            dy[2] = -2.0 * alpha * y[3];
            dy[3] = -alpha * y[4] + C1 * (A * y[2] - y[3]);
            dy[4] = 2.0 * C1 * (A * y[3] - y[4]) + q * q;
        },
        &mut y,
        t0,
        t0 + T,
        20_000,
    );
    check_moments(&ad, [y[0], y[2]], steps, paths);
}

/// `E θ` carries no sampling error (θ is linear in W once v is known, and the paths come in
/// antithetic pairs), so its distance to the moment ODE is the O(h) bias of Euler–Maruyama:
/// below 2e-3 and halving with h. `E θ²` within 4 standard errors plus that bias.
fn check_moments(model: &dyn SdeModel, want: [f64; 2], steps: u64, paths: usize) {
    let (m1, m2, se2) = sde_moments(model, steps, paths, 3);
    let (f1, _, _) = sde_moments(model, 2 * steps, paths, 3);
    let (e, ef) = ((m1 - want[0]).abs(), (f1 - want[0]).abs());
    eprintln!(
        "{}: E θ {m1:.6} (h), {f1:.6} (h/2) vs ODE {:.6}, error ratio {:.3}; E θ² {m2:.6} ± {se2:.1e} vs {:.6}",
        model.name(),
        want[0],
        e / ef,
        want[1]
    );
    assert!(
        e < 2e-3 && (e / ef - 2.0).abs() < 0.3,
        "{}: {e} {ef}",
        model.name()
    );
    assert!(
        (m2 - want[1]).abs() < 4.0 * se2 + 2.0 * e,
        "{}: {m2} vs {}",
        model.name(),
        want[1]
    );
}

/// Which discrete optimizer a coupled comparison runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    RmsProp,
    Adam,
}

/// Gaps `E φ(θ_K) − E φ(Θ(t0 + K lr²))` for φ = θ and θ², with their standard errors, over
/// `paths` antithetic pairs of coupled paths: optimizer step `k + 1` sees the noise
/// `σ·ΔW_k/lr`, `ΔW_k` the sum of the `substeps` Brownian increments the SDE's Euler–Maruyama
/// uses over `[t0 + k lr², t0 + (k+1) lr²]` (the SDE's pairing of step `k` with
/// `t0 + k·lr²`).
fn coupled_gaps(which: Which, sigma0: f64, lr: f64, paths: usize, substeps: u64) -> [f64; 4] {
    let sigma = sigma0 / lr;
    let obj = quadratic();
    let k_steps = steps(lr);
    let (model, opt): (Box<dyn SdeModel>, Box<dyn Optimizer<f64>>) = match which {
        Which::RmsProp => (
            Box::new(RmspropSde::of(&rmsprop(lr), noise(sigma), obj.clone()).unwrap()),
            Box::new(rmsprop(lr)),
        ),
        Which::Adam => (
            Box::new(AdamSde::of(&adam(lr), noise(sigma), obj.clone()).unwrap()),
            Box::new(adam(lr)),
        ),
    };
    let grid = SdeGrid {
        t0: model.t0(),
        t_end: model.t0() + k_steps as f64 * model.clock(),
        steps: k_steps * substeps,
    };
    let h = (grid.t_end - grid.t0) / grid.steps as f64;
    let brownian = Brownian::antithetic(11);
    let ends = solve_paths(
        model.as_ref(),
        SdeScheme::EulerMaruyama,
        &model.initial_state(&[X0]),
        &grid,
        &brownian,
        paths,
    )
    .unwrap();
    let dim = model.dim();
    let (mut d1, mut d2) = (Vec::with_capacity(paths), Vec::with_capacity(paths));
    let (mut g, mut dw) = ([0.0], [0.0]);
    for p in 0..paths {
        let mut path = brownian.path(p as u64);
        let mut state = opt.init(1);
        let mut x = [X0];
        for _ in 0..k_steps {
            let mut w = 0.0;
            for _ in 0..substeps {
                path.increments(h, &mut dw);
                w += dw[0];
            }
            obj.gradient(&x, &mut g);
            g[0] += sigma * w / lr;
            opt.step(&mut state, &mut x, &g);
        }
        let s = ends[p * dim];
        d1.push(x[0] - s);
        d2.push(x[0] * x[0] - s * s);
    }
    let (g1, e1) = mean_and_error(&d1, true);
    let (g2, e2) = mean_and_error(&d2, true);
    [g1, e1, g2, e2]
}

/// Fits `|gap| ≈ C·(lr²)^p` over `lrs` for φ = θ and φ = θ² and checks the order `p >= 0.7`
/// (order 1 in the clock step lr²). With `strict`, every gap must be resolved (above 3 standard
/// errors). Otherwise unresolved gaps may only be the trailing (smallest-lr) ones, each with
/// `|gap| + 3·se` below a quarter of the first gap, and the order is fitted over the resolved
/// ones (at least three).
fn assert_weak_order(
    which: Which,
    sigma0: f64,
    lrs: &[f64],
    paths: usize,
    substeps: u64,
    strict: bool,
) {
    let gaps: Vec<[f64; 4]> = lrs
        .iter()
        .map(|&lr| coupled_gaps(which, sigma0, lr, paths, substeps))
        .collect();
    for (m, name) in [(0, "E θ"), (2, "E θ²")] {
        let resolved = gaps
            .iter()
            .take_while(|g| g[m].abs() > 3.0 * g[m + 1])
            .count();
        let (clock, y): (Vec<f64>, Vec<f64>) = lrs
            .iter()
            .zip(&gaps)
            .take(resolved)
            .map(|(lr, g)| (lr * lr, g[m].abs()))
            .unzip();
        let report = gaps
            .iter()
            .map(|g| format!("{:.2e} ± {:.1e}", g[m], g[m + 1]))
            .collect::<Vec<_>>();
        let fit = power_law(&clock, &y);
        eprintln!(
            "{which:?} {name}: gaps {report:?}; {resolved} resolved; order in lr² {}",
            fit.as_ref().map_or("-".to_string(), |f| format!(
                "{:.3} ± {:.3} (in lr {:.3})",
                f.p,
                f.p_stderr,
                2.0 * f.p
            ))
        );
        if which == Which::RmsProp && m == 2 {
            // From the first step's expected square average, RMSprop's E θ² gaps fall below
            // the Monte Carlo resolution at every rate: the model agrees within 4 standard
            // errors (there is no order to fit).
            for g in &gaps {
                assert!(g[2].abs() < 4.0 * g[3], "{which:?} {name}: {report:?}");
            }
            continue;
        }
        if strict {
            assert_eq!(resolved, lrs.len(), "{which:?} {name}: {report:?}");
        } else {
            assert!(resolved >= 3, "{which:?} {name}: {report:?}");
            for g in &gaps[resolved..] {
                assert!(
                    g[m].abs() + 3.0 * g[m + 1] < 0.25 * gaps[0][m].abs(),
                    "{which:?} {name}: {report:?}"
                );
            }
        }
        let p = fit.map_or(f64::NAN, |f| f.p);
        // RMSprop from the first step's expected square average: gaps 4× smaller than from
        // v = 0, local orders 0.64 → 0.70 (E θ) over these rates, still rising.
        let least = if which == Which::RmsProp { 0.6 } else { 0.7 };
        assert!(p >= least, "{which:?} {name}: order {p} {report:?}");
    }
}

#[test]
fn rmsprop_weak_error_shrinks_like_lr_squared() {
    assert_weak_order(Which::RmsProp, 2.0, &[0.2, 0.1, 0.05], 16_000, 4, true);
}

#[test]
fn adam_weak_error_shrinks_like_lr_squared() {
    assert_weak_order(Which::Adam, 0.3, &[0.2, 0.1, 0.05], 8000, 4, true);
}

/// The same with 40 000 paths, 16 substeps and lr down to 0.025 (5–9 minutes on two cores;
/// there the smallest-lr gap of RMSprop's `E θ²` may be below 3 standard errors).
#[test]
#[ignore]
fn weak_orders_with_finer_grids() {
    assert_weak_order(
        Which::RmsProp,
        2.0,
        &[0.2, 0.1, 0.05, 0.025],
        40_000,
        16,
        false,
    );
    assert_weak_order(
        Which::Adam,
        0.3,
        &[0.2, 0.1, 0.05, 0.025],
        40_000,
        16,
        false,
    );
}

/// `quadratic:diag=2,grad_noise=σ0/lr,grad_noise_seed=S` through the run engine for S in
/// 0..2000 against the SDE ensemble at lr = 0.1: `E θ` and `E θ²` agree within 4 standard
/// errors plus the weak error the coupled tests measure at this lr (≤ 0.02).
#[test]
fn run_engine_ensembles_match_the_sdes() {
    use optdyn::run::{Problem, Run};
    let lr = 0.1;
    let seeds = 2000u64;
    for (which, sigma0) in [(Which::RmsProp, 1.0), (Which::Adam, 0.3)] {
        let sigma = sigma0 / lr;
        let (opt, model): (Box<dyn Optimizer<f64>>, Box<dyn SdeModel>) = match which {
            Which::RmsProp => (
                Box::new(rmsprop(lr)),
                Box::new(RmspropSde::of(&rmsprop(lr), noise(sigma), quadratic()).unwrap()),
            ),
            Which::Adam => (
                Box::new(adam(lr)),
                Box::new(AdamSde::of(&adam(lr), noise(sigma), quadratic()).unwrap()),
            ),
        };
        let finals: Vec<f64> = (0..seeds)
            .map(|seed| {
                let spec = format!("quadratic:diag=2,grad_noise={sigma},grad_noise_seed={seed}");
                let p = Problem::parse(&spec, vec![X0]).unwrap();
                let tr = Run::discrete(&p, opt.as_ref())
                    .steps(steps(lr))
                    .trajectory()
                    .unwrap();
                tr.last_x().unwrap()[0]
            })
            .collect();
        let sq: Vec<f64> = finals.iter().map(|x| x * x).collect();
        let (d1, e1) = mean_and_error(&finals, false);
        let (d2, e2) = mean_and_error(&sq, false);
        let (s1, s2, es2) = sde_moments(model.as_ref(), 8 * steps(lr), 8000, 17);
        eprintln!(
            "{which:?}: run engine E θ {d1:.4} ± {e1:.1e}, E θ² {d2:.4} ± {e2:.1e}; SDE {s1:.4}, {s2:.4} ± {es2:.1e}"
        );
        assert!((d1 - s1).abs() < 4.0 * e1 + 0.02, "{which:?}: {d1} vs {s1}");
        assert!(
            (d2 - s2).abs() < 4.0 * (e2 * e2 + es2 * es2).sqrt() + 0.02,
            "{which:?}: {d2} vs {s2}"
        );
    }
}

/// `Run::sde` + `Run::ensemble` on `quadratic:diag=2,grad_noise=σ0/lr` (models built by spec
/// from the problem's objective): samples at `t0 + k·lr²`, and with antithetic pairs and the
/// same Euler–Maruyama grid the ensemble mean of θ — free of sampling error, θ being linear in
/// the Brownian path once v is known — equals the one of `solve_paths` to rounding.
#[test]
fn the_run_engine_drives_both_models_from_their_start() {
    use optdyn::integrate::sde::SdeSolver;
    use optdyn::run::{Ensemble, Problem, Run};
    let lr = 0.1;
    let p = Problem::parse(
        &format!("quadratic:diag=2,grad_noise={}", 0.3 / lr),
        vec![X0],
    )
    .unwrap();
    let (rms, ad) = (rmsprop(lr), adam(lr));
    for (spec, opt) in [
        ("rmsprop-sde", &rms as &dyn Optimizer<f64>),
        ("adam-sde", &ad),
    ] {
        let model = parse_sde(spec, opt, p.objective().clone()).unwrap();
        let solver = SdeSolver {
            scheme: SdeScheme::EulerMaruyama,
            substeps: 8,
        };
        let res = Run::sde(&p, model.as_ref())
            .sde_solver(solver)
            .steps(steps(lr))
            .ensemble(&Ensemble::new(200, 9).antithetic(true))
            .unwrap();
        let last = res.steps().len() - 1;
        assert_eq!(res.steps()[last], steps(lr));
        assert!((res.times()[0] - model.t0()).abs() < 1e-15, "{spec}");
        assert!(
            (res.times()[last] - (model.t0() + T)).abs() < 1e-12,
            "{spec}"
        );
        let (e, _) = res.expect(last, |r| r[0]).unwrap();
        let (m1, _, _) = sde_moments(model.as_ref(), 8 * steps(lr), 200, 1);
        assert!(
            (e - m1).abs() < 1e-10,
            "{spec}: engine {e} vs solve_paths {m1}"
        );
    }
}

#[test]
fn the_registry_builds_both_models_from_specs() {
    assert!(is_sde("rmsprop-sde") && is_sde("adam-sde"));
    let obj: Arc<dyn Objective> = objective::parse("quadratic:diag=2;3,grad_noise=2", 2)
        .unwrap()
        .into();
    let lr = 0.05;
    let m = parse_sde("rmsprop-sde", &rmsprop(lr), obj.clone()).unwrap();
    assert_eq!(
        (m.name(), m.n(), m.dim()),
        ("rmsprop-sde".to_string(), 2, 4)
    );
    assert_eq!(block::columns(&m.blocks()), ["v0", "v1"]);
    assert_eq!((m.t0(), m.clock()), (0.0, lr * lr));
    // v starts at the square average of the first step in expectation: (1 − α)(g² + σ²).
    let keep = 1.0 - rmsprop(lr).alpha;
    let z0 = m.initial_state(&[1.0, -1.0]);
    assert_eq!(z0[..2], [1.0, -1.0]);
    assert!(
        (z0[2] - keep * (4.0 + 4.0)).abs() < 1e-15 && (z0[3] - keep * (9.0 + 4.0)).abs() < 1e-15
    );
    assert_eq!(m.noise_dim(), 2);
    let m = parse_sde("adam-sde", &adam(lr), obj.clone()).unwrap();
    assert_eq!((m.n(), m.dim()), (2, 6));
    assert_eq!(block::columns(&m.blocks()), ["m0", "m1", "v0", "v1"]);
    assert_eq!((m.t0(), m.clock()), (lr * lr, lr * lr));
    assert!(m.additive_noise());
    // Drift and noise at a point, by hand: θ = (1, −1), m = (0.3, 0.2), v = (4, 1), t = 0.5.
    let z = [1.0, -1.0, 0.3, 0.2, 4.0, 1.0];
    let (mut f, mut s) = ([0.0; 6], [0.0; 6]);
    let t = 0.5;
    m.drift(t, &z, &mut f);
    m.noise(t, &z, &[0.1, -0.2], &mut s);
    let (c1, c2) = (C1, C2);
    let (g1, g2) = (1.0 - (-c1 * t).exp(), 1.0 - (-c2 * t).exp());
    let eps = EPS0 / lr;
    let grad = [2.0, -3.0];
    for i in 0..2 {
        let want = -(g2.sqrt() / g1) * z[2 + i] / (lr * (z[4 + i].sqrt() + eps * g2.sqrt()));
        assert!((f[i] - want).abs() < 1e-12 * want.abs(), "{f:?}");
        assert!((f[2 + i] - c1 * (grad[i] - z[2 + i])).abs() < 1e-12);
        assert!((f[4 + i] - c2 * (4.0 - z[4 + i])).abs() < 1e-12);
        assert_eq!(s[i], 0.0);
        assert!((s[2 + i] - lr * c1 * 2.0 * [0.1, -0.2][i]).abs() < 1e-15);
        assert_eq!(s[4 + i], 0.0);
    }
    // The same for RMSprop, z = (θ, v).
    let m = parse_sde("rmsprop-sde", &rmsprop(lr), obj).unwrap();
    let z = [1.0, -1.0, 4.0, 1.0];
    let (mut f, mut s) = ([0.0; 4], [0.0; 4]);
    m.drift(t, &z, &mut f);
    m.noise(t, &z, &[0.1, -0.2], &mut s);
    for i in 0..2 {
        let p = z[2 + i].sqrt() + eps;
        assert!((f[i] + grad[i] / (lr * p)).abs() < 1e-12);
        assert!((f[2 + i] - C2 * (4.0 - z[2 + i])).abs() < 1e-12);
        assert!((s[i] + 2.0 * [0.1, -0.2][i] / p).abs() < 1e-15);
        assert_eq!(s[2 + i], 0.0);
    }
}

#[test]
fn l2_weight_decay_is_the_model_of_the_penalised_objective() {
    let lr = 0.1;
    let plain = AdamSde::of(
        &adam(lr),
        noise(1.0),
        objective::parse("quadratic:diag=2.5", 1).unwrap().into(),
    )
    .unwrap();
    let decayed = AdamSde::of(&adam(lr).weight_decay(0.5), noise(1.0), quadratic()).unwrap();
    let z = [0.7, 0.1, 2.0];
    let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
    plain.drift(0.3, &z, &mut a);
    decayed.drift(0.3, &z, &mut b);
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-14),
        "{a:?} {b:?}"
    );
    let plain = RmspropSde::of(
        &rmsprop(lr),
        noise(1.0),
        objective::parse("quadratic:diag=2.5", 1).unwrap().into(),
    )
    .unwrap();
    let decayed = RmspropSde::of(&rmsprop(lr).weight_decay(0.5), noise(1.0), quadratic()).unwrap();
    let z = [0.7, 2.0];
    let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
    plain.drift(0.3, &z, &mut a);
    decayed.drift(0.3, &z, &mut b);
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-14),
        "{a:?} {b:?}"
    );
    // maximize: the model of −f (drift of θ flips sign with the gradient).
    let up = RmspropSde::of(&rmsprop(lr).maximize(true), noise(1.0), quadratic()).unwrap();
    let down = RmspropSde::of(&rmsprop(lr), noise(1.0), quadratic()).unwrap();
    up.drift(0.3, &z, &mut a);
    down.drift(0.3, &z, &mut b);
    assert_eq!(a[0], -b[0]);
    assert_eq!(a[1], b[1]);
}

#[test]
fn bad_input_is_refused_naming_the_option() {
    let obj = quadratic();
    let n1 = || noise(1.0);
    let cases: Vec<(String, &str)> = vec![
        (
            RmspropSde::of(&rmsprop(0.1).momentum(0.9), n1(), obj.clone()),
            "momentum",
        ),
        (
            RmspropSde::of(&rmsprop(0.1).centered(true), n1(), obj.clone()),
            "centered",
        ),
        (
            RmspropSde::of(&rmsprop(0.1).eps(0.0), n1(), obj.clone()),
            "eps",
        ),
        (RmspropSde::of(&rmsprop(0.0), n1(), obj.clone()), "lr"),
        (RmspropSde::of(&rmsprop(1e-200), n1(), obj.clone()), "lr²"),
        (
            RmspropSde::of(&rmsprop(0.1).alpha(1.5), n1(), obj.clone()),
            "alpha",
        ),
        (
            RmspropSde::of(&rmsprop(0.1), noise(1.0).clone(), quadratic2()),
            "dimension",
        ),
    ]
    .into_iter()
    .map(|(r, want)| (r.err().expect(want).to_string(), want))
    .chain(
        vec![
            (
                AdamSde::of(&adam(0.1).amsgrad(true), n1(), obj.clone()),
                "amsgrad",
            ),
            (
                AdamSde::of(&Adam::adamw().lr(0.1), n1(), obj.clone()),
                "weight_decay",
            ),
            (AdamSde::of(&adam(0.1).eps(0.0), n1(), obj.clone()), "eps"),
            (
                AdamSde::of(&adam(0.1).beta1(1.0), n1(), obj.clone()),
                "beta1",
            ),
            (
                AdamSde::of(&Adam::default().lr(f64::INFINITY), n1(), obj.clone()),
                "lr",
            ),
            (
                AdamSde::of(&adam(0.1).weight_decay(f64::NAN), n1(), obj.clone()),
                "weight_decay",
            ),
        ]
        .into_iter()
        .map(|(r, want)| (r.err().expect(want).to_string(), want)),
    )
    .collect();
    for (e, want) in cases {
        assert!(e.contains(want), "want '{want}' in: {e}");
    }
    // AdamW without decay is Adam, and is accepted.
    assert!(AdamSde::of(&Adam::adamw().lr(0.1).weight_decay(0.0), n1(), obj.clone()).is_ok());
    // Specs: the optimizer must match, no keys, and the objective must state its noise.
    let noisy: Arc<dyn Objective> = objective::parse("quadratic:diag=2,grad_noise=1", 1)
        .unwrap()
        .into();
    for (spec, opt, o, want) in [
        (
            "adam-sde",
            &rmsprop(0.1) as &dyn Optimizer<f64>,
            noisy.clone(),
            "adam",
        ),
        ("rmsprop-sde", &adam(0.1), noisy.clone(), "rmsprop"),
        ("rmsprop-sde:v0=1", &rmsprop(0.1), noisy.clone(), "v0"),
        ("adam-sde", &adam(0.1), obj.clone(), "noise"),
    ] {
        let e = parse_sde(spec, opt, o).err().expect(spec).to_string();
        assert!(e.contains(want), "{spec}: want '{want}' in: {e}");
    }
}

fn quadratic2() -> Arc<dyn Objective> {
    objective::parse("quadratic:diag=2;3", 2).unwrap().into()
}
