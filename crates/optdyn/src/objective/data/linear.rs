//! Generalised linear data objectives: least squares and logistic regression.
//!
//! Both are empirical risks `f(w) = (1/N) Σ_i ℓ(z_i, y_i)` of the linear score
//! `z_i = a_iᵀw (+ w_bias)`, with derivatives by the chain rule
//! `∇f = (1/N) Σ ℓ'(z_i) ã_i`, `∇²f·v = (1/N) Σ ℓ''(z_i)(ã_iᵀv) ã_i` (`ã_i = (a_i, 1)` with a bias).

use super::{Batching, Dataset, Pool, Scratch};
use crate::objective::Objective;

/// The per-sample loss of a linear model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinearLoss {
    /// `ℓ(z, y) = (z − y)²` (no ½: Heredia's `mean((y − θx)²)`, heredia.md §4).
    Squared,
    /// `ℓ(z, y) = ln(1 + exp(−s z))`, `s = 2y − 1 ∈ {−1, 1}` for labels `y ∈ {0, 1}`.
    Logistic,
}

impl LinearLoss {
    /// `(ℓ, ∂ℓ/∂z, ∂²ℓ/∂z²)` at score `z` and target `y`; the logistic form is evaluated stably
    /// as `max(0, −sz) + ln(1 + e^{−|sz|})`, `∂ℓ/∂z = −s σ(−sz)`, `∂²ℓ/∂z² = σ(z)(1 − σ(z))`.
    #[inline]
    pub fn eval(self, z: f64, y: f64) -> (f64, f64, f64) {
        match self {
            LinearLoss::Squared => {
                let r = z - y;
                (r * r, 2.0 * r, 2.0)
            }
            LinearLoss::Logistic => {
                let s = 2.0 * y - 1.0;
                let t = -s * z;
                let loss = t.max(0.0) + (-t.abs()).exp().ln_1p();
                let sig_t = 1.0 / (1.0 + (-t).exp());
                let sig_z = 1.0 / (1.0 + (-z).exp());
                (loss, -s * sig_t, sig_z * (1.0 - sig_z))
            }
        }
    }
}

/// A linear model with loss [`LinearLoss`] on a [`Dataset`] (scalar targets).
pub struct LinearModel {
    name: String,
    loss: LinearLoss,
    data: Dataset,
    bias: bool,
    batching: Batching,
    fstar: Option<f64>,
    pool: Pool<Scratch>,
}

impl LinearModel {
    /// Builds the model; `fstar` is the known minimum (least squares: from an SVD solve).
    pub fn new(
        name: String,
        loss: LinearLoss,
        data: Dataset,
        bias: bool,
        batching: Batching,
    ) -> Self {
        let mut m = LinearModel {
            name,
            loss,
            data,
            bias,
            batching,
            fstar: None,
            pool: Pool::new(),
        };
        if loss == LinearLoss::Squared {
            m.fstar = m.least_squares_solution().map(|w| m.value(&w));
        }
        m
    }

    /// The data set.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Whether a bias parameter (last coordinate) is appended.
    pub fn has_bias(&self) -> bool {
        self.bias
    }

    /// The minimum-norm least-squares solution `w = Ã⁺y` (SVD, nalgebra), for problems with at
    /// most 400 parameters and 4·10⁶ matrix entries whose sums of squares are finite; `None`
    /// otherwise (an overflowing SVD yields NaN singular values, on which nalgebra panics).
    pub fn least_squares_solution(&self) -> Option<Vec<f64>> {
        let p = self.dim();
        let n = self.data.n;
        let squares_finite = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().is_finite();
        if p > 400
            || n * p > 4_000_000
            || !squares_finite(&self.data.x)
            || !squares_finite(&self.data.y)
        {
            return None;
        }
        let a = nalgebra::DMatrix::from_fn(n, p, |i, j| {
            if j < self.data.d {
                self.data.row(i)[j]
            } else {
                1.0
            }
        });
        let y = nalgebra::DVector::from_column_slice(&self.data.y);
        let svd = a.svd(true, true);
        let smax = svd.singular_values.max();
        let w = svd.solve(&y, 1e-12 * smax.max(1e-300)).ok()?;
        Some(w.iter().copied().collect())
    }

    #[inline]
    fn score(&self, i: usize, w: &[f64]) -> f64 {
        let a = self.data.row(i);
        let z: f64 = a.iter().zip(w).map(|(p, q)| p * q).sum();
        if self.bias {
            z + w[self.data.d]
        } else {
            z
        }
    }

    /// Adds `c·ã_i` to `g`.
    #[inline]
    fn axpy(&self, i: usize, c: f64, g: &mut [f64]) {
        let d = self.data.d;
        for (gj, aj) in g[..d].iter_mut().zip(self.data.row(i)) {
            *gj += c * aj;
        }
        if self.bias {
            g[d] += c;
        }
    }

    /// Mean loss over `idx` (all samples when `None`), and its gradient into `g` if given.
    fn eval(&self, w: &[f64], idx: Option<&[usize]>, mut g: Option<&mut [f64]>) -> f64 {
        if let Some(g) = g.as_deref_mut() {
            g.fill(0.0);
        }
        let mut total = 0.0;
        let mut one = |i: usize| {
            let (l, dl, _) = self.loss.eval(self.score(i, w), self.data.y[i]);
            total += l;
            if let Some(g) = g.as_deref_mut() {
                self.axpy(i, dl, g);
            }
        };
        let count = match idx {
            Some(ix) => {
                ix.iter().for_each(|&i| one(i));
                ix.len()
            }
            None => {
                (0..self.data.n).for_each(&mut one);
                self.data.n
            }
        };
        let inv = 1.0 / count as f64;
        if let Some(g) = g {
            g.iter_mut().for_each(|v| *v *= inv);
        }
        total * inv
    }
}

impl Objective for LinearModel {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.data.d + usize::from(self.bias)
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
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for i in 0..self.data.n {
            let (_, _, d2) = self.loss.eval(self.score(i, x), self.data.y[i]);
            let av = self.score(i, v);
            self.axpy(i, d2 * av, out);
        }
        let inv = 1.0 / self.data.n as f64;
        out.iter_mut().for_each(|o| *o *= inv);
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        if self.batching.is_full(self.data.n) {
            return self.value_gradient(x, g);
        }
        self.pool.with(|s| {
            self.batching.draw(self.data.n, step, s);
            self.eval(x, Some(&s.idx), Some(g))
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
    fn min_value(&self) -> Option<f64> {
        self.fstar
    }
}
