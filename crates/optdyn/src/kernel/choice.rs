//! A nonlocal model's memory-kernel choice (`kernel_m=…`, `kernel_v=…`, `kernel=…`), parsed once
//! at the edge into a typed value.
//!
//! Spec grammar: `paper` (the paper's kernel, the default), `power:a=A`, `power:a=A;T=T` or
//! `power:a=A;c=C` (`c·s^{−a}`), `soe:terms=w1/r1;w2/r2;…` (`Σ w_j e^{−r_j s}`). A user kernel is built in code
//! ([`MemoryKernel::user`], or a Python callable).
//!
//! Normalisation of `power:a=A` without `c`: its mass over `[0, T]` equals the paper kernel's,
//! `∫_0^T c·s^{−a} ds = ∫_0^T K_paper(s) ds`, i.e. `c = (1 − a)·M_paper(T)/T^{1−a}`, with
//! `T = lr` by default — the newest optimizer step weighs what it weighs in the paper's kernel
//! (`1 − e^{−(1−β)}` ≈ `1 − β` for an EMA, 1 for AdaGrad's sum) — or `power:a=A;T=…` (e.g. the
//! run's horizon, to match the mass over the whole run). The default does not depend on how long
//! the model is run, so a model is the same equation at every `t_end`. For Adam the bias
//! correction divides by the kernel's mass and the scale cancels; for RMSProp and AdaGrad it
//! sets the size of `v`.

use super::{Kernel, SumOfExponentials};
use crate::error::Allowed;
use crate::spec::fmt_f64;
use crate::{Error, Result};
use std::fmt;
use std::sync::Arc;

/// The kernel of one memory term of a nonlocal model.
#[derive(Clone, Default)]
pub enum MemoryKernel {
    /// The paper's kernel of that term (the model's default numbers).
    #[default]
    Paper,
    /// `c·s^{−a}` with `0 < a < 1`, `c` given or from the mass normalisation (module doc).
    Power {
        /// Exponent `a`.
        a: f64,
        /// How `c` is set.
        scale: PowerScale,
    },
    /// An explicit sum of exponentials (weights `> 0`, rates `≥ 0`; rate 0 is a non-fading term).
    Soe(SumOfExponentials),
    /// A user kernel `K(s)`: finite on `(0, T]`, bounded and smooth on each grid interval.
    User(Arc<dyn Fn(f64) -> f64 + Send + Sync>),
}

/// How the prefactor of a power-law kernel is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PowerScale {
    /// Mass over `[0, T]` equal to the paper kernel's (`None`: `T = lr`).
    Mass(Option<f64>),
    /// An explicit prefactor `c > 0`.
    Coef(f64),
}

impl fmt::Debug for MemoryKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text())
    }
}

fn range(who: &str, field: &str, x: f64, allowed: Allowed) -> Result<f64> {
    if allowed.contains(x) && x.is_finite() {
        Ok(x)
    } else {
        Err(Error::param(who, field, x, allowed))
    }
}

impl MemoryKernel {
    /// `power:a=A`: `0 < a < 1` (integrable at 0, decaying), mass over the newest step `[0, lr]`
    /// equal to the paper kernel's.
    pub fn power(a: f64) -> Result<Self> {
        Self::power_with(a, PowerScale::Mass(None))
    }

    /// `c·s^{−a}` with its prefactor set by `scale` (`T > 0`, `c > 0`).
    pub fn power_with(a: f64, scale: PowerScale) -> Result<Self> {
        range("kernel power", "a", a, Allowed::Open(0.0, 1.0))?;
        match scale {
            PowerScale::Mass(Some(t)) => {
                range("kernel power", "T", t, Allowed::Positive)?;
            }
            PowerScale::Coef(c) => {
                range("kernel power", "c", c, Allowed::Positive)?;
            }
            PowerScale::Mass(None) => {}
        }
        Ok(MemoryKernel::Power { a, scale })
    }

    /// `Σ w_j e^{−r_j s}` from `(w_j, r_j)` pairs: 1 to 256 terms, `w_j > 0`, `r_j ≥ 0`.
    pub fn soe(terms: &[(f64, f64)]) -> Result<Self> {
        if terms.is_empty() || terms.len() > 256 {
            return Err(Error::spec(format!(
                "kernel soe: terms must list 1 to 256 weight/rate pairs, got {}",
                terms.len()
            )));
        }
        for (j, &(w, r)) in terms.iter().enumerate() {
            range(
                "kernel soe",
                &format!("weight {}", j + 1),
                w,
                Allowed::Positive,
            )?;
            range(
                "kernel soe",
                &format!("rate {}", j + 1),
                r,
                Allowed::NonNegative,
            )?;
        }
        Ok(MemoryKernel::Soe(SumOfExponentials {
            terms: terms.to_vec(),
        }))
    }

    /// A user kernel `K(s)`; its values are checked where the solver evaluates it.
    pub fn user(k: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        MemoryKernel::User(Arc::new(k))
    }

