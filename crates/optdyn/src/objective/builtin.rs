//! Built-in objectives with hand-written gradients and Hessian-vector products.
//!
//! | name | `f(x)` | dimension | minimum |
//! |---|---|---|---|
//! | `rosenbrock:a=1,b=100` | `Σ_{i<n−1} b(x_{i+1} − x_i²)² + (a − x_i)²` | `n ≥ 2` | `0` (see [`Rosenbrock`]) |
//! | `rosen1d:c=4` | `(1 − θ)² + c(θ² − 1)²` | `1` | `0` at `θ = 1` |
//! | `quadratic:diag=d₀;d₁;…,center=c₀;c₁;…` | `½ Σ dᵢ (xᵢ − cᵢ)²` | `len(diag)` | `0` if all `dᵢ ≥ 0` |
//! | `beale` | `Σ_{k=1}^{3} (c_k − x + x y^k)²`, `c = (1.5, 2.25, 2.625)` | `2` | `0` at `(3, ½)` |
//! | `himmelblau` | `(x² + y − 11)² + (x + y² − 7)²` | `2` | `0` at four points |
//! | `sphere` | `Σ xᵢ²` (no ½, the standard test-function form) | any `n ≥ 1` | `0` at `0` |
//!
//! Sources: Rosenbrock, "An automatic method for finding the greatest or least value of a
//! function", Comput. J. 3 (1960) — the n-D chained form is the one of SciPy's
//! `scipy.optimize.rosen`; Beale (1958) and Himmelblau, *Applied Nonlinear Programming* (1972), in
//! the forms of Jamil & Yang, "A literature survey of benchmark functions for global optimization
//! problems" (2013); `rosen1d` is the one-dimensional bistable objective of the seed paper on
//! continuous-time Adam (basin selection at `c = 4`, initial point `θ₀ = −1.5`).
//!
//! Each has a typed constructor that validates its parameters (`Rosen1d::new(4.0)`,
//! `Rosenbrock::standard(2)`); the spec builders (`rosen1d_from_spec`, …, used by the objective
//! registry) parse into those constructors.
//!
//! Every gradient and Hessian below is derived by hand; `tests/objectives.rs` checks each against
//! finite differences and against the exact derivatives of the same formula typed as an
//! `expr:` objective.

use super::Objective;
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};

const ROSENBROCK_PARAMS: &[ParamInfo] = &[
    ParamInfo {
        key: "a",
        default: "1",
        help: "shift of the (a − xᵢ)² terms, any finite real",
    },
    ParamInfo {
        key: "b",
        default: "100",
        help: "weight of the valley terms b(x_{i+1} − xᵢ²)², >= 0",
    },
];

const ROSEN1D_PARAMS: &[ParamInfo] = &[ParamInfo {
    key: "c",
    default: "4",
    help: "weight of the double well c(θ² − 1)², >= 0; bistable (local minimum near −1) for c > 2",
}];

const QUADRATIC_PARAMS: &[ParamInfo] = &[
    ParamInfo {
        key: "diag",
        default: "required",
        help: "Hessian diagonal d₀;d₁;… (one entry per coordinate, any finite reals: negative entries give saddles)",
    },
    ParamInfo {
        key: "center",
        default: "0",
        help: "minimizer c₀;c₁;… (one entry per coordinate)",
    },
];

/// Catalog entry of `rosenbrock`.
pub const ROSENBROCK: ComponentInfo = ComponentInfo {
    name: "rosenbrock",
    summary: "n-D Rosenbrock Σ b(x_{i+1} − xᵢ²)² + (a − xᵢ)², dimension from --x0 (>= 2)",
    params: ROSENBROCK_PARAMS,
};
/// Catalog entry of `rosen1d`.
pub const ROSEN1D: ComponentInfo = ComponentInfo {
    name: "rosen1d",
    summary: "(1 − θ)² + c(θ² − 1)², one-dimensional, bistable for c > 2",
    params: ROSEN1D_PARAMS,
};
/// Catalog entry of `quadratic`.
pub const QUADRATIC: ComponentInfo = ComponentInfo {
    name: "quadratic",
    summary: "½ Σ dᵢ (xᵢ − cᵢ)², dimension = number of diag entries",
    params: QUADRATIC_PARAMS,
};
/// Catalog entry of `beale`.
pub const BEALE: ComponentInfo = ComponentInfo {
    name: "beale",
    summary: "Beale's function (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², 2-D",
    params: &[],
};
/// Catalog entry of `himmelblau`.
pub const HIMMELBLAU: ComponentInfo = ComponentInfo {
    name: "himmelblau",
    summary: "Himmelblau's function (x² + y − 11)² + (x + y² − 7)², 2-D",
    params: &[],
};
/// Catalog entry of `sphere`.
pub const SPHERE: ComponentInfo = ComponentInfo {
    name: "sphere",
    summary: "Σ xᵢ², any dimension",
    params: &[],
};

