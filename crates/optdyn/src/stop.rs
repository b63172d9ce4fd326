//! Why a run stopped: the one stop type shared by the integrators, the run engine and the
//! trajectories (it lives below all of them, so the integrator layer imports nothing above it).

use crate::spec::fmt_f64;
use serde::Serialize;
use std::fmt;

/// Why a run stopped. Never a silent NaN: a non-finite value or a divergence is reported with the
/// step and time where it happened; the rows before it are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    /// Reached the requested number of steps or end time.
    #[default]
    Finished,
    /// Reached a steady state (the update or `‖ż‖` fell below the tolerance).
    Converged {
        /// Step index (discrete) or sample index (continuous).
        step: u64,
        /// Time.
        t: f64,
    },
    /// The iterate or the loss exceeded the divergence bound.
    Diverged {
        /// Step index.
        step: u64,
        /// Time.
        t: f64,
        /// What exceeded which bound.
        why: String,
    },
    /// The iterate, loss or state became NaN or infinite.
    NonFinite {
        /// Step index.
        step: u64,
        /// Time.
        t: f64,
        /// Which quantity.
        what: String,
    },
    /// A user event fired (root located inside a step).
    Event {
        /// Time of the event.
        t: f64,
        /// Its name.
        name: String,
    },
    /// A numerical procedure failed (Newton did not converge, step size underflow, …).
    Failed {
        /// Time.
        t: f64,
        /// Why.
        why: String,
    },
}

impl StopReason {
    /// True when the run ended normally (finished, converged or at an event).
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            StopReason::Finished | StopReason::Converged { .. } | StopReason::Event { .. }
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Finished => write!(f, "finished"),
            StopReason::Converged { step, t } => {
                write!(f, "converged at step {step} (t = {})", fmt_f64(*t))
            }
            StopReason::Diverged { step, t, why } => {
                write!(f, "diverged at step {step} (t = {}): {why}", fmt_f64(*t))
            }
            StopReason::NonFinite { step, t, what } => {
                write!(f, "non-finite {what} at step {step} (t = {})", fmt_f64(*t))
            }
            StopReason::Event { t, name } => write!(f, "event '{name}' at t = {}", fmt_f64(*t)),
            StopReason::Failed { t, why } => write!(f, "failed at t = {}: {why}", fmt_f64(*t)),
        }
    }
}
