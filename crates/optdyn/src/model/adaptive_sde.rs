//! The SDEs of RMSprop and Adam of S. Malladi, K. Lyu, A. Panigrahi, S. Arora, "On the SDEs and
//! Scaling Rules for Adaptive Gradient Algorithms" (NeurIPS 2022, arXiv 2205.10287) —
//! `rmsprop-sde` and `adam-sde`.
//!
//! **Source status.** The paper's definitions and theorems could not be read here (the stored
//! copy of arXiv 2205.10287v3 ends in §1), so their section and equation numbers are not given.
//! The forms below are those of research/stochastic_and_eos.md §1 (recalled, not verified in
//! the paper), re-derived by matching the mean and covariance of one optimizer step, and
//! identical in structure to the first-order "batch-equivalent" SDEs of the public code
//! `LucaCallisti/SME_for_Adam_and_RMSProp` (`Algorithms/Batch_eq_regime_{RMSProp,Adam}.py`);
//! see docs/research/malladi_sde.md. The tests check them against the discrete optimizers (weak error
//! ∝ lr², i.e. order 1 in the clock step) and against closed forms.
//!
//! **Paper form.** Step gradients `g = ∇f(θ) + σ z`, `Cov z = Σ_p(θ)`; the regime `σ = σ0/η`,
//! `ε = ε0/η`, `1 − β_i = c_i η²`, `η → 0`, clock `t = k·η²` (η = lr):
//!
//! * RMSprop: `dθ = −P⁻¹(∇f dt + σ0 Σ_p^{1/2} dW)`, `du = c2(diag Σ_p − u) dt`,
//!   `P = σ0 diag(u)^{1/2} + ε0 I`;
//! * Adam: `dθ = −(√γ2(t)/γ1(t)) P⁻¹ m dt`, `dm = c1(∇f − m) dt + σ0 c1 Σ_p^{1/2} dW`,
//!   `du = c2(diag Σ_p − u) dt`, `P = σ0 diag(u)^{1/2} + ε0 √γ2(t) I`,
//!   `γ_i(t) = 1 − e^{−c_i t}`,
//!
//! where `u = v/σ²` is the optimizer's second moment `v` normalised by σ² and `m` its first
//! moment. (The `(∇f)²` part of `E g²` is dropped from `du`: it is `O(η²)` relative to σ².)
//!
//! **Form implemented** — the same SDEs in the optimizer's own units, so that no split of the
//! noise into σ and `Σ_p` is needed: with `Σ = σ² Σ_p` the covariance of the step-gradient noise
//! ([`GradientCovariance`]) and `v = σ² u`, one has `P = η(√v + ε)` and `σ0 Σ_p^{1/2} = η Σ^{1/2}`,
//! hence, with `c_i = (1 − β_i)/η²` (RMSprop's `β2` is torch's `alpha`):
//!
//! * `rmsprop-sde`, `z = (θ, v)`:
//!   `dθ = −∇f/(η(√v + ε)) dt − Σ^{1/2} dW/(√v + ε)`, `dv = c2(diag Σ − v) dt`;
//! * `adam-sde`, `z = (θ, m, v)`:
//!   `dθ = −(√γ2/γ1)·m/(η(√v + ε√γ2)) dt`, `dm = c1(∇f − m) dt + η c1 Σ^{1/2} dW`,
//!   `dv = c2(diag Σ − v) dt`
//!
//! (all coordinatewise). The blocks `v` and `m` are the optimizer's buffers of the same names.
//!
//! **Start.** From the optimizer's state `v = 0` the RMSprop SDE's noise `Σ^{1/2}dW/(√v + ε)` is
//! of size `1/ε` (singular as `ε → 0`; explicit solvers blow up), while the discrete RMSprop
//! never divides by `ε` alone (its first step already has `v = (1 − α)g²`). So `rmsprop-sde`
//! starts at `t0 = 0` from `θ0` with `v = (1 − α)(∇f(θ0)² + diag Σ(θ0))`, the square average
//! the first step uses, in expectation (an `O(1 − α) = O(c2 η²)` shift of `v`, within the
//! model's weak error). For `adam-sde` the
//! factor `√γ2/γ1 ~ t^{−1/2}` is singular at `t = 0`; how the paper treats it could not be
//! checked. This model starts at `t0 = η²` (one step) with the buffers the discrete Adam holds
//! after its first step in expectation, `m = (1 − β1)∇f(θ0)` and
//! `v = (1 − β2)(∇f(θ0)² + diag Σ(θ0))`, and `θ = θ0` (the first step moves θ by `O(η²)` in
//! mean and `O(η)` in spread, so this is within the model's weak error). As for every SDE model,
//! step `k` pairs with `t0 + k·η²`.
//!
//! Options: `maximize` (the model of `−f`) and coupled (L2) `weight_decay` (the model of
//! `f + (λ/2)‖θ‖²`; the noise law is unchanged) are honoured. Refused as not modelled: RMSprop's
//! `momentum` and `centered`, Adam's `amsgrad`, and AdamW's decoupled weight decay (not in the
//! paper's SDE). `ε > 0` is required (`P` must be invertible at the start).

