//! A small multilayer perceptron with hand-written backpropagation.
//!
//! Hand-written reverse mode is the point here (optdyn studies the optimizer, so the gradient
//! must be exact and cheap, and every line of it inspectable): the forward pass stores each
//! layer's (normalised) pre-activations and activations, the backward pass applies the chain rule
//! layer by layer. The matrix products are `matrixmultiply::dgemm`.
//!
//! Network (widths `w_0, …, w_L`, parameters `W_l ∈ R^{w_l×w_{l−1}}`, `b_l ∈ R^{w_l}`, stored
//! flat as `W_1, b_1, W_2, b_2, …`, each `W_l` row-major):
//! `z_l = W_l h_{l−1} + b_l`; for hidden layers `l < L`:
//! `ẑ_l = (z_l − μ(z_l))/√(Var(z_l) + ε_ln)` when layer normalisation is on (no affine
//! parameters, so each hidden `(W_l, b_l)` is scale-invariant), else `ẑ_l = z_l`;
//! `h_l = φ(ẑ_l)` with φ = tanh or ReLU; the output is `z_L`.
//! Loss per sample: squared error `‖z_L − y‖²`, logistic `ln(1 + e^{z}) − y z` (`y ∈ {0,1}`),
//! or softmax cross-entropy `logsumexp(z_L) − z_{L,y}`; `f` is the mean over samples.
//! Layer-norm backward: `∂z = (∂ẑ − mean(∂ẑ) − ẑ·mean(∂ẑ ⊙ ẑ))/σ`, `σ = √(Var + ε_ln)`.

use super::{Batching, Dataset, Pool, Scratch};
use crate::objective::Objective;

/// Hidden activation φ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `tanh`, `φ' = 1 − φ²`.
    Tanh,
    /// `max(0, x)`, `φ' = 1[x > 0]`.
    Relu,
}

/// Output loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlpLoss {
    /// `‖z − y‖²` (regression targets, `w_L = k`).
    Squared,
    /// `ln(1 + e^z) − y z` (two classes, `w_L = 1`).
    Logistic,
    /// `logsumexp(z) − z_y` (`C` classes, `w_L = C`).
    Softmax,
}

/// Per-thread buffers of one forward/backward pass (reused; grown only when a larger batch
/// arrives).
#[derive(Default)]
struct MlpScratch {
    s: Scratch,
    xb: Vec<f64>,
    z: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    sig: Vec<Vec<f64>>,
    d0: Vec<f64>,
    d1: Vec<f64>,
}

/// `C ← α A B + β C` for row-major, strided operands (thin safe wrapper over
/// `matrixmultiply::dgemm`, which reads `m·k`, `k·n` and writes `m·n` elements at the given
/// strides). Panics if a slice is shorter than its strides require (an internal invariant).
#[allow(clippy::too_many_arguments)]
fn gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f64,
    a: &[f64],
    (rsa, csa): (usize, usize),
    b: &[f64],
    (rsb, csb): (usize, usize),
    beta: f64,
    c: &mut [f64],
    rsc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    let need = |r: usize, cs: usize, rows: usize, cols: usize| (rows - 1) * r + (cols - 1) * cs + 1;
    if k > 0 {
        assert!(a.len() >= need(rsa, csa, m, k) && b.len() >= need(rsb, csb, k, n));
    }
    assert!(c.len() >= need(rsc, 1, m, n));
    // SAFETY: the assertions above guarantee every element addressed by the strides lies in the
    // slices; `c` is exclusively borrowed and does not alias `a` or `b`.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            1,
        );
    }
}

/// A multilayer perceptron objective on a data set.
pub struct Mlp {
    name: String,
    widths: Vec<usize>,
    act: Activation,
    layernorm: bool,
    ln_eps: f64,
    loss: MlpLoss,
    data: Dataset,
    batching: Batching,
    offsets: Vec<usize>,
    dim: usize,
    pool: Pool<MlpScratch>,
}

