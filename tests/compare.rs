//! Paired comparisons: `diff`, `plugin` and `compare-zones`.
//!
//! These check the properties planners rely on when they put deltas in a report: a
//! scenario compared with itself differs by exactly nothing; a zone that shares nothing
//! with a flow leaves that flow's figures exactly unchanged (common random numbers); the
//! better-connected of two otherwise identical zones ranks first; and results do not
//! depend on the thread count.

use corridor_sim::compare::paired::{self, EntityKind};
use corridor_sim::compare::zones;
use corridor_sim::run;
use corridor_sim::scenario::{self, Scenario};
use std::path::Path;
use std::process::Command;

const TWINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/zones/twins.toml");
const TWO_CORRIDORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/two_corridors.toml");

fn load(path: &str) -> Scenario {
    scenario::load(Path::new(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .scenario
}

fn corridor() -> Command {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
}

#[test]
fn diff_of_a_scenario_with_itself_is_zero_with_zero_width() {
    let s = load(TWO_CORRIDORS);
    let a = run::simulate(&s, &|| {}).unwrap();
    let b = run::simulate(&s, &|| {}).unwrap();
    let mut checked = 0;
    for kind in corridor_sim::compare::KINDS {
        for row in paired::compare(&a, &b, kind) {
            if let Some(d) = row.diff {
                assert_eq!(d.mean, 0.0, "{:?} {:?} {}", kind, row.keys, row.metric);
                assert_eq!(d.ci95_low, 0.0, "{:?} {:?} {}", kind, row.keys, row.metric);
                assert_eq!(d.ci95_high, 0.0, "{:?} {:?} {}", kind, row.keys, row.metric);
                assert!(!row.significant());
                checked += 1;
            }
            assert_eq!(row.a, row.b);
        }
    }
    assert!(checked > 20, "only {checked} paired figures");
}

#[test]
fn diff_cli_writes_four_tables_of_zero_differences() {
    let dir = tempfile::tempdir().unwrap();
    let out = corridor()
        .args(["diff", TWO_CORRIDORS, TWO_CORRIDORS, "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "diff_od.csv",
        "diff_corridor.csv",
        "diff_hub.csv",
        "diff_service.csv",
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (mean, low, high, sig) = (
            col("diff_mean"),
            col("diff_ci95_low"),
            col("diff_ci95_high"),
            col("significant"),
        );
        let mut rows = 0;
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[mean].is_empty() {
                continue;
            }
            assert_eq!(cells[mean], "0.0000", "{file}: {line}");
            assert_eq!(cells[low], "0.0000", "{file}: {line}");
            assert_eq!(cells[high], "0.0000", "{file}: {line}");
            assert_eq!(cells[sig], "false", "{file}: {line}");
            rows += 1;
        }
        assert!(rows > 0, "{file} has no paired rows");
    }
    assert!(dir.path().join("manifest.json").exists());
}

#[test]
fn a_zone_sharing_nothing_with_a_flow_leaves_it_exactly_unchanged() {
    let s = load(TWINS);
    let zone = s.candidate_by_id("near").unwrap();
    let plugged = s.with_candidate(zone);
    let before = run::simulate(&s, &|| {}).unwrap();
    let after = run::simulate(&plugged, &|| {}).unwrap();
    // The unrelated flow, replication by replication, bit for bit.
    for (b, a) in before.results.iter().zip(&after.results) {
        assert_eq!(b.od[0], a.od[0], "replication {}", b.replication);
    }
    let rows = paired::compare(&before, &after, EntityKind::Od);
    let unrelated: Vec<_> = rows
        .iter()
        .filter(|r| r.keys[0] == "other-origin")
        .collect();
    assert!(!unrelated.is_empty());
    for r in unrelated {
        let d = r.diff.expect("paired");
        assert_eq!(
            (d.mean, d.ci95_low, d.ci95_high),
            (0.0, 0.0, 0.0),
            "{}",
            r.metric
        );
    }
    // The zone's own flow exists only after.
    let own = rows.iter().find(|r| r.keys == ["near", "market"]).unwrap();
    assert!(own.a.is_none() && own.b.is_some() && own.diff.is_none());
}

#[test]
fn the_nearer_of_two_twin_zones_ranks_first() {
    let s = load(TWINS);
    let ids: Vec<_> = s
        .candidates
        .iter()
        .map(|c| s.candidate_by_id(&c.id).unwrap())
        .collect();
    let c = zones::compare_zones(&s, &ids, &|| {}).unwrap();
    let first = &c.ranking[0];
    assert_eq!(first.zone, "near", "{:#?}", c.ranking);
    assert_eq!(first.rank, 1);
    assert!(first.prob_best > 0.9, "prob_best {}", first.prob_best);
    assert!(c.ranking[1].score.mean > first.score.mean);
    // The far zone's extra road leg costs it about 175 USD and 8 hours of value of time.
    let gap = c.ranking[1].generalized_cost - first.generalized_cost;
    assert!(gap > 100.0, "generalized cost gap {gap}");
    assert_eq!(c.markets.len(), 2);
}

#[test]
fn compare_zones_is_identical_for_one_and_two_threads() {
    let run_with = |threads: &str| {
        let dir = tempfile::tempdir().unwrap();
        let out = corridor()
            .args([
                "compare-zones",
                TWINS,
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
        (
            read("zone_ranking.csv"),
            read("zone_market.csv"),
            out.stdout,
        )
    };
    assert_eq!(run_with("1"), run_with("2"));
}

#[test]
fn plugin_cli_reports_deltas_and_rejects_unknown_zones() {
    let dir = tempfile::tempdir().unwrap();
    let out = corridor()
        .args(["plugin", TWINS, "--zone", "far", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("plugin_deltas.csv")).unwrap();
    assert!(text.starts_with("scenario,zone,entity_kind,entity,detail,metric,before_mean"));
    assert!(text.contains(",far,od,far>market,,transit_days_mean,,,,"));
    assert!(dir.path().join("od_summary.csv").exists());

    let out = corridor()
        .args(["plugin", TWINS, "--zone", "nowhere", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no candidate zone `nowhere`"));
}
