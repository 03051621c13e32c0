//! One simulated scenario, from validated scenario to per-replication results.
//!
//! Every command that simulates — `run`, `diff`, `plugin`, `compare-zones`, `batch` — goes
//! through [`simulate`]: route (k best routes and logit shares), compile the immutable
//! model, run the replications in parallel on the current rayon pool, collect the results
//! in replication order. Two scenarios simulated with the same seed and replication count
//! draw from the same random streams for every entity they share (streams are keyed by
//! entity id), which is what makes their differences paired.
//!
//! With `[choice] feedback` the route shares are settled before that, by simulating the
//! replications repeatedly and re-choosing from the costs shipments experienced
//! ([`crate::feedback`]); every command then simulates with the settled shares.

use crate::feedback::{self, Convergence};
use crate::output::tables::RunTables;
use crate::routing::{self, RoutePlan};
use crate::scenario::Scenario;
use crate::sim::{self, Aggregate, Model, ModelError, ReplicationResult, RouteError, RouteTable};

/// Why a validated scenario could not be simulated.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario cannot be compiled into a model (a time distribution with no sampler).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The route plan does not fit the scenario (an internal inconsistency).
    #[error("the route plan does not fit the scenario")]
    Route(#[from] RouteError),
}

/// What a run collects beyond the summary figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Collect {
    /// The summary figures only.
    #[default]
    Summary,
    /// Also the day-by-day series (`timeseries.csv`, the recovery figure): memory of
    /// `series × days × replications` numbers ([`crate::sim::daily`]).
    TimeSeries,
}

/// A scenario's routes, model and per-replication results.
#[derive(Debug)]
pub struct Simulated<'s> {
    /// The scenario simulated.
    pub scenario: &'s Scenario,
    /// Its compiled model.
    pub model: Model<'s>,
    /// Its route plan (k best routes and shares per demand flow).
    pub plan: RoutePlan,
    /// The plan compiled against the model.
    pub routes: RouteTable,
    /// One result per replication, in replication order.
    pub results: Vec<ReplicationResult>,
}

/// A scenario's routes and model, and its replications merged as they finished: what a
/// run that needs no per-replication results (`run`, `batch`) keeps, in memory that does
/// not grow with the number of replications.
#[derive(Debug)]
pub struct Merged<'s> {
    /// The scenario, routed and compiled.
    pub compiled: Compiled<'s>,
    /// The replications merged: means, quantiles and confidence intervals.
    pub agg: Aggregate,
}

/// A scenario routed and compiled: what simulating it needs, and what its tables and
/// comparisons are keyed by.
#[derive(Debug)]
pub struct Compiled<'s> {
    /// The scenario.
    pub scenario: &'s Scenario,
    /// Its compiled model.
    pub model: Model<'s>,
    /// Its route plan (k best routes and shares per demand flow).
    pub plan: RoutePlan,
    /// The plan compiled against the model.
    pub routes: RouteTable,
    /// What the feedback iterations did, with `[choice] feedback`; the plan's and the
    /// table's shares are then those they settled on.
    pub feedback: Option<Convergence>,
}

