//! Output files: CSV and JSON trajectories, run manifests, all written atomically
//! (a temporary file in the destination directory, then a rename).

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
    let mut tmp = tempfile::Builder::new()
        .prefix(".optdyn-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

pub use crate::spec::fmt_f64;

/// The trajectory as CSV text: a header row, then one row per sample.
pub fn trajectory_csv(tr: &Trajectory) -> String {
    let mut s = String::with_capacity(tr.data.len() * 20);
    s.push_str(&tr.columns.join(","));
    s.push('\n');
    for i in 0..tr.len() {
        let row = tr.row(i);
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            if j == 0 {
                s.push_str(&format!("{}", *v as u64));
            } else {
                s.push_str(&fmt_f64(*v));
            }
        }
        s.push('\n');
    }
    s
}

/// The trajectory as a JSON object `{columns, rows, stop}`.
pub fn trajectory_json(tr: &Trajectory) -> serde_json::Value {
    let rows: Vec<&[f64]> = (0..tr.len()).map(|i| tr.row(i)).collect();
    serde_json::json!({
        "columns": tr.columns,
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
