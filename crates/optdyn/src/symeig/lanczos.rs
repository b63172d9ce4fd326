//! The Krylov path: block Lanczos with full reorthogonalisation and thick restarts.
//!
//! The basis `V` (orthonormal, grown a block at a time) and the products `AV` are kept; the
//! projected matrix `H = Vᵀ A V` is diagonalised (Rayleigh–Ritz), and the next block is the
//! residuals `r_i = A x_i − θ_i x_i` of the wanted Ritz pairs `(θ_i, x_i)`, which lie in the next
//! block Krylov space (Golub & Van Loan, *Matrix Computations*, 4th ed., §10.1 and §10.3; Saad,
//! *Numerical Methods for Large Eigenvalue Problems*, 2nd ed., §6.3 and §6.6 on block methods
//! and full reorthogonalisation). Every new vector is orthogonalised twice against the whole
//! basis (classical Gram–Schmidt with reorthogonalisation, "twice is enough"). A pair has
//! converged when `‖r_i‖ ≤ tol·max_j |θ_j|`, a bound on the eigenvalue error — or, for an
//! operator that is symmetric only to rounding (Hessian-vector products by finite differences),
//! when `‖r_i‖ ≤ 10·√m·δ` with `δ` the largest asymmetry `|⟨v_j, Av_m⟩ − ⟨v_m, Av_j⟩|` seen,
//! below which no residual is attainable. When the basis
//! reaches `max_basis`, it restarts from the leading `max(2k, max_basis/2)` Ritz vectors (thick
//! restart, Wu & Simon 2000), which keeps what was learnt. Restarts slow convergence on
//! tightly clustered spectra; the default basis of 120 rarely restarts for `k ≤ 4`.
//!
//! A Krylov method cannot certify that no larger eigenvalue hides outside its space: the block
//! (size `k`, one more random vector with a warm start) and a minimum basis of `min_basis`
//! vectors before any convergence test guard against a warm start locking onto an eigenvalue
//! that has been overtaken.

use super::{fix_sign, Eigenpairs, SymOp};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// Block Lanczos settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Lanczos {
    /// Residual tolerance relative to the largest Ritz value magnitude (default 1e-8: above the
    /// noise floor of Hessian-vector products by finite differences, ~1e-9).
    pub tol: f64,
    /// No convergence is accepted before the basis has this many vectors (or `n`); default 20.
    pub min_basis: usize,
    /// The basis size that triggers a thick restart (default 120).
    pub max_basis: usize,
    /// Restarts before giving up with an error (default 100).
    pub max_restarts: usize,
    /// Seed of the random start vectors (default 0): the result is deterministic.
    pub seed: u64,
}

