//! Causal memory kernels `K(s)`, `s = t − τ ≥ 0`, and the memory integral
//! `y(t) = ∫_0^t K(t − τ) u(τ) dτ` of a sampled input `u`.
//!
//! Two ways to evaluate the memory integral on a uniform grid `t_n = n·h`, both for the
//! piecewise-linear interpolant of the samples `u_n` (so they compute the *same* number):
//!
//! * [`Recursion`] — for kernels with a finite state-space realisation
//!   `K(s) = c·e^{A s}·b` ([`StateSpace`]: exponentials, Heredia's second-order sinh / critical /
//!   sin kernels, sums of exponentials). `y = c·x` with `x' = A x + b u`, `x(0) = 0`, advanced by the
//!   exact discretisation `x_{n+1} = E_xx x_n + E_xu u_n + E_xδ (u_{n+1} − u_n)/h` where `E` is the
//!   matrix exponential of the augmented generator (Van Loan 1978). O(d²) work per step, never a
//!   re-summation of the history.
//! * [`HistoryQuadrature`] — for any kernel (a user `K(s)`, the power law `s^(−a)`): product
//!   integration `y_n = Σ_l (Wa_l u_{n−1−l} + Wb_l u_{n−l})` with the lag weights of the hat
//!   functions, `Wa_l = ∫_{lh}^{(l+1)h} K(s)(s − lh)/h ds`, `Wb_l = ∫_{lh}^{(l+1)h} K(s)((l+1)h − s)/h ds`
//!   ([`Kernel::hat_weights`]). O(n) per step.
//!
//! The fast path for arbitrary kernels is a sum-of-exponentials fit ([`SumOfExponentials`]:
//! the exponential-sum quadrature of `s^(−a) = Γ(a)⁻¹ ∫ x^{a−1} e^{−sx} dx` for the power law, a
//! least-squares fit on log-spaced rates for a user kernel), which turns the memory term back into
//! a [`Recursion`].
//!
//! For a whole run, [`MemoryKernel`] is a model's kernel choice (the paper's, `power:a=…`,
//! `soe:terms=…`, a user closure), [`MemoryFit`] the fast path's fit on `[h, T]` with its
//! error bound, and [`MemoryPath`] marches many channels at once (exact quadrature, the
//! sum-of-exponentials fast path, or a state-space recursion).

use crate::{Error, Result};
use std::sync::Arc;

mod choice;
mod fit;
mod gauss;
mod path;
mod weights;

pub use choice::{MemoryKernel, PowerScale};
pub use fit::{relative_error, MemoryFit};
pub use path::{MemoryPath, QuadraturePath, SoePath, StateSpacePath};

/// Largest state-space dimension supported by [`StateSpace`].
pub const MAX_DIM: usize = 4;
const AUG: usize = MAX_DIM + 2;

/// A finite state-space realisation `K(s) = c·e^{A s}·b` of dimension `d ≤ MAX_DIM`
/// (`A` row-major in `a[..d*d]`). The memory integral is the output `c·x` of the linear ODE
/// `x' = A x + b u`, `x(0) = 0` — the "auxiliary-state form" the models integrate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateSpace {
    /// State dimension.
    pub d: usize,
    /// Generator `A`, row-major `d×d`.
    pub a: [f64; MAX_DIM * MAX_DIM],
    /// Input vector `b`.
    pub b: [f64; MAX_DIM],
    /// Output vector `c`.
    pub c: [f64; MAX_DIM],
}

impl StateSpace {
    /// `K(s) = w·e^{−r s}`: `x' = −r x + w u`, `y = x`. With `w = r = λ` this is the unit-mass EMA
    /// kernel `λ e^{−λ s}` of Heredia (2024) (`λ = (1−β)/lr`, or `−ln β / lr` for the exact EMA).
    pub fn exponential(weight: f64, rate: f64) -> Self {
        let mut s = StateSpace {
            d: 1,
            a: [0.0; MAX_DIM * MAX_DIM],
            b: [0.0; MAX_DIM],
            c: [0.0; MAX_DIM],
        };
        s.a[0] = -rate;
        s.b[0] = weight;
        s.c[0] = 1.0;
        s
    }

