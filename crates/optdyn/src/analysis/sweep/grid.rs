//! Sweep grids: axes parsed from `--grid`, the map `index → point`, and scrambled Halton
//! sampling (`--sample halton:N,seed=S`).
//!
//! A grid is a pure function of its index: [`Grid::point`] needs nothing but the index, so a
//! shard, a resumed run or another machine computes exactly the same parameters for it.

use crate::range::parse_values;
pub use crate::range::Values;
use crate::{Error, Result};
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Which component an axis sets.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A key of the optimizer spec (`beta1`, `lr`, …): plain keys and `optimizer.KEY`.
    Optimizer(String),
    /// A key of the objective spec: `objective.KEY`.
    Objective(String),
    /// A key of the model spec: `model.KEY`.
    Model(String),
    /// The start point: `x0` sets every component, `x0[i]` component `i`.
    X0(Option<usize>),
}

/// One axis of a grid: the key as written, what it sets and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The key as written in `--grid` (also the CSV column name).
    pub key: String,
    /// The component it sets.
    pub target: Target,
    /// Its values.
    pub values: Values,
}

/// How points are generated from axes.
#[derive(Debug, Clone, PartialEq)]
pub enum Sampling {
    /// The Cartesian product of all axes, the first axis varying slowest.
    Cartesian,
    /// `n` points of a scrambled Halton sequence seeded by `seed`.
    Halton {
        /// Number of points.
        n: u64,
        /// Scrambling seed.
        seed: u64,
    },
}

/// A point of a grid: its index and one value per axis (in axis order).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Index in `0..grid.len()`.
    pub index: u64,
    /// One value per axis.
    pub values: Vec<f64>,
}

/// A parsed grid.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The axes, in the order written.
    pub axes: Vec<Axis>,
    /// Cartesian product or quasi-random sample.
    pub sampling: Sampling,
    grid_text: String,
    sample_text: Option<String>,
    len: u64,
    halton: Vec<HaltonDim>,
    /// Cartesian only: each axis's values `Values::at(0..count)`, computed once (empty for an
    /// axis of more than [`TABLE_MAX`] values, which is evaluated per point instead).
    tables: Vec<Vec<f64>>,
}

/// Largest axis whose values a Cartesian [`Grid`] tabulates.
const TABLE_MAX: u64 = 1 << 20;

fn parse_target(key: &str) -> Result<Target> {
    let bad = || {
        Error::spec(format!(
            "--grid: bad key '{key}' (allowed: KEY or optimizer.KEY, objective.KEY, model.KEY, x0, x0[i])"
        ))
    };
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if key == "x0" {
        return Ok(Target::X0(None));
    }
    if let Some(rest) = key.strip_prefix("x0[") {
        let i = rest
            .strip_suffix(']')
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(bad)?;
        return Ok(Target::X0(Some(i)));
    }
    let (who, k) = match key.split_once('.') {
        Some((w, k)) => (w, k),
        None => ("optimizer", key),
    };
    if !ident(k) {
        return Err(bad());
    }
    match who {
        "optimizer" => Ok(Target::Optimizer(k.to_string())),
        "objective" => Ok(Target::Objective(k.to_string())),
        "model" => Ok(Target::Model(k.to_string())),
        _ => Err(bad()),
    }
}

/// Parses `--sample halton:N[,seed=S]` (also `halton:n=N,seed=S`).
fn parse_sample(text: &str) -> Result<Sampling> {
    let (name, rest) = text.split_once(':').unwrap_or((text, ""));
    if name.trim() != "halton" {
        return Err(Error::spec(format!(
            "--sample: unknown sequence '{}' (allowed: halton)",
            name.trim()
        )));
    }
    let mut n = None;
    let mut seed = 0u64;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or(("n", part));
        let v = v.trim();
        let parse = |what: &str| {
            v.parse::<u64>().map_err(|_| {
                Error::spec(format!(
                    "--sample: {what} must be a non-negative integer, got '{v}'"
                ))
            })
        };
        match k.trim() {
            "n" => n = Some(parse("n")?),
            "seed" => seed = parse("seed")?,
            other => {
                return Err(Error::spec(format!(
                    "--sample: unknown key '{other}' (allowed: n, seed)"
                )))
            }
        }
    }
    match n {
        Some(n) if n >= 1 => Ok(Sampling::Halton { n, seed }),
        _ => Err(Error::spec(format!(
            "--sample: give the number of points, e.g. halton:1000,seed=1 (got '{text}')"
        ))),
    }
}

