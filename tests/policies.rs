//! Policy levers against hand calculation and queueing theory (tests/data/policy/).
//!
//! Each lever is checked where its effect can be predicted exactly or by theory: advance
//! and two-step declaration on a fixed-time corridor (to the second), a capacity reduction
//! turning M/M/2 into M/M/1, a fixed-schedule service, a same-day transfer target, and the
//! cost measures (rate discount, departure-port rebate). Fixed seeds throughout.

mod common;

use common::{assert_rel, pooled_wait};
use corridor_sim::dist::Dist;
use corridor_sim::ids::HubId;
use corridor_sim::run::{self, Simulated};
use corridor_sim::scenario::{self, Scenario, SimWindow};
use corridor_sim::sim::model::FacilityKind;
use std::path::Path;

fn load(rel: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    match scenario::load(&path) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{rel} does not load:\n{e}"),
    }
}

fn hub(s: &Scenario, id: &str) -> HubId {
    s.hub_by_id(id).expect("hub exists")
}

fn simulate(s: &Scenario) -> Simulated<'_> {
    run::simulate(s, &|| {}).expect("the scenario runs")
}

/// Mean door-to-door time of flow 0 over every counted shipment, hours.
fn mean_transit_h(s: &Scenario) -> f64 {
    let sim = simulate(s);
    let agg = sim.aggregate();
    agg.od[0].transit.as_ref().expect("deliveries").mean.mean * 24.0
}

/// Expected door-to-door time of flow 0's best route as route choice sees it, hours.
fn planned_time_h(s: &Scenario) -> f64 {
    corridor_sim::routing::plan(s).per_demand[0][0].time_h
}

/// tests/data/policy/advance.toml with customs taking `customs_h`, optionally a two-step
/// release step of `release_h`, declared in advance or not.
fn advance_case(customs_h: f64, release_h: Option<f64>, advance: bool) -> Scenario {
    let mut s = load("tests/data/policy/advance.toml");
    let b = hub(&s, "border").index();
    s.hubs[b].customs.as_mut().expect("customs").time_h = Dist::Fixed(customs_h);
    s.hubs[b].customs_policy.advance_declaration = advance;
    s.hubs[b].customs_policy.two_step_release_h = release_h.map(Dist::Fixed);
    s
}

/// Every shipment of the advance scenario has the same transit (fixed times, no queue),
/// so the mean is exact to the second.
const EXACT_H: f64 = 1e-6;

#[test]
fn advance_declaration_hides_customs_behind_the_line_haul() {
    const LINE_HAUL_H: f64 = 10.0;
    const ONWARD_H: f64 = 1.0;
    for customs_h in [4.0, 9.5, 10.0, 16.0] {
        let on_arrival = mean_transit_h(&advance_case(customs_h, None, false));
        let advance = mean_transit_h(&advance_case(customs_h, None, true));
        assert!(
            (on_arrival - (LINE_HAUL_H + customs_h + ONWARD_H)).abs() < EXACT_H,
            "customs {customs_h} h on arrival: transit {on_arrival} h"
        );
        // The declaration is processed during the drive: only what is left on arrival
        // holds the shipment.
        let overlap_h = customs_h.min(LINE_HAUL_H);
        let saved = on_arrival - advance;
        eprintln!("customs {customs_h} h: {on_arrival} h -> {advance} h (saves {saved} h)");
        assert!(
            (saved - overlap_h).abs() < EXACT_H,
            "customs {customs_h} h: advance declaration saved {saved} h, want {overlap_h} h"
        );
        // Customs shorter than the line-haul is hidden completely; longer, it is cut by
        // exactly the line-haul.
        if customs_h < LINE_HAUL_H {
            assert!((advance - (LINE_HAUL_H + ONWARD_H)).abs() < EXACT_H);
        } else {
            assert!((advance - (customs_h + ONWARD_H)).abs() < EXACT_H);
        }
        // Route choice sees the same saving in expectation.
        let planned = planned_time_h(&advance_case(customs_h, None, false))
            - planned_time_h(&advance_case(customs_h, None, true));
        assert!(
            (planned - overlap_h).abs() < 1e-9,
            "planned saving {planned}"
        );
    }
}

