//! What a calibration writes: `calibration.csv`, `fit.csv`, `parameters.csv` and the
//! fitted overlay.
//!
//! | file | one row per | columns |
//! |---|---|---|
//! | `calibration.csv` | target, in file order | observed with its range, simulated mean with its 95 % interval, error = simulated − observed, the error in half-ranges, whether the simulated mean is within the observed range |
//! | `fit.csv` | group of targets (`shares`, `transit_median_days`) | the indicators of [`super::fit`] and the group's part of the loss |
//! | `parameters.csv` | fitted parameter | start, fitted value, bounds |
//!
//! The overlay `extends` the calibrated scenario by a relative path and sets the fitted
//! values, each commented as a knob fitted by `corridor calibrate`; it is ready for
//! `run`, `diff` and `compare-zones`.

use super::fit::fit;
use super::{Calibration, Parameter};
use crate::output::tables::{Table, num};

/// `calibration.csv`.
#[must_use]
pub fn calibration_table(scenario: &str, c: &Calibration) -> Table {
    let rows = c
        .targets
        .iter()
        .map(|r| {
            let t = &r.target;
            let opt = |x: Option<f64>| x.map_or_else(String::new, num);
            let s = r.simulated;
            vec![
                scenario.to_string(),
                t.id.clone(),
                t.base_year.to_string(),
                t.flows_pattern.clone(),
                t.measure.as_str().to_string(),
                t.category_text.clone(),
                num(t.observed),
                num(t.low),
                num(t.high),
                opt(s.map(|s| s.mean)),
                opt(s.map(|s| s.ci95_low)),
                opt(s.map(|s| s.ci95_high)),
                opt(r.error()),
                opt(r.error().map(|e| e / t.half_range())),
                s.map_or_else(String::new, |s| {
                    (t.low..=t.high).contains(&s.mean).to_string()
                }),
                t.source.clone(),
            ]
        })
        .collect();
    Table {
        file: "calibration.csv",
        header: &[
            "scenario",
            "target",
            "base_year",
            "flows",
            "measure",
            "category",
            "observed",
            "observed_low",
            "observed_high",
            "simulated",
            "simulated_ci95_low",
            "simulated_ci95_high",
            "error",
            "error_in_half_ranges",
            "within_range",
            "source",
        ],
        rows,
    }
}

/// `fit.csv`: one row per group of targets present, shares first.
#[must_use]
pub fn fit_table(scenario: &str, c: &Calibration) -> Table {
    let mut rows = Vec::new();
    for (group, shares) in [("shares", true), ("transit_median_days", false)] {
        let members: Vec<_> = c
            .targets
            .iter()
            .filter(|r| r.target.measure.is_share() == shares)
            .collect();
        if members.is_empty() {
            continue;
        }
        let pairs: Vec<(f64, f64)> = members
            .iter()
            .filter_map(|r| r.simulated.map(|s| (r.target.observed, s.mean)))
            .collect();
        let group_loss: f64 = members
            .iter()
            .map(|r| {
                r.error()
                    .map_or(100.0, |e| (e / r.target.half_range()).powi(2))
            })
            .sum();
        let (wape, rmse, bias, js) = if pairs.is_empty() {
            (String::new(), String::new(), String::new(), String::new())
        } else {
            let f = fit(&pairs, shares);
            (
                f.wape.map_or_else(String::new, num),
                num(f.rmse),
                num(f.bias),
                f.js_divergence.map_or_else(String::new, num),
            )
        };
        rows.push(vec![
            scenario.to_string(),
            group.to_string(),
            members.len().to_string(),
            pairs.len().to_string(),
            wape,
            rmse,
            bias,
            js,
            num(group_loss),
        ]);
    }
    Table {
        file: "fit.csv",
        header: &[
            "scenario",
            "group",
            "targets",
            "observed_in_simulation",
            "wape",
            "rmse",
            "bias",
            "js_divergence_bits",
            "loss",
        ],
        rows,
    }
}

/// `parameters.csv`.
#[must_use]
pub fn parameters_table(scenario: &str, c: &Calibration) -> Table {
    let rows = c
        .parameters
        .iter()
        .zip(c.start.iter().zip(&c.fitted))
        .map(|(p, (s, f))| {
            let (lo, hi) = p.bounds();
            vec![
                scenario.to_string(),
                p.path(),
                num(*s),
                num(*f),
                num(lo),
                num(hi),
            ]
        })
        .collect();
    Table {
        file: "parameters.csv",
        header: &[
            "scenario",
            "parameter",
            "start",
            "fitted",
            "lower_bound",
            "upper_bound",
        ],
        rows,
    }
}

/// The fitted overlay: `extends = "<extends>"`, a new scenario name, and the fitted
/// values. `command` is how to reproduce it (written as a comment).
#[must_use]
pub fn overlay(
    extends: &str,
    name: &str,
    targets_file: &str,
    command: &str,
    c: &Calibration,
) -> String {
    let ids: Vec<&str> = c.targets.iter().map(|r| r.target.id.as_str()).collect();
    let knob = format!(
        "knob: fitted by corridor calibrate to {targets_file} ({})",
        ids.join(", ")
    );
    let mut out = String::new();
    out.push_str("# Fitted route-choice parameters (corridor calibrate).\n");
    out.push_str(&format!("# Reproduce: {command}\n"));
    out.push_str(&format!(
        "# Loss {} at the start, {} fitted ({} evaluations); calibration.csv and fit.csv \
         beside the run give the figures.\n",
        num(c.start_loss),
        num(c.loss),
        c.evaluations
    ));
    out.push_str(&format!("extends = {}\n\n", toml_string(extends)));
    out.push_str("[scenario]\n");
    out.push_str(&format!("name = {}\n", toml_string(name)));
    let choice: Vec<(&Parameter, f64)> = c
        .parameters
        .iter()
        .zip(c.fitted.iter().copied())
        .filter(|(p, _)| !matches!(p, Parameter::CorridorConstant { .. }))
        .collect();
    if !choice.is_empty() {
        out.push_str("\n[choice]\n");
        for (p, v) in choice {
            let key = match p {
                Parameter::LogitScale => "logit_scale",
                _ => "reliability_ratio",
            };
            out.push_str(&format!("{key} = {} # {knob}\n", float(v)));
        }
    }
    for (p, v) in c.parameters.iter().zip(&c.fitted) {
        if let Parameter::CorridorConstant { id, .. } = p {
            out.push_str("\n[[corridors]]\n");
            out.push_str(&format!("id = {}\n", toml_string(id)));
            out.push_str(&format!(
                "choice_constant_usd_per_teu = {} # {knob}\n",
                float(*v)
            ));
        }
    }
    out
}

/// A float as TOML writes it: always with a decimal point.
fn float(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("nan") {
        s
    } else {
        format!("{s}.0")
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
