//! Fuzzes the range grammar (`optdyn::range`): `parse`, `parse_values` (discrete and sampled)
//! and the `Values` accessors `count`, `at`, `at_unit`.
//!
//! Properties: random text never panics and fails with a one-line error; whatever parses
//! expands to finite values; generated valid ranges `lo:hi:count[:log]` expand to `count`
//! values with both ends exact, monotone, positive for log ranges; lists keep their values and
//! order; sampled intervals map `[0, 1)` into `[lo, hi]`.
//!
//! Longer run: `OPTDYN_FUZZ_CASES=100000 cargo test -p optdyn --release --test fuzz_range`.

#[path = "common/fuzz.rs"]
mod fuzz;

use optdyn::range::{parse, parse_values, Values};
use proptest::prelude::*;
use proptest::sample::select;

/// Expansions larger than this are only parsed, not expanded.
const MAX_EXPAND: u64 = 100_000;

fn random() -> impl Strategy<Value = String> {
    let piece = select(
        &[
            "0",
            "1",
            "-1",
            "0.5",
            "3",
            "1e308",
            "-1e308",
            "1e-308",
            "5e-324",
            "1e999",
            "nan",
            "inf",
            "-inf",
            "0x1",
            "18446744073709551615",
            "18446744073709551616",
            "log",
            "LOG",
            ":",
            ";",
            ",",
            " ",
            "\n",
            "\r",
            "\t",
            "\0",
            "é",
            "-",
            "+",
            ".",
        ][..],
    );
    prop_oneof![
        4 => prop::collection::vec(piece, 0..12).prop_map(|v| v.concat()),
        1 => any::<String>(),
        1 => r"[0-9:;,.e\-+ log]{0,24}",
    ]
}

/// A finite endpoint: awkward magnitudes, or uniform in a moderate range.
fn end() -> impl Strategy<Value = f64> {
    prop_oneof![
        select(
            &[
                0.0,
                -0.0,
                1.0,
                -1.0,
                1e308,
                -1e308,
                f64::MAX,
                f64::MIN,
                5e-324,
                1e-300
            ][..]
        ),
        -1e6..1e6f64,
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
    ]
}

fn positive_end() -> impl Strategy<Value = f64> {
    prop_oneof![
        select(&[1.0, 1e308, f64::MAX, 5e-324, f64::MIN_POSITIVE, 1e-300][..]),
        1e-6..1e6f64,
        any::<f64>().prop_filter("finite, positive", |x| x.is_finite() && *x > 0.0),
    ]
}

/// Two ends: independent, equal, or up to 20000 units in the last place apart.
fn ends<S: Strategy<Value = f64>>(one: fn() -> S) -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        (one(), one()),
        one().prop_map(|x| (x, x)),
        (one(), -20_000..=20_000i64).prop_map(|(x, k)| {
            let y = f64::from_bits(x.to_bits().wrapping_add_signed(k));
            (x, if y.is_finite() && y * x > 0.0 { y } else { x })
        }),
    ]
}

/// Values in order (non-decreasing when `lo <= hi`, else non-increasing).
fn monotone(v: &[f64], up: bool) -> bool {
    v.windows(2)
        .all(|w| if up { w[0] <= w[1] } else { w[0] >= w[1] })
}

