//! Unit tests of the routing graph semantics on tiny hand-built networks.

use super::*;
use crate::dist::Dist;
use crate::ids::{CorridorId, HubId, LinkId, ServiceId};
use crate::scenario::{
    Bottleneck, BottleneckPriority, Choice, ChoiceModel, Compare, Corridor, CustomsRegime,
    Facility, Hub, HubKind, Link, Meta, Mode, ModeSet, QueueStart, Scenario, Service, SimWindow,
};

/// A tiny scenario builder: hubs by name, fixed times, VOT 24 USD/TEU-day (1 USD per hour,
/// so GC = money + hours).
struct Net(Scenario);

const VOT: f64 = 24.0;

fn facility(time_h: f64, cost: f64) -> Facility {
    Facility {
        servers: 1,
        time_h: Dist::Fixed(time_h),
        cost_usd_per_teu: cost,
    }
}

impl Net {
    fn new() -> Self {
        Net(Scenario {
            meta: Meta {
                name: "unit".into(),
                description: None,
                window: SimWindow::new(0.0, 10.0).expect("a valid window"),
                replications: 1,
                seed: 1,
                shipment_teu: 1,
            },
            choice: Choice::default(),
            corridors: vec![Corridor {
                id: "c".into(),
                name: "C".into(),
                name_zh: None,
                rate_discount: 0.0,
                choice_constant_usd_per_teu: 0.0,
            }],
            hubs: Vec::new(),
            links: Vec::new(),
            services: Vec::new(),
            classes: Vec::new(),
            demand: Vec::new(),
            candidates: Vec::new(),
            compare: Compare::default(),
            region: Default::default(),
            disruptions: Vec::new(),
        })
    }

    fn hub(&mut self, id: &str, transfer: Option<Facility>, customs: Option<Facility>) -> HubId {
        self.0.hubs.push(Hub {
            id: id.into(),
            name: id.into(),
            name_zh: None,
            kind: HubKind::RoadBase,
            lat: 0.0,
            lon: 0.0,
            transfer,
            customs,
            customs_policy: Default::default(),
            transfer_target_h: None,
            departure_rebate_usd_per_teu: 0.0,
            from_candidate: None,
        });
        HubId::new(self.0.hubs.len() - 1)
    }

    fn link(&mut self, a: HubId, b: HubId, mode: Mode, km: f64, time_h: f64, cost: f64) -> LinkId {
        self.0.links.push(Link {
            id: format!("l{}", self.0.links.len()),
            from: a,
            to: b,
            mode,
            distance_km: km,
            time_h: Dist::Fixed(time_h),
            cost_usd_per_teu: cost,
            corridor: Some(CorridorId::new(0)),
            two_way: true,
            bottleneck: None,
        });
        LinkId::new(self.0.links.len() - 1)
    }

    fn service(
        &mut self,
        mode: Mode,
        stops: &[HubId],
        legs: &[LinkId],
        headway_h: f64,
        fare: Option<f64>,
        dwell_h: f64,
    ) -> ServiceId {
        self.0.services.push(Service {
            id: format!("s{}", self.0.services.len()),
            name: "s".into(),
            corridor: None,
            mode,
            stops: stops.to_vec(),
            legs: legs.to_vec(),
            headway_h,
            first_departure_h: 0.0,
            capacity_teu: 10,
            fare_usd_per_teu: fare,
            dwell_h: Dist::Fixed(dwell_h),
            scheduled_run_h: None,
        });
        ServiceId::new(self.0.services.len() - 1)
    }

    /// The k best candidates (before the choice-set rules) of all modes.
    fn candidates(&self, from: HubId, to: HubId, k: usize) -> Vec<Route> {
        let g = RoutingGraph::build(&self.0);
        let q = RouteQuery {
            k,
            ..RouteQuery::new(&self.0.choice, from, to, ModeSet::ALL, VOT)
        };
        g.k_best_candidates(&mut QueryWorkspace::new(&g), &q)
    }

    fn routes(&self, from: HubId, to: HubId, modes: ModeSet, k: usize) -> Vec<Route> {
        let g = RoutingGraph::build(&self.0);
        k_best_routes(&g, from, to, modes, VOT, k, 0.0)
    }

