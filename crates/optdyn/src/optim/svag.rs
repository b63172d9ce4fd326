//! SVAG, the stochastic variance amplified gradient (Z. Li, S. Malladi, S. Arora, "On the
//! validity of modeling SGD with stochastic differential equations", NeurIPS 2021, arXiv
//! 2102.12470; for adaptive methods S. Malladi, K. Lyu, A. Panigrahi, S. Arora, "On the SDEs and
//! scaling rules for adaptive gradient algorithms", NeurIPS 2022, arXiv 2205.10287): a wrapper
//! that runs an optimizer with its gradient noise amplified ℓ-fold (covariance ×ℓ²) and its
//! hyperparameters rescaled so that every run follows the same SDE, with a weak error that
//! shrinks as ℓ grows. If a statistic of the runs stops changing as ℓ grows, the SDE describes
//! the optimizer at ℓ = 1; if it keeps changing, the SDE does not.
//!
//! **Gradient.** Each step draws two independent step gradients `g₁, g₂` (same mean `∇f`,
//! covariance `Σ`) and hands the inner optimizer (the run engine does the drawing, see
//! [`Optimizer::gradient_mix`])
//!
//! ```text
//! g = a g₁ + b g₂,   a = ½(1 + √(2ℓ² − 1)),   b = ½(1 − √(2ℓ² − 1))
//! E g = (a + b)∇f = ∇f,   Cov g = (a² + b²) Σ = ½(1 + (2ℓ² − 1)) Σ = ℓ² Σ.
//! ```
//!
//! **Rescaling** (η = lr, `1 − β` the decay rates, time per step of the SDE `τ`):
//!
//! | inner    | rule                                                              | SDE clock |
//! |----------|-------------------------------------------------------------------|-----------|
//! | sgd      | `η → η/ℓ²`                                                        | `τ = η`   |
//! | rmsprop  | `η → η/ℓ`, `1 − α → (1 − α)/ℓ²`, `ε → εℓ`                         | `τ = η²`  |
//! | adam     | `η → η/ℓ`, `1 − β₁ → (1 − β₁)/ℓ²`, `1 − β₂ → (1 − β₂)/ℓ²`, `ε → εℓ` | `τ = η²`  |
//!
//! and `ℓ²` times as many steps ([`Svag::step_multiplier`], [`Svag::steps`]). The invariants
//! [derived here]: SGD's SME `dX = −∇f dt + √(ηΣ) dW` depends on `η` and `Σ` through `ηΣ`, and
//! `(η/ℓ²)(ℓ²Σ) = ηΣ`, time `(ℓ²k)(η/ℓ²) = kη`; the adaptive SDEs (regime `σ = σ0/η`, `ε = ε0/η`,
//! `1 − β_i = c_i η²`) keep `σ0 = (ℓσ)(η/ℓ) = ση`, `ε0 = (εℓ)(η/ℓ) = εη`,
//! `c_i = ((1 − β_i)/ℓ²)/(η/ℓ)² = (1 − β_i)/η²` and the time `(ℓ²k)(η/ℓ)² = kη²`.
//!
//! **What was verified where.**
//! * Adaptive rule and mixing weights — read in the authors' code
//!   `abhishekpanigrahi1996/Adaptive-SDE`, `cifar_main.py` (HEAD 29c04c2): l. 924–926 (loss
//!   `½(1+√(2ℓ²−1))L(B₁) + ½(1−√(2ℓ²−1))L(B₂)`), l. 543–554 (`lr/ℓ`, `ρ → 1 − (1−ρ)/ℓ²`,
//!   momentum `β₁ → 1 − (1−β₁)/ℓ²`, `ε → εℓ`, `weight_decay` unchanged), l. 487–488 and 893–894 (epochs,
//!   warm-up and the passes over the data ×ℓ²); agrees with docs/research/malladi_sde.md and research/stochastic_and_eos.md §1.
//! * SGD rule — the paper's text was not reachable; a third-party reading note
//!   (`radarFudan/radarFudan.github.io`, `_posts/2021-03-15-paper-reading-SGD-SDE.md`) states
//!   SVAG as `x_{k+1} = x_k − (η/l)∇L^l`, `L^l = ½(1+√(2l−1))L_{γ₁} + ½(1−√(2l−1))L_{γ₂}`
//!   (covariance ×l). That is this rule with `l = ℓ²`: the ℓ² convention is used here for every
//!   inner optimizer so that one `l` means one noise amplification (`√(2ℓ² − 1)`, as the
//!   adaptive paper writes it).
//!
//! **Refused** (no rule that could be stated from the sources): SGD with momentum (or
//! Nesterov), RMSprop with momentum or `centered`, Adam with AMSGrad, AdamW's decoupled weight
//! decay (its per-time decay would grow like ℓ), and every other optimizer. Coupled (L2)
//! `weight_decay` and `maximize` are part of `f` and pass through unchanged, as in the authors'
//! code. Adam with `β₁ = 0` is rescaled too (`β₁ → 1 − 1/ℓ²`, the Adam SDE with `c₁ = 1/η²`); the
//! authors' "rmsprop" runs instead keep `β₁ = 0` — for that, wrap `rmsprop`.
//!
//! At `ℓ = 1` the wrapper is the inner optimizer exactly (no second draw, `gradient_mix` is
//! `None`). Spec: `svag:l=ℓ,inner=SPEC` with the inner spec's commas written as `|`
//! (`svag:l=4,inner=adam:lr=0.01|beta2=0.99`); defaults `l=1`, `inner=sgd`.
//!
//! Not [`crate::optim::Lanewise`] (stays on the generic sweep engine): each step mixes two
//! gradient draws, which the batched engine does not make.

