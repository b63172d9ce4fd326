//! k-Adam (Gould & Tanaka, arXiv:2411.05746, as reconstructed in continuous_models.md §3.6):
//! `k` Adam normalisations in series, then a decoupled-weight-decay step.
//!
//! With `u⁽⁰⁾_t = g_t` and level hyper-parameters `(β_i, γ_i, ε_i)`, for `i = 1..k`:
//! `m⁽ⁱ⁾_t = β_i m⁽ⁱ⁾_{t−1} + (1−β_i) u⁽ⁱ⁻¹⁾_t`,
//! `v⁽ⁱ⁾_t = γ_i v⁽ⁱ⁾_{t−1} + (1−γ_i) s⁽ⁱ⁾_t`,
//! `u⁽ⁱ⁾_t = (m⁽ⁱ⁾_t/(1−β_i^t)) / (√v⁽ⁱ⁾_t/√(1−γ_i^t) + ε_i)`,
//! `θ_t = (1 − ηλ) θ_{t−1} − η u⁽ᵏ⁾_t`,
//! where `s⁽ⁱ⁾ = (u⁽ⁱ⁻¹⁾)²` per coordinate (granularity `coord`) or the mean of `(u⁽ⁱ⁻¹⁾)²`
//! over the coordinate's parameter group (granularity `group`: one second moment per tensor, as a
//! normalisation layer induces, §3.5).
//!
//! `k = 1` is PyTorch's Adam (`weight_decay = 0`) / AdamW (decoupled decay): the arithmetic
//! follows `torch.optim.adam._single_tensor_adam` operation by operation (`m.lerp_(g, 1−β1)`,
//! `v·β2 + (1−β2)·g²`, `denom = √v/√(1−β2^t) + ε`, `θ += −(lr/(1−β1^t))·m/denom`), so it equals
//! that formula bit for bit; against torch's float64 reference iterates (its vectorised CPU
//! kernels round differently) it agrees to ≤ 7e-16 relative over 300 steps.
//!
//! Level strategies (`strategy=`), level 1 is always `(beta1, beta2, eps)` per coordinate unless
//! `explicit`:
//! * `repeat`: every level uses `(beta1, beta2, eps)`.
//! * `norm_layer` [derived, §3.5]: levels `i ≥ 2` use `β = 0`, `γ = (1 − lr·λ)²`, per group — the
//!   second normalisation a scale-invariant layer under AdamW performs implicitly (needs λ > 0).
//! * `inverse_exp` [RECONSTRUCTION — the paper's rule could not be read]: the EMA rates shrink
//!   exponentially with the level, `1 − β_i = (1 − β1)e^{−(i−1)}`, `1 − γ_i = (1 − β2)e^{−(i−1)}`,
//!   `ε_i = ε` (each level averages over an `e`-times longer horizon than the one below).
//! * `explicit`: lists `beta1s`, `beta2s`, `epss` (each of length `k`; missing lists repeat the
//!   scalar value).
//!
//! `granularity=` is a `;`-list of `coord | group`, one per level (a single entry applies to all
//! levels ≥ 2; level 1 defaults to `coord`); `groups=` gives group sizes (default: one group).
//!
//! Not [`crate::optim::Lanewise`] (stays on the generic sweep engine): granularity `group` couples
//! the coordinates of a group, and its 2k + 1 buffers exceed the batched slot layout.

use super::{Optimizer, Real, State};
use crate::spec::{check, ParamInfo, Spec};
use crate::{Error, Result};

/// How a level's second moment is pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One second moment per coordinate (Adam).
    Coord,
    /// One second moment per parameter group (mean of the squares over the group).
    Group,
}

/// Hyper-parameters of one normalisation level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Momentum β_i.
    pub beta1: f64,
    /// Second-moment decay γ_i.
    pub beta2: f64,
    /// ε_i, added to the bias-corrected root.
    pub eps: f64,
    /// Pooling of the second moment.
    pub granularity: Granularity,
}

/// The k-Adam optimizer.
#[derive(Debug, Clone, PartialEq)]
pub struct KAdam {
    /// Learning rate η.
    pub lr: f64,
    /// Decoupled weight decay λ (`θ ← (1 − ηλ)θ` before the update).
    pub weight_decay: f64,
    /// The levels, innermost (fed by the gradient) first.
    pub levels: Vec<Level>,
    /// Group sizes (`None`: the whole vector is one group).
    pub groups: Option<Vec<usize>>,
    /// The strategy name the levels came from.
    pub strategy: String,
}

