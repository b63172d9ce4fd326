//! The Hessian of an objective as a symmetric operator, optionally scaled on both sides.

use super::SymOp;
use crate::objective::Objective;

/// `v ↦ ∇²f(x) v` through Hessian-vector products, or `v ↦ D ∇²f(x) D v` for a diagonal `D`
/// (with `D = P^{−1/2}`, the symmetric form of the preconditioned Hessian `P⁻¹∇²f`, which has
/// the same eigenvalues).
pub struct Hessian<'a> {
    obj: &'a dyn Objective,
    x: &'a [f64],
    scale: Option<&'a [f64]>,
}

impl<'a> Hessian<'a> {
    /// `∇²f(x)`.
    pub fn new(obj: &'a dyn Objective, x: &'a [f64]) -> Self {
        Hessian {
            obj,
            x,
            scale: None,
        }
    }

    /// `D ∇²f(x) D` with `D = diag(scale)`.
    pub fn scaled(obj: &'a dyn Objective, x: &'a [f64], scale: &'a [f64]) -> Self {
        Hessian {
            obj,
            x,
            scale: Some(scale),
        }
    }
}

impl SymOp for Hessian<'_> {
    fn dim(&self) -> usize {
        self.x.len()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        match self.scale {
            None => self.obj.hvp(self.x, v, out),
            Some(d) => {
                let w: Vec<f64> = v.iter().zip(d).map(|(a, b)| a * b).collect();
                self.obj.hvp(self.x, &w, out);
                out.iter_mut().zip(d).for_each(|(o, b)| *o *= b);
            }
        }
    }
}
