#!/usr/bin/env python3
"""The M/M/1 customs model of tests/data/mm1.toml in SimPy, for a speed comparison.

Shipments arrive as a Poisson process (0.8 per hour), clear customs at one server with
exponential service (mean 1 h), then drive 2 h to the market: exactly what
`corridor run tests/data/mm1.toml` simulates. Prints shipments simulated per second of
wall time and the mean wait in queue (theory: 4 h), so the two tools can be compared per
shipment:

    python3 benches/mm1_simpy.py --days 2050
    python3 benches/mm1_simpy.py --days 2050 --report
    corridor run tests/data/mm1.toml --replications 32 --threads 1 --stats

By default the script records only the waits: the least a SimPy model does. With
`--report` it also computes, as a planner's script would have to, what `corridor run`
reports for this model from one replication: transit time mean and p50/p90/p95, on-time
share and cost per shipment; the customs hub's utilisation and mean number in system (time
integrals over the observation window), mean and p95 wait, mean time in system and
longest queue; and the shipments still under way at the horizon. Quantiles interpolate
between order statistics, as corridor-sim's do.

Optional: needs `pip install simpy`; nothing in the test suite runs it.
"""

import argparse
import random
import time

import simpy

DRIVE_H = 2.0
DUE_H = 24.0
COST_USD = 30.0 + 100.0


def shipment(env, customs, waits, warmup_h):
    created = env.now
    with customs.request() as req:
        yield req
        if created >= warmup_h:
            waits.append(env.now - created)
        yield env.timeout(random.expovariate(1.0))
    yield env.timeout(DRIVE_H)


class Report:
    """What corridor-sim reports for the model, accumulated as the model runs."""

    def __init__(self, env, customs, warmup_h):
        self.env, self.customs, self.warmup_h = env, customs, warmup_h
        self.in_system = self.busy = self.max_queue = 0
        self.last = 0.0
        self.area_in_system = self.area_busy = 0.0
        self.created = self.delivered = self.on_time = 0
        self.cost = 0.0
        self.waits, self.sojourns, self.transits = [], [], []

    def advance(self):
        """Brings the time integrals up to now, before a state change."""
        start = max(self.last, self.warmup_h)
        if self.env.now > start:
            dt = self.env.now - start
            self.area_in_system += self.in_system * dt
            self.area_busy += self.busy * dt
        self.last = self.env.now

    def shipment(self):
        env, created = self.env, self.env.now
        counted = created >= self.warmup_h
        self.created += counted
        self.advance()
        self.in_system += 1
        with self.customs.request() as req:
            if env.now >= self.warmup_h:
                self.max_queue = max(self.max_queue, len(self.customs.queue))
            yield req
            self.advance()
            self.busy += 1
            if counted:
                self.waits.append(env.now - created)
            yield env.timeout(random.expovariate(1.0))
            self.advance()
            self.busy -= 1
            self.in_system -= 1
            if counted:
                self.sojourns.append(env.now - created)
        yield env.timeout(DRIVE_H)
        if counted:
            transit = env.now - created
            self.transits.append(transit)
            self.delivered += 1
            self.on_time += transit <= DUE_H
            self.cost += COST_USD

    def summary(self, horizon_h):
        self.advance()
        window = horizon_h - self.warmup_h
        days = [t / 24.0 for t in self.transits]
        return {
            "transit_days_mean": sum(days) / len(days),
            "transit_days_p50": quantile(days, 0.5),
            "transit_days_p90": quantile(days, 0.9),
            "transit_days_p95": quantile(days, 0.95),
            "on_time_share": self.on_time / self.delivered,
            "cost_usd_per_teu_mean": self.cost / self.delivered,
            "in_transit_at_horizon": self.created - self.delivered,
            "utilisation": self.area_busy / window,
            "in_system_mean": self.area_in_system / window,
            "wait_h_mean": sum(self.waits) / len(self.waits),
            "wait_h_p95": quantile(self.waits, 0.95),
            "sojourn_h_mean": sum(self.sojourns) / len(self.sojourns),
            "max_queue": self.max_queue,
        }


def quantile(values, q):
    """The q-quantile, interpolating between order statistics (corridor-sim's rule)."""
    s = sorted(values)
    h = (len(s) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def arrivals(env, make_shipment):
    while True:
        yield env.timeout(random.expovariate(0.8))
        env.process(make_shipment())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=2050.0)
    parser.add_argument("--warmup-days", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--report", action="store_true",
                        help="also compute what corridor-sim reports (see the module docs)")
    args = parser.parse_args()
    random.seed(args.seed)
    env = simpy.Environment()
    customs = simpy.Resource(env, capacity=1)
    warmup_h, horizon_h = args.warmup_days * 24, args.days * 24
    if args.report:
        report = Report(env, customs, warmup_h)
        make_shipment = report.shipment
    else:
        waits = []
        make_shipment = lambda: shipment(env, customs, waits, warmup_h)  # noqa: E731
    env.process(arrivals(env, make_shipment))
    started = time.perf_counter()
    env.run(until=horizon_h)
    summary = report.summary(horizon_h) if args.report else None
    wall = time.perf_counter() - started
    waits = report.waits if args.report else waits
    shipments = len(waits) * args.days / (args.days - args.warmup_days)
    mode = "with corridor-sim's report" if args.report else "waits only"
    print(f"simpy {simpy.__version__} ({mode}): {shipments:.0f} shipments in {wall:.2f} s "
          f"= {shipments / wall:,.0f} shipments/s; mean wait {sum(waits) / len(waits):.3f} h")
    if summary:
        for key, value in summary.items():
            print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
