//! A multi-server queue: hub transfer and customs, link bottlenecks.
//!
//! First come, first served; or, at a bottleneck with freight priority, two classes: the
//! modelled freight (vehicles, trucks) is started before any background unit, first come,
//! first served within each class, and nobody in service is interrupted (non-preemptive).
//! Each class has its own queue, so choosing who goes next is two `pop_front`s at most.
//!
//! The facility only keeps queue discipline and its own time-weighted statistics; it does
//! not sample or schedule. The engine asks it to admit units ([`Facility::arrive`], which
//! hands back a unit that finds a server free) and to release servers
//! ([`Facility::complete`]), and starts the service of every unit that `arrive` or
//! [`Facility::try_start`] hands back. That split keeps the random draws (which belong to
//! the engine's streams) and the queue logic (testable on its own) apart.
//!
//! Closing a facility (a disruption) lets units in service finish but starts no one new:
//! the queue builds and drains once [`Facility::set_closed`] reopens it.
//!
//! Statistics cover the observation window `[window_start, ∞)`: the time integrals of the
//! number in system and of busy servers (exact, integer unit-seconds), the waits in queue
//! of units that *arrived* in the window (for the mean and the exact per-replication
//! quantiles), their times in system (for Little's law), and the longest queue; the mean
//! waits of freight and of background units apart.
//!
//! A bottleneck may start a replication with background units already there
//! ([`Facility::stand`], a stationary start): they arrived before the simulation began, so
//! they are never counted as arrivals, waits or times in system, whatever the window.

use std::collections::VecDeque;

use crate::stats::Mean;
use crate::time::SimTime;

use super::ids::{ShipmentId, VehicleId};

/// What moves over a link: a service vehicle with everything aboard, or a truck carrying
/// one shipment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Traveller {
    /// A service vehicle.
    Vehicle(VehicleId),
    /// The truck of a shipment's drive.
    Truck(ShipmentId),
}

/// What occupies a server. Hub facilities (transfer, customs) serve shipments and
/// declarations; bottlenecks serve travellers and background traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A shipment at a hub facility.
    Shipment(ShipmentId),
    /// A vehicle or truck at a link's bottleneck.
    Traveller(Traveller),
    /// A shipment's advance customs declaration, processed while the shipment travels.
    Declaration(ShipmentId),
    /// Other traffic at a bottleneck, not modelled beyond the server time it takes: its
    /// unscaled service time in seconds, drawn on arrival from the background stream so
    /// that background draws never interleave with the vehicles' draws.
    Background(u32),
    /// A background unit standing at the bottleneck when the replication began (in
    /// service or waiting): its unscaled service time in seconds. Never counted.
    Standing(u32),
}

impl Unit {
    /// Background traffic, standing or arriving: the class served last under freight
    /// priority.
    #[inline]
    #[must_use]
    pub fn is_background(self) -> bool {
        matches!(self, Unit::Background(_) | Unit::Standing(_))
    }
}

/// A unit in the queue or in service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit {
    /// Who.
    pub unit: Unit,
    /// When it joined the facility.
    pub arrived: SimTime,
    /// TEU it carries (0 for background traffic).
    pub teu: u32,
}

/// Statistics of one facility over the observation window.
#[derive(Clone, Debug, Default)]
pub struct FacilityStats {
    /// Units that arrived in the window.
    pub arrivals: u64,
    /// TEU of units that started service in the window.
    pub teu_handled: u64,
    /// ∫ (units in queue + in service) dt over the window, unit-seconds. A `u64` holds it:
    /// over the longest horizon (100 years, 3.2e9 s) it would take an average of 5.8e9
    /// units in the system to overflow, more than memory can hold.
    pub area_in_system: u64,
    /// ∫ busy servers dt over the window, server-seconds (busy servers hold units, so the
    /// same bound applies).
    pub area_busy: u64,
    /// Waits in queue of units that arrived in the window and waited at all, hours (exact
    /// quantiles later).
    pub waits_h: Vec<f64>,
    /// Units that arrived in the window and started service at once: their waits of 0 are
    /// counted rather than stored, as at a hub with servers to spare they are nearly all.
    pub zero_waits: u64,
    /// Times in system of units that arrived in the window and have left, hours.
    pub sojourn_h: Mean,
    /// Longest queue (units waiting, not in service) seen in the window.
    pub max_queue: u64,
    /// Waits in queue (zeros included) of the non-background units — shipments,
    /// declarations, vehicles, trucks — that arrived in the window, hours.
    pub freight_wait_h: Mean,
    /// Waits in queue (zeros included) of the background units that arrived in the
    /// window, hours.
    pub background_wait_h: Mean,
}