    /// The best route of a flow that makes the `customs` declaration.
    fn route_declaring(&self, from: HubId, to: HubId, customs: CustomsRegime) -> Route {
        let g = RoutingGraph::build(&self.0);
        let q = RouteQuery {
            k: 1,
            customs,
            ..RouteQuery::new(&self.0.choice, from, to, ModeSet::ALL, VOT)
        };
        g.k_best_routes(&mut QueryWorkspace::new(&g), &q)
            .into_iter()
            .next()
            .expect("a route")
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

#[test]
fn logit_shares_forms() {
    assert!(logit_shares(&[], 4.0).is_empty());
    assert_eq!(logit_shares(&[5.0], 4.0), vec![1.0]);
    assert_eq!(
        logit_shares(&[2.0, 1.0, 1.0], f64::INFINITY),
        vec![0.0, 1.0, 0.0]
    );
    assert_eq!(logit_shares(&[0.0, 0.0, 3.0], 4.0), vec![0.5, 0.5, 0.0]);
    let s = logit_shares(&[100.0, 110.0, 150.0], 4.0);
    assert!(close(s.iter().sum(), 1.0));
    // A route 10% dearer keeps exp(−0.4) ≈ 0.67 of the best one's weight (choice_facts §5c).
    assert!(close(s[1] / s[0], (-0.4f64).exp()));
    assert!(close(s[2] / s[0], (-2.0f64).exp()));
}

#[test]
fn customs_at_origin_comes_first() {
    let mut n = Net::new();
    let a = n.hub("a", None, Some(facility(5.0, 30.0)));
    let b = n.hub("b", None, None);
    let l = n.link(a, b, Mode::Road, 10.0, 2.0, 100.0);
    let r = &n.routes(a, b, ModeSet::ALL, 1)[0];
    assert_eq!(
        r.legs,
        vec![
            Leg::Customs { hub: a },
            Leg::Drive {
                link: l,
                from: a,
                to: b
            }
        ]
    );
    assert!(close(r.time_h, 7.0) && close(r.cost_usd_per_teu, 130.0));
    assert!(close(r.generalized_cost_usd_per_teu, 137.0));
    assert_eq!(r.share, 1.0);
}

#[test]
fn customs_when_a_truck_passes_through_and_only_once() {
    let mut n = Net::new();
    let a = n.hub("a", Some(facility(9.0, 99.0)), None);
    let b = n.hub("b", Some(facility(9.0, 99.0)), Some(facility(4.0, 20.0)));
    let c = n.hub("c", None, Some(facility(6.0, 50.0)));
    let d = n.hub("d", None, None);
    let ab = n.link(a, b, Mode::Road, 10.0, 1.0, 10.0);
    let bc = n.link(b, c, Mode::Road, 10.0, 1.0, 10.0);
    let cd = n.link(c, d, Mode::Road, 10.0, 1.0, 10.0);
    let r = &n.routes(a, d, ModeSet::ALL, 1)[0];
    // Cleared at b (the first customs hub), not again at c; one truck, so no transfers.
    assert_eq!(
        r.legs,
        vec![
            Leg::Drive {
                link: ab,
                from: a,
                to: b
            },
            Leg::Customs { hub: b },
            Leg::Drive {
                link: bc,
                from: b,
                to: c
            },
            Leg::Drive {
                link: cd,
                from: c,
                to: d
            },
        ]
    );
    assert_eq!(r.hubs, vec![a, b, c, d]);
    assert!(close(r.time_h, 7.0) && close(r.cost_usd_per_teu, 50.0));
}

#[test]
fn customs_at_destination_when_none_before() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, Some(facility(4.0, 20.0)));
    n.link(a, b, Mode::Road, 10.0, 1.0, 10.0);
    let r = &n.routes(a, b, ModeSet::ALL, 1)[0];
    assert_eq!(r.legs.last(), Some(&Leg::Customs { hub: b }));
    assert!(close(r.time_h, 5.0));
}

