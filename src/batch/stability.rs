//! Whether a decision holds across a sweep: summaries over the variants of a comparison.
//!
//! A sweep of `compare-zones` answers "is the best zone still best if the weights, the
//! values of time or a connector change?" — `rank_stability.csv` counts, per zone, how
//! often it ranked first and in the top three. A sweep of `diff` or `plugin` answers
//! "does the policy (or the zone) still help?" — `effect_stability.csv` counts, per
//! entity and metric of the headline table, how often the paired difference was
//! significantly higher, significantly lower, or not significant.
//!
//! Both are computed from the committed variant tables in canonical variant order, by
//! the combine that `batch` and `merge` share, so they are byte-identical however the
//! sweep was sharded or threaded. Shares are over the variants in the directory (a zone
//! left out of some variants counts as neither best nor top-3 there).

use super::BatchError;
use super::store::{Store, VariantRecord};
use crate::output::atomic::write_atomic;
use crate::output::tables::num;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `rank_stability.csv`.
pub const RANK_STABILITY: &str = "rank_stability.csv";
/// `effect_stability.csv`.
pub const EFFECT_STABILITY: &str = "effect_stability.csv";

/// Ranks counted as "top 3".
const TOP: u64 = 3;

/// Columns of `rank_stability.csv`.
const RANK_HEADER: &[&str] = &[
    "zone",
    "name",
    "variants",
    "times_best",
    "share_best",
    "times_top3",
    "share_top3",
    "mean_rank",
    "best_rank",
    "worst_rank",
];

/// Columns of `effect_stability.csv` after the key columns.
const EFFECT_VALUES: &[&str] = &[
    "variants",
    "times_higher",
    "times_lower",
    "times_not_significant",
    "share_higher",
    "share_lower",
    "diff_mean_min",
    "diff_mean_max",
];

/// Writes the summary of `command`'s tables over the `slice` of `store`, if the command
/// has one; returns the file written.
///
/// # Errors
/// [`BatchError::Corrupt`] for a committed table without the columns needed; I/O errors.
pub fn write(
    store: &Store,
    command: &str,
    slice: &[&VariantRecord],
) -> Result<Option<String>, BatchError> {
    let files = |table: &str| -> Vec<PathBuf> {
        slice
            .iter()
            .map(|v| store.variant_dir(&v.id).join(table))
            .collect()
    };
    let (name, header, rows) = match command {
        "compare-zones" => {
            let rows = rank_rows(&files("zone_ranking.csv"), slice.len())?;
            let header: Vec<String> = RANK_HEADER.iter().map(|s| (*s).to_string()).collect();
            (RANK_STABILITY, header, rows)
        }
        "diff" => effect(
            &files("diff_corridor.csv"),
            &["corridor", "corridor_name", "metric"],
            "diff_mean",
            slice.len(),
        )?,
        "plugin" => effect(
            &files("plugin_deltas.csv"),
            &["entity_kind", "entity", "detail", "metric"],
            "delta_mean",
            slice.len(),
        )?,
        _ => return Ok(None),
    };
    let path = store.dir().join(name);
    write_atomic(&path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(&header)?;
        for row in &rows {
            csv.write_record(row)?;
        }
        csv.flush()
    })
    .map_err(|source| BatchError::Io { path, source })?;
    Ok(Some(name.to_string()))
}

/// One committed table: its header and rows, with the columns `wanted` located.
struct Read {
    at: Vec<usize>,
    rows: Vec<csv::StringRecord>,
}

fn read(path: &Path, wanted: &[&str]) -> Result<Read, BatchError> {
    let corrupt = |message: String| BatchError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let mut rdr = csv::Reader::from_path(path).map_err(|e| corrupt(e.to_string()))?;
    let header = rdr.headers().map_err(|e| corrupt(e.to_string()))?.clone();
    let mut at = Vec::with_capacity(wanted.len());
    for w in wanted {
        match header.iter().position(|h| h == *w) {
            Some(i) => at.push(i),
            None => return Err(corrupt(format!("has no `{w}` column"))),
        }
    }
    let rows = rdr
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(Read { at, rows })
}

