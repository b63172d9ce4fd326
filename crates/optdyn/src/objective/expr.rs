//! `expr:<formula>` objectives with exact derivatives.
//!
//! # Syntax
//!
//! ```text
//! sum     := product (('+' | '-') product)*
//! product := unary (('*' | '/') unary)*
//! unary   := ('-' | '+') unary | power
//! power   := primary (('^' | '**') unary)?
//! primary := number | constant | variable | function '(' sum ')' | '(' sum ')'
//! ```
//!
//! This is ordinary mathematical precedence: `^` binds tighter than unary minus and is
//! right-associative, so `-x^2 = -(x^2)`, `2^3^2 = 2^9 = 512`, and an exponent may carry a sign
//! (`2^-1 = 0.5`, `2*-3 = -6`). Numbers are decimal with optional fraction and exponent (`3`,
//! `.5`, `2.`, `1e-3`). Constants: `pi`, `e`. Functions of one argument: `sin cos tan exp log
//! ln sqrt abs tanh sinh cosh` (`log` is the natural logarithm, same as `ln`). Variables are
//! either `x, y, z` (indices 0, 1, 2) or `x0, x1, …`; one formula uses one style. The dimension is
//! the length of `--x0`; a variable with index ≥ dimension is an error, an unused coordinate is
//! allowed (its partial derivative is 0). There is no implicit multiplication (`2x` is an error).
//!
//! Errors are one line, `expr: at position P: expected …, found …`, where `P` counts characters
//! of the formula (the text after `expr:`) from 1, and end of input is position `len + 1`.
//! The parser is hand-written (recursive descent) rather than taken from an expression crate
//! precisely so that the precedence rules above and these position-exact messages are under our
//! control.
//!
//! # Evaluation and derivatives
//!
//! The parser emits a straight-line tape (one node per operation, operands referring to earlier
//! nodes, each variable loaded once), folding operations whose operands are all constants and
//! specialising constant exponents (`x^2` → square, `x^3` → integer power, `x^0.5` → real
//! power, so `x^2` is differentiable at `x = 0` without a `log 0`). Derivatives are exact up to
//! rounding, never finite differences:
//!
//! * gradient: one forward sweep in `f64` and one reverse (adjoint) sweep — reverse-mode AD,
//!   cost a small multiple of one evaluation independent of the dimension;
//! * Hessian-vector product `∇²f(x)·v`: forward-over-reverse — the same two sweeps run on
//!   first-order dual numbers `a + bε` (`ε² = 0`, a small hand-written type, [`Dual`]) seeded with
//!   `x + εv`; the adjoints come out as `∇f(x) + ε ∇²f(x)v` (Griewank & Walther, *Evaluating
//!   Derivatives*, 2nd ed., SIAM 2008, ch. 5, second-order adjoints).
//!
//! Local derivative conventions: `d|a|/da = sign(a)` with `sign(0) = 0`; `d(a^b)/db = a^b ln a`
//! when the exponent depends on the variables (NaN for `a ≤ 0`, where `a^b` is not
//! differentiable in `b`); poles (`log 0`, `sqrt` at 0, division by 0) give infinities or NaN.
//!
//! # Memory
//!
//! `Objective` methods take `&self` and must be `Sync`, so node values and adjoints live in a
//! per-thread scratch buffer (`thread_local!`, one for `f64`, one for [`Dual`]) that grows to the
//! largest tape seen on that thread and is reused: no allocation per evaluation after the first.

use super::Objective;
use crate::spec::ComponentInfo;
use crate::{Error, Result};
use std::cell::RefCell;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "expr",
    summary: "a formula in x, y, z or x0, x1, … with exact derivatives, e.g. expr:(1-x)^2+100*(y-x^2)^2; \
              + - * / ^ (right-assoc.), sin cos tan exp log sqrt abs tanh sinh cosh, pi, e",
    params: &[],
};

/// Maximum nesting of parentheses, signs and exponents (bounds the parser's recursion).
const MAX_DEPTH: usize = 128;

// ----------------------------------------------------------------------------------------------
// Scalars: f64 and first-order dual numbers.

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
trait Scalar:
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

// ----------------------------------------------------------------------------------------------
// The tape.

/// A function of one argument.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Sqrt,
    Abs,
    Tanh,
    Sinh,
    Cosh,
}

