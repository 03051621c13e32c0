//! Corridor rate discounts, applied once after validation.
//!
//! A corridor's `rate_discount` is a share taken off the rates of everything on it. It is
//! a transform of a valid scenario, not a check, so it runs as its own step after
//! validation ([`super::Document::validate`]): every later stage (routing, the engine,
//! the tariff) sees the discounted rates and never applies the discount again.

use super::model::Scenario;
use crate::ids::CorridorId;

/// Takes each corridor's `rate_discount` off the rates of its links, services (fares)
/// and candidates' connectors.
pub(crate) fn apply_rate_discounts(scenario: &mut Scenario) {
    let Scenario {
        corridors,
        links,
        services,
        candidates,
        ..
    } = scenario;
    let keep = |c: Option<CorridorId>| c.map_or(1.0, |c| 1.0 - corridors[c.index()].rate_discount);
    for l in links {
        l.cost_usd_per_teu *= keep(l.corridor);
    }
    for s in services {
        let k = keep(s.corridor);
        if let Some(f) = &mut s.fare_usd_per_teu {
            *f *= k;
        }
    }
    for c in candidates {
        for k in &mut c.connectors {
            k.cost_usd_per_teu *= keep(k.corridor);
        }
    }
}
