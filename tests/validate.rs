//! The scenario loader as planners meet it.
//!
//! - `corridor validate` over a catalogue of malformed scenarios (tests/data/malformed/):
//!   each file is valid except for one problem, which must be reported as
//!   `FILE:LINE:COL: message` naming the problem, the field and the entity, with exit 2.
//! - `extends` / `[[set]]` merging through the library (tests/data/extends/).
//! - Property tests: the loader never panics, and every problem it reports in a mutated
//!   scenario points at a line and column inside the file.

use corridor_sim::dist::Dist;
use corridor_sim::scenario::{self, Diagnostics, Loaded, Scenario};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const MALFORMED: &str = "tests/data/malformed";
const EXTENDS: &str = "tests/data/extends";
const TWO_CORRIDORS: &str = "tests/data/two_corridors.toml";
const CHONGQING_BASE: &str = "scenarios/chongqing/base.toml";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built `corridor` binary in the package root, so relative paths print as given.
fn corridor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("the corridor binary runs")
}

fn text_of(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

// ---- the catalogue -----------------------------------------------------------------

/// Which column of the expected line the problem must be reported at.
#[derive(Clone, Copy, Debug)]
enum Col {
    /// Where this text starts on the line (the first occurrence).
    Of(&'static str),
    /// Column 1.
    First,
    /// Just past the last character of the line (e.g. an unterminated string).
    End,
}

/// Where a catalogue file's problem must be reported.
#[derive(Clone, Copy, Debug)]
enum Where {
    /// The `nth` (1-based) non-comment line containing `line`, at column `col`.
    Line {
        line: &'static str,
        nth: usize,
        col: Col,
    },
    /// The whole file: reported at 1:1.
    File,
}

/// One malformed file and what `corridor validate` must say about it.
#[derive(Clone, Copy, Debug)]
struct Case {
    /// File name under tests/data/malformed/.
    file: &'static str,
    /// Where the problem is.
    at: Where,
    /// The file the problem is reported in, when it is not `file` itself.
    reported_in: Option<&'static str>,
    /// Fragments the message must contain: the problem, the field and the entity.
    want: &'static [&'static str],
}

const fn at(
    file: &'static str,
    line: &'static str,
    col: Col,
    want: &'static [&'static str],
) -> Case {
    Case {
        file,
        at: Where::Line { line, nth: 1, col },
        reported_in: None,
        want,
    }
}

