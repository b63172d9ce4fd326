//! Run observers that stream rows as CSV as they are produced (nothing holds the trajectory in
//! memory): [`CsvRows`] to any writer (standard output), [`CsvWriter`] to a file through
//! [`super::OutputFile`] (it appears, atomically, when the run finishes).

use super::{csv_header, push_csv_row, OutputFile};
use crate::block;
use crate::run::{Observer, RunInfo, Sample};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

/// Streams a run's samples (`step,t,loss,grad_norm,x…,state…,measured…`) to a writer. The first
/// write error ends the run (a `Failed` stop) and is kept for [`CsvRows::into_parts`].
pub struct CsvRows<W: Write> {
    out: W,
    label: String,
    line: String,
    rows: u64,
    error: Option<std::io::Error>,
}

impl<W: Write> CsvRows<W> {
    /// Rows to `out`; `label` names the destination in stop messages.
    pub fn new(out: W, label: impl Into<String>) -> Self {
        CsvRows {
            out,
            label: label.into(),
            line: String::with_capacity(256),
            rows: 0,
            error: None,
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The writer and the first write error, if any.
    pub fn into_parts(self) -> (W, Option<std::io::Error>) {
        (self.out, self.error)
    }

    fn emit(&mut self) -> std::io::Result<()> {
        self.out.write_all(self.line.as_bytes())
    }
}

impl<W: Write> Observer for CsvRows<W> {
    fn start(&mut self, run: &RunInfo) -> Result<()> {
        let mut columns: Vec<String> = ["step", "t", "loss", "grad_norm"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        columns.extend((0..run.n).map(|i| format!("x{i}")));
        columns.extend(block::columns(&run.blocks));
        columns.extend(run.measured.iter().cloned());
        self.line = csv_header(&columns);
        if let Err(e) = self.emit() {
            self.error = Some(e);
        }
        Ok(())
    }

    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        if self.error.is_some() {
            return ControlFlow::Break(StopReason::Failed {
                t: s.t,
                why: format!("{}: cannot write", self.label),
            });
        }
        self.line.clear();
        push_csv_row(
            &mut self.line,
            s.step,
            &[&[s.t, s.loss, s.grad_norm()], s.x, s.state, s.measured],
        );
        match self.emit() {
            Ok(()) => {
                self.rows += 1;
                ControlFlow::Continue(())
            }
            Err(e) => {
                let why = format!("{}: {e}", self.label);
                self.error = Some(e);
                ControlFlow::Break(StopReason::Failed { t: s.t, why })
            }
        }
    }
}

/// [`CsvRows`] into a file.
pub struct CsvWriter {
    rows: CsvRows<OutputFile>,
}

impl CsvWriter {
    /// A writer to `path` (its directory is created; a regular file appears when the run
    /// finishes).
    pub fn create(path: &Path) -> Result<Self> {
        Ok(CsvWriter {
            rows: CsvRows::new(OutputFile::create(path)?, path.display().to_string()),
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows.rows()
    }

    /// Flushes, syncs and puts the file in place; the first write error, if any.
    pub fn finish_file(self) -> Result<()> {
        let (mut file, error) = self.rows.into_parts();
        if let Some(e) = error {
            return Err(Error::io(file.path(), e));
        }
        file.flush().map_err(|e| Error::io(file.path(), e))?;
        file.finish()
    }
}

impl Observer for CsvWriter {
    fn start(&mut self, run: &RunInfo) -> Result<()> {
        self.rows.start(run)
    }
    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        self.rows.observe(s)
    }
}