#[test]
fn transfers_between_vehicles_not_at_ends() {
    // a -truck-> b =rail(s)=> c -truck-> d ; the service also starts at a.
    let mut n = Net::new();
    let a = n.hub("a", Some(facility(100.0, 1000.0)), None);
    let b = n.hub("b", Some(facility(3.0, 40.0)), None);
    let c = n.hub("c", Some(facility(5.0, 60.0)), None);
    let d = n.hub("d", Some(facility(100.0, 1000.0)), None);
    let ab = n.link(a, b, Mode::Road, 10.0, 2.0, 20.0);
    let bc = n.link(b, c, Mode::Rail, 500.0, 10.0, 200.0);
    let cd = n.link(c, d, Mode::Road, 10.0, 2.0, 20.0);
    let s = n.service(Mode::Rail, &[b, c], &[bc], 24.0, None, 0.0);
    let r = &n.routes(a, d, ModeSet::of(&[Mode::Road, Mode::Rail]), 1)[0];
    assert_eq!(
        r.legs,
        vec![
            Leg::Drive {
                link: ab,
                from: a,
                to: b
            },
            Leg::Transfer { hub: b },
            Leg::Ride {
                service: s,
                board: 0,
                alight: 1
            },
            Leg::Transfer { hub: c },
            Leg::Drive {
                link: cd,
                from: c,
                to: d
            },
        ]
    );
    // 2 + 3 + 12 (half of 24) + 10 + 5 + 2 hours; 20 + 40 + 200 + 60 + 20 USD.
    assert!(close(r.time_h, 34.0), "{}", r.time_h);
    assert!(close(r.cost_usd_per_teu, 340.0));
    // Variance: headway wait 24²/12 = 48 h².
    assert!(close(r.sd_time_h, 48f64.sqrt()));
    // Board at the origin and alight at the destination: no transfer at either end.
    let r = &n.routes(b, c, ModeSet::ALL, 1)[0];
    assert_eq!(
        r.legs,
        vec![Leg::Ride {
            service: s,
            board: 0,
            alight: 1
        }]
    );
}

#[test]
fn modes_restrict_routes() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    n.link(a, b, Mode::Road, 10.0, 50.0, 500.0);
    let ab_rail = n.link(a, b, Mode::Rail, 10.0, 1.0, 1.0);
    let s = n.service(Mode::Rail, &[a, b], &[ab_rail], 2.0, None, 0.0);
    let all = n.routes(a, b, ModeSet::ALL, 1);
    assert!(matches!(all[0].legs[0], Leg::Ride { service, .. } if service == s));
    let road = n.routes(a, b, ModeSet::of(&[Mode::Road]), 3);
    assert_eq!(road.len(), 1);
    assert!(matches!(road[0].legs[0], Leg::Drive { .. }));
    // Rail links are never driven, and a rail-only demand cannot truck.
    let rail = n.routes(a, b, ModeSet::of(&[Mode::Rail]), 3);
    assert_eq!(rail.len(), 1);
    assert!(n.routes(a, b, ModeSet::of(&[Mode::Sea]), 3).is_empty());
}

#[test]
fn fare_is_prorated_and_dwell_counted_at_intermediate_stops() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let c = n.hub("c", None, None);
    let ab = n.link(a, b, Mode::Rail, 100.0, 4.0, 7.0);
    let bc = n.link(b, c, Mode::Rail, 300.0, 6.0, 9.0);
    let s = n.service(Mode::Rail, &[a, b, c], &[ab, bc], 10.0, Some(1000.0), 2.0);
    let r = &n.routes(a, b, ModeSet::ALL, 1)[0];
    assert!(close(r.cost_usd_per_teu, 250.0));
    assert!(close(r.time_h, 5.0 + 4.0));
    let r = &n.routes(a, c, ModeSet::ALL, 1)[0];
    assert_eq!(
        r.legs,
        vec![Leg::Ride {
            service: s,
            board: 0,
            alight: 2
        }]
    );
    assert_eq!(r.hubs, vec![a, b, c]);
    assert!(close(r.cost_usd_per_teu, 1000.0));
    // wait 5 + 4 + dwell 2 at b + 6.
    assert!(close(r.time_h, 17.0));
    // Boarding at b: no dwell there, 750 of the fare.
    let r = &n.routes(b, c, ModeSet::ALL, 1)[0];
    assert!(close(r.time_h, 11.0) && close(r.cost_usd_per_teu, 750.0));
}

