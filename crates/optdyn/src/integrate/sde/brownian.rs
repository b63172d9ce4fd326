//! Reproducible Brownian increments: path `p` of seed `s` draws from the ChaCha8 stream `p` of
//! `s`, so a path is the same whichever thread runs it and in whatever order, and an ensemble is
//! the same at any thread count. With `antithetic`, path `2k+1` uses the negated increments of
//! path `2k` (variance reduction; for a linear SDE with additive noise the ensemble mean of an
//! even number of paths then carries no sampling error at all).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The Brownian motion of an ensemble: a seed and the antithetic option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brownian {
    /// The seed.
    pub seed: u64,
    /// Pair path `2k+1` with the negated increments of path `2k`.
    pub antithetic: bool,
}

impl Brownian {
    /// Independent paths of seed `seed`.
    pub fn new(seed: u64) -> Self {
        Brownian {
            seed,
            antithetic: false,
        }
    }

    /// Antithetic pairs of seed `seed`.
    pub fn antithetic(seed: u64) -> Self {
        Brownian {
            seed,
            antithetic: true,
        }
    }

    /// Path `p`.
    pub fn path(&self, p: u64) -> BrownianPath {
        let (stream, sign) = if self.antithetic {
            (p / 2, if p % 2 == 1 { -1.0 } else { 1.0 })
        } else {
            (p, 1.0)
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(stream);
        BrownianPath { rng, sign }
    }
}

/// One path's increments, drawn in order.
pub struct BrownianPath {
    rng: ChaCha8Rng,
    sign: f64,
}

impl BrownianPath {
    /// A standard normal variate (`rand_distr::StandardNormal`, a ziggurat sampler: about one
    /// 64-bit draw per variate).
    fn normal(&mut self) -> f64 {
        self.rng.sample(StandardNormal)
    }

    /// Writes the next increments `ΔW ~ N(0, h·I)` into `dw`.
    pub fn increments(&mut self, h: f64, dw: &mut [f64]) {
        let s = self.sign * h.sqrt();
        for d in dw.iter_mut() {
            *d = s * self.normal();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_reproducible_independent_and_antithetic() {
        let b = Brownian::new(7);
        let (mut a1, mut a2) = ([0.0; 3], [0.0; 3]);
        b.path(5).increments(0.01, &mut a1);
        b.path(5).increments(0.01, &mut a2);
        assert_eq!(a1, a2);
        b.path(6).increments(0.01, &mut a2);
        assert_ne!(a1, a2);
        let anti = Brownian::antithetic(7);
        let (mut e, mut o) = ([0.0; 3], [0.0; 3]);
        anti.path(4).increments(0.01, &mut e);
        anti.path(5).increments(0.01, &mut o);
        assert_eq!(e.map(|v| -v), o);
        // Moments of 10⁵ increments: mean 0 and variance h within 4 standard errors;
        // consecutive increments are uncorrelated (lag-1 product mean 0).
        let mut p = b.path(0);
        let (mut s1, mut s2, mut lag) = (0.0, 0.0, 0.0);
        let n = 100_000;
        let mut d = [0.0];
        let mut prev = 0.0;
        for _ in 0..n {
            p.increments(0.25, &mut d);
            s1 += d[0];
            s2 += d[0] * d[0];
            lag += d[0] * prev;
            prev = d[0];
        }
        assert!(
            (lag.abs() / n as f64) < 4.0 * 0.25 / (n as f64).sqrt(),
            "{lag}"
        );
        let (mean, var) = (s1 / n as f64, s2 / n as f64);
        assert!(mean.abs() < 4.0 * 0.5 / (n as f64).sqrt(), "{mean}");
        assert!(
            (var - 0.25).abs() < 4.0 * 0.25 * (2.0 / n as f64).sqrt(),
            "{var}"
        );
    }
}
