//! Records and the per-replication accumulators they feed.
//!
//! The engine changes state in response to events and, whenever something worth counting
//! happens, emits a [`Record`]. [`Accumulators`] is the only consumer: it decides what is
//! counted and keeps the raw observations of *this* replication — e.g. each
//! delivered shipment's transit time — so that [`Accumulators::finish`] can compute exact
//! quantiles before the replication's memory is dropped. Statistics never reach into
//! engine state, and the engine never computes a statistic.
//!
//! What is counted: shipments describe a *cohort*, those created in the observation window
//! `[warmup, horizon)`, each followed to its delivery — after the horizon if need be, during
//! the drain ([`super::model::MAX_DRAIN_DAYS`]) — so a slow corridor counts all its freight,
//! not only what arrived before the horizon. Facilities and services describe the window:
//! their statistics are taken when the horizon is reached ([`Accumulators::close`]), and
//! what they do during the drain is not counted.

use crate::ids::{DemandId, ServiceId};
use crate::stats::{Mean, mean_and_quantiles_above_zeros, quantiles};
use crate::time::{SECS_PER_DAY, SimTime};

use super::daily::DailyCounters;
use super::facility::FacilityStats;
use super::ids::{FacilityId, RouteIx};
use super::model::Model;
use super::result::{
    CorridorRep, FacilityRep, OdRep, ReplicationResult, RouteRep, ServiceRep, TeuBalance,
    TransitMoments, TransitStats, Workload,
};
use super::routes::RouteTable;

/// Something that happened, for the statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record {
    /// A shipment was created at its origin.
    Created {
        /// On this route.
        route: RouteIx,
        /// At this time.
        at: SimTime,
    },
    /// A shipment reached its destination.
    Delivered {
        /// On this route.
        route: RouteIx,
        /// Created then.
        created: SimTime,
        /// Delivered now.
        at: SimTime,
    },
    /// Shipments boarded a vehicle.
    Boarded {
        /// Service.
        service: ServiceId,
        /// How long the shipment waited at the stop, seconds.
        waited_s: u64,
        /// At this time.
        at: SimTime,
    },
    /// Shipments were left behind at a departure for lack of capacity.
    Rolled {
        /// Service.
        service: ServiceId,
        /// TEU left behind.
        teu: u64,
        /// At this time.
        at: SimTime,
    },
    /// A vehicle's trip ended (at its last stop, or cut by the horizon).
    TripEnded {
        /// Service.
        service: ServiceId,
        /// When it left the first stop.
        departed: SimTime,
        /// Distance-weighted load factor of the legs entered.
        load_factor: Option<f64>,
        /// Highest load on leaving any stop, TEU.
        peak_load_teu: u32,
    },
    /// A unit took a server at a facility.
    Started {
        /// The facility.
        facility: FacilityId,
        /// How long it waited in the queue, seconds.
        waited_s: u64,
        /// At this time.
        at: SimTime,
    },
    /// A unit left a facility, its service done.
    Released {
        /// The facility.
        facility: FacilityId,
        /// TEU it carries (0 for a declaration or background traffic).
        teu: u32,
        /// At this time.
        at: SimTime,
    },
    /// A departure did not run because its service was closed.
    Cancelled {
        /// Service.
        service: ServiceId,
        /// When it was due.
        at: SimTime,
    },
}

#[derive(Clone, Debug, Default)]
struct Delivered {
    count: u64,
    on_time: u64,
    cost_sum: f64,
    transit_days: Vec<f64>,
}

impl Delivered {
    /// Empty, keeping the transit times' capacity.
    fn clear(&mut self) {
        self.count = 0;
        self.on_time = 0;
        self.cost_sum = 0.0;
        self.transit_days.clear();
    }

    fn push(&mut self, transit_days: f64, due_days: f64, cost: f64) {
        self.count += 1;
        self.on_time += u64::from(transit_days <= due_days);
        self.cost_sum += cost;
        self.transit_days.push(transit_days);
    }