impl Mlp {
    /// Builds the network; the caller has checked that `widths[0] = data.d` and that the output
    /// width fits the loss.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        widths: Vec<usize>,
        act: Activation,
        layernorm: bool,
        ln_eps: f64,
        loss: MlpLoss,
        data: Dataset,
        batching: Batching,
    ) -> Self {
        let mut offsets = Vec::with_capacity(widths.len());
        let mut off = 0;
        for l in 1..widths.len() {
            offsets.push(off);
            off += widths[l] * widths[l - 1] + widths[l];
        }
        offsets.push(off);
        Mlp {
            name,
            widths,
            act,
            layernorm,
            ln_eps,
            loss,
            data,
            batching,
            offsets,
            dim: off,
            pool: Pool::new(),
        }
    }

    /// Number of parameters `Σ_l w_l (w_{l−1} + 1)` for the given widths.
    pub fn param_count(widths: &[usize]) -> usize {
        widths.windows(2).map(|w| w[1] * (w[0] + 1)).sum()
    }

    /// The layer widths `w_0, …, w_L`.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// The data set.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Parameter ranges `(W_l, b_l)` of layer `l` (1-based), as half-open index ranges: the
    /// natural parameter groups (one per layer; with layer norm each hidden group is
    /// scale-invariant).
    pub fn layer_ranges(&self, l: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let o = self.offsets[l - 1];
        let wl = self.widths[l] * self.widths[l - 1];
        (o..o + wl, o + wl..o + wl + self.widths[l])
    }

    /// Sizes of the per-layer parameter groups (`w_l (w_{l−1} + 1)`), e.g. for k-Adam's
    /// `groups=` key.
    pub fn group_sizes(&self) -> Vec<usize> {
        self.widths.windows(2).map(|w| w[1] * (w[0] + 1)).collect()
    }

    /// A seeded initialisation: `W_l` entries `N(0, g/w_{l−1})` (LeCun, `g = 1` for tanh; He,
    /// `g = 2` for ReLU), biases 0. Deterministic given `seed` (ChaCha8 stream 5).
    ///
    /// CLI use (proposal): when `--x0` is a single value `c` the runner broadcasts it to
    /// `dim()`; when `--x0 init:SEED` (or no `--x0`) is given for an `mlp` objective, it calls
    /// this. Otherwise `len(x0)` must equal `dim()`.
    pub fn init_params(&self, seed: u64) -> Vec<f64> {
        let mut r = super::datasets::rng(seed, 5);
        let gain = match self.act {
            Activation::Tanh => 1.0,
            Activation::Relu => 2.0,
        };
        let mut p = vec![0.0; self.dim];
        for l in 1..self.widths.len() {
            let (wr, _) = self.layer_ranges(l);
            let s = (gain / self.widths[l - 1] as f64).sqrt();
            for v in &mut p[wr] {
                *v = s * super::datasets::normal(&mut r);
            }
        }
        p
    }

    /// Network outputs `z_L` for the data rows `idx` (all rows when `None`), row-major
    /// `B × w_L` into `out` (resized).
    pub fn predict(&self, w: &[f64], idx: Option<&[usize]>, out: &mut Vec<f64>) {
        self.pool.with(|ws| {
            let b = self.forward(w, idx, ws);
            let last = &ws.z[self.widths.len() - 2];
            out.clear();
            out.extend_from_slice(&last[..b * self.widths[self.widths.len() - 1]]);
        });
    }

    fn ensure(&self, ws: &mut MlpScratch, b: usize) {
        let nl = self.widths.len() - 1;
        if ws.z.len() != nl {
            ws.z = vec![Vec::new(); nl];
            ws.a = vec![Vec::new(); nl];
            ws.sig = vec![Vec::new(); nl];
        }
        let grow = |v: &mut Vec<f64>, len: usize| {
            if v.len() < len {
                v.resize(len, 0.0);
            }
        };
        let wmax = *self.widths.iter().max().unwrap_or(&1);
        grow(&mut ws.xb, b * self.widths[0]);
        for l in 0..nl {
            grow(&mut ws.z[l], b * self.widths[l + 1]);
            grow(&mut ws.a[l], b * self.widths[l + 1]);
            grow(&mut ws.sig[l], b);
        }
        grow(&mut ws.d0, b * wmax);
        grow(&mut ws.d1, b * wmax);
    }

    /// Forward pass over the rows `idx` (or all); returns the batch size.
    fn forward(&self, w: &[f64], idx: Option<&[usize]>, ws: &mut MlpScratch) -> usize {
        let b = idx.map_or(self.data.n, <[usize]>::len);
        self.ensure(ws, b);
        let d = self.widths[0];
        if let Some(ix) = idx {
            for (r, &i) in ix.iter().enumerate() {
                ws.xb[r * d..(r + 1) * d].copy_from_slice(self.data.row(i));
            }
        }
        let nl = self.widths.len() - 1;
        for l in 0..nl {
            let (win, wout) = (self.widths[l], self.widths[l + 1]);
            let o = self.offsets[l];
            let wm = &w[o..o + wout * win];
            let bias = &w[o + wout * win..o + wout * win + wout];
            let (prev, rest) = ws.a.split_at_mut(l);
            let h: &[f64] = if l == 0 {
                if idx.is_some() {
                    &ws.xb
                } else {
                    &self.data.x
                }
            } else {
                &prev[l - 1]
            };
            let z = &mut ws.z[l];
            for r in 0..b {
                z[r * wout..(r + 1) * wout].copy_from_slice(bias);
            }
            gemm(b, win, wout, 1.0, h, (win, 1), wm, (1, win), 1.0, z, wout);
            if l + 1 == nl {
                break;
            }
            let a = &mut rest[0];
            let sig = &mut ws.sig[l];
            for r in 0..b {
                let zr = &mut z[r * wout..(r + 1) * wout];
                if self.layernorm {
                    let mu = zr.iter().sum::<f64>() / wout as f64;
                    let var = zr.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / wout as f64;
                    let s = (var + self.ln_eps).sqrt();
                    sig[r] = s;
                    zr.iter_mut().for_each(|v| *v = (*v - mu) / s);
                }
                let ar = &mut a[r * wout..(r + 1) * wout];
                for (av, zv) in ar.iter_mut().zip(zr.iter()) {
                    *av = match self.act {
                        Activation::Tanh => zv.tanh(),
                        Activation::Relu => zv.max(0.0),
                    };
                }
            }
        }
        b
    }

    /// Per-sample loss and `∂ℓ/∂z_L` (into `dz`) of output row `o` against data row `i`.
    fn loss_row(&self, o: &[f64], i: usize, dz: &mut [f64]) -> f64 {
        let t = self.data.target(i);
        match self.loss {
            MlpLoss::Squared => {
                let mut l = 0.0;
                for ((dv, ov), tv) in dz.iter_mut().zip(o).zip(t) {
                    let r = ov - tv;
                    l += r * r;
                    *dv = 2.0 * r;
                }
                l
            }
            MlpLoss::Logistic => {
                let (z, y) = (o[0], t[0]);
                dz[0] = 1.0 / (1.0 + (-z).exp()) - y;
                z.max(0.0) - y * z + (-z.abs()).exp().ln_1p()
            }
            MlpLoss::Softmax => {
                let m = o.iter().fold(f64::NEG_INFINITY, |a, v| a.max(*v));
                let s: f64 = o.iter().map(|v| (v - m).exp()).sum();
                let lse = m + s.ln();
                let y = t[0] as usize;
                for (j, (dv, ov)) in dz.iter_mut().zip(o).enumerate() {
                    *dv = (ov - lse).exp() - if j == y { 1.0 } else { 0.0 };
                }
                lse - o[y]
            }
        }
    }

    /// Mean loss over `idx` (or all rows) and, if `g` is given, its gradient by backpropagation.
    fn eval(&self, w: &[f64], idx: Option<&[usize]>, g: Option<&mut [f64]>) -> f64 {
        self.pool.with(|ws| self.eval_in(w, idx, g, ws))
    }

    fn eval_in(
        &self,
        w: &[f64],
        idx: Option<&[usize]>,
        g: Option<&mut [f64]>,
        ws: &mut MlpScratch,
    ) -> f64 {
        let b = self.forward(w, idx, ws);
        let nl = self.widths.len() - 1;
        let out = self.widths[nl];
        let inv = 1.0 / b as f64;
        let mut total = 0.0;
        for r in 0..b {
            let i = idx.map_or(r, |ix| ix[r]);
            let o = &ws.z[nl - 1][r * out..(r + 1) * out];
            total += self.loss_row(o, i, &mut ws.d0[r * out..(r + 1) * out]);
        }
        let Some(g) = g else {
            return total * inv;
        };
        ws.d0[..b * out].iter_mut().for_each(|v| *v *= inv);
        for l in (0..nl).rev() {
            let (win, wout) = (self.widths[l], self.widths[l + 1]);
            let o = self.offsets[l];
            let h: &[f64] = if l == 0 {
                if idx.is_some() {
                    &ws.xb
                } else {
                    &self.data.x
                }
            } else {
                &ws.a[l - 1]
            };
            let dz = &ws.d0;
            let (gw, gb) = g[o..o + wout * (win + 1)].split_at_mut(wout * win);
            gemm(wout, b, win, 1.0, dz, (1, wout), h, (win, 1), 0.0, gw, win);
            gb.fill(0.0);
            for r in 0..b {
                for (gv, dv) in gb.iter_mut().zip(&dz[r * wout..(r + 1) * wout]) {
                    *gv += dv;
                }
            }
            if l == 0 {
                break;
            }
            let wm = &w[o..o + wout * win];
            gemm(
                b,
                wout,
                win,
                1.0,
                dz,
                (wout, 1),
                wm,
                (win, 1),
                0.0,
                &mut ws.d1,
                win,
            );
            let zh = &ws.z[l - 1];
            let ah = &ws.a[l - 1];
            let sig = &ws.sig[l - 1];
            for r in 0..b {
                let dr = &mut ws.d1[r * win..(r + 1) * win];
                let zr = &zh[r * win..(r + 1) * win];
                let ar = &ah[r * win..(r + 1) * win];
                for ((dv, zv), av) in dr.iter_mut().zip(zr).zip(ar) {
                    *dv *= match self.act {
                        Activation::Tanh => 1.0 - av * av,
                        Activation::Relu => {
                            if *zv > 0.0 {
                                1.0
                            } else {
                                0.0
                            }
                        }
                    };
                }
                if self.layernorm {
                    let m1 = dr.iter().sum::<f64>() / win as f64;
                    let m2 = dr.iter().zip(zr).map(|(dv, zv)| dv * zv).sum::<f64>() / win as f64;
                    let s = sig[r];
                    for (dv, zv) in dr.iter_mut().zip(zr) {
                        *dv = (*dv - m1 - zv * m2) / s;
                    }
                }
            }
            std::mem::swap(&mut ws.d0, &mut ws.d1);
        }
        total * inv
    }
}

