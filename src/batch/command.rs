//! What a sweep runs for each variant: `corridor run`, or one of the comparison commands.
//!
//! ```toml
//! [batch]
//! command = "compare-zones"   # "run" (the default), "compare-zones", "plugin" or "diff"
//! zones = ["a", "b"]          # compare-zones only: the candidates ranked (default: all)
//! zone = "a"                  # plugin only (required): the candidate plugged in
//! policy = "../policy.toml"   # diff only (required): scenario B, relative to the sweep file
//! ```
//!
//! A planner's question about a decision is whether it holds when the assumptions move:
//! does the best zone stay best under other score weights, values of time or a candidate's
//! connectors; does a policy still shorten transit under other demand? So each variant's
//! parameters are applied to what the command compares — the base scenario for
//! `compare-zones` and `plugin` (the candidates and `[compare]` included), and to both
//! scenarios for `diff` (the policy file, which usually `extends` the base, gets the same
//! patches) — and the command runs on the patched scenarios exactly as it does alone.

use crate::scenario::source::{Diagnostic, FileId, Loc, Origin};
use crate::scenario::{Document, Located, Node};
use std::path::PathBuf;

/// The command names a sweep may give, in the order they are listed to the user.
pub const COMMANDS: &[&str] = &["run", "compare-zones", "plugin", "diff"];

/// The `[batch]` table as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBatch {
    pub(crate) command: Option<Located<String>>,
    zones: Option<Located<Vec<Located<String>>>>,
    zone: Option<Located<String>>,
    policy: Option<Located<String>>,
}

/// The policy scenario of a `diff` sweep: its document, with the sweep file registered in
/// it so the sweep's values keep their location when patched in.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The policy file, as resolved from the sweep file.
    pub path: PathBuf,
    /// Where `policy` is written in the sweep file.
    pub loc: Loc,
    /// Its document (what it extends included), with the sweep file added last.
    pub doc: Document,
    /// The sweep file's id in `doc`'s files.
    pub sweep_file: FileId,
}

impl Policy {
    /// The policy document with `patches` applied (their values moved to the sweep
    /// file's id in the policy's files), not validated.
    ///
    /// # Errors
    /// A path that addresses nothing in the policy scenario, at the path in the sweep file.
    pub fn patched<'p>(
        &self,
        patches: impl IntoIterator<Item = (&'p str, Loc, &'p Node)>,
    ) -> Result<Document, Vec<Diagnostic>> {
        let mut doc = self.doc.clone();
        let mut problems = Vec::new();
        for (path, path_loc, value) in patches {
            let mut value = value.clone();
            value.move_to_file(self.sweep_file);
            if let Err(m) = doc.patch(path, value) {
                problems.push(Diagnostic::at(
                    path_loc,
                    format!("in the policy scenario {}: {m}", self.path.display()),
                ));
            }
        }
        if problems.is_empty() {
            Ok(doc)
        } else {
            Err(problems)
        }
    }

    /// A problem of the patched policy scenario, for the sweep's files (whose sweep file
    /// is `sweep`): a problem at a value from the sweep file stays there; one elsewhere
    /// (in the policy's own files) is reported at `policy`, quoting where it is.
    #[must_use]
    pub fn relocate(&self, d: Diagnostic, sweep: FileId) -> Diagnostic {
        match d.origin {
            Origin::At(loc) if loc.file == self.sweep_file => Diagnostic::at(
                Loc { file: sweep, ..loc },
                format!("in the policy scenario: {}", d.message),
            ),
            _ => Diagnostic::at(
                self.loc,
                format!(
                    "the policy scenario is invalid: {}",
                    d.render(self.doc.sources())
                ),
            ),
        }
    }
}

/// What each variant runs.
#[derive(Clone, Debug, Default)]
pub enum Command {
    /// `corridor run`: the run tables.
    #[default]
    Run,
    /// `corridor compare-zones`: `zone_ranking.csv`, `zone_market.csv`.
    CompareZones {
        /// The candidates ranked, in order (empty: every candidate of the variant).
        zones: Vec<Located<String>>,
    },
    /// `corridor plugin --zone`: `plugin_deltas.csv`.
    Plugin {
        /// The candidate plugged in.
        zone: Located<String>,
    },
    /// `corridor diff BASE POLICY`: `diff_od.csv`, `diff_corridor.csv`, `diff_hub.csv`,
    /// `diff_service.csv`.
    Diff(Box<Policy>),
}

