//! Calibration: fitting the route-choice parameters to observed figures.
//!
//! `corridor calibrate SCENARIO TARGETS.csv` adjusts chosen parameters of the scenario —
//! a choice constant per corridor named by a share target
//! (`choice_constant_usd_per_teu`, see [`crate::routing::choice`]), and optionally θ
//! (`logit_scale`) and ρ (`reliability_ratio`) — until the simulated figures come as close
//! as they can to the targets ([`targets`]).
//!
//! **The loss.** With `s_i(p)` the simulated value of target i at parameters p (the mean
//! over replications, [`measure`]), `o_i` its observed value and `h_i = (high_i − low_i)/2`
//! half its observed range,
//!
//! `L(p) = Σ_i ((s_i(p) − o_i) / h_i)²`,
//!
//! so every target is measured in its own uncertainty: missing a share known to ±5 points
//! by 5 points costs as much as missing a transit time known to ±2 days by 2 days. A
//! target no replication observed costs 100 (ten half-ranges). Parameters are bounded
//! ([`Parameter::bounds`]); outside, the loss is that at the nearest bound plus
//! `1000 · Σ (excess / step)²`, so the search comes back inside. The search minimises
//! `L + 10⁻⁴ · Σ x_j²` (x the parameters' changes in steps, below): a tie-break that,
//! where L is flat — a corridor every flow already takes, or none can — settles on the
//! smallest change from the scenario's values; near a fit it moves a constant by far
//! less than its rounding. The loss reported is L.
//!
//! **Common random numbers.** Every evaluation simulates the same replications with the
//! same seed, and a constant moves shipments among the same routes in the same sampling
//! order, so a change of parameters changes which route a few shipments draw, not every
//! random number of the run: the loss is nearly smooth and differences between two
//! evaluations are the parameters' doing, not noise.
//!
//! **The search.** Nelder–Mead (argmin) in coordinates scaled by each parameter's step
//! (200 USD/TEU for a constant, 1 for θ, 0.25 for ρ), starting from the scenario's own
//! values with one step along each axis. It stops when the losses of the simplex agree
//! to 1e-9 (standard deviation) or after `max_iterations`. The fitted values are then
//! rounded (constants to 0.1 USD/TEU, θ and ρ to 1e-4) and simulated once more: the
//! figures reported are those of the values written, so the overlay reproduces them.

pub mod fit;
pub mod measure;
pub mod report;
pub mod targets;

use crate::ids::CorridorId;
use crate::run::{self, RunError};
use crate::scenario::{Document, Node, NodeKind, Scenario};
use crate::stats::Summary;
use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use std::cell::Cell;
use targets::{Category, Target};

/// One parameter the calibration fits.
#[derive(Clone, Debug, PartialEq)]
pub enum Parameter {
    /// The choice constant of a corridor, USD/TEU.
    CorridorConstant {
        /// The corridor.
        corridor: CorridorId,
        /// Its id.
        id: String,
    },
    /// θ, the logit scale.
    LogitScale,
    /// ρ, the reliability ratio.
    ReliabilityRatio,
}

