//! `optdyn demo`: the built-in default job (the library's `experiments::demo`).

use optdyn::Result;
use std::path::PathBuf;

/// Arguments of `optdyn demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Report directory.
    #[arg(long, default_value = "optdyn-report")]
    out: PathBuf,
}

/// Executes the demo and writes `out/index.html`.
pub fn run(a: &DemoArgs) -> Result<u8> {
    let d = optdyn::experiments::demo::run(&a.out)?;
    outln!("{}", d.table)?;
    out!("{}", d.thresholds)?;
    outln!(
        "report written to {} (open it in a browser)",
        d.index.display()
    )?;
    Ok(0)
}
