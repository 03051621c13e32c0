//! Shortest paths and the k best loopless routes on a [`RoutingGraph`].
//!
//! Queries are many (every OD of every scenario variant) and the graph is large (a
//! generated network has millions of nodes), so a query allocates nothing per relaxed
//! edge: its labels live in a [`QueryWorkspace`] of dense arrays that is reused from one
//! query to the next and "cleared" by bumping a generation counter, as in the prepared-
//! graph routers (fast_paths, RoutingKit). Keep one workspace per thread.
//!
//! ## Yen's algorithm, loopless at the hub level
//!
//! A route must never visit a hub twice (a ride's intermediate stops count as visits), and
//! must not get off a service only to board the same service again at the same stop
//! unless customs was cleared there in between: that "alternative" rides the same
//! vehicles plus a transfer and a wait, and left in the k best it would take a share
//! of demand from genuinely different routes. In the state-expanded graph one hub is
//! several nodes, so "loopless" is stronger than node-simple. The enumeration is Yen's
//! (with Lawler's rule of spurring only from a path's own deviation point onwards) over
//! node-simple paths, where a spur search blocks the root path's nodes and every hub of
//! the root other than the spur node's own. A path that is still inadmissible (it comes
//! back to a hub, e.g. to avoid a dear transfer, or re-boards) is kept in Yen's accepted
//! list, so that its deviations are explored, but is never returned; deviations are only
//! spurred before the fault, whose roots are admissible. The result is exactly the k best
//! admissible routes.
//!
//! Spur searches are A* searches whose potential is the distance to the destination in
//! the unblocked graph, from one reverse Dijkstra per query stopped a little beyond the
//! origin's distance (a short OD in a large network pays for its neighbourhood only):
//! blocking only lengthens paths, so the potential stays admissible and consistent. Each
//! spur search is also cut off at the k-th best GC found so far among admissible paths:
//! Yen finds paths in nondecreasing cost, so nothing dearer, nor anything derived from
//! it, can make the k best. Together these keep a spur search to the detour it has to
//! find instead of the whole graph (a k = 3 query on a million-node graph costs less than
//! two plain Dijkstras).
//!
//! ## Generalized cost and reliability
//!
//! GC = money + VOT · (E(T) + ρ · SD(T)) is not a sum over edges when ρ > 0 (SD is the
//! square root of the summed variances). Paths are therefore enumerated in order of the
//! additive lower bound GC₀ = money + VOT · E(T), and enumeration stops once the next
//! candidate's GC₀ exceeds the k-th best true GC found: no path not yet seen can beat it.
//! With ρ = 0 the bound is exact and enumeration stops after k routes.

use super::graph::{Arc, EdgeKind, NO_MODE, RoutingGraph};
use super::{Leg, Route, logit_shares};
use crate::ids::HubId;
use crate::scenario::{Mode, ModeSet};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// Hours per day: VOT is per TEU-day, times are in hours.
const HOURS_PER_DAY: f64 = 24.0;

/// Paths Yen's algorithm may accept in one query (k routes plus hub-looped paths plus, when
/// ρ > 0, paths whose lower bound did not yet rule them out). A safeguard against
/// pathological graphs: when it is reached the routes returned are the best of those
/// examined, which is the exact answer in every case met so far.
#[must_use]
pub fn examination_cap(k: usize) -> usize {
    16 * k + 48
}

/// One route query: an OD, the modes allowed and the route-choice parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RouteQuery {
    /// Origin hub.
    pub from: HubId,
    /// Destination hub.
    pub to: HubId,
    /// Modes the shipment may use (a road link needs `Road`, a service its mode).
    pub modes: ModeSet,
    /// Value of time, USD per TEU-day (finite, ≥ 0).
    pub vot_usd_per_teu_day: f64,
    /// How many routes (0 gives none).
    pub k: usize,
    /// ρ, the weight of SD(T) in the generalized cost (finite, ≥ 0).
    pub reliability_ratio: f64,
    /// θ of the relative-cost logit (> 0; `f64::INFINITY` for all-or-nothing).
    pub logit_scale: f64,
}

