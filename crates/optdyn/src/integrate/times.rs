//! The sample times of a solve: an explicit list, or the optimizer's clock
//! `t_k = t0 + k·lr` at `k = 0, every, 2·every, …` and the last step `K` — computed on demand,
//! so a run of 10⁹ steps needs no 8 GB table of times.

/// Sample times, increasing, all `≥ t0` of the solve; the last is the end time.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleTimes {
    /// Explicit times.
    List(Vec<f64>),
    /// `t0 + k·lr` for `k` a multiple of `every` in `0..=steps`, and `k = steps`.
    Clock {
        /// The start time.
        t0: f64,
        /// The clock unit.
        lr: f64,
        /// Sample every `every` steps (`≥ 1`).
        every: u64,
        /// The last step `K`.
        steps: u64,
    },
}

impl SampleTimes {
    /// The number of samples.
    pub fn len(&self) -> usize {
        match self {
            SampleTimes::List(v) => v.len(),
            SampleTimes::Clock { every, steps, .. } => {
                let e = (*every).max(1);
                (steps / e + 1 + u64::from(steps % e != 0)) as usize
            }
        }
    }

    /// No samples at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The step `k` of sample `i < len()` on a clock (`None` for a list).
    pub fn step(&self, i: usize) -> Option<u64> {
        match self {
            SampleTimes::List(_) => None,
            SampleTimes::Clock { every, steps, .. } => {
                Some((i as u64).saturating_mul((*every).max(1)).min(*steps))
            }
        }
    }

    /// Sample `i < len()`.
    pub fn get(&self, i: usize) -> f64 {
        match self {
            SampleTimes::List(v) => v[i],
            SampleTimes::Clock { t0, lr, .. } => {
                let k = self.step(i).unwrap_or(0);
                t0 + k as f64 * lr
            }
        }
    }

    /// The first sample, if any.
    pub fn first(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.get(0))
    }

    /// The last sample (the end time), if any.
    pub fn last(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.get(self.len() - 1))
    }

    /// The samples in order.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl From<Vec<f64>> for SampleTimes {
    fn from(v: Vec<f64>) -> Self {
        SampleTimes::List(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_equals_the_list_it_replaces() {
        for (steps, every) in [(0u64, 1u64), (10, 1), (10, 3), (9, 3), (1, 5)] {
            let (t0, lr) = (0.25, 0.1);
            let list: Vec<f64> = (0..=steps)
                .filter(|k| k % every == 0 || *k == steps)
                .map(|k| t0 + k as f64 * lr)
                .collect();
            let clock = SampleTimes::Clock {
                t0,
                lr,
                every,
                steps,
            };
            assert_eq!(clock.len(), list.len(), "{steps} {every}");
            let got: Vec<f64> = clock.iter().collect();
            assert_eq!(
                got.iter().map(|t| t.to_bits()).collect::<Vec<_>>(),
                list.iter().map(|t| t.to_bits()).collect::<Vec<_>>()
            );
            assert_eq!(clock.last(), list.last().copied());
            assert_eq!(clock.step(clock.len() - 1), Some(steps));
        }
        let big = SampleTimes::Clock {
            t0: 0.0,
            lr: 1e-3,
            every: 1,
            steps: 1_000_000_000,
        };
        assert_eq!(big.len(), 1_000_000_001);
        assert_eq!(big.last(), Some(1e9 * 1e-3));
    }
}
