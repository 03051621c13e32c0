//! Route choice feedback (`[choice] feedback`) against closed forms and on Chongqing.

mod cli;

use corridor_sim::ids::DemandId;
use corridor_sim::routing::Leg;
use corridor_sim::run::{self, Compiled};
use corridor_sim::scenario::{self, Scenario};
use corridor_sim::sim::ReplicationResult;
use corridor_sim::stats::{Summary, Welford};

fn load(rel: &str) -> Scenario {
    scenario::load(&cli::data(rel))
        .expect("the test scenario loads")
        .scenario
}

/// Demand: 1.2 TEU per hour; bottleneck: one server, mean service `service_h`.
const LAMBDA_PER_H: f64 = 1.2;
/// Value of time, USD per TEU-hour (2400 per day).
const VOT_PER_H: f64 = 100.0;
/// Logit scale θ and reliability ratio ρ of the test scenario.
const THETA: f64 = 4.0;
const RHO: f64 = 1.0;

/// The equilibrium share of the route through the M/M/1 bottleneck: the root of
/// `p = P_fast(GC_fast(p), GC_slow)` by bisection. The time in an M/M/1 system is
/// exponential with mean (and SD) `1 / (μ − λp)`, so `GC_fast = 1000 + VOT (2 + (1 + ρ) /
/// (μ − λp))`; `GC_slow = 900 + VOT · 7`; `P_fast` is the relative-cost logit.
fn equilibrium_share(service_h: f64) -> f64 {
    let mu = 1.0 / service_h;
    let gc_slow = 900.0 + VOT_PER_H * 7.0;
    let p_fast = |p: f64| {
        let rate = mu - LAMBDA_PER_H * p;
        let gc_fast = if rate <= 0.0 {
            f64::INFINITY
        } else {
            1000.0 + VOT_PER_H * (2.0 + (1.0 + RHO) / rate)
        };
        let best = gc_fast.min(gc_slow);
        let w_fast = (-THETA * gc_fast / best).exp();
        let w_slow = (-THETA * gc_slow / best).exp();
        w_fast / (w_fast + w_slow)
    };
    // p − P_fast(p) rises with p: negative at 0, positive at 1.
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if mid - p_fast(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The simulated share of the route over link `fast` after the feedback iterations, the
/// share the iterations settled on, and whether they converged.
fn settled_fast_share(s: &Scenario) -> (f64, f64, bool) {
    let merged = run::simulate_merged(s, &|| {}).expect("the scenario compiles");
    let c = &merged.compiled;
    let fast = s.links.iter().position(|l| l.id == "fast").unwrap();
    let r = c.plan.per_demand[0]
        .iter()
        .position(|route| {
            route
                .legs
                .iter()
                .any(|l| matches!(l, Leg::Drive { link, .. } if link.index() == fast))
        })
        .expect("a route over the fast road");
    let report = c.feedback.as_ref().expect("feedback ran");
    (
        merged.agg.routes[r].simulated_share.unwrap(),
        c.plan.per_demand[0][r].share,
        report.converged,
    )
}

#[test]
fn mm1_bottleneck_share_matches_the_logit_fixed_point() {
    let s = load("feedback_mm1.toml");
    let want = equilibrium_share(1.0);
    // The expected-cost plan sees no queue (no background traffic) and overloads the
    // fast road; the fixed point is well inside (0, 1).
    assert!(want > 0.3 && want < 0.6, "fixed point {want}");
    let planned = Compiled::new(&Scenario {
        choice: scenario::Choice {
            feedback: None,
            ..s.choice.clone()
        },
        ..s.clone()
    })
    .unwrap()
    .plan
    .per_demand[0]
        .iter()
        .map(|r| r.share)
        .fold(0.0, f64::max);
    assert!(planned > want + 0.1, "routing alone gives {planned}");
    let (simulated, settled, converged) = settled_fast_share(&s);
    assert!(converged, "did not converge");
    assert!(
        (simulated - want).abs() < 0.02,
        "simulated share {simulated} (settled {settled}) vs fixed point {want}"
    );
}

#[test]
fn a_slower_bottleneck_takes_a_smaller_share() {
    let base = load("feedback_mm1.toml");
    let mut slower = base.clone();
    let gate = slower.links.iter().position(|l| l.id == "fast").unwrap();
    let bottleneck = slower.links[gate].bottleneck.as_mut().unwrap();
    bottleneck.time_h = corridor_sim::dist::Dist::Exponential { mean: 1.2 };
    let (at_1h, _, _) = settled_fast_share(&base);
    let (at_1_2h, _, _) = settled_fast_share(&slower);
    assert!(
        at_1_2h < at_1h - 0.02,
        "share through the bottleneck: {at_1h} at 1 h, {at_1_2h} at 1.2 h"
    );
    // And each is near its own fixed point.
    assert!((at_1_2h - equilibrium_share(1.2)).abs() < 0.02);
}

#[test]
fn feedback_is_the_same_whatever_the_thread_count() {
    let s = load("feedback_mm1.toml");
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let m = run::simulate_merged(&s, &|| {}).unwrap();
                (m.compiled.feedback.clone(), m.agg)
            })
    };
    assert_eq!(on(1), on(2));
}

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Column `name` of a CSV's rows.
fn column(text: &str, name: &str) -> Vec<String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