impl RouteQuery {
    /// GC = money + VOT · (E(T) + ρ · SD(T)), USD per TEU: VOT per day, times in hours.
    /// Graph searches weigh each edge by its money and mean time (SD(T) = 0); the ρ·SD(T)
    /// term enters when whole candidate routes are ranked.
    #[must_use]
    pub fn generalized_cost(&self, money: f64, time_h: f64, sd_time_h: f64) -> f64 {
        money
            + self.vot_usd_per_teu_day / HOURS_PER_DAY
                * (time_h + self.reliability_ratio * sd_time_h)
    }
}

/// How far past the source's distance the reverse search settles potentials exactly, as a
/// share of that distance. Spur detours of the k best routes rarely reach further; beyond,
/// the potential is a weaker (still exact-preserving) lower bound.
const POTENTIAL_SLACK: f64 = 0.05;

/// A node's label in a forward search, kept together so a relaxation touches one cache line.
#[derive(Clone, Copy, Debug, Default)]
struct Label {
    /// Cost from the source.
    dist: f64,
    /// Edge it was reached by.
    pred: u32,
    /// Search generation the label belongs to; older ones are stale.
    stamp: u32,
}

/// Reusable per-thread scratch space for queries on one [`RoutingGraph`]: labels, stamps
/// and a heap, all sized to the graph once.
#[derive(Debug, Clone, Default)]
pub struct QueryWorkspace {
    labels: Vec<Label>,
    generation: u32,
    pot: Vec<f64>,
    pot_stamp: Vec<u32>,
    pot_settled: Vec<u32>,
    pot_generation: u32,
    /// Potential of nodes the bounded reverse search left unsettled.
    pot_radius: f64,
    /// The reverse search settled every node that reaches the target.
    pot_complete: bool,
    blocked_node: Vec<u32>,
    blocked_edge: Vec<u32>,
    blocked_hub: Vec<u32>,
    block_generation: u32,
    hub_mark: Vec<u32>,
    hub_generation: u32,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

/// The per-query edge weight: GC₀ = money + VOT per hour × mean time, and the mode filter.
#[derive(Clone, Copy)]
struct Weights {
    vot_usd_per_teu_h: f64,
    mode_mask: u8,
}

impl Weights {
    fn new(q: &RouteQuery) -> Self {
        let mode_mask = Mode::ALL
            .iter()
            .filter(|&&m| q.modes.contains(m))
            .fold(0u8, |acc, &m| acc | (1 << (m as u8)));
        Self {
            vot_usd_per_teu_h: q.vot_usd_per_teu_day / HOURS_PER_DAY,
            mode_mask,
        }
    }

    #[inline]
    fn usable(self, a: &Arc) -> bool {
        a.mode == NO_MODE || self.mode_mask & (1 << a.mode) != 0
    }

    #[inline]
    fn weight(self, a: &Arc) -> f64 {
        a.cost + self.vot_usd_per_teu_h * a.time_h
    }

    /// The weight of edge `e` (by its index in the petgraph graph).
    fn edge_weight(self, g: &RoutingGraph, e: u32) -> f64 {
        let edge = g.edge(e);
        edge.cost_usd_per_teu + self.vot_usd_per_teu_h * edge.time_h
    }
}

/// A non-negative finite cost as a totally ordered heap key.
#[inline]
fn key(cost: f64) -> u64 {
    debug_assert!(cost >= 0.0 && cost.is_finite(), "bad cost {cost}");
    cost.to_bits()
}

/// Next generation of a stamp array, wiping it when the counter would wrap.
fn next_generation(generation: &mut u32, stamps: &mut [u32]) -> u32 {
    if *generation == u32::MAX {
        stamps.fill(0);
        *generation = 0;
    }
    *generation += 1;
    *generation
}

impl QueryWorkspace {
    /// A workspace sized for `graph`.
    #[must_use]
    pub fn new(graph: &RoutingGraph) -> Self {
        let mut ws = Self::default();
        ws.fit(graph);
        ws
    }

