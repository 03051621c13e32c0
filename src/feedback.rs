//! Route choice that responds to simulated congestion and disruption: feedback iterations.
//!
//! Routing ([`crate::routing`]) splits each flow's freight by the generalized costs it
//! *expects*: half the headway for a departure, the M/M/c wait of a bottleneck's
//! background traffic, facility means. Those expectations do not see the freight's own
//! queues, nor a lock that loses a line for a month. With `[choice] feedback` the shares
//! are instead re-chosen from what shipments *experienced* in the simulation, until the
//! split and the congestion it causes agree: a stochastic user equilibrium (Sheffi 1985,
//! *Urban Transportation Networks*, ch. 12) on the queueing simulation itself.
//!
//! ## One iteration
//!
//! 1. Simulate every replication (the scenario's seed and count, so every iteration
//!    draws the same random numbers: common random numbers make the iterations' costs
//!    differ by the shares alone, not by noise) with the current shares `x`.
//! 2. For each route and choice period, pool the transit times of the delivered shipments
//!    of the observation window created in that period, over all replications, and take
//!    the **experienced generalized cost** `GC = money + VOT × (mean T + ρ · SD T)`:
//!    the formula routing uses ([`RouteQuery::generalized_cost`]), with the simulated
//!    mean and spread of door-to-door time — customs, transfers, lock and border queues,
//!    rolled-over boxes and closures included — in place of the expected ones.
//! 3. Re-choose: `y` = the shares of the scenario's choice model at those costs
//!    ([`crate::routing::choice::shares_at`]; path-size terms and nests as routed).
//! 4. Average by the **method of successive averages** (`step = "msa"`): at iteration
//!    n, `x ← x + (y − x) / n`. The first step is whole (the expected-cost shares only
//!    start the process); afterwards `x` is the mean of every `y` so far, which damps the
//!    see-saw a congestible route otherwise goes through (all freight on it, then none).
//!    MSA converges for the logit with a monotone cost map in spite of noisy costs
//!    (Sheffi 1985, §12.4; Liu, He and He 2009, *Networks and Spatial Economics* 9,
//!    485–503, who compare it with weighted and self-regulated variants).
//!
//! It stops once no share moves by more than `tolerance` in an iteration, or after
//! `iterations`; the shares the command then simulates and reports are the last `x`.
//!
//! **Routes with no delivered shipment** in a period (a share too small to be drawn)
//! are priced at their expected cost, the cost routing gives them at no flow of their
//! own. Keeping the last cost they were seen at instead would lock a route out for good:
//! priced once in a state that no longer holds (an overloaded first iteration, a closure
//! before it reopened), its logit share falls below one shipment, it is never drawn again
//! and never re-priced. At its expected cost it is drawn again in the next iteration and
//! priced on what it really costs then; MSA averages the two.
//!
//! ## Periods: response that changes over the horizon
//!
//! With `period_days` the observation window is cut into periods of that length, and
//! every period has its own shares, re-chosen from what the shipments *created in that
//! period* experienced. A lock closure from day 40 thus diverts the freight created
//! while its queue stands (and slightly before, if boxes created then would reach the
//! lock in the queue), not the whole year's. This is an equilibrium per period — shippers
//! who know what a shipment created in that week goes through, as for announced works or
//! a recurring seasonal queue — not shippers reacting to a queue with a lag. Shipments
//! created in the warm-up use the first period's shares.
//!
//! ## The route set is fixed
//!
//! The routes are the ones routing offered from expected costs (k best, dominance and
//! GC cut-off); feedback changes their shares only. MSA averages shares of the same
//! alternatives from one iteration to the next, which a set that grows would break (that
//! needs column generation and a restart of the averaging); and at the shipped `k = 20`
//! the Chongqing set already holds every corridor within the cut-off of each flow
//! (README, "Route choice"), so the alternatives a disruption makes attractive are there.
//! A route that only becomes worth taking when another's queue stands must be within
//! the set routing offers; raise `k_routes` or `gc_cutoff_ratio` to widen it.
//!
//! ## The convergence report
//!
//! Per iteration ([`Iteration`]): the largest share change applied, the **relative
//! gap** — the share of the freight that would choose differently from its assignment if
//! it re-chose on the costs it has just experienced, `Σ w |y − x| / (2 Σ w)` over flows,
//! periods and routes with `w` a flow's delivered shipments in the period (0 at the
//! equilibrium; the stochastic equilibrium's logit spread is not a gap) — and the mean
//! experienced GC per TEU of the delivered shipments.

