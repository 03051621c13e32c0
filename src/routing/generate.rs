//! Synthetic networks for benchmarks and scale tests.
//!
//! Real scenarios have tens of hubs; the routing layer must also stay fast when planners
//! model a whole province zone by zone. [`grid_scenario`] builds a deterministic,
//! validated-shape [`Scenario`] of any size from a seed (ChaCha8), so benchmarks are
//! repeatable across machines and runs:
//!
//! - a `width × height` grid of hubs, each joined to its east and south neighbours by a
//!   two-way road link of random length (5–25 km, ~50 km/h, triangular time, 1.5 USD/km);
//! - a rail line along every `rail_spacing`-th row and column, with stations
//!   (rail terminals with a transfer facility) every `rail_spacing` hubs, run by one
//!   service in each direction (headway 12 h, 1 h dwell, rail links at ~60 km/h and
//!   0.4 USD/km);
//! - customs at every hub of the east edge (a "border"), so the customs layer is
//!   exercised;
//! - `demand_flows` random OD flows (distinct ends, 30 000 USD/TEU, VOT 30 USD/TEU-day).

use crate::dist::Dist;
use crate::ids::{CorridorId, HubId, LinkId};
use crate::scenario::{
    Choice, Compare, Corridor, CustomsPolicy, Demand, Facility, Hub, HubKind, Link, Meta, Mode,
    ModeSet, Scenario, Service, SimWindow,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shape of a generated grid network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridSpec {
    /// Hubs per row (≥ 2).
    pub width: usize,
    /// Rows (≥ 2).
    pub height: usize,
    /// Rail lines run along every `rail_spacing`-th row and column, with a station every
    /// `rail_spacing` hubs (≥ 1; a value ≥ width and height gives no rail).
    pub rail_spacing: usize,
    /// Random OD flows.
    pub demand_flows: usize,
    /// Seed of the ChaCha8 stream every random figure comes from.
    pub seed: u64,
}

impl GridSpec {
    /// 320 × 320 = 102 400 hubs, rail every 16 hubs, 16 flows: the large benchmark.
    pub const LARGE: GridSpec = GridSpec {
        width: 320,
        height: 320,
        rail_spacing: 16,
        demand_flows: 16,
        seed: 20_211_102,
    };

    /// Number of hubs.
    #[must_use]
    pub fn hub_count(&self) -> usize {
        self.width * self.height
    }

    /// The hub at column `x`, row `y`.
    pub fn hub(&self, x: usize, y: usize) -> HubId {
        HubId::new(y * self.width + x)
    }
}

/// A grid network as described in the [module docs](self). Same spec, same scenario.
///
/// # Panics
///
/// If `width` or `height` is below 2, or `rail_spacing` is 0.
///
/// # Complexity
///
/// O(width · height).
#[must_use]
pub fn grid_scenario(spec: &GridSpec) -> Scenario {
    assert!(
        spec.width >= 2 && spec.height >= 2,
        "grid must be at least 2 x 2"
    );
    assert!(spec.rail_spacing >= 1, "rail_spacing must be at least 1");
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let (w, h, sp) = (spec.width, spec.height, spec.rail_spacing);
    let road = CorridorId::new(0);
    let rail = CorridorId::new(1);
    let station = |x: usize, y: usize| x.is_multiple_of(sp) && y.is_multiple_of(sp);

    let mut hubs = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let border = x == w - 1;
            let kind = if border {
                HubKind::Border
            } else if station(x, y) {
                HubKind::RailTerminal
            } else {
                HubKind::RoadBase
            };
            hubs.push(Hub {
                id: format!("g{x}-{y}"),
                name: format!("Grid hub {x},{y}"),
                name_zh: None,
                kind,
                lat: 20.0 + y as f64 * 0.01,
                lon: 100.0 + x as f64 * 0.01,
                transfer: station(x, y).then_some(Facility {
                    servers: 4,
                    time_h: Dist::Fixed(3.0),
                    cost_usd_per_teu: 40.0,
                }),
                customs: border.then_some(Facility {
                    servers: 2,
                    time_h: Dist::LogNormal {
                        median: 6.0,
                        p90: 12.0,
                    },
                    cost_usd_per_teu: 30.0,
                }),
                customs_policy: CustomsPolicy::default(),
                transfer_target_h: None,
                departure_rebate_usd_per_teu: 0.0,
                from_candidate: None,
            });
        }
    }

    let mut links = Vec::new();
    let road_link = |rng: &mut ChaCha8Rng, links: &mut Vec<Link>, a: HubId, b: HubId| {
        let km: f64 = rng.random_range(5.0..25.0);
        let t = km / 50.0;
        links.push(Link {
            id: format!("r{}-{}", a.0, b.0),
            from: a,
            to: b,
            mode: Mode::Road,
            distance_km: km,
            time_h: Dist::Triangular {
                min: 0.9 * t,
                mode: t,
                max: 1.4 * t,
            },
            cost_usd_per_teu: 1.5 * km,
            corridor: Some(road),
            two_way: true,
            bottleneck: None,
        });
    };
    for y in 0..h {
        for x in 0..w {
            if x + 1 < w {
                road_link(&mut rng, &mut links, spec.hub(x, y), spec.hub(x + 1, y));
            }
            if y + 1 < h {
                road_link(&mut rng, &mut links, spec.hub(x, y), spec.hub(x, y + 1));
            }
        }
    }

    // Rail lines: a list of station hubs per line, along rows then columns.
    let mut lines: Vec<Vec<HubId>> = Vec::new();
    for y in (0..h).step_by(sp) {
        lines.push((0..w).step_by(sp).map(|x| spec.hub(x, y)).collect());
    }
    for x in (0..w).step_by(sp) {
        lines.push((0..h).step_by(sp).map(|y| spec.hub(x, y)).collect());
    }
    let mut services = Vec::new();
    for (li, stops) in lines.iter().enumerate() {
        if stops.len() < 2 {
            continue;
        }
        let mut legs = Vec::with_capacity(stops.len() - 1);
        for pair in stops.windows(2) {
            let km: f64 = 15.0 * sp as f64 * rng.random_range(0.9..1.1);
            legs.push(LinkId::new(links.len()));
            links.push(Link {
                id: format!("rail{}-{}", pair[0].0, pair[1].0),
                from: pair[0],
                to: pair[1],
                mode: Mode::Rail,
                distance_km: km,
                time_h: Dist::Fixed(km / 60.0 + 0.5),
                cost_usd_per_teu: 0.4 * km,
                corridor: Some(rail),
                two_way: true,
                bottleneck: None,
            });
        }
        for (dir, (stops, legs)) in [
            (stops.clone(), legs.clone()),
            (
                stops.iter().rev().copied().collect(),
                legs.iter().rev().copied().collect(),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            services.push(Service {
                id: format!("line{li}-{dir}"),
                name: format!("Rail line {li} direction {dir}"),
                corridor: Some(rail),
                mode: Mode::Rail,
                stops,
                legs,
                headway_h: 12.0,
                first_departure_h: 0.0,
                capacity_teu: 90,
                fare_usd_per_teu: None,
                dwell_h: Dist::Fixed(1.0),
                scheduled_run_h: None,
            });
        }
    }

    let n = w * h;
    let mut demand = Vec::with_capacity(spec.demand_flows);
    for _ in 0..spec.demand_flows {
        let from = rng.random_range(0..n);
        let mut to = rng.random_range(0..n - 1);
        if to >= from {
            to += 1;
        }
        demand.push(Demand {
            id: format!("{}-{}", hubs[from].id, hubs[to].id),
            from: HubId::new(from),
            to: HubId::new(to),
            teu_per_day: rng.random_range(1.0..5.0),
            value_usd_per_teu: 30_000.0,
            due_days: 10.0,
            modes: ModeSet::ALL,
            vot_usd_per_teu_day: 30.0,
            customs: crate::scenario::CustomsRegime::Export,
            from_candidate: None,
            class: None,
        });
    }

    Scenario {
        meta: Meta {
            name: format!("grid-{w}x{h}"),
            description: Some("generated by corridor_sim::routing::generate".into()),
            window: SimWindow::new(5.0, 30.0).expect("a valid window"),
            replications: 1,
            seed: spec.seed,
            shipment_teu: 1,
        },
        choice: Choice::default(),
        corridors: vec![
            Corridor {
                id: "road".into(),
                name: "Grid roads".into(),
                name_zh: None,
                rate_discount: 0.0,
                choice_constant_usd_per_teu: 0.0,
            },
            Corridor {
                id: "rail".into(),
                name: "Grid rail lines".into(),
                name_zh: None,
                rate_discount: 0.0,
                choice_constant_usd_per_teu: 0.0,
            },
        ],
        hubs,
        links,
        services,
        classes: Vec::new(),
        demand,
        candidates: Vec::new(),
        compare: Compare::default(),
        region: Default::default(),
        disruptions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_deterministic_and_sized() {
        let spec = GridSpec {
            width: 10,
            height: 7,
            rail_spacing: 3,
            demand_flows: 4,
            seed: 1,
        };
        let a = grid_scenario(&spec);
        assert_eq!(a, grid_scenario(&spec));
        assert_eq!(a.hubs.len(), 70);
        // 9·7 east + 10·6 south road links.
        assert_eq!(
            a.links.iter().filter(|l| l.mode == Mode::Road).count(),
            63 + 60
        );
        for s in &a.services {
            assert_eq!(s.legs.len() + 1, s.stops.len());
            for (i, &l) in s.legs.iter().enumerate() {
                let link = a.link(l);
                assert!(
                    (link.from, link.to) == (s.stops[i], s.stops[i + 1])
                        || (link.to, link.from) == (s.stops[i], s.stops[i + 1])
                );
            }
        }
        assert!(a.demand.iter().all(|d| d.from != d.to));
    }
}
