//! Structure-of-arrays fast path: many one-dimensional Adam runs advanced together in lanes.
//!
//! Each run is a lane; lanes are processed in blocks of [`LANES`] with every per-lane quantity in
//! a fixed-size array, so the step loop is straight-line arithmetic over arrays that the compiler
//! vectorises (no branch in the lane loop: divergence and tolerance bookkeeping use selects).
//! Blocks are distributed over threads with rayon; each lane's result depends only on its own
//! parameters, so the output is identical for any thread count.
//!
//! The update is `torch.optim.Adam` (`amsgrad=False`, `weight_decay=0`, `maximize=False`) with
//! PyTorch's order of operations (`_single_tensor_adam`):
//! `m ← m.lerp(g, 1−β₁)` (= `β₁m + (1−β₁)g`), `v ← β₂v + (1−β₂)g²`,
//! `θ ← θ + (−lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)`.
//! The step factors `−lr/(1 − β₁ᵗ)` and `√(1 − β₂ᵗ)` come from per-task tables over the distinct
//! `(lr, β₁)` and `β₂` values (`powf`, as PyTorch's `beta ** step`), so every lane performs exactly
//! the generic path's floating-point operations and the results are bit-identical to it; the
//! final loss is evaluated once, at the final (or first bad) iterate. The kernel is compiled for
//! AVX-512, AVX2 and the baseline and chosen at run time ([`Isa`]); every build gives the same
//! bits. The metrics follow [`super::metrics`]; the divergence
//! test here is on `θ` only (non-finite or `|θ| > max_abs`), which is the same test as the
//! generic path's for the built-in polynomials because [`adam_1d`] first checks that `|f|` and
//! `|f'|` stay finite and below `max_loss` on `|θ| ≤ max_abs`.

use super::metrics::{MetricOptions, Metrics, TolOn};
pub use crate::isa::Isa;
use crate::spec::Spec;
use crate::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;

/// Lanes advanced together in one block: two AVX-512 registers of `f64` (four AVX2), so each
/// step has independent dependency chains to overlap the latency of `√` and `÷`.
pub const LANES: usize = 16;

/// A built-in one-dimensional objective with its exact derivative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective1d {
    /// `f(θ) = ½·a·(θ − c)²`, `f' = a(θ − c)`, `f* = 0` if `a ≥ 0`
    /// (the objective `quadratic:diag=a,center=c`).
    Quadratic {
        /// Curvature `a`.
        a: f64,
        /// Minimiser `c`.
        c: f64,
    },
    /// `f(θ) = (1 − θ)² + c(θ² − 1)²` (the objective `rosen1d:c=…`),
    /// `f' = 2(θ − 1)(1 + 2cθ(θ + 1))`, `f* = f(1) = 0`.
    Rosen1d {
        /// Coupling `c ≥ 0`.
        c: f64,
    },
}

impl Objective1d {
    /// The built-in one-dimensional objective of a spec (`rosen1d:c=…`,
    /// `quadratic:diag=a,center=c` with one entry each and no other keys), if it is one.
    pub fn from_spec(o: &Spec) -> Option<Objective1d> {
        let keys = |allowed: &[&str]| o.pairs.iter().all(|(k, _)| allowed.contains(&k.as_str()));
        match o.name.as_str() {
            "rosen1d" if keys(&["c"]) => Some(Objective1d::Rosen1d {
                c: o.f64("c", 4.0).ok()?,
            }),
            "quadratic" if keys(&["diag", "center"]) => {
                let d = o.f64_list("diag").ok()??;
                let c = o.f64_list("center").ok()?.unwrap_or_else(|| vec![0.0]);
                (d.len() == 1 && c.len() == 1)
                    .then_some(Objective1d::Quadratic { a: d[0], c: c[0] })
            }
            _ => None,
        }
    }

    /// `(f(θ), f'(θ))`.
    pub fn value_grad(self, x: f64) -> (f64, f64) {
        match self {
            Objective1d::Quadratic { a, c } => Self::quadratic(a, c, x),
            Objective1d::Rosen1d { c } => Self::rosen1d(c, x),
        }
    }

