//! `corridor site-scan FILE [--grid-km KM] [--bbox W,S,E,N] [--polygon FILE.geojson |
//! --points FILE] [--procedure kn --delta USD [--alpha A] | --procedure fixed] [--shard K/N] [--out DIR]`:
//! a hypothetical zone at every cell of a grid (or at given points), each connected by
//! road to its nearest hubs and scored like `compare-zones`. `--polygon` keeps the grid
//! cells whose centre lies inside a boundary (a municipality, holes respected).
//!
//! A sharded scan (`--shard K/N`, fixed design only) writes its cells' results with every
//! digit; `corridor merge` joins the shards into the tables of an unsharded scan.

use crate::Failure;
use crate::common::{self, SimArgs};
use crate::compare_zones::{ProcedureArg, ProcedureArgs, load_comparison, procedure};
use anyhow::Context;
use corridor_sim::batch::Shard;
use corridor_sim::compare::polygon::Area;
use corridor_sim::compare::scan::{self, Cell, CellResult, Slice};
use corridor_sim::hash::fnv1a64;
use corridor_sim::output::atomic::write_atomic;
use corridor_sim::output::geojson;
use corridor_sim::output::manifest::{Manifest, ReplicationsRun};
use corridor_sim::output::tables::CsvFlavour;
use corridor_sim::scenario::{Procedure, Scenario};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `corridor site-scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario.
    pub file: PathBuf,
    /// Grid step, km: cells about this many km square.
    #[arg(long, value_name = "KM", default_value_t = 10.0)]
    pub grid_km: f64,
    /// The grid's extent, west,south,east,north in degrees (default: the scenario's
    /// candidates and zones, two grid steps wider on every side).
    #[arg(
        long,
        value_name = "W,S,E,N",
        value_delimiter = ',',
        allow_negative_numbers = true,
        conflicts_with = "points"
    )]
    pub bbox: Option<Vec<f64>>,
    /// Score these places instead of a grid: a CSV file with the header `id,lon,lat`.
    #[arg(long, value_name = "FILE")]
    pub points: Option<PathBuf>,
    /// Keep only the grid cells whose centre lies inside the Polygons and MultiPolygons
    /// (holes respected) of this GeoJSON file; the grid covers their box unless --bbox
    /// is given.
    #[arg(long, value_name = "FILE.geojson", conflicts_with = "points")]
    pub polygon: Option<PathBuf>,
    #[command(flatten)]
    pub procedure: ProcedureArgs,
    /// Score only shard K of N of the cells (cell i when i mod N = K), for `corridor
    /// merge`; fixed design only.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// What a shard directory records about the scan it is part of, so that `merge` joins
/// only shards of one scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// Hash of the scenario files, the cells and the run settings.
    pub fingerprint: String,
    /// The shard.
    pub shard: String,
    /// Cells in the whole scan.
    pub cells: usize,
    /// Scenario name.
    pub scenario: String,
}

/// File name of a shard's [`ShardRecord`].
pub const SHARD_RECORD: &str = "site_scan_shard.json";

/// Why the cells cannot be made: a problem in a file that the message names (a
/// `--points` or `--polygon` file), or in the arguments or the scenario.
enum CellsError {
    /// The message starts with the file it is about.
    InFile(String),
    /// About the arguments or the scenario.
    Other(String),
}

/// The text of a `--points` or `--polygon` file.
fn read_text(path: &Path) -> Result<String, CellsError> {
    std::fs::read_to_string(path)
        .map_err(|e| CellsError::InFile(format!("{}: cannot read: {e}", path.display())))
}

