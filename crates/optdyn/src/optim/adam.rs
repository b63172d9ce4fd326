//! Adam (Kingma & Ba 2015), AMSGrad (Reddi et al. 2018) and AdamW (Loshchilov & Hutter 2019)
//! exactly as `torch.optim.Adam` / `torch.optim.AdamW` (torch 2.x, `_single_tensor_adam`).
//!
//! With lr γ, β₁, β₂, ε, weight decay λ, for t = 1, 2, …:
//!
//! ```text
//! g_t ← ∇f(θ_{t−1})  (negated when maximize)
//! Adam:   g_t ← g_t + λ θ_{t−1}            (L2, if λ ≠ 0)
//! AdamW:  θ ← θ_{t−1} (1 − γλ)              (decoupled, before the Adam step)
//! m_t = β₁ m_{t−1} + (1 − β₁) g_t           (torch lerp)
//! v_t = β₂ v_{t−1} + (1 − β₂) g_t²
//! amsgrad: v^max_t = max(v^max_{t−1}, v_t)  (max of the RAW v), used in place of v_t below
//! θ_t = θ − (γ / (1 − β₁^t)) · m_t / (√v_t / √(1 − β₂^t) + ε)
//! ```
//!
//! This is Kingma–Ba Algorithm 1 (m̂/(√v̂ + ε)) evaluated as PyTorch does. Defaults: lr 1e-3,
//! β = (0.9, 0.999), ε = 1e-8, λ = 0 (Adam) or 1e-2 (AdamW), amsgrad off.
//! Source: PyTorch `torch/optim/adam.py`, `adamw.py`; research notes §5.5–5.6.

use super::hyper::{ANY, NON_NEGATIVE, POSITIVE, UNIT_CLOSED_OPEN};
use super::lanewise::{Lanewise, SLOTS};
use super::{lerp, maximum, zip2, zip3, Grad, Optimizer, Real, State};
use crate::isa::Isa;
use crate::spec::ParamInfo;
use crate::spec::Spec;

crate::hyperparameters! {
    /// `torch.optim.Adam` (`decoupled_weight_decay = false`, [`Adam::default`]) or
    /// `torch.optim.AdamW` (`true`, [`Adam::adamw`]).
    pub struct Adam {
        /// Learning rate γ ≥ 0.
        lr: f64 = 0.001, NON_NEGATIVE, "learning rate γ >= 0";
        /// First-moment decay β₁ ∈ [0, 1).
        beta1: f64 = 0.9, UNIT_CLOSED_OPEN, "first-moment decay β₁ in [0, 1)";
        /// Second-moment decay β₂ ∈ [0, 1).
        beta2: f64 = 0.999, UNIT_CLOSED_OPEN, "second-moment decay β₂ in [0, 1)";
        /// ε > 0 added to the bias-corrected root.
        eps: f64 = 1e-8, POSITIVE, "ε > 0 added to √v̂";
        /// Weight decay λ ≥ 0: L2 for Adam, decoupled factor (1 − γλ) for AdamW.
        weight_decay: f64 = 0, NON_NEGATIVE, "L2 penalty λ >= 0 added to the gradient";
        /// Use the running maximum of the raw second moment (AMSGrad).
        amsgrad: bool = false, ANY, "use the running max of the raw v (AMSGrad)";
        /// Ascend instead of descend.
        maximize: bool = false, ANY, "maximize instead of minimize";
    }
    fixed {
        /// AdamW: decay θ by (1 − γλ) before the step instead of adding λθ to g.
        decoupled_weight_decay: bool = false;
    }
    base = Adam::defaults_for;
}

const fn adamw_params() -> [ParamInfo; 7] {
    let mut p = [
        Adam::PARAMS[0],
        Adam::PARAMS[1],
        Adam::PARAMS[2],
        Adam::PARAMS[3],
        Adam::PARAMS[4],
        Adam::PARAMS[5],
        Adam::PARAMS[6],
    ];
    p[4] = ParamInfo {
        key: "weight_decay",
        default: "0.01",
        help: "decoupled decay λ >= 0: θ ← θ(1 − γλ) before the step",
    };
    p
}