impl Parameter {
    /// The path of the value in the scenario (as `[[set]]` addresses it).
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Parameter::CorridorConstant { id, .. } => {
                format!("corridors.{id}.choice_constant_usd_per_teu")
            }
            Parameter::LogitScale => "choice.logit_scale".to_string(),
            Parameter::ReliabilityRatio => "choice.reliability_ratio".to_string(),
        }
    }

    /// The scale of the search along this parameter (its first step).
    #[must_use]
    pub fn step(&self) -> f64 {
        match self {
            Parameter::CorridorConstant { .. } => 200.0,
            Parameter::LogitScale => 1.0,
            Parameter::ReliabilityRatio => 0.25,
        }
    }

    /// The range searched: constants within ±5 000 USD/TEU (beyond any Chongqing route's
    /// GC, so a corridor can be all but priced out, never made free); θ from 0.5 (nearly
    /// random) to 16 (twice choice_facts §5c's near all-or-nothing 8); ρ from 0 to 3
    /// (twice the published range's top, 1.5).
    #[must_use]
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Parameter::CorridorConstant { .. } => (-5000.0, 5000.0),
            Parameter::LogitScale => (0.5, 16.0),
            Parameter::ReliabilityRatio => (0.0, 3.0),
        }
    }

    /// The value in `scenario`.
    #[must_use]
    pub fn value_in(&self, scenario: &Scenario) -> f64 {
        match self {
            Parameter::CorridorConstant { corridor, .. } => {
                scenario.corridors[corridor.index()].choice_constant_usd_per_teu
            }
            Parameter::LogitScale => scenario.choice.logit_scale,
            Parameter::ReliabilityRatio => scenario.choice.reliability_ratio,
        }
    }

    /// `x` rounded as written in the overlay: 0.1 USD/TEU, or 1e-4.
    #[must_use]
    pub fn round(&self, x: f64) -> f64 {
        let unit = match self {
            Parameter::CorridorConstant { .. } => 10.0,
            Parameter::LogitScale | Parameter::ReliabilityRatio => 10_000.0,
        };
        let r = (x * unit).round() / unit;
        if r == 0.0 { 0.0 } else { r }
    }
}

/// The parameters fitted to `targets`: one constant per corridor that a share target
/// names (in corridor order), then θ and ρ if asked for.
#[must_use]
pub fn parameters(
    scenario: &Scenario,
    targets: &[Target],
    logit_scale: bool,
    reliability_ratio: bool,
) -> Vec<Parameter> {
    let mut corridors: Vec<CorridorId> = targets
        .iter()
        .filter(|t| t.measure.is_share())
        .filter_map(|t| match t.category {
            Category::Corridor(c) => Some(c),
            _ => None,
        })
        .collect();
    corridors.sort();
    corridors.dedup();
    let mut out: Vec<Parameter> = corridors
        .into_iter()
        .map(|c| Parameter::CorridorConstant {
            corridor: c,
            id: scenario.corridors[c.index()].id.clone(),
        })
        .collect();
    if logit_scale {
        out.push(Parameter::LogitScale);
    }
    if reliability_ratio {
        out.push(Parameter::ReliabilityRatio);
    }
    out
}

/// Why a calibration failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// Nothing to fit: no share target names a corridor and neither θ nor ρ is asked for.
    #[error(
        "nothing to fit: no share target names a corridor (mode shares fit no constant); ask for --fit-logit-scale or --fit-reliability-ratio"
    )]
    NoParameters,
    /// A patched scenario does not validate (a parameter the file cannot hold).
    #[error("the scenario with {path} = {value} does not validate: {message}")]
    Invalid {
        /// The parameter's path.
        path: String,
        /// The value tried.
        value: f64,
        /// The problems.
        message: String,
    },
    /// The scenario cannot be simulated.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The optimiser failed.
    #[error("the search failed: {0}")]
    Search(String),
}

/// How to calibrate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Parameters to fit.
    pub parameters: Vec<Parameter>,
    /// Most Nelder–Mead iterations (each one to n + 1 evaluations).
    pub max_iterations: u64,
}

/// One target's result at the fitted parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetResult {
    /// The target.
    pub target: Target,
    /// Its simulated figure across replications (`None`: not observed).
    pub simulated: Option<Summary>,
}

impl TargetResult {
    /// Simulated − observed (`None` when not observed).
    #[must_use]
    pub fn error(&self) -> Option<f64> {
        self.simulated.map(|s| s.mean - self.target.observed)
    }
}

/// What a calibration found.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The parameters fitted.
    pub parameters: Vec<Parameter>,
    /// Their values in the scenario (the start of the search).
    pub start: Vec<f64>,
    /// Their fitted values, rounded as written.
    pub fitted: Vec<f64>,
    /// The loss at the start.
    pub start_loss: f64,
    /// The loss at the fitted values.
    pub loss: f64,
    /// Evaluations (simulations of every replication) the search made.
    pub evaluations: u64,
    /// Every target at the fitted values.
    pub targets: Vec<TargetResult>,
}

