//! Least-squares fits used by the analyses.

use serde::Serialize;

/// A power law `E ≈ C·h^p` fitted by least squares on `(log h, log E)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PowerFit {
    /// The exponent (log-log slope).
    pub p: f64,
    /// Standard error of `p` (NaN with fewer than three points).
    pub p_stderr: f64,
    /// The prefactor `C`.
    pub c: f64,
    /// Coefficient of determination of the log-log fit.
    pub r2: f64,
    /// Number of points used (those with finite, positive `h` and `E`).
    pub points: usize,
}

/// A straight line `y ≈ a + b·x` fitted by ordinary least squares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LineFit {
    /// Slope `b = Sxy/Sxx`.
    pub slope: f64,
    /// Intercept `a`.
    pub intercept: f64,
    /// Standard error of the slope, `√(SSR/((m−2)·Sxx))` (NaN with two points).
    pub slope_stderr: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Number of finite points used.
    pub points: usize,
}

/// Least-squares line through the finite points; `None` with fewer than two or no spread in `x`.
pub fn linear(x: &[f64], y: &[f64]) -> Option<LineFit> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    let m = pts.len();
    if m < 2 {
        return None;
    }
    let mf = m as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / mf;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / mf;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ssr: f64 = pts
        .iter()
        .map(|q| (q.1 - intercept - slope * q.0).powi(2))
        .sum();
    Some(LineFit {
        slope,
        intercept,
        slope_stderr: if m > 2 {
            (ssr / ((mf - 2.0) * sxx)).sqrt()
        } else {
            f64::NAN
        },
        r2: if syy > 0.0 { 1.0 - ssr / syy } else { 1.0 },
        points: m,
    })
}

/// Fits `y ≈ c·x^p` over the points with finite positive `x` and `y` (a line through
/// `(ln x, ln y)`); `None` with fewer than two such points.
pub fn power_law(x: &[f64], y: &[f64]) -> Option<PowerFit> {
    let (lx, ly): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite() && **a > 0.0 && **b > 0.0)
        .map(|(a, b)| (a.ln(), b.ln()))
        .unzip();
    let f = linear(&lx, &ly)?;
    Some(PowerFit {
        p: f.slope,
        p_stderr: f.slope_stderr,
        c: f.intercept.exp(),
        r2: f.r2,
        points: f.points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_power_law() {
        let x = [1e-3, 2e-3, 4e-3, 8e-3];
        let y: Vec<f64> = x.iter().map(|h: &f64| 3.0 * h.powf(2.5)).collect();
        let f = power_law(&x, &y).unwrap();
        assert!((f.p - 2.5).abs() < 1e-12);
        assert!((f.c - 3.0).abs() < 1e-9);
        assert!(f.p_stderr < 1e-10);
    }

    #[test]
    fn stderr_reflects_scatter() {
        let x = [1.0, 2.0, 4.0, 8.0, 16.0];
        let y = [1.0, 2.2, 3.8, 8.5, 15.0];
        let f = power_law(&x, &y).unwrap();
        assert!((f.p - 1.0).abs() < 0.1);
        assert!(f.p_stderr > 0.0 && f.p_stderr < 0.1);
        assert!(power_law(&[1.0], &[1.0]).is_none());
    }
}
