//! The route plan as the engine uses it.
//!
//! Routing ([`crate::routing`]) gives each demand flow a few routes and their logit shares.
//! The engine takes that plan as an argument (so tests can hand-make routes) and compiles
//! it once per run into a flat [`RouteTable`]: every route gets a global [`RouteIx`], its
//! legs are checked against the scenario (a broken route is a bug upstream, reported as a
//! [`RouteError`] instead of a panic mid-replication), its money cost is computed from the
//! legs with the same rules for every route, and its *main corridor* (the corridor it runs
//! the most kilometres in) is fixed, which is how shipments are assigned to corridors in
//! `corridor_summary.csv`.
//!
//! Shares may differ by *choice period* ([`Periods`]): route choice that responds to
//! simulated congestion ([`crate::feedback`]) gives each period of the observation window
//! its own shares, and a shipment picks its route with the shares of the period it is
//! created in. A plan from routing alone has one period.

use thiserror::Error;

use crate::ids::{CorridorId, DemandId, HubId};
use crate::routing::{Leg, Route};
use crate::scenario::{Mode, Scenario};
use crate::time::SimTime;

use super::ids::RouteIx;

/// A route the engine cannot walk.
#[derive(Debug, Error, PartialEq)]
pub enum RouteError {
    /// The plan has a different number of entries than the scenario has demand flows.
    #[error("route plan has {got} entries but the scenario has {want} demand flows")]
    DemandCount {
        /// Entries in the plan.
        got: usize,
        /// Demand flows.
        want: usize,
    },
    /// A leg that does not fit the scenario or does not follow from the previous leg.
    #[error("demand \"{demand}\", route {rank}, leg {leg}: {problem}")]
    BadLeg {
        /// Demand id.
        demand: String,
        /// 1-based rank of the route.
        rank: usize,
        /// 0-based leg index.
        leg: usize,
        /// What is wrong.
        problem: String,
    },
    /// Shares that are negative, not finite, or sum to zero.
    #[error("demand \"{demand}\": route shares must be finite, >= 0 and not all 0")]
    Shares {
        /// Demand id.
        demand: String,
    },
    /// Shares by period that are not one per route and period.
    #[error("{got} route shares given for {want} routes and periods")]
    ShareCount {
        /// Shares given.
        got: usize,
        /// Routes × periods.
        want: usize,
    },
    /// More legs over all routes than the engine indexes (2³² − 1).
    #[error("the route plan has more than 2^32 - 1 legs in all")]
    TooManyLegs,
}

/// One compiled route.
#[derive(Clone, Debug)]
pub struct CompiledRoute {
    /// The demand it serves.
    pub demand: DemandId,
    /// 1-based rank within its demand (the plan's order).
    pub rank: u32,
    /// Planned share.
    pub share: f64,
    /// Money cost per TEU from the legs ([`crate::tariff::route_usd_per_teu`]).
    pub cost_usd_per_teu: f64,
    /// The corridor with the most km on the route (ties: lower id); `None` if untagged.
    pub main_corridor: Option<CorridorId>,
    /// The distinct corridors used, in route order.
    pub corridors: Vec<CorridorId>,
    /// Where the route clears customs, if it does.
    pub customs_hub: Option<crate::ids::HubId>,
}

/// A position in a [`RouteTable`]'s flat leg array: a shipment's place on its route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegAt(u32);

impl LegAt {
    /// The next leg of the same route.
    #[inline]
    #[must_use]
    pub fn next(self) -> LegAt {
        LegAt(self.0 + 1)
    }
}

/// How the observation window is cut into choice periods: `count` periods of `len_s`
/// seconds from the start of the window (the last one may be cut short by the horizon).
/// A shipment created in the warm-up belongs to the first period, one created at or after
/// the horizon (none is counted) to the last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    start: SimTime,
    len_s: u64,
    count: u32,
}

impl Periods {
    /// One period: the same shares all the time.
    pub const ONE: Periods = Periods {
        start: SimTime::ZERO,
        len_s: u64::MAX,
        count: 1,
    };

    /// Periods of `len_s` seconds (at least 1) covering the window `[start, end)`; one
    /// if the window is empty.
    #[must_use]
    pub fn new(start: SimTime, end: SimTime, len_s: u64) -> Periods {
        let len_s = len_s.max(1);
        let count = end.saturating_sub(start).div_ceil(len_s).max(1);
        Periods {
            start,
            len_s,
            count: u32::try_from(count).unwrap_or(u32::MAX),
        }
    }

