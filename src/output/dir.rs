//! Output directories: one writer at a time, and whole results or none.
//!
//! Planners re-run a scenario into the folder they ran it into before, sometimes twice at
//! once (two terminals, a cluster job re-queued while the first copy still runs). Writing
//! tables one by one into that folder would leave, after a kill between two renames,
//! tables of two runs beside a manifest describing one of them; two concurrent runs would
//! interleave their tables. So:
//!
//! - **Lock.** [`OutLock::acquire`] takes an exclusive advisory lock (`flock`, through
//!   [`std::fs::File::try_lock`]) on `.<name>.lock` beside the directory `<name>`, and
//!   records its pid there. A second writer of the same directory fails at once with
//!   [`OutDirError::Locked`] naming the directory and the holder's pid. The lock lives
//!   beside the directory, not in it, because the directory itself is replaced; it is
//!   released by the operating system when the process ends however it ends, so a killed
//!   run never blocks the next one, and the lock file is never removed (removing it would
//!   let two writers lock two different files).
//! - **Stage, then swap.** [`Replacement::begin`] makes a fresh sibling directory
//!   `.<name>.tmp-<random>`; the command writes every file there, manifest included, and
//!   [`Replacement::commit`] swaps it in: the old directory is renamed aside to
//!   `.<name>.old-<pid>-<n>`, the staged one renamed to `<name>`, the old one removed.
//!   Renames within one directory are atomic, so a reader finds the previous complete
//!   results, the new complete results, or — for the instant between the two renames —
//!   no directory, never a mix. We chose this over "remove the manifest first, write it
//!   last" because that keeps the failure visible only to readers who check the
//!   manifest, and loses the previous results on every failed run; here a run that fails
//!   or is killed leaves the previous results exactly as they were.
//! - **Leftovers.** A run killed before its swap leaves a `.<name>.tmp-*` directory, one
//!   killed between the two renames a `.<name>.old-*` directory and no `<name>`. The next
//!   writer, holding the lock (so no live writer owns them), removes the former and puts
//!   the latter back before it starts.
//! - **Whose results.** A directory is replaced only if it is empty or holds results of
//!   the same command on the same scenario (the manifest's `owner`), unless the caller
//!   passes `overwrite` (`--overwrite`); a directory that corridor-sim did not write is
//!   never replaced. All of this is checked before the simulation, so a wrong `--out`
//!   (a file, a read-only directory, someone else's results) fails in a second, not
//!   after an hour.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::atomic::sync_dir;

/// The manifest every command writes last.
pub const MANIFEST: &str = "manifest.json";

