//! Measures: quantities computed from each delivered sample and carried with it as extra named
//! columns (the sharpness `sharp0…`, the preconditioned sharpness `psharp0…`, …), so every
//! observer — the recorder, a file writer, a monitor — sees them in the same row as `x`.

use super::sample::{RunInfo, Sample};
use crate::stop::StopReason;
use crate::Result;
use std::ops::ControlFlow;

/// A quantity measured at every delivered sample of a run.
pub trait Measure: Send + Sync {
    /// The names of its columns for this run; an error when the run cannot be measured (a
    /// dimension or a state block the measure needs is missing).
    fn columns(&self, run: &RunInfo) -> Result<Vec<String>>;
    /// True when it reads the optimizer's buffers (`m`, `v`, …): a discrete run then records
    /// them, so they are in [`Sample::state`].
    fn needs_state(&self) -> bool {
        false
    }
    /// Writes the values at `sample` into `out` (one per column). `Break(reason)` ends the run
    /// (a measurement that failed), with the samples before it kept.
    fn measure(&self, sample: &Sample<'_>, out: &mut [f64]) -> ControlFlow<StopReason>;
}

/// The measures of a run with their column offsets.
pub(crate) struct Measures<'m, 'a> {
    measures: &'m [&'a dyn Measure],
    offsets: Vec<usize>,
    values: Vec<f64>,
}

impl<'m, 'a> Measures<'m, 'a> {
    /// Asks every measure for its columns; returns them with the set. Column names must be
    /// unique across the run.
    pub(crate) fn start(
        measures: &'m [&'a dyn Measure],
        run: &RunInfo,
    ) -> Result<(Self, Vec<String>)> {
        let mut names: Vec<String> = Vec::new();
        let mut offsets = vec![0];
        for m in measures {
            for c in m.columns(run)? {
                if names.contains(&c) {
                    return Err(crate::Error::spec(format!(
                        "run: two measures write the column '{c}'"
                    )));
                }
                names.push(c);
            }
            offsets.push(names.len());
        }
        let values = vec![f64::NAN; names.len()];
        Ok((
            Measures {
                measures,
                offsets,
                values,
            },
            names,
        ))
    }

    /// Measures `sample` (with `measured` still unset) into the buffer.
    pub(crate) fn measure(&mut self, sample: &Sample<'_>) -> ControlFlow<StopReason> {
        for (j, m) in self.measures.iter().enumerate() {
            m.measure(
                sample,
                &mut self.values[self.offsets[j]..self.offsets[j + 1]],
            )?;
        }
        ControlFlow::Continue(())
    }

    /// Marks the buffer as not measured (a rejected sample).
    pub(crate) fn clear(&mut self) {
        self.values.fill(f64::NAN);
    }

    /// The values of the last [`Measures::measure`].
    pub(crate) fn values(&self) -> &[f64] {
        &self.values
    }
}
