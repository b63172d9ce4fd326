//! Heredia's nonlocal (integro-differential) models of Adam, solved exactly through their
//! auxiliary-state form (the papers' reference solver is a relaxed Picard iteration with
//! quadrature over the whole history; the equations are the same).
//!
//! ## `adam-ide1` — first order (C. Heredia, arXiv:2411.09734, 2024; heredia.md §2, §2.1)
//!
//! `θ'(t) = −a(t)·m/(√v + ε(t))`, `m = ∫_{t0}^t K1(t−τ) g dτ`, `v = ∫_{t0}^t K2(t−τ) g² dτ`,
//! `g = ∇f(θ)`, unit-mass kernels `K_i(s) = λ_i e^{−λ_i s}`, bias factors
//! `a(t) = √(1−β2^{t/α})/(1−β1^{t/α})`, `ε(t) = ε√(1−β2^{t/α})`. Regime: fixed β's, clock
//! `t = k·α` (α = lr). Auxiliary states (the kernels' state-space form,
//! [`StateSpace::exponential`]): `m' = λ1(g − m)`, `v' = λ2(g² − v)`, `m(t0) = v(t0) = 0`.
//! We evaluate `a m/(√v + ε(t)) = m̂/(√v̂ + ε)` with `m̂ = m/(1−β1^{t/α})`, `v̂ = v/(1−β2^{t/α})`,
//! and at `t = 0` its limit along solutions, `m̂ → (λ1/ℓ1) g`, `v̂ → (λ2/ℓ2) g²`
//! (`ℓ_i = −ln β_i/α`; the ratio is 0 for β_i = 0).
//! Parameters: `t0=0` (default) or `t0=lr` (the 2025 notebooks' start, which lags by one bias
//! step); `rate=taylor` (default, `λ_i = (1−β_i)/α`, Heredia's) or `rate=exact`
//! (`λ_i = −ln β_i/α`: the continuous EMA of a piecewise-constant g equals the discrete EMA).
//! Integration note: `∂θ'/∂m ~ 1/(1−β1^{t/α}) ~ α/(t ln(1/β1))` is unbounded as `t → 0`, so a
//! fixed-step Runge–Kutta scheme loses order in its first step (measured with RK4 on rosen1d
//! c = 4, lr = 1e-3: global error ∝ dt^2.9 for `t0=0`, ∝ dt^1.5 for `t0=lr`, all of it made in the
//! first steps); an adaptive integrator resolves the start-up layer.
//!
//! ## `adam-ide2` — second order / inertial (C. Heredia, arXiv:2602.09101, 2026; heredia.md §3.1)
//!
//! `(α/2)θ'' + θ' = −a(t)·m/(√v + ε(t))` with the forcing at `t` (causal; the author's code
//! evaluates it at `t + α`, which cannot be marched causally), moments with the second-order
//! kernels `((1−β)/α)K_β` (sinh for β > 1/2, `s e^{−s/α}` for β = 1/2, sin for β < 1/2;
//! [`StateSpace::second_order`]) as 2-state linear ODEs per moment with zero initial data:
//! `m' = p`, `p' = (2/α²)[(1−β1)(g − m) − αp]`, likewise `(v, q)` with β2 and g².
//! `θ(t0) = θ0`, `θ'(t0) = u0` (parameter `u0`, default 0). At `t = 0` the forcing is 0 (its
//! limit: `m, v = O(t²)`). For β2 < 1/2 the kernel changes sign and `v` may become negative;
//! `√max(v, 0)` is used (as the author's code). State `[θ, vel, m, mdot, v, vdot]` (blocks of n).
//!
//! Weight decay: `adam`'s L2 (`g ← g + λθ`) enters g; `adamw`'s decoupled decay adds `−λθ` to
//! the direction.

use super::lane::{Lane, LaneField};
use super::nonlocal::{read_kernels, KernelModel, KERNEL_KEY, KERNEL_M_KEY, KERNEL_V_KEY};
use super::{canonical, optimizer_as, oriented, AdamHyper, BiasFactor, Model, Rate};
use crate::block::{uniform, Block};
use crate::integrate::OdeSystem;
use crate::kernel::StateSpace;
use crate::objective::Objective;
use crate::optim::{Adam, Optimizer};
use crate::spec::fmt_f64;
use crate::spec::{ComponentInfo, ParamInfo, Spec};
use crate::Result;
use std::sync::Arc;

