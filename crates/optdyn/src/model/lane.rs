//! Per-coordinate right-hand sides: for a model whose coordinates interact only through the
//! gradient of the objective (`ż_i = F(t, ∇f(θ)_i, z_i)` with `z_i = (θ_i, aux_i…)`), the field of
//! one coordinate as an `#[inline(always)]` function of its constants, a time factor and the
//! gradient entry. The model's [`crate::integrate::OdeSystem::rhs`] calls it coordinate by
//! coordinate and the batched model sweep ([`crate::analysis::sweep::lanes`]) calls it lane by
//! lane, so both perform the same floating-point operations.

use super::adagrad_ide::AdagradLane;
use super::adam_ide::{Adam1Lane, Adam2Lane};
use super::gradient_flow::GradientLane;
use super::heavy_ball::HeavyBallLane;
use super::nesterov::NesterovLane;
use super::rmsprop_ide::RmspropLane;

/// The field of one coordinate with state `[θ, aux…]` of length `S`.
pub trait LaneField<const S: usize>: Copy + Send + Sync {
    /// What depends on the time only (bias factors), computed once per stage.
    type Clock: Copy + Default;

    /// The time factors at `t`; `prev` is another coordinate's constants with its factors at the
    /// same `t`, whose values may be reused where the constants agree (same bits).
    fn clock(&self, t: f64, prev: Option<(&Self, Self::Clock)>) -> Self::Clock;

    /// `ż` for the state `z` given the time factors and the gradient entry `g = ∂f/∂θ`.
    fn rhs(&self, clock: Self::Clock, g: f64, z: [f64; S]) -> [f64; S];
}

/// A model's per-coordinate field ([`super::Model::lane`]). Built once per sweep point and
/// moved into a vector of one kind, so the size of the `adam-ide2` variant (two
/// [`crate::kernel::StateSpace`]s) costs a copy, not an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lane {
    /// `gradient-flow` and `heavy-ball-flow` without correction: `θ' = −s·g`.
    Gradient(GradientLane),
    /// `adam-ide1` with the paper's kernels.
    AdamIde1(Adam1Lane),
    /// `adam-ide2` with the paper's kernels.
    AdamIde2(Adam2Lane),
    /// `rmsprop-ide1` with the paper's kernel.
    RmspropIde(RmspropLane),
    /// `adagrad-ide1` with the paper's kernel.
    AdagradIde(AdagradLane),
    /// `heavy-ball`, the inertial ODE of SGD with momentum.
    HeavyBall(HeavyBallLane),
    /// `nesterov`, the Su–Boyd–Candès ODE.
    Nesterov(NesterovLane),
}
