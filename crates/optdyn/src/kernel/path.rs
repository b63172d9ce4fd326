//! Memory integrals of many channels sharing one kernel, marched on the grid `t_n = t0 + n·h`
//! (channel `c`: `y_n^c = ∫_0^{t_n − t0} K(s) ũ^c(t_n − s) ds` for the piecewise-linear
//! interpolant `ũ^c` of its samples). Every path computes that same number for its kernel; they
//! differ in cost and in how the kernel is represented:
//!
//! * [`QuadraturePath`] — exact product integration over the whole history, `O(n)` per step
//!   (`O(N²)` per run), lag weights tabulated once and shared by all channels.
//! * [`SoePath`] — the fast path: the lag-0 interval with the true kernel's weights, the history
//!   `[h, t_n]` through a sum of exponentials ([`super::MemoryFit`]), each term advanced by its
//!   exact recursion `P_j(n+1) = e^{−r_j h} P_j(n) + w_j(A_j u_n + B_j u_{n+1})`, `O(J)` per step
//!   (`O(N·J)` per run). Exact when the kernel is itself a sum of exponentials.
//! * [`StateSpacePath`] — the exact recursion of a [`super::StateSpace`] kernel (the papers'
//!   kernels), `O(d²)` per step.
//!
//! A step first asks [`MemoryPath::peek`] (the memory if the next samples were `u`, nothing
//! stored; a predictor needs it) and then [`MemoryPath::push`] (store them).

use super::weights::phi12;
use super::{Kernel, Recursion, StateSpace, SumOfExponentials};
use crate::{Error, Result};

/// The lag-`l` weights, or the error naming the interval where the kernel is not finite.
fn finite_weights(kernel: &Kernel, l: usize, h: f64) -> Result<(f64, f64)> {
    let (wa, wb) = kernel.hat_weights(l, h);
    if wa.is_finite() && wb.is_finite() {
        Ok((wa, wb))
    } else {
        Err(Error::spec(format!(
            "kernel: K(s) is not finite on [{}, {}] (its weights are {wa}, {wb})",
            l as f64 * h,
            (l + 1) as f64 * h
        )))
    }
}

/// The memory integrals of `channels` inputs sharing one kernel (see the module doc).
pub trait MemoryPath: Send {
    /// Writes `y_{n+1}` of every channel if the next samples were `u` (stores nothing).
    fn peek(&self, u: &[f64], out: &mut [f64]);
    /// Stores the next samples `u` and writes their `y` (`y_0 = 0` on the first push).
    fn push(&mut self, u: &[f64], out: &mut [f64]);
}

/// Exact history quadrature for `channels` channels over at most `steps` steps.
pub struct QuadraturePath {
    wa: Vec<f64>,
    wb: Vec<f64>,
    /// Samples, row-major by time (`pushed × channels`).
    hist: Vec<f64>,
    channels: usize,
}

impl QuadraturePath {
    /// Tabulates the lag weights of `kernel` for `steps` steps of size `h`; a kernel that is not
    /// finite on a lag interval is an error naming it.
    pub fn new(kernel: &Kernel, h: f64, steps: usize, channels: usize) -> Result<Self> {
        let (mut wa, mut wb) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
        for l in 0..steps {
            let w = finite_weights(kernel, l, h)?;
            wa.push(w.0);
            wb.push(w.1);
        }
        Ok(QuadraturePath {
            wa,
            wb,
            hist: Vec::with_capacity((steps + 1) * channels),
            channels,
        })
    }

    /// Bytes a path of `steps` steps and `channels` channels stores.
    pub fn bytes(steps: usize, channels: usize) -> f64 {
        8.0 * (steps as f64 + 1.0) * (channels as f64 + 2.0)
    }

    fn sum(&self, u: &[f64], out: &mut [f64]) {
        let c = self.channels;
        let pushed = self.hist.len() / c;
        out.fill(0.0);
        if pushed == 0 {
            return;
        }
        // y_{n+1} = Σ_{l=0}^{n} Wa_l u_{n−l} + Wb_l u_{n+1−l}, with u_{n+1} = u.
        let n = pushed - 1;
        for l in 0..=n {
            let (a, b) = (self.wa[l], self.wb[l]);
            let older = &self.hist[(n - l) * c..(n - l + 1) * c];
            let newer = if l == 0 {
                u
            } else {
                &self.hist[(n + 1 - l) * c..(n + 2 - l) * c]
            };
            for ((o, x), y) in out.iter_mut().zip(older).zip(newer) {
                *o += a * x + b * y;
            }
        }
    }
}

impl MemoryPath for QuadraturePath {
    fn peek(&self, u: &[f64], out: &mut [f64]) {
        self.sum(u, out);
    }
    fn push(&mut self, u: &[f64], out: &mut [f64]) {
        self.sum(u, out);
        self.hist.extend_from_slice(u);
    }
}