    fn transit(&mut self) -> Option<TransitStats> {
        if self.transit_days.is_empty() {
            return None;
        }
        let mean = self.transit_days.iter().sum::<f64>() / self.transit_days.len() as f64;
        let q = quantiles(&mut self.transit_days, &[0.5, 0.9, 0.95]);
        Some(TransitStats {
            mean_days: mean,
            p50_days: q[0],
            p90_days: q[1],
            p95_days: q[2],
        })
    }

    fn ratio(&self, x: f64) -> Option<f64> {
        (self.count > 0).then(|| x / self.count as f64)
    }
}

#[derive(Clone, Debug, Default)]
struct ServiceAcc {
    departures: u64,
    cancelled: u64,
    load_factor: Mean,
    teu_carried: u64,
    rolled_teu: u64,
    wait_h: Mean,
    peak_load_teu: u32,
}

/// The statistics of one replication as it runs.
#[derive(Debug)]
pub struct Accumulators<'m> {
    model: &'m Model<'m>,
    routes: &'m RouteTable,
    od_created: Vec<u64>,
    od_teu: Vec<TeuBalance>,
    od_counted_teu: Vec<TeuBalance>,
    od: Vec<Delivered>,
    route_chosen: Vec<u64>,
    /// Transit days of each route's delivered counted shipments, for its own quantiles:
    /// the buffer a shipper on that route plans.
    route_transit: Vec<Vec<f64>>,
    /// Transit moments by choice period (of creation) and route, period-major.
    route_period: Vec<TransitMoments>,
    corridor: Vec<Delivered>,
    services: Vec<ServiceAcc>,
    /// The facilities' statistics, taken at the horizon; `Some` once the window is closed.
    facilities: Option<Vec<FacilityRep>>,
    /// Day-by-day counters, when the model asks for them.
    daily: Option<DailyCounters>,
}

impl<'m> Accumulators<'m> {
    /// Empty accumulators for `model` and `routes`.
    #[must_use]
    pub fn new(model: &'m Model<'m>, routes: &'m RouteTable) -> Accumulators<'m> {
        let s = model.scenario;
        Accumulators {
            model,
            routes,
            od_created: vec![0; s.demand.len()],
            od_teu: vec![TeuBalance::default(); s.demand.len()],
            od_counted_teu: vec![TeuBalance::default(); s.demand.len()],
            od: vec![Delivered::default(); s.demand.len()],
            route_chosen: vec![0; routes.len()],
            route_transit: vec![Vec::new(); routes.len()],
            route_period: vec![TransitMoments::default(); routes.len() * routes.periods().count()],
            corridor: vec![Delivered::default(); s.corridors.len()],
            services: vec![ServiceAcc::default(); s.services.len()],
            facilities: None,
            daily: model.timeseries.then(|| DailyCounters::new(model)),
        }
    }

    /// Empties the accumulators for the next replication, keeping their buffers.
    pub fn clear(&mut self) {
        self.od_created.fill(0);
        self.od_teu.fill(TeuBalance::default());
        self.od_counted_teu.fill(TeuBalance::default());
        self.od.iter_mut().for_each(Delivered::clear);
        self.route_chosen.fill(0);
        self.route_transit.iter_mut().for_each(Vec::clear);
        self.route_period.fill(TransitMoments::default());
        self.corridor.iter_mut().for_each(Delivered::clear);
        self.services.fill(ServiceAcc::default());
        self.facilities = None;
        if let Some(d) = &mut self.daily {
            d.clear();
        }
    }

    /// The day-by-day counters, if the model asks for them (the engine hands them the
    /// end-of-day queues and the disruptions).
    pub fn daily(&mut self) -> Option<&mut DailyCounters> {
        self.daily.as_mut()
    }

    #[inline]
    fn counted(&self, t: SimTime) -> bool {
        self.model.in_window(t)
    }

    /// Closes the observation window at the horizon: takes the facilities' statistics.
    /// Trips still under way must have been recorded (cut by the horizon) before; later
    /// trips and facility activity are not counted.
    pub fn close<'f>(&mut self, facilities: impl Iterator<Item = &'f mut FacilityStats>) {
        let window_h = self.model.window_h();
        let reps = facilities
            .zip(&self.model.facilities)
            .map(|(st, spec)| facility_rep(st, spec.servers, window_h))
            .collect();
        self.facilities = Some(reps);
    }

