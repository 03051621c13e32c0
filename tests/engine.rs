//! Integration tests of the simulation engine: queueing oracles, conservation, capacity,
//! determinism, common random numbers, disruptions, and the `corridor run` command.
//!
//! Statistical tests use fixed seeds and state their tolerance; the sample sizes are chosen
//! so that the tolerance is at least about 2.5 standard errors of the estimate (the
//! standard error is also asserted, so a smaller sample cannot pass by luck).

mod common;
mod support;

use common::{assert_rel, pooled_wait};
use std::path::{Path, PathBuf};
use support::{drive, hub, link, ride, river_plan, route};

use corridor_sim::ids::HubId;
use corridor_sim::routing::{Leg, Route};
use corridor_sim::scenario::{self, Scenario, SimWindow};
use corridor_sim::sim::model::FacilityKind;
use corridor_sim::sim::{self, Aggregate, Model, ReplicationResult, RouteTable};
use corridor_sim::stats::Summary;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn load(name: &str) -> Scenario {
    match scenario::load(&data(name)) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{name} does not validate:\n{d}"),
    }
}

/// Runs every replication of `s` with `plan` on the current rayon pool.
fn run(s: &Scenario, plan: &[Vec<Route>]) -> (Vec<ReplicationResult>, Aggregate, RouteTable) {
    let model = Model::new(s).expect("model compiles");
    let routes = RouteTable::new(s, plan).expect("plan fits the scenario");
    let results = sim::run_replications(&model, &routes, s.meta.replications, &|| {});
    let agg = Aggregate::of(&results, &routes, s.corridors.len());
    (results, agg, routes)
}

/// The index of the facility of `kind` in the model of `s`.
fn facility(s: &Scenario, kind: FacilityKind) -> usize {
    let model = Model::new(s).expect("model compiles");
    let found = model.facilities.iter().position(|f| f.kind == kind);
    found.unwrap_or_else(|| panic!("no facility {kind:?}"))
}

/// The single-route plan of the queue scenarios: customs at the origin, then drive.
fn customs_then_drive(s: &Scenario) -> Vec<Vec<Route>> {
    let origin = hub(s, "origin");
    vec![vec![route(
        vec![Leg::Customs { hub: origin }, drive(s, "origin-market")],
        1.0,
    )]]
}

#[test]
fn mm1_customs_wait_matches_theory() {
    let s = load("mm1.toml");
    let (results, agg, _) = run(&s, &customs_then_drive(&s));
    let (wait, se) = pooled_wait(&results, 0);
    eprintln!("M/M/1: standard error {se:.4} h");
    assert!(
        0.03 * 4.0 >= 2.5 * se,
        "sample too small for a 3% test: se {se}"
    );
    assert_rel("M/M/1 mean wait in queue, h", wait, 4.0, 0.03);
    // Time in system W = 1 / (mu - lambda) = 5 h, then the 2 h drive: the shipment is
    // delivered when the drive ends, although no event marks that moment.
    let transit_h = agg.od[0].transit.expect("deliveries").mean.mean * 24.0;
    assert_rel("M/M/1 transit, h", transit_h, 7.0, 0.03);
}

#[test]
fn mm2_customs_wait_matches_erlang_c() {
    let s = load("mm2.toml");
    let (results, _, _) = run(&s, &customs_then_drive(&s));
    // Erlang C with a = λ/μ = 1.6 and c = 2: C = 0.7111, Wq = C / (cμ − λ) = 1.7778 h.
    let a: f64 = 1.6;
    let top = a * a / 2.0 * (2.0 / (2.0 - a));
    let erlang_c = top / (1.0 + a + top);
    let want = erlang_c / (2.0 - a);
    assert!((want - 1.7778).abs() < 1e-3);
    let (wait, se) = pooled_wait(&results, 0);
    eprintln!("M/M/2: standard error {se:.4} h");
    assert!(
        0.03 * want >= 2.5 * se,
        "sample too small for a 3% test: se {se}"
    );
    assert_rel("M/M/2 mean wait in queue, h", wait, want, 0.03);
}

/// The single-route plan of the bottleneck scenarios: drive the link from origin to market.
fn drive_to_market(s: &Scenario) -> Vec<Vec<Route>> {
    vec![vec![route(vec![drive(s, "origin-market")], 1.0)]]
}

