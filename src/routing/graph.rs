//! The state-expanded routing graph.
//!
//! A shipment's cost depends on more than the hub it is at: whether it is on a truck that
//! can drive on without a transfer, whether it has just alighted, whether it is still
//! aboard a vehicle, and whether it has cleared customs yet. Each of those situations is
//! a node, so that transfers and the once-only customs clearance are exact edges instead
//! of after-the-fact corrections, and a plain shortest-path search over the graph finds
//! routes that respect the semantics in the [module docs](super).
//!
//! ## Nodes
//!
//! Per hub `h`, and per customs layer `c` (`c = 1`: customs already cleared; the cleared
//! layer exists only when some hub has customs):
//!
//! | node | meaning |
//! |---|---|
//! | [`Node::Origin`]`(h)` | the shipment is created at `h` (no transfer there) |
//! | [`Node::Sink`]`(h)` | the shipment has arrived at `h` (no transfer there) |
//! | [`Node::Truck`]`(h, c)` | on a truck standing at `h`, having driven in (or started here) |
//! | [`Node::DriveOn`]`(h, c)` | on a truck about to leave `h` by road |
//! | [`Node::Alighted`]`(h, c)` | just off a service vehicle at `h` |
//! | [`Node::Ready`]`(h, c)` | off any vehicle at `h`, ready to board a service |
//! | [`Node::Aboard`]`(s, j, c)` | aboard service `s`, its vehicle at `stops[j]` (`j ≥ 1`) |
//!
//! ## Edges
//!
//! | edge | from → to | time and money |
//! |---|---|---|
//! | start | `Origin(h)` → `DriveOn(h, c)`, `Ready(h, c)` | free; `c = 0` for export and import flows (one edge each), `c = 1` for flows that declare nothing |
//! | finish | `Truck(h, c)`, `Alighted(h, c)` → `Sink(h)` | free |
//! | keep driving | `Truck(h, c)` → `DriveOn(h, c)` | free: one truck drives on |
//! | drive | `DriveOn(h, c)` → `Truck(g, c)` by road | link time (+ bottleneck), link cost |
//! | transfer | `Truck` → `Ready`; `Alighted` → `Ready`, `DriveOn` | transfer mean time, cost |
//! | board | `Ready(stops[i], c)` → `Aboard(s, i + 1, c)` | wait H/2 (variance H²/12) + hop `i` |
//! | stay aboard | `Aboard(s, j, c)` → `Aboard(s, j + 1, c)` | dwell at `stops[j]` + hop `j` |
//! | alight | `Aboard(s, j, c)` → `Alighted(stops[j], c)` | free |
//! | customs | `X(h, 0)` → `X(h, 1)` at a customs hub, one edge per declaring regime | export: customs mean time and cost; import: the hub's import time and cost where stated |
//!
//! Start and customs edges carry the [`CustomsRegime`] a flow must have to use them (a
//! query sees only its own), so one graph serves every regime: a flow with
//! `customs = "none"` starts in the cleared layer and never queues at, pays, or alights
//! for a customs hub.
//!
//! A hop is the service's link `legs[i]`: its mean time, plus the expected bottleneck wait
//! ([`bottleneck_delay`]), and its money cost ([`crate::tariff::hop_usd_per_teu`]: the
//! fare prorated by distance when the service has one, else the link's cost). At a hub with customs, every uncleared node
//! (`Truck`, `DriveOn`, `Alighted`, `Ready`, and `Aboard` at that stop) has no way out but
//! its customs edge (or alighting, when aboard): customs is the first thing that happens
//! at the first customs hub of a route, whether the shipment starts there, arrives there,
//! or merely passes through by truck. A shipment still uncleared cannot ride *through* an
//! intermediate stop with customs: it alights there, clears, and continues on a later
//! vehicle. The transfer nodes are split (`Truck`/`DriveOn`, `Alighted`/`Ready`) so that
//! no path can take two transfers in a row or a transfer at the destination, and
//! every path has exactly one sequence of [`Leg`](super::Leg)s.
//!
//! ## Parallel road links
//!
//! Two road links between the same hubs are two routes only when each is better than the
//! other in something (money, mean time or spread). A direction of a road link that
//! another link of the same ends matches or beats in all three (a road entered twice, or
//! once each way while links are two-way by default) gets no drive edge: left in, every
//! route over that road would come back once per copy, as distinct paths of equal cost,
//! and take a logit share per copy. Of exact copies the first in file order is kept.
//!
//! The graph is a petgraph [`DiGraph`] (inspectable with [`RoutingGraph::graph`]); the
//! searches run on compressed forward and reverse adjacency arrays derived from it, with
//! each edge's cost data stored as flat arrays so the inner loop touches no hash map
//! and no enum.

use crate::ids::{CorridorId, HubId, LinkId, ServiceId};
use crate::scenario::{
    Bottleneck, BottleneckPriority, Choice, CustomsRegime, Facility, HubKind, Mode, Scenario,
};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

