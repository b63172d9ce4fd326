//! The two vector reductions the analyses share.

/// `‖v‖₂`, without overflow or underflow: the plain `√(Σ vᵢ²)` whenever the sum of squares is a
/// normal number (so results are the usual bits), rescaled by `max |vᵢ|` otherwise (a gradient of
/// entries ~1e200 has a finite norm).
pub fn norm(v: &[f64]) -> f64 {
    let s = v.iter().map(|a| a * a).sum::<f64>();
    if s.is_normal() || s == 0.0 && v.iter().all(|a| *a == 0.0) {
        return s.sqrt();
    }
    let m = v.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    if m == 0.0 || !m.is_finite() || s.is_nan() {
        return if v.iter().any(|a| a.is_nan()) {
            f64::NAN
        } else {
            m
        };
    }
    m * v.iter().map(|a| (a / m) * (a / m)).sum::<f64>().sqrt()
}

/// `‖a − b‖₂` (as [`norm`] of the difference).
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    let s = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
    if s.is_normal() || s == 0.0 {
        return s.sqrt();
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    norm(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_neither_overflow_nor_underflow() {
        assert_eq!(norm(&[3.0, 4.0]), 5.0);
        assert!((norm(&[3e200, 4e200]) / 5e200 - 1.0).abs() < 1e-15);
        assert!((norm(&[3e-200, 4e-200]) / 5e-200 - 1.0).abs() < 1e-15);
        assert_eq!(norm(&[0.0, 0.0]), 0.0);
        assert_eq!(norm(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(norm(&[f64::NAN, 1.0]).is_nan());
        assert!(norm(&[f64::NAN, f64::INFINITY]).is_nan());
        assert!((distance(&[1e300, 0.0], &[-1e300, 0.0]) / 2e300 - 1.0).abs() < 1e-15);
    }
}
