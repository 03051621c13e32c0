//! Automatic road connectors: a zone known only by its position, linked by truck to the
//! nearest hubs of the network.
//!
//! A candidate with `connect = "auto"`, and every cell of `corridor site-scan`, gets road
//! connectors computed by one rule instead of written by hand:
//!
//! - **to which hubs**: the [`Region::connect_hubs`] nearest (great-circle) hubs that hand
//!   freight to the network — a river port, rail terminal, airport, road base or seaport
//!   on which a service stops or a road link ends (never a zone, which is not a waypoint, a
//!   market, which is a destination, or a border, which is a crossing on the way). Ties go
//!   to the hub written first;
//! - **how long**: great-circle distance × [`Region::circuity`] (roads are not straight),
//!   at least [`Region::connector_min_km`] (a gate-to-gate haul);
//! - **how fast and at what rate**: the scenario's own road links ([`RoadTerms`]), so an
//!   automatic connector is priced like the roads the planner wrote down, unless
//!   `[region]` states the figures.
//!
//! The terms are resolved once, at validation, from the file's figures (before corridor
//! rate discounts, which do not apply to connectors without a corridor), and kept in the
//! scenario, so a candidate and a site-scan cell at the same place get the same connectors.

use super::model::{Connector, Hub, HubKind, Link, Mode, Service};
use crate::dist::Dist;
use crate::ids::HubId;

/// Mean radius of the Earth, km (IUGG mean radius R1 = 6 371 008.8 m).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance between two points given in degrees, km (haversine formula,
/// on a sphere of [`EARTH_RADIUS_KM`]; within 0.5 % of the ellipsoidal distance).
#[must_use]
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// `[region]`: how automatic connectors are drawn, resolved at validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Road distance over great-circle distance (≥ 1).
    pub circuity: f64,
    /// How many of the nearest hubs a zone is connected to (≥ 1).
    pub connect_hubs: u32,
    /// The shortest connector, km (> 0): a zone beside a hub still drives gate to gate.
    pub connector_min_km: f64,
    /// Speed, rate and time spread of a connector; `None` when the scenario has no road
    /// link to take them from and `[region]` does not state them.
    pub road: Option<RoadTerms>,
}

impl Region {
    /// The default road circuity: the shipped Chongqing scenario's rule R1 (a knob; the
    /// design asks for about 1.3, the order of the road circuity factors Ballou, Rahardja
    /// and Sakai measured across countries, Transportation Research A 36 (2002) 843–848).
    pub const DEFAULT_CIRCUITY: f64 = 1.3;
    /// The default number of hubs a zone is connected to: enough to reach two different
    /// terminals and a third in case one of them is a river port off the zone's corridor,
    /// few enough that every connector is a drive a shipper would consider.
    pub const DEFAULT_CONNECT_HUBS: u32 = 3;
    /// The default shortest connector, km: rule R1's minimum gate-to-gate haul.
    pub const DEFAULT_CONNECTOR_MIN_KM: f64 = 5.0;
}

impl Default for Region {
    fn default() -> Self {
        Region {
            circuity: Self::DEFAULT_CIRCUITY,
            connect_hubs: Self::DEFAULT_CONNECT_HUBS,
            connector_min_km: Self::DEFAULT_CONNECTOR_MIN_KM,
            road: None,
        }
    }
}

/// What a truck on an automatic connector costs and takes.
#[derive(Clone, Debug, PartialEq)]
pub struct RoadTerms {
    /// Mean speed, km/h (> 0).
    pub speed_kmh: f64,
    /// Fixed part of the rate, USD per TEU (≥ 0): lift-on, lift-off and the truck's call.
    pub fixed_usd_per_teu: f64,
    /// Rate per km, USD per TEU-km (≥ 0).
    pub rate_usd_per_teu_km: f64,
    /// The drive time's distribution for a mean of one hour; scaled to each connector's
    /// mean drive time.
    pub time_shape: Dist,
}

/// `[region]`'s own statements of the road terms; each replaces the figure derived from
/// the road links.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RoadOverrides {
    /// `road_speed_kmh`.
    pub speed_kmh: Option<f64>,
    /// `road_fixed_usd_per_teu`.
    pub fixed_usd_per_teu: Option<f64>,
    /// `road_rate_usd_per_teu_km`.
    pub rate_usd_per_teu_km: Option<f64>,
}

