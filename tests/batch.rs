//! Batch runs and merges, through the `corridor` binary (and the library where the
//! question is about ids): sharding and merging give the unsharded bytes, an interrupted
//! run resumes to the same bytes, ids survive added values, bad sweeps and bad merges are
//! refused with exit code 2 and a location.

mod cli;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cli::{corridor, data, ok, refused, run, stderr};
use corridor_sim::batch::{self, Plan};

fn batch(sweep: &Path, out: &Path) -> Command {
    let mut c = corridor();
    c.arg("batch").arg(sweep).arg("--out").arg(out);
    c
}

/// The CSV files at the top of `dir`, by name.
fn csvs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect()
}

fn assert_same_csvs(expected: &Path, actual: &Path) {
    let (e, a) = (csvs(expected), csvs(actual));
    assert_eq!(
        e.keys().collect::<Vec<_>>(),
        a.keys().collect::<Vec<_>>(),
        "{} vs {}",
        expected.display(),
        actual.display()
    );
    assert!(e.len() >= 6, "tables and variants.csv: {:?}", e.keys());
    for (name, bytes) in &e {
        assert!(
            a[name] == *bytes,
            "{name} differs between {} and {}",
            expected.display(),
            actual.display()
        );
    }
}

/// Data rows of `dir/variants.csv` (variant ids, in file order).
fn variant_ids(dir: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(dir.join("variants.csv")).unwrap();
    r.records().map(|rec| rec.unwrap()[0].to_string()).collect()
}

/// Writes `text` as a sweep file whose base is `tests/data/two_corridors.toml`.
fn sweep_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let base = data("two_corridors.toml");
    let path = dir.join(name);
    let text = format!("base = {:?}\n{text}", base.display().to_string());
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn three_shards_merged_equal_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = data("sweeps/small.toml");
    let whole = tmp.path().join("whole");
    ok(batch(&sweep, &whole).args(["--threads", "2", "--quiet"]));

    // Three ways to name a shard: the argument, a Slurm array task (counting from 1),
    // a Kubernetes indexed Job. One thread each: the thread count must not matter either.
    let shards: Vec<PathBuf> = (0..3).map(|k| tmp.path().join(format!("s{k}"))).collect();
    ok(batch(&sweep, &shards[0]).args(["--shard", "0/3", "--threads", "1", "--quiet"]));
    ok(batch(&sweep, &shards[1])
        .args(["--threads", "1", "--quiet"])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3"));
    ok(batch(&sweep, &shards[2])
        .args(["--shards", "3", "--threads", "1", "--quiet"])
        .env("JOB_COMPLETION_INDEX", "2"));

    // Each shard holds its round-robin slice.
    let all = variant_ids(&whole);
    assert_eq!(all.len(), 8);
    for (k, dir) in shards.iter().enumerate() {
        let expected: Vec<String> = all.iter().skip(k).step_by(3).cloned().collect();
        assert_eq!(variant_ids(dir), expected, "shard {k}/3");
    }

    let merged = tmp.path().join("merged");
    // Any order of the shard directories.
    ok(corridor()
        .arg("merge")
        .args([&shards[2], &shards[0], &shards[1]])
        .arg("--out")
        .arg(&merged)
        .arg("--quiet"));
    assert_same_csvs(&whole, &merged);
    assert!(merged.join("manifest.json").exists());
}