#[test]
fn freight_priority_waits_match_cobham() {
    // Non-preemptive priority M/M/c with equal exponential service (Cobham 1954; Gross &
    // Harris, priority disciplines): W_q,k = C(c, a)/(cμ) / ((1 − σ_{k−1})(1 − σ_k)),
    // σ_k = Σ_{i≤k} λ_i/(cμ), C the Erlang C at the total load.
    let s = load("priority_mm2.toml");
    let (results, _, _) = run(&s, &drive_to_market(&s));
    let (c, mu, lambda_truck, lambda_bg) = (2.0, 1.0, 0.4, 1.2);
    let a: f64 = (lambda_truck + lambda_bg) / mu;
    let erlang_c = 2.0 * (a / c).powi(2) / (1.0 + a / c); // M/M/2: 2ρ²/(1 + ρ)
    let (sigma_1, sigma_2) = (lambda_truck / (c * mu), a / c);
    let base = erlang_c / (c * mu);
    let want_truck = base / (1.0 - sigma_1);
    let want_bg = base / ((1.0 - sigma_1) * (1.0 - sigma_2));
    assert!((want_truck - 0.4444).abs() < 1e-3 && (want_bg - 2.2222).abs() < 1e-3);
    let per_class = |class: fn(&sim::result::FacilityRep) -> Option<f64>| -> Vec<f64> {
        let waits = results.iter().map(|r| class(&r.facilities[0]));
        waits.map(|w| w.expect("waits observed")).collect()
    };
    let trucks = Summary::of_replications(&per_class(|f| f.freight_wait_h_mean));
    let background = Summary::of_replications(&per_class(|f| f.background_wait_h_mean));
    for (what, sum, want) in [
        ("trucks (priority)", trucks, want_truck),
        ("background", background, want_bg),
    ] {
        let se = sum.sd / (results.len() as f64).sqrt();
        eprintln!("{what}: standard error {se:.4} h");
        assert!(
            0.03 * want >= 2.5 * se,
            "sample too small for a 3% test: se {se}"
        );
        assert_rel(
            &format!("{what} mean wait in queue, h"),
            sum.mean,
            want,
            0.03,
        );
    }
}

#[test]
fn a_stationary_start_needs_no_warm_up() {
    // M/M/2 at ρ = 0.9 started in its steady state: over five days from time 0 the
    // time-average number in the lock is the steady state's L = a + Cρ/(1 − ρ), and the
    // lines are busy a fraction ρ of the time.
    let s = load("stationary_lock.toml");
    let (rho, a): (f64, f64) = (0.9, 1.8);
    let want_l = a + 2.0 * rho * rho / (1.0 + rho) * rho / (1.0 - rho);
    assert!((want_l - 9.4737).abs() < 1e-3);
    let lock = facility(
        &s,
        FacilityKind::Bottleneck(support::link(&s, "market-upstream")),
    );
    let in_system = |s: &Scenario| -> Summary {
        let (results, _, _) = run(s, &drive_to_market(s));
        let l: Vec<f64> = results
            .iter()
            .map(|r| r.facilities[lock].mean_in_system)
            .collect();
        Summary::of_replications(&l)
    };
    let stationary = in_system(&s);
    let se = stationary.sd / f64::from(s.meta.replications).sqrt();
    eprintln!("stationary start: standard error {se:.4}");
    assert!(
        0.05 * want_l >= 2.5 * se,
        "sample too small for a 5% test: se {se}"
    );
    assert_rel(
        "time-average units in the lock",
        stationary.mean,
        want_l,
        0.05,
    );
    // The same five days from empty see the queue still building: far below L.
    let mut empty = s.clone();
    let lock_link = &mut empty.links[support::link(&s, "market-upstream").index()];
    lock_link.bottleneck.as_mut().expect("a lock").start = scenario::QueueStart::Empty;
    let from_empty = in_system(&empty);
    let se_empty = from_empty.sd / f64::from(s.meta.replications).sqrt();
    eprintln!(
        "from empty: {:.4} units (se {se_empty:.4})",
        from_empty.mean
    );
    assert!(
        want_l - from_empty.mean > 0.05 * want_l + 2.5 * se_empty,
        "an empty start should fail the same test, still building: {}",
        from_empty.mean
    );
}

/// The plan of sched.toml: ride the daily service.
fn ride_daily(s: &Scenario) -> Vec<Vec<Route>> {
    vec![vec![route(vec![ride(s, "daily", 0, 1)], 1.0)]]
}

