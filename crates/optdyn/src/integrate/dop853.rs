//! Adaptive Dormand–Prince 8(5,3) following Hairer's DOP853 (Hairer, Nørsett & Wanner, *Solving
//! ODEs I*, 2nd ed., §II.10, and the Fortran code `dop853.f`): the explicit 12-stage pair of
//! order 8 with embedded estimators of orders 5 and 3, the 8th-order solution propagated, the
//! last evaluation `F(t + h, y1)` reused as the next step's first stage, Hairer's combined error
//! norm and step-size controller, Hairer's initial-step heuristic, and the 7th-order continuous
//! extension (three extra stages per step, computed only for steps that need it) used to
//! sample `t_eval` and locate events without stepping onto each sample.
//!
//! **Error estimate.** With `sk_i = atol + rtol·max(|y0_i|, |y1_i|)`,
//! `E5 = Σ_i ((Σ_j er_j k_j)_i / sk_i)²` and `E3 = Σ_i ((Σ_j (b_j − bhh_j) k_j)_i / sk_i)²`,
//! `err = |h|·E5 / √(n·(E5 + 0.01·E3))`. It behaves like the 5th-order estimate `h√(E5/n)`
//! while the 3rd-order one is comparable, and is damped to `O(h⁸)` when `E3 ≫ E5`, which is
//! what makes the pair's step sizes match an 8th-order method.
//!
//! **Controller** (Hairer's DOP853 defaults): `h_new = h / clamp(err^{1/8 − 0.2β}·err_old^{−β} /
//! safety, 1/fac_max, 1/fac_min)` with `safety = 0.9`, `β = 0` (plain I control: Hairer's code
//! default for DOP853; the key is kept so a PI controller can be asked for), `fac_min = 0.333`
//! and `fac_max = 6` — the step may shrink by 3 and grow by 6 per step, tighter than DOPRI5's
//! 5 and 10 because an order-8 error estimate moves by `fac⁸`. A rejected step shrinks by
//! `min(1/fac_min, err^{1/8}/safety)`, and a step right after a rejection may not grow.
//!
//! **Continuous extension** (`CONTD8`): on the accepted step `[t0, t0 + h]` with `θ = (t − t0)/h`,
//! `y(θ) = r0 + θ(r1 + (1−θ)(r2 + θ(r3 + (1−θ)(r4 + θ(r5 + (1−θ)(r6 + θ r7))))))` with
//! `r0 = y0`, `r1 = y1 − y0`, `r2 = h k1 − r1`, `r3 = r1 − h k13 − r2` and
//! `r_m = h Σ_j d_{m,j} k_j` (`m = 4..7`, stages 1, 6..16). It matches `y0`, `y1` and both end
//! slopes and has order 7.
//!
//! **Work.** `nfev = 1 + (1 if h0 is chosen automatically) + 11·(accepted + rejected) + accepted
//! + 3·(steps whose interior is sampled or searched for an event root)`, as scipy's `nfev`.

pub mod tableau;

use super::adaptive::{self, adaptive_integrator, Controller, EmbeddedPair};
use super::OdeSystem;
use crate::spec::ParamInfo;
use tableau::*;

adaptive_integrator!(
    /// Dormand–Prince 8(5,3) settings.
    Dop853,
    "dop853",
    8,
    Pair
);

impl Default for Dop853 {
    fn default() -> Self {
        Dop853 {
            rtol: 1e-10,
            atol: 1e-12,
            h0: 0.0,
            hmin: 0.0,
            hmax: f64::INFINITY,
            max_steps: 10_000_000,
            safety: 0.9,
            beta: 0.0,
            fac_min: 0.333,
            fac_max: 6.0,
            label: "dop853".into(),
        }
    }
}

/// Parameters of `dop853` (the keys of `dopri5`, with Hairer's DOP853 controller defaults).
pub const PARAMS: [ParamInfo; 10] = adaptive::params("0", "0.333", "6");

/// The DOP853 pair's state: the step's start `y`, stages 1..16 (13 = `F(t + h, y1)`, 14..16 the
/// continuous extension's extra stages), the stages' scratch input and `r0..r7` of the
/// continuous extension (`CONTD8`) of the last accepted step `[t, t + h]`; `r4..r7` are built
/// on first use (`ready`).
struct Pair {
    n: usize,
    y: Vec<f64>,
    k: [Vec<f64>; 16],
    ytmp: Vec<f64>,
    rcont: Vec<f64>,
    t: f64,
    h: f64,
    ready: bool,
    /// Extra rhs evaluations of the continuous extension on this step (0 or 3).
    evals: u64,
}

