//! Spec strings: `name` or `name:key=value,key=value`; list values use `;`
//! (`quadratic:diag=1;10;100`). A [`Spec`] hands out typed, range-checked values and refuses
//! keys nobody asked for, so every typo is reported with the allowed keys.
//!
//! Specs are the edge of the library: each registry (`optim::registry()`, `model::registry()`,
//! `objective::registry()`, `integrate::registry()`) parses a spec once into a typed value,
//! and everything past the registry works on those values.

use crate::{Error, Result};
use std::fmt;
use std::sync::Mutex;

/// Description of one parameter of a named component, for `optdyn list` and error messages.
#[derive(Debug, Clone, Copy)]
pub struct ParamInfo {
    /// The key as written in a spec.
    pub key: &'static str,
    /// The default value, as text (`"required"` when there is none).
    pub default: &'static str,
    /// What the parameter means and its allowed range.
    pub help: &'static str,
}

/// Description of a named component (objective, optimizer, model, integrator).
#[derive(Debug, Clone, Copy)]
pub struct ComponentInfo {
    /// The name used in specs.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [ParamInfo],
}

/// A parsed spec: a name and `key=value` pairs in the order given. It records which keys were
/// read, so [`Spec::finish`] can name a key nobody asked for.
#[derive(Debug)]
pub struct Spec {
    /// The component name before the first `:`.
    pub name: String,
    /// The `key=value` pairs.
    pub pairs: Vec<(String, String)>,
    /// The text after the first `:` verbatim (used by `expr:` objectives).
    pub rest: String,
    used: Mutex<Vec<bool>>,
}

impl Clone for Spec {
    /// A copy with every key unread.
    fn clone(&self) -> Self {
        Spec {
            name: self.name.clone(),
            pairs: self.pairs.clone(),
            rest: self.rest.clone(),
            used: Mutex::new(vec![false; self.pairs.len()]),
        }
    }
}

impl PartialEq for Spec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.pairs == other.pairs
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.pairs.is_empty() {
            write!(f, ":")?;
            let parts: Vec<String> = self.pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, "{}", parts.join(","))?;
        }
        Ok(())
    }
}

impl Spec {
    /// Parses `name[:k=v,k=v]`. Keys are lower-cased names; repeated keys are an error.
    pub fn parse(text: &str) -> Result<Spec> {
        let text = text.trim();
        let (name, rest) = match text.split_once(':') {
            Some((n, r)) => (n.trim(), r.trim()),
            None => (text, ""),
        };
        if name.is_empty() {
            return Err(Error::spec(format!(
                "spec '{}': missing a name before ':' (expected name or name:key=value,…)",
                printable(text)
            )));
        }
        let no_control = |piece: &str| {
            if piece.contains(char::is_control) {
                Err(Error::spec(format!(
                    "spec '{}': a name, key or value contains a control character",
                    printable(text)
                )))
            } else {
                Ok(())
            }
        };
        no_control(name)?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        if !rest.is_empty() && name != "expr" {
            for part in rest.split(',') {
                let part = part.trim();
                if part.is_empty() {
                    continue;
                }
                let Some((k, v)) = part.split_once('=') else {
                    return Err(Error::spec(format!(
                        "{name}: '{}' is not key=value (expected name:key=value,key=value)",
                        printable(part)
                    )));
                };
                let k = k.trim().to_string();
                if k.is_empty() {
                    return Err(Error::spec(format!(
                        "{name}: empty key in '{}'",
                        printable(part)
                    )));
                }
                no_control(&k)?;
                no_control(v.trim())?;
                if pairs.iter().any(|(pk, _)| *pk == k) {
                    return Err(Error::spec(format!("{name}: key '{k}' given twice")));
                }
                pairs.push((k, v.trim().to_string()));
            }
        }
        let n = pairs.len();
        Ok(Spec {
            name: name.to_string(),
            pairs,
            rest: rest.to_string(),
            used: Mutex::new(vec![false; n]),
        })
    }

    /// A spec with a name and pairs, built in code.
    pub fn new(name: &str, pairs: &[(&str, String)]) -> Spec {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let n = pairs.len();
        Spec {
            name: name.to_string(),
            rest: String::new(),
            pairs,
            used: Mutex::new(vec![false; n]),
        }
    }

