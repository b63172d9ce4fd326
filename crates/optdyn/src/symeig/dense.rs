//! The dense path: the matrix from `n` operator products, symmetrised, diagonalised.

use super::{fix_sign, Eigenpairs, SymOp};
use nalgebra::DMatrix;

/// The top `k` eigenpairs of `op` from its full matrix: column `j` is `A e_j`, the matrix is
/// symmetrised as `(A + Aᵀ)/2` (products computed by finite differences are symmetric only to
/// their error) and diagonalised by nalgebra's `SymmetricEigen` (Householder tridiagonalisation
/// and implicit QR). Costs `n` products and `O(n³)`.
pub fn dense(op: &dyn SymOp, k: usize) -> Eigenpairs {
    let n = op.dim();
    let mut a = DMatrix::<f64>::zeros(n, n);
    let mut e = vec![0.0; n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        e[j] = 1.0;
        op.apply(&e, &mut col);
        e[j] = 0.0;
        for i in 0..n {
            a[(i, j)] = col[i];
        }
    }
    let sym = (&a + a.transpose()) * 0.5;
    let eig = sym.symmetric_eigen();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let mut values = Vec::with_capacity(k);
    let mut vectors = Vec::with_capacity(k * n);
    for &i in order.iter().take(k) {
        values.push(eig.eigenvalues[i]);
        let start = vectors.len();
        vectors.extend(eig.eigenvectors.column(i).iter());
        fix_sign(&mut vectors[start..]);
    }
    Eigenpairs {
        n,
        values,
        vectors,
        products: n,
    }
}
