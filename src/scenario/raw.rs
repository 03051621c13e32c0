//! Raw file structs: the scenario format as written, before references are resolved.
//!
//! Every struct denies unknown fields, so a misspelt field is an error rather than a
//! silently ignored default. Values that validation must point at are [`Located`].
//! scenarios/README.md is the reference for each field.

use super::de::Located;
use super::model::{BottleneckPriority, CustomsRegime, EffectKind, HubKind, Mode, QueueStart};
use crate::dist::Dist;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// `[scenario]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: Located<String>,
    pub description: Option<String>,
    pub horizon_days: Located<f64>,
    pub warmup_days: Located<f64>,
    pub replications: Located<u32>,
    pub seed: Located<u64>,
    pub shipment_teu: Option<Located<u32>>,
}

/// `[choice]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub k_routes: Option<Located<u32>>,
    pub logit_scale: Option<Located<f64>>,
    pub reliability_ratio: Option<Located<f64>>,
    pub vot_rate_per_day: Option<Located<f64>>,
    pub model: Option<Located<String>>,
    pub nest_lambda: Option<Located<f64>>,
    pub gc_cutoff_ratio: Option<Located<f64>>,
    pub feedback: Option<Located<RawFeedback>>,
}

/// `[choice] feedback`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeedback {
    pub iterations: Located<u32>,
    pub step: Option<Located<String>>,
    pub tolerance: Option<Located<f64>>,
    pub period_days: Option<Located<f64>>,
}

/// `[[corridors]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorridor {
    pub id: Located<String>,
    pub name: Located<String>,
    pub name_zh: Option<Located<String>>,
    #[allow(dead_code)] // accepted for the planner's notes; no result depends on it
    pub description: Option<String>,
    pub rate_discount: Option<Located<f64>>,
    pub choice_constant_usd_per_teu: Option<Located<f64>>,
}

/// A hub's `transfer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransfer {
    pub servers: Located<u32>,
    pub time_h: Located<RawDuration>,
    pub cost_usd_per_teu: Located<f64>,
    pub target_h: Option<Located<f64>>,
}

/// A hub's `customs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustoms {
    pub servers: Located<u32>,
    pub time_h: Located<RawDuration>,
    pub cost_usd_per_teu: Located<f64>,
    pub advance_declaration: Option<bool>,
    pub two_step_release_h: Option<Located<RawDuration>>,
    pub import_time_h: Option<Located<RawDuration>>,
    pub import_cost_usd_per_teu: Option<Located<f64>>,
}

/// `[[hubs]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHub {
    pub id: Located<String>,
    pub name: Located<String>,
    pub name_zh: Option<Located<String>>,
    pub kind: Located<HubKind>,
    pub lat: Located<f64>,
    pub lon: Located<f64>,
    pub transfer: Option<RawTransfer>,
    pub customs: Option<RawCustoms>,
    pub departure_rebate_usd_per_teu: Option<Located<f64>>,
}

/// A link's `bottleneck`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBottleneck {
    pub name: Located<String>,
    pub servers: Located<u32>,
    pub time_h: Located<RawDuration>,
    pub background_per_day: Option<Located<f64>>,
    pub priority: Option<Located<BottleneckPriority>>,
    pub start: Option<Located<QueueStart>>,
}

/// `[[links]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub id: Located<String>,
    pub from: Located<String>,
    pub to: Located<String>,
    pub mode: Located<Mode>,
    pub distance_km: Located<f64>,
    pub time_h: Located<RawDuration>,
    pub cost_usd_per_teu: Located<f64>,
    pub corridor: Option<Located<String>>,
    pub two_way: Option<bool>,
    pub bottleneck: Option<RawBottleneck>,
}

/// `[[services]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub id: Located<String>,
    pub name: Option<Located<String>>,
    pub corridor: Option<Located<String>>,
    pub mode: Located<Mode>,
    pub stops: Located<Vec<Located<String>>>,
    pub departures_per_week: Option<Located<f64>>,
    pub headway_h: Option<Located<f64>>,
    pub first_departure_h: Option<Located<f64>>,
    pub capacity_teu: Located<u32>,
    pub fare_usd_per_teu: Option<Located<f64>>,
    pub dwell_h: Option<Located<RawDuration>>,
    pub scheduled_run_h: Option<Located<f64>>,
}

