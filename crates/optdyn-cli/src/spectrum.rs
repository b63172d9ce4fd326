//! `optdyn spectrum`: eigenvalues of a model's Jacobian along its run, ill-posed stretches
//! flagged.

use crate::common::{self, ModelRunArgs, ProblemArgs};
use optdyn::analysis::spectrum::{euler_step_limit, Spectra};
use optdyn::model;
use optdyn::report::write_spectrum;
use optdyn::run::Run;
use optdyn::Result;
use std::path::PathBuf;

/// Arguments of `optdyn spectrum`.
#[derive(clap::Args)]
pub struct SpectrumArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    #[command(flatten)]
    model: ModelRunArgs,
    /// Sample every N-th step.
    #[arg(long, default_value = "10", value_parser = crate::values::positive_count)]
    every: u64,
    /// Real parts above this flag a sample as ill-posed.
    #[arg(long, default_value = "1e-9", value_parser = crate::values::finite)]
    tol: f64,
    /// Output directory.
    #[arg(long, default_value = "optdyn-out/spectrum")]
    out: PathBuf,
}

/// Executes `optdyn spectrum`.
pub fn run(a: &SpectrumArgs) -> Result<u8> {
    let problem = a.problem.problem()?;
    let opt = common::optimizer(&a.model.optimizer)?;
    let m = model::parse(&a.model.model, opt.as_ref(), problem.objective().clone())?;
    let integ = common::integrator(a.model.integrator.as_deref())?;
    let mut run = Run::model(&problem, m.as_ref(), opt.lr())
        .steps(a.model.steps)
        .every(a.every.max(1));
    if let Some(i) = &integ {
        run = run.integrator(i.as_ref());
    }
    let mut spectra = Spectra::new(m.as_ref(), a.tol);
    let end = run.execute(&mut [&mut spectra])?;
    let samples = spectra.samples;
    write_spectrum(&a.out, &samples)?;
    let ill = samples.iter().filter(|s| s.ill_posed).count();
    let limit = samples.last().map_or(f64::NAN, |s| {
        euler_step_limit(
            &s.eigenvalues
                .iter()
                .filter(|e| e.1 == 0.0)
                .map(|e| e.0)
                .collect::<Vec<_>>(),
        )
    });
    outln!(
        "{} samples, {} flagged ill-posed (Re λ > {}); forward-Euler step limit at the last sample: {}",
        samples.len(),
        ill,
        optdyn::io::fmt_f64(a.tol),
        if limit.is_finite() {
            format!("{limit:.4e}")
        } else if limit == f64::INFINITY {
            "none (no negative real eigenvalue)".to_string()
        } else {
            "none (no sample)".to_string()
        }
    )?;
    common::wrote(&a.out)?;
    if end.stop.is_ok() {
        Ok(0)
    } else {
        note!("optdyn: run stopped: {}", end.stop);
        Ok(crate::EXIT_STOPPED)
    }
}