/// Expected wait, hours, charged at a bottleneck whose background traffic alone saturates
/// it (utilisation ≥ 1). A steady-state M/M/c queue has no finite wait then; a year keeps
/// the route finite (so an OD with no alternative still gets a route, visibly terrible)
/// while pushing the choice towards any other route.
pub const SATURATED_BOTTLENECK_WAIT_H: f64 = 24.0 * 365.0;

/// A state of a shipment; see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// Created at this hub.
    Origin(HubId),
    /// Arrived at this hub.
    Sink(HubId),
    /// On a truck standing at the hub.
    Truck {
        /// Where.
        hub: HubId,
        /// Customs already cleared.
        cleared: bool,
    },
    /// On a truck about to leave the hub by road.
    DriveOn {
        /// Where.
        hub: HubId,
        /// Customs already cleared.
        cleared: bool,
    },
    /// Just off a service vehicle.
    Alighted {
        /// Where.
        hub: HubId,
        /// Customs already cleared.
        cleared: bool,
    },
    /// Off any vehicle, ready to board a service.
    Ready {
        /// Where.
        hub: HubId,
        /// Customs already cleared.
        cleared: bool,
    },
    /// Aboard a service vehicle standing at `stops[stop]`.
    Aboard {
        /// The service.
        service: ServiceId,
        /// Index into its stops (≥ 1).
        stop: u16,
        /// Customs already cleared.
        cleared: bool,
    },
}

/// What an edge of the routing graph stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// Leaving the origin, free.
    Start,
    /// Ending at the destination, free.
    Finish,
    /// Staying on the same truck at a hub, free.
    KeepDriving,
    /// Customs clearance at the hub.
    Customs(HubId),
    /// Changing vehicle at the hub.
    Transfer(HubId),
    /// Driving a road link.
    Drive {
        /// The link.
        link: LinkId,
        /// Entered at.
        from: HubId,
        /// Left at.
        to: HubId,
    },
    /// Waiting for and boarding the service at `stops[stop]`, then riding to `stop + 1`.
    Board {
        /// The service.
        service: ServiceId,
        /// Boarding stop index.
        stop: u16,
    },
    /// Staying aboard through `stops[stop]` (its dwell) and riding on to `stop + 1`.
    StayAboard {
        /// The service.
        service: ServiceId,
        /// Stop index passed through.
        stop: u16,
    },
    /// Getting off at `stops[stop]`.
    Alight {
        /// The service.
        service: ServiceId,
        /// Alighting stop index.
        stop: u16,
    },
}

/// An edge: what it is, which mode it needs, and its expected time and money.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    /// What it stands for.
    pub kind: EdgeKind,
    /// The mode a demand must allow to use it (`None`: always usable).
    pub mode: Option<Mode>,
    /// The customs regime a demand must have to use it (`None`: any). Start and customs
    /// edges carry one: see the module docs.
    pub regime: Option<CustomsRegime>,
    /// Money, USD per TEU.
    pub cost_usd_per_teu: f64,
    /// Expected time, hours.
    pub time_h: f64,
    /// Variance of the time, hours².
    pub var_time_h2: f64,
    /// Distance covered, km (0 for edges that move nothing: waits, customs, transfers).
    pub distance_km: f64,
    /// Corridor the distance counts towards (a service's own tag wins over its links').
    pub corridor: Option<CorridorId>,
}

/// Marks an edge usable by every demand in [`Arc::mode`].
pub(crate) const NO_MODE: u8 = u8::MAX;

/// [`Arc::mode`] of an edge for one customs regime: the bits above the modes', so that
/// the search's mode mask filters regimes at no extra cost.
pub(crate) const fn regime_bit(r: CustomsRegime) -> u8 {
    Mode::ALL.len() as u8 + r as u8
}

const _: () = assert!(
    Mode::ALL.len() + CustomsRegime::ALL.len() <= 8,
    "mask is a u8"
);

/// One entry of the search adjacency: everything a relaxation reads, in one record (one
/// cache line fetch instead of one per field array).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arc {
    /// Money, USD per TEU.
    pub(crate) cost: f64,
    /// Expected time, hours.
    pub(crate) time_h: f64,
    /// The node at the other end (head in the forward adjacency, tail in the reverse).
    pub(crate) other: u32,
    /// Index of the edge in the petgraph graph.
    pub(crate) edge: u32,
    /// `Mode as u8`, [`regime_bit`] of the customs regime it needs, or [`NO_MODE`].
    pub(crate) mode: u8,
}