use super::rmsprop_ide::check_rmsprop;
use super::{clock_lr, optimizer_as, sgd_objective, AdamHyper, GradientCovariance, SdeModel};
use crate::block::{uniform, Block};
use crate::error::Allowed;
use crate::integrate::sde::SdeSystem;
use crate::objective::Objective;
use crate::optim::{Adam, Optimizer, RmsProp};
use crate::spec::{check, ComponentInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

/// `rmsprop-sde` in `optdyn list models`.
pub const RMSPROP_INFO: ComponentInfo = ComponentInfo {
    name: "rmsprop-sde",
    summary: "rmsprop: dθ = -(grad f dt + lr Sigma^(1/2) dW)/(lr(sqrt v + eps)), dv = c2(diag Sigma - v) dt, c2 = (1-alpha)/lr², t = k*lr² (Malladi-Lyu-Panigrahi-Arora 2022); Sigma from the objective's grad_noise / batch",
    params: &[],
};

/// `adam-sde` in `optdyn list models`.
pub const ADAM_INFO: ComponentInfo = ComponentInfo {
    name: "adam-sde",
    summary: "adam: dθ = -(sqrt(γ2)/γ1) m dt/(lr(sqrt v + eps sqrt(γ2))), dm = c1(grad f - m) dt + lr c1 Sigma^(1/2) dW, dv = c2(diag Sigma - v) dt, γi = 1 - exp(-ci t), ci = (1-βi)/lr², t = k*lr² from t0 = lr² (Malladi-Lyu-Panigrahi-Arora 2022)",
    params: &[],
};

/// The clock `lr²` of an adaptive SDE: `lr > 0` finite with `lr²` a normal float.
fn clock_sq(model: &str, optimizer: &str, lr: f64) -> Result<f64> {
    let lr = check::within(optimizer, "lr", clock_lr(optimizer, lr)?, Allowed::Finite)?;
    let clock = lr * lr;
    if !clock.is_normal() {
        return Err(Error::spec(format!(
            "{model}: lr must have lr² a normal positive float (the clock t = k·lr²), got lr = {lr}"
        )));
    }
    Ok(clock)
}

/// The noise must live in the objective's dimension.
fn check_noise(model: &str, noise: &GradientCovariance, obj: &dyn Objective) -> Result<()> {
    if noise.dim() != obj.dim() {
        return Err(Error::spec(format!(
            "{model}: the gradient noise has dimension {}, the objective {}",
            noise.dim(),
            obj.dim()
        )));
    }
    Ok(())
}

/// `ε > 0` and finite.
fn check_eps(optimizer: &str, eps: f64) -> Result<f64> {
    check::positive(optimizer, "eps", eps)?;
    check::within(optimizer, "eps", eps, Allowed::Finite)
}

/// The RMSprop SDE (see the module doc).
pub struct RmspropSde {
    obj: Arc<dyn Objective>,
    noise: GradientCovariance,
    n: usize,
    lr: f64,
    eps: f64,
    /// `(1 − α)/lr²`.
    c2: f64,
}

impl RmspropSde {
    /// The SDE of `rmsprop` (`momentum = 0`, `centered = false`, `ε > 0`) on `obj` with
    /// gradient-noise covariance `noise`.
    pub fn of(
        rmsprop: &RmsProp,
        noise: GradientCovariance,
        obj: Arc<dyn Objective>,
    ) -> Result<Self> {
        let model = RMSPROP_INFO.name;
        check_rmsprop(model, rmsprop)?;
        let clock = clock_sq(model, "rmsprop", rmsprop.lr)?;
        let alpha = check::in_closed("rmsprop", "alpha", rmsprop.alpha, 0.0, 1.0)?;
        let eps = check_eps("rmsprop", rmsprop.eps)?;
        check::within(
            "rmsprop",
            "weight_decay",
            rmsprop.weight_decay,
            Allowed::Finite,
        )?;
        check_noise(model, &noise, obj.as_ref())?;
        Ok(RmspropSde {
            n: obj.dim(),
            obj: sgd_objective(obj, rmsprop.maximize, rmsprop.weight_decay),
            noise,
            lr: rmsprop.lr,
            eps,
            c2: (1.0 - alpha) / clock,
        })
    }

    /// Builds `rmsprop-sde` (no keys) for an `rmsprop` optimizer, with the noise the objective
    /// states ([`GradientCovariance::of`]).
    pub fn from_spec(
        s: &Spec,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> Result<Box<dyn SdeModel>> {
        let rmsprop: &RmsProp = optimizer_as(&s.name, opt, &["rmsprop"])?;
        s.finish(&[])?;
        let noise = GradientCovariance::of(&obj)?;
        Ok(Box::new(Self::of(rmsprop, noise, obj)?))
    }
}

impl SdeSystem for RmspropSde {
    fn dim(&self) -> usize {
        2 * self.n
    }

    fn noise_dim(&self) -> usize {
        self.noise.noise_dim()
    }

    /// `(−∇f/(lr(√v + ε)), c2(diag Σ − v))`; the gradient and `diag Σ` are written straight
    /// into the halves of `out` they become.
    fn drift(&self, _t: f64, z: &[f64], out: &mut [f64]) {
        let (th, v) = z.split_at(self.n);
        let (dth, dv) = out.split_at_mut(self.n);
        self.obj.gradient(th, dth);
        self.noise.variance(th, dv);
        for i in 0..self.n {
            dth[i] = -dth[i] / (self.lr * (v[i].max(0.0).sqrt() + self.eps));
            dv[i] = self.c2 * (dv[i] - v[i]);
        }
    }

    /// `(−Σ^{1/2}dW/(√v + ε), 0)`.
    fn noise(&self, _t: f64, z: &[f64], dw: &[f64], out: &mut [f64]) {
        let (th, v) = z.split_at(self.n);
        let (oth, ov) = out.split_at_mut(self.n);
        self.noise.apply(th, dw, oth);
        for (o, vi) in oth.iter_mut().zip(v) {
            *o = -*o / (vi.max(0.0).sqrt() + self.eps);
        }
        ov.fill(0.0);
    }
}

impl SdeModel for RmspropSde {
    fn name(&self) -> String {
        RMSPROP_INFO.name.to_string()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn clock(&self) -> f64 {
        self.lr * self.lr
    }
    /// `(θ0, (1 − α)(∇f(θ0)² + diag Σ(θ0)))`: the square average after the first discrete
    /// step, in expectation (from `v = 0` the noise term `Σ^{1/2}dW/ε` is singular).
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; 2 * n];
        z[..n].iter_mut().zip(x0).for_each(|(zi, xi)| *zi = *xi);
        let (th, v) = z.split_at_mut(n);
        let mut g = vec![0.0; n];
        self.obj.gradient(th, &mut g);
        self.noise.variance(th, v);
        let keep = self.c2 * self.lr * self.lr;
        for i in 0..n {
            v[i] = keep * (g[i] * g[i] + v[i]);
        }
        z
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["v"], self.n)
    }
}