impl Default for Lanczos {
    fn default() -> Self {
        Lanczos {
            tol: 1e-8,
            min_basis: 20,
            max_basis: 120,
            max_restarts: 100,
            seed: 0,
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the deterministic start vectors.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    fn vector(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next_f64()).collect()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The growing orthonormal basis, its products and the projected matrix.
struct Basis<'o> {
    op: &'o dyn SymOp,
    n: usize,
    v: Vec<Vec<f64>>,
    av: Vec<Vec<f64>>,
    h: Vec<Vec<f64>>,
    products: usize,
    /// The largest asymmetry `|⟨v_j, A v_m⟩ − ⟨v_m, A v_j⟩|` seen: how far the operator is from
    /// symmetric, i.e. the noise of products computed by finite differences.
    asymmetry: f64,
}

impl Basis<'_> {
    /// Orthogonalises `c` against the basis (twice) and, unless it lies in the span, adds it
    /// with its product (`known`, the product `A c`, is carried through the same linear
    /// combination instead of applying the operator again). Returns whether it was added.
    fn push(&mut self, mut c: Vec<f64>, mut known: Option<Vec<f64>>) -> bool {
        let before = crate::vector::norm(&c);
        if before == 0.0 || !before.is_finite() {
            return false;
        }
        for _ in 0..2 {
            for (q, aq) in self.v.iter().zip(&self.av) {
                let d = dot(q, &c);
                c.iter_mut().zip(q).for_each(|(x, y)| *x -= d * y);
                if let Some(w) = known.as_mut() {
                    w.iter_mut().zip(aq).for_each(|(x, y)| *x -= d * y);
                }
            }
        }
        let after = crate::vector::norm(&c);
        if after <= 1e-10 * before {
            return false;
        }
        c.iter_mut().for_each(|x| *x /= after);
        let w = match known {
            Some(mut w) => {
                w.iter_mut().for_each(|x| *x /= after);
                w
            }
            None => {
                let mut w = vec![0.0; self.n];
                self.op.apply(&c, &mut w);
                self.products += 1;
                w
            }
        };
        let m = self.v.len();
        let mut row = Vec::with_capacity(m + 1);
        for j in 0..m {
            let (p, q) = (dot(&self.v[j], &w), dot(&c, &self.av[j]));
            self.asymmetry = self.asymmetry.max((p - q).abs());
            let hj = 0.5 * (p + q);
            self.h[j].push(hj);
            row.push(hj);
        }
        row.push(dot(&c, &w));
        self.h.push(row);
        self.v.push(c);
        self.av.push(w);
        true
    }

    /// Ritz values (decreasing) with the coefficient vectors of the projected matrix.
    fn ritz(&self) -> Vec<(f64, Vec<f64>)> {
        let m = self.v.len();
        let h = DMatrix::from_fn(m, m, |i, j| self.h[i][j]);
        let eig = h.symmetric_eigen();
        let mut pairs: Vec<(f64, Vec<f64>)> = (0..m)
            .map(|i| {
                (
                    eig.eigenvalues[i],
                    eig.eigenvectors.column(i).iter().copied().collect(),
                )
            })
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        pairs
    }

    /// `Σ_j y_j V_j` and `Σ_j y_j (AV)_j`.
    fn combine(&self, y: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut x = vec![0.0; self.n];
        let mut ax = vec![0.0; self.n];
        for (j, yj) in y.iter().enumerate() {
            x.iter_mut().zip(&self.v[j]).for_each(|(a, b)| *a += yj * b);
            ax.iter_mut()
                .zip(&self.av[j])
                .for_each(|(a, b)| *a += yj * b);
        }
        (x, ax)
    }
}

impl Lanczos {
    /// Sets the residual tolerance.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The top `k` eigenpairs of `op` (`1 ≤ k ≤ n`), starting from the rows of `warm` (if
    /// given; their length must be a multiple of `n`) and random vectors.
    pub fn top(&self, op: &dyn SymOp, k: usize, warm: Option<&[f64]>) -> Result<Eigenpairs> {
        let n = op.dim();
        if k == 0 || k > n {
            return Err(Error::spec(format!(
                "lanczos: k must be in 1..={n} (the dimension), got {k}"
            )));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::spec(format!(
                "lanczos: tol must be > 0, got {}",
                self.tol
            )));
        }
        if self.max_basis < 2 * k + 1 {
            return Err(Error::spec(format!(
                "lanczos: max_basis must be >= 2k + 1 = {}, got {}",
                2 * k + 1,
                self.max_basis
            )));
        }
        let mut rng = SplitMix(self.seed);
        let mut basis = Basis {
            op,
            n,
            v: Vec::new(),
            av: Vec::new(),
            h: Vec::new(),
            products: 0,
            asymmetry: 0.0,
        };
        let mut block: Vec<Vec<f64>> = Vec::new();
        if let Some(w) = warm {
            if w.len() % n != 0 {
                return Err(Error::spec(format!(
                    "lanczos: warm start of length {} is not a multiple of n = {n}",
                    w.len()
                )));
            }
            block.extend(w.chunks(n).take(k).map(|c| c.to_vec()));
        }
        let randoms = if block.is_empty() {
            k
        } else {
            k + 1 - block.len().min(k)
        };
        for _ in 0..randoms {
            block.push(rng.vector(n));
        }
        let min_basis = self.min_basis.clamp(k, n);
        let mut restarts = 0;
        let mut kept: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        loop {
            let mut added = 0;
            for (x, ax) in kept.drain(..) {
                basis.push(x, Some(ax));
            }
            for c in block.drain(..) {
                if basis.v.len() < n && basis.push(c, None) {
                    added += 1;
                }
            }
            // A block that lies in the span (an invariant subspace): explore with random vectors.
            let mut tries = 0;
            while added == 0 && basis.v.len() < n && tries < 8 {
                if basis.push(rng.vector(n), None) {
                    added += 1;
                }
                tries += 1;
            }
            let m = basis.v.len();
            let pairs = basis.ritz();
            let scale = pairs
                .iter()
                .fold(f64::MIN_POSITIVE, |s, p| s.max(p.0.abs()));
            if !scale.is_finite() {
                return Err(Error::spec(
                    "lanczos: the operator produced a non-finite value",
                ));
            }
            // Residuals below the operator's own asymmetry (finite-difference products) are
            // not attainable: the test uses the larger of the two.
            let floor = 10.0 * basis.asymmetry * (m as f64).sqrt();
            let wanted = k.min(m);
            let mut residuals = Vec::with_capacity(wanted);
            let mut converged = true;
            for (theta, y) in pairs.iter().take(wanted) {
                let (x, ax) = basis.combine(y);
                let r: Vec<f64> = ax.iter().zip(&x).map(|(a, b)| a - theta * b).collect();
                if crate::vector::norm(&r) > (self.tol * scale).max(floor) {
                    converged = false;
                    residuals.push(r);
                }
            }
            let exhausted = m == n || (added == 0 && m >= k);
            if m >= k && (exhausted || (converged && m >= min_basis)) {
                let mut values = Vec::with_capacity(k);
                let mut vectors = Vec::with_capacity(k * n);
                for (theta, y) in pairs.iter().take(k) {
                    let (mut x, _) = basis.combine(y);
                    let nx = crate::vector::norm(&x);
                    x.iter_mut().for_each(|v| *v /= nx);
                    fix_sign(&mut x);
                    values.push(*theta);
                    vectors.extend(x);
                }
                return Ok(Eigenpairs {
                    n,
                    values,
                    vectors,
                    products: basis.products,
                });
            }
            if m + k > self.max_basis {
                restarts += 1;
                if restarts > self.max_restarts {
                    return Err(Error::spec(format!(
                        "lanczos: no convergence to tol {:e} after {} restarts ({} products)",
                        self.tol, self.max_restarts, basis.products
                    )));
                }
                kept = pairs
                    .iter()
                    .take((2 * k).max(self.max_basis / 2).min(m))
                    .map(|(_, y)| basis.combine(y))
                    .collect();
                basis.v.clear();
                basis.av.clear();
                basis.h.clear();
            }
            if residuals.is_empty() {
                residuals.push(rng.vector(n));
            }
            block.extend(residuals);
        }
    }
}