    /// Heredia (2025, arXiv:2602.09101) second-order moment kernel `((1−β)/α)·K_β(s)` with
    /// `K_β(s) = (2/κ)e^{−s/α} sinh(κs/α)` (β > 1/2, κ = √(2β−1)), `(2s/α)e^{−s/α}` (β = 1/2),
    /// `(2/ϱ)e^{−s/α} sin(ϱs/α)` (β < 1/2, ϱ = √(1−2β)): the Green's function of
    /// `(α²/2) m'' + α m' + (1−β) m = (1−β) g`, i.e. the companion form `m' = p`,
    /// `p' = (2/α²)[(1−β)(g − m) − α p]` with zero initial data (`K(0) = 0`, unit mass).
    pub fn second_order(beta: f64, alpha: f64) -> Self {
        let mut s = StateSpace {
            d: 2,
            a: [0.0; MAX_DIM * MAX_DIM],
            b: [0.0; MAX_DIM],
            c: [0.0; MAX_DIM],
        };
        let k = 2.0 * (1.0 - beta) / (alpha * alpha);
        s.a[1] = 1.0; // row 0: [0, 1]
        s.a[2] = -k; // row 1: [−2(1−β)/α², −2/α]
        s.a[3] = -2.0 / alpha;
        s.b[1] = k;
        s.c[0] = 1.0;
        s
    }

    /// A sum of exponentials `Σ w_j e^{−r_j s}` (diagonal realisation), at most `MAX_DIM` terms.
    pub fn sum_of_exponentials(terms: &[(f64, f64)]) -> Result<Self> {
        if terms.is_empty() || terms.len() > MAX_DIM {
            return Err(Error::spec(format!(
                "kernel: a state-space sum of exponentials needs 1..={MAX_DIM} terms, got {}",
                terms.len()
            )));
        }
        let d = terms.len();
        let mut s = StateSpace {
            d,
            a: [0.0; MAX_DIM * MAX_DIM],
            b: [0.0; MAX_DIM],
            c: [0.0; MAX_DIM],
        };
        for (j, &(w, r)) in terms.iter().enumerate() {
            s.a[j * d + j] = -r;
            s.b[j] = w;
            s.c[j] = 1.0;
        }
        Ok(s)
    }

    /// `ẋ = A x + b u` written into `dx` (length `d`). Allocation-free.
    #[inline]
    pub fn rhs(&self, x: &[f64], u: f64, dx: &mut [f64]) {
        let d = self.d;
        for (i, out) in dx.iter_mut().enumerate().take(d) {
            let row = &self.a[i * d..(i + 1) * d];
            *out = self.b[i] * u + row.iter().zip(x).map(|(a, xj)| a * xj).sum::<f64>();
        }
    }

    /// The output `y = c·x`.
    #[inline]
    pub fn output(&self, x: &[f64]) -> f64 {
        (0..self.d).map(|i| self.c[i] * x[i]).sum()
    }

    /// `K(s) = c·e^{A s}·b`.
    pub fn eval(&self, s: f64) -> f64 {
        let d = self.d;
        let mut m = [0.0; AUG * AUG];
        for i in 0..d {
            for j in 0..d {
                m[i * d + j] = self.a[i * d + j] * s;
            }
        }
        let e = expm(&m[..d * d], d);
        let mut y = 0.0;
        for i in 0..d {
            for j in 0..d {
                y += self.c[i] * e[i * d + j] * self.b[j];
            }
        }
        y
    }
}