#[test]
fn link_costs_charged_without_fare() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let c = n.hub("c", None, None);
    let ab = n.link(a, b, Mode::River, 100.0, 4.0, 7.0);
    let bc = n.link(b, c, Mode::River, 300.0, 6.0, 9.0);
    n.service(Mode::River, &[a, b, c], &[ab, bc], 10.0, None, 0.0);
    assert!(close(
        n.routes(a, c, ModeSet::ALL, 1)[0].cost_usd_per_teu,
        16.0
    ));
}

#[test]
fn a_flow_that_declares_nothing_never_stops_for_customs() {
    let mut n = Net::new();
    let a = n.hub("a", None, Some(facility(5.0, 30.0)));
    let b = n.hub("b", None, Some(facility(4.0, 20.0)));
    let c = n.hub("c", None, None);
    let ab = n.link(a, b, Mode::Road, 10.0, 1.0, 10.0);
    let bc = n.link(b, c, Mode::Road, 10.0, 1.0, 10.0);
    let export = n.route_declaring(a, c, CustomsRegime::Export);
    assert_eq!(export.legs.first(), Some(&Leg::Customs { hub: a }));
    assert!(close(export.time_h, 7.0) && close(export.cost_usd_per_teu, 50.0));
    let domestic = n.route_declaring(a, c, CustomsRegime::Exempt);
    let drive = |link, from, to| Leg::Drive { link, from, to };
    assert_eq!(domestic.legs, vec![drive(ab, a, b), drive(bc, b, c)]);
    assert!(close(domestic.time_h, 2.0) && close(domestic.cost_usd_per_teu, 20.0));
    assert!(close(domestic.generalized_cost_usd_per_teu, 22.0));
}

#[test]
fn an_import_clears_with_the_hubs_import_time_and_charge() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, Some(facility(2.0, 30.0)));
    let c = n.hub("c", None, None);
    n.link(a, b, Mode::Road, 10.0, 1.0, 10.0);
    n.link(b, c, Mode::Road, 10.0, 1.0, 10.0);
    // Without its own figures an import clears as an export.
    let same = n.route_declaring(a, c, CustomsRegime::Import);
    assert!(close(same.time_h, 4.0) && close(same.cost_usd_per_teu, 50.0));
    n.0.hubs[b.index()].customs_policy.import_time_h = Some(Dist::LogNormal {
        median: 32.0,
        p90: 64.0,
    });
    n.0.hubs[b.index()].customs_policy.import_cost_usd_per_teu = Some(80.0);
    let mean_h = n.0.hubs[b.index()]
        .customs_policy
        .import_time_h
        .as_ref()
        .map(Dist::mean);
    let import = n.route_declaring(a, c, CustomsRegime::Import);
    assert!(import.legs.contains(&Leg::Customs { hub: b }));
    assert!(close(import.time_h, 2.0 + mean_h.expect("set")));
    assert!(close(import.cost_usd_per_teu, 100.0));
    assert!(import.sd_time_h > 0.0);
    // The export flow on the same network is unchanged.
    let export = n.route_declaring(a, c, CustomsRegime::Export);
    assert!(close(export.time_h, 4.0) && close(export.cost_usd_per_teu, 50.0));
}

