//! Calibration: the targets file, the fit indicators, recovery of known parameters on a
//! small network, and the `corridor calibrate` command (determinism, bad input).

mod cli;

use cli::{corridor, data, ok, refused};
use corridor_sim::calibrate::{self, Options, Parameter, targets};
use corridor_sim::scenario::{Document, Node, NodeKind, Scenario};
use std::path::Path;

fn doc(rel: &str) -> Document {
    Document::load(&data(rel)).unwrap_or_else(|d| panic!("{rel} does not load:\n{d}"))
}

fn with(doc: &Document, values: &[(&str, f64)]) -> Scenario {
    let mut d = doc.clone();
    for &(path, v) in values {
        let node = Node {
            loc: d.root(),
            kind: NodeKind::Float(v),
        };
        d.patch(path, node).expect("the path exists");
    }
    d.validate()
        .unwrap_or_else(|items| panic!("{}", d.diagnostics(items)))
}

/// A targets file of share targets whose observed values are the model's own at `truth`:
/// one row per (flow pattern, corridor), each ±0.05 wide.
fn self_targets(doc: &Document, truth: &[(&str, f64)], rows: &[(&str, &str, &str)]) -> String {
    let scenario = with(doc, truth);
    let header = targets::COLUMNS.join(",");
    let probe: String = rows
        .iter()
        .enumerate()
        .map(|(i, (flows, measure, corridor))| {
            format!("P{i},2020,{flows},probe,{measure},{corridor},0.5,0,1,model,\n")
        })
        .collect();
    let probe = format!("{header}\n{probe}");
    let t = targets::parse(Path::new("probe.csv"), &probe, &scenario).expect("probe parses");
    let sim = calibrate::simulate(&scenario, &t).expect("runs");
    let mut out = format!("{header}\n");
    for (i, ((flows, measure, corridor), s)) in rows.iter().zip(&sim).enumerate() {
        let v = s.expect("observed").mean;
        out.push_str(&format!(
            "T{i},2020,{flows},generated from known constants,{measure},{corridor},{v:.12},{:.12},{:.12},the model itself,\n",
            (v - 0.05).max(0.0),
            (v + 0.05).min(1.0)
        ));
    }
    out
}

#[test]
fn known_constants_are_recovered_within_five_percent() {
    let d = doc("calibration/three_roads.toml");
    let truth = [
        ("corridors.west.choice_constant_usd_per_teu", 150.0),
        ("corridors.east.choice_constant_usd_per_teu", -120.0),
    ];
    let text = self_targets(
        &d,
        &truth,
        &[
            ("*", "share_of_teu", "west"),
            ("*", "share_of_value", "east"),
        ],
    );
    let base = d.validate().expect("valid");
    let t = targets::parse(Path::new("generated.csv"), &text, &base).expect("targets parse");
    let parameters = calibrate::parameters(&base, &t, false, false);
    assert_eq!(
        parameters.iter().map(Parameter::path).collect::<Vec<_>>(),
        [
            "corridors.west.choice_constant_usd_per_teu",
            "corridors.east.choice_constant_usd_per_teu"
        ]
    );
    let options = Options {
        parameters,
        max_iterations: 200,
    };
    let fitted = calibrate::calibrate(&d, &t, &options, &|_, _| {}).expect("calibrates");
    assert_eq!(fitted.start, vec![0.0, 0.0]);
    for ((_, want), got) in truth.iter().zip(&fitted.fitted) {
        assert!(
            (got - want).abs() <= 0.05 * want.abs(),
            "fitted {:?}, truth {truth:?}",
            fitted.fitted
        );
    }
    assert!(fitted.loss < 1e-3 * fitted.start_loss, "{fitted:?}");
}

#[test]
fn a_known_logit_scale_is_recovered_with_the_constants() {
    let d = doc("calibration/three_roads.toml");
    let truth = [
        ("corridors.west.choice_constant_usd_per_teu", 80.0),
        ("choice.logit_scale", 7.0),
    ];
    // Per-flow shares: the two flows' GCs differ, so θ and the constant are told apart.
    let text = self_targets(
        &d,
        &truth,
        &[
            ("a-market", "share_of_teu", "west"),
            ("b-market", "share_of_teu", "west"),
            ("a-market", "share_of_teu", "east"),
            ("b-market", "share_of_teu", "east"),
        ],
    );
    let base = d.validate().expect("valid");
    let t = targets::parse(Path::new("generated.csv"), &text, &base).expect("targets parse");
    // Only the west constant and θ are fitted: the east rows name a corridor too, so the
    // parameters are chosen by hand here.
    let parameters = vec![
        Parameter::CorridorConstant {
            corridor: base.corridor_by_id("west").expect("corridor"),
            id: "west".to_string(),
        },
        Parameter::LogitScale,
    ];
    let options = Options {
        parameters,
        max_iterations: 300,
    };
    let fitted = calibrate::calibrate(&d, &t, &options, &|_, _| {}).expect("calibrates");
    for ((_, want), got) in truth.iter().zip(&fitted.fitted) {
        assert!(
            (got - want).abs() <= 0.05 * want.abs(),
            "fitted {:?}, truth {truth:?}",
            fitted.fitted
        );
    }
}

