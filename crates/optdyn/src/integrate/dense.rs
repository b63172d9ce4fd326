//! Dense output shared by the fixed-step driver: the cubic Hermite interpolant of a step.

/// Cubic Hermite interpolant on `[ta, ta + h]` from the end states and slopes:
/// `y(ta + s h) = (2s³−3s²+1) ya + (s³−2s²+s) h fa + (−2s³+3s²) yb + (s³−s²) h fb`.
/// Local error `O(h⁴)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn hermite(
    ta: f64,
    h: f64,
    ya: &[f64],
    fa: &[f64],
    yb: &[f64],
    fb: &[f64],
    t: f64,
    out: &mut [f64],
) {
    let s = (t - ta) / h;
    let s2 = s * s;
    let s3 = s2 * s;
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = (s3 - 2.0 * s2 + s) * h;
    let h01 = -2.0 * s3 + 3.0 * s2;
    let h11 = (s3 - s2) * h;
    for i in 0..out.len() {
        out[i] = h00 * ya[i] + h10 * fa[i] + h01 * yb[i] + h11 * fb[i];
    }
}