#[test]
fn uncleared_shipment_alights_at_an_intermediate_customs_stop() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", Some(facility(1.0, 5.0)), Some(facility(3.0, 30.0)));
    let c = n.hub("c", None, None);
    let ab = n.link(a, b, Mode::Rail, 100.0, 4.0, 7.0);
    let bc = n.link(b, c, Mode::Rail, 300.0, 6.0, 9.0);
    let s = n.service(Mode::Rail, &[a, b, c], &[ab, bc], 10.0, None, 2.0);
    let r = &n.routes(a, c, ModeSet::ALL, 1)[0];
    assert_eq!(
        r.legs,
        vec![
            Leg::Ride {
                service: s,
                board: 0,
                alight: 1
            },
            Leg::Customs { hub: b },
            Leg::Transfer { hub: b },
            Leg::Ride {
                service: s,
                board: 1,
                alight: 2
            },
        ]
    );
    assert_eq!(r.hubs, vec![a, b, c]);
    // 5 + 4, customs 3, transfer 1, 5 + 6 (no dwell: it boards anew).
    assert!(close(r.time_h, 24.0));
    assert!(close(r.cost_usd_per_teu, 7.0 + 30.0 + 5.0 + 9.0));
    // A flow that declares nothing rides through: wait 5, hop 4, dwell 2, hop 6.
    let through = n.route_declaring(a, c, CustomsRegime::Exempt);
    let ride = Leg::Ride {
        service: s,
        board: 0,
        alight: 2,
    };
    assert_eq!(through.legs, vec![ride]);
    assert!(close(through.time_h, 17.0) && close(through.cost_usd_per_teu, 16.0));
}

#[test]
fn hub_revisiting_detour_is_never_a_route() {
    // The cheapest walk rides a→h→g, alights at g (free transfer) and trucks back through
    // h to d, avoiding h's dear transfer — but it visits h twice. The only loopless route
    // alights at h and pays the transfer.
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let h = n.hub("h", Some(facility(0.0, 1000.0)), None);
    let g = n.hub("g", None, None);
    let d = n.hub("d", None, None);
    let ah = n.link(a, h, Mode::Rail, 10.0, 1.0, 1.0);
    let hg = n.link(h, g, Mode::Rail, 10.0, 1.0, 1.0);
    let gh = n.link(g, h, Mode::Road, 10.0, 1.0, 1.0);
    let hd = n.link(h, d, Mode::Road, 10.0, 1.0, 1.0);
    let s = n.service(Mode::Rail, &[a, h, g], &[ah, hg], 2.0, None, 0.0);
    let _ = gh;
    for k in [1, 3] {
        let routes = n.routes(a, d, ModeSet::ALL, k);
        assert_eq!(routes.len(), 1, "k = {k}");
        let r = &routes[0];
        assert_eq!(
            r.legs,
            vec![
                Leg::Ride {
                    service: s,
                    board: 0,
                    alight: 1
                },
                Leg::Transfer { hub: h },
                Leg::Drive {
                    link: hd,
                    from: h,
                    to: d
                },
            ]
        );
        assert_eq!(r.hubs, vec![a, h, d]);
    }
}

#[test]
fn bottleneck_wait_is_added_to_the_link() {
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let l = n.link(a, b, Mode::Road, 10.0, 2.0, 0.0);
    n.0.links[l.index()].bottleneck = Some(Bottleneck {
        name: "lock".into(),
        servers: 1,
        time_h: Dist::Exponential { mean: 1.0 },
        background_per_day: 12.0,
        priority: BottleneckPriority::Fifo,
        start: QueueStart::Empty,
    });
    // M/M/1 at ρ = 0.5: wait 1 h + service 1 h.
    assert!(close(n.routes(a, b, ModeSet::ALL, 1)[0].time_h, 4.0));
}

#[test]
fn reliability_term_reorders_routes() {
    // Two roads: steady (10 h) and fast but erratic (mean 9 h, SD 3 h).
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    n.link(a, b, Mode::Road, 10.0, 10.0, 0.0);
    let erratic = n.link(a, b, Mode::Road, 10.0, 9.0, 0.0);
    n.0.links[erratic.index()].time_h = Dist::Uniform {
        min: 9.0 - 3.0 * 3f64.sqrt(),
        max: 9.0 + 3.0 * 3f64.sqrt(),
    };
    let g = RoutingGraph::build(&n.0);
    let plain = k_best_routes(&g, a, b, ModeSet::ALL, VOT, 2, 0.0);
    assert!(matches!(plain[0].legs[0], Leg::Drive { link, .. } if link == erratic));
    let reliable = k_best_routes(&g, a, b, ModeSet::ALL, VOT, 2, 1.0);
    assert!(close(reliable[1].sd_time_h, 3.0));
    assert!(close(reliable[1].generalized_cost_usd_per_teu, 12.0));
    assert!(close(reliable[0].generalized_cost_usd_per_teu, 10.0));
    // k = 1 with ρ > 0 must still find the true best, not the best by mean time.
    let best = k_best_routes(&g, a, b, ModeSet::ALL, VOT, 1, 1.0);
    assert!(close(best[0].generalized_cost_usd_per_teu, 10.0));
}

