//! Parsers of option values that clap's defaults get wrong for a scientific tool: counts written
//! as `1e7`, floats that must not be NaN, thread counts with a sane bound. Each returns the
//! message clap prints after "invalid value 'X' for '--opt'".

/// A count: a non-negative integer, also in scientific notation when exact (`1e7`, `2.5e3`).
pub fn count(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    match t.parse::<f64>() {
        Ok(x) if x >= 0.0 && x.fract() == 0.0 && x <= 9.007_199_254_740_992e15 => Ok(x as u64),
        Ok(x) if x.is_finite() && x >= 0.0 && x.fract() != 0.0 => {
            Err(format!("must be a whole number, got {x}"))
        }
        _ => Err("must be a whole number in 0..=2^53 (e.g. 1000 or 1e7)".to_string()),
    }
}

/// [`count`] as a `usize`.
pub fn count_usize(text: &str) -> Result<usize, String> {
    let n = count(text)?;
    usize::try_from(n).map_err(|_| format!("must be at most {}", usize::MAX))
}

/// A positive count (`--chunk`, `--every`).
pub fn positive_count(text: &str) -> Result<u64, String> {
    match count(text)? {
        0 => Err("must be at least 1".to_string()),
        n => Ok(n),
    }
}

/// [`positive_count`] as a `usize`.
pub fn positive_count_usize(text: &str) -> Result<usize, String> {
    let n = positive_count(text)?;
    usize::try_from(n).map_err(|_| format!("must be at most {}", usize::MAX))
}

/// The most worker threads accepted: four per core, at least 64.
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (4 * cores).max(64)
}

/// A worker-thread count in `1..=max_threads()`.
pub fn threads(text: &str) -> Result<usize, String> {
    let n = positive_count_usize(text)?;
    let max = max_threads();
    if n > max {
        return Err(format!(
            "must be between 1 and {max} (four per core, at least 64), got {n}"
        ));
    }
    Ok(n)
}

/// A float that is not NaN (±∞ allowed: a bound of `inf` means none).
pub fn number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_nan() => Err("must be a number, got NaN".to_string()),
        Ok(x) => Ok(x),
        Err(_) => Err("must be a number (e.g. 1e-8)".to_string()),
    }
}

/// A finite float.
pub fn finite(text: &str) -> Result<f64, String> {
    match number(text)? {
        x if x.is_finite() => Ok(x),
        _ => Err("must be finite".to_string()),
    }
}

/// A float `≥ 0` (∞ allowed).
pub fn non_negative(text: &str) -> Result<f64, String> {
    match number(text)? {
        x if x >= 0.0 => Ok(x),
        x => Err(format!("must be >= 0, got {x}")),
    }
}

/// A float `> 0` (∞ allowed).
pub fn positive(text: &str) -> Result<f64, String> {
    match number(text)? {
        x if x > 0.0 => Ok(x),
        x => Err(format!("must be > 0, got {x}")),
    }
}

/// A finite float `> 0`.
pub fn positive_finite(text: &str) -> Result<f64, String> {
    match positive(text)? {
        x if x.is_finite() => Ok(x),
        _ => Err("must be finite".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accept_exact_scientific_notation_only() {
        assert_eq!(count("1000"), Ok(1000));
        assert_eq!(count("1e7"), Ok(10_000_000));
        assert_eq!(count("2.5e3"), Ok(2500));
        assert_eq!(count(" 0 "), Ok(0));
        for bad in ["1.5", "-1", "1e300", "nan", "inf", "", "1e7x", "0x10"] {
            let e = count(bad).unwrap_err();
            assert!(e.starts_with("must be"), "{bad}: {e}");
        }
        assert!(positive_count("0").is_err());
        assert!(threads("1000000000").unwrap_err().contains("between 1 and"));
        assert!(threads("0").is_err());
        assert_eq!(threads("2"), Ok(2));
    }

    #[test]
    fn floats_refuse_nan_and_check_sign() {
        assert!(number("nan").unwrap_err().contains("NaN"));
        assert!(number("NaN").is_err());
        assert_eq!(number("inf"), Ok(f64::INFINITY));
        assert!(finite("inf").is_err());
        assert!(non_negative("-1e-3").is_err());
        assert_eq!(non_negative("0"), Ok(0.0));
        assert!(positive("0").is_err());
        assert!(positive_finite("-inf").is_err());
        assert_eq!(positive("1e200"), Ok(1e200));
    }
}
