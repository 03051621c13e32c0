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

use super::graph::{Arc, EdgeKind, NO_MODE, RoutingGraph, regime_bit};
use super::{Leg, Route, choice};
use crate::ids::{CorridorId, HubId, ServiceId};
use crate::scenario::{Choice, ChoiceModel, CustomsRegime, Mode, ModeSet};
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
    /// How many best distinct routes to examine (0 gives none); those offered share.
    pub k: usize,
    /// ρ, the weight of SD(T) in the generalized cost (finite, ≥ 0).
    pub reliability_ratio: f64,
    /// θ of the relative-cost logit (> 0; `f64::INFINITY` for all-or-nothing).
    pub logit_scale: f64,
    /// How the freight is split among the routes offered.
    pub model: ChoiceModel,
    /// Routes whose GC exceeds this multiple of the best are not offered (≥ 1).
    pub gc_cutoff_ratio: f64,
    /// The customs declaration the shipment makes: which start and customs edges it may
    /// use (see [`super::graph`]).
    pub customs: CustomsRegime,
}

impl RouteQuery {
    /// A query for one OD with the scenario's `[choice]` settings.
    #[must_use]
    pub fn new(
        choice: &Choice,
        from: HubId,
        to: HubId,
        modes: ModeSet,
        vot_usd_per_teu_day: f64,
    ) -> Self {
        Self {
            from,
            to,
            modes,
            vot_usd_per_teu_day,
            k: usize::try_from(choice.k_routes).unwrap_or(usize::MAX),
            reliability_ratio: choice.reliability_ratio,
            logit_scale: choice.logit_scale,
            model: choice.model,
            gc_cutoff_ratio: choice.gc_cutoff_ratio,
            customs: CustomsRegime::Export,
        }
    }

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
    generation: Generation,
    pot: Vec<f64>,
    pot_stamp: Vec<u32>,
    pot_settled: Vec<u32>,
    pot_generation: Generation,
    /// Potential of nodes the bounded reverse search left unsettled.
    pot_radius: f64,
    /// The reverse search settled every node that reaches the target.
    pot_complete: bool,
    blocked_node: Vec<u32>,
    blocked_edge: Vec<u32>,
    blocked_hub: Vec<u32>,
    block_generation: Generation,
    hub_mark: Vec<u32>,
    hub_generation: Generation,
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
            .fold(0u8, |acc, &m| acc | (1 << (m as u8)))
            | (1 << regime_bit(q.customs));
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

/// The generation counter of a set of stamp arrays: an entry stamped with the current
/// generation is set, any other is not, so moving to the next generation clears every
/// entry at once (fast_paths' `ValidFlags`). The arrays are wiped for real only when the
/// counter would wrap, once in 2³² − 1 searches.
#[derive(Debug, Clone, Copy, Default)]
struct Generation(u32);

impl Generation {
    /// Moves to the next generation and returns it; `wipe` zeroes the stamp arrays when
    /// the counter wraps.
    fn advance(&mut self, wipe: impl FnOnce()) -> u32 {
        if self.0 == u32::MAX {
            wipe();
            self.0 = 0;
        }
        self.0 += 1;
        self.0
    }