#[test]
fn diff_with_itself_is_zero_and_reports_both_sides_convergence() {
    let dir = tempfile::tempdir().unwrap();
    let file = cli::data("feedback_mm1.toml");
    cli::ok(
        cli::corridor()
            .args(["diff", "--quiet", "--replications", "10", "--out"])
            .arg(dir.path())
            .arg(&file)
            .arg(&file),
    );
    let od = read(dir.path(), "diff_od.csv");
    let deltas = column(&od, "diff_mean");
    assert!(deltas.iter().any(|d| !d.is_empty()));
    for d in deltas.iter().filter(|d| !d.is_empty()) {
        assert_eq!(d, "0.0000", "{od}");
    }
    let conv = read(dir.path(), "convergence.csv");
    let iterations = column(&conv, "iteration");
    // Both sides iterate identically: the rows come in two equal halves.
    let half = iterations.len() / 2;
    assert!(half > 0 && iterations.len() == 2 * half, "{conv}");
    let rows: Vec<&str> = conv.lines().skip(1).collect();
    assert_eq!(rows[..half], rows[half..]);
    let manifest = read(dir.path(), "manifest.json");
    assert_eq!(manifest.matches("\"converged\"").count(), 2, "{manifest}");
}

#[test]
fn run_warns_when_the_iterations_do_not_converge() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli::ok(
        cli::corridor()
            .args(["run", "--quiet", "--replications", "5", "--out"])
            .arg(dir.path())
            .arg(cli::data("feedback/mm1-one-iteration.toml")),
    );
    let err = cli::stderr(&out);
    assert!(err.contains("did not converge in 1 iterations"), "{err}");
    let conv = read(dir.path(), "convergence.csv");
    assert_eq!(column(&conv, "iteration"), ["1"]);
    assert!(read(dir.path(), "manifest.json").contains("\"converged\": false"));
    // A run without feedback writes no report.
    let plain = tempfile::tempdir().unwrap();
    cli::ok(
        cli::corridor()
            .args(["run", "--quiet", "--replications", "2", "--out"])
            .arg(plain.path())
            .arg(cli::data("mm1.toml")),
    );
    assert!(!plain.path().join("convergence.csv").exists());
    assert!(!read(plain.path(), "manifest.json").contains("feedback"));
}

