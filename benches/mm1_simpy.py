#!/usr/bin/env python3
"""The M/M/1 customs model of tests/data/mm1.toml in SimPy, for a speed comparison.

Shipments arrive as a Poisson process (0.8 per hour), clear customs at one server with
exponential service (mean 1 h), then drive 2 h to the market: exactly what
`corridor run tests/data/mm1.toml` simulates. Prints shipments simulated per second of
wall time and the mean wait in queue (theory: 4 h), so the two tools can be compared per
shipment:

    python3 benches/mm1_simpy.py --days 2050
    corridor run tests/data/mm1.toml --replications 1 --threads 1 --stats

Optional: needs `pip install simpy`; nothing in the test suite runs it.
"""

import argparse
import random
import time

import simpy


def shipment(env, customs, waits, warmup_h):
    created = env.now
    with customs.request() as req:
        yield req
        if created >= warmup_h:
            waits.append(env.now - created)
        yield env.timeout(random.expovariate(1.0))
    yield env.timeout(2.0)


def arrivals(env, customs, waits, warmup_h):
    while True:
        yield env.timeout(random.expovariate(0.8))
        env.process(shipment(env, customs, waits, warmup_h))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=2050.0)
    parser.add_argument("--warmup-days", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    random.seed(args.seed)
    env = simpy.Environment()
    customs = simpy.Resource(env, capacity=1)
    waits = []
    env.process(arrivals(env, customs, waits, args.warmup_days * 24))
    started = time.perf_counter()
    env.run(until=args.days * 24)
    wall = time.perf_counter() - started
    shipments = len(waits) * args.days / (args.days - args.warmup_days)
    print(f"simpy {simpy.__version__}: {shipments:.0f} shipments in {wall:.2f} s "
          f"= {shipments / wall:,.0f} shipments/s; mean wait {sum(waits) / len(waits):.3f} h")


if __name__ == "__main__":
    main()
