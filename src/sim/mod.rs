//! Discrete-event simulation engine.
//!
//! ## Lifecycle of a run
//!
//! 1. [`Model::new`] compiles a validated scenario into the immutable model (samplers,
//!    dense facility ids, times in seconds). [`RouteTable::new`] compiles a route plan (one
//!    `Vec<Route>` per demand flow, from [`crate::routing`] or made by hand) against it.
//! 2. [`simulate`] runs one replication: its own [`state::State`] in dense `Vec`s, its own
//!    random streams keyed by `(seed, replication, entity id, purpose)`, an event loop over
//!    an [`event_queue::EventQueue`] keyed by `(time, insertion)`. Handlers change state and
//!    emit [`records::Record`]s; per-replication [`records::Accumulators`] reduce them to a
//!    small [`ReplicationResult`] with exact per-replication quantiles. A [`Workspace`]
//!    keeps that state's buffers from one replication to the next.
//! 3. [`run_replications`] runs replications in parallel on the current rayon pool over the
//!    shared model, one [`Workspace`] per worker task, and returns the results **in replication order**, so
//!    [`Aggregate::of`] folds them identically whatever the thread count.
//!    [`run_replications_merged`] does the same in bounded memory: it merges results into
//!    an [`aggregate::Merger`] in replication order, a batch at a time, and drops them.
//!
//! The engine does no I/O, reads no environment and never panics on a valid scenario and
//! plan; `output` writes what [`Aggregate`] holds.
//!
//! ## Modules
//!
//! - [`model`] — compiled immutable model; [`routes`] — compiled route plan.
//! - [`engine`] — event loop, shipments and facilities; `movement` — vehicles and trucks.
//! - [`facility`] — multi-server FIFO queue with its time-weighted statistics.
//! - [`vehicle`], [`shipment`] — entity slabs with slot reuse.
//! - [`arrivals`] — Poisson arrivals on the whole-second clock without rounding bias.
//! - [`events`] — the event enum; [`state`] — per-replication state; [`streams`] — random
//!   streams; [`disruption`] — closures and slowdowns.
//! - [`daily`] — day-by-day series (time series, recovery), when the model asks for them.
//! - [`records`] — records and per-replication accumulators; [`result`] — what one
//!   replication reports; [`aggregate`] — merging replications.

pub mod aggregate;
pub mod arrivals;
pub mod daily;
pub mod disruption;
pub mod engine;
pub mod event_queue;
pub mod events;
pub mod facility;
pub mod ids;
pub mod model;
mod movement;
pub mod records;
pub mod result;
pub mod routes;
pub mod shipment;
pub mod state;
pub mod stationary;
pub mod streams;
pub mod vehicle;

use rayon::prelude::*;

pub use aggregate::Aggregate;
pub use engine::{Workspace, simulate};
pub use model::{Model, ModelError};
pub use result::ReplicationResult;
pub use routes::{RouteError, RouteTable};

/// Runs replications `0..replications` in parallel on the current rayon pool and returns
/// their results in replication order. `on_done` is called once per finished replication,
/// from whichever worker finished it (e.g. to advance a progress bar).
#[must_use]
pub fn run_replications(
    model: &Model<'_>,
    routes: &RouteTable,
    replications: u32,
    on_done: &(dyn Fn() + Sync),
) -> Vec<ReplicationResult> {
    run_range(model, routes, 0..replications, on_done)
}

/// Replications `range` in parallel, results in replication order.
fn run_range(
    model: &Model<'_>,
    routes: &RouteTable,
    range: std::ops::Range<u32>,
    on_done: &(dyn Fn() + Sync),
) -> Vec<ReplicationResult> {
    range
        .into_par_iter()
        .map_init(
            || Workspace::new(model, routes),
            |workspace, r| {
                let result = workspace.simulate(r);
                on_done();
                result
            },
        )
        .collect()
}

