//! The `optdyn` command-line program.
mod sweep;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "optdyn", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Sweep a grid of runs, one row of metrics each.
    Sweep(sweep::SweepArgs),
    /// Join sweep shards into one CSV.
    Merge(sweep::MergeArgs),
}

fn main() {
    let r = match Cli::parse().cmd {
        Cmd::Sweep(a) => sweep::run(&a),
        Cmd::Merge(a) => sweep::merge(&a),
    };
    if let Err(e) = r {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