impl Command {
    /// Its name in the sweep file and in `sweep.json`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Command::Run => "run",
            Command::CompareZones { .. } => "compare-zones",
            Command::Plugin { .. } => "plugin",
            Command::Diff(_) => "diff",
        }
    }

    /// Whether it is `corridor run`.
    #[must_use]
    pub fn is_run(&self) -> bool {
        matches!(self, Command::Run)
    }

    /// What the results depend on besides the scenario files (part of the sweep's
    /// basis): the command and its options. Empty for `run`, so a run sweep's basis is
    /// what it always was.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Command::Run => String::new(),
            Command::CompareZones { zones } => {
                let ids: Vec<&str> = zones.iter().map(|z| z.value.as_str()).collect();
                format!("command=compare-zones zones={}", ids.join(","))
            }
            Command::Plugin { zone } => format!("command=plugin zone={}", zone.value),
            // The policy's files enter the basis themselves.
            Command::Diff(_) => "command=diff".to_string(),
        }
    }

    /// The scenario sections the command never reads: a sweep path into one would give
    /// every variant the same results.
    #[must_use]
    pub fn unread_sections(&self) -> &'static [&'static str] {
        match self {
            // Candidates are plugged in only by the comparison commands; only
            // compare-zones reads [compare]; [region] only draws candidates' automatic
            // connectors.
            Command::Run | Command::Diff(_) => &["candidates", "compare", "region"],
            Command::Plugin { .. } => &["compare"],
            Command::CompareZones { .. } => &[],
        }
    }

    /// The policy scenario, for `diff`.
    #[must_use]
    pub fn policy(&self) -> Option<&Policy> {
        match self {
            Command::Diff(p) => Some(p),
            _ => None,
        }
    }
}

/// Reads the `[batch]` table: the command and the options it needs. `policy` is resolved
/// with `resolve` (relative to the sweep file) and loaded with `load_policy`, which
/// registers the sweep file in the policy's document.
pub(crate) fn parse(
    raw: Option<RawBatch>,
    batch_loc: Loc,
    load_policy: impl FnOnce(&Located<String>) -> Result<Policy, Vec<Diagnostic>>,
    problems: &mut Vec<Diagnostic>,
) -> Command {
    let raw = raw.unwrap_or_default();
    let (name, name_loc) = match &raw.command {
        Some(c) => (c.value.as_str(), c.loc),
        None => ("run", batch_loc),
    };
    let misplaced = |given: Option<Loc>, key: &str, only: &str, problems: &mut Vec<Diagnostic>| {
        if let Some(loc) = given {
            problems.push(Diagnostic::at(
                loc,
                format!("`{key}` applies only to command = \"{only}\", not to \"{name}\""),
            ));
        }
    };
    let zones_loc = raw.zones.as_ref().map(|z| z.loc);
    let zone_loc = raw.zone.as_ref().map(|z| z.loc);
    let policy_loc = raw.policy.as_ref().map(|p| p.loc);
    let needs = |key: &str, what: &str, problems: &mut Vec<Diagnostic>| {
        problems.push(Diagnostic::at(
            name_loc,
            format!("command = \"{name}\" needs `{key}` in [batch]: {what}"),
        ));
    };
    match name {
        "run" => {
            misplaced(zones_loc, "zones", "compare-zones", problems);
            misplaced(zone_loc, "zone", "plugin", problems);
            misplaced(policy_loc, "policy", "diff", problems);
            Command::Run
        }
        "compare-zones" => {
            misplaced(zone_loc, "zone", "plugin", problems);
            misplaced(policy_loc, "policy", "diff", problems);
            let given = raw.zones.is_some();
            let zones = raw.zones.map(|z| z.value).unwrap_or_default();
            for (i, z) in zones.iter().enumerate() {
                if zones[..i].iter().any(|y| y.value == z.value) {
                    problems.push(Diagnostic::at(
                        z.loc,
                        format!("candidate `{}` is listed twice in `zones`", z.value),
                    ));
                }
            }
            if !given || !zones.is_empty() {
                Command::CompareZones { zones }
            } else {
                problems.push(Diagnostic::at(
                    zones_loc.unwrap_or(name_loc),
                    "`zones` is empty: list candidate ids, or leave it out to rank every candidate",
                ));
                Command::CompareZones { zones }
            }
        }
        "plugin" => {
            misplaced(zones_loc, "zones", "compare-zones", problems);
            misplaced(policy_loc, "policy", "diff", problems);
            match raw.zone {
                Some(zone) => Command::Plugin { zone },
                None => {
                    needs("zone", "the id of the candidate plugged in", problems);
                    Command::Run
                }
            }
        }
        "diff" => {
            misplaced(zones_loc, "zones", "compare-zones", problems);
            misplaced(zone_loc, "zone", "plugin", problems);
            match &raw.policy {
                Some(p) => match load_policy(p) {
                    Ok(policy) => Command::Diff(Box::new(policy)),
                    Err(items) => {
                        problems.extend(items);
                        Command::Run
                    }
                },
                None => {
                    needs(
                        "policy",
                        "the scenario compared with the base (path relative to the sweep file)",
                        problems,
                    );
                    Command::Run
                }
            }
        }
        other => {
            problems.push(Diagnostic::at(
                name_loc,
                format!(
                    "unknown command `{}`: a sweep runs one of {}",
                    other.escape_debug(),
                    COMMANDS
                        .iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            Command::Run
        }
    }
}
