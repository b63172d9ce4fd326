//! Parser: recursive descent emitting the tape, with constant folding (`compile`).

use super::lexer::{err_at, lex, Kind, Token};
use super::tape::{Op, FUNCS};
use crate::{Error, Result};

/// Maximum nesting of parentheses, signs and exponents (bounds the parser's recursion).
const MAX_DEPTH: usize = 128;

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
pub(super) fn compile(text: &str, dim: usize) -> Result<Vec<Op>> {
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