#[test]
fn scheduled_departures_wait_half_the_headway() {
    let s = load("sched.toml");
    let (results, agg, _) = run(&s, &ride_daily(&s));
    let waits: Vec<f64> = results
        .iter()
        .map(|r| r.services[0].wait_h_mean.expect("boardings"))
        .collect();
    let sum = Summary::of_replications(&waits);
    assert!(0.03 * 12.0 >= 2.5 * sum.sd / (waits.len() as f64).sqrt());
    assert_rel("mean wait for a daily departure, h", sum.mean, 12.0, 0.03);
    // Door to door: the wait plus 6 h sailing.
    let transit = agg.od[0].transit.expect("deliveries").mean.mean;
    assert_rel("transit, days", transit, 0.75, 0.03);
    assert_eq!(
        results[0].services[0].rolled_teu, 0,
        "ample capacity never rolls"
    );
}

#[test]
fn littles_law_holds_at_a_hub() {
    let mut s = load("mm2.toml");
    s.meta.replications = 4;
    s.meta.window = SimWindow::new(s.meta.window.warmup_days(), 550.0).expect("a valid window");
    let (results, _, _) = run(&s, &customs_then_drive(&s));
    for r in &results {
        let f = &r.facilities[0];
        let l = f.mean_in_system;
        let lambda_w = f.arrival_rate_per_h * f.sojourn_h_mean.expect("departures");
        let rel = (l - lambda_w).abs() / l;
        eprintln!(
            "replication {}: L = {l:.4}, λW = {lambda_w:.4} ({:+.3}%)",
            r.replication,
            (lambda_w - l) / l * 100.0
        );
        assert!(rel < 0.02, "Little's law off by {:.2}%", rel * 100.0);
    }
}

#[test]
fn arrivals_match_the_rate_at_every_magnitude() {
    // Demand and background traffic are Poisson processes on a whole-second clock. Each
    // rate is run for about 100 000 expected arrivals of each process, so the count's
    // standard deviation is 0.32 % of it and the 1.3 % tolerance is 4 of them. Rounding
    // each gap to a whole second made 5.7 % too many at 1e5 a day and 28 times too many
    // at 1e6.
    const EXPECTED: f64 = 100_000.0;
    const TOL: f64 = 0.013;
    assert!(TOL >= 4.0 / EXPECTED.sqrt());
    let base = load("arrivals.toml");
    let plan = vec![vec![route(vec![drive(&base, "origin-market")], 1.0)]];
    let side = facility(
        &base,
        FacilityKind::Bottleneck(link(&base, "market-origin")),
    );
    for per_day in [1.0e2, 1.0e4, 3.0e4, 1.0e5, 3.0e5, 1.0e6] {
        let mut s = base.clone();
        s.meta.window = SimWindow::new(s.meta.window.warmup_days(), EXPECTED / per_day)
            .expect("a valid window");
        s.meta.shipment_teu = 1;
        s.demand[0].teu_per_day = per_day;
        let side_link = link(&s, "market-origin");
        let b = s.links[side_link.index()]
            .bottleneck
            .as_mut()
            .expect("a bottleneck");
        b.background_per_day = per_day;
        let (results, _, _) = run(&s, &plan);
        let r = &results[0];
        // The flow's cohort: shipments created in the window (later ones arrive during the
        // drain and are not counted).
        let shipments = r.od[0].created as f64;
        assert_rel(
            &format!("shipments at {per_day} TEU/day"),
            shipments,
            EXPECTED,
            TOL,
        );
        let background = r.facilities[side].arrivals as f64;
        assert_rel(
            &format!("background at {per_day}/day"),
            background,
            EXPECTED,
            TOL,
        );
    }
}

#[test]
fn a_slow_corridor_counts_all_the_freight_created_in_the_window() {
    // A four-day window on two_corridors: the northern route (a weekly ship, days at
    // sea), which takes nearly all the freight, delivers much of it after the horizon.
    // Counting only what arrived by the horizon made the slow corridor look small; the
    // cohort created in the window is followed to delivery instead.
    let mut s = load("two_corridors.toml");
    s.meta.window = SimWindow::new(10.0, 14.0).expect("a valid window");
    s.meta.replications = 4;
    let sim = corridor_sim::run::simulate(&s, &|| {}).expect("simulates");
    let mut drained = false;
    for r in &sim.results {
        for od in &r.od {
            assert_eq!(od.delivered, od.created, "replication {}", r.replication);
            assert_eq!(od.in_transit, 0);
        }
        // Each corridor delivered exactly the shipments whose route it carries.
        let mut chosen = vec![0u64; s.corridors.len()];
        for (i, route) in r.routes.iter().enumerate() {
            let compiled = sim.routes.route(sim::ids::RouteIx::new(i));
            if let Some(c) = compiled.main_corridor {
                chosen[c.index()] += route.chosen;
            }
        }
        let delivered: Vec<u64> = r.corridors.iter().map(|c| c.delivered).collect();
        assert_eq!(delivered, chosen, "replication {}", r.replication);
        let north = s.corridors.iter().position(|c| c.id == "north").unwrap();
        assert!(delivered[north] > 0, "{delivered:?}");
        drained |= r.work.drain_s > 0;
    }
    assert!(drained, "some freight arrived after the horizon");
}