    /// Whether [`Accumulators::close`] has been called.
    #[must_use]
    pub fn closed(&self) -> bool {
        self.facilities.is_some()
    }

    /// Takes one record into account. Inlined, so that at each call site only the arm of
    /// the record it emits remains.
    #[inline(always)]
    pub fn record(&mut self, rec: Record) {
        let teu = u64::from(self.model.shipment_teu);
        match rec {
            Record::Created { route, at } => {
                let r = self.routes.route(route);
                let d = r.demand.index();
                if let (Some(daily), Some(c)) = (&mut self.daily, r.main_corridor) {
                    daily.departed(c.index(), at);
                }
                self.od_teu[d].created += teu;
                if self.counted(at) {
                    self.od_created[d] += 1;
                    self.od_counted_teu[d].created += teu;
                    self.route_chosen[route.index()] += 1;
                }
            }
            Record::Delivered { route, created, at } => {
                let r = self.routes.route(route);
                let d = r.demand.index();
                if let (Some(daily), Some(c)) = (&mut self.daily, r.main_corridor) {
                    daily.delivered(c.index(), at);
                }
                self.od_teu[d].delivered += teu;
                if self.counted(created) {
                    self.od_counted_teu[d].delivered += teu;
                    let days = at.saturating_sub(created) as f64 / SECS_PER_DAY as f64;
                    let due = self.model.scenario.demand[d].due_days;
                    self.od[d].push(days, due, r.cost_usd_per_teu);
                    self.route_transit[route.index()].push(days);
                    let p = self.routes.periods().of(created);
                    self.route_period[p * self.routes.len() + route.index()].push(days);
                    if let Some(c) = r.main_corridor {
                        self.corridor[c.index()].push(days, due, r.cost_usd_per_teu);
                    }
                }
            }
            Record::Boarded {
                service,
                waited_s,
                at,
            } => {
                if let Some(daily) = &mut self.daily {
                    daily.boarded(service, waited_s, at);
                }
                if self.counted(at) {
                    let acc = &mut self.services[service.index()];
                    acc.teu_carried += teu;
                    acc.wait_h.push(waited_s as f64 / 3600.0);
                }
            }
            Record::Rolled { service, teu, at } => {
                if self.counted(at) {
                    self.services[service.index()].rolled_teu += teu;
                }
            }
            Record::TripEnded {
                service,
                departed,
                load_factor,
                peak_load_teu,
            } => {
                // A trip under way at the horizon was recorded then, cut.
                if self.closed() {
                    return;
                }
                let acc = &mut self.services[service.index()];
                acc.peak_load_teu = acc.peak_load_teu.max(peak_load_teu);
                if departed >= self.model.warmup {
                    acc.departures += 1;
                    if let Some(lf) = load_factor {
                        acc.load_factor.push(lf);
                    }
                }
            }
            Record::Started {
                facility,
                waited_s,
                at,
            } => {
                if let Some(daily) = &mut self.daily {
                    daily.started(facility, waited_s, at);
                }
            }
            Record::Released { facility, teu, at } => {
                if let Some(daily) = &mut self.daily {
                    daily.released(facility, teu, at);
                }
            }
            Record::Cancelled { service, at } => {
                if self.counted(at) {
                    self.services[service.index()].cancelled += 1;
                }
            }
        }
    }

    /// A shipment of `demand` created at `created` is still under way when the replication
    /// ends.
    pub fn in_transit(&mut self, demand: DemandId, created: SimTime) {
        let teu = u64::from(self.model.shipment_teu);
        self.od_teu[demand.index()].in_transit += teu;
        if self.counted(created) {
            self.od_counted_teu[demand.index()].in_transit += teu;
        }
    }

