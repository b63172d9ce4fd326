//! Gauss quadrature of a discrete positive measure: `q` nodes and weights that reproduce
//! `Σ_i c_i p(x_i)` exactly for every polynomial `p` of degree `< 2q`. Used to compress the many
//! slow terms of a sum of exponentials, `Σ_i c_i e^{−s x_i}` with `s·x_i ≤ 1`, into `q` terms
//! (error of order `1/(2q)!`): the nodes are the eigenvalues of the Jacobi matrix built by the
//! Lanczos (Stieltjes) procedure on the measure, the weights the squared first components of
//! its eigenvectors times the total mass (Golub & Welsch 1969; Gautschi, "Orthogonal
//! Polynomials", 2004, §2.2.3). Written by hand: it is the kernel layer's subject.

use nalgebra::DMatrix;

/// `(node, weight)` pairs of the `q`-point Gauss rule of the measure `Σ c_i δ_{x_i}` (`c_i > 0`).
/// Fewer than `q` pairs when the measure has fewer than `q` points of support.
pub(crate) fn gauss_rule(x: &[f64], c: &[f64], q: usize) -> Vec<(f64, f64)> {
    let m = x.len();
    let total: f64 = c.iter().sum();
    if m == 0 || total <= 0.0 {
        return Vec::new();
    }
    let q = q.min(m);
    // Orthonormal vectors under <f, g> = Σ c_i f_i g_i, with full reorthogonalisation.
    let dot = |a: &[f64], b: &[f64]| -> f64 { (0..m).map(|i| c[i] * a[i] * b[i]).sum() };
    let mut basis: Vec<Vec<f64>> = vec![vec![1.0 / total.sqrt(); m]];
    let (mut alpha, mut beta) = (Vec::with_capacity(q), Vec::with_capacity(q));
    for k in 0..q {
        let cur = &basis[k];
        let mut r: Vec<f64> = (0..m).map(|i| x[i] * cur[i]).collect();
        alpha.push(dot(&r, cur));
        for _ in 0..2 {
            for b in &basis {
                let p = dot(&r, b);
                r.iter_mut().zip(b).for_each(|(ri, bi)| *ri -= p * bi);
            }
        }
        if k + 1 == q {
            break;
        }
        let norm = dot(&r, &r).sqrt();
        if norm <= 1e-14 * alpha[0].abs().max(1e-300) {
            break;
        }
        beta.push(norm);
        basis.push(r.into_iter().map(|v| v / norm).collect());
    }
    let n = alpha.len();
    let jacobi = DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            alpha[i]
        } else if i + 1 == j {
            beta[i]
        } else if j + 1 == i {
            beta[j]
        } else {
            0.0
        }
    });
    let eig = jacobi.symmetric_eigen();
    (0..n)
        .map(|j| {
            let v0 = eig.eigenvectors[(0, j)];
            (eig.eigenvalues[j], total * v0 * v0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_moments_and_compresses_exponentials() {
        let m = 300;
        let x: Vec<f64> = (0..m).map(|i| (-(i as f64) * 0.1).exp()).collect();
        let c: Vec<f64> = x.iter().map(|v| v.powf(0.4)).collect();
        let rule = gauss_rule(&x, &c, 8);
        assert_eq!(rule.len(), 8);
        for p in 0..16 {
            let want: f64 = (0..m).map(|i| c[i] * x[i].powi(p)).sum();
            let got: f64 = rule.iter().map(|(xn, w)| w * xn.powi(p)).sum();
            assert!(
                (got - want).abs() < 1e-12 * want,
                "moment {p}: {got} vs {want}"
            );
        }
        for s in [0.0, 0.3, 1.0] {
            let want: f64 = (0..m).map(|i| c[i] * (-s * x[i]).exp()).sum();
            let got: f64 = rule.iter().map(|(xn, w)| w * (-s * xn).exp()).sum();
            assert!((got - want).abs() < 1e-13 * want, "s = {s}");
        }
        assert!(rule
            .iter()
            .all(|&(xn, w)| w > 0.0 && (0.0..=1.0).contains(&xn)));
    }
}