#[test]
fn two_step_declaration_holds_freight_for_the_release_step_only() {
    let one_step = mean_transit_h(&advance_case(16.0, None, false));
    let two_step = mean_transit_h(&advance_case(16.0, Some(2.0), false));
    assert!((one_step - 27.0).abs() < EXACT_H, "{one_step}");
    assert!((two_step - 13.0).abs() < EXACT_H, "{two_step}");
    // In advance, the 2 h release step is done during the 10 h drive.
    let both = mean_transit_h(&advance_case(16.0, Some(2.0), true));
    assert!((both - 11.0).abs() < EXACT_H, "{both}");
    let planned = planned_time_h(&advance_case(16.0, Some(2.0), false));
    assert!((planned - 13.0).abs() < 1e-9, "{planned}");
}

#[test]
fn advance_declarations_queue_for_the_same_customs_servers() {
    // One customs server at the border, each declaration 3.9 h, six shipments a day: the
    // server is busy 97.5 % of the time, so declarations lodged in advance still queue
    // and some shipments wait on arrival; the saving is real but not the whole 3.9 h.
    let mut busy_on_arrival = advance_case(3.9, None, false);
    let mut busy_advance = advance_case(3.9, None, true);
    for s in [&mut busy_on_arrival, &mut busy_advance] {
        let b = hub(s, "border").index();
        s.hubs[b].customs.as_mut().expect("customs").servers = 1;
        s.meta.window = SimWindow::new(s.meta.window.warmup_days(), 200.0).expect("a valid window");
    }
    let a = mean_transit_h(&busy_on_arrival);
    let b = mean_transit_h(&busy_advance);
    eprintln!("one busy server: {a:.2} h on arrival, {b:.2} h in advance");
    assert!(b < a, "advance declaration must still help");
    assert!(
        b > 11.0 + 0.1,
        "queued declarations must still delay some shipments"
    );
}

fn customs_facility(sim: &Simulated<'_>, at: HubId) -> usize {
    let kind = FacilityKind::Customs(at);
    let found = sim.model.facilities.iter().position(|f| f.kind == kind);
    found.expect("customs facility")
}

#[test]
fn capacity_reduction_turns_mm2_into_mm1() {
    // lambda = 0.6 / h, mu = 1 / h.
    let reduced = load("tests/data/policy/capacity.toml");
    let sim = simulate(&reduced);
    let f = customs_facility(&sim, hub(&reduced, "origin"));
    let (w, se) = pooled_wait(&sim.results, f);
    eprintln!("one server left: wait {w:.4} h (s.e. {se:.4})");
    assert_rel("M/M/1 wait, h", w, 0.6 / (1.0 - 0.6), 0.03);

    let mut full = reduced.clone();
    full.disruptions.clear();
    let sim = simulate(&full);
    let (w, _) = pooled_wait(&sim.results, f);
    // Erlang C, c = 2, a = 0.6: P(wait) = 0.18/0.7 / (1.6 + 0.18/0.7); Wq = P / (2 - 0.6).
    let p_wait = (0.18 / 0.7) / (1.6 + 0.18 / 0.7);
    assert_rel("M/M/2 wait, h", w, p_wait / 1.4, 0.06);
}

#[test]
fn capacity_reduction_ends_and_servers_come_back() {
    // The same queue with one server for days 100-400 only: the mean wait over the run
    // lies between M/M/2 and M/M/1, and the queue is longest during the window.
    let mut s = load("tests/data/policy/capacity.toml");
    s.disruptions[0].start_days = Dist::Fixed(100.0);
    s.disruptions[0].duration_days = Dist::Fixed(300.0);
    let sim = simulate(&s);
    let f = customs_facility(&sim, hub(&s, "origin"));
    let (w, _) = pooled_wait(&sim.results, f);
    let share = 300.0 / (1000.0 - 20.0);
    let mixed = share * 1.5 + (1.0 - share) * 0.099;
    eprintln!("window of one server: wait {w:.3} h, time-weighted theory {mixed:.3} h");
    assert!(w > 0.2 && w < 1.2, "{w}");
    assert_rel("time-weighted M/M/1-M/M/2 wait, h", w, mixed, 0.10);
}