    /// Parses `paper`, `power:a=A[;c=C]` or `soe:terms=w/r;…` given to `model`'s key `key`.
    pub fn parse(model: &str, key: &str, text: &str) -> Result<Self> {
        let fail = |why: String| Error::spec(format!("{model}: {key}: {why}"));
        let text = text.trim();
        let (name, rest) = text.split_once(':').unwrap_or((text, ""));
        let parsed = match name.trim() {
            "paper" if rest.trim().is_empty() => Ok(MemoryKernel::Paper),
            "power" => {
                let (mut a, mut c, mut t) = (None, None, None);
                for part in rest.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    let (k, v) = part.split_once('=').ok_or_else(|| {
                        fail(format!("'{part}' is not key=value (power:a=A;c=C)"))
                    })?;
                    let x: f64 = v.trim().parse().map_err(|_| {
                        fail(format!(
                            "power {} must be a number, got '{}'",
                            k.trim(),
                            v.trim()
                        ))
                    })?;
                    match k.trim() {
                        "a" => a = Some(x),
                        "c" => c = Some(x),
                        "T" => t = Some(x),
                        other => {
                            return Err(fail(format!("power has keys a, T and c, got '{other}'")))
                        }
                    }
                }
                let a = a.ok_or_else(|| fail("power needs its exponent: power:a=A".into()))?;
                match (c, t) {
                    (Some(_), Some(_)) => Err(fail(
                        "power takes c (the prefactor) or T (the normalisation horizon), not both"
                            .into(),
                    )),
                    (Some(c), None) => Self::power_with(a, PowerScale::Coef(c)),
                    (None, t) => Self::power_with(a, PowerScale::Mass(t)),
                }
            }
            "soe" => {
                let list = rest
                    .trim()
                    .strip_prefix("terms=")
                    .ok_or_else(|| fail("soe needs its terms: soe:terms=w1/r1;w2/r2".into()))?;
                let mut terms = Vec::new();
                for part in list.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    let (w, r) = part
                        .split_once('/')
                        .ok_or_else(|| fail(format!("soe term '{part}' is not weight/rate")))?;
                    let num = |s: &str| {
                        s.trim()
                            .parse::<f64>()
                            .map_err(|_| fail(format!("soe term '{part}' is not two numbers")))
                    };
                    terms.push((num(w)?, num(r)?));
                }
                Self::soe(&terms)
            }
            _ => Err(fail(format!(
                "unknown kernel '{text}' (expected paper, power:a=A[;c=C] or soe:terms=w1/r1;…)"
            ))),
        };
        parsed.map_err(|e| match e {
            Error::Param(_) | Error::Spec(_) if !e.to_string().starts_with(model) => {
                fail(e.to_string())
            }
            e => e,
        })
    }

    /// The canonical spec text (`user` for a closure).
    pub fn text(&self) -> String {
        match self {
            MemoryKernel::Paper => "paper".into(),
            MemoryKernel::Power { a, scale } => match scale {
                PowerScale::Mass(None) => format!("power:a={}", fmt_f64(*a)),
                PowerScale::Mass(Some(t)) => format!("power:a={};T={}", fmt_f64(*a), fmt_f64(*t)),
                PowerScale::Coef(c) => format!("power:a={};c={}", fmt_f64(*a), fmt_f64(*c)),
            },
            MemoryKernel::Soe(s) => {
                let t: Vec<String> = s
                    .terms
                    .iter()
                    .map(|(w, r)| format!("{}/{}", fmt_f64(*w), fmt_f64(*r)))
                    .collect();
                format!("soe:terms={}", t.join(";"))
            }
            MemoryKernel::User(_) => "user".into(),
        }
    }

    /// True for the paper's kernel.
    pub fn is_paper(&self) -> bool {
        matches!(self, MemoryKernel::Paper)
    }

    /// The kernel, given the paper kernel it replaces and the learning rate (the default
    /// normalisation horizon of a power law).
    pub fn resolve(&self, paper: &Kernel, lr: f64) -> Kernel {
        match self {
            MemoryKernel::Paper => paper.clone(),
            MemoryKernel::Power { a, scale } => {
                let coef = match *scale {
                    PowerScale::Coef(c) => c,
                    PowerScale::Mass(t) => {
                        let t = t.unwrap_or(lr);
                        (1.0 - a) * paper.integral(0.0, t) / t.powf(1.0 - a)
                    }
                };
                Kernel::PowerLaw { coef, exponent: *a }
            }
            MemoryKernel::Soe(s) => Kernel::Sum(s.clone()),
            MemoryKernel::User(k) => Kernel::Custom(k.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_and_refuses() {
        for t in [
            "paper",
            "power:a=0.5",
            "power:a=0.25;c=2",
            "power:a=0.3;T=10",
            "soe:terms=1/2;0.5/0",
        ] {
            assert_eq!(MemoryKernel::parse("m", "kernel", t).unwrap().text(), t);
        }
        let err = |t: &str| {
            MemoryKernel::parse("adam-ide1", "kernel_m", t)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("power:a=1.5"),
            "adam-ide1: kernel_m: kernel power: a must be in (0, 1), got 1.5"
        );
        assert!(err("power:a=0").contains("a must be in (0, 1)"));
        assert!(err("power").contains("needs its exponent"));
        assert!(
            err("soe:terms=1/-2").contains("rate 1 must be >= 0"),
            "{}",
            err("soe:terms=1/-2")
        );
        assert!(err("soe:terms=0/2").contains("weight 1 must be > 0"));
        assert!(err("soe:terms=1").contains("not weight/rate"));
        assert!(err("gauss").contains("unknown kernel"));
        assert!(err("power:a=0.5;c=1;T=2").contains("not both"));
        assert!(err("power:a=0.5;T=0").contains("T must be > 0"));
        assert!(err("power:a=nan").contains("a must be in (0, 1)"));
    }

    #[test]
    fn power_mass_matches_the_paper_kernel_over_the_run() {
        let paper = Kernel::Sum(SumOfExponentials {
            terms: vec![(10.0, 10.0)],
        });
        let k = MemoryKernel::power(0.5).unwrap().resolve(&paper, 0.1);
        assert!((k.integral(0.0, 0.1) - paper.integral(0.0, 0.1)).abs() < 1e-14);
        let k = MemoryKernel::power_with(0.5, PowerScale::Mass(Some(3.0)))
            .unwrap()
            .resolve(&paper, 0.1);
        assert!((k.integral(0.0, 3.0) - paper.integral(0.0, 3.0)).abs() < 1e-14);
    }
}
