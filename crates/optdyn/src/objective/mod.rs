//! Objectives `f: Rⁿ → R` with exact gradients and Hessian-vector products.
//!
//! Built-ins carry hand-written derivatives ([`builtin`]); `expr:<formula>` objectives typed by
//! the user are differentiated exactly with dual numbers ([`expr`]).

pub mod builtin;
pub mod closure;
pub mod data;
pub mod expr;
pub mod noise;
pub mod scale_invariant;
pub mod transform;

pub use closure::FnObjective;
pub use noise::{GradientNoise, StepNoise};
pub use transform::{L2Penalty, Negated};

use crate::spec::{ComponentInfo, Spec};
use crate::Result;

/// A differentiable objective on flat `f64` slices. Implementations allocate nothing per call.
pub trait Objective: Send + Sync {
    /// A short description (the spec it was built from).
    fn name(&self) -> String;
    /// Dimension `n` of the argument.
    fn dim(&self) -> usize;
    /// `f(x)`.
    fn value(&self, x: &[f64]) -> f64;
    /// Writes `∇f(x)` into `g`.
    fn gradient(&self, x: &[f64], g: &mut [f64]);
    /// `f(x)` and `∇f(x)` together (override when sharing work is cheaper).
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.gradient(x, g);
        self.value(x)
    }
    /// Writes the Hessian-vector product `∇²f(x)·v` into `out`.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]);
    /// The full Hessian, row-major `n×n`, built from `n` Hessian-vector products.
    fn hessian(&self, x: &[f64]) -> Vec<f64> {
        let n = self.dim();
        let mut h = vec![0.0; n * n];
        let mut e = vec![0.0; n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            self.hvp(x, &e, &mut col);
            for i in 0..n {
                h[i * n + j] = col[i];
            }
            e[j] = 0.0;
        }
        h
    }
    /// The curvature gradient `∇ₓ(uᵀ∇²f(x)u) = D³f(x)[u, u, ·]` into `out`: how the curvature
    /// along a fixed direction `u` changes with `x` (for a unit top eigenvector `u`, the gradient
    /// of the sharpness, which central flows need).
    ///
    /// Built-in and `expr:` objectives override this with exact third derivatives. The default
    /// is the second central difference of gradients along `u`,
    /// `[∇f(x + hu) − 2∇f(x) + ∇f(x − hu)]/h²` with `h = ε^{1/4}·max(1, ‖x‖)/‖u‖`
    /// (`ε` = 2⁻⁵², so `h ≈ 1.2e-4` on the unit scale): truncation `O(h²)` plus rounding
    /// `O(ε/h²)`, about 1e-8 relative to the scale of `∇f`.
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        curvature_gradient_fd(self, x, u, out);
    }
    /// The gradient the optimizer sees at step `step` (1-based), returning the loss it saw.
    /// Deterministic objectives return the full gradient; minibatch objectives override this
    /// with a gradient drawn from `(seed, step)`, so a run is reproducible.
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        let _ = step;
        self.value_gradient(x, g)
    }
    /// Number of data samples `N` for empirical-risk objectives `f = (1/N) Σ ℓ_i`; objectives
    /// without data count as one sample (themselves).
    fn num_samples(&self) -> usize {
        1
    }
    /// The per-sample loss `ℓ_i(x)` and gradient `∇ℓ_i(x)` (for `i < num_samples()`); the mean
    /// over `i` is `f` and `∇f`. Objectives without data return `f` and `∇f`.
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        let _ = i;
        self.value_gradient(x, g)
    }
    /// Known minimum value `f*`, if any (used for `f − f*` monitors).
    fn min_value(&self) -> Option<f64> {
        None
    }
    /// The law of the randomness in [`Objective::gradient_at_step`], for the stochastic models:
    /// the default says the step gradients are exact; an objective that overrides
    /// `gradient_at_step` with noise states its law here, or returns `None` when it has none
    /// that the models can use.
    fn step_noise(&self) -> Option<StepNoise> {
        Some(StepNoise::default())
    }
}