use crate::routing::{RoutePlan, RouteQuery, choice};
use crate::scenario::{Feedback, Scenario};
use crate::sim::result::TransitMoments;
use crate::sim::routes::Periods;
use crate::sim::{self, Model, RouteError, RouteTable};
use crate::time::SimTime;

/// One feedback iteration's figures (a row of `convergence.csv`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iteration {
    /// 1-based.
    pub iteration: u32,
    /// Largest change of a share (any flow, period, route) the iteration applied.
    pub max_share_change: f64,
    /// Share of the freight that would re-choose on the costs experienced (see the
    /// [module docs](self)).
    pub relative_gap: f64,
    /// Mean experienced generalized cost of the delivered shipments, USD per TEU.
    pub mean_gc_usd_per_teu: f64,
}

/// What the feedback iterations did, and the shares they settled on.
#[derive(Clone, Debug, PartialEq)]
pub struct Convergence {
    /// One entry per iteration run.
    pub iterations: Vec<Iteration>,
    /// Whether the last iteration's largest share change was below the tolerance.
    pub converged: bool,
    /// The tolerance asked for.
    pub tolerance: f64,
    /// The choice periods.
    pub periods: Periods,
    /// The shares settled on, `shares[p * routes + r]` (route order of the table).
    pub shares: Vec<f64>,
}

impl Convergence {
    /// The mean share of route `r` over the periods, weighted by their length in the
    /// window (the last period may be short): the share over the whole window.
    #[must_use]
    pub fn window_share(&self, r: usize, routes: usize, window: (SimTime, SimTime)) -> f64 {
        let count = self.periods.count();
        if count == 1 {
            return self.shares[r];
        }
        let (start, end) = (window.0.as_days_f64(), window.1.as_days_f64());
        let mut total = 0.0;
        for p in 0..count {
            let from = self.periods.start_days(p).max(start);
            let to = if p + 1 < count {
                self.periods.start_days(p + 1).min(end)
            } else {
                end
            };
            total += self.shares[p * routes + r] * (to - from).max(0.0);
        }
        total / (end - start)
    }
}

/// The choice periods of `feedback` over `model`'s observation window.
#[must_use]
pub fn periods(model: &Model<'_>, feedback: &Feedback) -> Periods {
    match feedback.period_days {
        None => Periods::ONE,
        Some(days) => Periods::new(
            model.warmup,
            model.horizon,
            SimTime::from_days_f64(days).secs(),
        ),
    }
}

/// Runs the feedback iterations of `feedback` on `table` (compiled from `plan` against
/// `model`) and returns the table with the shares settled on, and the report.
/// `on_done` is called once per replication simulated.
///
/// Deterministic: replications are pooled in replication order, so the shares — and
/// everything simulated with them — are the same whatever the thread count.
///
/// # Errors
///
/// [`RouteError`] if the plan does not fit the table (an internal inconsistency).
///
/// # Complexity
///
/// At most `feedback.iterations` simulations of every replication, plus O(routes ×
/// periods) per iteration.
pub fn equilibrate(
    model: &Model<'_>,
    plan: &RoutePlan,
    table: &RouteTable,
    feedback: &Feedback,
    on_done: &(dyn Fn() + Sync),
) -> Result<(RouteTable, Convergence), RouteError> {
    let scenario = model.scenario;
    let periods = periods(model, feedback);
    let n = table.len();
    let planned: Vec<&crate::routing::Route> = plan.per_demand.iter().flatten().collect();
    if planned.len() != n {
        return Err(RouteError::ShareCount {
            got: planned.len(),
            want: n,
        });
    }
    let mut x: Vec<f64> = (0..periods.count())
        .flat_map(|_| planned.iter().map(|r| r.share))
        .collect();
    let expected: Vec<f64> = (0..periods.count())
        .flat_map(|_| planned.iter().map(|r| r.generalized_cost_usd_per_teu))
        .collect();
    let mut current = table.with_shares(scenario, periods, &x)?;
    let mut iterations = Vec::new();
    let mut converged = false;
    for it in 1..=feedback.iterations {
        let moments = experience(model, &current, on_done);
        let mut gc = expected.clone();
        let mean_gc = experienced_costs(scenario, table, &moments, &mut gc);
        let y = rechoose(scenario, plan, table, periods, &gc);
        let relative_gap = gap(table, periods, &moments, &x, &y);
        let step = 1.0 / f64::from(it);
        let mut max_change: f64 = 0.0;
        for (xi, yi) in x.iter_mut().zip(&y) {
            let next = *xi + step * (yi - *xi);
            max_change = max_change.max((next - *xi).abs());
            *xi = next;
        }
        iterations.push(Iteration {
            iteration: it,
            max_share_change: max_change,
            relative_gap,
            mean_gc_usd_per_teu: mean_gc,
        });
        current = table.with_shares(scenario, periods, &x)?;
        if max_change < feedback.tolerance {
            converged = true;
            break;
        }
    }
    Ok((
        current,
        Convergence {
            iterations,
            converged,
            tolerance: feedback.tolerance,
            periods,
            shares: x,
        },
    ))
}

