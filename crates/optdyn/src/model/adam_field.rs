//! `adam-field` — the Adam vector field of Dereich, Jentzen & Kassing, *ODE approximation for
//! the Adam algorithm*, arXiv:2511.04622 (2025) (reconstruction in continuous_models.md §2.3).
//!
//! Regime: fixed β1, β2, ε, step sizes `γ_n → 0`, slow clock `t_n = Σγ_k` (`= k·lr` for a
//! constant lr); the interpolated Adam iterates are an asymptotic pseudo-trajectory of
//! `θ' = f(θ)`, `f(θ) = −E[M/(ε + √V)]` coordinatewise, with
//! `M = Σ_{k≥0}(1−β1)β1^k G(θ, ξ_k)`, `V = Σ_{k≥0}(1−β2)β2^k G(θ, ξ_k)²`, ξ_k i.i.d. (bias
//! corrections vanish in this limit). The data are the objective's samples
//! (`Objective::num_samples`, `sample_gradient`), ξ uniform on them. Parameter `mode`:
//! * `deterministic` (default) — `G = ∇f`: `f = −∇f/(ε + |∇f|)` (ε-regularised sign flow;
//!   as ε → 0 each coordinate reaches its minimiser at time `|x0_i − x*_i|` on separable
//!   quadratics).
//! * `exact` — the finite expectation `−(1/N)Σ_i G_i/(ε + |G_i|)`, exact when β1 = β2 = 0
//!   (required).
//! * `mc` — seeded Monte Carlo over `paths` sample paths (common random numbers: the paths are
//!   drawn once, so f is a deterministic smooth function of θ) with the series truncated at
//!   `terms` K (default: the smallest K with max(β1, β2)^K ≤ 1e-8); `normalize=true` divides the
//!   truncated weights by `1 − β^K` so they sum to one.
//!
//! Weight decay: `adam`'s L2 adds λθ to every G; `adamw`'s decoupled decay adds `−λθ` to f.
//! State `z = θ`.

use super::adam_ide::adam_of;
use super::{optimizer_as, with_scratch, AdamHyper, Model};
use crate::block::Block;
use crate::integrate::OdeSystem;
use crate::objective::Objective;
use crate::optim::{Adam, Optimizer};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use std::sync::Arc;

const PARAMS: [ParamInfo; 5] = [
    ParamInfo {
        key: "mode",
        default: "deterministic",
        help: "deterministic (G = ∇f), exact (finite expectation, needs beta1 = beta2 = 0) or mc",
    },
    ParamInfo {
        key: "paths",
        default: "256",
        help: "mc: number of sample paths, >= 1",
    },
    ParamInfo {
        key: "terms",
        default: "auto",
        help: "mc: series truncation K, >= 1 (auto: max(β1, β2)^K ≤ 1e-8)",
    },
    ParamInfo {
        key: "seed",
        default: "0",
        help: "mc: seed of the sample paths",
    },
    ParamInfo {
        key: "normalize",
        default: "false",
        help: "mc: divide the truncated EMA weights by 1 − β^K",
    },
];

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "adam-field",
    summary: "adam/adamw (fixed β, lr → 0): Dereich–Jentzen–Kassing Adam vector field θ' = −E[M/(ε+√V)], deterministic, exact or Monte Carlo",
    params: &PARAMS,
};

/// How the Adam field averages over the gradient noise.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldMode {
    /// `G = ∇f` (default).
    Deterministic,
    /// The finite expectation over the samples (needs β1 = β2 = 0).
    Exact,
    /// Seeded Monte Carlo over `paths` sample paths with the series truncated at `terms`
    /// (`None`: the smallest K with `max(β1, β2)^K ≤ 1e-8`); `normalize` divides the truncated
    /// weights by `1 − β^K`.
    MonteCarlo {
        /// Number of sample paths, ≥ 1.
        paths: usize,
        /// Series truncation K, in `[1, 10⁶]`, or automatic.
        terms: Option<usize>,
        /// Seed of the sample paths.
        seed: u64,
        /// Normalise the truncated EMA weights.
        normalize: bool,
    },
}

enum Mode {
    Deterministic,
    Exact,
    MonteCarlo {
        paths: usize,
        terms: usize,
        /// Sample index of path p, term k at `idx[p * terms + k]`.
        idx: Vec<u32>,
        w1: Vec<f64>,
        w2: Vec<f64>,
    },
}

/// The Adam vector field.
pub struct AdamField {
    name: String,
    obj: Arc<dyn Objective>,
    n: usize,
    h: AdamHyper,
    mode: Mode,
}

impl AdamField {
    /// The deterministic Adam field of `adam` (or AdamW).
    pub fn of(adam: &Adam, obj: Arc<dyn Objective>) -> Result<Self> {
        Self::with(adam, FieldMode::Deterministic, obj)
    }

