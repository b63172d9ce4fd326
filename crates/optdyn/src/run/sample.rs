//! What observers receive: the run's layout ([`RunInfo`]), each sample ([`Sample`]) and how the
//! run ended ([`End`]).

use crate::block::{self, Block};
use crate::integrate::{EventHit, Stats};
use crate::stop::StopReason;

/// Whether a run iterates an optimizer or integrates a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A discrete optimizer.
    Discrete,
    /// A continuous model.
    Model,
}

/// The layout and clock of a run, given to [`super::Observer::start`].
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Discrete or model.
    pub kind: Kind,
    /// Dimension of the parameters.
    pub n: usize,
    /// The learning rate, the unit of the clock `t_k = t0 + k·lr`.
    pub lr: f64,
    /// The start time.
    pub t0: f64,
    /// The number of steps `K`.
    pub steps: u64,
    /// Samples are delivered every `every` steps (and at the last step).
    pub every: u64,
    /// The layout of [`Sample::state`].
    pub blocks: Vec<Block>,
    /// The names of [`Sample::measured`] (the columns of the run's [`super::Measure`]s).
    pub measured: Vec<String>,
}

/// One sample of a run: step `k`, time `t_k = t0 + k·lr`, the loss and gradient at `x_k`, and
/// the state.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// The optimizer step `k`.
    pub step: u64,
    /// Its time.
    pub t: f64,
    /// `f(x_k)` (for minibatch objectives on a discrete run, the loss of the batch of step
    /// `k + 1`, the one the optimizer sees; at the last step the full loss).
    pub loss: f64,
    /// The gradient at `x_k` (the one the optimizer sees).
    pub grad: &'a [f64],
    /// The parameters `x_k`.
    pub x: &'a [f64],
    /// The recorded state, laid out by `blocks` (a model's auxiliary state `z[n..]`; an
    /// optimizer's buffers when the run records them).
    pub state: &'a [f64],
    /// Its layout.
    pub blocks: &'a [Block],
    /// A model's full state `z = (θ, aux…)`; for a discrete run, `x`.
    pub z: &'a [f64],
    /// The measured values, named by [`RunInfo::measured`] (empty for a measure's own input;
    /// NaN in a rejected sample, which is not measured).
    pub measured: &'a [f64],
}

impl<'a> Sample<'a> {
    /// Block `name` of the state, if present.
    pub fn block(&self, name: &str) -> Option<&'a [f64]> {
        block::range(self.blocks, name).map(|r| &self.state[r])
    }

    /// `‖∇f(x_k)‖₂`.
    pub fn grad_norm(&self) -> f64 {
        crate::vector::norm(self.grad)
    }
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct End {
    /// Why it stopped.
    pub stop: StopReason,
    /// Samples delivered to [`super::Observer::observe`].
    pub samples: u64,
    /// The step of the first scheduled sample that was not delivered (`None` when every one was).
    pub unreached: Option<u64>,
    /// The integrator's work counters (model runs).
    pub stats: Option<Stats>,
    /// Events that happened (model runs with events).
    pub events: Vec<EventHit>,
}