const fn whole(file: &'static str, want: &'static [&'static str]) -> Case {
    Case {
        file,
        at: Where::File,
        reported_in: None,
        want,
    }
}

use Col::{End, First, Of};

const CATALOGUE: &[Case] = &[
    at(
        "toml_syntax.toml",
        "name = \"Port",
        End,
        &["TOML syntax error", "string"],
    ),
    at(
        "unknown_field.toml",
        "toll_usd_per_teu",
        First,
        &["link \"zone-port\"", "unknown field `toll_usd_per_teu`"],
    ),
    at(
        "unknown_section.toml",
        "[[ports]]",
        Of("ports"),
        &["unknown section `ports`"],
    ),
    at(
        "wrong_type.toml",
        "distance_km = \"400\"",
        Of("\"400\""),
        &[
            "link \"zone-port\"",
            "field `distance_km`",
            "invalid type: string \"400\"",
            "expected a number",
        ],
    ),
    at(
        "unknown_hub_in_link.toml",
        "to = \"harbour\"",
        Of("\"harbour\""),
        &["link \"zone-port\"", "field `to`", "unknown hub `harbour`"],
    ),
    Case {
        file: "duplicate_hub_id.toml",
        at: Where::Line {
            line: "id = \"port\"",
            nth: 2,
            col: Of("\"port\""),
        },
        reported_in: None,
        want: &[
            "duplicate hub id `port`",
            "first defined at tests/data/malformed/duplicate_hub_id.toml:",
        ],
    },
    at(
        "nan_distance.toml",
        "distance_km = nan",
        Of("nan"),
        &[
            "link \"zone-port\"",
            "field `distance_km`",
            "must be a finite number",
            "NaN",
        ],
    ),
    at(
        "inf_cost.toml",
        "cost_usd_per_teu = inf",
        Of("inf"),
        &[
            "link \"port-market\"",
            "field `cost_usd_per_teu`",
            "must be a finite number",
            "inf",
        ],
    ),
    at(
        "negative_cost.toml",
        "cost_usd_per_teu = -5",
        Of("-5"),
        &[
            "link \"zone-market\"",
            "field `cost_usd_per_teu`",
            "must not be negative",
            "-5",
        ],
    ),
    at(
        "zero_distance.toml",
        "distance_km = 0",
        Of("0"),
        &[
            "link \"port-market\"",
            "field `distance_km`",
            "must be greater than 0",
            "got 0",
        ],
    ),
    at(
        "zero_capacity.toml",
        "capacity_teu = 0",
        Of("0"),
        &[
            "service \"weekly-ship\"",
            "field `capacity_teu`",
            "must be at least 1",
            "got 0",
        ],
    ),
    at(
        "zero_servers.toml",
        "servers = 0",
        Of("0,"),
        &[
            "hub \"port\"",
            "field `transfer.servers`",
            "must be at least 1",
            "got 0",
        ],
    ),
    at(
        "zero_departures.toml",
        "departures_per_week = 0",
        Of("0"),
        &[
            "service \"weekly-ship\"",
            "field `departures_per_week`",
            "must be greater than 0",
        ],
    ),
    at(
        "both_departures_and_headway.toml",
        "departures_per_week = 1",
        Of("1"),
        &[
            "service \"weekly-ship\"",
            "either `departures_per_week` or `headway_h`, not both",
        ],
    ),
    at(
        "lognormal_p90_below_median.toml",
        "p90 = 30",
        Of("{"),
        &[
            "link \"zone-market\"",
            "field `time_h`",
            "p90 (30) must be greater than median (40)",
        ],
    ),
    at(
        "triangular_mode_outside.toml",
        "mode = 100",
        Of("{"),
        &[
            "link \"port-market\"",
            "field `time_h`",
            "mode (100) must lie within [min, max] = [60, 90]",
        ],
    ),
    at(
        "unknown_dist.toml",
        "\"gamma\"",
        Of("{"),
        &[
            "link \"zone-market\"",
            "field `time_h`",
            "unknown dist `gamma`",
            "lognormal",
        ],
    ),
    at(
        "lat_out_of_range.toml",
        "lat = 95",
        Of("95"),
        &[
            "hub \"market\"",
            "field `lat`",
            "between -90 and 90",
            "got 95",
        ],
    ),
    at(
        "lon_out_of_range.toml",
        "lon = 200",
        Of("200"),
        &[
            "hub \"market\"",
            "field `lon`",
            "between -180 and 180",
            "got 200",
        ],
    ),
    at(
        "service_one_stop.toml",
        "stops = [\"port\"]",
        Of("["),
        &[
            "service \"weekly-ship\"",
            "field `stops`",
            "at least 2 stops, got 1",
        ],
    ),
    at(
        "service_stops_not_linked.toml",
        "stops = [\"zone\", \"port\"]",
        Of("\"port\""),
        &[
            "service \"zone-rail\"",
            "`zone` → `port`",
            "not joined by a rail link",
        ],
    ),
    at(
        "unreachable_demand.toml",
        "to = \"island\"",
        Of("\"island\""),
        &[
            "demand \"zone-island\"",
            "destination `island` cannot be reached from `zone`",
        ],
    ),
    at(
        "horizon_not_after_warmup.toml",
        "horizon_days = 10",
        Of("10"),
        &[
            "[scenario]",
            "`horizon_days` (10) must be greater than `warmup_days` (10)",
        ],
    ),
    at(
        "extends_missing_file.toml",
        "extends = ",
        Of("\""),
        &["cannot read", "no_such_base.toml"],
    ),
    Case {
        file: "extends_cycle_a.toml",
        at: Where::Line {
            line: "extends = ",
            nth: 1,
            col: Of("\""),
        },
        reported_in: Some("extends_cycle_b.toml"),
        want: &[
            "`extends` cycle",
            "extends_cycle_a.toml -> ",
            "extends_cycle_b.toml -> ",
        ],
    },
    Case {
        file: "extends_cycle_b.toml",
        at: Where::Line {
            line: "extends = ",
            nth: 1,
            col: Of("\""),
        },
        reported_in: Some("extends_cycle_a.toml"),
        want: &[
            "`extends` cycle",
            "extends_cycle_b.toml -> ",
            "extends_cycle_a.toml -> ",
        ],
    },
    at(
        "set_path_nothing.toml",
        "path = \"services.weekly-boat",
        Of("\""),
        &[
            "set path `services.weekly-boat.capacity_teu` addresses nothing",
            "no services entry with id `weekly-boat`",
        ],
    ),
    // The bad value is reported where the [[set]] wrote it, not at the link.
    at(
        "set_bad_value.toml",
        "value = -3",
        Of("-3"),
        &[
            "link \"zone-port\"",
            "field `distance_km`",
            "must be greater than 0, got -3",
        ],
    ),
    at(
        "set_unknown_field.toml",
        "values = 10",
        First,
        &["unknown field `values` in a `set` entry"],
    ),
    whole("empty.toml", &["file is empty", "[scenario]"]),
    whole("binary.toml", &["not a text file", "NUL"]),
    whole("not_utf8.toml", &["not UTF-8"]),
    at(
        "candidate_connectors_and_auto.toml",
        "connect = \"auto\"",
        Of("\"auto\""),
        &[
            "candidate \"new-zone\"",
            "either `connectors` or `connect = \"auto\"`, not both",
        ],
    ),
    at(
        "candidate_without_connectors.toml",
        "id = \"new-zone\"",
        Of("\"new-zone\""),
        &[
            "candidate \"new-zone\"",
            "needs `connectors` (at least one) or `connect = \"auto\"`",
        ],
    ),
    at(
        "region_circuity_below_one.toml",
        "circuity = 0.8",
        Of("0.8"),
        &["[region]", "field `circuity`", "from 1 to 10, got 0.8"],
    ),
    at(
        "candidate_connector_unknown_hub.toml",
        "to = \"harbour\"",
        Of("\"harbour\""),
        &[
            "candidate \"new-zone\" connectors[1]",
            "field `to`",
            "unknown hub `harbour`",
        ],
    ),
    at(
        "disruption_two_targets.toml",
        "id = \"storm\"",
        Of("\"storm\""),
        &[
            "disruption \"storm\"",
            "exactly one of `link`, `hub` or `service`",
        ],
    ),
    at(
        "negative_integer_servers.toml",
        "servers = -1",
        Of("-1"),
        &["hub \"port\"", "field `transfer.servers`", "`-1`"],
    ),
    whole(
        "missing_scenario_section.toml",
        &["missing [scenario] section"],
    ),
    at(
        "bad_mode.toml",
        "mode = \"ship\"",
        Of("\"ship\""),
        &[
            "link \"port-market\"",
            "field `mode`",
            "unknown variant `ship`",
            "`sea`",
        ],
    ),
    at(
        "unknown_class.toml",
        "class = \"genral\"",
        Of("\"genral\""),
        &[
            "demand \"zone-market\"",
            "field `class`",
            "unknown class `genral`",
        ],
    ),
    Case {
        file: "demand_without_value.toml",
        at: Where::Line {
            line: "from = \"zone\"",
            nth: 3,
            col: Of("\"zone\""),
        },
        reported_in: None,
        want: &[
            "demand \"zone-market\"",
            "missing field `value_usd_per_teu`",
            "a `class`",
        ],
    },
    at(
        "unknown_corridor.toml",
        "corridor = \"east\"",
        Of("\"east\""),
        &[
            "link \"zone-market\"",
            "field `corridor`",
            "unknown corridor `east`",
        ],
    ),
    at(
        "missing_field.toml",
        "[[links]]",
        First,
        &["link \"zone-port\"", "missing field `cost_usd_per_teu`"],
    ),
    at(
        "duplicate_key.toml",
        "lat = 29.7",
        First,
        &["TOML syntax error", "duplicate key"],
    ),
    at(
        "link_same_hub.toml",
        "to = \"zone\"",
        Of("\"zone\""),
        &["link \"zone-port\"", "two different hubs"],
    ),
    at(
        "probability_above_one.toml",
        "probability = 1.5",
        Of("1.5"),
        &[
            "disruption \"strike\"",
            "field `probability`",
            "between 0 and 1",
            "got 1.5",
        ],
    ),
    at(
        "slowdown_without_factor.toml",
        "effect = \"slowdown\"",
        Of("\"slowdown\""),
        &["disruption \"fog\"", "slowdown needs `time_factor`"],
    ),
    at(
        "capacity_without_servers.toml",
        "effect = \"capacity\"",
        Of("\"capacity\""),
        &[
            "disruption \"maintenance\"",
            "capacity reduction needs `servers`",
        ],
    ),
    at(
        "bottleneck_bad_priority.toml",
        "priority = \"containers\"",
        Of("\"containers\""),
        &[
            "link \"origin-market\"",
            "field `bottleneck.priority`",
            "unknown variant `containers`",
            "`freight`",
        ],
    ),
    at(
        "bottleneck_stationary_saturated.toml",
        "start = \"stationary\"",
        Of("\"stationary\""),
        &[
            "link \"origin-market\"",
            "field `bottleneck.start`",
            "at most 0.999, got 1.0000",
        ],
    ),
    at(
        "bottleneck_stationary_with_services.toml",
        "start = \"stationary\"",
        Of("\"stationary\""),
        &[
            "link \"port-market\"",
            "field `bottleneck.start`",
            "timetabled vehicles",
            "at most 0.999, got 1.0010",
        ],
    ),
    at(
        "capacity_without_bottleneck.toml",
        "link = \"port-market\"",
        Of("\"port-market\""),
        &[
            "disruption \"maintenance\"",
            "effect = \"capacity\"",
            "link has no `bottleneck`",
        ],
    ),
    at(
        "servers_on_closure.toml",
        "servers = 1",
        Of("1"),
        &[
            "disruption \"strike\"",
            "`servers` applies only to effect = \"capacity\"",
        ],
    ),
    at(
        "rate_discount_whole_rate.toml",
        "rate_discount = 1.0",
        Of("1.0"),
        &["corridor \"north\"", "field `rate_discount`", "got 1"],
    ),
    at(
        "choice_constant_too_large.toml",
        "choice_constant_usd_per_teu = -2e7",
        Of("-2e7"),
        &[
            "corridor \"north\"",
            "field `choice_constant_usd_per_teu`",
            "between -10000000 and 10000000",
            "got -20000000",
        ],
    ),
    at(
        "advance_on_transfer.toml",
        "advance_declaration = true",
        Of("advance_declaration"),
        &[
            "hub \"port\"",
            "unknown field `advance_declaration`",
            "`target_h`",
        ],
    ),
    at(
        "bad_customs_regime.toml",
        "customs = \"transit\"",
        Of("\"transit\""),
        &[
            "demand \"zone-market\"",
            "field `customs`",
            "unknown variant `transit`",
            "`none`",
        ],
    ),
    at(
        "negative_import_cost.toml",
        "import_cost_usd_per_teu = -80",
        Of("-80"),
        &[
            "hub \"port\"",
            "field `customs.import_cost_usd_per_teu`",
            "must not be negative",
        ],
    ),
    at(
        "zero_transfer_target.toml",
        "target_h = 0",
        Of("0 }"),
        &[
            "hub \"port\"",
            "field `transfer.target_h`",
            "greater than 0",
        ],
    ),
    at(
        "empirical_empty.toml",
        "dwell_h = ",
        Of("{"),
        &[
            "service \"weekly-ship\"",
            "field `dwell_h`",
            "at least one value",
        ],
    ),
    at(
        "zero_k_routes.toml",
        "k_routes = 0",
        Of("0"),
        &["[choice]", "field `k_routes`", "must be at least 1"],
    ),
    at(
        "zero_logit_scale.toml",
        "logit_scale = 0.0",
        Of("0.0"),
        &["[choice]", "field `logit_scale`", "must be greater than 0"],
    ),
    at(
        "feedback_zero_iterations.toml",
        "feedback = ",
        Of("0 }"),
        &[
            "[choice] feedback",
            "field `iterations`",
            "must be at least 1",
        ],
    ),
    at(
        "feedback_bad_step.toml",
        "feedback = ",
        Of("\"newton\""),
        &["[choice] feedback", "field `step`", "\"msa\""],
    ),
    at(
        "feedback_many_periods.toml",
        "feedback = ",
        Of("0.1 }"),
        &[
            "[choice] feedback",
            "field `period_days`",
            "more than 366 periods",
        ],
    ),
    at(
        "feedback_zero_tolerance.toml",
        "feedback = ",
        Of("0 }"),
        &["[choice] feedback", "field `tolerance`", "(0, 1]"],
    ),
    at(
        "bad_id_chars.toml",
        "id = \"port one\"",
        Of("\"port one\""),
        &["hub \"port one\"", "id `port one`", "letters, digits"],
    ),
    at(
        "unknown_duration_param.toml",
        "median = 70",
        Of("{"),
        &[
            "link \"port-market\"",
            "field `time_h`",
            "`median` is not a parameter of a triangular duration",
        ],
    ),
];

/// Files in tests/data/malformed/ that are not one-problem catalogue entries.
const NOT_IN_CATALOGUE: &[&str] = &["several_problems.toml"];

/// 1-based (line, column) of the expected position, found by reading the file.
fn expected_position(text: &str, at: Where) -> (usize, usize) {
    let Where::Line { line, nth, col } = at else {
        return (1, 1);
    };
    let found = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#') && l.contains(line))
        .nth(nth - 1);
    let Some((i, l)) = found else {
        panic!("no line #{nth} containing {line:?}");
    };
    let column = match col {
        First => 1,
        End => l.chars().count() + 1,
        Of(s) => {
            let byte = l
                .find(s)
                .unwrap_or_else(|| panic!("{s:?} is not on line {}: {l:?}", i + 1));
            l[..byte].chars().count() + 1
        }
    };
    (i + 1, column)
}

/// Every stderr line of a failed `validate` is `FILE:LINE:COL: message` or the summary
/// `FILE: N problem(s) found`.
fn assert_diagnostic_format(stderr: &str) {
    for line in stderr.lines() {
        match split_position(line) {
            Some(((l, c), _)) => assert!(l >= 1 && c >= 1, "{line}"),
            None => assert!(
                line.ends_with(" problem found") || line.ends_with(" problems found"),
                "neither FILE:LINE:COL: message nor a summary: {line}"
            ),
        }
    }
}

/// Splits `path:line:col: message` into ((line, col), path). The path may contain ':'.
fn split_position(rendered: &str) -> Option<((usize, usize), &str)> {
    let toml = rendered.find(".toml:")? + ".toml".len();
    let (path, rest) = rendered.split_at(toml);
    let mut parts = rest[1..].splitn(3, ':');
    let line = parts.next()?.parse().ok()?;
    let col = parts.next()?.parse().ok()?;
    parts.next()?.strip_prefix(' ')?;
    Some(((line, col), path))
}

fn check_case(case: &Case) -> Result<(), String> {
    let path = format!("{MALFORMED}/{}", case.file);
    let out = corridor(&["validate", &path]);
    let stderr = text_of(&out.stderr);
    let stdout = text_of(&out.stdout);
    let report = format!(
        "{path}: exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    if out.status.code() != Some(2) {
        return Err(format!("expected exit 2; {report}"));
    }
    if !stdout.is_empty() {
        return Err(format!("expected no stdout; {report}"));
    }
    let reported = match case.reported_in {
        Some(other) => format!("{MALFORMED}/{other}"),
        None => path.clone(),
    };
    let text =
        String::from_utf8_lossy(&fs::read(manifest_dir().join(&reported)).unwrap()).into_owned();
    let (line, col) = expected_position(&text, case.at);
    let prefix = format!("{reported}:{line}:{col}: ");
    let Some(diag) = stderr.lines().find(|l| l.starts_with(&prefix)) else {
        return Err(format!("expected a line starting {prefix:?}; {report}"));
    };
    for want in case.want {
        if !diag.contains(want) {
            return Err(format!("expected {want:?} in {diag:?}; {report}"));
        }
    }
    assert_diagnostic_format(&stderr);
    Ok(())
}

#[test]
fn every_malformed_file_is_reported_at_its_line_and_column() {
    let failures: Vec<String> = CATALOGUE
        .iter()
        .filter_map(|c| check_case(c).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} catalogue files misreported:\n\n{}",
        failures.len(),
        CATALOGUE.len(),
        failures.join("\n\n")
    );
}