    /// Resizes for `graph` if needed (a workspace may move between graphs).
    fn fit(&mut self, g: &RoutingGraph) {
        let n = g.node_count();
        let m = g.edge_count();
        let h = g.hub_count();
        if self.labels.len() != n {
            self.labels.resize(n, Label::default());
            self.pot.resize(n, 0.0);
            self.pot_stamp.resize(n, 0);
            self.pot_settled.resize(n, 0);
            self.blocked_node.resize(n, 0);
        }
        if self.blocked_edge.len() != m {
            self.blocked_edge.resize(m, 0);
        }
        if self.blocked_hub.len() != h {
            self.blocked_hub.resize(h, 0);
            self.hub_mark.resize(h, 0);
        }
    }

    /// Starts a new set of blocked nodes, edges and hubs (empty).
    fn new_block(&mut self) -> u32 {
        if self.block_generation == u32::MAX {
            self.blocked_node.fill(0);
            self.blocked_edge.fill(0);
            self.blocked_hub.fill(0);
            self.block_generation = 0;
        }
        self.block_generation += 1;
        self.block_generation
    }

    /// The A* potential: distances to `target` by reverse Dijkstra, stopped once every node
    /// within `(1 + POTENTIAL_SLACK)` times the source's distance is settled (a short OD
    /// in a large network must not pay for the whole network).
    ///
    /// A node left unsettled gets the stopping radius R as its potential: Dijkstra settles
    /// in order, so settled nodes are at most R from the target and unsettled ones at
    /// least R; the potential is then still a lower bound, and consistent (for an edge
    /// u → v: h(u) ≤ w + h(v) holds in each settled/unsettled case). Only when the search
    /// runs out of nodes is an unsettled node known not to reach the target.
    ///
    /// O((V + E) log V) at worst.
    fn compute_potentials(&mut self, g: &RoutingGraph, target: u32, source: u32, w: Weights) {
        if self.pot_generation == u32::MAX {
            self.pot_settled.fill(0);
        }
        let pg = next_generation(&mut self.pot_generation, &mut self.pot_stamp);
        self.heap.clear();
        self.pot[target as usize] = 0.0;
        self.pot_stamp[target as usize] = pg;
        self.heap.push(Reverse((key(0.0), target)));
        self.pot_complete = false;
        let mut stop_beyond = f64::INFINITY;
        while let Some(Reverse((k, v))) = self.heap.pop() {
            let vi = v as usize;
            let dv = self.pot[vi];
            if f64::from_bits(k) > dv || self.pot_settled[vi] == pg {
                continue;
            }
            if dv > stop_beyond {
                self.pot_radius = dv;
                return;
            }
            self.pot_settled[vi] = pg;
            if v == source {
                stop_beyond = dv * (1.0 + POTENTIAL_SLACK);
            }
            let (lo, hi) = (g.rev_first[vi], g.rev_first[vi + 1]);
            for a in &g.rev[lo as usize..hi as usize] {
                if !w.usable(a) {
                    continue;
                }
                let u = a.other;
                if g.is_endpoint(u) && u != source {
                    continue; // another hub's origin
                }
                let u = u as usize;
                let du = dv + w.weight(a);
                if self.pot_stamp[u] != pg || du < self.pot[u] {
                    self.pot[u] = du;
                    self.pot_stamp[u] = pg;
                    self.heap.push(Reverse((key(du), u as u32)));
                }
            }
        }
        self.pot_complete = true;
    }

    #[inline]
    fn potential(&self, v: usize, with_pot: bool) -> Option<f64> {
        if !with_pot {
            Some(0.0)
        } else if self.pot_settled[v] == self.pot_generation {
            Some(self.pot[v])
        } else if self.pot_complete {
            None
        } else {
            Some(self.pot_radius)
        }
    }