/// Function names accepted in formulas.
const FUNCS: &[(&str, Func)] = &[
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("exp", Func::Exp),
    ("log", Func::Ln),
    ("ln", Func::Ln),
    ("sqrt", Func::Sqrt),
    ("abs", Func::Abs),
    ("tanh", Func::Tanh),
    ("sinh", Func::Sinh),
    ("cosh", Func::Cosh),
];

impl Func {
    fn apply<S: Scalar>(self, a: S) -> S {
        match self {
            Func::Sin => a.sin(),
            Func::Cos => a.cos(),
            Func::Tan => a.tan(),
            Func::Exp => a.exp(),
            Func::Ln => a.ln(),
            Func::Sqrt => a.sqrt(),
            Func::Abs => a.abs(),
            Func::Tanh => a.tanh(),
            Func::Sinh => a.sinh(),
            Func::Cosh => a.cosh(),
        }
    }

    /// `g'(a)` given `a` and `y = g(a)`, written in `S` so that it can itself be differentiated.
    fn derivative<S: Scalar>(self, a: S, y: S) -> S {
        let one = S::cst(1.0);
        match self {
            Func::Sin => a.cos(),
            Func::Cos => -a.sin(),
            Func::Tan => one + y * y,
            Func::Exp => y,
            Func::Ln => one / a,
            Func::Sqrt => S::cst(0.5) / y,
            Func::Abs => a.sign0(),
            Func::Tanh => one - y * y,
            Func::Sinh => a.cosh(),
            Func::Cosh => a.sinh(),
        }
    }
}

/// One tape node; operands are indices of earlier nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Var(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Div(usize, usize),
    /// `a^b` with an exponent that depends on the variables.
    Pow(usize, usize),
    Neg(usize),
    /// `a²` (the most common power, kept out of `powi`'s general loop).
    Square(usize),
    /// `a^n` for a constant integer `n ≠ 2`.
    PowI(usize, i32),
    /// `a^p` for a constant non-integer `p`.
    PowF(usize, f64),
    Func(Func, usize),
}

/// Forward sweep: `v[k]` = value of node `k`, variables read through `load`.
fn forward<S: Scalar>(tape: &[Op], load: impl Fn(usize) -> S, v: &mut [S]) {
    for (k, op) in tape.iter().enumerate() {
        v[k] = match *op {
            Op::Const(c) => S::cst(c),
            Op::Var(i) => load(i),
            Op::Add(a, b) => v[a] + v[b],
            Op::Sub(a, b) => v[a] - v[b],
            Op::Mul(a, b) => v[a] * v[b],
            Op::Div(a, b) => v[a] / v[b],
            Op::Pow(a, b) => v[a].pow(v[b]),
            Op::Neg(a) => -v[a],
            Op::Square(a) => v[a] * v[a],
            Op::PowI(a, n) => v[a].powi(n),
            Op::PowF(a, p) => v[a].powf(p),
            Op::Func(f, a) => f.apply(v[a]),
        };
    }
}

