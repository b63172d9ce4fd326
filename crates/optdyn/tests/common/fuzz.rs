//! Shared settings of the fuzz suites (`tests/fuzz_*.rs`), included by each with
//! `#[path = "common/fuzz.rs"] mod fuzz;`: the number of cases and the one-line error check.
//!
//! `OPTDYN_FUZZ_CASES=N` overrides every suite's default number of cases, e.g.
//! `OPTDYN_FUZZ_CASES=100000 cargo test -p optdyn --release --test fuzz_spec`.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Proptest settings: `OPTDYN_FUZZ_CASES` cases (else `default`), and no failure-persistence
/// files written into the source tree.
pub fn config(default: u32) -> Config {
    let cases = std::env::var("OPTDYN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Fails the case unless `e` renders as one non-empty line (no `\n`, no `\r`).
pub fn one_line(e: &optdyn::Error, input: &str) -> Result<(), TestCaseError> {
    let msg = e.to_string();
    prop_assert!(!msg.is_empty(), "empty error for input {input:?}");
    prop_assert!(
        !msg.contains(['\n', '\r']),
        "multi-line error {msg:?} for input {input:?}"
    );
    Ok(())
}
