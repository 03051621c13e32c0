//! Whether a demand flow's destination can be reached at all: validation's sense check.
//!
//! A flow can go by road links of the allowed modes and by riding services of the allowed
//! modes from any stop to any later stop. Reachability only needs each stop joined to the
//! next: a hub reached at stop `i` can board there and so reaches stop `i + 1`, and from
//! there every later stop. So the graph has one edge per road link direction and one per
//! consecutive pair of stops, built once per scenario — linear in links and stops — and
//! each flow is one breadth-first search over it, skipping edges of modes the flow does
//! not allow. (Joining every stop to every later stop, and rebuilding that per flow, took
//! 0.9 GB for one service of 20 000 stops.)

use std::collections::VecDeque;

use super::model::{Link, Mode, ModeSet, Service};
use crate::ids::HubId;

/// The hubs' connections by road and service, for reachability questions.
#[derive(Clone, Debug)]
pub struct Reach {
    /// Edges out of hub `h` are `edges[first[h]..first[h + 1]]`.
    first: Vec<usize>,
    /// `(to, mode)` of every edge, grouped by origin hub.
    edges: Vec<(HubId, Mode)>,
    /// `seen[h] == stamp` marks a hub found by the current search.
    seen: Vec<u32>,
    stamp: u32,
    queue: VecDeque<HubId>,
}

impl Reach {
    /// The graph of `hubs` hubs joined by the road links among `links` and the services.
    ///
    /// # Panics
    /// If a link or stop names a hub index of `hubs` or beyond (they are resolved ids).
    #[must_use]
    pub fn new(hubs: usize, links: &[Link], services: &[Service]) -> Reach {
        let mut pairs: Vec<(HubId, HubId, Mode)> = Vec::new();
        for l in links.iter().filter(|l| l.mode == Mode::Road) {
            pairs.push((l.from, l.to, Mode::Road));
            if l.two_way {
                pairs.push((l.to, l.from, Mode::Road));
            }
        }
        for s in services {
            for w in s.stops.windows(2) {
                pairs.push((w[0], w[1], s.mode));
            }
        }
        // Counting sort by origin: stable and linear.
        let mut first = vec![0usize; hubs + 1];
        for &(from, _, _) in &pairs {
            first[from.index() + 1] += 1;
        }
        for h in 0..hubs {
            first[h + 1] += first[h];
        }
        let mut next = first.clone();
        let mut edges = vec![(HubId::new(0), Mode::Road); pairs.len()];
        for (from, to, mode) in pairs {
            edges[next[from.index()]] = (to, mode);
            next[from.index()] += 1;
        }
        Reach {
            first,
            edges,
            seen: vec![0; hubs],
            stamp: 0,
            queue: VecDeque::new(),
        }
    }

    /// Edges in the graph: one per road link direction and one per consecutive pair of
    /// stops.
    #[cfg(test)]
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Whether `to` can be reached from any of `starts` using only `modes`.
    pub fn reaches(&mut self, starts: &[HubId], to: HubId, modes: ModeSet) -> bool {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.queue.clear();
        for &s in starts {
            if self.seen[s.index()] != self.stamp {
                self.seen[s.index()] = self.stamp;
                self.queue.push_back(s);
            }
        }
        while let Some(h) = self.queue.pop_front() {
            if h == to {
                return true;
            }
            for &(next, mode) in &self.edges[self.first[h.index()]..self.first[h.index() + 1]] {
                if modes.contains(mode) && self.seen[next.index()] != self.stamp {
                    self.seen[next.index()] = self.stamp;
                    self.queue.push_back(next);
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::ids::LinkId;

    fn hub(i: usize) -> HubId {
        HubId::new(i)
    }

    fn service(mode: Mode, stops: &[usize]) -> Service {
        Service {
            id: "s".into(),
            name: "s".into(),
            corridor: None,
            mode,
            stops: stops.iter().map(|&i| hub(i)).collect(),
            legs: (1..stops.len()).map(LinkId::new).collect(),
            headway_h: 24.0,
            first_departure_h: 0.0,
            capacity_teu: 1,
            fare_usd_per_teu: None,
            dwell_h: Dist::Fixed(0.0),
            scheduled_run_h: None,
        }
    }

    fn road(from: usize, to: usize, two_way: bool) -> Link {
        Link {
            id: "l".into(),
            from: hub(from),
            to: hub(to),
            mode: Mode::Road,
            distance_km: 1.0,
            time_h: Dist::Fixed(1.0),
            cost_usd_per_teu: 1.0,
            corridor: None,
            two_way,
            bottleneck: None,
        }
    }

    #[test]
    fn a_service_adds_one_edge_per_consecutive_stop_pair() {
        let stops: Vec<usize> = (0..1000).collect();
        let reach = Reach::new(1000, &[], &[service(Mode::Rail, &stops)]);
        assert_eq!(reach.edge_count(), 999);
    }

    #[test]
    fn rides_go_forward_roads_both_ways_and_modes_are_respected() {
        // 0 -rail-> 1 -rail-> 2 ; road 2 <-> 3 ; one-way road 4 -> 0.
        let links = [road(2, 3, true), road(4, 0, false)];
        let mut r = Reach::new(5, &links, &[service(Mode::Rail, &[0, 1, 2])]);
        assert!(r.reaches(&[hub(0)], hub(3), ModeSet::ALL));
        assert!(r.reaches(&[hub(3)], hub(2), ModeSet::ALL));
        assert!(!r.reaches(&[hub(2)], hub(0), ModeSet::ALL));
        assert!(r.reaches(&[hub(4)], hub(3), ModeSet::ALL));
        assert!(!r.reaches(&[hub(0)], hub(4), ModeSet::ALL));
        assert!(!r.reaches(&[hub(0)], hub(3), ModeSet::of(&[Mode::Road])));
        assert!(!r.reaches(&[hub(0)], hub(3), ModeSet::of(&[Mode::Rail])));
        assert!(r.reaches(&[hub(0)], hub(2), ModeSet::of(&[Mode::Rail])));
        // Several starts; and the same answers again (the search state is reused).
        assert!(r.reaches(&[hub(3), hub(1)], hub(2), ModeSet::of(&[Mode::Rail])));
        assert!(r.reaches(&[hub(0)], hub(3), ModeSet::ALL));
    }
}
