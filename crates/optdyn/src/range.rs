//! The one range grammar of every command: `lo:hi:count` (linear, both ends included),
//! `lo:hi:count:log`, or a list `a;b;c`; sampled axes use `lo:hi` or `lo:hi:log`. Sweep axes
//! ([`crate::analysis::sweep::Grid`]) and every CLI grid (`--lrs`, `--xs`, `--beta1`, …) read it.

use crate::spec::printable;
use crate::{Error, Result};

/// The values an axis takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// `lo:hi:count` — `count` equally spaced values, both ends included.
    Linear {
        /// First value.
        lo: f64,
        /// Last value.
        hi: f64,
        /// Number of values (≥ 1).
        count: u64,
    },
    /// `lo:hi:count:log` — `count` values equally spaced in `ln`, both ends included.
    Log {
        /// First value (> 0).
        lo: f64,
        /// Last value (> 0).
        hi: f64,
        /// Number of values (≥ 1).
        count: u64,
    },
    /// `a;b;c` — the listed values in the order given.
    List(Vec<f64>),
    /// `lo:hi` or `lo:hi:log` under `--sample`: a continuous interval.
    Interval {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
        /// Sample uniformly in `ln` instead of linearly.
        log: bool,
    },
}

fn num(field: &str, text: &str) -> Result<f64> {
    let x: f64 = text.trim().parse().map_err(|_| {
        Error::spec(format!(
            "{field} must be a number, got '{}'",
            printable(text)
        ))
    })?;
    if !x.is_finite() {
        return Err(Error::spec(format!(
            "{field} must be finite, got '{}'",
            printable(text)
        )));
    }
    Ok(x)
}

/// Parses one axis or range: `lo:hi:count` (linear, both ends included), `lo:hi:count:log`, or
/// a list `a;b;c`; with `sampled`, `lo:hi`, `lo:hi:log` or a list. `field` prefixes the errors
/// (`--grid: beta1`, `--lrs`).
pub fn parse_values(field: &str, text: &str, sampled: bool) -> Result<Values> {
    let key = field;
    let text = text.trim();
    if text.contains(';') || !text.contains(':') {
        let mut v = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            v.push(num(key, part)?);
        }
        if v.is_empty() {
            return Err(Error::spec(format!("{key} has no values")));
        }
        return Ok(Values::List(v));
    }
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let lo = num(&format!("{key} lower end"), parts[0])?;
    let hi = num(
        &format!("{key} upper end"),
        parts.get(1).copied().unwrap_or(""),
    )?;
    let log_check = |lo: f64, hi: f64| {
        if lo > 0.0 && hi > 0.0 {
            Ok(())
        } else {
            Err(Error::spec(format!(
                "{key}: a log range needs lo > 0 and hi > 0, got {lo}:{hi}"
            )))
        }
    };
    if sampled {
        let log = match parts.len() {
            2 => false,
            3 if parts[2] == "log" => true,
            _ => {
                return Err(Error::spec(format!(
                    "{key}='{}': with --sample an axis is lo:hi, lo:hi:log or a;b;c (no count)",
                    printable(text)
                )))
            }
        };
        if log {
            log_check(lo, hi)?;
        }
        return Ok(Values::Interval { lo, hi, log });
    }
    let log = match parts.len() {
        3 => false,
        4 if parts[3] == "log" => true,
        _ => {
            return Err(Error::spec(format!(
                "{key}='{}' must be lo:hi:count, lo:hi:count:log or a;b;c",
                printable(text)
            )))
        }
    };
    let count: u64 = parts[2].parse().ok().filter(|&c| c >= 1).ok_or_else(|| {
        Error::spec(format!(
            "{key}: count must be an integer >= 1, got '{}'",
            printable(parts[2])
        ))
    })?;
    if count == 1 && lo != hi {
        return Err(Error::spec(format!(
            "{key}: count 1 needs lo = hi, got {lo}:{hi}"
        )));
    }
    if log {
        log_check(lo, hi)?;
        Ok(Values::Log { lo, hi, count })
    } else {
        Ok(Values::Linear { lo, hi, count })
    }
}

