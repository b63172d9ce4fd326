//! Fuzzes the CSV loader of the data objectives (`objective/data/datasets.rs::read_csv`, reached
//! through `lsq:data=csv:PATH` and `logistic:data=csv:PATH`) with random bytes, damaged CSV
//! (invalid UTF-8, ragged rows, NaN, huge and quoted fields, BOM, CR and CRLF line ends,
//! truncation) and well-formed CSV written in every accepted way.
//!
//! Properties: nothing panics; an error is one non-empty line; a loaded data set is consistent
//! (`n ≥ 1` rows of `d` finite inputs and one finite target) and its objective evaluates; a
//! well-formed file loads exactly the numbers written, row by row.
//!
//! Longer run: `OPTDYN_FUZZ_CASES=100000 cargo test -p optdyn --release --test fuzz_csv`.

#[path = "common/fuzz.rs"]
mod fuzz;

use optdyn::objective::data::datasets::{read_csv, Dataset};
use optdyn::objective::{self, Objective};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use std::io::Write;

/// Writes `bytes` to a fresh temporary file (removed when the handle drops).
fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temporary file");
    f.write_all(bytes).expect("write temporary file");
    f
}

/// Evaluates a loaded objective at a point (skipped above 1000 parameters).
fn exercise(f: &dyn Objective) {
    let n = f.dim();
    if n > 1000 {
        return;
    }
    let x = vec![0.25; n];
    let mut g = vec![0.0; n];
    f.value(&x);
    f.value_gradient(&x, &mut g);
}

/// Loads `bytes` directly and through the `lsq` and `logistic` specs.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let f = file(bytes);
    let shown = String::from_utf8_lossy(bytes).into_owned();
    match read_csv(f.path()) {
        Ok(d) => consistent(&d, &shown)?,
        Err(e) => fuzz::one_line(&e, &shown)?,
    }
    for name in ["lsq", "logistic"] {
        let spec = format!("{name}:data=csv:{}", f.path().display());
        match objective::parse(&spec, 0) {
            Ok(o) => exercise(o.as_ref()),
            Err(e) => fuzz::one_line(&e, &shown)?,
        }
    }
    Ok(())
}

fn consistent(d: &Dataset, shown: &str) -> Result<(), TestCaseError> {
    prop_assert!(d.n >= 1 && d.d >= 1 && d.k == 1, "{shown:?}: {d:?}");
    prop_assert_eq!(d.x.len(), d.n * d.d);
    prop_assert_eq!(d.y.len(), d.n * d.k);
    prop_assert!(d.x.iter().chain(&d.y).all(|v| v.is_finite()), "{shown:?}");
    Ok(())
}

/// A finite number: awkward values or any finite `f64`.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        select(
            &[
                0.0,
                -0.0,
                1.0,
                -1.0,
                0.5,
                2.0,
                1e308,
                -1e308,
                5e-324,
                f64::MAX
            ][..]
        ),
        -1e3..1e3f64,
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
    ]
}

/// A table of `rows × cols` finite numbers (`cols ≥ 2`: inputs then the target).
fn table() -> impl Strategy<Value = Vec<Vec<f64>>> {
    (1..20usize, 2..6usize).prop_flat_map(|(rows, cols)| {
        prop::collection::vec(prop::collection::vec(number(), cols), rows)
    })
}

/// How a well-formed file is written.
#[derive(Debug, Clone)]
struct Layout {
    header: bool,
    bom: bool,
    crlf: bool,
    trailing_newline: bool,
    padded: bool,
    /// Blank or comment lines, inserted before the row of the given index.
    extra: Vec<(Index, &'static str)>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        any::<[bool; 5]>(),
        prop::collection::vec(
            (
                any::<Index>(),
                select(&["", "   ", "# a comment", "#1,2,3"][..]),
            ),
            0..3,
        ),
    )
        .prop_map(
            |([header, bom, crlf, trailing_newline, padded], extra)| Layout {
                header,
                bom,
                crlf,
                trailing_newline,
                padded,
                extra,
            },
        )
}

fn write(t: &[Vec<f64>], l: &Layout) -> Vec<u8> {
    let mut lines: Vec<String> = t
        .iter()
        .map(|row| {
            let sep = if l.padded { " , " } else { "," };
            row.iter().map(f64::to_string).collect::<Vec<_>>().join(sep)
        })
        .collect();
    for (at, text) in &l.extra {
        lines.insert(at.index(lines.len() + 1), text.to_string());
    }
    if l.header {
        let cols = t[0].len();
        let mut names: Vec<String> = (1..cols).map(|i| format!("x{i}")).collect();
        names.push("y".into());
        lines.insert(0, names.join(","));
    }
    let end = if l.crlf { "\r\n" } else { "\n" };
    let mut text = lines.join(end);
    if l.trailing_newline {
        text.push_str(end);
    }
    if l.bom {
        text.insert(0, '\u{feff}');
    }
    text.into_bytes()
}