/// The Adam SDE (see the module doc).
pub struct AdamSde {
    obj: Arc<dyn Objective>,
    noise: GradientCovariance,
    n: usize,
    lr: f64,
    eps: f64,
    beta1: f64,
    beta2: f64,
    /// `(1 − β1)/lr²`.
    c1: f64,
    /// `(1 − β2)/lr²`.
    c2: f64,
}

impl AdamSde {
    /// The SDE of `adam` (no AMSGrad, no decoupled weight decay, `ε > 0`) on `obj` with
    /// gradient-noise covariance `noise`.
    pub fn of(adam: &Adam, noise: GradientCovariance, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = ADAM_INFO.name;
        let name = Optimizer::<f64>::name(adam);
        let h = AdamHyper::of(model, adam)?;
        if h.decoupled && h.weight_decay != 0.0 {
            return Err(Error::not_modelled(
                model,
                "weight_decay",
                h.weight_decay,
                "weight_decay=0 for adamw (decoupled decay is not in the SDE; adam's L2 decay is)",
            ));
        }
        let clock = clock_sq(model, name, h.lr)?;
        let eps = check_eps(name, h.eps)?;
        check::within(name, "weight_decay", h.weight_decay, Allowed::Finite)?;
        check_noise(model, &noise, obj.as_ref())?;
        let l2 = if h.decoupled { 0.0 } else { h.weight_decay };
        Ok(AdamSde {
            n: obj.dim(),
            obj: sgd_objective(obj, adam.maximize, l2),
            noise,
            lr: h.lr,
            eps,
            beta1: h.beta1,
            beta2: h.beta2,
            c1: (1.0 - h.beta1) / clock,
            c2: (1.0 - h.beta2) / clock,
        })
    }