#[derive(Default)]
struct RankTally {
    name: String,
    variants: u64,
    best: u64,
    top: u64,
    rank_sum: u64,
    best_rank: u64,
    worst_rank: u64,
}

fn share(count: u64, of: usize) -> String {
    if of == 0 {
        String::new()
    } else {
        num(count as f64 / of as f64)
    }
}

/// The rows of `rank_stability.csv`: zones by mean rank (then more often best, then id).
fn rank_rows(files: &[PathBuf], total: usize) -> Result<Vec<Vec<String>>, BatchError> {
    let mut zones: BTreeMap<String, RankTally> = BTreeMap::new();
    for path in files {
        let t = read(path, &["zone", "name", "rank"])?;
        for row in &t.rows {
            let rank: u64 = row[t.at[2]].parse().map_err(|_| BatchError::Corrupt {
                path: path.clone(),
                message: format!("rank `{}` is not a whole number", &row[t.at[2]]),
            })?;
            let z = zones.entry(row[t.at[0]].to_string()).or_default();
            if z.variants == 0 {
                z.name = row[t.at[1]].to_string();
                z.best_rank = rank;
            }
            z.variants += 1;
            z.best += u64::from(rank == 1);
            z.top += u64::from(rank <= TOP);
            z.rank_sum += rank;
            z.best_rank = z.best_rank.min(rank);
            z.worst_rank = z.worst_rank.max(rank);
        }
    }
    let mut order: Vec<(&String, &RankTally)> = zones.iter().collect();
    // Mean ranks compared exactly: a/n < b/m as a·m < b·n.
    order.sort_by(|(za, a), (zb, b)| {
        (a.rank_sum * b.variants)
            .cmp(&(b.rank_sum * a.variants))
            .then(b.best.cmp(&a.best))
            .then(za.cmp(zb))
    });
    Ok(order
        .into_iter()
        .map(|(zone, z)| {
            vec![
                zone.clone(),
                z.name.clone(),
                z.variants.to_string(),
                z.best.to_string(),
                share(z.best, total),
                z.top.to_string(),
                share(z.top, total),
                num(z.rank_sum as f64 / z.variants as f64),
                z.best_rank.to_string(),
                z.worst_rank.to_string(),
            ]
        })
        .collect())
}

struct EffectTally {
    keys: Vec<String>,
    variants: u64,
    higher: u64,
    lower: u64,
    min: Option<f64>,
    max: Option<f64>,
}

