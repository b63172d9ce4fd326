//! The recording observer: keeps every delivered sample as a [`Trajectory`].

use super::observer::Observer;
use super::sample::{End, RunInfo, Sample};
use crate::stop::StopReason;
use crate::trajectory::Trajectory;
use crate::Result;
use std::ops::ControlFlow;

/// Records the samples of a run into a [`Trajectory`] (with the stop reason and, for models,
/// the integrator's counters).
#[derive(Debug, Default)]
pub struct Recorder {
    tr: Trajectory,
}

impl Recorder {
    /// The recorded trajectory.
    pub fn into_trajectory(self) -> Trajectory {
        self.tr
    }
}

impl Observer for Recorder {
    /// Refuses, in one line, a trajectory whose samples cannot fit in memory (see
    /// [`crate::memory`]): `samples × (4 + n + state + measured)` floats, twice over for the
    /// vectors' growth. Runs that large are streamed to a file instead (`optdyn run --out`).
    fn start(&mut self, run: &RunInfo) -> Result<()> {
        let every = run.every.max(1) as f64;
        let samples = (run.steps as f64 / every).floor() + 2.0;
        let width = 4 + run.n + crate::block::total(&run.blocks) + run.measured.len();
        crate::memory::check(
            &format!(
                "recording {samples} samples of {width} values ({} steps, every {})",
                run.steps, run.every
            ),
            samples * width as f64 * 8.0 * 2.0,
            "record fewer samples with a larger --every, fewer steps, or stream with run --out",
        )?;
        self.tr = Trajectory::new(run.n, run.blocks.clone());
        self.tr.measured = run.measured.clone();
        Ok(())
    }

    fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        self.tr
            .push(s.step, s.t, s.loss, s.grad_norm(), s.x, s.state);
        self.tr.push_measured(s.measured);
        ControlFlow::Continue(())
    }

    fn finish(&mut self, end: &End) -> Result<()> {
        self.tr.stop = end.stop.clone();
        self.tr.stats = end.stats;
        Ok(())
    }
}
