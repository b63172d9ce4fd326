//! Durable sweep output: one CSV per shard with a JSON manifest beside it, appended chunk by
//! chunk and synced, recoverable after `kill -9`, and `merge` of complete shards.
//!
//! File protocol. The manifest (`<csv>.manifest.json`) is written first, atomically; then the
//! CSV with its header, atomically. After that the CSV only grows: each chunk of rows (in index
//! order) is appended and `fsync`ed. A kill at any moment therefore leaves the
//! header, whole rows, and possibly one incomplete last row. [`recover`] keeps the longest prefix
//! of rows that are complete (end in `\n`), have the expected next index, the expected number of
//! fields, and axis values equal to those recomputed from the grid; everything after it is cut
//! off and recomputed. Rows are therefore never lost and never duplicated.
//!
//! Integrity. Every appended chunk also gets a line in the checksum sidecar `<csv>.sums`
//! ([`super::checksum`]): on resume and on merge the rows must match their checksums, so rows
//! edited or damaged after they were written are an error, not silently kept. Only rows past the
//! last checksummed chunk (an append interrupted before its checksum was synced) are discarded
//! and recomputed.
//!
//! Exclusion. A process writing a shard holds an advisory lock on `.<csv>.lock` beside it for
//! as long as it runs; a second `sweep` (or `--resume`) on the same shard is refused in one
//! line naming the holder, so two processes never append to one file.

