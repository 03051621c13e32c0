//! Joining shard directories into one.
//!
//! Shards are run wherever a scheduler puts them, so what arrives at the merge is a set of
//! directories whose origin is only known from what they recorded. Each records its
//! sweep's fingerprint (the hash of the sweep file and base scenario files) and its slice;
//! the merge refuses directories of different sweeps or versions, any variant that more
//! than one directory holds (two shards run with overlapping specs, or the same one passed
//! twice) and any variant none holds, naming the directories concerned. It then copies the
//! committed variants into the output — which thereby becomes an ordinary, complete,
//! unsharded batch directory — and combines them with the same code an unsharded run uses.

use super::BatchError;
use super::combine::{Combined, combine};
use super::shard::Shard;
use super::store::{DoneRecord, Store, SweepRecord, VARIANTS_DIR, read_done};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// What is missing from a set of shard directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// Ids of the variants no directory holds, in canonical order.
    pub ids: Vec<String>,
    /// Variants in the sweep.
    pub total: usize,
    /// Directories whose shard is not complete: directory, its shard, variants it lacks.
    pub incomplete: Vec<(PathBuf, Shard, usize)>,
    /// Shards of the common shard count that no directory holds (when all directories
    /// were split the same way).
    pub absent: Vec<Shard>,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<&str> = self.ids.iter().take(5).map(String::as_str).collect();
        write!(
            f,
            "{} of the sweep's {} variants are in none of the directories ({}{})",
            self.ids.len(),
            self.total,
            shown.join(", "),
            if self.ids.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        )?;
        for (dir, shard, n) in &self.incomplete {
            write!(
                f,
                "; {} (shard {shard}) is unfinished, {n} variants short: run `corridor batch SWEEP --shard {shard} --resume --out {}`",
                dir.display(),
                dir.display()
            )?;
        }
        if !self.absent.is_empty() {
            let list: Vec<String> = self.absent.iter().map(ToString::to_string).collect();
            write!(f, "; no directory holds shard {}", list.join(", "))?;
        }
        Ok(())
    }
}

/// Merges the shard directories `dirs` into `out` and combines them.
///
/// # Errors
/// [`BatchError::NotABatch`], [`BatchError::DifferentSweeps`], [`BatchError::Duplicate`],
/// [`BatchError::Missing`], [`BatchError::OutIsInput`] (all bad input), or I/O errors.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Store, Combined), BatchError> {
    let mut records = Vec::with_capacity(dirs.len());
    for dir in dirs {
        match SweepRecord::read(dir) {
            Ok(Some(r)) => records.push(r),
            Ok(None) | Err(BatchError::Io { .. }) => {
                return Err(BatchError::NotABatch { dir: dir.clone() });
            }
            Err(e) => return Err(e),
        }
    }
    let Some(first) = records.first() else {
        return Err(BatchError::NoInputs);
    };
    for (dir, r) in dirs.iter().zip(&records).skip(1) {
        let what = if r.fingerprint != first.fingerprint {
            Some(format!(
                "sweep fingerprints {} ({}) and {} ({})",
                first.fingerprint, first.sweep, r.fingerprint, r.sweep
            ))
        } else if r.version != first.version {
            Some(format!(
                "corridor-sim versions {} and {}",
                first.version, r.version
            ))
        } else if r.variants != first.variants || r.columns != first.columns {
            Some("variant lists".to_string())
        } else {
            None
        };
        if let Some(what) = what {
            return Err(BatchError::DifferentSweeps {
                first: dirs[0].clone(),
                other: dir.clone(),
                what,
            });
        }
    }
    let out_canon = fs::canonicalize(out).ok();
    for dir in dirs {
        if out_canon.is_some() && fs::canonicalize(dir).ok() == out_canon {
            return Err(BatchError::OutIsInput { dir: dir.clone() });
        }
    }

    // Who holds what.
    let mut holders: BTreeMap<usize, Vec<(usize, DoneRecord)>> = BTreeMap::new();
    let mut incomplete = Vec::new();
    for (d, (dir, r)) in dirs.iter().zip(&records).enumerate() {
        let mut lacking = 0;
        for (i, v) in r.slice() {
            match read_done(dir, &v.id, &r.basis).map_err(|e| rerun_hint(e, dir, r.shard))? {
                Some(done) => holders.entry(i).or_default().push((d, done)),
                None => lacking += 1,
            }
        }
        if lacking > 0 {
            incomplete.push((dir.clone(), r.shard, lacking));
        }
    }
    if let Some((&i, held)) = holders.iter().find(|(_, h)| h.len() > 1) {
        let v = &first.variants[i];
        let duplicates = holders.values().filter(|h| h.len() > 1).count();
        return Err(BatchError::Duplicate {
            id: v.id.clone(),
            label: v.label.clone(),
            dirs: held.iter().map(|(d, _)| dirs[*d].clone()).collect(),
            count: duplicates,
        });
    }
    let missing: Vec<String> = (0..first.variants.len())
        .filter(|i| !holders.contains_key(i))
        .map(|i| first.variants[i].id.clone())
        .collect();
    if !missing.is_empty() {
        let counts: Vec<u32> = records.iter().map(|r| r.shard.count).collect();
        let absent = if counts.iter().all(|&c| c == counts[0]) {
            (0..counts[0])
                .filter(|&k| records.iter().all(|r| r.shard.index != k))
                .map(|k| Shard {
                    index: k,
                    count: counts[0],
                })
                .collect()
        } else {
            Vec::new()
        };
        return Err(BatchError::Missing(Missing {
            ids: missing,
            total: first.variants.len(),
            incomplete,
            absent,
        }));
    }

    let mut record = first.clone();
    record.shard = Shard::WHOLE;
    let store = Store::open(out, record, false)?;
    for (&i, held) in &holders {
        let (d, done) = &held[0];
        let id = &first.variants[i].id;
        let src = dirs[*d].join(VARIANTS_DIR).join(id);
        let mut files = Vec::with_capacity(done.tables.len());
        for table in &done.tables {
            let path = src.join(&table.name);
            let bytes = fs::read(&path).map_err(|source| BatchError::Io {
                path: path.clone(),
                source,
            })?;
            // Checked when the holders were found; checked again on the bytes copied.
            table
                .verify(&path, &bytes)
                .map_err(|e| rerun_hint(e, &dirs[*d], records[*d].shard))?;
            files.push((table.name.clone(), bytes));
        }
        store.commit(id, &files, done)?;
    }
    let combined = combine(&store)?;
    Ok((store, combined))
}

/// A damaged committed variant, with the command that recomputes it (`--resume` counts a
/// variant whose tables changed as not committed).
fn rerun_hint(e: BatchError, dir: &Path, shard: Shard) -> BatchError {
    match e {
        BatchError::Damaged { path, message } => BatchError::Damaged {
            path,
            message: format!(
                "{message}; recompute it with `corridor batch SWEEP --shard {shard} --resume --out {}`",
                dir.display()
            ),
        },
        e => e,
    }
}