impl RoadTerms {
    /// The road terms of a scenario's road links, each replaced by `[region]`'s figure
    /// where it gives one:
    ///
    /// - speed: the median of the road links' speeds (length over mean drive time; the
    ///   upper middle one of an even number), so that a few long-haul links whose times
    ///   include border waits do not slow every short connector down;
    /// - rate: the least-squares line `cost = fixed + rate × km` through the road links'
    ///   (length, cost) points — what a planner's "so much per call plus so much per km"
    ///   rule looks like — with neither part below 0 (a negative intercept refits the
    ///   line through the origin; a negative slope keeps the mean cost as the fixed part);
    ///   with one link or links all of one length, the rate is total cost over total km;
    /// - spread: the drive time distribution of the road link of median length, divided
    ///   by its mean (a fixed time when `[region]` gives the speed and there is no road link).
    ///
    /// `None` when neither the links nor the overrides give a speed and a rate.
    #[must_use]
    pub fn derive(links: &[Link], o: RoadOverrides) -> Option<RoadTerms> {
        let mut road: Vec<&Link> = links
            .iter()
            .filter(|l| l.mode == Mode::Road && l.time_h.mean() > 0.0)
            .collect();
        road.sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km));
        let mut speeds: Vec<f64> = road
            .iter()
            .map(|l| l.distance_km / l.time_h.mean())
            .collect();
        speeds.sort_by(f64::total_cmp);
        let speed_kmh = o
            .speed_kmh
            .or_else(|| speeds.get(speeds.len() / 2).copied())?;
        let (fixed, rate) = match (o.fixed_usd_per_teu, o.rate_usd_per_teu_km) {
            (Some(f), Some(r)) => (f, r),
            (f, r) => {
                let (fit_fixed, fit_rate) = cost_line(&road)?;
                (f.unwrap_or(fit_fixed), r.unwrap_or(fit_rate))
            }
        };
        let time_shape = road
            .get(road.len() / 2)
            .map_or(Dist::Fixed(1.0), |l| l.time_h.scaled(1.0 / l.time_h.mean()));
        Some(RoadTerms {
            speed_kmh,
            fixed_usd_per_teu: fixed,
            rate_usd_per_teu_km: rate,
            time_shape,
        })
    }
}

/// The least-squares `(fixed, rate)` of cost against length, neither below 0; `None`
/// without a link.
fn cost_line(road: &[&Link]) -> Option<(f64, f64)> {
    if road.is_empty() {
        return None;
    }
    let n = road.len() as f64;
    let (sx, sy) = road.iter().fold((0.0, 0.0), |(sx, sy), l| {
        (sx + l.distance_km, sy + l.cost_usd_per_teu)
    });
    let (mx, my) = (sx / n, sy / n);
    let (sxx, sxy) = road.iter().fold((0.0, 0.0), |(sxx, sxy), l| {
        let dx = l.distance_km - mx;
        (sxx + dx * dx, sxy + dx * (l.cost_usd_per_teu - my))
    });
    if sxx <= 1e-9 * mx * mx {
        return Some((0.0, sy / sx));
    }
    let rate = sxy / sxx;
    let fixed = my - rate * mx;
    Some(if rate < 0.0 {
        (my, 0.0)
    } else if fixed < 0.0 {
        let x2: f64 = road.iter().map(|l| l.distance_km * l.distance_km).sum();
        let xy: f64 = road
            .iter()
            .map(|l| l.distance_km * l.cost_usd_per_teu)
            .sum();
        (0.0, xy / x2)
    } else {
        (fixed, rate)
    })
}

/// Why a place cannot be connected automatically.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AutoConnectError {
    /// No road link to take speed and rate from, and `[region]` does not give them.
    #[error(
        "automatic connectors take their speed and rate from the scenario's road links, and it has none: give [region] road_speed_kmh and road_rate_usd_per_teu_km"
    )]
    NoRoadTerms,
    /// No hub a zone could hand freight to.
    #[error(
        "no hub to connect to: automatic connectors go to river ports, rail terminals, airports, road bases and seaports on which a service stops or a road link ends"
    )]
    NoHub,
    /// The nearest hub is farther than any link may be.
    #[error(
        "the nearest hub, `{hub}`, is {km:.0} km away by road, beyond the longest link allowed"
    )]
    TooFar {
        /// The hub's id.
        hub: String,
        /// The connector's length, km.
        km: f64,
    },
}

/// The hubs an automatic connector may go to, by [`HubId`]: see the module docs.
#[must_use]
pub fn connectable_hubs(hubs: &[Hub], links: &[Link], services: &[Service]) -> Vec<bool> {
    let mut served = vec![false; hubs.len()];
    for l in links.iter().filter(|l| l.mode == Mode::Road) {
        served[l.from.index()] = true;
        served[l.to.index()] = true;
    }
    for s in services {
        for h in &s.stops {
            served[h.index()] = true;
        }
    }
    hubs.iter()
        .zip(served)
        .map(|(h, served)| {
            served
                && matches!(
                    h.kind,
                    HubKind::RiverPort
                        | HubKind::RailTerminal
                        | HubKind::Airport
                        | HubKind::RoadBase
                        | HubKind::Seaport
                )
        })
        .collect()
}