    /// The cheapest path (edge indices) from `source` to `target`; `None` if there is
    /// none costing at most `bound`. With `YEN`, an A* search on the potentials that
    /// avoids what is blocked in the current block generation; without, plain Dijkstra
    /// (no block or potential lookups in the inner loop). Ties go to the node popped first,
    /// i.e. (key, node index): deterministic.
    fn shortest<const YEN: bool>(
        &mut self,
        g: &RoutingGraph,
        source: u32,
        target: u32,
        w: Weights,
        bound: f64,
    ) -> Option<Vec<u32>> {
        if self.generation == u32::MAX {
            self.labels.fill(Label::default());
            self.generation = 0;
        }
        self.generation += 1;
        let gen_ = self.generation;
        let bg = self.block_generation;
        self.heap.clear();
        let h0 = self.potential(source as usize, YEN)?;
        self.labels[source as usize] = Label {
            dist: 0.0,
            pred: u32::MAX,
            stamp: gen_,
        };
        self.heap.push(Reverse((key(h0), source)));
        while let Some(Reverse((k, v))) = self.heap.pop() {
            let vi = v as usize;
            let dv = self.labels[vi].dist;
            let hv = if YEN {
                self.potential(vi, true).unwrap_or(0.0)
            } else {
                0.0
            };
            if f64::from_bits(k) > dv + hv {
                continue; // stale entry
            }
            if f64::from_bits(k) > bound {
                return None; // every path left costs more than the caller can use
            }
            if v == target {
                return Some(self.walk_back(g, source, target));
            }
            let (lo, hi) = (g.fwd_first[vi], g.fwd_first[vi + 1]);
            for a in &g.fwd[lo as usize..hi as usize] {
                if !w.usable(a) {
                    continue;
                }
                let u = a.other;
                if g.is_endpoint(u) && u != target {
                    continue; // another hub's sink
                }
                let u = u as usize;
                let hu = if YEN {
                    if self.blocked_edge[a.edge as usize] == bg
                        || self.blocked_node[u] == bg
                        || self.blocked_hub[g.node_hub[u] as usize] == bg
                    {
                        continue;
                    }
                    let Some(hu) = self.potential(u, true) else {
                        continue; // cannot reach the target from there
                    };
                    hu
                } else {
                    0.0
                };
                let du = dv + w.weight(a);
                let label = &mut self.labels[u];
                if label.stamp != gen_ || du < label.dist {
                    *label = Label {
                        dist: du,
                        pred: a.edge,
                        stamp: gen_,
                    };
                    self.heap.push(Reverse((key(du + hu), u as u32)));
                }
            }
        }
        None
    }

    fn walk_back(&self, g: &RoutingGraph, source: u32, target: u32) -> Vec<u32> {
        let mut edges = Vec::new();
        let mut v = target;
        while v != source {
            let e = self.labels[v as usize].pred;
            edges.push(e);
            v = g.edge_tail[e as usize];
            assert!(edges.len() <= g.node_count(), "predecessor cycle");
        }
        edges.reverse();
        edges
    }

