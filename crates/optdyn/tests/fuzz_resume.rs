//! Fuzzes `sweep --resume` on damaged output: a small sweep is run once, uninterrupted; each
//! case copies its output directory, damages the copy (truncation, bytes replaced or inserted at
//! random offsets, garbage appended, a file deleted, a line duplicated — in any of its files,
//! whatever the on-disk format is) and resumes the sweep there.
//!
//! Property: resuming never panics, and either fails with a one-line error or leaves a results
//! file byte-identical to the uninterrupted run's. A silent edit of a metric's digits (a row
//! that stays well-formed) must be caught by the per-chunk checksums:
//! `silent_digit_edits_are_detected`.
//!
//! Longer run: `OPTDYN_FUZZ_CASES=2000 cargo test -p optdyn --release --test fuzz_resume`.

#[path = "common/fuzz.rs"]
mod fuzz;

use optdyn::analysis::sweep::{
    Engine, Metric, MetricOptions, Shard, Summary, SweepJob, SweepSpec, TolOn,
};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A 24-point sweep (6 learning rates × 4 momenta, `beta1 = 1` rejected as invalid rows) of
/// Adam on `rosen1d`, 30 steps each, in chunks from 2 points up.
fn sweep(dir: &Path, resume: bool) -> optdyn::Result<Summary> {
    let job = SweepJob::new(SweepSpec {
        objective: "rosen1d".into(),
        x0: vec![0.5],
        optimizer: "adam".into(),
        model: None,
        integrator: "rk4".into(),
        grid: "lr=1e-3:1:6:log,beta1=0;0.5;0.9;1".into(),
        sample: None,
        metrics: Metric::parse_list("final_x,final_loss,diverged,steps_to_tol,max_update")?,
        options: MetricOptions {
            steps: 30,
            tol: 1e-3,
            tol_on: TolOn::Grad,
            max_abs: 1e3,
            max_loss: 1e200,
        },
    })?;
    job.execute(
        dir.to_path_buf(),
        Shard::WHOLE,
        resume,
        2,
        Engine::Auto,
        &mut |_, _| {},
    )
}

/// The uninterrupted run: every file it wrote (relative path, bytes, in path order) and which
/// of them is the results file.
struct Reference {
    files: Vec<(PathBuf, Vec<u8>)>,
    results: PathBuf,
}

fn files_under(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("read output directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files_under(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            out.push((rel, std::fs::read(&path).expect("read output file")));
        }
    }
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let s = sweep(dir.path(), false).expect("uninterrupted sweep");
        let results = s.path.strip_prefix(dir.path()).expect("results in out dir");
        let mut files = Vec::new();
        files_under(dir.path(), dir.path(), &mut files);
        files.sort();
        Reference {
            results: results.to_path_buf(),
            files,
        }
    })
}

/// Bytes that can never extend or form a number, a status or a header name: damage made of
/// them cannot turn into a different well-formed row.
const HOSTILE: &[u8] = b"#@!\"'\\ \t\r\0\x7f;:|{}[]<>?~`\x80\xbf\xc3\xef\xfe\xff";

/// A damage to one file of the copy (files picked by index in path order).
#[derive(Debug, Clone)]
enum Damage {
    Truncate(Index, Index),
    Replace(Index, Index, u8),
    Insert(Index, Index, Vec<u8>),
    Append(Index, Vec<u8>),
    Delete(Index),
    DuplicateLine(Index, Index),
}

/// Garbage: hostile bytes, commas and newlines.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![4 => select(HOSTILE), 1 => Just(b','), 1 => Just(b'\n')];
    prop::collection::vec(byte, 1..40)
}

