//! Arguments shared by the subcommands (flattened into each), the few conversions from them
//! to library values, and the program's standard streams.

use optdyn::integrate::{self, Integrator};
use optdyn::model::ModelSpec;
use optdyn::optim::{self, Optimizer};
use optdyn::run::Problem;
use optdyn::{Error, Result};

/// Writes `text` to standard output. A closed pipe ends the program quietly with status 0 (as
/// `cat` ends under `head`); any other write error (a full device) is a one-line error.
pub fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut so = std::io::stdout().lock();
    match so.write_all(text.as_bytes()).and_then(|()| so.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Error::io("standard output", e)),
    }
}

/// The `--sharpness K` of a command: 0 when not given; `K = 0` is refused.
pub fn sharpness_k(k: Option<usize>) -> Result<usize> {
    match k {
        Some(0) => Err(Error::spec(
            "--sharpness must be >= 1 (the number of top Hessian eigenvalues), got 0",
        )),
        Some(k) => Ok(k),
        None => Ok(0),
    }
}

/// `--objective` and `--x0`.
#[derive(clap::Args, Debug, Clone)]
pub struct ProblemArgs {
    /// Objective spec, e.g. `rosen1d:c=4`, `quadratic:diag=1;10`, `expr:(x-4)^2`.
    #[arg(long)]
    pub objective: String,
    /// Start point, comma- or semicolon-separated, or `@FILE` (a `.npy` array or a text file of
    /// numbers).
    #[arg(long, allow_hyphen_values = true)]
    pub x0: String,
}

impl ProblemArgs {
    /// The start point.
    pub fn x0(&self) -> Result<Vec<f64>> {
        parse_x0(&self.x0)
    }

    /// The problem (objective built for the length of `--x0`).
    pub fn problem(&self) -> Result<Problem> {
        Problem::parse(&self.objective, self.x0()?)
    }
}

/// `--optimizer`, `--model` (required), `--integrator`, `--steps` for the model analyses.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelRunArgs {
    /// Optimizer spec (its hyperparameters and lr are the model's).
    #[arg(long)]
    pub optimizer: String,
    /// The continuous model of the optimizer.
    #[arg(long)]
    pub model: String,
    /// Number of optimizer steps (T = steps·lr).
    #[arg(long, value_parser = crate::values::count)]
    pub steps: u64,
    /// Integrator (default rk4 with dt = lr/10).
    #[arg(long)]
    pub integrator: Option<String>,
}

/// `--optimizer`, `--models`, `--integrator` of the comparisons (`compare`, `converge`).
#[derive(clap::Args, Debug, Clone)]
pub struct ModelsArgs {
    /// Optimizer spec (its hyperparameters and lr are the models'; `converge` replaces the lr).
    #[arg(long)]
    pub optimizer: String,
    /// Model specs, separated by `+` (or commas when the specs have no parameters).
    #[arg(long)]
    pub models: String,
    /// Integrator for the models (default rk4:substeps=10).
    #[arg(long)]
    pub integrator: Option<String>,
}

/// What [`ModelsArgs`] name, built.
pub struct Models {
    /// The optimizer.
    pub optimizer: Box<dyn Optimizer<f64>>,
    /// The model specs.
    pub specs: Vec<ModelSpec>,
    /// The integrator, if given.
    pub integrator: Option<Box<dyn Integrator>>,
}

impl ModelsArgs {
    /// The optimizer, the model specs and the integrator.
    pub fn build(&self) -> Result<Models> {
        Ok(Models {
            optimizer: optimizer(&self.optimizer)?,
            specs: models(&self.models)?,
            integrator: integrator(self.integrator.as_deref())?,
        })
    }
}

/// Parses `--x0` (`1,2`, `1;2`, or `@FILE` of `.npy` or text; see [`crate::start_point`]).
pub fn parse_x0(text: &str) -> Result<Vec<f64>> {
    crate::start_point::parse(text)
}

/// The optimizer of a spec.
pub fn optimizer(spec: &str) -> Result<Box<dyn Optimizer<f64>>> {
    optim::parse(spec)
}

/// The integrator of `--integrator`, if given.
pub fn integrator(spec: Option<&str>) -> Result<Option<Box<dyn Integrator>>> {
    spec.map(integrate::parse).transpose()
}

/// Splits a model list into spec texts: `+` separates specs; without `+`, commas separate plain
/// names.
pub fn model_texts(text: &str) -> Result<Vec<String>> {
    if text.trim().is_empty() {
        return Err(Error::spec(
            "--models is empty (give at least one model, e.g. adam-ide1; see optdyn list)",
        ));
    }
    let parts: Vec<&str> = if text.contains('+') {
        text.split('+').collect()
    } else if text.contains(':') {
        vec![text]
    } else {
        text.split(',').collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .enumerate()
        .map(|(i, s)| {
            if s.is_empty() {
                Err(Error::spec(format!("--models: model {} is empty", i + 1)))
            } else {
                Ok(s.to_string())
            }
        })
        .collect()
}

/// Splits a model list: `+` separates specs; without `+`, commas separate plain names.
pub fn models(text: &str) -> Result<Vec<ModelSpec>> {
    model_texts(text)?
        .iter()
        .map(|s| ModelSpec::parse(s))
        .collect()
}

/// Prints the line the commands end with.
pub fn wrote(dir: &std::path::Path) -> Result<()> {
    outln!("wrote {}", dir.display())
}
