//! Scale-invariant objectives `L(W) = ℓ(W_1/‖W_1‖, …, W_G/‖W_G‖)` (one normalisation per
//! parameter group), the setting of continuous_models.md §3.5 (Gould–Tanaka's normalisation
//! layers): `L(cW) = L(W)`, so `⟨∇L(W), W_g⟩ = 0` per group and `∇L(cW) = ∇L(W)/c`.
//!
//! Derivatives (per group, `r = ‖W‖`, `ŵ = W/r`, `J = (I − ŵŵᵀ)/r`, `g = ∇ℓ(ŵ)`):
//! `∇L = J g`; `∇²L·v = J ∇²ℓ(ŵ) J v + dJ[v] g` with
//! `dJ[v] g = −(Jv (ŵ·g) + ŵ (Jv·g))/r − (g − ŵ(ŵ·g))(ŵ·v)/r²`.
//!
//! The pure-noise inner loss (`inner=noise`) is `ℓ_t(w) = σ ξ_tᵀw`, `ξ_t ~ N(0, I)` drawn from
//! `(seed, t)`: its expected loss and gradient are 0, so `L` is pure noise on the sphere — the
//! loss behind the AdamW equilibrium law `E‖W‖² = (η/2λ)(1+β1)/(1−β1)·E‖u‖²` (§3.5).

use super::data::{datasets, Pool};
use super::Objective;
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};

/// `scale_invariant` in `optdyn list objectives`.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "scale_invariant",
    summary: "L(W) = ℓ(W_g/‖W_g‖ per group): inner=SPEC (write the inner spec's commas as '|') or inner=noise (gradient = tangential projection of seeded N(0,σ²I) noise, divided by ‖W‖)",
    params: &[
        ParamInfo {
            key: "inner",
            default: "required",
            help: "inner objective spec ℓ (commas written as '|'), or noise",
        },
        ParamInfo {
            key: "groups",
            default: "dim",
            help: "group sizes g1;g2;… summing to the dimension (default: one group)",
        },
        ParamInfo {
            key: "sigma",
            default: "1",
            help: "noise standard deviation (inner=noise, >= 0)",
        },
        ParamInfo {
            key: "seed",
            default: "0",
            help: "noise seed (inner=noise)",
        },
    ],
};

/// The pure-noise linear loss `ℓ_t(w) = σ ξ_tᵀw` with `ξ_t ~ N(0, I_n)` from ChaCha8
/// `(seed, t)`; `value`/`gradient` are the expectations (0).
#[derive(Debug, Clone)]
pub struct NoiseLoss {
    /// Dimension `n`.
    pub dim: usize,
    /// Noise standard deviation σ.
    pub sigma: f64,
    /// Seed of the noise stream.
    pub seed: u64,
}

impl Objective for NoiseLoss {
    fn name(&self) -> String {
        format!("noise:sigma={},seed={}", self.sigma, self.seed)
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn gradient(&self, _x: &[f64], g: &mut [f64]) {
        g.fill(0.0);
    }
    fn hvp(&self, _x: &[f64], _v: &[f64], out: &mut [f64]) {
        out.fill(0.0);
    }
    /// Additive `N(0, σ²I)`: the gradient of step `k` is `σ ξ_k` about the mean 0.
    fn step_noise(&self) -> Option<crate::objective::StepNoise> {
        Some(crate::objective::StepNoise {
            additive: vec![self.sigma; self.dim],
            batch: None,
        })
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        let mut r = datasets::rng(self.seed, step);
        let mut l = 0.0;
        for (gi, xi) in g.iter_mut().zip(x) {
            *gi = self.sigma * datasets::normal(&mut r);
            l += *gi * xi;
        }
        l
    }
}

/// `L(W) = ℓ(W_g/‖W_g‖ per group)`.
pub struct ScaleInvariant {
    name: String,
    inner: Box<dyn Objective>,
    groups: Vec<usize>,
    pool: Pool<Vec<f64>>,
}

impl ScaleInvariant {
    /// Wraps `inner` with groups of the given sizes (must sum to `inner.dim()`).
    pub fn new(name: String, inner: Box<dyn Objective>, groups: Vec<usize>) -> Result<Self> {
        let total: usize = groups.iter().sum();
        if total != inner.dim() || groups.contains(&0) {
            return Err(Error::spec(format!(
                "scale_invariant: groups must be positive sizes summing to the dimension {}, got {}",
                inner.dim(),
                groups.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(";")
            )));
        }
        Ok(ScaleInvariant {
            name,
            inner,
            groups,
            pool: Pool::new(),
        })
    }

    /// The group sizes.
    pub fn groups(&self) -> &[usize] {
        &self.groups
    }

    /// Writes `ŵ = W_g/‖W_g‖` per group into `u` and returns nothing; a zero group gives NaN.
    pub fn normalise(&self, x: &[f64], u: &mut [f64]) {
        let mut o = 0;
        for &s in &self.groups {
            let r = x[o..o + s].iter().map(|v| v * v).sum::<f64>().sqrt();
            for (ui, xi) in u[o..o + s].iter_mut().zip(&x[o..o + s]) {
                *ui = xi / r;
            }
            o += s;
        }
    }