impl Adam {
    /// AdamW's parameters with their torch defaults (weight_decay 1e-2, decoupled).
    pub const ADAMW_PARAMS: &'static [ParamInfo] = &adamw_params();

    /// `torch.optim.AdamW`'s defaults: Adam with decoupled weight decay λ = 1e-2.
    pub fn adamw() -> Self {
        Adam {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..Adam::default()
        }
    }

    /// Sets `(β₁, β₂)`, as torch's `betas=(β₁, β₂)`.
    #[must_use]
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        self.beta1(beta1).beta2(beta2)
    }

    /// The defaults of the spec name: [`Adam::adamw`] for `adamw`, else [`Adam::default`].
    fn defaults_for(name: &str) -> Self {
        if name == "adamw" {
            Self::adamw()
        } else {
            Self::default()
        }
    }
}

/// Per-step constants of the Adam update.
#[derive(Clone, Copy)]
pub struct Coef<F> {
    gr: Grad<F>,
    /// Decoupled decay factor 1 − γλ (applied only when `decay`).
    shrink: F,
    decay: bool,
    w1: F,
    beta1: F,
    lerp_small: bool,
    beta2: F,
    one_minus_beta2: F,
    bc2_sqrt: F,
    eps: F,
    neg_step: F,
    /// AMSGrad (the loops of [`Optimizer::step`] read it from the slot layout).
    ams: bool,
}

impl<F: Real> Coef<F> {
    /// Whether the step has no weight decay of either kind and `1 − β₁ < ½`, so the element
    /// loop needs no selects (the common case, and the one the benchmark measures).
    fn plain(&self) -> bool {
        !self.decay && !self.gr.l2 && self.lerp_small
    }

    /// Updates the moments from the effective gradient and returns the (decayed) θ.
    /// `PLAIN` must equal [`Coef::plain`]; it only removes loop-invariant branches.
    #[inline(always)]
    fn moments<const PLAIN: bool>(&self, x: F, g: F, m: &mut F, v: &mut F) -> F {
        if PLAIN {
            let gt = g * self.gr.sign;
            *m = *m + self.w1 * (gt - *m);
            *v = *v * self.beta2 + self.one_minus_beta2 * gt * gt;
            return x;
        }
        let x = if self.decay { x * self.shrink } else { x };
        let gt = self.gr.at(g, x);
        *m = lerp(*m, gt, self.w1, self.beta1, self.lerp_small);
        *v = *v * self.beta2 + self.one_minus_beta2 * gt * gt;
        x
    }

    /// `θ − step · m / (√v / √(1 − β₂^t) + ε)`.
    #[inline(always)]
    fn apply(&self, x: F, m: F, v: F) -> F {
        x + self.neg_step * m / (v.sqrt() / self.bc2_sqrt + self.eps)
    }

    /// One coordinate of the Adam update.
    #[inline(always)]
    fn at<const PLAIN: bool>(&self, x: &mut F, g: F, m: &mut F, v: &mut F) {
        let xd = self.moments::<PLAIN>(*x, g, m, v);
        *x = self.apply(xd, *m, *v);
    }

    /// One coordinate of the AMSGrad update.
    #[inline(always)]
    fn at_ams<const PLAIN: bool>(&self, x: &mut F, g: F, m: &mut F, v: &mut F, vmax: &mut F) {
        let xd = self.moments::<PLAIN>(*x, g, m, v);
        *vmax = maximum(*vmax, *v);
        *x = self.apply(xd, *m, *vmax);
    }
}

/// The Adam update over matching chunks of θ, g, m, v.
#[inline(always)]
fn sweep<F: Real, const PLAIN: bool>(c: &Coef<F>, x: &mut [F], g: &[F], m: &mut [F], v: &mut [F]) {
    for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
        c.at::<PLAIN>(x, g, m, v);
    }
}

