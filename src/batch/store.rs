//! The output directory of a batch run: what was asked, what is committed.
//!
//! ```text
//! OUT/
//!   sweep.json                 what this directory is for: sweep fingerprint and basis, shard, every variant
//!   variants/<id>/*.csv        one committed variant's tables (the combined columns but the parameters)
//!   variants/<id>/done.json    its completion marker, written last
//!   od_summary.csv ...         combined tables, written only once every variant of the shard is committed
//!   variants.csv               the variants in this directory: id, label, parameters
//!   manifest.json              written last of all: the directory is complete
//! ```
//!
//! A run can be killed at any instant (a cluster pre-empts it, a planner presses Ctrl-C),
//! so nothing relies on the process ending well. Every file is written atomically (temp
//! file and rename), and a variant counts as done only when its `done.json` exists: it is
//! written after the variant's tables, so a variant directory without one is an
//! interrupted attempt and is recomputed. A `done.json` also records the basis the variant
//! was computed on (base scenario files, overrides, version); under another basis it does
//! not count, and it records each table's row count, size and SHA-256, so a table
//! truncated or edited after its commit is told from the original: `--resume` recomputes
//! such a variant and `merge` refuses it. The combined tables are produced from the
//! committed variants at the end, after the previous run's combined files were removed
//! at the start, so an interrupted run never leaves combined CSVs behind that could be
//! mistaken for a finished sweep.
//!
//! What a directory says about itself is checked before it becomes a path: variant ids
//! must have the form [`variant_id`](super::variant::variant_id) gives them, and table
//! names must be among the tables a run writes, so a hand-edited or crafted `sweep.json`
//! or `done.json` cannot make `merge` or `--resume` remove or rewrite a file elsewhere.

use super::BatchError;
use super::shard::Shard;
use super::variant::{MAX_VARIANTS, Plan, is_variant_id};
use crate::hash::sha256_hex;
use crate::output::atomic::write_atomic;
use crate::output::manifest::SourceFile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The directory record, `sweep.json`.
pub const SWEEP_RECORD: &str = "sweep.json";
/// Where committed variants live.
pub const VARIANTS_DIR: &str = "variants";
/// A variant's completion marker.
pub const DONE: &str = "done.json";
/// The list of variants in a directory.
pub const VARIANTS_CSV: &str = "variants.csv";
/// The manifest, written last.
pub const MANIFEST: &str = "manifest.json";

/// The tables a variant may commit: those of `corridor run`, then those of the
/// comparison commands a sweep may run instead (`[batch] command`). Combined tables of
/// these names are removed when a run starts, even if no manifest lists them (a run
/// interrupted while combining wrote no manifest). A name read from a `done.json` is
/// checked against this list before it is used as a path.
pub const VARIANT_TABLES: &[&str] = &[
    "od_summary.csv",
    "route_shares.csv",
    "corridor_summary.csv",
    "hub_summary.csv",
    "service_summary.csv",
    "convergence.csv",
    "zone_ranking.csv",
    "zone_market.csv",
    "plugin_deltas.csv",
    "diff_od.csv",
    "diff_corridor.csv",
    "diff_hub.csv",
    "diff_service.csv",
];

/// Tables written at combine from all the variants together (see [`super::stability`]).
pub const SUMMARY_TABLES: &[&str] = &["rank_stability.csv", "effect_stability.csv"];

/// A file to commit: its name in the variant directory and its bytes.
pub type NamedFile = (String, Vec<u8>);

/// One committed table, as recorded in `done.json`: enough to tell a truncated or edited
/// copy from the file that was committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRecord {
    /// File name in the variant directory: one of [`VARIANT_TABLES`].
    pub name: String,
    /// Data rows (CSV records after the header).
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes, 64 lowercase hex digits (what `sha256sum` prints).
    pub sha256: String,
}