    /// Returns a copy with `key` set to `value` (replacing any previous value).
    pub fn with(&self, key: &str, value: String) -> Spec {
        let mut pairs = self.pairs.clone();
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(p) => p.1 = value,
            None => pairs.push((key.to_string(), value)),
        }
        let n = pairs.len();
        Spec {
            name: self.name.clone(),
            rest: self.rest.clone(),
            pairs,
            used: Mutex::new(vec![false; n]),
        }
    }

    /// A copy without the pairs of `keys` (every key unread).
    pub fn without(&self, keys: &[&str]) -> Spec {
        let pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| !keys.contains(&k.as_str()))
            .cloned()
            .collect();
        let rest = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let n = pairs.len();
        Spec {
            name: self.name.clone(),
            pairs,
            rest,
            used: Mutex::new(vec![false; n]),
        }
    }

    /// The raw text of `key`, marking it as used.
    pub fn raw(&self, key: &str) -> Option<&str> {
        let i = self.pairs.iter().position(|(k, _)| k == key)?;
        self.used.lock().unwrap_or_else(|p| p.into_inner())[i] = true;
        Some(self.pairs[i].1.as_str())
    }

    /// Whether `key` was given (without marking it used).
    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    fn parse_f64(&self, key: &str, v: &str) -> Result<f64> {
        let x: f64 = v.parse().map_err(|_| {
            Error::spec(format!("{}: {key} must be a number, got '{v}'", self.name))
        })?;
        if !x.is_finite() {
            return Err(Error::spec(format!(
                "{}: {key} must be finite, got {v}",
                self.name
            )));
        }
        Ok(x)
    }

    /// A float, or `default` when absent.
    pub fn f64(&self, key: &str, default: f64) -> Result<f64> {
        match self.raw(key) {
            Some(v) => self.parse_f64(key, v),
            None => Ok(default),
        }
    }

    /// A float that must be given.
    pub fn f64_required(&self, key: &str) -> Result<f64> {
        match self.raw(key) {
            Some(v) => self.parse_f64(key, v),
            None => Err(Error::spec(format!(
                "{}: missing required key '{key}'",
                self.name
            ))),
        }
    }

    /// An optional float.
    pub fn f64_opt(&self, key: &str) -> Result<Option<f64>> {
        match self.raw(key) {
            Some(v) => self.parse_f64(key, v).map(Some),
            None => Ok(None),
        }
    }

    /// A non-negative integer, or `default` when absent.
    pub fn usize(&self, key: &str, default: usize) -> Result<usize> {
        match self.raw(key) {
            Some(v) => v.parse().map_err(|_| {
                Error::spec(format!(
                    "{}: {key} must be a non-negative integer, got '{v}'",
                    self.name
                ))
            }),
            None => Ok(default),
        }
    }

    /// An integer seed, or `default` when absent.
    pub fn u64(&self, key: &str, default: u64) -> Result<u64> {
        match self.raw(key) {
            Some(v) => v.parse().map_err(|_| {
                Error::spec(format!(
                    "{}: {key} must be a non-negative integer, got '{v}'",
                    self.name
                ))
            }),
            None => Ok(default),
        }
    }

    /// A boolean (`true/false/1/0/yes/no`), or `default` when absent.
    pub fn bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.raw(key) {
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(Error::spec(format!(
                    "{}: {key} must be true or false, got '{v}'",
                    self.name
                ))),
            },
            None => Ok(default),
        }
    }

    /// A string, or `default` when absent.
    pub fn string(&self, key: &str, default: &str) -> String {
        self.raw(key).unwrap_or(default).to_string()
    }

    /// A string that must be one of `allowed`.
    pub fn choice(&self, key: &str, default: &str, allowed: &[&str]) -> Result<String> {
        let v = self.string(key, default);
        if allowed.contains(&v.as_str()) {
            Ok(v)
        } else {
            Err(Error::spec(format!(
                "{}: {key} must be one of {}, got '{v}'",
                self.name,
                allowed.join(", ")
            )))
        }
    }

    /// A `;`-separated list of floats, or `None` when absent.
    pub fn f64_list(&self, key: &str) -> Result<Option<Vec<f64>>> {
        match self.raw(key) {
            Some(v) => parse_list(v)
                .map(Some)
                .map_err(|e| Error::spec(format!("{}: {key}: {e}", self.name))),
            None => Ok(None),
        }
    }

    /// Fails if a key was given that no getter asked for, naming the allowed keys.
    pub fn finish(&self, allowed: &[ParamInfo]) -> Result<()> {
        let used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        match self.pairs.iter().zip(used.iter()).find(|(_, u)| !**u) {
            Some(((k, _), _)) => Err(Error::UnknownKey {
                component: self.name.clone(),
                key: k.clone(),
                allowed: allowed.iter().map(|p| p.key.to_string()).collect(),
            }),
            None => Ok(()),
        }
    }
}