/// Distinguishes the staging directories of one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Why an output directory cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    /// Another process holds the directory's lock.
    #[error(
        "{}: another corridor process{} is writing this directory; wait for it to finish, or choose another --out",
        .dir.display(),
        .pid.map_or_else(String::new, |p| format!(" (pid {p})"))
    )]
    Locked {
        /// The directory.
        dir: PathBuf,
        /// The holder's pid, if it could be read.
        pid: Option<u32>,
    },
    /// The path exists and is not a directory.
    #[error("{}: exists and is not a directory; choose another --out", .path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// The path has no final name to put a directory at (`/`, `..`).
    #[error("{}: not a directory name results can be written to; choose another --out", .path.display())]
    NoName {
        /// The path.
        path: PathBuf,
    },
    /// The directory cannot be replaced: it is read-only.
    #[error("{}: is read-only; choose another --out", .dir.display())]
    ReadOnly {
        /// The directory.
        dir: PathBuf,
    },
    /// A non-empty directory that corridor-sim did not write.
    #[error(
        "{}: holds files corridor-sim did not write ({}); choose an empty or new directory for --out",
        .dir.display(), .found
    )]
    NotOurs {
        /// The directory.
        dir: PathBuf,
        /// A few of its entries.
        found: String,
    },
    /// Results of another command or scenario.
    #[error(
        "{}: holds the results of `{found}`, not of `{ours}`; pass --overwrite to replace them, or choose another --out",
        .dir.display()
    )]
    OtherResults {
        /// The directory.
        dir: PathBuf,
        /// Whose results are there.
        found: String,
        /// Whose results would replace them.
        ours: String,
    },
    /// A file operation failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutDirError + '_ {
    move |source| OutDirError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `dir` as an absolute path `parent/name` with an existing, canonical `parent` (created
/// if needed), so that every spelling of one directory finds the same lock.
///
/// # Errors
/// [`OutDirError::NoName`] for `/`; I/O errors creating or resolving the parent.
pub fn resolve(dir: &Path) -> Result<PathBuf, OutDirError> {
    let named = match dir.file_name() {
        Some(_) => dir.to_path_buf(),
        // `.`, `..`, `a/..`: only an existing directory can be meant.
        None => fs::canonicalize(dir).map_err(io_err(dir))?,
    };
    let (Some(parent), Some(name)) = (named.parent(), named.file_name()) else {
        return Err(OutDirError::NoName {
            path: dir.to_path_buf(),
        });
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    let parent = fs::canonicalize(parent).map_err(io_err(parent))?;
    Ok(parent.join(name))
}

/// `parent/.<name><suffix>` for the resolved directory `dir`.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    dir.with_file_name(format!(".{name}{suffix}"))
}

/// The exclusive lock of one output directory, held until dropped (or the process ends).
#[derive(Debug)]
pub struct OutLock {
    dir: PathBuf,
    _file: File,
}

impl OutLock {
    /// Locks the directory `dir` (need not exist yet) against every other corridor
    /// process, without waiting.
    ///
    /// # Errors
    /// [`OutDirError::Locked`] if another process holds it; [`OutDirError::NoName`] or an
    /// I/O error if the lock file cannot be created.
    pub fn acquire(dir: &Path) -> Result<OutLock, OutDirError> {
        let dir = resolve(dir)?;
        let path = sibling(&dir, ".lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(OutDirError::Locked {
                    pid: text.trim().parse().ok(),
                    dir,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(&path)(e)),
        }
        // For the message a second writer prints; the lock itself is what counts.
        let record = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        record.map_err(io_err(&path))?;
        Ok(OutLock { dir, _file: file })
    }

    /// The directory, resolved (absolute, canonical parent).
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Removes what killed writers of `dir` left beside it: staging directories, and — if
/// `dir` is gone — puts back the directory a killed swap had renamed aside. Call only
/// while holding the lock.
fn clean_leftovers(dir: &Path) -> Result<(), OutDirError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    let mut entries: Vec<(String, PathBuf)> = fs::read_dir(parent)
        .map_err(io_err(parent))?
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| n.starts_with(&tmp) || n.starts_with(&old))
        .collect();
    entries.sort();
    for (n, path) in entries {
        if n.starts_with(&old) && fs::symlink_metadata(dir).is_err() {
            fs::rename(&path, dir).map_err(io_err(&path))?;
        } else {
            remove_any(&path)?;
        }
    }
    Ok(())
}