    /// The Adam field with the noise average `mode`.
    pub fn with(adam: &Adam, mode: FieldMode, obj: Arc<dyn Objective>) -> Result<Self> {
        let model = "adam-field";
        let (h, obj) = adam_of(model, adam, obj)?;
        let (mode, name) = match mode {
            FieldMode::Deterministic => (Mode::Deterministic, model.to_string()),
            FieldMode::Exact => {
                if h.beta1 != 0.0 || h.beta2 != 0.0 {
                    return Err(Error::spec(format!(
                        "adam-field: mode=exact needs beta1 = beta2 = 0 (got {}, {}); use mode=mc",
                        h.beta1, h.beta2
                    )));
                }
                (Mode::Exact, format!("{model}:mode=exact"))
            }
            FieldMode::MonteCarlo {
                paths,
                terms,
                seed,
                normalize,
            } => {
                if paths == 0 {
                    return Err(Error::spec("adam-field: paths must be >= 1, got 0"));
                }
                let bmax = h.beta1.max(h.beta2);
                let auto = if bmax == 0.0 {
                    1
                } else {
                    ((1e-8f64).ln() / bmax.ln()).ceil() as usize
                };
                let terms = terms.unwrap_or(auto);
                if terms == 0 || terms > 1_000_000 {
                    return Err(Error::spec(format!(
                        "adam-field: terms must be in [1, 1000000], got {terms}"
                    )));
                }
                let ns = obj.num_samples();
                check::positive("adam-field", "num_samples", ns as f64)?;
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                let idx = (0..paths * terms)
                    .map(|_| rng.random_range(0..ns) as u32)
                    .collect();
                let weights = |beta: f64| {
                    let norm = if normalize {
                        1.0 - beta.powi(terms as i32)
                    } else {
                        1.0
                    };
                    (0..terms)
                        .map(|k| (1.0 - beta) * beta.powi(k as i32) / norm)
                        .collect::<Vec<f64>>()
                };
                let name = format!(
                    "{model}:mode=mc,paths={paths},terms={terms},seed={seed},normalize={normalize}"
                );
                let mode = Mode::MonteCarlo {
                    paths,
                    terms,
                    idx,
                    w1: weights(h.beta1),
                    w2: weights(h.beta2),
                };
                (mode, name)
            }
        };
        Ok(AdamField {
            name,
            n: obj.dim(),
            obj,
            h,
            mode,
        })
    }

    /// Builds `adam-field[:mode=…,paths=…,terms=…,seed=…,normalize=…]` for an `adam`/`adamw`
    /// optimizer.
    pub fn from_spec(s: &Spec, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Self> {
        let adam: &Adam = optimizer_as(&s.name, opt, &["adam", "adamw"])?;
        let mode = match s
            .choice("mode", "deterministic", &["deterministic", "exact", "mc"])?
            .as_str()
        {
            "deterministic" => FieldMode::Deterministic,
            "exact" => FieldMode::Exact,
            _ => FieldMode::MonteCarlo {
                paths: s.usize("paths", 256)?,
                terms: match s.raw("terms") {
                    None | Some("auto") => None,
                    Some(_) => Some(s.usize("terms", 0)?),
                },
                seed: s.u64("seed", 0)?,
                normalize: s.bool("normalize", false)?,
            },
        };
        s.finish(&PARAMS)?;
        let mut m = Self::with(adam, mode, obj)?;
        m.name = s.to_string();
        Ok(m)
    }

    fn l2(&self) -> f64 {
        if self.h.decoupled {
            0.0
        } else {
            self.h.weight_decay
        }
    }
}

impl OdeSystem for AdamField {
    fn dim(&self) -> usize {
        self.n
    }

    fn rhs(&self, _t: f64, z: &[f64], dz: &mut [f64]) {
        let n = self.n;
        let eps = self.h.eps;
        let l2 = self.l2();
        match &self.mode {
            Mode::Deterministic => {
                self.obj.gradient(z, dz);
                for i in 0..n {
                    let g = dz[i] + l2 * z[i];
                    dz[i] = -g / (eps + g.abs());
                }
            }
            Mode::Exact => {
                let ns = self.obj.num_samples();
                dz.fill(0.0);
                with_scratch(n, |g| {
                    for s in 0..ns {
                        self.obj.sample_gradient(s, z, g);
                        for i in 0..n {
                            let gi = g[i] + l2 * z[i];
                            dz[i] -= gi / (eps + gi.abs()) / ns as f64;
                        }
                    }
                });
            }
            Mode::MonteCarlo {
                paths,
                terms,
                idx,
                w1,
                w2,
            } => {
                let ns = self.obj.num_samples();
                dz.fill(0.0);
                with_scratch(ns * n, |gs| {
                    for s in 0..ns {
                        self.obj.sample_gradient(s, z, &mut gs[s * n..(s + 1) * n]);
                        for i in 0..n {
                            gs[s * n + i] += l2 * z[i];
                        }
                    }
                    for p in 0..*paths {
                        let path = &idx[p * terms..(p + 1) * terms];
                        for i in 0..n {
                            let (mut m, mut v) = (0.0, 0.0);
                            for (k, &s) in path.iter().enumerate() {
                                let g = gs[s as usize * n + i];
                                m += w1[k] * g;
                                v += w2[k] * g * g;
                            }
                            dz[i] -= m / (eps + v.sqrt()) / *paths as f64;
                        }
                    }
                });
            }
        }
        if self.h.decoupled {
            for i in 0..n {
                dz[i] -= self.h.weight_decay * z[i];
            }
        }
    }
}

impl Model for AdamField {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        x0.to_vec()
    }
    fn blocks(&self) -> Vec<Block> {
        Vec::new()
    }
    /// Deterministic mode with L2 (or no) decay: `V = f + (λ/2)‖θ‖²` and `θ' = −g/(ε+|g|)`,
    /// `g = ∇V`, so `V' = −Σ g²/(ε+|g|) ≤ 0`. With noise the field is not a gradient field (its
    /// zeros are not the critical points), and AdamW's decoupled decay breaks the identity.
    fn lyapunov(&self, _t: f64, z: &[f64]) -> Option<f64> {
        let l2 = if self.h.decoupled {
            0.0
        } else {
            self.h.weight_decay
        };
        (matches!(self.mode, Mode::Deterministic)
            && !(self.h.decoupled && self.h.weight_decay != 0.0))
            .then(|| super::l2_potential(self.obj.as_ref(), z, l2))
    }
}