use super::{Adam, Optimizer, Real, RmsProp, Sgd, State};
use crate::error::Allowed;
use crate::spec::{ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};

/// `svag` in `optdyn list optimizers`.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "svag",
    summary: "SVAG (Li-Malladi-Arora 2021; Malladi et al. 2022): noise covariance ×l² by mixing two step gradients ½(1±√(2l²-1)); sgd lr/l²; rmsprop/adam lr/l, 1-β → (1-β)/l², eps·l; run l²× the steps",
    params: &[
        ParamInfo {
            key: "l",
            default: "1",
            help: "amplification ℓ >= 1 (noise covariance ×ℓ², ℓ²× the steps)",
        },
        ParamInfo {
            key: "inner",
            default: "sgd",
            help: "the wrapped optimizer, commas written as '|': sgd (no momentum), rmsprop (no momentum, not centered) or adam (no amsgrad)",
        },
    ],
};

/// The names SVAG can wrap, for error messages.
const SUPPORTED: &str = "sgd (momentum 0), rmsprop (momentum 0, not centered), adam (no amsgrad)";

/// An optimizer SVAG knows how to rescale.
#[derive(Debug, Clone, PartialEq)]
pub enum SvagInner {
    /// SGD without momentum: `η → η/ℓ²`.
    Sgd(Sgd),
    /// RMSprop without momentum, not centered: `η → η/ℓ`, `1 − α → (1 − α)/ℓ²`, `ε → εℓ`.
    RmsProp(RmsProp),
    /// Adam (L2 weight decay, no AMSGrad): `η → η/ℓ`, `1 − β_i → (1 − β_i)/ℓ²`, `ε → εℓ`.
    Adam(Adam),
}

impl From<Sgd> for SvagInner {
    fn from(o: Sgd) -> Self {
        SvagInner::Sgd(o)
    }
}

impl From<RmsProp> for SvagInner {
    fn from(o: RmsProp) -> Self {
        SvagInner::RmsProp(o)
    }
}

impl From<Adam> for SvagInner {
    fn from(o: Adam) -> Self {
        SvagInner::Adam(o)
    }
}

/// `1 − (1 − β)/ℓ²`.
fn decay(beta: f64, l2: f64) -> f64 {
    1.0 - (1.0 - beta) / l2
}

impl SvagInner {
    /// The optimizer as a trait object of either precision.
    pub fn as_optimizer<F: Real>(&self) -> &dyn Optimizer<F> {
        match self {
            SvagInner::Sgd(o) => o,
            SvagInner::RmsProp(o) => o,
            SvagInner::Adam(o) => o,
        }
    }