#[test]
fn tables_carry_the_variant_and_its_parameters_and_match_corridor_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("small");
    ok(batch(&data("sweeps/small.toml"), &out).arg("--quiet"));

    let mut r = csv::Reader::from_path(out.join("od_summary.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..7],
        [
            "scenario",
            "variant",
            "services.weekly-ship.departures_per_week",
            "hubs.port.transfer.time_h",
            "choice.logit_scale",
            "services.weekly-ship.capacity_teu",
            "origin"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // One demand flow: one row per variant, in canonical order.
    let ids = variant_ids(&out);
    assert_eq!(
        rows.iter().map(|r| r[1].to_string()).collect::<Vec<_>>(),
        ids
    );
    // A hand-picked variant gets the base's value in the columns it does not set.
    let aon = &rows[7];
    assert_eq!(
        aon.iter().take(6).collect::<Vec<_>>(),
        ["two-corridors", ids[7].as_str(), "1", "2", "inf", "200"]
    );

    // The `baseline` variant (no parameters) is exactly `corridor run` of the base with
    // the sweep's replications: same seed, same streams.
    let single = tmp.path().join("single");
    ok(corridor()
        .arg("run")
        .arg(data("two_corridors.toml"))
        .args(["--replications", "3", "--quiet", "--out"])
        .arg(&single));
    let run_od = fs::read_to_string(single.join("od_summary.csv")).unwrap();
    let run_row: Vec<&str> = run_od.lines().nth(1).unwrap().split(',').collect();
    let baseline: Vec<&str> = rows[6].iter().collect();
    assert_eq!(baseline[0], run_row[0]);
    assert_eq!(baseline[6..], run_row[1..]);
}

#[cfg(unix)] // sends SIGINT with kill(1)
#[test]
fn an_interrupted_run_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = data("sweeps/many.toml");
    let clean = tmp.path().join("clean");
    ok(batch(&sweep, &clean).arg("--quiet"));
    let total = variant_ids(&clean).len();
    assert_eq!(total, 12);

    let done_markers = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        let Ok(entries) = fs::read_dir(dir.join("variants")) else {
            return BTreeMap::new();
        };
        entries
            .filter_map(|e| {
                let p = e.unwrap().path().join("done.json");
                let bytes = fs::read(&p).ok()?;
                Some((p.display().to_string(), bytes))
            })
            .collect()
    };

    // Interrupt once at least one variant is committed and not all are. The run may
    // outpace the poll on a fast machine: then try again.
    let mut interrupted = None;
    for attempt in 0..5 {
        let out = tmp.path().join(format!("interrupted-{attempt}"));
        let mut child = batch(&sweep, &out)
            .args(["--threads", "2", "--quiet"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let n = done_markers(&out).len();
            if n >= 1 && n < total {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(2));
        }
        ok(Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .stderr(Stdio::null()));
        let status = child.wait().unwrap();
        if status.success() {
            continue; // it finished before the signal arrived
        }
        interrupted = Some(out);
        break;
    }
    let out = interrupted.expect("could not interrupt a run midway in 5 attempts");

    // Nothing combined is left behind: only committed variants.
    let committed = done_markers(&out);
    assert!(!committed.is_empty() && committed.len() < total);
    for name in [
        "od_summary.csv",
        "route_shares.csv",
        "corridor_summary.csv",
        "hub_summary.csv",
        "service_summary.csv",
        "variants.csv",
        "manifest.json",
    ] {
        assert!(
            !out.join(name).exists(),
            "{name} exists after the interrupt"
        );
    }

    let resumed = ok(batch(&sweep, &out).arg("--resume"));
    let expected = format!(
        "({} already committed, {} run)",
        committed.len(),
        total - committed.len()
    );
    assert!(stderr(&resumed).contains(&expected), "{}", stderr(&resumed));
    assert_same_csvs(&clean, &out);
    // The variants committed before the interrupt were kept, not recomputed.
    let after = done_markers(&out);
    for (path, bytes) in &committed {
        assert_eq!(after.get(path), Some(bytes), "{path} was rewritten");
    }
    assert_eq!(after.len(), total);
}

#[test]
fn resume_after_adding_a_value_runs_only_the_new_variants() {
    let tmp = tempfile::tempdir().unwrap();
    let vary = |values: &str| {
        format!(
            "replications = 2\n[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = {values}\n"
        )
    };
    let out = tmp.path().join("out");
    let first = sweep_file(tmp.path(), "first.toml", &vary("[1, 2]"));
    ok(batch(&first, &out).arg("--quiet"));
    // A value added in front: positions shift, ids do not, so both results are kept.
    let grown = sweep_file(tmp.path(), "grown.toml", &vary("[3, 1, 2]"));
    let o = ok(batch(&grown, &out).arg("--resume"));
    assert!(
        stderr(&o).contains("(2 already committed, 1 run)"),
        "{}",
        stderr(&o)
    );
    let clean = tmp.path().join("clean");
    ok(batch(&grown, &clean).arg("--quiet"));
    assert_same_csvs(&clean, &out);

    // Another override (or base scenario) changes every result: resuming is refused.
    let other = sweep_file(
        tmp.path(),
        "other.toml",
        &vary("[1, 2]").replace("replications = 2", "replications = 3"),
    );
    let o = run(batch(&other, &out).arg("--resume"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another base scenario"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn variant_ids_are_stable_when_a_value_is_added() {
    let tmp = tempfile::tempdir().unwrap();
    let ids = |name: &str, text: &str| -> BTreeMap<String, String> {
        let plan = Plan::load(&sweep_file(tmp.path(), name, text)).unwrap();
        plan.variants
            .iter()
            .map(|v| (v.label.clone(), v.id.clone()))
            .collect()
    };
    let before = ids(
        "before.toml",
        "[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [1, 2]\n\
         [[vary]]\npath = \"hubs.port.transfer.time_h\"\nvalues = [2, { dist = \"fixed\", value = 3 }]\n",
    );
    // A value added in front (every position shifts), the file laid out differently.
    let after = ids(
        "after.toml",
        "[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [0.5, 1.0, 2]\n\
         [[vary]]\npath = \"hubs.port.transfer.time_h\"\n\
         values = [2.0, {value=3, dist='fixed'}]   # same values, other spelling\n",
    );
    assert_eq!(before.len(), 4);
    assert_eq!(after.len(), 6);
    for (label, id) in &before {
        assert_eq!(after.get(label), Some(id), "{label}");
    }
    let distinct: std::collections::BTreeSet<&String> = after.values().collect();
    assert_eq!(distinct.len(), 6);
}

#[test]
fn a_bad_path_or_value_is_located_in_the_sweep_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases = [
        (
            "bad-path.toml",
            "[[vary]]\npath = \"services.nope.departures_per_week\"\nvalues = [1, 2]\n",
            ":3:8: ",
            "no services entry with id `nope`",
        ),
        (
            "bad-value.toml",
            "[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [1, -2]\n",
            ":4:14: ",
            "must be greater than 0",
        ),
        (
            "bad-key.toml",
            "[[variants]]\nname = \"x\"\nset = { \"links.zone-port.distnce_km\" = 3 }\n",
            ":4:9: ",
            "distnce_km",
        ),
        (
            "unknown-field.toml",
            "[[vary]]\npath = \"scenario.seed\"\nvalue = [1]\n",
            ":4:1: ",
            "unknown field `value`",
        ),
    ];
    for (name, text, position, message) in cases {
        let path = sweep_file(tmp.path(), name, text);
        let o = run(batch(&path, &out).arg("--quiet"));
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        let first = err.lines().next().unwrap_or_default();
        let prefix = format!("{}{position}", path.display());
        assert!(first.starts_with(&prefix), "{name}: {first}");
        assert!(first.contains(message), "{name}: {first}");
    }
    // Nothing ran, nothing was written.
    assert!(!out.exists());
}

#[test]
fn merge_refuses_other_sweeps_missing_and_duplicate_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = data("sweeps/small.toml");
    let dir = |n: &str| tmp.path().join(n);
    ok(batch(&sweep, &dir("a0")).args(["--shard", "0/2", "--quiet"]));
    ok(batch(&sweep, &dir("a1")).args(["--shard", "1/2", "--quiet"]));
    ok(batch(&sweep, &dir("a0-again")).args(["--shard", "0/2", "--quiet"]));
    let other = sweep_file(
        tmp.path(),
        "other.toml",
        "replications = 2\n[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [1, 2, 3]\n",
    );
    ok(batch(&other, &dir("b1")).args(["--shard", "1/2", "--quiet"]));
    fs::create_dir(dir("empty")).unwrap();

    let merge = |inputs: &[&str]| -> Output {
        let mut c = corridor();
        c.arg("merge");
        for i in inputs {
            c.arg(dir(i));
        }
        run(c.arg("--out").arg(dir("merged")))
    };
    let refused = |inputs: &[&str], needles: &[String]| {
        let o = merge(inputs);
        assert_eq!(o.status.code(), Some(2), "{inputs:?}: {}", stderr(&o));
        let err = stderr(&o);
        for n in needles {
            assert!(err.contains(n.as_str()), "{inputs:?}: `{n}` not in: {err}");
        }
        assert!(!dir("merged").join("manifest.json").exists());
    };
    let shown = |n: &str| dir(n).display().to_string();

    refused(
        &["a0", "b1"],
        &[
            shown("a0"),
            shown("b1"),
            "not shards of the same sweep".into(),
        ],
    );
    refused(
        &["a0"],
        &[
            "in none of the directories".into(),
            "no directory holds shard 1/2".into(),
        ],
    );
    refused(
        &["a0", "a1", "a0-again"],
        &[
            shown("a0"),
            shown("a0-again"),
            "in several directories".into(),
        ],
    );
    refused(
        &["a0", "empty"],
        &[shown("empty"), "not a batch output".into()],
    );

    // And the right set merges.
    let o = merge(&["a0", "a1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(variant_ids(&dir("merged")).len(), 8);
    // Merging onto one of the inputs is refused.
    let o = run(corridor()
        .arg("merge")
        .arg(dir("a0"))
        .arg(dir("a1"))
        .arg("--out")
        .arg(dir("a1")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn the_chongqing_sweeps_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/chongqing/sweeps");
    let mut found = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let plan = Plan::load(&path).unwrap_or_else(|d| panic!("{d}"));
        batch::check(&plan).unwrap_or_else(|d| panic!("{d}"));
        assert!(plan.variants.len() >= 4, "{}", path.display());
        found += 1;
    }
    assert!(found >= 2, "two Chongqing sweeps at least");
}

/// Shards 0/2 and 1/2 of the small sweep in `tmp/a0`, `tmp/a1`, and the ids of the first.
fn two_shards(tmp: &Path) -> (PathBuf, PathBuf, Vec<String>) {
    let sweep = data("sweeps/small.toml");
    let (a0, a1) = (tmp.join("a0"), tmp.join("a1"));
    ok(batch(&sweep, &a0).args(["--shard", "0/2", "--quiet"]));
    ok(batch(&sweep, &a1).args(["--shard", "1/2", "--quiet"]));
    let ids = variant_ids(&a0);
    (a0, a1, ids)
}

fn merge_into(inputs: &[&Path], out: &Path) -> Command {
    let mut c = corridor();
    c.arg("merge")
        .args(inputs)
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    c
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut v);
    fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

#[test]
fn merge_refuses_a_variant_id_that_is_a_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (a0, a1, ids) = two_shards(tmp.path());
    // An earlier merge: the output directory is reused.
    let merged = tmp.path().join("merged");
    ok(&mut merge_into(&[&a0, &a1], &merged));
    // A crafted id, `../../victim`, resolves to `tmp/victim` from `a0/variants` and from
    // `merged/variants`. Give it a committed-looking marker there, so that the merge would
    // find the variant held and clear its directory in the (reused) output.
    let victim = tmp.path().join("victim");
    let real = a0.join("variants").join(&ids[0]);
    fs::create_dir(&victim).unwrap();
    for e in fs::read_dir(&real).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, victim.join(p.file_name().unwrap())).unwrap();
    }
    fs::write(victim.join("keep.txt"), "a planner's file").unwrap();
    let crafted = "../../victim";
    edit_json(&victim.join("done.json"), |v| v["id"] = crafted.into());
    for dir in [&a0, &a1] {
        edit_json(&dir.join("sweep.json"), |v| {
            for var in v["variants"].as_array_mut().unwrap() {
                if var["id"] == ids[0].as_str() {
                    var["id"] = crafted.into();
                }
            }
        });
    }
    let o = run(&mut merge_into(&[&a0, &a1], &merged));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sweep.json") && stderr(&o).contains("is not a variant id"),
        "{}",
        stderr(&o)
    );
    assert!(
        victim.join("keep.txt").exists(),
        "merge removed a file outside its output"
    );

    // `--resume` reads the old sweep.json too: refused the same way, nothing removed.
    let o = run(batch(&data("sweeps/small.toml"), &a0).args(["--shard", "0/2", "--resume"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(victim.join("keep.txt").exists());
}

#[test]
fn merge_refuses_a_table_name_that_is_a_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (a0, a1, ids) = two_shards(tmp.path());
    // From `merged/variants/<id>/`, `../../../victim.csv` is `tmp/victim.csv`; from
    // `a0/variants/<id>/` too, so the merge would read it and write it back.
    let victim = tmp.path().join("victim.csv");
    fs::write(&victim, "a planner's table\n").unwrap();
    edit_json(&a0.join("variants").join(&ids[0]).join("done.json"), |v| {
        let first = &mut v["tables"][0];
        if first.is_string() {
            *first = "../../../victim.csv".into();
        } else {
            first["name"] = "../../../victim.csv".into();
        }
    });
    let merged = tmp.path().join("merged");
    let o = run(&mut merge_into(&[&a0, &a1], &merged));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not one of the run tables"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "a planner's table\n");
}

#[test]
fn a_truncated_table_is_refused_by_merge_and_recomputed_by_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let (a0, a1, ids) = two_shards(tmp.path());
    let whole = tmp.path().join("whole");
    ok(batch(&data("sweeps/small.toml"), &whole).arg("--quiet"));

    // Drop the last row of a committed table: still a well-formed CSV.
    let table = a0.join("variants").join(&ids[1]).join("route_shares.csv");
    let text = fs::read_to_string(&table).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "{text}");
    fs::write(&table, lines[..lines.len() - 1].join("\n") + "\n").unwrap();

    let merged = tmp.path().join("merged");
    let o = run(&mut merge_into(&[&a0, &a1], &merged));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("route_shares.csv")
            && err.contains("changed since it was committed")
            && err.contains("--shard 0/2 --resume"),
        "{err}"
    );
    assert!(!merged.join("manifest.json").exists());

    // The variant counts as not committed: `--resume` recomputes it alone.
    let o = ok(batch(&data("sweeps/small.toml"), &a0).args(["--shard", "0/2", "--resume"]));
    assert!(
        stderr(&o).contains("(3 already committed, 1 run)"),
        "{}",
        stderr(&o)
    );
    ok(&mut merge_into(&[&a0, &a1], &merged));
    assert_same_csvs(&whole, &merged);

    // The marker records what `sha256sum` prints for each table.
    let done: serde_json::Value = serde_json::from_slice(
        &fs::read(a0.join("variants").join(&ids[1]).join("done.json")).unwrap(),
    )
    .unwrap();
    let od = &done["tables"][0];
    assert_eq!(od["name"], "od_summary.csv");
    assert_eq!(od["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(od["rows"], 1);
}

#[test]
fn replications_and_seed_on_the_command_line_override_the_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_file(
        tmp.path(),
        "s.toml",
        "replications = 2\n[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [1, 2]\n",
    );
    let (given, written) = (tmp.path().join("given"), tmp.path().join("written"));
    ok(batch(&sweep, &given).args(["--replications", "3", "--seed", "77", "--quiet"]));
    // The same figures as a sweep file that says so itself.
    let same = sweep_file(
        tmp.path(),
        "same.toml",
        "replications = 3\nseed = 77\n[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [1, 2]\n",
    );
    ok(batch(&same, &written).arg("--quiet"));
    assert_same_csvs(&written, &given);
    let done: serde_json::Value = serde_json::from_slice(
        &fs::read(
            given
                .join("variants")
                .join(&variant_ids(&given)[0])
                .join("done.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (done["replications"].as_u64(), done["seed"].as_u64()),
        (Some(3), Some(77))
    );

    // They change every result: --resume refuses other values, and shards run with
    // different values do not merge.
    refused(
        batch(&sweep, &given).args(["--replications", "4", "--resume"]),
        &["another base scenario"],
    );
    let (s0, s1) = (tmp.path().join("s0"), tmp.path().join("s1"));
    ok(batch(&sweep, &s0).args(["--shard", "0/2", "--seed", "1", "--quiet"]));
    ok(batch(&sweep, &s1).args(["--shard", "1/2", "--seed", "2", "--quiet"]));
    refused(
        corridor()
            .arg("merge")
            .args([&s0, &s1])
            .arg("--out")
            .arg(tmp.path().join("m")),
        &["not shards of the same sweep"],
    );
}

#[test]
fn another_sweep_or_command_is_not_written_over_without_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let vary = |values: &str| {
        format!(
            "replications = 2\n[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = {values}\n"
        )
    };
    let first = sweep_file(tmp.path(), "first.toml", &vary("[1, 2]"));
    let second = sweep_file(tmp.path(), "second.toml", &vary("[3, 4]"));
    let out = tmp.path().join("out");
    ok(batch(&first, &out).arg("--quiet"));
    let before = csvs(&out);
    refused(
        batch(&second, &out).arg("--quiet"),
        &["first.toml", "--overwrite"],
    );
    assert_eq!(csvs(&out), before);
    ok(batch(&second, &out).args(["--overwrite", "--quiet"]));
    // Only the second sweep's variants are left (the first's have other ids).
    let kept = fs::read_dir(out.join("variants")).unwrap().count();
    assert_eq!(kept, 2);

    // A `run`'s results are not a batch's to replace.
    let run_out = tmp.path().join("run");
    ok(corridor()
        .arg("run")
        .arg(data("two_corridors.toml"))
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&run_out));
    refused(
        batch(&first, &run_out).arg("--quiet"),
        &["holds the results of `run "],
    );
}

