//! The `optdyn` command-line program: a thin layer that parses arguments, calls the library and
//! writes files. Every error is one line on stderr and a non-zero exit code, never a panic.

#[macro_use]
mod macros;

mod basins;
mod common;
mod compare;
mod converge;
mod demo;
mod learn;
mod list;
mod monitor;
mod reproduce;
mod run;
mod spectrum;
mod stability;
mod start_point;
mod sweep;
mod values;

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
    Converge(converge::ConvergeArgs),
    /// The built-in default job: an HTML report of discrete Adam vs its continuous models.
    Demo(demo::DemoArgs),
    /// (β1, β2) stability map of Adam-type updates with the β2 = β1² boundary.
    Stability(stability::StabilityArgs),
    /// Basins: final state vs learning rate, or a 2-D map over start points.
    Basins(basins::BasinsArgs),
    /// Eigenvalues of a model's Jacobian along its trajectory; ill-posed stretches flagged.
    Spectrum(spectrum::SpectrumArgs),
    /// Reproduce the seed papers' figures and numbers, checked against them.
    Reproduce(reproduce::ReproduceArgs),
    /// Learning-problem experiments: Adam vs 2-Adam vs layer norm, (β1, β2) growth, ERM checks.
    Learn(learn::LearnArgs),
    /// Loss, Lyapunov functional, kinetic energy and moment positivity along a model run.
    Monitor(monitor::MonitorArgs),
    /// List objectives, optimizers, models and integrators with their parameters and defaults.
    List(list::ListArgs),
    /// Sweep a grid of runs (parallel, sharded, resumable), one row of metrics per run.
    Sweep(sweep::SweepArgs),
    /// Join sweep shards into one CSV, checking completeness.
    Merge(sweep::MergeArgs),
}

/// Exit code of a run that stopped early (diverged, non-finite, failed); its rows are written.
pub const EXIT_STOPPED: u8 = 3;

/// `text` with control characters escaped (`\n`, `\t`, `\u{…}`), so that an error quoting the
/// user's input stays one line.
fn one_line(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => s.push_str(&c.escape_unicode().to_string()),
            c => s.push(c),
        }
    }
    s
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    match common::write_stdout(&text) {
                        Ok(())
                            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
                        {
                            ExitCode::from(2)
                        }
                        Ok(()) => ExitCode::SUCCESS,
                        Err(err) => {
                            note!("optdyn: error: {err}");
                            ExitCode::from(2)
                        }
                    }
                }
                _ => {
                    // clap's message is several paragraphs (the error, usage, tips): keep the
                    // first paragraph, joined into one line.
                    let first = text.split("\n\n").next().unwrap_or("invalid arguments");
                    let first: Vec<&str> = first.lines().map(str::trim).collect();
                    let first = first.join(" ");
                    let first = first.strip_prefix("error: ").unwrap_or(&first);
                    note!("optdyn: error: {} (see optdyn --help)", one_line(first));
                    ExitCode::from(2)
                }
            };
        }
    };
    let result = match &cli.command {
        Command::Run(a) => run::run(a),
        Command::List(a) => list::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Learn(a) => learn::run(a),
        Command::Reproduce(a) => reproduce::run(a),
        Command::Stability(a) => stability::run(a),
        Command::Basins(a) => basins::run(a),
        Command::Spectrum(a) => spectrum::run(a),
        Command::Monitor(a) => monitor::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Merge(a) => sweep::merge(a),
        Command::Compare(a) => compare::run(a),
        Command::Converge(a) => converge::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            note!("optdyn: error: {}", one_line(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