    /// How many periods.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count as usize
    }

    /// The period a shipment created at `t` chooses in.
    #[inline]
    #[must_use]
    pub fn of(&self, t: SimTime) -> usize {
        if self.count == 1 {
            return 0;
        }
        let p = t.saturating_sub(self.start) / self.len_s;
        usize::try_from(p).map_or(self.count() - 1, |p| p.min(self.count() - 1))
    }

    /// Start of period `p`, days after t = 0.
    #[must_use]
    pub fn start_days(&self, p: usize) -> f64 {
        if self.count == 1 {
            return self.start.as_days_f64();
        }
        self.start
            .saturating_add_secs(self.len_s.saturating_mul(p as u64))
            .as_days_f64()
    }
}

/// Every route of a plan, with per-demand cumulative shares for sampling.
#[derive(Clone, Debug)]
pub struct RouteTable {
    routes: Vec<CompiledRoute>,
    /// `first[d]..first[d + 1]` are demand `d`'s routes.
    first: Vec<usize>,
    /// The choice periods.
    periods: Periods,
    /// Cumulative normalised shares by period, `cumulative[p * routes.len() + r]`; the
    /// last of a demand in each period is 1.
    cumulative: Vec<f64>,
    /// Every route's legs end to end, each route's followed by `None` (one flat array: the
    /// engine reads a leg per step, and a shipment keeps its place in it, so that a step is
    /// one load and the end of the route needs no bounds).
    legs: Vec<Option<Leg>>,
    /// `legs[leg_start[r]..leg_start[r + 1] - 1]` are route `r`'s legs; the `None` after
    /// them is at `leg_start[r + 1] - 1`.
    leg_start: Vec<u32>,
}

impl RouteTable {
    /// Compiles `plan` (indexed by [`DemandId`]) against `scenario`. A demand with no routes
    /// is allowed (it cannot be served, so it generates no shipments).
    ///
    /// # Errors
    /// [`RouteError`] for a plan that does not fit the scenario.
    pub fn new(scenario: &Scenario, plan: &[Vec<Route>]) -> Result<RouteTable, RouteError> {
        if plan.len() != scenario.demand.len() {
            return Err(RouteError::DemandCount {
                got: plan.len(),
                want: scenario.demand.len(),
            });
        }
        let mut table = RouteTable {
            routes: Vec::new(),
            first: Vec::with_capacity(plan.len() + 1),
            periods: Periods::ONE,
            cumulative: Vec::new(),
            legs: Vec::new(),
            leg_start: vec![0],
        };
        for (d, routes) in plan.iter().enumerate() {
            table.first.push(table.routes.len());
            let demand = &scenario.demand[d];
            let total: f64 = routes.iter().map(|r| r.share).sum();
            let shares_ok = routes.iter().all(|r| r.share.is_finite() && r.share >= 0.0)
                && total > 0.0
                && total.is_finite();
            if !routes.is_empty() && !shares_ok {
                return Err(RouteError::Shares {
                    demand: demand.id.clone(),
                });
            }
            for (i, r) in routes.iter().enumerate() {
                check_legs(scenario, demand.from, demand.to, &r.legs).map_err(|(leg, p)| {
                    RouteError::BadLeg {
                        demand: demand.id.clone(),
                        rank: i + 1,
                        leg,
                        problem: p,
                    }
                })?;
                let corridors = corridors_of(scenario, &r.legs);
                table.routes.push(CompiledRoute {
                    demand: DemandId::new(d),
                    rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    share: r.share,
                    cost_usd_per_teu: crate::tariff::route_usd_per_teu(
                        scenario,
                        &r.legs,
                        demand.customs,
                    ),
                    main_corridor: r.main_corridor,
                    corridors,
                    customs_hub: r.legs.iter().find_map(|l| match *l {
                        Leg::Customs { hub } => Some(hub),
                        _ => None,
                    }),
                });
                table.legs.extend(r.legs.iter().copied().map(Some));
                table.legs.push(None);
                table
                    .leg_start
                    .push(u32::try_from(table.legs.len()).map_err(|_| RouteError::TooManyLegs)?);
            }
            let shares: Vec<f64> = routes.iter().map(|r| r.share).collect();
            table.cumulative.extend(cumulative_of(&shares));
        }
        table.first.push(table.routes.len());
        Ok(table)
    }