const NAMES: [&str; 17] = [
    "u", "m1", "v1", "m2", "v2", "m3", "v3", "m4", "v4", "m5", "v5", "m6", "v6", "m7", "v7", "m8",
    "v8",
];

/// The largest supported `k`.
pub const MAX_K: usize = 8;

impl KAdam {
    /// Keys of `kadam:…`.
    pub const PARAMS: &'static [ParamInfo] = &[
        ParamInfo {
            key: "lr",
            default: "1e-3",
            help: "learning rate η (> 0)",
        },
        ParamInfo {
            key: "k",
            default: "2",
            help: "number of normalisation levels, 1..8 (k = 1 is Adam/AdamW)",
        },
        ParamInfo {
            key: "beta1",
            default: "0.9",
            help: "level-1 momentum, [0, 1)",
        },
        ParamInfo {
            key: "beta2",
            default: "0.999",
            help: "level-1 second-moment decay, [0, 1)",
        },
        ParamInfo {
            key: "eps",
            default: "1e-8",
            help: "ε of every level (>= 0)",
        },
        ParamInfo {
            key: "weight_decay",
            default: "0",
            help: "decoupled weight decay λ (>= 0)",
        },
        ParamInfo {
            key: "strategy",
            default: "repeat",
            help: "per-level hyper-parameters: repeat | norm_layer | inverse_exp (reconstruction) | explicit",
        },
        ParamInfo {
            key: "beta1s",
            default: "beta1",
            help: "explicit: per-level β_i list",
        },
        ParamInfo {
            key: "beta2s",
            default: "beta2",
            help: "explicit: per-level γ_i list",
        },
        ParamInfo {
            key: "epss",
            default: "eps",
            help: "explicit: per-level ε_i list",
        },
        ParamInfo {
            key: "granularity",
            default: "coord (norm_layer: coord;group)",
            help: "per-level coord | group, ';'-separated",
        },
        ParamInfo {
            key: "groups",
            default: "all",
            help: "parameter group sizes g1;g2;… (must sum to the dimension)",
        },
    ];

    /// k-Adam from its levels (innermost first), with learning rate `lr`, no weight decay and
    /// one parameter group; `strategy` is recorded as `explicit`.
    pub fn new(lr: f64, levels: Vec<Level>) -> Self {
        KAdam {
            lr,
            weight_decay: 0.0,
            levels,
            groups: None,
            strategy: "explicit".into(),
        }
    }

    /// Sets the decoupled weight decay λ.
    #[must_use]
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Sets the parameter-group sizes (they must sum to the dimension).
    #[must_use]
    pub fn groups(mut self, groups: Vec<usize>) -> Self {
        self.groups = Some(groups);
        self
    }

    /// Checks `lr > 0`, `λ ≥ 0`, `1 ≤ k ≤ 8` and every level's `β ∈ [0, 1)`, `ε ≥ 0`.
    pub fn validate(&self) -> Result<()> {
        let who = "kadam";
        check::positive(who, "lr", self.lr)?;
        check::non_negative(who, "weight_decay", self.weight_decay)?;
        let k = self.levels.len();
        if !(1..=MAX_K).contains(&k) {
            return Err(Error::spec(format!(
                "kadam: k must be in 1..{MAX_K}, got {k}"
            )));
        }
        for (i, l) in self.levels.iter().enumerate() {
            check::in_closed_open(who, &format!("beta1 of level {}", i + 1), l.beta1, 0.0, 1.0)?;
            check::in_closed_open(who, &format!("beta2 of level {}", i + 1), l.beta2, 0.0, 1.0)?;
            check::non_negative(who, &format!("eps of level {}", i + 1), l.eps)?;
        }
        Ok(())
    }

    /// Builds from `kadam:lr=…,k=…,…`.
    pub fn from_spec(s: &Spec) -> Result<KAdam> {
        let who = "kadam";
        let lr = check::positive(who, "lr", s.f64("lr", 1e-3)?)?;
        let k = s.usize("k", 2)?;
        if !(1..=MAX_K).contains(&k) {
            return Err(Error::spec(format!(
                "kadam: k must be in 1..{MAX_K}, got {k}"
            )));
        }
        let beta1 = check::in_closed_open(who, "beta1", s.f64("beta1", 0.9)?, 0.0, 1.0)?;
        let beta2 = check::in_closed_open(who, "beta2", s.f64("beta2", 0.999)?, 0.0, 1.0)?;
        let eps = check::non_negative(who, "eps", s.f64("eps", 1e-8)?)?;
        let wd = check::non_negative(who, "weight_decay", s.f64("weight_decay", 0.0)?)?;
        let strategy = s.choice(
            "strategy",
            "repeat",
            &["repeat", "norm_layer", "inverse_exp", "explicit"],
        )?;
        let list = |key: &str, default: f64| -> Result<Vec<f64>> {
            match s.f64_list(key)? {
                Some(v) if strategy != "explicit" => Err(Error::spec(format!(
                    "kadam: {key} is only used with strategy=explicit (got {} values with strategy={strategy})",
                    v.len()
                ))),
                Some(v) if v.len() != k => Err(Error::spec(format!(
                    "kadam: {key} must have k = {k} values, got {}",
                    v.len()
                ))),
                Some(v) => Ok(v),
                None => Ok(vec![default; k]),
            }
        };
        let (b1s, b2s, es) = (
            list("beta1s", beta1)?,
            list("beta2s", beta2)?,
            list("epss", eps)?,
        );
        let gran_default = if strategy == "norm_layer" {
            Granularity::Group
        } else {
            Granularity::Coord
        };
        let grans: Vec<Granularity> = match s.raw("granularity") {
            None => (0..k)
                .map(|i| {
                    if i == 0 {
                        Granularity::Coord
                    } else {
                        gran_default
                    }
                })
                .collect(),
            Some(text) => {
                let parsed: Result<Vec<Granularity>> = text
                    .split(';')
                    .map(|w| match w.trim() {
                        "coord" => Ok(Granularity::Coord),
                        "group" => Ok(Granularity::Group),
                        other => Err(Error::spec(format!(
                            "kadam: granularity must be coord or group, got '{other}'"
                        ))),
                    })
                    .collect();
                let p = parsed?;
                match p.len() {
                    1 => (0..k)
                        .map(|i| {
                            if i == 0 && k > 1 {
                                Granularity::Coord
                            } else {
                                p[0]
                            }
                        })
                        .collect(),
                    l if l == k => p,
                    l => {
                        return Err(Error::spec(format!(
                            "kadam: granularity must have 1 or k = {k} entries, got {l}"
                        )))
                    }
                }
            }
        };
        if strategy == "norm_layer" && wd <= 0.0 && k > 1 {
            return Err(Error::spec(
                "kadam: strategy=norm_layer needs weight_decay > 0 (level γ = (1 − lr·weight_decay)²), got 0",
            ));
        }
        let mut levels = Vec::with_capacity(k);
        for i in 0..k {
            let (b, g, e) = match strategy.as_str() {
                "explicit" => (b1s[i], b2s[i], es[i]),
                "norm_layer" if i > 0 => (0.0, (1.0 - lr * wd).powi(2), eps),
                "inverse_exp" => {
                    let f = (-(i as f64)).exp();
                    (1.0 - (1.0 - beta1) * f, 1.0 - (1.0 - beta2) * f, eps)
                }
                _ => (beta1, beta2, eps),
            };
            levels.push(Level {
                beta1: b,
                beta2: g,
                eps: e,
                granularity: grans[i],
            });
        }
        let groups = match s.f64_list("groups")? {
            None => None,
            Some(v) => {
                let mut g = Vec::with_capacity(v.len());
                for x in v {
                    if x < 1.0 || x.fract() != 0.0 {
                        return Err(Error::spec(format!(
                            "kadam: groups must be positive integers, got {x}"
                        )));
                    }
                    g.push(x as usize);
                }
                Some(g)
            }
        };
        s.finish(Self::PARAMS)?;
        let o = KAdam {
            lr,
            weight_decay: wd,
            levels,
            groups,
            strategy,
        };
        o.validate()?;
        Ok(o)
    }

    /// Checks that the group sizes sum to the dimension `n` (call before a run; a mismatch in
    /// [`Optimizer::step`] clips the last group, and coordinates past the groups form one more
    /// group).
    pub fn check_dim(&self, n: usize) -> Result<()> {
        match &self.groups {
            Some(g) if g.iter().sum::<usize>() != n => Err(Error::spec(format!(
                "kadam: groups must sum to the dimension {n}, got {}",
                g.iter().sum::<usize>()
            ))),
            _ => Ok(()),
        }
    }

    /// Calls `f(start, end)` for every group range of `0..n`.
    fn for_groups(&self, n: usize, mut f: impl FnMut(usize, usize)) {
        let mut o = 0;
        if let Some(g) = &self.groups {
            for &s in g {
                if o >= n {
                    return;
                }
                let e = (o + s).min(n);
                f(o, e);
                o = e;
            }
        }
        if o < n {
            f(o, n);
        }
    }
}

