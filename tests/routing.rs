//! Routing acceptance tests: oracles (plain Dijkstra, brute-force enumeration of simple
//! paths), a hand-computed two-corridor network, and the `corridor routes` command.

use corridor_sim::dist::{Dist, Z_0_9};
use corridor_sim::ids::{HubId, LinkId};
use corridor_sim::routing::{
    Leg, QueryWorkspace, Route, RouteQuery, RoutingGraph, k_best_routes, plan, route_corridors,
    route_label, route_modes,
};
use corridor_sim::scenario::{
    self, Choice, Compare, Hub, HubKind, Link, Meta, Mode, ModeSet, Scenario, SimWindow,
};
use proptest::prelude::*;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

// ---------------------------------------------------------------------------------------
// 1. Property test against independent oracles on random road-only networks.
// ---------------------------------------------------------------------------------------

/// A random road network: `n` hubs, links `(from, to, time_h, two_way)`.
#[derive(Clone, Debug)]
struct RoadNet {
    n: usize,
    links: Vec<(usize, usize, f64, bool)>,
    from: usize,
    to: usize,
    k: usize,
}

fn road_net() -> impl Strategy<Value = RoadNet> {
    (3usize..=7).prop_flat_map(|n| {
        let link = (0..n, 0..n, 1u32..=40, any::<bool>(), any::<bool>()).prop_map(
            |(a, b, t, two_way, half)| {
                // Integer and half-integer times make exact ties likely, which is where
                // enumeration bugs hide.
                (a, b, f64::from(t) + if half { 0.5 } else { 0.0 }, two_way)
            },
        );
        (
            Just(n),
            prop::collection::vec(link, 1..=14),
            0..n,
            0..n,
            1usize..=6,
        )
            .prop_map(|(n, links, from, to, k)| RoadNet {
                n,
                // A link must join two different hubs.
                links: links.into_iter().filter(|l| l.0 != l.1).collect(),
                from,
                to: if to == from { (to + 1) % n } else { to },
                k,
            })
    })
}

/// The scenario for a road net: zero money cost, no transfer or customs facilities, fixed
/// times, so GC = VOT × time.
fn road_scenario(net: &RoadNet) -> Scenario {
    let hubs = (0..net.n)
        .map(|i| Hub {
            id: format!("h{i}"),
            name: format!("h{i}"),
            name_zh: None,
            kind: HubKind::RoadBase,
            lat: 0.0,
            lon: 0.0,
            transfer: None,
            customs: None,
            customs_policy: Default::default(),
            transfer_target_h: None,
            departure_rebate_usd_per_teu: 0.0,
            from_candidate: None,
        })
        .collect();
    let links = net
        .links
        .iter()
        .enumerate()
        .map(|(i, &(a, b, t, two_way))| Link {
            id: format!("l{i}"),
            from: HubId::new(a),
            to: HubId::new(b),
            mode: Mode::Road,
            distance_km: 1.0,
            time_h: Dist::Fixed(t),
            cost_usd_per_teu: 0.0,
            corridor: None,
            two_way,
            bottleneck: None,
        })
        .collect();
    Scenario {
        meta: Meta {
            name: "prop".into(),
            description: None,
            window: SimWindow::new(0.0, 2.0).expect("a valid window"),
            replications: 1,
            seed: 0,
            shipment_teu: 1,
        },
        choice: Choice::default(),
        corridors: Vec::new(),
        hubs,
        links,
        services: Vec::new(),
        classes: Vec::new(),
        demand: Vec::new(),
        candidates: Vec::new(),
        compare: Compare::default(),
        region: Default::default(),
        disruptions: Vec::new(),
    }
}

/// Directed adjacency of the road net: (neighbour, link, time). Of parallel links in one
/// direction only the fastest is a separate road (the first in file order among equals):
/// with no money cost and no spread, a slower copy adds no route.
fn adjacency(net: &RoadNet) -> Vec<Vec<(usize, usize, f64)>> {
    let mut adj: Vec<Vec<(usize, usize, f64)>> = vec![Vec::new(); net.n];
    let mut add = |a: usize, b: usize, i: usize, t: f64| match adj[a].iter_mut().find(|x| x.0 == b)
    {
        Some(x) if t < x.2 => *x = (b, i, t),
        Some(_) => {}
        None => adj[a].push((b, i, t)),
    };
    for (i, &(a, b, t, two_way)) in net.links.iter().enumerate() {
        add(a, b, i, t);
        if two_way {
            add(b, a, i, t);
        }
    }
    adj
}

/// A min-heap entry of the oracles: (cost, index), smallest cost first, ties by index.
#[derive(PartialEq)]
struct Item(f64, usize);
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

/// Textbook Dijkstra over hubs (the oracle for the best time).
fn plain_dijkstra(net: &RoadNet) -> Option<f64> {
    let adj = adjacency(net);
    let mut dist = vec![f64::INFINITY; net.n];
    let mut heap = BinaryHeap::new();
    dist[net.from] = 0.0;
    heap.push(Item(0.0, net.from));
    while let Some(Item(d, v)) = heap.pop() {
        if d > dist[v] {
            continue;
        }
        for &(u, _, t) in &adj[v] {
            if d + t < dist[u] {
                dist[u] = d + t;
                heap.push(Item(d + t, u));
            }
        }
    }
    dist[net.to].is_finite().then_some(dist[net.to])
}

