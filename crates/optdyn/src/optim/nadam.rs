//! NAdam (Dozat 2016) exactly as `torch.optim.NAdam` (torch 2.x, `_single_tensor_nadam`).
//!
//! With lr γ, β₁, β₂, ε, weight decay λ, momentum decay ψ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize)
//! λ ≠ 0:  decoupled: θ ← θ_{t−1}(1 − γλ);   else g_t ← g_t + λ θ_{t−1}
//! μ_t = β₁ (1 − ½ · 0.96^{tψ}),   μ_{t+1} = β₁ (1 − ½ · 0.96^{(t+1)ψ})
//! Π_t = ∏_{i≤t} μ_i  (state),     Π_{t+1} = Π_t μ_{t+1}
//! m_t = β₁ m_{t−1} + (1 − β₁) g_t  (torch lerp);   v_t = β₂ v_{t−1} + (1 − β₂) g_t²
//! d_t = √(v_t / (1 − β₂^t)) + ε
//! θ_t = θ − γ(1 − μ_t)/(1 − Π_t) · g_t/d_t − γ μ_{t+1}/(1 − Π_{t+1}) · m_t/d_t
//! ```
//!
//! Defaults: lr 2e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0, ψ = 4e-3, not decoupled.
//! Source: PyTorch `torch/optim/nadam.py`; research notes §5.8.

use super::{lerp, zip2, Grad, Optimizer, Real, State};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::Result;

/// `torch.optim.NAdam`.
#[derive(Debug, Clone, PartialEq)]
pub struct NAdam {
    /// Learning rate γ ≥ 0.
    pub lr: f64,
    /// First-moment decay β₁ ∈ [0, 1).
    pub beta1: f64,
    /// Second-moment decay β₂ ∈ [0, 1).
    pub beta2: f64,
    /// ε > 0 added to √v̂.
    pub eps: f64,
    /// Weight decay λ ≥ 0 (L2, or decoupled when `decoupled_weight_decay`).
    pub weight_decay: f64,
    /// Momentum decay ψ ≥ 0 of the μ_t schedule.
    pub momentum_decay: f64,
    /// Decay θ by (1 − γλ) before the step (NAdamW) instead of adding λθ to g.
    pub decoupled_weight_decay: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl NAdam {
    /// Parameters with their torch defaults.
    pub const PARAMS: &'static [ParamInfo] = &[
        ParamInfo {
            key: "lr",
            default: "0.002",
            help: "learning rate γ >= 0",
        },
        ParamInfo {
            key: "beta1",
            default: "0.9",
            help: "first-moment decay β₁ in [0, 1)",
        },
        ParamInfo {
            key: "beta2",
            default: "0.999",
            help: "second-moment decay β₂ in [0, 1)",
        },
        ParamInfo {
            key: "eps",
            default: "1e-8",
            help: "ε > 0 added to √v̂",
        },
        ParamInfo {
            key: "weight_decay",
            default: "0",
            help: "weight decay λ >= 0",
        },
        ParamInfo {
            key: "momentum_decay",
            default: "0.004",
            help: "ψ >= 0: μ_t = β₁(1 − ½·0.96^{tψ})",
        },
        ParamInfo {
            key: "decoupled_weight_decay",
            default: "false",
            help: "θ ← θ(1 − γλ) instead of L2",
        },
        ParamInfo {
            key: "maximize",
            default: "false",
            help: "maximize instead of minimize",
        },
    ];
    /// Catalog entry.
    pub const INFO: ComponentInfo = ComponentInfo {
        name: "nadam",
        summary: "NAdam, Adam with Nesterov momentum and the μ_t schedule (torch.optim.NAdam)",
        params: Self::PARAMS,
    };

    /// Builds from `nadam:lr=…,beta1=…,beta2=…,eps=…,weight_decay=…,momentum_decay=…,…`.
    pub fn from_spec(s: &Spec) -> Result<Self> {
        let w = "nadam";
        let o = NAdam {
            lr: check::non_negative(w, "lr", s.f64("lr", 2e-3)?)?,
            beta1: check::in_closed_open(w, "beta1", s.f64("beta1", 0.9)?, 0.0, 1.0)?,
            beta2: check::in_closed_open(w, "beta2", s.f64("beta2", 0.999)?, 0.0, 1.0)?,
            eps: check::positive(w, "eps", s.f64("eps", 1e-8)?)?,
            weight_decay: check::non_negative(w, "weight_decay", s.f64("weight_decay", 0.0)?)?,
            momentum_decay: check::non_negative(
                w,
                "momentum_decay",
                s.f64("momentum_decay", 4e-3)?,
            )?,
            decoupled_weight_decay: s.bool("decoupled_weight_decay", false)?,
            maximize: s.bool("maximize", false)?,
        };
        s.finish(Self::PARAMS)?;
        Ok(o)
    }

    /// The momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}).
    pub fn mu(&self, t: f64) -> f64 {
        self.beta1 * (1.0 - 0.5 * 0.96f64.powf(t * self.momentum_decay))
    }
}

impl<F: Real> Optimizer<F> for NAdam {
    fn name(&self) -> &'static str {
        "nadam"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `m`, `v`; the scalar state holds Π_t = ∏ μ_i (1 before the first step).
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "v"]
    }

    fn init(&self, n: usize) -> State<F> {
        let mut s = State::zeros(n, 2, 1);
        s.scalars[0] = 1.0;
        s
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        state.step += 1;
        let t = state.step as f64;
        let bc2 = F::of(1.0 - self.beta2.powf(t));
        let mu = self.mu(t);
        let mu_next = self.mu(t + 1.0);
        state.scalars[0] *= mu;
        let prod = state.scalars[0];
        let prod_next = prod * mu_next;
        let decay = self.decoupled_weight_decay && self.weight_decay != 0.0;
        let l2 = if self.decoupled_weight_decay {
            0.0
        } else {
            self.weight_decay
        };
        let gr = Grad::<F>::new(self.maximize, l2);
        let shrink = F::of(1.0 - self.lr * self.weight_decay);
        let w1 = F::of(1.0 - self.beta1);
        let b1 = F::of(self.beta1);
        let small = (1.0 - self.beta1).abs() < 0.5;
        let b2 = F::of(self.beta2);
        let omb2 = F::of(1.0 - self.beta2);
        let eps = F::of(self.eps);
        let cg = F::of(-self.lr * (1.0 - mu) / (1.0 - prod));
        let cm = F::of((-self.lr * mu_next) / (1.0 - prod_next));
        let [m, v] = state.slots.as_mut_slice() else {
            panic!("nadam: state has {} buffers, expected 2", state.slots.len());
        };
        zip2(x, g, m, v, |x, g, m, v| {
            for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let xd = if decay { *x * shrink } else { *x };
                let gt = gr.at(g, xd);
                *m = lerp(*m, gt, w1, b1, small);
                *v = *v * b2 + omb2 * gt * gt;
                let d = (*v / bc2).sqrt() + eps;
                let x1 = xd + cg * gt / d;
                *x = x1 + cm * *m / d;
            }
        });
    }
}