/// A multi-server queue with statistics.
#[derive(Clone, Debug)]
pub struct Facility {
    servers: u32,
    busy: u32,
    closed: bool,
    /// Background units wait in `background` rather than `queue`, behind all freight.
    freight_first: bool,
    /// Everyone waiting, in arrival order; only the freight when `freight_first`.
    queue: VecDeque<Visit>,
    /// Background units waiting, in arrival order (empty unless `freight_first`).
    background: VecDeque<Visit>,
    window_start: SimTime,
    /// Time of the last change of `busy` or the queue.
    last: SimTime,
    stats: FacilityStats,
}

impl Facility {
    /// An idle, open facility with `servers` servers (at least 1) whose statistics start
    /// at `window_start`; with `freight_first`, background units are served after every
    /// other unit waiting.
    #[must_use]
    pub fn new(servers: u32, window_start: SimTime, freight_first: bool) -> Facility {
        Facility {
            servers: servers.max(1),
            busy: 0,
            closed: false,
            freight_first,
            queue: VecDeque::new(),
            background: VecDeque::new(),
            window_start,
            last: SimTime::ZERO,
            stats: FacilityStats::default(),
        }
    }

    /// Returns to the state of [`Facility::new`], keeping the queue's and the waits'
    /// capacity for the next replication.
    pub fn reset(&mut self, servers: u32, window_start: SimTime) {
        let mut queue = std::mem::take(&mut self.queue);
        let mut background = std::mem::take(&mut self.background);
        let mut waits_h = std::mem::take(&mut self.stats.waits_h);
        queue.clear();
        background.clear();
        waits_h.clear();
        *self = Facility {
            queue,
            background,
            stats: FacilityStats {
                waits_h,
                ..FacilityStats::default()
            },
            ..Facility::new(servers, window_start, self.freight_first)
        };
    }

    /// Units waiting, both classes.
    #[inline]
    fn waiting_len(&self) -> usize {
        self.queue.len() + self.background.len()
    }

    /// The queue `unit` waits in.
    #[inline]
    fn line_of(&mut self, unit: Unit) -> &mut VecDeque<Visit> {
        if self.freight_first && unit.is_background() {
            &mut self.background
        } else {
            &mut self.queue
        }
    }

    /// Whether the facility counts `visit` in its statistics: it arrived in the window
    /// and was not standing there when the replication began.
    #[inline]
    fn counts(&self, visit: &Visit) -> bool {
        visit.arrived >= self.window_start && !matches!(visit.unit, Unit::Standing(_))
    }

    /// Brings the time integrals up to `now`, before a state change.
    fn advance(&mut self, now: SimTime) {
        let from = self.last.max(self.window_start);
        if now > from {
            let dt = now.saturating_sub(from);
            let busy = u64::from(self.busy);
            self.stats.area_in_system += (self.waiting_len() as u64 + busy) * dt;
            self.stats.area_busy += busy * dt;
        }
        if self.last < self.window_start && now >= self.window_start {
            // The queue standing at the window's start counts towards its maximum.
            self.stats.max_queue = self.stats.max_queue.max(self.waiting_len() as u64);
        }
        self.last = now;
    }

