//! Checking every variant before anything runs.
//!
//! A sweep of a thousand variants that fails on variant 917 after an hour, or worse on
//! shard 7 of a cluster job after the others finished, wastes the cluster and the planner's
//! day. So every variant is built, validated and its model compiled up front — all of
//! them, not only the shard's, so every shard of a bad sweep fails the same way at once.
//! The base scenario itself (with the sweep's overrides) must be valid too.
//!
//! Problems are reported in the sweep file where possible. A patched value keeps its
//! sweep-file location through validation, so most problems land on the value directly.
//! A problem found elsewhere (in the base: say, a service that no longer has a link of its
//! mode) is attributed: each `[[vary]]` value is also tried alone on the base, and when
//! exactly one of a failing variant's values fails alone with the same problem, that value
//! is blamed; otherwise the problem is reported at the variant (its last value, or a
//! hand-picked variant's name), naming it. A variant is judged only as a whole: values
//! that are invalid alone but valid together (two fields changed in step) are accepted.

use super::command::Command;
use super::variant::{Origin, Param, Plan, Variant};
use crate::compare::kn::KimNelson;
use crate::ids::CandidateId;
use crate::scenario::source::{self, Diagnostic, Diagnostics, Loc};
use crate::scenario::{Procedure, Scenario};
use crate::sim::Model;
use rayon::prelude::*;

/// How many distinct problems are reported before the rest are only counted: one mistake
/// usually breaks many combinations, and a screenful says as much as a thousand lines.
const MAX_REPORTED: usize = 20;

/// What building one scenario gave.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// Valid, and its model compiles.
    Fine,
    /// Invalid: the validator's problems.
    Invalid(Vec<Diagnostic>),
    /// Valid, but its model does not compile: why.
    Unsimulable(String),
}

