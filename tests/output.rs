//! Output directories, through the `corridor` binary: one writer at a time (a second one
//! exits 2 naming the holder), whole results or none (a killed run leaves the previous
//! results and blocks nothing), a wrong `--out` refused before any simulation, and
//! results of another command or scenario never replaced or mixed without `--overwrite`.

mod cli;

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cli::{corridor, data, ok, refused, stderr};

fn run_into(scenario: &Path, out: &Path) -> Command {
    let mut c = corridor();
    c.arg("run")
        .arg(scenario)
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(out);
    c
}

/// Every file of `dir` and its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

fn names(dir: &Path) -> Vec<String> {
    files(dir).into_iter().map(|(n, _)| n).collect()
}

/// Waits for `child` at most `limit`; kills it and fails if it runs longer.
fn wait_at_most(mut child: Child, limit: Duration, what: &str) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_second_writer_is_refused_naming_the_directory_and_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    // Hold the lock as a running `corridor` would: an exclusive lock on `.res.lock`.
    let lock = File::create(tmp.path().join(".res.lock")).unwrap();
    lock.try_lock().unwrap();
    fs::write(
        tmp.path().join(".res.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let holder = format!("(pid {})", std::process::id());
    let shown = out.display().to_string();
    let needles = [shown.as_str(), "another corridor process", holder.as_str()];

    refused(&mut run_into(&data("two_corridors.toml"), &out), &needles);
    let two = data("two_corridors.toml");
    refused(
        corridor()
            .arg("diff")
            .args([&two, &two])
            .args(["--quiet", "--out"])
            .arg(&out),
        &needles,
    );
    refused(
        corridor()
            .arg("batch")
            .arg(data("sweeps/small.toml"))
            .args(["--quiet", "--out"])
            .arg(&out),
        &needles,
    );
    assert!(!out.exists(), "nothing was written");

    // Released (as when the holder ends, however it ends), the next writer goes ahead.
    drop(lock);
    ok(&mut run_into(&data("two_corridors.toml"), &out));
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn a_killed_run_leaves_the_previous_results_and_blocks_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    let mm1 = data("mm1.toml");
    ok(corridor()
        .arg("run")
        .arg(&mm1)
        .args(["--replications", "1", "--seed", "1", "--quiet", "--out"])
        .arg(&out));
    let before = files(&out);

    // A long run into the same directory, killed once it is under way.
    let mut child = corridor()
        .arg("run")
        .arg(&mm1)
        .args(["--replications", "5000", "--seed", "2", "--quiet", "--out"])
        .arg(&out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let staged = |dir: &Path| {
        fs::read_dir(dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".res.tmp-")
        })
    };
    while !staged(tmp.path()) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no staging directory"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(files(&out), before, "the previous results changed");

    // Its leftovers neither block nor linger.
    ok(corridor()
        .arg("run")
        .arg(&mm1)
        .args(["--replications", "1", "--seed", "3", "--quiet", "--out"])
        .arg(&out));
    assert!(
        !staged(tmp.path()),
        "the killed run's staging directory is left"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 3);
}

#[test]
fn a_wrong_out_is_refused_before_the_simulation() {
    let tmp = tempfile::tempdir().unwrap();
    // Long enough that a check made after the simulation would miss the deadline.
    let slow = |out: &Path| {
        corridor()
            .arg("run")
            .arg(data("mm1.toml"))
            .args(["--replications", "100000", "--quiet", "--out"])
            .arg(out)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let file = tmp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let o = wait_at_most(slow(&file), Duration::from_secs(30), "--out FILE");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    // `batch` and `merge` as well, before any variant runs or any shard is read.
    refused(
        corridor()
            .arg("batch")
            .arg(data("sweeps/small.toml"))
            .args(["--quiet", "--out"])
            .arg(&file),
        &["is not a directory"],
    );
    refused(
        corridor()
            .args(["merge", "no-such-shard", "--out"])
            .arg(&file),
        &["is not a directory"],
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = tmp.path().join("read-only");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        let o = wait_at_most(slow(&ro), Duration::from_secs(30), "read-only --out");
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn results_of_another_command_are_replaced_whole_and_only_with_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    let two = data("two_corridors.toml");
    let twins = data("zones/twins.toml");
    ok(corridor()
        .arg("diff")
        .args([&two, &two])
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&out));
    let diff_files = files(&out);

    // Another command (or scenario) into the same folder: refused, nothing touched.
    let shown = out.display().to_string();
    refused(
        &mut run_into(&two, &out),
        &[shown.as_str(), "holds the results of `diff ", "--overwrite"],
    );
    assert_eq!(files(&out), diff_files);
    ok(&mut run_into(&twins, tmp.path().join("twins").as_path()));
    refused(&mut run_into(&twins, &out), &["--overwrite"]);

    // With --overwrite: exactly the run's files, none of the diff's left beside them.
    ok(run_into(&two, &out).arg("--overwrite"));
    assert_eq!(
        names(&out),
        [
            "corridor_summary.csv",
            "hub_summary.csv",
            "manifest.json",
            "network.geojson",
            "od_summary.csv",
            "route_shares.csv",
            "service_summary.csv",
            "timeseries.csv"
        ]
    );
    // The same command on the same scenario replaces its own results without asking.
    ok(run_into(&two, &out).args(["--seed", "9"]));

    // A folder corridor-sim did not write is never replaced, even with --overwrite.
    let mine = tmp.path().join("reports");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("letter.txt"), "x").unwrap();
    refused(
        run_into(&two, &mine).arg("--overwrite"),
        &["holds files corridor-sim did not write", "letter.txt"],
    );
    assert_eq!(names(&mine), ["letter.txt"]);
}