/// `a·(1−s) + b·s` at `s = i/steps`, rounded so that it is monotone in `i`. As written (within
/// `3ε·max(|a|, |b|)` of exact, and overflow-free) unless `a` and `b` share a sign and are so
/// close that one step `|b − a|/steps` is within that error, where the written form can step
/// back by an ulp; then as `a + (b − a)·s`, which is monotone and, for one sign, overflow-free.
fn lerp(a: f64, b: f64, s: f64, steps: u64) -> f64 {
    let same_sign = (a > 0.0 && b > 0.0) || (a < 0.0 && b < 0.0);
    let error = 8.0 * (f64::EPSILON * a.abs().max(b.abs()) + f64::from_bits(1));
    if same_sign && (b - a).abs() <= error * steps as f64 {
        a + (b - a) * s
    } else {
        a * (1.0 - s) + b * s
    }
}

impl Values {
    /// Number of distinct values of a discrete axis (`None` for an interval).
    pub fn count(&self) -> Option<u64> {
        match self {
            Values::Linear { count, .. } | Values::Log { count, .. } => Some(*count),
            Values::List(v) => Some(v.len() as u64),
            Values::Interval { .. } => None,
        }
    }

    /// The `i`-th value of a discrete axis: linear `lo·(1−s) + hi·s` with `s = i/(count−1)`,
    /// log `exp(ln lo·(1−s) + ln hi·s)` (see [`lerp`]); both ends returned exactly, and rounding
    /// kept inside `[lo, hi]`, so the values are monotone.
    pub fn at(&self, i: u64) -> f64 {
        match self {
            Values::Linear { lo, hi, count } | Values::Log { lo, hi, count } => {
                if i == 0 || *count == 1 {
                    return *lo;
                }
                if i == *count - 1 {
                    return *hi;
                }
                let steps = *count - 1;
                let s = i as f64 / steps as f64;
                let x = if matches!(self, Values::Log { .. }) {
                    lerp(lo.ln(), hi.ln(), s, steps).exp()
                } else {
                    lerp(*lo, *hi, s, steps)
                };
                x.clamp(lo.min(*hi), lo.max(*hi))
            }
            Values::List(v) => v[i as usize],
            Values::Interval { .. } => unreachable!("intervals exist only under --sample"),
        }
    }

    /// The value at a quasi-random coordinate `u ∈ [0, 1)`: `lo + (hi − lo)·u` (`lo·(1−u) + hi·u`
    /// when `hi − lo` overflows; in `ln` for log intervals), kept inside `[lo, hi]`; a list or a
    /// discrete axis picks entry `⌊u·count⌋`.
    pub fn at_unit(&self, u: f64) -> f64 {
        match self {
            Values::Interval { lo, hi, log } => {
                let x = if *log {
                    (lo.ln() + (hi.ln() - lo.ln()) * u).exp()
                } else if (hi - lo).is_finite() {
                    lo + (hi - lo) * u
                } else {
                    lo * (1.0 - u) + hi * u
                };
                x.clamp(lo.min(*hi), lo.max(*hi))
            }
            other => {
                let c = other.count().unwrap_or(1);
                let i = ((u * c as f64) as u64).min(c - 1);
                other.at(i)
            }
        }
    }
}

/// The values of a range given on its own (`--lrs 1e-3:1e-1:25:log`, `--xs -5:5:41`, or a list
/// separated by `;` or `,`), expanded. `field` prefixes the errors.
pub fn parse(field: &str, text: &str) -> Result<Vec<f64>> {
    let text = text.trim();
    let normalized = if text.contains(':') {
        text.to_string()
    } else {
        text.replace(',', ";")
    };
    let v = parse_values(field, &normalized, false)?;
    let n = v.count().unwrap_or(0);
    crate::memory::check(
        &format!("{field} with {n} values"),
        n as f64 * 8.0,
        "use fewer values",
    )?;
    Ok((0..n).map(|i| v.at(i)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_with_exact_ends() {
        assert_eq!(
            parse("--xs", "0:1:5").unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        let l = parse("--lrs", "1e-3:1e-1:3:log").unwrap();
        assert_eq!(l[0], 1e-3);
        assert_eq!(l[2], 1e-1);
        assert!((l[1] - 1e-2).abs() < 1e-17);
        assert_eq!(parse("--lrs", "0.1,0.2;0.4").unwrap(), vec![0.1, 0.2, 0.4]);
        assert_eq!(
            parse("--xs", "0:1:0").unwrap_err().to_string(),
            "--xs: count must be an integer >= 1, got '0'"
        );
        assert_eq!(
            parse("--lrs", "0:1:3:log").unwrap_err().to_string(),
            "--lrs: a log range needs lo > 0 and hi > 0, got 0:1"
        );
    }
}