/// The loss of [`mod@self`] over simulated figures: `Σ ((s − o)/h)²`, 100 for a target not
/// observed.
#[must_use]
pub fn loss(targets: &[Target], simulated: &[Option<Summary>]) -> f64 {
    targets
        .iter()
        .zip(simulated)
        .map(|(t, s)| match s {
            Some(s) => ((s.mean - t.observed) / t.half_range()).powi(2),
            None => 100.0,
        })
        .sum()
}

/// Fits `options.parameters` of the scenario in `doc` (its replications and seed as
/// loaded) to `targets`. `on_evaluation` is called after each evaluation with the count
/// so far and the best loss (for a progress display). Runs on the current rayon pool.
///
/// # Errors
///
/// [`CalibrateError`] when there is nothing to fit, a patched scenario does not validate
/// or cannot be simulated, or the optimiser fails.
pub fn calibrate(
    doc: &Document,
    targets: &[Target],
    options: &Options,
    on_evaluation: &dyn Fn(u64, f64),
) -> Result<Calibration, CalibrateError> {
    let params = &options.parameters;
    if params.is_empty() {
        return Err(CalibrateError::NoParameters);
    }
    let base = validate(doc)?;
    let start: Vec<f64> = params.iter().map(|p| p.value_in(&base)).collect();
    let problem = Objective {
        doc,
        targets,
        params,
        start: &start,
        evaluations: Cell::new(0),
        best: Cell::new(f64::INFINITY),
        on_evaluation,
        failure: Cell::new(None),
    };
    let start_loss = problem.loss_at(&start)?;
    let n = params.len();
    let simplex: Vec<Vec<f64>> = (0..=n)
        .map(|i| {
            let mut x = vec![0.0; n];
            if i > 0 {
                x[i - 1] = 1.0;
            }
            x
        })
        .collect();
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-9)
        .map_err(|e| CalibrateError::Search(e.to_string()))?;
    let result = Executor::new(&problem, solver)
        .configure(|state| state.max_iters(options.max_iterations))
        .timer(false)
        .run();
    if let Some(e) = problem.failure.take() {
        return Err(e);
    }
    let result = result.map_err(|e| CalibrateError::Search(e.to_string()))?;
    let best = result
        .state()
        .get_best_param()
        .cloned()
        .ok_or_else(|| CalibrateError::Search("no best point".to_string()))?;
    let fitted: Vec<f64> = params
        .iter()
        .zip(problem.to_values(&best))
        .map(|(p, x)| {
            let (lo, hi) = p.bounds();
            p.round(x.clamp(lo, hi))
        })
        .collect();
    let scenario = problem.scenario_at(&fitted)?;
    let simulated = simulate(&scenario, targets)?;
    let loss = loss(targets, &simulated);
    let evaluations = problem.evaluations.get() + 1;
    Ok(Calibration {
        parameters: params.clone(),
        start,
        fitted,
        start_loss,
        loss,
        evaluations,
        targets: results(targets, simulated),
    })
}

/// The figures of `targets` on `scenario` as it stands, nothing fitted: how a calibrated
/// overlay, or a forecast carried forward from one, compares with observations it was not
/// fitted to. The result has no parameters; its loss is the same [`loss`].
///
/// # Errors
///
/// [`RunError`] when the scenario cannot be simulated.
pub fn evaluate(scenario: &Scenario, targets: &[Target]) -> Result<Calibration, RunError> {
    let simulated = simulate(scenario, targets)?;
    let loss = loss(targets, &simulated);
    Ok(Calibration {
        parameters: Vec::new(),
        start: Vec::new(),
        fitted: Vec::new(),
        start_loss: loss,
        loss,
        evaluations: 1,
        targets: results(targets, simulated),
    })
}

