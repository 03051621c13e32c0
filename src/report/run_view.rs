//! Sections of a single scenario's results (`run`, `plugin`, and the map of
//! `compare-zones`): where the freight goes, which corridors carry it, how long it takes.

use super::chart::{self, Bar, Interval};
use super::html::{self, Section};
use super::map::{self, Style, short};
use super::{Context, ReportError, fmt_num, fmt_opt};
use crate::output::geojson::{NETWORK_GEOJSON, ZONES_GEOJSON};

/// The network map(s) from `network.geojson`, or the candidate zones from
/// `zones.geojson` when `zones` is set: an overview and, when the network spans far more
/// than its home region, a zoomed map of that region.
pub fn maps(cx: &Context<'_>, zones: bool) -> Result<Vec<Section>, ReportError> {
    let title = "Map";
    let file = if zones {
        ZONES_GEOJSON
    } else {
        NETWORK_GEOJSON
    };
    let Some(mut layer) = map::read(cx.dir, file)? else {
        return Ok(vec![Section::omitted(
            "map",
            title,
            &format!("{file} is absent: no map."),
        )]);
    };
    if zones {
        // The network, when the directory has it too, gives the zones their context.
        if let Some(net) = map::read(cx.dir, NETWORK_GEOJSON)? {
            layer.lines = net.lines;
        }
        layer.places.sort_by_key(|p| std::cmp::Reverse(p.rank));
    }
    let home = map::home_region(&layer);
    let mut body = String::new();
    let overview_title = if zones {
        "Candidate zones by rank (1 = lowest score)"
    } else {
        "Freight on the network (TEU per day)"
    };
    let svg = map::draw(
        &layer,
        if zones { home } else { None },
        &Style {
            corridors: &cx.corridors,
            title: overview_title,
            home: if zones { None } else { home },
            shading: None,
        },
    )?;
    let caption = if zones {
        "Each dot is a candidate zone, numbered by rank; red is the best (lowest \
         score). Coordinates in degrees (WGS 84)."
    } else {
        "Line width grows with the TEU per day on the link (square-root scale); colour \
         is the corridor carrying most of it; grey links carry nothing. Dot size grows \
         with the TEU per day through the hub. The box marks the region drawn below."
    };
    body.push_str(&html::figure("map", &svg, caption));
    if let (Some(home), false) = (home, zones) {
        let svg = map::draw(
            &layer,
            Some(home),
            &Style {
                corridors: &cx.corridors,
                title: "Home region (TEU per day)",
                home: None,
                shading: None,
            },
        )?;
        body.push_str(&html::figure(
            "map-region",
            &svg,
            "The region with most hubs, zoomed; every hub with freight is labelled.",
        ));
    }
    Ok(vec![Section::new("map", title, body)])
}