#[test]
fn teu_is_conserved_exactly() {
    for file in [
        "river.toml",
        "river-disrupted.toml",
        "river-lock-closure.toml",
    ] {
        let s = load(file);
        let (results, _, _) = run(&s, &river_plan(&s));
        for r in &results {
            let b = r.teu_balance();
            assert!(b.created > 0);
            assert_eq!(
                b.created,
                b.delivered + b.in_transit,
                "{file}, replication {}",
                r.replication
            );
            for od in &r.od {
                let c = od.counted_teu;
                assert_eq!(c.created, c.delivered + c.in_transit);
                assert_eq!(od.created, od.delivered + od.in_transit);
            }
        }
    }
}

#[test]
fn workload_counts_every_leg_begun() {
    // Customs then drive: a delivered shipment began both legs, one still under way at
    // the horizon began one or two, so 2·delivered <= legs <= 2·created.
    let s = load("mm1.toml");
    let (results, _, _) = run(&s, &customs_then_drive(&s));
    let teu = u64::from(s.meta.shipment_teu);
    for r in &results {
        let b = r.teu_balance();
        let (created, delivered) = (b.created / teu, b.delivered / teu);
        let legs = r.work.shipment_legs;
        assert!(
            2 * delivered <= legs && legs <= 2 * created,
            "replication {}: {legs} legs for {created} created, {delivered} delivered",
            r.replication
        );
        // Under way at the horizon: each began at least its customs leg.
        assert!(legs >= 2 * delivered + (created - delivered));
        // Pending at least the next arrival; every event is one the engine dispatched.
        assert!(r.work.peak_pending_events >= 1);
        assert!(r.work.events >= legs);
    }
}

#[test]
fn closures_and_slowdowns_hold_and_release_freight() {
    let s = load("river-disrupted.toml");
    let base = load("river.toml");
    let (_, disrupted, _) = run(&s, &river_plan(&s));
    let (_, calm, _) = run(&base, &river_plan(&base));
    let transit = |a: &Aggregate, d: usize| a.od[d].transit.expect("deliveries").mean.mean;
    eprintln!(
        "zone-market transit: {:.3} -> {:.3} days",
        transit(&calm, 0),
        transit(&disrupted, 0)
    );
    assert!(transit(&disrupted, 0) > transit(&calm, 0));
    assert!(transit(&disrupted, 1) > transit(&calm, 1));
    assert!(
        disrupted.services[0].cancelled > 0.0,
        "suspended line cancels departures"
    );
    assert!(disrupted.services[0].departures < calm.services[0].departures);
}

/// A worker's workspace carries buffers from one replication to the next, never state:
/// replications run one after another on one workspace, in any order, equal the same
/// replications each run on a fresh one. The scenarios cover facility queues, vehicles,
/// closures, slowdowns, capacity reductions and advance declarations.
#[test]
fn a_reused_workspace_gives_the_same_replications_as_fresh_ones() {
    for name in [
        "river-disrupted.toml",
        "sched.toml",
        "mm1.toml",
        "policy/advance.toml",
        "policy/capacity.toml",
    ] {
        let s = load(name);
        let model = Model::new(&s).expect("model compiles");
        let plan = corridor_sim::routing::plan(&s);
        let routes = RouteTable::new(&s, &plan.per_demand).expect("plan fits");
        let mut workspace = sim::Workspace::new(&model, &routes);
        for r in [3, 0, 3, 1, 2] {
            let fresh = sim::simulate(&model, &routes, r);
            assert!(
                fresh.work.events > 0,
                "{name}: replication {r} did something"
            );
            assert_eq!(workspace.simulate(r), fresh, "{name}: replication {r}");
        }
    }
}

