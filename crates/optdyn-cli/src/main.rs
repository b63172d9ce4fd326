//! The `optdyn` command-line program: a thin layer that parses arguments, calls the library and
//! writes files. Every error is one line on stderr and a non-zero exit code, never a panic.

mod analyses;
mod common;
mod compare;
mod demo;
mod learn;
mod list;
mod reproduce;
mod run;
mod sweep;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "optdyn",
    version,
    about = "Optimization algorithms as dynamical systems: discrete optimizers beside their continuous-time models"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a discrete optimizer, or a continuous model of it, and write its trajectory.
    Run(run::RunArgs),
    /// Discrete optimizer vs its models on one clock: gap table and figures.
    Compare(compare::CompareArgs),
    /// Gap at a fixed horizon vs learning rate, with fitted orders.
    Converge(compare::ConvergeArgs),
    /// The built-in default job: an HTML report of discrete Adam vs its continuous models.
    Demo(demo::DemoArgs),
    /// (β1, β2) stability map of Adam-type updates with the β2 = β1² boundary.
    Stability(analyses::StabilityArgs),
    /// Basins: final state vs learning rate, or a 2-D map over start points.
    Basins(analyses::BasinsArgs),
    /// Eigenvalues of a model's Jacobian along its trajectory; ill-posed stretches flagged.
    Spectrum(analyses::SpectrumArgs),
    /// Reproduce the seed papers' figures and numbers, checked against them.
    Reproduce(reproduce::ReproduceArgs),
    /// Learning-problem experiments: Adam vs 2-Adam vs layer norm, (β1, β2) growth, ERM checks.
    Learn(learn::LearnArgs),
    /// Loss, Lyapunov functional, kinetic energy and moment positivity along a model run.
    Monitor(analyses::MonitorArgs),
    /// List objectives, optimizers, models and integrators with their parameters and defaults.
    List(list::ListArgs),
    /// Sweep a grid of runs (parallel, sharded, resumable), one row of metrics per run.
    Sweep(sweep::SweepArgs),
    /// Join sweep shards into one CSV, checking completeness.
    Merge(sweep::MergeArgs),
}

/// Exit code of a run that stopped early (diverged, non-finite, failed); its rows are written.
pub const EXIT_STOPPED: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(a) => run::run(a),
        Command::List(a) => list::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Learn(a) => learn::run(a),
        Command::Reproduce(a) => reproduce::run(a),
        Command::Stability(a) => analyses::run_stability(a),
        Command::Basins(a) => analyses::run_basins(a),
        Command::Spectrum(a) => analyses::run_spectrum(a),
        Command::Monitor(a) => analyses::run_monitor(a),
        Command::Sweep(a) => sweep::run(a).map(|()| 0),
        Command::Merge(a) => sweep::merge(a).map(|()| 0),
        Command::Compare(a) => compare::run_compare(a),
        Command::Converge(a) => compare::run_converge(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("optdyn: error: {e}");
            ExitCode::from(2)
        }
    }
}
