//! The 8×8 handwritten digits (`data=digits`): 1797 images of 64 pixels, 10 classes — the test
//! set of the UCI "Optical Recognition of Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998,
//! doi:10.24432/C50P49, CC BY 4.0), as bundled with scikit-learn, embedded in the library
//! (`crates/optdyn/data/digits.csv.gz`, see the README next to it).
//!
//! Inputs are the pixel counts `0..16` divided by 16 (so in `[0, 1]`); targets are the class
//! labels `0..9`. [`split`] gives a deterministic stratified train/test split.

use super::{datasets, Dataset};
use crate::{Error, Result};
use rand::Rng;
use std::io::Read;

/// The gzip-compressed CSV: 1797 rows of 64 pixel counts then the label.
const GZ: &[u8] = include_bytes!("../../../data/digits.csv.gz");

/// Samples in the data set.
pub const ROWS: usize = 1797;
/// Pixels per image (8 × 8).
pub const PIXELS: usize = 64;
/// Classes (the digits 0–9).
pub const CLASSES: usize = 10;

/// Which part of the data an objective trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The training part of the split.
    Train,
    /// The held-out test part.
    Test,
    /// All 1797 samples.
    All,
}

impl Part {
    /// Parses `train | test | all`.
    pub fn parse(who: &str, s: &str) -> Result<Part> {
        match s {
            "train" => Ok(Part::Train),
            "test" => Ok(Part::Test),
            "all" => Ok(Part::All),
            _ => Err(Error::spec(format!(
                "{who}: split must be train, test or all, got '{}'",
                crate::spec::printable(s)
            ))),
        }
    }
}

/// The whole data set, pixels scaled by 1/16. Fails only if the embedded file is corrupt.
pub fn load() -> Result<Dataset> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(GZ)
        .read_to_string(&mut text)
        .map_err(|e| Error::numerical(format!("digits: embedded data unreadable: {e}")))?;
    let mut x = Vec::with_capacity(ROWS * PIXELS);
    let mut y = Vec::with_capacity(ROWS);
    for (ln, line) in text.lines().enumerate() {
        let bad = || Error::numerical(format!("digits: embedded data, line {}: malformed", ln + 1));
        let vals: Vec<u8> = line
            .split(',')
            .map(|f| f.trim().parse::<u8>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad())?;
        if vals.len() != PIXELS + 1
            || vals[..PIXELS].iter().any(|&p| p > 16)
            || vals[PIXELS] as usize >= CLASSES
        {
            return Err(bad());
        }
        x.extend(vals[..PIXELS].iter().map(|&p| f64::from(p) / 16.0));
        y.push(f64::from(vals[PIXELS]));
    }
    if y.len() != ROWS {
        return Err(Error::numerical(format!(
            "digits: embedded data has {} rows, expected {ROWS}",
            y.len()
        )));
    }
    Ok(Dataset {
        n: ROWS,
        d: PIXELS,
        k: 1,
        x,
        y,
        classes: Some(CLASSES),
    })
}

/// Indices of the test part: per class `c` with `n_c` samples, `round(test_frac·n_c)` of them
/// chosen by a Fisher–Yates shuffle of the class's indices from the ChaCha8 stream
/// `(split_seed, 9)`; returned in increasing order. `test_frac` must lie in `[0, 1]`.
pub fn test_indices(d: &Dataset, test_frac: f64, split_seed: u64) -> Vec<usize> {
    let classes = d.classes.unwrap_or(1);
    let mut r = datasets::rng(split_seed, 9);
    let mut out = Vec::new();
    for c in 0..classes {
        let mut idx: Vec<usize> = (0..d.n).filter(|&i| d.y[i] as usize == c).collect();
        for i in (1..idx.len()).rev() {
            let j = r.random_range(0..=i);
            idx.swap(i, j);
        }
        let take = (test_frac * idx.len() as f64).round() as usize;
        out.extend_from_slice(&idx[..take.min(idx.len())]);
    }
    out.sort_unstable();
    out
}

/// The rows `idx` of `d`, in that order.
pub fn subset(d: &Dataset, idx: &[usize]) -> Dataset {
    let mut x = Vec::with_capacity(idx.len() * d.d);
    let mut y = Vec::with_capacity(idx.len() * d.k);
    for &i in idx {
        x.extend_from_slice(d.row(i));
        y.extend_from_slice(d.target(i));
    }
    Dataset {
        n: idx.len(),
        x,
        y,
        ..d.clone()
    }
}

/// The stratified split of [`test_indices`]: `Part::Test` is the held-out rows, `Part::Train`
/// the rest (both in the file's order), `Part::All` everything. Checks `test_frac ∈ (0, 1)`
/// (for every part, so a spec is valid independently of `split`) and refuses an empty part.
pub fn split(part: Part, test_frac: f64, split_seed: u64) -> Result<Dataset> {
    if !(test_frac > 0.0 && test_frac < 1.0) {
        return Err(Error::spec(format!(
            "mlp: test_frac must lie in (0, 1), got {test_frac}"
        )));
    }
    let d = load()?;
    if part == Part::All {
        return Ok(d);
    }
    let test = test_indices(&d, test_frac, split_seed);
    let idx: Vec<usize> = match part {
        Part::Test => test,
        _ => {
            let mut held = vec![false; d.n];
            test.iter().for_each(|&i| held[i] = true);
            (0..d.n).filter(|&i| !held[i]).collect()
        }
    };
    if idx.is_empty() {
        return Err(Error::spec(format!(
            "mlp: test_frac = {test_frac} leaves the {} part empty",
            if part == Part::Test { "test" } else { "train" }
        )));
    }
    Ok(subset(&d, &idx))
}