use super::checksum::{sums_path, verify, Chunk};
use super::grid::Grid;
use super::rows::RowFormat;
use crate::io::{manifest_path, write_atomic, write_json, OutputFile};
use crate::{Error, Result};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A contiguous slice `--shard index --of of` of a grid (0-based `index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard number.
    pub index: u64,
    /// Number of shards.
    pub of: u64,
}

impl Shard {
    /// The whole grid as one shard.
    pub const WHOLE: Shard = Shard { index: 0, of: 1 };

    /// Checks `0 ≤ index < of`.
    pub fn new(index: u64, of: u64) -> Result<Shard> {
        if of == 0 || index >= of {
            return Err(Error::spec(format!(
                "--shard must be in [0, {of}) for --of {of}, got {index}"
            )));
        }
        Ok(Shard { index, of })
    }

    /// The indices of this shard among `total`: `[⌊i·T/N⌋, ⌊(i+1)·T/N⌋)`. Consecutive shards
    /// tile `0..T` exactly, sizes differ by at most one.
    pub fn range(&self, total: u64) -> Range<u64> {
        let at = |i: u64| ((i as u128 * total as u128) / self.of as u128) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// The CSV file name: `results.csv` for a single shard, else `shard-I-of-N.csv` with `I`
    /// zero-padded to the width of `N` (so names sort in shard order).
    pub fn file_name(&self) -> String {
        if self.of == 1 {
            "results.csv".to_string()
        } else {
            let w = self.of.to_string().len();
            format!("shard-{:0w$}-of-{}.csv", self.index, self.of)
        }
    }
}

/// What [`recover`] found in an existing CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The first index not yet written.
    pub next: u64,
    /// Bytes kept (header and valid rows).
    pub keep_bytes: u64,
    /// Bytes discarded after them (rows past the last checksummed chunk, a torn row).
    pub dropped_bytes: u64,
    /// Complete rows among the discarded bytes.
    pub dropped_rows: u64,
}

fn is_valid_field(f: &str) -> bool {
    f.is_empty() || f.parse::<f64>().is_ok() || f == "ok" || f == "invalid"
}

/// Scans CSV text for the longest valid prefix of rows `range.start, range.start+1, …`
/// (see the module docs for what "valid" means).
pub fn scan(text: &[u8], header: &str, grid: &Grid, range: &Range<u64>) -> Result<Recovered> {
    let total = text.len() as u64;
    let head = format!("{header}\n");
    if !text.starts_with(head.as_bytes()) {
        return Err(Error::spec(format!(
            "the results file does not start with the expected header '{header}'"
        )));
    }
    let ncols = header.split(',').count();
    let mut pos = head.len();
    let mut next = range.start;
    let rows = RowFormat::new(grid, &[], 0);
    let mut vals = vec![0.0; grid.axes.len()];
    let mut prefix = String::new();
    while next < range.end {
        let Some(nl) = text[pos..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let Ok(line) = std::str::from_utf8(&text[pos..pos + nl]) else {
            break;
        };
        prefix.clear();
        rows.prefix(next, &mut vals, &mut prefix);
        let ok = line.split(',').count() == ncols
            && line.starts_with(prefix.as_str())
            && line.as_bytes().get(prefix.len()) == Some(&b',')
            && line[prefix.len() + 1..].split(',').all(is_valid_field)
            && (line.ends_with(",ok") || line.ends_with(",invalid"));
        if !ok {
            break;
        }
        pos += nl + 1;
        next += 1;
    }
    Ok(Recovered {
        next,
        keep_bytes: pos as u64,
        dropped_bytes: total - pos as u64,
        dropped_rows: text[pos..].iter().filter(|&&b| b == b'\n').count() as u64,
    })
}

fn read_all(path: &Path) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut text))
        .map_err(|e| Error::io(path, e))?;
    Ok(text)
}

fn truncate(path: &Path, len: u64) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.set_len(len).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

/// The rows of `text` (a shard CSV) that are vouched for by the checksum sidecar `sums` and
/// are the rows of this grid ([`scan`]); an error if checksummed rows were modified.
fn checked(
    text: &[u8],
    sums: &[u8],
    header: &str,
    grid: &Grid,
    range: &Range<u64>,
    who: &str,
) -> Result<(Recovered, u64)> {
    let head = header.len() as u64 + 1;
    if !text.starts_with(format!("{header}\n").as_bytes()) {
        return Err(Error::spec(format!(
            "{who}: the file does not start with the expected header '{header}'; it was not \
             written by this sweep"
        )));
    }
    let v = verify(text, head, sums, range, who)?;
    let covered = &text[..v.csv_bytes as usize];
    let r = scan(covered, header, grid, range)?;
    if r.next != v.next {
        return Err(Error::spec(format!(
            "{who}: row {} does not match the grid although its checksum does; it was not \
             written by this sweep",
            r.next
        )));
    }
    let rest = &text[v.csv_bytes as usize..];
    Ok((
        Recovered {
            next: v.next,
            keep_bytes: v.csv_bytes,
            dropped_bytes: rest.len() as u64,
            dropped_rows: rest.iter().filter(|&&b| b == b'\n').count() as u64,
        },
        v.sums_bytes,
    ))
}

/// Reads the shard CSV `path` and its checksums, keeps the rows they vouch for, and truncates
/// both files to them (synced). Rows past the last checksummed chunk are discarded (reported in
/// [`Recovered`]); rows that fail their checksum are an error.
pub fn recover(path: &Path, header: &str, grid: &Grid, range: &Range<u64>) -> Result<Recovered> {
    let text = read_all(path)?;
    let spath = sums_path(path);
    if !spath.exists() {
        return Err(Error::spec(format!(
            "{}: its checksum file {} is missing; the shard cannot be verified (remove the \
             shard's files to recompute it)",
            path.display(),
            spath.display()
        )));
    }
    let sums = read_all(&spath)?;
    let (r, sums_len) = checked(
        &text,
        &sums,
        header,
        grid,
        range,
        &path.display().to_string(),
    )?;
    if r.dropped_bytes > 0 {
        truncate(path, r.keep_bytes)?;
    }
    if sums_len < sums.len() as u64 {
        truncate(&spath, sums_len)?;
    }
    Ok(r)
}

/// The first key path where two manifests differ, with both values (for resume errors).
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<(String, String, String)> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &p,
                )
            })
        }
        _ if a == b => None,
        _ => Some((path.to_string(), a.to_string(), b.to_string())),
    }
}

/// An open, append-only results file with its checksum sidecar, held under the shard's lock.
pub struct Appender {
    path: PathBuf,
    file: File,
    sums_path: PathBuf,
    sums: File,
    _lock: File,
}

/// Takes the advisory lock `.<csv>.lock` in `dir` for `shard` (released when the process ends
/// or the returned file is dropped) and records the holder in it; a held lock is a one-line
/// error naming the holder.
fn lock(dir: &Path, shard: Shard) -> Result<File> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(format!(".{}.lock", shard.file_name()));
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(Error::spec(format!(
                "{} is being written by another optdyn sweep ({}); wait for it to finish or \
                 choose another --out",
                dir.join(shard.file_name()).display(),
                if holder.is_empty() {
                    "holder unknown"
                } else {
                    holder
                }
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let me = format!(
        "pid {} on {}, since unix time {since}",
        std::process::id(),
        match host.trim() {
            "" => "this host",
            h => h,
        }
    );
    f.set_len(0)
        .and_then(|()| f.write_all(me.as_bytes()))
        .and_then(|()| f.sync_data())
        .map_err(|e| Error::io(&path, e))?;
    Ok(f)
}

impl Appender {
    /// Opens the CSV of `shard` in `dir` for a sweep described by `manifest`, creating the
    /// manifest and the header on a fresh start, or checking the manifest and recovering the
    /// file on `resume`. Returns the appender and the first index still to compute.
    ///
    /// Without `resume`, an existing manifest is an error (nothing is overwritten). With `resume`
    /// and no manifest yet, the sweep starts fresh (so a job script may always pass `--resume`).
    pub fn open(
        dir: &Path,
        shard: Shard,
        manifest: &Value,
        header: &str,
        grid: &Grid,
        resume: bool,
    ) -> Result<(Appender, Recovered)> {
        let held = lock(dir, shard)?;
        let path = dir.join(shard.file_name());
        let mpath = manifest_path(&path);
        let spath = sums_path(&path);
        let range = shard.range(grid.len());
        let fresh = Recovered {
            next: range.start,
            keep_bytes: header.len() as u64 + 1,
            dropped_bytes: 0,
            dropped_rows: 0,
        };
        let start = |path: &Path| -> Result<()> {
            write_atomic(&spath, b"")?;
            write_atomic(path, format!("{header}\n").as_bytes())
        };
        let rec = if mpath.exists() {
            if !resume {
                return Err(Error::spec(format!(
                    "{} exists; pass --resume to continue that sweep or choose another --out",
                    mpath.display()
                )));
            }
            let text = std::fs::read_to_string(&mpath).map_err(|e| Error::io(&mpath, e))?;
            let old: Value = serde_json::from_str(&text).map_err(|e| {
                Error::spec(format!("{}: not a sweep manifest ({e})", mpath.display()))
            })?;
            let diff = ["sweep", "version", "tool", "shard"]
                .iter()
                .find_map(|k| first_difference(&old[*k], &manifest[*k], k))
                .or_else(|| first_difference(&old, manifest, ""));
            if let Some((key, was, now)) = diff {
                return Err(Error::spec(format!(
                    "--resume: {} was written with {key} = {was}, this run has {key} = {now}; \
                     rerun with the original arguments or choose another --out",
                    mpath.display()
                )));
            }
            if path.exists() {
                recover(&path, header, grid, &range)?
            } else {
                start(&path)?;
                fresh
            }
        } else {
            if path.exists() {
                return Err(Error::spec(format!(
                    "{} exists without its manifest; move it away or choose another --out",
                    path.display()
                )));
            }
            write_json(&mpath, manifest)?;
            start(&path)?;
            fresh
        };
        let append = |p: &Path| {
            OpenOptions::new()
                .append(true)
                .open(p)
                .map_err(|e| Error::io(p, e))
        };
        let (file, sums) = (append(&path)?, append(&spath)?);
        Ok((
            Appender {
                path,
                file,
                sums_path: spath,
                sums,
                _lock: held,
            },
            rec,
        ))
    }

    /// Appends the whole rows `rows`, whose CSV text is the concatenation of `pieces`, and syncs
    /// them to disk, then their checksum line, synced too.
    pub fn append(&mut self, rows: Range<u64>, pieces: &[String]) -> Result<()> {
        let mut crc = crc32fast::Hasher::new();
        let mut bytes = 0;
        for p in pieces {
            self.file
                .write_all(p.as_bytes())
                .map_err(|e| Error::io(&self.path, e))?;
            crc.update(p.as_bytes());
            bytes += p.len() as u64;
        }
        self.file
            .sync_data()
            .map_err(|e| Error::io(&self.path, e))?;
        let line = Chunk {
            rows: (rows.start, rows.end),
            bytes,
            crc: crc.finalize(),
        }
        .line();
        self.sums
            .write_all(line.as_bytes())
            .and_then(|_| self.sums.sync_data())
            .map_err(|e| Error::io(&self.sums_path, e))
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Summary of a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSummary {
    /// Number of shard files joined.
    pub shards: u64,
    /// Number of rows written.
    pub rows: u64,
    /// Number of grid axes (axis columns after `index`).
    pub axes: usize,
}

fn shard_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| Error::io(p, e))?;
            for e in rd {
                let e = e.map_err(|e| Error::io(p, e))?;
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("shard-") && name.ends_with(".csv") {
                    files.push(e.path());
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::spec(
            "merge: no shard files (shard-*-of-*.csv) in the given paths".to_string(),
        ));
    }
    Ok(files)
}

/// Joins shard CSVs (files, or directories holding `shard-*-of-*.csv`) into one CSV at `out`
/// with its manifest. Every shard's manifest must describe the same sweep; every shard
/// `0..N` must appear exactly once and be complete (rows exactly its index range, in order).
/// The output is sorted by index and written atomically (temporary file, sync, rename).
///
/// `rebuild` recreates the grid from a manifest's `sweep` object, to validate the axis values.
pub fn merge(
    inputs: &[PathBuf],
    out: &Path,
    rebuild: &dyn Fn(&Value) -> Result<Grid>,
) -> Result<MergeSummary> {
    let files = shard_files(inputs)?;
    let mut shards: Vec<(u64, PathBuf, Value)> = Vec::new();
    let mut reference: Option<(Value, PathBuf)> = None;
    let mut of = 0;
    for f in files {
        let mpath = manifest_path(&f);
        let text = std::fs::read_to_string(&mpath).map_err(|e| Error::io(&mpath, e))?;
        let m: Value = serde_json::from_str(&text)
            .map_err(|e| Error::spec(format!("{}: not a sweep manifest ({e})", mpath.display())))?;
        let (Some(i), Some(n)) = (m["shard"]["index"].as_u64(), m["shard"]["of"].as_u64()) else {
            return Err(Error::spec(format!(
                "{}: no shard index/of",
                mpath.display()
            )));
        };
        let mut ident = m.clone();
        ident["shard"] = Value::Null;
        match &reference {
            None => {
                reference = Some((ident, f.clone()));
                of = n;
            }
            Some((r, rf)) => {
                if let Some((key, a, b)) = first_difference(r, &ident, "") {
                    return Err(Error::spec(format!(
                        "merge: {} and {} are different sweeps ({key}: {a} vs {b})",
                        rf.display(),
                        f.display()
                    )));
                }
                if n != of {
                    return Err(Error::spec(format!(
                        "merge: {} is shard {i} of {n}, others are of {of}",
                        f.display()
                    )));
                }
            }
        }
        if let Some((_, other, _)) = shards.iter().find(|(j, _, _)| *j == i) {
            return Err(Error::spec(format!(
                "merge: shard {i} of {n} given twice ({} and {})",
                other.display(),
                f.display()
            )));
        }
        shards.push((i, f, m));
    }
    shards.sort_by_key(|s| s.0);
    let missing: Vec<String> = (0..of)
        .filter(|i| !shards.iter().any(|s| s.0 == *i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::spec(format!(
            "merge: missing shard(s) {} of {of}",
            missing.join(", ")
        )));
    }
    let (ident, _) = reference.expect("at least one shard");
    let grid = rebuild(&ident["sweep"])?;
    let header = ident["sweep"]["columns"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let mut tmp = OutputFile::create(out)?;
    tmp.write_all(format!("{header}\n").as_bytes())
        .map_err(|e| Error::io(out, e))?;
    let mut rows = 0;
    for (i, f, _) in &shards {
        let range = Shard { index: *i, of }.range(grid.len());
        let mut text = Vec::new();
        File::open(f)
            .and_then(|mut h| h.read_to_end(&mut text))
            .map_err(|e| Error::io(f, e))?;
        let spath = sums_path(f);
        let sums = read_all(&spath).map_err(|e| {
            Error::spec(format!(
                "merge: {}: its checksum file cannot be read ({e})",
                f.display()
            ))
        })?;
        let (r, _) = checked(
            &text,
            &sums,
            &header,
            &grid,
            &range,
            &f.display().to_string(),
        )
        .map_err(|e| Error::spec(format!("merge: {e}")))?;
        if r.next != range.end || r.dropped_bytes > 0 {
            return Err(Error::spec(format!(
                "merge: {} is incomplete: {} of {} rows valid{}; rerun shard {i} with --resume",
                f.display(),
                r.next - range.start,
                range.end - range.start,
                if r.dropped_bytes > 0 {
                    format!(", {} trailing bytes invalid", r.dropped_bytes)
                } else {
                    String::new()
                }
            )));
        }
        tmp.write_all(&text[header.len() + 1..])
            .map_err(|e| Error::io(out, e))?;
        rows += range.end - range.start;
    }
    let mut merged = ident.clone();
    merged["shard"] =
        serde_json::json!({"index": 0, "of": 1, "start": 0, "end": grid.len(), "merged_from": of});
    write_json(&manifest_path(out), &merged)?;
    tmp.finish()?;
    Ok(MergeSummary {
        shards: of,
        rows,
        axes: grid.axes.len(),
    })
}