/// Bytes a damage inserts: invalid or partial UTF-8, a BOM, quotes, separators, line ends,
/// control characters, non-finite and malformed numbers, a Unicode line separator.
const PIECES: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\"",
    b"\"1,2\"",
    b",",
    b",,",
    b"\n",
    b"\r",
    b"\r\n",
    b"#",
    b" ",
    b"\t",
    b"\0",
    b"NaN",
    b"nan",
    b"inf",
    b"-inf",
    b"1e999",
    b"1e308",
    b"-0",
    b"0x1",
    b"1_0",
    b"\xe2\x80\xa8",
];

/// A damage to CSV bytes.
#[derive(Debug, Clone)]
enum Damage {
    Insert(Index, &'static [u8]),
    Delete(Index, usize),
    Truncate(Index),
    Replace(Index, u8),
    DuplicateLine(Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    let piece = select(PIECES);
    prop_oneof![
        3 => (any::<Index>(), piece).prop_map(|(i, p)| Damage::Insert(i, p)),
        1 => (any::<Index>(), 1..8usize).prop_map(|(i, n)| Damage::Delete(i, n)),
        1 => any::<Index>().prop_map(Damage::Truncate),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Replace(i, b)),
        1 => any::<Index>().prop_map(Damage::DuplicateLine),
    ]
}

fn apply(bytes: &mut Vec<u8>, d: &Damage) {
    let len = bytes.len();
    match d {
        Damage::Insert(at, p) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, p.iter().copied());
        }
        Damage::Delete(at, n) => {
            let at = at.index(len + 1);
            bytes.drain(at..(at + n).min(len));
        }
        Damage::Truncate(at) => bytes.truncate(at.index(len + 1)),
        Damage::Replace(at, b) if len > 0 => bytes[at.index(len)] = *b,
        Damage::Replace(..) => {}
        Damage::DuplicateLine(at) => {
            let starts: Vec<usize> = std::iter::once(0)
                .chain(
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .filter(|&i| i < len)
                .collect();
            if starts.is_empty() {
                return;
            }
            let s = starts[at.index(starts.len())];
            let e = bytes[s..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(len, |p| s + p + 1);
            let line = bytes[s..e].to_vec();
            bytes.splice(e..e, line);
        }
    }
}

proptest! {
    #![proptest_config(fuzz::config(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes)?;
    }

    #[test]
    fn damaged_files_never_panic(
        t in table(),
        l in layout(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut bytes = write(&t, &l);
        for d in &damages {
            apply(&mut bytes, d);
        }
        check(&bytes)?;
    }

    #[test]
    fn well_formed_files_load_exactly(t in table(), l in layout()) {
        let bytes = write(&t, &l);
        let f = file(&bytes);
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        let d = read_csv(f.path()).map_err(|e| TestCaseError::fail(format!("{shown:?}: {e}")))?;
        let cols = t[0].len();
        prop_assert_eq!((d.n, d.d), (t.len(), cols - 1), "{:?}", shown);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let x: Vec<f64> = t.iter().flat_map(|r| r[..cols - 1].to_vec()).collect();
        let y: Vec<f64> = t.iter().map(|r| r[cols - 1]).collect();
        prop_assert_eq!(bits(&d.x), bits(&x), "{:?}", shown);
        prop_assert_eq!(bits(&d.y), bits(&y), "{:?}", shown);
        let spec = format!("lsq:data=csv:{}", f.path().display());
        let o = objective::parse(&spec, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(o.dim(), cols - 1);
        exercise(o.as_ref());
    }
}

/// Findings of this suite, each an exact input that failed before its fix in `datasets.rs`.
#[test]
fn regressions() {
    // A carriage return inside a row reached the error verbatim (two lines).
    let f = file(b"1,2\n3\r4,5\n");
    let e = read_csv(f.path()).unwrap_err().to_string();
    assert!(
        e.ends_with("line 2: '3\\r4,5' is not a row of numbers"),
        "{e}"
    );
    // A byte-order mark made the first row a header: "\u{feff}0,0" had no data rows, and
    // "\u{feff}1,2\n3,4" lost its first row.
    let f = file("\u{feff}0,0".as_bytes());
    assert_eq!(read_csv(f.path()).unwrap().n, 1);
    let f = file("\u{feff}1,2\n3,4\n".as_bytes());
    let d = read_csv(f.path()).unwrap();
    assert_eq!(
        (d.n, d.x.as_slice(), d.y.as_slice()),
        (2, &[1.0, 3.0][..], &[2.0, 4.0][..])
    );
    // Inputs whose squares overflow: the least-squares SVD behind `lsq`'s f* had NaN singular
    // values and nalgebra panicked ("Singular value was NaN").
    let f = file(
        b"x1,x2,x3,x4,y
0,0,0,0,0
0,0,0,-6.64282163902888e147,0
0,0,0,0,0
0,0,0,1e308,0
",
    );
    let o = objective::parse(&format!("lsq:data=csv:{}", f.path().display()), 0).unwrap();
    assert_eq!((o.dim(), o.min_value()), (4, None));
}
