//! What a TEU pays: the money rules that route choice and the simulation share.
//!
//! Routing prices each edge of its graph (a hop of a service, a road link, a transfer,
//! customs) and sums them along a path; the simulation prices each route once, leg by
//! leg, for the cost it reports. Both call the functions here, so a route costs the same
//! in the choice that sent freight on it and in the tables that report it.
//!
//! - **Rides.** A service with a fare charges it for the whole line, split among its hops
//!   in proportion to their distance (a shipment riding half the line's km pays half the
//!   fare); a service without one charges the cost of each link it rides. Validated links
//!   have a distance > 0; should a line's total distance still be 0, the fare is split
//!   evenly among its hops.
//! - **Drives, transfers, customs** charge the link's or the facility's cost per TEU (a
//!   hub without the facility charges nothing). Customs charges what the flow declares:
//!   an import the hub's `import_cost_usd_per_teu` (else its export charge), a flow that
//!   declares nothing nothing.
//! - **Departure-port rebates.** A hub's `departure_rebate_usd_per_teu` is credited for
//!   every ride boarded there by an export (the rebate is an export VAT refund: domestic
//!   freight, imports and transit under bond get none). A route's cost is its charges less its rebates, never below
//!   zero.

use crate::ids::{HubId, ServiceId};
use crate::routing::Leg;
use crate::scenario::{CustomsRegime, Scenario, Service};

/// The charge for riding hop `hop` of a service (from `stops[hop]` to `stops[hop + 1]`),
/// USD per TEU.
///
/// # Panics
///
/// If `hop` is not a hop of the service or its links are not the scenario's.
#[must_use]
pub fn hop_usd_per_teu(s: &Scenario, service: &Service, hop: usize) -> f64 {
    let link = s.link(service.legs[hop]);
    match service.fare_usd_per_teu {
        Some(fare) => {
            let total_km: f64 = service.legs.iter().map(|&l| s.link(l).distance_km).sum();
            if total_km > 0.0 {
                fare * link.distance_km / total_km
            } else {
                fare / service.legs.len() as f64
            }
        }
        None => link.cost_usd_per_teu,
    }
}

/// The customs charge at `hub` for a flow declaring `regime`, USD per TEU.
///
/// # Panics
///
/// If `hub` is not the scenario's.
#[must_use]
pub fn customs_usd_per_teu(s: &Scenario, hub: HubId, regime: CustomsRegime) -> f64 {
    let h = s.hub(hub);
    match (&h.customs, regime) {
        (None, _) | (Some(_), CustomsRegime::Exempt) => 0.0,
        (Some(f), CustomsRegime::Export) => f.cost_usd_per_teu,
        (Some(f), CustomsRegime::Import) => {
            (h.customs_policy.import_cost_usd_per_teu).unwrap_or(f.cost_usd_per_teu)
        }
    }
}

/// The charge for one leg of a route of a flow declaring `regime` at customs, USD per
/// TEU, before rebates.
///
/// # Panics
///
/// If the leg's ids are not the scenario's.
#[must_use]
pub fn leg_usd_per_teu(s: &Scenario, leg: &Leg, regime: CustomsRegime) -> f64 {
    match *leg {
        Leg::Customs { hub } => customs_usd_per_teu(s, hub, regime),
        Leg::Transfer { hub } => s
            .hub(hub)
            .transfer
            .as_ref()
            .map_or(0.0, |f| f.cost_usd_per_teu),
        Leg::Drive { link, .. } => s.link(link).cost_usd_per_teu,
        Leg::Ride {
            service,
            board,
            alight,
        } => {
            let sv = s.service(service);
            (usize::from(board)..usize::from(alight))
                .map(|hop| hop_usd_per_teu(s, sv, hop))
                .sum()
        }
    }
}

/// The hub where a ride on `service` boarded at stop `board` starts: where its
/// departure-port rebate is credited.
#[must_use]
pub fn boarding_hub(s: &Scenario, service: ServiceId, board: u16) -> HubId {
    s.service(service).stops[usize::from(board)]
}

