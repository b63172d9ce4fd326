//! Observers: what a run hands its samples to (argmin's observers, diffrax's `SaveAt(fn=…)`).
//! A recorder, a file writer, per-run metrics, Lyapunov and energy monitors, early stops and the
//! user's own closures are all observers of the one run engine.

use super::sample::{End, RunInfo, Sample};
use crate::stop::StopReason;
use crate::Result;
use std::ops::ControlFlow;

/// Receives the samples of a run as they are produced.
pub trait Observer {
    /// Before the first sample: the run's layout and clock.
    fn start(&mut self, _run: &RunInfo) -> Result<()> {
        Ok(())
    }
    /// A valid sample (every `every`-th step and the last). `Break(reason)` ends the run with
    /// that reason (an early stop).
    fn observe(&mut self, sample: &Sample<'_>) -> ControlFlow<StopReason>;
    /// The sample at which the run stopped because it was invalid (non-finite or beyond the
    /// divergence bounds), with the reason; it is not passed to [`Observer::observe`].
    fn reject(&mut self, _sample: &Sample<'_>, _why: &StopReason) {}
    /// After the run, with how it ended.
    fn finish(&mut self, _end: &End) -> Result<()> {
        Ok(())
    }
}

/// A closure `|sample| -> ControlFlow<StopReason>` is an observer (a progress line, a custom
/// early stop, a reduction of your own).
impl<F: FnMut(&Sample<'_>) -> ControlFlow<StopReason>> Observer for F {
    fn observe(&mut self, sample: &Sample<'_>) -> ControlFlow<StopReason> {
        self(sample)
    }
}

/// Hands each event to every observer in order; the first `Break` wins.
pub(crate) struct Fanout<'o, 'a> {
    pub(crate) observers: &'o mut [&'a mut dyn Observer],
}

impl Fanout<'_, '_> {
    pub(crate) fn start(&mut self, run: &RunInfo) -> Result<()> {
        for o in self.observers.iter_mut() {
            o.start(run)?;
        }
        Ok(())
    }

    pub(crate) fn observe(&mut self, s: &Sample<'_>) -> ControlFlow<StopReason> {
        for o in self.observers.iter_mut() {
            o.observe(s)?;
        }
        ControlFlow::Continue(())
    }

    pub(crate) fn reject(&mut self, s: &Sample<'_>, why: &StopReason) {
        for o in self.observers.iter_mut() {
            o.reject(s, why);
        }
    }

    pub(crate) fn finish(&mut self, end: &End) -> Result<()> {
        for o in self.observers.iter_mut() {
            o.finish(end)?;
        }
        Ok(())
    }
}
