//! Small-sample statistics of the digits experiment: Student-t confidence intervals of a mean,
//! Pearson and Spearman correlations with Fisher-z intervals (the distributions' quantiles from
//! `statrs`).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// A sample mean with the half-width of its two-sided 95 % Student-t interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Sample mean.
    pub mean: f64,
    /// Half-width `t_{0.975, n−1}·s/√n` (NaN for fewer than 2 values).
    pub half: f64,
    /// Number of values.
    pub n: usize,
}

impl Interval {
    /// Mean and 95 % t-interval of `v` (NaN mean for no values).
    pub fn of(v: &[f64]) -> Interval {
        let n = v.len();
        if n == 0 {
            return Interval {
                mean: f64::NAN,
                half: f64::NAN,
                n,
            };
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Interval {
                mean,
                half: f64::NAN,
                n,
            };
        }
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        Interval {
            mean,
            half: t_quantile_975(n - 1) * (var / n as f64).sqrt(),
            n,
        }
    }
    /// Lower end `mean − half`.
    pub fn lo(&self) -> f64 {
        self.mean - self.half
    }
    /// Upper end `mean + half`.
    pub fn hi(&self) -> f64 {
        self.mean + self.half
    }
}

/// The 0.975 quantile of Student's t with `nu ≥ 1` degrees of freedom (the factor of a two-sided
/// 95 % interval), from `statrs`.
pub fn t_quantile_975(nu: usize) -> f64 {
    StudentsT::new(0.0, 1.0, nu.max(1) as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// z-quantile of a two-sided 95 % interval, from `statrs`.
fn z_975() -> f64 {
    Normal::standard().inverse_cdf(0.975)
}

/// A correlation coefficient with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    /// The coefficient.
    pub r: f64,
    /// Lower end of the 95 % interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Number of pairs.
    pub n: usize,
}

/// Pearson's `r = Σ(x−x̄)(y−ȳ)/√(Σ(x−x̄)² Σ(y−ȳ)²)` with the Fisher-z interval
/// `tanh(atanh r ± 1.96/√(n−3))` (NaN ends for `n ≤ 3`).
pub fn pearson(x: &[f64], y: &[f64]) -> Correlation {
    let r = pearson_r(x, y);
    fisher(r, x.len(), 1.0)
}

/// Spearman's ρ (Pearson's r of the ranks, ties given their mean rank) with the Fisher-z
/// interval of Bonett & Wright (2000): standard error `√((1 + ρ²/2)/(n − 3))` in z.
pub fn spearman(x: &[f64], y: &[f64]) -> Correlation {
    let r = pearson_r(&ranks(x), &ranks(y));
    fisher(r, x.len(), 1.0 + r * r / 2.0)
}

fn fisher(r: f64, n: usize, var_factor: f64) -> Correlation {
    let (lo, hi) = if n > 3 && r.abs() < 1.0 {
        let z = r.atanh();
        let h = z_975() * (var_factor / (n as f64 - 3.0)).sqrt();
        ((z - h).tanh(), (z + h).tanh())
    } else {
        (f64::NAN, f64::NAN)
    };
    Correlation { r, lo, hi, n }
}

fn pearson_r(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks `1..n` of `v`, ties sharing their mean rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        order[i..=j].iter().for_each(|&k| out[k] = rank);
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table values of t_{0.975, ν} (any statistics table, 3 decimals).
    #[test]
    fn t_quantiles_match_the_table() {
        for (nu, t) in [
            (1, 12.706),
            (2, 4.303),
            (3, 3.182),
            (4, 2.776),
            (5, 2.571),
            (7, 2.365),
            (10, 2.228),
            (29, 2.045),
        ] {
            assert!((t_quantile_975(nu) - t).abs() < 6e-4, "ν = {nu}");
        }
        assert!((z_975() - 1.959_964).abs() < 1e-6);
    }

    #[test]
    fn correlations_of_known_data() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.1, 5.9, 8.2, 9.9];
        let p = pearson(&x, &y);
        assert!(p.r > 0.99 && p.lo < p.r && p.r < p.hi);
        // A monotone but non-linear relation has Spearman ρ = 1 exactly (and Pearson < 1).
        let z = [1.0, 8.0, 27.0, 64.0, 125.0];
        assert_eq!(spearman(&x, &z).r, 1.0);
        assert!(pearson(&x, &z).r < 1.0);
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        let iv = Interval::of(&[1.0, 2.0, 3.0]);
        assert!((iv.half - 4.302_652_7 * 1.0 / 3f64.sqrt()).abs() < 1e-6);
    }
}