    /// `f = ½·(a·r·r)`, `f' = a·r`, `r = θ − c` (the evaluation order of the `quadratic`
    /// objective, so values agree bit for bit).
    #[inline(always)]
    fn quadratic(a: f64, c: f64, x: f64) -> (f64, f64) {
        let r = x - c;
        (0.5 * (a * r * r), a * r)
    }

    /// `f = p² + c·q²` with `p = 1 − θ`, `q = θ² − 1`; `f' = 2(θ − 1)(1 + 2cθ(θ + 1))` (the
    /// evaluation order of the `rosen1d` objective).
    #[inline(always)]
    fn rosen1d(c: f64, x: f64) -> (f64, f64) {
        let p = 1.0 - x;
        let q = x * x - 1.0;
        (
            p * p + c * q * q,
            2.0 * (x - 1.0) * (1.0 + 2.0 * c * x * (x + 1.0)),
        )
    }

    /// The known minimum `f*`: 0, except for a quadratic with `a < 0` (no minimum).
    pub fn min_value(self) -> Option<f64> {
        match self {
            Objective1d::Quadratic { a, .. } if a < 0.0 => None,
            _ => Some(0.0),
        }
    }
}

/// Per-lane Adam hyperparameters and start points (structure of arrays, equal lengths).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdamLanes {
    /// Learning rates.
    pub lr: Vec<f64>,
    /// `β₁`.
    pub beta1: Vec<f64>,
    /// `β₂`.
    pub beta2: Vec<f64>,
    /// `ε`.
    pub eps: Vec<f64>,
    /// Start points `θ₀`.
    pub x0: Vec<f64>,
}

impl AdamLanes {
    /// Number of lanes.
    pub fn len(&self) -> usize {
        self.x0.len()
    }

    /// True when there are no lanes.
    pub fn is_empty(&self) -> bool {
        self.x0.is_empty()
    }

    /// Appends one lane.
    pub fn push(&mut self, lr: f64, beta1: f64, beta2: f64, eps: f64, x0: f64) {
        self.lr.push(lr);
        self.beta1.push(beta1);
        self.beta2.push(beta2);
        self.eps.push(eps);
        self.x0.push(x0);
    }
}

/// Per-lane results (structure of arrays). Steps are stored as `f64` (exact below 2⁵³) with
/// `+∞` meaning "never", so the lane loop stays in one register type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lanes1dOut {
    /// Final iterate (or the first bad one).
    pub final_x: Vec<f64>,
    /// Loss at it.
    pub final_loss: Vec<f64>,
    /// First bad step, `+∞` if none.
    pub diverged: Vec<f64>,
    /// First step meeting the tolerance, `+∞` if none.
    pub steps_to_tol: Vec<f64>,
    /// `max |θ_k − θ_{k−1}|` over valid iterates.
    pub max_update: Vec<f64>,
}

impl Lanes1dOut {
    /// Lane `i` as [`Metrics`].
    pub fn metrics(&self, i: usize) -> Metrics {
        let step = |v: f64| v.is_finite().then_some(v as u64);
        Metrics {
            final_x: vec![self.final_x[i]],
            final_loss: self.final_loss[i],
            diverged: step(self.diverged[i]),
            steps_to_tol: step(self.steps_to_tol[i]),
            max_update: self.max_update[i],
        }
    }