/// Builds `rosenbrock:a=…,b=…` of dimension `dim` (the length of `--x0`).
pub fn rosenbrock_from_spec(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let a = s.f64("a", 1.0)?;
    let b = s.f64("b", 100.0)?;
    s.finish(ROSENBROCK_PARAMS)?;
    Ok(Box::new(Rosenbrock::new(dim, a, b)?))
}

/// Builds `rosen1d:c=…`; `dim` must be 1.
pub fn rosen1d_from_spec(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let c = s.f64("c", 4.0)?;
    s.finish(ROSEN1D_PARAMS)?;
    let f = Rosen1d::new(c)?;
    if dim != 1 {
        return Err(dim_error("rosen1d", "1", dim));
    }
    Ok(Box::new(f))
}

/// Builds `quadratic:diag=…,center=…`; the entries must number `dim`.
pub fn quadratic_from_spec(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let diag = s.f64_list("diag")?.ok_or_else(|| {
        Error::spec("quadratic: missing required key 'diag' (e.g. quadratic:diag=1;10;100)")
    })?;
    let center = s.f64_list("center")?;
    s.finish(QUADRATIC_PARAMS)?;
    if diag.len() != dim {
        return Err(Error::spec(format!(
            "quadratic: diag has {} entries but --x0 has dimension {dim}; they must match",
            diag.len()
        )));
    }
    let center = match center {
        Some(c) if c.len() != dim => {
            return Err(Error::spec(format!(
                "quadratic: center has {} entries but --x0 has dimension {dim}; they must match",
                c.len()
            )))
        }
        Some(c) => c,
        None => vec![0.0; dim],
    };
    Ok(Box::new(Quadratic::new(diag, center)?))
}

/// Builds `beale` or `himmelblau`; `dim` must be 2.
pub fn two_d_from_spec(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    s.finish(&[])?;
    if dim != 2 {
        return Err(dim_error(&s.name, "2", dim));
    }
    Ok(if s.name == "beale" {
        Box::new(Beale)
    } else {
        Box::new(Himmelblau)
    })
}

/// Builds `sphere` of dimension `dim`.
pub fn sphere_from_spec(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    s.finish(&[])?;
    Ok(Box::new(Sphere::new(dim)?))
}

fn dim_error(name: &str, expected: &str, given: usize) -> Error {
    Error::spec(format!(
        "{name}: dimension must be {expected}, got {given} (the length of --x0)"
    ))
}

/// The chained n-D Rosenbrock function
/// `f(x) = Σ_{i=0}^{n−2} [ b (x_{i+1} − x_i²)² + (a − x_i)² ]` (SciPy's `rosen` for `a=1, b=100`).
///
/// Gradient:
/// `∂f/∂x_i = [i < n−1] (−4b x_i (x_{i+1} − x_i²) − 2(a − x_i)) + [i > 0] 2b (x_i − x_{i−1}²)`.
/// The Hessian is tridiagonal:
/// `H_ii = [i < n−1] (12b x_i² − 4b x_{i+1} + 2) + [i > 0] 2b`, `H_{i,i+1} = H_{i+1,i} = −4b x_i`.
///
/// The minimum value 0 is attained (at `(a, a²)` for `n = 2`, at `(a, …, a)` when `a ∈ {0, 1}`,
/// at `(a, …, a, ·)` when `b = 0`); otherwise the minimum is positive and not known in closed
/// form, and [`Objective::min_value`] returns `None`.
#[derive(Debug, Clone)]
pub struct Rosenbrock {
    n: usize,
    a: f64,
    b: f64,
}