    /// The table with shares by choice period: `shares[p * self.len() + r]` is route
    /// `r`'s share in period `p` of `periods` (route order as [`RouteTable::routes`]). The
    /// shares of a demand in a period are normalised; the legs, costs and corridors stay.
    ///
    /// # Errors
    ///
    /// [`RouteError::Shares`] for shares of a demand in a period that are negative, not
    /// finite or all zero; [`RouteError::ShareCount`] if `shares` is not one per route
    /// and period.
    pub fn with_shares(
        &self,
        scenario: &Scenario,
        periods: Periods,
        shares: &[f64],
    ) -> Result<RouteTable, RouteError> {
        let n = self.routes.len();
        if shares.len() != n * periods.count() {
            return Err(RouteError::ShareCount {
                got: shares.len(),
                want: n * periods.count(),
            });
        }
        let mut cumulative = Vec::with_capacity(shares.len());
        for p in 0..periods.count() {
            for d in 0..self.first.len() - 1 {
                let range = self.first[d]..self.first[d + 1];
                let of_period = &shares[p * n + range.start..p * n + range.end];
                let total: f64 = of_period.iter().sum();
                let ok = of_period.iter().all(|s| s.is_finite() && *s >= 0.0)
                    && total > 0.0
                    && total.is_finite();
                if !range.is_empty() && !ok {
                    return Err(RouteError::Shares {
                        demand: scenario.demand[d].id.clone(),
                    });
                }
                cumulative.extend(cumulative_of(of_period));
            }
        }
        Ok(RouteTable {
            periods,
            cumulative,
            ..self.clone()
        })
    }

    /// Number of demand flows.
    #[must_use]
    pub fn demands(&self) -> usize {
        self.first.len() - 1
    }

    /// The choice periods.
    #[must_use]
    pub fn periods(&self) -> Periods {
        self.periods
    }

    /// Number of routes over all demands.
    #[must_use]
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when no demand has a route.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The route.
    #[inline]
    #[must_use]
    pub fn route(&self, r: RouteIx) -> &CompiledRoute {
        &self.routes[r.index()]
    }

    /// Where route `r`'s first leg is in the flat leg array, for [`RouteTable::leg_at`].
    #[inline]
    #[must_use]
    pub fn first_leg(&self, r: RouteIx) -> LegAt {
        LegAt(self.leg_start[r.index()])
    }

    /// The leg at `at`, or `None` at the end of its route. Stepping past that `None` is a
    /// bug (it would read the next route).
    #[inline]
    #[must_use]
    pub fn leg_at(&self, at: LegAt) -> Option<Leg> {
        self.legs[at.0 as usize]
    }

    /// Every route, by [`RouteIx`] (demand by demand, rank order).
    #[must_use]
    pub fn routes(&self) -> &[CompiledRoute] {
        &self.routes
    }

    /// Demand `d`'s routes as a range of global indices.
    #[must_use]
    pub fn range_of(&self, d: DemandId) -> std::ops::Range<usize> {
        self.first[d.index()]..self.first[d.index() + 1]
    }

    /// The route of demand `d` that a uniform draw in `[0, 1)` selects, with the shares of
    /// the choice period of `at`, or `None` if the demand has no route. `draw` is called only when there is a choice: the draw comes
    /// from the flow's own stream, so not drawing for a one-route flow shifts no other
    /// stream, and pairing with a scenario where the flow has several routes still lines
    /// up (that one draws from the same stream start).
    #[inline]
    #[must_use]
    pub fn pick(&self, d: DemandId, at: SimTime, draw: impl FnOnce() -> f64) -> Option<RouteIx> {
        let range = self.range_of(d);
        match range.len() {
            0 => return None,
            1 => return Some(RouteIx::new(range.start)),
            _ => {}
        }
        let u = draw();
        let offset = self.periods.of(at) * self.routes.len();
        let cum = &self.cumulative[offset + range.start..offset + range.end];
        // First route whose cumulative share exceeds u; the last closes at 1 > u.
        let k = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
        Some(RouteIx::new(range.start + k))
    }
}

