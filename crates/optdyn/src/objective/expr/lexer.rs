//! Lexer: tokens (`Kind`, `Token`), `lex` and the position-exact error helper `err_at`.

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Num(f64),
    Ident(String),
    /// One of `+ - * / ^ ( ) ,` (`**` is lexed as `^`).
    Punct(char),
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// 1-based character position of the first character.
    pub(super) pos: usize,
    /// The source text of the token.
    text: String,
}

impl Token {
    pub(super) fn describe(&self) -> String {
        match self.kind {
            Kind::End => "end of input".to_string(),
            Kind::Num(_) => format!("number '{}'", self.text),
            _ => format!("'{}'", self.text),
        }
    }
}

pub(super) fn err_at(pos: usize, msg: impl std::fmt::Display) -> Error {
    Error::spec(format!("expr: at position {pos}: {msg}"))
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>> {
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