/// A capacity-limited service rolls shipments, and no departure ever exceeds capacity.
#[test]
fn capacity_limited_service_rolls_shipments() {
    let mut s = load("sched.toml");
    s.services[0].capacity_teu = 8;
    s.meta.window = SimWindow::new(s.meta.window.warmup_days(), 60.0).expect("a valid window");
    s.meta.replications = 2;
    let (results, agg, _) = run(&s, &ride_daily(&s));
    for r in &results {
        let svc = &r.services[0];
        assert!(svc.rolled_teu > 0, "10 TEU/day onto 8 TEU/day must roll");
        assert!(svc.peak_load_teu <= 8);
        assert_eq!(svc.peak_load_teu, 8, "an overloaded service leaves full");
    }
    assert!((agg.services[0].load_factor.expect("departures").mean - 1.0).abs() < 1e-12);
}

#[test]
fn a_service_that_cannot_take_one_shipment_leaves_its_freight_undelivered() {
    // Validation rejects such files; a scenario built in code is simulated as it says:
    // every departure leaves empty, every shipment rolls over until the drain ends.
    let mut s = load("sched.toml");
    s.meta.shipment_teu = 2;
    s.services[0].capacity_teu = 1;
    s.meta.window = SimWindow::new(1.0, 6.0).expect("a valid window");
    s.meta.replications = 1;
    let (results, _, _) = run(&s, &ride_daily(&s));
    let r = &results[0];
    assert_eq!(r.services[0].peak_load_teu, 0, "nothing boards");
    assert!(
        r.services[0].rolled_teu > 0,
        "the waiting freight rolls over"
    );
    assert!(r.od[0].created > 0);
    assert_eq!(
        r.od[0].in_transit, r.od[0].created,
        "no counted shipment arrives"
    );
    let b = r.teu_balance();
    assert_eq!((b.delivered, b.created), (0, b.in_transit));
}

mod capacity_property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 24,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever the capacity, demand and headway: peak load ≤ capacity (the engine
        /// also asserts it at every departure in debug builds), TEU conserved, and
        /// rolling only when departures leave full.
        #[test]
        fn no_departure_exceeds_capacity(
            capacity in 1u32..40,
            teu_per_day in 1.0f64..60.0,
            headway_h in 2.0f64..72.0,
            shipment_teu in 1u32..3,
        ) {
            let mut s = load("sched.toml");
            s.meta.window = SimWindow::new(2.0, 30.0).expect("a valid window");
            s.meta.replications = 1;
            s.meta.shipment_teu = shipment_teu;
            // Capacities below one shipment are included: nothing boards, and the
            // engine must still conserve TEU.
            s.services[0].capacity_teu = capacity;
            s.services[0].headway_h = headway_h;
            s.demand[0].teu_per_day = teu_per_day;
            let (results, _, _) = run(&s, &ride_daily(&s));
            let r = &results[0];
            let svc = &r.services[0];
            prop_assert!(svc.peak_load_teu <= capacity);
            if svc.rolled_teu > 0 {
                prop_assert!(svc.peak_load_teu + shipment_teu > capacity);
            }
            let b = r.teu_balance();
            prop_assert_eq!(b.created, b.delivered + b.in_transit);
        }
    }
}

/// The tables of a run of `s` with `plan` on a local pool of `threads` workers.
fn tables_with_threads(s: &Scenario, plan: &[Vec<Route>], threads: usize) -> Vec<(String, String)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let model = Model::new(s).unwrap();
    let routes = RouteTable::new(s, plan).unwrap();
    let results =
        pool.install(|| sim::run_replications(&model, &routes, s.meta.replications, &|| {}));
    let agg = Aggregate::of(&results, &routes, s.corridors.len());
    let dir = tempfile::tempdir().unwrap();
    let tables = corridor_sim::output::tables::RunTables {
        model: &model,
        plan,
        routes: &routes,
        agg: &agg,
    };
    let files = tables.write(dir.path()).unwrap();
    files
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read_to_string(dir.path().join(f)).unwrap(),
            )
        })
        .collect()
}

