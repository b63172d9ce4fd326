//! Per-chunk checksums of a shard CSV, so that rows edited or corrupted after they were written
//! are detected on `--resume` and on `merge` instead of being trusted.
//!
//! Beside `<csv>` the sidecar `<csv>.sums` holds one line per appended chunk,
//! `start,end,bytes,crc32` (rows `start..end`, their byte length in the CSV, the CRC-32 of those
//! bytes in hex). A chunk is appended to the CSV and synced first, its line to the sidecar and
//! synced second, so the sidecar never claims more than the CSV holds: after a kill the CSV may
//! hold rows past the last line (an interrupted append; they are recomputed), and the sidecar
//! may end in an incomplete line (cut off). Anything else — a checksum that does not match, a
//! CSV shorter than its sums, lines out of order — is corruption and an error.

use crate::{Error, Result};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One checksummed chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Its rows.
    pub rows: (u64, u64),
    /// Its byte length in the CSV.
    pub bytes: u64,
    /// CRC-32 of those bytes.
    pub crc: u32,
}

impl Chunk {
    /// The chunk of `rows` whose CSV text is `text`.
    pub fn of(rows: Range<u64>, text: &[u8]) -> Chunk {
        Chunk {
            rows: (rows.start, rows.end),
            bytes: text.len() as u64,
            crc: crc32fast::hash(text),
        }
    }

    /// Its sidecar line, newline-terminated.
    pub fn line(&self) -> String {
        format!(
            "{},{},{},{:08x}\n",
            self.rows.0, self.rows.1, self.bytes, self.crc
        )
    }

    fn parse(line: &str) -> Option<Chunk> {
        let mut f = line.split(',');
        let chunk = Chunk {
            rows: (f.next()?.parse().ok()?, f.next()?.parse().ok()?),
            bytes: f.next()?.parse().ok()?,
            crc: u32::from_str_radix(f.next()?, 16).ok()?,
        };
        f.next().is_none().then_some(chunk)
    }
}

/// The sidecar path of a CSV: `<csv>.sums`.
pub fn sums_path(csv: &Path) -> PathBuf {
    let mut s = csv.as_os_str().to_owned();
    s.push(".sums");
    PathBuf::from(s)
}

/// What the checksums vouch for in a CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The first row not covered.
    pub next: u64,
    /// CSV bytes covered (header included).
    pub csv_bytes: u64,
    /// Sidecar bytes of whole lines.
    pub sums_bytes: u64,
}

/// Checks the CSV `csv` (whose header takes `header_len` bytes) against the sidecar text `sums`
/// for the rows `range`; `who` names the file in errors.
pub fn verify(
    csv: &[u8],
    header_len: u64,
    sums: &[u8],
    range: &Range<u64>,
    who: &str,
) -> Result<Verified> {
    let whole = sums.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&sums[..whole])
        .map_err(|_| Error::spec(format!("{who}: its checksum file is not text (damaged)")))?;
    let mut v = Verified {
        next: range.start,
        csv_bytes: header_len,
        sums_bytes: whole as u64,
    };
    for (i, line) in text.lines().enumerate() {
        let bad = |what: &str| {
            Error::spec(format!(
                "{who}: checksum line {} {what}; the results were modified or damaged after \
                 they were written (remove the shard's files to recompute it)",
                i + 1
            ))
        };
        let c = Chunk::parse(line).ok_or_else(|| bad("is malformed"))?;
        if c.rows.0 != v.next || c.rows.1 <= c.rows.0 || c.rows.1 > range.end {
            return Err(bad(&format!(
                "covers rows {}..{} where rows {}.. were expected",
                c.rows.0, c.rows.1, v.next
            )));
        }
        let start = v.csv_bytes as usize;
        let end = start.saturating_add(c.bytes as usize);
        let Some(bytes) = csv.get(start..end) else {
            return Err(bad(&format!(
                "covers rows {}..{} but the file ends before them",
                c.rows.0, c.rows.1
            )));
        };
        if crc32fast::hash(bytes) != c.crc {
            return Err(bad(&format!(
                "does not match rows {}..{} (checksum mismatch)",
                c.rows.0, c.rows.1
            )));
        }
        v.next = c.rows.1;
        v.csv_bytes = end as u64;
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_chunks_and_names_what_is_wrong() {
        let head = b"index,x,status\n";
        let (a, b) = (&b"0,1,ok\n1,2,ok\n"[..], &b"2,3,ok\n"[..]);
        let csv = [&head[..], a, b].concat();
        let sums = Chunk::of(0..2, a).line() + &Chunk::of(2..3, b).line();
        let v = verify(&csv, head.len() as u64, sums.as_bytes(), &(0..3), "r.csv").unwrap();
        assert_eq!((v.next, v.csv_bytes), (3, csv.len() as u64));
        // A cut-off last line is not trusted; the rows after it are uncovered.
        let cut = &sums.as_bytes()[..sums.len() - 3];
        let v = verify(&csv, head.len() as u64, cut, &(0..3), "r.csv").unwrap();
        assert_eq!((v.next, v.csv_bytes), (2, (head.len() + a.len()) as u64));
        // An edited value keeps the row well-formed but breaks the checksum.
        let edited = [&head[..], b"0,1,ok\n1,7,ok\n", b].concat();
        let e = verify(
            &edited,
            head.len() as u64,
            sums.as_bytes(),
            &(0..3),
            "r.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 1 does not match rows 0..2") && !e.contains('\n'),
            "{e}"
        );
        // A CSV shorter than its sums, and a malformed line.
        let e = verify(
            &csv[..20],
            head.len() as u64,
            sums.as_bytes(),
            &(0..3),
            "r.csv",
        );
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("the file ends before them"));
        let e = verify(&csv, head.len() as u64, b"0,2,x,zz\n", &(0..3), "r.csv");
        assert!(e.unwrap_err().to_string().contains("is malformed"));
    }
}
