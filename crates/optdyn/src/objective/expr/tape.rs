//! The tape: one-argument functions (`Func`, `FUNCS`), tape nodes (`Op`) and the forward
//! and reverse (adjoint) sweeps over them.

use super::scalar::Scalar;

/// A function of one argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Func {
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
pub(super) const FUNCS: &[(&str, Func)] = &[
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
    pub(super) fn apply<S: Scalar>(self, a: S) -> S {
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
pub(super) enum Op {
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
pub(super) fn forward<S: Scalar>(tape: &[Op], load: impl Fn(usize) -> S, v: &mut [S]) {
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
pub(super) fn reverse<S: Scalar>(
    tape: &[Op],
    v: &[S],
    adj: &mut [S],
    mut store: impl FnMut(usize, S),
) {
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