    /// The current generation.
    fn current(self) -> u32 {
        self.0
    }
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
        let (nodes, edges, hubs) = (
            &mut self.blocked_node,
            &mut self.blocked_edge,
            &mut self.blocked_hub,
        );
        self.block_generation.advance(|| {
            nodes.fill(0);
            edges.fill(0);
            hubs.fill(0);
        })
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
        let (stamps, settled) = (&mut self.pot_stamp, &mut self.pot_settled);
        let pg = self.pot_generation.advance(|| {
            stamps.fill(0);
            settled.fill(0);
        });
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
        } else if self.pot_settled[v] == self.pot_generation.current() {
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
        let labels = &mut self.labels;
        let gen_ = self.generation.advance(|| labels.fill(Label::default()));
        let bg = self.block_generation.current();
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
    /// being an admissible route, if any. Each rule looks only at the path so far, so a
    /// path that breaks one at node i breaks it with every continuation (what Yen's
    /// spurring relies on); scenarios/README.md gives the reasons for each:
    ///
    /// 1. it comes back to a hub it had left;
    /// 2. it boards the service it has just alighted from at the same stop without
    ///    clearing customs in between (the same vehicles, plus a transfer and a wait);
    /// 3. it changes from one service to another at a hub where both go on to the same
    ///    next stop, and the change does not cost less (by `w`) than staying aboard to
    ///    that stop, or, when customs made it alight, than boarding the first service again;
    /// 4. it trucks further to reach or leave a ride than that ride goes (the longer of
    ///    the two rides when the trucking sits between two): the truck is then the
    ///    line-haul and the ride a detour.
    fn first_inadmissible(
        &mut self,
        g: &RoutingGraph,
        source: u32,
        path: &[u32],
        w: Weights,
    ) -> Option<usize> {
        let marks = &mut self.hub_mark;
        let hg = self.hub_generation.advance(|| marks.fill(0));
        let mut last = g.node_hub[source as usize];
        self.hub_mark[last as usize] = hg;
        // The ride just left: (alight edge, service, stop), and what was spent since on
        // transfers; whether customs was cleared since.
        let mut alighted: Option<(u32, ServiceId, u16)> = None;
        let mut spent_since_alight = 0.0;
        let mut cleared_since_alight = false;
        // Trucking and riding distances for rule 4.
        let (mut stretch_km, mut access_km, mut ride_km, mut prev_ride_km) =
            (0.0, 0.0, 0.0_f64, 0.0);
        for (i, &e) in path.iter().enumerate() {
            let edge = g.edge(e);
            match edge.kind {
                EdgeKind::Alight { service, stop } => {
                    if access_km > ride_km.max(prev_ride_km) {
                        return Some(i + 1);
                    }
                    prev_ride_km = ride_km;
                    alighted = Some((e, service, stop));
                    spent_since_alight = 0.0;
                    cleared_since_alight = false;
                }
                EdgeKind::Customs(_) => {
                    cleared_since_alight = true;
                    spent_since_alight += w.edge_weight(g, e);
                }
                EdgeKind::Transfer(_) => spent_since_alight += w.edge_weight(g, e),
                EdgeKind::Board { service, stop } => {
                    if let Some((alight_edge, s1, stop1)) = alighted {
                        let reboards = s1 == service && stop1 == stop && !cleared_since_alight;
                        if reboards
                            || g.pointless_change(
                                w,
                                alight_edge,
                                e,
                                spent_since_alight,
                                cleared_since_alight,
                            )
                        {
                            return Some(i + 1);
                        }
                    }
                    access_km = stretch_km;
                    stretch_km = 0.0;
                    ride_km = edge.distance_km;
                }
                EdgeKind::StayAboard { .. } => ride_km += edge.distance_km,
                EdgeKind::Drive { .. } => stretch_km += edge.distance_km,
                EdgeKind::Finish => {
                    if prev_ride_km > 0.0 && stretch_km > prev_ride_km {
                        return Some(i + 1);
                    }
                }
                EdgeKind::Start | EdgeKind::KeepDriving => {}
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
    /// Rule 3 of [`QueryWorkspace::first_inadmissible`]: whether changing from the
    /// service left by `alight` to the one boarded by `board` is pointless, `spent` being
    /// what the change cost since alighting (transfer, customs) and `cleared` whether
    /// customs was cleared in between.
    ///
    /// The comparison is the change (`spent` + waiting and riding the new service to its
    /// next stop) against staying aboard the old one to the same stop (its dwell and
    /// hop). When customs made the shipment alight, staying aboard was not possible: the
    /// comparison is then between boarding the new service and boarding the old one
    /// again, after the same customs and transfer.
    fn pointless_change(
        &self,
        w: Weights,
        alight: u32,
        board: u32,
        spent: f64,
        cleared: bool,
    ) -> bool {
        let EdgeKind::Alight { service: old, stop } = self.edge(alight).kind else {
            return false;
        };
        if matches!(self.edge(board).kind, EdgeKind::Board { service, .. } if service == old) {
            return false; // boarding the same service again: rule 2's business
        }
        let next_stop = self.node_hub[self.edge_head[board as usize] as usize];
        let (from, kind, change) = if cleared {
            let kind = EdgeKind::Board { service: old, stop };
            (
                self.edge_tail[board as usize],
                kind,
                w.edge_weight(self, board),
            )
        } else {
            let kind = EdgeKind::StayAboard { service: old, stop };
            (
                self.edge_tail[alight as usize],
                kind,
                spent + w.edge_weight(self, board),
            )
        };
        let v = from as usize;
        let (lo, hi) = (self.fwd_first[v] as usize, self.fwd_first[v + 1] as usize);
        self.fwd[lo..hi].iter().any(|a| {
            self.edge(a.edge).kind == kind
                && w.usable(a)
                && self.node_hub[a.other as usize] == next_stop
                && change >= w.weight(a)
        })
    }

    /// The routes offered to `query`'s freight, best first, with their shares under its
    /// choice model: [`Self::k_best_candidates`] less those dominated by another of them
    /// or dearer than `gc_cutoff_ratio` times the best (see scenarios/README.md, "Route
    /// choice"). Same panics and complexity as [`Self::k_best_candidates`].
    #[must_use]
    pub fn k_best_routes(&self, ws: &mut QueryWorkspace, query: &RouteQuery) -> Vec<Route> {
        let found = self.candidates(ws, query);
        self.offer(query, found)
    }

    /// The k best distinct admissible routes for `query`, by the generalized cost the
    /// search ranks them by (before advance-declaration and rebate credits), with
    /// shares left at 0: the candidates from which [`Self::k_best_routes`] offers.
    ///
    /// Two candidates never have the same legs: each is a different path of the routing
    /// graph, and no two paths of the graph have the same legs (parallel road links that
    /// add nothing are not in it; see [`super::graph`]).
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
    pub fn k_best_candidates(&self, ws: &mut QueryWorkspace, query: &RouteQuery) -> Vec<Route> {
        self.candidates(ws, query)
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    /// [`Self::k_best_candidates`] with their paths, in the order found by search cost.
    fn candidates(&self, ws: &mut QueryWorkspace, query: &RouteQuery) -> Vec<(Route, Vec<u32>)> {
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
            if ws.first_inadmissible(self, source, &path, w).is_none() {
                return vec![(self.assemble(query, &path).0, path)];
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
            if ws.first_inadmissible(self, source, p, w).is_none() {
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
        let mut routes: Vec<(Route, f64, Vec<u32>)> = Vec::new();
        let mut nodes: Vec<u32> = Vec::new();
        let mut root_gc0: Vec<f64> = Vec::new();

        while let Some(((bits, _), (path, deviation))) = candidates.pop_first() {
            if routes.len() >= query.k {
                let threshold = kth_smallest_gc(&routes, query.k);
                if f64::from_bits(bits) > threshold * (1.0 + 1e-12) {
                    break;
                }
            }
            let inadmissible = ws.first_inadmissible(self, source, &path, w);
            if inadmissible.is_none() {
                let (route, searched) = self.assemble(query, &path);
                routes.push((route, searched, path.clone()));
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
        routes.into_iter().map(|(r, _, path)| (r, path)).collect()
    }

    /// The choice set among the k best routes (`found`, with their paths), listed by
    /// generalized cost (stable), with path-size terms and shares:
    ///
    /// - a route dominated by another of them — no cheaper, no faster, no more reliable,
    ///   and worse in one of the three — is not offered;
    /// - nor is a route whose GC exceeds `gc_cutoff_ratio` times the best.
    ///
    /// The corridors' choice constants enter the shares only: the choice set and its
    /// order (the order the simulation samples routes in) are those of the routes' own
    /// GC, so a change of constants moves freight among the same routes, continuously,
    /// which is what lets `corridor calibrate` search the constants on common random
    /// numbers.
    fn offer(&self, query: &RouteQuery, found: Vec<(Route, Vec<u32>)>) -> Vec<Route> {
        let best = found
            .iter()
            .map(|r| r.0.generalized_cost_usd_per_teu)
            .fold(f64::INFINITY, f64::min);
        let dominated = |r: &Route| {
            found.iter().any(|(o, _)| {
                let no_worse = o.cost_usd_per_teu <= r.cost_usd_per_teu
                    && o.time_h <= r.time_h
                    && o.sd_time_h <= r.sd_time_h;
                let better = o.cost_usd_per_teu < r.cost_usd_per_teu
                    || o.time_h < r.time_h
                    || o.sd_time_h < r.sd_time_h;
                no_worse && better
            })
        };
        let mut offered: Vec<(Route, Vec<u32>)> = found
            .iter()
            .filter(|(r, _)| {
                !dominated(r) && r.generalized_cost_usd_per_teu <= best * query.gc_cutoff_ratio
            })
            .cloned()
            .collect();
        offered.sort_by(|a, b| {
            a.0.generalized_cost_usd_per_teu
                .total_cmp(&b.0.generalized_cost_usd_per_teu)
        });
        let elements: Vec<Vec<(Element, f64)>> =
            offered.iter().map(|(_, p)| self.elements(p)).collect();
        let mut routes: Vec<Route> = offered.into_iter().map(|(r, _)| r).collect();
        for (r, ps) in routes.iter_mut().zip(choice::path_sizes(&elements)) {
            r.path_size = ps;
        }
        let constants: Vec<f64> = routes
            .iter()
            .map(|r| {
                r.main_corridor
                    .map_or(0.0, |c| self.corridor_constant[c.index()])
            })
            .collect();
        let shares = choice::shares(query.model, query.logit_scale, &routes, &constants);
        for (r, share) in routes.iter_mut().zip(shares) {
            r.share = share;
        }
        routes
    }

    /// The physical elements of a path with their expected times: what two routes can
    /// share (a road link in one direction, a hop of a service, customs or a transfer at
    /// a hub). Customs layers do not matter: the same link cleared or not is one element.
    fn elements(&self, path: &[u32]) -> Vec<(Element, f64)> {
        path.iter()
            .filter_map(|&e| {
                let edge = self.edge(e);
                let element = match edge.kind {
                    EdgeKind::Drive { link, from, .. } => Element::Road(link.0, from.0),
                    EdgeKind::Board { service, stop } | EdgeKind::StayAboard { service, stop } => {
                        Element::Hop(service.0, stop)
                    }
                    EdgeKind::Customs(hub) => Element::Customs(hub.0),
                    EdgeKind::Transfer(hub) => Element::Transfer(hub.0),
                    EdgeKind::Start
                    | EdgeKind::Finish
                    | EdgeKind::KeepDriving
                    | EdgeKind::Alight { .. } => return None,
                };
                Some((element, edge.time_h))
            })
            .collect()
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
    /// - **departure-port rebates**: an export route's money is its charges minus the rebates
    ///   of the hubs where it boards services ([`crate::tariff::rebate_usd_per_teu`]), never
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
        let mut distance_km = 0.0;
        // km per corridor, in order of first use.
        let mut corridor_km: Vec<(CorridorId, f64)> = Vec::new();
        for &e in path {
            let edge = self.edge(e);
            distance_km += edge.distance_km;
            if let Some(c) = edge.corridor {
                match corridor_km.iter_mut().find(|x| x.0 == c) {
                    Some(x) => x.1 += edge.distance_km,
                    None => corridor_km.push((c, edge.distance_km)),
                }
            }
            if let EdgeKind::Customs(hub) = edge.kind
                && self.hub_advance[hub.index()]
            {
                let left_h = (edge.time_h - time_h).max(0.0);
                saved_h = edge.time_h - left_h;
                if left_h == 0.0 {
                    saved_var_h2 = edge.var_time_h2;
                }
            }
            if let EdgeKind::Board { .. } = edge.kind
                && q.customs == CustomsRegime::Export
            {
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
        let money = crate::tariff::net_of_rebates(money, rebate);
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
            distance_km,
            main_corridor: main_corridor(&corridor_km),
            path_size: 1.0,
            share: 0.0,
        };
        (route, searched)
    }
}

/// The k-th smallest search GC among `routes` (k ≤ len).
fn kth_smallest_gc(routes: &[(Route, f64, Vec<u32>)], k: usize) -> f64 {
    let mut gcs: Vec<f64> = routes.iter().map(|r| r.1).collect();
    gcs.sort_by(f64::total_cmp);
    gcs[k - 1]
}

/// The corridor with the most km (ties: the lower id) among (corridor, km) pairs.
fn main_corridor(corridor_km: &[(CorridorId, f64)]) -> Option<CorridorId> {
    corridor_km
        .iter()
        .copied()
        .reduce(|m, c| {
            if c.1 > m.1 || (c.1 == m.1 && c.0 < m.0) {
                c
            } else {
                m
            }
        })
        .map(|m| m.0)
}

/// A physical element of a route, for the path-size overlap (see [`choice`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Element {
    /// A road link entered at a hub (link, hub).
    Road(u32, u32),
    /// A service's hop from `stops[j]` to `stops[j + 1]` (service, j).
    Hop(u32, u16),
    /// Customs at a hub.
    Customs(u32),
    /// A transfer at a hub.
    Transfer(u32),
}

/// The k best hub-loopless routes from `from` to `to` (see
/// [`RoutingGraph::k_best_routes`]), offered and split by the rest of the scenario's
/// `[choice]` (logit scale, model, cut-off). Allocates a fresh workspace: for many queries keep a
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
    let query = RouteQuery {
        k,
        reliability_ratio: rho,
        ..RouteQuery::new(graph.choice(), from, to, modes, vot_usd_per_teu_day)
    };
    graph.k_best_routes(&mut ws, &query)
}

#[cfg(test)]
mod generation_tests {
    use super::Generation;

    #[test]
    fn a_generation_wipes_its_stamps_only_when_it_wraps() {
        let mut g = Generation(u32::MAX - 1);
        let mut wiped = 0;
        assert_eq!(g.advance(|| wiped += 1), u32::MAX);
        assert_eq!(wiped, 0);
        // The next generation would wrap to 0, which stale stamps hold: wipe, restart at 1.
        assert_eq!(g.advance(|| wiped += 1), 1);
        assert_eq!((wiped, g.current()), (1, 1));
    }
}