    /// In place `g ← J g = (g − ŵ(ŵ·g))/r` per group.
    fn project(&self, x: &[f64], u: &[f64], g: &mut [f64]) {
        let mut o = 0;
        for &s in &self.groups {
            let r = x[o..o + s].iter().map(|v| v * v).sum::<f64>().sqrt();
            let wg: f64 = u[o..o + s]
                .iter()
                .zip(&g[o..o + s])
                .map(|(a, b)| a * b)
                .sum();
            for (gi, ui) in g[o..o + s].iter_mut().zip(&u[o..o + s]) {
                *gi = (*gi - ui * wg) / r;
            }
            o += s;
        }
    }

    fn with_u<R>(&self, x: &[f64], f: impl FnOnce(&[f64]) -> R) -> R {
        self.pool.with(|u| {
            u.resize(x.len(), 0.0);
            self.normalise(x, u);
            f(u)
        })
    }
}

impl Objective for ScaleInvariant {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.with_u(x, |u| self.inner.value(u))
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_gradient(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.with_u(x, |u| {
            let l = self.inner.value_gradient(u, g);
            self.project(x, u, g);
            l
        })
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let n = x.len();
        let mut u = vec![0.0; n];
        self.normalise(x, &mut u);
        let mut gl = vec![0.0; n];
        self.inner.gradient(&u, &mut gl);
        let mut jv = v.to_vec();
        self.project(x, &u, &mut jv);
        self.inner.hvp(&u, &jv, out);
        self.project(x, &u, out);
        let mut o = 0;
        for &s in &self.groups {
            let r = x[o..o + s].iter().map(|a| a * a).sum::<f64>().sqrt();
            let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
            let (ug, gg, jg, vg) = (&u[o..o + s], &gl[o..o + s], &jv[o..o + s], &v[o..o + s]);
            let (wg, jgg, wv) = (dot(ug, gg), dot(jg, gg), dot(ug, vg));
            for j in 0..s {
                out[o + j] += -(jg[j] * wg + ug[j] * jgg) / r - (gg[j] - ug[j] * wg) * wv / (r * r);
            }
            o += s;
        }
    }
    /// The projection makes the noise state-dependent in a way no stated law covers.
    fn step_noise(&self) -> Option<crate::objective::StepNoise> {
        None
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        self.with_u(x, |u| {
            let l = self.inner.gradient_at_step(u, step, g);
            self.project(x, u, g);
            l
        })
    }
    fn num_samples(&self) -> usize {
        self.inner.num_samples()
    }
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        self.with_u(x, |u| {
            let l = self.inner.sample_gradient(i, u, g);
            self.project(x, u, g);
            l
        })
    }
    fn min_value(&self) -> Option<f64> {
        None
    }
}

/// The deepest `scale_invariant` nesting accepted in `inner=`.
const MAX_NESTING: usize = 8;

/// Builds `scale_invariant:inner=…,groups=…[,sigma=…,seed=…]`; `dim` (the length of `--x0`)
/// fixes the dimension of `inner=noise` and of dimension-free inner objectives.
pub fn build(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let Some(inner_text) = s.raw("inner").map(|t| t.replace('|', ",")) else {
        return Err(Error::spec(
            "scale_invariant: missing required key 'inner' (an objective spec, or noise)",
        ));
    };
    // Each nested level is one recursion of the spec parser: bound it so a hostile spec is an
    // error, not a stack overflow.
    if inner_text.matches("scale_invariant").count() >= MAX_NESTING {
        return Err(Error::spec(format!(
            "scale_invariant: inner objectives nested {MAX_NESTING} or more deep are not allowed"
        )));
    }
    let inner: Box<dyn Objective> = if inner_text == "noise" {
        let sigma = check::non_negative("scale_invariant", "sigma", s.f64("sigma", 1.0)?)?;
        let seed = s.u64("seed", 0)?;
        if dim == 0 {
            return Err(Error::spec(
                "scale_invariant: inner=noise needs a dimension (len(x0) >= 1)",
            ));
        }
        Box::new(NoiseLoss { dim, sigma, seed })
    } else {
        super::parse(&inner_text, dim)?
    };
    let groups = match s.f64_list("groups")? {
        Some(list) => {
            let mut g = Vec::with_capacity(list.len());
            for v in list {
                if v < 1.0 || v.fract() != 0.0 {
                    return Err(Error::spec(format!(
                        "scale_invariant: groups must be positive integers, got {v}"
                    )));
                }
                g.push(v as usize);
            }
            g
        }
        None => vec![inner.dim()],
    };
    s.finish(INFO.params)?;
    Ok(Box::new(ScaleInvariant::new(s.to_string(), inner, groups)?))
}
