//! Running the `corridor` binary from the integration tests that drive it as a user would.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The scheduler variables `corridor batch` reads; cleared so that tests run inside a
/// Slurm or Kubernetes job still run the whole sweep unless they say otherwise.
const SCHEDULER_VARS: &[&str] = &[
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
];

/// The `corridor` binary, with no scheduler variables.
pub fn corridor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corridor"));
    for v in SCHEDULER_VARS {
        c.env_remove(v);
    }
    c
}

/// A file under `tests/data`.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Runs `cmd` to the end.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the corridor binary runs")
}

/// Its stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `cmd` and asserts it succeeded.
pub fn ok(cmd: &mut Command) -> Output {
    let o = run(cmd);
    assert!(o.status.success(), "{cmd:?} failed:\n{}", stderr(&o));
    o
}

/// Runs `cmd`, asserts it exited 2 and that stderr holds every one of `needles`.
pub fn refused(cmd: &mut Command, needles: &[&str]) -> String {
    let o = run(cmd);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    err
}
