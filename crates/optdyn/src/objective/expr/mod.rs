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
//!   Derivatives*, 2nd ed., SIAM 2008, ch. 5, second-order adjoints);
//! * curvature gradient `∇ₓ(uᵀ∇²f(x)u) = D³f(x)[u, u, ·]`: the same sweeps on dual numbers over
//!   dual numbers, `Dual<Dual>`, seeded with `x + ε₁u + ε₂u`; the `ε₁ε₂` part of each adjoint is
//!   the third derivative (ibid., ch. 13, Taylor propagation).
//!
//! Local derivative conventions: `d|a|/da = sign(a)` with `sign(0) = 0`; `d(a^b)/db = a^b ln a`
//! when the exponent depends on the variables (NaN for `a ≤ 0`, where `a^b` is not
//! differentiable in `b`); poles (`log 0`, `sqrt` at 0, division by 0) give infinities or NaN.
//!
//! # Memory
//!
//! `Objective` methods take `&self` and must be `Sync`, so node values and adjoints live in a
//! per-thread scratch buffer (`thread_local!`, one for `f64`, `Dual` and `Dual<Dual>` each) that grows to the
//! largest tape seen on that thread and is reused: no allocation per evaluation after the first.

mod lexer;
mod parser;
mod scalar;
mod tape;

pub use scalar::Dual;

use super::Objective;
use crate::spec::ComponentInfo;
use crate::{Error, Result};
use parser::compile;
use scalar::Scalar;
use tape::{forward, reverse, Op};

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "expr",
    summary: "a formula in x, y, z or x0, x1, … with exact derivatives, e.g. expr:(1-x)^2+100*(y-x^2)^2; \
              + - * / ^ (right-assoc.), sin cos tan exp log sqrt abs tanh sinh cosh, pi, e",
    params: &[],
};

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
        <Dual as Scalar>::with_scratch(self.tape.len(), |v, adj| {
            forward(&self.tape, |i| Dual::new(x[i], dir[i]), v);
            reverse(&self.tape, v, adj, |i, a| out[i] = a.eps);
        });
    }
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        out[..self.dim].fill(0.0);
        <Dual<Dual> as Scalar>::with_scratch(self.tape.len(), |v, adj| {
            let seed = |i: usize| Dual::new(Dual::new(x[i], u[i]), Dual::new(u[i], 0.0));
            forward(&self.tape, seed, v);
            reverse(&self.tape, v, adj, |i, a| out[i] = a.eps.eps);
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