/// Corridor shares of the TEU delivered, with each corridor's transit time, cost and
/// on-time share, from `corridor_summary.csv`.
pub fn corridor_shares(cx: &Context<'_>) -> Result<Section, ReportError> {
    let title = "Corridor shares";
    let Some(t) = cx.read("corridor_summary.csv")? else {
        return Ok(Section::omitted(
            "corridors",
            title,
            "corridor_summary.csv is absent: no corridor shares.",
        ));
    };
    let corridor = t.col(&["corridor"])?;
    let teu = t.col(&["teu"])?;
    let mean = t.col(&["transit_days_mean"])?;
    let p95 = t.col(&["transit_days_p95"])?;
    let cost = t.col(&["cost_usd_per_teu_mean"])?;
    let on_time = t.col(&["on_time_share"])?;
    let mut total = 0.0;
    for r in 0..t.len() {
        total += t.num(r, teu)?.unwrap_or(0.0);
    }
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for r in 0..t.len() {
        let v = t.num(r, teu)?.unwrap_or(0.0);
        let share = if total > 0.0 { v / total } else { 0.0 };
        // Charts name corridors by id, as the map legend does; the table by name.
        let name = t.label(r, corridor);
        bars.push(Bar {
            label: t.text(r, corridor).to_string(),
            value: 100.0 * share,
            color: cx.corridor_colour(t.text(r, corridor)),
            text: format!("{} %  ({} TEU)", fmt_num(100.0 * share, 1), fmt_num(v, 0)),
        });
        rows.push(vec![
            name,
            fmt_num(v, 0),
            fmt_num(100.0 * share, 1),
            fmt_opt(t.num(r, mean)?, 1),
            fmt_opt(t.num(r, p95)?, 1),
            fmt_opt(t.num(r, cost)?, 0),
            fmt_opt(t.num(r, on_time)?.map(|s| 100.0 * s), 0),
        ]);
    }
    let svg = chart::bars(
        "Share of TEU delivered by corridor",
        "share of TEU (%)",
        &bars,
    )?;
    let mut body = html::figure(
        "corridor-shares",
        &svg,
        "TEU of the shipments delivered in the observation window, by the corridor of \
         their main leg; mean across replications.",
    );
    body.push_str(&html::table(
        "corridor-table",
        &[
            "corridor",
            "TEU",
            "share (%)",
            "transit mean (days)",
            "transit p95 (days)",
            "cost (USD/TEU)",
            "on time (%)",
        ],
        &rows,
        &[1, 2, 3, 4, 5, 6],
    ));
    Ok(Section::new("corridors", title, body))
}

/// Transit-time distribution per OD pair (mean with its 95 % interval, and the p50 to p95
/// range of shipments), from `od_summary.csv`.
pub fn od_transit(cx: &Context<'_>) -> Result<Section, ReportError> {
    let title = "Transit times per origin–destination pair";
    let Some(t) = cx.read("od_summary.csv")? else {
        return Ok(Section::omitted(
            "od-transit",
            title,
            "od_summary.csv is absent: no transit times.",
        ));
    };
    let origin = t.col(&["origin"])?;
    let dest = t.col(&["destination"])?;
    let mean = t.col(&["transit_days_mean"])?;
    let lo = t.col(&["transit_days_ci95_low"])?;
    let hi = t.col(&["transit_days_ci95_high"])?;
    let p50 = t.col(&["transit_days_p50"])?;
    let p95 = t.col(&["transit_days_p95"])?;
    let corridor = t.col(&["main_corridor", "best_corridor"])?;
    let mut items = Vec::new();
    for r in 0..t.len() {
        let (Some(m), Some(l), Some(h)) = (t.num(r, mean)?, t.num(r, lo)?, t.num(r, hi)?) else {
            continue;
        };
        let spread = t.num(r, p50)?.zip(t.num(r, p95)?);
        items.push(Interval {
            spread,
            note: t.text(r, corridor).to_string(),
            ..Interval::new(
                format!(
                    "{} → {}",
                    short(&t.label(r, origin), 22),
                    short(&t.label(r, dest), 22)
                ),
                m,
                l,
                h,
                cx.corridor_colour(t.text(r, corridor)),
            )
        });
    }
    if items.is_empty() {
        return Ok(Section::omitted(
            "od-transit",
            title,
            "od_summary.csv has no delivered shipment: no transit times.",
        ));
    }
    items.sort_by(|a, b| {
        a.mean
            .total_cmp(&b.mean)
            .then_with(|| a.label.cmp(&b.label))
    });
    let svg = chart::intervals(
        "Door-to-door transit time by OD pair",
        "transit time (days)",
        &items,
        false,
    )?;
    let body = html::figure(
        "od-transit-chart",
        &svg,
        "Dot and whiskers: mean transit time with its 95 % confidence interval across \
         replications; light bar: median (p50) to p95 of the shipments; colour and label \
         on the right: the OD pair's main corridor.",
    );
    Ok(Section::new("od-transit", title, body))
}
