//! The one output writer every file goes through.
//!
//! * A new path or a regular file is written atomically: into a temporary file beside it
//!   (created `0666` less the umask, so results are as readable as any file the user creates),
//!   synced, then renamed over the target. Readers never see half a file.
//! * A symbolic link is written through: the file it points to is replaced (atomically, in the
//!   target's directory), the link stays.
//! * A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) is written directly,
//!   never replaced by a regular file.
//! * A directory is refused with a one-line error.
//!
//! Temporaries are named `.optdyn-*.tmp` and held under an advisory lock while in use; a write
//! into a directory first removes the stale ones (unlocked and older than a minute), which a
//! `kill -9` leaves behind.

use crate::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How old an unlocked temporary must be before it counts as stale.
const STALE: Duration = Duration::from_secs(60);

enum Sink {
    Atomic(BufWriter<tempfile::NamedTempFile>),
    Direct(BufWriter<File>),
}

/// A file being written (see the module doc). Call [`OutputFile::finish`] to put it in place;
/// dropping it unfinished leaves the target untouched.
pub struct OutputFile {
    path: PathBuf,
    target: PathBuf,
    sink: Sink,
}

/// The file a path names after following symbolic links (which need not exist yet).
fn resolve(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p).map_err(|e| Error::io(&p, e))?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::spec(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes the stale temporaries of optdyn's naming in `dir` (unlocked and older than
/// [`STALE`]); errors are ignored (another process may be cleaning too).
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".optdyn-") && name.ends_with(".tmp")) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE);
        if !old {
            continue;
        }
        if let Ok(f) = OpenOptions::new().write(true).open(e.path()) {
            if f.try_lock().is_ok() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// A locked temporary in `dir`, created `0666` less the umask.
fn temporary(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".optdyn-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = b.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    // Advisory: a file system without locks still works, it just cannot tell stale from live.
    let _ = tmp.as_file().try_lock();
    Ok(tmp)
}

impl OutputFile {
    /// Opens `path` for writing (its directory is created when missing).
    pub fn create(path: &Path) -> Result<Self> {
        let target = resolve(path)?;
        match std::fs::metadata(&target) {
            Ok(m) if m.is_dir() => {
                return Err(Error::spec(format!(
                    "{}: is a directory, expected a file path",
                    path.display()
                )));
            }
            Ok(m) if !m.is_file() => {
                let f = OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(|e| Error::io(path, e))?;
                return Ok(OutputFile {
                    path: path.to_path_buf(),
                    target,
                    sink: Sink::Direct(BufWriter::new(f)),
                });
            }
            _ => {}
        }
        let dir = parent_of(&target);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        remove_stale(&dir);
        Ok(OutputFile {
            path: path.to_path_buf(),
            sink: Sink::Atomic(BufWriter::new(temporary(&dir)?)),
            target,
        })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and puts the file in place.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        match self.sink {
            Sink::Direct(mut w) => w.flush().map_err(|e| Error::io(&path, e)),
            Sink::Atomic(w) => {
                let tmp = w
                    .into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?;
                tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
                tmp.persist(&self.target)
                    .map_err(|e| Error::io(&path, e.error))?;
                Ok(())
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.sink {
            Sink::Atomic(w) => w.write(buf),
            Sink::Direct(w) => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Atomic(w) => w.write_all(buf),
            Sink::Direct(w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Atomic(w) => w.flush(),
            Sink::Direct(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) -> Result<()> {
        let mut f = OutputFile::create(path)?;
        f.write_all(text.as_bytes())
            .map_err(|e| Error::io(path, e))?;
        f.finish()
    }

    #[test]
    fn writes_through_symlinks_and_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("data/real.csv");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("data/real.csv", &link).unwrap();
        write(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // A dangling link creates its target.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("made.csv", &dangling).unwrap();
        write(&dangling, "x").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.csv")).unwrap(),
            "x"
        );
    }

    #[test]
    fn devices_are_written_not_replaced_and_directories_refused() {
        write(Path::new("/dev/null"), "discarded").unwrap();
        let m = std::fs::metadata("/dev/null").unwrap();
        assert!(!m.is_file(), "/dev/null is still a device");
        let e = write(Path::new("/dev/full"), &"x".repeat(1 << 16)).unwrap_err();
        assert!(e.to_string().starts_with("/dev/full:"), "{e}");
        assert!(!e.to_string().contains('\n'));
        let dir = tempfile::tempdir().unwrap();
        let e = write(dir.path(), "x").unwrap_err().to_string();
        assert!(e.ends_with("is a directory, expected a file path"), "{e}");
    }

    #[test]
    fn files_follow_the_umask_and_stale_temporaries_are_removed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".optdyn-dead.tmp");
        std::fs::write(&stale, "left by kill -9").unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let fresh = dir.path().join(".optdyn-live.tmp");
        std::fs::write(&fresh, "in use").unwrap();
        let held = File::options().write(true).open(&fresh).unwrap();
        held.lock().unwrap();
        held.set_modified(old).unwrap();
        let out = dir.path().join("out.csv");
        write(&out, "a,b\n").unwrap();
        assert!(!stale.exists(), "a stale temporary is removed");
        assert!(fresh.exists(), "a locked temporary is kept");
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask());
    }

    /// The process umask, read from /proc/self/status (Linux).
    fn umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line.split_whitespace().nth(1).unwrap(), 8).unwrap()
    }
}
