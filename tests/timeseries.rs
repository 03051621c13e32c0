//! `timeseries.csv` and the recovery figure, through the `corridor` binary: the same bytes
//! whatever the thread count, series that add up to the summary tables, the lock's
//! backlog building on the day of its closure, and the recovery figure of `hub_summary.csv`
//! and `diff_hub.csv`.

mod cli;

use std::collections::BTreeMap;
use std::path::Path;

use cli::{corridor, data, ok};

fn run(scenario: &str, out: &Path, threads: &str) {
    ok(corridor()
        .arg("run")
        .arg(data(scenario))
        .args(["--quiet", "--threads", threads, "--out"])
        .arg(out));
}

fn diff(a: &str, b: &str, out: &Path, threads: &str) -> String {
    let o = ok(corridor()
        .arg("diff")
        .arg(data(a))
        .arg(data(b))
        .args(["--quiet", "--threads", threads, "--out"])
        .arg(out));
    String::from_utf8(o.stdout).unwrap()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of a CSV as maps from column to cell.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

/// The daily means of one series, by day.
fn series(rows: &[BTreeMap<String, String>], id: &str, metric: &str, col: &str) -> Vec<f64> {
    rows.iter()
        .filter(|r| r["id"] == id && r["metric"] == metric)
        .map(|r| num(r, col))
        .collect()
}

#[test]
fn run_series_are_deterministic_add_up_and_show_the_closure() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("t1"), tmp.path().join("t2"));
    run("river-lock-closure.toml", &one, "1");
    run("river-lock-closure.toml", &two, "2");
    for f in ["timeseries.csv", "hub_summary.csv"] {
        assert_eq!(
            read(&one.join(f)),
            read(&two.join(f)),
            "{f} differs with threads"
        );
    }
    let ts = rows(&one.join("timeseries.csv"));
    let text = String::from_utf8(read(&one.join("timeseries.csv"))).unwrap();
    assert!(text.starts_with("kind,id,name,day,metric,mean,p05,p95\n"));
    // river.toml: 160 days; 3 facilities × 4 metrics, 1 service × 3, 2 corridors × 4.
    assert_eq!(ts.len(), 160 * (3 * 4 + 3 + 2 * 4));

    // A service's TEU boarded over the window's days (20..160) is its teu_carried.
    let boarded = series(&ts, "river-line", "teu_departed", "mean");
    let window: f64 = boarded[20..].iter().sum();
    let services = rows(&one.join("service_summary.csv"));
    let carried = num(&services[0], "teu_carried");
    assert!(
        (window - carried).abs() < 1e-6 * carried,
        "{window} vs {carried}"
    );
    // Nothing boards before the first departure is made, and p05 <= mean <= p95.
    for r in &ts {
        if let (Ok(m), Ok(lo), Ok(hi)) = (
            r["mean"].parse::<f64>(),
            r["p05"].parse::<f64>(),
            r["p95"].parse::<f64>(),
        ) {
            assert!(lo <= m + 1e-9 && m <= hi + 1e-9, "{r:?}");
            assert!(lo >= 0.0, "{r:?}");
        }
    }

    // The lock is closed on day 60: the queue at the end of that day is the day's
    // arrivals, far above the days before; it drains within days after.
    let lock = series(&ts, "port-mid/bottleneck", "queue_end_units", "mean");
    let before = lock[20..60].iter().sum::<f64>() / 40.0;
    assert!(lock[60] > 5.0 * before.max(1.0), "{} vs {before}", lock[60]);
    assert!(lock[63] < 2.0, "{}", lock[63]);

    // Recovery: only the lock is disrupted; its queue is back within 10 % (one unit) of
    // its pre-closure level at the end of day 62, 2 days after the closure ends (day 61).
    let hubs = rows(&one.join("hub_summary.csv"));
    for h in &hubs {
        let want = if h["kind"] == "bottleneck" {
            "2.0000"
        } else {
            ""
        };
        assert_eq!(h["recovery_days"], want, "{h:?}");
    }
}

#[test]
fn diff_series_are_paired_deterministic_and_give_the_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("t1"), tmp.path().join("t2"));
    let screen = diff("river.toml", "river-lock-closure.toml", &one, "1");
    assert_eq!(
        screen,
        diff("river.toml", "river-lock-closure.toml", &two, "2")
    );
    // The headline on screen: the river corridor's slower transit, the lock's longer
    // wait, its recovery.
    let has = |words: &[&str]| {
        screen.lines().any(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            words.iter().all(|w| cells.contains(w))
        })
    };
    assert!(
        has(&["river", "transit_days_mean", "significant"]),
        "{screen}"
    );
    assert!(
        has(&["port-mid/bottleneck", "wait_h_mean", "significant"]),
        "{screen}"
    );
    assert!(
        screen.contains("recovery: port-mid/bottleneck back within 10 % of A's queue 2.0 days"),
        "{screen}"
    );
    for f in ["timeseries.csv", "diff_hub.csv"] {
        assert_eq!(
            read(&one.join(f)),
            read(&two.join(f)),
            "{f} differs with threads"
        );
    }
    let text = String::from_utf8(read(&one.join("timeseries.csv"))).unwrap();
    assert!(
        text.starts_with("kind,id,name,day,metric,a_mean,b_mean,diff_mean,diff_lo95,diff_hi95\n")
    );
    let ts = rows(&one.join("timeseries.csv"));
    // Common random numbers: before the closure nothing differs, on the day it does.
    let d = series(&ts, "port-mid/bottleneck", "queue_end_units", "diff_mean");
    assert!(d[..60].iter().all(|&x| x == 0.0), "{:?}", &d[..60]);
    assert!(d[60] > 5.0, "{}", d[60]);
    let lo = series(&ts, "port-mid/bottleneck", "queue_end_units", "diff_lo95");
    assert!(
        lo[60] > 0.0,
        "the day-60 backlog is significant: {}",
        lo[60]
    );

    let hub = rows(&one.join("diff_hub.csv"));
    // Names beside the ids: the lock's bottleneck name, the port's hub name.
    assert!(
        hub.iter()
            .any(|r| r["hub"] == "port-mid" && r["hub_name"] == "Test lock")
    );
    assert!(
        hub.iter()
            .any(|r| r["hub"] == "port" && r["hub_name"] == "Port")
    );
    let recovery: Vec<_> = hub
        .iter()
        .filter(|r| r["metric"] == "recovery_days")
        .map(|r| (r["hub"].as_str(), r["b_mean"].as_str()))
        .collect();
    assert_eq!(
        recovery,
        [("port", ""), ("port-mid", "2.0000"), ("zone", "")],
        "one recovery row per facility, a figure for the disrupted lock only"
    );
}
