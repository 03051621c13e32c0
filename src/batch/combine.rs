//! The combined tables of a directory, from its committed variants.
//!
//! Each combined table is the variants' tables concatenated in canonical variant order,
//! header once, with the sweep's parameter columns inserted after `variant` — taken from
//! the directory's record, not from the committed files, so a resumed sweep whose
//! `[[vary]]` were reordered or whose `[[variants]]` set a new path gets the columns of
//! the sweep as it is now. Both `batch` (from the variants it just committed) and `merge` (from the
//! variants it copied out of the shards) go through this one function over the same
//! committed files, which is what makes a merged sweep byte-identical to an unsharded one.
//! Rows are streamed from file to file, so a sweep of thousands of variants is combined in
//! little memory. A sweep of a comparison command also gets its stability summary
//! ([`super::stability`]), from the same committed files.

use super::BatchError;
use super::shard::Shard;
use super::store::{DoneRecord, MANIFEST, Store, VARIANTS_CSV, write_json};
use crate::output::atomic::write_atomic;
use crate::output::manifest::{Provenance, SourceFile};
use serde::Serialize;
use std::io;
use std::path::Path;

/// What a combine wrote and summed.
#[derive(Clone, Debug, PartialEq)]
pub struct Combined {
    /// Files written, in write order (tables, then `variants.csv`).
    pub outputs: Vec<String>,
    /// Variants in the directory.
    pub variants: usize,
    /// Replications over all of them.
    pub replications: u64,
    /// Events over all of them.
    pub events: u64,
    /// Simulation wall time summed over the variants, seconds.
    pub simulated_s: f64,
}

/// Writes the combined tables and `variants.csv` of `store`'s shard.
///
/// # Errors
/// [`BatchError::Incomplete`] if a variant of the shard is not committed;
/// [`BatchError::Corrupt`] if committed variants disagree on their tables or headers;
/// I/O errors.
pub fn combine(store: &Store) -> Result<Combined, BatchError> {
    let record = store.record();
    let slice: Vec<_> = record.slice().map(|(_, v)| v).collect();
    let mut dones: Vec<DoneRecord> = Vec::with_capacity(slice.len());
    let mut missing = 0usize;
    for v in &slice {
        match store.done(&v.id) {
            Some(d) => dones.push(d),
            None => missing += 1,
        }
    }
    if missing > 0 {
        return Err(BatchError::Incomplete {
            dir: store.dir().to_path_buf(),
            missing,
            total: slice.len(),
        });
    }
    let names =
        |d: &DoneRecord| -> Vec<String> { d.tables.iter().map(|t| t.name.clone()).collect() };
    let tables: Vec<String> = dones.first().map(names).unwrap_or_default();
    if let Some(d) = dones.iter().find(|d| names(d) != tables) {
        return Err(BatchError::Corrupt {
            path: store.variant_dir(&d.id),
            message: format!(
                "its tables ({}) differ from the other variants' ({})",
                names(d).join(", "),
                tables.join(", ")
            ),
        });
    }

    let mut outputs = Vec::with_capacity(tables.len() + 1);
    for name in &tables {
        let path = store.dir().join(name);
        let sources: Vec<_> = slice
            .iter()
            .map(|v| (store.variant_dir(&v.id).join(name), v.cells.as_slice()))
            .collect();
        concatenate(&path, &record.columns, &sources)?;
        outputs.push(name.clone());
    }
    if let Some(summary) = super::stability::write(store, &record.command, &slice)? {
        outputs.push(summary);
    }

    let path = store.dir().join(VARIANTS_CSV);
    write_atomic(&path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let header = ["variant", "label"]
            .into_iter()
            .chain(record.columns.iter().map(String::as_str));
        csv.write_record(header)?;
        for v in &slice {
            let row = [v.id.as_str(), v.label.as_str()]
                .into_iter()
                .chain(v.cells.iter().map(String::as_str));
            csv.write_record(row)?;
        }
        csv.flush()
    })
    .map_err(|source| BatchError::Io { path, source })?;
    outputs.push(VARIANTS_CSV.to_string());

    Ok(Combined {
        outputs,
        variants: slice.len(),
        replications: dones.iter().map(|d| u64::from(d.replications)).sum(),
        events: dones.iter().map(|d| d.events).sum(),
        simulated_s: dones.iter().map(|d| d.wall_time_s).sum(),
    })
}