/// The immutable routing graph of a scenario. Build once, share between threads, query
/// with a [`QueryWorkspace`](super::QueryWorkspace) per thread.
#[derive(Debug, Clone)]
pub struct RoutingGraph {
    graph: DiGraph<Node, Edge>,
    hub_count: usize,
    /// 2 when some hub has customs (uncleared + cleared), else 1.
    layers: usize,
    /// Node index of `Aboard(s, 1, 0)`.
    aboard_base: Vec<u32>,
    /// Hub of every node (for an `Aboard` node, the stop its vehicle stands at).
    pub(crate) node_hub: Vec<u32>,
    /// Forward adjacency: arcs out of node `v` are `fwd[fwd_first[v]..fwd_first[v + 1]]`,
    /// in edge insertion order.
    pub(crate) fwd_first: Vec<u32>,
    pub(crate) fwd: Vec<Arc>,
    /// Reverse adjacency, same layout: arcs into node `v`.
    pub(crate) rev_first: Vec<u32>,
    pub(crate) rev: Vec<Arc>,
    pub(crate) edge_tail: Vec<u32>,
    pub(crate) edge_head: Vec<u32>,
    choice: Choice,
    /// Per hub: customs there takes advance declarations (see [`RoutingGraph::adjust`]).
    pub(crate) hub_advance: Vec<bool>,
    /// Per hub: departure-port rebate per TEU boarding a service there.
    pub(crate) hub_rebate: Vec<f64>,
    /// Per corridor: its choice constant, added to the GC of the routes whose main
    /// corridor it is when the offered routes share the freight.
    pub(crate) corridor_constant: Vec<f64>,
}

/// Per hub and layer: Truck, DriveOn, Alighted, Ready.
const HUB_NODES_PER_LAYER: usize = 4;

#[derive(Clone, Copy)]
enum HubState {
    Truck = 0,
    DriveOn = 1,
    Alighted = 2,
    Ready = 3,
}

impl RoutingGraph {
    /// Builds the routing graph of a validated scenario.
    ///
    /// The scenario's `[choice]` is kept as the default of queries.
    ///
    /// # Panics
    ///
    /// Only on a broken [`Scenario`] invariant (an id out of range, a service whose `legs`
    /// do not match its stops) or a graph of more than `u32::MAX` nodes or edges.
    ///
    /// # Complexity
    ///
    /// O(H + L + Σ stops) time and memory, for H hubs, L links and the services' stops:
    /// about 2 + 4·layers nodes per hub and a handful of edges per link and stop.
    #[must_use]
    pub fn build(scenario: &Scenario) -> Self {
        let mut b = Builder::new(scenario);
        for i in 0..scenario.hubs.len() {
            b.hub_edges(HubId::new(i));
        }
        for (i, offered) in offered_road_directions(scenario).into_iter().enumerate() {
            b.road_edges(LinkId::new(i), offered);
        }
        for i in 0..scenario.services.len() {
            b.service_edges(ServiceId::new(i));
        }
        let Builder {
            graph,
            layers,
            aboard_base,
            node_hub,
            ..
        } = b;
        let mut g = Self::freeze(
            graph,
            scenario.hubs.len(),
            layers,
            aboard_base,
            node_hub,
            scenario.choice.clone(),
        );
        g.hub_advance = scenario
            .hubs
            .iter()
            .map(|h| h.customs.is_some() && h.customs_policy.advance_declaration)
            .collect();
        g.hub_rebate = scenario
            .hubs
            .iter()
            .map(|h| h.departure_rebate_usd_per_teu)
            .collect();
        g.corridor_constant = scenario
            .corridors
            .iter()
            .map(|c| c.choice_constant_usd_per_teu)
            .collect();
        g
    }

    /// Derives the flat search arrays from the petgraph graph, keeping insertion order so
    /// that searches (and their tie-breaks) are deterministic.
    fn freeze(
        graph: DiGraph<Node, Edge>,
        hub_count: usize,
        layers: usize,
        aboard_base: Vec<u32>,
        node_hub: Vec<u32>,
        choice: Choice,
    ) -> Self {
        let n = graph.node_count();
        let m = graph.edge_count();
        assert!(u32::try_from(m).is_ok(), "too many edges");
        let mut edge_tail = Vec::with_capacity(m);
        let mut edge_head = Vec::with_capacity(m);
        for e in graph.raw_edges() {
            edge_tail.push(index_u32(e.source().index()));
            edge_head.push(index_u32(e.target().index()));
        }
        let arc = |e: usize, other: u32| {
            let w = &graph.raw_edges()[e].weight;
            Arc {
                cost: w.cost_usd_per_teu,
                time_h: w.time_h,
                other,
                edge: index_u32(e),
                mode: match (w.regime, w.mode) {
                    (Some(r), _) => regime_bit(r),
                    (None, Some(mode)) => mode as u8,
                    (None, None) => NO_MODE,
                },
            }
        };
        let (fwd_first, fwd_order) = csr(n, &edge_tail);
        let fwd = fwd_order
            .iter()
            .map(|&e| arc(e as usize, edge_head[e as usize]))
            .collect();
        let (rev_first, rev_order) = csr(n, &edge_head);
        let rev = rev_order
            .iter()
            .map(|&e| arc(e as usize, edge_tail[e as usize]))
            .collect();
        Self {
            graph,
            hub_count,
            layers,
            aboard_base,
            node_hub,
            fwd_first,
            fwd,
            rev_first,
            rev,
            edge_tail,
            edge_head,
            choice,
            hub_advance: vec![false; hub_count],
            hub_rebate: vec![0.0; hub_count],
            corridor_constant: Vec::new(),
        }
    }