#[test]
fn catalogue_covers_every_malformed_file() {
    let mut on_disk: Vec<String> = fs::read_dir(manifest_dir().join(MALFORMED))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && !NOT_IN_CATALOGUE.contains(&n.as_str()))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CATALOGUE.iter().map(|c| c.file.to_string()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), CATALOGUE.len(), "a file is listed twice");
    assert_eq!(
        on_disk, listed,
        "tests/data/malformed/ and CATALOGUE differ"
    );
    assert!(listed.len() >= 24);
}

#[test]
fn every_malformed_file_says_what_is_wrong_in_a_header() {
    for case in CATALOGUE {
        if case.file == "empty.toml" {
            continue; // zero bytes by design
        }
        let bytes = fs::read(manifest_dir().join(MALFORMED).join(case.file)).unwrap();
        assert!(
            bytes.starts_with(b"# MALFORMED: "),
            "{} must start with a `# MALFORMED: ...` comment",
            case.file
        );
    }
    assert!(
        fs::read(manifest_dir().join(MALFORMED).join("empty.toml"))
            .unwrap()
            .is_empty()
    );
    assert!(
        fs::read(manifest_dir().join(MALFORMED).join("binary.toml"))
            .unwrap()
            .contains(&0)
    );
}

#[test]
fn duplicate_id_names_where_it_was_first_defined() {
    let path = format!("{MALFORMED}/duplicate_hub_id.toml");
    let text = fs::read_to_string(manifest_dir().join(&path)).unwrap();
    let first = Where::Line {
        line: "id = \"port\"",
        nth: 1,
        col: Of("\"port\""),
    };
    let (line, col) = expected_position(&text, first);
    let stderr = text_of(&corridor(&["validate", &path]).stderr);
    assert!(
        stderr.contains(&format!("first defined at {path}:{line}:{col};")),
        "{stderr}"
    );
}

#[test]
fn valid_scenario_exits_0_with_a_one_line_summary() {
    let out = corridor(&["validate", TWO_CORRIDORS]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    assert_eq!(text_of(&out.stderr), "");
    assert_eq!(
        text_of(&out.stdout),
        "tests/data/two_corridors.toml: ok: scenario \"two-corridors\": 3 hubs, 3 links, \
         1 services, 2 corridors, 1 demand flows, 0 candidates, 0 disruptions\n"
    );
}

#[test]
fn several_problems_are_all_reported_in_order() {
    let path = format!("{MALFORMED}/several_problems.toml");
    let out = corridor(&["validate", &path]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text_of(&out.stderr);
    assert_diagnostic_format(&stderr);
    let text = fs::read_to_string(manifest_dir().join(&path)).unwrap();
    let expected = [
        ("lat = 95", "field `lat`"),
        ("distance_km = nan", "field `distance_km`"),
        ("corridor = \"east\"", "unknown corridor `east`"),
        ("capacity_teu = 0", "field `capacity_teu`"),
        ("due_days = -1", "field `due_days`"),
    ];
    let diags: Vec<&str> = stderr
        .lines()
        .filter(|l| split_position(l).is_some())
        .collect();
    assert_eq!(diags.len(), expected.len(), "{stderr}");
    for (diag, (needle, what)) in diags.iter().zip(expected) {
        let (line, _) = expected_position(
            &text,
            Where::Line {
                line: needle,
                nth: 1,
                col: First,
            },
        );
        assert!(
            diag.starts_with(&format!("{path}:{line}:")),
            "{diag} (want line {line})"
        );
        assert!(diag.contains(what), "{diag} (want {what})");
    }
    assert!(
        stderr.ends_with(&format!("{path}: 5 problems found\n")),
        "{stderr}"
    );
}

#[test]
fn several_files_are_each_checked() {
    let bad = format!("{MALFORMED}/zero_capacity.toml");
    let out = corridor(&["validate", TWO_CORRIDORS, &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text_of(&out.stdout).starts_with("tests/data/two_corridors.toml: ok: "));
    assert!(text_of(&out.stderr).contains(&format!("{bad}: 1 problem found")));
}

#[test]
fn missing_file_is_bad_input() {
    let out = corridor(&["validate", "tests/data/no-such-scenario.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text_of(&out.stderr);
    assert!(
        stderr.starts_with("tests/data/no-such-scenario.toml:1:1: cannot read "),
        "{stderr}"
    );
}

#[test]
fn chongqing_base_scenario_is_valid() {
    if !manifest_dir().join(CHONGQING_BASE).exists() {
        println!("note: {CHONGQING_BASE} does not exist yet; skipping its validation");
        return;
    }
    let out = corridor(&["validate", CHONGQING_BASE]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{CHONGQING_BASE} is invalid:\n{}",
        text_of(&out.stderr)
    );
    assert!(text_of(&out.stdout).starts_with(&format!("{CHONGQING_BASE}: ok: scenario ")));
}

/// `connect = "auto"` on the shipped scenario reproduces the hand-written connectors of a
/// candidate at the same place: its rules R1 (great circle × 1.3), R2 (drive time) and R3
/// (40 + 0.45 USD/TEU-km) are what the road links imply.
#[test]
fn auto_connectors_on_chongqing_match_the_written_rules() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auto.toml");
    let base = manifest_dir().join(CHONGQING_BASE);
    fs::write(
        &file,
        format!(
            "extends = {:?}\n[[candidates]]\nid = \"etdz-auto\"\nname = \"ETDZ, connected automatically\"\nlat = 29.52\nlon = 106.65\nconnect = \"auto\"\n",
            base.to_str().unwrap()
        ),
    )
    .unwrap();
    let s = scenario::load(&file)
        .unwrap_or_else(|d| panic!("{d}"))
        .scenario;
    let find = |id: &str| &s.candidates[s.candidate_by_id(id).unwrap().index()];
    let (auto, written) = (find("etdz-auto"), find("cq-etdz"));
    let to: Vec<&str> = auto
        .connectors
        .iter()
        .map(|k| s.hub(k.to).id.as_str())
        .collect();
    // The three nearest terminals, nearest first (Nanpeng 14.2 km, Guoyuan 16.5 km,
    // the airport 22.2 km great circle; Tuanjiecun at 30.2 km is fourth).
    assert_eq!(to, ["nanpeng", "guoyuan", "jiangbei-airport"]);
    for k in &auto.connectors {
        assert_eq!(k.mode, corridor_sim::scenario::Mode::Road);
        let w = written
            .connectors
            .iter()
            .find(|w| w.to == k.to)
            .expect("the written candidate has a connector to the same hub");
        // The written figures are rounded to the km and the cent.
        assert!(
            (k.distance_km - w.distance_km).abs() < 0.6,
            "{k:?} vs {w:?}"
        );
        assert!(
            (k.cost_usd_per_teu - w.cost_usd_per_teu).abs() < 0.5,
            "{k:?} vs {w:?}"
        );
        let (km, wm) = (k.time_h.mean(), w.time_h.mean());
        assert!((km / wm - 1.0).abs() < 0.05, "{k:?} vs {w:?}");
    }
}

// ---- extends and [[set]] through the library -----------------------------------------

fn load(rel: &str) -> Loaded {
    scenario::load(&manifest_dir().join(rel)).unwrap_or_else(|d| panic!("{rel}:\n{d}"))
}

fn hub<'a>(s: &'a Scenario, id: &str) -> &'a corridor_sim::scenario::Hub {
    s.hub(s.hub_by_id(id).unwrap_or_else(|| panic!("no hub {id}")))
}

fn link<'a>(s: &'a Scenario, id: &str) -> &'a corridor_sim::scenario::Link {
    s.links
        .iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("no link {id}"))
}