/// The road connectors of a zone `id` at (`lat`, `lon`), by the rule of the module docs:
/// ids `<id>-<hub>-road`, nearest hub first. `connectable` is [`connectable_hubs`].
///
/// # Errors
///
/// [`AutoConnectError`]: no road terms, no hub to connect to, or a hub beyond the longest
/// link allowed.
pub fn auto_connectors(
    hubs: &[Hub],
    connectable: &[bool],
    region: &Region,
    id: &str,
    lat: f64,
    lon: f64,
) -> Result<Vec<Connector>, AutoConnectError> {
    let road = region.road.as_ref().ok_or(AutoConnectError::NoRoadTerms)?;
    let mut near: Vec<(f64, usize)> = hubs
        .iter()
        .enumerate()
        .filter(|(i, _)| connectable[*i])
        .map(|(i, h)| (haversine_km(lat, lon, h.lat, h.lon), i))
        .collect();
    if near.is_empty() {
        return Err(AutoConnectError::NoHub);
    }
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    near.truncate(region.connect_hubs as usize);
    near.into_iter()
        .map(|(gc_km, i)| {
            let hub = &hubs[i];
            let km = (gc_km * region.circuity).max(region.connector_min_km);
            if km > super::limits::DISTANCE_KM.max {
                return Err(AutoConnectError::TooFar {
                    hub: hub.id.clone(),
                    km,
                });
            }
            Ok(Connector {
                id: format!("{id}-{}-road", hub.id),
                to: HubId::new(i),
                mode: Mode::Road,
                distance_km: km,
                time_h: road.time_shape.scaled(km / road.speed_kmh),
                cost_usd_per_teu: road.fixed_usd_per_teu + road.rate_usd_per_teu_km * km,
                corridor: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::{Hub, HubKind};

    fn hub(id: &str, kind: HubKind, lat: f64, lon: f64) -> Hub {
        Hub {
            id: id.into(),
            name: id.into(),
            name_zh: None,
            kind,
            lat,
            lon,
            transfer: None,
            customs: None,
            customs_policy: Default::default(),
            transfer_target_h: None,
            departure_rebate_usd_per_teu: 0.0,
            from_candidate: None,
        }
    }

    fn road(from: usize, to: usize, km: f64, time_h: Dist, cost: f64) -> Link {
        Link {
            id: format!("r{from}-{to}"),
            from: HubId::new(from),
            to: HubId::new(to),
            mode: Mode::Road,
            distance_km: km,
            time_h,
            cost_usd_per_teu: cost,
            corridor: None,
            two_way: true,
            bottleneck: None,
        }
    }

    #[test]
    fn haversine_matches_known_distances() {
        // Williams, Aviation Formulary, worked example: LAX (33°57'N, 118°24'W) to JFK
        // (40°38'N, 73°47'W) is 0.623585 radians of arc (2144 nautical miles).
        let d = haversine_km(
            33.0 + 57.0 / 60.0,
            -(118.0 + 24.0 / 60.0),
            40.0 + 38.0 / 60.0,
            -(73.0 + 47.0 / 60.0),
        );
        assert!((d / EARTH_RADIUS_KM - 0.623_585).abs() < 2e-6, "{d}");
        // A degree of latitude along a meridian, and a quarter of a great circle.
        let deg = haversine_km(29.0, 106.0, 30.0, 106.0);
        assert!((deg - EARTH_RADIUS_KM.to_radians()).abs() < 1e-9, "{deg}");
        let quarter = haversine_km(0.0, 0.0, 90.0, 45.0);
        assert!((quarter - EARTH_RADIUS_KM * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
        assert_eq!(haversine_km(29.6, 106.5, 29.6, 106.5), 0.0);
        // Symmetric, and across the antimeridian the short way.
        let e = haversine_km(0.0, 179.5, 0.0, -179.5);
        assert!((e - EARTH_RADIUS_KM.to_radians()).abs() < 1e-9, "{e}");
    }

    #[test]
    fn connects_to_the_nearest_connectable_hubs_in_order() {
        let hubs = vec![
            hub("zone", HubKind::Zone, 29.60, 106.60), // never a target
            hub("far-port", HubKind::RiverPort, 30.5, 108.0), // far
            hub("rail", HubKind::RailTerminal, 29.62, 106.36),
            hub("market", HubKind::Market, 29.61, 106.61), // a destination: never
            hub("port", HubKind::RiverPort, 29.64, 106.75),
            hub("idle-port", HubKind::RiverPort, 29.60, 106.61), // nothing serves it
            hub("base", HubKind::RoadBase, 29.40, 106.60),
        ];
        let links = vec![
            road(2, 4, 49.0, Dist::Fixed(1.0), 62.0),
            road(4, 6, 39.0, Dist::Fixed(1.0), 57.5),
            road(1, 4, 200.0, Dist::Fixed(4.0), 130.0),
            road(0, 3, 10.0, Dist::Fixed(0.2), 44.5),
        ];
        let ok = connectable_hubs(&hubs, &links, &[]);
        assert_eq!(ok, [false, true, true, false, true, false, true]);
        let region = Region {
            road: RoadTerms::derive(&links, RoadOverrides::default()),
            ..Region::default()
        };
        let got = auto_connectors(&hubs, &ok, &region, "cell", 29.58, 106.62).unwrap();
        let to: Vec<&str> = got.iter().map(|c| hubs[c.to.index()].id.as_str()).collect();
        // port 16 km, base 20 km, rail 25 km (great circle); far-port 200 km is 4th.
        assert_eq!(to, ["port", "base", "rail"]);
        assert_eq!(got[0].id, "cell-port-road");
        let gc = haversine_km(29.58, 106.62, 29.64, 106.75);
        assert!((got[0].distance_km - 1.3 * gc).abs() < 1e-9);
        let one = Region {
            connect_hubs: 1,
            ..region.clone()
        };
        assert_eq!(
            auto_connectors(&hubs, &ok, &one, "c", 30.4, 107.9)
                .unwrap()
                .len(),
            1
        );
        // Beside a hub: the minimum haul.
        let beside = auto_connectors(&hubs, &ok, &region, "c", 29.64, 106.75).unwrap();
        assert_eq!(beside[0].distance_km, 5.0);
        assert_eq!(
            auto_connectors(&hubs, &[false; 7], &region, "c", 29.6, 106.6),
            Err(AutoConnectError::NoHub)
        );
        let none = Region::default();
        assert_eq!(
            auto_connectors(&hubs, &ok, &none, "c", 29.6, 106.6),
            Err(AutoConnectError::NoRoadTerms)
        );
    }

    #[test]
    fn road_terms_reproduce_a_linear_tariff_and_the_mean_speed() {
        // Links priced 40 + 0.45 km and driven at 45 km/h on average (rules R2 and R3 of
        // the Chongqing scenario) give back exactly those terms.
        let tri = |km: f64| Dist::Triangular {
            min: km / 65.0,
            mode: km / 45.0,
            max: km / 25.0,
        };
        let links: Vec<Link> = [10.0, 33.0, 57.0, 120.0]
            .iter()
            .map(|&km| road(0, 1, km, tri(km), 40.0 + 0.45 * km))
            .collect();
        let t = RoadTerms::derive(&links, RoadOverrides::default()).unwrap();
        assert!((t.fixed_usd_per_teu - 40.0).abs() < 1e-9, "{t:?}");
        assert!((t.rate_usd_per_teu_km - 0.45).abs() < 1e-12, "{t:?}");
        let per_km_h = tri(1.0).mean();
        assert!((t.speed_kmh - 1.0 / per_km_h).abs() < 1e-9, "{t:?}");
        // A long link with border waits does not set the speed: the median does.
        let mut with_border = links.clone();
        with_border.push(road(0, 1, 1200.0, Dist::Fixed(48.0), 40.0 + 0.45 * 1200.0));
        let t = RoadTerms::derive(&with_border, RoadOverrides::default()).unwrap();
        assert!((t.speed_kmh - 1.0 / per_km_h).abs() < 1e-9, "{t:?}");
        assert!((t.time_shape.mean() - 1.0).abs() < 1e-12);
        // The shape is the median link's triangle.
        let m = tri(57.0);
        assert_eq!(t.time_shape, m.scaled(1.0 / m.mean()));

        // A negative intercept refits through the origin; overrides win.
        let steep = vec![
            road(0, 1, 10.0, Dist::Fixed(1.0), 1.0),
            road(0, 1, 20.0, Dist::Fixed(1.0), 30.0),
        ];
        let t = RoadTerms::derive(&steep, RoadOverrides::default()).unwrap();
        assert_eq!(t.fixed_usd_per_teu, 0.0);
        assert!((t.rate_usd_per_teu_km - (10.0 + 600.0) / (100.0 + 400.0)).abs() < 1e-12);
        let o = RoadOverrides {
            speed_kmh: Some(50.0),
            fixed_usd_per_teu: None,
            rate_usd_per_teu_km: Some(1.0),
        };
        let t = RoadTerms::derive(&steep, o).unwrap();
        assert_eq!(
            (t.speed_kmh, t.fixed_usd_per_teu, t.rate_usd_per_teu_km),
            (50.0, 0.0, 1.0)
        );
        // No road link: only a full statement gives terms.
        assert_eq!(RoadTerms::derive(&[], o), None);
        let full = RoadOverrides {
            fixed_usd_per_teu: Some(40.0),
            ..o
        };
        let t = RoadTerms::derive(&[], full).unwrap();
        assert_eq!(t.time_shape, Dist::Fixed(1.0));
    }
}