    /// The underlying petgraph graph (node and edge weights describe every state and cost).
    #[must_use]
    pub fn graph(&self) -> &DiGraph<Node, Edge> {
        &self.graph
    }

    /// Number of hubs of the scenario the graph was built from.
    #[must_use]
    pub fn hub_count(&self) -> usize {
        self.hub_count
    }

    /// Nodes in the graph.
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Edges in the graph.
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// θ of the scenario's relative-cost logit, the default for queries.
    #[must_use]
    pub fn logit_scale(&self) -> f64 {
        self.choice.logit_scale
    }

    /// The scenario's `[choice]`, the default for queries.
    #[must_use]
    pub fn choice(&self) -> &Choice {
        &self.choice
    }

    /// The edge with this index.
    #[inline]
    pub(crate) fn edge(&self, e: u32) -> &Edge {
        &self.graph.raw_edges()[e as usize].weight
    }

    /// Node where a shipment created at `hub` starts (an index into [`Self::graph`]).
    #[must_use]
    pub fn origin_node(&self, hub: HubId) -> u32 {
        index_u32(hub.index())
    }

    /// Node where a shipment arriving at `hub` ends (an index into [`Self::graph`]).
    #[must_use]
    pub fn sink_node(&self, hub: HubId) -> u32 {
        index_u32(self.hub_count + hub.index())
    }

    /// Whether `v` is some hub's `Origin` or `Sink` (nodes `0..2H`): a search skips those
    /// of other ODs with one comparison instead of pushing every hub's sink.
    #[inline]
    pub(crate) fn is_endpoint(&self, v: u32) -> bool {
        (v as usize) < 2 * self.hub_count
    }

    /// Node index of `Aboard(service, stop, cleared)`, for tests and diagnostics
    /// (`cleared` is ignored when no hub has customs: there is one layer).
    ///
    /// # Panics
    ///
    /// If `service` is out of range or `stop` is 0. A `stop` past the service's last is
    /// not checked and names another node.
    #[must_use]
    pub fn aboard_node(&self, service: ServiceId, stop: u16, cleared: bool) -> NodeIndex {
        NodeIndex::new(
            self.aboard_base[service.index()] as usize
                + (usize::from(stop) - 1) * self.layers
                + usize::from(cleared && self.layers == 2),
        )
    }
}

/// Adds the nodes and edges of a scenario to a petgraph graph; see the module docs for
/// what each node and edge means.
struct Builder<'a> {
    scenario: &'a Scenario,
    graph: DiGraph<Node, Edge>,
    hub_count: usize,
    /// State nodes per hub: four per layer.
    block: usize,
    layers: usize,
    aboard_base: Vec<u32>,
    node_hub: Vec<u32>,
}

impl<'a> Builder<'a> {
    /// All nodes: every hub's `Origin` (0..H), every hub's `Sink` (H..2H), the hubs' state
    /// nodes in blocks (so a node's index is arithmetic on its hub), then every service's
    /// `Aboard` nodes.
    fn new(scenario: &'a Scenario) -> Self {
        let hub_count = scenario.hubs.len();
        let layers = if scenario.hubs.iter().any(|h| h.customs.is_some()) {
            2
        } else {
            1
        };
        let block = HUB_NODES_PER_LAYER * layers;
        let aboard_nodes: usize = scenario
            .services
            .iter()
            .map(|s| (s.stops.len() - 1) * layers)
            .sum();
        let nodes = hub_count * (2 + block) + aboard_nodes;
        let edges =
            hub_count * (2 + 10 * layers) + scenario.links.len() * 2 * layers + aboard_nodes * 3;
        let mut graph = DiGraph::with_capacity(nodes, edges);
        let mut node_hub = Vec::with_capacity(nodes);
        for i in 0..hub_count {
            graph.add_node(Node::Origin(HubId::new(i)));
            node_hub.push(index_u32(i));
        }
        for i in 0..hub_count {
            graph.add_node(Node::Sink(HubId::new(i)));
            node_hub.push(index_u32(i));
        }
        for i in 0..hub_count {
            let hub = HubId::new(i);
            for c in 0..layers {
                let cleared = c == 1;
                graph.add_node(Node::Truck { hub, cleared });
                graph.add_node(Node::DriveOn { hub, cleared });
                graph.add_node(Node::Alighted { hub, cleared });
                graph.add_node(Node::Ready { hub, cleared });
            }
            node_hub.extend(std::iter::repeat_n(hub.0, block));
        }
        let mut aboard_base = Vec::with_capacity(scenario.services.len());
        for (si, s) in scenario.services.iter().enumerate() {
            aboard_base.push(index_u32(graph.node_count()));
            for (j, &stop_hub) in s.stops.iter().enumerate().skip(1) {
                for c in 0..layers {
                    graph.add_node(Node::Aboard {
                        service: ServiceId::new(si),
                        stop: stop_index(j),
                        cleared: c == 1,
                    });
                    node_hub.push(stop_hub.0);
                }
            }
        }
        Self {
            scenario,
            graph,
            hub_count,
            block,
            layers,
            aboard_base,
            node_hub,
        }
    }