fn service<'a>(s: &'a Scenario, id: &str) -> &'a corridor_sim::scenario::Service {
    s.service(
        s.service_by_id(id)
            .unwrap_or_else(|| panic!("no service {id}")),
    )
}

#[test]
fn base_applies_its_own_set() {
    let s = load(&format!("{EXTENDS}/base.toml")).scenario;
    assert_eq!(s.meta.name, "extends-base");
    assert_eq!(service(&s, "weekly-ship").capacity_teu, 400);
    assert_eq!(s.hubs.len(), 3);
}

#[test]
fn child_overrides_fields_adds_entities_and_patches() {
    let loaded = load(&format!("{EXTENDS}/child.toml"));
    let s = &loaded.scenario;
    // [scenario]: the child's name, the base's other fields.
    assert_eq!(s.meta.name, "extends-child");
    assert_eq!(s.meta.replications, 4);
    assert_eq!(s.meta.window.horizon_days(), 60.0);
    // Hub "port": one field overridden, the rest kept; its transfer merged key by key.
    let port = hub(s, "port");
    assert_eq!(port.lat, 30.2);
    assert_eq!(port.lon, 110.0);
    assert_eq!(port.name, "Port");
    let transfer = port.transfer.as_ref().unwrap();
    assert_eq!(transfer.cost_usd_per_teu, 65.0);
    assert_eq!(transfer.servers, 2);
    assert_eq!(transfer.time_h, Dist::Fixed(2.0));
    // New ids append after the base's, which keep their order.
    let hub_ids: Vec<&str> = s.hubs.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(hub_ids, ["zone", "port", "market", "inland"]);
    let link_ids: Vec<&str> = s.links.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        link_ids,
        ["zone-port", "port-market", "zone-market", "zone-inland"]
    );
    let zi = link(s, "zone-inland");
    assert_eq!(
        (zi.from, zi.to),
        (s.hub_by_id("zone").unwrap(), s.hub_by_id("inland").unwrap())
    );
    assert_eq!(zi.distance_km, 150.0);
    // The child's plain value beats the base's [[set]]; the child's sets apply in order.
    let ship = service(s, "weekly-ship");
    assert_eq!(ship.capacity_teu, 600);
    assert!(
        (ship.headway_h - 168.0 / 3.0).abs() < 1e-9,
        "{}",
        ship.headway_h
    );
    assert_eq!(ship.mode, corridor_sim::scenario::Mode::Sea);
    // The base's entities are untouched.
    assert_eq!(link(s, "zone-port").time_h, Dist::Fixed(8.0));
    assert_eq!(s.candidates.len(), 1);
    // Both files were read, the child first.
    assert!(
        loaded
            .sources
            .file(scenario::source::FileId(0))
            .path
            .ends_with("child.toml")
    );
    assert!(
        loaded
            .sources
            .file(scenario::source::FileId(1))
            .path
            .ends_with("base.toml")
    );
}

#[test]
fn grandchild_merges_over_the_child_and_the_base() {
    let s = load(&format!("{EXTENDS}/grandchild.toml")).scenario;
    assert_eq!(s.meta.name, "extends-grandchild");
    // `set` on scenario.replications.
    assert_eq!(s.meta.replications, 50);
    assert_eq!(s.meta.seed, 7);
    // A hub the child added, renamed here; its other fields from the child.
    let inland = hub(&s, "inland");
    assert_eq!(inland.name, "Inland terminal (renamed)");
    assert_eq!(inland.lat, 30.5);
    // The child's changes to hub "port" survive, plus this file's set of a sub-table field.
    let port = hub(&s, "port");
    assert_eq!(port.lat, 30.2);
    let transfer = port.transfer.as_ref().unwrap();
    assert_eq!((transfer.servers, transfer.cost_usd_per_teu), (3, 65.0));
    // The service keeps the child's figures and gains an optional field by `set`.
    let ship = service(&s, "weekly-ship");
    assert_eq!(ship.capacity_teu, 600);
    assert!((ship.headway_h - 56.0).abs() < 1e-9);
    assert_eq!(ship.fare_usd_per_teu, Some(900.0));
    // Demand without an id merged on "<from>-<to>"; the new flow appended.
    let ids: Vec<&str> = s.demand.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["zone-market", "zone-inland"]);
    let zm = &s.demand[0];
    assert_eq!(zm.teu_per_day, 12.0);
    assert_eq!(zm.value_usd_per_teu, 30000.0);
    assert_eq!(zm.due_days, 10.0);
    // VOT = value × the default rate of 0.001 per day.
    assert!((zm.vot_usd_per_teu_day - 30.0).abs() < 1e-9);
    assert!((s.demand[1].vot_usd_per_teu_day - 150.0).abs() < 1e-9);
    // A numeric path segment indexed the candidate's connectors.
    assert_eq!(s.candidates[0].connectors[0].cost_usd_per_teu, 99.0);
    assert_eq!(s.candidates[0].connectors[0].distance_km, 300.0);
    assert_eq!(s.hubs.len(), 4);
    assert_eq!(s.links.len(), 4);
}

#[test]
fn child_turns_a_fixed_time_into_a_lognormal() {
    let s = load(&format!("{EXTENDS}/child_time_dist.toml")).scenario;
    assert_eq!(
        link(&s, "zone-port").time_h,
        Dist::LogNormal {
            median: 8.0,
            p90: 12.0
        }
    );
    // Everything else about the link is the base's.
    assert_eq!(link(&s, "zone-port").distance_km, 400.0);
    assert_eq!(
        link(&s, "zone-market").time_h,
        Dist::LogNormal {
            median: 40.0,
            p90: 55.0
        }
    );
}

#[test]
fn child_replaces_a_duration_of_another_kind() {
    let s = load(&format!("{EXTENDS}/child_dist_kind.toml")).scenario;
    assert_eq!(
        link(&s, "zone-market").time_h,
        Dist::Triangular {
            min: 30.0,
            mode: 40.0,
            max: 60.0
        }
    );
}

#[test]
fn a_bad_override_is_reported_in_the_child() {
    let path = manifest_dir().join(EXTENDS).join("bad_child.toml");
    let err = scenario::load(&path).expect_err("distance_km = 0 is invalid");
    assert_eq!(err.items.len(), 1, "{err}");
    let rendered = err.items[0].render(&err.sources);
    let text = fs::read_to_string(&path).unwrap();
    let (line, col) = expected_position(
        &text,
        Where::Line {
            line: "distance_km = 0",
            nth: 1,
            col: Of("0"),
        },
    );
    assert!(
        rendered.starts_with(&format!("{}:{line}:{col}: ", path.display())),
        "{rendered}"
    );
    assert!(
        rendered.contains("link \"port-market\": field `distance_km`"),
        "{rendered}"
    );
}

// ---- never panic -------------------------------------------------------------------

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Do not write regression files into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Loads `bytes` from a file in `dir`; renders any error (rendering must not panic either).
fn load_bytes(dir: &Path, bytes: &[u8]) -> Result<Loaded, (Diagnostics, Vec<String>)> {
    let path = dir.join("case.toml");
    fs::write(&path, bytes).unwrap();
    scenario::load(&path).map_err(|d| {
        let _ = d.to_string();
        let rendered = d.items.iter().map(|i| i.render(&d.sources)).collect();
        (d, rendered)
    })
}

/// Keys of the TOML-ish grammar (whitespace-separated).
const KEYS: &str = "\
    scenario choice compare hubs links services demand candidates disruptions corridors \
    set extends id name kind lat lon from to mode distance_km time_h cost_usd_per_teu \
    stops servers transfer customs bottleneck dist median p90 min max mean values value \
    path horizon_days warmup_days replications seed departures_per_week headway_h \
    capacity_teu teu_per_day connectors markets link hub service effect time_factor \
    probability start_days duration_days k_routes logit_scale modes two_way due_days \
    value_usd_per_teu class classes vot_usd_per_teu_day";

const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2.5",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "\"zone\"",
    "\"port\"",
    "\"market\"",
    "\"road\"",
    "\"sea\"",
    "\"lognormal\"",
    "\"\"",
    "\"x.y.z\"",
    "\"hubs.port.lat\"",
    "\"scenario.seed\"",
    "\"case.toml\"",
    "\"../case.toml\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "[\"zone\", \"market\"]",
    "[[]]",
    "{ dist = \"lognormal\", median = 4, p90 = 2 }",
    "{ dist = \"empirical\", values = [] }",
    "{ servers = 0, time_h = 1, cost_usd_per_teu = 1 }",
    "1979-05-27",
    "0x10",
    "'lit'",
];

