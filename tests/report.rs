//! `corridor report`: one self-contained page from each kind of output directory, through
//! the binary as a planner runs it. Each section appears when its input is present and
//! is replaced by a note when it is not; the page refers to no address; the same
//! directory gives the same bytes; malformed inputs are refused with their location.

mod cli;

use std::fs;
use std::path::{Path, PathBuf};

use cli::{corridor, data, ok, refused};

const TWINS: &str = "zones/twins.toml";

/// Runs `corridor ARGS --quiet --replications 3 --out DIR/NAME`; returns the output dir.
fn simulate(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    ok(corridor()
        .args(args)
        .args(["--quiet", "--replications", "3", "--out"])
        .arg(&out));
    out
}

/// `corridor report DIR`, and the page it wrote.
fn report(dir: &Path) -> String {
    ok(corridor().arg("report").arg(dir));
    fs::read_to_string(dir.join("report.html")).unwrap()
}

/// Whether a chart draws `text` (plotters writes each text on a line of its own).
fn draws(page: &str, text: &str) -> bool {
    page.contains(&format!("\n{text}\n</text>"))
}

/// Whether `timeseries.csv` has a hub row of `queue_end_teu` whose `column` is not zero.
fn any_hub_queue(file: &Path, column: &str) -> bool {
    let mut r = csv::Reader::from_path(file).unwrap();
    let h = r.headers().unwrap().clone();
    let at = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (kind, metric, value) = (at("kind"), at("metric"), at(column));
    r.records().map(Result::unwrap).any(|rec| {
        rec[kind] == *"hub"
            && rec[metric] == *"queue_end_teu"
            && rec[value].parse::<f64>().is_ok_and(|v| v != 0.0)
    })
}

fn assert_has(page: &str, ids: &[&str]) {
    for id in ids {
        assert!(page.contains(&format!("id=\"{id}\"")), "no element `{id}`");
    }
}

/// The page loads nothing: no address, no external script, style sheet or image.
fn assert_self_contained(page: &str) {
    for needle in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!page.contains(needle), "`{needle}` in the report");
    }
}

#[test]
fn a_run_report_has_map_shares_transit_times_queues_and_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(tmp.path(), "run", &["run", data(TWINS).to_str().unwrap()]);
    let page = report(&dir);
    assert_has(
        &page,
        &[
            "map",
            "corridor-shares",
            "od-transit-chart",
            "manifest",
            "output-files",
        ],
    );
    assert_self_contained(&page);
    // The run's own daily series: a chart when some hub queues on some day, else a note.
    assert_eq!(
        page.contains("id=\"timeseries-chart\""),
        any_hub_queue(&dir.join("timeseries.csv"), "mean"),
    );

    // Byte-identical for the same directory; the report does not hash itself.
    assert_eq!(report(&dir), page);

    // Without the series, a note stands in their place.
    fs::remove_file(dir.join("timeseries.csv")).unwrap();
    let page = report(&dir);
    assert!(page.contains("timeseries.csv is absent"));
    assert!(!page.contains("id=\"timeseries-chart\""));

    // With the daily series, the busiest hubs' queues are drawn, and the service rows of
    // the file are not mistaken for hubs.
    fs::copy(data("report/timeseries.csv"), dir.join("timeseries.csv")).unwrap();
    let page = report(&dir);
    assert_has(&page, &["timeseries-chart"]);
    assert!(draws(&page, "Three Gorges ship lock") && draws(&page, "Guoyuan Port"));
    assert!(!page.contains("Chongqing–Shanghai express"));
    assert!(!page.contains("timeseries.csv is absent"));
    // The file hash table lists it.
    assert!(page.contains("<td>timeseries.csv</td>"));
}

#[test]
fn a_missing_map_and_table_leave_notes_not_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(tmp.path(), "run", &["run", data(TWINS).to_str().unwrap()]);
    fs::remove_file(dir.join("network.geojson")).unwrap();
    fs::remove_file(dir.join("corridor_summary.csv")).unwrap();
    let page = report(&dir);
    assert!(page.contains("network.geojson is absent: no map."));
    assert!(page.contains("corridor_summary.csv is absent"));
    assert!(!page.contains("id=\"map\"") && !page.contains("id=\"corridor-shares\""));
    assert_has(&page, &["od-transit-chart"]);
}