    fn origin(&self, hub: HubId) -> NodeIndex {
        NodeIndex::new(hub.index())
    }

    fn sink(&self, hub: HubId) -> NodeIndex {
        NodeIndex::new(self.hub_count + hub.index())
    }

    fn state(&self, hub: HubId, layer: usize, state: HubState) -> NodeIndex {
        debug_assert!(layer < self.layers);
        NodeIndex::new(
            2 * self.hub_count
                + hub.index() * self.block
                + layer * HUB_NODES_PER_LAYER
                + state as usize,
        )
    }

    fn aboard(&self, service: ServiceId, stop: usize, layer: usize) -> NodeIndex {
        NodeIndex::new(
            self.aboard_base[service.index()] as usize + (stop - 1) * self.layers + layer,
        )
    }

    /// Whether an uncleared shipment (layer 0) at `hub` is held by customs: its only way on
    /// is the customs edge.
    fn held(&self, hub: HubId, layer: usize) -> bool {
        layer == 0 && self.scenario.hub(hub).customs.is_some()
    }

    fn edge(&mut self, a: NodeIndex, b: NodeIndex, e: Edge) {
        self.graph.add_edge(a, b, e);
    }

    /// Start, finish, keep-driving, transfer and customs edges of one hub.
    fn hub_edges(&mut self, hub: HubId) {
        let h = self.scenario.hub(hub);
        // A same-day target caps the handling time; a two-step declaration holds the
        // shipment for the release step only.
        let transfer = facility_edge(
            EdgeKind::Transfer(hub),
            h.transfer.as_ref(),
            h.transfer
                .as_ref()
                .zip(h.transfer_target_h)
                .map(|(f, cap)| f.time_h.capped_moments(cap)),
        );
        let policy = &h.customs_policy;
        let release = policy
            .two_step_release_h
            .as_ref()
            .map(|d| (d.mean(), d.variance()));
        let export = Edge {
            regime: Some(CustomsRegime::Export),
            ..facility_edge(EdgeKind::Customs(hub), h.customs.as_ref(), release)
        };
        // An import declaration: its own time and charge where the hub states them.
        let import_time =
            release.or_else(|| (policy.import_time_h.as_ref()).map(|d| (d.mean(), d.variance())));
        let mut import = facility_edge(EdgeKind::Customs(hub), h.customs.as_ref(), import_time);
        import.regime = Some(CustomsRegime::Import);
        import.cost_usd_per_teu =
            crate::tariff::customs_usd_per_teu(self.scenario, hub, CustomsRegime::Import);
        // With customs somewhere, a flow that declares starts uncleared and one that
        // declares nothing starts cleared, so it never meets a customs edge.
        let starts: &[(usize, Option<CustomsRegime>)] = if self.layers == 2 {
            &[
                (0, Some(CustomsRegime::Export)),
                (0, Some(CustomsRegime::Import)),
                (1, Some(CustomsRegime::Exempt)),
            ]
        } else {
            &[(0, None)]
        };
        for &(layer, regime) in starts {
            let start = Edge {
                regime,
                ..free(EdgeKind::Start)
            };
            for state in [HubState::DriveOn, HubState::Ready] {
                self.edge(self.origin(hub), self.state(hub, layer, state), start);
            }
        }
        for c in 0..self.layers {
            if self.held(hub, c) {
                for state in [
                    HubState::Truck,
                    HubState::DriveOn,
                    HubState::Alighted,
                    HubState::Ready,
                ] {
                    for edge in [export, import] {
                        self.edge(self.state(hub, 0, state), self.state(hub, 1, state), edge);
                    }
                }
                continue;
            }
            let truck = self.state(hub, c, HubState::Truck);
            let drive_on = self.state(hub, c, HubState::DriveOn);
            let alighted = self.state(hub, c, HubState::Alighted);
            let ready = self.state(hub, c, HubState::Ready);
            // A zone is where freight starts or ends, never a waypoint: without this, a
            // plugged-in zone's two-way connectors become truck shortcuts for everyone
            // else's flows, and plug-in deltas would measure rerouting, not congestion.
            let waypoint = h.kind != HubKind::Zone;
            if waypoint {
                self.edge(truck, drive_on, free(EdgeKind::KeepDriving));
                self.edge(truck, ready, transfer);
                self.edge(alighted, ready, transfer);
                self.edge(alighted, drive_on, transfer);
            }
            self.edge(truck, self.sink(hub), free(EdgeKind::Finish));
            self.edge(alighted, self.sink(hub), free(EdgeKind::Finish));
        }
    }

