//! The semidefinite complementarity problem of a central flow, for the `k×k` covariance `X` of
//! the oscillation in the tracked eigenbasis:
//!
//! `X ⪰ 0`, `A + B[X] ⪰ 0`, `⟨X, A + B[X]⟩ = 0`,
//!
//! with `A` symmetric and `B` a self-adjoint positive semidefinite map on symmetric matrices.
//! These are the optimality conditions of the convex program
//! `min_{X ⪰ 0} ½⟨X, B[X]⟩ + ⟨A, X⟩` (Cohen, Damian, Talwalkar, Kolter & Lee, "Understanding
//! optimization in deep learning with central flows", ICLR 2025; the authors' code solves the
//! same program with CVXPY). Solved here by accelerated projected gradient (FISTA, Beck &
//! Teboulle 2009) with the projection onto the PSD cone by eigen-decomposition, to a fixed
//! point `‖X − Π(X − (B[X] + A)/L)‖_F ≤ 1e-14·max(1, ‖X‖_F)`; `k = 1` in closed form,
//! `x = max(0, −A/B)`.

use nalgebra::{DMatrix, SymmetricEigen};

/// `B[X]_{cd} = Σ_{ab} b_{(cd),(ab)} X_{ab}` for a `k²×k²` matrix `b` (row `c·k + d`, column
/// `a·k + b`).
fn apply(b: &DMatrix<f64>, x: &DMatrix<f64>) -> DMatrix<f64> {
    let k = x.nrows();
    DMatrix::from_fn(k, k, |c, d| {
        let row = c * k + d;
        let mut s = 0.0;
        for a in 0..k {
            for e in 0..k {
                s += b[(row, a * k + e)] * x[(a, e)];
            }
        }
        s
    })
}

/// The projection of a symmetric matrix onto the PSD cone (negative eigenvalues set to 0).
fn psd(x: DMatrix<f64>) -> DMatrix<f64> {
    let sym = (&x + x.transpose()) * 0.5;
    let SymmetricEigen {
        eigenvectors: q,
        mut eigenvalues,
    } = sym.symmetric_eigen();
    eigenvalues.iter_mut().for_each(|l| *l = l.max(0.0));
    &q * DMatrix::from_diagonal(&eigenvalues) * q.transpose()
}

/// The solution `X` of the complementarity problem for `A` (`k×k`) and `B` (`k²×k²`, PSD,
/// symmetric under `(ab) ↔ (cd)` and `a ↔ b`). Returns `None` when the program is unbounded
/// (some direction with `⟨A, X⟩ < 0` and `B[X] = 0`: no bounded oscillation keeps the
/// eigenvalues below the threshold).
pub(crate) fn solve(a: &DMatrix<f64>, b: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let k = a.nrows();
    if k == 1 {
        let (a, b) = (a[(0, 0)], b[(0, 0)]);
        return if a >= 0.0 {
            Some(DMatrix::zeros(1, 1))
        } else if b > 0.0 {
            Some(DMatrix::from_element(1, 1, -a / b))
        } else {
            None
        };
    }
    if a.clone().symmetric_eigen().eigenvalues.min() >= 0.0 {
        return Some(DMatrix::zeros(k, k));
    }
    let lip = b.clone().symmetric_eigen().eigenvalues.max();
    if lip <= 0.0 {
        return None;
    }
    let step = 1.0 / lip;
    let mut x = DMatrix::<f64>::zeros(k, k);
    let mut y = x.clone();
    let mut tk = 1.0f64;
    for _ in 0..100_000 {
        let grad = apply(b, &y) + a;
        let next = psd(&y - grad * step);
        let moved = (&next - &x).norm();
        let t_next = 0.5 * (1.0 + (1.0 + 4.0 * tk * tk).sqrt());
        y = &next + (&next - &x) * ((tk - 1.0) / t_next);
        tk = t_next;
        x = next;
        if !x.norm().is_finite() {
            return None;
        }
        if moved <= 1e-14 * x.norm().max(1.0) {
            let g = apply(b, &x) + a;
            if (&x - psd(&x - g * step)).norm() <= 1e-12 * x.norm().max(1.0) {
                return Some(x);
            }
        }
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `B` from vectors `G_ab` (`n`-vectors, symmetric in `a, b`): `½⟨G_cd, G_ab⟩`.
    fn gram(g: &[Vec<Vec<f64>>]) -> DMatrix<f64> {
        let k = g.len();
        DMatrix::from_fn(k * k, k * k, |r, c| {
            let (gc, ga) = (&g[r / k][r % k], &g[c / k][c % k]);
            0.5 * gc.iter().zip(ga).map(|(p, q)| p * q).sum::<f64>()
        })
    }

    #[test]
    fn one_direction_is_the_papers_sigma_squared() {
        // A = ⟨∇S, ∇L⟩, B = ½‖∇S‖²: x = 2⟨−∇L, ∇S⟩/‖∇S‖².
        let (ds, dl) = ([3.0, -1.0], [-2.0, 0.5]);
        let a = DMatrix::from_element(1, 1, ds[0] * dl[0] + ds[1] * dl[1]);
        let b = DMatrix::from_element(1, 1, 0.5 * (ds[0] * ds[0] + ds[1] * ds[1]));
        let x = solve(&a, &b).unwrap()[(0, 0)];
        assert!((x - 2.0 * 6.5 / 10.0).abs() < 1e-15);
        assert_eq!(solve(&(-&a), &b).unwrap()[(0, 0)], 0.0);
    }

    #[test]
    fn two_directions_satisfy_the_complementarity_conditions() {
        let g = vec![
            vec![vec![1.0, 0.2, -0.5], vec![0.3, 0.1, 0.7]],
            vec![vec![0.3, 0.1, 0.7], vec![-0.4, 1.1, 0.2]],
        ];
        let b = gram(&g);
        for a in [
            DMatrix::from_row_slice(2, 2, &[-1.0, 0.3, 0.3, -0.5]),
            DMatrix::from_row_slice(2, 2, &[-1.0, 0.0, 0.0, 2.0]),
            DMatrix::from_row_slice(2, 2, &[0.5, 0.9, 0.9, 0.5]),
        ] {
            let x = solve(&a, &b).unwrap();
            let m = apply(&b, &x) + &a;
            let ex = x.clone().symmetric_eigen().eigenvalues.min();
            let em = m.clone().symmetric_eigen().eigenvalues.min();
            let comp = x.dot(&m);
            assert!(ex >= -1e-12 && em >= -1e-10, "X {ex}, A + B[X] {em}");
            assert!(comp.abs() < 1e-10, "⟨X, A + B[X]⟩ = {comp}");
        }
    }

    #[test]
    fn an_unbounded_program_has_no_solution() {
        let a = DMatrix::from_element(1, 1, -1.0);
        assert!(solve(&a, &DMatrix::zeros(1, 1)).is_none());
    }
}