#[test]
fn bad_targets_are_reported_at_their_cell() {
    let base = doc("calibration/three_roads.toml")
        .validate()
        .expect("valid");
    let header = targets::COLUMNS.join(",");
    let cases: &[(&str, &[&str])] = &[
        (
            "T1,2020,*,d,share_of_teu,north,0.5,0.4,0.6,src,\n",
            &[
                "bad.csv:2:26:",
                "target \"T1\"",
                "field `category`",
                "`north` is not a corridor",
            ],
        ),
        (
            "T1,2020,x-*,d,share_of_teu,west,0.5,0.4,0.6,src,\n",
            &[
                "bad.csv:2:9:",
                "field `flows`",
                "`x-*` matches no demand flow",
            ],
        ),
        (
            "T1,2020,*,d,share_of_tue,west,0.5,0.4,0.6,src,\n",
            &["bad.csv:2:13:", "field `measure`", "share_of_tue"],
        ),
        (
            "T1,2020,*,d,share_of_teu,west,1.5,0.4,0.6,src,\n",
            &["bad.csv:2:31:", "field `observed` is a share"],
        ),
        (
            "T1,2020,*,d,transit_median_days,all,5,6,4,src,\n",
            &["bad.csv:2:", "field `high` must be above `low`"],
        ),
        (
            "T1,2020,*,d,share_of_teu,west,0.5,0.4,0.6,,\n",
            &["field `source` must say where"],
        ),
        (
            "T1,2020,*,\"a, quoted\",share_of_teu,mode:ship,0.5,0.4,0.6,src,\n",
            &["bad.csv:2:36:", "unknown mode `ship`"],
        ),
        (
            "T1,2020,*,d,share_of_teu,west,0.5,0.4,0.6,src,\nT1,2020,*,d,share_of_teu,east,0.5,0.4,0.6,src,\n",
            &["bad.csv:3:1:", "repeats an earlier target's id"],
        ),
        (
            "T1,2020,*\n",
            &[
                "bad.csv:2:1:",
                "a row must have 11 fields",
                "this one has 3",
            ],
        ),
    ];
    for (rows, needles) in cases {
        let text = format!("{header}\n{rows}");
        let err = targets::parse(Path::new("bad.csv"), &text, &base)
            .expect_err(rows)
            .to_string();
        for n in *needles {
            assert!(err.contains(n), "`{n}` not in: {err}");
        }
    }
    let err = targets::parse(Path::new("bad.csv"), "id,observed\n", &base)
        .expect_err("wrong header")
        .to_string();
    assert!(err.starts_with("bad.csv:1:1: the header must be"), "{err}");
}

#[test]
fn the_shipped_targets_parse_against_the_scenarios_they_are_for() {
    // Each targets file against the year it observes (its flows include the air gateway's).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/chongqing");
    for (scenario, file, first) in [
        ("2018.toml", "targets.csv", ["T1", "T2", "T3", "T4"]),
        (
            "forecast-2024.toml",
            "targets-2024.csv",
            ["V1", "V2", "V3", "V4"],
        ),
    ] {
        let scenario = corridor_sim::scenario::load(&root.join(scenario))
            .unwrap_or_else(|d| panic!("{d}"))
            .scenario;
        let t = targets::read(&root.join(file), &scenario).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = t.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(&ids[..4], first, "{file}");
    }
}

/// `dir/targets.csv` with the header and `rows`.
fn write_targets(dir: &Path, rows: &[&str]) -> std::path::PathBuf {
    let path = dir.join("targets.csv");
    let mut text = targets::COLUMNS.join(",");
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    std::fs::write(&path, text).expect("write targets");
    path
}

