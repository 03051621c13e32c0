//! Hand-made routes on the scenarios of `tests/data`, shared by the engine tests and the
//! engine benchmarks (which include this file by path), so both simulate the same plan.

// Each includer uses part of these helpers.
#![allow(dead_code)]

use corridor_sim::ids::{HubId, LinkId, ServiceId};
use corridor_sim::routing::{Leg, Route};
use corridor_sim::scenario::Scenario;

/// A hand-made route with the given legs and share (figures routing would fill are 0).
pub fn route(legs: Vec<Leg>, share: f64) -> Route {
    Route::with_legs(legs, share)
}

pub fn hub(s: &Scenario, id: &str) -> HubId {
    s.hub_by_id(id).unwrap_or_else(|| panic!("no hub {id}"))
}

pub fn link(s: &Scenario, id: &str) -> LinkId {
    LinkId::new(
        s.links
            .iter()
            .position(|l| l.id == id)
            .unwrap_or_else(|| panic!("no link {id}")),
    )
}

pub fn service(s: &Scenario, id: &str) -> ServiceId {
    s.service_by_id(id)
        .unwrap_or_else(|| panic!("no service {id}"))
}

pub fn drive(s: &Scenario, link_id: &str) -> Leg {
    let l = link(s, link_id);
    let sl = s.link(l);
    Leg::Drive {
        link: l,
        from: sl.from,
        to: sl.to,
    }
}

pub fn ride(s: &Scenario, service_id: &str, board: u16, alight: u16) -> Leg {
    Leg::Ride {
        service: service(s, service_id),
        board,
        alight,
    }
}

/// The plan of `tests/data/river.toml`: zone→market 70 % by truck to the port and the
/// river line, 30 % by truck all the way; port→mid on the river line.
pub fn river_plan(s: &Scenario) -> Vec<Vec<Route>> {
    let (zone, port) = (hub(s, "zone"), hub(s, "port"));
    vec![
        vec![
            route(
                vec![
                    Leg::Customs { hub: zone },
                    drive(s, "zone-port"),
                    Leg::Transfer { hub: port },
                    ride(s, "river-line", 0, 2),
                ],
                0.7,
            ),
            route(
                vec![Leg::Customs { hub: zone }, drive(s, "zone-market")],
                0.3,
            ),
        ],
        vec![route(vec![ride(s, "river-line", 0, 1)], 1.0)],
    ]
}