/// `text` with its control characters escaped (`\n`, `\r`, `\u{1b}`), for quoting user input in
/// one-line messages.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses a list of floats separated by `;` or `,` (for `--x0 1,2` and `diag=1;10`).
pub fn parse_list(text: &str) -> std::result::Result<Vec<f64>, String> {
    let mut out = Vec::new();
    let quoted = || {
        let shown: String = text.chars().take(60).collect();
        let more = if shown.len() < text.len() { "…" } else { "" };
        format!("{}{more}", printable(&shown))
    };
    if text.trim().is_empty() {
        return Err("the list is empty".to_string());
    }
    for (i, part) in text.split([';', ',']).enumerate() {
        let p = part.trim();
        if p.is_empty() {
            return Err(format!("item {} is empty (in list '{}')", i + 1, quoted()));
        }
        let x: f64 = p.parse().map_err(|_| {
            format!(
                "'{}' is not a number (in list '{}')",
                printable(p),
                quoted()
            )
        })?;
        if !x.is_finite() {
            return Err(format!(
                "'{}' is not finite (in list '{}')",
                printable(p),
                quoted()
            ));
        }
        out.push(x);
    }
    if out.is_empty() {
        return Err(format!("empty list '{}'", printable(text)));
    }
    Ok(out)
}

/// Formats a float so that it parses back to the same bits, compactly: plain decimal for
/// moderate magnitudes, scientific notation otherwise.
pub fn fmt_f64(x: f64) -> String {
    let mut s = String::new();
    push_f64(&mut s, x);
    s
}

/// Appends [`fmt_f64`]`(x)` to `out` without allocating: the shortest decimal that parses back
/// to `x`, laid out as Rust's `{}` for `1e-5 ≤ |x| < 1e16` (and zero) and as `{:e}` otherwise.
///
/// Ryū (the `ryu` crate, several times faster than `core::fmt`) writes it, with the same
/// switch-over between the two layouts (only its `.0` after integral values is dropped). The two
/// algorithms differ only in breaking an exact tie between two shortest candidates
/// (`998154695029900.25` → `…900.2` vs `…900.3`). A tie needs the exact decimal expansion of
/// `x = M·2^{−k}` (M odd, k ≥ 1) to end in 5 at its 18th significant digit or before, so
/// `M·5^k < 10^18`, i.e. `k ≤ 25`: those values (`x·2^25` integral, `x` not) go through
/// `core::fmt`, as do non-finite ones.
pub fn push_f64(out: &mut String, x: f64) {
    use std::fmt::Write as _;
    let scaled = x * 33_554_432.0; // 2^25, exact
    if x.is_finite() && (x == x.trunc() || scaled != scaled.trunc()) {
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(x);
        out.push_str(s.strip_suffix(".0").unwrap_or(s));
        return;
    }
    let a = x.abs();
    let _ = if (1e-5..1e16).contains(&a) || !x.is_finite() {
        write!(out, "{x}")
    } else {
        write!(out, "{x:e}")
    };
}

/// Range checks producing the project's typed one-line errors
/// (`adam: beta1 must be in [0, 1), got 1.2`, an [`Error::Param`]).
pub mod check {
    use crate::error::Allowed;
    use crate::{Error, Result};