impl Rosenbrock {
    /// The `n`-D Rosenbrock function with shift `a` (finite) and valley weight `b ≥ 0`, `n ≥ 2`.
    pub fn new(n: usize, a: f64, b: f64) -> Result<Self> {
        check::within("rosenbrock", "a", a, crate::error::Allowed::Finite)?;
        check::non_negative("rosenbrock", "b", b)?;
        if n < 2 {
            return Err(dim_error("rosenbrock", "at least 2", n));
        }
        Ok(Rosenbrock { n, a, b })
    }

    /// SciPy's `rosen`: `a = 1`, `b = 100`.
    pub fn standard(n: usize) -> Result<Self> {
        Self::new(n, 1.0, 100.0)
    }
}

impl Objective for Rosenbrock {
    fn name(&self) -> String {
        format!("rosenbrock:a={},b={}", self.a, self.b)
    }
    fn dim(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[f64]) -> f64 {
        x.windows(2)
            .map(|w| {
                let r = w[1] - w[0] * w[0];
                let s = self.a - w[0];
                self.b * r * r + s * s
            })
            .sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_gradient(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (self.a, self.b);
        g[..self.n].fill(0.0);
        let mut f = 0.0;
        for i in 0..self.n - 1 {
            let r = x[i + 1] - x[i] * x[i];
            let s = a - x[i];
            f += b * r * r + s * s;
            // The order reverse-mode autograd evaluates `(a − x)² + b(y − x²)²` in, so that
            // runs match torch's float64 iterates to the last bits (see tests/torch_optim.rs).
            g[i] += -2.0 * s + (-(2.0 * b * r)) * (2.0 * x[i]);
            g[i + 1] += 2.0 * b * r;
        }
        f
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let b = self.b;
        out[..self.n].fill(0.0);
        for i in 0..self.n - 1 {
            // Contribution of term i, which involves x_i and x_{i+1}:
            // ∂²/∂x_i² = 12b x_i² − 4b x_{i+1} + 2, ∂²/∂x_i∂x_{i+1} = −4b x_i, ∂²/∂x_{i+1}² = 2b.
            let hii = 12.0 * b * x[i] * x[i] - 4.0 * b * x[i + 1] + 2.0;
            let hij = -4.0 * b * x[i];
            out[i] += hii * v[i] + hij * v[i + 1];
            out[i + 1] += hij * v[i] + 2.0 * b * v[i + 1];
        }
    }
    /// Term `i`: `∂³/∂x_i³ = 24b x_i`, `∂³/∂x_i²∂x_{i+1} = −4b`, the rest 0.
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        let b = self.b;
        out[..self.n].fill(0.0);
        for i in 0..self.n - 1 {
            out[i] += 24.0 * b * x[i] * u[i] * u[i] - 8.0 * b * u[i] * u[i + 1];
            out[i + 1] += -4.0 * b * u[i] * u[i];
        }
    }
    fn min_value(&self) -> Option<f64> {
        let attained = self.n == 2 || self.a == 0.0 || self.a == 1.0 || self.b == 0.0;
        attained.then_some(0.0)
    }
}

/// The one-dimensional bistable objective `f(θ) = (1 − θ)² + c(θ² − 1)²`.
///
/// `f'(θ) = 2(θ − 1)[1 + 2cθ(θ + 1)]`, `f''(θ) = 2 + 4c(3θ² − 1)`.
/// The global minimum is `f(1) = 0`. For `c > 2` the factor `2cθ² + 2cθ + 1` has the roots
/// `θ = −½ ± √(c² − 2c)/(2c)`: the smaller is a local minimum (`−½ − √2/4 ≈ −0.8536` at `c = 4`),
/// the larger a local maximum.
#[derive(Debug, Clone)]
pub struct Rosen1d {
    c: f64,
}

impl Rosen1d {
    /// `(1 − θ)² + c(θ² − 1)²` with `c ≥ 0` (bistable for `c > 2`).
    pub fn new(c: f64) -> Result<Self> {
        Ok(Rosen1d {
            c: check::non_negative("rosen1d", "c", c)?,
        })
    }
}