    /// Reduces the replication to its result. The raw observations are reordered (for the
    /// quantiles), not dropped: [`Accumulators::clear`] readies them for the next one.
    ///
    /// # Panics
    /// If the window was not closed ([`Accumulators::close`]).
    #[must_use]
    pub fn finish(&mut self, replication: u32, work: Workload) -> ReplicationResult {
        let teu = u64::from(self.model.shipment_teu.max(1));
        let od = (0..self.od.len())
            .map(|d| {
                let acc = &mut self.od[d];
                OdRep {
                    created: self.od_created[d],
                    delivered: acc.count,
                    in_transit: self.od_counted_teu[d].in_transit / teu,
                    transit: acc.transit(),
                    cost_usd_per_teu_mean: acc.ratio(acc.cost_sum),
                    on_time_share: acc.ratio(acc.on_time as f64),
                    counted_teu: self.od_counted_teu[d],
                    all_teu: self.od_teu[d],
                }
            })
            .collect();
        let routes = self
            .route_chosen
            .iter()
            .zip(&mut self.route_transit)
            .map(|(&chosen, days)| {
                // The mean first, summed in arrival order; the quantiles reorder.
                let mut mean = Mean::default();
                days.iter().for_each(|&d| mean.push(d));
                let (p50, p95) = if days.is_empty() {
                    (None, None)
                } else {
                    let q = quantiles(days, &[0.5, 0.95]);
                    (Some(q[0]), Some(q[1]))
                };
                RouteRep {
                    chosen,
                    delivered: days.len() as u64,
                    transit_days_mean: mean.some(),
                    transit_days_p50: p50,
                    transit_days_p95: p95,
                }
            })
            .collect();
        let corridors = self
            .corridor
            .iter_mut()
            .map(|acc| CorridorRep {
                delivered: acc.count,
                teu: acc.count * teu,
                transit: acc.transit(),
                cost_usd_per_teu_mean: acc.ratio(acc.cost_sum),
                on_time_share: acc.ratio(acc.on_time as f64),
            })
            .collect();
        let facilities = self
            .facilities
            .take()
            .expect("the window is closed before the replication finishes");
        let services = self
            .services
            .iter()
            .map(|acc| ServiceRep {
                departures: acc.departures,
                cancelled: acc.cancelled,
                load_factor_mean: acc.load_factor.some(),
                teu_carried: acc.teu_carried,
                rolled_teu: acc.rolled_teu,
                wait_h_mean: acc.wait_h.some(),
                peak_load_teu: acc.peak_load_teu,
            })
            .collect();
        ReplicationResult {
            replication,
            work,
            od,
            routes,
            route_periods: self.route_period.clone(),
            corridors,
            facilities,
            services,
            daily: self.daily.as_ref().map(|d| d.finish(self.model)),
        }
    }
}

fn facility_rep(st: &mut FacilityStats, servers: u32, window_h: f64) -> FacilityRep {
    let window_s = window_h * 3600.0;
    let waits = mean_and_quantiles_above_zeros(st.zero_waits, &mut st.waits_h, &[0.95]);
    let (wait_h_mean, wait_h_p95) = waits.map(|(mean, q)| (mean, q[0])).unzip();
    FacilityRep {
        arrivals: st.arrivals,
        arrival_rate_per_h: st.arrivals as f64 / window_h,
        teu_handled: st.teu_handled,
        utilisation: st.area_busy as f64 / (f64::from(servers) * window_s),
        mean_in_system: st.area_in_system as f64 / window_s,
        wait_h_mean,
        wait_h_p95,
        sojourn_h_mean: st.sojourn_h.some(),
        max_queue: st.max_queue,
        freight_wait_h_mean: st.freight_wait_h.some(),
        background_wait_h_mean: st.background_wait_h.some(),
    }
}
