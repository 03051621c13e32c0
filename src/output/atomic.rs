//! Atomic file replacement.
//!
//! Result files are read by other tools (and by people) while a run may be interrupted or
//! fail half-way. Writing in place would leave a truncated CSV that looks valid, so every
//! output is written to a temporary file in the same directory (`.<file>.tmp-<random>`,
//! made by the tempfile crate), flushed and synced, then renamed over the target. A rename
//! within one directory is atomic on POSIX file systems (and replaces the target on
//! Windows), so readers see either the old file or the complete new one, never a mix. On
//! any error (or a panic in the writer) the temporary file is removed and the previous
//! target is left untouched.
//!
//! The replacement is a new file with the permissions a newly created file gets (mode
//! 0666 less the umask on Unix), not the old file's.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;

/// Writes `path` atomically: `f` writes the content into a buffered temporary file in the
/// same directory, which is then flushed, synced to disk and renamed over `path`.
///
/// # Errors
/// `InvalidInput` if `path` has no file name; otherwise any error from creating, writing
/// (including the one `f` returns), syncing or renaming the file. In every error case the
/// temporary file is removed and an existing `path` is left unchanged.
pub fn write_atomic<F>(path: &Path, f: F) -> io::Result<()>
where
    F: FnOnce(&mut BufWriter<&mut File>) -> io::Result<()>,
{
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot write to {}: not a file path", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut prefix = OsString::from(".");
    prefix.push(file_name);
    prefix.push(".tmp-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // What a plain `File::create` would give (tempfile's default is private, 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // Removed when dropped: on every error and on a panic in `f`.
    let mut tmp = builder.tempfile_in(dir)?;
    let mut writer = BufWriter::new(tmp.as_file_mut());
    f(&mut writer)?;
    writer.flush()?;
    drop(writer);
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename in `dir` durable where the platform allows it. Best effort: the new
/// content is already in place, so a failure here is not reported.
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Writes `rows` as CSV to `path` atomically, with a header row taken from the field names
/// of the first row (so an empty `rows` gives an empty file: serde cannot name the fields
/// without a value).
///
/// # Errors
/// As [`write_atomic`], plus a serialisation error (as `io::Error`) for a row the csv
/// crate cannot write (e.g. nested structs or maps); the target is then left unchanged.
pub fn write_csv_atomic<S, I>(path: &Path, rows: I) -> io::Result<()>
where
    S: Serialize,
    I: IntoIterator<Item = S>,
{
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for row in rows {
            csv.serialize(row)?;
        }
        csv.flush()
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::fs;

    /// Names of all entries in `dir`, sorted.
    pub(crate) fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn success_creates_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, |w| w.write_all(b"hello\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "hello\n");
        assert_eq!(entries(dir.path()), ["out.txt"]);
    }

    #[test]
    fn success_replaces_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, "old content that is longer\n").unwrap();
        write_atomic(&path, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(entries(dir.path()), ["out.txt"]);
    }

    #[test]
    fn failing_writer_leaves_no_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn failing_writer_keeps_previous_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, "previous\n").unwrap();
        let result = write_atomic(&path, |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(io::Error::other("boom"))
        });
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "previous\n");
        assert_eq!(entries(dir.path()), ["out.txt"]);
    }

    #[test]
    fn panicking_writer_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let result = std::panic::catch_unwind(|| {
            let _ = write_atomic(&path, |_| panic!("writer panicked"));
        });
        assert!(result.is_err());
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn path_without_file_name_is_invalid_input() {
        let err = write_atomic(Path::new("/"), |_| Ok(())).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn temp_name_is_hidden_beside_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, |_| {
            let names = entries(dir.path());
            assert_eq!(names.len(), 1, "{names:?}");
            assert!(names[0].starts_with(".out.csv.tmp-"), "{names:?}");
            Ok(())
        })
        .unwrap();
        assert_eq!(entries(dir.path()), ["out.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_gets_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (ours, plain) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        write_atomic(&ours, |w| w.write_all(b"x")).unwrap();
        fs::write(&plain, "x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }

    #[derive(Serialize)]
    struct Row {
        scenario: &'static str,
        replication: u32,
        mean_transit_h: f64,
    }

    #[test]
    fn csv_has_header_and_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let rows = [
            Row {
                scenario: "base",
                replication: 0,
                mean_transit_h: 12.5,
            },
            Row {
                scenario: "base",
                replication: 1,
                mean_transit_h: 13.0,
            },
        ];
        write_csv_atomic(&path, &rows).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "scenario,replication,mean_transit_h\nbase,0,12.5\nbase,1,13.0\n"
        );
    }

    #[test]
    fn csv_of_no_rows_is_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        write_csv_atomic(&path, Vec::<Row>::new()).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "");
    }

    #[test]
    fn csv_serialisation_error_keeps_previous_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        fs::write(&path, "previous\n").unwrap();
        let mut map = BTreeMap::new();
        map.insert("k", 1);
        // The csv crate cannot serialise maps as rows.
        assert!(write_csv_atomic(&path, [map]).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "previous\n");
        assert_eq!(entries(dir.path()), ["rows.csv"]);
    }
}