#[test]
fn plan_is_deterministic_and_workspace_reusable() {
    let spec = generate::GridSpec {
        width: 12,
        height: 9,
        rail_spacing: 4,
        demand_flows: 10,
        seed: 3,
    };
    let s = generate::grid_scenario(&spec);
    let p1 = plan(&s);
    let p2 = plan(&s);
    assert_eq!(p1, p2);
    let g = RoutingGraph::build(&s);
    let mut ws = QueryWorkspace::new(&g);
    for (i, d) in s.demand.iter().enumerate() {
        let q = RouteQuery::new(&s.choice, d.from, d.to, d.modes, d.vot_usd_per_teu_day);
        assert_eq!(g.k_best_routes(&mut ws, &q), p1.per_demand[i]);
        let shares: f64 = p1.per_demand[i].iter().map(|r| r.share).sum();
        assert!(close(shares, 1.0));
        let candidates = g.k_best_candidates(&mut ws, &RouteQuery { k: 3, ..q });
        assert_eq!(candidates.len(), 3);
        for r in candidates.iter().chain(&p1.per_demand[i]) {
            let mut hubs = r.hubs.clone();
            hubs.sort();
            hubs.dedup();
            assert_eq!(hubs.len(), r.hubs.len(), "hub revisited");
        }
    }
}

#[test]
fn no_reboarding_the_same_service_nor_pointless_changes() {
    // Getting off at b and waiting for the next vehicle of the same line is not a route;
    // nor is changing at b to another line whose next stop is also c, when staying aboard
    // costs less than the change.
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let c = n.hub("c", None, None);
    let ab = n.link(a, b, Mode::Rail, 100.0, 4.0, 7.0);
    let bc = n.link(b, c, Mode::Rail, 300.0, 6.0, 9.0);
    let s = n.service(Mode::Rail, &[a, b, c], &[ab, bc], 10.0, None, 0.0);
    n.service(Mode::Rail, &[b, c], &[bc], 20.0, None, 0.0);
    let rides = |n: &Net| -> Vec<Vec<Leg>> {
        n.candidates(a, c, 5)
            .iter()
            .map(|r| {
                r.legs
                    .iter()
                    .copied()
                    .filter(|l| matches!(l, Leg::Ride { .. }))
                    .collect()
            })
            .collect()
    };
    let ride = |service, board, alight| Leg::Ride {
        service,
        board,
        alight,
    };
    assert_eq!(rides(&n), vec![vec![ride(s, 0, 2)]]);
    // A change that saves something real stays: a second line over a faster track with
    // departures every 2 h (wait 1 h + 1 h ride < the 6 h of staying aboard).
    let fast = n.link(b, c, Mode::Rail, 300.0, 1.0, 9.0);
    let u = n.service(Mode::Rail, &[b, c], &[fast], 2.0, None, 0.0);
    assert_eq!(
        rides(&n),
        vec![vec![ride(s, 0, 1), ride(u, 0, 1)], vec![ride(s, 0, 2)]]
    );
}

