//! Disruptions: which happen in a replication, and what is closed or slowed right now.
//!
//! At the start of a replication every disruption draws, from its own stream, whether it
//! happens, its start and its duration, always all three and in that order, so changing a
//! probability does not shift the start and duration it would have had. The engine turns
//! the ones that happen into start and end events; [`Effects`] then answers "is this link,
//! hub or service closed?" and "by how much are its times stretched?". Overlapping
//! disruptions compose: a target is closed while any closure on it is active, and active
//! slowdowns multiply.

use rand::Rng;

use crate::ids::{DisruptionId, HubId, LinkId, ServiceId};
use crate::scenario::{EffectKind, Target};
use crate::time::SimTime;

use super::model::Model;
use super::streams::Streams;

/// One disruption that happens in this replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Which.
    pub disruption: DisruptionId,
    /// Start.
    pub start: SimTime,
    /// End (after `start`).
    pub end: SimTime,
}

/// Draws the disruptions of a replication, in disruption order.
pub fn draw(model: &Model<'_>, streams: &mut Streams, out: &mut Vec<Occurrence>) {
    for (i, d) in model.disruptions.iter().enumerate() {
        let rng = streams.disruption(model, DisruptionId::new(i));
        let u: f64 = rng.random();
        let start_days = d.start_days.sample_h(rng);
        let duration_days = d.duration_days.sample_h(rng);
        let start = SimTime::from_days_f64(start_days);
        let end = start + crate::time::days_to_secs(duration_days);
        if u < d.probability && end > start && start < model.horizon {
            out.push(Occurrence {
                disruption: DisruptionId::new(i),
                start,
                end,
            });
        }
    }
}

/// What is closed or slowed now.
#[derive(Clone, Debug)]
pub struct Effects {
    active: Vec<bool>,
    link_closed: Vec<u32>,
    hub_closed: Vec<u32>,
    service_closed: Vec<u32>,
    link_factor: Vec<f64>,
    hub_factor: Vec<f64>,
    service_factor: Vec<f64>,
}

impl Effects {
    /// Nothing disrupted.
    #[must_use]
    pub fn new(model: &Model<'_>) -> Effects {
        let s = model.scenario;
        Effects {
            active: vec![false; model.disruptions.len()],
            link_closed: vec![0; s.links.len()],
            hub_closed: vec![0; s.hubs.len()],
            service_closed: vec![0; s.services.len()],
            link_factor: vec![1.0; s.links.len()],
            hub_factor: vec![1.0; s.hubs.len()],
            service_factor: vec![1.0; s.services.len()],
        }
    }

    /// Back to nothing disrupted, as [`Effects::new`] leaves it. Only disruptions' targets
    /// can have changed, so only they are reset: cheap on a large network.
    pub fn clear(&mut self, model: &Model<'_>) {
        self.active.fill(false);
        for spec in &model.disruptions {
            match spec.target {
                Target::Link(l) => {
                    self.link_closed[l.index()] = 0;
                    self.link_factor[l.index()] = 1.0;
                }
                Target::Hub(h) => {
                    self.hub_closed[h.index()] = 0;
                    self.hub_factor[h.index()] = 1.0;
                }
                Target::Service(v) => {
                    self.service_closed[v.index()] = 0;
                    self.service_factor[v.index()] = 1.0;
                }
            }
        }
    }

    /// Starts (`on`) or ends disruption `d`. Returns its target and whether the target's
    /// closed/open state changed.
    pub fn toggle(&mut self, model: &Model<'_>, d: DisruptionId, on: bool) -> (Target, bool) {
        let spec = &model.disruptions[d.index()];
        if self.active[d.index()] == on {
            return (spec.target, false);
        }
        self.active[d.index()] = on;
        match spec.effect {
            EffectKind::Capacity => (spec.target, true),
            EffectKind::Closure => {
                let count = match spec.target {
                    Target::Link(l) => &mut self.link_closed[l.index()],
                    Target::Hub(h) => &mut self.hub_closed[h.index()],
                    Target::Service(v) => &mut self.service_closed[v.index()],
                };
                let was = *count > 0;
                *count = if on {
                    *count + 1
                } else {
                    count.saturating_sub(1)
                };
                (spec.target, was != (*count > 0))
            }
            EffectKind::Slowdown => {
                // Recomputed from the active set rather than divided out, so rounding never
                // leaves a factor of 0.999… behind.
                let factor: f64 = model
                    .disruptions_on(spec.target)
                    .filter(|x| self.active[x.index()])
                    .map(|x| &model.disruptions[x.index()])
                    .filter(|x| x.effect == EffectKind::Slowdown)
                    .map(|x| x.time_factor)
                    .product();
                match spec.target {
                    Target::Link(l) => self.link_factor[l.index()] = factor,
                    Target::Hub(h) => self.hub_factor[h.index()] = factor,
                    Target::Service(v) => self.service_factor[v.index()] = factor,
                }
                (spec.target, false)
            }
        }
    }