impl TableRecord {
    /// The record of table `name` with content `bytes`.
    #[must_use]
    pub fn of(name: &str, bytes: &[u8]) -> TableRecord {
        TableRecord {
            name: name.to_string(),
            rows: data_rows(bytes),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }

    /// Checks `bytes` (read from `path`) against the record.
    ///
    /// # Errors
    /// [`BatchError::Damaged`] naming the rows and bytes found and committed.
    pub fn verify(&self, path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
        if bytes.len() as u64 == self.bytes && sha256_hex(bytes) == self.sha256 {
            return Ok(());
        }
        Err(BatchError::Damaged {
            path: path.to_path_buf(),
            message: format!(
                "changed since it was committed: {} data rows and {} bytes, where {} rows and \
                 {} bytes with SHA-256 {} were committed",
                data_rows(bytes),
                bytes.len(),
                self.rows,
                self.bytes,
                self.sha256
            ),
        })
    }
}

/// CSV records after the header (up to the first malformed one).
fn data_rows(bytes: &[u8]) -> u64 {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    while let Ok(true) = rdr.read_byte_record(&mut record) {
        n += 1;
    }
    n
}

/// One variant as recorded in `sweep.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantRecord {
    /// Stable id.
    pub id: String,
    /// Readable label.
    pub label: String,
    /// Its value of each parameter column.
    pub cells: Vec<String>,
}

/// `sweep.json`: the sweep a directory belongs to and the slice it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRecord {
    /// Always `corridor-sim`.
    pub tool: String,
    /// Crate version that wrote it (results of different versions are not merged).
    pub version: String,
    /// Whose results the directory holds: `batch` and the sweep file's absolute path
    /// (empty in records of earlier versions). A run of another sweep file replaces them
    /// only with `--overwrite`.
    #[serde(default)]
    pub owner: String,
    /// The sweep file, as given.
    pub sweep: String,
    /// What each variant ran (`[batch] command`); left out for `run`, so a run sweep's
    /// record reads as before.
    #[serde(default = "run_command", skip_serializing_if = "is_run_command")]
    pub command: String,
    /// The sweep's fingerprint (shards merge only if theirs are equal).
    pub fingerprint: String,
    /// What every variant depends on besides its parameters (committed variants are kept
    /// by `--resume` only under the same basis).
    pub basis: String,
    /// The sweep file and the base scenario files.
    pub files: Vec<SourceFile>,
    /// The slice this directory holds.
    pub shard: Shard,
    /// Parameter columns.
    pub columns: Vec<String>,
    /// Every variant of the sweep, in canonical order.
    pub variants: Vec<VariantRecord>,
}

impl SweepRecord {
    /// The record of `plan` for one shard.
    #[must_use]
    pub fn new(plan: &Plan, shard: Shard) -> SweepRecord {
        SweepRecord {
            tool: "corridor-sim".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            owner: owner(&plan.sweep.path),
            sweep: plan.sweep.path.display().to_string(),
            command: plan.sweep.command.name().to_string(),
            fingerprint: plan.fingerprint.clone(),
            basis: plan.basis.clone(),
            files: plan
                .sweep
                .base
                .sources()
                .files()
                .iter()
                .chain(plan.sweep.policy_files())
                .map(|f| SourceFile::of(&f.path, f.text.as_bytes()))
                .collect(),
            shard,
            columns: plan.columns.clone(),
            variants: plan
                .variants
                .iter()
                .map(|v| VariantRecord {
                    id: v.id.clone(),
                    label: v.label.clone(),
                    cells: plan.cells(v),
                })
                .collect(),
        }
    }

    /// The variants of this record's shard, with their canonical index.
    pub fn slice(&self) -> impl Iterator<Item = (usize, &VariantRecord)> {
        self.variants
            .iter()
            .enumerate()
            .filter(|(i, _)| self.shard.contains(*i))
    }

    /// Reads `dir/sweep.json`; `None` if there is none.
    ///
    /// # Errors
    /// An unreadable or malformed record; [`BatchError::Damaged`] for a record that no
    /// `corridor batch` writes (see [`SweepRecord::check`]).
    pub fn read(dir: &Path) -> Result<Option<SweepRecord>, BatchError> {
        let path = dir.join(SWEEP_RECORD);
        let Some(record) = read_json::<SweepRecord>(&path)? else {
            return Ok(None);
        };
        record
            .check()
            .map_err(|message| BatchError::Damaged { path, message })?;
        Ok(Some(record))
    }