// `network.geojson` from `corridor run`: valid GeoJSON in lon/lat order, the freight on
// each hub and link adding up, and the same bytes whatever the thread count.

fn network_layer(out: &Path, threads: &str) -> Vec<u8> {
    ok(corridor()
        .arg("run")
        .arg(data("river.toml"))
        .args([
            "--replications",
            "3",
            "--quiet",
            "--threads",
            threads,
            "--out",
        ])
        .arg(out));
    std::fs::read(out.join("network.geojson")).expect("run writes network.geojson")
}

/// The features of a layer of the river scenario (one per hub and link), and the scenario.
fn river_features(layer: Vec<u8>) -> (Vec<geojson::Feature>, corridor_sim::scenario::Scenario) {
    let text = String::from_utf8(layer).unwrap();
    let geojson::GeoJson::FeatureCollection(geojson::FeatureCollection { features, .. }) =
        text.parse::<geojson::GeoJson>().expect("parses as GeoJSON")
    else {
        panic!("not a FeatureCollection");
    };
    let s = corridor_sim::scenario::load(&data("river.toml"))
        .unwrap()
        .scenario;
    assert_eq!(features.len(), s.hubs.len() + s.links.len());
    (features, s)
}

fn number_property(f: &geojson::Feature, key: &str) -> f64 {
    f.properties.as_ref().expect("properties")[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number"))
}

#[test]
fn the_network_layer_is_valid_geojson_that_adds_up_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let one = network_layer(&tmp.path().join("t1"), "1");
    let two = network_layer(&tmp.path().join("t2"), "2");
    assert_eq!(one, two, "network.geojson differs between 1 and 2 threads");

    let (features, s) = river_features(one);

    // Hubs are points at [lon, lat] (RFC 7946 order), links lines between their hubs.
    let at = |id: &str| {
        let h = s.hub(s.hub_by_id(id).unwrap());
        vec![h.lon, h.lat]
    };
    for f in &features {
        let p = f.properties.as_ref().unwrap();
        let geometry = &f.geometry.as_ref().expect("geometry").value;
        match (p["layer"].as_str().unwrap(), geometry) {
            ("hub", geojson::GeometryValue::Point { coordinates }) => {
                assert_eq!(coordinates.as_slice(), at(p["id"].as_str().unwrap()));
            }
            ("link", geojson::GeometryValue::LineString { coordinates }) => {
                assert_eq!(coordinates[0].as_slice(), at(p["from"].as_str().unwrap()));
                assert_eq!(coordinates[1].as_slice(), at(p["to"].as_str().unwrap()));
            }
            (layer, g) => panic!("{layer} with geometry {g:?}"),
        }
    }

    let feature = |id: &str| {
        features
            .iter()
            .find(|f| f.properties.as_ref().unwrap()["id"] == id)
            .unwrap_or_else(|| panic!("no feature {id}"))
    };
    // A zone is never a waypoint: all that passes through it is its own 40 TEU/day.
    assert!((number_property(feature("zone"), "teu_per_day") - 40.0).abs() < 1e-3);
    // Every route to the market ends there: 40 TEU/day; `mid` also receives 10 from the
    // port, and the river line's routes pass it on the way to the market.
    assert!((number_property(feature("market"), "teu_per_day") - 40.0).abs() < 1e-3);
    // The corridor split of a link adds up to its total.
    for f in features
        .iter()
        .filter(|f| f.properties.as_ref().unwrap()["layer"] == "link")
    {
        let p = f.properties.as_ref().unwrap();
        let by_corridor: f64 = p
            .iter()
            .filter(|(k, _)| k.starts_with("teu_per_day_"))
            .map(|(_, v)| v.as_f64().unwrap())
            .sum();
        let total = number_property(f, "teu_per_day");
        assert!((by_corridor - total).abs() < 1e-3, "{p:?}");
    }
}

// `diff.geojson` from `corridor diff`: valid GeoJSON in lon/lat order with A, B and their
// difference on every hub and link, the same bytes whatever the thread count.