    /// Index (into the path's node sequence) of the first node at which the path stops
    /// being an admissible route, if any: it comes back to a hub it had left, or it
    /// boards the service it has just alighted from at the same stop without clearing
    /// customs in between (a dominated detour: the same vehicles, plus a transfer and a
    /// wait).
    fn first_inadmissible(&mut self, g: &RoutingGraph, source: u32, path: &[u32]) -> Option<usize> {
        let hg = next_generation(&mut self.hub_generation, &mut self.hub_mark);
        let mut last = g.node_hub[source as usize];
        self.hub_mark[last as usize] = hg;
        let mut alighted = None;
        for (i, &e) in path.iter().enumerate() {
            match g.edge(e).kind {
                EdgeKind::Alight { service, stop } => alighted = Some((service, stop)),
                EdgeKind::Customs(_) => alighted = None,
                EdgeKind::Board { service, stop } if alighted == Some((service, stop)) => {
                    return Some(i + 1);
                }
                _ => {}
            }
            let h = g.node_hub[g.edge_head[e as usize] as usize];
            if h != last {
                if self.hub_mark[h as usize] == hg {
                    return Some(i + 1);
                }
                self.hub_mark[h as usize] = hg;
                last = h;
            }
        }
        None
    }
}

impl RoutingGraph {
    /// The k best hub-loopless routes for `query`, best first, with their logit shares.
    ///
    /// Routes are ordered by generalized cost; equal costs keep the order in which the
    /// search found them, which depends only on the graph (built in scenario order), so
    /// the same scenario always gives the same routes in the same order. Fewer than k
    /// routes come back when fewer exist (none when the destination cannot be reached
    /// with the allowed modes, or when origin and destination are the same hub).
    ///
    /// # Panics
    ///
    /// If `from` or `to` is not a hub of the graph, or the VOT or ρ is negative or not
    /// finite.
    ///
    /// # Complexity
    ///
    /// k = 1 and ρ = 0: one Dijkstra, O((V + E) log V) at worst, stopping at the
    /// destination. Otherwise one reverse Dijkstra over the whole graph, then Yen: for
    /// each of at most [`examination_cap`]`(k)` accepted paths of P nodes, up to P spur
    /// A* searches (each usually exploring only its detour) and O(k·P) prefix comparisons.
    #[must_use]
    pub fn k_best_routes(&self, ws: &mut QueryWorkspace, query: &RouteQuery) -> Vec<Route> {
        assert!(
            query.from.index() < self.hub_count() && query.to.index() < self.hub_count(),
            "hub out of range"
        );
        assert!(
            query.vot_usd_per_teu_day.is_finite() && query.vot_usd_per_teu_day >= 0.0,
            "VOT must be finite and >= 0"
        );
        assert!(
            query.reliability_ratio.is_finite() && query.reliability_ratio >= 0.0,
            "reliability ratio must be finite and >= 0"
        );
        if query.k == 0 || query.from == query.to {
            return Vec::new();
        }
        ws.fit(self);
        let w = Weights::new(query);
        let source = self.origin_node(query.from);
        let target = self.sink_node(query.to);
        let rho = query.reliability_ratio;

        if query.k == 1 && rho == 0.0 {
            ws.new_block();
            let Some(path) = ws.shortest::<false>(self, source, target, w, f64::INFINITY) else {
                return Vec::new();
            };
            // An inadmissible best path is rare; Yen below handles it exactly.
            if ws.first_inadmissible(self, source, &path).is_none() {
                let mut routes = vec![self.assemble(query, &path).0];
                set_shares(&mut routes, query.logit_scale);
                return routes;
            }
        }

        ws.compute_potentials(self, target, source, w);
        ws.new_block();
        let Some(first) = ws.shortest::<true>(self, source, target, w, f64::INFINITY) else {
            return Vec::new();
        };
        let cap = examination_cap(query.k);
        let mut accepted: Vec<Vec<u32>> = Vec::new();
        // (GC₀ bits, insertion sequence) → (path, deviation index): pops cheapest first,
        // ties in insertion order.
        let mut candidates: BTreeMap<(u64, u64), (Vec<u32>, usize)> = BTreeMap::new();
        let mut known: BTreeSet<Vec<u32>> = BTreeSet::new();
        // The k smallest GCs among all admissible paths found (returned or waiting): a
        // path whose GC₀ exceeds the largest of them cannot make the k best, nor can any
        // path Yen derives from it (Yen finds paths in nondecreasing cost), so spur
        // searches stop there instead of exploring expensive detours.
        let mut best_k: BinaryHeap<u64> = BinaryHeap::new();
        let note_found = |ws: &mut QueryWorkspace, best_k: &mut BinaryHeap<u64>, p: &[u32]| {
            if ws.first_inadmissible(self, source, p).is_none() {
                best_k.push(key(self.path_gc(query, p)));
                if best_k.len() > query.k {
                    best_k.pop();
                }
            }
        };
        let mut seq = 0u64;
        note_found(ws, &mut best_k, &first);
        candidates.insert((key(self.path_gc0(w, &first)), seq), (first.clone(), 0));
        known.insert(first);
        // Routes found, with the generalized cost the search ranked them by.
        let mut routes: Vec<(Route, f64)> = Vec::new();
        let mut nodes: Vec<u32> = Vec::new();
        let mut root_gc0: Vec<f64> = Vec::new();

        while let Some(((bits, _), (path, deviation))) = candidates.pop_first() {
            if routes.len() >= query.k {
                let threshold = kth_smallest_gc(&routes, query.k);
                if f64::from_bits(bits) > threshold * (1.0 + 1e-12) {
                    break;
                }
            }
            let inadmissible = ws.first_inadmissible(self, source, &path);
            if inadmissible.is_none() {
                routes.push(self.assemble(query, &path));
            }
            accepted.push(path);
            if (rho == 0.0 && routes.len() >= query.k) || accepted.len() >= cap {
                break;
            }
            let p = accepted.last().expect("just pushed");
            nodes.clear();
            nodes.push(source);
            nodes.extend(p.iter().map(|&e| self.edge_head[e as usize]));
            root_gc0.clear();
            root_gc0.push(0.0);
            for &e in p {
                root_gc0.push(root_gc0[root_gc0.len() - 1] + w.edge_weight(self, e));
            }
            // Spur nodes past that point would carry the fault in their root.
            let last_spur = inadmissible.unwrap_or(p.len()).min(p.len());
            for i in deviation..last_spur {
                let bg = ws.new_block();
                let root = &p[..i];
                for q in &accepted {
                    if q.len() > i && q[..i] == *root {
                        ws.blocked_edge[q[i] as usize] = bg;
                    }
                }
                let spur = nodes[i];
                let spur_hub = self.node_hub[spur as usize];
                for &v in &nodes[..i] {
                    ws.blocked_node[v as usize] = bg;
                    let h = self.node_hub[v as usize];
                    if h != spur_hub {
                        ws.blocked_hub[h as usize] = bg;
                    }
                }
                let bound = if best_k.len() < query.k {
                    f64::INFINITY
                } else {
                    let kth = f64::from_bits(*best_k.peek().expect("k >= 1"));
                    // A little slack so that rounding never drops a path tied with the
                    // k-th (ties are resolved by discovery order, which must not change).
                    kth * (1.0 + 1e-9) + 1e-9 - root_gc0[i]
                };
                if bound < 0.0 {
                    continue;
                }
                if let Some(tail) = ws.shortest::<true>(self, spur, target, w, bound) {
                    let mut total = Vec::with_capacity(i + tail.len());
                    total.extend_from_slice(root);
                    total.extend_from_slice(&tail);
                    if !known.contains(&total) {
                        seq += 1;
                        let gc0 = self.path_gc0(w, &total);
                        note_found(ws, &mut best_k, &total);
                        known.insert(total.clone());
                        candidates.insert((key(gc0), seq), (total, i));
                    }
                }
            }
        }
        // The k best by the searched cost (stable: ties keep discovery order), then
        // listed and split by their cost after the policies of `assemble`.
        routes.sort_by(|a, b| a.1.total_cmp(&b.1));
        routes.truncate(query.k);
        let mut routes: Vec<Route> = routes.into_iter().map(|(r, _)| r).collect();
        routes.sort_by(|a, b| {
            a.generalized_cost_usd_per_teu
                .total_cmp(&b.generalized_cost_usd_per_teu)
        });
        set_shares(&mut routes, query.logit_scale);
        routes
    }

