//! Built-in synthetic data sets and CSV loading for the data objectives.
//!
//! Every generator is deterministic given its seed: samples are drawn from a ChaCha8 stream
//! (`rand_chacha`), normal variates by the Box–Muller transform. NumPy's legacy MT19937 streams
//! are *not* reproduced, so a data set "like the notebook's" has the same distribution, not the
//! same numbers.

use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// A data set of `n` samples: inputs `x` (`n × d`, row-major) and targets `y` (`n × k`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Number of samples `N`.
    pub n: usize,
    /// Input dimension `d`.
    pub d: usize,
    /// Target columns `k` (1 for scalar targets and class labels).
    pub k: usize,
    /// Inputs, row-major `n × d`.
    pub x: Vec<f64>,
    /// Targets, row-major `n × k`; class labels `0, 1, …` stored as floats.
    pub y: Vec<f64>,
    /// Number of classes when the targets are class labels.
    pub classes: Option<usize>,
}

impl Dataset {
    /// Input row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
    /// Target row `i`.
    pub fn target(&self, i: usize) -> &[f64] {
        &self.y[i * self.k..(i + 1) * self.k]
    }
}

/// The seeded generator used by every data set: ChaCha8 seeded from `seed`, on stream `stream`
/// (different streams of one seed are independent).
pub fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// A standard normal variate by Box–Muller: `√(−2 ln u₁)·cos(2π u₂)`, `u₁ ∈ (0, 1]`.
pub fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - r.random::<f64>();
    let u2: f64 = r.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The regression data of Heredia's P1 appendix (heredia.md §4): `x ~ U(0, 1)`,
/// `y = 2x + N(0, σ²)` with σ = `noise` (0.1 in the notebook), `d = k = 1`.
/// The notebook draws with NumPy's MT19937 (`seed 42`); this draws the same distribution from
/// ChaCha8, so the fitted slope is ≈ 2 but not the notebook's digits.
pub fn regression(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut r = rng(seed, 0);
    let x: Vec<f64> = (0..n).map(|_| r.random::<f64>()).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|&xi| 2.0 * xi + noise * normal(&mut r))
        .collect();
    Dataset {
        n,
        d: 1,
        k: 1,
        x,
        y,
        classes: None,
    }
}

/// A linear teacher: rows `a_i ~ N(0, I_d)`, teacher `w* ~ N(0, I_d/d)`,
/// `y_i = a_iᵀw* + σ ξ_i` with `ξ_i ~ N(0, 1)`. Returns the data and `w*`.
pub fn linear_teacher(n: usize, d: usize, noise: f64, seed: u64) -> (Dataset, Vec<f64>) {
    let mut r = rng(seed, 1);
    let scale = 1.0 / (d as f64).sqrt();
    let w: Vec<f64> = (0..d).map(|_| scale * normal(&mut r)).collect();
    let x: Vec<f64> = (0..n * d).map(|_| normal(&mut r)).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let a = &x[i * d..(i + 1) * d];
            a.iter().zip(&w).map(|(p, q)| p * q).sum::<f64>() + noise * normal(&mut r)
        })
        .collect();
    (
        Dataset {
            n,
            d,
            k: 1,
            x,
            y,
            classes: None,
        },
        w,
    )
}

/// Two interleaving half circles (scikit-learn's `make_moons` shape): class 0 at
/// `(cos t, sin t)`, class 1 at `(1 − cos t, 1/2 − sin t)`, `t ~ U(0, π)`, plus `N(0, σ²)` noise
/// on each coordinate; classes alternate so both have `⌈n/2⌉` / `⌊n/2⌋` samples.
pub fn moons(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut r = rng(seed, 2);
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let t = std::f64::consts::PI * r.random::<f64>();
        let c = i % 2;
        let (a, b) = if c == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        x.push(a + noise * normal(&mut r));
        x.push(b + noise * normal(&mut r));
        y.push(c as f64);
    }
    Dataset {
        n,
        d: 2,
        k: 1,
        x,
        y,
        classes: Some(2),
    }
}

/// `classes` interleaved spirals: sample `i` has class `c = i mod C`, radius `ρ ~ U(0, 1)`,
/// angle `2πc/C + 2π·turns·ρ`, point `ρ(cos, sin)` plus `N(0, σ²)` noise per coordinate.
pub fn spirals(n: usize, classes: usize, turns: f64, noise: f64, seed: u64) -> Dataset {
    let mut r = rng(seed, 3);
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    let tau = 2.0 * std::f64::consts::PI;
    for i in 0..n {
        let c = i % classes;
        let rho: f64 = r.random::<f64>();
        let ang = tau * c as f64 / classes as f64 + tau * turns * rho;
        x.push(rho * ang.cos() + noise * normal(&mut r));
        x.push(rho * ang.sin() + noise * normal(&mut r));
        y.push(c as f64);
    }
    Dataset {
        n,
        d: 2,
        k: 1,
        x,
        y,
        classes: Some(classes),
    }
}

/// Inputs `x_i ~ N(0, I_d)` for a teacher network (targets filled in by the caller).
pub fn gaussian_inputs(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed, 4);
    (0..n * d).map(|_| normal(&mut r)).collect()
}

/// Reads a numeric CSV file: every row is `x_1, …, x_d, y` (last column the target); a first
/// line that does not parse as numbers is taken as a header, a leading byte-order mark is
/// ignored. Fails with the file, line and field on a malformed or ragged row.
pub fn read_csv(path: &Path) -> Result<Dataset> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut width: Option<usize> = None;
    let mut n = 0;
    for (ln, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: std::result::Result<Vec<f64>, _> =
            fields.iter().map(|f| f.parse::<f64>()).collect();
        let vals = match parsed {
            Ok(v) => v,
            Err(_) if n == 0 && width.is_none() => {
                width = Some(fields.len());
                continue;
            }
            Err(_) => {
                return Err(Error::spec(format!(
                    "data: {}: line {}: '{}' is not a row of numbers",
                    path.display(),
                    ln + 1,
                    crate::spec::printable(line)
                )))
            }
        };
        if let Some(bad) = vals.iter().position(|v| !v.is_finite()) {
            return Err(Error::spec(format!(
                "data: {}: line {}: field {} is not finite",
                path.display(),
                ln + 1,
                bad + 1
            )));
        }
        let w = *width.get_or_insert(vals.len());
        if vals.len() != w || w < 2 {
            return Err(Error::spec(format!(
                "data: {}: line {}: {} fields, expected {} (at least 2: inputs then target)",
                path.display(),
                ln + 1,
                vals.len(),
                w.max(2)
            )));
        }
        x.extend_from_slice(&vals[..w - 1]);
        y.push(vals[w - 1]);
        n += 1;
    }
    if n == 0 {
        return Err(Error::spec(format!(
            "data: {}: no data rows",
            path.display()
        )));
    }
    let d = width.unwrap_or(2) - 1;
    let integral = y.iter().all(|v| v.fract() == 0.0 && *v >= 0.0 && *v < 1e6);
    let classes = if integral {
        Some(y.iter().fold(0.0f64, |m, v| m.max(*v)) as usize + 1)
    } else {
        None
    };
    Ok(Dataset {
        n,
        d,
        k: 1,
        x,
        y,
        classes,
    })
}