const PARAMS1: [ParamInfo; 5] = [
    ParamInfo {
        key: "t0",
        default: "0",
        help: "start time: 0 or lr (the 2025 notebooks' start; m = v = 0 there)",
    },
    ParamInfo {
        key: "rate",
        default: "taylor",
        help: "kernel rate: taylor (λ = (1−β)/lr) or exact (λ = −ln β / lr, needs β > 0)",
    },
    KERNEL_KEY,
    KERNEL_M_KEY,
    KERNEL_V_KEY,
];

const PARAMS2: [ParamInfo; 5] = [
    ParamInfo {
        key: "u0",
        default: "0",
        help: "initial velocity θ'(t0), any real",
    },
    ParamInfo {
        key: "t0",
        default: "0",
        help: "start time: 0 or lr",
    },
    KERNEL_KEY,
    KERNEL_M_KEY,
    KERNEL_V_KEY,
];

/// Catalog entry of `adam-ide1`.
pub const INFO1: ComponentInfo = ComponentInfo {
    name: "adam-ide1",
    summary: "adam/adamw: Heredia 2024 first-order nonlocal IDE θ' = −a(t)m/(√v+ε(t)), exponential kernels (exact aux-state form)",
    params: &PARAMS1,
};

/// Catalog entry of `adam-ide2`.
pub const INFO2: ComponentInfo = ComponentInfo {
    name: "adam-ide2",
    summary: "adam/adamw: Heredia 2025 inertial nonlocal IDE (lr/2)θ'' + θ' = −a(t)m/(√v+ε(t)), second-order kernels",
    params: &PARAMS2,
};

/// Where the Adam IDEs start on the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// `t0 = 0` (default).
    #[default]
    Zero,
    /// `t0 = lr`, the 2025 notebooks' start (`m = v = 0` there; step `k` pairs with
    /// `t0 + k·lr`).
    Lr,
}

impl Start {
    fn read(s: &Spec) -> Result<Self> {
        Ok(match s.choice("t0", "0", &["0", "lr"])?.as_str() {
            "lr" => Start::Lr,
            _ => Start::Zero,
        })
    }

    pub(crate) fn time(self, lr: f64) -> f64 {
        match self {
            Start::Zero => 0.0,
            Start::Lr => lr,
        }
    }
}

/// The Adam hyperparameters of an `adam`/`adamw` optimizer for `model`, and the objective it
/// integrates (`−f` when maximizing).
pub(crate) fn adam_of(
    model: &str,
    adam: &Adam,
    obj: Arc<dyn Objective>,
) -> Result<(AdamHyper, Arc<dyn Objective>)> {
    Ok((AdamHyper::of(model, adam)?, oriented(obj, adam.maximize)))
}

/// The first-order Adam IDE.
pub struct AdamIde1 {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    t0: f64,
    moments: ExpMoments,
}

fn limit_ratio(lambda: f64, beta: f64, lr: f64) -> f64 {
    if beta == 0.0 {
        0.0
    } else {
        lambda / (-beta.ln() / lr)
    }
}

/// The exponential-kernel moments shared by the first-order Adam models and the bias-corrected
/// update they drive: per coordinate `m' = w1 g − ℓ1 m`, `v' = w2 g² − ℓ2 v` (g with L2 decay
/// for adam; the state-space form `ẋ = a x + w u`, `a = −ℓ`, of [`StateSpace::exponential`]) and
/// `u = m̂/(√v̂ + ε(t)) (+ λθ for adamw)`, `m̂ = m/(1 − β1^{t/lr})`,
/// `v̂ = v/(1 − β2^{t/lr})`. At `t = 0` (m = v = 0) `m̂, v̂` take their limits `c1 g`, `c2 g²`,
/// `c_i = w_i/(−ln β_i/lr)`. `adam-ide1` is `θ' = −u`; `gould-tanaka` is `(lr/2)θ̈ + θ̇ = −u`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ExpMoments {
    /// The optimizer's hyperparameters.
    pub(crate) h: AdamHyper,
    /// `(w1, a1 = −ℓ1)`.
    k1: (f64, f64),
    /// `(w2, a2 = −ℓ2)`.
    k2: (f64, f64),
    bias: (BiasFactor, BiasFactor),
    c1: f64,
    c2: f64,
}