#[test]
fn a_compare_zones_report_ranks_the_zones_with_intervals_and_maps_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(
        tmp.path(),
        "cz",
        &["compare-zones", data(TWINS).to_str().unwrap()],
    );
    let page = report(&dir);
    assert_has(
        &page,
        &["ranking-chart", "ranking-table", "map", "manifest"],
    );
    assert_self_contained(&page);
    assert!(page.contains("P(best)"));
    // Both zones, by name, in the chart and the table.
    let ranking = fs::read_to_string(dir.join("zone_ranking.csv")).unwrap();
    assert!(ranking.lines().count() == 3, "{ranking}");
}

#[test]
fn a_diff_report_draws_differences_with_intervals_and_their_daily_queues() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(
        tmp.path(),
        "diff",
        &[
            "diff",
            data("two_corridors.toml").to_str().unwrap(),
            data("policy/capacity.toml").to_str().unwrap(),
        ],
    );
    let page = report(&dir);
    assert_has(
        &page,
        &[
            "sec-diff-od",
            "sec-diff-corridor",
            "sec-diff-hub",
            "manifest",
        ],
    );
    assert!(page.contains("id=\"diff-od-chart\"") || page.contains("diff_od.csv: no change"));
    assert_self_contained(&page);
    assert_eq!(
        page.contains("id=\"timeseries-chart\""),
        any_hub_queue(&dir.join("timeseries.csv"), "diff_mean"),
    );
    fs::copy(
        data("report/timeseries-diff.csv"),
        dir.join("timeseries.csv"),
    )
    .unwrap();
    let page = report(&dir);
    assert_has(&page, &["timeseries-chart"]);
    // Only the hub whose queue changed is drawn.
    assert!(draws(&page, "Three Gorges ship lock") && !draws(&page, "Guoyuan Port"));
}

#[test]
fn a_plugin_report_shows_the_run_and_the_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(
        tmp.path(),
        "plugin",
        &["plugin", data(TWINS).to_str().unwrap(), "--zone", "far"],
    );
    let page = report(&dir);
    assert_has(
        &page,
        &[
            "sec-plugin",
            "corridor-shares",
            "od-transit-chart",
            "manifest",
        ],
    );
    assert_self_contained(&page);
}

#[test]
fn a_batch_report_lists_variants_and_compares_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("batch");
    ok(corridor()
        .arg("batch")
        .arg(data("sweeps/small.toml"))
        .args(["--quiet", "--out"])
        .arg(&out));
    let page = report(&out);
    assert_has(
        &page,
        &["variants-table", "sweep-corridor-chart", "manifest"],
    );
    assert!(page.contains(">baseline<"), "variants by label");
    assert!(
        page.contains("<td>variants/</td>"),
        "the variants directory is listed"
    );
    assert_self_contained(&page);
}

#[test]
fn report_writes_where_out_says() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(tmp.path(), "run", &["run", data(TWINS).to_str().unwrap()]);
    let file = tmp.path().join("elsewhere.html");
    ok(corridor().arg("report").arg(&dir).arg("--out").arg(&file));
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    assert!(!dir.join("report.html").exists());
}

#[test]
fn malformed_inputs_are_refused_with_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = simulate(
        tmp.path(),
        "cz",
        &["compare-zones", data(TWINS).to_str().unwrap()],
    );
    let path = dir.join("zone_ranking.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == "score_ci95_low").unwrap();
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    cells[col] = "lots".into();
    lines[2] = cells.join(",");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    refused(
        corridor().arg("report").arg(&dir),
        &["zone_ranking.csv:3", "column `score_ci95_low`", "`lots`"],
    );
    assert!(!dir.join("report.html").exists(), "nothing written");

    fs::write(&path, "zone,rank\nnear,1\n").unwrap();
    refused(
        corridor().arg("report").arg(&dir),
        &[
            "zone_ranking.csv",
            "no column `score_usd_per_teu` or `score`",
        ],
    );

    refused(
        corridor().arg("report").arg(tmp.path().join("absent")),
        &["absent", "not a directory"],
    );
}