fn outcome(plan: &Plan, params: &[Param<'_>]) -> Outcome {
    let scenario = match plan.build(params) {
        Ok(s) => s,
        Err(items) => return Outcome::Invalid(items),
    };
    let simulable = |s: &Scenario, what: &str| {
        Model::new(s)
            .map(|_| ())
            .map_err(|e| Outcome::Unsimulable(format!("{what}{e}")))
    };
    if let Err(o) = simulable(&scenario, "") {
        return o;
    }
    let at = plan.sweep.command_loc;
    let invalid = |loc: Loc, msg: String| Outcome::Invalid(vec![Diagnostic::at(loc, msg)]);
    let candidate = |id: &str, loc: Loc| -> Result<CandidateId, Outcome> {
        scenario.candidate_by_id(id).ok_or_else(|| {
            let known: Vec<&str> = scenario.candidates.iter().map(|c| c.id.as_str()).collect();
            invalid(
                loc,
                format!(
                    "no candidate zone `{id}` (candidates: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
    };
    let checked = match &plan.sweep.command {
        Command::Run => Ok(()),
        Command::Plugin { zone } => candidate(&zone.value, zone.loc).and_then(|z| {
            simulable(
                &scenario.with_candidate(z),
                &format!("with candidate `{}` plugged in, ", zone.value),
            )
        }),
        Command::CompareZones { zones } => compare_zones_ready(&scenario, zones, at, &candidate)
            .and_then(|ids| {
                ids.iter().try_for_each(|&z| {
                    let plugged = scenario.with_candidate_flows(z, &scenario.compare.markets);
                    let id = &scenario.candidates[z.index()].id;
                    simulable(&plugged, &format!("with candidate `{id}` plugged in, "))
                })
            }),
        Command::Diff(_) => match plan.build_policy(params, &scenario) {
            Some(Ok(b)) => simulable(&b, "the policy scenario: "),
            Some(Err(items)) => Err(Outcome::Invalid(items)),
            None => Ok(()),
        },
    };
    checked.err().unwrap_or(Outcome::Fine)
}

/// A compare-zones sweep whose variants mix the fixed design and the sequential
/// procedure: their `zone_ranking.csv` have different columns, so they could not be
/// combined — found here rather than after every variant has run. Reported at the first
/// variant whose procedure differs from the first variant's.
fn mixed_procedures(plan: &Plan) -> Option<Diagnostic> {
    if !matches!(plan.sweep.command, Command::CompareZones { .. }) {
        return None;
    }
    let sequential = |v: &Variant| {
        plan.scenario(v)
            .ok()
            .map(|s| matches!(s.compare.procedure, Procedure::KimNelson(_)))
    };
    let mut kinds = plan
        .variants
        .iter()
        .filter_map(|v| Some((v, sequential(v)?)));
    let (first, kind) = kinds.next()?;
    let (other, _) = kinds.find(|(_, k)| k != &kind)?;
    Some(Diagnostic::at(
        plan.blame(other),
        format!(
            "variant {} uses {} `[compare] procedure` and variant {} {}: their rankings have \
             different columns and cannot be combined; sweep one procedure per sweep file",
            other.label,
            if kind {
                "the fixed"
            } else {
                "the sequential (kn)"
            },
            first.label,
            if kind {
                "the sequential one"
            } else {
                "the fixed one"
            }
        ),
    ))
}

/// What `corridor compare-zones` refuses before it starts: no markets, no candidates, an
/// unknown zone, a replication budget below the sequential procedure's first stage.
/// Returns the zones compared.
fn compare_zones_ready(
    scenario: &Scenario,
    zones: &[crate::scenario::Located<String>],
    at: Loc,
    candidate: &dyn Fn(&str, Loc) -> Result<CandidateId, Outcome>,
) -> Result<Vec<CandidateId>, Outcome> {
    let invalid = |msg: String| Outcome::Invalid(vec![Diagnostic::at(at, msg)]);
    if scenario.compare.markets.is_empty() {
        return Err(invalid(
            "command = \"compare-zones\": [compare] has no markets; zones need the same probe demand to be compared".to_string(),
        ));
    }
    let ids: Vec<CandidateId> = if zones.is_empty() {
        (0..scenario.candidates.len())
            .map(CandidateId::new)
            .collect()
    } else {
        zones
            .iter()
            .map(|z| candidate(&z.value, z.loc))
            .collect::<Result<_, _>>()?
    };
    if ids.is_empty() {
        return Err(invalid(
            "command = \"compare-zones\": the scenario has no [[candidates]] to compare"
                .to_string(),
        ));
    }
    if let Procedure::KimNelson(settings) = scenario.compare.procedure
        && let Err(e) = KimNelson::new(ids.len(), settings, scenario.meta.replications)
    {
        return Err(invalid(format!("command = \"compare-zones\": {e}")));
    }
    Ok(ids)
}

/// The sweep's paths into sections the sweep's command never reads (a run reads no
/// candidate, `[compare]` or `[region]`), each reported where it is written:
/// every variant would give the same bytes, which looks like a finding ("the candidate's
/// connector makes no difference") rather than the mistake it is.
fn idle_paths(plan: &Plan) -> Vec<Diagnostic> {
    let command = &plan.sweep.command;
    let unread = command.unread_sections();
    let paths = plan
        .sweep
        .dimensions
        .iter()
        .map(|d| (&d.path, d.path_loc))
        .chain(
            plan.sweep
                .picked
                .iter()
                .flat_map(|p| p.sets.iter().map(|s| (&s.path, s.path_loc))),
        );
    paths
        .filter(|(path, _)| {
            let section = path.split('.').next().unwrap_or_default();
            unread.contains(&section)
        })
        .map(|(path, loc)| {
            let why = match command {
                Command::Plugin { .. } => {
                    "this batch runs each variant as `corridor plugin` does, which reads no [compare]"
                }
                Command::Diff(_) => {
                    "this batch runs each variant as `corridor diff` does, which plugs in no \
                     candidate and reads neither [compare] nor [region]"
                }
                _ => {
                    "a batch runs each variant as `corridor run` does, which plugs in no \
                     candidate and reads neither [compare] nor [region]"
                }
            };
            Diagnostic::at(
                loc,
                format!(
                    "`{path}`: {why}, so every variant would give the same results; to rank \
                     zones per variant, set `command = \"compare-zones\"` in the sweep's [batch]"
                ),
            )
        })
        .collect()
}

/// Builds, validates and compiles the base (with the sweep's overrides) and every variant.
/// Runs on the current rayon pool.
///
/// # Errors
///
/// The problems found, located in the sweep file where they can be (see the module docs).
pub fn check(plan: &Plan) -> Result<(), Diagnostics> {
    let idle = idle_paths(plan);
    if !idle.is_empty() {
        return Err(plan.sweep.diagnostics(idle));
    }
    match outcome(plan, &[]) {
        Outcome::Fine => {}
        Outcome::Invalid(items) => return Err(plan.sweep.diagnostics(items)),
        Outcome::Unsimulable(why) => {
            let msg = format!("the base scenario cannot be simulated: {why}");
            let d = Diagnostic::at(plan.sweep.base_root(), msg);
            return Err(plan.sweep.diagnostics(vec![d]));
        }
    }

    if let Some(d) = mixed_procedures(plan) {
        return Err(plan.sweep.diagnostics(vec![d]));
    }

    let failing: Vec<(&Variant, Outcome)> = plan
        .variants
        .par_iter()
        .filter_map(|v| match outcome(plan, &plan.params(v)) {
            Outcome::Fine => None,
            o => Some((v, o)),
        })
        .collect();
    if failing.is_empty() {
        return Ok(());
    }

    // Each [[vary]] value alone, for attribution: [dimension][value].
    let singles: Vec<Vec<Outcome>> = plan
        .sweep
        .dimensions
        .par_iter()
        .map(|d| {
            d.values
                .iter()
                .map(|c| {
                    let param = Param {
                        path: &d.path,
                        path_loc: d.path_loc,
                        value: &c.value,
                        canonical: &c.canonical,
                        shown: &c.shown,
                    };
                    outcome(plan, &[param])
                })
                .collect()
        })
        .collect();

    let mut items: Vec<Diagnostic> = failing
        .iter()
        .flat_map(|(v, o)| report(plan, v, o, &singles))
        .collect();
    items.sort_by(|a, b| a.origin.cmp(&b.origin));
    items.dedup();
    if items.len() > MAX_REPORTED {
        let more = items.len() - MAX_REPORTED;
        items.truncate(MAX_REPORTED);
        let top = Loc {
            file: plan.sweep.file,
            start: 0,
            end: 0,
        };
        items.push(Diagnostic::at(
            top,
            format!(
                "{more} more problems; {} of the sweep's {} variants are invalid",
                failing.len(),
                plan.variants.len()
            ),
        ));
    }
    Err(plan.sweep.diagnostics(items))
}

/// The problems of one failing variant, located and worded for the sweep file.
fn report(plan: &Plan, v: &Variant, o: &Outcome, singles: &[Vec<Outcome>]) -> Vec<Diagnostic> {
    let choice: &[usize] = match &v.origin {
        Origin::Product(c) => c,
        Origin::Picked(_) => &[],
    };
    // The dimensions of this variant whose value alone fails with `same`.
    let alone = |same: &dyn Fn(&Outcome) -> bool| -> Vec<usize> {
        choice
            .iter()
            .enumerate()
            .filter(|(d, c)| same(&singles[*d][**c]))
            .map(|(d, _)| d)
            .collect()
    };
    let context = match &v.origin {
        Origin::Product(_) => format!("in variant {} ({})", v.label, v.id),
        Origin::Picked(_) => format!("in variant `{}`", v.label),
    };
    let blamed = |dims: &[usize], what: &str| -> Diagnostic {
        match dims {
            [d] => {
                let dim = &plan.sweep.dimensions[*d];
                let value = &dim.values[choice[*d]];
                Diagnostic::at(
                    value.value.loc,
                    format!("with `{}` = {}, {what}", dim.path, value.shown),
                )
            }
            _ => Diagnostic::at(plan.blame(v), format!("{context}, {what}")),
        }
    };
    match o {
        Outcome::Fine => Vec::new(),
        Outcome::Unsimulable(why) => {
            let dims = alone(&|s| matches!(s, Outcome::Unsimulable(w) if w == why));
            vec![blamed(
                &dims,
                &format!("the scenario cannot be simulated: {why}"),
            )]
        }
        Outcome::Invalid(items) => items
            .iter()
            .map(|d| {
                let dims = alone(&|s| matches!(s, Outcome::Invalid(its) if its.contains(d)));
                match d.origin {
                    source::Origin::At(loc) if loc.file == plan.sweep.file => {
                        if dims.is_empty() && choice.len() > 1 {
                            // Only this combination fails here: say which.
                            Diagnostic::at(loc, format!("{} ({context})", d.message))
                        } else {
                            d.clone()
                        }
                    }
                    _ => {
                        let rendered = d.render(plan.sweep.base.sources());
                        blamed(&dims, &format!("the scenario is invalid: {rendered}"))
                    }
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn check_sweep(body: &str) -> Result<(), Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/two_corridors.toml");
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            format!("base = {:?}\n{body}", base.display().to_string()),
        )
        .unwrap();
        let plan = Plan::load(&path).map_err(|d| vec![d.to_string()])?;
        check(&plan).map_err(|d| d.items.iter().map(|i| i.render(&d.sources)).collect())
    }

    #[test]
    fn a_value_that_breaks_the_base_elsewhere_is_blamed() {
        let err = check_sweep("[[vary]]\npath = \"scenario.shipment_teu\"\nvalues = [1, 1000]\n")
            .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0].contains("s.toml:4:14: with `scenario.shipment_teu` = 1000"),
            "{err:?}"
        );
        assert!(err[0].contains("two_corridors.toml:"), "{err:?}");
    }

    #[test]
    fn a_value_beyond_what_the_model_computes_is_caught_before_any_variant_runs() {
        let err =
            check_sweep("[[vary]]\npath = \"choice.reliability_ratio\"\nvalues = [1, 1e308]\n")
                .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(err[0].contains("s.toml:4:14:"), "{err:?}");
        assert!(err[0].contains("must be at most 100"), "{err:?}");
    }

    #[test]
    fn values_valid_only_together_are_accepted() {
        // The base has horizon 60 and warm-up 10: a horizon of 8 is invalid alone, but
        // not with a warm-up of 2.
        let sweep = "[[vary]]\npath = \"scenario.horizon_days\"\nvalues = [8]\n\
                     [[vary]]\npath = \"scenario.warmup_days\"\nvalues = [2]\n";
        assert!(check_sweep(sweep).is_ok());
    }

    #[test]
    fn a_failing_combination_names_the_variant() {
        let err = check_sweep(
            "[[vary]]\npath = \"scenario.horizon_days\"\nvalues = [60, 15]\n\
             [[vary]]\npath = \"scenario.warmup_days\"\nvalues = [10, 20]\n",
        )
        .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(err[0].contains("s.toml:4:15:"), "{err:?}");
        assert!(
            err[0].contains("horizon_days=15, warmup_days=20"),
            "{err:?}"
        );
        assert!(
            check_sweep("[[vary]]\npath = \"scenario.horizon_days\"\nvalues = [60, 90]\n").is_ok()
        );
    }
}