fn diff_layer(out: &Path, threads: &str) -> Vec<u8> {
    ok(corridor()
        .arg("diff")
        .arg(data("river.toml"))
        .arg(data("river-lock-closure.toml"))
        .args([
            "--replications",
            "4",
            "--quiet",
            "--threads",
            threads,
            "--out",
        ])
        .arg(out));
    std::fs::read(out.join("diff.geojson")).expect("diff writes diff.geojson")
}

#[test]
fn the_diff_layer_is_valid_geojson_with_both_sides_and_their_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let one = diff_layer(&tmp.path().join("t1"), "1");
    assert_eq!(one, diff_layer(&tmp.path().join("t2"), "2"));
    let (features, s) = river_features(one);
    let at = |id: &str| {
        let h = s.hub(s.hub_by_id(id).unwrap());
        vec![h.lon, h.lat]
    };
    let valid = |c: &[f64]| {
        c.len() == 2 && (-180.0..=180.0).contains(&c[0]) && (-90.0..=90.0).contains(&c[1])
    };
    for f in &features {
        let p = f.properties.as_ref().unwrap();
        match (
            &f.geometry.as_ref().unwrap().value,
            p["layer"].as_str().unwrap(),
        ) {
            (geojson::GeometryValue::Point { coordinates }, "hub") => {
                assert!(valid(coordinates.as_slice()));
                assert_eq!(coordinates.as_slice(), at(p["id"].as_str().unwrap()));
            }
            (geojson::GeometryValue::LineString { coordinates }, "link") => {
                assert!(coordinates.len() >= 2 && coordinates.iter().all(|c| valid(c.as_slice())));
                assert_eq!(coordinates[0].as_slice(), at(p["from"].as_str().unwrap()));
                assert_eq!(coordinates[1].as_slice(), at(p["to"].as_str().unwrap()));
            }
            (g, layer) => panic!("{layer} with geometry {g:?}"),
        }
        let (a, b) = (
            number_property(f, "teu_per_day_a"),
            number_property(f, "teu_per_day_b"),
        );
        assert!((number_property(f, "teu_per_day_diff") - (b - a)).abs() < 1e-3);
    }
    // The closed lock: a longer wait in B, significant, and its recovery.
    let lock = features
        .iter()
        .find(|f| f.properties.as_ref().unwrap()["id"] == "port-mid")
        .unwrap();
    assert!(number_property(lock, "bottleneck_wait_h_diff") > 0.0);
    let p = lock.properties.as_ref().unwrap();
    assert_eq!(p["bottleneck_significant"], true);
    assert!(number_property(lock, "bottleneck_wait_h_diff_ci95_low") > 0.0);
    assert!(p.contains_key("bottleneck_recovery_days"));
}

#[test]
fn excel_csvs_start_with_a_byte_order_mark_and_are_otherwise_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, excel) = (tmp.path().join("plain"), tmp.path().join("excel"));
    ok(&mut run_into(&data("river.toml"), &plain));
    ok(run_into(&data("river.toml"), &excel).arg("--excel"));
    let csvs: Vec<(String, Vec<u8>)> = files(&plain)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".csv"))
        .collect();
    assert!(csvs.len() >= 6, "{csvs:?}");
    for (name, bytes) in csvs {
        let with_bom = fs::read(excel.join(&name)).unwrap();
        assert_eq!(&with_bom[..3], b"\xEF\xBB\xBF", "{name}");
        assert_eq!(&with_bom[3..], bytes.as_slice(), "{name}");
        assert_ne!(&bytes[..3], b"\xEF\xBB\xBF", "{name} without --excel");
    }
}

#[test]
fn chinese_names_appear_beside_ids_in_tables_and_on_the_map() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("zh");
    ok(run_into(&data("river-zh.toml"), &out).arg("--excel"));
    let table = |name: &str| {
        let bytes = fs::read(out.join(name)).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "{name}");
        String::from_utf8(bytes[3..].to_vec()).unwrap()
    };
    let hubs = table("hub_summary.csv");
    assert!(hubs.starts_with("scenario,hub,hub_name,hub_name_zh,facility,"));
    assert!(hubs.contains("river-zh,port,Port,港口,transfer,"), "{hubs}");
    assert!(hubs.contains("river-zh,zone,Zone,,customs,"), "{hubs}");
    let corridors = table("corridor_summary.csv");
    assert!(
        corridors.contains("river-zh,river,River corridor,内河通道,"),
        "{corridors}"
    );
    let od = table("od_summary.csv");
    assert!(od.starts_with(
        "scenario,origin,origin_name,origin_name_zh,destination,destination_name,destination_name_zh,"
    ));
    let layer = fs::read_to_string(out.join("network.geojson")).unwrap();
    assert!(layer.contains("\"name_zh\": \"港口\""), "{layer}");
}