/// Every simple path (no hub twice) from `from` to `to`, as (time, link sequence), sorted by
/// time: the oracle for the k best loopless routes.
fn all_simple_paths(net: &RoadNet) -> Vec<(f64, Vec<usize>)> {
    fn dfs(
        adj: &[Vec<(usize, usize, f64)>],
        v: usize,
        to: usize,
        seen: &mut Vec<bool>,
        links: &mut Vec<usize>,
        time: f64,
        out: &mut Vec<(f64, Vec<usize>)>,
    ) {
        if v == to {
            out.push((time, links.clone()));
            return;
        }
        for &(u, l, t) in &adj[v] {
            if !seen[u] {
                seen[u] = true;
                links.push(l);
                dfs(adj, u, to, seen, links, time + t, out);
                links.pop();
                seen[u] = false;
            }
        }
    }
    let adj = adjacency(net);
    let mut seen = vec![false; net.n];
    seen[net.from] = true;
    let mut out = Vec::new();
    dfs(
        &adj,
        net.from,
        net.to,
        &mut seen,
        &mut Vec::new(),
        0.0,
        &mut out,
    );
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The best route's time is plain Dijkstra's, and the k routes are the k cheapest
    /// simple paths of a brute-force enumeration (costs within 1e-9), each a valid chain of
    /// drives over distinct hubs, with logit shares summing to 1.
    #[test]
    fn k_best_routes_match_oracles(net in road_net()) {
        let s = road_scenario(&net);
        let g = RoutingGraph::build(&s);
        // VOT 24 USD/TEU-day = 1 USD per hour: GC equals the time in hours.
        let routes = candidates(
            &g, HubId::new(net.from), HubId::new(net.to), ModeSet::ALL, 24.0, net.k, 0.0,
        );
        let best = candidates(
            &g, HubId::new(net.from), HubId::new(net.to), ModeSet::ALL, 24.0, 1, 0.0,
        );
        let offered = k_best_routes(
            &g, HubId::new(net.from), HubId::new(net.to), ModeSet::ALL, 24.0, net.k, 0.0,
        );
        let paths = all_simple_paths(&net);
        match plain_dijkstra(&net) {
            None => {
                prop_assert!(routes.is_empty());
                prop_assert!(best.is_empty());
                prop_assert!(paths.is_empty());
            }
            Some(t) => {
                prop_assert!(close(best[0].time_h, t), "k=1 {} vs {}", best[0].time_h, t);
                prop_assert!(
                    close(routes[0].time_h, t),
                    "k={} {} vs {}", net.k, routes[0].time_h, t
                );
                prop_assert_eq!(routes.len(), net.k.min(paths.len()));
                for (r, (t, _)) in routes.iter().zip(&paths) {
                    prop_assert!(close(r.generalized_cost_usd_per_teu, *t),
                        "routes {:?} vs paths {:?}",
                        routes.iter().map(|r| r.time_h).collect::<Vec<_>>(),
                        paths.iter().map(|p| p.0).collect::<Vec<_>>());
                    prop_assert!(close(r.time_h, *t));
                    prop_assert_eq!(r.cost_usd_per_teu, 0.0);
                }
                // Distinct routes, each a chain of drives from origin to destination over
                // distinct hubs, and one of the enumerated simple paths.
                let mut seen_links: Vec<Vec<usize>> = Vec::new();
                for r in &routes {
                    let mut at = HubId::new(net.from);
                    let mut links = Vec::new();
                    for leg in &r.legs {
                        let Leg::Drive { link, from, to } = *leg else {
                            return Err(TestCaseError::fail(format!("not a drive: {leg:?}")));
                        };
                        prop_assert_eq!(from, at);
                        at = to;
                        links.push(link.index());
                    }
                    prop_assert_eq!(at, HubId::new(net.to));
                    let mut hubs = r.hubs.clone();
                    hubs.sort();
                    hubs.dedup();
                    prop_assert_eq!(hubs.len(), r.hubs.len());
                    prop_assert!(paths.iter().any(|p| p.1 == links));
                    prop_assert!(!seen_links.contains(&links));
                    seen_links.push(links);
                }
                // The offered routes: the best, and no route both slower and no cheaper.
                prop_assert!(close(offered[0].time_h, t));
                prop_assert!(offered.iter().all(|r| routes.iter().any(|c| c.legs == r.legs)));
                let total: f64 = offered.iter().map(|r| r.share).sum();
                prop_assert!(close(total, 1.0));
            }
        }
    }
}

/// The k best distinct admissible routes before the choice-set rules, shares unset.
fn candidates(
    g: &RoutingGraph,
    from: HubId,
    to: HubId,
    modes: ModeSet,
    vot: f64,
    k: usize,
    rho: f64,
) -> Vec<Route> {
    let query = RouteQuery {
        k,
        reliability_ratio: rho,
        ..RouteQuery::new(g.choice(), from, to, modes, vot)
    };
    g.k_best_candidates(&mut QueryWorkspace::new(g), &query)
}

// ---------------------------------------------------------------------------------------
// 1b. Large road networks against a plainly written Yen.
// ---------------------------------------------------------------------------------------

/// A random planar-ish road network of `n` hubs: each hub joined to its three nearest
/// neighbours, every link declared once in each direction with `two_way` left on (so each
/// road is entered twice, the way a new user writes it), times 1–20 h in steps of 0.5 h
/// (many exact ties).
fn large_road_net(n: usize, seed: u64) -> RoadNet {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let pts: Vec<(f64, f64)> = (0..n).map(|_| (rng.random(), rng.random())).collect();
    let mut pairs = std::collections::BTreeSet::new();
    for i in 0..n {
        let mut near: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let d = |j: usize| (pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2);
        near.sort_by(|&a, &b| d(a).total_cmp(&d(b)));
        for &j in &near[..3] {
            pairs.insert((i.min(j), i.max(j)));
        }
    }
    let mut links = Vec::new();
    for (a, b) in pairs {
        let t = f64::from(rng.random_range(2u32..=40)) / 2.0;
        links.push((a, b, t, true));
        links.push((b, a, t, true));
    }
    RoadNet {
        n,
        links,
        from: 0,
        to: 1,
        k: 3,
    }
}