type Summary = (&'static str, Vec<String>, Vec<Vec<String>>);

/// `effect_stability.csv` from the paired tables `files`: one row per `keys` (in the
/// order first met), counting the variants whose difference `mean` is significantly
/// above or below zero (the table's `significant` column: the 95 % interval excludes
/// zero).
fn effect(
    files: &[PathBuf],
    keys: &[&str],
    mean: &str,
    total: usize,
) -> Result<Summary, BatchError> {
    let mut wanted: Vec<&str> = keys.to_vec();
    wanted.push(mean);
    wanted.push("significant");
    let mut index: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut tallies: Vec<EffectTally> = Vec::new();
    for path in files {
        let t = read(path, &wanted)?;
        let (mean_at, sig_at) = (t.at[keys.len()], t.at[keys.len() + 1]);
        for row in &t.rows {
            let key: Vec<String> = t.at[..keys.len()]
                .iter()
                .map(|&i| row[i].to_string())
                .collect();
            let i = *index.entry(key.clone()).or_insert_with(|| {
                tallies.push(EffectTally {
                    keys: key,
                    variants: 0,
                    higher: 0,
                    lower: 0,
                    min: None,
                    max: None,
                });
                tallies.len() - 1
            });
            let tally = &mut tallies[i];
            // A metric neither side observed (empty difference) is not an estimate.
            let Ok(diff) = row[mean_at].parse::<f64>() else {
                continue;
            };
            tally.variants += 1;
            if &row[sig_at] == "true" {
                tally.higher += u64::from(diff > 0.0);
                tally.lower += u64::from(diff < 0.0);
            }
            tally.min = Some(tally.min.map_or(diff, |m| m.min(diff)));
            tally.max = Some(tally.max.map_or(diff, |m| m.max(diff)));
        }
    }
    let header: Vec<String> = keys
        .iter()
        .chain(EFFECT_VALUES)
        .map(|s| (*s).to_string())
        .collect();
    let rows = tallies
        .into_iter()
        .map(|t| {
            let mut row = t.keys;
            row.extend([
                t.variants.to_string(),
                t.higher.to_string(),
                t.lower.to_string(),
                (t.variants - t.higher - t.lower).to_string(),
                share(t.higher, total),
                share(t.lower, total),
                t.min.map_or_else(String::new, num),
                t.max.map_or_else(String::new, num),
            ]);
            row
        })
        .collect();
    Ok((EFFECT_STABILITY, header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, name: &str, tables: &[&str]) -> Vec<PathBuf> {
        tables
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let p = dir.join(format!("{i}-{name}"));
                std::fs::write(&p, text).unwrap();
                p
            })
            .collect()
    }

    #[test]
    fn ranks_are_counted_and_ordered_by_mean_rank() {
        let tmp = tempfile::tempdir().unwrap();
        let head = "scenario,variant,zone,rank,name\n";
        let f = files(
            tmp.path(),
            "r.csv",
            &[
                &format!("{head}s,v1,a,1,A\ns,v1,b,2,B\ns,v1,c,3,C\ns,v1,d,4,D\n"),
                &format!("{head}s,v2,b,1,B\ns,v2,a,2,A\ns,v2,d,3,D\ns,v2,c,4,C\n"),
                &format!("{head}s,v3,b,1,B\ns,v3,a,2,A\ns,v3,c,3,C\ns,v3,d,4,D\n"),
            ],
        );
        let rows = rank_rows(&f, 3).unwrap();
        let zone = |i: usize| rows[i][0].as_str();
        assert_eq!([zone(0), zone(1), zone(2), zone(3)], ["b", "a", "c", "d"]);
        // b: ranks 2, 1, 1.
        assert_eq!(
            rows[0][1..],
            ["B", "3", "2", "0.6667", "3", "1.0000", "1.3333", "1", "2"]
        );
        // d: top-3 once (rank 3 in v2).
        assert_eq!(rows[3][5..7], ["1", "0.3333"]);
        let err = rank_rows(&files(tmp.path(), "x.csv", &["zone,rank\na,1\n"]), 1);
        assert!(matches!(err, Err(BatchError::Corrupt { .. })));
    }

    #[test]
    fn effects_count_significant_signs_only() {
        let tmp = tempfile::tempdir().unwrap();
        let head = "variant,corridor,corridor_name,metric,diff_mean,significant\n";
        let f = files(
            tmp.path(),
            "d.csv",
            &[
                &format!("{head}v1,r,R,teu,-5.0,true\nv1,r,R,cost,1.0,false\n"),
                &format!("{head}v2,r,R,teu,-2.0,true\nv2,r,R,cost,3.0,true\n"),
                &format!("{head}v3,r,R,teu,4.0,false\nv3,r,R,cost,,\n"),
            ],
        );
        let (_, header, rows) =
            effect(&f, &["corridor", "corridor_name", "metric"], "diff_mean", 3).unwrap();
        assert_eq!(header[3], "variants");
        assert_eq!(
            rows[0],
            [
                "r", "R", "teu", "3", "0", "2", "1", "0.0000", "0.6667", "-5.0000", "4.0000"
            ]
        );
        // The empty difference is no estimate: two variants, one significantly higher.
        assert_eq!(
            rows[1],
            [
                "r", "R", "cost", "2", "1", "0", "1", "0.3333", "0.0000", "1.0000", "3.0000"
            ]
        );
    }
}