    /// Checks what a record read from disk says before any of it becomes a path or an
    /// index: its shard exists, the variants are at most [`MAX_VARIANTS`], every id has the
    /// form of a computed id and is unique, every variant has one cell per column.
    ///
    /// # Errors
    /// What is wrong, for a [`BatchError::Damaged`].
    pub fn check(&self) -> Result<(), String> {
        Shard::new(self.shard.index, self.shard.count)
            .map_err(|e| format!("shard {}: {e}", self.shard))?;
        if self.variants.len() > MAX_VARIANTS {
            return Err(format!(
                "{} variants, more than the {MAX_VARIANTS} a sweep may have",
                self.variants.len()
            ));
        }
        let mut seen = BTreeSet::new();
        for v in &self.variants {
            if !is_variant_id(&v.id) {
                return Err(format!(
                    "`{}` is not a variant id (`v` and 12 hex digits); the file was not written by corridor batch",
                    v.id.escape_debug()
                ));
            }
            if !seen.insert(v.id.as_str()) {
                return Err(format!("variant {} is listed twice", v.id));
            }
            if v.cells.len() != self.columns.len() {
                return Err(format!(
                    "variant {} has {} parameter values for {} columns",
                    v.id,
                    v.cells.len(),
                    self.columns.len()
                ));
            }
        }
        Ok(())
    }
}

fn run_command() -> String {
    "run".to_string()
}

fn is_run_command(c: &str) -> bool {
    c == "run"
}

/// The owner of the results of sweep file `path`: `batch` and its absolute path.
#[must_use]
pub fn owner(path: &Path) -> String {
    let abs = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    format!("batch {}", abs.display())
}

/// Removes every committed variant of `dir`, whatever sweep it belonged to (for
/// `--overwrite`: results of another sweep must not stay beside the new ones).
///
/// # Errors
/// I/O errors.
pub fn clear_variants(dir: &Path) -> Result<(), BatchError> {
    remove_dir_if_present(&dir.join(VARIANTS_DIR))
}

/// `done.json`: a committed variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DoneRecord {
    /// The variant's id.
    pub id: String,
    /// The fingerprint of the sweep it was computed in (for the record).
    pub fingerprint: String,
    /// The basis it was computed on: it counts as committed only under the same one.
    pub basis: String,
    /// Its table files, in write order, with their row counts and checksums.
    pub tables: Vec<TableRecord>,
    /// Replications run.
    pub replications: u32,
    /// Master seed used.
    pub seed: u64,
    /// Events processed.
    pub events: u64,
    /// Wall time of its simulation, seconds.
    pub wall_time_s: f64,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BatchError + '_ {
    move |source| BatchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a JSON file; `None` if it does not exist.
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, BatchError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| BatchError::Damaged {
                path: path.to_path_buf(),
                message: format!(
                    "{e} (damaged, or written by another version of corridor-sim: \
                     run into a fresh --out)"
                ),
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Writes a value as pretty JSON with a trailing newline, atomically.
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), BatchError> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        io::Write::write_all(w, b"\n")
    })
    .map_err(io_err(path))
}

/// The committed record of variant `id` in `dir`, if it was committed on `basis`: `None`
/// for a marker that is absent, cannot be read, names another variant or was computed on
/// another basis (the variant is then not committed, and `--resume` recomputes it).
///
/// # Errors
/// [`BatchError::Damaged`] for a marker whose tables are not the run tables, or a table
/// that is missing or differs from its recorded checksum (truncated, edited).
///
/// # Panics
/// If `id` is not a variant id: ids reach here only from a plan or a checked record.
pub fn read_done(dir: &Path, id: &str, basis: &str) -> Result<Option<DoneRecord>, BatchError> {
    assert!(is_variant_id(id), "unchecked variant id {id:?}");
    let vdir = dir.join(VARIANTS_DIR).join(id);
    let path = vdir.join(DONE);
    let Ok(Some(done)) = read_json::<DoneRecord>(&path) else {
        return Ok(None);
    };
    if done.id != id || done.basis != basis {
        return Ok(None);
    }
    let mut names = BTreeSet::new();
    for t in &done.tables {
        if !VARIANT_TABLES.contains(&t.name.as_str()) || !names.insert(t.name.as_str()) {
            return Err(BatchError::Damaged {
                path,
                message: format!(
                    "lists table `{}`, which is not one of the run tables or comparison tables ({}) or is listed twice",
                    t.name.escape_debug(),
                    VARIANT_TABLES.join(", ")
                ),
            });
        }
        let file = vdir.join(&t.name);
        let bytes = fs::read(&file).map_err(|e| BatchError::Damaged {
            path: file.clone(),
            message: format!("committed but cannot be read: {e}"),
        })?;
        t.verify(&file, &bytes)?;
    }
    Ok(Some(done))
}