#[test]
fn no_trucking_further_than_the_ride_it_feeds() {
    // a --road 500 km--> b ==rail 100 km==> c, and a --road 520 km--> c: trucking 500 km
    // to ride 100 is a road route with a detour, not an intermodal one.
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let c = n.hub("c", None, None);
    n.link(a, b, Mode::Road, 500.0, 8.0, 500.0);
    let bc = n.link(b, c, Mode::Rail, 100.0, 1.0, 10.0);
    n.service(Mode::Rail, &[b, c], &[bc], 1.0, None, 0.0);
    n.link(a, c, Mode::Road, 520.0, 20.0, 700.0);
    let routes = n.candidates(a, c, 5);
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert_eq!(routes[0].legs.len(), 1, "only the direct road is left");
    // A ride longer than its access trucking is offered.
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let c = n.hub("c", None, None);
    n.link(a, b, Mode::Road, 50.0, 1.0, 50.0);
    let bc = n.link(b, c, Mode::Rail, 100.0, 1.0, 10.0);
    n.service(Mode::Rail, &[b, c], &[bc], 1.0, None, 0.0);
    let routes = n.routes(a, c, ModeSet::ALL, 5);
    assert_eq!(routes.len(), 1);
    assert!(routes[0].legs.iter().any(|l| matches!(l, Leg::Ride { .. })));
}

#[test]
fn parallel_road_links_that_add_nothing_are_one_route() {
    // The same road entered once per direction (both two-way), plus a dearer copy: one
    // route. A parallel road that is faster but dearer is a second route.
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let c = n.hub("c", None, None);
    n.link(a, b, Mode::Road, 100.0, 2.0, 50.0);
    n.link(b, a, Mode::Road, 100.0, 2.0, 50.0);
    n.link(a, b, Mode::Road, 100.0, 2.0, 60.0);
    n.link(b, c, Mode::Road, 100.0, 2.0, 50.0);
    n.link(c, b, Mode::Road, 100.0, 2.0, 50.0);
    let routes = n.candidates(a, c, 5);
    assert_eq!(routes.len(), 1, "{routes:?}");
    let toll = n.link(a, b, Mode::Road, 90.0, 1.0, 70.0);
    let routes = n.candidates(a, c, 5);
    assert_eq!(routes.len(), 2, "{routes:?}");
    assert!(routes.iter().any(|r| r.legs.contains(&Leg::Drive {
        link: toll,
        from: a,
        to: b
    })));
    assert_ne!(routes[0].legs, routes[1].legs);
}

#[test]
fn choice_set_drops_dominated_and_far_dearer_routes() {
    // a→b three ways: road 10 h 100 USD; road 12 h 100 USD (dominated); road 5 h 400 USD
    // (dearer but faster: offered); road 60 h 90 USD (GC 150 vs best 110: within 1.5×).
    let mut n = Net::new();
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let m = n.hub("m", None, None);
    n.link(a, b, Mode::Road, 100.0, 10.0, 100.0);
    n.link(a, m, Mode::Road, 50.0, 6.0, 50.0);
    n.link(m, b, Mode::Road, 50.0, 6.0, 50.0);
    let x = n.hub("x", None, None);
    n.link(a, x, Mode::Road, 50.0, 2.5, 200.0);
    n.link(x, b, Mode::Road, 50.0, 2.5, 200.0);
    let y = n.hub("y", None, None);
    n.link(a, y, Mode::Road, 50.0, 30.0, 45.0);
    n.link(y, b, Mode::Road, 50.0, 30.0, 45.0);
    let routes = n.routes(a, b, ModeSet::ALL, 5);
    let gcs: Vec<f64> = routes
        .iter()
        .map(|r| r.generalized_cost_usd_per_teu)
        .collect();
    assert_eq!(gcs, vec![110.0, 150.0]);
    n.0.choice.gc_cutoff_ratio = 1.2;
    let routes = n.routes(a, b, ModeSet::ALL, 5);
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].share, 1.0);
}

#[test]
fn workspace_moves_between_graphs() {
    let small = generate::grid_scenario(&generate::GridSpec {
        width: 4,
        height: 3,
        rail_spacing: 2,
        demand_flows: 3,
        seed: 5,
    });
    let large = generate::grid_scenario(&generate::GridSpec {
        width: 9,
        height: 8,
        rail_spacing: 3,
        demand_flows: 3,
        seed: 6,
    });
    let (gs, gl) = (RoutingGraph::build(&small), RoutingGraph::build(&large));
    let query = |s: &Scenario, d: usize| RouteQuery {
        k: 3,
        reliability_ratio: 1.0,
        ..RouteQuery::new(
            &s.choice,
            s.demand[d].from,
            s.demand[d].to,
            ModeSet::ALL,
            30.0,
        )
    };
    let mut ws = QueryWorkspace::new(&gs);
    for d in 0..3 {
        for (s, g) in [(&small, &gs), (&large, &gl), (&small, &gs)] {
            let fresh = g.k_best_routes(&mut QueryWorkspace::new(g), &query(s, d));
            assert_eq!(g.k_best_routes(&mut ws, &query(s, d)), fresh);
        }
    }
}

