//! Nothing region-specific in the code: the simulator must work for any region from its
//! scenario files alone, so no hub, corridor or candidate id of a shipped scenario may
//! appear in `src/` — not in logic, and not in doc examples or unit tests either, where
//! it would invite special cases. Ids that are words of the model's own vocabulary (the
//! mode names, e.g. a corridor called `air`) are not region-specific and are exempt.

use corridor_sim::scenario::{self, Mode};
use std::path::{Path, PathBuf};

const REGIONS: &[&str] = &[
    "scenarios/chongqing/base.toml",
    "scenarios/zhejiang/base.toml",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `id` occurs in `text` as a whole token (not inside a longer id).
fn occurs(text: &str, id: &str) -> Option<usize> {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(id).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + id.len()..].chars().next();
        !before.is_some_and(is_id) && !after.is_some_and(is_id)
    })
}

fn region_ids() -> Vec<(String, &'static str)> {
    let modes = [Mode::Road, Mode::Rail, Mode::River, Mode::Sea, Mode::Air];
    let mut ids = Vec::new();
    for file in REGIONS {
        let s = scenario::load(&root().join(file))
            .unwrap_or_else(|d| panic!("{file} loads:\n{d}"))
            .scenario;
        let all = s
            .hubs
            .iter()
            .map(|h| h.id.clone())
            .chain(s.corridors.iter().map(|c| c.id.clone()))
            .chain(s.candidates.iter().map(|c| c.id.clone()));
        ids.extend(
            all.filter(|id| !modes.iter().any(|m| m.as_str() == id))
                .map(|id| (id, *file)),
        );
    }
    ids
}

#[test]
fn no_hub_corridor_or_candidate_id_of_either_region_is_in_src() {
    let ids = region_ids();
    assert!(ids.len() > 60, "both regions' ids were read: {}", ids.len());
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    assert!(files.len() > 20, "src/ was scanned");
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("source is UTF-8");
        for (id, region) in &ids {
            if let Some(at) = occurs(&text, id) {
                let line = text[..at].matches('\n').count() + 1;
                found.push(format!("{}:{line}: `{id}` (from {region})", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "region-specific ids in src/:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_token_match_finds_ids_and_ignores_longer_ones() {
    assert_eq!(occurs("a `guoyuan` hub", "guoyuan"), Some(3));
    assert_eq!(occurs("guoyuan-lock", "guoyuan"), None);
    assert_eq!(occurs("x_duisburg", "duisburg"), None);
    assert_eq!(occurs("\"yiwu-west\"", "yiwu-west"), Some(1));
}
