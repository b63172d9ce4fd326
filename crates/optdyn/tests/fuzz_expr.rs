//! Fuzzes the `expr:` objective's lexer, parser and tape (`objective/expr/`): token soups,
//! random text and deep nesting must parse or fail with a one-line error and never panic (a
//! parsed formula is evaluated with its gradient, Hessian-vector product and curvature
//! gradient); generated well-formed formulas must evaluate to what an independent recursive
//! evaluator of the generated tree gives, within 1e-12 relative, or both be non-finite.
//!
//! Longer run: `OPTDYN_FUZZ_CASES=100000 cargo test -p optdyn --release --test fuzz_expr`.

#[path = "common/fuzz.rs"]
mod fuzz;

use optdyn::objective::expr::ExprObjective;
use optdyn::objective::{self, Objective};
use proptest::prelude::*;
use proptest::sample::select;
use std::f64::consts::{E, PI};

/// The dimension of generated formulas (`x, y, z` or `x0, x1, x2`).
const DIM: usize = 3;

const FUNCS: &[&str] = &[
    "sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs", "tanh", "sinh", "cosh",
];

/// A generated formula.
#[derive(Debug, Clone)]
enum Ast {
    Num(f64),
    Pi,
    E,
    Var(usize),
    Neg(Box<Ast>),
    Bin(char, Box<Ast>, Box<Ast>),
    Pow(Box<Ast>, Box<Ast>),
    Func(&'static str, Box<Ast>),
}

/// How a formula is written: variable style, spacing, `^` or `**`.
#[derive(Debug, Clone, Copy)]
struct Style {
    indexed: bool,
    spaced: bool,
    star_star: bool,
}

impl Ast {
    /// Fully parenthesised text, so the parse tree is the generated tree.
    fn write(&self, st: Style) -> String {
        let sp = if st.spaced { " " } else { "" };
        match self {
            Ast::Num(v) if v.is_sign_negative() => format!("(-{})", -v),
            Ast::Num(v) => format!("{v}"),
            Ast::Pi => "pi".into(),
            Ast::E => "e".into(),
            Ast::Var(i) if st.indexed => format!("x{i}"),
            Ast::Var(i) => ["x", "y", "z"][*i].into(),
            Ast::Neg(a) => format!("-{sp}({})", a.write(st)),
            Ast::Bin(op, a, b) => format!("({}){sp}{op}{sp}({})", a.write(st), b.write(st)),
            Ast::Pow(a, b) => {
                let op = if st.star_star { "**" } else { "^" };
                format!("({}){sp}{op}{sp}({})", a.write(st), b.write(st))
            }
            Ast::Func(f, a) => format!("{f}({})", a.write(st)),
        }
    }

    /// Whether the tree has no variable (the parser folds such a subtree to a constant).
    fn is_const(&self) -> bool {
        match self {
            Ast::Num(_) | Ast::Pi | Ast::E => true,
            Ast::Var(_) => false,
            Ast::Neg(a) | Ast::Func(_, a) => a.is_const(),
            Ast::Bin(_, a, b) | Ast::Pow(a, b) => a.is_const() && b.is_const(),
        }
    }

    /// The value at `x`, following the documented semantics: IEEE arithmetic and `libm`
    /// functions, `a^p` for a constant exponent `p` and a variable base as `a·a` (`p = 2`),
    /// `powi` (other integers up to 2³⁰) or `powf`, and `powf` otherwise.
    fn eval(&self, x: &[f64]) -> f64 {
        match self {
            Ast::Num(v) => *v,
            Ast::Pi => PI,
            Ast::E => E,
            Ast::Var(i) => x[*i],
            Ast::Neg(a) => -a.eval(x),
            Ast::Bin(op, a, b) => {
                let (a, b) = (a.eval(x), b.eval(x));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                }
            }
            Ast::Pow(a, b) => {
                let (base, p) = (a.eval(x), b.eval(x));
                if !b.is_const() || a.is_const() {
                    base.powf(p)
                } else if p == 2.0 {
                    base * base
                } else if p.fract() == 0.0 && p.abs() <= f64::from(1 << 30) {
                    base.powi(p as i32)
                } else {
                    base.powf(p)
                }
            }
            Ast::Func(f, a) => {
                let v = a.eval(x);
                match *f {
                    "sin" => v.sin(),
                    "cos" => v.cos(),
                    "tan" => v.tan(),
                    "exp" => v.exp(),
                    "log" | "ln" => v.ln(),
                    "sqrt" => v.sqrt(),
                    "abs" => v.abs(),
                    "tanh" => v.tanh(),
                    "sinh" => v.sinh(),
                    _ => v.cosh(),
                }
            }
        }
    }
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        select(&[0.0, -0.0, 1.0, 2.0, 3.0, 0.5, 10.0, 1e-3, 1e300, 1e-300, 4.0][..]),
        -1e3..1e3f64,
    ]
}