fn check_expanded(text: &str, v: &[f64]) -> Result<(), TestCaseError> {
    prop_assert!(v.iter().all(|x| x.is_finite()), "{text:?} -> {v:?}");
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(1024))]

    #[test]
    fn random_text_never_panics(text in random(), u in 0.0..1.0f64) {
        for sampled in [false, true] {
            match parse_values("--xs", &text, sampled) {
                Err(e) => fuzz::one_line(&e, &text)?,
                Ok(v @ Values::Interval { .. }) => {
                    let x = v.at_unit(u);
                    prop_assert!(x.is_finite(), "{text:?} at {u} -> {x}");
                }
                Ok(v) => {
                    let n = v.count().unwrap_or(0);
                    prop_assert!(n >= 1);
                    if n <= MAX_EXPAND {
                        let all: Vec<f64> = (0..n).map(|i| v.at(i)).collect();
                        check_expanded(&text, &all)?;
                        check_expanded(&text, &[v.at_unit(u)])?;
                    }
                }
            }
        }
        let huge = parse_values("--xs", &text, false)
            .is_ok_and(|v| v.count().is_some_and(|n| n > MAX_EXPAND));
        if !huge {
            match parse("--xs", &text) {
                Ok(v) => check_expanded(&text, &v)?,
                Err(e) => fuzz::one_line(&e, &text)?,
            }
        }
    }

    #[test]
    fn linear_ranges_expand_exactly((lo, hi) in ends(end), count in 2..500u64) {
        let text = format!("{lo}:{hi}:{count}");
        let v = parse("--xs", &text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(v.len() as u64, count);
        prop_assert_eq!(v[0].to_bits(), lo.to_bits(), "{}", text);
        prop_assert_eq!(v[v.len() - 1].to_bits(), hi.to_bits(), "{}", text);
        check_expanded(&text, &v)?;
        prop_assert!(monotone(&v, lo <= hi), "{} not monotone: {:?}", text, v);
    }

    #[test]
    fn log_ranges_expand_exactly((lo, hi) in ends(positive_end), count in 2..500u64) {
        let text = format!("{lo}:{hi}:{count}:log");
        let v = parse("--lrs", &text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(v.len() as u64, count);
        prop_assert_eq!(v[0].to_bits(), lo.to_bits(), "{}", text);
        prop_assert_eq!(v[v.len() - 1].to_bits(), hi.to_bits(), "{}", text);
        prop_assert!(v.iter().all(|x| x.is_finite() && *x > 0.0), "{} -> {:?}", text, v);
        prop_assert!(monotone(&v, lo <= hi), "{} not monotone: {:?}", text, v);
    }

    #[test]
    fn single_values_and_lists_are_kept(
        xs in prop::collection::vec(end(), 1..20),
        comma in any::<bool>(),
    ) {
        let text = xs.iter().map(f64::to_string).collect::<Vec<_>>().join(if comma { "," } else { ";" });
        let v = parse("--lrs", &text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        let one = format!("{}:{}:1", xs[0], xs[0]);
        prop_assert_eq!(parse("--xs", &one).map_err(|e| TestCaseError::fail(e.to_string()))?, vec![xs[0]]);
    }

    #[test]
    fn sampled_intervals_stay_inside((lo, hi) in ends(end), u in 0.0..1.0f64) {
        let text = format!("{lo}:{hi}");
        let v = parse_values("--grid: x0", &text, true)
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(v.count(), None);
        let x = v.at_unit(u);
        prop_assert!(
            x.is_finite() && x >= lo.min(hi) && x <= lo.max(hi),
            "{} at {} -> {}", text, u, x
        );
    }

    #[test]
    fn sampled_log_intervals_stay_inside((lo, hi) in ends(positive_end), u in 0.0..1.0f64) {
        let text = format!("{lo}:{hi}:log");
        let v = parse_values("--grid: lr", &text, true)
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let x = v.at_unit(u);
        prop_assert!(
            x.is_finite() && x > 0.0,
            "{} at {} -> {}", text, u, x
        );
    }
}

/// Findings of this suite, each an exact input that failed before its fix in `range.rs`.
#[test]
fn regressions() {
    // A control character in the text reached the error verbatim (two lines).
    let e = parse("--xs", "0\n0").unwrap_err().to_string();
    assert_eq!(e, "--xs must be a number, got '0\\n0'");
    // Equal ends of a log range: the middle value was exp(ln MAX) = 1.7976931348622732e308.
    let max = f64::MAX;
    assert_eq!(
        parse("--lrs", &format!("{max}:{max}:3:log")).unwrap(),
        [max; 3]
    );
    // Ends an ulp apart: lo·(1−s) + hi·s stepped back and forth between them.
    let v = parse("--xs", "296830.6885523501:296830.68855235004:17").unwrap();
    assert!(monotone(&v, false), "{v:?}");
    // The upper end -0 came out as +0.
    let v = parse("--xs", "1:-0:2").unwrap();
    assert_eq!(v[1].to_bits(), (-0.0f64).to_bits());
    // hi − lo overflowed: a sampled point of MAX:-1e308 was NaN.
    let v = parse_values("--grid: x0", &format!("{max}:-1e308"), true).unwrap();
    assert_eq!(v.at_unit(0.0), max);
    assert!(v.at_unit(0.5).is_finite());
}