/// The sum-of-exponentials fast path (see the module doc). The history sum
/// `S(n) = Σ_j e^{−r_j h} P_j(n)` is accumulated while the terms are advanced, so a peek costs
/// `O(channels)` and a push one pass over the `J × channels` terms.
pub struct SoePath {
    local: (f64, f64),
    decay: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    /// `P_j(n)` per term and channel, `terms × channels`.
    p: Vec<f64>,
    /// `S(n)` per channel.
    history: Vec<f64>,
    prev: Vec<f64>,
    started: bool,
}

impl SoePath {
    /// The path of `kernel` with its history fit `fit` on a grid of step `h`.
    pub fn new(kernel: &Kernel, fit: &SumOfExponentials, h: f64, channels: usize) -> Result<Self> {
        let (mut decay, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for &(w, r) in &fit.terms {
            let (p1, p2) = phi12(r * h);
            decay.push((-r * h).exp());
            a.push(w * h * p2);
            b.push(w * h * (p1 - p2));
        }
        Ok(SoePath {
            local: finite_weights(kernel, 0, h)?,
            p: vec![0.0; decay.len() * channels],
            decay,
            a,
            b,
            history: vec![0.0; channels],
            prev: vec![0.0; channels],
            started: false,
        })
    }

    /// `y_{n+1} = Wa_0 u_n + Wb_0 u_{n+1} + S(n)`.
    fn value(&self, u: &[f64], out: &mut [f64]) {
        let (la, lb) = self.local;
        for (((o, x), y), s) in out.iter_mut().zip(&self.prev).zip(u).zip(&self.history) {
            *o = la * x + lb * y + s;
        }
    }
}

impl MemoryPath for SoePath {
    fn peek(&self, u: &[f64], out: &mut [f64]) {
        if self.started {
            self.value(u, out);
        } else {
            out.fill(0.0);
        }
    }
    fn push(&mut self, u: &[f64], out: &mut [f64]) {
        if !self.started {
            out.fill(0.0);
            self.started = true;
        } else {
            self.value(u, out);
            let c = self.prev.len();
            self.history.fill(0.0);
            for (j, &e) in self.decay.iter().enumerate() {
                let (aj, bj) = (self.a[j], self.b[j]);
                for (((p, s), x), y) in self.p[j * c..(j + 1) * c]
                    .iter_mut()
                    .zip(self.history.iter_mut())
                    .zip(&self.prev)
                    .zip(u)
                {
                    *p = e * *p + aj * x + bj * y;
                    *s += e * *p;
                }
            }
        }
        self.prev.copy_from_slice(u);
    }
}

/// The exact recursion of a state-space kernel, one per channel.
pub struct StateSpacePath {
    parts: Vec<Recursion>,
}

impl StateSpacePath {
    /// The exact discretisation of `ss` with step `h` for `channels` channels.
    pub fn new(ss: StateSpace, h: f64, channels: usize) -> Result<Self> {
        let r = Recursion::new(ss, h)?;
        Ok(StateSpacePath {
            parts: vec![r; channels],
        })
    }
}

impl MemoryPath for StateSpacePath {
    fn peek(&self, u: &[f64], out: &mut [f64]) {
        for ((o, r), &x) in out.iter_mut().zip(&self.parts).zip(u) {
            *o = r.peek(x);
        }
    }
    fn push(&mut self, u: &[f64], out: &mut [f64]) {
        use super::Convolution;
        for ((o, r), &x) in out.iter_mut().zip(&mut self.parts).zip(u) {
            *o = r.push(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn march(path: &mut dyn MemoryPath, inputs: &[f64]) -> Vec<f64> {
        let mut out = [0.0];
        inputs
            .iter()
            .map(|&u| {
                let mut peeked = [0.0];
                path.peek(&[u], &mut peeked);
                path.push(&[u], &mut out);
                assert_eq!(peeked[0].to_bits(), out[0].to_bits());
                out[0]
            })
            .collect()
    }

    #[test]
    fn three_paths_agree_on_an_exponential_kernel() {
        let h = 0.01;
        let inputs: Vec<f64> = (0..300).map(|i| (0.03 * i as f64).sin() + 0.2).collect();
        let ss = StateSpace::exponential(2.0, 3.0);
        let soe = SumOfExponentials {
            terms: vec![(2.0, 3.0)],
        };
        let k = Kernel::Sum(soe.clone());
        let q = march(&mut QuadraturePath::new(&k, h, 300, 1).unwrap(), &inputs);
        let f = march(&mut SoePath::new(&k, &soe, h, 1).unwrap(), &inputs);
        let s = march(&mut StateSpacePath::new(ss, h, 1).unwrap(), &inputs);
        for i in 0..inputs.len() {
            assert!(
                (q[i] - f[i]).abs() < 1e-14 && (q[i] - s[i]).abs() < 1e-13,
                "{i}"
            );
        }
    }
}