#[test]
fn resume_after_reordering_vary_or_adding_a_path_gives_the_fresh_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let ships = "[[vary]]\npath = \"services.weekly-ship.departures_per_week\"\nvalues = [1, 2]\n";
    let port = "[[vary]]\npath = \"hubs.port.transfer.time_h\"\nvalues = [2, 3]\n";
    let out = tmp.path().join("out");
    let first = sweep_file(
        tmp.path(),
        "first.toml",
        &format!("replications = 2\n{ships}{port}"),
    );
    ok(batch(&first, &out).arg("--quiet"));
    // Resumes `out` with the sweep `text`, expecting `counts`, and compares the tables
    // with a fresh run of it.
    let resume_as = |name: &str, text: &str, counts: &str| {
        let sweep = sweep_file(tmp.path(), &format!("{name}.toml"), text);
        let o = ok(batch(&sweep, &out).arg("--resume"));
        assert!(stderr(&o).contains(counts), "{name}: {}", stderr(&o));
        let clean = tmp.path().join(name);
        ok(batch(&sweep, &clean).arg("--quiet"));
        assert_same_csvs(&clean, &out);
    };

    // The same variants, the other [[vary]] first: columns and rows follow the new order.
    let text = format!("replications = 2\n{port}{ships}");
    resume_as("reordered", &text, "(4 already committed, 0 run)");
    // A hand-picked variant setting a path no [[vary]] has: one more column.
    let text = format!(
        "{text}[[variants]]\nname = \"big-ship\"\nset = {{ \"services.weekly-ship.capacity_teu\" = 200 }}\n"
    );
    resume_as("grown", &text, "(4 already committed, 1 run)");
}