/// The default [`Objective::curvature_gradient`]: a second central difference of gradients.
pub fn curvature_gradient_fd<O: Objective + ?Sized>(
    obj: &O,
    x: &[f64],
    u: &[f64],
    out: &mut [f64],
) {
    let n = x.len();
    let nu = crate::vector::norm(u);
    if nu == 0.0 {
        out.fill(0.0);
        return;
    }
    let h = f64::EPSILON.powf(0.25) * crate::vector::norm(x).max(1.0) / nu;
    FD_SCRATCH.with(|c| {
        let mut buf = c.borrow_mut();
        if buf.len() < 3 * n {
            buf.resize(3 * n, 0.0);
        }
        let (xs, rest) = buf[..3 * n].split_at_mut(n);
        let (gp, gm) = rest.split_at_mut(n);
        for i in 0..n {
            xs[i] = x[i] + h * u[i];
        }
        obj.gradient(xs, gp);
        for i in 0..n {
            xs[i] = x[i] - h * u[i];
        }
        obj.gradient(xs, gm);
        obj.gradient(x, out);
        for i in 0..n {
            out[i] = (gp[i] - 2.0 * out[i] + gm[i]) / (h * h);
        }
    });
}

thread_local! {
    static FD_SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One objective the registry knows.
pub struct Entry {
    /// Name, summary and keys, for `optdyn list` and error messages.
    pub info: ComponentInfo,
    /// Builds the objective from its spec and the dimension `dim` (the length of `x0`, which
    /// fixes the dimension of `rosenbrock`, `sphere` and `expr:` objectives and is checked
    /// against fixed-dimension ones).
    pub build: fn(&Spec, usize) -> Result<Box<dyn Objective>>,
}

static REGISTRY: [Entry; 12] = [
    Entry {
        info: builtin::ROSENBROCK,
        build: builtin::rosenbrock_from_spec,
    },
    Entry {
        info: builtin::ROSEN1D,
        build: builtin::rosen1d_from_spec,
    },
    Entry {
        info: builtin::QUADRATIC,
        build: builtin::quadratic_from_spec,
    },
    Entry {
        info: builtin::BEALE,
        build: builtin::two_d_from_spec,
    },
    Entry {
        info: builtin::HIMMELBLAU,
        build: builtin::two_d_from_spec,
    },
    Entry {
        info: builtin::SPHERE,
        build: builtin::sphere_from_spec,
    },
    Entry {
        info: expr::INFO,
        build: |s, dim| Ok(Box::new(expr::ExprObjective::parse(&s.rest, dim)?)),
    },
    Entry {
        info: data::LSQ_INFO,
        build: data::build_lsq,
    },
    Entry {
        info: data::REGRESSION_INFO,
        build: |s, _| data::build_regression(s),
    },
    Entry {
        info: data::LOGISTIC_INFO,
        build: data::build_logistic,
    },
    Entry {
        info: data::MLP_INFO,
        build: |s, dim| Ok(Box::new(data::build_mlp(s, dim)?)),
    },
    Entry {
        info: scale_invariant::INFO,
        build: scale_invariant::build,
    },
];

/// Every objective: name → (catalog entry, builder).
pub fn registry() -> &'static [Entry] {
    &REGISTRY
}

/// Every objective name with its parameters, for `optdyn list objectives`.
pub fn catalog() -> Vec<ComponentInfo> {
    registry().iter().map(|e| e.info).collect()
}

/// Builds an objective from a parsed spec through the [`registry`]; the keys `grad_noise`,
/// `grad_noise_diag`, `grad_noise_seed` (any objective but `expr:`) wrap it in
/// [`GradientNoise`].
pub fn from_spec(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let (inner, noise) = noise::split(s)?;
    let built = match registry().iter().find(|e| e.info.name == inner.name) {
        Some(e) => (e.build)(&inner, dim)?,
        None => {
            return Err(crate::Error::unknown_name(
                "objective",
                &inner.name,
                registry().iter().map(|e| e.info.name),
            ))
        }
    };
    match noise {
        Some((sigma, seed)) => Ok(Box::new(GradientNoise::new(built, &sigma, seed)?)),
        None => Ok(built),
    }
}

/// Builds an objective from a spec string; `dim` is the length of `--x0`.
pub fn parse(spec: &str, dim: usize) -> Result<Box<dyn Objective>> {
    from_spec(&Spec::parse(spec)?, dim)
}