impl Default for KAdam {
    /// `kadam` with every key at its default: k = 2 levels of `(β1, β2, ε) = (0.9, 0.999, 1e-8)`,
    /// lr 1e-3, no weight decay.
    fn default() -> Self {
        KAdam {
            lr: 1e-3,
            weight_decay: 0.0,
            levels: vec![Level::adam(0.9, 0.999, 1e-8); 2],
            groups: None,
            strategy: "repeat".into(),
        }
    }
}

impl Level {
    /// A per-coordinate Adam level.
    pub fn adam(beta1: f64, beta2: f64, eps: f64) -> Self {
        Level {
            beta1,
            beta2,
            eps,
            granularity: Granularity::Coord,
        }
    }
}

impl<F: Real> Optimizer<F> for KAdam {
    fn validate(&self) -> Result<()> {
        KAdam::validate(self)
    }

    /// The same levels with learning rate `lr`; under `norm_layer` the derived levels
    /// `γ = (1 − lr·λ)²` follow the new `lr`.
    fn with_lr(&self, lr: f64) -> Result<Box<dyn Optimizer<F>>> {
        let mut o = self.clone();
        o.lr = lr;
        if o.strategy == "norm_layer" {
            for l in o.levels.iter_mut().skip(1) {
                l.beta2 = (1.0 - lr * o.weight_decay).powi(2);
            }
        }
        KAdam::validate(&o)?;
        Ok(Box::new(o))
    }