/// Each target with its simulated figure.
fn results(targets: &[Target], simulated: Vec<Option<Summary>>) -> Vec<TargetResult> {
    targets
        .iter()
        .cloned()
        .zip(simulated)
        .map(|(target, simulated)| TargetResult { target, simulated })
        .collect()
}

/// The simulated figures of `targets` on `scenario`.
///
/// # Errors
///
/// [`RunError`] when the scenario cannot be simulated.
pub fn simulate(scenario: &Scenario, targets: &[Target]) -> Result<Vec<Option<Summary>>, RunError> {
    let sim = run::simulate(scenario, &|| {})?;
    Ok(measure::simulated(&sim, targets))
}

fn validate(doc: &Document) -> Result<Scenario, CalibrateError> {
    doc.validate().map_err(|items| CalibrateError::Invalid {
        path: "(none)".to_string(),
        value: f64::NAN,
        message: doc.diagnostics(items).to_string(),
    })
}

/// The loss as a function of scaled coordinates, for argmin.
struct Objective<'a> {
    doc: &'a Document,
    targets: &'a [Target],
    params: &'a [Parameter],
    start: &'a [f64],
    evaluations: Cell<u64>,
    best: Cell<f64>,
    on_evaluation: &'a dyn Fn(u64, f64),
    /// Why an evaluation failed (argmin's error type carries only text).
    failure: Cell<Option<CalibrateError>>,
}

impl Objective<'_> {
    /// Parameter values at scaled coordinates `x` (0 is the start, 1 a step).
    fn to_values(&self, x: &[f64]) -> Vec<f64> {
        self.params
            .iter()
            .zip(self.start)
            .zip(x)
            .map(|((p, s), x)| s + x * p.step())
            .collect()
    }

    fn scenario_at(&self, values: &[f64]) -> Result<Scenario, CalibrateError> {
        let mut doc = self.doc.clone();
        for (p, &v) in self.params.iter().zip(values) {
            let node = Node {
                loc: doc.root(),
                kind: NodeKind::Float(v),
            };
            doc.patch(&p.path(), node)
                .map_err(|message| CalibrateError::Invalid {
                    path: p.path(),
                    value: v,
                    message,
                })?;
        }
        doc.validate().map_err(|items| CalibrateError::Invalid {
            path: self
                .params
                .iter()
                .map(Parameter::path)
                .collect::<Vec<_>>()
                .join(", "),
            value: values.first().copied().unwrap_or(f64::NAN),
            message: doc.diagnostics(items).to_string(),
        })
    }

    fn loss_at(&self, values: &[f64]) -> Result<f64, CalibrateError> {
        let scenario = self.scenario_at(values)?;
        let l = loss(self.targets, &simulate(&scenario, self.targets)?);
        let n = self.evaluations.get() + 1;
        self.evaluations.set(n);
        if l < self.best.get() {
            self.best.set(l);
        }
        (self.on_evaluation)(n, self.best.get());
        Ok(l)
    }
}

/// Weight of the tie-break toward the start: `RIDGE · Σ x²` in scaled coordinates.
/// Where the loss is flat (a corridor whose every flow already takes it, or none can),
/// it makes the search settle at the smallest change from the scenario's values rather
/// than wander; near a fit it moves a constant by far less than its rounding.
const RIDGE: f64 = 1e-4;

impl CostFunction for &Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, argmin::core::Error> {
        let values = self.to_values(x);
        let mut inside = Vec::with_capacity(values.len());
        let mut penalty = 0.0;
        for ((p, v), xi) in self.params.iter().zip(&values).zip(x) {
            let (lo, hi) = p.bounds();
            let c = v.clamp(lo, hi);
            penalty += 1000.0 * ((v - c) / p.step()).powi(2) + RIDGE * xi * xi;
            inside.push(c);
        }
        match self.loss_at(&inside) {
            Ok(l) => Ok(l + penalty),
            Err(e) => {
                let message = e.to_string();
                self.failure.set(Some(e));
                Err(argmin::core::Error::msg(message))
            }
        }
    }
}