/// Textbook Yen (1971) over the hub graph of [`adjacency`], with plain Dijkstra spur
/// searches that avoid the root's hubs and the next arcs of accepted paths sharing the
/// root: the k best simple paths' times, best first.
fn textbook_yen(net: &RoadNet) -> Vec<f64> {
    let adj = adjacency(net);
    let dijkstra = |from: usize, banned_hub: &[bool], banned_arc: &[(usize, usize)]| {
        let mut dist = vec![f64::INFINITY; net.n];
        let mut pred = vec![usize::MAX; net.n];
        let mut done = vec![false; net.n];
        dist[from] = 0.0;
        loop {
            let v = (0..net.n)
                .filter(|&v| !done[v] && dist[v].is_finite())
                .min_by(|&a, &b| dist[a].total_cmp(&dist[b]))?;
            if v == net.to {
                let mut path = vec![v];
                while *path.last().unwrap() != from {
                    path.push(pred[*path.last().unwrap()]);
                }
                path.reverse();
                return Some((dist[v], path));
            }
            done[v] = true;
            for &(u, _, t) in &adj[v] {
                if banned_hub[u] || banned_arc.contains(&(v, u)) {
                    continue;
                }
                if dist[v] + t < dist[u] {
                    dist[u] = dist[v] + t;
                    pred[u] = v;
                }
            }
        }
    };
    let arc_time = |a: usize, b: usize| adj[a].iter().find(|x| x.0 == b).expect("arc").2;
    let no_hubs = vec![false; net.n];
    let Some(first) = dijkstra(net.from, &no_hubs, &[]) else {
        return Vec::new();
    };
    let mut accepted = vec![first];
    let mut pending: Vec<(f64, Vec<usize>)> = Vec::new();
    while accepted.len() < net.k {
        let prev = accepted.last().expect("one path").1.clone();
        for i in 0..prev.len() - 1 {
            let root = &prev[..=i];
            let root_time: f64 = root.windows(2).map(|w| arc_time(w[0], w[1])).sum();
            let banned_arc: Vec<(usize, usize)> = accepted
                .iter()
                .map(|p| &p.1)
                .filter(|p| p.len() > i + 1 && p[..=i] == *root)
                .map(|p| (p[i], p[i + 1]))
                .collect();
            let mut banned_hub = vec![false; net.n];
            for &h in &root[..i] {
                banned_hub[h] = true;
            }
            if let Some((t, spur)) = dijkstra(prev[i], &banned_hub, &banned_arc) {
                let mut path = root[..i].to_vec();
                path.extend(spur);
                if !pending.iter().any(|p| p.1 == path) && !accepted.iter().any(|p| p.1 == path) {
                    pending.push((root_time + t, path));
                }
            }
        }
        let Some(best) = (0..pending.len()).min_by(|&a, &b| pending[a].0.total_cmp(&pending[b].0))
        else {
            break;
        };
        accepted.push(pending.swap_remove(best));
    }
    accepted.into_iter().map(|p| p.0).collect()
}

/// On 300- and 400-hub road networks with every road entered twice, two-way links and
/// tied times, the k candidates of 20 random ODs per network are distinct routes whose
/// times are those of textbook Yen, to 1e-9 relative, for k = 3 and 8.
#[test]
fn large_road_networks_give_distinct_routes_matching_textbook_yen() {
    use rand::{Rng, SeedableRng};
    for (n, seed) in [(300, 1), (300, 2), (400, 3)] {
        let mut net = large_road_net(n, seed);
        let s = road_scenario(&net);
        let g = RoutingGraph::build(&s);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 100);
        for _ in 0..20 {
            net.from = rng.random_range(0..n);
            net.to = (net.from + rng.random_range(1..n)) % n;
            for k in [3, 8] {
                net.k = k;
                let got = candidates(
                    &g,
                    HubId::new(net.from),
                    HubId::new(net.to),
                    ModeSet::ALL,
                    24.0,
                    k,
                    0.0,
                );
                let want = textbook_yen(&net);
                assert_eq!(
                    got.len(),
                    want.len(),
                    "{n} hubs, {}->{} k={k}",
                    net.from,
                    net.to
                );
                for (r, t) in got.iter().zip(&want) {
                    assert!(
                        (r.time_h - t).abs() <= 1e-9 * t.max(1.0),
                        "{}->{} k={k}: {:?} vs {want:?}",
                        net.from,
                        net.to,
                        got.iter().map(|r| r.time_h).collect::<Vec<_>>()
                    );
                }
                for (i, r) in got.iter().enumerate() {
                    assert!(got[..i].iter().all(|o| o.hubs != r.hubs), "same hubs twice");
                }
            }
        }
    }
}

/// (mean time h, cost USD/TEU) of a facility.
type TimeCost = (f64, f64);
/// Per hop of a service: (time h, cost USD/TEU, km).
type Hop = (f64, f64, f64);
/// A service: (stops, hops, headway h, fare, dwell h).
type ServiceSpec = (Vec<usize>, Vec<Hop>, f64, Option<f64>, f64);

/// A random multimodal network: hubs with random transfer and customs facilities, road
/// links, and services over rail links of their own.
#[derive(Clone, Debug)]
struct MultiNet {
    /// Per hub: (transfer (time, cost), customs (time, cost)).
    hubs: Vec<(Option<TimeCost>, Option<TimeCost>)>,
    roads: Vec<(usize, usize, f64, f64, bool)>,
    /// Per service: (stops, per-hop (time, cost, km), headway, fare, dwell).
    services: Vec<ServiceSpec>,
    from: usize,
    to: usize,
    road_allowed: bool,
    rail_allowed: bool,
    k: usize,
    rho: f64,
}