/// Matrix exponential of a small row-major `d×d` matrix (`d ≤ AUG`) by scaling and squaring
/// with a 20-term Taylor series (relative accuracy ~1e-15 after scaling to norm ≤ 1/2).
fn expm(m: &[f64], d: usize) -> [f64; AUG * AUG] {
    let norm = m.iter().fold(0.0f64, |a, v| a.max(v.abs())) * d as f64;
    let mut sq = 0u32;
    let mut scale = 1.0;
    while norm * scale > 0.5 {
        scale *= 0.5;
        sq += 1;
    }
    let mut a = [0.0; AUG * AUG];
    for i in 0..d * d {
        a[i] = m[i] * scale;
    }
    let mut e = [0.0; AUG * AUG];
    let mut term = [0.0; AUG * AUG];
    for i in 0..d {
        e[i * d + i] = 1.0;
        term[i * d + i] = 1.0;
    }
    for k in 1..=20 {
        let next = matmul(&term, &a, d);
        for i in 0..d * d {
            term[i] = next[i] / k as f64;
            e[i] += term[i];
        }
    }
    for _ in 0..sq {
        e = matmul(&e, &e, d);
    }
    e
}

fn matmul(x: &[f64; AUG * AUG], y: &[f64; AUG * AUG], d: usize) -> [f64; AUG * AUG] {
    let mut z = [0.0; AUG * AUG];
    for i in 0..d {
        for k in 0..d {
            let xik = x[i * d + k];
            for j in 0..d {
                z[i * d + j] += xik * y[k * d + j];
            }
        }
    }
    z
}

/// Incremental memory integral on the grid `t_n = n·h`: feed the input samples `u_0, u_1, …`
/// in order; each call returns `y_n = ∫_0^{t_n} K(t_n − τ) ũ(τ) dτ` for the piecewise-linear
/// interpolant `ũ` of the samples so far (`y_0 = 0`).
pub trait Convolution {
    /// Feeds `u_n` and returns `y_n`.
    fn push(&mut self, u: f64) -> f64;
}

/// Exact O(1)-per-step recursion for a [`StateSpace`] kernel (see the module doc).
#[derive(Debug, Clone)]
pub struct Recursion {
    ss: StateSpace,
    h: f64,
    /// exp of the augmented generator `[[A h, b h, 0], [0, 0, h], [0, 0, 0]]`, `(d+2)²`.
    e: [f64; AUG * AUG],
    x: [f64; MAX_DIM],
    prev: Option<f64>,
}

impl Recursion {
    /// The exact discretisation of `ss` with step `h > 0`.
    pub fn new(ss: StateSpace, h: f64) -> Result<Self> {
        if !(h > 0.0 && h.is_finite()) {
            return Err(Error::spec(format!("kernel: step h must be > 0, got {h}")));
        }
        let d = ss.d;
        let n = d + 2;
        let mut m = [0.0; AUG * AUG];
        for i in 0..d {
            for j in 0..d {
                m[i * n + j] = ss.a[i * d + j] * h;
            }
            m[i * n + d] = ss.b[i] * h;
        }
        m[d * n + d + 1] = h;
        let e = expm(&m[..n * n], n);
        Ok(Recursion {
            ss,
            h,
            e,
            x: [0.0; MAX_DIM],
            prev: None,
        })
    }

    /// Forgets the history.
    pub fn reset(&mut self) {
        self.x = [0.0; MAX_DIM];
        self.prev = None;
    }
}

impl Recursion {
    /// The state after the next sample `u` (the current one before the first sample).
    fn advanced(&self, u: f64) -> [f64; MAX_DIM] {
        let d = self.ss.d;
        let n = d + 2;
        let Some(u0) = self.prev else {
            return self.x;
        };
        let slope = (u - u0) / self.h;
        let mut x = [0.0; MAX_DIM];
        for (i, xi) in x.iter_mut().enumerate().take(d) {
            let row = &self.e[i * n..i * n + n];
            *xi = row[d] * u0
                + row[d + 1] * slope
                + row[..d]
                    .iter()
                    .zip(&self.x)
                    .map(|(e, xj)| e * xj)
                    .sum::<f64>();
        }
        x
    }