/// The cells the arguments ask for.
fn cells(args: &Args, base: &Scenario) -> Result<Vec<Cell>, CellsError> {
    let other = |e: &dyn std::fmt::Display| CellsError::Other(e.to_string());
    if let Some(path) = &args.points {
        let text = read_text(path)?;
        return scan::points(path, &text).map_err(|e| CellsError::InFile(e.to_string()));
    }
    let area = match &args.polygon {
        Some(path) => {
            let text = read_text(path)?;
            Some(Area::parse(path, &text).map_err(|e| CellsError::InFile(e.to_string()))?)
        }
        None => None,
    };
    let bbox = match (&args.bbox, &area) {
        (Some(b), _) => <[f64; 4]>::try_from(b.as_slice()).map_err(|_| {
            CellsError::Other(format!(
                "--bbox takes four numbers, west,south,east,north; got {}",
                b.len()
            ))
        })?,
        (None, Some(a)) => a.bbox(),
        (None, None) => scan::default_bbox(base, args.grid_km).map_err(|e| other(&e))?,
    };
    let cells = scan::grid(bbox, args.grid_km).map_err(|e| other(&e))?;
    match (&area, &args.polygon) {
        (Some(a), Some(path)) => {
            let inside: Vec<Cell> = cells
                .into_iter()
                .filter(|c| a.contains(c.lon, c.lat))
                .collect();
            if inside.is_empty() {
                return Err(CellsError::InFile(format!(
                    "{}: no cell centre of the {} km grid lies inside the polygon: use a finer --grid-km, or a --bbox that overlaps it",
                    path.display(),
                    args.grid_km
                )));
            }
            Ok(inside)
        }
        _ => Ok(cells),
    }
}

/// The procedure: Kim–Nelson unless `--procedure fixed` is asked for.
fn scan_procedure(args: &ProcedureArgs, scenario: Procedure) -> Result<Procedure, String> {
    let chosen = ProcedureArgs {
        procedure: args.procedure.or_else(|| {
            (args.delta.is_some() || matches!(scenario, Procedure::KimNelson(_)))
                .then_some(ProcedureArg::Kn)
        }),
        ..*args
    };
    if chosen.procedure.is_none() {
        return Err("site-scan spends replications by the Kim–Nelson procedure: give --delta USD (the score difference worth telling apart), or --procedure fixed".into());
    }
    procedure(&chosen, scenario)
}

/// Writes `site_scan.csv` and `site_scan.geojson` (or a shard's cells), and the manifest.
pub fn run(args: &Args) -> Result<(), Failure> {
    let loaded = load_comparison(
        &args.file,
        &args.sim,
        |p| scan_procedure(&args.procedure, p),
        "a scan scores every cell on the same probe demand",
    )?;
    let bad = |msg: String| Err(common::bad_input(&args.file, msg));
    let base = &loaded.scenario;
    let all = match cells(args, base) {
        Ok(c) if c.is_empty() => return bad("the scan has no cell".into()),
        Ok(c) => c,
        Err(CellsError::InFile(msg)) => {
            eprintln!("{msg}");
            return Err(Failure::BadInput);
        }
        Err(CellsError::Other(msg)) => return bad(msg),
    };
    let sequential = scan::is_sequential(base);
    let slice = args.shard.map(|s| Slice {
        index: s.index as usize,
        count: s.count as usize,
    });
    if slice.is_some() && sequential {
        return bad("--shard needs --procedure fixed: the Kim–Nelson procedure decides on all cells together, so its cells cannot be scored apart".into());
    }
    let positions: Vec<usize> = (0..all.len())
        .filter(|&i| slice.is_none_or(|s| s.holds(i)))
        .collect();
    let mine: Vec<Cell> = positions.iter().map(|&i| all[i].clone()).collect();
    let scan_scenario = match scan::scan_scenario(base, &mine) {
        Ok(s) => s,
        Err(e) => return bad(e.to_string()),
    };
    let fingerprint = fingerprint(&loaded.sources, base, &all);
    let extra = match args.shard {
        Some(s) => format!("{fingerprint} shard {s}"),
        None => fingerprint.clone(),
    };
    let owner = common::owner("site-scan", &[&args.file], &extra);
    let out = args.sim.out.clone().unwrap_or_else(|| {
        let label = format!("site-scan-{}", common::stem(&args.file));
        common::default_out(&label, &owner)
    });
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;
    let reps = base.meta.replications;
    let bar = common::progress_bar((mine.len() as u64 + 1) * u64::from(reps), args.sim.quiet);
    let started = Instant::now();
    let result = pool.install(|| scan::score(&scan_scenario, &mine, &|| bar.inc(1)));
    bar.finish_and_clear();
    let results = match result {
        Ok(r) => r,
        Err(e) => return bad(e.to_string()),
    };
    let wall_time_s = started.elapsed().as_secs_f64();
    let name = &base.meta.name;
    let mut outputs = match args.shard {
        Some(shard) => {
            let record = ShardRecord {
                fingerprint,
                shard: shard.to_string(),
                cells: all.len(),
                scenario: name.clone(),
            };
            write_record(staged.path(), &record)?;
            let table = scan::shard_table(&positions, &results);
            common::write_tables(
                staged.path(),
                std::slice::from_ref(&table),
                CsvFlavour::Plain,
            )?;
            vec![table.file.to_string(), SHARD_RECORD.to_string()]
        }
        None => write_scan(staged.path(), name, &results, args.sim.csv_flavour())?,
    };
    outputs.push(write_network(staged.path(), base)?);
    let zone_replications: u64 = results.iter().map(|r| u64::from(r.replications)).sum();
    common::finish_output(
        staged,
        &[],
        &args.sim,
        &Manifest {
            scenario_path: args.file.display().to_string(),
            scenario_files: common::source_files(&loaded.sources),
            replications_run: sequential.then(|| ReplicationsRun {
                zones: zone_replications,
                base: results
                    .iter()
                    .map(|r| u64::from(r.replications))
                    .max()
                    .unwrap_or(0),
                zones_fixed_design: mine.len() as u64 * u64::from(reps),
            }),
            ..common::manifest(
                "site-scan",
                &owner,
                &base.meta,
                threads,
                wall_time_s,
                outputs,
            )
        },
    )?;
    if !args.sim.quiet {
        eprintln!(
            "{name}: {} cells, {zone_replications} cell replications of at most {} in {wall_time_s:.2} s; results in {}",
            mine.len(),
            mine.len() as u64 * u64::from(reps),
            out.display()
        );
    }
    Ok(())
}