    /// `x` if it lies in `allowed`, else the typed range error naming `who` and `key`.
    pub fn within(who: &str, key: &str, x: f64, allowed: Allowed) -> Result<f64> {
        if allowed.contains(x) {
            Ok(x)
        } else {
            Err(Error::param(who, key, x, allowed))
        }
    }

    /// `lo <= x < hi`.
    pub fn in_closed_open(who: &str, key: &str, x: f64, lo: f64, hi: f64) -> Result<f64> {
        within(who, key, x, Allowed::ClosedOpen(lo, hi))
    }

    /// `lo <= x <= hi`.
    pub fn in_closed(who: &str, key: &str, x: f64, lo: f64, hi: f64) -> Result<f64> {
        within(who, key, x, Allowed::Closed(lo, hi))
    }

    /// `lo < x < hi`.
    pub fn in_open(who: &str, key: &str, x: f64, lo: f64, hi: f64) -> Result<f64> {
        within(who, key, x, Allowed::Open(lo, hi))
    }

    /// `x >= 0`.
    pub fn non_negative(who: &str, key: &str, x: f64) -> Result<f64> {
        within(who, key, x, Allowed::NonNegative)
    }

    /// `x > 0`.
    pub fn positive(who: &str, key: &str, x: f64) -> Result<f64> {
        within(who, key, x, Allowed::Positive)
    }
}

#[cfg(test)]
mod tests {
    /// The layout `push_f64` must reproduce: `{}` for moderate magnitudes, `{:e}` otherwise.
    fn std_layout(x: f64) -> String {
        let a = x.abs();
        if x == 0.0 || (1e-5..1e16).contains(&a) || !x.is_finite() {
            format!("{x}")
        } else {
            format!("{x:e}")
        }
    }

    #[test]
    fn push_f64_equals_the_standard_formatting() {
        use rand::{Rng, SeedableRng};
        let mut edge = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e-5,
            9.999999999999999e-6,
            1e16,
            9999999999999998.0,
            1e15,
            123456789.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        edge.extend((0..200_000).map(|_| f64::from_bits(r.random::<u64>())));
        edge.extend((0..200_000).map(|_| 10f64.powf(r.random_range(-8.0..20.0))));
        edge.extend((0..20_000).map(|_| r.random_range(-1e6..1e6f64).round()));
        // Exact binary fractions and large integers, where decimal ties happen.
        edge.extend((-1074..1024).map(|k| 2f64.powi(k)));
        edge.extend((-1074..1020).map(|k| 3.0 * 2f64.powi(k)));
        edge.extend((0..100_000).map(|_| {
            let m = r.random_range(1u64..1 << 53) as f64;
            m * 2f64.powi(r.random_range(-80..80))
        }));
        for x in edge {
            let mut s = String::new();
            super::push_f64(&mut s, x);
            assert_eq!(s, std_layout(x), "{x:?}");
            if x.is_finite() {
                assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits());
            }
        }
    }

    use super::*;

    #[test]
    fn parses_pairs_and_lists() {
        let s = Spec::parse("quadratic:diag=1;10;100,center=0;1;2").unwrap();
        assert_eq!(s.name, "quadratic");
        assert_eq!(s.f64_list("diag").unwrap().unwrap(), vec![1.0, 10.0, 100.0]);
        assert_eq!(s.f64_list("center").unwrap().unwrap(), vec![0.0, 1.0, 2.0]);
        s.finish(&[]).unwrap();
    }

    #[test]
    fn unknown_key_is_named() {
        let s = Spec::parse("adam:lr=0.1,betaa=0.3").unwrap();
        s.f64("lr", 1e-3).unwrap();
        let e = s.finish(&[]).unwrap_err().to_string();
        assert!(e.contains("unknown key 'betaa'"), "{e}");
    }

    #[test]
    fn expr_keeps_rest_verbatim() {
        let s = Spec::parse("expr:x^2+y,z").unwrap();
        assert_eq!(s.rest, "x^2+y,z");
        assert!(s.pairs.is_empty());
    }

    #[test]
    fn bad_number_is_named() {
        let s = Spec::parse("adam:lr=abc").unwrap();
        let e = s.f64("lr", 1e-3).unwrap_err().to_string();
        assert_eq!(e, "adam: lr must be a number, got 'abc'");
    }
}
