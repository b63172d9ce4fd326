//! A run observer that streams rows to a CSV file as they are produced (nothing holds the
//! trajectory in memory), written atomically: rows go to a temporary file beside the target,
//! which is synced and renamed over it when the run finishes.

use super::{csv_header, push_csv_row, temp_beside};
use crate::block;
use crate::run::{Observer, RunInfo, Sample};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// Streams a run's samples (`step,t,loss,grad_norm,x…,state…,measured…`) to `path`.
pub struct CsvWriter {
    path: PathBuf,
    out: BufWriter<tempfile::NamedTempFile>,
    line: String,
    rows: u64,
    error: Option<Error>,
}

impl CsvWriter {
    /// A writer to `path` (its directory is created; the file appears when the run finishes).
    pub fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(CsvWriter {
            path: path.to_path_buf(),
            out: BufWriter::new(temp_beside(&dir)?),
            line: String::with_capacity(256),
            rows: 0,
            error: None,
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn write(&mut self) -> std::io::Result<()> {
        self.out.write_all(self.line.as_bytes())
    }

    /// Flushes, syncs and renames the file into place; the first write error, if any.
    pub fn finish_file(self) -> Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io(&self.path, e))?;
        tmp.persist(&self.path)
            .map_err(|e| Error::io(&self.path, e.error))?;
        Ok(())
    }
}

impl Observer for CsvWriter {
    fn start(&mut self, run: &RunInfo) -> Result<()> {
        let mut columns: Vec<String> = ["step", "t", "loss", "grad_norm"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        columns.extend((0..run.n).map(|i| format!("x{i}")));
        columns.extend(block::columns(&run.blocks));
        columns.extend(run.measured.iter().cloned());
        self.line = csv_header(&columns);
        self.write().map_err(|e| Error::io(&self.path, e))
    }

    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        self.line.clear();
        push_csv_row(
            &mut self.line,
            s.step,
            &[&[s.t, s.loss, s.grad_norm()], s.x, s.state, s.measured],
        );
        match self.write() {
            Ok(()) => {
                self.rows += 1;
                ControlFlow::Continue(())
            }
            Err(e) => {
                let why = format!("{}: {e}", self.path.display());
                self.error = Some(Error::io(&self.path, e));
                ControlFlow::Break(StopReason::Failed { t: s.t, why })
            }
        }
    }
}