impl ExpMoments {
    /// Moments with kernel weights `w_i` and decay rates `ℓ_i` (`λ e^{−ℓ s}` kernels).
    pub(crate) fn new(h: AdamHyper, (w1, l1): (f64, f64), (w2, l2): (f64, f64)) -> Self {
        ExpMoments {
            k1: (w1, -l1),
            k2: (w2, -l2),
            c1: limit_ratio(w1, h.beta1, h.lr),
            c2: limit_ratio(w2, h.beta2, h.lr),
            bias: (
                BiasFactor::new(h.beta1, h.lr),
                BiasFactor::new(h.beta2, h.lr),
            ),
            h,
        }
    }

    /// The bias factors `(1 − β1^{t/lr}, 1 − β2^{t/lr})`, or `None` at the start `t ≤ 0`.
    #[inline]
    pub(crate) fn factors(&self, t: f64) -> Option<(f64, f64)> {
        self.factors_after(t, None)
    }

    /// [`Self::factors`], reusing the factors `prev.1` of moments `prev.0` at the same `t` for
    /// each β they share (the same operations on the same numbers, so the same bits).
    #[inline(always)]
    pub(crate) fn factors_after(
        &self,
        t: f64,
        prev: Option<(&Self, Option<(f64, f64)>)>,
    ) -> Option<(f64, f64)> {
        if t <= 0.0 {
            return None;
        }
        let (p1, p2) = match prev {
            Some((p, Some(f))) => (
                (p.bias.0 == self.bias.0).then_some(f.0),
                (p.bias.1 == self.bias.1).then_some(f.1),
            ),
            _ => (None, None),
        };
        Some((
            p1.unwrap_or_else(|| self.bias.0.at(t)),
            p2.unwrap_or_else(|| self.bias.1.at(t)),
        ))
    }

    /// For one coordinate with parameter `theta`, raw gradient `grad` and moments `m`, `v`:
    /// `(u, m', v')`.
    #[inline(always)]
    pub(crate) fn update(
        &self,
        factors: Option<(f64, f64)>,
        theta: f64,
        grad: f64,
        m: f64,
        v: f64,
    ) -> (f64, f64, f64) {
        let h = &self.h;
        let g = if h.decoupled {
            grad
        } else {
            grad + h.weight_decay * theta
        };
        let dm = self.k1.0 * g + self.k1.1 * m;
        let dv = self.k2.0 * (g * g) + self.k2.1 * v;
        let (mh, vh) = match factors {
            Some((b1, b2)) => (m / b1, v / b2),
            None => (self.c1 * g, self.c2 * g * g),
        };
        let u = mh / (vh.max(0.0).sqrt() + h.eps);
        let u = if h.decoupled {
            u + h.weight_decay * theta
        } else {
            u
        };
        (u, dm, dv)
    }
}

impl AdamIde1 {
    /// The first-order Adam IDE of `adam` (or AdamW), starting at `t0 = 0` with Heredia's
    /// Taylor kernel rate.
    pub fn of(adam: &Adam, obj: Arc<dyn Objective>) -> Result<Self> {
        Self::with(adam, Start::Zero, Rate::Taylor, obj)
    }

    /// The first-order Adam IDE with start `start` and kernel rate `rate`.
    pub fn with(adam: &Adam, start: Start, rate: Rate, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "adam-ide1";
        let (h, obj) = adam_of(model, adam, obj)?;
        let l1 = rate.lambda(model, "beta1", h.beta1, h.lr)?;
        let l2 = rate.lambda(model, "beta2", h.beta2, h.lr)?;
        let mut options = Vec::new();
        if start == Start::Lr {
            options.push(("t0", "lr".to_string()));
        }
        if rate != Rate::Taylor {
            options.push(("rate", rate.text().to_string()));
        }
        Ok(AdamIde1 {
            name: canonical(model, &options),
            n: obj.dim(),
            obj,
            t0: start.time(h.lr),
            moments: ExpMoments::new(h, (l1, l1), (l2, l2)),
        })
    }

