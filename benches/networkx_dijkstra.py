#!/usr/bin/env python3
"""NetworkX's Dijkstra on corridor-sim's large generated routing graph, for a speed
comparison on exactly the same graph and query.

    cargo run --release --example export_routing_graph -- grid.tsv
    python3 benches/networkx_dijkstra.py grid.tsv

The edge list (written by examples/export_routing_graph.rs) holds the state-expanded
routing graph of the 102 400-hub generated network with each edge weighted by the
generalised cost corridor-sim minimises, and its header records the query's source and
target, corridor-sim's least cost and its median query time. This script loads it into an
`nx.DiGraph`, runs `nx.dijkstra_path_length` (single-source Dijkstra that stops at the
target, the algorithm of corridor-sim's k = 1 query) several times, checks that the two
least costs agree, and prints both times and their ratio.

Optional: needs `pip install networkx`; nothing in the test suite runs it.
"""

import argparse
import statistics
import sys
import time

import networkx as nx


def load(path):
    header = {}
    g = nx.DiGraph()
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                key, value = line[1:].split()
                header[key] = value
                continue
            u, v, w = line.split("\t")
            g.add_edge(int(u), int(v), weight=float(w))
    return g, header


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edges", help="edge list from examples/export_routing_graph.rs")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    g, header = load(args.edges)
    load_s = time.perf_counter() - started
    source, target = int(header["source"]), int(header["target"])
    ours_cost = float(header["corridor_sim_cost"])
    ours_s = float(header["corridor_sim_query_s"])

    times = []
    cost = None
    for _ in range(args.runs):
        started = time.perf_counter()
        cost = nx.dijkstra_path_length(g, source, target, weight="weight")
        times.append(time.perf_counter() - started)
    nx_s = statistics.median(times)

    print(
        f"graph: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges "
        f"(loaded in {load_s:.1f} s)"
    )
    print(f"networkx {nx.__version__} dijkstra_path_length: {nx_s * 1e3:.0f} ms "
          f"(median of {args.runs}), least cost {cost:.6f}")
    print(f"corridor-sim k = 1 query:           {ours_s * 1e3:.0f} ms, least cost {ours_cost:.6f}")
    print(f"corridor-sim is {nx_s / ours_s:.1f}x faster")
    if abs(cost - ours_cost) > 1e-6 * max(1.0, abs(cost)):
        print("least costs DISAGREE", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