impl Grid {
    /// Parses `--grid` (`key=values,key=values`) and the optional `--sample` spec.
    ///
    /// Values are `lo:hi:count` (linear), `lo:hi:count:log`, or `a;b;c`; under `--sample` an axis
    /// is `lo:hi`, `lo:hi:log` or `a;b;c`. Keys must be distinct.
    pub fn parse(grid: &str, sample: Option<&str>) -> Result<Grid> {
        let sampling = match sample {
            Some(s) => parse_sample(s)?,
            None => Sampling::Cartesian,
        };
        let sampled = !matches!(sampling, Sampling::Cartesian);
        let mut axes: Vec<Axis> = Vec::new();
        for part in grid.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, vals)) = part.split_once('=') else {
                return Err(Error::spec(format!(
                    "--grid: '{part}' is not key=values (e.g. beta1=0:0.99:100)"
                )));
            };
            let key = key.trim();
            if axes.iter().any(|a| a.key == key) {
                return Err(Error::spec(format!("--grid: key '{key}' given twice")));
            }
            axes.push(Axis {
                key: key.to_string(),
                target: parse_target(key)?,
                values: parse_values(&format!("--grid: {key}"), vals, sampled)?,
            });
        }
        if axes.is_empty() {
            return Err(Error::spec(format!(
                "--grid: no axes in '{grid}' (expected key=lo:hi:count,…)"
            )));
        }
        let tables = match sampling {
            Sampling::Cartesian => axes
                .iter()
                .map(|a| match a.values.count() {
                    Some(c) if c <= TABLE_MAX => (0..c).map(|i| a.values.at(i)).collect(),
                    _ => Vec::new(),
                })
                .collect(),
            Sampling::Halton { .. } => Vec::new(),
        };
        let (len, halton) = match sampling {
            Sampling::Cartesian => {
                let mut len: u64 = 1;
                for a in &axes {
                    let c = a.values.count().unwrap_or(1);
                    len = len.checked_mul(c).ok_or_else(|| {
                        Error::spec("--grid: the grid has more than 2^64 points".to_string())
                    })?;
                }
                (len, Vec::new())
            }
            Sampling::Halton { n, seed } => (n, halton_dims(axes.len(), seed)?),
        };
        Ok(Grid {
            axes,
            sampling,
            grid_text: grid.trim().to_string(),
            sample_text: sample.map(|s| s.trim().to_string()),
            len,
            halton,
            tables,
        })
    }

    /// Number of points.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when the grid has no points (never, for a parsed grid).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `--grid` text as given (trimmed).
    pub fn grid_text(&self) -> &str {
        &self.grid_text
    }

    /// The `--sample` text as given, if any.
    pub fn sample_text(&self) -> Option<&str> {
        self.sample_text.as_deref()
    }

    /// Writes the axis values of point `index` into `out` (length = number of axes).
    ///
    /// Cartesian: mixed-radix digits of `index` with the last axis varying fastest
    /// (`index = Σ_a i_a · Π_{b>a} count_b`), like nested loops in the order written.
    /// Halton: coordinate `a` is the scrambled radical inverse of `index` in the `a`-th prime.
    pub fn point_into(&self, index: u64, out: &mut [f64]) {
        assert!(
            index < self.len,
            "point index {index} out of range {}",
            self.len
        );
        match self.sampling {
            Sampling::Cartesian => {
                let mut rest = index;
                for ((a, t), o) in self.axes.iter().zip(&self.tables).zip(out.iter_mut()).rev() {
                    let c = a.values.count().unwrap_or(1);
                    let i = rest % c;
                    *o = match t.get(i as usize) {
                        Some(&v) => v,
                        None => a.values.at(i),
                    };
                    rest /= c;
                }
            }
            Sampling::Halton { .. } => {
                for ((a, h), o) in self.axes.iter().zip(&self.halton).zip(out.iter_mut()) {
                    *o = a.values.at_unit(h.unit(index));
                }
            }
        }
    }

    /// The point with index `index`.
    pub fn point(&self, index: u64) -> Point {
        let mut values = vec![0.0; self.axes.len()];
        self.point_into(index, &mut values);
        Point { index, values }
    }
}