/// [`sweep`] built for `isa`, which the CPU must support ([`Isa::detect`] or [`Isa::supported`]).
#[inline(always)]
fn sweep_on<F: Real, const PLAIN: bool>(
    isa: Isa,
    c: &Coef<F>,
    x: &mut [F],
    g: &[F],
    m: &mut [F],
    v: &mut [F],
) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller checked that the CPU supports `isa`.
        Isa::Avx512 => unsafe { sweep_avx512::<F, PLAIN>(c, x, g, m, v) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Isa::Avx2 => unsafe { sweep_avx2::<F, PLAIN>(c, x, g, m, v) },
        _ => sweep::<F, PLAIN>(c, x, g, m, v),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
unsafe fn sweep_avx512<F: Real, const PLAIN: bool>(
    c: &Coef<F>,
    x: &mut [F],
    g: &[F],
    m: &mut [F],
    v: &mut [F],
) {
    sweep::<F, PLAIN>(c, x, g, m, v);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sweep_avx2<F: Real, const PLAIN: bool>(
    c: &Coef<F>,
    x: &mut [F],
    g: &[F],
    m: &mut [F],
    v: &mut [F],
) {
    sweep::<F, PLAIN>(c, x, g, m, v);
}

/// The AMSGrad update over matching chunks of θ, g, m, v, v_max.
#[inline(always)]
fn sweep_ams<F: Real, const PLAIN: bool>(
    c: &Coef<F>,
    x: &mut [F],
    g: &[F],
    m: &mut [F],
    v: &mut [F],
    vmax: &mut [F],
) {
    let it = x
        .iter_mut()
        .zip(g)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
        .zip(vmax.iter_mut());
    for ((((x, &g), m), v), vmax) in it {
        c.at_ams::<PLAIN>(x, g, m, v, vmax);
    }
}

impl<F: Real> Optimizer<F> for Adam {
    crate::typed_optimizer!();

    fn name(&self) -> &'static str {
        if self.decoupled_weight_decay {
            "adamw"
        } else {
            "adam"
        }
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    /// `m`, `v` and (AMSGrad) `v_max`.
    fn slot_names(&self) -> &'static [&'static str] {
        if self.amsgrad {
            &["m", "v", "v_max"]
        } else {
            &["m", "v"]
        }
    }

    fn init(&self, n: usize) -> State<F> {
        State::zeros(n, 2 + usize::from(self.amsgrad), 0)
    }

    fn step(&self, state: &mut State<F>, x: &mut [F], g: &[F]) {
        self.step_with(Isa::detect(), state, x, g);
    }
}

impl Adam {
    /// [`Optimizer::step`] with the element loop built for `isa` (AVX-512, AVX2 or the baseline;
    /// the AMSGrad loop always runs the baseline build). Every [`Isa::available`] gives the same
    /// bits. Errors if this CPU does not support `isa`.
    pub fn step_on<F: Real>(
        &self,
        isa: Isa,
        state: &mut State<F>,
        x: &mut [F],
        g: &[F],
    ) -> crate::Result<()> {
        if !isa.supported() {
            return Err(crate::Error::spec(format!(
                "adam: this CPU does not support {isa:?} (available: {:?})",
                Isa::available()
            )));
        }
        self.step_with(isa, state, x, g);
        Ok(())
    }

    /// The step with the element loop built for `isa`, which the CPU supports.
    fn step_with<F: Real>(&self, isa: Isa, state: &mut State<F>, x: &mut [F], g: &[F]) {
        let c = self.coef::<F>(state);
        match (state.slots.as_mut_slice(), c.plain()) {
            ([m, v], true) => zip2(x, g, m, v, |x, g, m, v| {
                sweep_on::<F, true>(isa, &c, x, g, m, v)
            }),
            ([m, v], false) => zip2(x, g, m, v, |x, g, m, v| {
                sweep_on::<F, false>(isa, &c, x, g, m, v)
            }),
            ([m, v, vmax], true) => zip3(x, g, m, v, vmax, |x, g, m, v, vmax| {
                sweep_ams::<F, true>(&c, x, g, m, v, vmax)
            }),
            ([m, v, vmax], false) => zip3(x, g, m, v, vmax, |x, g, m, v, vmax| {
                sweep_ams::<F, false>(&c, x, g, m, v, vmax)
            }),
            _ => panic!(
                "adam: state has {} buffers, expected 2 or 3",
                state.slots.len()
            ),
        }
    }
}

impl Adam {
    /// The constants of the next step; advances the step count.
    fn coef<F: Real>(&self, state: &mut State<F>) -> Coef<F> {
        state.step += 1;
        let t = state.step as f64;
        let bc1 = 1.0 - self.beta1.powf(t);
        let bc2 = 1.0 - self.beta2.powf(t);
        let l2 = if self.decoupled_weight_decay {
            0.0
        } else {
            self.weight_decay
        };
        Coef {
            gr: Grad::<F>::new(self.maximize, l2),
            shrink: F::of(1.0 - self.lr * self.weight_decay),
            decay: self.decoupled_weight_decay && self.weight_decay != 0.0,
            w1: F::of(1.0 - self.beta1),
            beta1: F::of(self.beta1),
            lerp_small: (1.0 - self.beta1).abs() < 0.5,
            beta2: F::of(self.beta2),
            one_minus_beta2: F::of(1.0 - self.beta2),
            bc2_sqrt: F::of(bc2.sqrt()),
            eps: F::of(self.eps),
            neg_step: F::of(-(self.lr / bc1)),
            ams: self.amsgrad,
        }
    }
}

impl Lanewise for Adam {
    type Coef = Coef<f64>;

    fn build(spec: &Spec) -> crate::Result<Self> {
        Self::from_spec(spec)
    }

    fn begin(&self, state: &mut State<f64>) -> Coef<f64> {
        self.coef(state)
    }

    /// The slots are `[m, v]` or (AMSGrad) `[m, v, v_max]`.
    #[inline(always)]
    fn update(c: &Coef<f64>, x: &mut f64, g: f64, [m, v, vmax]: [&mut f64; SLOTS]) {
        match (c.ams, c.plain()) {
            (false, true) => c.at::<true>(x, g, m, v),
            (false, false) => c.at::<false>(x, g, m, v),
            (true, true) => c.at_ams::<true>(x, g, m, v, vmax),
            (true, false) => c.at_ams::<false>(x, g, m, v, vmax),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Ten steps of `opt` with the loop built for `isa`, from fixed random data.
    fn run<F: Real>(opt: &Adam, isa: Isa, n: usize) -> Vec<F> {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut x: Vec<F> = (0..n).map(|_| F::of(r.random_range(-2.0..2.0))).collect();
        let mut st = Optimizer::<F>::init(opt, n);
        for _ in 0..10 {
            let g: Vec<F> = x
                .iter()
                .map(|&xi| xi * xi * F::of(r.random_range(-1.0..1.0)))
                .collect();
            opt.step_on(isa, &mut st, &mut x, &g).unwrap();
        }
        x.extend(st.slots.iter().flatten().copied());
        x
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let opts = [
            Adam::default().lr(1e-2),
            Adam::default().lr(1e-2).betas(0.2, 0.9).weight_decay(0.1),
            Adam::default().lr(1e-2).amsgrad(true).maximize(true),
        ];
        // Below and above the length at which the step runs chunks in parallel.
        for n in [1003, super::super::PARALLEL_MIN_LEN + 37] {
            for opt in &opts {
                let base32 = run::<f32>(opt, Isa::Baseline, n);
                let base64 = run::<f64>(opt, Isa::Baseline, n);
                for isa in Isa::available() {
                    let b32: Vec<u32> = run::<f32>(opt, isa, n)
                        .iter()
                        .map(|v| v.to_bits())
                        .collect();
                    let b64: Vec<u64> = run::<f64>(opt, isa, n)
                        .iter()
                        .map(|v| v.to_bits())
                        .collect();
                    assert_eq!(
                        b32,
                        base32.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "{isa:?} f32 {opt:?}"
                    );
                    assert_eq!(
                        b64,
                        base64.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "{isa:?} f64 {opt:?}"
                    );
                }
            }
        }
    }
}