#[test]
fn an_overlong_values_list_is_refused_at_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    // One more value than a whole sweep may have variants, all distinct.
    let values: Vec<String> = (0..=100_000).map(|i| format!("{}", i + 1)).collect();
    let sweep = sweep_file(
        tmp.path(),
        "long.toml",
        &format!(
            "[[vary]]\npath = \"services.weekly-ship.capacity_teu\"\nvalues = [{}]\n",
            values.join(", ")
        ),
    );
    let err = refused(
        batch(&sweep, &tmp.path().join("out")).arg("--quiet"),
        &[
            "`values` of `services.weekly-ship.capacity_teu` has 100001 values, more than the 100000",
        ],
    );
    assert!(
        err.starts_with(&format!("{}:4:10: ", sweep.display())),
        "{err}"
    );
}

#[test]
fn a_sweep_record_this_version_cannot_read_is_refused_naming_it() {
    // A shard directory written by a version whose sweep.json had other fields.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let sweep = data("sweeps/small.toml");
    ok(batch(&sweep, &out).args(["--shard", "0/2", "--quiet"]));
    edit_json(&out.join("sweep.json"), |v| {
        for f in v["files"].as_array_mut().unwrap() {
            let digest = f["sha256"].take();
            f.as_object_mut().unwrap().remove("sha256");
            f["fnv1a64"] = digest;
        }
    });
    refused(
        batch(&sweep, &out).args(["--shard", "0/2", "--resume", "--quiet"]),
        &["sweep.json", "missing field `sha256`", "fresh --out"],
    );
}