#[test]
fn merging_in_batches_equals_merging_all_results() {
    // Streaming the results through the merger a batch at a time (bounded memory) must
    // give exactly the aggregate of holding them all, for any batch size and thread count.
    let s = load("river-disrupted.toml");
    let plan = river_plan(&s);
    let model = Model::new(&s).expect("model compiles");
    let routes = RouteTable::new(&s, &plan).expect("plan fits");
    let n = s.meta.replications;
    let all = sim::run_replications(&model, &routes, n, &|| {});
    let whole = Aggregate::of(&all, &routes, s.corridors.len());
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for batch in [1, 3, 64] {
            let merged = pool
                .install(|| sim::run_replications_in_batches(&model, &routes, n, batch, &|| {}));
            assert_eq!(merged, whole, "{threads} threads, batches of {batch}");
        }
        let default = pool.install(|| sim::run_replications_merged(&model, &routes, n, &|| {}));
        assert_eq!(default, whole, "{threads} threads");
    }
}

#[test]
fn csvs_are_byte_identical_for_any_thread_count() {
    let s = load("river-disrupted.toml");
    let plan = river_plan(&s);
    let one = tables_with_threads(&s, &plan, 1);
    let two = tables_with_threads(&s, &plan, 2);
    let three = tables_with_threads(&s, &plan, 3);
    assert_eq!(one.len(), 5);
    for ((a, b), c) in one.iter().zip(&two).zip(&three) {
        assert_eq!(a, b, "1 vs 2 threads");
        assert_eq!(a, c, "1 vs 3 threads");
    }
}

#[test]
fn different_seeds_give_different_results() {
    let mut s = load("river.toml");
    s.meta.replications = 2;
    let plan = river_plan(&s);
    let a = tables_with_threads(&s, &plan, 2);
    s.meta.seed += 1;
    let b = tables_with_threads(&s, &plan, 2);
    assert_ne!(a[0].1, b[0].1, "od_summary.csv should change with the seed");
    assert_ne!(
        a[3].1, b[3].1,
        "hub_summary.csv should change with the seed"
    );
}

#[test]
fn replications_differ_from_each_other() {
    let mut s = load("river.toml");
    s.meta.replications = 2;
    let (results, _, _) = run(&s, &river_plan(&s));
    assert_ne!(results[0].od, results[1].od);
}

/// Common random numbers: a flow added on a disjoint part of the network changes nobody
/// else's draws, so every other flow's figures stay exactly the same.
#[test]
fn adding_a_disjoint_flow_leaves_other_ods_unchanged() {
    let mut with = load("river.toml");
    with.meta.replications = 3;
    // A disjoint component: two new hubs joined by a road link, with its own flow.
    let mut far = with.hubs[0].clone();
    far.id = "far-zone".into();
    let mut far_market = with.hubs[3].clone();
    far_market.id = "far-market".into();
    with.hubs.push(far);
    with.hubs.push(far_market);
    let (a, b) = (
        HubId::new(with.hubs.len() - 2),
        HubId::new(with.hubs.len() - 1),
    );
    let mut l = with.links[3].clone();
    l.id = "far-road".into();
    l.from = a;
    l.to = b;
    with.links.push(l);
    let mut d = with.demand[0].clone();
    d.id = "far-flow".into();
    d.from = a;
    d.to = b;
    with.demand.push(d);

    let mut without = with.clone();
    without.demand.pop();
    let plan_without = river_plan(&without);
    let mut plan_with = plan_without.clone();
    plan_with.push(vec![route(
        vec![Leg::Customs { hub: a }, drive(&with, "far-road")],
        1.0,
    )]);

    let (r_without, agg_without, _) = run(&without, &plan_without);
    let (r_with, agg_with, _) = run(&with, &plan_with);
    assert!(agg_with.od[2].shipments > 0.0, "the new flow runs");
    for d in 0..2 {
        assert_eq!(agg_without.od[d], agg_with.od[d], "flow {d} changed");
        for (x, y) in r_without.iter().zip(&r_with) {
            assert_eq!(x.od[d], y.od[d]);
        }
    }
    // Facilities and services the new flow does not touch are unchanged too (the new
    // hub's customs is a new facility).
    assert_eq!(agg_without.services, agg_with.services);
    let new_customs = facility(&with, FacilityKind::Customs(a));
    for (i, (x, y)) in agg_without
        .facilities
        .iter()
        .zip(&agg_with.facilities)
        .enumerate()
    {
        if i != new_customs {
            assert_eq!(x, y, "facility {i} changed");
        }
    }
}