    fn resize(&mut self, n: usize) {
        for v in [
            &mut self.final_x,
            &mut self.final_loss,
            &mut self.diverged,
            &mut self.steps_to_tol,
            &mut self.max_update,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

/// Lanes per rayon task.
const TASK: usize = 1024;

/// Runs every lane of `lanes` for `o.steps` Adam steps on `obj` and writes the metrics into
/// `out` (resized to the number of lanes).
///
/// Errors if the parameter vectors differ in length, if `o.steps ≥ 2⁵³`, or if `|f|`/`|f'|` could
/// exceed `max_loss`/overflow on `|θ| ≤ max_abs` (then the θ-only divergence test would not be
/// the generic one; use the generic path).
pub fn adam_1d(
    obj: Objective1d,
    lanes: &AdamLanes,
    o: &MetricOptions,
    out: &mut Lanes1dOut,
) -> Result<()> {
    adam_1d_with(Isa::detect(), obj, lanes, o, out)
}

/// [`adam_1d`] with the kernel built for `isa` (errors if this CPU lacks it); every
/// [`Isa::available`] gives bit-identical results.
pub fn adam_1d_with(
    isa: Isa,
    obj: Objective1d,
    lanes: &AdamLanes,
    o: &MetricOptions,
    out: &mut Lanes1dOut,
) -> Result<()> {
    if !isa.supported() {
        return Err(Error::spec(format!(
            "adam_1d: this CPU does not support {isa:?} (available: {:?})",
            Isa::available()
        )));
    }
    let n = lanes.len();
    if [&lanes.lr, &lanes.beta1, &lanes.beta2, &lanes.eps]
        .iter()
        .any(|v| v.len() != n)
    {
        return Err(Error::spec(
            "adam_1d: parameter vectors differ in length".to_string(),
        ));
    }
    if o.steps >= 1 << 53 {
        return Err(Error::spec(format!(
            "adam_1d: steps must be < 2^53, got {}",
            o.steps
        )));
    }
    if o.tol_on == TolOn::Gap && obj.min_value().is_none() {
        return Err(Error::spec(format!(
            "--tol-on gap: objective {obj:?} has no known minimum f*; use --tol-on grad"
        )));
    }
    for x in [o.max_abs, -o.max_abs] {
        let (f, g) = obj.value_grad(x);
        if !(f.abs() <= o.max_loss && g.is_finite()) {
            return Err(Error::spec(format!(
                "adam_1d: f or f' leaves the bounds on |x| <= {:e}; use the generic path",
                o.max_abs
            )));
        }
    }
    out.resize(n);
    let tasks = out
        .final_x
        .par_chunks_mut(TASK)
        .zip(out.final_loss.par_chunks_mut(TASK))
        .zip(out.diverged.par_chunks_mut(TASK))
        .zip(out.steps_to_tol.par_chunks_mut(TASK))
        .zip(out.max_update.par_chunks_mut(TASK))
        .enumerate();
    let steps = o.steps as usize;
    tasks.for_each(|(t, ((((fx, fl), dv), st), mu))| {
        let base = t * TASK;
        let span = base..base + fx.len();
        let keys1: Vec<[f64; 2]> = lanes.lr[span.clone()]
            .iter()
            .zip(&lanes.beta1[span.clone()])
            .map(|(&lr, &b)| [lr, b])
            .collect();
        let keys2: Vec<[f64; 2]> = lanes.beta2[span].iter().map(|&b| [b, 0.0]).collect();
        let mut blocks: Vec<(usize, usize, Block)> = (0..fx.len())
            .step_by(LANES)
            .map(|j| {
                let len = (fx.len() - j).min(LANES);
                (j, len, Block::load(lanes, base + j, len))
            })
            .collect();
        let window = steps.min(WINDOW);
        let mut bc1 = vec![[0.0; LANES]; window];
        let mut bc2 = vec![[0.0; LANES]; window];
        let mut start = 0;
        loop {
            let end = (start + WINDOW).min(steps);
            let tab1 = Table::new(&keys1, start..end, |[lr, b], t| -(lr / (1.0 - b.powf(t))));
            let tab2 = Table::new(&keys2, start..end, |[b, _], t| (1.0 - b.powf(t)).sqrt());
            let (bc1, bc2) = (&mut bc1[..end - start], &mut bc2[..end - start]);
            for (_, _, blk) in &mut blocks {
                let key1 = |l: usize| [blk.lr[l], blk.b1[l]];
                let key2 = |l: usize| [blk.b2[l], 0.0];
                let n = end - start;
                let f = match (tab1.uniform(key1, n), tab2.uniform(key2, n)) {
                    (Some(r1), Some(r2)) => Factors::Uniform(r1, r2),
                    _ => {
                        tab1.gather(key1, bc1);
                        tab2.gather(key2, bc2);
                        Factors::Lanes(bc1, bc2)
                    }
                };
                blk.run(isa, obj, start, f, o);
            }
            start = end;
            if start == steps {
                break;
            }
        }
        for (j, len, blk) in blocks {
            fx[j..j + len].copy_from_slice(&blk.acc.xf[..len]);
            for (f, &x) in fl[j..j + len].iter_mut().zip(&blk.acc.xf[..len]) {
                *f = obj.value_grad(x).0;
            }
            dv[j..j + len].copy_from_slice(&blk.acc.div[..len]);
            st[j..j + len].copy_from_slice(&blk.acc.hit[..len]);
            mu[j..j + len].copy_from_slice(&blk.acc.mu[..len]);
        }
    });
    Ok(())
}

/// Steps whose bias corrections are tabulated at a time: memory stays bounded by
/// `WINDOW × (distinct β per task)` whatever `--steps` is, and the values (`powf` of the step
/// number) do not depend on the window.
pub(super) const WINDOW: usize = 512;

/// Per-step factors for the distinct keys of a task over a window of steps: row `j` holds
/// `h(key_j, t)` for `t = s+1…e` — `−lr/(1 − β₁ᵗ)` keyed by `(lr, β₁)` and `√(1 − β₂ᵗ)` keyed by
/// `β₂`, with `powf` exactly as PyTorch's `beta ** step` and the same operations as the generic
/// Adam step. A grid has few distinct keys per task, so this costs a few `powf` per step and takes
/// one division per lane and step out of the lane loop.
struct Table {
    keys: Vec<[u64; 2]>,
    rows: Vec<f64>,
    steps: usize,
}

impl Table {
    fn new(keys: &[[f64; 2]], window: Range<usize>, h: impl Fn([f64; 2], f64) -> f64) -> Table {
        let mut keys: Vec<[u64; 2]> = keys.iter().map(|k| k.map(f64::to_bits)).collect();
        keys.sort_unstable();
        keys.dedup();
        let steps = window.len();
        let mut rows = Vec::with_capacity(keys.len() * steps);
        for &k in &keys {
            let k = k.map(f64::from_bits);
            rows.extend(window.clone().map(|t| h(k, (t + 1) as f64)));
        }
        Table { keys, rows, steps }
    }

    /// The row index of each lane's key.
    fn rows_of(&self, key: impl Fn(usize) -> [f64; 2]) -> [usize; LANES] {
        std::array::from_fn(|l| {
            self.keys
                .binary_search(&key(l).map(f64::to_bits))
                .expect("every key of the task is in its table")
        })
    }

    /// The first `n` entries of row `j`.
    fn row(&self, j: usize, n: usize) -> &[f64] {
        &self.rows[j * self.steps..j * self.steps + n]
    }

    /// The first `n` factors of the block's one key when all its lanes share it (the common
    /// case: the start point varies fastest in a grid), else `None`.
    fn uniform(&self, key: impl Fn(usize) -> [f64; 2], n: usize) -> Option<&[f64]> {
        let js = self.rows_of(key);
        js.iter().all(|&j| j == js[0]).then(|| self.row(js[0], n))
    }

    /// Fills `out[k][l] = h(key(l), s + k + 1)` for the lanes of a block (step-major, so the
    /// writes are contiguous and each lane's row is read in order).
    fn gather(&self, key: impl Fn(usize) -> [f64; 2], out: &mut [[f64; LANES]]) {
        let n = out.len();
        let rows = self.rows_of(key).map(|j| self.row(j, n));
        for (k, o) in out.iter_mut().enumerate() {
            for (ol, row) in o.iter_mut().zip(&rows) {
                *ol = row[k];
            }
        }
    }
}

/// The step factors `−lr/(1 − β₁ᵗ)` and `√(1 − β₂ᵗ)` of a block over a window of steps.
#[derive(Clone, Copy)]
enum Factors<'a> {
    /// `[k][l]`: step `k`, lane `l`.
    Lanes(&'a [[f64; LANES]], &'a [[f64; LANES]]),
    /// `[k]`: every lane has the same hyperparameters.
    Uniform(&'a [f64], &'a [f64]),
}

/// A factor of lane `l` at step `k` of the window, read in the lane loop.
trait Factor: Copy {
    fn len(self) -> usize;
    fn at(self, k: usize, l: usize) -> f64;
}

impl Factor for &[[f64; LANES]] {
    #[inline(always)]
    fn len(self) -> usize {
        <[[f64; LANES]]>::len(self)
    }
    #[inline(always)]
    fn at(self, k: usize, l: usize) -> f64 {
        self[k][l]
    }
}

impl Factor for &[f64] {
    #[inline(always)]
    fn len(self) -> usize {
        <[f64]>::len(self)
    }
    #[inline(always)]
    fn at(self, k: usize, _: usize) -> f64 {
        self[k]
    }
}

/// One block of lanes: parameters, Adam state and metric accumulators.
struct Block {
    lr: [f64; LANES],
    b1: [f64; LANES],
    b2: [f64; LANES],
    eps: [f64; LANES],
    x: [f64; LANES],
    prev: [f64; LANES],
    m: [f64; LANES],
    v: [f64; LANES],
    acc: Acc,
}

impl Block {
    /// Loads `len ≤ LANES` lanes from `start`; unused lanes repeat the last one (their results
    /// are not copied out).
    fn load(l: &AdamLanes, start: usize, len: usize) -> Block {
        let pick = |v: &[f64]| {
            let mut a = [0.0; LANES];
            for (i, ai) in a.iter_mut().enumerate() {
                *ai = v[start + i.min(len - 1)];
            }
            a
        };
        Block {
            lr: pick(&l.lr),
            b1: pick(&l.beta1),
            b2: pick(&l.beta2),
            eps: pick(&l.eps),
            x: pick(&l.x0),
            prev: pick(&l.x0),
            m: [0.0; LANES],
            v: [0.0; LANES],
            acc: Acc {
                xf: [0.0; LANES],
                div: [f64::INFINITY; LANES],
                hit: [f64::INFINITY; LANES],
                mu: [0.0; LANES],
            },
        }
    }

    /// Runs the steps with the kernel compiled for `isa` (which the caller has checked the CPU
    /// supports; every build performs the same IEEE operations — Rust never fuses `a·b + c` —
    /// only wider).
    fn run(&mut self, isa: Isa, obj: Objective1d, start: usize, f: Factors<'_>, o: &MetricOptions) {
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::supported` was checked when `isa` was chosen.
            Isa::Avx512 => unsafe { self.run_avx512(obj, start, f, o) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { self.run_avx2(obj, start, f, o) },
            _ => self.run_any(obj, start, f, o),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq,avx512vl")]
    unsafe fn run_avx512(
        &mut self,
        obj: Objective1d,
        start: usize,
        f: Factors<'_>,
        o: &MetricOptions,
    ) {
        self.run_any(obj, start, f, o);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2(
        &mut self,
        obj: Objective1d,
        start: usize,
        f: Factors<'_>,
        o: &MetricOptions,
    ) {
        self.run_any(obj, start, f, o);
    }

    #[inline(always)]
    fn run_any(&mut self, obj: Objective1d, start: usize, f: Factors<'_>, o: &MetricOptions) {
        match f {
            Factors::Lanes(bc1, bc2) => self.on_objective(obj, start, bc1, bc2, o),
            Factors::Uniform(bc1, bc2) => self.on_objective(obj, start, bc1, bc2, o),
        }
    }

    #[inline(always)]
    fn on_objective<F: Factor>(
        &mut self,
        obj: Objective1d,
        start: usize,
        bc1: F,
        bc2: F,
        o: &MetricOptions,
    ) {
        match (obj, o.tol_on) {
            (Objective1d::Quadratic { a, c }, TolOn::Grad) => {
                self.steps::<false, _, F>(Quadratic { a, c }, start, bc1, bc2, o)
            }
            (Objective1d::Quadratic { a, c }, TolOn::Gap) => {
                self.steps::<true, _, F>(Quadratic { a, c }, start, bc1, bc2, o)
            }
            (Objective1d::Rosen1d { c }, TolOn::Grad) => {
                self.steps::<false, _, F>(Rosen1d { c }, start, bc1, bc2, o)
            }
            (Objective1d::Rosen1d { c }, TolOn::Gap) => {
                self.steps::<true, _, F>(Rosen1d { c }, start, bc1, bc2, o)
            }
        }
    }

    /// Steps `start+1 … start+W` of every lane (and the final observation when that is the last
    /// step); `fg(θ) = (f(θ) − f*, f'(θ))`; `bc1.at(k, l)`, `bc2.at(k, l)` are `−lr/(1 − β₁ᵗ)`
    /// and `√(1 − β₂ᵗ)` of lane `l` at `t = start + k + 1`. State lives in local arrays, the lane
    /// loop has no branches (selects only) and no calls (everything it uses is
    /// `#[inline(always)]`: a closure would be compiled without the caller's target features and
    /// called out of line), so it vectorises.
    #[inline(always)]
    fn steps<const GAP: bool, G: Grad1d, F: Factor>(
        &mut self,
        fg: G,
        start: usize,
        bc1: F,
        bc2: F,
        o: &MetricOptions,
    ) {
        let (tol, max_abs) = (o.tol, o.max_abs);
        let (b1, b2, eps) = (self.b1, self.b2, self.eps);
        let (mut x, mut m, mut v) = (self.x, self.m, self.v);
        let mut acc = self.acc;
        let mut prev = self.prev;
        let mut w1 = [0.0; LANES];
        let mut small = [false; LANES];
        for l in 0..LANES {
            w1[l] = 1.0 - b1[l];
            small[l] = w1[l].abs() < 0.5;
        }
        let window = bc1.len().min(bc2.len());
        for k in 0..window {
            let kf = (start + k) as f64;
            for l in 0..LANES {
                let (f, g) = fg.fg(x[l]);
                acc.observe::<GAP>(l, kf, x[l], prev[l], f, g, tol, max_abs);
                prev[l] = x[l];
                // m.lerp_(g, 1 − β₁) as ATen: a + w(b − a) if |w| < ½ else b − (b − a)(1 − w).
                let d = g - m[l];
                m[l] = if small[l] {
                    m[l] + w1[l] * d
                } else {
                    g - d * b1[l]
                };
                v[l] = v[l] * b2[l] + (1.0 - b2[l]) * g * g;
                let neg_step = bc1.at(k, l);
                let denom = v[l].sqrt() / bc2.at(k, l) + eps[l];
                x[l] += neg_step * m[l] / denom;
            }
        }
        let end = start + window;
        if end as u64 == o.steps {
            let kf = end as f64;
            for l in 0..LANES {
                let (f, g) = fg.fg(x[l]);
                acc.observe::<GAP>(l, kf, x[l], prev[l], f, g, tol, max_abs);
            }
        }
        (self.x, self.prev, self.m, self.v, self.acc) = (x, prev, m, v, acc);
    }
}

/// A built-in objective's `(f − f*, f')` for the lane loop.
trait Grad1d: Copy {
    fn fg(self, x: f64) -> (f64, f64);
}

/// [`Objective1d::Quadratic`] in the lane loop.
#[derive(Clone, Copy)]
struct Quadratic {
    a: f64,
    c: f64,
}

impl Grad1d for Quadratic {
    #[inline(always)]
    fn fg(self, x: f64) -> (f64, f64) {
        Objective1d::quadratic(self.a, self.c, x)
    }
}

/// [`Objective1d::Rosen1d`] in the lane loop.
#[derive(Clone, Copy)]
struct Rosen1d {
    c: f64,
}

impl Grad1d for Rosen1d {
    #[inline(always)]
    fn fg(self, x: f64) -> (f64, f64) {
        Objective1d::rosen1d(self.c, x)
    }
}

/// A block's metric accumulators: final (or first bad) iterate, first bad step, first step
/// meeting the tolerance (`+∞` for none) and the largest update.
#[derive(Clone, Copy)]
struct Acc {
    xf: [f64; LANES],
    div: [f64; LANES],
    hit: [f64; LANES],
    mu: [f64; LANES],
}

impl Acc {
    /// Metric bookkeeping of lane `l` at iterate `x = x_k` after `prev = x_{k−1}` (see
    /// `metrics::discrete_metrics`), as selects.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn observe<const GAP: bool>(
        &mut self,
        l: usize,
        k: f64,
        x: f64,
        prev: f64,
        f: f64,
        g: f64,
        tol: f64,
        max_abs: f64,
    ) {
        let alive = self.div[l] == f64::INFINITY;
        let bad = x.is_nan() || x.abs() > max_abs;
        self.div[l] = if alive & bad { k } else { self.div[l] };
        self.xf[l] = if alive { x } else { self.xf[l] };
        let ok = alive & !bad;
        let du = (x - prev).abs();
        self.mu[l] = if ok & (du > self.mu[l]) {
            du
        } else {
            self.mu[l]
        };
        let q = if GAP { f } else { g.abs() };
        self.hit[l] = if ok & (q <= tol) & (self.hit[l] == f64::INFINITY) {
            k
        } else {
            self.hit[l]
        };
    }
}
