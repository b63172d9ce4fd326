//! Your own memory kernel: the causal memory integral `y(t) = ∫_0^t K(t − τ) u(τ) dτ` with the
//! user kernel `K(s) = 1/(1 + s)²` (no finite state-space realisation), evaluated by history
//! quadrature (product integration on the piecewise-linear interpolant of the samples, `O(h²)`,
//! `O(n)` per step) with its order measured by refinement, and by a sum-of-exponentials fit
//! (`MemoryFit`, to a stated relative error) whose exact exponential recursions cost `O(terms)`
//! per step.
//!
//! Then the same kernel as the first-moment memory of Adam's nonlocal model
//! (`KernelModel::adam1` with `MemoryKernel::user`), solved by the `volterra` integrator along
//! both paths — exact history quadrature and the sum-of-exponentials fast path — which agree.
//!
//! `cargo run --release -p optdyn --example own_kernel`

use optdyn::analysis::fit::power_law;
use optdyn::integrate::{MemoryMethod, StepSize, Volterra};
use optdyn::kernel::{Convolution, Kernel, MemoryFit, MemoryKernel};
use optdyn::model::{KernelModel, Rate, Start};
use optdyn::optim::Adam;
use optdyn::run::{Problem, Run};
use optdyn::Result;
use std::sync::Arc;

const T: f64 = 4.0;

fn kernel(s: f64) -> f64 {
    1.0 / ((1.0 + s) * (1.0 + s))
}

fn input(t: f64) -> f64 {
    (2.0 * t).sin() + 0.5
}

/// `y(T)` by composite Simpson on 2·10⁵ panels (error ~1e-18: the integrand is smooth).
fn reference() -> f64 {
    let n = 200_000;
    let h = T / n as f64;
    let f = |tau: f64| kernel(T - tau) * input(tau);
    let mut s = f(0.0) + f(T);
    for i in 1..n {
        s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(i as f64 * h);
    }
    s * h / 3.0
}

/// Feeds `u(t_0), …, u(T)` on the grid of step `h`; returns `y(T)`.
fn memory(conv: &mut dyn Convolution, h: f64) -> f64 {
    let n = (T / h).round() as usize;
    let mut y = 0.0;
    for k in 0..=n {
        y = conv.push(input(k as f64 * h));
    }
    y
}

fn main() -> Result<()> {
    let exact = reference();
    let k = Kernel::Custom(Arc::new(kernel));
    let hs = [0.04, 0.02, 0.01, 0.005, 0.0025];
    let mut errors = Vec::new();
    for h in hs {
        let e = (memory(&mut k.quadrature(h)?, h) - exact).abs();
        println!("history quadrature, h = {h}: |y_h(T) − y(T)| = {e:.3e}");
        errors.push(e);
    }
    let fit = power_law(&hs, &errors).expect("a fit");
    println!("fitted order {:.3} ± {:.3}", fit.p, fit.p_stderr);
    assert!((fit.p - 2.0).abs() < 0.05, "order {}", fit.p);

    let fit = MemoryFit::new(&k, 1e-4, 8.0, 1e-8)?;
    let soe = &fit.sum;
    let worst = (0..200)
        .map(|i| 1e-4 * 8e4f64.powf(i as f64 / 199.0))
        .map(|s| ((soe.eval(s) - kernel(s)) / kernel(s)).abs())
        .fold(0.0, f64::max);
    let h = 0.0025;
    let e = (memory(&mut soe.convolution(h)?, h) - exact).abs();
    println!(
        "{}-term sum of exponentials: max relative kernel error {worst:.2e} on [1e-4, 8] (fit's bound {:.2e}), recursion error {e:.3e}",
        soe.terms.len(),
        fit.bound
    );
    // The recursion is exact for the fitted kernel: its error is the fit's plus the
    // piecewise-linear interpolation's O(h²) (5.4e-7 at this h, as the quadrature's).
    assert!(worst < 1e-8 && e < 1e-6);

    // Adam whose first moment remembers gradients through K(s) = 1/(1 + s)² (second moment:
    // the paper's exponential), on (1 − θ)² + 4(θ² − 1)² from θ0 = −1.5.
    let problem = Problem::parse("rosen1d:c=4", vec![-1.5])?;
    let adam = Adam::default().lr(0.01);
    let model = KernelModel::adam1(
        &adam,
        Start::Zero,
        Rate::Taylor,
        (MemoryKernel::user(kernel), MemoryKernel::Paper),
        problem.objective().clone(),
    )?;
    let end_theta = |method| -> Result<f64> {
        let v = Volterra::new(StepSize::Substeps(4), method);
        let tr = Run::model(&problem, &model, 0.01)
            .integrator(&v)
            .steps(400)
            .trajectory()?;
        Ok(tr.last_x().expect("a sample")[0])
    };
    let (exact, fast) = (
        end_theta(MemoryMethod::Quadrature)?,
        end_theta(MemoryMethod::Soe { tol: 1e-6 })?,
    );
    println!(
        "adam-ide1 with K(s) = 1/(1+s)²: θ(4) = {exact:.10} (quadrature), {fast:.10} (fast path)"
    );
    assert!((exact - fast).abs() < 1e-6);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs_and_its_checks_hold() {
        super::main().unwrap();
    }
}