/// `[[classes]]`: a demand class named by flows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub id: Located<String>,
    pub name: Option<Located<String>>,
    pub value_usd_per_teu: Located<f64>,
    pub vot_usd_per_teu_day: Option<Located<f64>>,
    pub due_days: Option<Located<f64>>,
}

/// `[[demand]]`. `value_usd_per_teu` and `due_days` may come from the `class`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    pub id: Option<Located<String>>,
    pub from: Located<String>,
    pub to: Located<String>,
    pub teu_per_day: Located<f64>,
    pub class: Option<Located<String>>,
    pub value_usd_per_teu: Option<Located<f64>>,
    pub due_days: Option<Located<f64>>,
    pub modes: Option<Located<Vec<Mode>>>,
    pub vot_usd_per_teu_day: Option<Located<f64>>,
    pub customs: Option<Located<CustomsRegime>>,
}

/// A flow with an implied origin (a candidate's `demand`, a `[compare]` market).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    pub to: Located<String>,
    pub teu_per_day: Located<f64>,
    pub class: Option<Located<String>>,
    pub value_usd_per_teu: Option<Located<f64>>,
    pub due_days: Option<Located<f64>>,
    pub modes: Option<Located<Vec<Mode>>>,
    pub vot_usd_per_teu_day: Option<Located<f64>>,
}

/// The cargo fields of a flow (`[[demand]]`, a candidate's flow, a market), borrowed, so
/// that one function resolves them against the flow's class.
pub struct RawCargo<'a> {
    pub teu_per_day: &'a Located<f64>,
    pub class: &'a Option<Located<String>>,
    pub value_usd_per_teu: &'a Option<Located<f64>>,
    pub due_days: &'a Option<Located<f64>>,
    pub vot_usd_per_teu_day: &'a Option<Located<f64>>,
}

/// `cargo()` on each struct with the cargo fields: their figures, borrowed.
macro_rules! cargo_of {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn cargo(&self) -> RawCargo<'_> {
                RawCargo {
                    teu_per_day: &self.teu_per_day,
                    class: &self.class,
                    value_usd_per_teu: &self.value_usd_per_teu,
                    due_days: &self.due_days,
                    vot_usd_per_teu_day: &self.vot_usd_per_teu_day,
                }
            }
        }
    )*};
}
cargo_of!(RawDemand, RawFlow);

/// A candidate's connector.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnector {
    pub id: Option<Located<String>>,
    pub to: Located<String>,
    pub mode: Located<Mode>,
    pub distance_km: Located<f64>,
    pub time_h: Located<RawDuration>,
    pub cost_usd_per_teu: Located<f64>,
    pub corridor: Option<Located<String>>,
}

/// `[[candidates]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCandidate {
    pub id: Located<String>,
    pub name: Located<String>,
    pub name_zh: Option<Located<String>>,
    pub kind: Option<Located<HubKind>>,
    pub lat: Located<f64>,
    pub lon: Located<f64>,
    pub transfer: Option<RawTransfer>,
    pub customs: Option<RawCustoms>,
    pub connectors: Option<Located<Vec<Located<RawConnector>>>>,
    pub connect: Option<Located<ConnectKind>>,
    #[serde(default)]
    pub demand: Vec<Located<RawFlow>>,
}

/// A candidate's `connect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectKind {
    /// Road connectors to the nearest hubs, by the `[region]` rule.
    Auto,
}

/// `[region]`: how automatic connectors are drawn.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub circuity: Option<Located<f64>>,
    pub connect_hubs: Option<Located<u32>>,
    pub connector_min_km: Option<Located<f64>>,
    pub road_speed_kmh: Option<Located<f64>>,
    pub road_fixed_usd_per_teu: Option<Located<f64>>,
    pub road_rate_usd_per_teu_km: Option<Located<f64>>,
}

/// `[compare]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompare {
    #[serde(default)]
    pub markets: Vec<Located<RawFlow>>,
    pub weights: Option<RawWeights>,
    pub procedure: Option<Located<ProcedureKind>>,
    pub indifference_usd_per_teu: Option<Located<f64>>,
    pub alpha: Option<Located<f64>>,
}