impl Pair {
    fn new(n: usize) -> Self {
        Pair {
            n,
            y: vec![0.0; n],
            k: std::array::from_fn(|_| vec![0.0; n]),
            ytmp: vec![0.0; n],
            rcont: vec![0.0; 8 * n],
            t: 0.0,
            h: 0.0,
            ready: false,
            evals: 0,
        }
    }

    /// Stages 14..16 and `r4..r7` (three rhs evaluations), once per step.
    fn ensure(&mut self, sys: &dyn OdeSystem) {
        if self.ready {
            return;
        }
        self.ready = true;
        self.evals += 3;
        let (n, t, h, y, ytmp) = (self.n, self.t, self.h, &self.y, &mut self.ytmp);
        let [k1, _, _, _, _, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15, k16] = &mut self.k;
        for i in 0..n {
            ytmp[i] = y[i]
                + h * (A141 * k1[i]
                    + A147 * k7[i]
                    + A148 * k8[i]
                    + A149 * k9[i]
                    + A1410 * k10[i]
                    + A1411 * k11[i]
                    + A1412 * k12[i]
                    + A1413 * k13[i]);
        }
        sys.rhs(t + C14 * h, ytmp, k14);
        for i in 0..n {
            ytmp[i] = y[i]
                + h * (A151 * k1[i]
                    + A156 * k6[i]
                    + A157 * k7[i]
                    + A158 * k8[i]
                    + A1511 * k11[i]
                    + A1512 * k12[i]
                    + A1513 * k13[i]
                    + A1514 * k14[i]);
        }
        sys.rhs(t + C15 * h, ytmp, k15);
        for i in 0..n {
            ytmp[i] = y[i]
                + h * (A161 * k1[i]
                    + A166 * k6[i]
                    + A167 * k7[i]
                    + A168 * k8[i]
                    + A169 * k9[i]
                    + A1613 * k13[i]
                    + A1614 * k14[i]
                    + A1615 * k15[i]);
        }
        sys.rhs(t + C16 * h, ytmp, k16);
        let (_, r) = self.rcont.split_at_mut(4 * n);
        let (r4, r) = r.split_at_mut(n);
        let (r5, r) = r.split_at_mut(n);
        let (r6, r7) = r.split_at_mut(n);
        for i in 0..n {
            let kk = [
                k1[i], k6[i], k7[i], k8[i], k9[i], k10[i], k11[i], k12[i], k13[i], k14[i], k15[i],
                k16[i],
            ];
            let dot = |d: [f64; 12]| d.iter().zip(kk).map(|(d, k)| d * k).sum::<f64>();
            r4[i] = h * dot([
                D41, D46, D47, D48, D49, D410, D411, D412, D413, D414, D415, D416,
            ]);
            r5[i] = h * dot([
                D51, D56, D57, D58, D59, D510, D511, D512, D513, D514, D515, D516,
            ]);
            r6[i] = h * dot([
                D61, D66, D67, D68, D69, D610, D611, D612, D613, D614, D615, D616,
            ]);
            r7[i] = h * dot([
                D71, D76, D77, D78, D79, D710, D711, D712, D713, D714, D715, D716,
            ]);
        }
    }
}

impl EmbeddedPair for Pair {
    const ORDER: i32 = 8;
    const ATTEMPT_EVALS: u64 = 11;

