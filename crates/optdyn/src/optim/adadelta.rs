//! Adadelta (Zeiler 2012) exactly as `torch.optim.Adadelta` (torch 2.x,
//! `_single_tensor_adadelta`).
//!
//! With lr γ, ρ, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize);   g_t ← g_t + λ θ_{t−1}  (if λ ≠ 0)
//! v_t = ρ v_{t−1} + (1 − ρ) g_t²
//! Δ_t = √(u_{t−1} + ε) / √(v_t + ε) · g_t
//! u_t = ρ u_{t−1} + (1 − ρ) Δ_t²
//! θ_t = θ_{t−1} − γ Δ_t
//! ```
//!
//! ε sits inside both roots. Defaults: lr 1.0, ρ = 0.9, ε = 1e-6, λ = 0.
//! Source: PyTorch `torch/optim/adadelta.py`; research notes §5.4.

use super::{zip2, Grad, Optimizer, Real, State};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::Result;

/// `torch.optim.Adadelta`.
#[derive(Debug, Clone, PartialEq)]
pub struct Adadelta {
    /// Learning rate γ ≥ 0 (scales Δ).
    pub lr: f64,
    /// Decay ρ ∈ [0, 1] of both running averages.
    pub rho: f64,
    /// ε > 0 inside both roots.
    pub eps: f64,
    /// L2 weight decay λ ≥ 0 added to the gradient.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Adadelta {
    /// Parameters with their torch defaults.
    pub const PARAMS: &'static [ParamInfo] = &[
        ParamInfo {
            key: "lr",
            default: "1",
            help: "learning rate γ >= 0 (scales Δ)",
        },
        ParamInfo {
            key: "rho",
            default: "0.9",
            help: "decay ρ in [0, 1] of the running averages",
        },
        ParamInfo {
            key: "eps",
            default: "1e-6",
            help: "ε > 0 inside both roots",
        },
        ParamInfo {
            key: "weight_decay",
            default: "0",
            help: "L2 penalty λ >= 0 added to the gradient",
        },
        ParamInfo {
            key: "maximize",
            default: "false",
            help: "maximize instead of minimize",
        },
    ];
    /// Catalog entry.
    pub const INFO: ComponentInfo = ComponentInfo {
        name: "adadelta",
        summary: "Adadelta (torch.optim.Adadelta)",
        params: Self::PARAMS,
    };

    /// Builds from `adadelta:lr=…,rho=…,eps=…,weight_decay=…,maximize=…`.
    pub fn from_spec(s: &Spec) -> Result<Self> {
        let w = "adadelta";
        let o = Adadelta {
            lr: check::non_negative(w, "lr", s.f64("lr", 1.0)?)?,
            rho: check::in_closed(w, "rho", s.f64("rho", 0.9)?, 0.0, 1.0)?,
            eps: check::positive(w, "eps", s.f64("eps", 1e-6)?)?,
            weight_decay: check::non_negative(w, "weight_decay", s.f64("weight_decay", 0.0)?)?,
            maximize: s.bool("maximize", false)?,
        };
        s.finish(Self::PARAMS)?;
        Ok(o)
    }
}

impl<F: Real> Optimizer<F> for Adadelta {
    fn name(&self) -> &'static str {
        "adadelta"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `v` = square average of g, `u` = square average of Δ.
    fn slot_names(&self) -> &'static [&'static str] {
        &["v", "u"]
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 2, 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        state.step += 1;
        let gr = Grad::<F>::new(self.maximize, self.weight_decay);
        let rho = F::of(self.rho);
        let one_minus_rho = F::of(1.0 - self.rho);
        let eps = F::of(self.eps);
        let neg_lr = F::of(-self.lr);
        let [v, u] = state.slots.as_mut_slice() else {
            panic!(
                "adadelta: state has {} buffers, expected 2",
                state.slots.len()
            );
        };
        zip2(x, g, v, u, |x, g, v, u| {
            for (((x, &g), v), u) in x.iter_mut().zip(g).zip(v.iter_mut()).zip(u.iter_mut()) {
                let gt = gr.at(g, *x);
                *v = *v * rho + one_minus_rho * gt * gt;
                let std = (*v + eps).sqrt();
                let delta = (*u + eps).sqrt() / std * gt;
                *u = *u * rho + one_minus_rho * delta * delta;
                *x = *x + neg_lr * delta;
            }
        });
    }
}