#[test]
fn fixed_schedule_runs_in_the_stated_time() {
    let scheduled = load("tests/data/policy/fixed_schedule.toml");
    // Freight waits half the 24 h headway on average, then rides exactly 50 h.
    assert_rel(
        "scheduled transit, h",
        mean_transit_h(&scheduled),
        62.0,
        0.015,
    );
    let route = &corridor_sim::routing::plan(&scheduled).per_demand[0][0];
    assert!((route.time_h - 62.0).abs() < 1e-9, "{}", route.time_h);
    // The only spread left is the wait for a departure: uniform on [0, 24).
    assert!((route.sd_time_h - 24.0 / 12f64.sqrt()).abs() < 1e-9);

    let mut sampled = scheduled.clone();
    sampled.services[0].scheduled_run_h = None;
    // Triangular 40 / 48 / 80: mean 56 h.
    assert_rel("sampled transit, h", mean_transit_h(&sampled), 68.0, 0.015);
    let p95 = |s: &Scenario| {
        let sim = simulate(s);
        sim.aggregate().od[0]
            .transit
            .as_ref()
            .expect("deliveries")
            .p95
            * 24.0
    };
    assert!(
        p95(&scheduled) < p95(&sampled) - 5.0,
        "a timetable cuts the tail"
    );
}

#[test]
fn same_day_transfer_caps_the_handling_time() {
    let mut s = load("tests/data/two_corridors.toml");
    let port = hub(&s, "port");
    let transfer = s.hubs[port.index()].transfer.as_mut().expect("transfer");
    transfer.time_h = Dist::Fixed(20.0);
    transfer.servers = 100;
    let slow = planned_time_h(&s);
    s.hubs[port.index()].transfer_target_h = Some(8.0);
    let fast = planned_time_h(&s);
    assert!((slow - fast - 12.0).abs() < 1e-9, "{slow} -> {fast}");
    let sim = simulate(&s);
    let kind = FacilityKind::Transfer(port);
    let f = sim.model.facilities.iter().position(|x| x.kind == kind);
    for r in &sim.results {
        let sojourn = r.facilities[f.expect("transfer")].sojourn_h_mean;
        assert!(
            (sojourn.expect("transfers") - 8.0).abs() < 1e-6,
            "{sojourn:?}"
        );
    }
}

#[test]
fn rate_discount_and_departure_rebate_lower_route_costs() {
    let base = load("tests/data/two_corridors.toml");
    let policy = load("tests/data/policy/discount.toml");
    let cost = |s: &Scenario| -> Vec<f64> {
        let sim = simulate(s);
        let mut c: Vec<f64> = sim
            .routes
            .routes()
            .iter()
            .map(|r| r.cost_usd_per_teu)
            .collect();
        // Route choice and the simulation price a route the same way.
        let mut planned: Vec<f64> = sim.plan.per_demand[0]
            .iter()
            .map(|r| r.cost_usd_per_teu)
            .collect();
        c.sort_by(f64::total_cmp);
        planned.sort_by(f64::total_cmp);
        assert_eq!(c, planned);
        c
    };
    assert_eq!(cost(&base), vec![750.0, 1700.0]);
    // North: (400 + 300) x 0.8 + 50 - 100 rebate; the southern road is untouched.
    assert_eq!(cost(&policy), vec![510.0, 1700.0]);
}

#[test]
fn every_chongqing_policy_overlay_loads_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/chongqing/policies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the policies folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "one overlay per measure: {files:?}");
    for f in files {
        let mut s = match scenario::load(&f) {
            Ok(l) => l.scenario,
            Err(e) => panic!("{} does not load:\n{e}", f.display()),
        };
        s.meta.replications = 1;
        let sim = simulate(&s);
        let agg = sim.aggregate();
        let delivered: f64 = agg.od.iter().map(|o| o.shipments).sum();
        assert!(delivered > 0.0, "{}: nothing delivered", f.display());
    }
}