fn multi_net() -> impl Strategy<Value = MultiNet> {
    (3usize..=6).prop_flat_map(|n| {
        let facility = prop::option::weighted(0.5, (0u32..=6, 0u32..=80))
            .prop_map(|f| f.map(|(t, c)| (f64::from(t), f64::from(c))));
        let customs = prop::option::weighted(0.25, (1u32..=6, 0u32..=40))
            .prop_map(|f| f.map(|(t, c)| (f64::from(t), f64::from(c))));
        let road = (0..n, 0..n, 1u32..=30, 0u32..=100, any::<bool>())
            .prop_map(|(a, b, t, c, two)| (a, b, f64::from(t), f64::from(c), two));
        let service = (
            Just(()).prop_perturb(move |_, mut rng| {
                // 2..=min(4, n) distinct stops in random order.
                let mut hubs: Vec<usize> = (0..n).collect();
                for i in (1..hubs.len()).rev() {
                    hubs.swap(i, rng.random_range(0..=i));
                }
                let len = rng.random_range(2..=n.min(4));
                hubs.truncate(len);
                hubs
            }),
            prop::collection::vec((1u32..=30, 0u32..=60, 10u32..=500), 3),
            1u32..=48,
            prop::option::of(100u32..=900),
            0u32..=3,
        )
            .prop_map(|(stops, hops, headway, fare, dwell)| {
                let hops = hops[..stops.len() - 1]
                    .iter()
                    .map(|&(t, c, km)| (f64::from(t), f64::from(c), f64::from(km)))
                    .collect();
                (
                    stops,
                    hops,
                    f64::from(headway),
                    fare.map(f64::from),
                    f64::from(dwell),
                )
            });
        (
            prop::collection::vec((facility, customs), n),
            prop::collection::vec(road, 0..=8),
            prop::collection::vec(service, 0..=3),
            0..n,
            1..n,
            prop::bool::weighted(0.85),
            prop::bool::weighted(0.85),
            1usize..=5,
            prop::sample::select(vec![0.0, 0.5, 1.0]),
        )
            .prop_map(
                move |(hubs, roads, services, from, shift, road_allowed, rail_allowed, k, rho)| {
                    MultiNet {
                        hubs,
                        roads: roads.into_iter().filter(|r| r.0 != r.1).collect(),
                        services,
                        from,
                        to: (from + shift) % n,
                        road_allowed,
                        rail_allowed,
                        k,
                        rho,
                    }
                },
            )
    })
}

fn multi_scenario(net: &MultiNet) -> Scenario {
    let fac = |f: Option<(f64, f64)>| {
        f.map(|(t, c)| corridor_sim::scenario::Facility {
            servers: 1,
            time_h: Dist::Fixed(t),
            cost_usd_per_teu: c,
        })
    };
    let mut s = road_scenario(&RoadNet {
        n: net.hubs.len(),
        links: Vec::new(),
        from: net.from,
        to: net.to,
        k: net.k,
    });
    for (h, &(transfer, customs)) in s.hubs.iter_mut().zip(&net.hubs) {
        h.transfer = fac(transfer);
        // Exponential customs times give the reliability term something to weigh.
        h.customs = customs.map(|(t, c)| corridor_sim::scenario::Facility {
            servers: 1,
            time_h: Dist::Exponential { mean: t },
            cost_usd_per_teu: c,
        });
    }
    let link = |id: String, a: usize, b: usize, mode, t: f64, c: f64, km: f64, two_way| Link {
        id,
        from: HubId::new(a),
        to: HubId::new(b),
        mode,
        distance_km: km,
        time_h: Dist::Uniform {
            min: 0.5 * t,
            max: 1.5 * t,
        },
        cost_usd_per_teu: c,
        corridor: None,
        two_way,
        bottleneck: None,
    };
    for (i, &(a, b, t, c, two_way)) in net.roads.iter().enumerate() {
        s.links.push(link(
            format!("road{i}"),
            a,
            b,
            Mode::Road,
            t,
            c,
            10.0,
            two_way,
        ));
    }
    for (si, (stops, hops, headway, fare, dwell)) in net.services.iter().enumerate() {
        let mut legs = Vec::new();
        for (j, &(t, c, km)) in hops.iter().enumerate() {
            legs.push(LinkId::new(s.links.len()));
            s.links.push(link(
                format!("rail{si}-{j}"),
                stops[j],
                stops[j + 1],
                Mode::Rail,
                t,
                c,
                km,
                false,
            ));
        }
        s.services.push(corridor_sim::scenario::Service {
            id: format!("svc{si}"),
            name: format!("svc{si}"),
            corridor: None,
            mode: Mode::Rail,
            stops: stops.iter().map(|&h| HubId::new(h)).collect(),
            legs,
            headway_h: *headway,
            first_departure_h: 0.0,
            capacity_teu: 10,
            fare_usd_per_teu: *fare,
            dwell_h: Dist::Fixed(*dwell),
            scheduled_run_h: None,
        });
    }
    s
}

/// The admissibility rules of a route, written plainly over the petgraph routing graph
/// for the oracles: a route never comes back to a hub it left, never re-boards the
/// service it just alighted from at the same stop (unless it cleared customs there),
/// never changes pointlessly between services bound for the same next stop, and never
/// trucks further to or from a ride than the ride goes.
struct Rules<'a> {
    s: &'a Scenario,
    graph: &'a petgraph::graph::DiGraph<corridor_sim::routing::Node, corridor_sim::routing::Edge>,
    road_allowed: bool,
    rail_allowed: bool,
    vot: f64,
}

/// The state of a walk that the rules look at: the ride last alighted from (its alight
/// edge), what was spent since and whether customs was cleared since, and the trucking and
/// riding distances the drayage rule compares.
#[derive(Clone, Copy, Default)]
struct Walk {
    alight: Option<(petgraph::graph::EdgeIndex, f64, bool)>,
    stretch_km: f64,
    access_km: f64,
    ride_km: f64,
    prev_ride_km: f64,
}

