//! The Lagrangian layer (AD Euler–Lagrange equation, midpoint variational integrator) and the
//! `heredia2025-lagrangian` target.

use num_dual::DualNum;
use optdyn::analysis::fit::power_law;
use optdyn::experiments::reproduce::heredia2025_lagrangian::{
    el_rhs_residual, frozen_errors, oscillator_errors, run, Oscillator,
};
use optdyn::integrate::{Integrator, OdeSystem, Rk4, SolveOptions};
use optdyn::lagrangian::{partials, EulerLagrange, Lagrangian, Variational};
use optdyn::Error;

#[test]
fn vi_is_second_order_on_the_damped_oscillator() {
    let errs = oscillator_errors(50, 5).unwrap();
    let (h, e): (Vec<f64>, Vec<f64>) = errs.into_iter().unzip();
    let fit = power_law(&h, &e).unwrap();
    eprintln!("oscillator: errors {e:?}, order {fit:?}");
    assert!((fit.p - 2.0).abs() < 0.1, "order {fit:?}");
    // Finest error (h = 1/800, α = 0.1): small in absolute terms too.
    assert!(e[4] < 1e-4, "{e:?}");
}

#[test]
fn closed_form_solves_its_equation() {
    // (α/2)θ'' + θ' + kθ = 0 by central differences of the closed form (so check 2 tests the VI
    // against a true solution, not against a typo).
    let o = Oscillator {
        alpha: 0.1,
        k: 20.0,
    };
    let d = 1e-4;
    for t in [0.05, 0.3, 0.8] {
        let f = |s: f64| o.exact(s, 1.0, 1.0);
        let (fm, f0, fp) = (f(t - d), f(t), f(t + d));
        let res = 0.05 * (fp - 2.0 * f0 + fm) / (d * d) + (fp - fm) / (2.0 * d) + 20.0 * f0;
        assert!(res.abs() < 1e-5, "residual {res} at t = {t}");
    }
    assert_eq!(o.exact(0.0, 1.0, 1.0), 1.0);
}

#[test]
fn ad_euler_lagrange_matches_hand_written() {
    for alpha in [1e-2, 1e-3] {
        let r = el_rhs_residual(alpha).unwrap();
        eprintln!("α = {alpha}: max relative residual {r:.3e}");
        assert!(r <= 1e-12, "α = {alpha}: {r}");
    }
}

/// A 2-D Lagrangian with coupling in q̇ (non-diagonal mass matrix, q-dependent) and explicit t
/// dependence, to test the general EL formula against its hand expansion.
struct Coupled;
impl Lagrangian for Coupled {
    fn dim(&self) -> usize {
        2
    }
    fn reduced<D: DualNum<Primitive = f64> + Copy>(&self, t: D, q: &[D], v: &[D]) -> D {
        // L = ½(1 + q0²)v0² + v0 v1 t/2 + v1² − cos(q1) − t q0
        (q[0] * q[0] + 1.0) * v[0] * v[0] * 0.5 + v[0] * v[1] * t * 0.5 + v[1] * v[1]
            - q[1].cos()
            - t * q[0]
    }
}

#[test]
fn ad_partials_and_el_on_a_coupled_lagrangian() {
    let (t, q, v) = (0.7, [0.3, -1.1], [0.9, 0.4]);
    let d = partials(&Coupled, t, t, &q, &v);
    // Hand derivatives.
    let m = [[1.0 + q[0] * q[0], t / 2.0], [t / 2.0, 2.0]];
    assert!((d.l_vv(0, 0) - m[0][0]).abs() < 1e-14);
    assert!((d.l_vv(0, 1) - m[0][1]).abs() < 1e-14);
    assert!((d.l_vv(1, 1) - m[1][1]).abs() < 1e-14);
    assert!((d.l_q(0) - (q[0] * v[0] * v[0] - t)).abs() < 1e-14);
    assert!((d.l_q(1) - q[1].sin()).abs() < 1e-14);
    assert!((d.l_vq(0, 0) - 2.0 * q[0] * v[0]).abs() < 1e-14);
    assert!((d.l_vt(0) - v[1] / 2.0).abs() < 1e-14);
    assert!((d.l_vt(1) - v[0] / 2.0).abs() < 1e-14);
    // EL: M a = L_q − L_vq v − L_vt.
    let r = [
        q[0] * v[0] * v[0] - t - 2.0 * q[0] * v[0] * v[0] - v[1] / 2.0,
        q[1].sin() - v[0] / 2.0,
    ];
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let a = [
        (r[0] * m[1][1] - m[0][1] * r[1]) / det,
        (m[0][0] * r[1] - m[1][0] * r[0]) / det,
    ];
    let el = EulerLagrange::new(Coupled, t, &q, &v).unwrap();
    let got = el.acceleration(t, &q, &v).unwrap();
    for i in 0..2 {
        assert!((got[i] - a[i]).abs() < 1e-13, "{got:?} vs {a:?}");
    }
    let mut dy = [0.0; 4];
    el.rhs(t, &[q[0], q[1], v[0], v[1]], &mut dy);
    assert_eq!(&dy[..2], &v);
}

