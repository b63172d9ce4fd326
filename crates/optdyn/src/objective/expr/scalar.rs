//! Scalars of the tape: `f64` and first-order dual numbers (`Dual`), behind the `Scalar`
//! trait, with the per-thread scratch buffers of the sweeps.

use std::cell::RefCell;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// A first-order dual number `re + eps·ε` with `ε² = 0`: arithmetic on it carries the
/// directional derivative along, `g(a + bε) = g(a) + g'(a) b ε`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dual {
    /// Real part.
    pub re: f64,
    /// Infinitesimal part.
    pub eps: f64,
}

impl Dual {
    /// `re + eps·ε`.
    pub fn new(re: f64, eps: f64) -> Self {
        Dual { re, eps }
    }
    /// `g(a + bε) = g(a) + g'(a) b ε` given `g(a)` and `g'(a)`.
    fn chain(self, value: f64, slope: f64) -> Self {
        Dual::new(value, slope * self.eps)
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual::new(self.re + o.re, self.eps + o.eps)
    }
}
impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        Dual::new(self.re - o.re, self.eps - o.eps)
    }
}
impl Mul for Dual {
    type Output = Dual;
    fn mul(self, o: Dual) -> Dual {
        Dual::new(self.re * o.re, self.re * o.eps + self.eps * o.re)
    }
}
impl Div for Dual {
    type Output = Dual;
    fn div(self, o: Dual) -> Dual {
        let q = self.re / o.re;
        Dual::new(q, (self.eps - q * o.eps) / o.re)
    }
}
impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        Dual::new(-self.re, -self.eps)
    }
}
impl AddAssign for Dual {
    fn add_assign(&mut self, o: Dual) {
        *self = *self + o;
    }
}
impl SubAssign for Dual {
    fn sub_assign(&mut self, o: Dual) {
        *self = *self - o;
    }
}

/// The operations the tape needs from a number type.
pub(super) trait Scalar:
    Copy
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

impl Scalar for Dual {
    fn cst(c: f64) -> Self {
        Dual::new(c, 0.0)
    }
    fn sin(self) -> Self {
        self.chain(self.re.sin(), self.re.cos())
    }
    fn cos(self) -> Self {
        self.chain(self.re.cos(), -self.re.sin())
    }
    fn tan(self) -> Self {
        let t = self.re.tan();
        self.chain(t, 1.0 + t * t)
    }
    fn exp(self) -> Self {
        let e = self.re.exp();
        self.chain(e, e)
    }
    fn ln(self) -> Self {
        self.chain(self.re.ln(), 1.0 / self.re)
    }
    fn sqrt(self) -> Self {
        let s = self.re.sqrt();
        self.chain(s, 0.5 / s)
    }
    fn abs(self) -> Self {
        self.chain(self.re.abs(), sign0(self.re))
    }
    fn tanh(self) -> Self {
        let t = self.re.tanh();
        self.chain(t, 1.0 - t * t)
    }
    fn sinh(self) -> Self {
        self.chain(self.re.sinh(), self.re.cosh())
    }
    fn cosh(self) -> Self {
        self.chain(self.re.cosh(), self.re.sinh())
    }
    fn powi(self, n: i32) -> Self {
        if n == 0 {
            Dual::new(1.0, 0.0)
        } else {
            self.chain(self.re.powi(n), n as f64 * self.re.powi(n - 1))
        }
    }
    fn powf(self, p: f64) -> Self {
        self.chain(self.re.powf(p), p * self.re.powf(p - 1.0))
    }
    fn pow(self, e: Self) -> Self {
        // d(a^b) = b a^{b−1} da + a^b ln(a) db.
        let v = self.re.powf(e.re);
        Dual::new(
            v,
            e.re * self.re.powf(e.re - 1.0) * self.eps + v * self.re.ln() * e.eps,
        )
    }
    fn sign0(self) -> Self {
        Dual::new(sign0(self.re), 0.0)
    }
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self], &mut [Self]) -> R) -> R {
        SCRATCH_DUAL.with(|c| split_scratch(&mut c.borrow_mut(), len, f))
    }
}