    /// The fewest servers any active capacity reduction on `target` leaves, if one is
    /// active (overlapping reductions compose to the strictest).
    #[must_use]
    pub fn server_cap(&self, model: &Model<'_>, target: Target) -> Option<u32> {
        model
            .disruptions_on(target)
            .filter(|x| self.active[x.index()])
            .map(|x| &model.disruptions[x.index()])
            .filter(|x| x.effect == EffectKind::Capacity)
            .map(|x| x.servers)
            .min()
    }

    /// Whether the link (and its bottleneck) is closed.
    #[inline]
    #[must_use]
    pub fn link_closed(&self, l: LinkId) -> bool {
        self.link_closed[l.index()] > 0
    }

    /// Whether the hub's facilities are closed.
    #[inline]
    #[must_use]
    pub fn hub_closed(&self, h: HubId) -> bool {
        self.hub_closed[h.index()] > 0
    }

    /// Whether the service runs no departures.
    #[inline]
    #[must_use]
    pub fn service_closed(&self, v: ServiceId) -> bool {
        self.service_closed[v.index()] > 0
    }

    /// Multiplier of the link's travel and bottleneck times.
    #[inline]
    #[must_use]
    pub fn link_factor(&self, l: LinkId) -> f64 {
        self.link_factor[l.index()]
    }

    /// Multiplier of the hub's transfer and customs times.
    #[inline]
    #[must_use]
    pub fn hub_factor(&self, h: HubId) -> f64 {
        self.hub_factor[h.index()]
    }

    /// Multiplier of the service's travel and dwell times.
    #[inline]
    #[must_use]
    pub fn service_factor(&self, v: ServiceId) -> f64 {
        self.service_factor[v.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::scenario::Disruption;

    fn scenario_with(disruptions: Vec<(Target, EffectKind, f64)>) -> crate::scenario::Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/river.toml");
        let mut s = crate::scenario::load(&path).unwrap().scenario;
        s.disruptions = disruptions
            .into_iter()
            .enumerate()
            .map(|(i, (target, effect, time_factor))| Disruption {
                id: format!("d{i}"),
                target,
                probability: 1.0,
                start_days: Dist::Fixed(1.0),
                duration_days: Dist::Fixed(1.0),
                effect,
                time_factor,
                servers: 0,
            })
            .collect();
        s
    }

    #[test]
    fn overlapping_closures_and_slowdowns_compose() {
        let l = LinkId::new(0);
        let s = scenario_with(vec![
            (Target::Link(l), EffectKind::Closure, 1.0),
            (Target::Link(l), EffectKind::Closure, 1.0),
            (Target::Link(l), EffectKind::Slowdown, 2.0),
            (Target::Link(l), EffectKind::Slowdown, 1.5),
        ]);
        let m = Model::new(&s).unwrap();
        let mut e = Effects::new(&m);
        let d = DisruptionId::new;
        assert_eq!(e.toggle(&m, d(0), true), (Target::Link(l), true));
        assert_eq!(e.toggle(&m, d(1), true), (Target::Link(l), false));
        assert_eq!(e.toggle(&m, d(0), false), (Target::Link(l), false));
        assert!(e.link_closed(l));
        assert_eq!(e.toggle(&m, d(1), false), (Target::Link(l), true));
        assert!(!e.link_closed(l));
        e.toggle(&m, d(2), true);
        e.toggle(&m, d(3), true);
        assert!((e.link_factor(l) - 3.0).abs() < 1e-12);
        e.toggle(&m, d(2), false);
        assert!((e.link_factor(l) - 1.5).abs() < 1e-12);
        e.toggle(&m, d(3), false);
        assert_eq!(e.link_factor(l), 1.0);
    }

    #[test]
    fn draws_are_per_disruption_and_reproducible() {
        let s = scenario_with(vec![(Target::Hub(HubId::new(0)), EffectKind::Closure, 1.0)]);
        let m = Model::new(&s).unwrap();
        let mut out = Vec::new();
        draw(&m, &mut Streams::new(&m, 0), &mut out);
        assert_eq!(
            out,
            vec![Occurrence {
                disruption: DisruptionId::new(0),
                start: SimTime::from_days_f64(1.0),
                end: SimTime::from_days_f64(2.0),
            }]
        );
    }
}