    /// Its validation, then the options SVAG has no rule for.
    fn check(&self) -> Result<()> {
        let refuse = |what: &str| {
            Err(Error::spec(format!(
                "svag: inner {what} has no SVAG scaling rule (supported: {SUPPORTED})"
            )))
        };
        match self {
            SvagInner::Sgd(o) => {
                o.validate()?;
                if o.momentum != 0.0 {
                    return refuse("sgd with momentum");
                }
            }
            SvagInner::RmsProp(o) => {
                o.validate()?;
                if o.momentum != 0.0 || o.centered {
                    return refuse("rmsprop with momentum or centered");
                }
            }
            SvagInner::Adam(o) => {
                o.validate()?;
                if o.decoupled_weight_decay {
                    return refuse("adamw (decoupled weight decay)");
                }
                if o.amsgrad {
                    return refuse("adam with amsgrad");
                }
            }
        }
        Ok(())
    }

    /// The rescaled optimizer for amplification `l` (see the module doc).
    fn rescaled(&self, l: f64) -> SvagInner {
        let l2 = l * l;
        match self {
            SvagInner::Sgd(o) => SvagInner::Sgd(o.clone().lr(o.lr / l2)),
            SvagInner::RmsProp(o) => SvagInner::RmsProp(
                o.clone()
                    .lr(o.lr / l)
                    .alpha(decay(o.alpha, l2))
                    .eps(o.eps * l),
            ),
            SvagInner::Adam(o) => SvagInner::Adam(
                o.clone()
                    .lr(o.lr / l)
                    .betas(decay(o.beta1, l2), decay(o.beta2, l2))
                    .eps(o.eps * l),
            ),
        }
    }

    fn with_lr(&self, lr: f64) -> SvagInner {
        match self {
            SvagInner::Sgd(o) => SvagInner::Sgd(o.clone().lr(lr)),
            SvagInner::RmsProp(o) => SvagInner::RmsProp(o.clone().lr(lr)),
            SvagInner::Adam(o) => SvagInner::Adam(o.clone().lr(lr)),
        }
    }

    /// Parses an optimizer spec (`adam:lr=0.01,beta2=0.99`) SVAG can wrap; the options it has
    /// no rule for are refused when the [`Svag`] is built.
    pub fn parse(text: &str) -> Result<SvagInner> {
        let s = Spec::parse(text)?;
        match s.name.as_str() {
            "sgd" => Ok(Sgd::from_spec(&s)?.into()),
            "rmsprop" => Ok(RmsProp::from_spec(&s)?.into()),
            "adam" | "adamw" => Ok(Adam::from_spec(&s)?.into()),
            other => Err(Error::spec(format!(
                "svag: inner optimizer '{other}' has no SVAG scaling rule (supported: {SUPPORTED})"
            ))),
        }
    }
}

/// An optimizer run with SVAG amplification `ℓ` (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct Svag {
    l: f64,
    inner: SvagInner,
    scaled: SvagInner,
}

/// `ℓ` must be a finite real `≥ 1`.
fn check_l(l: f64) -> Result<f64> {
    if l.is_finite() && l >= 1.0 {
        Ok(l)
    } else {
        Err(Error::param(
            "svag",
            "l",
            l,
            Allowed::ClosedOpen(1.0, f64::INFINITY),
        ))
    }
}

impl Svag {
    /// SVAG with amplification `l` of `inner` (given with its ℓ = 1 hyperparameters). Errors: `l`
    /// not a finite real ≥ 1, an invalid inner optimizer, or an option SVAG has no rule for.
    pub fn new(inner: impl Into<SvagInner>, l: f64) -> Result<Self> {
        let inner = inner.into();
        let l = check_l(l)?;
        inner.check()?;
        let scaled = inner.rescaled(l);
        scaled.check()?;
        Ok(Svag { l, inner, scaled })
    }

    /// Parses `svag:l=ℓ,inner=SPEC` (the inner spec's commas written as `|`; defaults `l=1`,
    /// `inner=sgd`, so the bare `svag` is torch's default SGD, unchanged).
    pub fn from_spec(s: &Spec) -> Result<Self> {
        let l = s.f64("l", 1.0)?;
        let text = s.raw("inner").unwrap_or("sgd").replace('|', ",");
        s.finish(INFO.params)?;
        Svag::new(SvagInner::parse(&text)?, l)
    }