impl<'s> Compiled<'s> {
    /// Routes the scenario and compiles its model and route table; with `[choice]
    /// feedback`, runs the feedback iterations ([`Compiled::with_progress`]).
    ///
    /// # Errors
    ///
    /// [`RunError`] when the scenario cannot be compiled.
    pub fn new(scenario: &'s Scenario) -> Result<Compiled<'s>, RunError> {
        Compiled::collecting(scenario, Collect::Summary)
    }

    /// Like [`Compiled::new`], with the model collecting what `collect` says.
    ///
    /// # Errors
    ///
    /// [`RunError`] when the scenario cannot be compiled.
    pub fn collecting(scenario: &'s Scenario, collect: Collect) -> Result<Compiled<'s>, RunError> {
        Compiled::with_progress(scenario, collect, &|| {})
    }

    /// Like [`Compiled::collecting`], calling `on_done` once per replication the feedback
    /// iterations simulate (none without `[choice] feedback`).
    ///
    /// # Errors
    ///
    /// [`RunError`] when the scenario cannot be compiled.
    pub fn with_progress(
        scenario: &'s Scenario,
        collect: Collect,
        on_done: &(dyn Fn() + Sync),
    ) -> Result<Compiled<'s>, RunError> {
        let mut model = Model::new(scenario)?;
        let mut plan = routing::plan(scenario);
        let mut routes = RouteTable::new(scenario, &plan.per_demand)?;
        let mut convergence = None;
        if let Some(f) = &scenario.choice.feedback {
            // The iterations need route costs only, not the day-by-day series.
            model.timeseries = false;
            let (settled, report) = feedback::equilibrate(&model, &plan, &routes, f, on_done)?;
            // The plan reports the settled shares (over the window, if they vary by period).
            let n = settled.len();
            let window = (model.warmup, model.horizon);
            for (r, route) in plan.per_demand.iter_mut().flatten().enumerate() {
                route.share = report.window_share(r, n, window);
            }
            routes = settled;
            convergence = Some(report);
        }
        model.timeseries = collect == Collect::TimeSeries;
        Ok(Compiled {
            scenario,
            model,
            plan,
            routes,
            feedback: convergence,
        })
    }

    /// The run's output tables over `agg`, an aggregate of this scenario's replications.
    pub fn tables<'a>(&'a self, agg: &'a Aggregate) -> RunTables<'a> {
        RunTables {
            model: &self.model,
            plan: &self.plan.per_demand,
            routes: &self.routes,
            agg,
        }
    }
}

/// Routes and simulates `scenario.meta.replications` replications on the current rayon
/// pool, keeping every replication's result (for paired comparisons). `on_done` is called
/// once per finished replication (for a progress bar).
///
/// # Errors
///
/// [`RunError`] when the scenario cannot be compiled.
pub fn simulate<'s>(
    scenario: &'s Scenario,
    on_done: &(dyn Fn() + Sync),
) -> Result<Simulated<'s>, RunError> {
    let Compiled {
        model,
        plan,
        routes,
        ..
    } = Compiled::with_progress(scenario, Collect::Summary, on_done)?;
    let results = sim::run_replications(&model, &routes, scenario.meta.replications, on_done);
    Ok(Simulated {
        scenario,
        model,
        plan,
        routes,
        results,
    })
}

/// Like [`simulate`], but merges each replication as it finishes and drops it: memory
/// stays flat however many replications run. The aggregate is bit-identical to
/// [`Simulated::aggregate`].
///
/// # Errors
///
/// [`RunError`] when the scenario cannot be compiled.
pub fn simulate_merged<'s>(
    scenario: &'s Scenario,
    on_done: &(dyn Fn() + Sync),
) -> Result<Merged<'s>, RunError> {
    simulate_merged_collecting(scenario, Collect::Summary, on_done)
}

/// [`simulate_merged`], collecting what `collect` says.
///
/// # Errors
///
/// [`RunError`] when the scenario cannot be compiled.
pub fn simulate_merged_collecting<'s>(
    scenario: &'s Scenario,
    collect: Collect,
    on_done: &(dyn Fn() + Sync),
) -> Result<Merged<'s>, RunError> {
    let compiled = Compiled::with_progress(scenario, collect, on_done)?;
    let agg = sim::run_replications_merged(
        &compiled.model,
        &compiled.routes,
        scenario.meta.replications,
        on_done,
    );
    Ok(Merged { compiled, agg })
}

impl Merged<'_> {
    /// The run's output tables.
    pub fn tables(&self) -> RunTables<'_> {
        self.compiled.tables(&self.agg)
    }
}

impl Simulated<'_> {
    /// The replications merged: means, quantiles and confidence intervals.
    pub fn aggregate(&self) -> Aggregate {
        Aggregate::of(&self.results, &self.routes, self.scenario.corridors.len())
    }
}