/// Cumulative normalised shares of one demand's routes; the last closes at exactly 1, so
/// rounding never leaves a draw without a route.
fn cumulative_of(shares: &[f64]) -> Vec<f64> {
    let total: f64 = shares.iter().sum();
    let mut acc = 0.0;
    let mut out: Vec<f64> = shares
        .iter()
        .map(|s| {
            acc += s / total;
            acc
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

/// Checks that the legs form a walk from `from` to `to`. Returns the bad leg and why.
fn check_legs(s: &Scenario, from: HubId, to: HubId, legs: &[Leg]) -> Result<(), (usize, String)> {
    let mut at = from;
    let hub_ok = |h: HubId| h.index() < s.hubs.len();
    for (i, leg) in legs.iter().enumerate() {
        let fail = |m: String| Err((i, m));
        match *leg {
            Leg::Customs { hub } | Leg::Transfer { hub } => {
                if !hub_ok(hub) || hub != at {
                    return fail(format!(
                        "facility leg at hub {} but the shipment is elsewhere",
                        hub.0
                    ));
                }
            }
            Leg::Drive { link, from, to } => {
                let Some(l) = s.links.get(link.index()) else {
                    return fail(format!("no link #{}", link.0));
                };
                if l.mode != Mode::Road {
                    return fail(format!("drive over {} link \"{}\"", l.mode, l.id));
                }
                if from != at || l.other_end(from) != Some(to) {
                    return fail(format!(
                        "drive over link \"{}\" does not continue the route",
                        l.id
                    ));
                }
                at = to;
            }
            Leg::Ride {
                service,
                board,
                alight,
            } => {
                let Some(sv) = s.services.get(service.index()) else {
                    return fail(format!("no service #{}", service.0));
                };
                let (b, a) = (usize::from(board), usize::from(alight));
                if b >= a || a >= sv.stops.len() {
                    return fail(format!("ride on \"{}\" from stop {b} to {a}", sv.id));
                }
                if sv.stops[b] != at {
                    return fail(format!(
                        "ride on \"{}\" boards away from the shipment",
                        sv.id
                    ));
                }
                at = sv.stops[a];
            }
        }
    }
    if at != to {
        return Err((
            legs.len(),
            "route ends away from the destination".to_string(),
        ));
    }
    Ok(())
}

/// The distinct corridors of a route, in order of first use (the main corridor is the
/// route's own, [`Route::main_corridor`](crate::routing::Route::main_corridor)).
fn corridors_of(s: &Scenario, legs: &[Leg]) -> Vec<CorridorId> {
    let mut order = Vec::new();
    let mut add = |c: Option<CorridorId>| {
        if let Some(c) = c
            && !order.contains(&c)
        {
            order.push(c);
        }
    };
    for leg in legs {
        // A service's own corridor tag wins over its links'.
        let service_tag = match *leg {
            Leg::Ride { service, .. } => s.service(service).corridor,
            _ => None,
        };
        for &link in leg.links(s) {
            add(service_tag.or(s.link(link).corridor));
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::LinkId;

    fn river() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/river.toml");
        crate::scenario::load(&path)
            .expect("river.toml loads")
            .scenario
    }

    /// A route of these legs; routing's figures other than the share and main corridor
    /// do not matter to the table.
    fn route(legs: Vec<Leg>, share: f64, main_corridor: Option<CorridorId>) -> Route {
        Route {
            main_corridor,
            ..Route::with_legs(legs, share)
        }
    }

    fn link(s: &Scenario, id: &str) -> LinkId {
        LinkId::new(s.links.iter().position(|l| l.id == id).unwrap())
    }

    fn drive(s: &Scenario, id: &str) -> Leg {
        let l = link(s, id);
        Leg::Drive {
            link: l,
            from: s.link(l).from,
            to: s.link(l).to,
        }
    }

    fn plan(s: &Scenario) -> Vec<Vec<Route>> {
        let (zone, port) = (s.hub_by_id("zone").unwrap(), s.hub_by_id("port").unwrap());
        let line = s.service_by_id("river-line").unwrap();
        vec![
            vec![
                route(
                    vec![
                        Leg::Customs { hub: zone },
                        drive(s, "zone-port"),
                        Leg::Transfer { hub: port },
                        Leg::Ride {
                            service: line,
                            board: 0,
                            alight: 2,
                        },
                    ],
                    0.7,
                    s.corridor_by_id("river"),
                ),
                route(
                    vec![Leg::Customs { hub: zone }, drive(s, "zone-market")],
                    0.3,
                    s.corridor_by_id("road"),
                ),
            ],
            vec![route(
                vec![Leg::Ride {
                    service: line,
                    board: 0,
                    alight: 1,
                }],
                1.0,
                s.corridor_by_id("river"),
            )],
        ]
    }

    #[test]
    fn compiles_costs_corridors_and_picks_by_share() {
        let s = river();
        let t = RouteTable::new(&s, &plan(&s)).unwrap();
        assert_eq!(t.len(), 3);
        let r = t.route(RouteIx(0));
        // Customs 30 + road 80 + transfer 50 + river legs 150 + 200.
        assert!((r.cost_usd_per_teu - 510.0).abs() < 1e-9);
        assert_eq!(r.main_corridor, s.corridor_by_id("river"));
        assert_eq!(t.route(RouteIx(1)).main_corridor, s.corridor_by_id("road"));
        let d = DemandId::new(0);
        assert_eq!(t.pick(d, SimTime::ZERO, || 0.0), Some(RouteIx(0)));
        assert_eq!(t.pick(d, SimTime::ZERO, || 0.69), Some(RouteIx(0)));
        assert_eq!(t.pick(d, SimTime::ZERO, || 0.7), Some(RouteIx(1)));
        assert_eq!(t.pick(d, SimTime::ZERO, || 0.999_999), Some(RouteIx(1)));
        assert_eq!(
            t.pick(DemandId::new(1), SimTime::ZERO, || 0.5),
            Some(RouteIx(2))
        );
        // A flow with one route takes it without drawing.
        assert_eq!(
            t.pick(DemandId::new(1), SimTime::ZERO, || panic!(
                "drew for a one-route flow"
            )),
            Some(RouteIx(2))
        );
    }

    #[test]
    fn each_route_s_legs_end_in_a_marker() {
        let s = river();
        let p = plan(&s);
        let t = RouteTable::new(&s, &p).unwrap();
        let planned = p.iter().flatten();
        for (r, route) in planned.enumerate() {
            let mut at = t.first_leg(RouteIx(u32::try_from(r).unwrap()));
            let mut walked = Vec::new();
            while let Some(leg) = t.leg_at(at) {
                walked.push(leg);
                at = at.next();
            }
            assert_eq!(walked, route.legs, "route {r}");
        }
    }

    #[test]
    fn rejects_routes_that_do_not_fit() {
        let s = river();
        let mut p = plan(&s);
        p.pop();
        assert_eq!(
            RouteTable::new(&s, &p).unwrap_err(),
            RouteError::DemandCount { got: 1, want: 2 }
        );

        let mut p = plan(&s);
        p[0][1].legs.pop();
        let err = RouteTable::new(&s, &p).unwrap_err();
        assert!(
            err.to_string().contains("ends away from the destination"),
            "{err}"
        );

        let mut p = plan(&s);
        p[1][0].legs.insert(0, drive(&s, "zone-port"));
        let err = RouteTable::new(&s, &p).unwrap_err();
        assert!(matches!(err, RouteError::BadLeg { leg: 0, .. }), "{err}");

        let mut p = plan(&s);
        p[1][0].legs[0] = drive(&s, "port-mid");
        let err = RouteTable::new(&s, &p).unwrap_err();
        assert!(err.to_string().contains("drive over river link"), "{err}");

        let mut p = plan(&s);
        p[0][0].share = -1.0;
        assert!(matches!(
            RouteTable::new(&s, &p),
            Err(RouteError::Shares { .. })
        ));
    }

    #[test]
    fn shares_by_period_are_picked_by_creation_time() {
        let s = river();
        let t = RouteTable::new(&s, &plan(&s)).unwrap();
        let day = 86_400;
        let at = |d: u64| SimTime::from_secs(d * day);
        let periods = Periods::new(at(10), at(30), 10 * day);
        assert_eq!(periods.count(), 2);
        // Demand 0: all on its first route in period 0, all on its second in period 1.
        let t = t
            .with_shares(&s, periods, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
            .unwrap();
        let d = DemandId::new(0);
        // The warm-up chooses with the first period, after the horizon with the last.
        assert_eq!(t.pick(d, at(0), || 0.5), Some(RouteIx(0)));
        assert_eq!(t.pick(d, at(19), || 0.99), Some(RouteIx(0)));
        assert_eq!(t.pick(d, at(20), || 0.0), Some(RouteIx(1)));
        assert_eq!(t.pick(d, at(99), || 0.0), Some(RouteIx(1)));
        assert!(matches!(
            t.with_shares(&s, periods, &[0.0, 0.0, 1.0, 0.0, 1.0, 1.0]),
            Err(RouteError::Shares { .. })
        ));
        assert!(matches!(
            t.with_shares(&s, periods, &[1.0; 3]),
            Err(RouteError::ShareCount { got: 3, want: 6 })
        ));
    }

    #[test]
    fn a_flow_without_routes_is_allowed() {
        let s = river();
        let mut p = plan(&s);
        p[1].clear();
        let t = RouteTable::new(&s, &p).unwrap();
        assert_eq!(t.pick(DemandId::new(1), SimTime::ZERO, || 0.5), None);
    }
}