    /// Builds `adam-ide1[:t0=0|lr,rate=taylor|exact,kernel_m=…,kernel_v=…]` for an
    /// `adam`/`adamw` optimizer: this model with the paper's kernels, or a [`KernelModel`].
    pub fn from_spec(
        s: &Spec,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> Result<Box<dyn Model>> {
        let adam: &Adam = optimizer_as(&s.name, opt, &["adam", "adamw"])?;
        let start = Start::read(s)?;
        let rate = Rate::read(s)?;
        let kernels = read_kernels(s)?;
        s.finish(&PARAMS1)?;
        if kernels.0.is_paper() && kernels.1.is_paper() {
            let mut m = Self::with(adam, start, rate, obj)?;
            m.name = s.to_string();
            return Ok(Box::new(m));
        }
        Ok(Box::new(
            KernelModel::adam1(adam, start, rate, kernels, obj)?.named(s.to_string()),
        ))
    }
}

impl OdeSystem for AdamIde1 {
    fn dim(&self) -> usize {
        3 * self.n
    }

    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (th, rest) = z.split_at(n);
        let (m, v) = rest.split_at(n);
        let (dth, drest) = dz.split_at_mut(n);
        let (dm, dv) = drest.split_at_mut(n);
        // The gradient is written into dm, read back per coordinate, then overwritten by m'.
        self.obj.gradient(th, dm);
        let factors = self.moments.factors(t);
        for i in 0..n {
            [dth[i], dm[i], dv[i]] =
                Adam1Lane(self.moments).rhs(factors, dm[i], [th[i], m[i], v[i]]);
        }
    }
}

/// One coordinate of `adam-ide1`, state `[θ, m, v]`: `θ' = −u`, `m'`, `v'` of [`ExpMoments`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adam1Lane(pub(crate) ExpMoments);

impl LaneField<3> for Adam1Lane {
    type Clock = Option<(f64, f64)>;

    #[inline(always)]
    fn clock(&self, t: f64, prev: Option<(&Self, Self::Clock)>) -> Self::Clock {
        self.0.factors_after(t, prev.map(|(p, c)| (&p.0, c)))
    }

    #[inline(always)]
    fn rhs(&self, factors: Self::Clock, g: f64, [th, m, v]: [f64; 3]) -> [f64; 3] {
        let (u, dm, dv) = self.0.update(factors, th, g, m, v);
        [-u, dm, dv]
    }
}

impl Model for AdamIde1 {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn t0(&self) -> f64 {
        self.t0
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let mut z = x0.to_vec();
        z.resize(3 * self.n, 0.0);
        z
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["m", "v"], self.n)
    }
    fn lane(&self) -> Option<Lane> {
        Some(Lane::AdamIde1(Adam1Lane(self.moments)))
    }
}

/// The second-order (inertial) Adam IDE.
pub struct AdamIde2 {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    t0: f64,
    u0: f64,
    lane: Adam2Lane,
}

/// One coordinate of `adam-ide2`, state `[θ, vel, m, mdot, v, vdot]`:
/// `θ' = vel`, `vel' = −(2/lr)(vel + d)`, `d = m̂/(√max(v̂, 0) + ε) (+ λθ for adamw)` (0 at the
/// start `t ≤ 0`), and the moments' second-order kernels ([`StateSpace::second_order`]) driven
/// by `g` and `g²` (g with L2 decay for adam).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adam2Lane {
    h: AdamHyper,
    k1: StateSpace,
    k2: StateSpace,
    bias: (BiasFactor, BiasFactor),
}

impl LaneField<6> for Adam2Lane {
    /// `(t ≤ 0, 1 − β1^{t/lr}, 1 − β2^{t/lr})`.
    type Clock = (bool, f64, f64);

    #[inline(always)]
    fn clock(&self, t: f64, prev: Option<(&Self, Self::Clock)>) -> Self::Clock {
        let (b1, b2) = match prev {
            Some((p, (_, b1, b2))) => (
                (p.bias.0 == self.bias.0).then_some(b1),
                (p.bias.1 == self.bias.1).then_some(b2),
            ),
            None => (None, None),
        };
        (
            t <= 0.0,
            b1.unwrap_or_else(|| self.bias.0.at(t)),
            b2.unwrap_or_else(|| self.bias.1.at(t)),
        )
    }

