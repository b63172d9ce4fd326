//! The one range grammar of every command: `lo:hi:count` (linear, both ends included),
//! `lo:hi:count:log`, or a list `a;b;c`; sampled axes use `lo:hi` or `lo:hi:log`. Sweep axes
//! ([`crate::analysis::sweep::Grid`]) and every CLI grid (`--lrs`, `--xs`, `--beta1`, …) read it.

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
    let x: f64 = text
        .trim()
        .parse()
        .map_err(|_| Error::spec(format!("{field} must be a number, got '{text}'")))?;
    if !x.is_finite() {
        return Err(Error::spec(format!("{field} must be finite, got '{text}'")));
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
                    "{key}='{text}': with --sample an axis is lo:hi, lo:hi:log or a;b;c (no count)"
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
                "{key}='{text}' must be lo:hi:count, lo:hi:count:log or a;b;c"
            )))
        }
    };
    let count: u64 = parts[2].parse().ok().filter(|&c| c >= 1).ok_or_else(|| {
        Error::spec(format!(
            "{key}: count must be an integer >= 1, got '{}'",
            parts[2]
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

impl Values {
    /// Number of distinct values of a discrete axis (`None` for an interval).
    pub fn count(&self) -> Option<u64> {
        match self {
            Values::Linear { count, .. } | Values::Log { count, .. } => Some(*count),
            Values::List(v) => Some(v.len() as u64),
            Values::Interval { .. } => None,
        }
    }

    /// The `i`-th value of a discrete axis: linear `lo·(1−s) + hi·s` with `s = i/(count−1)`
    /// (exact at both ends), log `exp(ln lo·(1−s) + ln hi·s)` with the ends returned exactly.
    pub fn at(&self, i: u64) -> f64 {
        match self {
            Values::Linear { lo, hi, count } => {
                if *count == 1 {
                    return *lo;
                }
                let s = i as f64 / (*count - 1) as f64;
                lo * (1.0 - s) + hi * s
            }
            Values::Log { lo, hi, count } => {
                if i == 0 || *count == 1 {
                    return *lo;
                }
                if i == *count - 1 {
                    return *hi;
                }
                let s = i as f64 / (*count - 1) as f64;
                (lo.ln() * (1.0 - s) + hi.ln() * s).exp()
            }
            Values::List(v) => v[i as usize],
            Values::Interval { .. } => unreachable!("intervals exist only under --sample"),
        }
    }

    /// The value at a quasi-random coordinate `u ∈ [0, 1)`: `lo + (hi − lo)·u` (in `ln` for log
    /// intervals); a list or a discrete axis picks entry `⌊u·count⌋`.
    pub fn at_unit(&self, u: f64) -> f64 {
        match self {
            Values::Interval { lo, hi, log: false } => lo + (hi - lo) * u,
            Values::Interval { lo, hi, log: true } => (lo.ln() + (hi.ln() - lo.ln()) * u).exp(),
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
