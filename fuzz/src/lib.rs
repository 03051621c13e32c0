//! What the fuzz targets share: a directory laid out for `corridor_sim::fuzzing`, made
//! once per process, with the shipped Chongqing scenarios that fuzzed policies `extend`
//! and fuzzed sweeps name as their base.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The shipped Chongqing scenarios that others extend.
const SHIPPED: [(&str, &str); 2] = [
    (
        "base.toml",
        include_str!("../../scenarios/chongqing/base.toml"),
    ),
    (
        "lock-closure.toml",
        include_str!("../../scenarios/chongqing/lock-closure.toml"),
    ),
];

/// The fuzzing directory (see `corridor_sim::fuzzing::prepare`).
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory").keep();
        corridor_sim::fuzzing::prepare(&dir, &SHIPPED).expect("the directory is writable");
        dir
    })
}