/// The departure-port rebates a route of a flow declaring `regime` collects, USD per TEU:
/// for an export, each hub's `departure_rebate_usd_per_teu` for every ride boarded there;
/// for any other flow, none.
#[must_use]
pub fn rebate_usd_per_teu(s: &Scenario, legs: &[Leg], regime: CustomsRegime) -> f64 {
    if regime != CustomsRegime::Export {
        return 0.0;
    }
    legs.iter()
        .map(|leg| match *leg {
            Leg::Ride { service, board, .. } => {
                s.hub(boarding_hub(s, service, board))
                    .departure_rebate_usd_per_teu
            }
            _ => 0.0,
        })
        .sum()
}

/// A route's money cost for a flow declaring `regime` at customs, USD per TEU: its legs'
/// charges less its rebates, never below 0.
#[must_use]
pub fn route_usd_per_teu(s: &Scenario, legs: &[Leg], regime: CustomsRegime) -> f64 {
    let charges: f64 = legs.iter().map(|leg| leg_usd_per_teu(s, leg, regime)).sum();
    net_of_rebates(charges, rebate_usd_per_teu(s, legs, regime))
}

/// Charges less rebates, never below zero.
#[must_use]
pub fn net_of_rebates(charges_usd_per_teu: f64, rebates_usd_per_teu: f64) -> f64 {
    (charges_usd_per_teu - rebates_usd_per_teu).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::plan;

    fn chongqing() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/chongqing/policies/departure-port-rebate.toml");
        crate::scenario::load(&path)
            .expect("the shipped overlay loads")
            .scenario
    }

    /// Route choice sums its edges' money; the simulation prices the legs here. They
    /// must agree for every route of the shipped scenario, rebates included.
    #[test]
    fn routing_and_simulation_price_every_route_alike() {
        let s = chongqing();
        let p = plan(&s);
        let mut routes = 0;
        let with_demand = (s.demand.iter()).zip(&p.per_demand);
        for (d, r) in with_demand.flat_map(|(d, rs)| rs.iter().map(move |r| (d, r))) {
            let priced = route_usd_per_teu(&s, &r.legs, d.customs);
            assert!(
                (priced - r.cost_usd_per_teu).abs() <= 1e-9 * priced.max(1.0),
                "{priced} vs {}",
                r.cost_usd_per_teu
            );
            routes += 1;
        }
        assert!(routes > 40, "{routes} routes");
        assert!(p.per_demand.iter().flatten().any(|r| rebate_usd_per_teu(
            &s,
            &r.legs,
            CustomsRegime::Export
        ) > 0.0));
    }

    /// The rebate is an export refund: the domestic Shanghai-region flow boards at Guoyuan
    /// too, and neither route choice nor the reported cost credits it.
    #[test]
    fn only_exports_collect_the_departure_port_rebate() {
        let s = chongqing();
        let p = plan(&s);
        let d = (s.demand.iter())
            .position(|d| d.id == "liangjiang-shanghai-region")
            .expect("the flow");
        assert_eq!(s.demand[d].customs, CustomsRegime::Exempt);
        let routes = &p.per_demand[d];
        assert!(
            (routes.iter()).any(|r| rebate_usd_per_teu(&s, &r.legs, CustomsRegime::Export) > 0.0),
            "no route boards at a rebate port"
        );
        for r in routes {
            let charges: f64 = (r.legs.iter())
                .map(|leg| leg_usd_per_teu(&s, leg, CustomsRegime::Exempt))
                .sum();
            assert!((r.cost_usd_per_teu - charges).abs() <= 1e-9 * charges.max(1.0));
            assert_eq!(
                route_usd_per_teu(&s, &r.legs, CustomsRegime::Exempt),
                charges
            );
        }
    }

    #[test]
    fn a_fare_splits_by_distance_or_evenly_without_one() {
        let mut s = chongqing();
        let i = s
            .services
            .iter()
            .position(|sv| sv.legs.len() >= 2)
            .expect("a service with two hops");
        s.services[i].fare_usd_per_teu = Some(900.0);
        let sv = s.services[i].clone();
        let km: Vec<f64> = sv.legs.iter().map(|&l| s.link(l).distance_km).collect();
        let total: f64 = km.iter().sum();
        for (hop, d) in km.iter().enumerate() {
            assert!((hop_usd_per_teu(&s, &sv, hop) - 900.0 * d / total).abs() < 1e-9);
        }
        for &l in &sv.legs {
            s.links[l.index()].distance_km = 0.0;
        }
        let even = 900.0 / sv.legs.len() as f64;
        assert_eq!(hop_usd_per_teu(&s, &sv, 0), even);
    }
}