/// A line of TOML-ish text from a small grammar of scenario keys and values.
fn tomlish_line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(KEYS.split_whitespace().collect::<Vec<_>>());
    let value = prop::sample::select(VALUES);
    prop_oneof![
        (key.clone(), value.clone()).prop_map(|(k, v)| format!("{k} = {v}")),
        (key.clone(), key.clone(), value.clone()).prop_map(|(a, b, v)| format!("{a}.{b} = {v}")),
        key.clone().prop_map(|k| format!("[{k}]")),
        key.clone().prop_map(|k| format!("[[{k}]]")),
        (key.clone(), key).prop_map(|(a, b)| format!("[{a}.{b}]")),
        value.prop_map(str::to_string),
        Just(String::new()),
        Just("# comment".to_string()),
    ]
}

/// A whole TOML-ish document: fragments, sometimes after a valid scenario.
fn tomlish_doc() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(tomlish_line(), 0..24)).prop_map(|(on_valid, lines)| {
        let mut doc = if on_valid {
            two_corridors_text()
        } else {
            String::new()
        };
        doc.push('\n');
        doc.push_str(&lines.join("\n"));
        doc
    })
}

fn two_corridors_text() -> String {
    fs::read_to_string(manifest_dir().join(TWO_CORRIDORS)).unwrap()
}

/// Byte ranges of the numbers in `text` outside strings and comments.
fn numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let b = code.as_bytes();
        let mut in_str = false;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'"' {
                in_str = !in_str;
            }
            let starts = !in_str
                && (c.is_ascii_digit()
                    || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'));
            if starts {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b'_') {
                    j += 1;
                }
                out.push(offset + i..offset + j);
                i = j;
                continue;
            }
            i += 1;
        }
        offset += line.len();
    }
    out
}

const REPLACEMENTS: &[&str] = &[
    "-1", "0", "nan", "inf", "-inf", "1e308", "0.5", "\"x\"", "[]", "{}",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Number(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), prop::sample::select(REPLACEMENTS))
            .prop_map(|(i, r)| Mutation::Number(i, r)),
    ]
}