impl Rules<'_> {
    fn hub_of(&self, v: petgraph::graph::NodeIndex) -> usize {
        use corridor_sim::routing::Node;
        match self.graph[v] {
            Node::Origin(h) | Node::Sink(h) => h.index(),
            Node::Truck { hub, .. }
            | Node::DriveOn { hub, .. }
            | Node::Alighted { hub, .. }
            | Node::Ready { hub, .. } => hub.index(),
            Node::Aboard { service, stop, .. } => {
                self.s.service(service).stops[usize::from(stop)].index()
            }
        }
    }

    fn allowed(&self, e: &corridor_sim::routing::Edge) -> bool {
        // The queries are exports (the default): other regimes' edges are not theirs.
        if e.regime
            .is_some_and(|r| r != corridor_sim::scenario::CustomsRegime::Export)
        {
            return false;
        }
        match e.mode {
            None => true,
            Some(Mode::Road) => self.road_allowed,
            Some(_) => self.rail_allowed,
        }
    }

    fn weight(&self, e: &corridor_sim::routing::Edge) -> f64 {
        e.cost_usd_per_teu + self.vot / 24.0 * e.time_h
    }

    /// Whether changing at a hub from the ride left by edge `alight` to the one boarded
    /// by edge `board` is pointless: the old service goes on to the new one's next stop,
    /// and staying aboard (or, after customs, boarding it again) costs no more than the
    /// change (`spent` since alighting plus the new boarding).
    fn pointless(
        &self,
        alight: petgraph::graph::EdgeIndex,
        board: petgraph::graph::EdgeIndex,
        spent: f64,
        cleared: bool,
    ) -> bool {
        use corridor_sim::routing::EdgeKind;
        use petgraph::visit::EdgeRef;
        let g = self.graph;
        let EdgeKind::Alight { service: old, stop } = g[alight].kind else {
            return false;
        };
        let EdgeKind::Board { service: new, .. } = g[board].kind else {
            return false;
        };
        if new == old {
            return false;
        }
        let (board_tail, board_head) = g.edge_endpoints(board).expect("edge");
        let next_stop = self.hub_of(board_head);
        let (from, kind, change) = if cleared {
            let kind = EdgeKind::Board { service: old, stop };
            (board_tail, kind, self.weight(&g[board]))
        } else {
            let (tail, _) = g.edge_endpoints(alight).expect("edge");
            let kind = EdgeKind::StayAboard { service: old, stop };
            (tail, kind, spent + self.weight(&g[board]))
        };
        g.edges(from).any(|e| {
            e.weight().kind == kind
                && self.allowed(e.weight())
                && self.hub_of(e.target()) == next_stop
                && change >= self.weight(e.weight())
        })
    }

    /// The walk after taking edge `e` from `at`, or `None` if a rule forbids the edge
    /// (hub revisits are the caller's to check).
    fn step(&self, at: Walk, e: petgraph::graph::EdgeIndex) -> Option<Walk> {
        use corridor_sim::routing::EdgeKind;
        let w = &self.graph[e];
        if !self.allowed(w) {
            return None;
        }
        let mut next = at;
        match w.kind {
            EdgeKind::Alight { .. } => {
                if at.access_km > at.ride_km.max(at.prev_ride_km) {
                    return None;
                }
                next.prev_ride_km = at.ride_km;
                next.alight = Some((e, 0.0, false));
            }
            EdgeKind::Customs(_) | EdgeKind::Transfer(_) => {
                let cleared = matches!(w.kind, EdgeKind::Customs(_));
                next.alight = at
                    .alight
                    .map(|(a, spent, c)| (a, spent + self.weight(w), c || cleared));
            }
            EdgeKind::Board { service, stop } => {
                if let Some((a, spent, cleared)) = at.alight {
                    let same = self.graph[a].kind == EdgeKind::Alight { service, stop };
                    if (same && !cleared) || self.pointless(a, e, spent, cleared) {
                        return None;
                    }
                }
                next.access_km = at.stretch_km;
                next.stretch_km = 0.0;
                next.ride_km = w.distance_km;
            }
            EdgeKind::StayAboard { .. } => next.ride_km += w.distance_km,
            EdgeKind::Drive { .. } => next.stretch_km += w.distance_km,
            EdgeKind::Finish if at.prev_ride_km > 0.0 && at.stretch_km > at.prev_ride_km => {
                return None;
            }
            _ => {}
        }
        Some(next)
    }
}

/// The GCs of every admissible path ([`Rules`]) of the routing graph from the origin's
/// node to the destination's sink, sorted. Exhaustive DFS over the petgraph graph: it
/// checks Yen's enumeration (spur blocking, Lawler's rule, A*, the reliability stopping
/// rule) on state-expanded graphs with transfers and customs.
fn all_loopless_gcs(s: &Scenario, g: &RoutingGraph, net: &MultiNet, vot: f64) -> Vec<f64> {
    use corridor_sim::routing::Node;
    use petgraph::graph::NodeIndex;
    use petgraph::visit::EdgeRef;

    struct Dfs<'a> {
        rules: Rules<'a>,
        sink: Node,
        visited: Vec<bool>,
        /// (money, mean time, variance) of each complete path.
        out: Vec<(f64, f64, f64)>,
    }

    impl Dfs<'_> {
        fn walk(&mut self, v: NodeIndex, sums: (f64, f64, f64), at: Walk) {
            let graph = self.rules.graph;
            if graph[v] == self.sink {
                self.out.push(sums);
                return;
            }
            let here = self.rules.hub_of(v);
            for e in graph.edges(v) {
                let u = e.target();
                let hu = self.rules.hub_of(u);
                if hu != here && self.visited[hu] {
                    continue;
                }
                let Some(next_at) = self.rules.step(at, e.id()) else {
                    continue;
                };
                let w = e.weight();
                self.visited[hu] = true;
                let next = (
                    sums.0 + w.cost_usd_per_teu,
                    sums.1 + w.time_h,
                    sums.2 + w.var_time_h2,
                );
                self.walk(u, next, next_at);
                if hu != here {
                    self.visited[hu] = false;
                }
            }
        }
    }

    let graph = g.graph();
    let origin = graph
        .node_indices()
        .find(|&v| graph[v] == Node::Origin(HubId::new(net.from)))
        .expect("origin node");
    let mut dfs = Dfs {
        rules: Rules {
            s,
            graph,
            road_allowed: net.road_allowed,
            rail_allowed: net.rail_allowed,
            vot,
        },
        sink: Node::Sink(HubId::new(net.to)),
        visited: vec![false; s.hubs.len()],
        out: Vec::new(),
    };
    dfs.visited[net.from] = true;
    dfs.walk(origin, (0.0, 0.0, 0.0), Walk::default());
    let mut gcs: Vec<f64> = dfs
        .out
        .iter()
        .map(|&(money, time, var)| money + vot / 24.0 * (time + net.rho * var.sqrt()))
        .collect();
    gcs.sort_by(f64::total_cmp);
    gcs
}