    /// GC₀ of a path, summed edge by edge in path order.
    fn path_gc0(&self, w: Weights, path: &[u32]) -> f64 {
        path.iter().map(|&e| w.edge_weight(self, e)).sum()
    }

    /// (money, mean time h, variance h²) of a path, summed in path order.
    fn path_sums(&self, path: &[u32]) -> (f64, f64, f64) {
        path.iter().fold((0.0, 0.0, 0.0), |(m, t, v), &e| {
            let edge = self.edge(e);
            (
                m + edge.cost_usd_per_teu,
                t + edge.time_h,
                v + edge.var_time_h2,
            )
        })
    }

    /// The true generalized cost of a path (as [`Route::generalized_cost_usd_per_teu`]).
    fn path_gc(&self, q: &RouteQuery, path: &[u32]) -> f64 {
        let (money, time_h, var_h2) = self.path_sums(path);
        q.generalized_cost(money, time_h, var_h2.max(0.0).sqrt())
    }

    /// The route a path stands for, with its expected figures (share left at 0), and the
    /// generalized cost the search ranked it by.
    ///
    /// The search ranks paths by the sum of their edges. Two policies are not sums of
    /// edges, so they are applied here, to the routes the search found:
    ///
    /// - **advance declaration**: customs at the hub is processed from the origin on, so
    ///   the customs edge counts only the expected time not yet elapsed on arrival,
    ///   `max(0, E(customs) − E(time to reach the hub))` (with no spread when that is 0);
    /// - **departure-port rebates**: the route's money is its charges minus the rebates
    ///   of the hubs where it boards services ([`super::rebate_usd_per_teu`]), never
    ///   below zero.
    ///
    /// Which k routes a shipper considers is therefore decided before these credits;
    /// their costs, times and shares come after.
    fn assemble(&self, q: &RouteQuery, path: &[u32]) -> (Route, f64) {
        let mut legs = Vec::new();
        let mut hubs = vec![q.from];
        let (mut money, mut time_h, mut var_h2) = (0.0, 0.0, 0.0);
        let (mut saved_h, mut saved_var_h2, mut rebate) = (0.0, 0.0, 0.0);
        let mut board = 0u16;
        for &e in path {
            let edge = self.edge(e);
            if let EdgeKind::Customs(hub) = edge.kind
                && self.hub_advance[hub.index()]
            {
                let left_h = (edge.time_h - time_h).max(0.0);
                saved_h = edge.time_h - left_h;
                if left_h == 0.0 {
                    saved_var_h2 = edge.var_time_h2;
                }
            }
            if let EdgeKind::Board { .. } = edge.kind {
                rebate +=
                    self.hub_rebate[self.node_hub[self.edge_tail[e as usize] as usize] as usize];
            }
            money += edge.cost_usd_per_teu;
            time_h += edge.time_h;
            var_h2 += edge.var_time_h2;
            let h = HubId(self.node_hub[self.edge_head[e as usize] as usize]);
            if hubs.last() != Some(&h) {
                hubs.push(h);
            }
            match edge.kind {
                EdgeKind::Customs(hub) => legs.push(Leg::Customs { hub }),
                EdgeKind::Transfer(hub) => legs.push(Leg::Transfer { hub }),
                EdgeKind::Drive { link, from, to } => legs.push(Leg::Drive { link, from, to }),
                EdgeKind::Board { stop, .. } => board = stop,
                EdgeKind::Alight { service, stop } => legs.push(Leg::Ride {
                    service,
                    board,
                    alight: stop,
                }),
                EdgeKind::Start
                | EdgeKind::Finish
                | EdgeKind::KeepDriving
                | EdgeKind::StayAboard { .. } => {}
            }
        }
        let searched = q.generalized_cost(money, time_h, var_h2.max(0.0).sqrt());
        let money = (money - rebate).max(0.0);
        let time_h = time_h - saved_h;
        let sd_time_h = (var_h2 - saved_var_h2).max(0.0).sqrt();
        let generalized = q.generalized_cost(money, time_h, sd_time_h);
        let route = Route {
            legs,
            hubs,
            time_h,
            sd_time_h,
            cost_usd_per_teu: money,
            generalized_cost_usd_per_teu: generalized,
            share: 0.0,
        };
        (route, searched)
    }
}

/// The k-th smallest search GC among `routes` (k ≤ len).
fn kth_smallest_gc(routes: &[(Route, f64)], k: usize) -> f64 {
    let mut gcs: Vec<f64> = routes.iter().map(|r| r.1).collect();
    gcs.sort_by(f64::total_cmp);
    gcs[k - 1]
}

fn set_shares(routes: &mut [Route], theta: f64) {
    let gcs: Vec<f64> = routes
        .iter()
        .map(|r| r.generalized_cost_usd_per_teu)
        .collect();
    for (r, s) in routes.iter_mut().zip(logit_shares(&gcs, theta)) {
        r.share = s;
    }
}

/// The k best hub-loopless routes from `from` to `to` (see
/// [`RoutingGraph::k_best_routes`]), split with the graph's default logit scale (the
/// scenario's `choice.logit_scale`). Allocates a fresh workspace: for many queries keep a
/// [`QueryWorkspace`] and call [`RoutingGraph::k_best_routes`].
///
/// # Panics
///
/// As [`RoutingGraph::k_best_routes`].
///
/// # Complexity
///
/// As [`RoutingGraph::k_best_routes`], plus O(V + E) to allocate the workspace.
#[must_use]
pub fn k_best_routes(
    graph: &RoutingGraph,
    from: HubId,
    to: HubId,
    modes: ModeSet,
    vot_usd_per_teu_day: f64,
    k: usize,
    rho: f64,
) -> Vec<Route> {
    let mut ws = QueryWorkspace::new(graph);
    graph.k_best_routes(
        &mut ws,
        &RouteQuery {
            from,
            to,
            modes,
            vot_usd_per_teu_day,
            k,
            reliability_ratio: rho,
            logit_scale: graph.logit_scale(),
        },
    )
}
