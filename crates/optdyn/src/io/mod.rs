//! Output files: CSV and JSON trajectories, run manifests, all written atomically
//! (a temporary file in the destination directory, then a rename).

mod csv_writer;

pub use csv_writer::CsvWriter;

use crate::trajectory::Trajectory;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed and synced, then
/// renamed over `path`. Readers never see a half-written file; parent directories are created.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut tmp = temp_beside(&dir)?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

pub use crate::spec::fmt_f64;

/// A temporary file in `dir`, created with mode `0666` less the process umask (so the renamed
/// output is readable as the user's umask says, like any file the user creates).
fn temp_beside(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".optdyn-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir).map_err(|e| Error::io(dir, e))
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
            out.push_str(&fmt_f64(*v));
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