/// The k smallest GCs (ρ = 0) of admissible paths from hub `from` to hub `to`, by a
/// best-first enumeration of partial paths (A* with the exact unrestricted distance to
/// the sink as heuristic): complete paths come out in order of GC. Independent of Yen;
/// feasible on large graphs because only partial paths within the k-th GC are expanded.
fn best_first_gcs(rules: &Rules<'_>, from: HubId, to: HubId, k: usize) -> Vec<f64> {
    use corridor_sim::routing::Node;
    use petgraph::visit::{EdgeRef, Reversed};
    let graph = rules.graph;
    let find = |n: Node| graph.node_indices().find(|&v| graph[v] == n).expect("node");
    let (origin, sink) = (find(Node::Origin(from)), find(Node::Sink(to)));
    // Distance to the sink over usable edges, ignoring the rules: a lower bound.
    let unusable = 1e18;
    let h = petgraph::algo::dijkstra(Reversed(graph), sink, None, |e| {
        if rules.allowed(e.weight()) {
            rules.weight(e.weight())
        } else {
            unusable
        }
    });
    // Partial paths: (node, cost so far, walk state, hubs visited).
    let mut paths: Vec<(petgraph::graph::NodeIndex, f64, Walk, Vec<bool>)> = Vec::new();
    let mut heap = BinaryHeap::new();
    let mut visited = vec![false; rules.s.hubs.len()];
    visited[from.index()] = true;
    paths.push((origin, 0.0, Walk::default(), visited));
    heap.push(Item(h[&origin], 0));
    let mut out = Vec::new();
    while let Some(Item(_, id)) = heap.pop() {
        let (v, g, at, visited) = paths[id].clone();
        if v == sink {
            out.push(g);
            if out.len() == k {
                break;
            }
            continue;
        }
        let here = rules.hub_of(v);
        for e in graph.edges(v) {
            let u = e.target();
            let hu = rules.hub_of(u);
            let Some(&to_sink) = h.get(&u) else {
                continue;
            };
            if to_sink >= unusable || (hu != here && visited[hu]) {
                continue;
            }
            let Some(next) = rules.step(at, e.id()) else {
                continue;
            };
            let mut seen = visited.clone();
            seen[hu] = true;
            let gu = g + rules.weight(e.weight());
            paths.push((u, gu, next, seen));
            heap.push(Item(gu + to_sink, paths.len() - 1));
            assert!(paths.len() < 5_000_000, "oracle enumeration too large");
        }
    }
    out
}