    /// A unit arrives at `now`. If the facility is open with a server free and no one
    /// waiting, the unit starts service at once and is handed back: the caller samples its
    /// service time and schedules [`Facility::complete`]. Otherwise it joins the back of
    /// the queue (`None`), never counted as waiting when it is not. (Under freight
    /// priority a server is never free while anyone waits, so the rule is the same.)
    pub fn arrive(&mut self, visit: Visit, now: SimTime) -> Option<Visit> {
        self.advance(now);
        if self.counts(&visit) {
            self.stats.arrivals += 1;
        }
        if self.waiting_len() == 0 && self.server_free() {
            return Some(self.start(visit, now));
        }
        self.line_of(visit.unit).push_back(visit);
        if now >= self.window_start {
            self.stats.max_queue = self.stats.max_queue.max(self.waiting_len() as u64);
        }
        None
    }

    /// Places a background unit that was at the facility when the replication began
    /// (`unit` is a [`Unit::Standing`]), at time 0 before any event: on a free server
    /// (handed back, for the caller to schedule its completion, as [`Facility::arrive`]
    /// does) or at the back of the queue. Never counted in the statistics.
    pub fn stand(&mut self, unit: Unit, now: SimTime) -> Option<Visit> {
        debug_assert!(
            matches!(unit, Unit::Standing(_)),
            "only standing units stand"
        );
        let visit = Visit {
            unit,
            arrived: now,
            teu: 0,
        };
        self.arrive(visit, now)
    }

    /// If a server is free, the facility is open and someone waits, starts the first in
    /// line and returns it, like [`Facility::arrive`]. Call until it returns `None` after
    /// [`Facility::complete`], [`Facility::set_servers`] and reopening.
    pub fn try_start(&mut self, now: SimTime) -> Option<Visit> {
        if !self.server_free() {
            return None;
        }
        self.advance(now);
        let visit = match self.queue.pop_front() {
            Some(v) => v,
            None => self.background.pop_front()?,
        };
        Some(self.start(visit, now))
    }

    fn server_free(&self) -> bool {
        !self.closed && self.busy < self.servers
    }

    /// `visit` takes a free server at `now` (time integrals already brought up to `now`).
    fn start(&mut self, visit: Visit, now: SimTime) -> Visit {
        self.busy += 1;
        if self.counts(&visit) {
            let wait_s = now.saturating_sub(visit.arrived);
            match wait_s {
                0 => self.stats.zero_waits += 1,
                _ => self.stats.waits_h.push(wait_s as f64 / 3600.0),
            }
            let class = if visit.unit.is_background() {
                &mut self.stats.background_wait_h
            } else {
                &mut self.stats.freight_wait_h
            };
            class.push(wait_s as f64 / 3600.0);
        }
        if now >= self.window_start {
            self.stats.teu_handled += u64::from(visit.teu);
        }
        visit
    }

    /// `unit`, which arrived at `arrived`, finishes service at `now`, freeing its server.
    /// Call [`Facility::try_start`] next.
    pub fn complete(&mut self, unit: Unit, arrived: SimTime, now: SimTime) {
        self.advance(now);
        debug_assert!(self.busy > 0, "completion at an idle facility");
        self.busy = self.busy.saturating_sub(1);
        let visit = Visit {
            unit,
            arrived,
            teu: 0,
        };
        if self.counts(&visit) {
            self.stats
                .sojourn_h
                .push(now.saturating_sub(arrived) as f64 / 3600.0);
        }
    }

    /// Sets the number of servers at `now` (at least 1), e.g. for a capacity reduction and
    /// its end. Units in service finish; no more than `servers` start until enough have.
    /// Call [`Facility::try_start`] next.
    pub fn set_servers(&mut self, servers: u32, now: SimTime) {
        self.advance(now);
        self.servers = servers.max(1);
    }

    /// Opens or closes the facility at `now`. After reopening call [`Facility::try_start`].
    pub fn set_closed(&mut self, closed: bool, now: SimTime) {
        self.advance(now);
        self.closed = closed;
    }