    fn name(&self) -> &'static str {
        "kadam"
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn slot_names(&self) -> &'static [&'static str] {
        let k = self.levels.len();
        if k == 1 {
            &NAMES[1..3]
        } else {
            &NAMES[..1 + 2 * k]
        }
    }
    fn init(&self, n: usize) -> State<F> {
        let k = self.levels.len();
        State::zeros(n, if k == 1 { 2 } else { 2 * k + 1 }, 0)
    }
    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        state.step += 1;
        let t = state.step as f64;
        let k = self.levels.len();
        let n = x.len();
        if self.weight_decay != 0.0 {
            let f = F::of(1.0 - self.lr * self.weight_decay);
            x.iter_mut().for_each(|p| *p = *p * f);
        }
        let base = usize::from(k > 1);
        let (scratch, moments) = state.slots.split_at_mut(base);
        for (i, lv) in self.levels.iter().enumerate() {
            let bc1 = 1.0 - lv.beta1.powf(t);
            let bc2_sqrt = (1.0 - lv.beta2.powf(t)).powf(0.5);
            let b2 = F::of(lv.beta2);
            let (w1, w2) = (F::of(1.0 - lv.beta1), F::of(1.0 - lv.beta2));
            let (bc2s, eps) = (F::of(bc2_sqrt), F::of(lv.eps));
            let (mv, rest) = moments[2 * i..].split_at_mut(1);
            let (m, v) = (&mut mv[0], &mut rest[0]);
            let input: &mut [F] = if k > 1 { &mut scratch[0] } else { &mut [] };
            let u = |j: usize| if i == 0 { g[j] } else { input[j] };
            // torch's `lerp_` for weights >= 0.5 uses `1 − weight`, which is not always β.
            let b1 = F::of(1.0 - (1.0 - lv.beta1));
            // m ← lerp(m, u, 1 − β) as torch's `lerp_` (weight < 0.5: m + w(u − m)).
            for (j, mj) in m.iter_mut().enumerate() {
                let uj = u(j);
                *mj = if lv.beta1 > 0.5 {
                    *mj + w1 * (uj - *mj)
                } else {
                    uj - (uj - *mj) * b1
                };
            }
            match lv.granularity {
                Granularity::Coord => {
                    for (j, vj) in v.iter_mut().enumerate() {
                        let uj = u(j);
                        *vj = *vj * b2 + w2 * (uj * uj);
                    }
                }
                Granularity::Group => self.for_groups(n, |a, e| {
                    let mut s = F::zero();
                    for j in a..e {
                        let uj = u(j);
                        s = s + uj * uj;
                    }
                    let mean = s / F::of((e - a) as f64);
                    let vg = v[a] * b2 + w2 * mean;
                    v[a..e].iter_mut().for_each(|vj| *vj = vg);
                }),
            }
            if i + 1 == k {
                let step_size = F::of(self.lr / bc1);
                for j in 0..n {
                    let denom = v[j].sqrt() / bc2s + eps;
                    x[j] = x[j] + (-step_size) * (m[j] / denom);
                }
            } else {
                let inv_bc1 = F::of(bc1);
                for j in 0..n {
                    let denom = v[j].sqrt() / bc2s + eps;
                    input[j] = m[j] / denom / inv_bc1;
                }
            }
        }
    }
}
