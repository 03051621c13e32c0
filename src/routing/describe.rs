//! Routes as text, for tables, CSV and logs.
//!
//! Planners read routes as the hubs where the container is handled, with what carries it
//! between them: `factory >truck> railport >express> market`. A ride shows only
//! its boarding and alighting stops; each road link is shown, so a customs hub a truck
//! passes through is visible.

use super::{Leg, Route};
use crate::ids::CorridorId;
use crate::scenario::{Mode, Scenario};

/// The route as hub ids joined by `>truck>` or `>service-id>`, e.g.
/// `factory >truck> railport >express> market`. An empty route is its origin id.
///
/// # Panics
///
/// If the route's ids are not those of `scenario`.
#[must_use]
pub fn route_label(scenario: &Scenario, route: &Route) -> String {
    let mut out = route
        .hubs
        .first()
        .map_or_else(String::new, |&h| scenario.hub(h).id.clone());
    for leg in &route.legs {
        match *leg {
            Leg::Drive { to, .. } => {
                out.push_str(" >truck> ");
                out.push_str(&scenario.hub(to).id);
            }
            Leg::Ride {
                service, alight, ..
            } => {
                let s = scenario.service(service);
                out.push_str(" >");
                out.push_str(&s.id);
                out.push_str("> ");
                out.push_str(&scenario.hub(s.stops[usize::from(alight)]).id);
            }
            Leg::Customs { .. } | Leg::Transfer { .. } => {}
        }
    }
    out
}

/// The distinct modes of the route in order of first use, joined by `+` (e.g. `road+rail`).
///
/// # Panics
///
/// If the route's ids are not those of `scenario`.
#[must_use]
pub fn route_modes(scenario: &Scenario, route: &Route) -> String {
    let mut modes: Vec<Mode> = Vec::new();
    for leg in &route.legs {
        let mode = match *leg {
            Leg::Drive { .. } => Mode::Road,
            Leg::Ride { service, .. } => scenario.service(service).mode,
            Leg::Customs { .. } | Leg::Transfer { .. } => continue,
        };
        if !modes.contains(&mode) {
            modes.push(mode);
        }
    }
    modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// The distinct corridor ids of the route in order of first use, joined by `+`. A ride
/// counts under its service's corridor, or under the corridors of the links it rides
/// when the service has none; untagged links count under none.
///
/// # Panics
///
/// If the route's ids are not those of `scenario`.
#[must_use]
pub fn route_corridors(scenario: &Scenario, route: &Route) -> String {
    let mut corridors: Vec<CorridorId> = Vec::new();
    let mut add = |c: Option<CorridorId>| {
        if let Some(c) = c
            && !corridors.contains(&c)
        {
            corridors.push(c);
        }
    };
    for leg in &route.legs {
        match *leg {
            Leg::Drive { link, .. } => add(scenario.link(link).corridor),
            Leg::Ride {
                service,
                board,
                alight,
            } => {
                let s = scenario.service(service);
                if s.corridor.is_some() {
                    add(s.corridor);
                } else {
                    for &l in &s.legs[usize::from(board)..usize::from(alight)] {
                        add(scenario.link(l).corridor);
                    }
                }
            }
            Leg::Customs { .. } | Leg::Transfer { .. } => {}
        }
    }
    corridors
        .iter()
        .map(|&c| scenario.corridors[c.index()].id.as_str())
        .collect::<Vec<_>>()
        .join("+")
}