    /// Drive edges of a road link (continuous trucking), each offered direction
    /// (`offered`: forward, backward; see [`offered_road_directions`]), in every layer
    /// where the tail is not held by customs. Other modes are only ridden.
    fn road_edges(&mut self, id: LinkId, offered: [bool; 2]) {
        let link = self.scenario.link(id);
        if link.mode != Mode::Road || link.from == link.to {
            return;
        }
        let (time_h, var_time_h2) = road_moments(link);
        let directions = [(link.from, link.to), (link.to, link.from)];
        for ((from, to), _) in directions.into_iter().zip(offered).filter(|d| d.1) {
            for c in 0..self.layers {
                if self.held(from, c) {
                    continue;
                }
                self.edge(
                    self.state(from, c, HubState::DriveOn),
                    self.state(to, c, HubState::Truck),
                    Edge {
                        kind: EdgeKind::Drive { link: id, from, to },
                        mode: Some(Mode::Road),
                        regime: None,
                        cost_usd_per_teu: link.cost_usd_per_teu,
                        time_h,
                        var_time_h2,
                        distance_km: link.distance_km,
                        corridor: link.corridor,
                    },
                );
            }
        }
    }

    /// Board (wait + first hop), stay-aboard (dwell + hop) and alight edges of a service.
    ///
    /// # Panics
    ///
    /// If the service's `legs` do not match its stops (a broken scenario invariant).
    fn service_edges(&mut self, service: ServiceId) {
        let s = self.scenario.service(service);
        assert_eq!(
            s.legs.len() + 1,
            s.stops.len(),
            "service legs do not match stops"
        );
        // A fixed schedule's legs and dwells take their stated times, without spread.
        let scheduled = s.scheduled_times_h(&self.scenario.links);
        // (money, mean time, variance, km, corridor) of riding each leg.
        let hops: Vec<(f64, f64, f64, f64, Option<CorridorId>)> = s
            .legs
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let link = self.scenario.link(l);
                let (b_time, b_var) = link
                    .bottleneck
                    .as_ref()
                    .map_or((0.0, 0.0), bottleneck_delay);
                let cost = crate::tariff::hop_usd_per_teu(self.scenario, s, i);
                let (time, var) = match &scheduled {
                    Some((legs_h, _)) => (legs_h[i], 0.0),
                    None => (link.time_h.mean(), link.time_h.variance()),
                };
                (
                    cost,
                    time + b_time,
                    var + b_var,
                    link.distance_km,
                    s.corridor.or(link.corridor),
                )
            })
            .collect();
        // Waiting for a departure at a random moment: uniform on [0, H).
        let wait_h = 0.5 * s.headway_h;
        let wait_var = s.headway_h * s.headway_h / 12.0;
        let (dwell_h, dwell_var) = match &scheduled {
            Some((_, dwell_h)) => (*dwell_h, 0.0),
            None => (s.dwell_h.mean(), s.dwell_h.variance()),
        };
        for c in 0..self.layers {
            for (i, &(cost, time, var, distance_km, corridor)) in hops.iter().enumerate() {
                let stop_hub = s.stops[i];
                // Held by customs: neither boards nor rides through before clearing.
                if self.held(stop_hub, c) {
                    continue;
                }
                let stop = stop_index(i);
                self.edge(
                    self.state(stop_hub, c, HubState::Ready),
                    self.aboard(service, i + 1, c),
                    Edge {
                        kind: EdgeKind::Board { service, stop },
                        mode: Some(s.mode),
                        regime: None,
                        cost_usd_per_teu: cost,
                        time_h: wait_h + time,
                        var_time_h2: wait_var + var,
                        distance_km,
                        corridor,
                    },
                );
                if i >= 1 {
                    self.edge(
                        self.aboard(service, i, c),
                        self.aboard(service, i + 1, c),
                        Edge {
                            kind: EdgeKind::StayAboard { service, stop },
                            mode: Some(s.mode),
                            regime: None,
                            cost_usd_per_teu: cost,
                            time_h: dwell_h + time,
                            var_time_h2: dwell_var + var,
                            distance_km,
                            corridor,
                        },
                    );
                }
            }
            for (j, &stop_hub) in s.stops.iter().enumerate().skip(1) {
                self.edge(
                    self.aboard(service, j, c),
                    self.state(stop_hub, c, HubState::Alighted),
                    free(EdgeKind::Alight {
                        service,
                        stop: stop_index(j),
                    }),
                );
            }
        }
    }
}

fn free(kind: EdgeKind) -> Edge {
    Edge {
        kind,
        mode: None,
        regime: None,
        cost_usd_per_teu: 0.0,
        time_h: 0.0,
        var_time_h2: 0.0,
        distance_km: 0.0,
        corridor: None,
    }
}

/// (mean time h, variance h²) of driving a road link, its bottleneck included.
fn road_moments(link: &crate::scenario::Link) -> (f64, f64) {
    let (b_time, b_var) = link
        .bottleneck
        .as_ref()
        .map_or((0.0, 0.0), bottleneck_delay);
    (link.time_h.mean() + b_time, link.time_h.variance() + b_var)
}