#[test]
fn plugin_and_compare_zones_report_every_scenario_s_iterations() {
    let file = cli::data("feedback/twins.toml");
    let dir = tempfile::tempdir().unwrap();
    cli::ok(
        cli::corridor()
            .args(["plugin", "--zone", "far", "--quiet", "--out"])
            .arg(dir.path())
            .arg(&file),
    );
    let scenarios = column(&read(dir.path(), "convergence.csv"), "scenario");
    assert!(scenarios.contains(&"twins".to_string()), "{scenarios:?}");
    assert!(
        scenarios.contains(&"twins + far".to_string()),
        "{scenarios:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    cli::ok(
        cli::corridor()
            .args(["compare-zones", "--quiet", "--out"])
            .arg(dir.path())
            .arg(&file),
    );
    let mut scenarios = column(&read(dir.path(), "convergence.csv"), "scenario");
    scenarios.dedup();
    assert_eq!(scenarios, ["twins", "twins + near", "twins + far"]);
}

#[test]
fn batch_commits_a_convergence_table_for_every_variant_when_one_reacts() {
    let dir = tempfile::tempdir().unwrap();
    cli::ok(
        cli::corridor()
            .args(["batch", "--quiet", "--out"])
            .arg(dir.path())
            .arg(cli::data("sweeps/feedback.toml")),
    );
    let conv = read(dir.path(), "convergence.csv");
    let iterations = column(&conv, "iteration");
    assert!(!iterations.is_empty(), "{conv}");
    // Only the reacting variant has rows.
    let mut variants = column(&conv, "variant");
    variants.dedup();
    assert_eq!(variants.len(), 1, "{conv}");
}

/// Chongqing scenario `rel` (under tests/data) with `replications` and, if it has
/// feedback, `iterations`: small enough for a debug build.
fn chongqing(rel: &str, replications: u32, iterations: u32) -> Scenario {
    let mut s = scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .expect("the Chongqing scenario loads")
        .scenario;
    s.meta.replications = replications;
    if let Some(f) = s.choice.feedback.as_mut() {
        f.iterations = iterations;
    }
    s
}

/// Paired (B − A) figures of the flows that have a Yangtze route and a route on another
/// corridor, per replication: the share of their shipments created in the window that
/// chose a Yangtze route, and the mean transit time of their delivered shipments, days.
fn yangtze_flows_paired(a: &Scenario, b: &Scenario) -> (Summary, Summary) {
    let (ca, cb) = (Compiled::new(a).unwrap(), Compiled::new(b).unwrap());
    let yangtze = a.corridors.iter().position(|c| c.id == "yangtze").unwrap();
    let on_yangtze = |c: &Compiled<'_>, r: usize| {
        c.routes.routes()[r].main_corridor.map(|m| m.index()) == Some(yangtze)
    };
    // Flows with a choice between the river and something else (the same in A and B: an
    // overlay changes no flow).
    let flows: Vec<usize> = (0..a.demand.len())
        .filter(|&d| {
            let range = ca.routes.range_of(DemandId::new(d));
            range.clone().any(|r| on_yangtze(&ca, r)) && range.clone().any(|r| !on_yangtze(&ca, r))
        })
        .collect();
    assert!(flows.len() >= 5, "only {} flows choose", flows.len());
    let figures = |c: &Compiled<'_>, x: &ReplicationResult| {
        let (mut river, mut created, mut days, mut delivered) = (0u64, 0u64, 0.0, 0u64);
        for &d in &flows {
            let od = &x.od[d];
            created += od.created;
            river += c
                .routes
                .range_of(DemandId::new(d))
                .filter(|&r| on_yangtze(c, r))
                .map(|r| x.routes[r].chosen)
                .sum::<u64>();
            if let Some(t) = od.transit {
                days += t.mean_days * od.delivered as f64;
                delivered += od.delivered;
            }
        }
        (river as f64 / created as f64, days / delivered as f64)
    };
    let (mut share, mut transit) = (Welford::default(), Welford::default());
    corridor_sim::sim::run_replications_side_by_side(
        &[(&ca.model, &ca.routes), (&cb.model, &cb.routes)],
        a.meta.replications,
        &|| {},
        &mut |r| {
            let (sa, ta) = figures(&ca, r[0]);
            let (sb, tb) = figures(&cb, r[1]);
            share.push(sb - sa);
            transit.push(tb - ta);
        },
    );
    (Summary::of_welford(&share), Summary::of_welford(&transit))
}