/// Writes `path` as the CSV files of `sources` one after the other, the (identical)
/// header once, each row with its file's `cells` (the parameter `columns`) inserted after
/// the `variant` column.
fn concatenate(
    path: &Path,
    columns: &[String],
    sources: &[(std::path::PathBuf, &[String])],
) -> Result<(), BatchError> {
    let mut mismatch: Option<std::path::PathBuf> = None;
    write_atomic(path, |w| {
        let mut out = csv::Writer::from_writer(w);
        let mut header: Option<(csv::StringRecord, usize)> = None;
        let with = |rec: &csv::StringRecord, at: usize, cells: &[String]| {
            let mut row = csv::StringRecord::with_capacity(rec.as_slice().len(), rec.len());
            for (i, field) in rec.iter().enumerate() {
                row.push_field(field);
                if i == at {
                    cells.iter().for_each(|c| row.push_field(c));
                }
            }
            row
        };
        for (src, cells) in sources {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(src)?;
            let mut records = rdr.records();
            let Some(first) = records.next().transpose()? else {
                continue;
            };
            let at = match &header {
                None => {
                    let Some(at) = first.iter().position(|h| h == "variant") else {
                        mismatch = Some(src.clone());
                        return Err(io::Error::other("no variant column"));
                    };
                    out.write_record(&with(&first, at, columns))?;
                    header = Some((first, at));
                    at
                }
                Some((h, _)) if *h != first => {
                    mismatch = Some(src.clone());
                    return Err(io::Error::other("header mismatch"));
                }
                Some((_, at)) => *at,
            };
            for rec in records {
                out.write_record(&with(&rec?, at, cells))?;
            }
        }
        out.flush()
    })
    .map_err(|source| match mismatch.take() {
        Some(src) => BatchError::Corrupt {
            path: src,
            message: "its header differs from the other variants' (written by another version?)"
                .to_string(),
        },
        None => BatchError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// `manifest.json` of a batch or merge directory.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchManifest {
    /// Tool, version, command (`batch` or `merge`), arguments, wall time and outputs.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The sweep file, as given to `batch`.
    pub sweep: String,
    /// The sweep's fingerprint.
    pub fingerprint: String,
    /// The sweep file and the base scenario files.
    pub sweep_files: Vec<SourceFile>,
    /// The slice held (`0/1` after a merge).
    pub shard: Shard,
    /// Directories merged (empty for `batch`).
    pub inputs: Vec<String>,
    /// Variants in the whole sweep.
    pub variants_total: usize,
    /// Variants in this directory.
    pub variants: usize,
    /// Replications over this directory's variants.
    pub replications: u64,
    /// Events over this directory's variants.
    pub events: u64,
    /// Worker threads (`batch` only).
    pub threads: Option<usize>,
}

impl BatchManifest {
    /// A manifest for `store` after `combined`; the caller fills in the command details.
    #[must_use]
    pub fn new(store: &Store, combined: &Combined, command: &str) -> BatchManifest {
        let r = store.record();
        BatchManifest {
            provenance: Provenance {
                outputs: combined.outputs.clone(),
                ..Provenance::new(command, Vec::new())
            },
            sweep: r.sweep.clone(),
            fingerprint: r.fingerprint.clone(),
            sweep_files: r.files.clone(),
            shard: r.shard,
            inputs: Vec::new(),
            variants_total: r.variants.len(),
            variants: combined.variants,
            replications: combined.replications,
            events: combined.events,
            threads: None,
        }
    }

    /// Writes `dir/manifest.json` atomically: the last file of a complete directory.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, dir: &Path) -> Result<(), BatchError> {
        write_json(&dir.join(MANIFEST), self)
    }
}