    /// Units waiting (not in service).
    #[must_use]
    pub fn queue_len(&self) -> usize {
        self.waiting_len()
    }

    /// Busy servers.
    #[must_use]
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Number of servers.
    #[must_use]
    pub fn servers(&self) -> u32 {
        self.servers
    }

    /// Units waiting, in the order they will be served while no one else arrives (for
    /// end-of-horizon accounting).
    pub fn waiting(&self) -> impl Iterator<Item = &Visit> {
        self.queue.iter().chain(&self.background)
    }

    /// Closes the books at `horizon` and hands over the statistics (for the exact
    /// quantiles, which reorder the waits; [`Facility::reset`] follows).
    pub fn finish(&mut self, horizon: SimTime) -> &mut FacilityStats {
        self.advance(horizon);
        &mut self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u64) -> SimTime {
        SimTime::from_secs(h * 3600)
    }

    fn visit(arrived: SimTime) -> Visit {
        Visit {
            unit: Unit::Background(3600),
            arrived,
            teu: 1,
        }
    }

    #[test]
    fn fifo_with_two_servers() {
        let mut f = Facility::new(2, SimTime::ZERO, false);
        for i in 0..3 {
            let started = f.arrive(visit(t(0)), t(0));
            assert_eq!(started.is_some(), i < 2);
            assert!(f.try_start(t(0)).is_none());
        }
        assert_eq!((f.busy(), f.queue_len()), (2, 1));
        f.complete(Unit::Background(3600), t(0), t(2));
        assert!(f.try_start(t(2)).is_some());
        assert!(f.try_start(t(2)).is_none());
        let s = f.finish(t(4));
        // Third unit waited 2 h; in system: 3 units for 2 h, then 2 units for 2 h.
        assert_eq!((s.zero_waits, &s.waits_h[..]), (2, &[2.0][..]));
        assert_eq!(s.area_in_system, (3 * 2 + 2 * 2) * 3600);
        assert_eq!(s.area_busy, (2 * 4) * 3600);
        assert_eq!(s.max_queue, 1);
        assert_eq!(s.sojourn_h.count(), 1);
    }

    #[test]
    fn a_unit_served_at_once_never_counts_as_waiting() {
        let mut f = Facility::new(1, SimTime::ZERO, false);
        for h in 0..3 {
            assert!(f.arrive(visit(t(2 * h)), t(2 * h)).is_some());
            f.complete(Unit::Background(3600), t(2 * h), t(2 * h + 1));
            assert!(f.try_start(t(2 * h + 1)).is_none());
        }
        let s = f.finish(t(6));
        assert_eq!((s.arrivals, s.max_queue), (3, 0));
        assert_eq!((s.zero_waits, s.waits_h.len()), (3, 0));
        assert_eq!(s.area_in_system, 3 * 3600);
    }

    #[test]
    fn closed_facility_holds_until_reopened() {
        let mut f = Facility::new(1, SimTime::ZERO, false);
        f.set_closed(true, t(0));
        for _ in 0..3 {
            assert!(f.arrive(visit(t(0)), t(0)).is_none());
            assert!(f.try_start(t(0)).is_none());
        }
        f.set_closed(false, t(5));
        assert!(f.try_start(t(5)).is_some());
        assert!(f.try_start(t(5)).is_none());
        assert_eq!(f.queue_len(), 2);
        assert_eq!(f.finish(t(5)).max_queue, 3);
    }

    fn freight(arrived: SimTime, id: usize) -> Visit {
        Visit {
            unit: Unit::Shipment(ShipmentId::new(id)),
            arrived,
            teu: 1,
        }
    }

