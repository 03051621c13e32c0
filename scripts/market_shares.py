#!/usr/bin/env python3
"""Corridor shares of TEU by market, from the tables of a `corridor run` directory.

    scripts/market_shares.py RUN_DIR [--skip PATTERN]... MARKET=HUB[,HUB...] [MARKET=HUB...]

Each demand flow belongs to the market whose hubs include its destination (exports) or its
origin (imports); flows of no market (domestic) and flows whose id matches a --skip
pattern (shell-style, e.g. 'transit-*' for freight passing through) are left out. A route counts for
the corridors it uses (`route_shares.csv`, column `corridors`; a route on two corridors,
e.g. ILSTC rail then the CR Express, is counted under both names joined by "+"). The share
of a corridor in a market is the sum over the market's flows of simulated_share x the flow's
delivered TEU (`od_summary.csv`), over the market's delivered TEU. Prints a Markdown table.
"""

import csv
import fnmatch
import sys
from collections import defaultdict


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    run = argv[1]
    markets = {}
    skip = []
    args = iter(argv[2:])
    for spec in args:
        if spec == "--skip":
            skip.append(next(args, ""))
            continue
        name, _, hubs = spec.partition("=")
        if not hubs:
            sys.exit(f"bad market {spec!r}: expected NAME=HUB[,HUB...]")
        markets[name] = set(hubs.split(","))
    teu = {}
    with open(f"{run}/od_summary.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not any(fnmatch.fnmatchcase(r["demand"], p) for p in skip):
                teu[r["demand"]] = (r["origin"], r["destination"], float(r["teu"]))
    shares = defaultdict(lambda: defaultdict(float))
    totals = defaultdict(float)
    with open(f"{run}/route_shares.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["demand"] not in teu:
                continue
            origin, destination, flow_teu = teu[r["demand"]]
            market = next(
                (m for m, hubs in markets.items() if destination in hubs or origin in hubs),
                None,
            )
            if market is None:
                continue
            corridors = "+".join(sorted(set(r["corridors"].replace(";", " ").split())))
            shares[market][corridors or "(none)"] += float(r["simulated_share"]) * flow_teu
    for flow, (origin, destination, flow_teu) in teu.items():
        for m, hubs in markets.items():
            if destination in hubs or origin in hubs:
                totals[m] += flow_teu
                break
    print("| market | delivered TEU per replication | corridor shares of TEU |")
    print("|---|---|---|")
    for m in markets:
        total = totals[m]
        parts = sorted(shares[m].items(), key=lambda kv: -kv[1])
        text = ", ".join(f"{c} {100 * v / total:.1f} %" for c, v in parts if total and v / total >= 0.0005)
        print(f"| {m} | {total:,.0f} | {text} |")


if __name__ == "__main__":
    main(sys.argv)