/// Per road link, whether its forward (`from → to`) and backward direction get drive
/// edges: a usable direction is dropped when another road link between the same hubs,
/// in the same direction, is no worse in money, mean time and variance, and better in
/// one of them or earlier in the file (see the [module docs](self)).
///
/// O(L log L) plus the square of the largest group of parallel links.
fn offered_road_directions(scenario: &Scenario) -> Vec<[bool; 2]> {
    let mut offered: Vec<[bool; 2]> = scenario.links.iter().map(|l| [true, l.two_way]).collect();
    /// A usable direction of a road link: (link index, direction, money, time, variance).
    type Direction = (usize, usize, f64, f64, f64);
    let mut groups: BTreeMap<(HubId, HubId), Vec<Direction>> = BTreeMap::new();
    for (i, l) in scenario.links.iter().enumerate() {
        if l.mode != Mode::Road || l.from == l.to {
            continue;
        }
        let (t, v) = road_moments(l);
        for (dir, ends) in [(l.from, l.to), (l.to, l.from)].into_iter().enumerate() {
            if offered[i][dir] {
                groups
                    .entry(ends)
                    .or_default()
                    .push((i, dir, l.cost_usd_per_teu, t, v));
            }
        }
    }
    for group in groups.values().filter(|g| g.len() > 1) {
        for &(i, dir, c, t, v) in group {
            let beaten = group.iter().any(|&(j, _, cj, tj, vj)| {
                let no_worse = cj <= c && tj <= t && vj <= v;
                let better = cj < c || tj < t || vj < v;
                j != i && no_worse && (better || j < i)
            });
            if beaten {
                offered[i][dir] = false;
            }
        }
    }
    offered
}

/// The edge of a hub facility (transfer or customs): its mean time (or `time`, the
/// (mean, variance) a policy makes of it) and charge; a hub without the facility does it
/// instantly and free of charge.
fn facility_edge(kind: EdgeKind, f: Option<&Facility>, time: Option<(f64, f64)>) -> Edge {
    f.map_or(free(kind), |f| {
        let (time_h, var_time_h2) = time.unwrap_or((f.time_h.mean(), f.time_h.variance()));
        Edge {
            kind,
            mode: None,
            regime: None,
            cost_usd_per_teu: f.cost_usd_per_teu,
            time_h,
            var_time_h2,
            distance_km: 0.0,
            corridor: None,
        }
    })
}

fn stop_index(j: usize) -> u16 {
    u16::try_from(j).expect("a service with more than 65535 stops")
}

fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("routing graph exceeds u32 indices")
}

/// Compressed adjacency grouped by `key[e]`, edges kept in index order within a group.
fn csr(n: usize, key: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut first = vec![0u32; n + 1];
    for &k in key {
        first[k as usize + 1] += 1;
    }
    for v in 0..n {
        first[v + 1] += first[v];
    }
    let mut fill = first.clone();
    let mut edges = vec![0u32; key.len()];
    for (e, &k) in key.iter().enumerate() {
        edges[fill[k as usize] as usize] = index_u32(e);
        fill[k as usize] += 1;
    }
    (first, edges)
}