#[test]
fn a_one_day_lock_closure_builds_and_drains_a_queue() {
    let base = load("river.toml");
    let closed = load("river-lock-closure.toml");
    let (_, calm, _) = run(&base, &river_plan(&base));
    let (r_closed, shut, _) = run(&closed, &river_plan(&closed));
    let ix = facility(&base, FacilityKind::Bottleneck(link(&base, "port-mid")));
    assert_eq!(
        ix,
        facility(&closed, FacilityKind::Bottleneck(link(&closed, "port-mid")))
    );
    let lock = |a: &Aggregate| a.facilities[ix].clone();
    let (c, x) = (lock(&calm), lock(&shut));
    let wait = |f: &sim::aggregate::FacilityAgg| f.wait_h.expect("waits").mean;
    eprintln!(
        "lock: max queue {} -> {} (mean of per-replication max {:.2} -> {:.2}); \
         wait {:.3} -> {:.3} h; p95 {:.3} -> {:.3} h",
        c.max_queue,
        x.max_queue,
        c.max_queue_mean,
        x.max_queue_mean,
        wait(&c),
        wait(&x),
        c.wait_h_p95.unwrap(),
        x.wait_h_p95.unwrap()
    );
    // A day's arrivals (~12 bulk ships and a liner) pile up behind the closed lock.
    assert!(x.max_queue_mean >= c.max_queue_mean + 4.0);
    assert!(wait(&x) > 1.2 * wait(&c));
    assert!(x.wait_h_p95.unwrap() > c.wait_h_p95.unwrap());
    // ... and drain: by the horizon the lock is back to normal, nothing is stuck.
    for r in &r_closed {
        let b = r.teu_balance();
        assert!(
            b.in_transit < b.created / 10,
            "queue drained before the horizon"
        );
    }
    // The river flow is slower, the road flow is not touched.
    assert!(shut.od[1].transit.unwrap().mean.mean > calm.od[1].transit.unwrap().mean.mean);
}

fn corridor(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("corridor runs")
}

const TABLES: [&str; 5] = [
    "od_summary.csv",
    "route_shares.csv",
    "corridor_summary.csv",
    "hub_summary.csv",
    "service_summary.csv",
];