fn formula() -> impl Strategy<Value = Ast> {
    let leaf = prop_oneof![
        3 => number().prop_map(Ast::Num),
        1 => Just(Ast::Pi),
        1 => Just(Ast::E),
        4 => (0..DIM).prop_map(Ast::Var),
    ];
    leaf.prop_recursive(6, 48, 2, |inner| {
        let exponent = prop_oneof![
            inner.clone(),
            select(&[2.0, 3.0, -1.0, 0.0, 0.5, 1.5, -2.0, 1.0][..]).prop_map(Ast::Num),
        ];
        prop_oneof![
            inner.clone().prop_map(|a| Ast::Neg(Box::new(a))),
            (
                select(&['+', '-', '*', '/'][..]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Ast::Bin(op, Box::new(a), Box::new(b))),
            (inner.clone(), exponent).prop_map(|(a, b)| Ast::Pow(Box::new(a), Box::new(b))),
            (select(FUNCS), inner).prop_map(|(f, a)| Ast::Func(f, Box::new(a))),
        ]
    })
}

fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(indexed, spaced, star_star)| Style {
        indexed,
        spaced,
        star_star,
    })
}

fn point(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![select(&[0.0, 1.0, -1.0, 0.5, 2.0][..]), -3.0..3.0f64],
        n,
    )
}

/// Token soups over the lexer's alphabet plus junk, random text, and deep nesting.
fn soup() -> impl Strategy<Value = String> {
    let token = select(
        &[
            "1",
            "2.5",
            ".5",
            "2.",
            "1e308",
            "1e309",
            "1e-400",
            "1E+2",
            "0x1",
            "1e",
            "1.2.3",
            "00",
            "x",
            "y",
            "z",
            "x0",
            "x1",
            "x12",
            "x99999999999999999999999",
            "xy",
            "_",
            "θ",
            "sin",
            "cos",
            "tan",
            "exp",
            "log",
            "ln",
            "sqrt",
            "abs",
            "tanh",
            "sinh",
            "cosh",
            "pi",
            "e",
            "foo",
            "+",
            "-",
            "*",
            "/",
            "^",
            "**",
            "(",
            ")",
            ",",
            "#",
            "$",
            "=",
            ":",
            "\n",
            "\t",
            "\r",
            "\0",
            "∞",
            "🙂",
            " ",
            "\u{85}",
            "\u{2028}",
        ][..],
    );
    let deep = (
        select(&["(", "-", "+", "sin(", "x^", "2^-", "abs(-"][..]),
        0..400usize,
        0..400usize,
    )
        .prop_map(|(p, n, m)| format!("{}x{}", p.repeat(n), ")".repeat(m)));
    prop_oneof![
        4 => prop::collection::vec(token.clone(), 0..24).prop_map(|v| v.concat()),
        2 => prop::collection::vec(token, 0..24).prop_map(|v| v.join(" ")),
        1 => any::<String>(),
        1 => deep,
    ]
}

/// Every evaluation of a parsed formula, at `x` and along `u`.
fn exercise(f: &dyn Objective, x: &[f64], u: &[f64]) {
    let n = f.dim();
    let (mut g, mut h, mut c) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    f.value(x);
    f.value_gradient(x, &mut g);
    f.hvp(x, u, &mut h);
    f.curvature_gradient(x, u, &mut c);
}

proptest! {
    #![proptest_config(fuzz::config(1024))]

    #[test]
    fn token_soups_never_panic(text in soup(), dim in 0..5usize, x in point(4), u in point(4)) {
        match ExprObjective::parse(&text, dim) {
            Ok(f) => exercise(&f, &x[..dim], &u[..dim]),
            Err(e) => fuzz::one_line(&e, &text)?,
        }
        let spec = format!("expr:{text}");
        match objective::parse(&spec, dim) {
            Ok(f) => exercise(f.as_ref(), &x[..dim], &u[..dim]),
            Err(e) => fuzz::one_line(&e, &spec)?,
        }
    }

    #[test]
    fn formulas_match_an_independent_evaluator(
        ast in formula(),
        st in style(),
        extra in 0..3usize,
        x in point(DIM + 2),
        u in point(DIM + 2),
    ) {
        let text = ast.write(st);
        let n = DIM + extra;
        let f = objective::parse(&format!("expr:{text}"), n)
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let got = f.value(&x[..n]);
        let want = ast.eval(&x[..n]);
        let close = (!got.is_finite() && !want.is_finite())
            || (got - want).abs() <= 1e-12 * got.abs().max(want.abs());
        prop_assert!(close, "{} at {:?}: parsed {:e}, expected {:e}", text, &x[..n], got, want);
        exercise(f.as_ref(), &x[..n], &u[..n]);
    }
}