/// Writes `site_scan.csv` and `site_scan.geojson` into `dir`; returns their names.
pub fn write_scan(
    dir: &Path,
    scenario: &str,
    results: &[CellResult],
    flavour: CsvFlavour,
) -> anyhow::Result<Vec<String>> {
    let table = scan::table(scenario, results);
    let mut outputs = common::write_tables(dir, std::slice::from_ref(&table), flavour)?;
    geojson::write(dir, scan::SITE_SCAN_GEOJSON, &scan::layer(results)).with_context(|| {
        format!(
            "cannot write {}",
            dir.join(scan::SITE_SCAN_GEOJSON).display()
        )
    })?;
    outputs.push(scan::SITE_SCAN_GEOJSON.to_string());
    Ok(outputs)
}

/// Writes the scenario's hubs and links (no freight) as `network.geojson`, which the
/// report draws under the heat map; returns its name.
fn write_network(dir: &Path, base: &Scenario) -> anyhow::Result<String> {
    let path = dir.join(geojson::NETWORK_GEOJSON);
    geojson::write(
        dir,
        geojson::NETWORK_GEOJSON,
        &geojson::network_outline(base),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(geojson::NETWORK_GEOJSON.to_string())
}

fn write_record(dir: &Path, record: &ShardRecord) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(SHARD_RECORD);
    write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, record)?;
        std::io::Write::write_all(w, b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// A hash of what decides a scan's results: the scenario files, the run settings and
/// every cell.
fn fingerprint(
    sources: &corridor_sim::scenario::SourceMap,
    base: &Scenario,
    cells: &[Cell],
) -> String {
    let mut text = String::new();
    for f in common::source_files(sources) {
        text.push_str(&f.sha256);
        text.push('\n');
    }
    text.push_str(&format!(
        "{} {} {:?}\n",
        base.meta.replications, base.meta.seed, base.compare.procedure
    ));
    for c in cells {
        text.push_str(&format!("{} {} {} {:?}\n", c.id, c.lon, c.lat, c.bounds));
    }
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

/// Reads a shard directory's record, if it is one.
pub fn read_record(dir: &Path) -> Option<anyhow::Result<ShardRecord>> {
    let path = dir.join(SHARD_RECORD);
    if !path.exists() {
        return None;
    }
    Some(
        std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))
            .and_then(|t| {
                serde_json::from_str(&t)
                    .with_context(|| format!("{}: not a site-scan shard record", path.display()))
            }),
    )
}

/// What `merge` records about a merged scan.
#[derive(Serialize)]
struct MergeManifest {
    #[serde(flatten)]
    provenance: corridor_sim::output::manifest::Provenance,
    owner: String,
    scenario: String,
    inputs: Vec<String>,
    cells: usize,
}