/// `[compare] procedure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureKind {
    /// Every zone gets `replications`.
    Fixed,
    /// Kim–Nelson fully sequential selection.
    Kn,
}

/// `[compare] weights`: how the zone score combines its components.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeights {
    pub generalized_cost: Option<Located<f64>>,
    pub reliability: Option<Located<f64>>,
    pub redundancy: Option<Located<f64>>,
    pub existing_traffic: Option<Located<f64>>,
}

/// `[[disruptions]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisruption {
    pub id: Located<String>,
    pub link: Option<Located<String>>,
    pub hub: Option<Located<String>>,
    pub service: Option<Located<String>>,
    pub probability: Option<Located<f64>>,
    pub start_days: Located<RawDuration>,
    pub duration_days: Located<RawDuration>,
    pub effect: Located<EffectKind>,
    pub time_factor: Option<Located<f64>>,
    pub servers: Option<Located<u32>>,
}

/// A duration: a number (fixed) or `{ dist = "...", ... }`, checked and compiled into a
/// [`Dist`] as it is read, so a bad distribution is reported at the table that holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDuration(pub Dist);

const DIST_KINDS: &[&str] = &[
    "fixed",
    "uniform",
    "triangular",
    "lognormal",
    "exponential",
    "empirical",
];

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor)
    }
}

struct DurationVisitor;

fn build<E: de::Error>(d: Result<Dist, crate::dist::DistError>) -> Result<RawDuration, E> {
    d.map(RawDuration).map_err(E::custom)
}

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = RawDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration: a number, or a table with `dist` and its parameters")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDuration, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDuration, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDuration, E> {
        build(Dist::fixed(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDuration, A::Error> {
        let mut kind: Option<String> = None;
        let mut params: Vec<(String, f64)> = Vec::new();
        let mut values: Option<Vec<f64>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "dist" => kind = Some(map.next_value()?),
                "values" => values = Some(map.next_value()?),
                "value" | "min" | "mode" | "max" | "median" | "p90" | "mean" => {
                    let v: f64 = map.next_value()?;
                    params.push((key, v));
                }
                other => {
                    return Err(de::Error::custom(format!(
                        "unknown duration parameter `{other}` (expected dist, value, min, mode, max, median, p90, mean or values)"
                    )));
                }
            }
        }
        let kind = kind.ok_or_else(|| {
            de::Error::custom(format!(
                "a duration table needs `dist` (one of {})",
                DIST_KINDS.join(", ")
            ))
        })?;
        let allowed: &[&str] = match kind.as_str() {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "triangular" => &["min", "mode", "max"],
            "lognormal" => &["median", "p90"],
            "exponential" => &["mean"],
            "empirical" => &[],
            other => {
                return Err(de::Error::custom(format!(
                    "unknown dist `{other}` (expected one of {})",
                    DIST_KINDS.join(", ")
                )));
            }
        };
        for (name, _) in &params {
            if !allowed.contains(&name.as_str()) {
                return Err(de::Error::custom(format!(
                    "`{name}` is not a parameter of a {kind} duration (it takes {})",
                    if allowed.is_empty() {
                        "values".to_string()
                    } else {
                        allowed.join(", ")
                    }
                )));
            }
        }
        if kind != "empirical" && values.is_some() {
            return Err(de::Error::custom(format!(
                "`values` is not a parameter of a {kind} duration"
            )));
        }
        let get = |name: &str| -> Result<f64, A::Error> {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| de::Error::custom(format!("a {kind} duration needs `{name}`")))
        };
        match kind.as_str() {
            "fixed" => build(Dist::fixed(get("value")?)),
            "uniform" => build(Dist::uniform(get("min")?, get("max")?)),
            "triangular" => build(Dist::triangular(get("min")?, get("mode")?, get("max")?)),
            "lognormal" => build(Dist::lognormal(get("median")?, get("p90")?)),
            "exponential" => build(Dist::exponential(get("mean")?)),
            _ => {
                let values = values
                    .ok_or_else(|| de::Error::custom("an empirical duration needs `values`"))?;
                build(Dist::empirical(values))
            }
        }
    }
}
