//! The lecture "Momentum Methods" (units 19–20 of a numerical-methods course; seed 004): gradient
//! descent is forward Euler on gradient flow, "the" ML momentum method is a backward/forward-Euler
//! split, Nesterov is a predictor–corrector, and only the consistent momentum variant converges to
//! an ODE as Δt → 0. Also the measured order of every fixed-step scheme.

use super::{Check, Report};
use crate::analysis::fit::power_law;
use crate::integrate::problems::{Oscillator, TestProblem};
use crate::integrate::{self, SolveOptions};
use crate::optim;
use crate::plot::{save_figure, Figure, Series, Style};
use crate::run::{Problem, Run};
use crate::Result;
use std::path::Path;

const SRC: &str = "lecture (seed 004)";

/// Forward-Euler amplification `c(Δt)/c(0)` on `c' = −c`, measured through the integrator.
fn euler_factor(dt: f64, steps: usize) -> Result<(f64, f64)> {
    let sys = integrate::problems::ExpDecay {
        lambda: -1.0,
        c0: 1.0,
        t_end: dt * steps as f64,
    };
    let integ = integrate::parse(&format!("euler:dt={dt}"))?;
    let t_eval: Vec<f64> = (1..=steps).map(|k| k as f64 * dt).collect();
    let sol = integ.solve(&sys, 0.0, &[1.0], &SolveOptions::at(t_eval));
    let first = sol.state(0)[0];
    let last = sol.last().map_or(f64::NAN, |s| s[0]);
    Ok((first, last))
}