    /// The amplification ℓ.
    pub fn l(&self) -> f64 {
        self.l
    }

    /// The wrapped optimizer with its ℓ = 1 hyperparameters (the optimizer the SDE models).
    pub fn inner(&self) -> &SvagInner {
        &self.inner
    }

    /// The optimizer that actually steps: the inner one with rescaled hyperparameters.
    pub fn scaled(&self) -> &SvagInner {
        &self.scaled
    }

    /// `ℓ²`: the run takes `ℓ²` steps per step of the inner optimizer at ℓ = 1 to reach the
    /// same model time.
    pub fn step_multiplier(&self) -> f64 {
        self.l * self.l
    }

    /// The number of steps `round(ℓ²·k)` matching `k` steps at ℓ = 1 (saturating at `u64::MAX`).
    pub fn steps(&self, k: u64) -> u64 {
        (self.step_multiplier() * k as f64).round() as u64
    }
}

impl<F: Real> Optimizer<F> for Svag {
    fn name(&self) -> &'static str {
        "svag"
    }

    /// The rescaled learning rate (`η/ℓ²` for SGD, `η/ℓ` for RMSprop and Adam), so the run
    /// engine's clock `k·lr` is the inner optimizer's clock at its rescaled rate.
    fn lr(&self) -> f64 {
        self.scaled.as_optimizer::<F>().lr()
    }

    fn slot_names(&self) -> &'static [&'static str] {
        self.scaled.as_optimizer::<F>().slot_names()
    }

    fn init(&self, n: usize) -> State<F> {
        self.scaled.as_optimizer::<F>().init(n)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        self.scaled.as_optimizer::<F>().step(state, x, g)
    }

    fn validate(&self) -> Result<()> {
        check_l(self.l)?;
        self.inner.check()?;
        self.scaled.check()
    }

    /// `(a, b) = (½(1 + √(2ℓ² − 1)), ½(1 − √(2ℓ² − 1)))`; `None` at ℓ = 1 (`(1, 0)`: one draw).
    fn gradient_mix(&self) -> Option<(f64, f64)> {
        if self.l == 1.0 {
            return None;
        }
        let r = (2.0 * self.l * self.l - 1.0).sqrt();
        Some((0.5 * (1.0 + r), 0.5 * (1.0 - r)))
    }

    /// SVAG of the inner optimizer with the **unscaled** learning rate `lr` (the ℓ = 1 rate η of
    /// the modelled optimizer), rescaled again; so `with_lr(η).lr()` is `η/ℓ²` or `η/ℓ`, not `η`.
    fn with_lr(&self, lr: f64) -> Result<Box<dyn Optimizer<F>>> {
        Ok(Box::new(Svag::new(self.inner.with_lr(lr), self.l)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescales_as_the_rules_say() {
        let s = Svag::new(Adam::default().lr(0.01).betas(0.9, 0.99).eps(1e-6), 4.0).unwrap();
        let SvagInner::Adam(a) = s.scaled() else {
            panic!("adam expected")
        };
        assert!((a.lr - 0.0025).abs() < 1e-15);
        assert!((a.beta1 - (1.0 - 0.1 / 16.0)).abs() < 1e-15);
        assert!((a.beta2 - (1.0 - 0.01 / 16.0)).abs() < 1e-15);
        assert!((a.eps - 4e-6).abs() < 1e-18);
        assert_eq!(s.steps(10), 160);
        let (a, b) = Optimizer::<f64>::gradient_mix(&s).unwrap();
        assert!((a + b - 1.0).abs() < 1e-15 && (a * a + b * b - 16.0).abs() < 1e-12);
        let g = Svag::new(Sgd::default().lr(0.1), 2.0).unwrap();
        assert!((Optimizer::<f32>::lr(&g) - 0.025).abs() < 1e-15);
        let p = Optimizer::<f64>::with_lr(&g, 0.4).unwrap();
        assert!((p.lr() - 0.1).abs() < 1e-15);
        let one = Svag::new(Sgd::default(), 1.0).unwrap();
        assert_eq!(Optimizer::<f64>::gradient_mix(&one), None);
    }
}