/// On generated grid networks of 324 and 400 hubs (roads both ways, rail lines with
/// stations and transfers, customs at the border column), the k candidates of each
/// demand flow have the k smallest GCs of the best-first enumeration, to 1e-9 relative,
/// and are distinct routes.
#[test]
fn large_mixed_networks_match_best_first_enumeration() {
    use corridor_sim::routing::generate::{GridSpec, grid_scenario};
    for (side, seed) in [(18, 5), (20, 6)] {
        let spec = GridSpec {
            width: side,
            height: side,
            rail_spacing: 4,
            demand_flows: 12,
            seed,
        };
        let s = grid_scenario(&spec);
        let g = RoutingGraph::build(&s);
        let rules = Rules {
            s: &s,
            graph: g.graph(),
            road_allowed: true,
            rail_allowed: true,
            vot: 30.0,
        };
        for d in &s.demand {
            for k in [3, 6] {
                let got = candidates(&g, d.from, d.to, ModeSet::ALL, 30.0, k, 0.0);
                let want = best_first_gcs(&rules, d.from, d.to, k);
                assert_eq!(got.len(), want.len());
                for (r, w) in got.iter().zip(&want) {
                    let gc = r.generalized_cost_usd_per_teu;
                    assert!((gc - w).abs() <= 1e-9 * w, "k={k}: {gc} vs {w} ({want:?})");
                }
                for (i, r) in got.iter().enumerate() {
                    assert!(got[..i].iter().all(|o| o.legs != r.legs), "duplicate route");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// On random multimodal networks (transfers, customs, services with fares and dwell,
    /// restricted modes, ρ ∈ {0, 0.5, 1}) the k routes have exactly the k smallest GCs of
    /// an exhaustive enumeration of hub-loopless paths of the routing graph.
    #[test]
    fn k_best_routes_match_exhaustive_enumeration(net in multi_net()) {
        let s = multi_scenario(&net);
        let g = RoutingGraph::build(&s);
        let mut modes = Vec::new();
        if net.road_allowed { modes.push(Mode::Road); }
        if net.rail_allowed { modes.push(Mode::Rail); }
        let vot = 36.0;
        let routes = candidates(
            &g, HubId::new(net.from), HubId::new(net.to), ModeSet::of(&modes), vot, net.k,
            net.rho,
        );
        let gcs = all_loopless_gcs(&s, &g, &net, vot);
        prop_assert_eq!(routes.len(), net.k.min(gcs.len()));
        for (r, gc) in routes.iter().zip(&gcs) {
            prop_assert!(close(r.generalized_cost_usd_per_teu, *gc),
                "routes {:?} vs paths {:?}",
                routes.iter().map(|r| r.generalized_cost_usd_per_teu).collect::<Vec<_>>(),
                gcs.iter().take(8).collect::<Vec<_>>());
            let mut hubs = r.hubs.clone();
            hubs.sort();
            hubs.dedup();
            prop_assert_eq!(hubs.len(), r.hubs.len());
            prop_assert_eq!(r.hubs.first(), Some(&HubId::new(net.from)));
            prop_assert_eq!(r.hubs.last(), Some(&HubId::new(net.to)));
        }
        for (i, r) in routes.iter().enumerate() {
            prop_assert!(routes[..i].iter().all(|o| o.legs != r.legs), "duplicate route");
        }
    }
}

// ---------------------------------------------------------------------------------------
// 2. The hand-computable two-corridor network.
// ---------------------------------------------------------------------------------------

#[test]
fn corridor_constants_shift_the_shares_of_the_same_routes() {
    let loaded = scenario::load(&data("two_corridors.toml")).expect("test scenario loads");
    let mut s = loaded.scenario;
    let before = plan(&s).per_demand[0].clone();
    let (g_north, g_south) = (
        before[0].generalized_cost_usd_per_teu,
        before[1].generalized_cost_usd_per_teu,
    );
    // +900 USD/TEU against the northern corridor: its routes weigh GC + 900 in the
    // logit, so GC* becomes the southern route's and the north keeps little freight.
    s.corridors[0].choice_constant_usd_per_teu = 900.0;
    let after = plan(&s).per_demand[0].clone();
    let best = (g_north + 900.0).min(g_south);
    let w_north = (-4.0 * (g_north + 900.0) / best).exp();
    let w_south = (-4.0 * g_south / best).exp();
    assert!(
        close(after[0].share, w_north / (w_north + w_south)),
        "{}",
        after[0].share
    );
    assert!(after[0].share < 0.5 && before[0].share > 0.96);
    // The same routes, in the same order, with their own figures: only shares move.
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(a.legs, b.legs);
        assert_eq!(
            a.generalized_cost_usd_per_teu,
            b.generalized_cost_usd_per_teu
        );
    }
    // A constant of 0 is no constant at all.
    s.corridors[0].choice_constant_usd_per_teu = 0.0;
    assert_eq!(plan(&s).per_demand[0], before);
}

#[test]
fn two_corridors_by_hand() {
    let loaded = scenario::load(&data("two_corridors.toml")).expect("test scenario loads");
    let s = &loaded.scenario;
    let planned = plan(s);
    assert_eq!(planned.per_demand.len(), 1);
    let routes = &planned.per_demand[0];
    assert_eq!(routes.len(), 2);
    let (north, south) = (&routes[0], &routes[1]);

    // VOT = value × default rate = 30 000 × 0.001 = 30 USD per TEU-day; ρ = 0; θ = 4.
    let vot = 30_000.0 * 0.001;
    assert!(close(s.demand[0].vot_usd_per_teu_day, vot));

    // North: truck zone→port 8 h, transfer at port 2 h (fixed), wait for the weekly ship
    // half of 168 h = 84 h, sea triangular(60, 72, 90) mean (60 + 72 + 90)/3 = 74 h.
    // Time = 8 + 2 + 84 + 74 = 168 h = 7 days.
    // Cost = 400 (road) + 50 (transfer) + 300 (sea link; the ship has no fare) = 750.
    // GC = 750 + 30 × 7 = 960.
    let north_time_h = 8.0 + 2.0 + 168.0 / 2.0 + (60.0 + 72.0 + 90.0) / 3.0;
    assert!(close(north_time_h, 168.0));
    let north_cost = 400.0 + 50.0 + 300.0;
    let north_gc = north_cost + vot * north_time_h / 24.0;
    assert!(close(north_gc, 960.0));
    // SD: headway wait uniform on [0, 168): 168²/12 = 2352 h²; triangular variance
    // (60² + 72² + 90² − 60·72 − 60·90 − 72·90)/18 = 684/18 = 38 h²; the rest is fixed.
    let north_sd = (2352.0f64 + 38.0).sqrt();

    // South: one road link, lognormal median 40 h, p90 55 h:
    // σ = ln(55/40)/z0.9 with z0.9 = 1.2815515655446004, mean = 40·exp(σ²/2) ≈ 41.254 h.
    // Cost 1700; GC = 1700 + 30 × mean/24 ≈ 1751.57.
    let sigma = (55.0f64 / 40.0).ln() / 1.281_551_565_544_600_4;
    assert_eq!(Z_0_9, 1.281_551_565_544_600_4);
    let south_time_h = 40.0 * (sigma * sigma / 2.0).exp();
    let south_cost = 1700.0;
    let south_gc = south_cost + vot * south_time_h / 24.0;
    // Lognormal variance: (exp(σ²) − 1)·exp(2μ + σ²) with μ = ln 40.
    let south_sd = ((sigma * sigma).exp_m1() * 1600.0 * (sigma * sigma).exp()).sqrt();

    // Relative-cost logit: P_r ∝ exp(−θ·GC_r/GC*), GC* = 960.
    let theta = 4.0;
    let w_north = (-theta * north_gc / north_gc).exp();
    let w_south = (-theta * south_gc / north_gc).exp();
    let north_share = w_north / (w_north + w_south);
    let south_share = w_south / (w_north + w_south);
    assert!(north_share > 0.96 && north_share < 0.97); // ≈ 0.9643

    assert!(close(north.time_h, north_time_h), "{}", north.time_h);
    assert!(close(north.sd_time_h, north_sd), "{}", north.sd_time_h);
    assert!(close(north.cost_usd_per_teu, north_cost));
    assert!(close(north.generalized_cost_usd_per_teu, north_gc));
    assert!(close(north.share, north_share), "{}", north.share);
    assert!(close(south.time_h, south_time_h), "{}", south.time_h);
    assert!(close(south.sd_time_h, south_sd), "{}", south.sd_time_h);
    assert!(close(south.cost_usd_per_teu, south_cost));
    assert!(close(south.generalized_cost_usd_per_teu, south_gc));
    assert!(close(south.share, south_share), "{}", south.share);
    assert!(close(north.share + south.share, 1.0));

    // The legs and how they read.
    let hub = |id: &str| s.hub_by_id(id).expect("hub");
    let ship = s.service_by_id("weekly-ship").expect("service");
    let link = |id: &str| LinkId::new(s.links.iter().position(|l| l.id == id).expect("link"));
    assert_eq!(
        north.legs,
        vec![
            Leg::Drive {
                link: link("zone-port"),
                from: hub("zone"),
                to: hub("port")
            },
            Leg::Transfer { hub: hub("port") },
            Leg::Ride {
                service: ship,
                board: 0,
                alight: 1
            },
        ]
    );
    assert_eq!(north.hubs, vec![hub("zone"), hub("port"), hub("market")]);
    assert_eq!(
        route_label(s, north),
        "zone >truck> port >weekly-ship> market"
    );
    assert_eq!(route_modes(s, north), "road+sea");
    assert_eq!(route_corridors(s, north), "north");
    assert_eq!(route_label(s, south), "zone >truck> market");
    assert_eq!(route_modes(s, south), "road");
    assert_eq!(route_corridors(s, south), "south");

    // All-or-nothing: θ = ∞ or k = 1 puts everything on the cheapest route.
    let mut aon = s.clone();
    aon.choice.logit_scale = f64::INFINITY;
    let r = plan(&aon);
    assert_eq!(
        r.per_demand[0].iter().map(|r| r.share).collect::<Vec<_>>(),
        vec![1.0, 0.0]
    );
    let mut one = s.clone();
    one.choice.k_routes = 1;
    let r = plan(&one);
    assert_eq!(r.per_demand[0].len(), 1);
    assert_eq!(r.per_demand[0][0].share, 1.0);
    assert_eq!(r.per_demand[0][0].legs, north.legs);
}

#[test]
fn plan_is_deterministic() {
    let loaded = scenario::load(&data("two_corridors.toml")).expect("test scenario loads");
    let a = plan(&loaded.scenario);
    for _ in 0..3 {
        assert_eq!(plan(&loaded.scenario), a);
    }
}

#[test]
fn demand_modes_restrict_the_plan() {
    let loaded = scenario::load(&data("two_corridors.toml")).expect("test scenario loads");
    let mut s = loaded.scenario;
    s.demand[0].modes = ModeSet::of(&[Mode::Road]);
    let p = plan(&s);
    assert_eq!(p.per_demand[0].len(), 1);
    assert_eq!(route_label(&s, &p.per_demand[0][0]), "zone >truck> market");
    assert_eq!(p.per_demand[0][0].share, 1.0);
}

// ---------------------------------------------------------------------------------------
// 3. `corridor routes`.
// ---------------------------------------------------------------------------------------

fn corridor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(args)
        .output()
        .expect("run corridor")
}

#[test]
fn cli_routes_csv() {
    let file = data("two_corridors.toml");
    let out = corridor(&[
        "routes",
        file.to_str().expect("utf-8 path"),
        "--from",
        "zone",
        "--to",
        "market",
        "--csv",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "rank,route,modes,corridors,time_h,cost_usd_per_teu,generalized_cost_usd_per_teu,share,nest,nest_share,path_size"
    );
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with(
        "1,zone >truck> port >weekly-ship> market,road+sea,north,168.000,750.00,960.00,0.96"
    ));
    assert!(lines[2].starts_with("2,zone >truck> market,road,south,"));
}

#[test]
fn cli_routes_table_and_k() {
    let file = data("two_corridors.toml");
    let out = corridor(&[
        "routes",
        file.to_str().expect("utf-8 path"),
        "--from",
        "zone",
        "--to",
        "market",
        "-k",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("rank  route"));
    assert!(lines[1].contains("zone >truck> port >weekly-ship> market"));
}

#[test]
fn cli_routes_unknown_hub_is_bad_input() {
    let file = data("two_corridors.toml");
    let out = corridor(&[
        "routes",
        file.to_str().expect("utf-8 path"),
        "--from",
        "atlantis",
        "--to",
        "market",
        "--csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"atlantis\" is not a hub"), "{err}");
}

#[test]
fn cli_routes_missing_file_is_bad_input() {
    let out = corridor(&[
        "routes",
        "tests/data/no-such-file.toml",
        "--from",
        "zone",
        "--to",
        "market",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// A zone is an origin or destination, never a waypoint: a short road through a zone must
/// not carry other flows (else plugging in a zone reroutes everyone through its connectors).
#[test]
fn routes_never_pass_through_a_zone() {
    let text = r#"
[scenario]
name = "zone-shortcut"
horizon_days = 10
warmup_days = 1
replications = 1
seed = 1
[choice]
k_routes = 3
[[hubs]]
id = "a"
name = "A"
kind = "road_base"
lat = 0
lon = 0
[[hubs]]
id = "z"
name = "Zone"
kind = "zone"
lat = 0
lon = 1
[[hubs]]
id = "b"
name = "B"
kind = "market"
lat = 0
lon = 2
[[links]]
id = "a-z"
from = "a"
to = "z"
mode = "road"
distance_km = 10
time_h = 1
cost_usd_per_teu = 10
[[links]]
id = "z-b"
from = "z"
to = "b"
mode = "road"
distance_km = 10
time_h = 1
cost_usd_per_teu = 10
[[links]]
id = "a-b"
from = "a"
to = "b"
mode = "road"
distance_km = 500
time_h = 20
cost_usd_per_teu = 500
[[demand]]
from = "a"
to = "b"
teu_per_day = 1
value_usd_per_teu = 30000
due_days = 2
[[demand]]
from = "z"
to = "b"
teu_per_day = 1
value_usd_per_teu = 30000
due_days = 2
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let s = corridor_sim::scenario::load(&path).unwrap().scenario;
    let plan = corridor_sim::routing::plan(&s);
    let z = s.hub_by_id("z").unwrap();
    let through = &plan.per_demand[0];
    assert_eq!(through.len(), 1, "only the direct road: {through:?}");
    assert!(!through[0].hubs.contains(&z));
    // From the zone itself the short road is of course used.
    assert_eq!(plan.per_demand[1][0].hubs.first(), Some(&z));
}