#[test]
fn calibrate_writes_the_same_overlay_byte_for_byte_and_it_loads() {
    let tmp = tempfile::tempdir().expect("tmp");
    let targets_path = write_targets(
        tmp.path(),
        &[
            "T1,2020,*,all flows,share_of_teu,west,0.30,0.25,0.35,a test figure,",
            "T2,2020,*,all flows,transit_median_days,east,0.7,0.5,0.9,a test figure,",
        ],
    );
    let scenario = data("calibration/three_roads.toml");
    let mut outs = Vec::new();
    for name in ["one", "two"] {
        let out = tmp.path().join(name);
        ok(corridor()
            .arg("calibrate")
            .arg(&scenario)
            .arg(&targets_path)
            .args(["--replications", "4", "--quiet", "--out"])
            .arg(&out));
        outs.push(out);
    }
    for file in [
        "fitted.toml",
        "calibration.csv",
        "fit.csv",
        "parameters.csv",
    ] {
        let a = std::fs::read(outs[0].join(file)).expect(file);
        let b = std::fs::read(outs[1].join(file)).expect(file);
        assert_eq!(a, b, "{file} differs between two identical runs");
    }
    // The overlay extends the scenario by a relative path and holds the fitted value.
    let overlay = outs[0].join("fitted.toml");
    let text = std::fs::read_to_string(&overlay).expect("overlay");
    assert!(text.contains("extends = \"../../"), "{text}");
    let fitted = corridor_sim::scenario::load(&overlay)
        .unwrap_or_else(|d| panic!("{d}"))
        .scenario;
    let params = std::fs::read_to_string(outs[0].join("parameters.csv")).expect("parameters");
    let row = params.lines().nth(1).expect("one parameter");
    let value: f64 = row
        .split(',')
        .nth(3)
        .expect("fitted")
        .parse()
        .expect("number");
    let west = fitted.corridor_by_id("west").expect("west");
    assert_eq!(
        fitted.corridors[west.index()].choice_constant_usd_per_teu,
        value
    );
    assert!(fitted.meta.name.ends_with("-fitted"));
}

/// Every row of a CSV without its first column (the scenario's name).
fn without_scenario(csv: &str) -> Vec<String> {
    csv.lines()
        .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_string())
        .collect()
}

#[test]
fn evaluating_the_fitted_overlay_reproduces_the_fit_figures() {
    let tmp = tempfile::tempdir().expect("tmp");
    let targets_path = write_targets(
        tmp.path(),
        &[
            "T1,2020,*,all flows,share_of_teu,west,0.30,0.25,0.35,a test figure,",
            "T2,2020,*,all flows,share_of_teu,east,0.20,0.15,0.25,a test figure,",
        ],
    );
    let fit = tmp.path().join("fit");
    ok(corridor()
        .arg("calibrate")
        .arg(data("calibration/three_roads.toml"))
        .arg(&targets_path)
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(&fit));
    let evaluated = tmp.path().join("evaluated");
    ok(corridor()
        .arg("calibrate")
        .arg(fit.join("fitted.toml"))
        .arg(&targets_path)
        .args(["--replications", "4", "--evaluate", "--quiet", "--out"])
        .arg(&evaluated));
    // The overlay holds the fitted values (4 replications, the same seed): evaluating it
    // gives the fit's own figures, target by target and indicator by indicator.
    for file in ["calibration.csv", "fit.csv"] {
        let a = std::fs::read_to_string(fit.join(file)).expect(file);
        let b = std::fs::read_to_string(evaluated.join(file)).expect(file);
        assert_eq!(without_scenario(&a), without_scenario(&b), "{file}");
    }
    assert!(!evaluated.join("fitted.toml").exists());
    assert!(!evaluated.join("parameters.csv").exists());
    // The scenario before fitting does not give them: the evaluation measures, it does
    // not copy the fit.
    let before = tmp.path().join("before");
    ok(corridor()
        .arg("calibrate")
        .arg(data("calibration/three_roads.toml"))
        .arg(&targets_path)
        .args(["--replications", "4", "--evaluate", "--quiet", "--out"])
        .arg(&before));
    let a = std::fs::read_to_string(fit.join("fit.csv")).expect("fit");
    let b = std::fs::read_to_string(before.join("fit.csv")).expect("before");
    assert_ne!(without_scenario(&a), without_scenario(&b));
    // Fitting options make no sense with --evaluate.
    refused(
        corridor()
            .arg("calibrate")
            .arg(data("calibration/three_roads.toml"))
            .arg(&targets_path)
            .args(["--evaluate", "--fit-logit-scale", "--out"])
            .arg(tmp.path().join("x")),
        &["--fit-logit-scale"],
    );
}

#[test]
fn calibrate_refuses_a_bad_targets_file_with_exit_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    let targets_path = write_targets(
        tmp.path(),
        &["T1,2020,*,d,share_of_teu,nowhere,0.3,0.2,0.4,src,"],
    );
    refused(
        corridor()
            .arg("calibrate")
            .arg(data("calibration/three_roads.toml"))
            .arg(&targets_path)
            .arg("--out")
            .arg(tmp.path().join("out")),
        &[
            "targets.csv:2:",
            "target \"T1\"",
            "field `category`",
            "nowhere",
        ],
    );
    assert!(!tmp.path().join("out").join("fitted.toml").exists());
}
