//! Output files: CSV and JSON trajectories, run manifests, all written through one writer
//! ([`OutputFile`]: atomically onto regular files, through symbolic links, directly to devices).

mod csv_writer;
mod output;

pub use csv_writer::{CsvRows, CsvWriter};
pub use output::OutputFile;

use crate::trajectory::Trajectory;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through [`OutputFile`]: atomically (a temporary file beside it,
/// synced, then renamed over it) for a regular file or a new path, through a symbolic link to
/// its target, directly to a device or FIFO. Parent directories are created.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = OutputFile::create(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.finish()
}

pub use crate::spec::{fmt_f64, push_f64};

/// A CSV cell of a result table: [`fmt_f64`] for a finite value, empty for a missing one (NaN
/// or infinite: a run that diverged, a quantity a model does not have). pandas, polars and
/// numpy read empty cells as missing values; a status column beside says why.
pub fn fmt_cell(v: f64) -> String {
    let mut s = String::new();
    push_cell(&mut s, v);
    s
}

/// Appends [`fmt_cell`]`(v)` to `out` without allocating.
pub fn push_cell(out: &mut String, v: f64) {
    if v.is_finite() {
        push_f64(out, v);
    }
}

/// [`fmt_cell`] of each value, comma-separated (no leading or trailing comma).
pub fn cells(values: &[f64]) -> String {
    let mut s = String::new();
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_cell(&mut s, v);
    }
    s
}

/// The header line of a trajectory CSV (with its newline).
pub fn csv_header(columns: &[String]) -> String {
    let mut s = columns.join(",");
    s.push('\n');
    s
}

/// Appends one CSV row: the step as an integer, then every value in [`fmt_f64`].
pub fn push_csv_row(out: &mut String, step: u64, values: &[&[f64]]) {
    use std::fmt::Write as _;
    let _ = write!(out, "{step}");
    for part in values {
        for v in *part {
            out.push(',');
            push_f64(out, *v);
        }
    }
    out.push('\n');
}

/// The trajectory as CSV text: a header row, then one row per sample.
pub fn trajectory_csv(tr: &Trajectory) -> String {
    let mut s = csv_header(&tr.columns());
    for i in 0..tr.len() {
        push_csv_row(
            &mut s,
            tr.step(i),
            &[
                &[tr.t(i), tr.loss(i), tr.grad_norm(i)],
                tr.x(i),
                tr.state(i),
                tr.measured(i),
            ],
        );
    }
    s
}

/// The trajectory as a JSON object `{columns, rows, stop}` (the step as a float in the rows).
pub fn trajectory_json(tr: &Trajectory) -> serde_json::Value {
    let rows: Vec<Vec<f64>> = (0..tr.len()).map(|i| tr.row(i)).collect();
    serde_json::json!({
        "columns": tr.columns(),
        "rows": rows,
        "stop": tr.stop,
    })
}

/// Output format of a trajectory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header.
    Csv,
    /// A JSON object `{columns, rows, stop}`.
    Json,
}

impl Format {
    /// Parses `csv` or `json`.
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(Error::spec(format!(
                "--format must be csv or json, got '{s}'"
            ))),
        }
    }
}

/// The trajectory rendered in `format`.
pub fn render(tr: &Trajectory, format: Format) -> String {
    match format {
        Format::Csv => trajectory_csv(tr),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&trajectory_json(tr))
                .expect("a trajectory serialises");
            s.push('\n');
            s
        }
    }
}

/// The manifest path written beside an output file: `out.csv` → `out.csv.manifest.json`.
pub fn manifest_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".manifest.json");
    out.with_file_name(name)
}

/// The common part of every manifest: version, command, command line, creation time.
pub fn manifest_base(command: &str) -> serde_json::Value {
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    serde_json::json!({
        "optdyn_version": crate::VERSION,
        "command": command,
        "argv": std::env::args().collect::<Vec<_>>(),
        "created_unix": created,
    })
}

/// Writes a JSON value (pretty) atomically.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let mut s = serde_json::to_string_pretty(value).expect("JSON value serialises");
    s.push('\n');
    write_atomic(path, s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip() {
        for x in [
            0.1,
            1e-20,
            123456.789,
            -3.0e300,
            4.0,
            0.0,
            1.0 / 3.0,
            5e-324,
        ] {
            let s = fmt_f64(x);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
        }
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let leftovers = std::fs::read_dir(dir.path().join("sub")).unwrap().count();
        assert_eq!(leftovers, 1);
    }
}