fn mutate(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    match *m {
        Mutation::Delete(i) => {
            lines.remove(i % n);
        }
        Mutation::Duplicate(i) => lines.insert(i % n, lines[i % n]),
        Mutation::Swap(a, b) => lines.swap(a % n, b % n),
        Mutation::Number(i, r) => {
            let spans = numbers(text);
            if spans.is_empty() {
                return text.to_string();
            }
            let span = spans[i % spans.len()].clone();
            return format!("{}{r}{}", &text[..span.start], &text[span.end..]);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Checks that every rendered problem is `PATH:LINE:COL: message` inside `text`.
fn assert_inside(path: &Path, text: &str, rendered: &[String]) -> Result<(), TestCaseError> {
    let shown = path.display().to_string();
    let line_count = text.matches('\n').count() + 1;
    for r in rendered {
        let rest = r
            .strip_prefix(&shown)
            .ok_or_else(|| TestCaseError::fail(format!("not in {shown}: {r}")))?;
        let ((line, col), _) = split_position(&format!("x.toml{rest}"))
            .ok_or_else(|| TestCaseError::fail(format!("no :LINE:COL: prefix: {r}")))?;
        prop_assert!(
            line >= 1 && line <= line_count,
            "line {line} of {line_count}: {r}"
        );
        let width = text
            .split('\n')
            .nth(line - 1)
            .map_or(0, |l| l.chars().count());
        prop_assert!(col >= 1 && col <= width + 1, "col {col} of {width}: {r}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn load_never_panics_on_arbitrary_text(text in any::<String>()) {
        let dir = tempfile::tempdir().unwrap();
        let _ = load_bytes(dir.path(), text.as_bytes());
    }

    #[test]
    fn load_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        // Raw (NUL bytes, invalid UTF-8) and converted lossily to text.
        let _ = load_bytes(dir.path(), &bytes);
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let _ = load_bytes(dir.path(), lossy.as_bytes());
    }

    #[test]
    fn load_never_panics_on_tomlish_fragments(doc in tomlish_doc()) {
        let dir = tempfile::tempdir().unwrap();
        // Things an `extends` in the fragments may name.
        fs::write(dir.path().join("x.y.z"), "[scenario]\n").unwrap();
        let _ = load_bytes(dir.path(), doc.as_bytes());
    }

    #[test]
    fn mutated_scenarios_never_panic_and_point_inside_the_file(
        muts in prop::collection::vec(mutation(), 1..4)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut text = two_corridors_text();
        for m in &muts {
            text = mutate(&text, m);
        }
        if let Err((_, rendered)) = load_bytes(dir.path(), text.as_bytes()) {
            prop_assert!(!rendered.is_empty());
            assert_inside(&dir.path().join("case.toml"), &text, &rendered)?;
        }
    }
}

#[test]
fn number_scanner_finds_the_numbers_of_two_corridors() {
    let text = two_corridors_text();
    let found: Vec<&str> = numbers(&text).into_iter().map(|r| &text[r]).collect();
    assert_eq!(&found[..5], ["60", "10", "4", "7", "2"]);
    assert!(found.contains(&"29.6") && found.contains(&"1500") && found.contains(&"30000"));
    assert!(!found.iter().any(|n| n.is_empty()));
}

/// Every single mutation of two_corridors.toml (each line deleted, each line duplicated,
/// each number replaced by each of [`REPLACEMENTS`]) loads without panicking, and every
/// problem reported points inside the mutated file.
#[test]
fn every_single_mutation_of_two_corridors_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.toml");
    let text = two_corridors_text();
    let lines = text.lines().count();
    let mut mutations: Vec<Mutation> = Vec::new();
    for i in 0..lines {
        mutations.push(Mutation::Delete(i));
        mutations.push(Mutation::Duplicate(i));
        mutations.push(Mutation::Swap(i, (i + 1) % lines));
    }
    for i in 0..numbers(&text).len() {
        for r in REPLACEMENTS {
            mutations.push(Mutation::Number(i, r));
        }
    }
    let (mut ok, mut err) = (0, 0);
    for m in &mutations {
        let mutated = mutate(&text, m);
        match load_bytes(dir.path(), mutated.as_bytes()) {
            Ok(_) => ok += 1,
            Err((_, rendered)) => {
                err += 1;
                assert!(!rendered.is_empty(), "{m:?}");
                if let Err(e) = assert_inside(&path, &mutated, &rendered) {
                    panic!("{m:?}: {e}");
                }
            }
        }
    }
    // Most mutations break the scenario; some (a comment or blank line) do not.
    assert!(err > mutations.len() / 2 && ok > 0, "{ok} ok, {err} errors");
}

// ---- what `validate` guarantees ----------------------------------------------------

/// Text replacements, each `(from, to)`, made once in order.
type Edits = &'static [(&'static str, &'static str)];

/// Finite numbers the model cannot compute with, each passed `validate` and then made
/// `run` panic, fail without a location, or write `inf`: (edits to two_corridors.toml,
/// the line the problem must be reported on, the field named).
const BEYOND_THE_MODEL: &[(Edits, &str, &str)] = &[
    (
        &[(
            "logit_scale = 4.0",
            "logit_scale = 4.0\nvot_rate_per_day = 1e308",
        )],
        "vot_rate_per_day = 1e308",
        "vot_rate_per_day",
    ),
    (
        &[(
            "logit_scale = 4.0",
            "logit_scale = 4.0\nreliability_ratio = 1e308",
        )],
        "reliability_ratio = 1e308",
        "reliability_ratio",
    ),
    (
        &[(
            "departures_per_week = 1\n",
            "departures_per_week = 1e-300\n",
        )],
        "departures_per_week = 1e-300",
        "departures_per_week",
    ),
    (
        &[("median = 40, p90 = 55", "median = 1, p90 = 1e300")],
        "p90 = 1e300",
        "time_h",
    ),
    (
        &[(
            "time_h = 8\n",
            "time_h = { dist = \"empirical\", values = [1e308] }\n",
        )],
        "values = [1e308]",
        "time_h",
    ),
    (
        &[
            ("cost_usd_per_teu = 400", "cost_usd_per_teu = 1.7e308"),
            ("cost_usd_per_teu = 300", "cost_usd_per_teu = 1.7e308"),
        ],
        "cost_usd_per_teu = 1.7e308",
        "cost_usd_per_teu",
    ),
    (
        &[("value_usd_per_teu = 30000", "value_usd_per_teu = 1e308")],
        "value_usd_per_teu = 1e308",
        "value_usd_per_teu",
    ),
    (
        &[("distance_km = 1700", "distance_km = 1e308")],
        "distance_km = 1e308",
        "distance_km",
    ),
    (
        &[("k_routes = 2", "k_routes = 100000")],
        "k_routes = 100000",
        "k_routes",
    ),
    (
        &[(
            "corridor = \"north\"\n",
            "corridor = \"north\"\nbottleneck = { name = \"Gate\", servers = 1, time_h = 0.1, background_per_day = 1e9 }\n",
        )],
        "background_per_day = 1e9",
        "background_per_day",
    ),
];

fn edited_two_corridors(edits: &[(&str, &str)]) -> String {
    let mut text = two_corridors_text();
    for (from, to) in edits {
        assert!(text.contains(from), "two_corridors.toml has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// Whether `text` has a run of more than 20 digits (a number printed in full).
fn has_long_number(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run > 20 {
            return true;
        }
    }
    false
}

#[test]
fn numbers_beyond_what_the_model_computes_are_rejected_where_written() {
    let dir = tempfile::tempdir().unwrap();
    for (edits, line, field) in BEYOND_THE_MODEL {
        let text = edited_two_corridors(edits);
        let path = dir.path().join("case.toml");
        fs::write(&path, &text).unwrap();
        let out = corridor(&["validate", path.to_str().unwrap()]);
        let stderr = text_of(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line}: {stderr}");
        let n = text.lines().position(|l| l.contains(line)).unwrap() + 1;
        let at = format!("{}:{n}:", path.display());
        assert!(
            stderr.contains(&at) && stderr.contains(field),
            "{line}: want {at} and {field} in:\n{stderr}"
        );
        assert!(!has_long_number(&stderr), "{line}: {stderr}");
    }
}

#[test]
fn a_service_with_more_stops_than_positions_is_rejected() {
    let stops = vec!["\"port\""; 65_536].join(", ");
    let text = edited_two_corridors(&[(
        "stops = [\"port\", \"market\"]",
        &format!("stops = [{stops}]"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.toml");
    fs::write(&path, &text).unwrap();
    let out = corridor(&["validate", path.to_str().unwrap()]);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at most 65535 stops"), "{stderr}");
}

#[test]
fn a_deep_extends_chain_is_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let base = manifest_dir().join(TWO_CORRIDORS);
    fs::write(
        dir.path().join("0.toml"),
        format!("extends = {:?}\n", base.display().to_string()),
    )
    .unwrap();
    for i in 1..6_000 {
        let body = format!("extends = \"{}.toml\"\n", i - 1);
        fs::write(dir.path().join(format!("{i}.toml")), body).unwrap();
    }
    let top = dir.path().join("5999.toml");
    let out = corridor(&["validate", top.to_str().unwrap()]);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`extends` chain deeper than 32"),
        "{stderr}"
    );
    // A chain within the limit still loads.
    let ok = corridor(&["validate", dir.path().join("20.toml").to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text_of(&ok.stderr));
}

/// What `validate` promises: a scenario it accepts runs, and its tables hold finite
/// numbers. Checked on every single-number mutation of two_corridors.toml that validates,
/// with replacements at the edges of what is accepted.
#[test]
fn every_mutation_that_validates_runs_with_finite_tables() {
    const EDGES: &[&str] = &["1e308", "1e-300", "1e15", "1e7", "1e6", "0.0002", "0"];
    let dir = tempfile::tempdir().unwrap();
    let text = two_corridors_text();
    let mut ran = 0;
    for i in 0..numbers(&text).len() {
        for r in EDGES {
            let mutated = mutate(&text, &Mutation::Number(i, r));
            let Ok(loaded) = load_bytes(dir.path(), mutated.as_bytes()) else {
                continue;
            };
            let mut s = loaded.scenario;
            // Two replications at 100 TEU/day at most keep this quick; what overflows does
            // so in any replication, and the demand's size costs time, not arithmetic
            // (arrivals at every accepted rate are counted in tests/engine.rs).
            s.meta.replications = s.meta.replications.min(2);
            for d in &mut s.demand {
                d.teu_per_day = d.teu_per_day.min(100.0);
            }
            let run = corridor_sim::run::simulate_merged(&s, &|| {})
                .unwrap_or_else(|e| panic!("number {i} = {r} validates but fails: {e:#}"));
            for table in run.tables().all() {
                for row in &table.rows {
                    for cell in row {
                        assert!(
                            !cell.contains("inf") && !cell.contains("NaN"),
                            "number {i} = {r}: {} has {cell}",
                            table.file
                        );
                    }
                }
            }
            ran += 1;
        }
    }
    assert!(ran > 20, "only {ran} mutations validated");
}

// ---- what `extends` may read -------------------------------------------------------

/// Validates a one-line scenario `extends = TARGET` written in `dir`.
fn validate_extending(dir: &Path, target: &str) -> (Option<i32>, String) {
    let path = dir.join("child.toml");
    fs::write(&path, format!("extends = {target:?}\n")).unwrap();
    let out = corridor(&["validate", path.to_str().unwrap()]);
    (out.status.code(), text_of(&out.stderr))
}

#[test]
fn extends_reads_only_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let mut targets = vec![sub.display().to_string()];
    if Path::new("/dev/zero").exists() {
        // Read whole, this never ends.
        targets.push("/dev/zero".to_string());
    }
    for target in &targets {
        let (code, stderr) = validate_extending(dir.path(), target);
        assert_eq!(code, Some(2), "{target}: {stderr}");
        assert!(
            stderr.contains("child.toml:1:11: cannot read ")
                && stderr.contains("not a regular file"),
            "{target}: {stderr}"
        );
    }
}

#[test]
fn extends_that_is_empty_or_not_a_scenario_says_so_without_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = validate_extending(dir.path(), "");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`extends` is empty"), "{stderr}");
    fs::write(
        dir.path().join("notes.txt"),
        "password = \"hunter2\"\n[db]\nuser = \"root\"\n",
    )
    .unwrap();
    let (code, stderr) = validate_extending(dir.path(), "notes.txt");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a scenario file"), "{stderr}");
    for secret in ["hunter2", "password", "root", "db"] {
        assert!(!stderr.contains(secret), "{secret} echoed: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn extends_is_relative_to_the_real_file_behind_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let (real, links) = (dir.path().join("real"), dir.path().join("links"));
    fs::create_dir(&real).unwrap();
    fs::create_dir(&links).unwrap();
    fs::copy(manifest_dir().join(TWO_CORRIDORS), real.join("base.toml")).unwrap();
    fs::write(
        real.join("overlay.toml"),
        "extends = \"base.toml\"\n[scenario]\nreplications = 2\n",
    )
    .unwrap();
    let link = links.join("overlay.toml");
    std::os::unix::fs::symlink(real.join("overlay.toml"), &link).unwrap();
    let out = corridor(&["validate", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
}

#[test]
fn a_service_of_20_000_stops_validates_in_memory_linear_in_stops() {
    // Validation's reachability used to join every stop to every later stop, again for
    // each demand flow (0.9 GB here), and each stop looked its link up by a scan.
    const STOPS: usize = 20_000;
    let mut text = String::from(
        "[scenario]\nname = \"long-line\"\nhorizon_days = 2\nwarmup_days = 1\n\
         replications = 1\nseed = 1\n",
    );
    for i in 0..STOPS {
        let lon = 100.0 + i as f64 * 0.0005;
        text.push_str(&format!(
            "[[hubs]]\nid = \"h{i}\"\nname = \"H{i}\"\nkind = \"rail_terminal\"\nlat = 30\nlon = {lon}\n"
        ));
    }
    for i in 1..STOPS {
        text.push_str(&format!(
            "[[links]]\nid = \"l{i}\"\nfrom = \"h{}\"\nto = \"h{i}\"\nmode = \"rail\"\n\
             distance_km = 1\ntime_h = 0.1\ncost_usd_per_teu = 1\n",
            i - 1
        ));
    }
    let stops: Vec<String> = (0..STOPS).map(|i| format!("\"h{i}\"")).collect();
    text.push_str(&format!(
        "[[services]]\nid = \"line\"\nmode = \"rail\"\nstops = [{}]\n\
         departures_per_week = 7\ncapacity_teu = 100\n",
        stops.join(", ")
    ));
    for k in 0..20 {
        text.push_str(&format!(
            "[[demand]]\nfrom = \"h{k}\"\nto = \"h{}\"\nteu_per_day = 1\n\
             value_usd_per_teu = 1000\ndue_days = 10\n",
            STOPS - 1 - k
        ));
    }
    // And one that cannot get there: the line runs one way.
    text.push_str(
        "[[demand]]\nfrom = \"h19999\"\nto = \"h0\"\nteu_per_day = 1\n\
         value_usd_per_teu = 1000\ndue_days = 10\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let err = match load_bytes(dir.path(), text.as_bytes()) {
        Ok(_) => panic!("the reverse flow cannot be reached"),
        Err((_, rendered)) => rendered,
    };
    assert_eq!(err.len(), 1, "{:?}", &err[..err.len().min(3)]);
    assert!(err[0].contains("demand \"h19999-h0\""), "{err:?}");
    assert!(err[0].contains("cannot be reached"), "{err:?}");
}

// ---- smaller things the audit found ------------------------------------------------

#[test]
fn a_seed_may_be_any_u64() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, want) in [
        ("18446744073709551615", u64::MAX),
        ("9223372036854775808", 1 << 63),
        ("0", 0),
    ] {
        let text = edited_two_corridors(&[("seed = 7", &format!("seed = {seed}"))]);
        match load_bytes(dir.path(), text.as_bytes()) {
            Ok(l) => assert_eq!(l.scenario.meta.seed, want),
            Err((_, e)) => panic!("seed {seed}: {e:?}"),
        }
    }
    for bad in ["18446744073709551616", "-1"] {
        let text = edited_two_corridors(&[("seed = 7", &format!("seed = {bad}"))]);
        let (_, e) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
        assert!(
            e.len() == 1 && e[0].contains("field `seed`"),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn names_that_go_into_tables_are_one_printable_line() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("name = \"Port\"", "name = \"Port\\u0000\""),
        ("name = \"Port\"", "name = \"Port\\nSide\""),
        ("name = \"two-corridors\"", "name = \"two\\rcorridors\""),
        (
            "name = \"Northern sea route\"",
            "name = \"Northern\\tsea route\"",
        ),
    ] {
        let text = edited_two_corridors(&[(from, to)]);
        let (_, e) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
        let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
        assert_eq!(e.len(), 1, "{to}: {e:?}");
        assert!(e[0].contains(&format!("case.toml:{line}:")), "{to}: {e:?}");
        assert!(e[0].contains("one line of printable text"), "{to}: {e:?}");
    }
}

#[test]
fn an_observation_window_shorter_than_an_hour_is_rejected() {
    // horizon − warm-up of one second rounded to 0 s on the clock, and the hub table
    // divided by it (NaN in hub_summary.csv).
    let dir = tempfile::tempdir().unwrap();
    let text = edited_two_corridors(&[("horizon_days = 60", "horizon_days = 10.00001")]);
    let (_, e) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("observation window"), "{e:?}");
    assert!(e[0].contains("at least 1 hour"), "{e:?}");
    let text = edited_two_corridors(&[("horizon_days = 60", "horizon_days = 10.05")]);
    assert!(load_bytes(dir.path(), text.as_bytes()).is_ok());
}

// ---- wrong units -------------------------------------------------------------------

#[test]
fn figures_in_the_wrong_unit_are_warned_at_their_field_and_refused_with_strict() {
    // (from, to, the line the warning is reported on, what it says)
    let cases: &[(&str, &str, &str, &str)] = &[
        // Minutes where hours are meant: 8 h of road for 400 km.
        (
            "time_h = 8\n",
            "time_h = 480\n",
            "time_h = 480",
            "implied speed 0.833 km/h",
        ),
        // Metres for kilometres: the speed is reported at the time, the rate at the cost.
        (
            "distance_km = 400",
            "distance_km = 40000",
            "time_h = 8",
            "implied speed 5000 km/h",
        ),
        // Yuan for dollars on the sea leg (300 USD for 1500 km).
        (
            "cost_usd_per_teu = 300",
            "cost_usd_per_teu = 2100",
            "cost_usd_per_teu = 2100",
            "implied cost 1.40 USD per TEU-km",
        ),
        // A 2-hour transfer written in minutes.
        (
            "transfer = { servers = 2, time_h = 2,",
            "transfer = { servers = 2, time_h = 120,",
            "time_h = 120,",
            "implied transfer.time_h 120 h",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.toml");
    for (from, to, on, want) in cases {
        let text = edited_two_corridors(&[(from, to)]);
        fs::write(&path, &text).unwrap();
        let line = text.lines().position(|l| l.contains(on)).unwrap() + 1;
        let at = format!("{}:{line}:", path.display());
        let out = corridor(&["validate", path.to_str().unwrap()]);
        let stderr = text_of(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{to}: {stderr}");
        assert!(text_of(&out.stdout).contains(" warning"), "{to}");
        assert!(
            stderr.contains(&at) && stderr.contains("warning: ") && stderr.contains(want),
            "{to}: want {at} and {want} in:\n{stderr}"
        );
        let strict = corridor(&["validate", "--strict", path.to_str().unwrap()]);
        assert_eq!(strict.status.code(), Some(2), "{to}");
        assert!(text_of(&strict.stderr).contains(want));
    }
    // The figures as written pass, strictly.
    fs::write(&path, two_corridors_text()).unwrap();
    let out = corridor(&["validate", "--strict", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    assert!(text_of(&out.stderr).is_empty());
}

#[test]
fn the_shipped_scenarios_pass_strict_validation() {
    let mut files: Vec<String> = Vec::new();
    for dir in ["scenarios/chongqing", "scenarios/chongqing/policies"] {
        for e in fs::read_dir(manifest_dir().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p.display().to_string());
            }
        }
    }
    files.sort();
    let mut args = vec!["validate", "--strict"];
    args.extend(files.iter().map(String::as_str));
    let out = corridor(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
}

#[test]
fn validate_checks_a_sweep_file_as_batch_does() {
    let out = corridor(&[
        "validate",
        "scenarios/chongqing/sweeps/china-europe-customs.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    assert!(text_of(&out.stdout).contains(": ok: sweep of 12 variants"));
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("s.toml");
    let base = manifest_dir().join(TWO_CORRIDORS);
    fs::write(
        &sweep,
        format!(
            "base = {:?}\n[[vary]]\npath = \"choice.reliability_ratio\"\nvalues = [1, 1e308]\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let out = corridor(&["validate", sweep.to_str().unwrap()]);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("s.toml:4:") && stderr.contains("at most 100"),
        "{stderr}"
    );
}

#[test]
fn a_file_saved_in_a_legacy_encoding_gets_a_hint_to_save_it_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gbk.toml");
    // `name = "重庆"` saved as GBK.
    let mut bytes = two_corridors_text().into_bytes();
    bytes.extend_from_slice(b"# \xd6\xd8\xc7\xec\n");
    fs::write(&path, bytes).unwrap();
    let out = corridor(&["validate", path.to_str().unwrap()]);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("save it as UTF-8"), "{stderr}");
}

// ---- demand classes ------------------------------------------------------------------

#[test]
fn flows_take_value_vot_and_due_time_from_their_class() {
    let dir = tempfile::tempdir().unwrap();
    let text = two_corridors_text().replace(
        "[[demand]]\nfrom = \"zone\"\nto = \"market\"\nteu_per_day = 10\nvalue_usd_per_teu = 30000\ndue_days = 10",
        "[[classes]]\nid = \"electronics\"\nvalue_usd_per_teu = 150000\nvot_usd_per_teu_day = 200\ndue_days = 16\n\n\
         [[classes]]\nid = \"general\"\nname = \"General cargo\"\nvalue_usd_per_teu = 30000\n\n\
         [[demand]]\nid = \"by-class\"\nfrom = \"zone\"\nto = \"market\"\nteu_per_day = 10\nclass = \"electronics\"\n\n\
         [[demand]]\nid = \"overrides\"\nfrom = \"zone\"\nto = \"market\"\nteu_per_day = 1\nclass = \"electronics\"\n\
         value_usd_per_teu = 62800\ndue_days = 12\n\n\
         [[demand]]\nid = \"rate\"\nfrom = \"zone\"\nto = \"market\"\nteu_per_day = 1\nclass = \"general\"\ndue_days = 9\n\n\
         [[demand]]\nid = \"own\"\nfrom = \"zone\"\nto = \"market\"\nteu_per_day = 1\nvalue_usd_per_teu = 5000\ndue_days = 3\n",
    );
    assert!(
        text.contains("[[classes]]"),
        "the demand block was replaced"
    );
    let s = load_bytes(dir.path(), text.as_bytes())
        .map_err(|(_, r)| r)
        .unwrap()
        .scenario;
    assert_eq!(s.classes.len(), 2);
    assert_eq!(
        s.classes[0].name, "electronics",
        "the name defaults to the id"
    );
    assert_eq!(s.classes[1].name, "General cargo");
    let figures: Vec<(f64, f64, f64, Option<usize>)> = s
        .demand
        .iter()
        .map(|d| {
            (
                d.value_usd_per_teu,
                d.vot_usd_per_teu_day,
                d.due_days,
                d.class.map(|c| c.index()),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            // Everything from the class.
            (150_000.0, 200.0, 16.0, Some(0)),
            // Value and due time overridden; the VOT stays the class's.
            (62_800.0, 200.0, 12.0, Some(0)),
            // A class without a VOT: the default rate of 0.001 per day of its value.
            (30_000.0, 30.0, 9.0, Some(1)),
            // No class: the flow's own figures, as before classes existed.
            (5_000.0, 5.0, 3.0, None),
        ]
    );
}

#[test]
fn a_class_without_a_due_time_needs_one_on_the_flow_and_set_reaches_classes() {
    let dir = tempfile::tempdir().unwrap();
    let text = two_corridors_text().replace(
        "value_usd_per_teu = 30000\ndue_days = 10",
        "class = \"general\"\n\n[[classes]]\nid = \"general\"\nvalue_usd_per_teu = -1\n",
    );
    let (_, rendered) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
    assert_eq!(rendered.len(), 2, "{rendered:?}");
    assert!(
        rendered.iter().any(
            |r| r.contains("class \"general\": field `value_usd_per_teu` must not be negative")
        ),
        "{rendered:?}"
    );
    assert!(
        rendered.iter().any(|r| r.contains(
            "demand \"zone-market\": missing field `due_days` (its class `general` gives none)"
        )),
        "{rendered:?}"
    );
    // A due time on the class (appended to its table) serves the flow, and a [[set]]
    // addresses a class by id like any entity.
    let fixed = format!(
        "{}\ndue_days = 20\n\n[[set]]\npath = \"classes.general.value_usd_per_teu\"\nvalue = 42000\n",
        text.trim_end()
    );
    let s = load_bytes(dir.path(), fixed.as_bytes())
        .map_err(|(_, r)| r)
        .unwrap()
        .scenario;
    assert_eq!(s.demand[0].value_usd_per_teu, 42_000.0);
    assert!((s.demand[0].vot_usd_per_teu_day - 42.0).abs() < 1e-9);
    assert_eq!(s.demand[0].due_days, 20.0);
}

// ---- tables ------------------------------------------------------------------------

const TABLES: &str = "tests/data/tables";

#[test]
fn a_scenario_from_csv_tables_validates_to_the_same_scenario_as_its_toml() {
    let toml = load(TWO_CORRIDORS).scenario;
    let csv = load(&format!("{TABLES}/base.toml")).scenario;
    assert_eq!(csv.hubs, toml.hubs);
    assert_eq!(csv.links, toml.links);
    assert_eq!(csv.services, toml.services);
    assert_eq!(csv.corridors, toml.corridors);
    assert_eq!(csv.demand.len(), 1);
    let (a, b) = (&csv.demand[0], &toml.demand[0]);
    assert_eq!(
        (
            &a.id,
            a.from,
            a.to,
            a.teu_per_day,
            a.value_usd_per_teu,
            a.due_days
        ),
        (
            &b.id,
            b.from,
            b.to,
            b.teu_per_day,
            b.value_usd_per_teu,
            b.due_days
        )
    );
    assert_eq!(a.vot_usd_per_teu_day, b.vot_usd_per_teu_day);
    assert_eq!(a.class.map(|c| c.index()), Some(0));
}

#[test]
fn csv_rows_merge_with_toml_entries_and_set_patches_through_extends() {
    let loaded = load(&format!("{TABLES}/overlay.toml"));
    let s = &loaded.scenario;
    let port = hub(s, "port").transfer.as_ref().unwrap();
    // servers from the TOML overlay, the rest from the CSV row.
    assert_eq!((port.servers, port.cost_usd_per_teu), (5, 50.0));
    assert_eq!(link(s, "zone-port").cost_usd_per_teu, 350.0);
    let ids: Vec<&str> = s.demand.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["zone-market", "zone-port"]);
    assert_eq!(s.demand[1].teu_per_day, 2.5);
    assert_eq!(s.demand[1].due_days, 4.0);
    // Every CSV read is one of the scenario's files (so manifests hash it).
    let files: Vec<String> = loaded
        .sources
        .files()
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "overlay.toml",
        "more-demand.csv",
        "base.toml",
        "hubs.csv",
        "links.csv",
    ] {
        assert!(files.iter().any(|f| f == want), "{want} not in {files:?}");
    }
}

#[test]
fn a_bad_csv_cell_is_reported_at_its_file_line_and_column_with_field_and_entity() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["base.toml", "links.csv", "services.csv", "demand.csv"] {
        fs::copy(manifest_dir().join(TABLES).join(f), dir.path().join(f)).unwrap();
    }
    let base = dir.path().join("base.toml");
    let hubs = dir.path().join("hubs.csv");
    let header = "id,name,kind,lat,lon,transfer.servers,transfer.time_h,transfer.cost_usd_per_teu\n\
                  zone,Zone,zone,29.6,106.5,,,\n";
    let validate = |rows: &str| {
        fs::write(&hubs, format!("{header}{rows}")).unwrap();
        let out = corridor(&["validate", base.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = text_of(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        err
    };
    let at = hubs.display();
    // Cells: as a TOML entry's fields would be reported.
    let err = validate("port,Port,seaport,30,110.0,2,two,50\nmarket,Market,market,95,121.0,,,\n");
    for want in [
        format!("{at}:3:30: hub \"port\": field `transfer.time_h`: invalid type: string \"two\""),
        format!(
            "{at}:4:22: hub \"market\": field `lat` must be between -90 and 90 degrees, got 95"
        ),
    ] {
        assert!(err.contains(&want), "missing {want:?} in\n{err}");
    }
    // A row's shape: reported before the rows are read as entities.
    let err = validate("port,Port,seaport,30,110.0,2,2,50\nmarket,Market,market,31.0\n");
    let want = format!("{at}:4:1: row has 4 cells but the header has 8");
    assert!(err.contains(&want), "missing {want:?} in\n{err}");
}

#[test]
fn tables_that_cannot_be_read_are_reported_where_they_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[tables]\ncandidates = \"zones.csv\"\nhubs = \"missing.csv\"\nlinks = 3\n",
        two_corridors_text()
    );
    let (_, rendered) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
    assert_eq!(rendered.len(), 3, "{rendered:?}");
    assert!(
        rendered[0].contains("unknown table `candidates`"),
        "{rendered:?}"
    );
    assert!(
        rendered[1].contains("cannot read `hubs` table") && rendered[1].contains("missing.csv"),
        "{rendered:?}"
    );
    assert!(
        rendered[2].contains("`links` must name a CSV file"),
        "{rendered:?}"
    );
    // Each at its place in case.toml, not at the start of the file.
    assert!(
        rendered.iter().all(|r| !r.contains("case.toml:1:1:")),
        "{rendered:?}"
    );
}

// ---- [[remove]] ----------------------------------------------------------------------

#[test]
fn an_overlay_removes_entities_of_its_base() {
    let dir = tempfile::tempdir().unwrap();
    let base = manifest_dir().join(TWO_CORRIDORS);
    let overlay = |body: &str| {
        format!(
            "extends = {:?}\n\n[scenario]\nname = \"variant\"\n\n{body}",
            base.display().to_string()
        )
    };
    // The sea route withdrawn: its service and ship link go, the road remains.
    let text = overlay(
        "[[remove]]\nkind = \"service\"\nid = \"weekly-ship\"\n\n\
         [[remove]]\nkind = \"link\"\nid = \"port-market\"\n",
    );
    let s = load_bytes(dir.path(), text.as_bytes())
        .map_err(|(_, r)| r)
        .unwrap()
        .scenario;
    assert!(s.services.is_empty());
    let links: Vec<&str> = s.links.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(links, ["zone-port", "zone-market"]);
    assert_eq!(s.demand.len(), 1, "the flow now goes by road");

    // A demand without an id is removed by its <from>-<to> key; then [[set]] runs.
    let text = overlay(
        "[[demand]]\nid = \"other\"\nfrom = \"zone\"\nto = \"port\"\nteu_per_day = 1\n\
         value_usd_per_teu = 1000\ndue_days = 3\n\n\
         [[remove]]\nkind = \"demand\"\nid = \"zone-market\"\n",
    );
    let s = load_bytes(dir.path(), text.as_bytes())
        .map_err(|(_, r)| r)
        .unwrap()
        .scenario;
    let ids: Vec<&str> = s.demand.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["other"]);

    // Removing what is still used is reported where it is used; an unknown id where named.
    let text = overlay(
        "[[remove]]\nkind = \"link\"\nid = \"port-market\"\n\n\
         [[remove]]\nkind = \"service\"\nid = \"no-such-ship\"\n",
    );
    let (_, rendered) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
    assert_eq!(rendered.len(), 1, "{rendered:?}");
    assert!(
        rendered[0]
            .contains("case.toml:12:6: [[remove]]: there is no service `no-such-ship` to remove"),
        "{rendered:?}"
    );
    let text = overlay("[[remove]]\nkind = \"link\"\nid = \"port-market\"\n");
    let (_, rendered) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
    assert!(
        rendered.iter().any(|r| r.contains("two_corridors.toml")
            && r.contains("service \"weekly-ship\"")
            && r.contains("not joined by a sea link")),
        "{rendered:?}"
    );
    let text = overlay("[[remove]]\nkind = \"lane\"\nid = \"x\"\n");
    let (_, rendered) = load_bytes(dir.path(), text.as_bytes()).unwrap_err();
    assert!(
        rendered[0].contains("`remove.kind` must be one of corridor, hub, link"),
        "{rendered:?}"
    );
}

// ---- corridor inspect ----------------------------------------------------------------

#[test]
fn inspect_lists_each_value_where_it_was_written_after_extends_tables_and_set() {
    let out = corridor(&["inspect", "tests/data/tables/overlay.toml"]);
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    let text = text_of(&out.stdout);
    for want in [
        // From the overlay's TOML entry merged into a CSV row.
        "hubs.port.transfer.servers = 5  # tests/data/tables/overlay.toml:13:24\n",
        // The rest of that row, from its cells.
        "hubs.port.transfer.cost_usd_per_teu = 50  # tests/data/tables/hubs.csv:3:34\n",
        // A [[set]] patch.
        "links.zone-port.cost_usd_per_teu = 350  # tests/data/tables/overlay.toml:17:9\n",
        // A distribution from dotted columns, as one value.
        "links.zone-market.time_h = { dist = \"lognormal\", median = 40, p90 = 55 }  # tests/data/tables/links.csv:5:36\n",
        // What a long-format flow takes from its class.
        "demand.zone-market.value_usd_per_teu = 30000  # tests/data/tables/base.toml:31:21, from class general\n",
        "demand.zone-port.due_days = 4  # tests/data/tables/more-demand.csv:2:23\n",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let only = text_of(
        &corridor(&[
            "inspect",
            "tests/data/tables/overlay.toml",
            "--only",
            "services",
        ])
        .stdout,
    );
    assert!(
        only.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .all(|l| l.starts_with("services.")),
        "{only}"
    );
    let bad = corridor(&["inspect", "tests/data/malformed/unknown_class.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text_of(&bad.stderr).contains("unknown class `genral`"));
}