/// One scrambled Halton coordinate: base `p` and one random digit permutation per digit
/// position (`digits` positions, enough for every `u64` index).
#[derive(Debug, Clone)]
struct HaltonDim {
    base: u64,
    digits: usize,
    perm: Vec<u8>,
}

/// The first primes, one per Halton dimension.
const PRIMES: [u64; 32] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131,
];

/// Builds the scrambled Halton coordinates for `dims` axes from `seed`.
///
/// Scrambling (random digit permutation, Owen 1995 / Matoušek 1998 "random digit scrambling"
/// without nesting): for base `p` and digit position `j`, a permutation `σ_j` of `{0,…,p−1}`
/// is drawn by Fisher–Yates from ChaCha8 seeded with `seed`; the coordinate of index `n` with
/// base-`p` digits `a_j` is `u = Σ_j σ_j(a_j) p^{−(j+1)}` over all `J` positions with
/// `p^J ≥ 2^64`. Permuting digits keeps Halton's defining property: every block of `p^k`
/// consecutive indices starting at a multiple of `p^k` puts exactly one point in each interval
/// `[i/p^k, (i+1)/p^k)`. With `seed = 0` and no permutation it is the plain radical inverse.
fn halton_dims(dims: usize, seed: u64) -> Result<Vec<HaltonDim>> {
    if dims > PRIMES.len() {
        return Err(Error::spec(format!(
            "--sample: at most {} axes, got {dims}",
            PRIMES.len()
        )));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Ok(PRIMES[..dims]
        .iter()
        .map(|&p| {
            let digits = (64.0 / (p as f64).log2()).ceil() as usize;
            let mut perm = Vec::with_capacity(digits * p as usize);
            for _ in 0..digits {
                let start = perm.len();
                perm.extend(0..p as u8);
                // Fisher–Yates; the bounded draw is ⌊r·k / 2^64⌋ (bias < k/2^64).
                for i in (1..p as usize).rev() {
                    let k = (i + 1) as u128;
                    let j = ((rng.next_u64() as u128 * k) >> 64) as usize;
                    perm.swap(start + i, start + j);
                }
            }
            HaltonDim {
                base: p,
                digits,
                perm,
            }
        })
        .collect())
}

impl HaltonDim {
    /// The scrambled radical inverse of `n` in `[0, 1)`.
    fn unit(&self, mut n: u64) -> f64 {
        let p = self.base as usize;
        let inv = 1.0 / self.base as f64;
        let mut scale = inv;
        let mut u = 0.0;
        for j in 0..self.digits {
            let a = (n % self.base) as usize;
            n /= self.base;
            u += self.perm[j * p + a] as f64 * scale;
            scale *= inv;
        }
        u.min(1.0 - f64::EPSILON / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_linear_log_and_list_axes() {
        let g = Grid::parse("beta1=0:1:11, lr=1e-3:1e-1:3:log, x0[1]=-1;0;2", None).unwrap();
        assert_eq!(g.len(), 11 * 3 * 3);
        assert_eq!(g.axes[0].target, Target::Optimizer("beta1".into()));
        assert_eq!(g.axes[2].target, Target::X0(Some(1)));
        assert_eq!(g.axes[0].values.at(0), 0.0);
        assert_eq!(g.axes[0].values.at(10), 1.0);
        assert_eq!(g.axes[0].values.at(3), 0.3);
        assert_eq!(g.axes[1].values.at(0), 1e-3);
        assert_eq!(g.axes[1].values.at(2), 1e-1);
        assert!((g.axes[1].values.at(1) - 1e-2).abs() < 1e-17);
        let p = Grid::parse("objective.c=1;2,model.a=3,optimizer.lr=1,x0=5", None).unwrap();
        assert_eq!(p.axes[0].target, Target::Objective("c".into()));
        assert_eq!(p.axes[1].target, Target::Model("a".into()));
        assert_eq!(p.axes[2].target, Target::Optimizer("lr".into()));
        assert_eq!(p.axes[3].target, Target::X0(None));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn bad_grids_name_the_field() {
        let cases = [
            ("beta1=0:1", "must be lo:hi:count"),
            ("beta1=0:1:0", "count must be an integer >= 1, got '0'"),
            ("lr=0:1:5:log", "a log range needs lo > 0"),
            ("beta1=a:1:3", "beta1 lower end must be a number, got 'a'"),
            ("beta1=0:1:3,beta1=1", "key 'beta1' given twice"),
            ("x0[a]=1", "bad key 'x0[a]'"),
            ("foo.lr=1", "bad key 'foo.lr'"),
            ("beta1", "is not key=values"),
            ("a=0:1:4294967296,b=0:1:4294967296", "more than 2^64"),
        ];
        for (g, want) in cases {
            let e = Grid::parse(g, None).unwrap_err().to_string();
            assert!(e.contains(want), "{g}: {e}");
        }
        let e = Grid::parse("lr=0:1:3", Some("halton:10"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no count"), "{e}");
        let e = Grid::parse("lr=0:1", Some("sobol:10"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("allowed: halton"), "{e}");
        let e = Grid::parse("lr=0:1", Some("halton:seed=3"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("number of points"), "{e}");
    }

    #[test]
    fn cartesian_order_is_row_major() {
        let g = Grid::parse("a=1;2;3,b=10;20", None).unwrap();
        let pts: Vec<Vec<f64>> = (0..g.len()).map(|i| g.point(i).values).collect();
        assert_eq!(
            pts,
            vec![
                vec![1.0, 10.0],
                vec![1.0, 20.0],
                vec![2.0, 10.0],
                vec![2.0, 20.0],
                vec![3.0, 10.0],
                vec![3.0, 20.0]
            ]
        );
    }

    #[test]
    fn plain_halton_is_the_radical_inverse() {
        // Identity permutations: the textbook van der Corput values in bases 2 and 3.
        let dim = |p: u64| HaltonDim {
            base: p,
            digits: (64.0 / (p as f64).log2()).ceil() as usize,
            perm: (0..(64.0 / (p as f64).log2()).ceil() as usize)
                .flat_map(|_| 0..p as u8)
                .collect(),
        };
        let (b2, b3) = (dim(2), dim(3));
        let want2 = [0.0, 0.5, 0.25, 0.75, 0.125, 0.625];
        let want3 = [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0 / 9.0, 4.0 / 9.0, 7.0 / 9.0];
        for n in 0..6 {
            assert!((b2.unit(n) - want2[n as usize]).abs() < 1e-15);
            assert!((b3.unit(n) - want3[n as usize]).abs() < 1e-15);
        }
    }

    #[test]
    fn scrambled_halton_keeps_elementary_intervals() {
        // Every block of p^k indices (starting at a multiple of p^k) hits each interval
        // [i/p^k, (i+1)/p^k) exactly once, in every coordinate, for any seed.
        for seed in [0u64, 1, 12345] {
            let g = Grid::parse(
                "a=0:1,b=0:1,c=0:1",
                Some(&format!("halton:3000,seed={seed}")),
            )
            .unwrap();
            for (d, (p, k)) in [(2u64, 10u32), (3, 6), (5, 4)].into_iter().enumerate() {
                let m = p.pow(k);
                for block in [0u64, 1] {
                    if (block + 1) * m > g.len() {
                        continue;
                    }
                    let mut hit = vec![0u32; m as usize];
                    for n in block * m..(block + 1) * m {
                        let u = g.point(n).values[d];
                        assert!((0.0..1.0).contains(&u));
                        hit[(u * m as f64) as usize] += 1;
                    }
                    assert!(
                        hit.iter().all(|&h| h == 1),
                        "seed {seed} dim {d} block {block}"
                    );
                }
            }
        }
    }

    #[test]
    fn halton_seed_changes_points_and_maps_ranges() {
        let a = Grid::parse("lr=1e-4:1:log,b=2:4,c=7;8", Some("halton:100,seed=1")).unwrap();
        let b = Grid::parse("lr=1e-4:1:log,b=2:4,c=7;8", Some("halton:100,seed=2")).unwrap();
        assert_ne!(a.point(5).values, b.point(5).values);
        for i in 0..100 {
            let p = a.point(i).values;
            assert!((1e-4..1.0).contains(&p[0]) && (2.0..4.0).contains(&p[1]));
            assert!(p[2] == 7.0 || p[2] == 8.0);
            assert_eq!(p, a.point(i).values);
        }
    }
}