    #[test]
    fn freight_first_overtakes_background_but_never_interrupts_it() {
        let mut f = Facility::new(1, SimTime::ZERO, true);
        // A background unit takes the server; two more background units, then two freight
        // units, wait.
        assert!(f.arrive(visit(t(0)), t(0)).is_some());
        assert!(f.arrive(visit(t(1)), t(1)).is_none());
        assert!(f.arrive(visit(t(2)), t(2)).is_none());
        assert!(f.arrive(freight(t(3), 7), t(3)).is_none());
        assert!(f.arrive(freight(t(4), 8), t(4)).is_none());
        assert_eq!((f.busy(), f.queue_len()), (1, 4));
        // The background unit in service finishes (non-preemptive); the freight goes
        // first, in arrival order, then the background in arrival order.
        let mut order = Vec::new();
        for h in 5..9 {
            f.complete(Unit::Background(3600), t(h - 1), t(h));
            let next = f.try_start(t(h)).expect("someone waits");
            order.push((next.unit, next.arrived));
        }
        let shipment = |i| Unit::Shipment(ShipmentId::new(i));
        let want = [
            (shipment(7), t(3)),
            (shipment(8), t(4)),
            (Unit::Background(3600), t(1)),
            (Unit::Background(3600), t(2)),
        ];
        assert_eq!(order, want);
        let s = f.finish(t(9));
        // Freight waited 5 − 3 = 2 h and 6 − 4 = 2 h; background 7 − 1 = 6 h and
        // 8 − 2 = 6 h, and the first 0 h.
        assert_eq!(s.freight_wait_h.some(), Some(2.0));
        assert_eq!(s.background_wait_h.some(), Some(4.0));
    }

    #[test]
    fn without_priority_the_same_arrivals_are_served_in_order() {
        let mut f = Facility::new(1, SimTime::ZERO, false);
        assert!(f.arrive(visit(t(0)), t(0)).is_some());
        assert!(f.arrive(visit(t(1)), t(1)).is_none());
        assert!(f.arrive(freight(t(2), 7), t(2)).is_none());
        f.complete(Unit::Background(3600), t(0), t(3));
        assert_eq!(f.try_start(t(3)).map(|v| v.arrived), Some(t(1)));
    }

    #[test]
    fn standing_units_occupy_servers_but_are_never_counted() {
        let mut f = Facility::new(1, SimTime::ZERO, true);
        assert!(f.stand(Unit::Standing(7200), SimTime::ZERO).is_some());
        assert!(f.stand(Unit::Standing(3600), SimTime::ZERO).is_none());
        assert_eq!((f.busy(), f.queue_len()), (1, 1));
        f.complete(Unit::Standing(7200), SimTime::ZERO, t(2));
        assert!(f.try_start(t(2)).is_some());
        f.complete(Unit::Standing(3600), SimTime::ZERO, t(3));
        let s = f.finish(t(4));
        assert_eq!((s.arrivals, s.zero_waits, s.waits_h.len()), (0, 0, 0));
        assert_eq!(s.sojourn_h.count(), 0);
        assert_eq!(s.background_wait_h.count(), 0);
        // They were there all the same: 2 units for 2 h, then 1 for 1 h.
        assert_eq!(s.area_in_system, (2 * 2 + 1) * 3600);
        assert_eq!(s.max_queue, 1);
    }

    #[test]
    fn statistics_ignore_the_warm_up() {
        let mut f = Facility::new(1, t(10), false);
        assert!(f.arrive(visit(t(0)), t(0)).is_some());
        assert!(f.arrive(visit(t(1)), t(1)).is_none());
        f.complete(Unit::Background(3600), t(0), t(12));
        assert!(f.try_start(t(12)).is_some());
        let s = f.finish(t(20));
        // Both arrived before the window: no waits, no arrivals; integrals from t = 10 on.
        assert_eq!(s.arrivals, 0);
        assert!(s.waits_h.is_empty() && s.zero_waits == 0);
        assert_eq!(s.area_in_system, (2 * 2 + 8) * 3600);
        assert_eq!(s.max_queue, 1);
        assert_eq!(s.teu_handled, 1);
    }
}