/// Simulates every replication with `table` and pools the transit moments of each route
/// and period, in replication order.
fn experience(
    model: &Model<'_>,
    table: &RouteTable,
    on_done: &(dyn Fn() + Sync),
) -> Vec<TransitMoments> {
    let mut pooled = vec![TransitMoments::default(); table.len() * table.periods().count()];
    sim::run_replications_side_by_side(
        &[(model, table)],
        model.scenario.meta.replications,
        on_done,
        &mut |r| {
            for (p, m) in pooled.iter_mut().zip(&r[0].route_periods) {
                p.merge(m);
            }
        },
    );
    pooled
}

/// Replaces the cost of every route and period that delivered a shipment with its
/// experienced generalized cost; returns the mean experienced GC per delivered shipment.
fn experienced_costs(
    scenario: &Scenario,
    table: &RouteTable,
    moments: &[TransitMoments],
    gc: &mut [f64],
) -> f64 {
    let n = table.len();
    let (mut sum, mut count) = (0.0, 0u64);
    for (i, m) in moments.iter().enumerate() {
        let Some((mean_days, sd_days)) = m.mean_sd_days() else {
            continue;
        };
        let route = &table.routes()[i % n];
        let d = &scenario.demand[route.demand.index()];
        let query = RouteQuery::new(
            &scenario.choice,
            d.from,
            d.to,
            d.modes,
            d.vot_usd_per_teu_day,
        );
        gc[i] = query.generalized_cost(route.cost_usd_per_teu, mean_days * 24.0, sd_days * 24.0);
        sum += gc[i] * m.count as f64;
        count += m.count;
    }
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// The shares of the scenario's choice model at costs `gc`, by period and route.
fn rechoose(
    scenario: &Scenario,
    plan: &RoutePlan,
    table: &RouteTable,
    periods: Periods,
    gc: &[f64],
) -> Vec<f64> {
    let n = table.len();
    let choice = &scenario.choice;
    let mut y = Vec::with_capacity(gc.len());
    for p in 0..periods.count() {
        for (d, routes) in plan.per_demand.iter().enumerate() {
            let range = table.range_of(crate::ids::DemandId::new(d));
            let costs = &gc[p * n + range.start..p * n + range.end];
            // The corridors' choice constants weigh on experienced costs as on expected
            // ones (routing::choice), so a fitted constant holds under feedback too.
            let costs: Vec<f64> = routes
                .iter()
                .zip(costs)
                .map(|(r, g)| {
                    g + r.main_corridor.map_or(0.0, |c| {
                        scenario.corridors[c.index()].choice_constant_usd_per_teu
                    })
                })
                .collect();
            y.extend(choice::shares_at(
                choice.model,
                choice.logit_scale,
                routes,
                &costs,
            ));
        }
    }
    y
}

/// The relative gap (see the [module docs](self)) between the shares simulated, `x`, and
/// those re-chosen on the costs experienced, `y` (by period and route).
fn gap(
    table: &RouteTable,
    periods: Periods,
    moments: &[TransitMoments],
    x: &[f64],
    y: &[f64],
) -> f64 {
    let n = table.len();
    let (mut moved, mut total) = (0.0, 0.0);
    for p in 0..periods.count() {
        for d in 0..table.demands() {
            let range = table.range_of(crate::ids::DemandId::new(d));
            let w: u64 = range.clone().map(|r| moments[p * n + r].count).sum();
            if w == 0 {
                continue;
            }
            let l1: f64 = range.map(|r| (y[p * n + r] - x[p * n + r]).abs()).sum();
            moved += w as f64 * l1 / 2.0;
            total += w as f64;
        }
    }
    if total == 0.0 { 0.0 } else { moved / total }
}
