//! Scalars of the tape: `f64` and dual numbers `Dual<S>` over any scalar, behind the `Scalar`
//! trait, with the per-thread scratch buffers of the sweeps. `Dual<f64>` carries one
//! directional derivative (Hessian-vector products by forward-over-reverse); `Dual<Dual<f64>>`
//! carries two (third derivatives `D³f[u, u, ·]`).

use std::cell::RefCell;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// A dual number `re + eps·ε` with `ε² = 0` over the scalar `S`: arithmetic on it carries the
/// directional derivative along, `g(a + bε) = g(a) + g'(a) b ε`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dual<S = f64> {
    /// Real part.
    pub re: S,
    /// Infinitesimal part.
    pub eps: S,
}

impl<S> Dual<S> {
    /// `re + eps·ε`.
    pub fn new(re: S, eps: S) -> Self {
        Dual { re, eps }
    }
}

/// `g(a + bε) = g(a) + g'(a) b ε` given `g(a)` and `g'(a)`.
fn chain<S: Scalar>(d: Dual<S>, value: S, slope: S) -> Dual<S> {
    Dual::new(value, slope * d.eps)
}

impl<S: Scalar> Add for Dual<S> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Dual::new(self.re + o.re, self.eps + o.eps)
    }
}
impl<S: Scalar> Sub for Dual<S> {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Dual::new(self.re - o.re, self.eps - o.eps)
    }
}
impl<S: Scalar> Mul for Dual<S> {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Dual::new(self.re * o.re, self.re * o.eps + self.eps * o.re)
    }
}
impl<S: Scalar> Div for Dual<S> {
    type Output = Self;
    fn div(self, o: Self) -> Self {
        let q = self.re / o.re;
        Dual::new(q, (self.eps - q * o.eps) / o.re)
    }
}
impl<S: Scalar> Neg for Dual<S> {
    type Output = Self;
    fn neg(self) -> Self {
        Dual::new(-self.re, -self.eps)
    }
}
impl<S: Scalar> AddAssign for Dual<S> {
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}
impl<S: Scalar> SubAssign for Dual<S> {
    fn sub_assign(&mut self, o: Self) {
        *self = *self - o;
    }
}

/// The operations the tape needs from a number type.
pub(super) trait Scalar:
    Copy
    + Default
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
{
    fn cst(c: f64) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn sqrt(self) -> Self;
    fn abs(self) -> Self;
    fn tanh(self) -> Self;
    fn sinh(self) -> Self;
    fn cosh(self) -> Self;
    /// `self^n`, with `self^0 = 1` exactly.
    fn powi(self, n: i32) -> Self;
    /// `self^p` for a constant real `p`.
    fn powf(self, p: f64) -> Self;
    /// `self^e` for a variable exponent.
    fn pow(self, e: Self) -> Self;
    /// `sign(self)` as a constant (derivative 0), with `sign(0) = 0`.
    fn sign0(self) -> Self;
    /// Runs `f` on two scratch slices of length `len` (node values and adjoints).
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R;
}

fn sign0(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x.signum()
    }
}

thread_local! {
    static SCRATCH_F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    static SCRATCH_DUAL: RefCell<Vec<Dual>> = const { RefCell::new(Vec::new()) };
    static SCRATCH_DUAL2: RefCell<Vec<Dual<Dual>>> = const { RefCell::new(Vec::new()) };
}

/// The per-thread scratch buffer of a dual type.
pub(super) trait DualScratch: Sized {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R;
}

impl DualScratch for Dual {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R {
        SCRATCH_DUAL.with(|c| split_scratch(&mut c.borrow_mut(), len, f))
    }
}

impl DualScratch for Dual<Dual> {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R {
        SCRATCH_DUAL2.with(|c| split_scratch(&mut c.borrow_mut(), len, f))
    }
}

fn split_scratch<S: Copy + Default, R>(
    buf: &mut Vec<S>,
    len: usize,
    f: impl FnOnce(&mut [S], &mut [S]) -> R,
) -> R {
    if buf.len() < 2 * len {
        buf.resize(2 * len, S::default());
    }
    let (v, a) = buf[..2 * len].split_at_mut(len);
    f(v, a)
}

impl Scalar for f64 {
    fn cst(c: f64) -> Self {
        c
    }
    fn sin(self) -> Self {
        f64::sin(self)
    }
    fn cos(self) -> Self {
        f64::cos(self)
    }
    fn tan(self) -> Self {
        f64::tan(self)
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn abs(self) -> Self {
        f64::abs(self)
    }
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    fn sinh(self) -> Self {
        f64::sinh(self)
    }
    fn cosh(self) -> Self {
        f64::cosh(self)
    }
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    fn powf(self, p: f64) -> Self {
        f64::powf(self, p)
    }
    fn pow(self, e: Self) -> Self {
        f64::powf(self, e)
    }
    fn sign0(self) -> Self {
        sign0(self)
    }
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R {
        SCRATCH_F64.with(|c| split_scratch(&mut c.borrow_mut(), len, f))
    }
}

impl<S: Scalar> Scalar for Dual<S>
where
    Dual<S>: DualScratch,
{
    fn cst(c: f64) -> Self {
        Dual::new(S::cst(c), S::cst(0.0))
    }
    fn sin(self) -> Self {
        chain(self, self.re.sin(), self.re.cos())
    }
    fn cos(self) -> Self {
        chain(self, self.re.cos(), -self.re.sin())
    }
    fn tan(self) -> Self {
        let t = self.re.tan();
        chain(self, t, S::cst(1.0) + t * t)
    }
    fn exp(self) -> Self {
        let e = self.re.exp();
        chain(self, e, e)
    }
    fn ln(self) -> Self {
        chain(self, self.re.ln(), S::cst(1.0) / self.re)
    }
    fn sqrt(self) -> Self {
        let s = self.re.sqrt();
        chain(self, s, S::cst(0.5) / s)
    }
    fn abs(self) -> Self {
        chain(self, self.re.abs(), self.re.sign0())
    }
    fn tanh(self) -> Self {
        let t = self.re.tanh();
        chain(self, t, S::cst(1.0) - t * t)
    }
    fn sinh(self) -> Self {
        chain(self, self.re.sinh(), self.re.cosh())
    }
    fn cosh(self) -> Self {
        chain(self, self.re.cosh(), self.re.sinh())
    }
    fn powi(self, n: i32) -> Self {
        if n == 0 {
            Dual::new(S::cst(1.0), S::cst(0.0))
        } else {
            chain(
                self,
                self.re.powi(n),
                S::cst(n as f64) * self.re.powi(n - 1),
            )
        }
    }
    fn powf(self, p: f64) -> Self {
        chain(self, self.re.powf(p), S::cst(p) * self.re.powf(p - 1.0))
    }
    fn pow(self, e: Self) -> Self {
        // d(a^b) = b a^{b−1} da + a^b ln(a) db.
        let v = self.re.pow(e.re);
        Dual::new(
            v,
            e.re * self.re.pow(e.re - S::cst(1.0)) * self.eps + v * self.re.ln() * e.eps,
        )
    }
    fn sign0(self) -> Self {
        Dual::new(self.re.sign0(), S::cst(0.0))
    }
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R {
        <Self as DualScratch>::with_scratch(len, f)
    }
}