/// Runs the target.
pub fn run(dir: &Path) -> Result<Report> {
    let mut rep = Report::new("lecture-schemes");

    // 1. Forward Euler on c' = −c: factor 1 − Δt per step.
    let (f05, end05) = euler_factor(0.5, 20)?;
    let (f3, end3) = euler_factor(3.0, 10)?;
    rep.checks.push(Check::abs(
        "forward Euler factor at Δt = 0.5 (|·| < 1: stable)",
        0.5,
        f05,
        1e-15,
        SRC,
    ));
    rep.checks.push(Check::abs(
        "forward Euler factor at Δt = 3 (|·| > 1: unstable)",
        -2.0,
        f3,
        1e-15,
        SRC,
    ));
    rep.checks.push(Check::abs(
        "|c| after 20 steps of Δt = 0.5",
        0.5f64.powi(20),
        end05.abs(),
        1e-18,
        SRC,
    ));
    rep.checks.push(Check::abs(
        "|c| after 10 steps of Δt = 3 (blow-up 2^10)",
        1024.0,
        end3.abs(),
        1e-9,
        SRC,
    ));

    // 2. "The" ML momentum method = backward Euler on c, forward Euler on v:
    //    v^{q+1} = (α/Δt) v^q − ∇f(c^q), c^{q+1} = c^q + Δt v^{q+1}, with Δt = lr, α/Δt = μ,
    //    equals torch SGD(momentum = μ); and Nesterov's predictor ĉ = c^q + α v^q followed by the
    //    same update with ∇f(ĉ) has look-ahead iterates ĉ equal to torch SGD(nesterov = true).
    let problem = Problem::parse("rosenbrock", vec![-1.2, 1.0])?;
    let obj = problem.objective().clone();
    let (lr, mu, steps) = (1e-3, 0.9, 300usize);
    let mut g = [0.0; 2];
    // The iterates x_1 … x_steps of torch's update (the run engine, spec through the registry).
    let torch = |spec: &str| -> Result<Vec<[f64; 2]>> {
        let opt = optim::parse(spec)?;
        let tr = Run::discrete(&problem, opt.as_ref())
            .steps(steps as u64)
            .trajectory()?;
        Ok((1..tr.len()).map(|i| [tr.x(i)[0], tr.x(i)[1]]).collect())
    };
    let heavy = torch(&format!("sgd:lr={lr},momentum={mu}"))?;
    let nest = torch(&format!("sgd:lr={lr},momentum={mu},nesterov=true"))?;
    let (mut c, mut v) = ([-1.2, 1.0], [0.0, 0.0]);
    let (mut cn, mut vn) = ([-1.2, 1.0], [0.0, 0.0]);
    let (mut worst_m, mut worst_n) = (0.0f64, 0.0f64);
    for q in 0..steps {
        obj.gradient(&c, &mut g);
        for i in 0..2 {
            v[i] = mu * v[i] - g[i];
            c[i] += lr * v[i];
        }
        let hat = [cn[0] + mu * lr * vn[0], cn[1] + mu * lr * vn[1]];
        obj.gradient(&hat, &mut g);
        for i in 0..2 {
            vn[i] = mu * vn[i] - g[i];
            cn[i] += lr * vn[i];
        }
        let look = [cn[0] + mu * lr * vn[0], cn[1] + mu * lr * vn[1]];
        for i in 0..2 {
            worst_m = worst_m.max((c[i] - heavy[q][i]).abs());
            worst_n = worst_n.max((look[i] - nest[q][i]).abs());
        }
    }
    rep.checks.push(Check::abs(
        "max |split iterate − torch SGD momentum| (300 steps)",
        0.0,
        worst_m,
        1e-12,
        SRC,
    ));
    rep.checks.push(Check::abs(
        "max |predictor–corrector look-ahead − torch Nesterov|",
        0.0,
        worst_n,
        1e-12,
        SRC,
    ));

    // 3. The split with α = Δt is symplectic Euler (kick, then drift) on c'' = −β̂∇f; the library's
    //    `symplectic-euler` must reproduce it, and it converges to the ODE as Δt → 0 (order 1).
    let osc = Oscillator {
        omega: 2.0,
        zeta: 0.0,
        x0: 1.0,
        v0: 0.0,
        t_end: 2.0,
        analytic_jacobian: true,
    };
    let mut exact = [0.0; 2];
    osc.exact(2.0, &mut exact);
    let dts: [f64; 5] = [0.04, 0.02, 0.01, 0.005, 0.0025];
    let mut errs = Vec::new();
    let mut worst_split = 0.0f64;
    for &dt in &dts {
        let n = (2.0 / dt).round() as usize;
        let (mut x, mut u) = (1.0f64, 0.0f64);
        for _ in 0..n {
            u -= dt * 4.0 * x;
            x += dt * u;
        }
        let integ = integrate::parse(&format!("symplectic-euler:dt={dt}"))?;
        let sol = integ.solve(&osc, 0.0, &osc.y0(), &SolveOptions::at(vec![2.0]));
        let y = sol.last().unwrap_or(&[f64::NAN, f64::NAN]).to_vec();
        worst_split = worst_split.max((y[0] - x).abs());
        errs.push((x - exact[0]).abs());
    }
    rep.checks.push(Check::abs(
        "max |consistent split − library symplectic-euler|",
        0.0,
        worst_split,
        1e-12,
        SRC,
    ));
    let p = power_law(&dts, &errs).map_or(f64::NAN, |f| f.p);
    rep.checks.push(Check::abs(
        "consistent momentum (α = Δt): order of convergence to c'' = −4c",
        1.0,
        p,
        0.15,
        SRC,
    ));

    // 4. Measured order of every fixed-step scheme on the damped oscillator x'' + 1.2x' + 9x = 0.
    let damped = Oscillator {
        omega: 3.0,
        zeta: 0.2,
        x0: 1.0,
        v0: -1.0,
        t_end: 2.0,
        analytic_jacobian: true,
    };
    let schemes = [
        "euler",
        "heun",
        "midpoint",
        "rk4",
        "ssprk2",
        "ssprk3",
        "backward-euler",
        "trapezoid",
        "newmark",
        "central-difference",
        "staggered",
        "verlet",
        "symplectic-euler",
    ];
    // Error measured as the maximum over the samples t = 0.1, 0.2, …, 2 (a single end time can
    // sit near a zero crossing of the error and bias the fitted slope).
    let hs = [0.02, 0.01, 0.005, 0.0025];
    let samples: Vec<f64> = (1..=20).map(|i| 0.1 * i as f64).collect();
    let mut fig = Figure::new(
        "max error on [0, 2] vs Δt (damped oscillator)",
        "Δt",
        "max |x(t) − exact|",
    );
    fig.log_x = true;
    fig.log_y = true;
    for name in schemes {
        let mut e = Vec::new();
        let mut declared = None;
        for &h in &hs {
            let integ = integrate::parse(&format!("{name}:dt={h}"))?;
            declared = integ.order();
            let sol = integ.solve(
                &damped,
                0.0,
                &damped.y0(),
                &SolveOptions::at(samples.clone()),
            );
            let mut worst = if sol.t.len() == samples.len() {
                0.0f64
            } else {
                f64::NAN
            };
            for (i, &t) in sol.t.iter().enumerate() {
                damped.exact(t, &mut exact);
                worst = worst.max((sol.state(i)[0] - exact[0]).abs());
            }
            e.push(worst);
        }
        let p = power_law(&hs, &e).map_or(f64::NAN, |f| f.p);
        let d = declared.map_or(f64::NAN, f64::from);
        rep.checks.push(Check::abs(
            format!("measured order of {name}"),
            d,
            p,
            0.15,
            "declared order",
        ));
        fig.series.push(
            Series::line(format!("{name} (p = {p:.2})"), hs.to_vec(), e).styled(Style::LinePoints),
        );
    }
    rep.files.extend(save_figure(&fig, &dir.join("orders"))?);
    Ok(rep)
}