    /// Builds `adam-sde` (no keys) for an `adam` or `adamw` optimizer, with the noise the
    /// objective states ([`GradientCovariance::of`]).
    pub fn from_spec(
        s: &Spec,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> Result<Box<dyn SdeModel>> {
        let adam: &Adam = optimizer_as(&s.name, opt, &["adam", "adamw"])?;
        s.finish(&[])?;
        let noise = GradientCovariance::of(&obj)?;
        Ok(Box::new(Self::of(adam, noise, obj)?))
    }
}

impl SdeSystem for AdamSde {
    fn dim(&self) -> usize {
        3 * self.n
    }

    fn noise_dim(&self) -> usize {
        self.noise.noise_dim()
    }

    /// `(−(√γ2/γ1)·m/(lr(√v + ε√γ2)), c1(∇f − m), c2(diag Σ − v))` for `t > 0` (the model
    /// starts at `t0 = lr²`).
    fn drift(&self, t: f64, z: &[f64], out: &mut [f64]) {
        let n = self.n;
        let g1 = -(-self.c1 * t).exp_m1();
        let sg2 = (-(-self.c2 * t).exp_m1()).sqrt();
        let (a, e) = (sg2 / g1, self.eps * sg2);
        let (th, mv) = z.split_at(n);
        let (m, v) = mv.split_at(n);
        let (dth, dmv) = out.split_at_mut(n);
        let (dm, dv) = dmv.split_at_mut(n);
        self.obj.gradient(th, dm);
        self.noise.variance(th, dv);
        for i in 0..n {
            dth[i] = -a * m[i] / (self.lr * (v[i].max(0.0).sqrt() + e));
            dm[i] = self.c1 * (dm[i] - m[i]);
            dv[i] = self.c2 * (dv[i] - v[i]);
        }
    }

    /// `(0, lr·c1·Σ^{1/2}dW, 0)`.
    fn noise(&self, _t: f64, z: &[f64], dw: &[f64], out: &mut [f64]) {
        let n = self.n;
        let (oth, omv) = out.split_at_mut(n);
        let (om, ov) = omv.split_at_mut(n);
        oth.fill(0.0);
        self.noise.apply(&z[..n], dw, om);
        let s = self.lr * self.c1;
        om.iter_mut().for_each(|o| *o *= s);
        ov.fill(0.0);
    }

    /// The noise enters `m` only, through `Σ^{1/2}`: additive when `Σ` is constant.
    fn additive_noise(&self) -> bool {
        self.noise.constant().is_some()
    }
}

impl SdeModel for AdamSde {
    fn name(&self) -> String {
        ADAM_INFO.name.to_string()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn clock(&self) -> f64 {
        self.lr * self.lr
    }
    /// One step: the bias factors are singular at 0.
    fn t0(&self) -> f64 {
        self.lr * self.lr
    }
    /// `(θ0, (1 − β1)∇f(θ0), (1 − β2)(∇f(θ0)² + diag Σ(θ0)))`: the buffers after the first
    /// discrete step, in expectation.
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; 3 * n];
        z[..n].iter_mut().zip(x0).for_each(|(zi, xi)| *zi = *xi);
        let (th, mv) = z.split_at_mut(n);
        let (m, v) = mv.split_at_mut(n);
        self.obj.gradient(th, m);
        self.noise.variance(th, v);
        for i in 0..n {
            v[i] = (1.0 - self.beta2) * (m[i] * m[i] + v[i]);
            m[i] *= 1.0 - self.beta1;
        }
        z
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["m", "v"], self.n)
    }
}
