//! The fuzz targets' regression suite on stable Rust: every input under
//! `fuzz/corpus/<target>/`, and the shipped scenarios and sweeps the fuzzing is seeded
//! from, go through the entry functions the cargo-fuzz targets call
//! (`corridor_sim::fuzzing`). None may panic; the shipped files must get all the way
//! through (simulated, or every checked variant valid), so the harness cannot silently
//! stop short of the simulation.

use std::fs;
use std::path::{Path, PathBuf};

use corridor_sim::fuzzing::{self, Outcome};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.toml` files of `dir` (every file, for a corpus directory), sorted.
fn files(dir: &Path, only_toml: bool) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && (!only_toml || p.extension().is_some_and(|x| x == "toml")))
        .collect();
    v.sort();
    v
}

fn prepared() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // Every shipped Chongqing scenario, so that an overlay extending another (the
    // forecast extends the calibrated base year) finds what it extends.
    let texts: Vec<(String, String)> = files(&root().join("scenarios/chongqing"), true)
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect();
    let shipped: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    fuzzing::prepare(dir.path(), &shipped).unwrap();
    dir
}

#[test]
fn the_scenario_corpus_and_seeds_load_without_panicking() {
    let dir = prepared();
    for input in files(&root().join("fuzz/corpus/scenario"), false) {
        fuzzing::scenario(dir.path(), &fs::read(&input).unwrap());
    }
    let chongqing = root().join("scenarios/chongqing");
    let seeds = [
        files(&chongqing, true),
        files(&chongqing.join("policies"), true),
    ]
    .concat();
    assert!(seeds.len() >= 10, "{seeds:?}");
    for seed in seeds {
        let outcome = fuzzing::scenario(dir.path(), &fs::read(&seed).unwrap());
        assert_eq!(outcome, Outcome::Accepted, "{}", seed.display());
    }
}

#[test]
fn the_sweep_corpus_and_seeds_load_without_panicking() {
    let dir = prepared();
    for input in files(&root().join("fuzz/corpus/sweep"), false) {
        fuzzing::sweep(dir.path(), &fs::read(&input).unwrap());
    }
    let seeds = files(&root().join("scenarios/chongqing/sweeps"), true);
    assert!(seeds.len() >= 2, "{seeds:?}");
    for seed in seeds {
        let outcome = fuzzing::sweep(dir.path(), &fs::read(&seed).unwrap());
        assert_eq!(outcome, Outcome::Accepted, "{}", seed.display());
    }
}
