//! Adaptive Dormand–Prince 5(4) (Dormand & Prince 1980) following Hairer's DOPRI5
//! (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.4–II.6, and the Fortran code `dopri5.f`):
//! FSAL, the 5th-order solution propagated, Hairer's error norm, a PI step-size controller,
//! Hairer's initial-step heuristic and the 4th-order continuous extension (dense output) used to
//! sample `t_eval` and locate events without stepping onto each sample.

use super::adaptive::{self, adaptive_integrator, Controller, EmbeddedPair};
use super::OdeSystem;
use crate::spec::ParamInfo;
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
const A71: f64 = 35.0 / 384.0;
const A73: f64 = 500.0 / 1113.0;
const A74: f64 = 125.0 / 192.0;
const A75: f64 = -2187.0 / 6784.0;
const A76: f64 = 11.0 / 84.0;
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

adaptive_integrator!(
    /// Dormand–Prince 5(4) settings.
    Dopri5,
    "dopri5",
    5,
    Pair
);

impl Default for Dopri5 {
    fn default() -> Self {
        Dopri5 {
            rtol: 1e-10,
            atol: 1e-12,
            h0: 0.0,
            hmin: 0.0,
            hmax: f64::INFINITY,
            max_steps: 10_000_000,
            safety: 0.9,
            beta: 0.04,
            fac_min: 0.2,
            fac_max: 10.0,
            label: "dopri5".into(),
        }
    }
}

/// Parameters of `dopri5`.
pub const PARAMS: [ParamInfo; 10] = adaptive::params("0.04", "0.2", "10");

/// The Dormand–Prince 5(4) pair's state: the step's start `y`, its seven stages, the 6th stage's
/// input and the coefficients of the continuous extension (Hairer's `CONTD5`) of the last
/// accepted step `[told, told + h]`.
struct Pair {
    n: usize,
    y: Vec<f64>,
    k: [Vec<f64>; 7],
    ys: Vec<f64>,
    rcont: Vec<f64>,
    told: f64,
    h: f64,
}

impl Pair {
    fn new(n: usize) -> Self {
        Pair {
            n,
            y: vec![0.0; n],
            k: std::array::from_fn(|_| vec![0.0; n]),
            ys: vec![0.0; n],
            rcont: vec![0.0; 5 * n],
            told: 0.0,
            h: 0.0,
        }
    }
}

impl EmbeddedPair for Pair {
    const ORDER: i32 = 5;
    const ATTEMPT_EVALS: u64 = 6;

    /// `0.2 − 0.75β` (Hairer's DOPRI5).
    fn err_exponent(beta: f64) -> f64 {
        0.2 - 0.75 * beta
    }

    fn start(&mut self, sys: &dyn OdeSystem, t0: f64, y0: &[f64]) {
        self.y.copy_from_slice(y0);
        sys.rhs(t0, &self.y, &mut self.k[0]);
    }

    fn y(&self) -> &[f64] {
        &self.y
    }

    fn k1(&self) -> &[f64] {
        &self.k[0]
    }

    /// The six stages, the 5th-order solution `y1` (into `y_new`, also the stages' scratch) and
    /// Hairer's error norm `sqrt(mean((h Σ e_i k_i / (atol + rtol max(|y|, |y1|)))²))`.
    fn attempt(
        &mut self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        tph: f64,
        rtol: f64,
        atol: f64,
        y1: &mut [f64],
    ) -> f64 {
        let (n, y, ys) = (self.n, &self.y, &mut self.ys);
        let [k1, k2, k3, k4, k5, k6, k7] = &mut self.k;
        for i in 0..n {
            y1[i] = y[i] + h * A21 * k1[i];
        }
        sys.rhs(t + C2 * h, y1, k2);
        for i in 0..n {
            y1[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
        }
        sys.rhs(t + C3 * h, y1, k3);
        for i in 0..n {
            y1[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
        }
        sys.rhs(t + C4 * h, y1, k4);
        for i in 0..n {
            y1[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
        }
        sys.rhs(t + C5 * h, y1, k5);
        for i in 0..n {
            ys[i] =
                y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
        }
        sys.rhs(tph, ys, k6);
        for i in 0..n {
            y1[i] =
                y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
        }
        sys.rhs(tph, y1, k7);
        let mut err = 0.0;
        for i in 0..n {
            let e =
                h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
            let sk = atol + rtol * y[i].abs().max(y1[i].abs());
            err += (e / sk) * (e / sk);
        }
        (err / n as f64).sqrt()
    }

    /// Dense output coefficients (`CONTD5`); `k7 = F(tph, y1)` is already there (FSAL).
    fn accept(&mut self, _sys: &dyn OdeSystem, t: f64, h: f64, _tph: f64, y1: &[f64]) -> u64 {
        let (n, y, rcont) = (self.n, &self.y, &mut self.rcont);
        let [k1, _, k3, k4, k5, k6, k7] = &self.k;
        for i in 0..n {
            let ydiff = y1[i] - y[i];
            let bspl = h * k1[i] - ydiff;
            rcont[i] = y[i];
            rcont[n + i] = ydiff;
            rcont[2 * n + i] = bspl;
            rcont[3 * n + i] = ydiff - h * k7[i] - bspl;
            rcont[4 * n + i] =
                h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
        }
        self.told = t;
        self.h = h;
        0
    }

    /// `y(told + θh) = r1 + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5)))` (Hairer's `CONTD5`).
    fn interp(&mut self, _sys: &dyn OdeSystem, t: f64, out: &mut [f64]) {
        let n = self.n;
        let th = (t - self.told) / self.h;
        let th1 = 1.0 - th;
        let (r1, rest) = self.rcont.split_at(n);
        let (r2, rest) = rest.split_at(n);
        let (r3, rest) = rest.split_at(n);
        let (r4, r5) = rest.split_at(n);
        for i in 0..n {
            out[i] = r1[i] + th * (r2[i] + th1 * (r3[i] + th * (r4[i] + th1 * r5[i])));
        }
    }

    fn dense_evals(&self) -> u64 {
        0
    }

    fn advance(&mut self, y1: &[f64]) {
        self.y.copy_from_slice(y1);
        let [k1, .., k7] = &mut self.k;
        k1.copy_from_slice(k7);
    }
}