#[test]
fn cli_run_writes_identical_tables_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("river-disrupted.toml");
    let file = file.to_str().unwrap();
    for threads in ["1", "2"] {
        let out = format!("t{threads}");
        let o = corridor(
            &[
                "run",
                file,
                "--out",
                &out,
                "--threads",
                threads,
                "--replications",
                "3",
                "--quiet",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stdout.is_empty(), "stdout carries data only");
    }
    for t in TABLES {
        let a = std::fs::read(dir.path().join("t1").join(t)).unwrap();
        let b = std::fs::read(dir.path().join("t2").join(t)).unwrap();
        assert!(a.starts_with(b"scenario,"), "{t} has its header");
        assert_eq!(a, b, "{t} differs between 1 and 2 threads");
    }
    let od = std::fs::read_to_string(dir.path().join("t1/od_summary.csv")).unwrap();
    let header = od.lines().next().unwrap();
    let want = "scenario,origin,origin_name,origin_name_zh,destination,destination_name,\
                destination_name_zh,shipments,teu,transit_days_mean,transit_days_ci95_low,\
                transit_days_ci95_high,transit_days_p50,transit_days_p90,transit_days_p95,\
                cost_usd_per_teu_mean,on_time_share,main_corridor,undelivered_after_drain";
    assert!(header.starts_with(want), "{header}");
    assert_eq!(od.lines().count(), 3, "one row per demand flow");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("t2/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["replications"], 3);
    assert_eq!(manifest["threads"], 2);
    assert_eq!(manifest["seed"], 11);
    assert_eq!(manifest["scenario"], "river-disrupted");
    // The file's SHA-256, as `sha256sum` prints it.
    let file = manifest["scenario_files"][0]["path"].as_str().unwrap();
    let bytes = std::fs::read(file).unwrap();
    assert_eq!(
        manifest["scenario_files"][0]["sha256"].as_str().unwrap(),
        corridor_sim::hash::sha256_hex(&bytes)
    );
}

#[test]
fn cli_run_defaults_to_a_folder_per_command_and_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    // Two scenario files of the same name (and scenario name) in different folders.
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::copy(
            data("two_corridors.toml"),
            dir.path().join(sub).join("two_corridors.toml"),
        )
        .unwrap();
        let o = corridor(
            &[
                "run",
                &format!("{sub}/two_corridors.toml"),
                "--quiet",
                "--seed",
                "3",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mut folders: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    folders.sort();
    assert_eq!(folders.len(), 2, "{folders:?}");
    for f in &folders {
        assert!(f.starts_with("run-two_corridors-"), "{f}");
        for t in TABLES.iter().chain(&["manifest.json"]) {
            assert!(dir.path().join("out").join(f).join(t).is_file(), "{f}/{t}");
        }
    }
}

#[test]
fn cli_run_rejects_a_bad_scenario_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[scenario]\nname = \"bad\"\nhorizon_days = -1\n").unwrap();
    let o = corridor(&["run", bad.to_str().unwrap(), "--quiet"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.toml:"),
        "diagnostics name the file: {err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing written");
    let o = corridor(
        &["run", bad.to_str().unwrap(), "--threads", "0"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_an_io_error_is_said_once() {
    // --out below a regular file: the operating system's reason used to be printed twice
    // ("...: File exists (os error 17): File exists (os error 17)").
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let scenario = data("two_corridors.toml");
    let out = file.join("out");
    let o = corridor(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("os error"), "{err}");
    let parts: Vec<&str> = err.trim().split(": ").collect();
    for (i, p) in parts.iter().enumerate() {
        assert!(!parts[i + 1..].contains(p), "`{p}` said twice: {err}");
    }
}

#[test]
fn cli_run_stats_reports_throughput_and_peak_queues() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("mm1.toml");
    let o = corridor(
        &[
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--stats",
            "--replications",
            "2",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    for line in [
        "events processed:",
        "events per second:",
        "shipments:",
        "shipment legs:",
        "peak pending events:",
        "peak queue:",
    ] {
        assert!(err.contains(line), "missing {line:?} in {err}");
    }
    assert!(err.contains("origin customs"), "{err}");
}

#[test]
fn cli_refuses_a_runaway_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("two_corridors.toml");
    for command in [["run"].as_slice(), ["batch"].as_slice()] {
        let target = if command[0] == "batch" {
            data("sweeps/small.toml")
        } else {
            file.clone()
        };
        let o = corridor(
            &[
                command[0],
                target.to_str().unwrap(),
                "--threads",
                "10000",
                "--quiet",
                "--out",
                "o",
            ],
            dir.path(),
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command:?}: {err}");
        assert!(err.contains("--threads 10000 is more than"), "{err}");
    }
    assert!(!dir.path().join("o").exists(), "nothing written");
}

#[test]
fn each_flow_clears_customs_as_it_declares() {
    let s = load("customs_regimes.toml");
    let plan = corridor_sim::routing::plan(&s);
    let (_, agg, _) = run(&s, &plan.per_demand);
    let origin = hub(&s, "origin");
    let transit_h = |d: usize| {
        let t = agg.od[d].transit.as_ref().expect("deliveries");
        let n = t.mean.n as f64;
        (t.mean.mean * 24.0, t.mean.sd * 24.0 / n.sqrt())
    };
    let cost = |d: usize| agg.od[d].cost_usd_per_teu_mean.expect("deliveries");
    // Export: fixed 2 h customs + 2 h drive, 30 + 100 USD.
    assert_eq!(plan.per_demand[0][0].legs[0], Leg::Customs { hub: origin });
    assert_rel("export transit, h", transit_h(0).0, 4.0, 1e-6);
    assert_rel("export cost, USD/TEU", cost(0), 130.0, 1e-9);
    // Import: its own lognormal, mean 32 · exp(σ²/2), σ = ln 2 / z(0.9), + 2 h drive.
    let sigma = 2f64.ln() / 1.281_551_565_545;
    let want = 32.0 * (sigma * sigma / 2.0).exp() + 2.0;
    let (got, se) = transit_h(1);
    eprintln!("import transit: standard error {se:.4} h");
    assert!(
        0.02 * want >= 2.5 * se,
        "sample too small for a 2% test: se {se}"
    );
    assert_rel("import transit, h", got, want, 0.02);
    assert_rel("import cost, USD/TEU", cost(1), 180.0, 1e-9);
    // Domestic: no customs leg, no wait, no charge.
    assert!(
        plan.per_demand[2]
            .iter()
            .all(|r| !r.legs.contains(&Leg::Customs { hub: origin }))
    );
    assert_rel("domestic transit, h", transit_h(2).0, 2.0, 1e-6);
    assert_rel("domestic cost, USD/TEU", cost(2), 100.0, 1e-9);
    // Route choice expects what the engine charges.
    for (d, want_h) in [(0, 4.0), (1, want), (2, 2.0)] {
        assert_rel(
            "expected route time, h",
            plan.per_demand[d][0].time_h,
            want_h,
            1e-9,
        );
    }
}
