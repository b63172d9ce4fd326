//! The top eigenpairs (largest algebraic eigenvalues) of a symmetric linear operator given only
//! by its action `v ↦ A v` — a Hessian through Hessian-vector products, or a preconditioned
//! Hessian `D^{−1/2} H D^{−1/2}`.
//!
//! Two paths, checked against each other in the tests: [`dense`] builds the `n×n` matrix from
//! `n` products and diagonalises it (nalgebra's symmetric QR algorithm), for small `n`;
//! [`Lanczos`] (block Lanczos with full reorthogonalisation and thick restarts) needs a few
//! products per eigenpair and takes a warm start (the previous sample's eigenvectors), for
//! large `n`. [`Method::Auto`] picks dense up to [`DENSE_MAX`] coordinates.
//!
//! Written here rather than taken from a crate: the Krylov solver on an operator closure is the
//! subject of this module (no maintained Rust crate offers matrix-free symmetric Lanczos with
//! warm starts), and nalgebra does the small dense eigenproblems.

mod dense;
mod hessian;
mod lanczos;

pub use dense::dense;
pub use hessian::Hessian;
pub use lanczos::Lanczos;

use crate::{Error, Result};

/// A symmetric linear operator `v ↦ A v` on `Rⁿ`.
pub trait SymOp {
    /// `n`.
    fn dim(&self) -> usize;
    /// Writes `A v` into `out`.
    fn apply(&self, v: &[f64], out: &mut [f64]);
}

/// The top `k` eigenpairs of an operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigenpairs {
    /// The dimension `n`.
    pub n: usize,
    /// The `k` largest eigenvalues, in decreasing order.
    pub values: Vec<f64>,
    /// Their unit eigenvectors, row `i` (`n` entries) for `values[i]`; the sign makes the entry
    /// of largest magnitude positive.
    pub vectors: Vec<f64>,
    /// Operator applications used.
    pub products: usize,
}

impl Eigenpairs {
    /// Eigenvector `i`.
    pub fn vector(&self, i: usize) -> &[f64] {
        &self.vectors[i * self.n..(i + 1) * self.n]
    }
}

/// How to compute the top eigenpairs.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Dense for `n ≤ DENSE_MAX`, Lanczos above.
    Auto,
    /// Build the matrix from `n` products and diagonalise it.
    Dense,
    /// Block Lanczos on the operator.
    Lanczos(Lanczos),
}

/// Largest dimension [`Method::Auto`] solves densely.
pub const DENSE_MAX: usize = 64;

impl Method {
    /// The top `k` eigenpairs of `op` (`1 ≤ k ≤ n`); `warm` (rows of `n`, any number) seeds the
    /// Lanczos path.
    pub fn top(&self, op: &dyn SymOp, k: usize, warm: Option<&[f64]>) -> Result<Eigenpairs> {
        let n = op.dim();
        if k == 0 || k > n {
            return Err(Error::spec(format!(
                "eigenpairs: k must be in 1..={n} (the dimension), got {k}"
            )));
        }
        match self {
            Method::Dense => Ok(dense(op, k)),
            Method::Auto if n <= DENSE_MAX => Ok(dense(op, k)),
            Method::Auto => Lanczos::default().top(op, k, warm),
            Method::Lanczos(l) => l.top(op, k, warm),
        }
    }
}

/// Flips `v` so that its entry of largest magnitude is positive (a deterministic sign).
pub(crate) fn fix_sign(v: &mut [f64]) {
    let big = v
        .iter()
        .copied()
        .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
    if big < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}