/// The independence-of-irrelevant-alternatives check of the choice models: two disjoint
/// routes of equal GC split 50/50; adding a near-copy of one (a parallel road 0.1 %
/// slower and marginally cheaper, so neither dominated nor dropped, over the last 1 % of
/// its time) leaves the other's share within 1 % under path-size, moves it exactly as
/// the nest parameter implies under the nested logit, and visibly takes share under MNL.
#[test]
fn near_copies_of_a_route_under_each_choice_model() {
    let mut n = Net::new();
    n.0.corridors.push(Corridor {
        id: "other".into(),
        name: "Other".into(),
        name_zh: None,
        rate_discount: 0.0,
        choice_constant_usd_per_teu: 0.0,
    });
    let o = n.hub("o", None, None);
    let a = n.hub("a", None, None);
    let b = n.hub("b", None, None);
    let d = n.hub("d", None, None);
    // Route A (corridor 0): 99 h + 1 h; route B (corridor 1): the same times and costs.
    n.link(o, a, Mode::Road, 990.0, 99.0, 100.0);
    n.link(a, d, Mode::Road, 10.0, 1.0, 10.0);
    let ob = n.link(o, b, Mode::Road, 990.0, 99.0, 100.0);
    let bd = n.link(b, d, Mode::Road, 10.0, 1.0, 10.0);
    for l in [ob, bd] {
        n.0.links[l.index()].corridor = Some(CorridorId::new(1));
    }
    let share_b = |n: &Net, model: ChoiceModel| -> (f64, usize) {
        let g = RoutingGraph::build(&n.0);
        let q = RouteQuery {
            k: 8,
            model,
            ..RouteQuery::new(&n.0.choice, o, d, ModeSet::ALL, VOT)
        };
        let routes = g.k_best_routes(&mut QueryWorkspace::new(&g), &q);
        let b_share = routes
            .iter()
            .filter(|r| r.hubs.contains(&b))
            .map(|r| r.share)
            .sum();
        (b_share, routes.len())
    };
    let lambda = 0.5;
    let models = [
        ChoiceModel::Mnl,
        ChoiceModel::PathSize,
        ChoiceModel::Nested { lambda },
    ];
    for m in models {
        assert_eq!(share_b(&n, m), (0.5, 2), "{m:?}");
    }
    // The near-copy: the last hour of A on a parallel road, 0.1 % slower, 0.01 % cheaper.
    n.link(a, d, Mode::Road, 10.0, 1.001, 9.999);
    let (mnl, offered) = share_b(&n, ChoiceModel::Mnl);
    assert_eq!(offered, 3);
    assert!(
        (mnl - 1.0 / 3.0).abs() < 1e-3,
        "MNL gives B about a third: {mnl}"
    );
    let (ps, _) = share_b(&n, ChoiceModel::PathSize);
    assert!(
        (ps - 0.5).abs() <= 0.01 * 0.5,
        "path-size keeps B at 0.5: {ps}"
    );
    let (nested, _) = share_b(&n, ChoiceModel::Nested { lambda });
    // B alone in its nest (V = 0); A's nest holds V = 0 and V' = −θ(GC'/GC* − 1).
    let gc = 210.0;
    let gc_copy = 100.0 + 99.0 + 9.999 + 1.001;
    let v_copy = -4.0 * (gc_copy / gc - 1.0);
    let w_a = (1.0 + (v_copy / lambda).exp()).powf(lambda);
    assert!((nested - 1.0 / (1.0 + w_a)).abs() < 1e-12, "{nested}");
    assert!(nested < 0.5 && nested > mnl);
}
