//! Objectives from closures: `FnObjective::new(n, |x, g| { …; f })`, with an exact
//! Hessian-vector product when given (`.with_hvp(|x, v, out| …)`) or a central difference of the
//! gradient otherwise.

use super::Objective;
use std::cell::RefCell;

type ValueGrad = dyn Fn(&[f64], &mut [f64]) -> f64 + Send + Sync;
type Hvp = dyn Fn(&[f64], &[f64], &mut [f64]) + Send + Sync;

/// An objective given by a closure `value_grad(x, g) -> f(x)` that writes `∇f(x)` into `g`.
pub struct FnObjective {
    name: String,
    n: usize,
    value_grad: Box<ValueGrad>,
    hvp: Option<Box<Hvp>>,
    min_value: Option<f64>,
}

impl FnObjective {
    /// The objective of dimension `n` whose value and gradient `value_grad` computes.
    pub fn new(
        n: usize,
        value_grad: impl Fn(&[f64], &mut [f64]) -> f64 + Send + Sync + 'static,
    ) -> Self {
        FnObjective {
            name: "closure".into(),
            n,
            value_grad: Box::new(value_grad),
            hvp: None,
            min_value: None,
        }
    }

    /// With an exact Hessian-vector product `hvp(x, v, out)`: `out = ∇²f(x)·v`.
    #[must_use]
    pub fn with_hvp(
        mut self,
        hvp: impl Fn(&[f64], &[f64], &mut [f64]) + Send + Sync + 'static,
    ) -> Self {
        self.hvp = Some(Box::new(hvp));
        self
    }

    /// With a name for tables and manifests.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// With a known minimum value `f*` (for `steps_to_tol` on the gap `f − f*`).
    #[must_use]
    pub fn with_min_value(mut self, f_star: f64) -> Self {
        self.min_value = Some(f_star);
        self
    }
}

thread_local! {
    static BUF: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a per-thread scratch buffer of length `len` (reused; a local one if re-entered).
fn scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut b) => {
            if b.len() < len {
                b.resize(len, 0.0);
            }
            f(&mut b[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}

impl Objective for FnObjective {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[f64]) -> f64 {
        scratch(self.n, |g| (self.value_grad)(x, g))
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        (self.value_grad)(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        (self.value_grad)(x, g)
    }
    /// The given product, or the central difference
    /// `(∇f(x + hv) − ∇f(x − hv)) / 2h` with `h = ε^{1/3}·max(1, ‖x‖∞)/‖v‖∞` (error
    /// `O(h²‖∇³f‖)`, about 1e-10 relative on smooth objectives).
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        if let Some(h) = &self.hvp {
            return h(x, v, out);
        }
        let vmax = v.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        if vmax == 0.0 {
            out.fill(0.0);
            return;
        }
        let xmax = x.iter().fold(1.0f64, |m, a| m.max(a.abs()));
        let h = f64::EPSILON.cbrt() * xmax / vmax;
        let n = self.n;
        scratch(2 * n, |buf| {
            let (xs, g) = buf.split_at_mut(n);
            for i in 0..n {
                xs[i] = x[i] + h * v[i];
            }
            (self.value_grad)(xs, out);
            for i in 0..n {
                xs[i] = x[i] - h * v[i];
            }
            (self.value_grad)(xs, g);
            for i in 0..n {
                out[i] = (out[i] - g[i]) / (2.0 * h);
            }
        });
    }
    fn min_value(&self) -> Option<f64> {
        self.min_value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn central_difference_hvp_matches_the_exact_one() {
        // f = x0⁴/4 + x0·x1² + e^{x1}: ∇²f = [[3x0², 2x1], [2x1, 2x0 + e^{x1}]].
        let f = FnObjective::new(2, |x, g| {
            g[0] = x[0].powi(3) + x[1] * x[1];
            g[1] = 2.0 * x[0] * x[1] + x[1].exp();
            x[0].powi(4) / 4.0 + x[0] * x[1] * x[1] + x[1].exp()
        });
        let (x, v) = ([0.7, -0.3], [1.0, 2.0]);
        let mut out = [0.0; 2];
        f.hvp(&x, &v, &mut out);
        let exact = [
            3.0 * 0.49 * 1.0 + 2.0 * -0.3 * 2.0,
            2.0 * -0.3 * 1.0 + (1.4 + (-0.3f64).exp()) * 2.0,
        ];
        for i in 0..2 {
            assert!((out[i] - exact[i]).abs() < 1e-9, "{out:?} vs {exact:?}");
        }
        let mut g = [0.0; 2];
        assert_eq!(f.value(&x), f.value_gradient(&x, &mut g));
    }
}