/// `s` with every bottleneck first come, first served: the lock as it would be without
/// container priority, where a line's maintenance delays the river freight by days.
fn first_come_first_served(mut s: Scenario) -> Scenario {
    for b in s.links.iter_mut().filter_map(|l| l.bottleneck.as_mut()) {
        b.priority = scenario::BottleneckPriority::Fifo;
    }
    s
}

#[test]
fn lock_maintenance_with_feedback_diverts_yangtze_freight_and_holds_transit_down() {
    const REPS: u32 = 20;
    let fifo = |rel, iterations| first_come_first_served(chongqing(rel, REPS, iterations));
    let plain = yangtze_flows_paired(
        &fifo("scenarios/chongqing/base.toml", 0),
        &fifo("scenarios/chongqing/policies/lock-maintenance.toml", 0),
    );
    let reacting = yangtze_flows_paired(
        &fifo("tests/data/feedback/base.toml", 4),
        &fifo("tests/data/feedback/lock-maintenance.toml", 4),
    );
    // As shipped, container vessels pass the lock first: the same maintenance barely
    // delays them (the other ships take the wait).
    let priority = yangtze_flows_paired(
        &chongqing("scenarios/chongqing/base.toml", REPS, 0),
        &chongqing(
            "scenarios/chongqing/policies/lock-maintenance.toml",
            REPS,
            0,
        ),
    );
    assert!(
        priority.1.mean < 0.1 * plain.1.mean,
        "transit rise with priority {:?}, first come first served {:?}",
        priority.1,
        plain.1
    );
    // Without feedback nobody moves (same draws, same shares)...
    assert!(
        plain.0.mean.abs() < 1e-12,
        "plain share change {:?}",
        plain.0
    );
    // ...with it a significant share of the river freight takes the rail alternatives.
    let moved = reacting.0;
    assert!(
        moved.ci95_high < 0.0 && moved.mean < -0.02,
        "Yangtze share change with feedback {moved:?}"
    );
    // Their transit rises in both, less when shippers react.
    assert!(plain.1.ci95_low > 0.0, "plain transit change {:?}", plain.1);
    assert!(
        reacting.1.mean < plain.1.mean,
        "transit rise with feedback {:?}, without {:?}",
        reacting.1,
        plain.1
    );
}

#[test]
fn shares_by_period_leave_a_closed_road_only_while_it_is_closed() {
    let s = load("feedback/mm1-closure.toml");
    let c = Compiled::new(&s).unwrap();
    let report = c.feedback.as_ref().unwrap();
    assert_eq!(report.periods.count(), 6);
    let fast = s.links.iter().position(|l| l.id == "fast").unwrap();
    let r = c.plan.per_demand[0]
        .iter()
        .position(|route| {
            route
                .legs
                .iter()
                .any(|l| matches!(l, Leg::Drive { link, .. } if link.index() == fast))
        })
        .unwrap();
    let n = c.routes.len();
    let share = |p: usize| report.shares[p * n + r];
    // Closed in periods 2 (days 25-35) and 3 (35-45): next to nobody takes it.
    assert!(share(2) < 0.05 && share(3) < 0.05, "{:?}", report.shares);
    // Open well before: near the undisrupted equilibrium. (The period just before the
    // closure is shunned too: its last boxes are caught by the closure for days, and
    // with ρ = 1 that spread weighs on the whole period's cost.)
    let open = equilibrium_share(1.0);
    assert!(
        (share(0) - open).abs() < 0.05,
        "period 0: {} vs {open}",
        share(0)
    );
    assert!(share(1) <= share(0), "{:?}", report.shares);
    // After the closure the road is taken again: a little while its backlog drains, then
    // as before.
    assert!(share(4) > share(3), "{:?}", report.shares);
    assert!(share(5) > 0.3, "{:?}", report.shares);
}