#[test]
fn report_option_writes_the_same_page_into_the_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let twins = data(TWINS);
    for (name, args) in [
        ("run", vec!["run", twins.to_str().unwrap()]),
        ("cz", vec!["compare-zones", twins.to_str().unwrap()]),
    ] {
        let mut with = args.clone();
        with.push("--report");
        let dir = simulate(tmp.path(), name, &with);
        let written = fs::read_to_string(dir.join("report.html")).unwrap();
        // Made in the staging directory, it equals the report of the final one.
        assert_eq!(written, report(&dir), "{name}");
    }
}

/// The filled rectangles of the map figure `id` left of its legend, as their fills.
fn map_cell_fills(page: &str, id: &str) -> Vec<String> {
    let start = page.find(&format!("id=\"{id}\"")).unwrap();
    let svg = &page[start..start + page[start..].find("</figure>").unwrap()];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let tag = format!(" {tag}");
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    };
    svg.split("<rect ")
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap()])
        .filter(|t| {
            let x: i64 = attr(t, "x").unwrap().parse().unwrap();
            let w: i64 = attr(t, "width").unwrap().parse().unwrap();
            // Left of the legend (the map is 1120 px wide, its legend the last 250): the
            // cells, not the picture's background nor the legend's colour bar.
            x + w <= 870 && attr(t, "fill").is_some_and(|f| f.starts_with('#'))
        })
        .map(|t| attr(t, "fill").unwrap())
        .collect()
}

#[test]
fn a_site_scan_report_colours_every_cell_by_its_score_and_ranks_the_top_cells() {
    use corridor_sim::report::map::ColourScale;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scan");
    ok(corridor()
        .args(["site-scan"])
        .arg(data("zones/ladder.toml"))
        .args(["--grid-km", "10", "--bbox", "105.8,29.8,106.2,30.2"])
        .args([
            "--replications",
            "40",
            "--delta",
            "20",
            "--quiet",
            "--report",
        ])
        .arg("--out")
        .arg(&dir));
    let written = fs::read_to_string(dir.join("report.html")).unwrap();
    let page = report(&dir);
    assert_eq!(
        written, page,
        "--report writes what `corridor report` writes"
    );
    assert_has(
        &page,
        &[
            "sec-site-scan",
            "site-scan-map",
            "site-scan-chart",
            "site-scan-table",
            "manifest",
        ],
    );
    assert_self_contained(&page);
    assert!(page.contains("<title>ladder: site-suitability scan</title>"));
    // The legend names the scale and its unit.
    assert!(draws(&page, "Score (USD/TEU)"), "no scale title");
    // Every cell of site_scan.csv is on the map, filled with the colour of its score.
    let mut r = csv::Reader::from_path(dir.join("site_scan.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let at = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 20);
    let score = |rec: &csv::StringRecord| rec[at("score")].parse::<f64>().unwrap();
    let lo = rows.iter().map(score).fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(score).fold(f64::NEG_INFINITY, f64::max);
    let scale = ColourScale { lo, hi };
    let hex = |c: plotters::style::RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
    let mut want: Vec<String> = rows
        .iter()
        .map(|rec| hex(scale.colour(score(rec))))
        .collect();
    let mut got = map_cell_fills(&page, "site-scan-map");
    want.sort();
    got.sort();
    assert_eq!(got, want);
    // The best cell is the brightest (viridis' yellow end).
    let best = rows.iter().find(|rec| &rec[at("rank")] == "1").unwrap();
    assert_eq!(hex(scale.colour(score(best))), "#FEE825");
    // The table lists the top cells in rank order, the best first, with its interval.
    let table = &page[page.find("id=\"site-scan-table\"").unwrap()..];
    let first = &table[table.find("<tbody>").unwrap()..];
    let first = &first[..first.find("</tr>").unwrap()];
    assert!(
        first.contains(&format!("<td>{}</td>", &best[at("cell")])),
        "{first}"
    );
    assert!(first.contains("in contention at the end"), "{first}");
    let body = &table[..table.find("</table>").unwrap()];
    assert_eq!(body.matches("<tr>").count(), 1 + 20, "header and 20 cells");
}