#[test]
fn varying_what_a_run_never_reads_is_refused_at_the_path() {
    // A run plugs in no candidate and reads neither [compare] nor [region]: before this
    // check, sweeping a candidate's connector gave byte-identical variants and no word.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let base = data("zones/ladder.toml");
    let cases = [
        (
            "connector.toml",
            "[[vary]]\npath = \"candidates.a.connectors.0.cost_usd_per_teu\"\nvalues = [16, 60]\n",
            ":3:8: ",
            "`candidates.a.connectors.0.cost_usd_per_teu`",
        ),
        (
            "weights.toml",
            "[[variants]]\nname = \"no-redundancy\"\nset = { \"compare.weights.redundancy\" = 0 }\n",
            ":4:9: ",
            "`compare.weights.redundancy`",
        ),
    ];
    for (name, text, position, path_named) in cases {
        let path = tmp.path().join(name);
        fs::write(
            &path,
            format!("base = {:?}\n{text}", base.display().to_string()),
        )
        .unwrap();
        let err = refused(
            batch(&path, &out).arg("--quiet"),
            &[path_named, "compare-zones"],
        );
        let first = err.lines().next().unwrap_or_default();
        let prefix = format!("{}{position}", path.display());
        assert!(first.starts_with(&prefix), "{name}: {first}");
        assert!(
            first.contains("every variant would give the same results"),
            "{first}"
        );
    }
    assert!(!out.exists());
    // A path the run reads is fine on the same base.
    let path = tmp.path().join("fine.toml");
    fs::write(
        &path,
        format!(
            "base = {:?}\nreplications = 2\n[[vary]]\npath = \"services.train.capacity_teu\"\nvalues = [100, 200]\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    ok(batch(&path, &out).arg("--quiet"));
}

/// Writes `text` as a sweep file over `base` (a file under tests/data) in `dir`.
fn sweep_over(dir: &Path, name: &str, base: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let base = data(base).display().to_string();
    fs::write(&path, format!("base = {base:?}\n{text}")).unwrap();
    path
}

/// A compare-zones sweep over zone A's connector cost on the ladder: at 16 USD/TEU A is
/// the nearest zone (best by about 16 USD/TEU, counted twice over), at 100 it is the
/// farthest, behind B and C.
const LADDER_SWEEP: &str = "replications = 10\n\
    [batch]\ncommand = \"compare-zones\"\n\
    [[vary]]\npath = \"candidates.a.connectors.0.cost_usd_per_teu\"\nvalues = [16, 40, 100]\n";

/// The rows of a CSV file as maps from column to value.
fn rows_of(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn a_compare_zones_sweep_shows_when_the_best_zone_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_over(tmp.path(), "ladder.toml", "zones/ladder.toml", LADDER_SWEEP);
    let out = tmp.path().join("out");
    let o = ok(&mut batch(&sweep, &out));
    assert!(
        stderr(&o).contains(
            "rank stability: b has the best mean rank (1.3333), best in 2 and top-3 in 3 of 3 variants"
        ),
        "{}",
        stderr(&o)
    );

    // Per variant, the ranking: A first at 16 USD/TEU, B first once A's connector costs
    // more than B's (32), A last at 100.
    let ranking = rows_of(&out.join("zone_ranking.csv"));
    assert_eq!(ranking.len(), 9);
    let cost = "candidates.a.connectors.0.cost_usd_per_teu";
    let order: Vec<(String, String)> = ranking
        .iter()
        .map(|r| (r[cost].clone(), r["zone"].clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("16", "a"),
        ("16", "b"),
        ("16", "c"),
        ("40", "b"),
        ("40", "a"),
        ("40", "c"),
        ("100", "b"),
        ("100", "c"),
        ("100", "a"),
    ]
    .iter()
    .map(|(c, z)| ((*c).to_string(), (*z).to_string()))
    .collect();
    assert_eq!(order, expected);

    // The stability table says it: B best in two variants of three, A in one; C never
    // best, yet always in the top three of three zones.
    let stability = rows_of(&out.join("rank_stability.csv"));
    let row = |zone: &str| {
        stability
            .iter()
            .find(|r| r["zone"] == zone)
            .unwrap()
            .clone()
    };
    let (a, b, c) = (row("a"), row("b"), row("c"));
    assert_eq!(stability[0]["zone"], "b", "lowest mean rank first");
    assert_eq!(
        [&b["times_best"], &b["share_best"], &b["mean_rank"]],
        ["2", "0.6667", "1.3333"]
    );
    assert_eq!(
        [
            &a["times_best"],
            &a["share_best"],
            &a["mean_rank"],
            &a["worst_rank"]
        ],
        ["1", "0.3333", "2.0000", "3"]
    );
    assert_eq!(
        [&c["times_best"], &c["times_top3"], &c["variants"]],
        ["0", "3", "3"]
    );
    assert_eq!(c["share_top3"], "1.0000");

    // Each variant is ranked exactly as `corridor compare-zones` ranks its scenario.
    let single = tmp.path().join("single");
    ok(corridor()
        .args(["compare-zones"])
        .arg(data("zones/ladder.toml"))
        .args(["--replications", "10", "--quiet", "--out"])
        .arg(&single));
    let alone = fs::read_to_string(single.join("zone_ranking.csv")).unwrap();
    let in_sweep = fs::read_to_string(out.join("zone_ranking.csv")).unwrap();
    let first_variant: Vec<String> = in_sweep
        .lines()
        .skip(1)
        .take(3)
        .map(|l| {
            // Without the variant and parameter columns (second and third).
            let cells: Vec<&str> = l.split(',').collect();
            [&cells[..1], &cells[3..]].concat().join(",")
        })
        .collect();
    let alone_rows: Vec<&str> = alone.lines().skip(1).collect();
    assert_eq!(first_variant, alone_rows);
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("rank_stability.csv"), "{manifest}");

    // The report shows the stability table in its sweep section.
    ok(corridor().arg("report").arg(&out));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let at = html
        .find("id=\"sweep-rank-stability-table\"")
        .expect("a rank-stability table");
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    assert!(
        table.find(">b<").unwrap() < table.find(">a<").unwrap(),
        "b first: {table}"
    );
    assert!(table.contains("0.6667"), "{table}");
}

/// Every CSV of `expected` is in `actual` with the same bytes, and there are at least `n`.
fn assert_same_tables(expected: &Path, actual: &Path, n: usize) {
    let (e, a) = (csvs(expected), csvs(actual));
    assert!(e.len() >= n, "{:?}", e.keys());
    assert_eq!(e.keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>());
    for (name, bytes) in &e {
        assert!(a[name] == *bytes, "{name} differs in {}", actual.display());
    }
}

#[test]
fn comparison_sweeps_shard_and_merge_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let diff = "replications = 3\n[batch]\ncommand = \"diff\"\n\
                policy = \"river-lock-closure.toml\"\n\
                [[vary]]\npath = \"services.river-line.headway_h\"\nvalues = [24, 48, 72]\n";
    // The policy is named relative to the sweep file; it extends the base.
    for f in ["river.toml", "river-lock-closure.toml"] {
        fs::copy(data(f), tmp.path().join(f)).unwrap();
    }
    let diff_sweep = tmp.path().join("diff-sweep.toml");
    let cases = [
        (
            sweep_over(tmp.path(), "ladder.toml", "zones/ladder.toml", LADDER_SWEEP),
            "rank_stability.csv",
            4,
        ),
        (
            sweep_over(
                tmp.path(),
                "plugin.toml",
                "zones/ladder.toml",
                "replications = 4\n[batch]\ncommand = \"plugin\"\nzone = \"a\"\n\
                 [[vary]]\npath = \"candidates.a.connectors.0.cost_usd_per_teu\"\nvalues = [16, 40, 100]\n",
            ),
            "effect_stability.csv",
            3,
        ),
        (diff_sweep.clone(), "effect_stability.csv", 6),
    ];
    fs::write(&diff_sweep, format!("base = \"river.toml\"\n{diff}")).unwrap();
    for (i, (sweep, summary, tables)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let whole = dir.join("whole");
        ok(batch(sweep, &whole).args(["--threads", "1", "--quiet"]));
        assert!(whole.join(summary).exists(), "{}", sweep.display());
        let (s0, s1) = (dir.join("s0"), dir.join("s1"));
        ok(batch(sweep, &s0).args(["--shard", "0/2", "--threads", "2", "--quiet"]));
        ok(batch(sweep, &s1).args(["--shard", "1/2", "--threads", "2", "--quiet"]));
        let merged = dir.join("merged");
        ok(&mut merge_into(&[&s1, &s0], &merged));
        assert_same_tables(&whole, &merged, *tables);
    }
}

#[test]
fn bad_batch_commands_and_options_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let vary =
        "[[vary]]\npath = \"candidates.a.connectors.0.cost_usd_per_teu\"\nvalues = [16, 40]\n";
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "[batch]\ncommand = \"compare\"\n",
            ":4:11: ",
            &["unknown command `compare`", "\"compare-zones\""],
        ),
        (
            "[batch]\ncommand = 3\n",
            ":4:11: ",
            &["invalid type: integer `3`"],
        ),
        (
            "[batch]\ncomand = \"run\"\n",
            ":4:1: ",
            &["unknown field `comand`"],
        ),
        (
            "[batch]\ncommand = \"plugin\"\n",
            ":4:11: ",
            &["command = \"plugin\" needs `zone`"],
        ),
        (
            "[batch]\ncommand = \"plugin\"\nzone = \"z\"\n",
            ":5:8: ",
            &["no candidate zone `z` (candidates: a, b, c)"],
        ),
        (
            "[batch]\ncommand = \"compare-zones\"\nzone = \"a\"\n",
            ":5:8: ",
            &["`zone` applies only to command = \"plugin\""],
        ),
        (
            "[batch]\ncommand = \"compare-zones\"\nzones = [\"a\", \"q\"]\n",
            ":5:15: ",
            &["no candidate zone `q`"],
        ),
        (
            "[batch]\ncommand = \"diff\"\npolicy = \"missing.toml\"\n",
            ":5:10: ",
            &["cannot load the policy scenario", "missing.toml"],
        ),
        (
            "[batch]\ncommand = \"compare-zones\"\n[compare]\nprocedure = \"kn\"\n",
            ":5:2: ",
            &["unknown field `compare`"],
        ),
    ];
    for (i, (text, position, needles)) in cases.iter().enumerate() {
        let path = sweep_over(
            tmp.path(),
            &format!("bad{i}.toml"),
            "zones/ladder.toml",
            &format!("replications = 10\n{text}{vary}"),
        );
        let err = refused(batch(&path, &out).arg("--quiet"), needles);
        let first = err.lines().next().unwrap_or_default();
        let prefix = format!("{}{position}", path.display());
        assert!(first.starts_with(&prefix), "case {i}: {first}");
    }
    assert!(!out.exists());

    // Variants that mix the fixed design and the sequential procedure would rank with
    // different columns: refused before anything runs, at the odd variant.
    let path = sweep_over(
        tmp.path(),
        "mixed.toml",
        "zones/ladder.toml",
        "replications = 10\n[batch]\ncommand = \"compare-zones\"\n\
         [[variants]]\nname = \"fixed\"\n\
         [[variants]]\nname = \"kn\"\n\
         set = { \"compare.procedure\" = \"kn\", \"compare.indifference_usd_per_teu\" = 20 }\n",
    );
    let err = refused(
        batch(&path, &out).arg("--quiet"),
        &[
            "variant kn uses the sequential (kn) `[compare] procedure`",
            "cannot be combined",
        ],
    );
    assert!(
        err.starts_with(&format!("{}:8:8: ", path.display())),
        "{err}"
    );
    assert!(!out.exists());

    // The sweep's command decides what may be varied: plugin reads no [compare].
    let path = sweep_over(
        tmp.path(),
        "plugin-weights.toml",
        "zones/ladder.toml",
        "[batch]\ncommand = \"plugin\"\nzone = \"a\"\n\
         [[vary]]\npath = \"compare.markets.0.teu_per_day\"\nvalues = [1, 2]\n",
    );
    let err = refused(
        batch(&path, &out).arg("--quiet"),
        &[
            "`corridor plugin`",
            "every variant would give the same results",
        ],
    );
    assert!(
        err.starts_with(&format!("{}:6:8: ", path.display())),
        "{err}"
    );
}