/// Expected time through a bottleneck and its variance: (hours, hours²).
///
/// The bottleneck is an M/M/c queue (Erlang C) fed by its background traffic alone:
/// arrivals λ = `background_per_day` / 24 per hour, mean service time 1/μ = the mean of
/// `time_h`, c = `servers`. The expected time is the mean wait in queue plus the mean
/// service time. A vehicle's own service traffic is not added: it is what the simulation
/// models. The wait depends on the discipline:
///
/// - **First come, first served**: the M/M/c wait, 0 with probability 1 − C, else
///   exponential with rate cμ − λ (the whole queue ahead drains first): mean C/(cμ − λ),
///   variance C(2 − C)/(cμ − λ)². When utilisation λ/(cμ) ≥ 1 the wait is
///   [`SATURATED_BOTTLENECK_WAIT_H`] with no variance (see there why it is finite).
/// - **Freight first** ([`BottleneckPriority::Freight`]): the wait of a priority arrival in
///   a non-preemptive M/M/c priority queue whose only other class is the background
///   (Cobham's formula for the first class, W₁ = C/(cμ)/(1 − σ₁), with the freight's own
///   share σ₁ → 0, as above). It waits only if every server is busy (probability C, the
///   background's Erlang C, by PASTA) and then only for the first of c servers to free,
///   an exponential with rate cμ by memorylessness, however long the background queue:
///   mean C/(cμ), variance C(2 − C)/(cμ)². A saturated background (λ/(cμ) ≥ 1) keeps
///   every server busy (C = 1) but never blocks freight: the wait is 1/(cμ).
///
/// Exact for exponential `time_h`; for another distribution the same formulas with its
/// mean (the M/M/c approximation), plus its own service-time variance.
///
/// # Complexity
///
/// O(c).
#[must_use]
pub fn bottleneck_delay(b: &Bottleneck) -> (f64, f64) {
    let service_h = b.time_h.mean();
    let service_var = b.time_h.variance();
    let lambda_per_h = b.background_per_day / 24.0;
    if lambda_per_h <= 0.0 || service_h <= 0.0 {
        return (service_h, service_var);
    }
    let c = f64::from(b.servers.max(1));
    let offered = lambda_per_h * service_h; // a = λ/μ, in Erlangs
    let capacity_per_h = c / service_h; // cμ
    let (c_wait, drain_per_h) = match b.priority {
        BottleneckPriority::Fifo if offered >= c => {
            return (SATURATED_BOTTLENECK_WAIT_H + service_h, service_var);
        }
        BottleneckPriority::Fifo => (
            erlang_c(b.servers.max(1), offered),
            capacity_per_h - lambda_per_h, // cμ − λ
        ),
        BottleneckPriority::Freight if offered >= c => (1.0, capacity_per_h),
        BottleneckPriority::Freight => (erlang_c(b.servers.max(1), offered), capacity_per_h),
    };
    let wait_h = c_wait / drain_per_h;
    let wait_var = c_wait * (2.0 - c_wait) / (drain_per_h * drain_per_h);
    (wait_h + service_h, wait_var + service_var)
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with offered load `a`
/// Erlangs (< c), computed from the Erlang B recursion, which is stable for large c.
#[must_use]
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    let mut erlang_b = 1.0;
    for n in 1..=servers {
        let n = f64::from(n);
        erlang_b = a * erlang_b / (n + a * erlang_b);
    }
    let c = f64::from(servers);
    c * erlang_b / (c - a * (1.0 - erlang_b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::scenario::QueueStart;

    fn bottleneck(servers: u32, mean_h: f64, per_day: f64) -> Bottleneck {
        Bottleneck {
            name: "lock".into(),
            servers,
            time_h: Dist::Exponential { mean: mean_h },
            background_per_day: per_day,
            priority: BottleneckPriority::Fifo,
            start: QueueStart::Empty,
        }
    }

    #[test]
    fn erlang_c_single_server_is_utilisation() {
        // M/M/1: P(wait) = ρ.
        assert!((erlang_c(1, 0.6) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn erlang_c_two_servers_closed_form() {
        // M/M/2 with a = 1 Erlang: B(2, 1) = (1/2)/(1 + 1 + 1/2) = 0.2 and
        // C = c·B / (c − a(1 − B)) = 0.4 / (2 − 0.8) = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn mm1_bottleneck_wait() {
        // λ = 12/day = 0.5/h, 1/μ = 1 h: ρ = 0.5, Wq = ρ/(μ − λ) = 0.5/0.5 = 1 h, W = 2 h.
        let (t, var) = bottleneck_delay(&bottleneck(1, 1.0, 12.0));
        assert!((t - 2.0).abs() < 1e-12, "{t}");
        // Var(Wq) = C(2 − C)/(μ − λ)² = 0.5·1.5/0.25 = 3, plus service variance 1.
        assert!((var - 4.0).abs() < 1e-12, "{var}");
    }

    fn freight_first(servers: u32, mean_h: f64, per_day: f64) -> Bottleneck {
        Bottleneck {
            priority: BottleneckPriority::Freight,
            ..bottleneck(servers, mean_h, per_day)
        }
    }

    #[test]
    fn freight_first_waits_only_for_the_next_server() {
        // M/M/1 at ρ = 0.5 (λ = 0.5/h, μ = 1/h): FIFO waits C/(μ − λ) = 1 h; freight first
        // waits C/μ = 0.5 h, variance C(2 − C)/μ² = 0.75, plus the service's 1 h and 1 h².
        let (t, var) = bottleneck_delay(&freight_first(1, 1.0, 12.0));
        assert!((t - 1.5).abs() < 1e-12, "{t}");
        assert!((var - 1.75).abs() < 1e-12, "{var}");
        // M/M/2 at a = 1.6 (C = 0.7111): the lock of two lines charges C/(2μ) = 0.3556 h,
        // Cobham's class-1 wait with no other priority traffic; FIFO would be 1.7778 h.
        let (t, _) = bottleneck_delay(&freight_first(2, 1.0, 38.4));
        let c = 2.0 * 0.8f64.powi(2) / 1.8;
        assert!((t - 1.0 - c / 2.0).abs() < 1e-12, "{t}");
        let (fifo, _) = bottleneck_delay(&bottleneck(2, 1.0, 38.4));
        assert!((fifo - 1.0 - c / 0.4).abs() < 1e-12, "{fifo}");
    }

    #[test]
    fn a_saturated_background_never_blocks_freight_first() {
        // a = 3 ≥ c = 2: every server busy, freight waits for the first to free, 3/2 h.
        let (t, var) = bottleneck_delay(&freight_first(2, 3.0, 24.0));
        assert!((t - 4.5).abs() < 1e-12, "{t}");
        assert!((var - (2.25 + 9.0)).abs() < 1e-12, "{var}");
    }

    #[test]
    fn saturated_bottleneck_is_finite_penalty() {
        let (t, _) = bottleneck_delay(&bottleneck(2, 3.0, 24.0));
        // a = 1/h · 3 h = 3 ≥ c = 2.
        assert_eq!(t, SATURATED_BOTTLENECK_WAIT_H + 3.0);
        let (t, var) = bottleneck_delay(&bottleneck(2, 3.0, 0.0));
        assert_eq!((t, var), (3.0, 9.0));
    }
}