    /// `1/8 − 0.2β` (Hairer's DOP853).
    fn err_exponent(beta: f64) -> f64 {
        0.125 - 0.2 * beta
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

    /// Stages 2..12, the 8th-order solution `yn` and Hairer's combined 5th/3rd-order error norm.
    fn attempt(
        &mut self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        tph: f64,
        rtol: f64,
        atol: f64,
        yn: &mut [f64],
    ) -> f64 {
        let (n, y, y1) = (self.n, &self.y, &mut self.ytmp);
        let [k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, ..] = &mut self.k;
        for i in 0..n {
            y1[i] = y[i] + h * A21 * k1[i];
        }
        sys.rhs(t + C2 * h, y1, k2);
        for i in 0..n {
            y1[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
        }
        sys.rhs(t + C3 * h, y1, k3);
        for i in 0..n {
            y1[i] = y[i] + h * (A41 * k1[i] + A43 * k3[i]);
        }
        sys.rhs(t + C4 * h, y1, k4);
        for i in 0..n {
            y1[i] = y[i] + h * (A51 * k1[i] + A53 * k3[i] + A54 * k4[i]);
        }
        sys.rhs(t + C5 * h, y1, k5);
        for i in 0..n {
            y1[i] = y[i] + h * (A61 * k1[i] + A64 * k4[i] + A65 * k5[i]);
        }
        sys.rhs(t + C6 * h, y1, k6);
        for i in 0..n {
            y1[i] = y[i] + h * (A71 * k1[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
        }
        sys.rhs(t + C7 * h, y1, k7);
        for i in 0..n {
            y1[i] =
                y[i] + h * (A81 * k1[i] + A84 * k4[i] + A85 * k5[i] + A86 * k6[i] + A87 * k7[i]);
        }
        sys.rhs(t + C8 * h, y1, k8);
        for i in 0..n {
            y1[i] = y[i]
                + h * (A91 * k1[i]
                    + A94 * k4[i]
                    + A95 * k5[i]
                    + A96 * k6[i]
                    + A97 * k7[i]
                    + A98 * k8[i]);
        }
        sys.rhs(t + C9 * h, y1, k9);
        for i in 0..n {
            y1[i] = y[i]
                + h * (A101 * k1[i]
                    + A104 * k4[i]
                    + A105 * k5[i]
                    + A106 * k6[i]
                    + A107 * k7[i]
                    + A108 * k8[i]
                    + A109 * k9[i]);
        }
        sys.rhs(t + C10 * h, y1, k10);
        for i in 0..n {
            y1[i] = y[i]
                + h * (A111 * k1[i]
                    + A114 * k4[i]
                    + A115 * k5[i]
                    + A116 * k6[i]
                    + A117 * k7[i]
                    + A118 * k8[i]
                    + A119 * k9[i]
                    + A1110 * k10[i]);
        }
        sys.rhs(t + C11 * h, y1, k11);
        for i in 0..n {
            y1[i] = y[i]
                + h * (A121 * k1[i]
                    + A124 * k4[i]
                    + A125 * k5[i]
                    + A126 * k6[i]
                    + A127 * k7[i]
                    + A128 * k8[i]
                    + A129 * k9[i]
                    + A1210 * k10[i]
                    + A1211 * k11[i]);
        }
        sys.rhs(tph, y1, k12);
        // The 8th-order solution yn and Hairer's combined 5th/3rd-order error norm.
        let (mut e5, mut e3) = (0.0, 0.0);
        for i in 0..n {
            let bk = B1 * k1[i]
                + B6 * k6[i]
                + B7 * k7[i]
                + B8 * k8[i]
                + B9 * k9[i]
                + B10 * k10[i]
                + B11 * k11[i]
                + B12 * k12[i];
            yn[i] = y[i] + h * bk;
            let sk = atol + rtol * y[i].abs().max(yn[i].abs());
            let d3 = (bk - BHH1 * k1[i] - BHH2 * k9[i] - BHH3 * k12[i]) / sk;
            let d5 = (ER1 * k1[i]
                + ER6 * k6[i]
                + ER7 * k7[i]
                + ER8 * k8[i]
                + ER9 * k9[i]
                + ER10 * k10[i]
                + ER11 * k11[i]
                + ER12 * k12[i])
                / sk;
            e3 += d3 * d3;
            e5 += d5 * d5;
        }
        let deno = e5 + 0.01 * e3;
        let deno = if deno > 0.0 { deno } else { 1.0 };
        h.abs() * e5 / (n as f64 * deno).sqrt()
    }

    /// `k13 = F(tph, yn)` (the next step's first stage) and `r0..r3` of `CONTD8`.
    fn accept(&mut self, sys: &dyn OdeSystem, t: f64, h: f64, tph: f64, yn: &[f64]) -> u64 {
        let (n, y, rcont) = (self.n, &self.y, &mut self.rcont);
        let [k1, .., k13, _, _, _] = &mut self.k;
        sys.rhs(tph, yn, k13);
        for i in 0..n {
            let ydiff = yn[i] - y[i];
            let bspl = h * k1[i] - ydiff;
            rcont[i] = y[i];
            rcont[n + i] = ydiff;
            rcont[2 * n + i] = bspl;
            rcont[3 * n + i] = ydiff - h * k13[i] - bspl;
        }
        self.t = t;
        self.h = h;
        self.ready = false;
        self.evals = 0;
        1
    }

    /// `y(t)` on the step (`CONTD8`), building stages 14..16 on first use.
    fn interp(&mut self, sys: &dyn OdeSystem, t: f64, out: &mut [f64]) {
        self.ensure(sys);
        let n = self.n;
        let s = (t - self.t) / self.h;
        let s1 = 1.0 - s;
        let r = |m: usize, i: usize| self.rcont[m * n + i];
        for (i, o) in out.iter_mut().enumerate() {
            let par = r(4, i) + s * (r(5, i) + s1 * (r(6, i) + s * r(7, i)));
            *o = r(0, i) + s * (r(1, i) + s1 * (r(2, i) + s * (r(3, i) + s1 * par)));
        }
    }

    fn dense_evals(&self) -> u64 {
        self.evals
    }

    fn advance(&mut self, yn: &[f64]) {
        self.y.copy_from_slice(yn);
        let [k1, .., k13, _, _, _] = &mut self.k;
        k1.copy_from_slice(k13);
    }
}