/// An output directory open for one shard of one sweep.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    record: SweepRecord,
}

impl Store {
    /// Prepares `dir` for `record`'s shard: creates it, removes the combined results of a
    /// previous run (they are rewritten at the end), and records the sweep. Without
    /// `resume` the shard's committed variants are removed too, so every variant is
    /// recomputed. With it, every variant committed on the same basis is kept — also when
    /// the sweep file changed (values added) or the shard split did, since a variant's
    /// results depend only on its id and the basis.
    ///
    /// # Errors
    /// [`BatchError::OtherSweep`] when resuming a directory whose results were computed on
    /// another basis (other base scenario files, overrides or version); I/O errors.
    pub fn open(dir: &Path, record: SweepRecord, resume: bool) -> Result<Store, BatchError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let old = if resume {
            SweepRecord::read(dir)?
        } else {
            None
        };
        if let Some(old) = old
            && (old.basis != record.basis || old.version != record.version)
        {
            return Err(BatchError::OtherSweep {
                dir: dir.to_path_buf(),
                found: format!("basis {} (corridor-sim {})", old.basis, old.version),
                expected: format!("basis {} (corridor-sim {})", record.basis, record.version),
            });
        }
        let store = Store {
            dir: dir.to_path_buf(),
            record,
        };
        store.remove_combined()?;
        if !resume {
            for (_, v) in store.record.slice() {
                remove_dir_if_present(&store.variant_dir(&v.id))?;
            }
        }
        write_json(&dir.join(SWEEP_RECORD), &store.record)?;
        Ok(store)
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What it holds.
    #[must_use]
    pub fn record(&self) -> &SweepRecord {
        &self.record
    }

    /// The directory of variant `id`.
    #[must_use]
    pub fn variant_dir(&self, id: &str) -> PathBuf {
        self.dir.join(VARIANTS_DIR).join(id)
    }

    /// The committed record of variant `id`, if committed and intact (a variant whose
    /// tables changed since their commit counts as not committed).
    #[must_use]
    pub fn done(&self, id: &str) -> Option<DoneRecord> {
        read_done(&self.dir, id, &self.record.basis).ok().flatten()
    }

    /// Canonical indices of the shard's variants not committed yet, in order.
    #[must_use]
    pub fn pending(&self) -> Vec<usize> {
        self.record
            .slice()
            .filter(|(_, v)| self.done(&v.id).is_none())
            .map(|(i, _)| i)
            .collect()
    }

    /// Commits variant `id`: clears any earlier attempt, writes `files` (name, bytes)
    /// atomically, then the marker `done` with the files' records (rows, size, SHA-256)
    /// in place of whatever `done.tables` held.
    ///
    /// # Errors
    /// I/O errors; the variant then stays uncommitted.
    ///
    /// # Panics
    /// If `id` is not a variant id or a file is not one of [`VARIANT_TABLES`]: both come from
    /// the plan or from checked records.
    pub fn commit(
        &self,
        id: &str,
        files: &[NamedFile],
        done: &DoneRecord,
    ) -> Result<(), BatchError> {
        assert!(is_variant_id(id), "unchecked variant id {id:?}");
        let vdir = self.variant_dir(id);
        remove_dir_if_present(&vdir)?;
        fs::create_dir_all(&vdir).map_err(io_err(&vdir))?;
        let mut done = done.clone();
        done.tables.clear();
        for (name, bytes) in files {
            assert!(
                VARIANT_TABLES.contains(&name.as_str()),
                "not a variant table: {name:?}"
            );
            let path = vdir.join(name);
            write_atomic(&path, |w| io::Write::write_all(w, bytes)).map_err(io_err(&path))?;
            done.tables.push(TableRecord::of(name, bytes));
        }
        write_json(&vdir.join(DONE), &done)
    }