#[test]
fn vi_matches_rk4_on_the_coupled_lagrangian() {
    // The VI and RK4 on the AD EL system agree to O(h²) on a nonlinear, non-diagonal case.
    let (q0, v0) = ([0.3, -1.1], [0.9, 0.4]);
    let el = EulerLagrange::new(Coupled, 0.0, &q0, &v0).unwrap();
    let sol = Rk4::dt(1e-4).solve(
        &el,
        0.0,
        &[q0[0], q0[1], v0[0], v0[1]],
        &SolveOptions::at(vec![1.0]),
    );
    let mut errs = Vec::new();
    let mut hs = Vec::new();
    for n in [100, 200, 400] {
        let vi = Variational::new(1.0 / n as f64)
            .unwrap()
            .solve(&Coupled, 0.0, &q0, &v0, n)
            .unwrap();
        let e = (0..2)
            .map(|i| (vi.q(n)[i] - sol.state(0)[i]).abs())
            .fold(0.0, f64::max);
        errs.push(e);
        hs.push(1.0 / n as f64);
    }
    let fit = power_law(&hs, &errs).unwrap();
    eprintln!("coupled: {errs:?}, order {fit:?}");
    assert!((fit.p - 2.0).abs() < 0.15, "{fit:?}");
    assert!(errs[2] < 1e-3, "{errs:?}");
}

#[test]
fn frozen_p_vi_matches_the_inertial_ode() {
    let errs = frozen_errors(1e-2, 5).unwrap();
    let (h, e): (Vec<f64>, Vec<f64>) = errs.into_iter().unzip();
    let fit = power_law(&h, &e).unwrap();
    eprintln!("frozen P, α = 1e-2: {e:?}, order {fit:?}");
    assert!((fit.p - 2.0).abs() < 0.1, "{fit:?}");
    assert!(e[4] < 1e-4, "{e:?}");
}

/// L = q·q̇: degenerate (∂²L/∂q̇² = 0), its discrete EL equation does not involve q_{k+1}.
struct Degenerate;
impl Lagrangian for Degenerate {
    fn dim(&self) -> usize {
        1
    }
    fn reduced<D: DualNum<Primitive = f64> + Copy>(&self, _t: D, q: &[D], v: &[D]) -> D {
        q[0] * v[0]
    }
}

/// L = q̇²/2 − q⁴·1e6: stiff and strongly nonlinear; one Newton iteration cannot meet 1e-13.
struct Stiff;
impl Lagrangian for Stiff {
    fn dim(&self) -> usize {
        1
    }
    fn reduced<D: DualNum<Primitive = f64> + Copy>(&self, _t: D, q: &[D], v: &[D]) -> D {
        v[0] * v[0] * 0.5 - q[0].powi(4) * 1e6
    }
}

#[test]
fn failures_are_errors_not_panics() {
    // Singular Newton Jacobian.
    let e = Variational::new(0.1)
        .unwrap()
        .solve(&Degenerate, 0.0, &[1.0], &[0.0], 3)
        .unwrap_err();
    assert!(matches!(e, Error::Numerical(_)), "{e}");
    assert!(e.to_string().contains("singular"), "{e}");
    // Singular mass matrix for the EL ODE.
    let e = EulerLagrange::new(Degenerate, 0.0, &[1.0], &[0.0])
        .err()
        .unwrap();
    assert!(e.to_string().contains("mass matrix"), "{e}");
    // Newton iteration cap.
    let e = Variational::new(0.05)
        .unwrap()
        .newton(1e-13, 1)
        .unwrap()
        .solve(&Stiff, 0.0, &[1.0], &[0.0], 5)
        .unwrap_err();
    assert!(e.to_string().contains("max_iter = 1"), "{e}");
    // Bad inputs name the field.
    for (h, field) in [(0.0, "h"), (f64::NAN, "h"), (-1.0, "h")] {
        let e = Variational::new(h).unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
    let e = Variational::new(0.1).unwrap().newton(0.0, 5).unwrap_err();
    assert!(e.to_string().contains("tol"), "{e}");
    let e = Variational::new(0.1).unwrap().newton(1e-10, 0).unwrap_err();
    assert!(e.to_string().contains("max_iter"), "{e}");
    let e = Variational::new(0.1)
        .unwrap()
        .solve(&Stiff, 0.0, &[1.0, 2.0], &[0.0], 5)
        .unwrap_err();
    assert!(e.to_string().contains("q0"), "{e}");
    let e = Variational::new(0.1)
        .unwrap()
        .solve(&Stiff, 0.0, &[1.0], &[f64::INFINITY], 5)
        .unwrap_err();
    assert!(e.to_string().contains("qdot0"), "{e}");
}

#[test]
fn target_runs_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let rep = run(dir.path()).unwrap();
    eprintln!("{}\nruntime {:.2?}", rep.table(), start.elapsed());
    assert!(rep.passed(), "{}", rep.table());
    assert!(rep.checks.len() >= 8);
    for f in &rep.files {
        assert!(f.exists(), "{} missing", f.display());
    }
    let data = std::fs::read_to_string(dir.path().join("lagrangian_memory_gap.csv")).unwrap();
    let rows: Vec<Vec<f64>> = data
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 12);
    for r in &rows {
        // gap to the P(t) flow and to the best constant P are positive and finite; the forced
        // identity residual falls by 4 (order 2) from h = α/10 to α/20 and, extrapolated, is
        // far below the gap.
        assert!(
            r[4].is_finite() && r[4] > 0.0 && r[6].is_finite() && r[6] > 0.0,
            "{r:?}"
        );
        assert!((r[10] / r[11] - 4.0).abs() < 0.3, "{r:?}");
        assert!(r[12] < 0.01 * r[4], "{r:?}");
    }
}