/// `corridor merge` of site-scan shard directories: checks they are shards of one scan
/// that together hold every cell once, and writes the tables of the unsharded scan.
pub fn merge(dirs: &[PathBuf], out: &Path, overwrite: bool, quiet: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let bad = |msg: String| {
        eprintln!("error: {msg}");
        Err(Failure::BadInput)
    };
    let mut first: Option<(PathBuf, ShardRecord)> = None;
    let mut by_position: Vec<Option<(PathBuf, CellResult)>> = Vec::new();
    for dir in dirs {
        let record = match read_record(dir) {
            None => {
                return bad(format!(
                    "{}: not a site-scan shard directory (no {SHARD_RECORD}); merge joins the shards of one scan",
                    dir.display()
                ));
            }
            Some(Err(e)) => return bad(format!("{e:#}")),
            Some(Ok(r)) => r,
        };
        match &first {
            None => {
                by_position = vec![None; record.cells];
                first = Some((dir.clone(), record.clone()));
            }
            Some((d0, r0)) if r0.fingerprint != record.fingerprint || r0.cells != record.cells => {
                return bad(format!(
                    "{} and {} are shards of different scans (scenario files, settings or cells differ)",
                    d0.display(),
                    dir.display()
                ));
            }
            Some(_) => {}
        }
        let path = dir.join(scan::SHARD_CELLS_CSV);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return bad(format!("{}: cannot read: {e}", path.display())),
        };
        let rows = match scan::read_shard_table(&text) {
            Ok(r) => r,
            Err(e) => return bad(format!("{}: {e}", path.display())),
        };
        for (position, result) in rows {
            let Some(slot) = by_position.get_mut(position) else {
                return bad(format!(
                    "{}: cell position {position} is outside the scan's {} cells",
                    path.display(),
                    record.cells
                ));
            };
            if let Some((other, _)) = slot {
                return bad(format!(
                    "cell `{}` is in both {} and {}",
                    result.cell.id,
                    other.display(),
                    dir.display()
                ));
            }
            *slot = Some((dir.clone(), result));
        }
    }
    let Some((_, record)) = first else {
        return bad("merge needs at least one directory".into());
    };
    let missing: Vec<usize> = (0..by_position.len())
        .filter(|&i| by_position[i].is_none())
        .collect();
    if !missing.is_empty() {
        return bad(format!(
            "{} of the scan's {} cells are in none of the directories (the first at position {}): a shard is missing or unfinished",
            missing.len(),
            record.cells,
            missing[0]
        ));
    }
    let results: Vec<CellResult> = by_position.into_iter().flatten().map(|(_, r)| r).collect();
    let owner = format!("merge site-scan {}", record.fingerprint);
    let staged = common::begin_output(out, &owner, overwrite)?;
    let mut outputs = write_scan(staged.path(), &record.scenario, &results, CsvFlavour::Plain)?;
    // Every shard wrote the same network (the fingerprint covers the scenario files).
    let network = dirs[0].join(geojson::NETWORK_GEOJSON);
    if network.is_file() {
        let to = staged.path().join(geojson::NETWORK_GEOJSON);
        std::fs::copy(&network, &to)
            .with_context(|| format!("cannot copy {} to {}", network.display(), to.display()))?;
        outputs.push(geojson::NETWORK_GEOJSON.to_string());
    }
    let manifest = MergeManifest {
        provenance: corridor_sim::output::manifest::Provenance {
            wall_time_s: started.elapsed().as_secs_f64(),
            outputs,
            ..corridor_sim::output::manifest::Provenance::new(
                "merge",
                std::env::args().skip(1).collect(),
            )
        },
        owner,
        scenario: record.scenario.clone(),
        inputs: dirs.iter().map(|d| d.display().to_string()).collect(),
        cells: record.cells,
    };
    let path = staged.path().join("manifest.json");
    write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        std::io::Write::write_all(w, b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))?;
    let target = staged.target().display().to_string();
    staged
        .commit()
        .with_context(|| format!("cannot put the results in place at {target}"))?;
    if !quiet {
        eprintln!(
            "merged {} site-scan shards: {} cells; results in {}",
            dirs.len(),
            record.cells,
            out.display()
        );
    }
    Ok(())
}