    /// Removes the manifest, the combined tables (those a previous manifest lists and the
    /// known ones) and temporary files an interrupted writer left in the directory.
    fn remove_combined(&self) -> Result<(), BatchError> {
        let manifest = self.dir.join(MANIFEST);
        let mut names: Vec<String> = VARIANT_TABLES
            .iter()
            .chain(SUMMARY_TABLES)
            .map(|s| (*s).to_string())
            .collect();
        names.push(VARIANTS_CSV.to_string());
        if let Ok(Some(m)) = read_json::<serde_json::Value>(&manifest)
            && let Some(outputs) = m.get("outputs").and_then(|o| o.as_array())
        {
            names.extend(
                outputs
                    .iter()
                    .filter_map(|o| o.as_str())
                    .map(str::to_string),
            );
        }
        remove_file_if_present(&manifest)?;
        for name in names {
            // Only plain file names: a hand-edited manifest must not reach outside `dir`.
            if Path::new(&name)
                .file_name()
                .is_some_and(|f| f == name.as_str())
            {
                remove_file_if_present(&self.dir.join(&name))?;
            }
        }
        let entries = fs::read_dir(&self.dir).map_err(io_err(&self.dir))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                remove_file_if_present(&entry.path())?;
            }
        }
        Ok(())
    }
}

fn remove_file_if_present(path: &Path) -> Result<(), BatchError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

fn remove_dir_if_present(path: &Path) -> Result<(), BatchError> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "v000000000001";
    const V2: &str = "v000000000002";
    const V3: &str = "v000000000003";

    fn record(basis: &str, shard: Shard) -> SweepRecord {
        SweepRecord {
            tool: "corridor-sim".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            owner: "batch /s.toml".into(),
            sweep: "s.toml".into(),
            command: "run".into(),
            fingerprint: "sweep".into(),
            basis: basis.into(),
            files: Vec::new(),
            shard,
            columns: vec!["a.b".into()],
            variants: [V1, V2, V3]
                .iter()
                .map(|id| VariantRecord {
                    id: (*id).into(),
                    label: (*id).into(),
                    cells: vec!["1".into()],
                })
                .collect(),
        }
    }

    fn done(id: &str, basis: &str) -> DoneRecord {
        DoneRecord {
            id: id.into(),
            fingerprint: "sweep".into(),
            basis: basis.into(),
            tables: Vec::new(),
            replications: 1,
            seed: 1,
            events: 0,
            wall_time_s: 0.0,
        }
    }

    #[test]
    fn commits_survive_a_resume_and_not_a_fresh_start() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let store = Store::open(dir, record("f", Shard::WHOLE), false).unwrap();
        assert_eq!(store.pending(), [0, 1, 2]);
        let files = vec![("od_summary.csv".to_string(), b"x\n".to_vec())];
        store.commit(V2, &files, &done(V2, "f")).unwrap();
        // A marker computed on another basis does not count.
        store.commit(V3, &files, &done(V3, "other")).unwrap();
        assert_eq!(store.pending(), [0, 2]);
        // Stale combined files go when a run starts.
        fs::write(dir.join("od_summary.csv"), "old").unwrap();
        fs::write(dir.join(".od_summary.csv.tmp-1-2"), "partial").unwrap();
        let store = Store::open(dir, record("f", Shard::WHOLE), true).unwrap();
        assert_eq!(store.pending(), [0, 2]);
        assert!(!dir.join("od_summary.csv").exists());
        assert!(!dir.join(".od_summary.csv.tmp-1-2").exists());
        let store = Store::open(dir, record("f", Shard::WHOLE), false).unwrap();
        assert_eq!(store.pending(), [0, 1, 2]);
    }

    #[test]
    fn resume_checks_the_basis_and_follows_the_shard() {
        let tmp = tempfile::tempdir().unwrap();
        let half = Shard::new(1, 2).unwrap();
        Store::open(tmp.path(), record("f", half), false).unwrap();
        let other = Store::open(tmp.path(), record("g", half), true).unwrap_err();
        assert!(matches!(other, BatchError::OtherSweep { .. }), "{other}");
        let store = Store::open(tmp.path(), record("f", half), true).unwrap();
        // Shard 1/2 of three variants is the one in the middle.
        assert_eq!(store.pending(), [1]);
        let files = vec![("od_summary.csv".to_string(), b"x\n".to_vec())];
        store.commit(V2, &files, &done(V2, "f")).unwrap();
        // Resumed whole, the variant committed as part of shard 1/2 is kept.
        let store = Store::open(tmp.path(), record("f", Shard::WHOLE), true).unwrap();
        assert_eq!(store.pending(), [0, 2]);
    }
}