impl Objective for Rosen1d {
    fn name(&self) -> String {
        format!("rosen1d:c={}", self.c)
    }
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, x: &[f64]) -> f64 {
        let t = x[0];
        let p = 1.0 - t;
        let q = t * t - 1.0;
        p * p + self.c * q * q
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        let t = x[0];
        g[0] = 2.0 * (t - 1.0) * (1.0 + 2.0 * self.c * t * (t + 1.0));
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let t = x[0];
        out[0] = (2.0 + 4.0 * self.c * (3.0 * t * t - 1.0)) * v[0];
    }
    /// `f‴(θ) = 24cθ`.
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        out[0] = 24.0 * self.c * x[0] * u[0] * u[0];
    }
    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

/// The separable quadratic `f(x) = ½ Σ dᵢ (xᵢ − cᵢ)²`, `∇f = d ⊙ (x − c)`, `∇²f = diag(d)`.
///
/// Any finite `dᵢ` is allowed: negative entries make `c` a saddle (or a maximum), for studies of
/// saddle escape; the minimum value 0 is reported only when every `dᵢ ≥ 0`.
#[derive(Debug, Clone)]
pub struct Quadratic {
    diag: Vec<f64>,
    center: Vec<f64>,
}

fn join(v: &[f64]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

impl Quadratic {
    /// `½ Σ dᵢ (xᵢ − cᵢ)²` with finite entries; `diag` and `center` of equal, non-zero length.
    pub fn new(diag: Vec<f64>, center: Vec<f64>) -> Result<Self> {
        if diag.is_empty() || diag.len() != center.len() {
            return Err(Error::spec(format!(
                "quadratic: diag and center must have the same non-zero length, got {} and {}",
                diag.len(),
                center.len()
            )));
        }
        for (i, v) in diag.iter().chain(&center).enumerate() {
            if !v.is_finite() {
                return Err(Error::spec(format!(
                    "quadratic: entry {i} of diag;center must be finite, got {v}"
                )));
            }
        }
        Ok(Quadratic { diag, center })
    }
}

impl Objective for Quadratic {
    fn name(&self) -> String {
        format!(
            "quadratic:diag={},center={}",
            join(&self.diag),
            join(&self.center)
        )
    }
    fn dim(&self) -> usize {
        self.diag.len()
    }
    fn value(&self, x: &[f64]) -> f64 {
        let mut f = 0.0;
        for ((&xi, &d), &c) in x.iter().zip(&self.diag).zip(&self.center) {
            let r = xi - c;
            f += d * r * r;
        }
        0.5 * f
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (((gi, &xi), &d), &c) in g.iter_mut().zip(x).zip(&self.diag).zip(&self.center) {
            *gi = d * (xi - c);
        }
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for (((gi, &xi), &d), &c) in g.iter_mut().zip(x).zip(&self.diag).zip(&self.center) {
            let r = xi - c;
            *gi = d * r;
            f += d * r * r;
        }
        0.5 * f
    }
    fn hvp(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        for ((o, &vi), &d) in out.iter_mut().zip(v).zip(&self.diag) {
            *o = d * vi;
        }
    }
    fn curvature_gradient(&self, _x: &[f64], _u: &[f64], out: &mut [f64]) {
        out.fill(0.0);
    }
    fn min_value(&self) -> Option<f64> {
        self.diag.iter().all(|&d| d >= 0.0).then_some(0.0)
    }
}

/// Constants of Beale's function.
const BEALE_C: [f64; 3] = [1.5, 2.25, 2.625];

/// Beale's function `f(x, y) = Σ_{k=1}^{3} t_k²`, `t_k = c_k − x + x y^k`,
/// `c = (1.5, 2.25, 2.625)`; minimum `f(3, ½) = 0`.
///
/// With `∇t_k = (y^k − 1, k x y^{k−1})` and `∇²t_k = [[0, k y^{k−1}], [k y^{k−1}, k(k−1) x y^{k−2}]]`:
/// `∇f = Σ 2 t_k ∇t_k`, `∇²f = Σ 2 (∇t_k ∇t_kᵀ + t_k ∇²t_k)`.
#[derive(Debug, Clone, Copy)]
pub struct Beale;

impl Beale {
    /// `(t_k, ∂t_k/∂x, ∂t_k/∂y, ∂²t_k/∂x∂y, ∂²t_k/∂y²)` for `k = 1, 2, 3`.
    fn terms(x: f64, y: f64) -> [[f64; 5]; 3] {
        let mut out = [[0.0; 5]; 3];
        // y^{k−2}, y^{k−1}, y^k for k = 1: (unused, 1, y).
        let mut ykm2 = 0.0;
        let mut ykm1 = 1.0;
        for (k, o) in out.iter_mut().enumerate() {
            let kf = (k + 1) as f64;
            let yk = ykm1 * y;
            *o = [
                BEALE_C[k] - x + x * yk,
                yk - 1.0,
                kf * x * ykm1,
                kf * ykm1,
                kf * (kf - 1.0) * x * ykm2,
            ];
            ykm2 = ykm1;
            ykm1 = yk;
        }
        out
    }
}

impl Objective for Beale {
    fn name(&self) -> String {
        "beale".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        let t1 = BEALE_C[0] - a + a * b;
        let t2 = BEALE_C[1] - a + a * b * b;
        let t3 = BEALE_C[2] - a + a * b * b * b;
        t1 * t1 + t2 * t2 + t3 * t3
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_gradient(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        let (mut gx, mut gy) = (0.0, 0.0);
        for [t, tx, ty, _, _] in Self::terms(x[0], x[1]) {
            f += t * t;
            gx += 2.0 * t * tx;
            gy += 2.0 * t * ty;
        }
        g[0] = gx;
        g[1] = gy;
        f
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let (mut hxx, mut hxy, mut hyy) = (0.0, 0.0, 0.0);
        for [t, tx, ty, txy, tyy] in Self::terms(x[0], x[1]) {
            hxx += 2.0 * tx * tx;
            hxy += 2.0 * (tx * ty + t * txy);
            hyy += 2.0 * (ty * ty + t * tyy);
        }
        out[0] = hxx * v[0] + hxy * v[1];
        out[1] = hxy * v[0] + hyy * v[1];
    }
    /// `∇(uᵀ∇²(t²)u) = 2[2(∇t·u)∇²t u + (uᵀ∇²t u)∇t + t ∇(uᵀ∇²t u)]` summed over the terms,
    /// with `∂³t_k/∂x∂y² = k(k−1)y^{k−2}`, `∂³t_k/∂y³ = k(k−1)(k−2)x y^{k−3}` and the rest 0.
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        let (ux, uy) = (u[0], u[1]);
        let (mut ox, mut oy) = (0.0, 0.0);
        for (k, [t, tx, ty, txy, tyy]) in Self::terms(x[0], x[1]).into_iter().enumerate() {
            let kf = (k + 1) as f64;
            let txyy = if k >= 1 {
                kf * (kf - 1.0) * x[1].powi(k as i32 - 1)
            } else {
                0.0
            };
            let tyyy = if k == 2 { 6.0 * x[0] } else { 0.0 };
            let du = tx * ux + ty * uy;
            let (hx, hy) = (txy * uy, txy * ux + tyy * uy);
            let quad = 2.0 * txy * ux * uy + tyy * uy * uy;
            let (cx, cy) = (txyy * uy * uy, 2.0 * txyy * ux * uy + tyyy * uy * uy);
            ox += 2.0 * (2.0 * du * hx + quad * tx + t * cx);
            oy += 2.0 * (2.0 * du * hy + quad * ty + t * cy);
        }
        out[0] = ox;
        out[1] = oy;
    }
    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

/// Himmelblau's function `f(x, y) = u² + w²`, `u = x² + y − 11`, `w = x + y² − 7`;
/// minimum 0 at `(3, 2)` and three other points.
///
/// `∇f = 2u (2x, 1) + 2w (1, 2y)`;
/// `∇²f = [[12x² + 4y − 42, 4(x + y)], [4(x + y), 12y² + 4x − 26]]`.
#[derive(Debug, Clone, Copy)]
pub struct Himmelblau;

impl Objective for Himmelblau {
    fn name(&self) -> String {
        "himmelblau".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        let u = x[0] * x[0] + x[1] - 11.0;
        let w = x[0] + x[1] * x[1] - 7.0;
        u * u + w * w
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_gradient(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let u = x[0] * x[0] + x[1] - 11.0;
        let w = x[0] + x[1] * x[1] - 7.0;
        g[0] = 4.0 * u * x[0] + 2.0 * w;
        g[1] = 2.0 * u + 4.0 * w * x[1];
        u * u + w * w
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let (a, b) = (x[0], x[1]);
        let hxx = 12.0 * a * a + 4.0 * b - 42.0;
        let hxy = 4.0 * (a + b);
        let hyy = 12.0 * b * b + 4.0 * a - 26.0;
        out[0] = hxx * v[0] + hxy * v[1];
        out[1] = hxy * v[0] + hyy * v[1];
    }
    /// `f_xxx = 24x`, `f_xxy = f_xyy = 4`, `f_yyy = 24y`.
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        let (ux, uy) = (u[0], u[1]);
        out[0] = 24.0 * x[0] * ux * ux + 8.0 * ux * uy + 4.0 * uy * uy;
        out[1] = 4.0 * ux * ux + 8.0 * ux * uy + 24.0 * x[1] * uy * uy;
    }
    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

/// The sphere `f(x) = Σ xᵢ²` (standard benchmark form, without ½), `∇f = 2x`, `∇²f = 2I`.
#[derive(Debug, Clone, Copy)]
pub struct Sphere {
    n: usize,
}

impl Sphere {
    /// `Σ xᵢ²` in dimension `n ≥ 1`.
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 {
            return Err(dim_error("sphere", "at least 1", n));
        }
        Ok(Sphere { n })
    }
}

impl Objective for Sphere {
    fn name(&self) -> String {
        "sphere".into()
    }
    fn dim(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[f64]) -> f64 {
        x.iter().map(|v| v * v).sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (gi, &xi) in g.iter_mut().zip(x) {
            *gi = 2.0 * xi;
        }
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for (gi, &xi) in g.iter_mut().zip(x) {
            *gi = 2.0 * xi;
            f += xi * xi;
        }
        f
    }
    fn hvp(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        for (o, &vi) in out.iter_mut().zip(v) {
            *o = 2.0 * vi;
        }
    }
    fn curvature_gradient(&self, _x: &[f64], _u: &[f64], out: &mut [f64]) {
        out.fill(0.0);
    }
    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(spec: &str, dim: usize) -> Box<dyn Objective> {
        super::super::parse(spec, dim).unwrap()
    }

    fn err(spec: &str, dim: usize) -> String {
        match super::super::parse(spec, dim) {
            Ok(_) => panic!("{spec} with dim {dim} should fail"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn rosen1d_known_values() {
        let f = obj("rosen1d:c=4", 1);
        let mut g = [0.0];
        assert_eq!(f.value(&[-1.5]), 12.5);
        f.gradient(&[-1.5], &mut g);
        assert_eq!(g[0], -35.0);
        assert_eq!(f.value(&[2.0]), 37.0);
        assert_eq!(f.value_gradient(&[2.0], &mut g), 37.0);
        assert_eq!(g[0], 98.0);
        // Local minimum −½ − √2/4: f' vanishes and f'' > 0.
        let t = -0.5 - 2f64.sqrt() / 4.0;
        assert!((t - -0.853553390593).abs() < 1e-12);
        f.gradient(&[t], &mut g);
        assert!(g[0].abs() < 1e-14, "{}", g[0]);
        let mut h = [0.0];
        f.hvp(&[t], &[1.0], &mut h);
        assert!(h[0] > 0.0);
        // The other root −½ + √2/4 is a local maximum.
        let t = -0.5 + 2f64.sqrt() / 4.0;
        f.gradient(&[t], &mut g);
        assert!(g[0].abs() < 1e-14);
        f.hvp(&[t], &[1.0], &mut h);
        assert!(h[0] < 0.0);
        assert_eq!(f.min_value(), Some(0.0));
        assert_eq!(f.value(&[1.0]), 0.0);
    }

    #[test]
    fn minimizers_have_zero_gradient() {
        let cases: &[(&str, &[f64])] = &[
            ("rosenbrock", &[1.0, 1.0, 1.0, 1.0]),
            ("rosenbrock:a=2,b=3", &[2.0, 4.0]),
            ("beale", &[3.0, 0.5]),
            ("himmelblau", &[3.0, 2.0]),
            ("sphere", &[0.0, 0.0, 0.0]),
            ("quadratic:diag=1;-2;3,center=1;2;3", &[1.0, 2.0, 3.0]),
        ];
        for (spec, x) in cases {
            let f = obj(spec, x.len());
            let mut g = vec![1.0; x.len()];
            let v = f.value_gradient(x, &mut g);
            assert_eq!(v, 0.0, "{spec}");
            assert!(g.iter().all(|&gi| gi == 0.0), "{spec}: {g:?}");
        }
    }

    #[test]
    fn rosenbrock_closed_form_point() {
        // x = 0: f = (n − 1) a², g = (−2a, …, −2a, 0), H_ii = 2[i < n−1] + 2b[i > 0].
        let f = obj("rosenbrock:a=1.5,b=7", 4);
        let x = [0.0; 4];
        let mut g = [0.0; 4];
        assert_eq!(f.value_gradient(&x, &mut g), 3.0 * 2.25);
        assert_eq!(g, [-3.0, -3.0, -3.0, 0.0]);
        let h = f.hessian(&x);
        let diag: Vec<f64> = (0..4).map(|i| h[i * 4 + i]).collect();
        assert_eq!(diag, vec![2.0, 16.0, 16.0, 14.0]);
        assert_eq!(f.min_value(), None);
        assert_eq!(obj("rosenbrock", 5).min_value(), Some(0.0));
    }

    #[test]
    fn himmelblau_four_minima() {
        let f = obj("himmelblau", 2);
        // The four minimizers (the three non-integer ones to 12 digits, from the literature).
        let pts = [
            [3.0, 2.0],
            [-2.805118086953, 3.131312518250],
            [-3.779310253378, -3.283185991286],
            [3.584428340331, -1.848126526964],
        ];
        for p in pts {
            assert!(f.value(&p) < 1e-20, "{p:?}: {}", f.value(&p));
        }
    }

    #[test]
    fn errors_name_objective_and_dims() {
        assert_eq!(
            err("rosen1d", 2),
            "rosen1d: dimension must be 1, got 2 (the length of --x0)"
        );
        assert_eq!(
            err("beale", 3),
            "beale: dimension must be 2, got 3 (the length of --x0)"
        );
        assert_eq!(
            err("rosenbrock", 1),
            "rosenbrock: dimension must be at least 2, got 1 (the length of --x0)"
        );
        assert_eq!(
            err("quadratic:diag=1;2;3", 2),
            "quadratic: diag has 3 entries but --x0 has dimension 2; they must match"
        );
        assert_eq!(
            err("quadratic:diag=1;2,center=1", 2),
            "quadratic: center has 1 entries but --x0 has dimension 2; they must match"
        );
        assert!(err("quadratic", 2).contains("missing required key 'diag'"));
        assert_eq!(err("rosen1d:c=-1", 1), "rosen1d: c must be >= 0, got -1");
        assert_eq!(
            err("rosenbrock:b=-1", 2),
            "rosenbrock: b must be >= 0, got -1"
        );
        assert!(err("rosen1d:k=3", 1).contains("unknown key 'k' (allowed: c)"));
        assert!(err("sphere:c=3", 1).contains("unknown key 'c' (allowed: none)"));
        assert!(
            err("rosebrock", 2).starts_with("unknown objective 'rosebrock' (known: rosenbrock,")
        );
    }

    #[test]
    fn names_round_trip() {
        for (spec, dim) in [
            ("rosenbrock:a=2,b=3", 3),
            ("rosen1d:c=2.5", 1),
            ("quadratic:diag=1;-10,center=0.5;2", 2),
            ("beale", 2),
            ("himmelblau", 2),
            ("sphere", 3),
        ] {
            let f = obj(spec, dim);
            let g = obj(&f.name(), dim);
            let x: Vec<f64> = (0..dim).map(|i| 0.3 + 0.7 * i as f64).collect();
            assert_eq!(f.value(&x), g.value(&x), "{spec}");
            assert_eq!(f.dim(), dim);
        }
    }
}
