//! Optimizers whose update of coordinate `i` reads only `θ_i`, `g_i`, its own state slots at `i`
//! and constants of the step (bias corrections, schedules, the step count), so many small runs
//! can be advanced together coordinate by coordinate (the batched sweep engine).
//!
//! An implementation splits its [`Optimizer::step`] into [`Lanewise::begin`] (the step's
//! constants, computed once per step as `step` computes them) and [`Lanewise::update`] (the loop
//! body of `step`, the same `#[inline(always)]` function), so a batched run performs exactly the
//! floating-point operations of `step` and its iterates are bit-identical to it.
//!
//! Not lanewise, so on the generic sweep engine: `scalar-rmsprop` (one ν from the global ‖g‖²
//! couples the coordinates), `kadam` (granularity `group` couples a group's coordinates, and its
//! 2k + 1 buffers exceed the fixed [`SLOTS`] layout) and `svag` (it mixes two gradient draws per
//! step, [`Optimizer::gradient_mix`]).

use super::{Optimizer, State};

/// State slots per coordinate in the batched layout (the most any lanewise optimizer uses:
/// AMSGrad's `m, v, v_max`, centered RMSprop with momentum's `v, b, g_avg`).
pub const SLOTS: usize = 3;

/// An optimizer with a per-coordinate update shared by [`Optimizer::step`] and batched lanes.
pub trait Lanewise: Optimizer<f64> + Clone + Sized {
    /// The constants of one step, shared by every coordinate.
    type Coef: Copy + Send + Sync;

    /// Builds from a spec exactly as the registry does (the typed `from_spec`, which validates).
    fn build(spec: &crate::spec::Spec) -> crate::Result<Self>;

    /// Advances `state`'s step count (and scalar state) as [`Optimizer::step`] does and returns
    /// the constants of that step; the slots of `state` are not read (it may have length 0).
    fn begin(&self, state: &mut State<f64>) -> Self::Coef;

    /// The update of one coordinate: `x = θ_i`, `g = g_i`, `s` the slots at `i` in the order of
    /// [`Optimizer::slot_names`] (entries past them unused).
    fn update(c: &Self::Coef, x: &mut f64, g: f64, s: [&mut f64; SLOTS]);
}