    /// The output `y_{n+1}` if the next sample were `u`, without storing it.
    pub fn peek(&self, u: f64) -> f64 {
        self.ss.output(&self.advanced(u)[..self.ss.d])
    }
}

impl Convolution for Recursion {
    fn push(&mut self, u: f64) -> f64 {
        self.x = self.advanced(u);
        self.prev = Some(u);
        self.ss.output(&self.x[..self.ss.d])
    }
}

/// A causal kernel.
#[derive(Clone)]
pub enum Kernel {
    /// A finite state-space realisation (exponential, second-order, sums of exponentials).
    StateSpace(StateSpace),
    /// `coef · s^(−exponent)`, `0 < exponent < 1` (integrable singularity at 0).
    PowerLaw {
        /// Prefactor.
        coef: f64,
        /// Exponent `a` in `s^(−a)`.
        exponent: f64,
    },
    /// An explicit sum of exponentials `Σ w_j e^{−r_j s}` (any number of terms).
    Sum(SumOfExponentials),
    /// A user kernel `K(s)`, assumed bounded and smooth on each grid interval.
    Custom(Arc<dyn Fn(f64) -> f64 + Send + Sync>),
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kernel::StateSpace(s) => write!(f, "StateSpace({s:?})"),
            Kernel::PowerLaw { coef, exponent } => write!(f, "PowerLaw({coef}·s^-{exponent})"),
            Kernel::Sum(s) => write!(f, "Sum({:?})", s.terms),
            Kernel::Custom(_) => write!(f, "Custom"),
        }
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::spec::fmt_f64 as n;
        match self {
            Kernel::StateSpace(s) if s.d == 1 => {
                write!(f, "{}·e^(-{}s)", n(s.b[0] * s.c[0]), n(-s.a[0]))
            }
            Kernel::StateSpace(s) => write!(f, "state-space kernel of dimension {}", s.d),
            Kernel::PowerLaw { coef, exponent } => write!(f, "{}·s^(-{})", n(*coef), n(*exponent)),
            Kernel::Sum(s) => write!(f, "sum of {} exponentials", s.terms.len()),
            Kernel::Custom(_) => write!(f, "user kernel"),
        }
    }
}

impl Kernel {
    /// `K(s)` for `s > 0`.
    pub fn eval(&self, s: f64) -> f64 {
        match self {
            Kernel::StateSpace(ss) => ss.eval(s),
            Kernel::PowerLaw { coef, exponent } => coef * s.powf(-exponent),
            Kernel::Sum(soe) => soe.eval(s),
            Kernel::Custom(k) => k(s),
        }
    }

    /// The exact O(1) recursion when the kernel has a state-space realisation.
    pub fn recursion(&self, h: f64) -> Option<Result<Recursion>> {
        match self {
            Kernel::StateSpace(ss) => Some(Recursion::new(*ss, h)),
            _ => None,
        }
    }

    /// The O(n)-per-step history quadrature (works for every kernel).
    pub fn quadrature(&self, h: f64) -> Result<HistoryQuadrature> {
        HistoryQuadrature::new(self.clone(), h)
    }
}

/// Product-integration history quadrature (see the module doc). Memory and work grow with the
/// number of steps; lag weights are computed once each and reused.
#[derive(Debug, Clone)]
pub struct HistoryQuadrature {
    kernel: Kernel,
    h: f64,
    u: Vec<f64>,
    wa: Vec<f64>,
    wb: Vec<f64>,
}