fn remove_any(path: &Path) -> Result<(), OutDirError> {
    let result = match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

/// Whose results `dir` holds: its manifest's `owner` (or, for a manifest of another
/// version, its `command`), `Some("")` for a directory of corridor-sim files without an
/// owner, `None` for an empty or absent directory.
///
/// # Errors
/// [`OutDirError::NotADirectory`], [`OutDirError::NotOurs`], I/O errors.
fn owner_of(dir: &Path) -> Result<Option<String>, OutDirError> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(dir)(e)),
    };
    if !meta.is_dir() {
        return Err(OutDirError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let names: Vec<String> = fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    let manifest: Option<serde_json::Value> = fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let ours = manifest
        .as_ref()
        .is_some_and(|m| m["tool"] == "corridor-sim")
        // A batch directory interrupted before its manifest.
        || dir.join("sweep.json").is_file();
    if !ours {
        let mut shown: Vec<String> = names.into_iter().take(4).collect();
        shown.sort();
        return Err(OutDirError::NotOurs {
            dir: dir.to_path_buf(),
            found: shown.join(", "),
        });
    }
    let owner = manifest.as_ref().and_then(|m| {
        m["owner"]
            .as_str()
            .or_else(|| m["command"].as_str())
            .map(str::to_string)
    });
    Ok(Some(owner.unwrap_or_default()))
}

/// Checks that the locked directory, if it exists, is a directory and not read-only.
///
/// # Errors
/// [`OutDirError::NotADirectory`], [`OutDirError::ReadOnly`].
pub fn check_writable(lock: &OutLock) -> Result<(), OutDirError> {
    let dir = lock.dir();
    match fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(OutDirError::NotADirectory {
            path: dir.to_path_buf(),
        }),
        Ok(m) if m.permissions().readonly() => Err(OutDirError::ReadOnly {
            dir: dir.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Checks that results of `owner` may go into the locked directory: it is absent or
/// empty, or holds `owner`'s results, or `overwrite` is set and corridor-sim wrote it.
///
/// # Errors
/// [`OutDirError::NotADirectory`], [`OutDirError::NotOurs`],
/// [`OutDirError::OtherResults`], [`OutDirError::ReadOnly`], I/O errors.
pub fn check_owner(lock: &OutLock, owner: &str, overwrite: bool) -> Result<(), OutDirError> {
    let dir = lock.dir();
    check_writable(lock)?;
    match owner_of(dir)? {
        Some(found) if found != owner && !overwrite => Err(OutDirError::OtherResults {
            dir: dir.to_path_buf(),
            found: if found.is_empty() {
                "an earlier corridor-sim version".to_string()
            } else {
                found
            },
            ours: owner.to_string(),
        }),
        _ => Ok(()),
    }
}

/// A directory being replaced: files go into a staging directory, swapped in whole by
/// [`Replacement::commit`]; dropped without a commit, the staging directory is removed
/// and the previous directory is left as it was.
#[derive(Debug)]
pub struct Replacement {
    /// Removed when dropped (tempfile), unless the commit moved it into place. Declared
    /// first, so it goes before the lock is released.
    staging: tempfile::TempDir,
    lock: OutLock,
}

impl Replacement {
    /// Locks `dir`, clears what killed writers left, checks that `owner`'s results may
    /// replace what it holds (see [`check_owner`]) and creates the staging directory —
    /// everything that can fail because of `--out` fails here, before any work is done.
    ///
    /// # Errors
    /// As [`OutLock::acquire`] and [`check_owner`]; an I/O error creating the staging
    /// directory (e.g. a read-only parent).
    pub fn begin(dir: &Path, owner: &str, overwrite: bool) -> Result<Replacement, OutDirError> {
        let lock = OutLock::acquire(dir)?;
        clean_leftovers(lock.dir())?;
        check_owner(&lock, owner, overwrite)?;
        let parent = lock.dir().parent().unwrap_or(Path::new("."));
        let name = lock.dir().file_name().unwrap_or_default().to_string_lossy();
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(parent)
            .map_err(io_err(parent))?;
        Ok(Replacement { staging, lock })
    }

    /// Where to write the files.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.staging.path()
    }

    /// The directory the files will be in after the commit.
    #[must_use]
    pub fn target(&self) -> &Path {
        self.lock.dir()
    }

    /// Swaps the staged directory in for the old one (see the module documentation).
    ///
    /// # Errors
    /// An I/O error renaming; the previous directory is then put back if it can be.
    pub fn commit(self) -> Result<(), OutDirError> {
        let target = self.lock.dir().to_path_buf();
        sync_dir(self.staging.path());
        let old = sibling(&target, &unique(".old"));
        let moved = match fs::rename(&target, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err(&target)(e)),
        };
        if let Err(e) = fs::rename(self.staging.path(), &target) {
            if moved {
                let _ = fs::rename(&old, &target);
            }
            return Err(io_err(&target)(e));
        }
        // Now `target`: not to be removed.
        let _ = self.staging.keep();
        if let Some(parent) = target.parent() {
            sync_dir(parent);
        }
        if moved {
            // The new results are in place; an old copy that cannot be removed is
            // removed by the next writer.
            let _ = remove_any(&old);
        }
        Ok(())
    }
}

/// `<suffix>-<pid>-<n>`: unique among this process's and every other live process's.
fn unique(suffix: &str) -> String {
    format!(
        "{suffix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::atomic::tests::entries;

    fn manifest(dir: &Path, owner: &str) {
        let m = serde_json::json!({ "tool": "corridor-sim", "owner": owner });
        fs::write(dir.join(MANIFEST), m.to_string()).unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_with_the_holders_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let held = OutLock::acquire(&dir).unwrap();
        // Another spelling of the same directory finds the same lock.
        let again = OutLock::acquire(&tmp.path().join(".").join("out")).unwrap_err();
        let OutDirError::Locked { pid, .. } = &again else {
            panic!("{again}");
        };
        assert_eq!(*pid, Some(std::process::id()));
        assert!(
            again
                .to_string()
                .contains("out: another corridor process (pid ")
        );
        drop(held);
        OutLock::acquire(&dir).unwrap();
    }

    #[test]
    fn a_replacement_is_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.csv"), "old a").unwrap();
        fs::write(dir.join("b.csv"), "old b").unwrap();
        manifest(&dir, "run x");

        // Abandoned half-way: the old directory is untouched, nothing is left beside it.
        let r = Replacement::begin(&dir, "run x", false).unwrap();
        fs::write(r.path().join("a.csv"), "new a").unwrap();
        drop(r);
        assert_eq!(entries(&dir), ["a.csv", "b.csv", "manifest.json"]);
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "old a");
        assert_eq!(entries(tmp.path()), [".out.lock", "out"]);

        // Committed: exactly the new files, no old table beside them.
        let r = Replacement::begin(&dir, "run x", false).unwrap();
        fs::write(r.path().join("a.csv"), "new a").unwrap();
        manifest(r.path(), "run x");
        r.commit().unwrap();
        assert_eq!(entries(&dir), ["a.csv", "manifest.json"]);
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "new a");
        assert_eq!(entries(tmp.path()), [".out.lock", "out"]);
    }

    #[test]
    fn leftovers_of_killed_writers_are_cleared_or_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        // Killed before its swap: a staging directory (and a stale lock file with a pid).
        fs::create_dir(tmp.path().join(".out.tmp-99999-0")).unwrap();
        fs::write(tmp.path().join(".out.tmp-99999-0/a.csv"), "partial").unwrap();
        fs::write(tmp.path().join(".out.lock"), "99999\n").unwrap();
        // Killed between the two renames: the previous results aside, no `out`.
        fs::create_dir(tmp.path().join(".out.old-99998-3")).unwrap();
        manifest(&tmp.path().join(".out.old-99998-3"), "run x");
        let r = Replacement::begin(&dir, "run x", false).unwrap();
        assert_eq!(
            entries(&dir),
            ["manifest.json"],
            "the previous results are back"
        );
        let staged = r.path().file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(entries(tmp.path()), [".out.lock", staged.as_str(), "out"]);
        // A directory with the same prefix but another name is not touched.
        drop(r);
        fs::create_dir(tmp.path().join(".outer.tmp-1-1")).unwrap();
        drop(Replacement::begin(&dir, "run x", false).unwrap());
        assert!(tmp.path().join(".outer.tmp-1-1").exists());
    }

    #[test]
    fn other_results_need_overwrite_and_foreign_files_are_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        manifest(&dir, "run a.toml");
        let e = Replacement::begin(&dir, "run b.toml", false).unwrap_err();
        assert!(matches!(e, OutDirError::OtherResults { .. }), "{e}");
        assert!(e.to_string().contains("--overwrite"), "{e}");
        Replacement::begin(&dir, "run b.toml", true).unwrap();

        let mine = tmp.path().join("reports");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("letter.docx"), "x").unwrap();
        let e = Replacement::begin(&mine, "run b.toml", true).unwrap_err();
        assert!(matches!(e, OutDirError::NotOurs { .. }), "{e}");
        assert!(mine.join("letter.docx").exists());

        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        let e = Replacement::begin(&file, "run b.toml", true).unwrap_err();
        assert!(matches!(e, OutDirError::NotADirectory { .. }), "{e}");
    }
}