    #[inline(always)]
    fn rhs(
        &self,
        (start, b1, b2): Self::Clock,
        grad: f64,
        [th, vel, m, p, v, q]: [f64; 6],
    ) -> [f64; 6] {
        let h = &self.h;
        let mut g = grad;
        if !h.decoupled {
            g += h.weight_decay * th;
        }
        let (mut dm, mut dv) = ([0.0; 2], [0.0; 2]);
        self.k1.rhs(&[m, p], g, &mut dm);
        self.k2.rhs(&[v, q], g * g, &mut dv);
        let mut d = if start {
            0.0
        } else {
            (m / b1) / ((v / b2).max(0.0).sqrt() + h.eps)
        };
        if h.decoupled {
            d += h.weight_decay * th;
        }
        [vel, -(2.0 / h.lr) * (vel + d), dm[0], dm[1], dv[0], dv[1]]
    }
}

impl AdamIde2 {
    /// The inertial Adam IDE of `adam` (or AdamW) from rest (`u0 = 0`) at `t0 = 0`.
    pub fn of(adam: &Adam, obj: Arc<dyn Objective>) -> Result<Self> {
        Self::with(adam, 0.0, Start::Zero, obj)
    }

    /// The inertial Adam IDE with initial velocity `u0` and start `start`.
    pub fn with(adam: &Adam, u0: f64, start: Start, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "adam-ide2";
        let (h, obj) = adam_of(model, adam, obj)?;
        let u0 = crate::spec::check::within(model, "u0", u0, crate::error::Allowed::Finite)?;
        let mut options = Vec::new();
        if u0 != 0.0 {
            options.push(("u0", fmt_f64(u0)));
        }
        if start == Start::Lr {
            options.push(("t0", "lr".to_string()));
        }
        Ok(AdamIde2 {
            name: canonical(model, &options),
            n: obj.dim(),
            obj,
            t0: start.time(h.lr),
            u0,
            lane: Adam2Lane {
                k1: StateSpace::second_order(h.beta1, h.lr),
                k2: StateSpace::second_order(h.beta2, h.lr),
                bias: (
                    BiasFactor::new(h.beta1, h.lr),
                    BiasFactor::new(h.beta2, h.lr),
                ),
                h,
            },
        })
    }

    /// Builds `adam-ide2[:u0=…,t0=0|lr,kernel_m=…,kernel_v=…]` for an `adam`/`adamw`
    /// optimizer: this model with the paper's kernels, or a [`KernelModel`].
    pub fn from_spec(
        s: &Spec,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> Result<Box<dyn Model>> {
        let adam: &Adam = optimizer_as(&s.name, opt, &["adam", "adamw"])?;
        let u0 = s.f64("u0", 0.0)?;
        let start = Start::read(s)?;
        let kernels = read_kernels(s)?;
        s.finish(&PARAMS2)?;
        if kernels.0.is_paper() && kernels.1.is_paper() {
            let mut m = Self::with(adam, u0, start, obj)?;
            m.name = s.to_string();
            return Ok(Box::new(m));
        }
        Ok(Box::new(
            KernelModel::adam2(adam, u0, start, kernels, obj)?.named(s.to_string()),
        ))
    }
}

impl OdeSystem for AdamIde2 {
    fn dim(&self) -> usize {
        6 * self.n
    }

    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let (th, rest) = z.split_at(n);
        let (vel, rest) = rest.split_at(n);
        let (m, rest) = rest.split_at(n);
        let (p, rest) = rest.split_at(n);
        let (v, q) = rest.split_at(n);
        let (dth, drest) = dz.split_at_mut(n);
        let (dvel, drest) = drest.split_at_mut(n);
        let (dm, drest) = drest.split_at_mut(n);
        let (dp, drest) = drest.split_at_mut(n);
        let (dv, dq) = drest.split_at_mut(n);
        // The gradient is written into dθ, read back per coordinate, then overwritten by θ'.
        self.obj.gradient(th, dth);
        let clock = self.lane.clock(t, None);
        for i in 0..n {
            [dth[i], dvel[i], dm[i], dp[i], dv[i], dq[i]] =
                self.lane
                    .rhs(clock, dth[i], [th[i], vel[i], m[i], p[i], v[i], q[i]]);
        }
    }
}

impl Model for AdamIde2 {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn t0(&self) -> f64 {
        self.t0
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut z = vec![0.0; 6 * n];
        z[..n].copy_from_slice(x0);
        z[n..2 * n].fill(self.u0);
        z
    }
    fn blocks(&self) -> Vec<Block> {
        uniform(&["vel", "m", "mdot", "v", "vdot"], self.n)
    }
    fn lane(&self) -> Option<Lane> {
        Some(Lane::AdamIde2(self.lane))
    }
}
