//! Golden outputs: the CSVs of a few shipped runs, checked in under `tests/golden/` and
//! compared byte for byte.
//!
//! Every speed-up claims to leave the results unchanged and every model change says which
//! results it changes; these files make both visible. When a change is meant to alter
//! results, regenerate them and read the diff before committing:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test golden
//! git diff --stat tests/golden/
//! ```
//!
//! With `UPDATE_GOLDEN=1` the test rewrites the files, prints which ones changed (with
//! their first differing lines) and passes; without it, any difference fails the test
//! with the same report. Manifests are not compared: they record paths and wall times;
//! nor is `timeseries.csv` (see `collect`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `corridor` with `args` (`{out}` stands for the output directory) and returns the
/// CSVs it wrote, by path relative to the output directory.
fn outputs(args: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let out = tmp.path().join("out");
    let out_text = out.to_str().expect("UTF-8 temporary path");
    let args: Vec<String> = args.iter().map(|a| a.replace("{out}", out_text)).collect();
    let status = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(&args)
        .current_dir(root())
        .output()
        .expect("corridor runs");
    assert!(
        status.status.success(),
        "corridor {args:?} failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let mut files = BTreeMap::new();
    collect(&out, &out, &mut files);
    assert!(!files.is_empty(), "corridor {args:?} wrote no CSV");
    files
}

fn collect(base: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("output directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(base, &path, files);
        } else if path.extension().is_some_and(|e| e == "csv")
            // The day-by-day series (megabytes for Chongqing) come from the replications
            // the summary tables pin; tests/timeseries.rs checks them against those tables
            // and across thread counts.
            && path.file_name().is_some_and(|n| n != "timeseries.csv")
        {
            let rel = path
                .strip_prefix(base)
                .expect("below the base")
                .to_path_buf();
            files.insert(rel, std::fs::read(&path).expect("readable CSV"));
        }
    }
}

/// The first differing line of two files, for the report.
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let (want, got) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}:\n    - {w}\n    + {g}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        want.lines().count(),
        got.lines().count()
    )
}

/// Compares the outputs of `args` with `tests/golden/<case>/`, or rewrites them when
/// `UPDATE_GOLDEN` is set.
fn check(case: &str, args: &[&str]) {
    let dir = root().join("tests/golden").join(case);
    let got = outputs(args);
    let mut want = BTreeMap::new();
    if dir.is_dir() {
        collect(&dir, &dir, &mut want);
    }
    let mut report = Vec::new();
    for (path, bytes) in &got {
        match want.get(path) {
            None => report.push(format!("{case}/{}: new file", path.display())),
            Some(w) if w != bytes => report.push(format!(
                "{case}/{}: {}",
                path.display(),
                first_difference(w, bytes)
            )),
            Some(_) => {}
        }
    }
    for path in want.keys().filter(|p| !got.contains_key(*p)) {
        report.push(format!("{case}/{}: no longer written", path.display()));
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir).expect("old golden files removed");
        }
        for (path, bytes) in &got {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().expect("a parent")).expect("golden dir");
            std::fs::write(&target, bytes).expect("golden file written");
        }
        for line in &report {
            eprintln!("updated {line}");
        }
        return;
    }
    assert!(
        report.is_empty(),
        "outputs differ from tests/golden/ (if the change is meant to alter results, \
         regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` and say which and why \
         in the commit):\n{}",
        report.join("\n")
    );
}

#[test]
fn chongqing_base_run() {
    check(
        "chongqing-base",
        &[
            "run",
            "scenarios/chongqing/base.toml",
            "--replications",
            "8",
            "--quiet",
            "--out",
            "{out}",
        ],
    );
}

#[test]
fn chongqing_advance_declaration_diff() {
    check(
        "chongqing-advance-declaration-diff",
        &[
            "diff",
            "scenarios/chongqing/base.toml",
            "scenarios/chongqing/policies/advance-declaration.toml",
            "--replications",
            "8",
            "--quiet",
            "--out",
            "{out}",
        ],
    );
}

#[test]
fn small_sweep() {
    check(
        "sweep-small",
        &[
            "batch",
            "tests/data/sweeps/small.toml",
            "--quiet",
            "--out",
            "{out}",
        ],
    );
}
