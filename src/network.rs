//! The immutable physical network: hubs as nodes, links as directed edges.
//!
//! Built once from a validated [`Scenario`] and then only borrowed: routing and every
//! simulation replication read it concurrently. A two-way link contributes an edge in each
//! direction; both carry the same [`LinkId`].

use crate::ids::{HubId, LinkId};
use crate::scenario::Scenario;
use petgraph::graph::{DiGraph, NodeIndex};

/// The hub/link graph of a scenario.
#[derive(Debug, Clone)]
pub struct Network {
    /// Node `i` is hub `i`; each edge is a traversable direction of a link.
    pub graph: DiGraph<HubId, LinkId>,
}

impl Network {
    /// Builds the graph. Node indices equal hub indices.
    pub fn build(scenario: &Scenario) -> Self {
        let mut graph = DiGraph::with_capacity(scenario.hubs.len(), scenario.links.len() * 2);
        for i in 0..scenario.hubs.len() {
            graph.add_node(HubId::new(i));
        }
        for (i, link) in scenario.links.iter().enumerate() {
            let id = LinkId::new(i);
            let (a, b) = (node(link.from), node(link.to));
            graph.add_edge(a, b, id);
            if link.two_way {
                graph.add_edge(b, a, id);
            }
        }
        Self { graph }
    }

    /// Links leaving `hub`, with the hub each leads to.
    pub fn out_links(&self, hub: HubId) -> impl Iterator<Item = (LinkId, HubId)> + '_ {
        use petgraph::visit::EdgeRef;
        self.graph
            .edges(node(hub))
            .map(|e| (*e.weight(), HubId::new(e.target().index())))
    }
}

fn node(h: HubId) -> NodeIndex {
    NodeIndex::new(h.index())
}