fn damage() -> impl Strategy<Value = Damage> {
    let (file, at) = (any::<Index>(), any::<Index>());
    prop_oneof![
        (file.clone(), at.clone()).prop_map(|(f, a)| Damage::Truncate(f, a)),
        (file.clone(), at.clone(), select(HOSTILE)).prop_map(|(f, a, b)| Damage::Replace(f, a, b)),
        (file.clone(), at.clone(), garbage()).prop_map(|(f, a, g)| Damage::Insert(f, a, g)),
        (file.clone(), garbage()).prop_map(|(f, g)| Damage::Append(f, g)),
        file.clone().prop_map(Damage::Delete),
        (file, at).prop_map(|(f, a)| Damage::DuplicateLine(f, a)),
    ]
}

/// Applies `d` to the file of `dir` it picks (a damage to a deleted file does nothing).
fn apply(dir: &Path, files: &[PathBuf], d: &Damage) {
    let (Damage::Truncate(f, _)
    | Damage::Replace(f, ..)
    | Damage::Insert(f, ..)
    | Damage::Append(f, _)
    | Damage::Delete(f)
    | Damage::DuplicateLine(f, _)) = d;
    let path = dir.join(&files[f.index(files.len())]);
    let Ok(mut bytes) = std::fs::read(&path) else {
        return;
    };
    let len = bytes.len();
    match d {
        Damage::Truncate(_, at) => bytes.truncate(at.index(len + 1)),
        Damage::Replace(_, at, b) if len > 0 => bytes[at.index(len)] = *b,
        Damage::Replace(..) => {}
        Damage::Insert(_, at, g) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, g.iter().copied());
        }
        Damage::Append(_, g) => bytes.extend_from_slice(g),
        Damage::Delete(_) => {
            std::fs::remove_file(&path).expect("delete");
            return;
        }
        Damage::DuplicateLine(_, at) => {
            let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
            if lines.is_empty() {
                return;
            }
            let i = at.index(lines.len());
            let mut out = Vec::with_capacity(len + lines[i].len());
            for (j, line) in lines.iter().enumerate() {
                out.extend_from_slice(line);
                if j == i {
                    out.extend_from_slice(line);
                }
            }
            bytes = out;
        }
    }
    std::fs::write(&path, bytes).expect("write damaged file");
}

/// Copies the reference run into a fresh directory, lets `damage` change it, resumes there and
/// checks the property.
fn resume_after(damage: impl FnOnce(&Path, &[PathBuf])) -> Result<(), TestCaseError> {
    let r = reference();
    let dir = tempfile::tempdir().expect("temporary directory");
    for (rel, bytes) in &r.files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create directory");
        std::fs::write(path, bytes).expect("copy reference file");
    }
    let names: Vec<PathBuf> = r.files.iter().map(|(p, _)| p.clone()).collect();
    damage(dir.path(), &names);
    match sweep(dir.path(), true) {
        Err(e) => fuzz::one_line(&e, "resume")?,
        Ok(_) => {
            let want = &r
                .files
                .iter()
                .find(|(p, _)| *p == r.results)
                .expect("results")
                .1;
            let got = std::fs::read(dir.path().join(&r.results)).expect("results file");
            prop_assert!(
                &got == want,
                "resumed results differ:\n{}\nexpected:\n{}",
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(want)
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(64))]

    #[test]
    fn resume_after_damage_restores_or_refuses(damages in prop::collection::vec(damage(), 1..4)) {
        resume_after(|dir, files| {
            for d in &damages {
                apply(dir, files, d);
            }
        })?;
    }

    /// A digit of the results file replaced by another digit keeps its row well-formed; the
    /// per-chunk checksums must catch it (an error), never keep it.
    #[test]
    fn silent_digit_edits_are_detected(at in any::<Index>(), shift in 1..10u8) {
        let results = reference().results.clone();
        resume_after(|dir, _| {
            let path = dir.join(&results);
            let mut bytes = std::fs::read(&path).expect("results file");
            let digits: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_digit()).collect();
            let i = digits[at.index(digits.len())];
            bytes[i] = b'0' + (bytes[i] - b'0' + shift) % 10;
            std::fs::write(&path, bytes).expect("write edited results");
        })?;
    }
}