impl Objective for Mlp {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.eval(x, None, None)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.eval(x, None, Some(g));
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.eval(x, None, Some(g))
    }
    /// Central difference of the exact gradient,
    /// `(∇f(x + hv) − ∇f(x − hv))/(2h)`, `h = 10⁻⁵·max(1, ‖x‖)/‖v‖`: error `O(h²)` (about
    /// 1e-9 relative for smooth activations; not exact across ReLU kinks). Allocates.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let nv = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if nv == 0.0 {
            out.fill(0.0);
            return;
        }
        let nx = x.iter().map(|a| a * a).sum::<f64>().sqrt();
        let h = 1e-5 * nx.max(1.0) / nv;
        let xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
        let xm: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
        let mut gm = vec![0.0; x.len()];
        self.gradient(&xp, out);
        self.gradient(&xm, &mut gm);
        for (o, m) in out.iter_mut().zip(&gm) {
            *o = (*o - m) / (2.0 * h);
        }
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        if self.batching.is_full(self.data.n) {
            return self.value_gradient(x, g);
        }
        self.pool.with(|ws| {
            self.batching.draw(self.data.n, step, &mut ws.s);
            let idx = std::mem::take(&mut ws.s.idx);
            let l = self.eval_in(x, Some(&idx), Some(g), ws);
            ws.s.idx = idx;
            l
        })
    }
    /// Minibatch means of `batch` samples drawn without replacement (exact at full batch).
    fn step_noise(&self) -> Option<crate::objective::StepNoise> {
        let n = self.data.n;
        Some(crate::objective::StepNoise {
            additive: Vec::new(),
            batch: (!self.batching.is_full(n)).then_some(self.batching.batch),
        })
    }
    fn num_samples(&self) -> usize {
        self.data.n
    }
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        self.eval(x, Some(&[i]), Some(g))
    }
}