/// Replications run per parallel batch by [`run_replications_merged`], per worker thread:
/// enough that the workers rarely wait for each other at a batch's end, few enough that
/// the batch's results are a few megabytes at most.
const BATCH_PER_THREAD: usize = 64;

/// Runs replications `0..replications` like [`run_replications`], but merges each result
/// into an [`Aggregate`] in replication order and drops it, so memory does not grow with
/// the number of replications. The aggregate is bit-identical to [`Aggregate::of`] over
/// [`run_replications`], whatever the thread count.
#[must_use]
pub fn run_replications_merged(
    model: &Model<'_>,
    routes: &RouteTable,
    replications: u32,
    on_done: &(dyn Fn() + Sync),
) -> Aggregate {
    let batch = BATCH_PER_THREAD * rayon::current_num_threads();
    run_replications_in_batches(model, routes, replications, batch, on_done)
}

/// [`run_replications_merged`] with `batch` replications per parallel batch (tests use
/// small batches to exercise the merge across batches).
#[doc(hidden)]
#[must_use]
pub fn run_replications_in_batches(
    model: &Model<'_>,
    routes: &RouteTable,
    replications: u32,
    batch: usize,
    on_done: &(dyn Fn() + Sync),
) -> Aggregate {
    let mut merger = aggregate::Merger::new(routes, model.scenario.corridors.len());
    in_batches(&[(model, routes)], replications, batch, on_done, &mut |r| {
        merger.push(r[0]);
    });
    merger.finish()
}

/// Runs replications `0..replications` of several models side by side — the scenarios
/// of a paired comparison, on common random numbers — and hands `consume` replication
/// `r` of every model (in `runs` order), replication after replication, dropping each
/// batch once consumed: memory does not grow with the number of replications, and
/// anything `consume` accumulates in replication order is the same bit for bit as from
/// [`run_replications`] of each model, whatever the thread count.
pub fn run_replications_side_by_side(
    runs: &[(&Model<'_>, &RouteTable)],
    replications: u32,
    on_done: &(dyn Fn() + Sync),
    consume: &mut dyn FnMut(&[&ReplicationResult]),
) {
    let batch = (BATCH_PER_THREAD * rayon::current_num_threads()).div_ceil(runs.len().max(1));
    in_batches(runs, replications, batch, on_done, consume);
}

/// Replications `range` of several models side by side, in parallel (each model and
/// replication), handed to `consume` replication by replication in replication order,
/// replication `r` of every model in `runs` order. Replication r draws the same random
/// numbers whichever range it is run in, so a caller that decides in replication order
/// which models to run next (a sequential comparison) gets the same results bit for bit
/// whatever its ranges and the thread count.
pub fn run_range_side_by_side(
    runs: &[(&Model<'_>, &RouteTable)],
    range: std::ops::Range<u32>,
    on_done: &(dyn Fn() + Sync),
    consume: &mut dyn FnMut(&[&ReplicationResult]),
) {
    let results: Vec<Vec<ReplicationResult>> = runs
        .par_iter()
        .map(|(model, routes)| run_range(model, routes, range.clone(), on_done))
        .collect();
    for r in 0..range.len() {
        let side: Vec<&ReplicationResult> = results.iter().map(|rs| &rs[r]).collect();
        consume(&side);
    }
}

/// Replications `0..replications` of every model in `runs`, `batch` at a time (each model
/// and replication in parallel), consumed in replication order.
fn in_batches(
    runs: &[(&Model<'_>, &RouteTable)],
    replications: u32,
    batch: usize,
    on_done: &(dyn Fn() + Sync),
    consume: &mut dyn FnMut(&[&ReplicationResult]),
) {
    let batch = u32::try_from(batch.max(1)).unwrap_or(u32::MAX);
    let mut start = 0;
    while start < replications {
        let end = start.saturating_add(batch).min(replications);
        run_range_side_by_side(runs, start..end, on_done, consume);
        start = end;
    }
}
