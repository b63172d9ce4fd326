//! `optdyn reproduce`: run the seed papers' experiments and check their numbers.

use optdyn::experiments::reproduce::{targets, Report};
use optdyn::io;
use optdyn::Error;
use std::path::PathBuf;

/// Arguments of `optdyn reproduce`.
#[derive(clap::Args)]
pub struct ReproduceArgs {
    /// Target name (see --list).
    name: Option<String>,
    /// Run every target.
    #[arg(long)]
    all: bool,
    /// List the targets.
    #[arg(long)]
    list: bool,
    /// Output directory (one subdirectory per target).
    #[arg(long, default_value = "optdyn-out/reproduce")]
    out: PathBuf,
}

/// Executes `optdyn reproduce`; exit status 1 when any check fails.
pub fn run(a: &ReproduceArgs) -> optdyn::Result<u8> {
    let all = targets();
    if a.list {
        for t in &all {
            outln!("{:<24} {}", t.name, t.summary)?;
        }
        return Ok(0);
    }
    let chosen: Vec<_> = match (&a.name, a.all) {
        (Some(n), false) => {
            let t = all
                .into_iter()
                .find(|t| t.name == n.as_str())
                .ok_or_else(|| {
                    let names: Vec<&str> = targets().iter().map(|t| t.name).collect();
                    Error::spec(format!(
                        "reproduce: unknown target '{n}' (known: {})",
                        names.join(", ")
                    ))
                })?;
            vec![t]
        }
        (None, true) => all,
        _ => {
            return Err(Error::spec(
                "reproduce: give a target name, --all or --list",
            ))
        }
    };
    let mut failed = 0;
    for t in chosen {
        let dir = a.out.join(t.name);
        let start = std::time::Instant::now();
        let rep: Report = (t.run)(&dir).map_err(|e| Error::spec(format!("{}: {e}", t.name)))?;
        let table = rep.table();
        outln!(
            "== {} ({:.1} s)\n{table}",
            t.name,
            start.elapsed().as_secs_f64()
        )?;
        io::write_atomic(&dir.join("checks.txt"), table.as_bytes())?;
        io::write_json(
            &dir.join("report.json"),
            &serde_json::to_value(&rep).expect("serialisable"),
        )?;
        if !rep.passed() {
            failed += 1;
        }
    }
    if failed > 0 {
        note!("optdyn: {failed} target(s) had failing checks");
        Ok(1)
    } else {
        Ok(0)
    }
}