/// Reverse sweep: with `v` from [`forward`], computes the adjoints `adj[k] = ∂f/∂(node k)` of the
/// last node `f` and hands each variable's adjoint to `store(i, adj)` (each variable has one node).
fn reverse<S: Scalar>(tape: &[Op], v: &[S], adj: &mut [S], mut store: impl FnMut(usize, S)) {
    let one = S::cst(1.0);
    adj.fill(S::cst(0.0));
    adj[tape.len() - 1] = one;
    for k in (0..tape.len()).rev() {
        let w = adj[k];
        match tape[k] {
            Op::Const(_) => {}
            Op::Var(i) => store(i, w),
            Op::Add(a, b) => {
                adj[a] += w;
                adj[b] += w;
            }
            Op::Sub(a, b) => {
                adj[a] += w;
                adj[b] -= w;
            }
            Op::Mul(a, b) => {
                adj[a] += w * v[b];
                adj[b] += w * v[a];
            }
            Op::Div(a, b) => {
                let q = w / v[b];
                adj[a] += q;
                adj[b] -= q * v[k];
            }
            Op::Pow(a, b) => {
                adj[a] += w * v[b] * v[a].pow(v[b] - one);
                adj[b] += w * v[k] * v[a].ln();
            }
            Op::Neg(a) => adj[a] -= w,
            Op::Square(a) => adj[a] += S::cst(2.0) * w * v[a],
            Op::PowI(a, n) => {
                if n != 0 {
                    adj[a] += w * S::cst(n as f64) * v[a].powi(n - 1);
                }
            }
            Op::PowF(a, p) => adj[a] += w * S::cst(p) * v[a].powf(p - 1.0),
            Op::Func(f, a) => adj[a] += w * f.derivative(v[a], v[k]),
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Lexer.

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Num(f64),
    Ident(String),
    /// One of `+ - * / ^ ( ) ,` (`**` is lexed as `^`).
    Punct(char),
    End,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// 1-based character position of the first character.
    pos: usize,
    /// The source text of the token.
    text: String,
}

impl Token {
    fn describe(&self) -> String {
        match self.kind {
            Kind::End => "end of input".to_string(),
            Kind::Num(_) => format!("number '{}'", self.text),
            _ => format!("'{}'", self.text),
        }
    }
}

fn err_at(pos: usize, msg: impl std::fmt::Display) -> Error {
    Error::spec(format!("expr: at position {pos}: {msg}"))
}

fn lex(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let digit_at = |j: usize| chars.get(j).is_some_and(|c| c.is_ascii_digit());
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c.is_ascii_digit() || (c == '.' && digit_at(i + 1)) {
            while digit_at(i) {
                i += 1;
            }
            if chars.get(i) == Some(&'.') {
                i += 1;
                while digit_at(i) {
                    i += 1;
                }
            }
            if matches!(chars.get(i), Some('e' | 'E')) {
                let sign = matches!(chars.get(i + 1), Some('+' | '-'));
                let first = i + 1 + usize::from(sign);
                if digit_at(first) {
                    i = first;
                    while digit_at(i) {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().collect();
            let x: f64 = s
                .parse()
                .map_err(|_| err_at(start + 1, format!("malformed number '{s}'")))?;
            if !x.is_finite() {
                return Err(err_at(
                    start + 1,
                    format!("number '{s}' is too large for f64 (max about 1.8e308)"),
                ));
            }
            Kind::Num(x)
        } else if c.is_alphabetic() || c == '_' {
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            Kind::Ident(chars[start..i].iter().collect())
        } else if c == '*' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            Kind::Punct('^')
        } else if "+-*/^(),".contains(c) {
            i += 1;
            Kind::Punct(c)
        } else {
            return Err(err_at(i + 1, format!("unexpected character '{c}'")));
        };
        toks.push(Token {
            kind,
            pos: start + 1,
            text: chars[start..i].iter().collect(),
        });
    }
    toks.push(Token {
        kind: Kind::End,
        pos: chars.len() + 1,
        text: String::new(),
    });
    Ok(toks)
}

// ----------------------------------------------------------------------------------------------
// Parser: recursive descent emitting the tape, with constant folding.

/// A parsed sub-expression: a constant not yet on the tape, or a tape node.
#[derive(Debug, Clone, Copy)]
enum Val {
    Const(f64),
    Node(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Xyz,
    Indexed,
}

struct Parser {
    toks: Vec<Token>,
    at: usize,
    depth: usize,
    dim: usize,
    tape: Vec<Op>,
    /// Tape node of each variable, once loaded.
    var_node: Vec<Option<usize>>,
    /// The variable style in use and the first variable written in it.
    style: Option<(Style, String)>,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.toks[self.at]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.at].clone();
        if t.kind != Kind::End {
            self.at += 1;
        }
        t
    }

    fn peek_punct(&self, c: char) -> bool {
        self.peek().kind == Kind::Punct(c)
    }

    fn expected(&self, what: &str) -> Error {
        let t = self.peek();
        err_at(t.pos, format!("expected {what}, found {}", t.describe()))
    }

    fn emit(&mut self, op: Op) -> usize {
        self.tape.push(op);
        self.tape.len() - 1
    }

    fn node(&mut self, v: Val) -> usize {
        match v {
            Val::Node(k) => k,
            Val::Const(c) => self.emit(Op::Const(c)),
        }
    }

    fn binary(&mut self, op: Bin, l: Val, r: Val) -> Val {
        if let (Val::Const(a), Val::Const(b)) = (l, r) {
            return Val::Const(match op {
                Bin::Add => a + b,
                Bin::Sub => a - b,
                Bin::Mul => a * b,
                Bin::Div => a / b,
                Bin::Pow => a.powf(b),
            });
        }
        if let (Bin::Pow, Val::Const(p)) = (op, r) {
            let a = self.node(l);
            let small = p.abs() <= f64::from(1 << 30);
            let op = if p == 2.0 {
                Op::Square(a)
            } else if p.fract() == 0.0 && small {
                Op::PowI(a, p as i32)
            } else {
                Op::PowF(a, p)
            };
            return Val::Node(self.emit(op));
        }
        let a = self.node(l);
        let b = self.node(r);
        Val::Node(self.emit(match op {
            Bin::Add => Op::Add(a, b),
            Bin::Sub => Op::Sub(a, b),
            Bin::Mul => Op::Mul(a, b),
            Bin::Div => Op::Div(a, b),
            Bin::Pow => Op::Pow(a, b),
        }))
    }

    /// `sum := product (('+' | '-') product)*`
    fn sum(&mut self) -> Result<Val> {
        let mut l = self.product()?;
        loop {
            let op = match self.peek().kind {
                Kind::Punct('+') => Bin::Add,
                Kind::Punct('-') => Bin::Sub,
                _ => return Ok(l),
            };
            self.bump();
            let r = self.product()?;
            l = self.binary(op, l, r);
        }
    }

    /// `product := unary (('*' | '/') unary)*`
    fn product(&mut self) -> Result<Val> {
        let mut l = self.unary()?;
        loop {
            let op = match self.peek().kind {
                Kind::Punct('*') => Bin::Mul,
                Kind::Punct('/') => Bin::Div,
                _ => return Ok(l),
            };
            self.bump();
            let r = self.unary()?;
            l = self.binary(op, l, r);
        }
    }

    /// `unary := ('-' | '+') unary | power`; every recursion of the grammar passes here, so the
    /// nesting depth is bounded here.
    fn unary(&mut self) -> Result<Val> {
        if self.depth >= MAX_DEPTH {
            return Err(err_at(
                self.peek().pos,
                format!("formula nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.depth += 1;
        let v = if self.peek_punct('-') {
            self.bump();
            match self.unary()? {
                Val::Const(c) => Val::Const(-c),
                v => {
                    let a = self.node(v);
                    Val::Node(self.emit(Op::Neg(a)))
                }
            }
        } else if self.peek_punct('+') {
            self.bump();
            self.unary()?
        } else {
            self.power()?
        };
        self.depth -= 1;
        Ok(v)
    }

    /// `power := primary ('^' unary)?` — right-associative through `unary`.
    fn power(&mut self) -> Result<Val> {
        let base = self.primary()?;
        if self.peek_punct('^') {
            self.bump();
            let e = self.unary()?;
            Ok(self.binary(Bin::Pow, base, e))
        } else {
            Ok(base)
        }
    }

    fn expect_close(&mut self) -> Result<()> {
        if self.peek_punct(')') {
            self.bump();
            Ok(())
        } else {
            Err(self.expected("')'"))
        }
    }

    /// `primary := number | constant | variable | function '(' sum ')' | '(' sum ')'`
    fn primary(&mut self) -> Result<Val> {
        let t = self.peek().clone();
        match &t.kind {
            Kind::Num(x) => {
                self.bump();
                Ok(Val::Const(*x))
            }
            Kind::Punct('(') => {
                self.bump();
                let v = self.sum()?;
                self.expect_close()?;
                Ok(v)
            }
            Kind::Ident(name) => {
                self.bump();
                let func = FUNCS.iter().find(|(n, _)| n == name).map(|&(_, f)| f);
                if self.peek_punct('(') {
                    let Some(f) = func else {
                        let known: Vec<&str> = FUNCS.iter().map(|(n, _)| *n).collect();
                        return Err(err_at(
                            t.pos,
                            format!("unknown function '{name}' (known: {})", known.join(", ")),
                        ));
                    };
                    self.bump();
                    let arg = self.sum()?;
                    self.expect_close()?;
                    return Ok(match arg {
                        Val::Const(c) => Val::Const(f.apply(c)),
                        v => {
                            let a = self.node(v);
                            Val::Node(self.emit(Op::Func(f, a)))
                        }
                    });
                }
                if func.is_some() {
                    return Err(self.expected(&format!("'(' after function '{name}'")));
                }
                match name.as_str() {
                    "pi" => Ok(Val::Const(std::f64::consts::PI)),
                    "e" => Ok(Val::Const(std::f64::consts::E)),
                    _ => self.variable(name, t.pos),
                }
            }
            _ => Err(self.expected("a number, variable, function or '('")),
        }
    }

    fn variable(&mut self, name: &str, pos: usize) -> Result<Val> {
        let (style, index) = match name {
            "x" => (Style::Xyz, 0),
            "y" => (Style::Xyz, 1),
            "z" => (Style::Xyz, 2),
            _ => match name.strip_prefix('x') {
                Some(d) if !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()) => {
                    (Style::Indexed, d.parse().unwrap_or(usize::MAX))
                }
                _ => {
                    return Err(err_at(
                        pos,
                        format!(
                            "unknown variable '{name}' (variables are x, y, z or x0, x1, …; \
                             constants pi, e)"
                        ),
                    ))
                }
            },
        };
        match &self.style {
            Some((s, first)) if *s != style => {
                return Err(err_at(
                    pos,
                    format!(
                        "variable '{name}' mixes naming styles with '{first}' \
                         (use either x, y, z or x0, x1, …)"
                    ),
                ))
            }
            Some(_) => {}
            None => self.style = Some((style, name.to_string())),
        }
        if index >= self.dim {
            return Err(err_at(
                pos,
                format!(
                    "variable '{name}' needs dimension at least {}, but --x0 has dimension {}",
                    index.saturating_add(1),
                    self.dim
                ),
            ));
        }
        let k = match self.var_node[index] {
            Some(k) => k,
            None => {
                let k = self.emit(Op::Var(index));
                self.var_node[index] = Some(k);
                k
            }
        };
        Ok(Val::Node(k))
    }
}

/// Parses `text` into a tape over `dim` variables.
fn compile(text: &str, dim: usize) -> Result<Vec<Op>> {
    let mut p = Parser {
        toks: lex(text)?,
        at: 0,
        depth: 0,
        dim,
        tape: Vec::new(),
        var_node: vec![None; dim],
        style: None,
    };
    let v = p.sum()?;
    if p.peek().kind != Kind::End {
        return Err(p.expected("an operator or end of input"));
    }
    if let Val::Const(c) = v {
        p.emit(Op::Const(c));
    }
    Ok(p.tape)
}

// ----------------------------------------------------------------------------------------------
// The objective.

/// A user formula `f(x)` compiled to a tape, with exact gradient (reverse mode) and
/// Hessian-vector product (forward-over-reverse).
#[derive(Debug, Clone)]
pub struct ExprObjective {
    text: String,
    dim: usize,
    tape: Vec<Op>,
}

impl ExprObjective {
    /// Parses `text` as a formula over `dim` variables (`dim` = length of `--x0`, at least 1).
    pub fn parse(text: &str, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::spec(
                "expr: dimension must be at least 1, got 0 (the length of --x0)",
            ));
        }
        let tape = compile(text, dim)?;
        Ok(ExprObjective {
            text: text.to_string(),
            dim,
            tape,
        })
    }
}

impl Objective for ExprObjective {
    fn name(&self) -> String {
        format!("expr:{}", self.text)
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, x: &[f64]) -> f64 {
        let n = self.tape.len();
        f64::with_scratch(n, |v, _| {
            forward(&self.tape, |i| x[i], v);
            v[n - 1]
        })
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_gradient(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let n = self.tape.len();
        g[..self.dim].fill(0.0);
        f64::with_scratch(n, |v, adj| {
            forward(&self.tape, |i| x[i], v);
            reverse(&self.tape, v, adj, |i, a| g[i] = a);
            v[n - 1]
        })
    }
    fn hvp(&self, x: &[f64], dir: &[f64], out: &mut [f64]) {
        out[..self.dim].fill(0.0);
        Dual::with_scratch(self.tape.len(), |v, adj| {
            forward(&self.tape, |i| Dual::new(x[i], dir[i]), v);
            reverse(&self.tape, v, adj, |i, a| out[i] = a.eps);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, x: &[f64]) -> f64 {
        ExprObjective::parse(text, x.len().max(1))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .value(x)
    }

    fn err(text: &str, dim: usize) -> String {
        match ExprObjective::parse(text, dim) {
            Ok(_) => panic!("'{text}' should not parse"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn precedence() {
        assert_eq!(eval("-x^2", &[3.0]), -9.0);
        assert_eq!(eval("2^3^2", &[0.0]), 512.0);
        assert_eq!(eval("-2^2", &[0.0]), -4.0);
        assert_eq!(eval("2*-3", &[0.0]), -6.0);
        assert_eq!(eval("2^-1", &[0.0]), 0.5);
        assert_eq!(eval("(x-4)^2", &[1.0]), 9.0);
        assert_eq!(eval("1-2-3", &[0.0]), -4.0);
        assert_eq!(eval("8/4/2", &[0.0]), 1.0);
        assert_eq!(eval("1+2*3^2", &[0.0]), 19.0);
        assert_eq!(eval("-x*y", &[2.0, 3.0]), -6.0);
        assert_eq!(eval("x**2**0.5*2", &[3.0]), 3f64.powf(2f64.powf(0.5)) * 2.0);
        assert_eq!(eval("--x", &[3.0]), 3.0);
        assert_eq!(eval("+x - -y", &[3.0, 4.0]), 7.0);
        assert_eq!(eval("x^-y^2", &[2.0, 1.0]), 0.5);
        assert_eq!(eval("(-x)^2", &[3.0]), 9.0);
    }

    #[test]
    fn numbers_constants_functions() {
        assert_eq!(
            eval("1e-3 + .5 + 2. + 1E+2", &[0.0]),
            1e-3 + 0.5 + 2.0 + 100.0
        );
        assert_eq!(eval("pi", &[0.0]), std::f64::consts::PI);
        assert_eq!(eval("e^x", &[2.0]), std::f64::consts::E.powf(2.0));
        assert_eq!(eval("log(e)", &[0.0]), 1.0);
        assert_eq!(eval("ln(x)", &[2.0]), 2f64.ln());
        let x = 0.7;
        let cases: [(&str, f64); 9] = [
            ("sin(x)", x.sin()),
            ("cos(x)", x.cos()),
            ("tan(x)", x.tan()),
            ("exp(x)", x.exp()),
            ("sqrt(x)", x.sqrt()),
            ("abs(-x)", x),
            ("tanh(x)", x.tanh()),
            ("sinh(x)", x.sinh()),
            ("cosh(x)", x.cosh()),
        ];
        for (t, want) in cases {
            assert_eq!(eval(t, &[x]), want, "{t}");
        }
    }

    #[test]
    fn variables_and_dimension() {
        assert_eq!(eval("x0 + 10*x1 + 100*x2", &[1.0, 2.0, 3.0]), 321.0);
        assert_eq!(eval("x + 10*y + 100*z", &[1.0, 2.0, 3.0]), 321.0);
        // Unused coordinates are allowed and have zero partial derivative.
        let f = ExprObjective::parse("y^2", 3).unwrap();
        let mut g = [9.0; 3];
        assert_eq!(f.value_gradient(&[1.0, 2.0, 3.0], &mut g), 4.0);
        assert_eq!(g, [0.0, 4.0, 0.0]);
        assert_eq!(f.dim(), 3);
        assert_eq!(f.name(), "expr:y^2");
    }

    #[test]
    fn constant_folding_and_variable_sharing() {
        // 2^3^2 * x: the constant part folds to 512; x is loaded once.
        let f = ExprObjective::parse("2^3^2 * x + x", 1).unwrap();
        assert_eq!(
            f.tape,
            vec![Op::Var(0), Op::Const(512.0), Op::Mul(1, 0), Op::Add(2, 0)]
        );
        let f = ExprObjective::parse("x^2 + x^3 + x^0.5 + x^y", 2).unwrap();
        assert!(f.tape.contains(&Op::Square(0)));
        assert!(f.tape.contains(&Op::PowI(0, 3)));
        assert!(f.tape.contains(&Op::PowF(0, 0.5)));
        assert!(f.tape.iter().any(|op| matches!(op, Op::Pow(0, _))));
        let c = ExprObjective::parse("sin(pi/2)", 1).unwrap();
        assert_eq!(c.tape, vec![Op::Const(1.0)]);
        let mut g = [5.0];
        assert_eq!(c.value_gradient(&[0.3], &mut g), 1.0);
        assert_eq!(g, [0.0]);
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            err("(x+1", 1),
            "expr: at position 5: expected ')', found end of input"
        );
        assert_eq!(
            err("x+", 1),
            "expr: at position 3: expected a number, variable, function or '(', found end of input"
        );
        assert_eq!(
            err("2x", 1),
            "expr: at position 2: expected an operator or end of input, found 'x'"
        );
        assert_eq!(
            err("x * )", 1),
            "expr: at position 5: expected a number, variable, function or '(', found ')'"
        );
        assert_eq!(
            err("sin x", 1),
            "expr: at position 5: expected '(' after function 'sin', found 'x'"
        );
        assert_eq!(
            err("foo(x)", 1),
            "expr: at position 1: unknown function 'foo' (known: sin, cos, tan, exp, log, ln, \
             sqrt, abs, tanh, sinh, cosh)"
        );
        assert_eq!(
            err("x + w", 1),
            "expr: at position 5: unknown variable 'w' (variables are x, y, z or x0, x1, …; \
             constants pi, e)"
        );
        assert_eq!(
            err("x + y + z", 2),
            "expr: at position 9: variable 'z' needs dimension at least 3, but --x0 has dimension 2"
        );
        assert_eq!(
            err("x0 + x12", 3),
            "expr: at position 6: variable 'x12' needs dimension at least 13, but --x0 has dimension 3"
        );
        assert_eq!(
            err("x + x1", 2),
            "expr: at position 5: variable 'x1' mixes naming styles with 'x' \
             (use either x, y, z or x0, x1, …)"
        );
        assert_eq!(
            err("x # 2", 1),
            "expr: at position 3: unexpected character '#'"
        );
        assert_eq!(
            err("x + 2e400", 1),
            "expr: at position 5: number '2e400' is too large for f64 (max about 1.8e308)"
        );
        assert_eq!(
            err("sin(x, y)", 2),
            "expr: at position 6: expected ')', found ','"
        );
        assert_eq!(
            err("3 + 1.5.2", 1),
            "expr: at position 8: expected an operator or end of input, found number '.2'"
        );
        assert_eq!(
            err("", 1),
            "expr: at position 1: expected a number, variable, function or '(', found end of input"
        );
        // Positions count characters, not bytes.
        assert_eq!(err("θ + 1", 1).split(':').nth(1).unwrap(), " at position 1");
        assert_eq!(
            err("x", 0),
            "expr: dimension must be at least 1, got 0 (the length of --x0)"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}x{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(eval(&deep, &[2.0]), 2.0);
        let too_deep = format!("{}x{}", "(".repeat(200), ")".repeat(200));
        assert!(err(&too_deep, 1).contains("formula nested deeper than 128 levels"));
        let minus = format!("{}x", "-".repeat(300));
        assert!(err(&minus, 1).contains("nested deeper"));
        // Long flat sums are not nesting.
        let long = vec!["x"; 5000].join("+");
        assert_eq!(eval(&long, &[1.0]), 5000.0);
    }

    #[test]
    fn abs_derivative_at_zero_is_zero() {
        let f = ExprObjective::parse("abs(x) + abs(y)^2", 2).unwrap();
        let mut g = [1.0; 2];
        f.gradient(&[0.0, 0.0], &mut g);
        assert_eq!(g, [0.0, 0.0]);
        f.gradient(&[-2.0, -3.0], &mut g);
        assert_eq!(g, [-1.0, -6.0]);
        let mut h = [0.0; 2];
        f.hvp(&[-2.0, -3.0], &[1.0, 1.0], &mut h);
        assert_eq!(h, [0.0, 2.0]);
    }

    #[test]
    fn dual_arithmetic() {
        let a = Dual::new(3.0, 1.0);
        let b = Dual::new(2.0, -1.0);
        assert_eq!(a * b, Dual::new(6.0, -1.0));
        assert_eq!(a / b, Dual::new(1.5, (1.0 + 1.5) / 2.0));
        assert_eq!(a - b, Dual::new(1.0, 2.0));
        assert_eq!(-a, Dual::new(-3.0, -1.0));
        assert_eq!(a.powi(3), Dual::new(27.0, 27.0));
        assert_eq!(a.powi(0), Dual::new(1.0, 0.0));
        // d(a^b) = b a^{b−1} da + a^b ln a db at (3, 2), da = 1, db = −1.
        let p = a.pow(b);
        assert_eq!(p.re, 9.0);
        assert!((p.eps - (6.0 - 9.0 * 3f64.ln())).abs() < 1e-14);
    }
}
