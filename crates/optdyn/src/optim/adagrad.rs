//! AdaGrad (Duchi, Hazan, Singer 2011) exactly as `torch.optim.Adagrad` (torch 2.x,
//! `_single_tensor_adagrad`).
//!
//! With lr γ, lr_decay η, initial_accumulator_value τ, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize);   g_t ← g_t + λ θ_{t−1}  (if λ ≠ 0)
//! γ̃_t = γ / (1 + (t − 1) η)
//! S_t = S_{t−1} + g_t²,        S_0 = τ
//! θ_t = θ_{t−1} − γ̃_t g_t / (√S_t + ε)
//! ```
//!
//! Defaults: lr 1e-2, η = 0, τ = 0, ε = 1e-10, λ = 0. (Older torch docs print S_0 = 0; the code
//! fills τ.) Source: PyTorch `torch/optim/adagrad.py`; research notes §5.2.

use super::{zip1, Grad, Optimizer, Real, State};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::Result;

/// `torch.optim.Adagrad`.
#[derive(Debug, Clone, PartialEq)]
pub struct Adagrad {
    /// Learning rate γ ≥ 0.
    pub lr: f64,
    /// Learning-rate decay η ≥ 0: step t uses γ/(1 + (t − 1)η).
    pub lr_decay: f64,
    /// Initial value τ ≥ 0 of the accumulator S.
    pub initial_accumulator_value: f64,
    /// ε > 0 added to √S.
    pub eps: f64,
    /// L2 weight decay λ ≥ 0 added to the gradient.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Adagrad {
    /// Parameters with their torch defaults.
    pub const PARAMS: &'static [ParamInfo] = &[
        ParamInfo {
            key: "lr",
            default: "0.01",
            help: "learning rate γ >= 0",
        },
        ParamInfo {
            key: "lr_decay",
            default: "0",
            help: "η >= 0: step t uses γ/(1+(t−1)η)",
        },
        ParamInfo {
            key: "initial_accumulator_value",
            default: "0",
            help: "S_0 >= 0",
        },
        ParamInfo {
            key: "eps",
            default: "1e-10",
            help: "ε > 0 added to √S",
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
        name: "adagrad",
        summary: "AdaGrad with lr decay and initial accumulator (torch.optim.Adagrad)",
        params: Self::PARAMS,
    };

    /// Builds from `adagrad:lr=…,lr_decay=…,initial_accumulator_value=…,eps=…,…`.
    pub fn from_spec(s: &Spec) -> Result<Self> {
        let w = "adagrad";
        let o = Adagrad {
            lr: check::non_negative(w, "lr", s.f64("lr", 1e-2)?)?,
            lr_decay: check::non_negative(w, "lr_decay", s.f64("lr_decay", 0.0)?)?,
            initial_accumulator_value: check::non_negative(
                w,
                "initial_accumulator_value",
                s.f64("initial_accumulator_value", 0.0)?,
            )?,
            eps: check::positive(w, "eps", s.f64("eps", 1e-10)?)?,
            weight_decay: check::non_negative(w, "weight_decay", s.f64("weight_decay", 0.0)?)?,
            maximize: s.bool("maximize", false)?,
        };
        s.finish(Self::PARAMS)?;
        Ok(o)
    }
}

impl<F: Real> Optimizer<F> for Adagrad {
    fn name(&self) -> &'static str {
        "adagrad"
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `sum` is the accumulator S.
    fn slot_names(&self) -> &'static [&'static str] {
        &["sum"]
    }

    fn init(&self, n: usize) -> State<F> {
        State {
            step: 0,
            slots: vec![vec![F::of(self.initial_accumulator_value); n]],
            scalars: Vec::new(),
        }
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        state.step += 1;
        let t = state.step as f64;
        let gr = Grad::<F>::new(self.maximize, self.weight_decay);
        let neg_clr = F::of(-(self.lr / (1.0 + (t - 1.0) * self.lr_decay)));
        let eps = F::of(self.eps);
        zip1(x, g, &mut state.slots[0], |x, g, s| {
            for ((x, &g), s) in x.iter_mut().zip(g).zip(s.iter_mut()) {
                let gt = gr.at(g, *x);
                *s = *s + gt * gt;
                *x = *x + neg_clr * gt / (s.sqrt() + eps);
            }
        });
    }
}