const GL8_X: [f64; 8] = [
    -0.960_289_856_497_536_3,
    -0.796_666_477_413_626_7,
    -0.525_532_409_916_329,
    -0.183_434_642_495_649_8,
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL8_W: [f64; 8] = [
    0.101_228_536_290_376_26,
    0.222_381_034_453_374_48,
    0.313_706_645_877_887_3,
    0.362_683_783_378_362,
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_48,
    0.101_228_536_290_376_26,
];

impl HistoryQuadrature {
    /// A quadrature with step `h > 0`.
    pub fn new(kernel: Kernel, h: f64) -> Result<Self> {
        if !(h > 0.0 && h.is_finite()) {
            return Err(Error::spec(format!("kernel: step h must be > 0, got {h}")));
        }
        if let Kernel::PowerLaw { exponent, .. } = kernel {
            if !(exponent > 0.0 && exponent < 1.0) {
                return Err(Error::spec(format!(
                    "kernel: power-law exponent must be in (0, 1), got {exponent}"
                )));
            }
        }
        Ok(HistoryQuadrature {
            kernel,
            h,
            u: Vec::new(),
            wa: Vec::new(),
            wb: Vec::new(),
        })
    }

    /// Reserves room for `n` samples (so later pushes do not reallocate).
    pub fn reserve(&mut self, n: usize) {
        self.u.reserve(n);
        self.wa.reserve(n);
        self.wb.reserve(n);
    }
}

impl Convolution for HistoryQuadrature {
    fn push(&mut self, u: f64) -> f64 {
        self.u.push(u);
        let n = self.u.len() - 1;
        if n == 0 {
            return 0.0;
        }
        let (wa, wb) = self.kernel.hat_weights(n - 1, self.h);
        self.wa.push(wa);
        self.wb.push(wb);
        let mut y = 0.0;
        for l in 0..n {
            y += self.wa[l] * self.u[n - 1 - l] + self.wb[l] * self.u[n - l];
        }
        y
    }
}

/// `K(s) ≈ Σ_j w_j e^{−r_j s}`: the fast path for kernels without a finite realisation.
#[derive(Debug, Clone, PartialEq)]
pub struct SumOfExponentials {
    /// `(w_j, r_j)` pairs.
    pub terms: Vec<(f64, f64)>,
}

/// The Gamma function (Lanczos approximation, g = 7, 9 terms; relative error ~1e-15).
pub fn gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

impl SumOfExponentials {
    /// `s^(−a) = Γ(a)⁻¹ ∫_{−∞}^{∞} e^{a y} e^{−s e^y} dy` discretised by the trapezoid rule with
    /// step `dy` on `y ∈ [y_lo, y_hi]` chosen for `s ∈ [s_min, s_max]` (Beylkin–Monzón 2010,
    /// McLean 2018): rates `r_j = e^{y_j}`, weights `w_j = coef·dy·e^{a y_j}/Γ(a)`. The relative
    /// error on `[s_min, s_max]` is controlled by `dy` (exponentially small in 1/dy).
    pub fn power_law(coef: f64, a: f64, s_min: f64, s_max: f64, dy: f64) -> Result<Self> {
        if !(a > 0.0 && a < 1.0) {
            return Err(Error::spec(format!(
                "kernel: power-law exponent must be in (0, 1), got {a}"
            )));
        }
        if !(s_min > 0.0 && s_max > s_min && dy > 0.0) {
            return Err(Error::spec(format!(
                "kernel: need 0 < s_min < s_max and dy > 0, got s_min={s_min}, s_max={s_max}, dy={dy}"
            )));
        }
        // Integrand e^{a y − s e^y}: negligible (< 1e-17 relative) below y_lo and above y_hi.
        let y_lo = (1e-17f64).ln() / a - s_max.ln();
        let y_hi = (40.0 / s_min).ln();
        let g = gamma(a);
        let mut terms = Vec::new();
        let mut y = y_lo;
        while y <= y_hi {
            terms.push((coef * dy * (a * y).exp() / g, y.exp()));
            y += dy;
        }
        Ok(SumOfExponentials { terms })
    }

    /// Least-squares fit of a kernel on `[s_min, s_max]` with `n` rates log-spaced in
    /// `[0.1/s_max, 40/s_min]`, sampled at `8n` log-spaced points, residuals weighted by
    /// `1/max(|K(s)|, 10⁻⁶·max|K|)` (relative error, floored where the kernel has decayed —
    /// the measure [`super::MemoryFit`] reports), singular values below `10⁻¹⁵` of the largest
    /// dropped.
    pub fn fit(kernel: &Kernel, s_min: f64, s_max: f64, n: usize) -> Result<Self> {
        if !(s_min > 0.0 && s_max > s_min) || n == 0 {
            return Err(Error::spec(format!(
                "kernel: fit needs 0 < s_min < s_max and n >= 1, got s_min={s_min}, s_max={s_max}, n={n}"
            )));
        }
        let m = 8 * n;
        let (r_lo, r_hi) = (0.1 / s_max, 40.0 / s_min);
        let rate = |j: usize| {
            let f = if n == 1 {
                0.0
            } else {
                j as f64 / (n - 1) as f64
            };
            r_lo * (r_hi / r_lo).powf(f)
        };
        let points: Vec<f64> = (0..m)
            .map(|i| s_min * (s_max / s_min).powf(i as f64 / (m - 1) as f64))
            .collect();
        let values: Vec<f64> = points.iter().map(|&s| kernel.eval(s)).collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::spec(format!(
                "kernel: K(s) is not finite at s = {} ({})",
                points[i], values[i]
            )));
        }
        let floor = 1e-6 * values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut a = nalgebra::DMatrix::<f64>::zeros(m, n);
        let mut rhs = nalgebra::DVector::<f64>::zeros(m);
        for (i, (&s, &k)) in points.iter().zip(&values).enumerate() {
            let wgt = 1.0 / k.abs().max(floor).max(f64::MIN_POSITIVE);
            for j in 0..n {
                a[(i, j)] = wgt * (-rate(j) * s).exp();
            }
            rhs[i] = wgt * k;
        }
        let svd = a.svd(true, true);
        let cut = 1e-15 * svd.singular_values.max();
        let w = svd
            .solve(&rhs, cut)
            .map_err(|e| Error::numerical(format!("kernel: fit failed: {e}")))?;
        Ok(SumOfExponentials {
            terms: (0..n).map(|j| (w[j], rate(j))).collect(),
        })
    }

    /// `Σ w_j e^{−r_j s}`.
    pub fn eval(&self, s: f64) -> f64 {
        self.terms.iter().map(|&(w, r)| w * (-r * s).exp()).sum()
    }

    /// One exact exponential recursion per term (O(terms) per step).
    pub fn convolution(&self, h: f64) -> Result<SumRecursion> {
        let parts = self
            .terms
            .iter()
            .map(|&(w, r)| Recursion::new(StateSpace::exponential(w, r), h))
            .collect::<Result<Vec<_>>>()?;
        Ok(SumRecursion { parts })
    }
}

/// The memory integral of a [`SumOfExponentials`]: a sum of exact exponential recursions.
#[derive(Debug, Clone)]
pub struct SumRecursion {
    parts: Vec<Recursion>,
}

impl Convolution for SumRecursion {
    fn push(&mut self, u: f64) -> f64 {
        self.parts.iter_mut().map(|p| p.push(u)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expm_of_diagonal_and_rotation() {
        let e = expm(&[0.0, 1.0, -1.0, 0.0], 2);
        assert!((e[0] - 1f64.cos()).abs() < 1e-15);
        assert!((e[1] - 1f64.sin()).abs() < 1e-15);
        let e = expm(&[-30.0], 1);
        assert!((e[0] / (-30f64).exp() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn gamma_values() {
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-14);
        assert!((gamma(5.0) - 24.0).abs() < 1e-12);
    }
}
