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
    fn start(&mut self, run: &RunInfo) -> Result<()> {
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
