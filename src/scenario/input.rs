//! Reading a scenario or sweep file: a regular file of bounded size, as UTF-8 text.
//!
//! A path comes from the command line or from another file (`extends`, a sweep's `base`),
//! so it may name anything: `/dev/zero` reads forever, a FIFO or `/dev/stdin` blocks
//! forever, a 2 GB file is read whole before its first line is judged. So only regular
//! files (symbolic links are followed) are read, and at most
//! [`super::limits::MAX_FILE_BYTES`] of them; the size is checked before reading and
//! again while reading, in case the file grows in between.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::limits::MAX_FILE_BYTES;

/// Why an input file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The operating system refused (no such file, no permission, ...).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A directory, device, pipe or socket.
    #[error("not a regular file ({0}); give the path of a TOML file")]
    NotAFile(&'static str),
    /// Larger than [`MAX_FILE_BYTES`].
    #[error("larger than {} MB, the most a scenario or sweep file may be", MAX_FILE_BYTES >> 20)]
    TooLarge,
    /// A NUL byte: a binary file.
    #[error("not a text file (it contains NUL bytes)")]
    Binary,
    /// Not valid UTF-8.
    #[error(
        "not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8 (an editor's \
         \"Save as\" offers the encoding; GBK and other legacy encodings are not UTF-8)"
    )]
    NotUtf8 {
        /// Bytes of valid UTF-8 before the first invalid one.
        offset: usize,
    },
}

/// Reads the regular file at `path` as UTF-8 text.
///
/// # Errors
///
/// [`InputError`]: not a regular file, too large, binary, not UTF-8, or an I/O error.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    // Judged before opening: opening a FIFO blocks until someone writes to it.
    check_kind(&std::fs::metadata(path)?)?;
    let file = File::open(path)?;
    let meta = file.metadata()?;
    check_kind(&meta)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(InputError::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(InputError::TooLarge);
    }
    if bytes.contains(&0) {
        return Err(InputError::Binary);
    }
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

fn check_kind(meta: &std::fs::Metadata) -> Result<(), InputError> {
    let t = meta.file_type();
    if t.is_file() {
        Ok(())
    } else if t.is_dir() {
        Err(InputError::NotAFile("a directory"))
    } else {
        Err(InputError::NotAFile("a device, pipe or socket"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_text(dir.path()),
            Err(InputError::NotAFile("a directory"))
        ));
        #[cfg(unix)]
        {
            // Reading these would never end (or never start).
            for p in ["/dev/zero", "/dev/stdin"] {
                if Path::new(p).exists() {
                    let e = read_text(Path::new(p)).unwrap_err();
                    assert!(matches!(e, InputError::NotAFile(_)), "{p}: {e}");
                }
            }
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                assert!(matches!(read_text(&fifo), Err(InputError::NotAFile(_))));
            }
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        let f = File::create(&path).unwrap();
        // Sparse: the size is set without writing the bytes.
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(matches!(read_text(&path), Err(InputError::TooLarge)));
    }

    #[test]
    fn legacy_encodings_get_a_hint_to_save_as_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gbk.toml");
        // "重庆" in GBK.
        std::fs::write(&path, b"name = \"\xd6\xd8\xc7\xec\"\n").unwrap();
        let e = read_text(&path).unwrap_err();
        assert!(e.to_string().contains("save it as UTF-8"), "{e}");
        assert!(e.to_string().contains("GBK"), "{e}");
    }
}
