//! Memory budgets: requests whose working set cannot fit are refused up front with a one-line
//! error that states the estimate and the limit, instead of aborting in the allocator (or being
//! killed) minutes later.
//!
//! The limit is the smallest of 80 % of the machine's memory (`MemTotal` in `/proc/meminfo`),
//! 80 % of the process's address-space and data limits (`ulimit -v`, `ulimit -d`, from
//! `/proc/self/limits`), and `OPTDYN_MEMORY_LIMIT` (bytes, when set). Where `/proc` is missing
//! the limit is the environment variable's, or none.

use crate::{Error, Result};

fn proc_limit(name: &str) -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

fn mem_total() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// The budget in bytes for one request's working set (module doc), `∞` when unknown.
pub fn limit() -> f64 {
    let mut l = f64::INFINITY;
    for v in [
        mem_total(),
        proc_limit("Max address space"),
        proc_limit("Max data size"),
    ]
    .into_iter()
    .flatten()
    {
        l = l.min(0.8 * v);
    }
    if let Some(v) = std::env::var("OPTDYN_MEMORY_LIMIT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0)
    {
        l = l.min(v);
    }
    l
}

fn human(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

/// `Ok` when `bytes` (an estimate; a non-finite one never fits) fits the [`limit`], else the
/// error `what needs about X GB, more than the limit of Y GB (hint)`.
pub fn check(what: &str, bytes: f64, hint: &str) -> Result<()> {
    let l = limit();
    if bytes.is_finite() && bytes <= l {
        return Ok(());
    }
    let need = if bytes.is_finite() {
        format!("about {}", human(bytes))
    } else {
        "more memory than can be counted".to_string()
    };
    Err(Error::spec(format!(
        "{what} needs {need}, more than the limit of {} ({hint})",
        human(l)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_cannot_fit_in_one_line() {
        assert!(check("a small table", 1e3, "").is_ok());
        let e = check("a grid of 1e18 points", 8e18, "use fewer points")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "a grid of 1e18 points needs about 8000000000.0 GB, more than the limit of"
            ),
            "{e}"
        );
        assert!(
            e.ends_with("(use fewer points)") && !e.contains('\n'),
            "{e}"
        );
        assert!(check("x", f64::INFINITY, "h").is_err());
        assert!(limit() > 1e8, "at least 100 MB on a test machine");
    }
}
